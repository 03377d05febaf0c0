/* clinic_rules.c: the brochures' rules around the operations: vaccinations (flu: not from 2
 * days before to 2 days after; others: not from 2 weeks before to 2 weeks after) and
 * anticoagulants to stop as the doctor decides, discussed at the pre-operative screening.
 * Commands: vaccination add|list, medication add|list, check. */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "clinic_rules.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "json.h"

int clinic_vacc_conflict(int flu, int32_t vday, int32_t oday) {
  int32_t w = flu ? 2 : 14;
  return vday >= oday - w && vday <= oday + w;
}

/* Generic name and the names it goes by. The first seven are the brochures' list (both
 * name them); the others are common anticoagulants and antiplatelets added by us. */
static const char *const anticoag[][4] = {
    {"clopidogrel", "plavix", NULL, NULL},
    {"dipyridamole", "persantin", NULL, NULL},
    {"acenocoumarol", "sintrom", "sintrom mitis", NULL},
    {"phenprocoumon", "fenprocoumon", "marcoumar", NULL},
    {"dabigatran", "pradaxa", NULL, NULL},
    {"rivaroxaban", "xarelto", NULL, NULL},
    {"apixaban", "eliquis", NULL, NULL},
    {"edoxaban", "lixiana", NULL, NULL},
    {"warfarin", "coumadin", NULL, NULL},
    {"ticagrelor", "brilique", "brilinta", NULL},
    {"prasugrel", "efient", NULL, NULL},
    {"acetylsalicylic acid", "aspirin", "ascal", "carbasalate calcium"},
    {"nadroparin", "fraxiparine", NULL, NULL},
    {"enoxaparin", "clexane", NULL, NULL},
    {"dalteparin", "fragmin", NULL, NULL},
    {"tinzaparin", "innohep", NULL, NULL},
};

const char *clinic_anticoagulant(const char *name) {
  char low[128];
  size_t n = 0;
  for (; name[n] && n + 1 < sizeof low; n++) low[n] = (char)tolower((unsigned char)name[n]);
  low[n] = '\0';
  for (size_t i = 0; i < sizeof anticoag / sizeof anticoag[0]; i++)
    for (int j = 0; j < 4 && anticoag[i][j]; j++) {
      /* A whole-word match: "Xarelto 20 mg" matches, "Xareltox" does not. */
      const char *hit = strstr(low, anticoag[i][j]);
      size_t len = strlen(anticoag[i][j]);
      while (hit) {
        int left = hit == low || !isalpha((unsigned char)hit[-1]);
        int right = !isalpha((unsigned char)hit[len]);
        if (left && right) return anticoag[i][0];
        hit = strstr(hit + 1, anticoag[i][j]);
      }
    }
  return NULL;
}

int clinic_vacc_valid(const char *date, const char *kind, const char *name, clinic_err *e) {
  int32_t d;
  int rc = hu_date_parse(date, &d);
  if (rc != 0) {
    char m[160];
    return clinic_err_set(e, CLINIC_E_INPUT, "%s", hu_date_msg(m, sizeof m, "--date", date, rc, HU_FORM_DATE));
  }
  if (strcmp(kind, "flu") != 0 && strcmp(kind, "other") != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "--kind '%s' is not known: use flu or other (travel and all other vaccines)",
                          kind);
  if (name && strlen(name) > 100) return clinic_err_set(e, CLINIC_E_INPUT, "--name is longer than 100 characters");
  return CLINIC_E_OK;
}

int clinic_vacc_add(sqlite3 *db, const clinic_patient *p, const char *date, const char *kind, const char *name,
                    clinic_err *e) {
  int rc = clinic_vacc_valid(date, kind, name, e);
  if (rc) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "INSERT INTO vaccination(pid, date, kind, name) VALUES (?,?,?,?)", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
  if (name) sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 4);
  rc = sqlite3_step(st);
  return clinic_sql_end(db, st, rc, "storing a vaccination", e);
}

int clinic_med_valid(const char *name, clinic_err *e) {
  if (!*name || strlen(name) > 100) return clinic_err_set(e, CLINIC_E_INPUT, "medication name must have 1-100 characters");
  return CLINIC_E_OK;
}

int clinic_med_add(sqlite3 *db, const clinic_patient *p, const char *name, clinic_err *e) {
  if (clinic_med_valid(name, e) != CLINIC_E_OK) return e->code;
  sqlite3_stmt *st = clinic_sql_prep(db, "INSERT INTO medication(pid, name) VALUES (?,?)", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT) return clinic_err_set(e, CLINIC_E_RULE, "%s already has medication '%s'", p->code, name);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "storing a medication");
  return CLINIC_E_OK;
}

int clinic_cmd_vaccination(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  const char *usage = "usage: nmod clinic vaccination add PATIENT --date YYYY-MM-DD --kind flu|other [--name TEXT]";
  if (strcmp(sub, "add") != 0) return clinic_fail(CL_USAGE, "%s", usage);
  const char *date = clinic_opt_get(a, "date"), *kind = clinic_opt_get(a, "kind"), *name = clinic_opt_get(a, "name");
  int rc = clinic_args_done(a, "vaccination add");
  if (rc) return rc;
  if (a->npos != 3 || !date || !kind) return clinic_fail(CL_USAGE, "%s", usage);
  clinic_err e = {0};
  clinic_patient p;
  /* The values are checked before the patient is looked up (the order of the messages). */
  if (clinic_vacc_valid(date, kind, name, &e) != CLINIC_E_OK || clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK ||
      clinic_vacc_add(c->db, &p, date, kind, name, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  char text[400];
  snprintf(text, sizeof text, "%s: %s vaccination on %s recorded (see nmod clinic check %s)", p.code, kind, date, p.code);
  clinic_ack ack = {NULL, NULL, text};
  clinic_ack_render(clinic_stdout(), c->json, &ack);
  return CL_OK;
}

int clinic_cmd_medication(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int rc = clinic_args_done(a, "medication");
  if (rc) return rc;
  if (strcmp(sub, "add") != 0 || a->npos != 4)
    return clinic_fail(CL_USAGE, "usage: nmod clinic medication add PATIENT NAME");
  const char *name = a->pos[3];
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_med_valid(name, &e) != CLINIC_E_OK || clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK || clinic_med_add(c->db, &p, name, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  const char *ac = clinic_anticoagulant(name);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "medication", name);
    jw_kv_str_opt(&w, "anticoagulant", ac);
    clinic_json_end(&w);
  } else {
    fprintf(clinic_stdout(), "%s: medication '%s' recorded%s%s%s\n", p.code, name, ac ? " (anticoagulant: " : "",
            ac ? ac : "", ac ? "; discuss stopping before the operation)" : "");
  }
  return CL_OK;
}

void clinic_check_free(clinic_check *k) {
  for (int i = 0; i < k->nwarn; i++) clinic_buf_free(&k->warn[i]);
  k->nwarn = 0;
}

/* Vaccinations against every operation, done or planned. */
static int check_vaccinations(sqlite3 *db, const clinic_patient *p, const clinic_path *path, clinic_check *k,
                              clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, kind, name FROM vaccination WHERE pid = ? ORDER BY date", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int32_t vd;
    const char *vds = (const char *)sqlite3_column_text(st, 0);
    if (hu_date_parse(vds, &vd) != 0) continue;
    int flu = strcmp((const char *)sqlite3_column_text(st, 1), "flu") == 0;
    const unsigned char *vn = sqlite3_column_text(st, 2);
    for (int i = 0; i < path->nsteps; i++) {
      if (!path->def[i].procedure || !path->rec[i].recorded) continue;
      if (!clinic_vacc_conflict(flu, vd, path->rec[i].date) || k->nwarn >= CLINIC_CHECK_MAX) continue;
      char od[11];
      hu_date_fmt(od, HU_DATE_LEN, path->rec[i].date);
      clinic_buf_printf(&k->warn[k->nwarn++],
                        "%s vaccination%s%s%s on %s falls inside the window of %s on %s (%s): the brochure says %s; move "
                        "the vaccination or the operation",
                        flu ? "flu" : "other", vn ? " (" : "", vn ? (const char *)vn : "", vn ? ")" : "", vds,
                        path->def[i].id, od, path->rec[i].planned ? "planned" : "done",
                        flu ? "no flu vaccination from 2 days before to 2 days after"
                            : "no other vaccination from 2 weeks before to 2 weeks after");
    }
  }
  return clinic_sql_end(db, st, rc, "reading vaccinations", e);
}

/* The timing the brochures give between the screening, stage 1 and stage 2. */
static void check_timing(const clinic_patient *p, const clinic_path *path, clinic_check *k) {
  char d1[11], d2[11];
  int32_t tr = clinic_path_any(path, "trial");
  if (tr == INT32_MIN || k->nwarn >= CLINIC_CHECK_MAX) return;
  if (p->therapy == TH_SCS) {
    int32_t sc = clinic_path_any(path, "screening");
    if (sc != INT32_MIN && (tr - sc < 7 || tr - sc > 14)) {
      hu_date_fmt(d1, HU_DATE_LEN, sc);
      hu_date_fmt(d2, HU_DATE_LEN, tr);
      clinic_buf_printf(&k->warn[k->nwarn++], "pre-operative screening on %s is %d days before the trial on %s; the brochure plans it 1-2 weeks before",
                        d1, tr - sc, d2);
    }
    return;
  }
  int32_t s2 = clinic_path_any(path, "implant");
  if (s2 == INT32_MIN) s2 = clinic_path_any(path, "explant");
  /* Later than the window: clinic_trial_warnings. */
  if (s2 != INT32_MIN && s2 - tr < 21) {
    hu_date_fmt(d1, HU_DATE_LEN, tr);
    hu_date_fmt(d2, HU_DATE_LEN, s2);
    clinic_buf_printf(&k->warn[k->nwarn++], "stage 2 on %s is %d days after stage 1 on %s; usually 3-4 weeks (21-28 days)", d2,
                      s2 - tr, d1);
  }
}

/* The anticoagulants among the recorded medications, by name. */
static int check_meds(sqlite3 *db, const clinic_patient *p, clinic_check *k, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT name FROM medication WHERE pid = ? ORDER BY name", e);
  if (!st) return e->code;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && k->nmeds < CLINIC_CHECK_MAX) {
    const char *nm = (const char *)sqlite3_column_text(st, 0);
    const char *ac = clinic_anticoagulant(nm);
    if (!ac) continue;
    snprintf(k->med[k->nmeds], sizeof k->med[k->nmeds], "%s", nm);
    k->generic[k->nmeds++] = ac;
  }
  return clinic_sql_end(db, st, rc, "reading medications", e);
}

int clinic_check_run(sqlite3 *db, const clinic_patient *p, int32_t today, clinic_check *k, clinic_err *e) {
  memset(k, 0, sizeof *k);
  clinic_path path;
  clinic_cfg cfg;
  int rc = clinic_path_read(db, p, &path, e);
  if (!rc) rc = check_vaccinations(db, p, &path, k, e);
  if (!rc) {
    check_timing(p, &path, k);
    rc = clinic_cfg_read(db, NULL, &cfg, e);
  }
  if (!rc) {
    k->nwarn = clinic_trial_warnings(&path, &cfg, today, k->warn, k->nwarn, CLINIC_CHECK_MAX);
    rc = check_meds(db, p, k, e);
  }
  k->discuss = p->therapy == TH_SCS
                   ? "at the pre-operative screening (the anaesthesiologist decides whether and when to stop)"
                   : "before each operation (the treating doctor decides; sometimes a temporary other anticoagulant)";
  if (rc) clinic_check_free(k);
  return rc;
}

static void check_json(FILE *f, const clinic_patient *p, const clinic_check *k) {
  js_w w;
  clinic_json_patient(&w, f, p->code);
  jw_kv_arr(&w, "warnings");
  for (int i = 0; i < k->nwarn; i++) jw_str(&w, k->warn[i].s);
  jw_arr_end(&w);
  jw_kv_arr(&w, "anticoagulants");
  for (int i = 0; i < k->nmeds; i++) {
    jw_obj(&w);
    jw_kv_str(&w, "medication", k->med[i]);
    jw_kv_str(&w, "generic", k->generic[i]);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_str(&w, "discuss", k->discuss);
  clinic_json_end(&w);
}

static void check_text(FILE *f, const clinic_patient *p, const clinic_check *k) {
  fprintf(f, "Checks for %s (%s)\n", p->code, p->therapy == TH_SCS ? "SCS" : "SNM");
  if (!k->nwarn) fprintf(f, "  no vaccination, timing or trial-length conflicts\n");
  for (int i = 0; i < k->nwarn; i++) fprintf(f, "  WARNING: %s\n", k->warn[i].s);
  if (!k->nmeds) {
    fprintf(f, "  no anticoagulants recorded (ask: Plavix, Persantin, Sintrom, Marcoumar, Pradaxa, Xarelto, Eliquis)\n");
  } else {
    fprintf(f, "  anticoagulants to discuss %s:\n", k->discuss);
    for (int i = 0; i < k->nmeds; i++) fprintf(f, "    - %s (%s)\n", k->med[i], k->generic[i]);
  }
  fprintf(f, "  also ask: allergies (iodine, contrast, medication, plasters, rubber, latex), possible pregnancy, a ride home\n");
}

int clinic_cmd_check(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "check");
  if (rc) return rc;
  if (a->npos != 2) return clinic_fail(CL_USAGE, "usage: nmod clinic check PATIENT [--json]");
  clinic_err e = {0};
  clinic_patient p;
  clinic_check k;
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK ||
      clinic_check_run(c->db, &p, c->today, &k, &e) != CLINIC_E_OK)
    return clinic_report(&e);
  if (c->json)
    check_json(clinic_stdout(), &p, &k);
  else
    check_text(clinic_stdout(), &p, &k);
  clinic_check_free(&k);
  return CL_OK;
}
