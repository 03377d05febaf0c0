/* console_perm.c: the one table of who may do what (console_perm.h). */
#include "console_perm.h"

#include <string.h>

#define R(x) (1u << (x))
#define CLINICAL (R(CR_CLINICIAN) | R(CR_NURSE))
#define ALL (R(CR_ADMIN) | R(CR_CLINICIAN) | R(CR_NURSE) | R(CR_VIEWER))

/* The rules: a nurse enters diaries, scores, visits and path steps, except the team's
 * decisions, the trial operation, implant and explant, and any override, which a clinician
 * records; a viewer only reads; an admin manages accounts (and reads no patient data). */
const console_perm console_perms[CP_COUNT] = {
    {CP_PUBLIC, "public", ALL, "health, sign in (no session needed)"},
    {CP_SESSION, "session", ALL, "who am I, sign out"},
    {CP_PATIENT_READ, "patient.read", R(CR_CLINICIAN) | R(CR_NURSE) | R(CR_VIEWER),
     "patient list and pages: path, diary, scores, evaluation, plan, checks, leaflet, triage, report, exports"},
    {CP_PATIENT_WRITE, "patient.write", CLINICAL, "add a patient, change their details"},
    {CP_DIARY_WRITE, "diary.write", CLINICAL, "diary days, entered or imported"},
    {CP_DIARY_LINK, "diary.link", CLINICAL, "issue or revoke a patient's diary link"},
    {CP_SCORE_WRITE, "score.write", CLINICAL, "Wexner, St Mark's and NRS scores"},
    {CP_VISIT_WRITE, "visit.write", CLINICAL, "visits, programmer read-outs, lead responses"},
    {CP_CHECKS_WRITE, "checks.write", CLINICAL, "vaccinations, medication, earlier treatments"},
    {CP_PATH_STEP, "path.step", CLINICAL, "path steps other than the four below"},
    {CP_PATH_DECISION, "path.decision", R(CR_CLINICIAN), "the team's decisions (team review, final decision)"},
    {CP_PATH_TRIAL, "path.trial", R(CR_CLINICIAN), "the trial operation (stage 1)"},
    {CP_PATH_IMPLANT, "path.implant", R(CR_CLINICIAN), "implant and explant (stage 2)"},
    {CP_PATH_OVERRIDE, "path.override", R(CR_CLINICIAN), "any override of a rule, with its reason"},
    {CP_SETTINGS, "settings.write", R(CR_CLINICIAN), "the clinic's settings (evaluation threshold, trial windows, institution)"},
    {CP_AUDIT_READ, "audit.read", R(CR_ADMIN) | R(CR_CLINICIAN), "the audit trail, of the whole clinic and per patient"},
    {CP_USER_READ, "user.read", R(CR_ADMIN), "the list of console accounts"},
    {CP_USER_WRITE, "user.write", R(CR_ADMIN), "add, disable or enable an account"},
    /* No role: only a diary link's own session (console_api_diary.c checks it), never an account. */
    {CP_DIARY_OWN, "diary.own", 0, "the patient's own diary page, through their diary link (no account)"},
};

static const char *const role_names[CR_COUNT] = {"admin", "clinician", "nurse", "viewer"};

int console_may(console_role r, console_action a) {
  if ((unsigned)r >= CR_COUNT || (unsigned)a >= CP_COUNT) return 0;
  return (console_perms[a].roles & R(r)) != 0;
}

const char *console_role_name(console_role r) { return (unsigned)r < CR_COUNT ? role_names[r] : "?"; }

int console_role_parse(const char *s, console_role *r) {
  for (int i = 0; i < CR_COUNT; i++)
    if (strcmp(s, role_names[i]) == 0) {
      *r = (console_role)i;
      return 0;
    }
  return -1;
}

console_action console_perm_step(const char *step) {
  /* SCS: the neuromodulation meeting reviews the referral and takes the final decision. */
  if (strcmp(step, "team-review") == 0 || strcmp(step, "decision") == 0) return CP_PATH_DECISION;
  if (strcmp(step, "trial") == 0) return CP_PATH_TRIAL;
  if (strcmp(step, "implant") == 0 || strcmp(step, "explant") == 0) return CP_PATH_IMPLANT;
  return CP_PATH_STEP;
}

void console_perm_markdown(FILE *f) {
  fputs("| action | what | admin | clinician | nurse | viewer |\n|---|---|:-:|:-:|:-:|:-:|\n", f);
  for (int a = 0; a < CP_COUNT; a++) {
    fprintf(f, "| `%s` | %s |", console_perms[a].name, console_perms[a].what);
    for (int r = 0; r < CR_COUNT; r++) fputs(console_may((console_role)r, (console_action)a) ? " yes |" : " - |", f);
    fputc('\n', f);
  }
}
