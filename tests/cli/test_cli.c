/* test_cli.c: end-to-end tests of build/nmod check, simulate and plot, run as real
 * processes: exit codes, one-line errors that name the problem, JSON shapes and values. */
#include "proc.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "json.h"

static char tmpdir[256];
static char src[512];

static int runv(proc_result_t *r, ...) {
  char *argv[16] = {(char *)proc_nmod()};
  int n = 1;
  va_list ap;
  va_start(ap, r);
  for (char *a; n < 15 && (a = va_arg(ap, char *)) != NULL;) argv[n++] = a;
  va_end(ap);
  argv[n] = NULL;
  assert_int_equal(proc_run(argv, 120, r), 0);
  assert_false(r->signaled); /* never a crash */
  return r->code;
}
#define RUN(r, ...) runv(r, __VA_ARGS__, (char *)NULL)

static const char *example(const char *name) {
  static char buf[4][600];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/examples/%s", src, name);
  return buf[k];
}

static const char *write_tmp(const char *name, const char *text) {
  static char buf[32][600];
  static int k;
  k = (k + 1) % 32;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
  FILE *f = fopen(buf[k], "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  return buf[k];
}

/* An error is one line on stderr, starting with "nmod CMD: " and containing `what`. */
static void assert_one_line_error(const proc_result_t *r, const char *cmd, const char *what) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, "nmod %s: ", cmd);
  if (proc_lines(r->err) != 1 || strncmp(r->err, prefix, strlen(prefix)) != 0 || !strstr(r->err, what)) {
    fail_msg("expected one line '%s...%s...', got: %s", prefix, what, r->err);
  }
}

static js_val *parse_out(const proc_result_t *r) {
  char err[256];
  js_val *v = js_parse(r->out, r->out_len, err, sizeof err);
  if (!v) fail_msg("stdout is not JSON (%s): %s", err, r->out);
  return v;
}

static double num(const js_val *v) {
  assert_non_null(v);
  assert_int_equal(v->type, JS_NUM);
  return strtod(v->str, NULL);
}

static const char *str(const js_val *v) {
  assert_non_null(v);
  assert_int_equal(v->type, JS_STR);
  return v->str;
}

#define SNM_HEAD "{\"format\":\"nmod-therapy/1\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"programs\":["
#define SCS_HEAD "{\"format\":\"nmod-therapy/1\",\"therapy\":\"scs\",\"lead\":\"scs-perc-8\",\"programs\":["
#define TONIC(name, amp, pt) \
  "{\"name\":\"" name "\",\"waveform\":\"tonic\",\"rate_hz\":14,\"width_us\":210,\"amplitude_ma\":" amp \
  ",\"patient_range_ma\":" pt ",\"electrodes\":{\"E0\":-100,\"E3\":100}}"

static void test_check_examples(void **state) {
  (void)state;
  const char *names[] = {"snm-default.json", "scs-tonic.json", "scs-burst.json", "scs-hf10k.json"};
  proc_result_t r;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(RUN(&r, "check", example(names[i])), 0);
    assert_non_null(strstr(r.out, "verdict: ok"));
    proc_free(&r);
  }
  /* JSON values for the SNM default at the patient's maximum, 3.0 mA x 210 us. */
  assert_int_equal(RUN(&r, "check", example("snm-default.json"), "--json"), 0);
  js_val *v = parse_out(&r);
  assert_string_equal(str(js_get(v, "verdict")), "ok");
  const js_val *progs = js_get(v, "programs");
  assert_int_equal(progs->n, 1);
  const js_val *p = &progs->items[0];
  assert_string_equal(str(js_get(p, "name")), "default");
  assert_string_equal(str(js_get(p, "verdict")), "ok");
  const js_val *c = js_get(p, "contacts");
  assert_int_equal(c->n, 2);
  assert_string_equal(str(js_get(&c->items[0], "contact")), "E0");
  assert_int_equal((int)num(js_get(&c->items[0], "fraction_pct")), -100);
  assert_true(fabs(num(js_get(&c->items[0], "charge_uc")) - 0.63) < 1e-9);
  /* D = 0.63 uC / (pi x 0.127 cm x 0.3 cm) = 5.2633 uC/cm2; k = log10(0.63) + log10(D). */
  assert_true(fabs(num(js_get(&c->items[0], "density_uc_cm2")) - 5.2633) < 1e-3);
  assert_true(fabs(num(js_get(&c->items[0], "shannon_k")) - 0.5206) < 1e-3);
  assert_string_equal(str(js_get(&c->items[1], "contact")), "E3");
  assert_int_equal((int)num(js_get(&c->items[1], "fraction_pct")), 100);
  js_free(v);
  proc_free(&r);
}

static void test_check_refusals(void **state) {
  (void)state;
  struct {
    const char *file, *text, *reason;
  } cases[] = {
      {"amp.json", SNM_HEAD TONIC("a", "30", "[0, 3]") "]}", "out of range 0-25.5 mA"},
      {"shannon.json", SNM_HEAD TONIC("a", "1.0", "[0, 14]") "]}", "Shannon k"},
      {"density.json",
       "{\"format\":\"nmod-therapy/1\",\"therapy\":\"scs\",\"lead\":{\"contacts\":4,\"contact_area_mm2\":5},"
       "\"programs\":[{\"name\":\"d\",\"waveform\":\"tonic\",\"rate_hz\":20,\"width_us\":301,\"amplitude_ma\":5,"
       "\"electrodes\":{\"E0\":-100,\"E1\":100}}]}",
       "exceeds 30 uC/cm2"},
      {"contact.json",
       SNM_HEAD "{\"name\":\"a\",\"waveform\":\"tonic\",\"rate_hz\":14,\"width_us\":210,\"amplitude_ma\":1,"
                "\"electrodes\":{\"E0\":-100,\"E5\":100}}]}",
       "E5 is not on lead snm-tined-4"},
      {"fit.json",
       SCS_HEAD "{\"name\":\"hf\",\"waveform\":\"high-frequency\",\"width_us\":60,\"amplitude_ma\":1,"
                "\"electrodes\":{\"E0\":-100,\"E1\":100}}]}",
       "does not fit"},
      {"two.json", SNM_HEAD TONIC("a", "1", "[0, 2]") "," TONIC("b", "1", "[0, 2]") "]}", "one program at a time"},
      {"cycle.json",
       SCS_HEAD "{\"name\":\"c\",\"waveform\":\"tonic\",\"rate_hz\":40,\"width_us\":200,\"amplitude_ma\":1,"
                "\"cycling\":{\"on_s\":1,\"off_s\":5},\"ramp_s\":0.6,\"electrodes\":{\"E0\":-100,\"E1\":100}}]}",
       "half the cycling on time"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    proc_result_t r;
    const char *f = write_tmp(cases[i].file, cases[i].text);
    if (RUN(&r, "check", f) != 3 || !strstr(r.out, cases[i].reason) || !strstr(r.out, "verdict: refuse")) {
      fail_msg("%s: exit %d, expected 3 and '%s' in: %s%s", cases[i].file, r.code, cases[i].reason, r.out, r.err);
    }
    proc_free(&r);
    assert_int_equal(RUN(&r, "check", f, "--json"), 3);
    js_val *v = parse_out(&r);
    assert_string_equal(str(js_get(v, "verdict")), "refuse");
    js_free(v);
    proc_free(&r);
  }
}

static void test_check_warning(void **state) {
  (void)state;
  proc_result_t r;
  const char *f = write_tmp("warn.json",
                            "{\"format\":\"nmod-therapy/1\",\"therapy\":\"scs\",\"lead\":\"scs-perc-8\","
                            "\"impedance_ohm\":2000,\"programs\":[{\"name\":\"w\",\"waveform\":\"tonic\","
                            "\"rate_hz\":50,\"width_us\":200,\"amplitude_ma\":6.1,\"electrodes\":{\"E0\":-100,"
                            "\"E1\":100}}]}");
  assert_int_equal(RUN(&r, "check", f, "--json"), 0);
  js_val *v = parse_out(&r);
  assert_string_equal(str(js_get(v, "verdict")), "warn");
  const js_val *reasons = js_get(&js_get(v, "programs")->items[0], "reasons");
  assert_int_equal(reasons->n, 1);
  assert_non_null(strstr(str(&reasons->items[0]), "compliance"));
  js_free(v);
  proc_free(&r);
}

static void test_check_invalid_files(void **state) {
  (void)state;
  proc_result_t r;
  char big_path[600];
  snprintf(big_path, sizeof big_path, "%s/big.json", tmpdir);
  FILE *f = fopen(big_path, "w");
  for (int i = 0; i < 2 * 1024 * 1024 / 16; i++) fputs("                ", f);
  fclose(f);
  struct {
    const char *path, *what;
  } cases[] = {
      {"/nonexistent/therapy.json", "No such file"},
      {tmpdir, "is a directory"},
      {write_tmp("empty.json", ""), "empty"},
      {big_path, "1048576"},
      {write_tmp("garbage.json", "\x01\x02\xff\xfe garbage"), "line 1"},
      {write_tmp("trunc.json", SNM_HEAD TONIC("a", "1", "[0,3]")), "line 1"},
      {write_tmp("missing.json", SNM_HEAD "{\"name\":\"a\",\"waveform\":\"tonic\",\"rate_hz\":14,\"amplitude_ma\":1,"
                                          "\"electrodes\":{\"E0\":-100,\"E3\":100}}]}"),
       "width_us"},
      {write_tmp("type.json", SNM_HEAD TONIC("a", "\"1.0\"", "[0,3]") "]}"), "amplitude_ma"},
      {write_tmp("neg.json", SNM_HEAD TONIC("a", "-1", "[0,3]") "]}"), "amplitude_ma"},
      {write_tmp("units.json", SNM_HEAD "{\"name\":\"a\",\"waveform\":\"tonic\",\"rate_hz\":14,\"width_ms\":0.21,"
                                        "\"amplitude_ma\":1,\"electrodes\":{\"E0\":-100,\"E3\":100}}]}"),
       "width_ms"},
      {write_tmp("therapy.json", "{\"format\":\"nmod-therapy/1\",\"therapy\":\"dbs\",\"lead\":\"snm-tined-4\","
                                 "\"programs\":[" TONIC("a", "1", "[0,3]") "]}"),
       "therapy"},
      {write_tmp("lead.json", "{\"format\":\"nmod-therapy/1\",\"therapy\":\"snm\",\"lead\":\"snm-tined-5\","
                              "\"programs\":[" TONIC("a", "1", "[0,3]") "]}"),
       "lead"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (RUN(&r, "check", cases[i].path) != 2) fail_msg("%s: exit %d, expected 2: %s", cases[i].path, r.code, r.err);
    assert_one_line_error(&r, "check", cases[i].what);
    assert_int_equal(r.out_len, 0);
    proc_free(&r);
  }
  /* Every committed bad file too. */
  char dir[600], path[900];
  snprintf(dir, sizeof dir, "%s/tests/therapy/bad", src);
  const char *bad[] = {"amplitude-string.json", "amplitude-too-fine.json", "amplitude-ua.json", "duplicate-names.json",
                       "electrode-e16.json", "empty-programs.json", "nine-programs.json", "root-array.json",
                       "syntax-missing-comma.json", "width-fraction.json", "wrong-format.json"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, bad[i]);
    assert_int_equal(RUN(&r, "check", path), 2);
    assert_one_line_error(&r, "check", bad[i]);
    proc_free(&r);
  }
}

static void test_usage_errors(void **state) {
  (void)state;
  proc_result_t r;
  const char *ex = example("snm-default.json");
  assert_int_equal(RUN(&r, "check"), 2);
  assert_one_line_error(&r, "check", "usage: nmod check THERAPY.json");
  proc_free(&r);
  assert_int_equal(RUN(&r, "check", ex, "--frobnicate"), 2);
  assert_one_line_error(&r, "check", "--frobnicate");
  proc_free(&r);
  assert_int_equal(RUN(&r, "check", ex, ex), 2);
  assert_one_line_error(&r, "check", "unexpected");
  proc_free(&r);
  assert_int_equal(RUN(&r, "simulate", ex), 2);
  assert_one_line_error(&r, "simulate", "--duration");
  proc_free(&r);
  const char *bad_durations[] = {"24 hours", "-5s", "0s", "200y", "1.5", "h", "5x", "1.0001s"};
  for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
    assert_int_equal(RUN(&r, "simulate", ex, "--duration", bad_durations[i]), 2);
    assert_one_line_error(&r, "simulate", "--duration");
    proc_free(&r);
  }
  assert_int_equal(RUN(&r, "simulate", ex, "--duration"), 2);
  assert_one_line_error(&r, "simulate", "needs a value");
  proc_free(&r);
  char csv[600];
  snprintf(csv, sizeof csv, "%s/t.csv", tmpdir);
  assert_int_equal(RUN(&r, "simulate", ex, "--duration", "1s", "--trace", csv, "--trace-window", "2s..1s"), 2);
  assert_one_line_error(&r, "simulate", "--trace-window");
  proc_free(&r);
  assert_int_equal(RUN(&r, "simulate", ex, "--duration", "1s", "--trace", "/nonexistent/t.csv"), 2);
  assert_one_line_error(&r, "simulate", "/nonexistent/t.csv");
  proc_free(&r);
  assert_int_equal(RUN(&r, "plot", ex), 2);
  assert_one_line_error(&r, "plot", "--out");
  proc_free(&r);
  assert_int_equal(RUN(&r, "frobnicate"), 2);
  assert_int_equal(proc_lines(r.err), 1);
  proc_free(&r);
}

static void test_simulate_hf_day(void **state) {
  (void)state;
  proc_result_t r;
  assert_int_equal(RUN(&r, "simulate", example("scs-hf10k.json"), "--duration", "24h", "--json"), 0);
  js_val *v = parse_out(&r);
  assert_int_equal((long long)num(js_get(v, "pulses")), 864000000LL);
  assert_int_equal((long long)num(js_get(v, "duration_s")), 86400);
  double hf_wakeups = num(js_get(v, "wakeups"));
  assert_true(hf_wakeups / 86400.0 < 10.0);
  const js_val *c = js_get(v, "contacts");
  assert_int_equal(c->n, 2);
  for (size_t i = 0; i < c->n; i++) {
    assert_int_equal((long long)num(js_get(&c->items[i], "pulses")), 864000000LL);
    assert_true(num(js_get(&c->items[i], "net_charge_nc")) == 0.0);
  }
  assert_true(num(js_get(v, "battery_used_uah")) > 0);
  js_free(v);
  proc_free(&r);
  /* The 14 Hz SNM default costs the core the same order of wake-ups. */
  assert_int_equal(RUN(&r, "simulate", example("snm-default.json"), "--duration", "24h", "--json"), 0);
  v = parse_out(&r);
  assert_int_equal((long long)num(js_get(v, "pulses")), 14LL * 86400LL);
  double snm_wakeups = num(js_get(v, "wakeups"));
  assert_true(hf_wakeups / snm_wakeups < 2.0 && snm_wakeups / hf_wakeups < 2.0);
  js_free(v);
  proc_free(&r);
}

static void test_simulate_trace(void **state) {
  (void)state;
  proc_result_t r;
  char csv[600];
  snprintf(csv, sizeof csv, "%s/burst.csv", tmpdir);
  /* One burst period after the soft start: 5 stimulating phases and one recharge. */
  assert_int_equal(RUN(&r, "simulate", example("scs-burst.json"), "--duration", "5s", "--trace", csv, "--trace-window",
                       "2s..2.025s"),
                   0);
  proc_free(&r);
  FILE *f = fopen(csv, "r");
  assert_non_null(f);
  char line[512];
  int stim = 0, rech = 0, rows = 0;
  assert_non_null(fgets(line, sizeof line, f));
  assert_int_equal(strncmp(line, "time_us,program,phase,width_us,E0_ua", 36), 0);
  while (fgets(line, sizeof line, f)) {
    rows++;
    if (strstr(line, ",stim,1000,")) stim++;
    if (strstr(line, ",recharge,5000,")) rech++;
  }
  fclose(f);
  assert_int_equal(stim, 5);
  assert_int_equal(rech, 1);
  assert_int_equal(rows, 6);
}

static void test_simulate_refused(void **state) {
  (void)state;
  proc_result_t r;
  const char *f = write_tmp("sim-refused.json", SNM_HEAD TONIC("a", "1.0", "[0, 14]") "]}");
  assert_int_equal(RUN(&r, "simulate", f, "--duration", "1h"), 3);
  assert_non_null(strstr(r.err, "Shannon"));
  proc_free(&r);
}

static void test_plot(void **state) {
  (void)state;
  proc_result_t r;
  char svg[600];
  snprintf(svg, sizeof svg, "%s/p.svg", tmpdir);
  assert_int_equal(RUN(&r, "plot", example("scs-burst.json"), "--out", svg), 0);
  proc_free(&r);
  FILE *f = fopen(svg, "r");
  assert_non_null(f);
  char head[64] = {0};
  assert_true(fread(head, 1, sizeof head - 1, f) > 10);
  fclose(f);
  assert_int_equal(strncmp(head, "<svg", 4), 0);
  const char *bad = write_tmp("plot-refused.json", SNM_HEAD TONIC("a", "1.0", "[0, 14]") "]}");
  assert_int_equal(RUN(&r, "plot", bad, "--out", svg), 3);
  proc_free(&r);
  /* --posture: the distance, the amplitude and the ECAP with its window, over the trace. */
  char trace[600];
  snprintf(trace, sizeof trace, "%s", example("posture-hard.csv"));
  assert_int_equal(RUN(&r, "plot", example("scs-closed-loop.json"), "--posture", trace, "--duration", "120s", "--out", svg), 0);
  assert_non_null(strstr(r.out, "in the window"));
  proc_free(&r);
  f = fopen(svg, "r");
  assert_non_null(f);
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  int bands = 0;
  for (const char *p = text; (p = strstr(p, "class=\"band\"")) != NULL; p++) bands++;
  assert_int_equal(bands, 3);
  assert_non_null(strstr(text, "class=\"window\""));
  assert_non_null(strstr(text, "class=\"target\""));
  assert_non_null(strstr(text, "</svg>"));
  assert_int_equal(RUN(&r, "plot", example("scs-closed-loop.json"), "--posture", trace, "--duration", "700s", "--out", svg), 2);
  assert_one_line_error(&r, "plot", "before the 700");
  proc_free(&r);
  assert_int_equal(RUN(&r, "plot", example("scs-tonic.json"), "--posture", trace, "--out", svg), 2);
  assert_one_line_error(&r, "plot", "closed_loop");
  proc_free(&r);
  assert_int_equal(RUN(&r, "plot", example("scs-closed-loop.json"), "--cord", trace, "--out", svg), 2);
  assert_one_line_error(&r, "plot", "--posture");
  proc_free(&r);
}

/* Issue 15's "done when", on both example posture traces with --compare-open-loop: the
 * closed loop's mean ECAP deviation at least 20x lower than open loop, at least 95 % of the
 * pulses in the window, none above discomfort, none over a safety limit or the ceiling. */
static void test_closed_loop_examples(void **state) {
  (void)state;
  static const struct {
    const char *trace, *dur;
  } runs[] = {{"posture-hard.csv", "600s"}, {"posture-day.csv", "24h"}};
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    proc_result_t r;
    char trace[600];
    snprintf(trace, sizeof trace, "%s", example(runs[i].trace));
    assert_int_equal(RUN(&r, "simulate", example("scs-closed-loop.json"), "--posture", trace, "--duration",
                         runs[i].dur, "--compare-open-loop", "--json"),
                     0);
    js_val *v = parse_out(&r);
    const js_val *cl = js_get(v, "closed_loop"), *ol = js_get(v, "open_loop");
    assert_non_null(cl);
    assert_non_null(ol);
    double dev_cl = num(js_get(cl, "mean_deviation_uv")), dev_ol = num(js_get(ol, "mean_deviation_uv"));
    printf("  %s: mean deviation %.3f uV closed, %.3f uV open (%.1fx); %.3f %% in the window\n", runs[i].trace, dev_cl,
           dev_ol, dev_ol / dev_cl, num(js_get(cl, "in_window_pct")));
    assert_true(dev_cl > 0 && dev_ol >= 20.0 * dev_cl);
    assert_true(num(js_get(v, "deviation_ratio")) >= 20.0);
    assert_true(num(js_get(cl, "in_window_pct")) >= 95.0);
    assert_true(num(js_get(cl, "above_discomfort")) == 0.0);
    assert_true(num(js_get(cl, "over_safety_limit")) == 0.0);
    assert_true(num(js_get(cl, "over_loop_ceiling")) == 0.0);
    assert_true(num(js_get(ol, "over_safety_limit")) == 0.0);
    assert_string_equal(js_get(cl, "loop_at_end")->str, "on");
    /* The core wakes far less than 60 times per therapy second with the loop on. */
    assert_true(num(js_get(cl, "wakeups_per_s")) < 60.0);
    js_free(v);
    proc_free(&r);
  }
}

/* Bad posture traces and cord files: a one-line error naming what is wrong, exit 2. */
static void test_closed_loop_bad_input(void **state) {
  (void)state;
  static const struct {
    const char *name, *text, *what;
  } traces[] = {
      {"back.csv", "t_s,csf_mm\n0,3\n2,3.5\n1,4\n", "line 4"},
      {"neg.csv", "t_s,csf_mm\n0,3\n1,-0.5\n", "negative"},
      {"absurd.csv", "t_s,csf_mm\n0,3\n1,40\n", "line 3"},
      {"header.csv", "time,csf\n0,3\n", "t_s,csf_mm"},
      {"short.csv", "t_s,csf_mm\n0,3\n5,3\n", "before"},
  };
  const char *ex = example("scs-closed-loop.json");
  for (size_t i = 0; i < sizeof traces / sizeof traces[0]; i++) {
    proc_result_t r;
    const char *f = write_tmp(traces[i].name, traces[i].text);
    assert_int_equal(RUN(&r, "simulate", ex, "--posture", f, "--duration", "10s"), 2);
    assert_one_line_error(&r, "simulate", traces[i].what);
    proc_free(&r);
  }
  proc_result_t r;
  const char *ok = write_tmp("ok.csv", "t_s,csf_mm\n0,3\n20,3\n");
  const char *cord = write_tmp("cord.json", "{\"format\": \"nmod-cord/1\", \"noise_uv\": 500}");
  assert_int_equal(RUN(&r, "simulate", ex, "--posture", ok, "--cord", cord, "--duration", "10s"), 2);
  assert_one_line_error(&r, "simulate", "noise_uv");
  proc_free(&r);
  cord = write_tmp("cord2.json", "{\"format\": \"nmod-cord/1\", \"noise\": 2}");
  assert_int_equal(RUN(&r, "simulate", ex, "--posture", ok, "--cord", cord, "--duration", "10s"), 2);
  assert_one_line_error(&r, "simulate", "noise");
  proc_free(&r);
  /* The documented default, written out, is accepted and changes nothing. */
  char def[600];
  snprintf(def, sizeof def, "%s", example("cord-default.json"));
  assert_int_equal(RUN(&r, "simulate", ex, "--posture", ok, "--cord", def, "--duration", "10s", "--json"), 0);
  proc_free(&r);
  /* A therapy without a closed loop cannot take a posture trace. */
  assert_int_equal(RUN(&r, "simulate", example("scs-tonic.json"), "--posture", ok, "--duration", "10s"), 2);
  assert_one_line_error(&r, "simulate", "closed_loop");
  proc_free(&r);
}

static int setup(void **state) {
  (void)state;
  const char *s = getenv("NMOD_SRC");
  snprintf(src, sizeof src, "%s", s ? s : ".");
  snprintf(tmpdir, sizeof tmpdir, "/tmp/nmod-cli-XXXXXX");
  if (!mkdtemp(tmpdir)) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_examples),  cmocka_unit_test(test_check_refusals),
      cmocka_unit_test(test_check_warning),   cmocka_unit_test(test_check_invalid_files),
      cmocka_unit_test(test_usage_errors),    cmocka_unit_test(test_simulate_hf_day),
      cmocka_unit_test(test_simulate_trace),  cmocka_unit_test(test_simulate_refused),
      cmocka_unit_test(test_plot),
      cmocka_unit_test(test_closed_loop_examples),
      cmocka_unit_test(test_closed_loop_bad_input),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
