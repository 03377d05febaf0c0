/* clinic_readout_test.c: read-outs taken from real `nmod sim` devices by the real programmer
 * and imported by the clinic: an SNM implant on a primary cell with an open contact (E2) and
 * a marked test-stimulation response, and an SCS implant on a rechargeable cell with three
 * programs and a fractional charge. Each imports without loss (the clinic's decoded copy is
 * the programmer's document), its lead alert and thresholds are rows, and the report shows
 * the open lead. */
#include "e2e.h"

#include <sqlite3.h>
#include "clinic_audit.h"
#include <sys/stat.h>

static char db[400];

#define CLINIC(r, ...) RUN(r, "clinic", "--db", db, __VA_ARGS__)

/* Deep equality of two parsed JSON values (numbers by their literal text). */
static int same(const js_val *a, const js_val *b) {
  if (a->type != b->type) return 0;
  switch (a->type) {
    case JS_NULL: return 1;
    case JS_BOOL: return a->boolean == b->boolean;
    case JS_NUM:
    case JS_STR: return strcmp(a->str, b->str) == 0;
    case JS_ARR:
      if (a->n != b->n) return 0;
      for (size_t i = 0; i < a->n; i++)
        if (!same(&a->items[i], &b->items[i])) return 0;
      return 1;
    case JS_OBJ:
      if (a->n != b->n) return 0;
      for (size_t i = 0; i < a->n; i++) {
        const js_val *v = js_get(b, a->keys[i]);
        if (!v || !same(&a->items[i], v)) return 0;
      }
      return 1;
  }
  return 0;
}

static js_val *file_json(const char *path, char **text) {
  size_t len;
  char err[256];
  if (js_read_file(path, 1 << 20, text, &len, err, sizeof err) != 0) fail_msg("%s", err);
  js_val *v = js_parse(*text, len, err, sizeof err);
  if (!v) fail_msg("%s: %s", path, err);
  return v;
}

/* interrogate --out FILE: 0600, and the same document as --json on stdout. */
static void take_readout(const char *out) {
  proc_result_t r;
  if (PROG(&r, "interrogate", "--out", out, "--json") != 0) fail_msg("interrogate: %s", r.err);
  struct stat sb;
  assert_int_equal(stat(out, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  char *text;
  js_val *f = file_json(out, &text);
  js_val *o = json_of(&r);
  assert_true(same(f, o));
  js_free(f);
  js_free(o);
  free(text);
  proc_free(&r);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void test_real_readouts(void **st_) {
  (void)st_;
  proc_result_t r;
  char ro1[400], ro2[400], therapy[400], html[400];
  snprintf(db, sizeof db, "%s/clinic.db", tmpdir);
  snprintf(ro1, sizeof ro1, "%s/snm.json", tmpdir);
  snprintf(ro2, sizeof ro2, "%s/scs.json", tmpdir);
  snprintf(therapy, sizeof therapy, "%s/three.json", tmpdir);
  snprintf(html, sizeof html, "%s/report.html", tmpdir);

  /* 1. SNM implant, primary cell, E2 open, a test-stimulation response marked on E1. */
  snprintf(state, sizeof state, "%s/snm", tmpdir);
  const char *snm[] = {"--kind", "ins", "--lead-fault", "E2=open", NULL};
  sim_start_argv(state, snm);
  if (PROG(&r, "program", example("snm-default.json")) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  if (PROG(&r, "test-stim", "E1", "--start-ma", "0.5", "--step-ma", "0.1", "--steps", "3", "--mark", "--stop") != 0)
    fail_msg("test-stim: %s", r.err);
  proc_free(&r);
  take_readout(ro1);
  sim_stop(SIGTERM);

  /* 2. SCS implant, rechargeable, three programs, therapy on until the charge is fractional. */
  snprintf(state, sizeof state, "%s/scs", tmpdir);
  const char *scs[] = {"--kind", "ins", "--therapy", "scs", "--lead", "scs-perc-8", "--battery", "rechargeable",
                       "--battery-pct", "87", NULL};
  sim_start_argv(state, scs);
  write_text(therapy,
             "{\"format\":\"nmod-therapy/1\",\"therapy\":\"scs\",\"lead\":\"scs-perc-8\",\"programs\":["
             "{\"name\":\"low back\",\"waveform\":\"tonic\",\"rate_hz\":50,\"width_us\":300,\"amplitude_ma\":3.5,"
             "\"patient_range_ma\":[2,5],\"electrodes\":{\"E2\":50,\"E3\":-100,\"E4\":50}},"
             "{\"name\":\"leg\",\"waveform\":\"tonic\",\"rate_hz\":40,\"width_us\":250,\"amplitude_ma\":2.2,"
             "\"patient_range_ma\":[1,4],\"electrodes\":{\"E5\":-100,\"E6\":100},\"running\":false},"
             "{\"name\":\"night\",\"waveform\":\"tonic\",\"rate_hz\":30,\"width_us\":200,\"amplitude_ma\":1.5,"
             "\"patient_range_ma\":[1,3],\"electrodes\":{\"E0\":-100,\"E1\":100},\"running\":false}]}");
  if (PROG(&r, "program", therapy) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  int fractional = 0;
  for (int i = 0; i < 120 && !fractional; i++) {
    assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
    js_val *v = json_of(&r);
    fractional = strchr(js_get(js_get(v, "battery"), "pct")->str, '.') != NULL;
    js_free(v);
    proc_free(&r);
    if (!fractional) {
      struct timespec ts = {0, 250000000};
      nanosleep(&ts, NULL);
    }
  }
  assert_true(fractional);
  take_readout(ro2);
  sim_stop(SIGTERM);

  /* 3. The clinic imports both, each into a patient of the same therapy. */
  setenv("NMOD_TODAY", "2026-12-01", 1);
  assert_int_equal(CLINIC(&r, "patient", "add", "S1", "--therapy", "snm", "--name", "A. de Vries", "--birth", "1961-05-12"), 0);
  proc_free(&r);
  assert_int_equal(CLINIC(&r, "patient", "add", "P2", "--therapy", "scs", "--name", "B. Jansen", "--birth", "1970-02-03"), 0);
  proc_free(&r);
  assert_int_equal(CLINIC(&r, "import-interrogation", "S1", ro1, "--date", "2026-11-30"), 0);
  assert_non_null(strstr(r.out, "LEAD E2 open"));
  proc_free(&r);
  assert_int_equal(CLINIC(&r, "import-interrogation", "P2", ro2, "--date", "2026-11-30"), 0);
  proc_free(&r);
  /* The wrong patient's device is refused, and nothing is stored. */
  assert_int_equal(CLINIC(&r, "import-interrogation", "S1", ro2), 2);
  assert_non_null(strstr(r.err, "scs device"));
  proc_free(&r);

  const char *files[2] = {ro1, ro2}, *who[2] = {"S1", "P2"};
  for (int k = 0; k < 2; k++) {
    assert_int_equal(CLINIC(&r, "visit", "list", who[k], "--json"), 0);
    js_val *v = json_of(&r);
    proc_free(&r);
    const js_val *vis = js_get(v, "visits");
    assert_int_equal(vis->n, 1);
    const js_val *it = js_get(&vis->items[0], "interrogation");
    char *text;
    js_val *doc = file_json(files[k], &text);
    /* Without loss: the clinic's decoded copy is the programmer's document. */
    assert_true(same(js_get(it, "readout"), doc));
    assert_string_equal(js_get(it, "battery_pct")->str, js_get(js_get(doc, "battery"), "pct")->str);
    if (k == 0) {
      assert_string_equal(js_get(it, "lead_alerts")->str, "E2 open");
      assert_string_equal(js_get(it, "test_thresholds")->str, "E1 0.8 mA");
    } else {
      assert_string_equal(js_get(it, "lead_alerts")->str, "");
      assert_int_equal(js_get(js_get(it, "readout"), "programs")->n, 3);
      assert_non_null(strchr(js_get(it, "battery_pct")->str, '.'));
    }
    js_free(doc);
    free(text);
    js_free(v);
  }
  /* The open lead in the report. */
  assert_int_equal(CLINIC(&r, "report", "S1", "--out", html), 0);
  proc_free(&r);
  char *text;
  size_t len;
  char err[256];
  assert_int_equal(js_read_file(html, 1 << 22, &text, &len, err, sizeof err), 0);
  assert_non_null(strstr(text, "E2 open"));
  assert_non_null(strstr(text, "E1 0.8 mA"));
  free(text);
  /* The invented shape of the old test fixture is not a read-out. */
  char bad[400];
  snprintf(bad, sizeof bad, "%s/bad.json", tmpdir);
  write_text(bad, "{\"serial\":\"INS-42\",\"impedances\":[{\"contact\":\"E3\",\"ohm\":40,\"class\":\"short\"}]}");
  assert_int_equal(CLINIC(&r, "import-interrogation", "S1", bad), 2);
  assert_non_null(strstr(r.err, "has no \"kind\""));
  proc_free(&r);
  assert_int_equal(CLINIC(&r, "check-db"), 0);
  proc_free(&r);
  /* check-db's read-out check: a stored document that no longer decodes is reported. */
  sqlite3 *h;
  assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
  assert_int_equal(clinic_audit_attach_os(h), 0); /* a change without an actor is refused */
  assert_int_equal(sqlite3_exec(h, "UPDATE interrogation SET doc = '{\"serial\":\"x\"}' WHERE id = 2", NULL, NULL, NULL), SQLITE_OK);
  sqlite3_close(h);
  assert_int_equal(CLINIC(&r, "check-db"), 1);
  assert_non_null(strstr(r.out, "read-out 2 no longer decodes"));
  proc_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_real_readouts, e2e_setup, e2e_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
