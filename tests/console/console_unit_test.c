/* console_unit_test.c: the console's rules without a server: the route table, the table of who
 * may do what (and that docs/CONSOLE.md shows the same table), HTML escaping, the listen-address
 * policy, the log-in limiter, sessions, and the audit triggers of migration 5 on a real SQLite
 * file (every column of every table covered, the trail append-only, REPLACE audited). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "clinic_audit.h"
#include "clinic_int.h"
#include "console_html.h"
#include "html.h"
#include "console_limit.h"
#include "console_opts.h"
#include "console_perm.h"
#include "console_session.h"
#include "console_user.h"

static void test_routes(void **st) {
  (void)st;
  size_t n = 0;
  for (size_t t = 0; t < console_route_ntables; t++)
    for (size_t i = 0; i < console_route_tables[t].n; i++) {
      const console_route *r = &console_route_tables[t].routes[i];
      n++;
      assert_int_equal(strncmp(r->pattern, "/api/v1/", 8), 0);
      assert_true((unsigned)r->action < CP_COUNT);
      assert_non_null(r->fn);
      const char *m = r->method;
      assert_true(!strcmp(m, "GET") || !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH") || !strcmp(m, "DELETE"));
      /* The only change that needs no session is signing in. */
      if (r->action == CP_PUBLIC && strcmp(m, "GET") != 0) assert_string_equal(r->pattern, "/api/v1/session");
      /* The diary's own session reaches the diary's own routes and nothing else. */
      if (r->action == CP_DIARY_OWN) assert_int_equal(strncmp(r->pattern, "/api/v1/diary/", 14) && strcmp(r->pattern, "/api/v1/diary"), 0);
      for (size_t t2 = 0; t2 < console_route_ntables; t2++)
        for (size_t j = 0; j < console_route_tables[t2].n; j++) {
          const console_route *o = &console_route_tables[t2].routes[j];
          if (o != r) assert_false(!strcmp(o->method, m) && !strcmp(o->pattern, r->pattern));
        }
    }
  assert_true(n >= 10);
}

static void test_perm_table(void **st) {
  (void)st;
  for (int a = 0; a < CP_COUNT; a++) {
    assert_int_equal(console_perms[a].action, a);
    assert_non_null(strchr(console_perms[a].name, '.') ? console_perms[a].name : (a <= CP_SESSION ? "x." : NULL));
  }
  /* The rules. */
  const console_action nurse_may[] = {CP_PATIENT_READ, CP_DIARY_WRITE, CP_SCORE_WRITE, CP_VISIT_WRITE, CP_PATH_STEP, CP_CHECKS_WRITE};
  const console_action nurse_not[] = {CP_PATH_DECISION, CP_PATH_TRIAL, CP_PATH_IMPLANT, CP_PATH_OVERRIDE, CP_USER_WRITE, CP_USER_READ};
  for (size_t i = 0; i < sizeof nurse_may / sizeof nurse_may[0]; i++) {
    assert_true(console_may(CR_NURSE, nurse_may[i]));
    assert_true(console_may(CR_CLINICIAN, nurse_may[i]));
  }
  for (size_t i = 0; i < sizeof nurse_not / sizeof nurse_not[0]; i++) assert_false(console_may(CR_NURSE, nurse_not[i]));
  for (int a = CP_PATH_DECISION; a <= CP_PATH_OVERRIDE; a++) assert_true(console_may(CR_CLINICIAN, (console_action)a));
  /* A viewer reads, and nothing else. */
  for (int a = CP_SESSION + 1; a < CP_COUNT; a++)
    assert_int_equal(console_may(CR_VIEWER, (console_action)a), a == CP_PATIENT_READ);
  /* An admin manages accounts and reads the audit, and no patient data. */
  assert_true(console_may(CR_ADMIN, CP_USER_WRITE));
  assert_true(console_may(CR_ADMIN, CP_AUDIT_READ));
  assert_false(console_may(CR_ADMIN, CP_PATIENT_READ));
  assert_false(console_may(CR_CLINICIAN, CP_USER_WRITE));
  /* A patient's diary is theirs alone: no account of any role reaches it. */
  for (int r = 0; r < CR_COUNT; r++) assert_false(console_may((console_role)r, CP_DIARY_OWN));
  assert_false(console_may((console_role)7, CP_PUBLIC));
  console_role r;
  assert_int_equal(console_role_parse("nurse", &r), 0);
  assert_int_equal(r, CR_NURSE);
  assert_int_equal(console_role_parse("Nurse", &r), -1);
}

/* Every step of both therapies' paths maps to an action; the team's decisions, the trial
 * operation, implant and explant are the clinician's. */
static void test_step_actions(void **st) {
  (void)st;
  for (int t = 0; t < 2; t++) {
    int n;
    const clinic_step_def *d = clinic_path_steps((clinic_therapy)t, &n);
    for (int i = 0; i < n; i++) {
      console_action a = console_perm_step(d[i].id);
      int clinician_only = !strcmp(d[i].id, "team-review") || !strcmp(d[i].id, "decision") || !strcmp(d[i].id, "trial") ||
                           !strcmp(d[i].id, "implant") || !strcmp(d[i].id, "explant");
      assert_int_equal(a == CP_PATH_STEP, !clinician_only);
      assert_int_equal(console_may(CR_NURSE, a), !clinician_only);
      assert_true(console_may(CR_CLINICIAN, a));
    }
  }
}

/* docs/CONSOLE.md holds the table `nmod console roles` prints, row for row. */
static void test_docs_table(void **st) {
  (void)st;
  char path[600];
  snprintf(path, sizeof path, "%s/docs/CONSOLE.md", getenv("NMOD_SRC") ? getenv("NMOD_SRC") : ".");
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  static char doc[1 << 18];
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = '\0';
  char *table = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&table, &len);
  console_perm_markdown(m);
  fclose(m);
  if (!strstr(doc, table)) fail_msg("docs/CONSOLE.md does not hold the table of `nmod console roles`:\n%s", table);
  free(table);
}

static void test_html_escape(void **st) {
  (void)st;
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  html_escape(f, "<script>alert(\"x\")</script> & 'y'\x01");
  fclose(f);
  assert_string_equal(out, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
  free(out);
  console_resp rs;
  memset(&rs, 0, sizeof rs);
  console_html_not_found(&rs, "/<img src=x onerror=alert(1)>");
  assert_int_equal(rs.status, 404);
  assert_null(strstr(rs.body, "<img"));
  assert_non_null(strstr(rs.body, "&lt;img src=x onerror=alert(1)&gt;"));
  console_resp_free(&rs);
}

static void test_listen_policy(void **st) {
  (void)st;
  static const struct {
    const char *s;
    int ok, loopback;
  } cases[] = {
      {"127.0.0.1:8080", 1, 1}, {"127.8.9.10:1", 1, 1},  {"localhost:0", 1, 1},     {"[::1]:8443", 1, 1},
      {"0.0.0.0:8080", 1, 0},   {"10.1.2.3:80", 1, 0},   {"[::]:8080", 1, 0},       {"192.168.1.1:443", 1, 0},
      {"127.0.0.1", 0, 0},      {"127.0.0.1:", 0, 0},    {"127.0.0.1:65536", 0, 0}, {"::1:8080", 0, 0},
      {"host.example:80", 0, 0}, {"[::1]8080", 0, 0},    {":8080", 0, 0},           {"127.0.0.1:80a", 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    console_opts o;
    console_opts_defaults(&o);
    char err[300] = "";
    int rc = console_listen_parse(&o, cases[i].s, err, sizeof err);
    if ((rc == 0) != cases[i].ok) fail_msg("%s: parse %d (%s)", cases[i].s, rc, err);
    if (rc == 0) assert_int_equal(o.loopback, cases[i].loopback);
    else assert_non_null(strstr(err, "--listen"));
  }
  console_opts o;
  console_opts_defaults(&o);
  assert_true(o.loopback);
  assert_string_equal(o.listen, "127.0.0.1:8080");
  unsigned s;
  char err[200];
  assert_int_equal(console_opt_seconds("idle-timeout", "15min", 86400, &s, err, sizeof err), 0);
  assert_int_equal(s, 900);
  assert_int_equal(console_opt_seconds("idle-timeout", "1.5s", 86400, &s, err, sizeof err), -1);
  assert_int_equal(console_opt_seconds("idle-timeout", "2d", 86400, &s, err, sizeof err), -1);
}

static void test_limiter(void **st) {
  (void)st;
  console_limit l;
  assert_int_equal(console_limit_init(&l, 3, 60), 0);
  int64_t t = 1000000;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(console_limit_wait(&l, "ann", t), 0);
    console_limit_fail(&l, "ann", t + i * 1000);
  }
  assert_int_equal(console_limit_wait(&l, "ann", t + 3000), 60 - 3);
  assert_int_equal(console_limit_wait(&l, "bob", t + 3000), 0);
  assert_int_equal(console_limit_wait(&l, "ann", t + 60000), 0); /* the window has passed */
  console_limit_fail(&l, "bob", t);
  console_limit_fail(&l, "bob", t);
  console_limit_fail(&l, "bob", t);
  assert_true(console_limit_wait(&l, "bob", t) > 0);
  console_limit_clear(&l, "bob");
  assert_int_equal(console_limit_wait(&l, "bob", t), 0);
  /* More keys than slots: the table stays bounded and keeps working. */
  for (int i = 0; i < CONSOLE_LIMIT_SLOTS + 100; i++) {
    char k[32];
    snprintf(k, sizeof k, "user%d", i);
    console_limit_fail(&l, k, t + i);
  }
  for (int i = 0; i < 3; i++) console_limit_fail(&l, "ann", t + 100000);
  assert_true(console_limit_wait(&l, "ann", t + 100001) > 0);
  console_limit_free(&l);
}

static void test_sessions(void **st) {
  (void)st;
  assert_true(sodium_init() >= 0);
  static console_sessions t;
  console_sessions_init(&t, 10, 100);
  console_who w, got;
  memset(&w, 0, sizeof w);
  w.user_id = 7;
  snprintf(w.user, sizeof w.user, "ann");
  w.role = CR_NURSE;
  char tok[CONSOLE_TOKEN_CHARS + 1], tok2[CONSOLE_TOKEN_CHARS + 1];
  assert_int_equal(console_session_new(&t, &w, tok, 0), 0);
  assert_int_equal(strlen(tok), CONSOLE_TOKEN_CHARS);
  assert_int_equal(strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), CONSOLE_TOKEN_CHARS);
  assert_int_equal(strlen(w.csrf), CONSOLE_TOKEN_CHARS);
  assert_false(console_token_eq(tok, w.csrf));
  assert_int_equal(console_session_get(&t, tok, &got, 5000), CS_OK);
  assert_string_equal(got.user, "ann");
  assert_true(console_token_eq(got.csrf, w.csrf));
  /* Touched at 5 s: still valid at 14.9 s, expired at 15 s. */
  assert_int_equal(console_session_get(&t, tok, &got, 14999), CS_OK);
  assert_int_equal(console_session_get(&t, tok, &got, 24999), CS_EXPIRED);
  assert_int_equal(console_session_get(&t, tok, &got, 25000), CS_NONE);
  /* The whole lifetime caps a session that is used all the time. */
  assert_int_equal(console_session_new(&t, &w, tok, 0), 0);
  for (int64_t now = 5000; now < 100000; now += 5000) assert_int_equal(console_session_get(&t, tok, &got, now), CS_OK);
  assert_int_equal(console_session_get(&t, tok, &got, 100000), CS_EXPIRED);
  /* Ending one, ending a user's all; a token one character off is unknown. */
  assert_int_equal(console_session_new(&t, &w, tok, 0), 0);
  assert_int_equal(console_session_new(&t, &w, tok2, 0), 0);
  char off[CONSOLE_TOKEN_CHARS + 1];
  memcpy(off, tok, sizeof off);
  off[0] = off[0] == 'A' ? 'B' : 'A';
  assert_int_equal(console_session_get(&t, off, &got, 1), CS_NONE);
  assert_int_equal(console_session_get(&t, "short", &got, 1), CS_NONE);
  assert_int_equal(console_session_get(&t, NULL, &got, 1), CS_NONE);
  console_session_end(&t, tok);
  assert_int_equal(console_session_get(&t, tok, &got, 1), CS_NONE);
  assert_int_equal(console_session_get(&t, tok2, &got, 1), CS_OK);
  console_session_end_user(&t, 7);
  assert_int_equal(console_session_get(&t, tok2, &got, 1), CS_NONE);
  /* Full: the longest idle one makes room. */
  for (int i = 0; i < CONSOLE_SESSIONS + 5; i++) assert_int_equal(console_session_new(&t, &w, tok, i), 0);
  assert_int_equal(console_session_get(&t, tok, &got, CONSOLE_SESSIONS + 5), CS_OK);
  console_sessions_free(&t);
}

static void test_passwords(void **st) {
  (void)st;
  assert_true(sodium_init() >= 0);
  char h[CONSOLE_HASH_MAX], err[200];
  assert_int_equal(console_pw_hash("correct horse 1", 15, h), 0);
  assert_non_null(strstr(h, "$argon2id$v=19$m=262144,t=3,p=1$"));
  assert_int_equal(crypto_pwhash_str_verify(h, "correct horse 1", 15), 0); /* libsodium as the oracle */
  assert_true(console_pw_verify(h, "correct horse 1", 15));
  assert_false(console_pw_verify(h, "correct horse 2", 15));
  assert_false(console_pw_verify(NULL, "anything at all", 15));
  assert_int_equal(console_pw_ok("123456789", 9, err, sizeof err), -1);
  assert_int_equal(console_pw_ok("1234567890", 10, err, sizeof err), 0);
  assert_int_equal(console_pw_ok("12345\0" "67890", 11, err, sizeof err), -1);
  assert_true(console_user_name_ok("anne.de-vries_2"));
  assert_false(console_user_name_ok(".anne"));
  assert_false(console_user_name_ok("an ne"));
  assert_false(console_user_name_ok("<script>"));
  assert_false(console_user_name_ok(""));
}

/* ---- the audit triggers on a real file ----------------------------------------------- */

static char dbdir[200], dbpath[300];

static sqlite3 *open_db(void) {
  snprintf(dbdir, sizeof dbdir, "/tmp/nmod-audit-unit.XXXXXX");
  assert_non_null(mkdtemp(dbdir));
  snprintf(dbpath, sizeof dbpath, "%s/clinic.db", dbdir);
  sqlite3 *db = NULL;
  clinic_open_notes notes;
  clinic_err e = {0};
  assert_int_equal(clinic_store_open(dbpath, CLINIC_OPEN_WRITE, &db, &notes, &e), CLINIC_E_OK);
  return db;
}

static void close_db(sqlite3 *db) {
  sqlite3_close(db);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dbdir);
  assert_int_equal(system(cmd), 0);
}

static char *trigger_sql(sqlite3 *db, const char *name) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", -1, &st, NULL), SQLITE_OK);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  char *out = NULL;
  if (sqlite3_step(st) == SQLITE_ROW) out = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

/* Every table but the trail itself and the derived cache has its three triggers, and each
 * names every column (the password hash of an account only as "password_changed"). A later
 * migration that adds a column or table without new triggers fails here. */
static void test_audit_coverage(void **st) {
  (void)st;
  sqlite3 *db = open_db();
  sqlite3_stmt *t;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                          "AND name NOT IN ('audit', 'eval_cache', 'patient_state') ORDER BY name",
                                      -1, &t, NULL),
                   SQLITE_OK);
  int tables = 0;
  while (sqlite3_step(t) == SQLITE_ROW) {
    const char *table = (const char *)sqlite3_column_text(t, 0);
    tables++;
    static const char *const ops[] = {"insert", "update", "delete"};
    for (int o = 0; o < 3; o++) {
      char name[100];
      snprintf(name, sizeof name, "audit_%s_%s", table, ops[o]);
      char *sql = trigger_sql(db, name);
      if (!sql) fail_msg("table %s has no trigger %s", table, name);
      sqlite3_stmt *c;
      char q[200];
      snprintf(q, sizeof q, "SELECT name FROM pragma_table_info('%s')", table);
      assert_int_equal(sqlite3_prepare_v2(db, q, -1, &c, NULL), SQLITE_OK);
      while (sqlite3_step(c) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(c, 0);
        char key[100];
        snprintf(key, sizeof key, "'%s',", col);
        if (!strcmp(table, "console_user") && !strcmp(col, "pwhash")) {
          assert_null(strstr(sql, key));
          continue;
        }
        if (!strstr(sql, key)) fail_msg("trigger %s does not record column %s", name, col);
      }
      sqlite3_finalize(c);
      free(sql);
    }
  }
  sqlite3_finalize(t);
  assert_int_equal(tables, 16);
  close_db(db);
}

static long long count(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  long long v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

static void test_audit_rows(void **st) {
  (void)st;
  sqlite3 *db = open_db();
  clinic_actor me;
  assert_int_equal(clinic_actor_set(&me, "console", "ann"), 0);
  assert_int_equal(clinic_audit_attach(db, &me), 0);
  clinic_err xe = {0};
  assert_int_equal(clinic_sql_exec(db, "INSERT INTO patient(code, therapy, name, birth_date, created_at) VALUES "
                                   "('P1', 'scs', 'A', '1960-01-01', '2025-01-01');"
                                   "INSERT INTO path_step(pid, step, date) VALUES (1, 'referral', '2025-01-02');"
                                   "INSERT OR REPLACE INTO path_step(pid, step, date) VALUES (1, 'referral', '2025-01-03');"
                                   "UPDATE patient SET name = 'B' WHERE pid = 1;"
                                   "DELETE FROM path_step WHERE pid = 1;", &xe),
                   CLINIC_E_OK);
  assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE actor = 'console:ann'"), 6);
  assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE tbl = 'patient' AND op = 'update' AND pid = 1 AND "
                             "json_extract(old, '$.name') = 'A' AND json_extract(new, '$.name') = 'B'"),
                   1);
  /* The REPLACE: the row it replaced is audited as deleted (recursive triggers). */
  assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE tbl = 'path_step' AND op = 'delete' AND "
                             "json_extract(old, '$.date') = '2025-01-02'"),
                   1);
  assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE tbl = 'path_step' AND op = 'delete' AND "
                             "json_extract(old, '$.date') = '2025-01-03'"),
                   1);
  /* The derived cache is not audited. */
  assert_int_equal(count(db, "SELECT count(*) FROM audit WHERE tbl = 'eval_cache'"), 0);
  /* An empty actor refuses the change; nothing of it stays. */
  me.name[0] = '\0';
  assert_int_not_equal(sqlite3_exec(db, "UPDATE patient SET name = 'C'", NULL, NULL, NULL), SQLITE_OK);
  assert_non_null(strstr(sqlite3_errmsg(db), "no actor for the audit trail"));
  assert_int_equal(count(db, "SELECT count(*) FROM patient WHERE name = 'B'"), 1);
  assert_int_equal(clinic_actor_set(&me, "console", "bad name"), -1);
  assert_int_equal(clinic_actor_set(&me, "con:sole", "x"), -1);
  /* Reads need no actor. */
  assert_int_equal(count(db, "SELECT count(*) FROM audit"), 6);
  close_db(db);
}

/* One command's JSON on db, as the console runs it (clinic_call); heap string, free it. */
static char *call(sqlite3 *db, int argc, const char *const *argv) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  clinic_err err;
  int rc = clinic_call(db, argc, argv, f, &err);
  fclose(f);
  if (rc) fail_msg("clinic %s: %s", argv[0], err.msg);
  return buf;
}

static int days_in(const char *json) {
  int n = 0;
  for (const char *p = json; (p = strstr(p, "\"date\":")) != NULL; p++) n++;
  return n;
}

/* The patient page's snapshot (console_api_patients.c api_page): inside a read transaction
 * the caller holds, clinic_call leaves it open, so every section reads one state, however
 * another connection (a clinician's CLI) writes in between; afterwards the change shows. */
static void test_page_snapshot(void **st) {
  (void)st;
  setenv("NMOD_TODAY", "2026-03-20", 1);
  sqlite3 *db = open_db(), *cli = NULL;
  clinic_actor me, os;
  assert_int_equal(clinic_actor_set(&me, "console", "ann"), 0);
  assert_int_equal(clinic_audit_attach(db, &me), 0);
  const char *add[] = {"patient", "add", "P1", "--therapy", "snm", "--name", "A", "--birth", "1960-01-01"};
  free(call(db, 9, add));
  const char *ref[] = {"path", "step", "P1", "referral", "--date=2026-03-01"};
  free(call(db, 5, ref));
  const char *day1[] = {"diary", "add", "P1", "--date=2026-03-02", "--incontinence=3"};
  free(call(db, 5, day1));
  clinic_open_notes notes;
  clinic_err oe = {0};
  assert_int_equal(clinic_store_open(dbpath, CLINIC_OPEN_WRITE, &cli, &notes, &oe), CLINIC_E_OK);
  assert_int_equal(clinic_actor_set(&os, "os", "tester"), 0);
  assert_int_equal(clinic_audit_attach(cli, &os), 0);

  const char *list[] = {"diary", "list", "P1"};
  const char *eval[] = {"evaluate", "P1"};
  clinic_err be = {0};
  assert_int_equal(clinic_sql_exec(db, "BEGIN", &be), CLINIC_E_OK);
  char *a = call(db, 3, list), *e0 = call(db, 2, eval);
  assert_int_equal(days_in(a), 1);
  assert_int_equal(sqlite3_get_autocommit(db), 0); /* still the page's transaction */
  const char *day2[] = {"diary", "add", "P1", "--date=2026-03-03", "--incontinence=2"};
  free(call(cli, 5, day2)); /* committed by the other connection, between two sections */
  char *b = call(db, 3, list);
  char *e = call(db, 2, eval);
  assert_string_equal(a, b); /* the same state */
  assert_string_equal(e0, e);
  assert_int_equal(sqlite3_get_autocommit(db), 0);
  clinic_rollback(db);
  char *c = call(db, 3, list); /* a new read: the second day now */
  assert_int_equal(days_in(c), 2);
  free(a), free(b), free(c), free(e), free(e0);
  sqlite3_close(cli);
  close_db(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_routes),         cmocka_unit_test(test_perm_table),   cmocka_unit_test(test_step_actions),
      cmocka_unit_test(test_docs_table),     cmocka_unit_test(test_html_escape),  cmocka_unit_test(test_listen_policy),
      cmocka_unit_test(test_limiter),        cmocka_unit_test(test_sessions),     cmocka_unit_test(test_passwords),
      cmocka_unit_test(test_audit_coverage), cmocka_unit_test(test_audit_rows),  cmocka_unit_test(test_page_snapshot),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
