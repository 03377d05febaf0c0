/* clinic_leaflet.c: the brochures' rules for the patient's current phase (showering,
 * lifestyle, MRI, surgery, pregnancy, when to call), and its text and JSON renderers. Each rule
 * is one row of a table (clinic_leaflet_rules.tsv, compiled in as clinic_leaflet_rules[]) with
 * the therapies and phases it applies to and its text in both languages, so a rule is written
 * once and a test can check them all. */
#include <limits.h>
#include <string.h>

#include "clinic_leaflet.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_rules.h"
#include "json.h"

/* The section titles, in the order the leaflet shows them, in English (as the table names
 * them) and in Dutch. */
static const char *const sections[CLINIC_LEAFLET_SECTIONS] = {"Before the operation", "Your stimulator", "Showering", "Lifestyle", "MRI",
                                       "Surgery", "Pregnancy", "When to call"};
static const char *const sections_nl[CLINIC_LEAFLET_SECTIONS] = {"Voor de operatie", "Uw stimulator", "Douchen", "Leefregels", "MRI", "Operaties", "Zwangerschap", "Wanneer bellen"};
#define NSECTIONS ((size_t)CLINIC_LEAFLET_SECTIONS)

/* 1 when word is one of the space-separated words of list. */
static int has_word(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
  return 0;
}

static int section_index(const char *title) {
  for (size_t s = 0; s < NSECTIONS; s++)
    if (strcmp(title, sections[s]) == 0) return (int)s;
  return -1;
}

int clinic_leaflet_rule_check(const clinic_leaflet_rule *r) {
  if (!r->therapy || !r->phases || !r->section || !r->en || !r->nl || !*r->en || !*r->nl) return -1;
  if (strcmp(r->therapy, "scs") != 0 && strcmp(r->therapy, "snm") != 0 && strcmp(r->therapy, "both") != 0) return -1;
  if (section_index(r->section) < 0) return -1;
  /* Every word of phases is a phase. */
  char w[32];
  int any = 0;
  for (const char *p = r->phases; *p;) {
    size_t n = strcspn(p, " ");
    if (n == 0 || n >= sizeof w) return -1;
    memcpy(w, p, n);
    w[n] = '\0';
    clinic_phase ph;
    if (clinic_phase_parse(w, &ph) != 0) return -1;
    any = 1;
    p += n;
    if (*p == ' ') p++;
  }
  return any ? 0 : -1;
}

static int applies(const clinic_leaflet_rule *r, clinic_therapy t, clinic_phase ph) {
  return (strcmp(r->therapy, "both") == 0 || strcmp(r->therapy, clinic_therapy_name(t)) == 0) &&
         has_word(r->phases, clinic_phase_name(ph));
}

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

void clinic_leaflet_build(clinic_therapy t, clinic_phase ph, int nl, clinic_leaflet *lf) {
  memset(lf, 0, sizeof *lf);
  lf->therapy = t;
  lf->phase = ph;
  lf->nl = nl;
  for (size_t s = 0; s < NSECTIONS; s++) {
    clinic_leaflet_section *sec = &lf->sections[lf->nsections];
    sec->title = nl ? sections_nl[s] : sections[s];
    for (const clinic_leaflet_rule *r = clinic_leaflet_rules; r->therapy; r++)
      if (applies(r, t, ph) && strcmp(r->section, sections[s]) == 0 && sec->n < CLINIC_LEAFLET_MAX_RULES)
        sec->rules[sec->n++] = nl ? r->nl : r->en;
    if (sec->n) lf->nsections++;
  }
}

void clinic_leaflet_text(FILE *f, const clinic_leaflet *lf) {
  if (lf->nl)
    fprintf(f, "Regels voor u nu (%s, fase: %s)\n", lf->therapy == TH_SCS ? "ruggenmergstimulatie" : "sacrale neuromodulatie",
            clinic_phase_name(lf->phase));
  else
    fprintf(f, "Rules for you now (%s, phase: %s)\n", lf->therapy == TH_SCS ? "spinal cord stimulation" : "sacral neuromodulation",
            clinic_phase_name(lf->phase));
  for (int s = 0; s < lf->nsections; s++) {
    fprintf(f, "\n%s\n", lf->sections[s].title);
    for (int i = 0; i < lf->sections[s].n; i++) fprintf(f, "  - %s\n", lf->sections[s].rules[i]);
  }
}

void clinic_leaflet_json(FILE *f, const clinic_leaflet *lf) {
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_kv_str(&w, "therapy", clinic_therapy_name(lf->therapy));
  jw_kv_str(&w, "phase", clinic_phase_name(lf->phase));
  if (lf->nl) jw_kv_str(&w, "lang", "nl");
  jw_kv_arr(&w, "sections");
  for (int s = 0; s < lf->nsections; s++) {
    jw_obj(&w);
    jw_kv_str(&w, "title", lf->sections[s].title);
    jw_kv_arr(&w, "rules");
    for (int i = 0; i < lf->sections[s].n; i++) jw_str(&w, lf->sections[s].rules[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

int clinic_cmd_leaflet(clinic_ctx *c, clinic_args *a) {
  const char *phase = clinic_opt_get(a, "phase"), *lang = clinic_opt_get(a, "lang");
  int rc = clinic_args_done(a, "leaflet");
  if (rc) return rc;
  if (a->npos != 2)
    return clinic_fail(CL_USAGE, "usage: nmod clinic leaflet PATIENT [--phase before-trial|trial|early-implant|implanted|removed] [--lang en|nl]");
  clinic_patient p;
  clinic_err e = {0};
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  clinic_phase ph;
  if (phase) {
    if (clinic_phase_parse(phase, &ph) != 0)
      return clinic_fail(CL_USAGE, "--phase '%s' is not known: use before-trial, trial, early-implant, implanted or removed", phase);
  } else {
    clinic_path path;
    if (clinic_path_read(c->db, &p, &path, &e) != CLINIC_E_OK) return clinic_report(&e);
    ph = clinic_phase_of(&p, &path, c->today);
  }
  if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "nl") != 0)
    return clinic_fail(CL_USAGE, "--lang '%s' is not known: use en or nl (Dutch, the brochures' language)", lang);
  clinic_leaflet lf;
  clinic_leaflet_build(p.therapy, ph, lang && strcmp(lang, "nl") == 0, &lf);
  if (c->json)
    clinic_leaflet_json(clinic_stdout(), &lf);
  else
    clinic_leaflet_text(clinic_stdout(), &lf);
  return CL_OK;
}
