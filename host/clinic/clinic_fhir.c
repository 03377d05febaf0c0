/* clinic_fhir.c: one patient as a FHIR R4 Bundle (type collection).
 *
 * Resources: the Patient; one Observation per diary day (SCS: LOINC 72514-3 with the day's
 * NRS, morning and evening as components, or a dataAbsentReason when only those two were
 * kept; SNM: incontinence episodes per day as a UCUM quantity, urgency and pads as
 * components); one Observation per score; one Procedure per operation; one Encounter per
 * visit; the stimulator and its lead as two Devices (the lead's parent is the stimulator, as
 * HL7 CardX-CIED links a lead to its generator); per read-out a DiagnosticReport with
 * Observations for the battery, each program, each lead alert and each test-stimulation
 * threshold, all pointing at the Device. Counts and measurements carry UCUM units.
 *
 * Every id is a version-8 UUID from clinic_ids.c and the fullUrl is urn:uuid:<id>: unique by
 * construction (bdl-7), the same in every export of the same data.
 */
#include <limits.h>
#include <string.h>

#include "clinic_fhir.h"
#include "clinic_diary.h"
#include "clinic_err.h"
#include "clinic_ids.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_visit.h"
#include "clinic_window.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_fmt.h"
#include "json.h"
#include "readout.h"

#define NMOD_CS "urn:nmod:clinic"
#define LOINC "http://loinc.org"
#define UCUM "http://unitsofmeasure.org"
#define DAR "http://terminology.hl7.org/CodeSystem/data-absent-reason"

typedef struct {
  js_w w;
  clinic_ids ids;
  const clinic_patient *p;
  char patient_url[64];
  clinic_err *e;
} fx;

static void res_begin(fx *x, const char *type, const char *k1, const char *k2, char id[37]) {
  const char *parts[4] = {"fhir", type, x->p->code, k1};
  const char *all[5] = {parts[0], parts[1], parts[2], parts[3], k2};
  clinic_uuid8(&x->ids, all, k2 ? 5 : 4, id);
  char url[64];
  snprintf(url, sizeof url, "urn:uuid:%s", id);
  jw_obj(&x->w);
  jw_key(&x->w, "fullUrl");
  jw_str(&x->w, url);
  jw_key(&x->w, "resource");
  jw_obj(&x->w);
  jw_key(&x->w, "resourceType");
  jw_str(&x->w, type);
  jw_key(&x->w, "id");
  jw_str(&x->w, id);
}

static void res_end(fx *x) {
  jw_obj_end(&x->w);
  jw_obj_end(&x->w);
}

static void coding(js_w *w, const char *system, const char *code, const char *display) {
  jw_obj(w);
  jw_key(w, "coding");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, system);
  jw_key(w, "code");
  jw_str(w, code);
  jw_key(w, "display");
  jw_str(w, display);
  jw_obj_end(w);
  jw_arr_end(w);
  jw_key(w, "text");
  jw_str(w, display);
  jw_obj_end(w);
}

static void text_concept(js_w *w, const char *key, const char *text) {
  jw_key(w, key);
  jw_obj(w);
  jw_key(w, "text");
  jw_str(w, text);
  jw_obj_end(w);
}

static void ref(js_w *w, const char *key, const char *url_or_id) {
  char url[80];
  if (strncmp(url_or_id, "urn:", 4) != 0) snprintf(url, sizeof url, "urn:uuid:%s", url_or_id);
  else snprintf(url, sizeof url, "%s", url_or_id);
  jw_key(w, key);
  jw_obj(w);
  jw_key(w, "reference");
  jw_str(w, url);
  jw_obj_end(w);
}

/* valueQuantity (or a component's) in UCUM: v in units of 10^-decimals. */
static void quantity(js_w *w, const char *key, int64_t v, unsigned decimals, const char *unit, const char *code) {
  jw_key(w, key);
  jw_obj(w);
  jw_key(w, "value");
  jw_fixed(w, v, decimals);
  jw_key(w, "unit");
  jw_str(w, unit);
  jw_key(w, "system");
  jw_str(w, UCUM);
  jw_key(w, "code");
  jw_str(w, code);
  jw_obj_end(w);
}

static void category(js_w *w, const char *code, const char *display) {
  jw_key(w, "category");
  jw_arr(w);
  coding(w, "http://terminology.hl7.org/CodeSystem/observation-category", code, display);
  jw_arr_end(w);
}

static void obs_head(fx *x, const char *code_system, const char *code, const char *display, const char *date) {
  jw_key(&x->w, "status");
  jw_str(&x->w, "final");
  jw_key(&x->w, "code");
  coding(&x->w, code_system, code, display);
  ref(&x->w, "subject", x->patient_url);
  jw_key(&x->w, "effectiveDateTime");
  jw_str(&x->w, date);
}

static void int_component(js_w *w, const char *code, const char *display, int value) {
  jw_obj(w);
  jw_key(w, "code");
  coding(w, NMOD_CS, code, display);
  jw_key(w, "valueInteger");
  jw_int(w, value);
  jw_obj_end(w);
}

/* A component with a UCUM quantity v (units of 10^-decimals). */
static void qty_component(js_w *w, const char *code, const char *display, int64_t v, unsigned decimals, const char *unit,
                          const char *ucum) {
  jw_obj(w);
  jw_key(w, "code");
  coding(w, NMOD_CS, code, display);
  quantity(w, "valueQuantity", v, decimals, unit, ucum);
  jw_obj_end(w);
}

/* "note": [{"text": t}]. */
static void note(js_w *w, const char *t) {
  jw_key(w, "note");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "text");
  jw_str(w, t);
  jw_obj_end(w);
  jw_arr_end(w);
}

static int diary(fx *x, sqlite3 *db) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary WHERE pid = ? ORDER BY date", x->e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, x->p->pid);
  int rc;
  js_w *w = &x->w;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0);
    int v[6];
    for (int i = 0; i < 6; i++) v[i] = sqlite3_column_type(st, 1 + i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1 + i);
    char id[37];
    res_begin(x, "Observation", "diary", ds, id);
    jw_key(w, "status");
    jw_str(w, "final");
    category(w, "survey", "Survey");
    jw_key(w, "code");
    if (x->p->therapy == TH_SCS)
      coding(w, LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported");
    else
      coding(w, NMOD_CS, "bowel-diary-day", "Bowel diary, one day");
    ref(w, "subject", x->patient_url);
    jw_key(w, "effectiveDateTime");
    jw_str(w, ds);
    if (x->p->therapy == TH_SCS) {
      if (v[0] >= 0) {
        jw_key(w, "valueInteger");
        jw_int(w, v[0]);
      } else {
        /* Only morning and evening were kept: no whole-day rating to report. */
        jw_key(w, "dataAbsentReason");
        coding(w, DAR, "not-performed", "Not Performed");
        clinic_diary_row r = {0, -1, v[1], v[2], -1, -1, -1};
        int x2 = clinic_diary_pain_x2(&r);
        char t[160];
        snprintf(t, sizeof t, "No whole-day rating; the day's pain used by the trial evaluation is the mean of the morning "
                              "and evening ratings: %d%s", x2 / 2, x2 % 2 ? ".5" : "");
        note(w, t);
      }
      if (v[1] >= 0 || v[2] >= 0) {
        jw_key(w, "component");
        jw_arr(w);
        if (v[1] >= 0) int_component(w, "pain-nrs-morning", "Pain NRS 0-10, morning", v[1]);
        if (v[2] >= 0) int_component(w, "pain-nrs-evening", "Pain NRS 0-10, evening", v[2]);
        jw_arr_end(w);
      }
    } else {
      quantity(w, "valueQuantity", v[3], 0, "incontinence episodes per day", "{episodes}/d");
      if (v[4] >= 0 || v[5] >= 0) {
        jw_key(w, "component");
        jw_arr(w);
        if (v[4] >= 0) qty_component(w, "urgency-episodes", "Urgency episodes per day", v[4], 0, "urgency episodes per day", "{episodes}/d");
        if (v[5] >= 0) qty_component(w, "pads", "Pads per day", v[5], 0, "pads per day", "{pads}/d");
        jw_arr_end(w);
      }
    }
    res_end(x);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CL_OK : clinic_err_db(x->e, db, "reading the diary");
}

static int scores(fx *x, sqlite3 *db) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, kind, total FROM score WHERE pid = ? ORDER BY date, kind", x->e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, x->p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0), *kind = (const char *)sqlite3_column_text(st, 1);
    char id[37], key[64];
    snprintf(key, sizeof key, "score-%s", kind);
    res_begin(x, "Observation", key, ds, id);
    category(&x->w, "survey", "Survey");
    if (strcmp(kind, "nrs") == 0)
      obs_head(x, LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported", ds);
    else if (strcmp(kind, "wexner") == 0)
      obs_head(x, NMOD_CS, "wexner-score", "Wexner (Cleveland Clinic) incontinence score 0-20", ds);
    else
      obs_head(x, NMOD_CS, "vaizey-score", "St Mark's (Vaizey) incontinence score 0-24", ds);
    jw_key(&x->w, "valueInteger");
    jw_int(&x->w, sqlite3_column_int(st, 2));
    res_end(x);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CL_OK : clinic_err_db(x->e, db, "reading scores");
}

static int procedures(fx *x, sqlite3 *db) {
  clinic_path path;
  int rc = clinic_path_read(db, x->p, &path, x->e);
  if (rc) return rc;
  for (int i = 0; i < path.nsteps; i++) {
    if (!path.def[i].procedure || !path.rec[i].recorded) continue;
    char ds[11], id[37];
    hu_date_fmt(ds, HU_DATE_LEN, path.rec[i].date);
    res_begin(x, "Procedure", path.def[i].id, NULL, id);
    jw_key(&x->w, "status");
    jw_str(&x->w, path.rec[i].planned ? "preparation" : "completed");
    jw_key(&x->w, "code");
    coding(&x->w, NMOD_CS, path.def[i].id, path.def[i].title);
    ref(&x->w, "subject", x->patient_url);
    if (!path.rec[i].planned) {
      jw_key(&x->w, "performedDateTime");
      jw_str(&x->w, ds);
    }
    char t[40];
    snprintf(t, sizeof t, "planned for %s", ds);
    /* An override of this step, or of the trial-end that closed this trial, with its reason. */
    int tk = clinic_trial_closing_step(&path);
    const clinic_step_rec *ov = path.rec[i].override[0] ? &path.rec[i]
                                : strcmp(path.def[i].id, "trial") == 0 && tk >= 0 && !path.def[tk].procedure &&
                                          path.rec[tk].override[0]
                                      ? &path.rec[tk]
                                      : NULL;
    if (path.rec[i].planned || path.rec[i].note[0] || (ov && !path.rec[i].planned)) {
      jw_key(&x->w, "note");
      jw_arr(&x->w);
      if (path.rec[i].planned) {
        jw_obj(&x->w);
        jw_key(&x->w, "text");
        jw_str(&x->w, t);
        jw_obj_end(&x->w);
      }
      if (path.rec[i].note[0]) {
        jw_obj(&x->w);
        jw_key(&x->w, "text");
        jw_str(&x->w, path.rec[i].note);
        jw_obj_end(&x->w);
      }
      if (ov && !path.rec[i].planned) {
        clinic_buf ob = {0};
        clinic_buf_printf(&ob, "override: %s (set aside: %s)", ov->override, ov->override_rule);
        jw_obj(&x->w);
        jw_key(&x->w, "text");
        jw_str(&x->w, ob.s);
        jw_obj_end(&x->w);
        clinic_buf_free(&ob);
      }
      jw_arr_end(&x->w);
    }
    res_end(x);
  }
  return CL_OK;
}

/* Observations of one decoded read-out, each pointing at its DiagnosticReport's parts. */
typedef struct {
  char ids[2 + 2 * RO_MAX_CONTACTS + RO_MAX_CONTACTS + RO_MAX_PROGRAMS][37];
  int n;
} result_ids;

static void readout_obs(fx *x, const char *rkey, const char *ds, const char *enc, const char *dev, const char *lead,
                        const ro_readout_t *ro, result_ids *res) {
  js_w *w = &x->w;
  char key[64], cn[8];
  /* Battery. */
  res_begin(x, "Observation", rkey, "battery", res->ids[res->n]);
  category(w, "procedure", "Procedure");
  obs_head(x, NMOD_CS, "battery-charge", "Stimulator battery, state of charge", ds);
  ref(w, "encounter", enc);
  ref(w, "device", dev);
  quantity(w, "valueQuantity", ro->status.batt_pm, 1, "%", "%");
  jw_key(w, "component");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "code");
  coding(w, NMOD_CS, "battery-state", "Battery state (ok, low, eri: elective replacement, eos: end of service)");
  text_concept(w, "valueCodeableConcept", ro->status.batt_state);
  jw_obj_end(w);
  qty_component(w, "battery-voltage", "Battery voltage", ro->voltage_mv, 3, "V", "V");
  jw_arr_end(w);
  res_end(x);
  res->n++;
  /* Programs. */
  for (int i = 0; i < ro->status.n_prog; i++) {
    const ro_prog_t *pg = &ro->status.prog[i];
    snprintf(key, sizeof key, "program-%u", pg->slot);
    res_begin(x, "Observation", rkey, key, res->ids[res->n]);
    category(w, "procedure", "Procedure");
    obs_head(x, NMOD_CS, "stimulation-program", "Stimulation program settings", ds);
    ref(w, "encounter", enc);
    ref(w, "device", dev);
    quantity(w, "valueQuantity", pg->amplitude_ua, 3, "mA", "mA");
    char t[200];
    snprintf(t, sizeof t, "program %u \"%s\" (%s), %s", pg->slot, pg->name, pg->waveform, pg->running ? "running" : "not running");
    note(w, t);
    jw_key(w, "component");
    jw_arr(w);
    qty_component(w, "rate", "Pulse rate", pg->rate_hz, 0, "Hz", "Hz");
    qty_component(w, "pulse-width", "Pulse width", pg->width_us, 0, "us", "us");
    jw_obj(w);
    jw_key(w, "code");
    coding(w, NMOD_CS, "patient-range", "Amplitude range the patient may set");
    jw_key(w, "valueRange");
    jw_obj(w);
    quantity(w, "low", pg->pt_min_ua, 3, "mA", "mA");
    quantity(w, "high", pg->pt_max_ua, 3, "mA", "mA");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_arr_end(w);
    res_end(x);
    res->n++;
  }
  /* Lead alerts: one per contact and state, on the lead. */
  for (int i = 0; i < ro->status.n_alerts; i++) {
    const ro_lead_alert_t *al = &ro->status.alerts[i];
    snprintf(key, sizeof key, "lead-%s-%s", hu_contact_name(cn, sizeof cn, al->contact), ro_lead_state_name(al->state));
    res_begin(x, "Observation", rkey, key, res->ids[res->n]);
    category(w, "procedure", "Procedure");
    obs_head(x, NMOD_CS, "lead-contact-integrity", "Lead contact integrity (impedance check)", ds);
    ref(w, "encounter", enc);
    ref(w, "device", lead);
    char t[48];
    snprintf(t, sizeof t, "%s %s", cn, ro_lead_state_name(al->state));
    text_concept(w, "valueCodeableConcept", t);
    jw_key(w, "interpretation");
    jw_arr(w);
    coding(w, "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "A", "Abnormal");
    jw_arr_end(w);
    res_end(x);
    res->n++;
  }
  /* Test-stimulation thresholds (lead placement), on the lead. */
  for (int i = 0; i < ro->n_thresholds; i++) {
    snprintf(key, sizeof key, "threshold-%s", hu_contact_name(cn, sizeof cn, ro->thresholds[i].contact));
    res_begin(x, "Observation", rkey, key, res->ids[res->n]);
    category(w, "procedure", "Procedure");
    obs_head(x, NMOD_CS, "test-stimulation-threshold", "Test stimulation: amplitude of the marked response", ds);
    ref(w, "encounter", enc);
    ref(w, "device", lead);
    quantity(w, "valueQuantity", ro->thresholds[i].threshold_ua, 3, "mA", "mA");
    jw_key(w, "bodySite");
    jw_obj(w);
    char t[48];
    snprintf(t, sizeof t, "lead contact %s", cn);
    jw_key(w, "text");
    jw_str(w, t);
    jw_obj_end(w);
    res_end(x);
    res->n++;
  }
}

static void device_name(js_w *w, const char *name, const char *type) {
  jw_key(w, "deviceName");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "name");
  jw_str(w, name);
  jw_key(w, "type");
  jw_str(w, type);
  jw_obj_end(w);
  jw_arr_end(w);
}

static void device_pair(fx *x, const ro_readout_t *ro, char dev[37], char lead[37]) {
  js_w *w = &x->w;
  res_begin(x, "Device", "stimulator", ro->serial, dev);
  jw_key(w, "identifier");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, "urn:nmod:device:serial");
  jw_key(w, "value");
  jw_str(w, ro->serial);
  jw_obj_end(w);
  jw_arr_end(w);
  jw_key(w, "status");
  jw_str(w, "active");
  jw_key(w, "manufacturer");
  jw_str(w, "nmod");
  jw_key(w, "serialNumber");
  jw_str(w, ro->serial);
  char t[160];
  snprintf(t, sizeof t, "nmod %s %s stimulator", strcmp(ro->kind, "ins") == 0 ? "implanted" : "external trial",
           strcmp(ro->therapy, "scs") == 0 ? "spinal cord" : "sacral neuromodulation");
  device_name(w, t, "user-friendly-name");
  text_concept(w, "type", strcmp(ro->kind, "ins") == 0 ? "Implantable neurostimulator" : "External trial neurostimulator");
  jw_key(w, "version");
  jw_arr(w);
  jw_obj(w);
  text_concept(w, "type", "firmware");
  jw_key(w, "value");
  jw_str(w, ro->firmware);
  jw_obj_end(w);
  jw_arr_end(w);
  ref(w, "patient", x->patient_url);
  res_end(x);
  res_begin(x, "Device", "lead", ro->serial, lead);
  jw_key(w, "status");
  jw_str(w, "active");
  jw_key(w, "manufacturer");
  jw_str(w, "nmod");
  device_name(w, ro->lead, "model-name");
  jw_key(w, "modelNumber");
  jw_str(w, ro->lead);
  text_concept(w, "type", "Neurostimulation lead");
  ref(w, "patient", x->patient_url);
  ref(w, "parent", dev);
  res_end(x);
}

static int visits(fx *x, sqlite3 *db) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT v.id, v.date, v.kind, v.note, i.id, i.format, i.serial, i.battery_pm FROM visit v "
                                     "LEFT JOIN interrogation i ON i.visit_id = v.id WHERE v.pid = ? ORDER BY v.date, v.id, i.id", x->e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, x->p->pid);
  js_w *w = &x->w;
  int rc = CL_OK, step;
  int64_t last_visit = -1;
  char enc[37] = "", seen[8][RO_TEXT];
  int nseen = 0;
  static ro_readout_t ro;
  static result_ids res;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t vid = sqlite3_column_int64(st, 0);
    const char *ds = (const char *)sqlite3_column_text(st, 1);
    char vkey[32];
    snprintf(vkey, sizeof vkey, "%lld", (long long)vid);
    if (vid != last_visit) {
      last_visit = vid;
      res_begin(x, "Encounter", "visit", vkey, enc);
      jw_key(w, "status");
      jw_str(w, "finished");
      jw_key(w, "class");
      jw_obj(w);
      jw_key(w, "system");
      jw_str(w, "http://terminology.hl7.org/CodeSystem/v3-ActCode");
      jw_key(w, "code");
      jw_str(w, "AMB");
      jw_key(w, "display");
      jw_str(w, "ambulatory");
      jw_obj_end(w);
      jw_key(w, "type");
      jw_arr(w);
      coding(w, NMOD_CS, (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 2));
      jw_arr_end(w);
      ref(w, "subject", x->patient_url);
      jw_key(w, "period");
      jw_obj(w);
      jw_key(w, "start");
      jw_str(w, ds);
      jw_key(w, "end");
      jw_str(w, ds);
      jw_obj_end(w);
      if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
        jw_key(w, "reasonCode");
        jw_arr(w);
        jw_obj(w);
        jw_key(w, "text");
        jw_str(w, (const char *)sqlite3_column_text(st, 3));
        jw_obj_end(w);
        jw_arr_end(w);
      }
      res_end(x);
    }
    if (sqlite3_column_type(st, 4) == SQLITE_NULL) continue;
    int64_t iid = sqlite3_column_int64(st, 4);
    char rkey[32], rid[37], dev[37], lead[37];
    snprintf(rkey, sizeof rkey, "readout-%lld", (long long)iid);
    res.n = 0;
    int decoded = sqlite3_column_type(st, 5) != SQLITE_NULL;
    if (decoded) {
      if ((rc = clinic_readout_read(db, iid, &ro, x->e)) != CLINIC_E_OK) break;
      /* The stimulator and its lead once per serial, from its first read-out. */
      int known = 0;
      for (int i = 0; i < nseen; i++) known |= strcmp(seen[i], ro.serial) == 0;
      if (!known && nseen < 8) snprintf(seen[nseen++], RO_TEXT, "%s", ro.serial);
      if (!known) {
        device_pair(x, &ro, dev, lead);
      } else {
        const char *parts[5] = {"fhir", "Device", x->p->code, "stimulator", ro.serial};
        clinic_uuid8(&x->ids, parts, 5, dev);
        parts[3] = "lead";
        clinic_uuid8(&x->ids, parts, 5, lead);
      }
      readout_obs(x, rkey, ds, enc, dev, lead, &ro, &res);
    }
    res_begin(x, "DiagnosticReport", rkey, NULL, rid);
    jw_key(w, "status");
    jw_str(w, "final");
    jw_key(w, "code");
    coding(w, NMOD_CS, "device-interrogation", "Neurostimulator interrogation (programmer read-out)");
    ref(w, "subject", x->patient_url);
    ref(w, "encounter", enc);
    jw_key(w, "effectiveDateTime");
    jw_str(w, ds);
    if (res.n) {
      jw_key(w, "result");
      jw_arr(w);
      for (int i = 0; i < res.n; i++) {
        jw_obj(w);
        char url[64];
        snprintf(url, sizeof url, "urn:uuid:%s", res.ids[i]);
        jw_key(w, "reference");
        jw_str(w, url);
        jw_obj_end(w);
      }
      jw_arr_end(w);
    }
    char t[200], pct[HU_FIXED_LEN];
    if (decoded)
      snprintf(t, sizeof t, "Read-out of %s: battery %s %% (%s), %d program(s), %d lead alert(s), %d test threshold(s)", ro.serial,
               hu_fmt_fixed(pct, sizeof pct, ro.status.batt_pm, 1, 1), ro.status.batt_state, ro.status.n_prog, ro.status.n_alerts,
               ro.n_thresholds);
    else
      snprintf(t, sizeof t, "Read-out of %s imported before the read-out codec; only the stored document has the details",
               (const char *)sqlite3_column_text(st, 6));
    jw_key(w, "conclusion");
    jw_str(w, t);
    res_end(x);
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  return step == SQLITE_DONE ? CL_OK : clinic_err_db(x->e, db, "reading visits");
}

int clinic_fhir_bundle(sqlite3 *db, const clinic_patient *p, FILE *f, clinic_err *e) {
  static fx x;
  memset(&x, 0, sizeof x);
  x.p = p;
  x.e = e;
  int rc = clinic_ids_load(db, &x.ids, e);
  if (rc) return rc;
  char pid[37], bd[11];
  js_w *w = &x.w;
  jw_init(w, f);
  jw_obj(w);
  jw_key(w, "resourceType");
  jw_str(w, "Bundle");
  const char *bparts[3] = {"fhir", "Bundle", p->code};
  char bid[37];
  clinic_uuid8(&x.ids, bparts, 3, bid);
  jw_key(w, "id");
  jw_str(w, bid);
  jw_key(w, "type");
  jw_str(w, "collection");
  jw_key(w, "entry");
  jw_arr(w);
  res_begin(&x, "Patient", "patient", NULL, pid);
  snprintf(x.patient_url, sizeof x.patient_url, "urn:uuid:%s", pid);
  jw_key(w, "identifier");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, NMOD_CS ":patient");
  jw_key(w, "value");
  jw_str(w, p->code);
  jw_obj_end(w);
  jw_arr_end(w);
  jw_key(w, "name");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "text");
  jw_str(w, p->name);
  jw_obj_end(w);
  jw_arr_end(w);
  hu_date_fmt(bd, HU_DATE_LEN, p->birth);
  jw_key(w, "birthDate");
  jw_str(w, bd);
  res_end(&x);
  if ((rc = diary(&x, db)) || (rc = scores(&x, db)) || (rc = procedures(&x, db)) || (rc = visits(&x, db))) return rc;
  jw_arr_end(w);
  jw_obj_end(w);
  jw_end(w);
  return CLINIC_E_OK;
}

