/* console_auth.c: sign in with a password, rate-limited per account and per address; who am
 * I; sign out (console_auth.h). */
#define _POSIX_C_SOURCE 200809L
#include "console_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "console_httpd.h"
#include "console_srv.h"
#include "console_user.h"
#include "nmod_exit.h"

const char *console_cookie_name(const console_srv *srv) { return srv->tls ? "__Host-nmod_session" : "nmod_session"; }

/* A name as it may appear in a log line: printable ASCII, cut at 40. */
static const char *loggable(const char *s, char *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap && i < 40; i++) out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
  out[i] = '\0';
  return out;
}

static void session_json(console_resp *rs, const console_who *who, int status) {
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "user");
  jw_obj(&w);
  jw_key(&w, "name");
  jw_str(&w, who->user);
  jw_key(&w, "role");
  jw_str(&w, console_role_name(who->role));
  jw_obj_end(&w);
  jw_key(&w, "csrf");
  jw_str(&w, who->csrf);
  jw_key(&w, "idle_timeout_s");
  jw_int(&w, who->idle_s);
  /* What this role may do: the front end shows only those actions. */
  jw_key(&w, "may");
  jw_arr(&w);
  for (int a = CP_SESSION + 1; a < CP_COUNT; a++)
    if (console_may(who->role, (console_action)a)) jw_str(&w, console_perms[a].name);
  jw_arr_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, status);
}

js_val *console_body_account(const console_req *rq, console_resp *rs, const char **name, const char **pw,
                             size_t *pw_len) {
  js_val *body = console_body_object(rq, rs);
  if (!body) return NULL;
  *name = console_body_str(body, "name", CONSOLE_NAME_MAX - 1, rs);
  *pw = *name ? console_body_str(body, "password", CONSOLE_PW_MAX, rs) : NULL;
  if (!*pw) {
    console_body_free_secret(body, "password");
    return NULL;
  }
  *pw_len = js_get(body, "password")->str_len;
  return body;
}

void console_api_login(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  const char *name_in, *pw;
  size_t pw_len;
  js_val *body = console_body_account(rq, rs, &name_in, &pw, &pw_len);
  if (!body) return;
  char name[CONSOLE_NAME_MAX]; /* outlives the body */
  snprintf(name, sizeof name, "%s", name_in);
  char shown[48];
  loggable(name, shown, sizeof shown);
  int64_t now = console_now_ms();
  unsigned wait_a = console_limit_wait(&srv->by_account, name, now), wait_b = console_limit_wait(&srv->by_address, rq->addr, now);
  if (wait_a || wait_b) {
    unsigned wait = wait_a > wait_b ? wait_a : wait_b;
    char secs[16];
    snprintf(secs, sizeof secs, "%u", wait);
    console_log("sign-in refused for '%s' from %s: too many failures (wait %u s)", shown, rq->addr, wait);
    console_fail(rs, 429, "rate_limited", "too many failed sign-ins %s; try again in %u minute%s",
                 wait_a ? "for this account" : "from this address", (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
    console_resp_header(rs, "Retry-After", secs);
    console_body_free_secret(body, "password");
    return;
  }
  console_user u;
  char hash[CONSOLE_HASH_MAX], err[256];
  sqlite3 *db = console_db_take(&srv->db, NULL);
  int found = console_user_get(db, name, &u, hash, err, sizeof err);
  console_db_give(&srv->db);
  if (found != NMOD_EXIT_OK && found != NMOD_EXIT_USAGE) { /* not "no such account": the database failed */
    console_fail(rs, 500, "database", "%s", err);
    console_body_free_secret(body, "password");
    return;
  }
  /* One Argon2id at a time (256 MiB each); an unknown name costs the same time. */
  pthread_mutex_lock(&srv->hash_mu);
  int ok = console_pw_verify(found == 0 ? hash : NULL, pw, pw_len);
  pthread_mutex_unlock(&srv->hash_mu);
  sodium_memzero(hash, sizeof hash);
  console_body_free_secret(body, "password");
  if (!ok || u.disabled) {
    console_limit_fail(&srv->by_account, name, now);
    console_limit_fail(&srv->by_address, rq->addr, now);
    console_log("sign-in failed for '%s' from %s", shown, rq->addr);
    console_fail(rs, 401, "bad_credentials", "the name or the password is wrong");
    return;
  }
  console_limit_clear(&srv->by_account, name);
  console_who who;
  memset(&who, 0, sizeof who);
  who.user_id = u.id;
  snprintf(who.user, sizeof who.user, "%s", u.name);
  who.role = u.role;
  char token[CONSOLE_TOKEN_CHARS + 1];
  console_session_new(&srv->sessions, &who, token, console_now_ms()); /* its idle time starts now, after the hash */
  snprintf(rs->cookie, sizeof rs->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", console_cookie_name(srv), token,
           srv->tls ? "; Secure" : "");
  sodium_memzero(token, sizeof token);
  console_log("signed in: %s (%s) from %s", u.name, console_role_name(u.role), rq->addr);
  session_json(rs, &who, 200);
}

void console_api_whoami(console_req *rq, console_resp *rs) { session_json(rs, rq->who, 200); }

void console_api_logout(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  console_session_end(&srv->sessions, console_cookie(rq, console_cookie_name(srv)));
  console_log("signed out: %s", rq->who->user);
  snprintf(rs->cookie, sizeof rs->cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", console_cookie_name(srv),
           srv->tls ? "; Secure" : "");
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "signed_out");
  jw_bool(&w, 1);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
}
