/* test_calibration.c: calibration as code. Every published point of
 * tests/data/battery_calibration.json against nmod's figure on its profile, each within its
 * two-sided tolerance (printed); the profiles' fitted parameters (at most two, named in the
 * file) re-derived from their fit points and held against the table in
 * firmware/core/profile.c; the held-out points never fitted. */
#include "testutil.h"
#include "cal.h"

static js_val *cal;

/* The points of the table: none may be dropped. */
static const char *const required[] = {"rsnm-p69",       "rsnm-p98",     "senza-100",         "senza-14",
                                       "senza-3",        "eterna-nominal", "interstim-mean",  "f15-standard",
                                       "f15-energy-saving", "r20-one-hour"};

static int setup(void **state) {
  (void)state;
  cal = cal_load();
  return cal ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  js_free(cal);
  return 0;
}

static const js_val *points(void) {
  const js_val *p = js_get(cal, "points");
  assert_non_null(p);
  assert_int_equal(p->type, JS_ARR);
  return p;
}

static void test_required_points(void **state) {
  (void)state;
  const js_val *pts = points();
  for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
    int found = 0;
    for (size_t i = 0; i < pts->n; i++) found |= strcmp(cal_str(&pts->items[i], "id"), required[r]) == 0;
    if (!found) printf("  missing point %s\n", required[r]);
    assert_true(found);
  }
  /* Every point names a known profile, metric, source, tolerance and role; a held-out
   * point fits nothing. */
  const js_val *sources = js_get(cal, "sources");
  for (size_t i = 0; i < pts->n; i++) {
    const js_val *pt = &pts->items[i];
    assert_non_null(nm_profile_by_name(cal_str(pt, "profile")));
    assert_non_null(js_get(sources, cal_str(pt, "source")));
    double tol = cal_num(pt, "tolerance_pct", 0);
    assert_true(tol == 15 || tol == 30);
    const char *role = cal_str(pt, "role");
    assert_non_null(role);
    assert_true(strcmp(role, "fit") == 0 || strcmp(role, "held-out") == 0 || strcmp(role, "check") == 0);
    if (strcmp(role, "fit") != 0) assert_null(js_get(pt, "fits"));
    assert_false(isnan(cal_metric(nm_profile_by_name(cal_str(pt, "profile")), pt)));
  }
}

/* Solve one parameter of `work` so that point pt meets its published figure: bisection
 * (on a log scale, 1/100 to 100 times the start) of a metric monotone in it. */
static void solve1(nm_profile_t *work, const js_val *pt, const char *param) {
  double target = cal_num(pt, "published", 0), v = cal_param(work, param);
  double lo = v / 100.0 > 1 ? v / 100.0 : 1, hi = v * 100.0 + 10;
  cal_set_param(work, param, lo);
  double at_lo = cal_metric(work, pt);
  cal_set_param(work, param, hi);
  int rising = cal_metric(work, pt) > at_lo;
  for (int k = 0; k < 80 && hi - lo > 0.5; k++) {
    double mid = sqrt(lo * hi);
    cal_set_param(work, param, mid);
    if ((cal_metric(work, pt) < target) == rising) lo = mid;
    else hi = mid;
  }
  cal_set_param(work, param, sqrt(lo * hi));
}

/* The profile's fitted parameters from its fit points, on a copy of its table entry: one
 * point and parameter solved directly; two nested (the second point's parameter by
 * bisection, the first re-solved at each step), since the pairs are nearly collinear. */
static void fit(const nm_profile_t *table, nm_profile_t *work) {
  const js_val *pts = points(), *fp[2] = {NULL, NULL};
  int n = 0;
  *work = *table;
  for (size_t i = 0; i < pts->n && n < 2; i++) {
    const js_val *pt = &pts->items[i];
    if (cal_str(pt, "fits") && strcmp(cal_str(pt, "profile"), table->name) == 0) fp[n++] = pt;
  }
  if (n == 1) {
    solve1(work, fp[0], cal_str(fp[0], "fits"));
    return;
  }
  if (n != 2) return;
  const char *a = cal_str(fp[0], "fits"), *b = cal_str(fp[1], "fits");
  double target = cal_num(fp[1], "published", 0), v = cal_param(work, b);
  double lo = v / 100.0 > 1 ? v / 100.0 : 1, hi = v * 100.0 + 10;
  nm_profile_t start = *work;
  cal_set_param(work, b, lo);
  solve1(work, fp[0], a);
  double at_lo = cal_metric(work, fp[1]);
  *work = start;
  cal_set_param(work, b, hi);
  solve1(work, fp[0], a);
  int rising = cal_metric(work, fp[1]) > at_lo;
  for (int k = 0; k < 60 && hi - lo > 0.5; k++) {
    double mid = sqrt(lo * hi);
    *work = start;
    cal_set_param(work, b, mid);
    solve1(work, fp[0], a);
    if ((cal_metric(work, fp[1]) < target) == rising) lo = mid;
    else hi = mid;
  }
  *work = start;
  cal_set_param(work, b, sqrt(lo * hi));
  solve1(work, fp[0], a);
}

static void test_fitted_parameters(void **state) {
  (void)state;
  const js_val *profiles = js_get(cal, "profiles"), *pts = points();
  assert_non_null(profiles);
  assert_int_equal(profiles->type, JS_OBJ);
  int bad = 0;
  printf("  %-18s %-14s %12s %12s\n", "profile", "fitted", "fit", "table");
  for (size_t k = 0; k < profiles->n; k++) {
    const nm_profile_t *pf = nm_profile_by_name(profiles->keys[k]);
    assert_non_null(pf);
    const js_val *fitted = js_get(&profiles->items[k], "fitted");
    assert_non_null(fitted);
    assert_true(fitted->n <= 2); /* at most two fitted parameters per profile */
    /* Each fitted parameter has exactly one fit point, and no other point fits anything. */
    for (size_t f = 0; f < fitted->n; f++) {
      int n = 0;
      for (size_t i = 0; i < pts->n; i++) {
        const char *fits = cal_str(&pts->items[i], "fits");
        if (fits && strcmp(cal_str(&pts->items[i], "profile"), pf->name) == 0 && strcmp(fits, fitted->items[f].str) == 0) n++;
      }
      assert_int_equal(n, 1);
    }
    for (size_t i = 0; i < pts->n; i++) {
      const char *fits = cal_str(&pts->items[i], "fits");
      if (!fits || strcmp(cal_str(&pts->items[i], "profile"), pf->name) != 0) continue;
      int named = 0;
      for (size_t f = 0; f < fitted->n; f++) named |= strcmp(fitted->items[f].str, fits) == 0;
      assert_true(named);
    }
    if (fitted->n == 0) continue;
    nm_profile_t work;
    fit(pf, &work);
    for (size_t f = 0; f < fitted->n; f++) {
      const char *name = fitted->items[f].str;
      double want = cal_param(&work, name), have = cal_param(pf, name);
      /* The table holds the fit, rounded: within 1 % (or one unit). */
      int ok = fabs(have - want) <= fmax(1.0, 0.01 * want);
      printf("  %-18s %-14s %12.0f %12.0f%s\n", pf->name, name, want, have, ok ? "" : "  FAIL: the table drifted from the fit");
      bad += !ok;
    }
  }
  assert_int_equal(bad, 0);
}

static void test_points_within_tolerance(void **state) {
  (void)state;
  const js_val *pts = points();
  int bad = 0;
  printf("  %-20s %-17s %-23s %9s %9s %8s %5s  %s\n", "point", "profile", "metric", "published", "nmod", "off", "tol",
         "role");
  for (size_t i = 0; i < pts->n; i++) {
    const js_val *pt = &pts->items[i];
    const nm_profile_t *pf = nm_profile_by_name(cal_str(pt, "profile"));
    double pub = cal_num(pt, "published", 0), got = cal_metric(pf, pt), tol = cal_num(pt, "tolerance_pct", 0);
    double off = 100.0 * (got - pub) / pub;
    int ok = fabs(off) <= tol;
    bad += !ok;
    printf("  %-20s %-17s %-23s %9.2f %9.2f %+7.1f%% %4.0f%%  %s%s\n", cal_str(pt, "id"), pf->name,
           cal_str(pt, "metric"), pub, got, off, tol, cal_str(pt, "role"), ok ? "" : "  FAIL");
  }
  assert_int_equal(bad, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_required_points),
      cmocka_unit_test(test_fitted_parameters),
      cmocka_unit_test(test_points_within_tolerance),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
