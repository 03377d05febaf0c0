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

static int vaccination(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int rc;
  if (strcmp(sub, "add") == 0) {
    const char *date = clinic_opt_get(a, "date"), *kind = clinic_opt_get(a, "kind"), *name = clinic_opt_get(a, "name");
    if ((rc = clinic_args_done(a, "vaccination add")) != CL_OK) return rc;
    if (a->npos != 3 || !date || !kind)
      return clinic_fail(CL_USAGE, "usage: nmod clinic vaccination add PATIENT --date YYYY-MM-DD --kind flu|other [--name TEXT]");
    int32_t d;
    if ((rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
    if (strcmp(kind, "flu") != 0 && strcmp(kind, "other") != 0)
      return clinic_fail(CL_USAGE, "--kind '%s' is not known: use flu or other (travel and all other vaccines)", kind);
    if (name && strlen(name) > 100) return clinic_fail(CL_USAGE, "--name is longer than 100 characters");
    clinic_patient p;
    if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
    sqlite3_stmt *st = clinic_prep(c->db, "INSERT INTO vaccination(pid, date, kind, name) VALUES (?,?,?,?)");
    if (!st) return CL_IO;
    sqlite3_bind_int64(st, 1, p.pid);
    sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    if (name) sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 4);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "storing a vaccination");
    if (!c->json) printf("%s: %s vaccination on %s recorded (see nmod clinic check %s)\n", p.code, kind, date, p.code);
    else {
      js_w w;
      jw_init(&w, clinic_stdout());
      jw_obj(&w);
      jw_key(&w, "stored");
      jw_bool(&w, 1);
      jw_obj_end(&w);
      jw_end(&w);
    }
    return CL_OK;
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic vaccination add PATIENT --date YYYY-MM-DD --kind flu|other [--name TEXT]");
}

int clinic_cmd_vaccination(clinic_ctx *c, clinic_args *a) { return vaccination(c, a); }

int clinic_cmd_medication(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int rc = clinic_args_done(a, "medication");
  if (rc) return rc;
  if (strcmp(sub, "add") != 0 || a->npos != 4)
    return clinic_fail(CL_USAGE, "usage: nmod clinic medication add PATIENT NAME");
  const char *name = a->pos[3];
  if (!*name || strlen(name) > 100) return clinic_fail(CL_USAGE, "medication name must have 1-100 characters");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "INSERT INTO medication(pid, name) VALUES (?,?)");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT) return clinic_fail(CL_RULE, "%s already has medication '%s'", p.code, name);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "storing a medication");
  const char *ac = clinic_anticoagulant(name);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "medication");
    jw_str(&w, name);
    jw_key(&w, "anticoagulant");
    if (ac) jw_str(&w, ac); else jw_null(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("%s: medication '%s' recorded%s%s%s\n", p.code, name, ac ? " (anticoagulant: " : "", ac ? ac : "",
           ac ? "; discuss stopping before the operation)" : "");
  }
  return CL_OK;
}

int clinic_cmd_check(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "check");
  if (rc) return rc;
  if (a->npos != 2) return clinic_fail(CL_USAGE, "usage: nmod clinic check PATIENT [--json]");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  clinic_path path;
  if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
  clinic_buf warn[64];
  int nwarn = 0;
  memset(warn, 0, sizeof warn);
  /* Vaccinations against every operation, done or planned. */
  sqlite3_stmt *st = clinic_prep(c->db, "SELECT date, kind, name FROM vaccination WHERE pid = ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int32_t vd;
    const char *vds = (const char *)sqlite3_column_text(st, 0);
    if (hu_date_parse(vds, &vd) != 0) continue;
    int flu = strcmp((const char *)sqlite3_column_text(st, 1), "flu") == 0;
    const unsigned char *vn = sqlite3_column_text(st, 2);
    for (int i = 0; i < path.nsteps; i++) {
      if (!path.def[i].procedure || !path.rec[i].recorded) continue;
      if (!clinic_vacc_conflict(flu, vd, path.rec[i].date) || nwarn >= 64) continue;
      char od[11];
      hu_date_fmt(od, HU_DATE_LEN, path.rec[i].date);
      clinic_buf_printf(&warn[nwarn++],
                        "%s vaccination%s%s%s on %s falls inside the window of %s on %s (%s): the brochure says %s; move "
                        "the vaccination or the operation",
                        flu ? "flu" : "other", vn ? " (" : "", vn ? (const char *)vn : "", vn ? ")" : "", vds,
                        path.def[i].id, od, path.rec[i].planned ? "planned" : "done",
                        flu ? "no flu vaccination from 2 days before to 2 days after"
                            : "no other vaccination from 2 weeks before to 2 weeks after");
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "reading vaccinations");
  /* Timing the brochures give. */
  char d1[11], d2[11];
  int32_t tr = clinic_path_any(&path, "trial");
  if (p.therapy == TH_SCS && tr != INT32_MIN) {
    int32_t sc = clinic_path_any(&path, "screening");
    if (sc != INT32_MIN && (tr - sc < 7 || tr - sc > 14) && nwarn < 64) {
      hu_date_fmt(d1, HU_DATE_LEN, sc);
      hu_date_fmt(d2, HU_DATE_LEN, tr);
      clinic_buf_printf(&warn[nwarn++], "pre-operative screening on %s is %d days before the trial on %s; the brochure plans it 1-2 weeks before",
                        d1, tr - sc, d2);
    }
  }
  if (p.therapy == TH_SNM && tr != INT32_MIN) {
    int32_t s2 = clinic_path_any(&path, "implant");
    if (s2 == INT32_MIN) s2 = clinic_path_any(&path, "explant");
    /* Later than the window: clinic_trial_warnings below. */
    if (s2 != INT32_MIN && s2 - tr < 21 && nwarn < 64) {
      hu_date_fmt(d1, HU_DATE_LEN, tr);
      hu_date_fmt(d2, HU_DATE_LEN, s2);
      clinic_buf_printf(&warn[nwarn++], "stage 2 on %s is %d days after stage 1 on %s; usually 3-4 weeks (21-28 days)", d2,
                        s2 - tr, d1);
    }
  }
  clinic_cfg cfg;
  if ((rc = clinic_cfg_load(c->db, NULL, &cfg)) != CL_OK) {
    for (int i = 0; i < nwarn; i++) clinic_buf_free(&warn[i]);
    return rc;
  }
  nwarn = clinic_trial_warnings(&path, &cfg, c->today, warn, nwarn, 64);
  /* Anticoagulants. */
  const char *meds[64][2];
  char medbuf[64][104];
  int nmeds = 0;
  st = clinic_prep(c->db, "SELECT name FROM medication WHERE pid = ? ORDER BY name");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && nmeds < 64) {
    const char *nm = (const char *)sqlite3_column_text(st, 0);
    const char *ac = clinic_anticoagulant(nm);
    if (!ac) continue;
    snprintf(medbuf[nmeds], sizeof medbuf[nmeds], "%s", nm);
    meds[nmeds][0] = medbuf[nmeds];
    meds[nmeds][1] = ac;
    nmeds++;
  }
  sqlite3_finalize(st);
  const char *when = p.therapy == TH_SCS ? "at the pre-operative screening (the anaesthesiologist decides whether and when to stop)"
                                         : "before each operation (the treating doctor decides; sometimes a temporary other anticoagulant)";
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "warnings");
    jw_arr(&w);
    for (int i = 0; i < nwarn; i++) jw_str(&w, warn[i].s);
    jw_arr_end(&w);
    jw_key(&w, "anticoagulants");
    jw_arr(&w);
    for (int i = 0; i < nmeds; i++) {
      jw_obj(&w);
      jw_key(&w, "medication");
      jw_str(&w, meds[i][0]);
      jw_key(&w, "generic");
      jw_str(&w, meds[i][1]);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "discuss");
    jw_str(&w, when);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("Checks for %s (%s)\n", p.code, p.therapy == TH_SCS ? "SCS" : "SNM");
    if (!nwarn) printf("  no vaccination, timing or trial-length conflicts\n");
    for (int i = 0; i < nwarn; i++) printf("  WARNING: %s\n", warn[i].s);
    if (!nmeds)
      printf("  no anticoagulants recorded (ask: Plavix, Persantin, Sintrom, Marcoumar, Pradaxa, Xarelto, Eliquis)\n");
    else {
      printf("  anticoagulants to discuss %s:\n", when);
      for (int i = 0; i < nmeds; i++) printf("    - %s (%s)\n", meds[i][0], meds[i][1]);
    }
    printf("  also ask: allergies (iodine, contrast, medication, plasters, rubber, latex), possible pregnancy, a ride home\n");
  }
  for (int i = 0; i < nwarn; i++) clinic_buf_free(&warn[i]);
  return CL_OK;
}
