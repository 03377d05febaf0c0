/* console_api_diary.c: the patient's diary page and its links (docs/CONSOLE.md "The patient's
 * diary page").
 *
 * A nurse or clinician issues a link (diary.link); the patient opens it on their phone: the
 * token is exchanged for a diary session (its own cookie, nmod_diary, which the rest of the API
 * never reads, so it opens nothing else), and the browser is sent on to /diary.html without the
 * token in its address. Every diary request looks the link up again: revoked, or the trial
 * over, ends the session at once. The days pass through clinic_diary_put, the call `diary add`
 * makes, and are audited as "diary:PATIENT", never under the token.
 */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_int.h"
#include "console_api.h"
#include "console_httpd.h"
#include "console_srv.h"

#define DIARY_PAGE "/diary.html"
#define OPEN_PATH "/api/v1/diary/open"

static const char *diary_cookie(const console_srv *srv) { return srv->tls ? "__Host-nmod_diary" : "nmod_diary"; }

static void set_cookie(console_resp *rs, const console_srv *srv, const char *value, int end) {
  snprintf(rs->cookie, sizeof rs->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", diary_cookie(srv), value,
           end ? "; Max-Age=0" : "", srv->tls ? "; Secure" : "");
}

/* Why a link opens no diary today, for the patient (Dutch first, the brochures' language). */
static const struct {
  const char *code, *nl, *en;
  int status;
} refusals[] = {
    [LINK_UNKNOWN] = {"link_unknown", "Deze dagboeklink bestaat niet. Vraag uw verpleegkundige om een nieuwe link.",
                      "This diary link does not exist. Ask your nurse for a new link.", 404},
    [LINK_REVOKED] = {"link_revoked", "Deze dagboeklink is ingetrokken. Vraag uw verpleegkundige om een nieuwe link.",
                      "This diary link was revoked. Ask your nurse for a new link.", 410},
    [LINK_NOT_YET] = {"link_not_yet", "Uw dagboek begint voor de proefperiode, op de dag dat u het dagboek krijgt; deze link werkt vanaf die dag.",
                      "Your diary starts before the trial period, on the day you are given the diary; this link works from that day.", 403},
    [LINK_ENDED] = {"link_ended", "Uw proefperiode is voorbij: het dagboek is gesloten. Dank u wel voor het invullen.",
                    "Your trial period is over: the diary is closed. Thank you for filling it in.", 410},
};

/* The page a refused link gets (a person opened it): both languages, no script. */
static void refusal_page(console_resp *rs, clinic_link_state st) {
  free(rs->body);
  rs->body = NULL;
  rs->len = 0;
  FILE *f = open_memstream(&rs->body, &rs->len);
  if (!f) {
    console_fail(rs, refusals[st].status, refusals[st].code, "%s", refusals[st].en);
    return;
  }
  fprintf(f,
          "<!doctype html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Dagboek - Diary</title>"
          "<link rel=\"stylesheet\" href=\"/style.css\"><link rel=\"stylesheet\" href=\"/diary.css\"></head>\n<body><main class=\"diary\" id=\"refused\" data-code=\"%s\">"
          "<h1>Dagboek</h1><p role=\"alert\">%s</p><h2 lang=\"en\">Diary</h2><p lang=\"en\">%s</p></main></body></html>\n",
          refusals[st].code, refusals[st].nl, refusals[st].en);
  fclose(f);
  rs->status = refusals[st].status;
  rs->type = "text/html; charset=utf-8";
}

/* The diary session of rq with its link checked again today: 0 with *who (user_id: the link;
 * user: the patient's code) and *l, else -1 with the 401 or 403 in rs. A change needs the
 * session's CSRF token as well. */
static int diary_gate(console_req *rq, console_resp *rs, console_who *who, clinic_link *l, int32_t today) {
  console_srv *srv = rq->srv;
  const char *tok = console_cookie(rq, diary_cookie(srv));
  console_sess_state st = console_session_get(&srv->diary, tok, who, console_now_ms());
  if (st != CS_OK) {
    if (tok) set_cookie(rs, srv, "", 1); /* a session that is gone: the browser forgets it too */
    if (st == CS_EXPIRED)
      console_fail(rs, 401, "session_expired", "your diary session ended; open your diary link again");
    else
      console_fail(rs, 401, "unauthenticated", "open your diary with the link you were given");
    return -1;
  }
  clinic_err e = {0};
  sqlite3 *db = console_db_take(&srv->db, NULL);
  int rc = clinic_link_read(db, NULL, who->user_id, today, l, &e);
  console_db_give(&srv->db);
  if (rc != CLINIC_E_OK) {
    console_log("diary session: %s", e.msg);
    console_fail(rs, 500, "database", "the diary cannot be read now; try again later");
    return -1;
  }
  if (l->state != LINK_VALID) {
    console_session_end(&srv->diary, tok);
    set_cookie(rs, srv, "", 1);
    console_fail(rs, 401, refusals[l->state].code, "%s", refusals[l->state].en);
    return -1;
  }
  const char *m = rq->method;
  if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0) {
    const char *csrf = console_header(rq, "X-CSRF-Token");
    if (!csrf || !console_token_eq(csrf, who->csrf)) {
      console_fail(rs, 403, "csrf", "this change needs the diary session's CSRF token in the X-CSRF-Token header");
      return -1;
    }
  }
  return 0;
}

/* GET /api/v1/diary/open?token=T: the link a patient was given. */
static void api_open(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  const char *token = console_query(rq, "token");
  clinic_link l;
  clinic_err e = {0};
  int rc = CLINIC_E_OK;
  l.state = LINK_UNKNOWN;
  if (token) {
    sqlite3 *db = console_db_take(&srv->db, NULL);
    rc = clinic_link_read(db, token, 0, hu_today(), &l, &e);
    console_db_give(&srv->db);
  }
  if (rc != CLINIC_E_OK) {
    console_log("diary link: %s", e.msg);
    console_fail(rs, 500, "database", "the diary cannot be read now; try again later");
    return;
  }
  if (l.state != LINK_VALID) {
    console_log("diary link refused (%s) from %s", clinic_link_state_name(l.state), rq->addr);
    refusal_page(rs, l.state);
    return;
  }
  console_who who;
  memset(&who, 0, sizeof who);
  who.user_id = l.id;
  snprintf(who.user, sizeof who.user, "%s", l.p.code);
  who.role = CR_VIEWER; /* never read: the diary routes check the link, not a role */
  char session[CONSOLE_TOKEN_CHARS + 1];
  console_session_new(&srv->diary, &who, session, console_now_ms());
  set_cookie(rs, srv, session, 0);
  sodium_memzero(session, sizeof session);
  console_log("diary link %lld opened from %s", (long long)l.id, rq->addr);
  /* On to the page, without the token in the address bar, the history or a Referer. */
  console_resp_header(rs, "Location", DIARY_PAGE);
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "diary");
  jw_str(&w, DIARY_PAGE);
  jw_obj_end(&w);
  console_json_close(rs, &w, 303);
}

/* The patient's days from the start of the baseline, newest first. 0, or -1 (database, in e). */
static int days_json(sqlite3 *db, js_w *w, const clinic_link *l, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary "
                                         "WHERE pid = ? AND date >= ? ORDER BY date DESC", e);
  if (!st) return -1;
  char from[11];
  hu_date_fmt(from, HU_DATE_LEN, l->from);
  sqlite3_bind_int64(st, 1, l->p.pid);
  sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
  int rc;
  jw_arr(w);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    jw_obj(w);
    jw_key(w, "date");
    jw_str(w, (const char *)sqlite3_column_text(st, 0));
    for (int f = 0; f < CLINIC_DIARY_NFIELDS; f++) {
      if (!clinic_diary_field_of(f, l->p.therapy)) continue;
      jw_key(w, clinic_diary_fields[f].name);
      if (sqlite3_column_type(st, 1 + f) == SQLITE_NULL)
        jw_null(w);
      else
        jw_int(w, sqlite3_column_int(st, 1 + f));
    }
    jw_obj_end(w);
  }
  jw_arr_end(w);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) clinic_err_db(e, db, "reading the diary");
  return rc == SQLITE_DONE ? 0 : -1;
}

/* GET /api/v1/diary: what the page shows, and nothing more (no name, no path, no scores). */
static void api_diary(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  int32_t today = hu_today();
  console_who who;
  clinic_link l;
  if (diary_gate(rq, rs, &who, &l, today) != 0) return;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "therapy");
  jw_str(&w, clinic_therapy_name(l.p.therapy));
  clinic_json_day(&w, "today", today);
  clinic_json_day(&w, "valid_from", l.from);
  clinic_json_day(&w, "valid_to", l.to);
  jw_key(&w, "csrf");
  jw_str(&w, who.csrf);
  jw_key(&w, "idle_timeout_s");
  jw_int(&w, who.idle_s);
  jw_key(&w, "fields");
  jw_arr(&w);
  for (int f = 0; f < CLINIC_DIARY_NFIELDS; f++) {
    if (!clinic_diary_field_of(f, l.p.therapy)) continue;
    jw_obj(&w);
    jw_key(&w, "name");
    jw_str(&w, clinic_diary_fields[f].name);
    jw_key(&w, "max");
    jw_int(&w, clinic_diary_fields[f].max);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_key(&w, "days");
  clinic_err e = {0};
  sqlite3 *db = console_db_take(&srv->db, NULL);
  int bad = days_json(db, &w, &l, &e);
  console_db_give(&srv->db);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
  if (bad) {
    console_log("diary page of %s: %s", l.p.code, e.msg);
    console_fail(rs, 500, "database", "the diary cannot be read now; try again later");
  }
}

/* The row of the body: 0, or -1 with the 400 in rs. Values come as typed (strings) or as
 * numbers, and are read by the library's parser of `diary add`'s options. */
static int row_of(const js_val *body, const clinic_link *l, clinic_diary_row *r, console_resp *rs) {
  for (size_t i = 0; i < body->n; i++) {
    int known = strcmp(body->keys[i], "date") == 0;
    for (int f = 0; f < CLINIC_DIARY_NFIELDS && !known; f++)
      known = strcmp(body->keys[i], clinic_diary_fields[f].name) == 0;
    if (!known) {
      console_fail(rs, 400, "bad_field", "the body has an unknown member \"%.40s\"", body->keys[i]);
      return -1;
    }
  }
  const char *date = console_body_str(body, "date", 10, rs);
  if (!date) return -1;
  int de = hu_date_parse(date, &r->date);
  if (de != 0) {
    char why[160];
    console_fail(rs, 400, "bad_field", "%s", hu_date_msg(why, sizeof why, "date", date, de, HU_FORM_DATE));
    return -1;
  }
  if (r->date < l->from) {
    char from[11];
    hu_date_fmt(from, HU_DATE_LEN, l->from);
    console_fail(rs, 400, "bad_day", "date %s is before your diary started on %s", date, from);
    return -1;
  }
  for (int f = 0; f < CLINIC_DIARY_NFIELDS; f++) {
    const js_val *v = js_get(body, clinic_diary_fields[f].name);
    if (!v || v->type == JS_NULL || (v->type == JS_STR && v->str_len == 0)) continue;
    char msg[200];
    if (v->type != JS_STR && v->type != JS_NUM) {
      snprintf(msg, sizeof msg, "%s must be a whole number from 0 to %ld, not %s", clinic_diary_fields[f].name,
               clinic_diary_fields[f].max, js_type_name(v->type));
      console_fail_field(rs, 400, "bad_value", clinic_diary_fields[f].name, clinic_diary_fields[f].max, "%s", msg);
      return -1;
    }
    if (clinic_diary_set_text(r, f, v->str, msg, sizeof msg) != 0) {
      console_fail_field(rs, 400, "bad_value", clinic_diary_fields[f].name, clinic_diary_fields[f].max, "%s", msg);
      return -1;
    }
  }
  return 0;
}

/* POST /api/v1/diary/days: one day; today's may be corrected, an earlier one only entered. */
static void api_day(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  int32_t today = hu_today();
  console_who who;
  clinic_link l;
  if (diary_gate(rq, rs, &who, &l, today) != 0) return;
  js_val *body = console_body_object(rq, rs);
  if (!body) return;
  clinic_diary_row r = {0, -1, -1, -1, -1, -1, -1};
  int ok = row_of(body, &l, &r, rs) == 0;
  js_free(body);
  if (!ok) return;
  int replaced = 0;
  clinic_err e = {0};
  sqlite3 *db = console_db_take_as(&srv->db, "diary", l.p.code);
  int rc = clinic_diary_put(db, &l.p, &r, r.date == today ? CLINIC_DIARY_SET : CLINIC_DIARY_NEW, today, &replaced, &e);
  console_db_give(&srv->db);
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, r.date);
  if (rc == CLINIC_E_INPUT) {
    console_fail(rs, 400, "bad_day", "%s", e.msg);
    return;
  }
  if (rc == CLINIC_E_RULE) {
    console_fail(rs, 409, "exists", "%s is entered already; only today's entry can be corrected", ds);
    return;
  }
  if (rc != CLINIC_E_OK) {
    /* The patient's page gets no file names; the log gets the database's line. */
    console_log("diary page of %s: %s", l.p.code, e.msg);
    console_fail(rs, 500, "database", "the database failed storing the diary day (see the log)");
    return;
  }
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "date");
  jw_str(&w, ds);
  jw_key(&w, "stored");
  jw_bool(&w, 1);
  jw_key(&w, "replaced");
  jw_bool(&w, replaced);
  jw_obj_end(&w);
  console_json_close(rs, &w, replaced ? 200 : 201);
}

/* DELETE /api/v1/diary/session: the patient closes the diary on this phone. */
static void api_diary_end(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  console_who who;
  clinic_link l;
  if (diary_gate(rq, rs, &who, &l, hu_today()) != 0) return;
  console_session_end(&srv->diary, console_cookie(rq, diary_cookie(srv)));
  set_cookie(rs, srv, "", 1);
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "closed");
  jw_bool(&w, 1);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

/* ---- the links, for nurses and clinicians --------------------------------------------- */

/* The patient of {code}: 0, or -1 with the 404 or 500 in rs. */
static int patient_of(console_req *rq, console_resp *rs, sqlite3 *db, clinic_patient *p) {
  const char *code = console_param(rq, "code");
  clinic_err e = {0};
  int rc = clinic_patient_lookup(db, code, p, &e);
  if (rc == CLINIC_E_NOT_FOUND) console_fail(rs, 404, "not_found", "no patient %.64s", code);
  else if (rc) {
    console_log("patient %.64s: %s", code, e.msg);
    console_fail(rs, 500, "database", "the patient cannot be read now");
  }
  return rc == CLINIC_E_OK ? 0 : -1;
}

/* POST /api/v1/patients/{code}/diary-link: a new link (the patient's earlier ones revoked). */
static void api_link_issue(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  clinic_patient p;
  clinic_link l;
  char token[CLINIC_LINK_TOKEN_CHARS + 1];
  clinic_err e = {0};
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  int rc = patient_of(rq, rs, db, &p) == 0 ? clinic_link_new(db, &p, hu_today(), token, &l, &e) : -1;
  console_db_give(&srv->db);
  if (rc < 0) return;
  if (rc == CLINIC_E_RULE) {
    console_fail(rs, 409, "trial_over", "%s", e.msg);
    return;
  }
  if (rc != CLINIC_E_OK) {
    console_log("diary link of %s: %s", p.code, e.msg);
    console_fail(rs, 500, "database", "the link could not be stored");
    return;
  }
  const char *host = console_header(rq, "Host");
  char path[128], url[400];
  snprintf(path, sizeof path, OPEN_PATH "?token=%s", token);
  snprintf(url, sizeof url, "%s://%.200s%s", rq->tls ? "https" : "http", host ? host : "127.0.0.1", path);
  js_w w;
  if (console_json_open(rs, &w) == 0) {
    jw_obj(&w);
    jw_key(&w, "link");
    clinic_link_json(&w, &l);
    jw_key(&w, "path");
    jw_str(&w, path);
    jw_key(&w, "url");
    jw_str(&w, url);
    jw_obj_end(&w);
    console_json_close(rs, &w, 201);
  }
  sodium_memzero(token, sizeof token);
  sodium_memzero(path, sizeof path);
  sodium_memzero(url, sizeof url);
  console_log("%s issued diary link %lld", rq->who->user, (long long)l.id);
}

static int link_one(void *ctx, const clinic_link *l) {
  clinic_link_json(ctx, l);
  return 0;
}

/* GET /api/v1/patients/{code}/diary-links: the patient's links, newest first (no tokens). */
static void api_link_list(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  clinic_patient p;
  sqlite3 *db = console_db_take(&srv->db, NULL);
  if (patient_of(rq, rs, db, &p) != 0) {
    console_db_give(&srv->db);
    return;
  }
  js_w w;
  clinic_err e = {0};
  int rc = CLINIC_E_IO;
  if (console_json_open(rs, &w) == 0) {
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "links");
    jw_arr(&w);
    rc = clinic_link_list(db, &p, hu_today(), link_one, &w, &e);
    jw_arr_end(&w);
    jw_obj_end(&w);
    console_json_close(rs, &w, 200);
  }
  console_db_give(&srv->db);
  if (rc != CLINIC_E_OK) {
    if (e.msg[0]) console_log("diary links of %s: %s", p.code, e.msg);
    console_fail(rs, 500, "database", "the links cannot be read now");
  }
}

/* POST /api/v1/patients/{code}/diary-links/{id}/revoke: its diary sessions end at once. */
static void api_link_revoke(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  const char *ids = console_param(rq, "id");
  long id;
  if (hu_dec_range(ids, 0, 1, LONG_MAX, &id) != 0) {
    console_fail(rs, 404, "not_found", "no diary link %.30s", ids);
    return;
  }
  clinic_patient p;
  clinic_err e = {0};
  int n = 0;
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  int rc = patient_of(rq, rs, db, &p) == 0 ? clinic_link_end(db, &p, id, &n, &e) : -1;
  console_db_give(&srv->db);
  if (rc < 0) return;
  if (rc == CLINIC_E_NOT_FOUND || rc == CLINIC_E_INPUT) {
    console_fail(rs, 404, "not_found", "%s", e.msg);
    return;
  }
  if (rc != CLINIC_E_OK) {
    console_log("diary link %ld of %s: %s", id, p.code, e.msg);
    console_fail(rs, 500, "database", "the link could not be revoked");
    return;
  }
  console_session_end_user(&srv->diary, id);
  console_log("%s revoked diary link %ld", rq->who->user, id);
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "revoked");
  jw_int(&w, n);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}

/* Opening a link needs no session; the diary's own routes (diary.own: no account, no role)
 * pass the router's origin check and then diary_gate: their session, its link and, for a
 * change, its CSRF token. */
const console_route console_routes_diary[CONSOLE_DIARY_ROUTES] = {
    {"GET", OPEN_PATH, CP_PUBLIC, 0, api_open},
    {"GET", "/api/v1/diary", CP_DIARY_OWN, 0, api_diary},
    {"POST", "/api/v1/diary/days", CP_DIARY_OWN, 1024, api_day},
    {"DELETE", "/api/v1/diary/session", CP_DIARY_OWN, 0, api_diary_end},
    {"POST", "/api/v1/patients/{code}/diary-link", CP_DIARY_LINK, 0, api_link_issue},
    {"GET", "/api/v1/patients/{code}/diary-links", CP_PATIENT_READ, 0, api_link_list},
    {"POST", "/api/v1/patients/{code}/diary-links/{id}/revoke", CP_DIARY_LINK, 0, api_link_revoke},
};
