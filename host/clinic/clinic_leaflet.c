/* clinic_leaflet.c: the brochures' rules for the patient's current phase (showering,
 * lifestyle, MRI, surgery, pregnancy, when to call). Each rule is one row of a table with the
 * therapies and phases it applies to, so a rule is written once and a test can list them. */
#include <limits.h>
#include <string.h>

#include "clinic_int.h"

#define S_ 1 /* SCS */
#define N_ 2 /* SNM */
#define B_ 3 /* both */
#define P_PRE (1 << PH_PRE)
#define P_TRIAL (1 << PH_TRIAL)
#define P_EARLY (1 << PH_EARLY)
#define P_LONG (1 << PH_LONG)
#define P_REMOVED (1 << PH_REMOVED)
#define P_IMPL (P_EARLY | P_LONG)
#define P_ALL (P_PRE | P_TRIAL | P_EARLY | P_LONG | P_REMOVED)

typedef struct {
  int therapies, phases;
  const char *section, *text;
} rule;

static const char *const sections[] = {"Before the operation", "Your stimulator", "Showering", "Lifestyle", "MRI",
                                       "Surgery", "Pregnancy", "When to call"};

static const rule rules[] = {
    {B_, P_PRE, "Before the operation", "No flu vaccination from 2 days before to 2 days after the operation; no other vaccination (such as travel vaccines) from 2 weeks before to 2 weeks after."},
    {B_, P_PRE, "Before the operation", "Blood thinners (such as Plavix, Persantin, Sintrom, Marcoumar, Pradaxa, Xarelto, Eliquis) must be stopped before the operation as your doctor decides with you."},
    {S_, P_PRE, "Before the operation", "The pre-operative screening is 1-2 weeks before the operation; about 1 week before, the admission office calls you with the date and time."},
    {B_, P_PRE, "Before the operation", "Tell us about allergies (iodine, contrast fluid, medication, plasters, rubber, latex) and a possible pregnancy."},
    {B_, P_PRE, "Before the operation", "You cannot drive yourself home after the treatment: arrange a ride."},
    {S_, P_TRIAL, "Your stimulator", "During the trial the external stimulator is outside your body, covered by a plaster on your skin; the extension cable leaves the skin in your flank."},
    {N_, P_TRIAL, "Your stimulator", "The extension cable in your upper buttock is connected to the external modulator, which you wear in a belt under your clothing."},
    {N_, P_TRIAL, "Your stimulator", "With the wireless remote control you can change the strength of the stimulation yourself."},
    {N_, P_IMPL, "Your stimulator", "With your remote control you can adjust the settings of the modulator; the manual you were given explains how."},
    {S_, P_TRIAL, "Lifestyle", "After operation 1: do not sit upright for the first 4 hours; only out of bed for the toilet."},
    {S_, P_TRIAL, "Showering", "During the trial you may not shower at all: the external stimulator and the wound must stay dry."},
    {N_, P_TRIAL, "Showering", "No bath or shower during the trial: wash with a washcloth; the external modulator must not get wet."},
    {N_, P_TRIAL, "Lifestyle", "The plasters on your lower back stay on for the whole trial: you may add plasters, never remove them."},
    {N_, P_TRIAL, "Lifestyle", "Do not bend, keep your lower back straight, do not lift heavy things."},
    {B_, P_TRIAL, "Lifestyle", "Keep your diary every day of the trial: it decides whether you get the definitive stimulator."},
    {S_, P_TRIAL | P_EARLY, "Lifestyle", "During the trial and the first 6 weeks after the definitive operation: no sudden back or neck movements; no bending, lifting, stretching or twisting; arms not above your head; no bed 'parrot' handle; no cycling; do not drive yourself."},
    {S_, P_EARLY, "Showering", "No shower for 3 days after the definitive operation."},
    {N_, P_EARLY, "Showering", "You may shower again the day after the modulator was placed; no bath until the wound has closed. If the plaster falls off, put on a new one until the wound is closed."},
    {N_, P_EARLY, "Lifestyle", "For 2 more weeks after the implant: no bending or lifting, no sudden, extreme or repeated movements (bending, twisting, jumping, stretching)."},
    {S_, P_IMPL, "Lifestyle", "Come at least once a year for a control; before it you keep a pain diary and fill in questionnaires."},
    {N_, P_IMPL, "Lifestyle", "The battery of a non-rechargeable modulator runs out after some years and is then replaced; how long it lasts depends on the settings."},
    {S_, P_TRIAL | P_IMPL, "MRI", "Not every stimulator withstands MRI: always contact the pain clinic in time. Just before the scan the clinic checks that the system is MRI-compatible and all parts are intact, and gives you a written statement for radiology; without it no MRI is made. Switch the stimulator off during the scan with your remote control."},
    {N_, P_TRIAL | P_IMPL, "MRI", "An MRI scan is in principle not possible; an MRI of the head may be possible under conditions. Other scans such as CT are allowed."},
    {S_, P_TRIAL | P_IMPL, "Surgery", "Before any surgery switch the stimulator off, or put it in surgical mode, with your remote control; the surgical team must use bipolar diathermy."},
    {N_, P_TRIAL | P_IMPL, "Surgery", "Before any future medical examination or operation, tell the medical staff that you have a neuromodulator."},
    {S_, P_TRIAL | P_IMPL, "Surgery", "Tell every future medical team that you have a neurostimulator."},
    {N_, P_TRIAL | P_IMPL, "Pregnancy", "If you wish to become pregnant, switch the modulator off; switch it on again after the delivery."},
    {N_, P_PRE, "Pregnancy", "Are you (possibly) pregnant? Tell us as soon as possible."},
    {B_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Fever above 38 C, red and warmer skin around the wound, pus, wound pain that gets worse, or when you do not trust it: contact the hospital immediately."},
    {S_, P_TRIAL | P_IMPL, "When to call", "Less effect or a changed stimulation (the lead may have moved): contact the pain nurse, Monday to Friday."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Headache that gets better lying down and worse upright (leak of spinal fluid): bed rest; still there after 2 days, contact the pain clinic."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Severe back pain, later numbness or weakness of the legs (bleeding near the spinal cord, very rare): contact the pain clinic immediately."},
    {S_, P_TRIAL | P_EARLY, "When to call", "Some bloody fluid from the wound is harmless: leave the plaster on and add one; when in doubt, call the pain clinic. Wound pain: paracetamol as the leaflet says."},
    {N_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Fever, pus or unusually much blood from the wound: contact the surgical outpatient clinic at once in the daytime, the emergency department outside office hours."},
    {N_, P_TRIAL | P_EARLY | P_REMOVED, "When to call", "Other urgent questions after you went home: in the first 24 hours, the surgical outpatient clinic in office hours and the emergency department outside them; after 24 hours, the surgical outpatient clinic in office hours and your GP out-of-hours service outside them."},
    {B_, P_LONG, "When to call", "Any question about settings or the remote control: contact the clinic in office hours."},
};

const char *clinic_phase_name(clinic_phase ph) {
  static const char *const n[] = {"before-trial", "trial", "early-implant", "implanted", "removed"};
  return n[ph];
}

int clinic_phase_parse(const char *s, clinic_phase *ph) {
  for (int i = PH_PRE; i <= PH_REMOVED; i++)
    if (strcmp(s, clinic_phase_name((clinic_phase)i)) == 0) {
      *ph = (clinic_phase)i;
      return 0;
    }
  return -1;
}

clinic_phase clinic_phase_at(const clinic_patient *p, const clinic_path *path, int32_t today, int32_t *until,
                             clinic_phase *next) {
  *until = INT32_MAX;
  if (clinic_path_done(path, "explant") != INT32_MIN) return *next = PH_REMOVED;
  int32_t im = clinic_path_done(path, "implant");
  if (im != INT32_MIN) {
    /* Early: the first 6 weeks (SCS) or 2 weeks (SNM) after the implant. */
    int32_t last_early = im + (p->therapy == TH_SCS ? 42 : 14) - 1;
    *next = PH_LONG;
    if (today > last_early) return PH_LONG;
    *until = last_early;
    return PH_EARLY;
  }
  if (clinic_path_done(path, "trial") != INT32_MIN) return *next = PH_TRIAL;
  return *next = PH_PRE;
}

clinic_phase clinic_phase_of(const clinic_patient *p, const clinic_path *path, int32_t today) {
  int32_t until;
  clinic_phase next;
  return clinic_phase_at(p, path, today, &until, &next);
}

void clinic_leaflet_print(FILE *f, clinic_therapy t, clinic_phase ph, int json) {
  int tm = t == TH_SCS ? S_ : N_, pm = 1 << ph;
  js_w w;
  if (json) {
    jw_init(&w, f);
    jw_obj(&w);
    jw_key(&w, "therapy");
    jw_str(&w, clinic_therapy_name(t));
    jw_key(&w, "phase");
    jw_str(&w, clinic_phase_name(ph));
    jw_key(&w, "sections");
    jw_arr(&w);
  } else {
    fprintf(f, "Rules for you now (%s, phase: %s)\n", t == TH_SCS ? "spinal cord stimulation" : "sacral neuromodulation",
            clinic_phase_name(ph));
  }
  for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
    int any = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
      const rule *r = &rules[i];
      if (!(r->therapies & tm) || !(r->phases & pm) || strcmp(r->section, sections[s]) != 0) continue;
      if (!any) {
        if (json) {
          jw_obj(&w);
          jw_key(&w, "title");
          jw_str(&w, sections[s]);
          jw_key(&w, "rules");
          jw_arr(&w);
        } else {
          fprintf(f, "\n%s\n", sections[s]);
        }
        any = 1;
      }
      if (json)
        jw_str(&w, r->text);
      else
        fprintf(f, "  - %s\n", r->text);
    }
    if (any && json) {
      jw_arr_end(&w);
      jw_obj_end(&w);
    }
  }
  if (json) {
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  }
}

int clinic_cmd_leaflet(clinic_ctx *c, clinic_args *a) {
  const char *phase = clinic_opt_get(a, "phase");
  int rc = clinic_args_done(a, "leaflet");
  if (rc) return rc;
  if (a->npos != 2)
    return clinic_fail(CL_USAGE, "usage: nmod clinic leaflet PATIENT [--phase before-trial|trial|early-implant|implanted|removed]");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  clinic_phase ph;
  if (phase) {
    if (clinic_phase_parse(phase, &ph) != 0)
      return clinic_fail(CL_USAGE, "--phase '%s' is not known: use before-trial, trial, early-implant, implanted or removed", phase);
  } else {
    clinic_path path;
    if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
    ph = clinic_phase_of(&p, &path, c->today);
  }
  clinic_leaflet_print(clinic_stdout(), p.therapy, ph, c->json);
  return CL_OK;
}
