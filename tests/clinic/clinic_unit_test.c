/* clinic_unit_test.c: the clinic's pure rules, table-driven: dates (month ends, leap years),
 * scores, the evaluation decision at its edges (exactly 50 %, 6 versus 7 days, zero
 * baseline), the CSV reader, vaccination windows, anticoagulant names, plan dates, leaflet
 * phases, ICS folding. Property tests print seed=N and honour NMOD_SEED. */
#include "clinic_testutil.h"

#include <limits.h>

#include "clinic_int.h"

static int32_t D(const char *s) {
  int32_t d;
  assert_int_equal(hu_date_parse(s, &d), 0);
  return d;
}

static void test_date_parse(void **st) {
  (void)st;
  char out[11];
  assert_int_equal(D("1970-01-01"), 0);
  assert_int_equal(D("1970-01-02"), 1);
  assert_int_equal(D("1969-12-31"), -1);
  assert_int_equal(D("2000-03-01") - D("2000-02-28"), 2);  /* 2000 is a leap year */
  assert_int_equal(D("2100-03-01") - D("2100-02-28"), 1);  /* 2100 is not */
  assert_int_equal(D("2024-03-01") - D("2024-02-28"), 2);
  assert_int_equal(D("2025-03-01") - D("2025-02-28"), 1);
  int32_t d;
  static const char *const bad[] = {"2025-02-29", "2024-02-30", "2025-13-01", "2025-00-10", "2025-04-31", "2025-1-01",
                                    "25-01-01",   "2025/01/01", "2025-01-01x", "", "1899-12-31", "2200-01-01", "abcd-ef-gh"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_true(hu_date_parse(bad[i], &d) < 0);
  assert_int_equal(hu_date_parse("2024-02-29", &d), 0);
  hu_date_fmt(out, HU_DATE_LEN, d);
  assert_string_equal(out, "2024-02-29");
  assert_int_equal(hu_date_parse("1900-01-01", &d), 0);
  assert_int_equal(d, HU_DAY_MIN);
  assert_int_equal(hu_date_parse("2199-12-31", &d), 0);
  assert_int_equal(d, HU_DAY_MAX);
  assert_string_equal(hu_weekday_name(D("2025-06-30")), "Mon");
  assert_string_equal(hu_weekday_name(D("1970-01-01")), "Thu");
  assert_string_equal(hu_weekday_name(D("1969-12-28")), "Sun");
}

static void test_add_months(void **st) {
  (void)st;
  static const struct {
    const char *from;
    int months;
    const char *to;
  } cases[] = {
      {"2025-01-31", 1, "2025-02-28"}, {"2024-01-31", 1, "2024-02-29"}, {"2024-02-29", 12, "2025-02-28"},
      {"2024-02-29", 48, "2028-02-29"}, {"2100-01-31", 1, "2100-02-28"}, {"2000-01-31", 1, "2000-02-29"},
      {"2025-03-31", 1, "2025-04-30"}, {"2025-08-31", 1, "2025-09-30"}, {"2025-12-31", 1, "2026-01-31"},
      {"2025-11-30", 3, "2026-02-28"}, {"2025-05-31", 9, "2026-02-28"}, {"2025-10-15", 3, "2026-01-15"},
      {"2025-03-31", -1, "2025-02-28"}, {"2025-01-15", -1, "2024-12-15"}, {"2024-03-31", -13, "2023-02-28"},
      {"2025-01-31", 0, "2025-01-31"}, {"2023-08-31", 6, "2024-02-29"}, {"2025-05-31", 12, "2026-05-31"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[11];
    hu_date_fmt(out, HU_DATE_LEN, hu_add_months(D(cases[i].from), cases[i].months));
    if (strcmp(out, cases[i].to) != 0) fprintf(stderr, "%s + %d months\n", cases[i].from, cases[i].months);
    assert_string_equal(out, cases[i].to);
  }
}

static void test_date_property(void **st) {
  (void)st;
  uint64_t s = ct_seed("date_property");
  for (int i = 0; i < 200000; i++) {
    int32_t d = HU_DAY_MIN + (int32_t)(ct_rand(&s) % (uint64_t)(HU_DAY_MAX - HU_DAY_MIN + 1));
    char txt[11];
    hu_date_fmt(txt, HU_DATE_LEN, d);
    int32_t back;
    assert_int_equal(hu_date_parse(txt, &back), 0);
    assert_int_equal(back, d);
    assert_int_equal(hu_weekday(d + 1), (hu_weekday(d) + 1) % 7);
    int y, m, dd;
    hu_ymd_from_day(d, &y, &m, &dd);
    int k = (int)(ct_rand(&s) % 200) - 100;
    int32_t e = hu_add_months(d, k);
    int y2, m2, d2;
    hu_ymd_from_day(e, &y2, &m2, &d2);
    /* The month moves by exactly k; the day is kept or clamped to the month's last day. */
    assert_int_equal((y2 * 12 + m2) - (y * 12 + m), k);
    int dim = hu_days_in_month(y2, m2);
    assert_int_equal(d2, dd <= dim ? dd : dim);
  }
}

static void test_scores(void **st) {
  (void)st;
  char items[256], msg[300];
  int total;
  const char *w1[] = {"solid=4", "liquid=4", "gas=4", "pad=4", "lifestyle=4"};
  assert_int_equal(clinic_score_compute(SC_WEXNER, w1, 5, &total, items, sizeof items, msg, sizeof msg), 0);
  assert_int_equal(total, 20);
  const char *w2[] = {"solid=never", "liquid=rarely", "gas=sometimes", "pad=usually", "lifestyle=always"};
  assert_int_equal(clinic_score_compute(SC_WEXNER, w2, 5, &total, items, sizeof items, msg, sizeof msg), 0);
  assert_int_equal(total, 10);
  assert_string_equal(items, "solid=0,liquid=1,gas=2,pad=3,lifestyle=4");
  const char *v1[] = {"solid=4", "liquid=4", "gas=4", "lifestyle=4", "pad=yes", "constipating=yes", "defer=yes"};
  assert_int_equal(clinic_score_compute(SC_VAIZEY, v1, 7, &total, items, sizeof items, msg, sizeof msg), 0);
  assert_int_equal(total, 24);
  const char *v2[] = {"defer=4", "pad=0", "constipating=no", "solid=0", "liquid=0", "gas=1", "lifestyle=0"};
  assert_int_equal(clinic_score_compute(SC_VAIZEY, v2, 7, &total, items, sizeof items, msg, sizeof msg), 0);
  assert_int_equal(total, 5);
  const char *n1[] = {"nrs=7"};
  assert_int_equal(clinic_score_compute(SC_NRS, n1, 1, &total, items, sizeof items, msg, sizeof msg), 0);
  assert_int_equal(total, 7);
  /* Invalid answers. */
  static const struct {
    clinic_score_kind k;
    const char *a[8];
    int n;
    const char *why;
  } bad[] = {
      {SC_WEXNER, {"solid=5", "liquid=0", "gas=0", "pad=0", "lifestyle=0"}, 5, "not 0-4"},
      {SC_WEXNER, {"solid=-1", "liquid=0", "gas=0", "pad=0", "lifestyle=0"}, 5, "not 0-4"},
      {SC_WEXNER, {"solid=0", "liquid=0", "gas=0", "pad=0"}, 4, "not answered"},
      {SC_WEXNER, {"solid=0", "solid=1", "liquid=0", "gas=0", "pad=0", "lifestyle=0"}, 6, "twice"},
      {SC_WEXNER, {"solid=0", "liquid=0", "gas=0", "pad=0", "lifestyle=0", "urgency=1"}, 6, "no item"},
      {SC_WEXNER, {"solid", "liquid=0", "gas=0", "pad=0", "lifestyle=0"}, 5, "item=value"},
      {SC_WEXNER, {"solid=1.5", "liquid=0", "gas=0", "pad=0", "lifestyle=0"}, 5, "not 0-4"},
      {SC_VAIZEY, {"solid=0", "liquid=0", "gas=0", "lifestyle=0", "pad=1", "constipating=no", "defer=no"}, 7, "yes or no"},
      {SC_VAIZEY, {"solid=0", "liquid=0", "gas=0", "lifestyle=0", "pad=no", "constipating=no", "defer=2"}, 7, "yes or no"},
      {SC_VAIZEY, {"solid=0", "liquid=0", "gas=0", "lifestyle=0", "pad=no", "constipating=maybe", "defer=no"}, 7, "yes or no"},
      {SC_NRS, {"nrs=11"}, 1, "0 to 10"},
      {SC_NRS, {"nrs="}, 1, "0 to 10"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int r = clinic_score_compute(bad[i].k, bad[i].a, bad[i].n, &total, items, sizeof items, msg, sizeof msg);
    assert_int_equal(r, -1);
    if (!strstr(msg, bad[i].why)) fprintf(stderr, "case %zu: %s\n", i, msg);
    assert_non_null(strstr(msg, bad[i].why));
  }
  assert_int_equal(clinic_score_max(SC_WEXNER), 20);
  assert_int_equal(clinic_score_max(SC_VAIZEY), 24);
}

static clinic_eval mk(clinic_therapy t, int64_t bs, int64_t bd, int64_t ts, int64_t td) {
  clinic_eval e;
  memset(&e, 0, sizeof e);
  e.therapy = t;
  e.threshold_bp = 5000;
  e.min_days = 7;
  e.base.sum = bs;
  e.base.days = bd;
  e.trial.sum = ts;
  e.trial.days = td;
  e.trial.from = 100;
  e.trial.to = INT32_MAX;
  clinic_eval_decide(&e);
  return e;
}

static void test_eval_edges(void **st) {
  (void)st;
  /* SNM: baseline 14 episodes in 7 days (14/week), trial 7 in 7 days: exactly 50 %. */
  clinic_eval e = mk(TH_SNM, 14, 7, 7, 7);
  assert_int_equal(e.verdict, EV_SUCCESS);
  assert_int_equal(e.reduction_bp, 5000);
  assert_int_equal(e.base_mean_c, 1400);
  assert_int_equal(e.trial_mean_c, 700);
  /* One more episode: 6/14 = 42.857 % -> failure. */
  e = mk(TH_SNM, 14, 7, 8, 7);
  assert_int_equal(e.verdict, EV_FAILURE);
  assert_int_equal(e.reduction_bp, 4285);
  /* Exactly 50 % across different day counts: 21 in 21 days vs 5 in 10 days. */
  e = mk(TH_SNM, 21, 21, 5, 10);
  assert_int_equal(e.verdict, EV_SUCCESS);
  assert_int_equal(e.reduction_bp, 5000);
  /* A third: 1 - (2/3) * ... : 3 in 9 days vs 2 in 9 days = 33.33 % (floor). */
  e = mk(TH_SNM, 3, 9, 2, 9);
  assert_int_equal(e.reduction_bp, 3333);
  /* Just below 50 % by the smallest margin: 2000/1999 style ratios. */
  e = mk(TH_SNM, 2000, 1000, 1001, 1000);
  assert_int_equal(e.verdict, EV_FAILURE);
  assert_int_equal(e.reduction_bp, 4995);
  e = mk(TH_SNM, 20000, 7, 10001, 7); /* reduction 49.995 %: floors to 49.99, failure */
  assert_int_equal(e.verdict, EV_FAILURE);
  assert_int_equal(e.reduction_bp, 4999);
  /* SCS in half points: baseline NRS 6 (12 half points a day), trial 3 -> exactly 50 %. */
  e = mk(TH_SCS, 12 * 7, 7, 6 * 7, 7);
  assert_int_equal(e.verdict, EV_SUCCESS);
  assert_int_equal(e.base_mean_c, 600);
  assert_int_equal(e.trial_mean_c, 300);
  /* 6 versus 7 days. */
  assert_int_equal(mk(TH_SNM, 14, 6, 0, 7).verdict, EV_INSUFFICIENT);
  assert_int_equal(mk(TH_SNM, 14, 7, 0, 6).verdict, EV_INSUFFICIENT);
  assert_int_equal(mk(TH_SNM, 14, 7, 0, 7).verdict, EV_SUCCESS);
  /* Zero baseline. */
  e = mk(TH_SNM, 0, 14, 0, 14);
  assert_int_equal(e.verdict, EV_INSUFFICIENT);
  assert_int_equal(e.has_reduction, 0);
  /* Worse in the trial: negative reduction, floor. */
  e = mk(TH_SNM, 7, 7, 10, 7);
  assert_int_equal(e.verdict, EV_FAILURE);
  assert_int_equal(e.reduction_bp, -4286);
  /* No trial recorded. */
  e = mk(TH_SCS, 100, 10, 0, 0);
  e.trial.from = INT32_MIN;
  clinic_eval_decide(&e);
  assert_int_equal(e.verdict, EV_INSUFFICIENT);
  /* A configurable threshold: 60 % at a reduction of 60 % exactly, and 59.99 %. */
  e = mk(TH_SNM, 10, 7, 4, 7);
  e.threshold_bp = 6000;
  clinic_eval_decide(&e);
  assert_int_equal(e.verdict, EV_SUCCESS);
  e.threshold_bp = 6001;
  clinic_eval_decide(&e);
  assert_int_equal(e.verdict, EV_FAILURE);
}

/* Property: the verdict equals the exact rational comparison, and the reported reduction is
 * the floor of the exact value in basis points. */
static void test_eval_property(void **st) {
  (void)st;
  uint64_t s = ct_seed("eval_property");
  for (int i = 0; i < 100000; i++) {
    int64_t bd = 1 + (int64_t)(ct_rand(&s) % 400), td = 1 + (int64_t)(ct_rand(&s) % 400);
    int64_t bs = (int64_t)(ct_rand(&s) % (uint64_t)(bd * 20 + 1)), ts = (int64_t)(ct_rand(&s) % (uint64_t)(td * 20 + 1));
    if (ct_rand(&s) % 4 == 0) ts = bs * td / 2 / bd; /* near the threshold */
    clinic_eval e = mk(ct_rand(&s) % 2 ? TH_SCS : TH_SNM, bs, bd, ts, td);
    if (bd < 7 || td < 7 || bs == 0) {
      assert_int_equal(e.verdict, EV_INSUFFICIENT);
      continue;
    }
    /* reduction >= 1/2  <=>  2 * (bs*td - ts*bd) >= bs*td */
    int success = 2 * (bs * td - ts * bd) >= bs * td;
    assert_int_equal(e.verdict, success ? EV_SUCCESS : EV_FAILURE);
    __int128 num = (__int128)(bs * td - ts * bd) * 10000, den = bs * td;
    __int128 lo = (__int128)e.reduction_bp * den;
    assert_true(lo <= num && num < lo + den);
  }
}

static void test_csv(void **st) {
  (void)st;
  ct_mkdir();
  const char *p = ct_file("a.csv", "\xEF\xBB\xBF" "date,nrs\r\n2025-01-01,3\r\n\r\n\"2025-01-02\",\"4\"\n\"a,\"\"b\"\"\",x\n");
  clinic_csv c;
  char msg[200];
  assert_int_equal(clinic_csv_open(&c, p), 0);
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 1);
  assert_int_equal(c.nfields, 2);
  assert_string_equal(c.field[0], "date");
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 1);
  assert_string_equal(c.field[1], "3");
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 1);
  assert_int_equal(c.line, 4);
  assert_string_equal(c.field[0], "2025-01-02");
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 1);
  assert_string_equal(c.field[0], "a,\"b\"");
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 0);
  clinic_csv_close(&c);
  p = ct_file("b.csv", "date,nrs\n\"2025-01-01,3\n");
  assert_int_equal(clinic_csv_open(&c, p), 0);
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), 1);
  assert_int_equal(clinic_csv_next(&c, msg, sizeof msg), -1);
  assert_non_null(strstr(msg, "quoted"));
  clinic_csv_close(&c);
  assert_int_equal(clinic_csv_open(&c, "/nonexistent/x.csv"), -1);
  ct_rmdir();
}

static void test_rules(void **st) {
  (void)st;
  int32_t op = D("2025-03-15");
  /* Flu: 2 days before to 2 days after, inclusive. */
  assert_false(clinic_vacc_conflict(1, op - 3, op));
  assert_true(clinic_vacc_conflict(1, op - 2, op));
  assert_true(clinic_vacc_conflict(1, op, op));
  assert_true(clinic_vacc_conflict(1, op + 2, op));
  assert_false(clinic_vacc_conflict(1, op + 3, op));
  /* Others: 2 weeks before to 2 weeks after. */
  assert_false(clinic_vacc_conflict(0, op - 15, op));
  assert_true(clinic_vacc_conflict(0, op - 14, op));
  assert_true(clinic_vacc_conflict(0, op + 14, op));
  assert_false(clinic_vacc_conflict(0, op + 15, op));
  static const char *const yes[] = {"Plavix", "clopidogrel 75mg", "Persantin", "Sintrom mitis", "acenocoumarol", "Marcoumar",
                                    "fenprocoumon", "Pradaxa", "dabigatran", "XARELTO 20 mg", "Eliquis", "apixaban 5 mg"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) assert_non_null(clinic_anticoagulant(yes[i]));
  assert_string_equal(clinic_anticoagulant("Xarelto 20 mg"), "rivaroxaban");
  static const char *const no[] = {"paracetamol", "ibuprofen", "Xareltox", "omeprazole", ""};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) assert_null(clinic_anticoagulant(no[i]));
}

static void set_step(clinic_path *path, const char *id, const char *date, int planned) {
  int i = clinic_path_index(path->therapy, id);
  assert_true(i >= 0);
  path->rec[i].recorded = 1;
  path->rec[i].planned = planned;
  path->rec[i].date = D(date);
}

static const clinic_plan_item *find(const clinic_plan *pl, const char *what) {
  for (int i = 0; i < pl->n; i++)
    if (strstr(pl->items[i].what, what)) return &pl->items[i];
  return NULL;
}

static void date_is(const clinic_plan_item *it, const char *s) {
  assert_non_null(it);
  char out[11];
  hu_date_fmt(out, HU_DATE_LEN, it->date);
  if (strcmp(out, s) != 0) fprintf(stderr, "%s: %s, expected %s\n", it->what, out, s);
  assert_string_equal(out, s);
}

static void test_plan_scs(void **st) {
  (void)st;
  clinic_patient p = {1, "P", TH_SCS, "x", 0};
  clinic_path path;
  memset(&path, 0, sizeof path);
  path.therapy = TH_SCS;
  path.def = clinic_path_steps(TH_SCS, &path.nsteps);
  set_step(&path, "trial", "2024-01-01", 0);
  set_step(&path, "trial-end", "2024-01-15", 0);
  set_step(&path, "implant", "2024-01-31", 0);
  clinic_plan pl;
  clinic_plan_build(&p, &path, D("2024-02-01"), 3, &pl);
  /* Trial on Monday 2024-01-01: checks on Thu 4, Mon 8, Thu 11, Mon 15 January. */
  date_is(find(&pl, "trial check 1 of 4"), "2024-01-04");
  date_is(find(&pl, "trial check 2 of 4"), "2024-01-08");
  date_is(find(&pl, "trial check 3 of 4"), "2024-01-11");
  date_is(find(&pl, "trial check 4 of 4"), "2024-01-15");
  date_is(find(&pl, "pre-operative screening"), "2023-12-18");
  assert_int_equal(find(&pl, "pre-operative screening")->date_to, D("2023-12-25"));
  date_is(find(&pl, "wound check"), "2024-02-14");
  date_is(find(&pl, "1 month after"), "2024-02-29"); /* 31 Jan + 1 month in a leap year */
  date_is(find(&pl, "3 months after"), "2024-04-30");
  assert_non_null(strstr(find(&pl, "3 months after")->what, "tapering"));
  date_is(find(&pl, "6 months after"), "2024-07-31");
  date_is(find(&pl, "9 months after"), "2024-10-31");
  date_is(find(&pl, "12 months after"), "2025-01-31");
  date_is(find(&pl, "year 2"), "2026-01-31");
  date_is(find(&pl, "year 3"), "2027-01-31");
  assert_null(find(&pl, "year 4"));
  const clinic_plan_item *diary = find(&pl, "pain diary and fill in");
  date_is(diary, "2026-01-17");
  assert_int_equal(diary->date_to, D("2026-01-30"));
  /* Sorted by date, past items marked. */
  for (int i = 1; i < pl.n; i++)
    if (pl.items[i].date != INT32_MIN && pl.items[i - 1].date != INT32_MIN) assert_true(pl.items[i - 1].date <= pl.items[i].date);
  assert_true(find(&pl, "trial check 1")->done);
  assert_false(find(&pl, "wound check")->done);
  clinic_plan_free(&pl);
  /* Trial on Wednesday 2025-03-05: day 3 is a Saturday (moves to Friday 7 March), day 10 a
   * Saturday (Friday 14 March); days 7 and 14 are Wednesdays. Every check on a weekday. */
  memset(path.rec, 0, sizeof path.rec);
  set_step(&path, "trial", "2025-03-05", 1);
  clinic_plan_build(&p, &path, D("2025-03-01"), 1, &pl);
  date_is(find(&pl, "trial check 1 of 4"), "2025-03-07");
  date_is(find(&pl, "trial check 2 of 4"), "2025-03-12");
  date_is(find(&pl, "trial check 3 of 4"), "2025-03-14");
  date_is(find(&pl, "trial check 4 of 4"), "2025-03-19");
  date_is(find(&pl, "end of the 2-week trial"), "2025-03-19");
  clinic_plan_free(&pl);
  /* Every start day of the week: four checks on weekdays, in order, two per week. */
  for (int wd = 0; wd < 7; wd++) {
    memset(path.rec, 0, sizeof path.rec);
    path.rec[clinic_path_index(TH_SCS, "trial")].recorded = 1;
    path.rec[clinic_path_index(TH_SCS, "trial")].date = D("2025-03-03") + wd;
    clinic_plan_build(&p, &path, D("2025-03-01"), 1, &pl);
    int32_t prev = D("2025-03-03") + wd;
    for (int i = 1; i <= 4; i++) {
      char what[32];
      snprintf(what, sizeof what, "trial check %d of 4", i);
      const clinic_plan_item *it = find(&pl, what);
      assert_non_null(it);
      assert_true(hu_weekday(it->date) < 5);
      assert_true(it->date > prev);
      prev = it->date;
    }
    clinic_plan_free(&pl);
  }
}

static void test_plan_snm(void **st) {
  (void)st;
  clinic_patient p = {1, "P", TH_SNM, "x", 0};
  clinic_path path;
  memset(&path, 0, sizeof path);
  path.therapy = TH_SNM;
  path.def = clinic_path_steps(TH_SNM, &path.nsteps);
  set_step(&path, "trial", "2025-01-31", 0);
  clinic_plan pl;
  clinic_plan_build(&p, &path, D("2025-02-01"), 2, &pl);
  const clinic_plan_item *s2 = find(&pl, "stage 2 (3-4 weeks");
  date_is(s2, "2025-02-21");
  assert_int_equal(s2->date_to, D("2025-02-28"));
  clinic_plan_free(&pl);
  set_step(&path, "implant", "2025-02-28", 0);
  clinic_plan_build(&p, &path, D("2025-03-01"), 2, &pl);
  date_is(find(&pl, "programming visit 1"), "2025-03-14");
  date_is(find(&pl, "programming visit 2"), "2025-04-11");
  date_is(find(&pl, "showering allowed"), "2025-03-01");
  date_is(find(&pl, "year 1"), "2026-02-28");
  assert_null(find(&pl, "stage 2 (3-4 weeks"));
  clinic_plan_free(&pl);
}

static void test_phase(void **st) {
  (void)st;
  clinic_patient p = {1, "P", TH_SCS, "x", 0};
  clinic_path path;
  memset(&path, 0, sizeof path);
  path.therapy = TH_SCS;
  path.def = clinic_path_steps(TH_SCS, &path.nsteps);
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-01-01")), PH_PRE);
  set_step(&path, "trial", "2025-01-01", 0);
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-01-05")), PH_TRIAL);
  set_step(&path, "implant", "2025-01-20", 0);
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-03-02")), PH_EARLY); /* day 41 */
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-03-03")), PH_LONG);  /* day 42 */
  p.therapy = TH_SNM;
  path.therapy = TH_SNM;
  path.def = clinic_path_steps(TH_SNM, &path.nsteps);
  memset(path.rec, 0, sizeof path.rec);
  set_step(&path, "trial", "2025-01-01", 0);
  set_step(&path, "implant", "2025-01-25", 0);
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-02-07")), PH_EARLY); /* day 13 */
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-02-08")), PH_LONG);
  memset(path.rec, 0, sizeof path.rec);
  set_step(&path, "trial", "2025-01-01", 0);
  set_step(&path, "explant", "2025-01-25", 0);
  assert_int_equal(clinic_phase_of(&p, &path, D("2025-02-08")), PH_REMOVED);
}

static clinic_path empty_path(clinic_therapy t) {
  clinic_path path;
  memset(&path, 0, sizeof path);
  path.therapy = t;
  path.def = clinic_path_steps(t, &path.nsteps);
  return path;
}

static const clinic_cfg cfg_default = {5000, 7, 28, {14, 28}, 3};

static clinic_day_phase phase_at(const clinic_path *path, const char *day) {
  clinic_windows w;
  clinic_windows_of(path, &cfg_default, &w);
  return clinic_day_phase_of(&w, D(day));
}

/* The windows at their edges: nothing before the referral, the baseline from the diary
 * step and at most 28 days, the trial up to its recorded end, 14 (SCS) or 28 (SNM) days
 * plus 3 days' tolerance unless the closing step carries an override. */
static void test_windows(void **st) {
  (void)st;
  clinic_path path = empty_path(TH_SCS);
  assert_int_equal(phase_at(&path, "2025-01-01"), DP_BEFORE_REFERRAL); /* no referral at all */
  set_step(&path, "referral", "2025-01-10", 0);
  assert_int_equal(phase_at(&path, "2025-01-09"), DP_BEFORE_REFERRAL);
  assert_int_equal(phase_at(&path, "2025-01-10"), DP_BEFORE_BASELINE); /* no diary step yet */
  set_step(&path, "team-review", "2025-01-12", 0);
  set_step(&path, "questionnaires", "2025-01-15", 0);
  assert_int_equal(phase_at(&path, "2025-01-14"), DP_BEFORE_BASELINE);
  assert_int_equal(phase_at(&path, "2025-01-15"), DP_BASELINE);
  assert_int_equal(phase_at(&path, "2025-06-01"), DP_BASELINE); /* open while no trial */
  set_step(&path, "trial", "2025-03-01", 0);
  /* 28 days: 2025-02-01 .. 2025-02-28. */
  assert_int_equal(phase_at(&path, "2025-01-31"), DP_BEFORE_BASELINE);
  assert_int_equal(phase_at(&path, "2025-02-01"), DP_BASELINE);
  assert_int_equal(phase_at(&path, "2025-02-28"), DP_BASELINE);
  assert_int_equal(phase_at(&path, "2025-03-01"), DP_OPERATION);
  assert_int_equal(phase_at(&path, "2025-03-02"), DP_TRIAL);
  /* Open trial: up to 14 + 3 days after operation 1, then past the window. */
  assert_int_equal(phase_at(&path, "2025-03-18"), DP_TRIAL);
  assert_int_equal(phase_at(&path, "2025-03-19"), DP_PAST_WINDOW);
  clinic_windows w;
  clinic_windows_of(&path, &cfg_default, &w);
  assert_false(clinic_trial_overdue(&w, TH_SCS, D("2025-03-18")));
  assert_true(clinic_trial_overdue(&w, TH_SCS, D("2025-03-19")));
  set_step(&path, "trial-end", "2025-03-15", 0);
  assert_int_equal(phase_at(&path, "2025-03-15"), DP_TRIAL);
  assert_int_equal(phase_at(&path, "2025-03-16"), DP_AFTER);
  clinic_windows_of(&path, &cfg_default, &w);
  assert_false(clinic_trial_overdue(&w, TH_SCS, D("2025-06-01")));
  /* Recorded past the tolerance without an override (data from before this rule): the
   * window stays at 17 days; with one it reaches the recorded end. */
  set_step(&path, "trial-end", "2025-03-25", 0);
  clinic_windows_of(&path, &cfg_default, &w);
  assert_true(w.over_limit);
  assert_int_equal(phase_at(&path, "2025-03-18"), DP_TRIAL);
  assert_int_equal(phase_at(&path, "2025-03-19"), DP_PAST_WINDOW);
  assert_int_equal(phase_at(&path, "2025-03-26"), DP_AFTER);
  int te = clinic_path_index(TH_SCS, "trial-end");
  snprintf(path.rec[te].override, sizeof path.rec[te].override, "ward closed");
  clinic_windows_of(&path, &cfg_default, &w);
  assert_true(w.extended);
  assert_int_equal(phase_at(&path, "2025-03-25"), DP_TRIAL);
  /* The baseline starts at the diary step when that is less than 28 days before. */
  set_step(&path, "questionnaires", "2025-02-20", 0);
  assert_int_equal(phase_at(&path, "2025-02-19"), DP_BEFORE_BASELINE);
  assert_int_equal(phase_at(&path, "2025-02-20"), DP_BASELINE);
  /* SNM: the trial ends the day before stage 2; stage 2 up to 28 + 3 days after stage 1. */
  path = empty_path(TH_SNM);
  set_step(&path, "referral", "2025-01-01", 0);
  set_step(&path, "scores", "2025-01-02", 0);
  set_step(&path, "trial", "2025-03-01", 0);
  clinic_windows_of(&path, &cfg_default, &w);
  assert_int_equal(w.limit_to, D("2025-03-31")); /* stage 2 on 04-01 = day 31 is allowed */
  assert_false(clinic_trial_overdue(&w, TH_SNM, D("2025-04-01")));
  assert_true(clinic_trial_overdue(&w, TH_SNM, D("2025-04-02")));
  set_step(&path, "implant", "2025-03-22", 0);
  assert_int_equal(phase_at(&path, "2025-03-21"), DP_TRIAL);
  assert_int_equal(phase_at(&path, "2025-03-22"), DP_AFTER);
  set_step(&path, "implant", "2025-04-01", 0);
  clinic_windows_of(&path, &cfg_default, &w);
  assert_false(w.over_limit);
  assert_int_equal(w.trial_to, D("2025-03-31"));
  set_step(&path, "implant", "2025-04-02", 0);
  clinic_windows_of(&path, &cfg_default, &w);
  assert_true(w.over_limit);
  assert_int_equal(w.trial_to, D("2025-03-31"));
  /* A shorter baseline setting. */
  clinic_cfg c7 = cfg_default;
  c7.baseline_max_days = 7;
  clinic_windows_of(&path, &c7, &w);
  assert_int_equal(w.base_from, D("2025-02-22"));
}

static void test_datetime(void **st) {
  (void)st;
  int64_t m;
  char out[17];
  assert_int_equal(hu_minute_parse("2025-06-30 08:00", &m), 0);
  assert_int_equal(m, (int64_t)D("2025-06-30") * 1440 + 480);
  hu_minute_fmt(out, HU_MINUTE_LEN, m);
  assert_string_equal(out, "2025-06-30 08:00");
  assert_int_equal(hu_minute_parse("2025-06-30T23:59", &m), 0);
  hu_minute_fmt(out, HU_MINUTE_LEN, m);
  assert_string_equal(out, "2025-06-30 23:59");
  static const char *const bad[] = {"2025-06-30 24:00", "2025-06-30 12:60", "2025-06-30", "2025-06-31 10:00",
                                    "2025-06-30 1:00", "2025-06-30x10:00", "2025-06-30 10:00:00", ""};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_true(hu_minute_parse(bad[i], &m) < 0);
}

static void test_ics_fold(void **st) {
  (void)st;
  clinic_patient p = {1, "P,1", TH_SNM, "x", 0};
  clinic_plan pl;
  memset(&pl, 0, sizeof pl);
  clinic_plan_item items[2];
  memset(items, 0, sizeof items);
  items[0].date = D("2025-02-28");
  items[0].date_to = INT32_MIN;
  items[0].kind = "visit";
  snprintf(items[0].what, sizeof items[0].what, "%s",
           "a long summary; with a semicolon, a comma and \xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9 accented letters that goes on past seventy-five octets");
  items[1].date = INT32_MIN;
  items[1].kind = "visit";
  pl.items = items;
  pl.n = 2;
  char buf[8192];
  clinic_ids ids;
  memset(&ids, 7, sizeof ids);
  snprintf(items[0].key, sizeof items[0].key, "snm-programming-1");
  FILE *f = fmemopen(buf, sizeof buf, "w");
  assert_int_equal(clinic_ics_write(f, &ids, &p, &pl, D("2025-01-01")), 0);
  fclose(f);
  /* The UID: a version-8 UUID, no patient ID in it. */
  const char *uid = strstr(buf, "UID:");
  assert_non_null(uid);
  assert_int_equal((int)(strchr(uid, '\r') - uid), 4 + 36);
  assert_int_equal(uid[4 + 14], '8');
  assert_non_null(strchr("89ab", uid[4 + 19]));
  assert_null(strstr(buf, "UID:P,1"));
  assert_non_null(strstr(buf, "DTSTART;VALUE=DATE:20250228\r\n"));
  assert_non_null(strstr(buf, "DTEND;VALUE=DATE:20250301\r\n"));
  assert_non_null(strstr(buf, "semicolon\\, a comma"));
  assert_non_null(strstr(buf, "summary\\; with"));
  /* Only one event (the undated item is not in the calendar); every line <= 75 octets and
   * no folded line splits a UTF-8 character. */
  assert_int_equal((int)(strstr(buf, "BEGIN:VEVENT") != NULL), 1);
  assert_null(strstr(strstr(buf, "BEGIN:VEVENT") + 1, "BEGIN:VEVENT"));
  for (char *l = buf; *l;) {
    char *e = strstr(l, "\r\n");
    assert_non_null(e);
    assert_true(e - l <= 75);
    if (*l == ' ') assert_true(((unsigned char)l[1] & 0xC0) != 0x80);
    l = e + 2;
  }
}

/* The leaflet's table (clinic_leaflet_rules.tsv): every row names a known therapy, phases and
 * section and has both texts; a broken row is refused by the check; and every rule that
 * applies to a therapy and phase is on its leaflet, once, in both languages. */
static void test_leaflet_table(void **st) {
  (void)st;
  int rows = 0;
  for (const clinic_leaflet_rule *r = clinic_leaflet_rules; r->therapy; r++, rows++) {
    if (clinic_leaflet_rule_check(r) != 0) fail_msg("leaflet row %d (%s / %s / %s) is not valid", rows + 1, r->therapy, r->phases, r->section);
  }
  assert_true(rows >= 30);
  clinic_leaflet_rule bad = clinic_leaflet_rules[0];
  bad.phases = "trial implnted";
  assert_int_equal(clinic_leaflet_rule_check(&bad), -1);
  bad = clinic_leaflet_rules[0];
  bad.therapy = "dbs";
  assert_int_equal(clinic_leaflet_rule_check(&bad), -1);
  bad = clinic_leaflet_rules[0];
  bad.section = "Diet";
  assert_int_equal(clinic_leaflet_rule_check(&bad), -1);
  bad = clinic_leaflet_rules[0];
  bad.nl = NULL;
  assert_int_equal(clinic_leaflet_rule_check(&bad), -1);
  int shown = 0;
  for (int t = TH_SCS; t <= TH_SNM; t++)
    for (int ph = PH_PRE; ph <= PH_REMOVED; ph++)
      for (int nl = 0; nl < 2; nl++) {
        clinic_leaflet lf;
        clinic_leaflet_build((clinic_therapy)t, (clinic_phase)ph, nl, &lf);
        int n = 0;
        for (int s = 0; s < lf.nsections; s++) {
          assert_true(lf.sections[s].n > 0);
          assert_true(lf.sections[s].n < CLINIC_LEAFLET_MAX_RULES); /* room left: nothing cut off */
          n += lf.sections[s].n;
        }
        int want = 0;
        for (const clinic_leaflet_rule *r = clinic_leaflet_rules; r->therapy; r++) {
          int th = strcmp(r->therapy, "both") == 0 || strcmp(r->therapy, t == TH_SCS ? "scs" : "snm") == 0;
          char words[96];
          snprintf(words, sizeof words, " %s ", r->phases);
          char w[40];
          snprintf(w, sizeof w, " %s ", clinic_phase_name((clinic_phase)ph));
          want += th && strstr(words, w) != NULL;
        }
        assert_int_equal(n, want);
        shown += n;
      }
  assert_true(shown > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_date_parse), cmocka_unit_test(test_add_months), cmocka_unit_test(test_date_property),
      cmocka_unit_test(test_scores),     cmocka_unit_test(test_eval_edges), cmocka_unit_test(test_eval_property),
      cmocka_unit_test(test_csv),        cmocka_unit_test(test_rules),      cmocka_unit_test(test_plan_scs),
      cmocka_unit_test(test_plan_snm),   cmocka_unit_test(test_phase),      cmocka_unit_test(test_ics_fold),
      cmocka_unit_test(test_windows),    cmocka_unit_test(test_datetime),   cmocka_unit_test(test_leaflet_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
