/* clinic_visit.c: visits, and programmer read-outs stored with the visit of that day
 * (`import-interrogation`), read with the programmer's own codec (host/readout): the whole
 * JSON document is kept, plus the fields a list or a report needs (serial, battery, programs)
 * and the device's lead alerts and test-stimulation thresholds as rows. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_visit.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_util.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_fmt.h"
#include "json.h"
#include "readout.h"

static const char *const visit_kinds[] = {"trial-check", "wound-check", "control", "programming", "yearly",
                                          "read-out", "other"};

/* A new visit (note NULL for none); *id gets its row id. */
static int visit_insert(sqlite3 *db, int64_t pid, const char *date, const char *kind, const char *note, int64_t *id,
                        clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "INSERT INTO visit(pid, date, kind, note) VALUES (?,?,?,?)", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  if (note) sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 4);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "adding a visit");
  *id = clinic_store_last_id(db);
  return CLINIC_E_OK;
}

/* The visit of that day (the first one), or a new one of `kind`. */
static int visit_for(sqlite3 *db, int64_t pid, const char *date, const char *kind, int64_t *id, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT id FROM visit WHERE pid = ? AND date = ? ORDER BY id LIMIT 1", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) *id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return CLINIC_E_OK;
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "finding the visit");
  return visit_insert(db, pid, date, kind, NULL, id, e);
}

int clinic_visit_add(sqlite3 *db, const clinic_patient *p, int32_t day, const char *kind, const char *note, int64_t *vid,
                     clinic_err *e) {
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, day);
  /* The visit and the patient list's state (a control no longer overdue) in one transaction. */
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  if ((rc = visit_insert(db, p->pid, ds, kind, note, vid, e)) != CLINIC_E_OK) {
    clinic_rollback(db);
    return rc;
  }
  return clinic_sums_commit(db, p, e);
}

static int cmd_visit_add(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date"), *kind = clinic_opt_get(a, "kind"), *note = clinic_opt_get(a, "note");
  int rc = clinic_args_done(a, "visit add");
  if (rc) return rc;
  if (a->npos != 3 || !kind)
    return clinic_fail(CL_USAGE, "usage: nmod clinic visit add PATIENT --kind trial-check|wound-check|control|programming|yearly|read-out|other [--date YYYY-MM-DD] [--note TEXT]");
  int ok = 0;
  for (size_t i = 0; i < sizeof visit_kinds / sizeof visit_kinds[0]; i++) ok |= strcmp(kind, visit_kinds[i]) == 0;
  if (!ok) return clinic_fail(CL_USAGE, "--kind '%s' is not known: use trial-check, wound-check, control, programming, yearly, read-out or other", kind);
  int32_t d = c->today;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  if (d > c->today) return clinic_fail(CL_USAGE, "a visit is recorded when it happened; %s is in the future (see nmod clinic plan)", date);
  if (note && strlen(note) > 500) return clinic_fail(CL_USAGE, "--note is longer than 500 characters");
  clinic_err e = {0};
  clinic_patient p;
  int64_t vid;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK ||
      clinic_visit_add(c->db, &p, d, kind, note, &vid, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  FILE *f = clinic_stdout();
  if (c->json) {
    js_w w;
    jw_init(&w, f);
    jw_obj(&w);
    jw_kv_int(&w, "visit_id", vid);
    clinic_json_end(&w);
  } else {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, d);
    fprintf(f, "%s: %s visit on %s recorded\n", p.code, kind, ds);
  }
  return CL_OK;
}

int clinic_readout_texts(sqlite3 *db, int64_t iid, clinic_buf *alerts, clinic_buf *thresholds, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT contact || ' ' || state FROM lead_alert WHERE interrogation_id = ? "
                                         "ORDER BY CAST(substr(contact, 2) AS INTEGER), state", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, iid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    clinic_buf_printf(alerts, "%s%s", alerts->len ? ", " : "", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "reading lead alerts");
  st = clinic_sql_prep(db, "SELECT contact, threshold_ua FROM test_threshold WHERE interrogation_id = ? "
                           "ORDER BY CAST(substr(contact, 2) AS INTEGER)", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, iid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char ma[24];
    clinic_buf_printf(thresholds, "%s%s %s mA", thresholds->len ? ", " : "", (const char *)sqlite3_column_text(st, 0),
                      hu_fmt_fixed(ma, sizeof ma, sqlite3_column_int64(st, 1), 3, 0));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "reading test thresholds");
}

int clinic_visit_each(sqlite3 *db, const clinic_patient *p, int decode, int (*fn)(void *ctx, const clinic_visit_row *v),
                      void *ctx, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db,
                                     "SELECT v.date, v.kind, v.note, i.serial, i.battery_pm, i.battery_state, i.programs, "
                                     "i.max_amplitude_ua, i.impedance_alerts, i.id, i.format FROM visit v "
                                     "LEFT JOIN interrogation i ON i.visit_id = v.id WHERE v.pid = ? ORDER BY v.date, v.id, i.id",
                                     e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  static ro_readout_t ro; /* large: one at a time */
  int step = SQLITE_DONE, rc = CLINIC_E_OK;
  while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_visit_row v;
    memset(&v, 0, sizeof v);
    v.date = (const char *)sqlite3_column_text(st, 0);
    v.kind = (const char *)sqlite3_column_text(st, 1);
    v.note = (const char *)sqlite3_column_text(st, 2);
    v.serial = (const char *)sqlite3_column_text(st, 3);
    if (v.serial) {
      v.have_battery = sqlite3_column_type(st, 4) != SQLITE_NULL;
      v.battery_pm = sqlite3_column_int64(st, 4);
      v.battery_state = (const char *)sqlite3_column_text(st, 5);
      for (int k = 0; k < 3; k++) {
        v.have[k] = sqlite3_column_type(st, 6 + k) != SQLITE_NULL;
        v.num[k] = sqlite3_column_int64(st, 6 + k);
      }
      int64_t iid = sqlite3_column_int64(st, 9);
      rc = clinic_readout_texts(db, iid, &v.alerts, &v.thresholds, e);
      /* The stored document, decoded by the programmer's codec (older imports do not decode). */
      if (!rc && decode && sqlite3_column_type(st, 10) != SQLITE_NULL) {
        clinic_err nf = {0};
        rc = clinic_readout_read(db, iid, &ro, &nf);
        if (!rc) v.readout = &ro;
        if (rc == CLINIC_E_NOT_FOUND) rc = CLINIC_E_OK; /* another format: listed without its document */
        if (rc) *e = nf;
      }
    }
    if (!rc) rc = fn(ctx, &v);
    clinic_buf_free(&v.alerts);
    clinic_buf_free(&v.thresholds);
  }
  if (!rc && step != SQLITE_DONE) rc = clinic_err_db(e, db, "listing visits");
  sqlite3_finalize(st);
  return rc;
}

typedef struct {
  FILE *f;
  int json;
  js_w w;
} list_out;

static void visit_row_json(js_w *w, const clinic_visit_row *v) {
  jw_obj(w);
  jw_kv_str(w, "date", v->date);
  jw_kv_str(w, "kind", v->kind);
  if (v->note) jw_kv_str(w, "note", v->note);
  if (v->serial) {
    jw_kv_obj(w, "interrogation");
    jw_kv_str(w, "serial", v->serial);
    if (v->have_battery) jw_kv_fixed(w, "battery_pct", v->battery_pm, 1);
    if (v->battery_state) jw_kv_str(w, "battery_state", v->battery_state);
    static const char *const keys[] = {"programs", "max_amplitude_ua", "lead_alert_count"};
    for (int k = 0; k < 3; k++)
      if (v->have[k]) jw_kv_int(w, keys[k], v->num[k]);
    jw_kv_str(w, "lead_alerts", v->alerts.s ? v->alerts.s : "");
    jw_kv_str(w, "test_thresholds", v->thresholds.s ? v->thresholds.s : "");
    if (v->readout) {
      jw_kv_obj(w, "readout");
      ro_json_readout(w, v->readout);
      jw_obj_end(w);
    }
    jw_obj_end(w);
  }
  jw_obj_end(w);
}

static void visit_row_text(FILE *f, const clinic_visit_row *v) {
  fprintf(f, "%s  %-12s %s", v->date, v->kind, v->note ? v->note : "");
  if (v->serial) {
    char pct[HU_FIXED_LEN];
    fprintf(f, "read-out %s", v->serial);
    if (v->have_battery) fprintf(f, ", battery %s %%", hu_fmt_fixed(pct, sizeof pct, v->battery_pm, 1, 1));
    if (v->alerts.len)
      fprintf(f, ", LEAD: %s", v->alerts.s);
    else if (v->have[2] && v->num[2] > 0)
      fprintf(f, ", %d impedance alert(s)", (int)v->num[2]);
    if (v->thresholds.len) fprintf(f, ", test thresholds %s", v->thresholds.s);
  }
  fprintf(f, "\n");
}

static int list_row(void *ctx, const clinic_visit_row *v) {
  list_out *o = ctx;
  if (o->json)
    visit_row_json(&o->w, v);
  else
    visit_row_text(o->f, v);
  return 0;
}

static int cmd_visit_list(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "visit list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic visit list PATIENT");
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  list_out o = {.f = clinic_stdout(), .json = c->json};
  if (c->json) clinic_json_list_begin(&o.w, o.f, p.code, "visits");
  if (clinic_visit_each(c->db, &p, c->json, list_row, &o, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) clinic_json_list_end(&o.w);
  return CL_OK;
}

int clinic_cmd_visit(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return cmd_visit_add(c, a);
  if (strcmp(sub, "list") == 0) return cmd_visit_list(c, a);
  return clinic_fail(CL_USAGE, "usage: nmod clinic visit add|list ...");
}

/* ---- import-interrogation ------------------------------------------------------------ */

#define READOUT_FORMAT "nmod-readout/1"

int clinic_readout_stored_ok(const char *doc, size_t len) {
  static ro_readout_t ro;
  char err[256];
  return doc && ro_read_text(doc, len, &ro, err, sizeof err) == 0 ? 0 : -1;
}

int clinic_readout_read(sqlite3 *db, int64_t interrogation_id, ro_readout_t *ro, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT doc FROM interrogation WHERE id = ? AND format = '" READOUT_FORMAT "'", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, interrogation_id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? clinic_err_set(e, CLINIC_E_NOT_FOUND, "read-out %lld is not stored as " READOUT_FORMAT,
                                              (long long)interrogation_id)
                             : clinic_err_db(e, db, "reading a read-out");
  }
  char err[256];
  rc = ro_read_text((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), ro, err, sizeof err);
  sqlite3_finalize(st);
  if (rc != 0)
    return clinic_err_set(e, CLINIC_E_IO, "database %s: stored read-out %lld no longer decodes (%s): see nmod clinic check-db",
                          sqlite3_db_filename(db, "main"), (long long)interrogation_id, err);
  return CLINIC_E_OK;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s) {
  if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, i);
}

static uint32_t max_amplitude_ua(const ro_readout_t *ro) {
  uint32_t m = 0;
  for (int i = 0; i < ro->status.n_prog; i++)
    if (ro->status.prog[i].amplitude_ua > m) m = ro->status.prog[i].amplitude_ua;
  return m;
}

/* The read-out and its rows (lead alerts, test thresholds), in the open transaction. */
static int store_readout(sqlite3 *db, int64_t vid, const ro_readout_t *ro, const char *text, size_t len, int64_t *iid,
                         clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db,
                                     "INSERT INTO interrogation(visit_id, serial, kind, therapy, firmware, mode, battery_pm, "
                                     "battery_mv, battery_state, programs, max_amplitude_ua, impedances, impedance_alerts, doc, "
                                     "format, cell, lead) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,'" READOUT_FORMAT "',?,?)",
                                     e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, vid);
  bind_opt_text(st, 2, ro->serial);
  bind_opt_text(st, 3, ro->kind);
  bind_opt_text(st, 4, ro->therapy);
  bind_opt_text(st, 5, ro->firmware);
  bind_opt_text(st, 6, ro->status.mode);
  sqlite3_bind_int64(st, 7, ro->status.batt_pm);
  sqlite3_bind_int64(st, 8, ro->voltage_mv);
  bind_opt_text(st, 9, ro->status.batt_state);
  sqlite3_bind_int(st, 10, ro->status.n_prog);
  sqlite3_bind_int64(st, 11, max_amplitude_ua(ro));
  sqlite3_bind_int(st, 12, ro->status.n_alerts);
  sqlite3_bind_text(st, 13, text, (int)len, SQLITE_STATIC);
  bind_opt_text(st, 14, ro->status.cell);
  bind_opt_text(st, 15, ro->lead);
  int rc = sqlite3_step(st) == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "storing the read-out");
  sqlite3_finalize(st);
  if (rc) return rc;
  *iid = clinic_store_last_id(db);
  char c[8];
  st = clinic_sql_prep(db, "INSERT INTO lead_alert(interrogation_id, contact, state) VALUES (?,?,?)", e);
  if (!st) return e->code;
  for (int i = 0; !rc && i < ro->status.n_alerts; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, *iid);
    bind_opt_text(st, 2, hu_contact_name(c, sizeof c, ro->status.alerts[i].contact));
    bind_opt_text(st, 3, ro_lead_state_name(ro->status.alerts[i].state));
    if (sqlite3_step(st) != SQLITE_DONE) rc = clinic_err_db(e, db, "storing a lead alert");
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  st = clinic_sql_prep(db, "INSERT INTO test_threshold(interrogation_id, contact, threshold_ua) VALUES (?,?,?)", e);
  if (!st) return e->code;
  for (int i = 0; !rc && i < ro->n_thresholds; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, *iid);
    bind_opt_text(st, 2, hu_contact_name(c, sizeof c, ro->thresholds[i].contact));
    sqlite3_bind_int64(st, 3, ro->thresholds[i].threshold_ua);
    if (sqlite3_step(st) != SQLITE_DONE) rc = clinic_err_db(e, db, "storing a test threshold");
  }
  sqlite3_finalize(st);
  return rc;
}

int clinic_readout_import(sqlite3 *db, const clinic_patient *p, int32_t day, const char *file, ro_readout_t *ro,
                          int64_t *vid, clinic_err *e) {
  char *text = NULL, err[300];
  size_t len = 0;
  if (js_read_file(file, 4u << 20, &text, &len, err, sizeof err) != 0) return clinic_err_set(e, CLINIC_E_INPUT, "%s", err);
  int rc = CLINIC_E_OK;
  if (ro_read_text(text, len, ro, err, sizeof err) != 0)
    rc = clinic_err_set(e, CLINIC_E_INPUT, "%s: %s; not stored", file, err);
  else if (strcmp(ro->therapy, clinic_therapy_name(p->therapy)) != 0)
    rc = clinic_err_set(e, CLINIC_E_INPUT,
                        "%s is the read-out of an %s device, but %s is an %s patient: wrong patient or file? not stored", file,
                        ro->therapy, p->code, clinic_therapy_name(p->therapy));
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, day);
  int64_t iid = 0;
  if (!rc) rc = clinic_sql_begin(db, e);
  if (!rc) {
    rc = visit_for(db, p->pid, ds, "read-out", vid, e);
    if (!rc) rc = store_readout(db, *vid, ro, text, len, &iid, e);
    if (!rc) rc = clinic_sums_commit(db, p, e); /* commits, or rolls back */
    else clinic_rollback(db);
  }
  free(text);
  return rc;
}

static void interrogation_json(FILE *f, const clinic_patient *p, const char *ds, int64_t vid, const ro_readout_t *ro) {
  js_w w;
  clinic_json_patient(&w, f, p->code);
  jw_kv_str(&w, "visit_date", ds);
  jw_kv_int(&w, "visit_id", vid);
  jw_kv_str(&w, "serial", ro->serial);
  jw_kv_int(&w, "lead_alerts", ro->status.n_alerts);
  jw_kv_int(&w, "test_thresholds", ro->n_thresholds);
  jw_kv_str(&w, "battery_state", ro->status.batt_state);
  clinic_json_end(&w);
}

static void interrogation_text(FILE *f, const clinic_patient *p, const char *ds, const ro_readout_t *ro) {
  char pct[HU_FIXED_LEN], cn[8];
  fprintf(f, "%s: read-out of %s stored with the visit of %s; battery %s %%", p->code, ro->serial, ds,
          hu_fmt_fixed(pct, sizeof pct, ro->status.batt_pm, 1, 1));
  if (strcmp(ro->status.batt_state, "ok") != 0)
    fprintf(f, " (%s%s)", ro->status.batt_state,
            strcmp(ro->status.batt_state, "low") == 0 ? ": recharge" : ": plan a replacement");
  for (int i = 0; i < ro->status.n_alerts; i++)
    fprintf(f, "; LEAD %s %s: check the lead", hu_contact_name(cn, sizeof cn, ro->status.alerts[i].contact),
            ro_lead_state_name(ro->status.alerts[i].state));
  if (ro->n_thresholds) fprintf(f, "; %d test-stimulation threshold(s)", ro->n_thresholds);
  fprintf(f, "\n");
}

int clinic_cmd_interrogation(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc = clinic_args_done(a, "import-interrogation");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic import-interrogation PATIENT FILE.json [--date YYYY-MM-DD]");
  int32_t d = c->today;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  if (d > c->today) return clinic_fail(CL_USAGE, "--date %s is in the future", date);
  clinic_err e = {0};
  clinic_patient p;
  static ro_readout_t ro; /* large */
  int64_t vid = 0;
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK ||
      clinic_readout_import(c->db, &p, d, a->pos[2], &ro, &vid, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, d);
  if (c->json)
    interrogation_json(clinic_stdout(), &p, ds, vid, &ro);
  else
    interrogation_text(clinic_stdout(), &p, ds, &ro);
  return CL_OK;
}
