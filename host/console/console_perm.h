/* console_perm.h: who may do what, as one table (console_perm.c; the same table in
 * docs/CONSOLE.md, checked by a test against `nmod console roles`).
 *
 * Every API route names one action; the router lets a request through only when the signed-in
 * user's role is in that action's roles. CP_PUBLIC routes need no session (health, log-in).
 */
#ifndef NMOD_CONSOLE_PERM_H
#define NMOD_CONSOLE_PERM_H

#include <stdio.h>

typedef enum { CR_ADMIN, CR_CLINICIAN, CR_NURSE, CR_VIEWER, CR_COUNT } console_role;

typedef enum {
  CP_PUBLIC,        /* no session needed */
  CP_SESSION,       /* any signed-in user: who am I, sign out */
  CP_PATIENT_READ,  /* patient list and pages, path, diary, scores, evaluation, plan, report, exports */
  CP_PATIENT_WRITE, /* add a patient, change their details */
  CP_DIARY_WRITE,   /* diary days, entered or imported */
  CP_DIARY_LINK,    /* issue or revoke a patient's diary link */
  CP_SCORE_WRITE,   /* Wexner, St Mark's, NRS scores */
  CP_VISIT_WRITE,   /* visits and programmer read-outs, lead responses */
  CP_CHECKS_WRITE,  /* vaccinations, medication, earlier treatments */
  CP_PATH_STEP,     /* a path step that is not one of the four below */
  CP_PATH_DECISION, /* the team's decisions (team review, final decision) */
  CP_PATH_TRIAL,    /* the trial operation (stage 1) */
  CP_PATH_IMPLANT,  /* implant and explant (stage 2) */
  CP_PATH_OVERRIDE, /* any override of a rule, with its reason */
  CP_SETTINGS,      /* the clinic's settings (thresholds, trial windows, institution) */
  CP_AUDIT_READ,    /* the audit trail of the whole clinic and per patient */
  CP_USER_READ,     /* the list of console accounts */
  CP_USER_WRITE,    /* add, disable or enable an account */
  CP_DIARY_OWN,     /* the patient's own diary page: a diary link's session, no account, no role */
  CP_COUNT
} console_action;

typedef struct {
  console_action action;
  const char *name;  /* "path.implant" */
  unsigned roles;    /* bit (1 << console_role) per role allowed */
  const char *what;  /* for the docs table */
} console_perm;

/* Indexed by console_action. */
extern const console_perm console_perms[CP_COUNT];

/* 1 when role r may do a. CP_PUBLIC and CP_SESSION: every role. */
int console_may(console_role r, console_action a);
const char *console_role_name(console_role r);
/* "admin", "clinician", "nurse", "viewer": 0, else -1. */
int console_role_parse(const char *s, console_role *r);
/* The action that recording path step `step` (a canonical step id of clinic_path.c, either
 * therapy) needs; an override needs CP_PATH_OVERRIDE as well. */
console_action console_perm_step(const char *step);
/* The table as Markdown (the rows of docs/CONSOLE.md's "Who may do what"). */
void console_perm_markdown(FILE *f);

#endif
