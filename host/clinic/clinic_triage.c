/* clinic_triage.c: what a patient with a complaint should do, as the brochures say:
 * contact the hospital immediately, contact the pain nurse / clinic on a weekday, or self-care.
 * The most urgent reason wins; every reason is listed with where it comes from. */
#include <string.h>

#include "clinic_int.h"

const char *clinic_urgency_name(clinic_urgency u) {
  return u == TR_IMMEDIATE ? "immediate" : u == TR_WEEKDAY ? "weekday" : "self-care";
}

typedef struct {
  const char *symptom;
  int therapies; /* 1 SCS, 2 SNM, 3 both */
  clinic_urgency urgency;
  const char *reason;
} symptom_rule;

static const symptom_rule symptoms[] = {
    {"redness", 3, TR_IMMEDIATE, "red skin around the wound that feels warmer than elsewhere: a sign of infection"},
    {"pus", 3, TR_IMMEDIATE, "yellow fluid (pus) from the wound: a sign of infection"},
    {"wound-pain-worse", 3, TR_IMMEDIATE, "wound pain that gets worse: a sign of infection"},
    {"distrust", 3, TR_IMMEDIATE, "the patient does not trust it: the brochure says to call then"},
    {"heavy-bleeding", 3, TR_IMMEDIATE, "unusually much blood from the wound (after-bleeding)"},
    {"severe-back-pain", 1, TR_IMMEDIATE, "severe back pain: possible bleeding near the spinal cord"},
    {"leg-numbness", 1, TR_IMMEDIATE, "numb or paralysed feeling in the legs: possible bleeding near the spinal cord"},
    {"less-effect", 3, TR_WEEKDAY, "less effect of the stimulation: the lead may have moved"},
    {"stimulation-changed", 3, TR_WEEKDAY, "the stimulation feels different: the lead may have moved"},
    {"bloody-fluid", 3, TR_SELF, "some bloody fluid or old blood from the wound is harmless: leave the plaster, add one; call when in doubt"},
    {"wound-pain", 3, TR_SELF, "pain after the operation can last some weeks: paracetamol as the leaflet says"},
    {"swelling", 3, TR_SELF, "swelling from a tissue reaction to the lead passes by itself (with redness and warm skin, pus or fever: call immediately)"},
};

static const char *action(clinic_urgency u, int therapy) {
  if (u == TR_IMMEDIATE)
    return therapy == 2 ? "contact the hospital immediately: the surgical outpatient clinic in office hours, the emergency department outside them"
         : therapy == 1 ? "contact the hospital (pain clinic) immediately"
                        : "contact the hospital immediately";
  if (u == TR_WEEKDAY)
    return therapy == 2 ? "contact the surgical outpatient clinic in office hours (Monday to Friday)"
                        : "contact the pain nurse, Monday to Friday";
  return "follow the advice below; call when in doubt";
}

int clinic_cmd_triage(clinic_ctx *c, clinic_args *a) {
  const char *temp = clinic_opt_get(a, "temp"), *th = clinic_opt_get(a, "therapy"), *pat = clinic_opt_get(a, "patient");
  const char *rest = clinic_opt_get(a, "bed-rest-days");
  /* --symptom may repeat: collect every value. */
  const char *sym[16];
  int nsym = 0;
  for (int i = 0; i < a->nopts; i++)
    if (strcmp(a->opts[i].name, "symptom") == 0 || strncmp(a->opts[i].name, "symptom=", 8) == 0) {
      a->opts[i].used = 1;
      if (nsym < 16) sym[nsym++] = a->opts[i].value ? a->opts[i].value : "";
    }
  int rc = clinic_args_done(a, "triage");
  if (rc) return rc;
  if (a->npos != 1 || (!temp && !nsym))
    return clinic_fail(CL_USAGE, "usage: nmod clinic triage [--temp C] [--symptom S]... [--therapy scs|snm | --patient ID] [--bed-rest-days N]");
  int therapy = 3;
  if (th) {
    if (strcmp(th, "scs") == 0) therapy = 1;
    else if (strcmp(th, "snm") == 0) therapy = 2;
    else return clinic_fail(CL_USAGE, "--therapy '%s' is not known: use scs or snm", th);
  }
  if (pat) {
    if (!c->db) return clinic_fail(CL_IO, "no database open for --patient");
    clinic_patient p;
    if ((rc = clinic_patient_get(c->db, pat, &p)) != CL_OK) return rc;
    therapy = p.therapy == TH_SCS ? 1 : 2;
  }
  clinic_urgency worst = TR_SELF;
  const char *why_s[20], *why_r[20];
  clinic_urgency why_u[20];
  char tempmsg[160], restmsg[200];
  int nwhy = 0;
  if (temp) {
    int64_t dc;
    if (clinic_parse_fixed(temp, 2, &dc) != 0 || dc < 3000 || dc > 4500)
      return clinic_fail(CL_USAGE, "--temp '%s' is not a body temperature in degrees Celsius (30-45, e.g. 38.4)", temp);
    /* "koorts hoger dan 38 graden": strictly above 38.0. */
    if (dc > 3800) {
      snprintf(tempmsg, sizeof tempmsg, "fever of %s C, above 38 C: a sign of infection", temp);
      why_u[nwhy] = TR_IMMEDIATE;
    } else {
      snprintf(tempmsg, sizeof tempmsg, "temperature %s C is not above 38 C: no fever by the brochure's rule", temp);
      why_u[nwhy] = TR_SELF;
    }
    why_s[nwhy] = "temperature";
    why_r[nwhy++] = tempmsg;
  }
  for (int i = 0; i < nsym; i++) {
    const char *s = sym[i];
    if (strcmp(s, "headache-positional") == 0) {
      if (therapy == 2) return clinic_fail(CL_USAGE, "symptom 'headache-positional' (spinal fluid leak) belongs to SCS, not SNM");
      long days = 0;
      if (rest && clinic_parse_int(rest, 0, 365, &days) != 0)
        return clinic_fail(CL_USAGE, "--bed-rest-days '%s' is not a whole number of days", rest);
      if (days >= 2) {
        snprintf(restmsg, sizeof restmsg, "headache better lying down, worse upright (spinal fluid leak), not gone after %ld days of bed rest: contact the pain clinic", days);
        why_u[nwhy] = TR_WEEKDAY;
      } else {
        snprintf(restmsg, sizeof restmsg, "headache better lying down, worse upright (spinal fluid leak): bed rest; contact the pain clinic if it is not gone after 2 days of bed rest");
        why_u[nwhy] = TR_SELF;
      }
      why_s[nwhy] = s;
      why_r[nwhy++] = restmsg;
      continue;
    }
    int k = -1;
    for (size_t j = 0; j < sizeof symptoms / sizeof symptoms[0]; j++)
      if (strcmp(symptoms[j].symptom, s) == 0) k = (int)j;
    if (k < 0) {
      clinic_buf b = {0};
      for (size_t j = 0; j < sizeof symptoms / sizeof symptoms[0]; j++) clinic_buf_printf(&b, "%s, ", symptoms[j].symptom);
      rc = clinic_fail(CL_USAGE, "symptom '%s' is not known; use one of: %sheadache-positional", s, b.s);
      clinic_buf_free(&b);
      return rc;
    }
    if (!(symptoms[k].therapies & therapy))
      return clinic_fail(CL_USAGE, "symptom '%s' belongs to SCS, not SNM", s);
    why_s[nwhy] = s;
    why_r[nwhy] = symptoms[k].reason;
    why_u[nwhy++] = symptoms[k].urgency;
  }
  for (int i = 0; i < nwhy; i++)
    if (why_u[i] > worst) worst = why_u[i];
  if (c->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "urgency");
    jw_str(&w, clinic_urgency_name(worst));
    jw_key(&w, "action");
    jw_str(&w, action(worst, therapy));
    jw_key(&w, "reasons");
    jw_arr(&w);
    for (int i = 0; i < nwhy; i++) {
      jw_obj(&w);
      jw_key(&w, "symptom");
      jw_str(&w, why_s[i]);
      jw_key(&w, "urgency");
      jw_str(&w, clinic_urgency_name(why_u[i]));
      jw_key(&w, "reason");
      jw_str(&w, why_r[i]);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("urgency: %s: %s\n", clinic_urgency_name(worst), action(worst, therapy));
    for (int i = 0; i < nwhy; i++) printf("  - [%s] %s\n", clinic_urgency_name(why_u[i]), why_r[i]);
  }
  return CL_OK;
}
