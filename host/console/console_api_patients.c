/* console_api_patients.c: the clinic's patients over the API (docs/CONSOLE.md "The API"):
 * the list, the patient page, path steps with the roles of console_perm_step, scores.
 *
 * Every answer is the clinic library's own result: the list from clinic_list_write, the rest
 * from the commands' --json renderers run through clinic_call, so the console and the CLI
 * print the same computation (no clinic rule is repeated here). A refusal by a clinic rule
 * is a 409 with the clinic's one-line message; bad input a 400; an unknown patient a 404.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "clinic_int.h"
#include "console_api.h"
#include "console_api_clinic.h"
#include "console_srv.h"

#define LIST_MAX 200

/* ---- shared with console_api_views.c ------------------------------------------------- */

void console_clinic_fail(console_resp *rs, int rc, const clinic_err *err) {
  const char *msg = err->msg[0] ? err->msg : "the clinic database failed";
  if (rc == CL_RULE)
    console_fail(rs, 409, "refused", "%s", msg);
  else if (rc == CL_USAGE && strncmp(msg, "unknown patient", 15) == 0)
    console_fail(rs, 404, "not_found", "%s", msg);
  else if (rc == CL_USAGE)
    console_fail(rs, 400, "bad_field", "%s", msg);
  else
    console_fail(rs, 500, "database", "%s", msg);
}

int console_clinic_json(console_req *rq, console_resp *rs, int argc, const char *const *argv, int status) {
  js_w w;
  if (console_json_open(rs, &w) != 0) return -1;
  clinic_err err;
  sqlite3 *db = console_db_take(&rq->srv->db, rq->who->user);
  int rc = clinic_call(db, argc, argv, rs->mem, &err);
  console_db_give(&rq->srv->db);
  console_json_close(rs, &w, status);
  if (rc) console_clinic_fail(rs, rc, &err);
  return rc ? -1 : 0;
}

const char *console_patient_code(const console_req *rq, console_resp *rs) {
  const char *code = console_param(rq, "code");
  /* A code never starts with '-' (clinic_patient.c), and here it must not read as an option. */
  if (!code || !*code || code[0] == '-' || strlen(code) > 63) {
    console_fail(rs, 404, "not_found", "no patient '%s'", code ? code : "");
    return NULL;
  }
  return code;
}

int console_patient_find(sqlite3 *db, const char *code, clinic_patient *p, console_resp *rs) {
  clinic_err err = {0};
  int rc = clinic_patient_lookup(db, code, p, &err);
  if (rc) console_clinic_fail(rs, clinic_exit_code(rc), &err);
  return rc;
}

/* ---- the list ------------------------------------------------------------------------ */

static void api_list(console_req *rq, console_resp *rs) {
  clinic_list_query q;
  memset(&q, 0, sizeof q);
  int64_t limit, offset, att;
  if (console_query_int(rq, rs, "limit", 1, LIST_MAX, 50, &limit) || console_query_int(rq, rs, "offset", 0, 100000000, 0, &offset) ||
      console_query_int(rq, rs, "attention", 0, 1, 0, &att))
    return;
  q.search = console_query(rq, "q");
  q.therapy = console_query(rq, "therapy");
  q.phase = console_query(rq, "phase");
  if (q.therapy && !*q.therapy) q.therapy = NULL;
  if (q.phase && !*q.phase) q.phase = NULL;
  if (q.search && strlen(q.search) > 128) {
    console_fail(rs, 400, "bad_query", "?q= may have at most 128 bytes");
    return;
  }
  q.limit = limit;
  q.offset = offset;
  q.attention = (int)att;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  clinic_err err = {0};
  sqlite3 *db = console_db_take(&rq->srv->db, rq->who->user);
  int rc = clinic_list_write(db, &q, hu_today(), &w, &err);
  console_db_give(&rq->srv->db);
  console_json_close(rs, &w, 200);
  if (rc) {
    if (rc == CLINIC_E_INPUT) console_fail(rs, 400, "bad_query", "%s", err.msg);
    else console_clinic_fail(rs, clinic_exit_code(rc), &err);
  }
}

/* ---- the patient page ---------------------------------------------------------------- */

/* The actions this user may take on the path: the next steps their role may record, and
 * whether they may override a rule. */
static void actions_json(FILE *f, const console_who *who, const clinic_path *path) {
  int nx[2];
  int nn = clinic_path_next(path, nx);
  fputs(",\"actions\":{\"steps\":[", f);
  int first = 1;
  for (int k = 0; k < nn; k++) {
    const char *id = path->def[nx[k]].id;
    if (!console_may(who->role, console_perm_step(id))) continue;
    fprintf(f, "%s\"%s\"", first ? "" : ",", id); /* step ids are fixed ASCII names */
    first = 0;
  }
  /* The next steps this role may not record, with the action each needs: the page says why. */
  fputs("],\"refused\":[", f);
  first = 1;
  for (int k = 0; k < nn; k++) {
    const char *id = path->def[nx[k]].id;
    console_action need = console_perm_step(id);
    if (console_may(who->role, need)) continue;
    fprintf(f, "%s{\"step\":\"%s\",\"needs\":\"%s\"}", first ? "" : ",", id, console_perms[need].name);
    first = 0;
  }
  char today[11];
  hu_date_fmt(today, sizeof today, hu_today());
  fprintf(f, "],\"today\":\"%s\"", today);
  static const struct {
    const char *key;
    console_action a;
  } may[] = {{"override", CP_PATH_OVERRIDE}, {"score", CP_SCORE_WRITE}, {"checks", CP_CHECKS_WRITE},
             {"diary", CP_DIARY_WRITE},      {"visit", CP_VISIT_WRITE}, {"audit", CP_AUDIT_READ}};
  for (size_t i = 0; i < sizeof may / sizeof may[0]; i++)
    fprintf(f, ",\"%s\":%s", may[i].key, console_may(who->role, may[i].a) ? "true" : "false");
  fputc('}', f);
}

/* One object of the sections of the page, each the command's own --json output. */
static void api_page(console_req *rq, console_resp *rs) {
  const char *code = console_patient_code(rq, rs);
  if (!code) return;
  static const struct {
    const char *key;
    const char *argv[3];
    int argc;
  } parts[] = {
      {"patient", {"patient", "show", NULL}, 3}, {"path", {"path", "show", NULL}, 3},
      {"evaluation", {"evaluate", NULL}, 2},     {"diary", {"diary", "list", NULL}, 3},
      {"scores", {"score", "list", NULL}, 3},    {"plan", {"plan", NULL}, 2},
      {"checks", {"check", NULL}, 2},            {"visits", {"visit", "list", NULL}, 3},
      {"lead_responses", {"lead-response", "list", NULL}, 3},
  };
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  FILE *f = rs->mem;
  clinic_err err;
  sqlite3 *db = console_db_take(&rq->srv->db, rq->who->user);
  clinic_patient p;
  clinic_path path;
  clinic_err_clear(&err);
  /* One read transaction for every section: the page shows one state of the patient, never
   * a diary of one moment beside an evaluation of another (a CLI may write in between).
   * clinic_call leaves a transaction its caller opened alone; console_db_give ends it. */
  int rc = clinic_sql_exec(db, "BEGIN", &err);
  if (!rc) rc = clinic_patient_lookup(db, code, &p, &err);
  if (!rc) rc = clinic_path_read(db, &p, &path, &err);
  rc = clinic_exit_code(rc);
  fputc('{', f);
  for (size_t i = 0; !rc && i < sizeof parts / sizeof parts[0]; i++) {
    const char *argv[4] = {parts[i].argv[0], parts[i].argv[1], parts[i].argv[2], NULL};
    argv[parts[i].argc - 1] = code;
    fprintf(f, "%s\"%s\":", i ? "," : "", parts[i].key);
    rc = clinic_call(db, parts[i].argc, argv, f, &err);
  }
  if (!rc) actions_json(f, rq->who, &path);
  fputc('}', f);
  console_db_give(&rq->srv->db);
  console_json_close(rs, &w, 200);
  if (rc) console_clinic_fail(rs, rc, &err);
}

/* ---- changes ------------------------------------------------------------------------- */

js_val *console_patient_body(const console_req *rq, console_resp *rs, const char **code) {
  *code = console_patient_code(rq, rs);
  return *code ? console_body_object(rq, rs) : NULL;
}

const char *console_body_opt(const js_val *o, const char *key, size_t max, console_resp *rs, int *bad) {
  const js_val *v = js_get(o, key);
  if (!v || v->type == JS_NULL) return NULL;
  if (v->type != JS_STR || v->str_len > max || strlen(v->str) != v->str_len) {
    console_fail(rs, 400, "bad_field", "\"%s\" must be a string of at most %zu bytes", key, max);
    *bad = 1;
    return NULL;
  }
  return v->str;
}

static void api_patient_add(console_req *rq, console_resp *rs) {
  js_val *b = console_body_object(rq, rs);
  if (!b) return;
  const char *code = console_body_str(b, "code", 63, rs);
  const char *th = code ? console_body_str(b, "therapy", 8, rs) : NULL;
  const char *name = th ? console_body_str(b, "name", 127, rs) : NULL;
  const char *birth = name ? console_body_str(b, "birth_date", 10, rs) : NULL;
  if (birth) {
    if (code[0] == '-') {
      console_fail(rs, 400, "bad_field", "patient id '%s' is not valid: use 1-63 letters, digits, '-', '_' or '.'", code);
    } else {
      const char *argv[] = {"patient", "add", code, "--therapy", th, "--name", name, "--birth", birth};
      console_clinic_json(rq, rs, 9, argv, 201);
    }
  }
  js_free(b);
}

/* A path step: the route needs path.step; the step itself may need more (console_perm_step),
 * and an override path.override. */
static void api_step(console_req *rq, console_resp *rs) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  int bad = 0;
  const char *step = console_body_str(b, "step", 32, rs);
  const char *date = step ? console_body_opt(b, "date", 10, rs, &bad) : NULL;
  const char *outcome = step && !bad ? console_body_opt(b, "outcome", 16, rs, &bad) : NULL;
  const char *note = step && !bad ? console_body_opt(b, "note", 1024, rs, &bad) : NULL;
  const char *override = step && !bad ? console_body_opt(b, "override", 1024, rs, &bad) : NULL;
  const js_val *pl = js_get(b, "planned");
  if (step && !bad && pl && pl->type != JS_BOOL && pl->type != JS_NULL) {
    console_fail(rs, 400, "bad_field", "\"planned\" must be true or false");
    bad = 1;
  }
  if (!step || bad) goto out;
  clinic_patient p;
  sqlite3 *db = console_db_take(&rq->srv->db, rq->who->user);
  int rc = console_patient_find(db, code, &p, rs);
  console_db_give(&rq->srv->db);
  if (rc) goto out;
  int idx = clinic_path_index(p.therapy, step);
  if (idx < 0) {
    console_fail(rs, 400, "bad_field", "'%s' is no step of the %s path", step, clinic_therapy_name(p.therapy));
    goto out;
  }
  int n;
  const char *id = clinic_path_steps(p.therapy, &n)[idx].id;
  console_action need = console_perm_step(id);
  if (!console_may(rq->who->role, need) || (override && !console_may(rq->who->role, CP_PATH_OVERRIDE))) {
    console_action a = console_may(rq->who->role, need) ? CP_PATH_OVERRIDE : need;
    console_fail(rs, 403, "forbidden", "a %s may not do %s (%s)", console_role_name(rq->who->role), console_perms[a].name,
                 console_perms[a].what);
    goto out;
  }
  const char *argv[16] = {"path", "step", code, id};
  int argc = 4;
  if (date) argv[argc++] = "--date", argv[argc++] = date;
  if (pl && pl->type == JS_BOOL && pl->boolean) argv[argc++] = "--planned";
  if (outcome) argv[argc++] = "--outcome", argv[argc++] = outcome;
  if (note) argv[argc++] = "--note", argv[argc++] = note;
  if (override) argv[argc++] = "--override", argv[argc++] = override;
  if (console_clinic_json(rq, rs, argc, argv, 201) == 0)
    console_log("%s recorded %s %s%s", rq->who->user, code, id, override ? " with an override" : "");
out:
  js_free(b);
}

/* Score answers {"item": "answer"} as the CLI's ITEM=ANSWER arguments (into buf). */
static int score_answers(const js_val *ans, char buf[][80], const char **argv, int *argc, int max, console_resp *rs) {
  if (!ans || ans->type != JS_OBJ) {
    console_fail(rs, 400, "bad_field", "\"answers\" must be an object of item: answer");
    return -1;
  }
  for (size_t i = 0; i < ans->n; i++) {
    const char *k = ans->keys[i];
    const js_val *v = &ans->items[i];
    /* A number as its literal text: the clinic parses it as the CLI's argument. */
    const char *val = v->type == JS_STR || v->type == JS_NUM ? v->str : NULL;
    if (!val || *argc >= max || strlen(k) > 32 || strlen(val) > 32 || k[0] == '-' || strchr(k, '=')) {
      console_fail(rs, 400, "bad_field", "answer '%.32s' must be a short text or number", k);
      return -1;
    }
    snprintf(buf[*argc], 80, "%s=%s", k, val);
    argv[*argc] = buf[*argc];
    (*argc)++;
  }
  return 0;
}

static void api_score_add(console_req *rq, console_resp *rs) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  int bad = 0;
  const char *kind = console_body_str(b, "kind", 16, rs);
  const char *date = kind ? console_body_opt(b, "date", 10, rs, &bad) : NULL;
  if (kind && !bad) {
    char buf[16][80];
    const char *answers[16];
    int n = 0;
    if (score_answers(js_get(b, "answers"), buf, answers, &n, 10, rs) == 0) {
      const char *argv[20] = {"score", "add", code, kind};
      int argc = 4;
      if (date) argv[argc++] = "--date", argv[argc++] = date;
      for (int i = 0; i < n; i++) argv[argc++] = answers[i];
      console_clinic_json(rq, rs, argc, argv, 201);
    }
  }
  js_free(b);
}

/* The total of a score's answers, computed by the clinic without storing anything: the
 * page's live total. {"total": N, "max": M} or {"total": null, "missing": "why"}. */
static void api_score_total(console_req *rq, console_resp *rs) {
  js_val *b = console_body_object(rq, rs);
  if (!b) return;
  const char *kind = console_body_str(b, "kind", 16, rs);
  clinic_score_kind k;
  if (kind && clinic_score_kind_parse(kind, &k) != 0) {
    console_fail(rs, 400, "bad_field", "score '%s' is not known: use wexner, vaizey or nrs", kind);
    kind = NULL;
  }
  char buf[16][80];
  const char *answers[16];
  int n = 0;
  if (kind && score_answers(js_get(b, "answers"), buf, answers, &n, 10, rs) == 0) {
    int total = 0;
    char items[256], msg[256];
    int rc = clinic_score_compute(k, answers, n, &total, items, sizeof items, msg, sizeof msg);
    js_w w;
    if (console_json_open(rs, &w) == 0) {
      jw_obj(&w);
      jw_key(&w, "kind");
      jw_str(&w, clinic_score_kind_name(k));
      jw_key(&w, "max");
      jw_int(&w, clinic_score_max(k));
      jw_key(&w, "total");
      if (rc == 0) jw_int(&w, total); else jw_null(&w);
      if (rc != 0) {
        jw_key(&w, "missing");
        jw_str(&w, msg);
      }
      jw_obj_end(&w);
      console_json_close(rs, &w, 200);
    }
  }
  js_free(b);
}

/* The score forms: each score's items and their answers, for the entry form. */
static void api_score_forms(console_req *rq, console_resp *rs) {
  (void)rq;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "scores");
  jw_arr(&w);
  for (int k = SC_WEXNER; k <= SC_NRS; k++) {
    jw_obj(&w);
    jw_key(&w, "kind");
    jw_str(&w, clinic_score_kind_name((clinic_score_kind)k));
    jw_key(&w, "max");
    jw_int(&w, clinic_score_max((clinic_score_kind)k));
    jw_key(&w, "items");
    jw_arr(&w);
    int yes;
    const char *name;
    for (int i = 0; (name = clinic_score_item((clinic_score_kind)k, i, &yes)) != NULL; i++) {
      jw_obj(&w);
      jw_key(&w, "item");
      jw_str(&w, name);
      jw_key(&w, "answers");
      jw_str(&w, k == SC_NRS ? "0-10" : yes ? "yes-no" : "0-4");
      if (yes) {
        jw_key(&w, "yes_points");
        jw_int(&w, yes);
      }
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

static void api_vaccination(console_req *rq, console_resp *rs) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  int bad = 0;
  const char *date = console_body_str(b, "date", 10, rs);
  const char *kind = date ? console_body_str(b, "kind", 8, rs) : NULL;
  const char *name = kind ? console_body_opt(b, "name", 100, rs, &bad) : NULL;
  if (kind && !bad) {
    const char *argv[9] = {"vaccination", "add", code, "--date", date, "--kind", kind, "--name", name};
    console_clinic_json(rq, rs, name ? 9 : 7, argv, 201);
  }
  js_free(b);
}

static void api_medication(console_req *rq, console_resp *rs) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  const char *name = console_body_str(b, "name", 100, rs);
  if (name && name[0] == '-') {
    console_fail(rs, 400, "bad_field", "a medication name does not start with '-'");
  } else if (name) {
    const char *argv[4] = {"medication", "add", code, name};
    console_clinic_json(rq, rs, 4, argv, 201);
  }
  js_free(b);
}

const console_route console_routes_patients[CONSOLE_ROUTES_PATIENTS_N] = {
    {"GET", "/api/v1/patients", CP_PATIENT_READ, 0, api_list},
    {"POST", "/api/v1/patients", CP_PATIENT_WRITE, 4096, api_patient_add},
    {"GET", "/api/v1/patients/{code}", CP_PATIENT_READ, 0, api_page},
    {"POST", "/api/v1/patients/{code}/steps", CP_PATH_STEP, 8192, api_step},
    {"POST", "/api/v1/patients/{code}/scores", CP_SCORE_WRITE, 4096, api_score_add},
    {"POST", "/api/v1/scores/total", CP_PATIENT_READ, 4096, api_score_total},
    {"GET", "/api/v1/scores/forms", CP_PATIENT_READ, 0, api_score_forms},
    {"POST", "/api/v1/patients/{code}/vaccinations", CP_CHECKS_WRITE, 4096, api_vaccination},
    {"POST", "/api/v1/patients/{code}/medications", CP_CHECKS_WRITE, 4096, api_medication},
};
