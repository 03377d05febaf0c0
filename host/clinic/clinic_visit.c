/* clinic_visit.c: visits, and programmer read-outs stored with the visit of that day
 * (`import-interrogation`): the whole JSON document is kept, plus the fields a list or a
 * report needs (serial, battery, programs, impedances), as clinic_interro.c reads them. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_int.h"

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
  if (date && clinic_date_parse(date, &d) != 0) return clinic_fail(CL_USAGE, "--date '%s' is not a date", date);
  if (d > c->today) return clinic_fail(CL_USAGE, "a visit is recorded when it happened; %s is in the future (see nmod clinic plan)", date);
  if (note && strlen(note) > 500) return clinic_fail(CL_USAGE, "--note is longer than 500 characters");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  char ds[11];
  clinic_date_fmt(d, ds);
  sqlite3_stmt *st = clinic_prep(c->db, "INSERT INTO visit(pid, date, kind, note) VALUES (?,?,?,?)");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  if (note) sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 4);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "adding a visit");
  if (c->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "visit_id");
    jw_int(&w, sqlite3_last_insert_rowid(c->db));
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("%s: %s visit on %s recorded\n", p.code, kind, ds);
  }
  return CL_OK;
}

static int visit_list(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "visit list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic visit list PATIENT");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db,
                                 "SELECT v.date, v.kind, v.note, i.serial, i.battery_pct, i.battery_state, i.programs, "
                                 "i.max_amplitude_ua, i.impedances, i.impedance_alerts FROM visit v "
                                 "LEFT JOIN interrogation i ON i.visit_id = v.id WHERE v.pid = ? ORDER BY v.date, v.id, i.id");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  js_w w;
  if (c->json) {
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "visits");
    jw_arr(&w);
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0), *kind = (const char *)sqlite3_column_text(st, 1);
    const unsigned char *note = sqlite3_column_text(st, 2), *serial = sqlite3_column_text(st, 3);
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
        static const char *const keys[] = {"battery_pct", "battery_state", "programs", "max_amplitude_ua", "impedances",
                                           "impedance_alerts"};
        for (int k = 0; k < 6; k++) {
          if (sqlite3_column_type(st, 4 + k) == SQLITE_NULL) continue;
          jw_key(&w, keys[k]);
          if (k == 1)
            jw_str(&w, (const char *)sqlite3_column_text(st, 4 + k));
          else
            jw_int(&w, sqlite3_column_int64(st, 4 + k));
        }
        jw_obj_end(&w);
      }
      jw_obj_end(&w);
    } else {
      printf("%s  %-12s %s", ds, kind, note ? (const char *)note : "");
      if (serial) {
        printf("read-out %s", (const char *)serial);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) printf(", battery %d %%", sqlite3_column_int(st, 4));
        if (sqlite3_column_type(st, 9) != SQLITE_NULL) printf(", %d impedance alert(s)", sqlite3_column_int(st, 9));
      }
      printf("\n");
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "listing visits");
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

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s) {
  if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT); else sqlite3_bind_null(st, i);
}
static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v) {
  if (v >= 0) sqlite3_bind_int64(st, i, v); else sqlite3_bind_null(st, i);
}

int clinic_cmd_interrogation(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc = clinic_args_done(a, "import-interrogation");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic import-interrogation PATIENT FILE.json [--date YYYY-MM-DD]");
  int32_t d = c->today;
  if (date && clinic_date_parse(date, &d) != 0) return clinic_fail(CL_USAGE, "--date '%s' is not a date", date);
  if (d > c->today) return clinic_fail(CL_USAGE, "--date %s is in the future", date);
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  const char *file = a->pos[2];
  char *text = NULL, err[256];
  size_t len = 0;
  if (js_read_file(file, 4u << 20, &text, &len, err, sizeof err) != 0) return clinic_fail(CL_USAGE, "%s", err);
  js_val *root = js_parse(text, len, err, sizeof err);
  if (!root) {
    free(text);
    return clinic_fail(CL_USAGE, "%s: %s; not stored", file, err);
  }
  clinic_interro it;
  rc = clinic_interro_parse(file, root, &it);
  if (!rc && it.therapy && strcmp(it.therapy, clinic_therapy_name(p.therapy)) != 0)
    rc = clinic_fail(CL_USAGE, "%s is the read-out of an %s device, but %s is an %s patient: wrong patient or file? not stored",
                     file, it.therapy, p.code, clinic_therapy_name(p.therapy));
  char ds[11];
  clinic_date_fmt(d, ds);
  int64_t vid = 0;
  if (!rc) rc = clinic_begin(c->db);
  if (!rc) {
    rc = visit_for(c->db, p.pid, ds, "read-out", &vid);
    sqlite3_stmt *st = rc ? NULL : clinic_prep(c->db,
                                               "INSERT INTO interrogation(visit_id, serial, kind, therapy, firmware, mode, battery_pct, "
                                               "battery_mv, battery_state, programs, max_amplitude_ua, impedances, impedance_alerts, doc) "
                                               "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    if (!rc && !st) rc = CL_IO;
    if (!rc) {
      sqlite3_bind_int64(st, 1, vid);
      bind_opt_text(st, 2, it.serial);
      bind_opt_text(st, 3, it.kind);
      bind_opt_text(st, 4, it.therapy);
      bind_opt_text(st, 5, it.firmware);
      bind_opt_text(st, 6, it.mode);
      bind_opt_int(st, 7, it.bpct);
      bind_opt_int(st, 8, it.bmv);
      bind_opt_text(st, 9, it.bstate);
      bind_opt_int(st, 10, it.programs);
      bind_opt_int(st, 11, it.max_ua);
      bind_opt_int(st, 12, it.imps);
      bind_opt_int(st, 13, it.alerts);
      sqlite3_bind_text(st, 14, text, (int)len, SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) rc = clinic_dbfail(c->db, "storing the interrogation");
    }
    sqlite3_finalize(st);
    if (!rc) rc = clinic_commit(c->db);
    if (rc) clinic_rollback(c->db);
  }
  if (!rc) {
    if (c->json) {
      js_w w;
      jw_init(&w, stdout);
      jw_obj(&w);
      jw_key(&w, "patient");
      jw_str(&w, p.code);
      jw_key(&w, "visit_date");
      jw_str(&w, ds);
      jw_key(&w, "visit_id");
      jw_int(&w, vid);
      jw_key(&w, "serial");
      jw_str(&w, it.serial);
      jw_key(&w, "impedance_alerts");
      if (it.alerts >= 0) jw_int(&w, it.alerts); else jw_null(&w);
      jw_key(&w, "battery_state");
      if (it.bstate) jw_str(&w, it.bstate); else jw_null(&w);
      jw_obj_end(&w);
      jw_end(&w);
    } else {
      printf("%s: read-out of %s stored with the visit of %s", p.code, it.serial, ds);
      if (it.bpct >= 0) printf("; battery %lld %%", (long long)it.bpct);
      if (it.bstate && strcmp(it.bstate, "ok") != 0) printf(" (%s: plan a replacement)", it.bstate);
      if (it.alerts > 0) printf("; %lld impedance alert(s): check the lead", (long long)it.alerts);
      printf("\n");
    }
  }
  js_free(root);
  free(text);
  return rc;
}
