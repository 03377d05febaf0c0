/* console_auth_test.c: accounts, sessions, CSRF, roles, log-in rate limits and the audit trail,
 * against a real `nmod console` and `nmod console user` / `nmod clinic` processes on one SQLite
 * file. libsodium checks the stored password hashes. */
#define _GNU_SOURCE
#include "console_testutil.h"

#include <pwd.h>
#include <sodium.h>
#include <sqlite3.h>

static void db_text(const char *sql, char *out, size_t cap) {
  sqlite3 *h;
  assert_int_equal(sqlite3_open_v2(ct_db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  snprintf(out, cap, "%s", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
  sqlite3_finalize(st);
  sqlite3_close(h);
}

static void test_user_cli(void **st) {
  (void)st;
  proc_result_t r;
  /* The password never comes from the command line: without a terminal and without
   * --password-stdin the command says how. */
  assert_int_equal(console_cli(&r, NULL, "user", "add", "ann", "--role", "nurse", NULL), 2);
  assert_non_null(strstr(r.err, "no terminal to read the password from: pipe it in with --password-stdin"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, "short\n", "user", "add", "ann", "--role", "nurse", "--password-stdin", NULL), 2);
  assert_non_null(strstr(r.err, "the password is 5 characters; it needs at least 10"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, "long-enough-1\n", "user", "add", "ann", "--role", "surgeon", "--password-stdin", NULL), 2);
  assert_non_null(strstr(r.err, "--role admin, clinician, nurse or viewer"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, "long-enough-1\n", "user", "add", "<ann>", "--role", "nurse", "--password-stdin", NULL), 2);
  proc_free(&r);
  assert_int_equal(console_cli(&r, "nurse-password-1\n", "user", "add", "ann", "--role", "nurse", "--password-stdin", NULL), 0);
  assert_string_equal(r.out, "added ann (nurse)\n");
  proc_free(&r);
  assert_int_equal(console_cli(&r, "other-password-1\n", "user", "add", "ann", "--role", "viewer", "--password-stdin", NULL), 3);
  assert_non_null(strstr(r.err, "an account named 'ann' exists already"));
  proc_free(&r);
  /* Stored as Argon2id with the moderate limits; libsodium verifies it, the password is not
   * in the file. */
  char hash[200];
  db_text("SELECT pwhash FROM console_user WHERE name = 'ann'", hash, sizeof hash);
  assert_non_null(strstr(hash, "$argon2id$v=19$m=262144,t=3,p=1$"));
  assert_int_equal(sodium_init() >= 0, 1);
  assert_int_equal(crypto_pwhash_str_verify(hash, "nurse-password-1", 16), 0);
  assert_int_not_equal(crypto_pwhash_str_verify(hash, "nurse-password-2", 16), 0);
  assert_int_equal(db_int("SELECT count(*) FROM console_user WHERE pwhash LIKE '%nurse-password%'"), 0);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE coalesce(new, '') LIKE '%argon2%'"), 0);
  struct stat sb;
  assert_int_equal(stat(ct_db, &sb), 0);
  assert_int_equal(sb.st_mode & 077, 0);
  assert_int_equal(console_cli(&r, NULL, "user", "list", "--json", NULL), 0);
  assert_non_null(strstr(r.out, "{\"users\":[{\"name\":\"ann\",\"role\":\"nurse\",\"disabled\":false,\"created_at\":\"20"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, NULL, "user", "disable", "ann", NULL), 0);
  proc_free(&r);
  assert_int_equal(console_cli(&r, NULL, "user", "list", NULL), 0);
  assert_non_null(strstr(r.out, "disabled"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, NULL, "user", "disable", "nobody", NULL), 2);
  assert_non_null(strstr(r.err, "no account named 'nobody'"));
  proc_free(&r);
  assert_int_equal(console_cli(&r, NULL, "roles", NULL), 2); /* roles takes no --db */
  proc_free(&r);
}

static void test_sessions_and_csrf(void **st) {
  (void)st;
  add_user("adm", "admin", "admin-password-1");
  add_user("nur", "nurse", "nurse-password-1");
  console_start("--threads", "2");
  http_resp r;
  session_t a, n;
  char v[400], hdr[1024];
  /* A wrong password and an unknown name get the same answer. */
  assert_int_equal(login(&a, "adm", "wrong-password", &r), 401);
  assert_non_null(strstr(r.body, "{\"error\":{\"code\":\"bad_credentials\",\"message\":\"the name or the password is wrong\"}}"));
  assert_null(header(&r, "Set-Cookie", v, sizeof v));
  assert_int_equal(login(&a, "nobody", "wrong-password", &r), 401);
  assert_non_null(strstr(r.body, "the name or the password is wrong"));
  assert_int_equal(login(&a, "adm", "admin-password-1", &r), 200);
  assert_non_null(header(&r, "Set-Cookie", v, sizeof v));
  assert_non_null(strstr(v, "nmod_session="));
  assert_non_null(strstr(v, "; Path=/; HttpOnly; SameSite=Strict"));
  assert_null(strstr(v, "Secure")); /* plain HTTP on loopback */
  assert_non_null(strstr(r.body, "\"user\":{\"name\":\"adm\",\"role\":\"admin\"}"));
  assert_non_null(strstr(r.body, "\"may\":[\"audit.read\",\"user.read\",\"user.write\"]"));
  /* Neither the cookie nor the CSRF token is ever logged. */
  const char *tok = strchr(a.cookie, '=') + 1;
  char token[64];
  snprintf(token, sizeof token, "%.*s", (int)strcspn(tok, "\r"), tok);
  assert_int_equal(strlen(token), 43);
  assert_int_equal(http(&r, "GET", "/api/v1/session", a.cookie, NULL), 200);
  /* A change without the token, with a wrong one, and from another origin: refused. */
  const char *nu = "{\"name\":\"vic\",\"role\":\"viewer\",\"password\":\"viewer-password-1\"}";
  assert_int_equal(http(&r, "POST", "/api/v1/users", a.cookie, nu), 403);
  assert_non_null(strstr(r.body, "\"code\":\"csrf\""));
  snprintf(hdr, sizeof hdr, "%sX-CSRF-Token: %s\r\n", a.cookie, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  assert_int_equal(http(&r, "POST", "/api/v1/users", hdr, nu), 403);
  assert_non_null(strstr(r.body, "\"code\":\"csrf\""));
  snprintf(hdr, sizeof hdr, "%sX-CSRF-Token: %s\r\nOrigin: http://127.0.0.1:1\r\n", a.cookie, a.csrf);
  assert_int_equal(http(&r, "POST", "/api/v1/users", hdr, nu), 403);
  assert_non_null(strstr(r.body, "\"code\":\"cross_origin\""));
  snprintf(hdr, sizeof hdr, "%sX-CSRF-Token: %s\r\nSec-Fetch-Site: cross-site\r\n", a.cookie, a.csrf);
  assert_int_equal(http(&r, "POST", "/api/v1/users", hdr, nu), 403);
  assert_int_equal(db_int("SELECT count(*) FROM console_user WHERE name = 'vic'"), 0);
  /* With the token, from its own origin: done, and audited under the web user. */
  snprintf(hdr, sizeof hdr, "%sX-CSRF-Token: %s\r\nOrigin: http://127.0.0.1:%d\r\n", a.cookie, a.csrf, con_port);
  assert_int_equal(http(&r, "POST", "/api/v1/users", hdr, nu), 201);
  assert_int_equal(db_int("SELECT count(*) FROM console_user WHERE name = 'vic'"), 1);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'console_user' AND op = 'insert' AND actor = 'console:adm' "
                          "AND json_extract(new, '$.name') = 'vic'"),
                   1);
  /* Roles: a nurse may not read the accounts; an admin may not disable themself. */
  assert_int_equal(login(&n, "nur", "nurse-password-1", &r), 200);
  assert_int_equal(http(&r, "GET", "/api/v1/users", n.cookie, NULL), 403);
  assert_non_null(strstr(r.body, "{\"error\":{\"code\":\"forbidden\",\"message\":\"a nurse may not do user.read"));
  assert_int_equal(http(&r, "POST", "/api/v1/users/adm/disable", with_csrf(&a, hdr, sizeof hdr), NULL), 409);
  /* Disabled with the CLI while signed in: the session ends at its next request. */
  proc_result_t p;
  assert_int_equal(console_cli(&p, NULL, "user", "disable", "nur", NULL), 0);
  proc_free(&p);
  assert_int_equal(http(&r, "GET", "/api/v1/session", n.cookie, NULL), 401);
  assert_non_null(strstr(r.body, "\"code\":\"account_disabled\""));
  assert_int_equal(login(&n, "nur", "nurse-password-1", &r), 401);
  /* Sign out: the cookie is worth nothing after. */
  assert_int_equal(http(&r, "DELETE", "/api/v1/session", with_csrf(&a, hdr, sizeof hdr), NULL), 200);
  assert_non_null(strstr(header(&r, "Set-Cookie", v, sizeof v), "Max-Age=0"));
  assert_int_equal(http(&r, "GET", "/api/v1/session", a.cookie, NULL), 401);
  console_stop();
  /* Idle timeout: 2 s without a request ends a session. */
  console_start("--idle-timeout", "2s", "--threads", "2");
  assert_int_equal(login(&a, "adm", "admin-password-1", &r), 200);
  assert_int_equal(http(&r, "GET", "/api/v1/session", a.cookie, NULL), 200);
  struct timespec pause = {2, 300000000};
  nanosleep(&pause, NULL);
  assert_int_equal(http(&r, "GET", "/api/v1/users", a.cookie, NULL), 401);
  assert_non_null(strstr(r.body, "\"code\":\"session_expired\""));
  assert_int_equal(http(&r, "GET", "/api/v1/session", a.cookie, NULL), 401);
  assert_non_null(strstr(r.body, "\"code\":\"unauthenticated\""));
  console_stop();
  assert_false(log_has(token));
  assert_false(log_has(a.csrf));
  assert_false(log_has("admin-password-1"));
  assert_true(log_has("sign-in failed for 'adm' from 127.0.0.1"));
}

static void test_rate_limits(void **st) {
  (void)st;
  add_user("adm", "admin", "admin-password-1");
  console_start("--login-max-account", "2", "--login-max-address", "4", "--login-window", "1h", "--threads", "2");
  http_resp r;
  session_t s;
  char v[64];
  assert_int_equal(login(&s, "adm", "wrong-1-password", &r), 401);
  assert_int_equal(login(&s, "adm", "wrong-2-password", &r), 401);
  /* The account waits now, even with the right password. */
  assert_int_equal(login(&s, "adm", "admin-password-1", &r), 429);
  assert_non_null(strstr(r.body, "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many failed sign-ins for this account; try again in 60 minutes\"}}"));
  assert_non_null(header(&r, "Retry-After", v, sizeof v));
  assert_true(atoi(v) > 3500 && atoi(v) <= 3600);
  /* Other names from the same address: two more failures, then the address waits too. */
  assert_int_equal(login(&s, "eve", "guess-password-1", &r), 401);
  assert_int_equal(login(&s, "mallory", "guess-password-2", &r), 401);
  assert_int_equal(login(&s, "trent", "guess-password-3", &r), 429);
  assert_non_null(strstr(r.body, "from this address"));
  console_stop();
  assert_true(log_has("sign-in refused for 'trent' from 127.0.0.1: too many failures"));
}

/* The audit trail: a CLI change under the operating-system user, a console change under the web
 * user, values before and after, and no way to change or delete it. */
static void test_audit(void **st) {
  (void)st;
  struct passwd *pw = getpwuid(geteuid());
  assert_non_null(pw);
  char os_actor[100];
  snprintf(os_actor, sizeof os_actor, "os:%s", pw->pw_name);
  add_user("adm", "admin", "admin-password-1");
  /* A clinic change with the CLI. */
  char *argv[] = {(char *)proc_nmod(), "clinic", "--db", ct_db, "patient", "add", "A-1", "--therapy", "snm", "--name",
                  "<script>alert(1)</script>", "--birth", "1961-05-12", NULL};
  proc_result_t p;
  assert_int_equal(proc_run(argv, 60, &p), 0);
  if (p.code != 0) fail_msg("patient add: %s", p.err);
  proc_free(&p);
  char *cfg[] = {(char *)proc_nmod(), "clinic", "--db", ct_db, "config", "institution", "Ziekenhuis", NULL};
  assert_int_equal(proc_run(cfg, 60, &p), 0);
  assert_int_equal(p.code, 0);
  proc_free(&p);
  char sql[300];
  snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE tbl = 'patient' AND op = 'insert' AND actor = '%s' AND pid IS NOT NULL "
                            "AND json_extract(new, '$.code') = 'A-1'", os_actor);
  assert_int_equal(db_int(sql), 1);
  /* The setting's change, before and after (an INSERT OR REPLACE: the row it replaced is
   * audited as deleted, with its value). */
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'setting' AND op = 'insert' AND "
                          "json_extract(new, '$.value') = 'Ziekenhuis'"),
                   1);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'setting' AND op = 'delete' AND "
                          "json_extract(old, '$.key') = 'institution' AND json_extract(old, '$.value') = ''"),
                   1);
  /* The export key is a key: never copied. */
  assert_int_equal(db_int("SELECT count(*) FROM audit a, setting s WHERE s.key = 'export_id_key' AND instr(coalesce(a.new, '') || "
                          "coalesce(a.old, ''), s.value) > 0"),
                   0);
  /* A console change, and both in the API's audit, newest first. */
  console_start("--threads", "2");
  http_resp r;
  session_t a;
  char hdr[1024];
  assert_int_equal(login(&a, "adm", "admin-password-1", &r), 200);
  assert_int_equal(http(&r, "POST", "/api/v1/users", with_csrf(&a, hdr, sizeof hdr),
                        "{\"name\":\"cli\",\"role\":\"clinician\",\"password\":\"clinician-pass-1\"}"),
                   201);
  assert_int_equal(http(&r, "POST", "/api/v1/users/cli/disable", with_csrf(&a, hdr, sizeof hdr), NULL), 200);
  assert_int_equal(http(&r, "GET", "/api/v1/audit?limit=3", a.cookie, NULL), 200);
  const char *upd = strstr(r.body, "\"actor\":\"console:adm\",\"table\":\"console_user\",\"op\":\"update\"");
  assert_non_null(upd);
  assert_non_null(strstr(upd, "\"old\":{\"id\":2,\"name\":\"cli\",\"role\":\"clinician\",\"disabled\":0"));
  assert_non_null(strstr(upd, "\"new\":{\"id\":2,\"name\":\"cli\",\"role\":\"clinician\",\"disabled\":1"));
  assert_non_null(strstr(upd, "\"password_changed\":false"));
  assert_non_null(strstr(r.body, "\"next_before\":"));
  assert_null(strstr(r.body, "\"next_before\":null"));
  assert_int_equal(http(&r, "GET", "/api/v1/audit?limit=500", a.cookie, NULL), 400);
  assert_int_equal(http(&r, "GET", "/api/v1/audit?limit=200", a.cookie, NULL), 200);
  assert_non_null(strstr(r.body, "\"actor\":\"os:"));
  /* The patient's name is data: stored and returned as the text it is (JSON-escaped). */
  assert_non_null(strstr(r.body, "\"name\":\"<script>alert(1)</script>\""));
  assert_non_null(strstr(r.body, "\"next_before\":null"));
  console_stop();
  /* Append-only: an update, a delete, a replace of an audit row all fail; nothing changes. */
  long long before = db_int("SELECT count(*) FROM audit");
  sqlite3 *h;
  assert_int_equal(sqlite3_open(ct_db, &h), SQLITE_OK);
  char *err = NULL;
  assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit WHERE id = 1", NULL, NULL, &err), SQLITE_OK);
  assert_non_null(strstr(err, "the audit trail is append-only: its rows cannot be deleted"));
  sqlite3_free(err);
  assert_int_not_equal(sqlite3_exec(h, "UPDATE audit SET actor = 'someone' WHERE id = 1", NULL, NULL, &err), SQLITE_OK);
  assert_non_null(strstr(err, "cannot be changed"));
  sqlite3_free(err);
  assert_int_not_equal(sqlite3_exec(h, "INSERT OR REPLACE INTO audit(id, actor, tbl, op) VALUES (1, 'x', 'patient', 'insert')",
                                    NULL, NULL, &err),
                       SQLITE_OK);
  assert_non_null(strstr(err, "cannot be replaced"));
  sqlite3_free(err);
  /* A connection that says nobody cannot change the clinic at all. */
  assert_int_not_equal(sqlite3_exec(h, "UPDATE patient SET name = 'x'", NULL, NULL, &err), SQLITE_OK);
  assert_non_null(strstr(err, "no such function: nmod_actor"));
  sqlite3_free(err);
  sqlite3_close(h);
  assert_int_equal(db_int("SELECT count(*) FROM audit"), before);
  char name[100];
  db_text("SELECT name FROM patient WHERE code = 'A-1'", name, sizeof name);
  assert_string_equal(name, "<script>alert(1)</script>");
  /* check-db still finds the file sound, its schema the one migration 5 builds. */
  char *check[] = {(char *)proc_nmod(), "clinic", "--db", ct_db, "check-db", NULL};
  assert_int_equal(proc_run(check, 60, &p), 0);
  if (p.code != 0) fail_msg("check-db: %s %s", p.out, p.err);
  proc_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_user_cli, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_sessions_and_csrf, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_rate_limits, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_audit, ct_setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
