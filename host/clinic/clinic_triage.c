/* clinic_triage.c: what a patient with a complaint should do, as the brochures say:
 * contact the hospital immediately, contact the pain nurse / clinic on a weekday, or self-care.
 * The most urgent reason wins; every reason is listed with where it comes from. For SNM the
 * place to call depends on the time of day and on the hours since discharge (seed 004). */
#include <limits.h>
#include <string.h>

#include "clinic_triage.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_util.h"
#include "hu_args.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "json.h"

const char *clinic_urgency_name(clinic_urgency u) {
  return u == TR_IMMEDIATE ? "immediate" : u == TR_WEEKDAY ? "weekday" : "self-care";
}

const char *clinic_triage_symptom(int i, int *therapies) {
  int n = 0;
  while (clinic_symptom_rules[n].symptom) n++;
  if (i < 0 || i > n) return NULL;
  if (i == n) {
    *therapies = 1; /* handled apart: it depends on the days of bed rest */
    return "headache-positional";
  }
  *therapies = clinic_symptom_rules[i].therapies;
  return clinic_symptom_rules[i].symptom;
}

/* Office hours for the SNM contact rule. The brochure says "tijdens kantooruren" and
 * "overdag" without times; Monday to Friday 08:00-17:00 is ours (docs/CLINIC.md). */
#define OFFICE_FROM_MIN (8 * 60)
#define OFFICE_TO_MIN (17 * 60)

static int office_hours(int64_t now) {
  int32_t day = hu_day_of_minutes(now);
  int64_t m = now - (int64_t)day * 1440;
  return hu_weekday(day) < 5 && m >= OFFICE_FROM_MIN && m < OFFICE_TO_MIN;
}

typedef enum { DIS_UNKNOWN, DIS_WITHIN_24H, DIS_AFTER_24H } since_discharge;

/* Who to contact. SNM follows seed 004: fever, pus or much blood from the wound: the
 * surgical outpatient clinic in the daytime, the emergency department outside office hours;
 * any other urgent question: in the first 24 hours after discharge the same, after them the
 * GP out-of-hours service outside office hours. SCS: the hospital (pain clinic). */
static const char *action(clinic_urgency u, int therapy, int office, since_discharge dis, int complication,
                          const char **contact) {
  *contact = NULL;
  if (u == TR_IMMEDIATE && therapy == 2) {
    if (office) {
      *contact = "surgery-outpatient-clinic";
      return "contact the surgical outpatient clinic (poli Chirurgie) now: it is office hours";
    }
    if (complication || dis == DIS_WITHIN_24H) {
      *contact = "emergency-department";
      return complication ? "contact the emergency department (SEH) now: fever, pus or much blood from the wound outside "
                            "office hours"
                          : "contact the emergency department (SEH) now: outside office hours, within 24 hours of discharge";
    }
    if (dis == DIS_AFTER_24H) {
      *contact = "gp-out-of-hours";
      return "contact your GP out-of-hours service (huisartsenpost) now: outside office hours, more than 24 hours after "
             "discharge";
    }
    *contact = "emergency-department-or-gp-out-of-hours";
    return "outside office hours: contact the emergency department (SEH) if you were discharged less than 24 hours ago, "
           "else your GP out-of-hours service (huisartsenpost); give --discharged to decide";
  }
  if (u == TR_IMMEDIATE) {
    *contact = "hospital";
    return therapy == 1 ? "contact the hospital (pain clinic) immediately" : "contact the hospital immediately";
  }
  if (u == TR_WEEKDAY) {
    if (therapy == 2) {
      *contact = "surgery-outpatient-clinic";
      return office ? "contact the surgical outpatient clinic now (office hours)"
                    : "contact the surgical outpatient clinic in office hours (Monday to Friday), not now";
    }
    *contact = "pain-nurse";
    return "contact the pain nurse, Monday to Friday";
  }
  return "follow the advice below; call when in doubt";
}

/* The last operation done (day treatment: the patient went home that day), or INT32_MIN. */
static int32_t last_operation(const clinic_path *path) {
  int32_t last = INT32_MIN;
  for (int i = 0; i < path->nsteps; i++)
    if (path->def[i].procedure && path->rec[i].recorded && !path->rec[i].planned && path->rec[i].date > last)
      last = path->rec[i].date;
  return last;
}

int clinic_triage_decide(const clinic_triage_in *in, clinic_triage *t, clinic_err *e) {
  memset(t, 0, sizeof *t);
  t->therapy = in->therapy;
  t->now = in->now;
  t->since = in->since;
  if (in->temp) {
    int64_t dc;
    if (hu_dec_range(in->temp, 2, INT64_MIN, INT64_MAX, &dc) != 0 || dc < 3000 || dc > 4500)
      return clinic_err_set(e, CLINIC_E_INPUT, "--temp '%s' is not a body temperature in degrees Celsius (30-45, e.g. 38.4)",
                            in->temp);
    /* "koorts hoger dan 38 graden": strictly above 38.0. */
    clinic_triage_reason *r = &t->why[t->nwhy++];
    r->symptom = "temperature";
    r->urgency = dc > 3800 ? TR_IMMEDIATE : TR_SELF;
    snprintf(r->text, sizeof r->text,
             dc > 3800 ? "fever of %s C, above 38 C: a sign of infection"
                       : "temperature %s C is not above 38 C: no fever by the brochure's rule",
             in->temp);
  }
  for (int i = 0; i < in->nsym && t->nwhy < CLINIC_TRIAGE_MAX; i++) {
    const char *s = in->sym[i];
    clinic_triage_reason *r = &t->why[t->nwhy];
    if (strcmp(s, "headache-positional") == 0) {
      if (in->therapy == 2)
        return clinic_err_set(e, CLINIC_E_INPUT, "symptom 'headache-positional' (spinal fluid leak) belongs to SCS, not SNM");
      long days = 0;
      if (in->bed_rest && hu_dec_range(in->bed_rest, 0, 0, 365, &days) != 0)
        return clinic_err_set(e, CLINIC_E_INPUT, "--bed-rest-days '%s' is not a whole number of days", in->bed_rest);
      if (days >= 2) {
        snprintf(r->text, sizeof r->text, "headache better lying down, worse upright (spinal fluid leak), not gone after %ld days of bed rest: contact the pain clinic", days);
        r->urgency = TR_WEEKDAY;
      } else {
        snprintf(r->text, sizeof r->text, "headache better lying down, worse upright (spinal fluid leak): bed rest; contact the pain clinic if it is not gone after 2 days of bed rest");
        r->urgency = TR_SELF;
      }
      r->symptom = s;
      t->nwhy++;
      continue;
    }
    int k = -1;
    for (size_t j = 0; clinic_symptom_rules[j].symptom; j++)
      if (strcmp(clinic_symptom_rules[j].symptom, s) == 0) k = (int)j;
    if (k < 0) {
      clinic_buf b = {0};
      for (size_t j = 0; clinic_symptom_rules[j].symptom; j++) clinic_buf_printf(&b, "%s, ", clinic_symptom_rules[j].symptom);
      clinic_err_set(e, CLINIC_E_INPUT, "symptom '%s' is not known; use one of: %sheadache-positional", s, b.s);
      clinic_buf_free(&b);
      return e->code;
    }
    if (!(clinic_symptom_rules[k].therapies & in->therapy))
      return clinic_err_set(e, CLINIC_E_INPUT, "symptom '%s' belongs to SCS, not SNM", s);
    r->symptom = s;
    snprintf(r->text, sizeof r->text, "%s", clinic_symptom_rules[k].reason);
    r->urgency = clinic_symptom_rules[k].urgency;
    t->nwhy++;
  }
  t->urgency = TR_SELF;
  int complication = 0; /* seed 004: fever, pus or much blood from the wound */
  for (int i = 0; i < t->nwhy; i++) {
    const clinic_triage_reason *r = &t->why[i];
    if (r->urgency > t->urgency) t->urgency = r->urgency;
    if (r->urgency == TR_IMMEDIATE && (strcmp(r->symptom, "temperature") == 0 || strcmp(r->symptom, "pus") == 0 ||
                                       strcmp(r->symptom, "heavy-bleeding") == 0))
      complication = 1;
  }
  t->office = office_hours(in->now);
  t->action = action(t->urgency, in->therapy, t->office, (since_discharge)in->since, complication, &t->contact);
  return CLINIC_E_OK;
}

int clinic_triage_of_patient(sqlite3 *db, const char *code, int64_t now, int *therapy, int *since, clinic_err *e) {
  clinic_patient p;
  clinic_path path;
  int rc = clinic_patient_lookup(db, code, &p, e);
  if (!rc) rc = clinic_path_read(db, &p, &path, e);
  if (rc) return rc;
  *therapy = p.therapy == TH_SCS ? 1 : 2;
  int32_t op = last_operation(&path);
  /* Without --discharged: discharged some time on the day of the last operation. */
  if (*since == DIS_UNKNOWN && op != INT32_MIN) {
    int64_t first = (int64_t)op * 1440, last = first + 1439;
    *since = now - last >= 24 * 60 ? DIS_AFTER_24H : now - first < 24 * 60 ? DIS_WITHIN_24H : DIS_UNKNOWN;
  }
  return CLINIC_E_OK;
}

static const char *const since_name[3] = {"unknown", "within-24h", "after-24h"};

static void triage_json(FILE *f, const clinic_triage *t) {
  char nows[17];
  hu_minute_fmt(nows, HU_MINUTE_LEN, t->now);
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_kv_str(&w, "urgency", clinic_urgency_name(t->urgency));
  jw_kv_str(&w, "action", t->action);
  jw_kv_str_opt(&w, "contact", t->contact);
  jw_kv_str(&w, "now", nows);
  jw_kv_bool(&w, "office_hours", t->office);
  jw_kv_str(&w, "since_discharge", since_name[t->since]);
  jw_kv_arr(&w, "reasons");
  for (int i = 0; i < t->nwhy; i++) {
    jw_obj(&w);
    jw_kv_str(&w, "symptom", t->why[i].symptom);
    jw_kv_str(&w, "urgency", clinic_urgency_name(t->why[i].urgency));
    jw_kv_str(&w, "reason", t->why[i].text);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

static void triage_text(FILE *f, const clinic_triage *t) {
  char nows[17];
  hu_minute_fmt(nows, HU_MINUTE_LEN, t->now);
  fprintf(f, "urgency: %s: %s\n", clinic_urgency_name(t->urgency), t->action);
  if (t->therapy == 2 && t->urgency != TR_SELF)
    fprintf(f, "  (%s, %s office hours Monday to Friday 08:00-17:00; %s)\n", nows, t->office ? "in" : "outside",
            t->since == DIS_UNKNOWN ? "discharge time not known"
            : t->since == DIS_WITHIN_24H ? "less than 24 hours after discharge"
                                         : "more than 24 hours after discharge");
  for (int i = 0; i < t->nwhy; i++) fprintf(f, "  - [%s] %s\n", clinic_urgency_name(t->why[i].urgency), t->why[i].text);
}

int clinic_cmd_triage(clinic_ctx *c, clinic_args *a) {
  clinic_triage_in in = {0};
  in.temp = clinic_opt_get(a, "temp");
  in.bed_rest = clinic_opt_get(a, "bed-rest-days");
  const char *th = clinic_opt_get(a, "therapy"), *pat = clinic_opt_get(a, "patient");
  const char *now_opt = clinic_opt_get(a, "now"), *dis_opt = clinic_opt_get(a, "discharged");
  /* --symptom may repeat: collect every value. */
  in.nsym = hu_args_count(a, "symptom");
  if (in.nsym > CLINIC_TRIAGE_MAX_SYM) return clinic_fail(CL_USAGE, "more than %d --symptom options", CLINIC_TRIAGE_MAX_SYM);
  for (int i = 0; i < in.nsym; i++) in.sym[i] = hu_args_nth(a, "symptom", i);
  int rc = clinic_args_done(a, "triage");
  if (rc) return rc;
  if (a->npos != 1 || (!in.temp && !in.nsym))
    return clinic_fail(CL_USAGE, "usage: nmod clinic triage [--temp C] [--symptom S]... [--therapy scs|snm | --patient ID] "
                                 "[--bed-rest-days N] [--now 'YYYY-MM-DD HH:MM'] [--discharged 'YYYY-MM-DD HH:MM']");
  in.therapy = 3;
  if (th) {
    if (strcmp(th, "scs") == 0) in.therapy = 1;
    else if (strcmp(th, "snm") == 0) in.therapy = 2;
    else return clinic_fail(CL_USAGE, "--therapy '%s' is not known: use scs or snm", th);
  }
  int64_t dis = INT64_MIN;
  in.now = hu_now_minutes();
  char m[160];
  int drc;
  if (now_opt && (drc = hu_minute_parse(now_opt, &in.now)) != 0)
    return clinic_fail(CL_USAGE, "%s", hu_date_msg(m, sizeof m, "--now", now_opt, drc, HU_FORM_MINUTE));
  if (dis_opt && (drc = hu_minute_parse(dis_opt, &dis)) != 0)
    return clinic_fail(CL_USAGE, "%s", hu_date_msg(m, sizeof m, "--discharged", dis_opt, drc, HU_FORM_MINUTE));
  if (dis_opt && dis > in.now) return clinic_fail(CL_USAGE, "--discharged %s is after now", dis_opt);
  in.since = dis == INT64_MIN ? DIS_UNKNOWN : in.now - dis < 24 * 60 ? DIS_WITHIN_24H : DIS_AFTER_24H;
  clinic_err e = {0};
  if (pat) {
    if (!c->db) return clinic_fail(CL_IO, "no database open for --patient");
    if (clinic_triage_of_patient(c->db, pat, in.now, &in.therapy, &in.since, &e) != CLINIC_E_OK) return clinic_report(&e);
  }
  clinic_triage t;
  if (clinic_triage_decide(&in, &t, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json)
    triage_json(clinic_stdout(), &t);
  else
    triage_text(clinic_stdout(), &t);
  return CL_OK;
}
