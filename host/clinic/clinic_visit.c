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

/* The visit of that day (the first one), or a new one of `kind`. */
static int visit_for(sqlite3 *db, int64_t pid, const char *date, const char *kind, int64_t *id) {
  sqlite3_stmt *st = clinic_prep(db, "SELECT id FROM visit WHERE pid = ? AND date = ? ORDER BY id LIMIT 1");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return CL_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "finding the visit");
  st = clinic_prep(db, "INSERT INTO visit(pid, date, kind) VALUES (?,?,?)");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "adding a visit");
  *id = sqlite3_last_insert_rowid(db);
  return CL_OK;
}

static int visit_add(clinic_ctx *c, clinic_args *a) {
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
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, d);
  /* The visit and the patient list's state (a control no longer overdue) in one transaction. */
  if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "INSERT INTO visit(pid, date, kind, note) VALUES (?,?,?,?)");
  if (!st) {
    clinic_rollback(c->db);
    return CL_IO;
  }
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  if (note) sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 4);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  int64_t vid = sqlite3_last_insert_rowid(c->db);
  if (rc != SQLITE_DONE) {
    rc = clinic_dbfail(c->db, "adding a visit");
    clinic_rollback(c->db);
    return rc;
  }
  if ((rc = clinic_sums_commit_patient(c->db, &p)) != CL_OK) return rc;
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "visit_id");
    jw_int(&w, vid);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("%s: %s visit on %s recorded\n", p.code, kind, ds);
  }
  return CL_OK;
}

/* Lead alerts ("E2 open, E3 short") and test thresholds ("E1 0.8 mA") of a read-out, as text. */
int clinic_readout_rows(sqlite3 *db, int64_t iid, clinic_buf *alerts, clinic_buf *thresholds) {
  sqlite3_stmt *st = clinic_prep(db, "SELECT contact || ' ' || state FROM lead_alert WHERE interrogation_id = ? "
                                     "ORDER BY CAST(substr(contact, 2) AS INTEGER), state");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, iid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    clinic_buf_printf(alerts, "%s%s", alerts->len ? ", " : "", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "reading lead alerts");
  st = clinic_prep(db, "SELECT contact, threshold_ua FROM test_threshold WHERE interrogation_id = ? "
                       "ORDER BY CAST(substr(contact, 2) AS INTEGER)");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, iid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char ma[24];
    clinic_buf_printf(thresholds, "%s%s %s mA", thresholds->len ? ", " : "", (const char *)sqlite3_column_text(st, 0),
                      hu_fmt_fixed(ma, sizeof ma, sqlite3_column_int64(st, 1), 3, 0));
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CL_OK : clinic_dbfail(db, "reading test thresholds");
}

static int visit_list(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "visit list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic visit list PATIENT");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db,
                                 "SELECT v.date, v.kind, v.note, i.serial, i.battery_pm, i.battery_state, i.programs, "
                                 "i.max_amplitude_ua, i.impedance_alerts, i.id, i.format FROM visit v "
                                 "LEFT JOIN interrogation i ON i.visit_id = v.id WHERE v.pid = ? ORDER BY v.date, v.id, i.id");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  js_w w;
  if (c->json) {
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "visits");
    jw_arr(&w);
  }
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0), *kind = (const char *)sqlite3_column_text(st, 1);
    const unsigned char *note = sqlite3_column_text(st, 2), *serial = sqlite3_column_text(st, 3);
    int decodes = sqlite3_column_type(st, 10) != SQLITE_NULL;
    int64_t iid = sqlite3_column_int64(st, 9);
    clinic_buf alerts = {0}, thr = {0};
    if (serial && (rc = clinic_readout_rows(c->db, iid, &alerts, &thr)) != CL_OK) {
      clinic_buf_free(&alerts);
      clinic_buf_free(&thr);
      break;
    }
    if (c->json) {
      jw_obj(&w);
      jw_key(&w, "date");
      jw_str(&w, ds);
      jw_key(&w, "kind");
      jw_str(&w, kind);
      if (note) {
        jw_key(&w, "note");
        jw_str(&w, (const char *)note);
      }
      if (serial) {
        jw_key(&w, "interrogation");
        jw_obj(&w);
        jw_key(&w, "serial");
        jw_str(&w, (const char *)serial);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
          jw_key(&w, "battery_pct");
          jw_fixed(&w, sqlite3_column_int64(st, 4), 1);
        }
        static const char *const keys[] = {"battery_state", "programs", "max_amplitude_ua", "lead_alert_count"};
        for (int k = 0; k < 4; k++) {
          if (sqlite3_column_type(st, 5 + k) == SQLITE_NULL) continue;
          jw_key(&w, keys[k]);
          if (k == 0)
            jw_str(&w, (const char *)sqlite3_column_text(st, 5));
          else
            jw_int(&w, sqlite3_column_int64(st, 5 + k));
        }
        jw_key(&w, "lead_alerts");
        jw_str(&w, alerts.s ? alerts.s : "");
        jw_key(&w, "test_thresholds");
        jw_str(&w, thr.s ? thr.s : "");
        static ro_readout_t ro;
        /* The stored document, decoded and written again by the programmer's codec. */
        if (decodes && (rc = clinic_readout_load(c->db, iid, &ro)) == CL_OK) {
          jw_key(&w, "readout");
          jw_obj(&w);
          ro_json_readout(&w, &ro);
          jw_obj_end(&w);
        }
        jw_obj_end(&w);
      }
      jw_obj_end(&w);
    } else {
      printf("%s  %-12s %s", ds, kind, note ? (const char *)note : "");
      if (serial) {
        char pct[HU_FIXED_LEN];
        printf("read-out %s", (const char *)serial);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL)
          printf(", battery %s %%", hu_fmt_fixed(pct, sizeof pct, sqlite3_column_int(st, 4), 1, 1));
        if (alerts.len) printf(", LEAD: %s", alerts.s);
        else if (sqlite3_column_type(st, 8) != SQLITE_NULL && sqlite3_column_int(st, 8) > 0)
          printf(", %d impedance alert(s)", sqlite3_column_int(st, 8));
        if (thr.len) printf(", test thresholds %s", thr.s);
      }
      printf("\n");
    }
    clinic_buf_free(&alerts);
    clinic_buf_free(&thr);
    if (rc) break;
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  if (step != SQLITE_DONE && step != SQLITE_ROW) return clinic_dbfail(c->db, "listing visits");
  if (c->json) {
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  }
  return CL_OK;
}

int clinic_cmd_visit(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return visit_add(c, a);
  if (strcmp(sub, "list") == 0) return visit_list(c, a);
  return clinic_fail(CL_USAGE, "usage: nmod clinic visit add|list ...");
}

/* ---- import-interrogation ------------------------------------------------------------ */

#define READOUT_FORMAT "nmod-readout/1"

int clinic_readout_stored_ok(const char *doc, size_t len) {
  static ro_readout_t ro;
  char err[256];
  return doc && ro_read_text(doc, len, &ro, err, sizeof err) == 0 ? 0 : -1;
}

int clinic_readout_load(sqlite3 *db, int64_t interrogation_id, ro_readout_t *ro) {
  sqlite3_stmt *st = clinic_prep(db, "SELECT doc FROM interrogation WHERE id = ? AND format = '" READOUT_FORMAT "'");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, interrogation_id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CL_USAGE : clinic_dbfail(db, "reading a read-out");
  }
  char err[256];
  rc = ro_read_text((const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0), ro, err, sizeof err);
  sqlite3_finalize(st);
  if (rc != 0)
    return clinic_fail(CL_IO, "database %s: stored read-out %lld no longer decodes (%s): see nmod clinic check-db",
                       sqlite3_db_filename(db, "main"), (long long)interrogation_id, err);
  return CL_OK;
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
static int store_readout(sqlite3 *db, int64_t vid, const ro_readout_t *ro, const char *text, size_t len, int64_t *iid) {
  sqlite3_stmt *st = clinic_prep(db,
                                 "INSERT INTO interrogation(visit_id, serial, kind, therapy, firmware, mode, battery_pm, "
                                 "battery_mv, battery_state, programs, max_amplitude_ua, impedances, impedance_alerts, doc, "
                                 "format, cell, lead) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,?,?,'" READOUT_FORMAT "',?,?)");
  if (!st) return CL_IO;
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
  int rc = sqlite3_step(st) == SQLITE_DONE ? CL_OK : clinic_dbfail(db, "storing the read-out");
  sqlite3_finalize(st);
  if (rc) return rc;
  *iid = sqlite3_last_insert_rowid(db);
  char c[8];
  st = clinic_prep(db, "INSERT INTO lead_alert(interrogation_id, contact, state) VALUES (?,?,?)");
  if (!st) return CL_IO;
  for (int i = 0; !rc && i < ro->status.n_alerts; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, *iid);
    bind_opt_text(st, 2, hu_contact_name(c, sizeof c, ro->status.alerts[i].contact));
    bind_opt_text(st, 3, ro_lead_state_name(ro->status.alerts[i].state));
    if (sqlite3_step(st) != SQLITE_DONE) rc = clinic_dbfail(db, "storing a lead alert");
  }
  sqlite3_finalize(st);
  if (rc) return rc;
  st = clinic_prep(db, "INSERT INTO test_threshold(interrogation_id, contact, threshold_ua) VALUES (?,?,?)");
  if (!st) return CL_IO;
  for (int i = 0; !rc && i < ro->n_thresholds; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, *iid);
    bind_opt_text(st, 2, hu_contact_name(c, sizeof c, ro->thresholds[i].contact));
    sqlite3_bind_int64(st, 3, ro->thresholds[i].threshold_ua);
    if (sqlite3_step(st) != SQLITE_DONE) rc = clinic_dbfail(db, "storing a test threshold");
  }
  sqlite3_finalize(st);
  return rc;
}

int clinic_cmd_interrogation(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc = clinic_args_done(a, "import-interrogation");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic import-interrogation PATIENT FILE.json [--date YYYY-MM-DD]");
  int32_t d = c->today;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  if (d > c->today) return clinic_fail(CL_USAGE, "--date %s is in the future", date);
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  const char *file = a->pos[2];
  char *text = NULL, err[300];
  size_t len = 0;
  if (js_read_file(file, 4u << 20, &text, &len, err, sizeof err) != 0) return clinic_fail(CL_USAGE, "%s", err);
  static ro_readout_t ro;
  if (ro_read_text(text, len, &ro, err, sizeof err) != 0) {
    free(text);
    return clinic_fail(CL_USAGE, "%s: %s; not stored", file, err);
  }
  if (strcmp(ro.therapy, clinic_therapy_name(p.therapy)) != 0)
    rc = clinic_fail(CL_USAGE, "%s is the read-out of an %s device, but %s is an %s patient: wrong patient or file? not stored",
                     file, ro.therapy, p.code, clinic_therapy_name(p.therapy));
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, d);
  int64_t vid = 0, iid = 0;
  if (!rc) rc = clinic_begin(c->db);
  if (!rc) {
    rc = visit_for(c->db, p.pid, ds, "read-out", &vid);
    if (!rc) rc = store_readout(c->db, vid, &ro, text, len, &iid);
    if (!rc) rc = clinic_sums_commit_patient(c->db, &p); /* commits, or rolls back */
    else clinic_rollback(c->db);
  }
  free(text);
  if (rc) return rc;
  char cn[8];
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "visit_date");
    jw_str(&w, ds);
    jw_key(&w, "visit_id");
    jw_int(&w, vid);
    jw_key(&w, "serial");
    jw_str(&w, ro.serial);
    jw_key(&w, "lead_alerts");
    jw_int(&w, ro.status.n_alerts);
    jw_key(&w, "test_thresholds");
    jw_int(&w, ro.n_thresholds);
    jw_key(&w, "battery_state");
    jw_str(&w, ro.status.batt_state);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    char pct[HU_FIXED_LEN];
    printf("%s: read-out of %s stored with the visit of %s; battery %s %%", p.code, ro.serial, ds,
           hu_fmt_fixed(pct, sizeof pct, ro.status.batt_pm, 1, 1));
    if (strcmp(ro.status.batt_state, "ok") != 0)
      printf(" (%s%s)", ro.status.batt_state,
             strcmp(ro.status.batt_state, "low") == 0 ? ": recharge" : ": plan a replacement");
    for (int i = 0; i < ro.status.n_alerts; i++)
      printf("; LEAD %s %s: check the lead", hu_contact_name(cn, sizeof cn, ro.status.alerts[i].contact),
             ro_lead_state_name(ro.status.alerts[i].state));
    if (ro.n_thresholds) printf("; %d test-stimulation threshold(s)", ro.n_thresholds);
    printf("\n");
  }
  return CL_OK;
}
