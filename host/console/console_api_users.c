/* console_api_users.c: the console's accounts over the API (user.read, user.write). */
#include <string.h>

#include "console_api.h"
#include "console_auth.h"
#include "console_srv.h"
#include "console_user.h"
#include "nmod_exit.h"

static int status_of(int rc) { return rc == NMOD_EXIT_USAGE ? 404 : rc == NMOD_EXIT_REFUSED ? 409 : 500; }

static int add_one(void *ctx, const console_user *u) {
  console_user_json(ctx, u);
  return 0;
}

void console_api_users(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  char err[256];
  jw_obj(&w);
  jw_key(&w, "users");
  jw_arr(&w);
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  int rc = console_user_each(db, add_one, &w, err, sizeof err);
  console_db_give(&srv->db);
  jw_arr_end(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
  if (rc) console_fail(rs, 500, "database", "%s", err);
}

static void reply_user(console_resp *rs, sqlite3 *db, const char *name, int status) {
  console_user u;
  char err[256];
  int rc = console_user_get(db, name, &u, NULL, err, sizeof err);
  if (rc) {
    console_fail(rs, status_of(rc), "database", "%s", err);
    return;
  }
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  jw_obj(&w);
  jw_key(&w, "user");
  console_user_json(&w, &u);
  jw_obj_end(&w);
  console_json_close(rs, &w, status);
}

void console_api_user_add(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  const char *name, *pw;
  size_t pw_len;
  js_val *body = console_body_account(rq, rs, &name, &pw, &pw_len);
  if (!body) return;
  const char *role_s = console_body_str(body, "role", 16, rs);
  console_role role;
  char err[256];
  if (!role_s) goto out;
  if (console_role_parse(role_s, &role) != 0) {
    console_fail(rs, 400, "bad_field", "\"role\" must be admin, clinician, nurse or viewer");
    goto out;
  }
  if (!console_user_name_ok(name)) {
    console_fail(rs, 400, "bad_field", "\"name\" must be 1 to 63 of A-Z a-z 0-9 . _ - starting with a letter or digit");
    goto out;
  }
  if (console_pw_ok(pw, pw_len, err, sizeof err) != 0) {
    console_fail(rs, 400, "bad_field", "%s", err);
    goto out;
  }
  char hash[CONSOLE_HASH_MAX];
  pthread_mutex_lock(&srv->hash_mu);
  int hrc = console_pw_hash(pw, pw_len, hash);
  pthread_mutex_unlock(&srv->hash_mu);
  if (hrc != 0) {
    console_fail(rs, 500, "internal", "out of memory hashing the password");
    goto out;
  }
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  int rc = console_user_add(db, name, role, hash, err, sizeof err);
  if (rc)
    console_fail(rs, status_of(rc), rc == NMOD_EXIT_REFUSED ? "exists" : "database", "%s", err);
  else
    reply_user(rs, db, name, 201);
  console_db_give(&srv->db);
  if (!rc) console_log("%s added account %s (%s)", rq->who->user, name, role_s);
out:
  console_body_free_secret(body, "password");
}

static void set_disabled(console_req *rq, console_resp *rs, int disabled) {
  console_srv *srv = rq->srv;
  const char *name = console_param(rq, "name");
  if (disabled && strcmp(name, rq->who->user) == 0) {
    console_fail(rs, 409, "own_account", "you cannot disable your own account");
    return;
  }
  int64_t id = 0;
  char err[256];
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  int rc = console_user_set_disabled(db, name, disabled, &id, err, sizeof err);
  if (rc)
    console_fail(rs, status_of(rc), rc == NMOD_EXIT_USAGE ? "not_found" : "database", "%s", err);
  else
    reply_user(rs, db, name, 200);
  console_db_give(&srv->db);
  if (rc) return;
  if (disabled) console_session_end_user(&srv->sessions, id);
  console_log("%s %s account %s", rq->who->user, disabled ? "disabled" : "enabled", name);
}

void console_api_user_disable(console_req *rq, console_resp *rs) { set_disabled(rq, rs, 1); }
void console_api_user_enable(console_req *rq, console_resp *rs) { set_disabled(rq, rs, 0); }
