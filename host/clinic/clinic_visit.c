/* clinic_visit.c: visits, and programmer read-outs stored with the visit of that day
 * (`import-interrogation`): the whole JSON document is kept, plus the fields a list or a
 * report needs (serial, battery, programs, impedances). */
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

typedef struct {
  const char *serial, *kind, *therapy, *firmware, *mode, *bstate;
  int64_t bpct, bmv, programs, max_ua, imps, alerts;
} interro;

static int bad_field(const char *file, const js_val *v, const char *what) {
  return clinic_fail(CL_USAGE, "%s line %d, column %d: %s; not stored", file, v->line, v->col, what);
}

static int opt_str(const char *file, const js_val *root, const char *key, const char **out) {
  const js_val *v = js_get(root, key);
  *out = NULL;
  if (!v) return CL_OK;
  if (v->type != JS_STR || v->str_len == 0 || v->str_len > 64) {
    char m[128];
    snprintf(m, sizeof m, "\"%s\" must be a string of 1-64 characters, not %s", key, js_type_name(v->type));
    return bad_field(file, v, m);
  }
  *out = v->str;
  return CL_OK;
}

static int int_in(const char *file, const js_val *v, const char *what, int64_t lo, int64_t hi, int64_t *out) {
  char m[160];
  if (!v || v->type != JS_NUM || js_num_fixed(v, 0, out) != 0 || *out < lo || *out > hi) {
    snprintf(m, sizeof m, "%s must be a whole number from %lld to %lld", what, (long long)lo, (long long)hi);
    return v ? bad_field(file, v, m) : clinic_fail(CL_USAGE, "%s: %s; not stored", file, m);
  }
  return CL_OK;
}

static int parse_interrogation(const char *file, const js_val *root, interro *it) {
  int rc;
  memset(it, 0, sizeof *it);
  it->bpct = it->bmv = it->programs = it->max_ua = it->imps = it->alerts = -1;
  if (root->type != JS_OBJ)
    return clinic_fail(CL_USAGE, "%s is %s, not an interrogation (expected one JSON object with \"serial\"); not stored", file,
                       js_type_name(root->type));
  const js_val *serial = js_get(root, "serial");
  if (!serial)
    return clinic_fail(CL_USAGE, "%s has no \"serial\": it is not a programmer interrogation (nmod interrogate --json); not stored",
                       file);
  if ((rc = opt_str(file, root, "serial", &it->serial)) || (rc = opt_str(file, root, "kind", &it->kind)) ||
      (rc = opt_str(file, root, "therapy", &it->therapy)) || (rc = opt_str(file, root, "firmware", &it->firmware)) ||
      (rc = opt_str(file, root, "mode", &it->mode)))
    return rc;
  if (it->kind && strcmp(it->kind, "ets") != 0 && strcmp(it->kind, "ins") != 0)
    return bad_field(file, js_get(root, "kind"), "\"kind\" must be \"ets\" (external trial stimulator) or \"ins\" (implant)");
  if (it->therapy && strcmp(it->therapy, "scs") != 0 && strcmp(it->therapy, "snm") != 0)
    return bad_field(file, js_get(root, "therapy"), "\"therapy\" must be \"scs\" or \"snm\"");
  const js_val *bat = js_get(root, "battery");
  if (bat) {
    if (bat->type != JS_OBJ) return bad_field(file, bat, "\"battery\" must be an object");
    const js_val *v;
    if ((v = js_get(bat, "pct")) && (rc = int_in(file, v, "battery.pct", 0, 100, &it->bpct))) return rc;
    if ((v = js_get(bat, "voltage_mv")) && (rc = int_in(file, v, "battery.voltage_mv", 0, 10000, &it->bmv))) return rc;
    if ((v = js_get(bat, "state"))) {
      if (v->type != JS_STR || (strcmp(v->str, "ok") && strcmp(v->str, "eri") && strcmp(v->str, "eos")))
        return bad_field(file, v, "battery.state must be \"ok\", \"eri\" or \"eos\"");
      it->bstate = v->str;
    }
  }
  const js_val *pr = js_get(root, "programs");
  if (pr) {
    if (pr->type != JS_ARR) return bad_field(file, pr, "\"programs\" must be an array");
    it->programs = (int64_t)pr->n;
    for (size_t i = 0; i < pr->n; i++) {
      const js_val *p = &pr->items[i];
      if (p->type != JS_OBJ) return bad_field(file, p, "each program must be an object");
      const js_val *amp = js_get(p, "amplitude_ma");
      if (amp) {
        int64_t ua;
        if (amp->type != JS_NUM || js_num_fixed(amp, 3, &ua) != 0 || ua < 0 || ua > 100000)
          return bad_field(file, amp, "amplitude_ma must be a number of mA from 0 to 100 with at most 3 decimals");
        if (ua > it->max_ua) it->max_ua = ua;
      }
    }
  }
  const js_val *im = js_get(root, "impedances");
  if (im) {
    if (im->type != JS_ARR) return bad_field(file, im, "\"impedances\" must be an array");
    it->imps = (int64_t)im->n;
    it->alerts = 0;
    for (size_t i = 0; i < im->n; i++) {
      const js_val *e = &im->items[i];
      if (e->type != JS_OBJ) return bad_field(file, e, "each impedance must be an object");
      const js_val *ohm = js_get(e, "ohm"), *cls = js_get(e, "class");
      int64_t o;
      if (ohm && (rc = int_in(file, ohm, "impedance ohm", 0, 100000000, &o))) return rc;
      if (cls) {
        if (cls->type != JS_STR || (strcmp(cls->str, "normal") && strcmp(cls->str, "high") && strcmp(cls->str, "open") &&
                                    strcmp(cls->str, "short")))
          return bad_field(file, cls, "impedance class must be normal, high, open or short");
        if (strcmp(cls->str, "normal") != 0) it->alerts++;
      }
    }
  }
  const js_val *us = js_get(root, "usage");
  if (us && us->type != JS_OBJ) return bad_field(file, us, "\"usage\" must be an object");
  return CL_OK;
}

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
  interro it;
  rc = parse_interrogation(file, root, &it);
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
