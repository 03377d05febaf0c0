/* test_keyfile.c: key files (host/lib/keyfile.c): what kf_write writes kf_read reads back,
 * and what is refused: a serial that is not a device serial (found by tests/fuzz/
 * fuzz_keyfile: a serial with a newline or an escape character was accepted and then
 * printed in "this key is for device ..." messages), bad hex, a key file others can read;
 * and no message shows the secret, even when the JSON reader quotes it. */
#include "proc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyfile.h"
#include "nmod/core.h"

static char tmpdir[256];

static const char *key_text(const char *serial, const char *key_id, const char *secret) {
  static char buf[512];
  snprintf(buf, sizeof buf, "{\"format\":\"nmod-key/1\",\"role\":\"patient\",\"serial\":\"%s\",\"key_id\":\"%s\",\"secret\":\"%s\"}\n",
           serial, key_id, secret);
  return buf;
}

#define ID "00112233445566ff"
#define SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void test_write_read(void **state_) {
  (void)state_;
  kf_key_t k = {NM_ROLE_CLINICIAN, "INS-SNM-0A1B2C3D", {1, 2, 3, 4, 5, 6, 7, 8}, {9}}, back;
  char path[300], err[512];
  snprintf(path, sizeof path, "%s/a.key", tmpdir);
  assert_int_equal(kf_write(path, &k, err, sizeof err), 0);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(kf_read(path, &back, err, sizeof err), 0);
  assert_memory_equal(&k, &back, sizeof k);
  /* Never replaced; refused once others can read it. */
  assert_int_equal(kf_write(path, &k, err, sizeof err), -1);
  chmod(path, 0644);
  assert_int_equal(kf_read(path, &back, err, sizeof err), -1);
  assert_non_null(strstr(err, "chmod 600"));
}

static void test_serial(void **state_) {
  (void)state_;
  kf_key_t k;
  char err[512];
  const char *t = key_text("ETS-SCS-00000001", ID, SECRET);
  assert_int_equal(kf_parse(t, strlen(t), "k.key", &k, err, sizeof err), 0);
  assert_string_equal(k.serial, "ETS-SCS-00000001");
  static const char *const bad[] = {"", "ETS-SCS-000000012", "ETS\\nSCS", "ETS\\u001b[2J", "ETS-\\u00e9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    t = key_text(bad[i], ID, SECRET);
    err[0] = '\0';
    assert_int_equal(kf_parse(t, strlen(t), "k.key", &k, err, sizeof err), -1);
    if (!strstr(err, "\"serial\" must be 1-16 printable ASCII")) fail_msg("serial \"%s\": %s", bad[i], err);
    assert_null(strchr(err, '\n'));
    kf_key_t zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&k, &zero, sizeof k);
  }
}

static void test_hex(void **state_) {
  (void)state_;
  kf_key_t k;
  char err[512];
  const char *t = key_text("ETS-SCS-00000001", "00112233445566f", SECRET);
  assert_int_equal(kf_parse(t, strlen(t), "k.key", &k, err, sizeof err), -1);
  assert_non_null(strstr(err, "\"key_id\" must be 16 hex digits"));
  t = key_text("ETS-SCS-00000001", ID, SECRET "0");
  assert_int_equal(kf_parse(t, strlen(t), "k.key", &k, err, sizeof err), -1);
  assert_non_null(strstr(err, "\"secret\" must be 64 hex digits"));
  assert_null(strstr(err, SECRET)); /* the secret is never in a message */
  /* Not even when the JSON reader would quote it (found by fuzz_keyfile). */
  const char *dup = "{\"" SECRET "\":1,\"" SECRET "\":2}";
  assert_int_equal(kf_parse(dup, strlen(dup), "k.key", &k, err, sizeof err), -1);
  assert_non_null(strstr(err, "duplicate key"));
  assert_null(strstr(err, "0001020304050607"));
}

/* The programmer refuses a key file with a serial holding a newline before it connects:
 * one line, exit 2 (it used to try the device and print the serial's two lines). */
static void test_programmer_refuses_bad_serial(void **state_) {
  (void)state_;
  char path[300];
  snprintf(path, sizeof path, "%s/newline.key", tmpdir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(key_text("INS\\nSNM", ID, SECRET), f);
  assert_int_equal(fclose(f), 0);
  chmod(path, 0600);
  char *argv[] = {(char *)proc_nmod(), "remote", "--device", "127.0.0.1:1", "--key", path, "status", NULL};
  proc_result_t r;
  assert_int_equal(proc_run(argv, 20, &r), 0);
  assert_int_equal(r.code, 2);
  assert_non_null(strstr(r.err, "\"serial\" must be"));
  assert_int_equal(proc_lines(r.err), 1);
  proc_free(&r);
}

static int setup(void **state_) {
  (void)state_;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nmod-keyfile-XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state_) {
  (void)state_;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_write_read),
      cmocka_unit_test(test_serial),
      cmocka_unit_test(test_hex),
      cmocka_unit_test(test_programmer_refuses_bad_serial),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
