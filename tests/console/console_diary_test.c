/* console_diary_test.c: the patient's diary links and the diary API against a real
 * `nmod console` and `nmod clinic` processes on one SQLite file: the CLI (issue, list, revoke,
 * its refusals), the token stored only as its SHA-256 (libsodium as the oracle), the exchange
 * for a diary session (303, the cookie's flags, plain and under TLS), the links' days, roles,
 * and values refused by the rules of `diary add` with nothing stored. The browser side is in
 * tests/browser/diary.test.mjs. */
#define _GNU_SOURCE
#include "console_testutil.h"

#include <sodium.h>
#include <sqlite3.h>

#define TODAY "2026-03-10"

/* `nmod clinic --db DB ARGS...` (NULL-terminated): the exit code; r keeps the output. */
static int clinic(proc_result_t *r, ...) {
  char *argv[32] = {(char *)proc_nmod(), "clinic", "--db", ct_db};
  int n = 4;
  va_list ap;
  va_start(ap, r);
  const char *a;
  while ((a = va_arg(ap, const char *)) && n < 30) argv[n++] = (char *)a;
  va_end(ap);
  argv[n] = NULL;
  assert_int_equal(proc_run(argv, 60, r), 0);
  return r->code;
}

#define CLINIC_OK(...)                                                  \
  do {                                                                  \
    proc_result_t r_;                                                   \
    if (clinic(&r_, __VA_ARGS__, NULL) != 0) fail_msg("%s", r_.err);    \
    proc_free(&r_);                                                     \
  } while (0)

/* An SCS patient whose baseline started on 2026-03-03 (questionnaires), and an SNM one. */
static void patients(void) {
  CLINIC_OK("patient", "add", "S-1", "--therapy", "scs", "--name", "Jan", "--birth", "1960-04-01");
  CLINIC_OK("path", "step", "S-1", "referral", "--date", "2026-03-01");
  CLINIC_OK("path", "step", "S-1", "team-review", "--date", "2026-03-02", "--outcome", "proceed");
  CLINIC_OK("path", "step", "S-1", "questionnaires", "--date", "2026-03-03");
  CLINIC_OK("patient", "add", "B-1", "--therapy", "snm", "--name", "Els", "--birth", "1958-02-01");
  CLINIC_OK("path", "step", "B-1", "referral", "--date", "2026-03-01");
}

/* The token in the last line of `diary-link issue`'s text (the address ends with it). */
static void token_of(const char *out, char *tok) {
  const char *p = strstr(out, "token=");
  assert_non_null(p);
  p += 6;
  size_t n = strcspn(p, "\n\"");
  assert_int_equal(n, 43);
  memcpy(tok, p, n);
  tok[n] = '\0';
}

/* Open the link: the status; on 303 the diary session's cookie line and CSRF token. */
static int open_link(const char *tok, session_t *s, http_resp *r) {
  char path[200];
  snprintf(path, sizeof path, "/api/v1/diary/open?token=%s", tok);
  int st = http(r, "GET", path, NULL, NULL);
  if (st != 303) return st;
  char v[300];
  assert_non_null(header(r, "Set-Cookie", v, sizeof v));
  v[strcspn(v, ";")] = '\0';
  snprintf(s->cookie, sizeof s->cookie, "Cookie: %s\r\n", v);
  http_resp d;
  assert_int_equal(http(&d, "GET", "/api/v1/diary", s->cookie, NULL), 200);
  const char *c = strstr(d.body, "\"csrf\":\"");
  assert_non_null(c);
  snprintf(s->csrf, sizeof s->csrf, "%.43s", c + 8);
  return st;
}

static void test_cli(void **st) {
  (void)st;
  patients();
  proc_result_t r;
  assert_int_equal(clinic(&r, "diary-link", "issue", NULL), 2);
  assert_non_null(strstr(r.err, "usage: nmod clinic diary-link issue ID [--base URL] | revoke ID [--id N] | list ID"));
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "issue", "X-9", NULL), 2);
  assert_non_null(strstr(r.err, "unknown patient 'X-9'"));
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "issue", "S-1", "--base", "ftp://x", NULL), 2);
  assert_non_null(strstr(r.err, "--base 'ftp://x' is not a web address"));
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "revoke", "S-1", NULL), 2);
  assert_non_null(strstr(r.err, "S-1 has no open diary link"));
  proc_free(&r);
  /* Issued: the address once; the database holds its SHA-256, computed here by libsodium. */
  assert_int_equal(clinic(&r, "diary-link", "issue", "S-1", "--base", "https://clinic.example:8443/", NULL), 0);
  assert_non_null(strstr(r.out, "S-1: diary link 1 issued, valid from 2026-03-03 to the end of the trial (valid)"));
  assert_non_null(strstr(r.out, "\nhttps://clinic.example:8443/api/v1/diary/open?token="));
  char tok[64];
  token_of(r.out, tok);
  proc_free(&r);
  unsigned char h[crypto_hash_sha256_BYTES];
  char hex[65], q[200];
  assert_true(sodium_init() >= 0);
  crypto_hash_sha256(h, (const unsigned char *)tok, strlen(tok));
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  snprintf(q, sizeof q, "SELECT count(*) FROM diary_link WHERE token_hash = '%s'", hex);
  assert_int_equal(db_int(q), 1);
  snprintf(q, sizeof q, "SELECT count(*) FROM audit WHERE instr(coalesce(new,'') || coalesce(old,''), '%s') > 0", hex);
  assert_int_equal(db_int(q), 0); /* not even the hash in the trail */
  /* A second link revokes the first; list shows both, newest first, without tokens. */
  assert_int_equal(clinic(&r, "diary-link", "issue", "S-1", NULL), 0);
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "list", "S-1", "--json", NULL), 0);
  assert_non_null(strstr(r.out, "{\"patient\":\"S-1\",\"links\":[{\"id\":2,\"patient\":\"S-1\""));
  assert_non_null(strstr(r.out, "\"state\":\"valid\"},{\"id\":1,"));
  assert_non_null(strstr(r.out, "\"state\":\"revoked\"}]}"));
  assert_null(strstr(r.out, tok));
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "revoke", "S-1", "--id", "1", NULL), 2);
  assert_non_null(strstr(r.err, "S-1 has no open diary link 1"));
  proc_free(&r);
  assert_int_equal(clinic(&r, "diary-link", "revoke", "S-1", NULL), 0);
  assert_string_equal(r.out, "S-1: 1 diary link revoked\n");
  proc_free(&r);
  /* Before the baseline: issued, but not valid yet. */
  assert_int_equal(clinic(&r, "diary-link", "issue", "B-1", NULL), 0);
  assert_non_null(strstr(r.out, "valid from the start of the baseline to the end of the trial (not-yet-valid)"));
  proc_free(&r);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'diary_link'"), 5); /* 3 issued, 2 revoked */
}

static void test_exchange(void **st) {
  (void)st;
  patients();
  add_user("nina", "nurse", "nurse-password-1");
  add_user("vera", "viewer", "viewer-password-1");
  proc_result_t r;
  assert_int_equal(clinic(&r, "diary-link", "issue", "B-1", NULL), 0);
  char not_yet[64];
  token_of(r.out, not_yet);
  proc_free(&r);
  console_start("--threads", "2");
  http_resp h;
  char v[400];
  /* No token, a wrong one, one before the baseline: refused with a page, no cookie. */
  assert_int_equal(http(&h, "GET", "/api/v1/diary/open", NULL, NULL), 404);
  assert_non_null(strstr(h.body, "Deze dagboeklink bestaat niet."));
  assert_string_equal(header(&h, "Content-Type", v, sizeof v), "text/html; charset=utf-8");
  assert_string_equal(header(&h, "Referrer-Policy", v, sizeof v), "no-referrer");
  assert_null(header(&h, "Set-Cookie", v, sizeof v));
  assert_int_equal(http(&h, "GET", "/api/v1/diary/open?token=short", NULL, NULL), 404);
  session_t d;
  assert_int_equal(open_link(not_yet, &d, &h), 403);
  assert_non_null(strstr(h.body, "Uw dagboek begint voor de proefperiode"));
  /* Roles: a viewer may not issue; a nurse may. */
  session_t vs, ns;
  char hdr[600];
  assert_int_equal(login(&vs, "vera", "viewer-password-1", &h), 200);
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-link", with_csrf(&vs, hdr, sizeof hdr), NULL), 403);
  assert_non_null(strstr(h.body, "\"forbidden\""));
  assert_int_equal(http(&h, "GET", "/api/v1/patients/S-1/diary-links", vs.cookie, NULL), 200);
  assert_int_equal(login(&ns, "nina", "nurse-password-1", &h), 200);
  assert_int_equal(http(&h, "POST", "/api/v1/patients/X-9/diary-link", with_csrf(&ns, hdr, sizeof hdr), NULL), 404);
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-link", ns.cookie, NULL), 403); /* no CSRF token */
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-link", with_csrf(&ns, hdr, sizeof hdr), NULL), 201);
  const char *u = strstr(h.body, "\"url\":\"http://127.0.0.1:");
  assert_non_null(u);
  char tok[64];
  token_of(u, tok);
  assert_false(log_has(tok));
  /* The exchange: 303 to the page, a cookie of its own with the flags, not the token. */
  assert_int_equal(open_link(tok, &d, &h), 303);
  assert_string_equal(header(&h, "Location", v, sizeof v), "/diary.html");
  assert_string_equal(header(&h, "Referrer-Policy", v, sizeof v), "no-referrer");
  header(&h, "Set-Cookie", v, sizeof v);
  assert_true(strncmp(v, "nmod_diary=", 11) == 0);
  assert_non_null(strstr(v, "; Path=/; HttpOnly; SameSite=Strict"));
  assert_null(strstr(v, tok));
  assert_null(strstr(v, "Secure")); /* plain HTTP: loopback only */
  /* Only what the page shows: no name, no code, no path. */
  assert_int_equal(http(&h, "GET", "/api/v1/diary", d.cookie, NULL), 200);
  assert_non_null(strstr(h.body, "{\"therapy\":\"scs\",\"today\":\"" TODAY "\",\"valid_from\":\"2026-03-03\",\"valid_to\":null,"));
  assert_null(strstr(h.body, "Jan"));
  assert_null(strstr(h.body, "S-1"));
  /* Values refused by the rules of diary add, each with its message; nothing stored. */
  char ch[600];
  snprintf(ch, sizeof ch, "%sX-CSRF-Token: %s\r\n", d.cookie, d.csrf);
  static const struct {
    const char *body;
    int status;
    const char *msg;
  } bad[] = {
      {"{\"date\":\"" TODAY "\",\"nrs\":7.5}", 400, "nrs '7.5' is not a whole number from 0 to 10\",\"field\":\"nrs\",\"max\":10"},
      {"{\"date\":\"" TODAY "\",\"nrs\":\"-1\"}", 400, "nrs '-1' is not a whole number from 0 to 10"},
      {"{\"date\":\"" TODAY "\",\"evening\":true}", 400, "evening must be a whole number from 0 to 10, not a boolean"},
      {"{\"date\":\"" TODAY "\"}", 400, "no pain score: give nrs, or morning and/or evening (0-10)"},
      {"{\"date\":\"" TODAY "\",\"pads\":\"2\"}", 400, "S-1 is an SCS patient: a pain diary has nrs, morning, evening, not bowel counts"},
      {"{\"date\":\"2026-02-30\",\"nrs\":\"2\"}", 400, "date '2026-02-30' is not a date: February 2026 has 28 days"},
      {"{\"date\":\"2026-03-02\",\"nrs\":\"2\"}", 400, "date 2026-03-02 is before your diary started on 2026-03-03"},
      {"{\"nrs\":\"2\"}", 400, "the body has no \\\"date\\\""},
      {"{\"date\":\"" TODAY "\",\"nrs\":\"2\",\"pid\":2}", 400, "the body has an unknown member \\\"pid\\\""},
      {"[1]", 400, "the body must be a JSON object"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int s = http(&h, "POST", "/api/v1/diary/days", ch, bad[i].body);
    if (s != bad[i].status || !strstr(h.body, bad[i].msg)) fail_msg("%s: %d %s", bad[i].body, s, h.body);
  }
  assert_int_equal(db_int("SELECT count(*) FROM diary"), 0);
  /* A big body: refused before it is read. */
  static char big[3000];
  memset(big, ' ', sizeof big - 1);
  big[0] = '{';
  big[sizeof big - 2] = '}';
  assert_int_equal(http(&h, "POST", "/api/v1/diary/days", ch, big), 413);
  /* Stored, then corrected the same day: audited under the link's patient, never the token. */
  assert_int_equal(http(&h, "POST", "/api/v1/diary/days", ch, "{\"date\":\"" TODAY "\",\"nrs\":7}"), 201);
  assert_int_equal(http(&h, "POST", "/api/v1/diary/days", ch, "{\"date\":\"" TODAY "\",\"nrs\":\"6\"}"), 200);
  assert_non_null(strstr(h.body, "\"replaced\":true"));
  assert_int_equal(db_int("SELECT nrs FROM diary WHERE date = '" TODAY "'"), 6);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'diary' AND actor = 'diary:S-1'"), 2);
  assert_int_equal(db_int("SELECT count(*) FROM audit WHERE tbl = 'diary_link' AND actor = 'console:nina'"), 1);
  /* The diary session is not a console session, nor the other way round. */
  assert_int_equal(http(&h, "GET", "/api/v1/patients/S-1/diary-links", d.cookie, NULL), 401);
  assert_int_equal(http(&h, "GET", "/api/v1/diary", ns.cookie, NULL), 401);
  /* Revoked through the API: the live diary session ends at once. */
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-links/99/revoke", with_csrf(&ns, hdr, sizeof hdr), NULL), 404);
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-links/x/revoke", with_csrf(&ns, hdr, sizeof hdr), NULL), 404);
  assert_int_equal(http(&h, "POST", "/api/v1/patients/S-1/diary-links/2/revoke", with_csrf(&ns, hdr, sizeof hdr), NULL), 200);
  assert_int_equal(http(&h, "POST", "/api/v1/diary/days", ch, "{\"date\":\"" TODAY "\",\"nrs\":\"1\"}"), 401);
  assert_int_equal(db_int("SELECT nrs FROM diary WHERE date = '" TODAY "'"), 6);
  assert_int_equal(open_link(tok, &d, &h), 410);
  assert_false(log_has(tok));
  console_stop();
}

/* Under TLS the diary cookie is __Host- prefixed and Secure, like the console's. */
static void test_tls_cookie(void **st) {
  (void)st;
  patients();
  proc_result_t r;
  assert_int_equal(clinic(&r, "diary-link", "issue", "S-1", NULL), 0);
  char tok[64];
  token_of(r.out, tok);
  proc_free(&r);
  char key[400], cert[400], url[300];
  make_cert(key, cert);
  console_start("--tls-cert", cert, "--tls-key", key, "--threads", "2");
  snprintf(url, sizeof url, "https://127.0.0.1:%d/api/v1/diary/open?token=%s", con_port, tok);
  char *open[] = {"/usr/bin/curl", "-sS", "-i", "--cacert", cert, url, NULL};
  assert_int_equal(proc_run(open, 30, &r), 0);
  assert_int_equal(r.code, 0);
  assert_non_null(strstr(r.out, "HTTP/1.1 303"));
  assert_non_null(strstr(r.out, "Set-Cookie: __Host-nmod_diary="));
  assert_non_null(strstr(r.out, "; Path=/; HttpOnly; SameSite=Strict; Secure"));
  proc_free(&r);
  console_stop();
}

int main(void) {
  setenv("NMOD_TODAY", TODAY, 1); /* the console's and the CLI's today */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_cli, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_exchange, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_tls_cookie, ct_setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
