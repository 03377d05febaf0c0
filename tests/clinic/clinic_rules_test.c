/* clinic_rules_test.c: the brochure rules of issue 11, end to end against a real SQLite
 * file, each at its boundary: the bounded baseline (the example), the SNM trial that
 * ends the day before stage 2 (the example), the trial length with its tolerance and
 * override, `path import` under the same rules, the SNM contact rule, the leaflet texts,
 * lead-placement responses, earlier treatments, the cached evaluation sums against a
 * recomputation after random edits (seed printed), and the migration to schema 3. */
#include "clinic_testutil.h"

#include <limits.h>
#include <sqlite3.h>

#include "clinic_audit.h"
#include "clinic_int.h"
#include "json.h"

static char *csv_days(char *buf, size_t cap, const char *from, int n, const char *fmt_value) {
  /* Appends n consecutive days from `from`, each "DATE<fmt_value>\n". */
  int32_t d0;
  assert_int_equal(hu_date_parse(from, &d0), 0);
  for (int i = 0; i < n; i++) {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, d0 + i);
    snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s\n", ds, fmt_value);
  }
  return buf;
}

/* An SCS patient up to (and including) the trial operation. */
static void scs_path(const char *id, const char *referral, const char *questionnaires, const char *trial) {
  char buf[1024];
  snprintf(buf, sizeof buf,
           "patient,step,date\n%s,referral,%s\n%s,team-review,%s\n%s,questionnaires,%s\n%s,psychologist,%s\n%s,intake,%s\n"
           "%s,decision,%s\n%s,screening,%s\n%s,trial,%s\n",
           id, referral, id, referral, id, questionnaires, id, questionnaires, id, questionnaires, id, questionnaires, id,
           questionnaires, id, trial);
  CT_EXPECT(0, "path import '%s'", ct_file("scs-path.csv", buf));
}

/* The status of step number idx in path show --json. */
static void step_status_is(const char *patient, int idx, const char *status) {
  CT_EXPECT(0, "path show %s --json", patient);
  js_val *v = out_json();
  json_str_is(&js_get(v, "steps")->items[idx], "status", status);
  js_free(v);
}

static void sums_agree(void) {
  char path[400];
  snprintf(path, sizeof path, "%s/clinic.db", ct_dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  clinic_sums_check chk;
  clinic_err err = {0};
  assert_int_equal(clinic_sums_verify(db, &chk, &err), CLINIC_E_OK);
  sqlite3_close(db);
  assert_true(chk.checked > 0);
  for (long i = 0; i < chk.mismatched && i < CLINIC_SUMS_CHECK_FIRST; i++)
    print_message("evaluation sums of %s disagree with the diary and path (%s)\n", chk.first[i].code, chk.first[i].what);
  assert_int_equal(chk.mismatched, 0);
}

/* Issue 11, point 1: 30 days of NRS 10 in January 2024 (stored before the referral rule),
 * 7 days of 6 just before the trial and 7 days of 4 during it. The old evaluation said
 * success, 56.72 % over 37 baseline days; the 2026 rows alone give 33.33 %: failure. */
static void test_baseline_example(void **st) {
  (void)st;
  setenv("CT_TODAY", "2026-03-31", 1);
  CT_EXPECT(0, "patient add B1 --therapy scs --name 'B' --birth 1960-01-01");
  scs_path("B1", "2026-01-05", "2026-02-20", "2026-03-01");
  /* The January 2024 rows, as a database from before the rule holds them. */
  char path[400];
  snprintf(path, sizeof path, "%s/clinic.db", ct_dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  assert_int_equal(clinic_audit_attach_os(db), 0); /* a change without an actor is refused */
  assert_int_equal(sqlite3_exec(db,
                                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 29) "
                                "INSERT INTO diary(pid, date, nrs) SELECT p.pid, date('2024-01-01', '+' || i || ' days'), 10 "
                                "FROM patient p, n WHERE p.code = 'B1'",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  char csv[4096] = "date,nrs\n";
  csv_days(csv, sizeof csv, "2026-02-22", 7, ",6");
  csv_days(csv, sizeof csv, "2026-03-02", 7, ",4");
  CT_EXPECT(0, "diary import B1 '%s'", ct_file("b1.csv", csv));
  CT_EXPECT(0, "path step B1 trial-end --date 2026-03-08");
  CT_EXPECT(0, "evaluate B1 --json");
  js_val *v = out_json();
  json_str_is(v, "verdict", "failure");
  json_num_is(v, "reduction_pct", 3333);
  json_num_is(v, "baseline_days", 700);
  json_num_is(v, "trial_days", 700);
  json_num_is(v, "baseline_mean", 600);
  const js_val *used = js_get(v, "days_used");
  const js_val *bu = js_get(used, "baseline"), *tu = js_get(used, "trial");
  assert_int_equal(bu->n, 1);
  json_str_is(&bu->items[0], "from", "2026-02-22");
  json_str_is(&bu->items[0], "to", "2026-02-28");
  assert_int_equal(tu->n, 1);
  json_str_is(&tu->items[0], "from", "2026-03-02");
  json_str_is(&tu->items[0], "to", "2026-03-08");
  json_num_is(js_get(v, "days_not_used"), "before_referral", 3000);
  json_str_is(js_get(v, "baseline_window"), "from", "2026-02-20");
  json_str_is(js_get(v, "baseline_window"), "to", "2026-02-28");
  js_free(v);
  CT_EXPECT(0, "evaluate B1");
  CT_HAS(ct_out, "failure");
  CT_HAS(ct_out, "reduction 33.33 %");
  CT_HAS(ct_out, "days used: 2026-02-22..2026-02-28");
  CT_HAS(ct_out, "days used: 2026-03-02..2026-03-08");
  CT_HAS(ct_out, "30 before-referral");
  /* Today such a day is refused, by diary add and (all or nothing) by diary import. */
  CT_EXPECT(2, "diary add B1 --date 2024-01-31 --nrs 10");
  CT_HAS(ct_err, "before the referral of B1 on 2026-01-05");
  CT_EXPECT(2, "diary add B1 --date 2026-01-04 --nrs 10");
  CT_EXPECT(2, "diary import B1 '%s'", ct_file("old.csv", "date,nrs\n2026-03-09,6\n2026-01-04,10\n"));
  CT_HAS(ct_err, "line 3: date 2026-01-04 is before the referral");
  /* The old rows are kept and flagged. */
  CT_EXPECT(0, "diary list B1");
  CT_HAS(ct_out, "2024-01-01  before-referral");
  CT_HAS(ct_out, "! before the referral");
  CT_EXPECT(0, "diary list B1 --json");
  v = out_json();
  const js_val *days = js_get(v, "days");
  assert_int_equal(days->n, 44);
  json_str_is(&days->items[0], "phase", "before-referral");
  json_bool_is(&days->items[0], "used", 0);
  json_str_is(&days->items[30], "phase", "baseline");
  json_bool_is(&days->items[30], "used", 1);
  js_free(v);
  /* evaluate --all reads the cached sums: the same verdict. */
  CT_EXPECT(0, "evaluate --all --json");
  v = out_json();
  const js_val *p0 = &js_get(v, "patients")->items[0];
  json_str_is(p0, "verdict", "failure");
  json_num_is(p0, "reduction_pct", 3333);
  json_num_is(p0, "baseline_days", 700);
  js_free(v);

  /* The 28-day bound: rows after the diary step but more than 28 days before the trial. */
  CT_EXPECT(0, "patient add B2 --therapy scs --name 'B' --birth 1960-01-01");
  scs_path("B2", "2025-12-01", "2025-12-05", "2026-03-01");
  char c2[8192] = "date,nrs\n";
  csv_days(c2, sizeof c2, "2026-01-01", 31, ",10"); /* to 2026-01-31: the 29th day before the trial */
  csv_days(c2, sizeof c2, "2026-02-01", 1, ",6");   /* the 28th day before: the first that counts */
  csv_days(c2, sizeof c2, "2026-02-22", 7, ",6");
  csv_days(c2, sizeof c2, "2026-03-02", 7, ",4");
  CT_EXPECT(0, "diary import B2 '%s'", ct_file("b2.csv", c2));
  CT_EXPECT(0, "path step B2 trial-end --date 2026-03-08");
  CT_EXPECT(0, "evaluate B2 --json");
  v = out_json();
  json_str_is(v, "verdict", "failure");
  json_num_is(v, "baseline_days", 800);
  json_num_is(v, "reduction_pct", 3333);
  json_num_is(js_get(v, "days_not_used"), "before_baseline", 3100);
  json_str_is(js_get(v, "baseline_window"), "from", "2026-02-01");
  js_free(v);
  /* A longer bound is a setting; changing it rebuilds every cached sum at once. */
  CT_EXPECT(0, "config baseline_max_days 90");
  CT_EXPECT(0, "evaluate --all --json");
  v = out_json();
  const js_val *p1 = &js_get(v, "patients")->items[1];
  json_str_is(p1, "patient", "B2");
  json_str_is(p1, "verdict", "success");
  json_num_is(p1, "baseline_days", 3900);
  js_free(v);
  sums_agree();
  CT_EXPECT(0, "config baseline_max_days 28");
  CT_EXPECT(0, "evaluate --all");
  CT_HAS(ct_out, "B2           scs failure           33.33 %");
  CT_EXPECT(2, "config baseline_max_days 0");
  CT_EXPECT(2, "config trial_tolerance_days 61");
  sums_agree();
}

/* SNM: stage 1 on 2025-02-10, a bowel diary of 2 episodes a day before and during the
 * trial (no improvement), and 0 from 2025-03-03 on, after stage 2. */
static void snm_patient(const char *id, const char *stage1, int good) {
  CT_EXPECT(0, "patient add %s --therapy snm --name 'S' --birth 1960-01-01", id);
  CT_EXPECT(0, "path step %s referral --date 2025-01-06", id);
  CT_EXPECT(0, "path step %s scores --date 2025-01-13", id);
  char csv[8192] = "date,incontinence\n";
  int32_t s1;
  assert_int_equal(hu_date_parse(stage1, &s1), 0);
  char d[11];
  hu_date_fmt(d, HU_DATE_LEN, s1 - 9);
  csv_days(csv, sizeof csv, d, 7, ",2");
  hu_date_fmt(d, HU_DATE_LEN, s1 + 1);
  csv_days(csv, sizeof csv, d, 20, good ? ",0" : ",2");
  hu_date_fmt(d, HU_DATE_LEN, s1 + 21);
  csv_days(csv, sizeof csv, d, 22, ",0");
  CT_EXPECT(0, "path step %s stage1 --date %s", id, stage1);
  CT_EXPECT(0, "diary import %s '%s'", id, ct_file("snm.csv", csv));
}

/* Issue 11, point 2: the implant check evaluates the trial up to the day before stage 2. */
static void test_stage2_example(void **st) {
  (void)st;
  snm_patient("M1", "2025-02-10", 0);
  /* Before: an open trial counted the 22 good days after stage 2 too (success). */
  CT_EXPECT(3, "path step M1 stage2-implant --date 2025-03-03");
  CT_HAS(ct_err, "'failure'");
  CT_HAS(ct_err, "20 trial days");
  CT_HAS(ct_err, "--override REASON");
  step_status_is("M1", 3, "pending");
  CT_EXPECT(0, "path step M1 stage2-implant --date 2025-03-03 --override 'urge episodes fell, patient wants it'");
  CT_EXPECT(0, "evaluate M1 --json");
  js_val *v = out_json();
  json_str_is(v, "verdict", "failure");
  json_num_is(v, "reduction_pct", 0);
  json_num_is(v, "trial_days", 2000);
  json_str_is(v, "trial_end", "2025-03-02");
  js_free(v);
  CT_EXPECT(0, "path show M1");
  CT_HAS(ct_out, "override: urge episodes fell, patient wants it (set aside: the trial evaluation is 'failure'");
  /* Stage 2 at 28 + 3 days after stage 1 needs no override; one day later it does, and
   * with one the window reaches the day before stage 2. */
  snm_patient("M2", "2025-02-10", 1);
  CT_EXPECT(2, "path step M2 stage2-implant --date 2025-03-13 --override 'not needed'");
  CT_HAS(ct_err, "needs no override");
  CT_EXPECT(0, "path step M2 stage2-implant --date 2025-03-13"); /* day 31 */
  snm_patient("M3", "2025-02-10", 1);
  CT_EXPECT(3, "path step M3 stage2-implant --date 2025-03-14"); /* day 32 */
  CT_HAS(ct_err, "past its 28-day window and the 3 days' tolerance (2025-03-13 at the latest)");
  CT_EXPECT(3, "path step M3 stage2-removal --date 2025-03-14");
  CT_HAS(ct_err, "past its 28-day window");
  CT_EXPECT(0, "path step M3 stage2-implant --date 2025-03-14 --override 'theatre closed for a week'");
  CT_EXPECT(0, "evaluate M3 --json");
  v = out_json();
  json_str_is(v, "verdict", "success");
  json_num_is(v, "trial_days", 3100);
  json_str_is(js_get(v, "trial_window"), "extended", "theatre closed for a week");
  js_free(v);
  CT_EXPECT(0, "evaluate M3");
  CT_HAS(ct_out, "extended past the 28-day window and 3 days' tolerance by override: theatre closed for a week");
  CT_EXPECT(0, "check M3 --json");
  v = out_json();
  const js_val *w = js_get(v, "warnings");
  assert_int_equal(w->n, 1);
  assert_non_null(strstr(w->items[0].str, "the trial lasted 32 days"));
  assert_non_null(strstr(w->items[0].str, "extended by override: theatre closed for a week"));
  js_free(v);
  sums_agree();
}

/* Issue 11, point 4: the SCS trial lasts 2 weeks, with 3 days' tolerance. */
static void test_trial_length(void **st) {
  (void)st;
  char csv[4096] = "date,nrs\n";
  csv_days(csv, sizeof csv, "2025-02-15", 14, ",8");
  csv_days(csv, sizeof csv, "2025-03-02", 20, ",2");
  CT_EXPECT(0, "patient add T1 --therapy scs --name 'T' --birth 1960-01-01");
  scs_path("T1", "2025-01-05", "2025-01-20", "2025-03-01");
  CT_EXPECT(0, "diary import T1 '%s'", ct_file("t.csv", csv));
  CT_EXPECT(2, "path step T1 trial-end --date 2025-03-18 --override 'no need'");
  CT_HAS(ct_err, "needs no override");
  CT_EXPECT(2, "path step T1 trial-end --date 2025-03-18 --planned --override 'x'");
  CT_HAS(ct_err, "not planned");
  CT_EXPECT(0, "path step T1 trial-end --date 2025-03-18"); /* 17 days: at the tolerance */
  CT_EXPECT(0, "check T1");
  CT_HAS(ct_out, "the trial lasted 17 days");
  CT_HAS(ct_out, "within the 3 days' tolerance");
  CT_EXPECT(0, "path show T1");
  CT_HAS(ct_out, "WARNING: the trial lasted 17 days");
  CT_EXPECT(0, "evaluate T1 --json");
  js_val *v = out_json();
  json_num_is(v, "trial_days", 1700);
  js_free(v);
  CT_EXPECT(0, "patient add T2 --therapy scs --name 'T' --birth 1960-01-01");
  scs_path("T2", "2025-01-05", "2025-01-20", "2025-03-01");
  CT_EXPECT(0, "diary import T2 '%s'", ct_file("t.csv", csv));
  CT_EXPECT(3, "path step T2 trial-end --date 2025-03-19"); /* 18 days: one over */
  CT_HAS(ct_err, "the trial would last 18 days from operation 1 on 2025-03-01, past its 14-day window");
  CT_HAS(ct_err, "2025-03-18 at the latest");
  CT_EXPECT(0, "path step T2 trial-end --date 2025-03-19 --override 'pain nurse ill, evaluation moved'");
  CT_EXPECT(0, "evaluate T2 --json");
  v = out_json();
  json_num_is(v, "trial_days", 1800);
  json_str_is(js_get(v, "trial_window"), "extended", "pain nurse ill, evaluation moved");
  js_free(v);
  CT_EXPECT(0, "check T2");
  CT_HAS(ct_out, "extended by override: pain nurse ill");
  CT_EXPECT(0, "path show T2 --json");
  v = out_json();
  const js_val *te = &js_get(v, "steps")->items[8];
  json_str_is(te, "step", "trial-end");
  json_str_is(js_get(te, "override"), "reason", "pain nurse ill, evaluation moved");
  js_free(v);
  CT_EXPECT(2, "path step T2 implant --date 2025-03-24 --override 'not needed'");
  CT_EXPECT(0, "patient add T5 --therapy scs --name 'T' --birth 1960-01-01");
  CT_EXPECT(2, "path step T5 referral --date 2025-03-24 --override 'x'");
  CT_HAS(ct_err, "an override applies to the step that ends the trial and to the definitive implant, not 'referral'");
  /* An open trial: 17 days after operation 1 still within, 18 days past its window. */
  CT_EXPECT(0, "patient add T3 --therapy scs --name 'T' --birth 1960-01-01");
  scs_path("T3", "2025-01-05", "2025-05-20", "2025-06-13");
  CT_EXPECT(0, "evaluate T3 --json");
  v = out_json();
  json_bool_is(js_get(v, "trial_window"), "open", 1);
  json_bool_is(js_get(v, "trial_window"), "past_window", 0);
  js_free(v);
  CT_EXPECT(0, "patient add T4 --therapy scs --name 'T' --birth 1960-01-01");
  scs_path("T4", "2025-01-05", "2025-05-20", "2025-06-12");
  CT_EXPECT(0, "evaluate T4 --json");
  v = out_json();
  json_bool_is(js_get(v, "trial_window"), "past_window", 1);
  js_free(v);
  CT_EXPECT(0, "evaluate T4");
  CT_HAS(ct_out, "PAST ITS WINDOW");
  CT_EXPECT(0, "check T4");
  CT_HAS(ct_out, "the trial is still open 18 days after operation 1 on 2025-06-12: past its 14-day window");
  CT_EXPECT(0, "path show T4");
  CT_HAS(ct_out, "WARNING: the trial is still open 18 days");
  CT_EXPECT(0, "evaluate --all");
  CT_HAS(ct_out, "T4           scs insufficient-data -  (open trial past its window)");
  /* A planned end past the tolerance is warned about before it is recorded. */
  CT_EXPECT(0, "path step T3 trial-end --date 2025-07-10 --planned");
  CT_EXPECT(0, "check T3");
  CT_HAS(ct_out, "trial-end is planned on 2025-07-10, 27 days after operation 1");
  sums_agree();
}

/* Issue 11, point 3: path import applies the rules of path step; an override needs its
 * reason in an override column, and the reason is shown everywhere. */
static void test_import_rules(void **st) {
  (void)st;
  CT_EXPECT(0, "patient add P1 --therapy scs --name 'P' --birth 1960-01-01");
  CT_EXPECT(0, "path step P1 referral --date 2025-01-05");
  char csv[4096] = "date,nrs\n";
  csv_days(csv, sizeof csv, "2025-02-15", 14, ",8");
  csv_days(csv, sizeof csv, "2025-03-02", 14, ",6");
  CT_EXPECT(0, "diary import P1 '%s'", ct_file("p.csv", csv));
  static const char head[] = "P1,team-review,2025-01-06,\nP1,questionnaires,2025-01-20,\nP1,psychologist,2025-01-21,\n"
                             "P1,intake,2025-01-22,\nP1,decision,2025-01-23,\nP1,screening,2025-02-20,\nP1,trial,2025-03-01,\n";
  char f[2048];
  /* The trial failed (25 %): an implant row without an override is refused. */
  snprintf(f, sizeof f, "patient,step,date,note\n%sP1,trial-end,2025-03-15,\nP1,implant,2025-03-20,\n", head);
  CT_EXPECT(3, "path import '%s'", ct_file("i1.csv", f));
  CT_HAS(ct_err, "line 10: P1: 'implant' on 2025-03-20: the trial evaluation is 'failure'");
  CT_HAS(ct_err, "override column");
  CT_HAS(ct_err, "nothing of");
  step_status_is("P1", 1, "pending");
  /* A trial-end past the tolerance, in an import. */
  snprintf(f, sizeof f, "patient,step,date,override\n%sP1,trial-end,2025-03-19,\n", head);
  CT_EXPECT(3, "path import '%s'", ct_file("i2.csv", f));
  CT_HAS(ct_err, "line 9: P1: 'trial-end' on 2025-03-19: the trial would last 18 days");
  /* With the reasons: stored, and shown by path show, the report and the FHIR export. */
  snprintf(f, sizeof f, "patient,step,date,override\n%sP1,trial-end,2025-03-15,\nP1,implant,2025-03-20,\"patient's choice, "
           "discussed in the team\"\n", head);
  CT_EXPECT(0, "path import '%s'", ct_file("i3.csv", f));
  CT_EXPECT(0, "path show P1");
  js_val *v;
  CT_HAS(ct_out, "override: patient's choice, discussed in the team (set aside: the trial evaluation is 'failure'");
  CT_EXPECT(0, "report P1 --out '%s/r.html'", ct_dir);
  static char html[1 << 18];
  char path[400];
  snprintf(path, sizeof path, "%s/r.html", ct_dir);
  ct_slurp(path, html, sizeof html);
  assert_non_null(strstr(html, "override: patient&#39;s choice") ? strstr(html, "override: patient&#39;s choice")
                                                                  : strstr(html, "override: patient's choice"));
  CT_EXPECT(0, "export P1 --fhir");
  v = out_json();
  const js_val *entry = js_get(v, "entry");
  int found = 0;
  for (size_t i = 0; i < entry->n; i++) {
    const js_val *res = js_get(&entry->items[i], "resource");
    if (strcmp(js_get(res, "resourceType")->str, "Procedure") != 0) continue;
    const js_val *note = js_get(res, "note");
    if (note && strstr(js_get(&note->items[0], "text")->str, "patient's choice, discussed in the team")) found++;
  }
  assert_int_equal(found, 1);
  js_free(v);
  /* An override that overrides nothing is refused in an import as on the command line. */
  CT_EXPECT(0, "patient add P2 --therapy snm --name 'P' --birth 1960-01-01");
  CT_EXPECT(2, "path import '%s'", ct_file("i4.csv", "patient,step,date,override\nP2,referral,2025-01-05,why\n"));
  CT_HAS(ct_err, "line 2: P2: an override applies to the step that ends the trial");
  sums_agree();
}

static void triage_is(const char *args, const char *contact) {
  int rc = ct_run("triage %s --json", args);
  if (rc != 0) fprintf(stderr, "triage %s: %s\n", args, ct_err);
  assert_int_equal(rc, 0);
  js_val *v = out_json();
  const js_val *c = js_get(v, "contact");
  if (!c || c->type != JS_STR || strcmp(c->str, contact) != 0) fprintf(stderr, "triage %s: %s\n", args, ct_out);
  json_str_is(v, "contact", contact);
  js_free(v);
}

/* Issue 11, point 5: seed 004's contact rule, by the time of day and the hours since
 * discharge. 2025-06-30 is a Monday; office hours are ours: 08:00-17:00. */
static void test_triage_contact(void **st) {
  (void)st;
  triage_is("--therapy snm --symptom pus --now '2025-06-30 08:00'", "surgery-outpatient-clinic");
  triage_is("--therapy snm --symptom pus --now '2025-06-30 16:59'", "surgery-outpatient-clinic");
  triage_is("--therapy snm --symptom pus --now '2025-06-30 17:00'", "emergency-department");
  triage_is("--therapy snm --symptom pus --now '2025-06-30 07:59' --discharged '2025-06-01 12:00'", "emergency-department");
  triage_is("--therapy snm --temp 38.5 --now '2025-06-30 20:00' --discharged '2025-06-27 12:00'", "emergency-department");
  triage_is("--therapy snm --symptom heavy-bleeding --now '2025-06-29 10:00' --discharged '2025-06-20 12:00'",
            "emergency-department");
  /* Other urgent questions: the emergency department only in the first 24 hours. */
  triage_is("--therapy snm --symptom redness --now '2025-06-30 20:00' --discharged '2025-06-29 20:01'", "emergency-department");
  triage_is("--therapy snm --symptom redness --now '2025-06-30 20:00' --discharged '2025-06-29 20:00'", "gp-out-of-hours");
  triage_is("--therapy snm --symptom distrust --now '2025-06-28 11:00' --discharged '2025-06-25 12:00'", "gp-out-of-hours");
  triage_is("--therapy snm --symptom distrust --now '2025-06-28 11:00'", "emergency-department-or-gp-out-of-hours");
  triage_is("--therapy snm --symptom distrust --now '2025-06-30 11:00'", "surgery-outpatient-clinic");
  triage_is("--therapy scs --symptom pus --now '2025-06-30 20:00'", "hospital");
  CT_EXPECT(0, "triage --therapy snm --symptom less-effect --now '2025-06-28 11:00'");
  CT_HAS(ct_out, "in office hours (Monday to Friday), not now");
  CT_EXPECT(0, "triage --therapy snm --symptom redness --now '2025-06-30 20:00' --discharged '2025-06-29 20:00'");
  CT_HAS(ct_out, "huisartsenpost");
  CT_HAS(ct_out, "more than 24 hours after discharge");
  /* With --patient the discharge is the day of the last operation (day treatment). */
  CT_EXPECT(0, "patient add N1 --therapy snm --name 'N' --birth 1960-01-01");
  CT_EXPECT(0, "path step N1 referral --date 2025-06-01");
  CT_EXPECT(0, "path step N1 scores --date 2025-06-02");
  CT_EXPECT(0, "path step N1 stage1 --date 2025-06-27");
  triage_is("--patient N1 --symptom redness --now '2025-06-27 20:00'", "emergency-department");
  triage_is("--patient N1 --symptom redness --now '2025-06-28 20:00'", "emergency-department-or-gp-out-of-hours");
  triage_is("--patient N1 --symptom redness --now '2025-06-29 00:00'", "gp-out-of-hours");
  /* Now defaults to the clock (NMOD_NOW in tests). */
  setenv("NMOD_NOW", "2025-06-30 21:15", 1);
  CT_EXPECT(0, "triage --therapy snm --symptom pus --json");
  js_val *v = out_json();
  json_str_is(v, "now", "2025-06-30 21:15");
  json_bool_is(v, "office_hours", 0);
  js_free(v);
  unsetenv("NMOD_NOW");
  CT_EXPECT(2, "triage --therapy snm --symptom pus --now 'yesterday'");
  CT_EXPECT(2, "triage --therapy snm --symptom pus --now '2025-06-30 10:00' --discharged '2025-06-30 10:01'");
  CT_HAS(ct_err, "after now");
}

static void test_leaflet_snm(void **st) {
  (void)st;
  CT_EXPECT(0, "patient add L1 --therapy snm --name 'L' --birth 1960-01-01");
  CT_EXPECT(0, "leaflet L1 --phase trial");
  CT_HAS(ct_out, "which you wear in a belt under your clothing");
  CT_HAS(ct_out, "With the wireless remote control you can change the strength of the stimulation yourself");
  CT_HAS(ct_out, "Fever, pus or unusually much blood from the wound");
  CT_HAS(ct_out, "in the first 24 hours, the surgical outpatient clinic in office hours and the emergency department");
  CT_HAS(ct_out, "after 24 hours, the surgical outpatient clinic in office hours and your GP out-of-hours service");
  CT_EXPECT(0, "leaflet L1 --phase implanted");
  CT_HAS(ct_out, "With your remote control you can adjust the settings");
  CT_EXPECT(0, "patient add L2 --therapy scs --name 'L' --birth 1960-01-01");
  CT_EXPECT(0, "leaflet L2 --phase trial");
  assert_null(strstr(ct_out, "belt"));
  CT_HAS(ct_out, "covered by a plaster on your skin");
}

/* Issue 11, point 5: the response to the test current at lead placement, per contact. */
static void test_lead_response(void **st) {
  (void)st;
  CT_EXPECT(0, "patient add R1 --therapy snm --name 'R' --birth 1960-01-01");
  CT_EXPECT(0, "path step R1 referral --date 2025-05-01");
  CT_EXPECT(0, "path step R1 scores --date 2025-05-02");
  CT_EXPECT(3, "lead-response add R1 --contact E0 --response bellows --threshold-ma 1.2");
  CT_HAS(ct_err, "stage 1");
  CT_EXPECT(0, "path step R1 stage1 --date 2025-06-02");
  CT_EXPECT(0, "lead-response add R1 --contact E0 --response bellows --threshold-ma 1.2");
  CT_HAS(ct_out, "E0 on 2025-06-02: anal bellows contraction at 1.20 mA");
  CT_EXPECT(3, "lead-response add R1 --contact E0 --response toe --threshold-ma 2");
  CT_EXPECT(0, "lead-response add R1 --contact E1 --response toe --threshold-ma 25.50");
  CT_EXPECT(2, "lead-response add R1 --contact E2 --response toe --threshold-ma 25.51");
  CT_EXPECT(2, "lead-response add R1 --contact E2 --response toe --threshold-ma 0");
  CT_EXPECT(2, "lead-response add R1 --contact E2 --response toe --threshold-ma 0.005");
  CT_EXPECT(2, "lead-response add R1 --contact E2 --response toe");
  CT_HAS(ct_err, "--threshold-ma is needed");
  CT_EXPECT(0, "lead-response add R1 --contact E2 --response none");
  CT_EXPECT(0, "lead-response add R1 --contact E15 --response both --threshold-ma 0.01");
  CT_EXPECT(2, "lead-response add R1 --contact E16 --response both --threshold-ma 1");
  CT_EXPECT(2, "lead-response add R1 --contact E01 --response both --threshold-ma 1");
  CT_EXPECT(2, "lead-response add R1 --contact E3 --response twitch --threshold-ma 1");
  CT_EXPECT(3, "lead-response add R1 --contact E3 --response toe --threshold-ma 1 --date 2025-06-03");
  CT_EXPECT(0, "lead-response list R1 --json");
  js_val *v = out_json();
  const js_val *r = js_get(v, "responses");
  assert_int_equal(r->n, 4);
  json_str_is(&r->items[0], "contact", "E0");
  json_str_is(&r->items[0], "response", "bellows");
  json_num_is(&r->items[0], "threshold_ma", 120);
  json_num_is(&r->items[1], "threshold_ma", 2550);
  assert_int_equal(js_get(&r->items[2], "threshold_ma")->type, JS_NULL);
  js_free(v);
  CT_EXPECT(0, "patient add R2 --therapy scs --name 'R' --birth 1960-01-01");
  CT_EXPECT(2, "lead-response add R2 --contact E0 --response toe --threshold-ma 1");
  CT_HAS(ct_err, "SCS patient");
}

/* Issue 11, point 5: earlier treatments are recorded with the referral. */
static void test_earlier_treatments(void **st) {
  (void)st;
  CT_EXPECT(0, "patient add E1 --therapy snm --name 'E' --birth 1960-01-01");
  CT_EXPECT(2, "path step E1 referral --date 2025-01-05 --earlier-treatment massage");
  CT_HAS(ct_err, "is not known: use medication, irrigation, operation or other");
  CT_EXPECT(2, "path step E1 referral --date 2025-01-05 --earlier-treatment 'operation:'");
  CT_EXPECT(0, "path step E1 referral --date 2025-01-05 --earlier-treatment medication:loperamide "
               "--earlier-treatment irrigation --earlier-treatment operation:rectopexy");
  CT_EXPECT(2, "path step E1 scores --date 2025-01-06 --earlier-treatment irrigation");
  CT_HAS(ct_err, "recorded with the referral step");
  CT_EXPECT(0, "path show E1");
  CT_HAS(ct_out, "earlier treatments: medication (loperamide), irrigation, operation (rectopexy)");
  CT_EXPECT(0, "path show E1 --json");
  js_val *v = out_json();
  const js_val *t = js_get(v, "earlier_treatments");
  assert_int_equal(t->n, 3);
  json_str_is(&t->items[2], "kind", "operation");
  json_str_is(&t->items[2], "detail", "rectopexy");
  assert_int_equal(js_get(&t->items[1], "detail")->type, JS_NULL);
  js_free(v);
  /* Undoing the referral takes its earlier treatments along. */
  CT_EXPECT(0, "path undo E1");
  CT_EXPECT(0, "path show E1 --json");
  v = out_json();
  assert_int_equal(js_get(v, "earlier_treatments")->n, 0);
  js_free(v);
  CT_EXPECT(0, "path import '%s'", ct_file("e.csv", "patient,step,date,earlier_treatments\n"
                                                   "E1,referral,2025-01-05,medication:loperamide;operation:rectopexy\n"));
  CT_EXPECT(0, "path show E1");
  CT_HAS(ct_out, "earlier treatments: medication (loperamide), operation (rectopexy)");
  CT_EXPECT(2, "path import '%s'", ct_file("e2.csv", "patient,step,date,earlier_treatments\nE1,scores,2025-01-06,irrigation\n"));
}

/* Every key of the cached (evaluate --all) entry must equal the recomputed one. */
static void same_json(const js_val *a, const js_val *b, const char *where) {
  if (a->type != b->type) fprintf(stderr, "%s: type differs\n", where);
  assert_int_equal(a->type, b->type);
  if (a->type == JS_OBJ) {
    for (size_t i = 0; i < a->n; i++) {
      const js_val *o = js_get(b, a->keys[i]);
      if (!o) fprintf(stderr, "%s.%s: missing in the recomputation\n", where, a->keys[i]);
      assert_non_null(o);
      char w[200];
      snprintf(w, sizeof w, "%s.%s", where, a->keys[i]);
      same_json(&a->items[i], o, w);
    }
  } else if (a->type == JS_ARR) {
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) same_json(&a->items[i], &b->items[i], where);
  } else if (a->type == JS_STR || a->type == JS_NUM) {
    if (strcmp(a->str, b->str) != 0) fprintf(stderr, "%s: cached %s, recomputed %s\n", where, a->str, b->str);
    assert_string_equal(a->str, b->str);
  } else if (a->type == JS_BOOL) {
    assert_int_equal(a->boolean, b->boolean);
  }
}

static void compare_all(int npat) {
  static char all[sizeof ct_out];
  CT_EXPECT(0, "evaluate --all --json");
  memcpy(all, ct_out, sizeof all);
  char err[200];
  js_val *va = js_parse(all, strlen(all), err, sizeof err);
  assert_non_null(va);
  const js_val *pats = js_get(va, "patients");
  assert_int_equal((int)pats->n, npat);
  for (size_t i = 0; i < pats->n; i++) {
    const char *id = js_get(&pats->items[i], "patient")->str;
    CT_EXPECT(0, "evaluate %s --json", id);
    js_val *v1 = out_json();
    same_json(&pats->items[i], v1, id);
    js_free(v1);
  }
  js_free(va);
  sums_agree();
}

/* Property: after random diary, path, score and setting changes (many of them refused), the
 * cached sums that evaluate --all reads agree with a recomputation from the diary, field by
 * field, and clinic_sums_verify finds no difference. Prints seed=N; NMOD_SEED replays. */
static void test_cache_property(void **st) {
  (void)st;
  uint64_t s = ct_seed("cache_property");
  enum { NP = 6 };
  static const char *const scs_steps[] = {"referral", "team-review", "questionnaires", "psychologist", "intake",
                                          "decision", "screening",   "trial",          "trial-end",    "implant",
                                          "follow-up"};
  static const char *const snm_steps[] = {"referral", "scores", "trial", "implant", "follow-up"};
  int nsteps[NP], done[NP];
  int32_t dates[NP][12], today, base;
  assert_int_equal(hu_date_parse("2025-06-30", &today), 0);
  assert_int_equal(hu_date_parse("2025-01-02", &base), 0);
  for (int i = 0; i < NP; i++) {
    CT_EXPECT(0, "patient add C%d --therapy %s --name C --birth 1960-01-01", i, i % 2 ? "snm" : "scs");
    nsteps[i] = i % 2 ? 5 : 11;
    done[i] = 0;
  }
  for (int op = 0; op < 160; op++) {
    int i = (int)(ct_rand(&s) % NP);
    const char *const *steps = i % 2 ? snm_steps : scs_steps;
    int32_t last = done[i] ? dates[i][done[i] - 1] : base - 10;
    char ds[11];
    switch (ct_rand(&s) % 7) {
    case 0:
    case 1: { /* the next step, a few days on; an override when the rules ask for one */
      if (done[i] >= nsteps[i]) break;
      int32_t d = last + (int32_t)(ct_rand(&s) % 25);
      if (d > today) break;
      hu_date_fmt(ds, HU_DATE_LEN, d);
      const char *alt = strcmp(steps[done[i]], "implant") == 0 && ct_rand(&s) % 3 == 0 ? "explant" : steps[done[i]];
      int rc = ct_run("path step C%d %s --date %s", i, alt, ds);
      if (rc == 3 && strstr(ct_err, "--override")) rc = ct_run("path step C%d %s --date %s --override 'property test'", i, alt, ds);
      if (rc == 0) dates[i][done[i]++] = d;
      break;
    }
    case 2: /* undo */
      if (done[i] > 0 && ct_run("path undo C%d", i) == 0) done[i]--;
      break;
    case 3: { /* one day, possibly before the referral or a duplicate (refused) */
      int32_t d = base - 5 + (int32_t)(ct_rand(&s) % (uint64_t)(today - base + 6));
      hu_date_fmt(ds, HU_DATE_LEN, d);
      if (i % 2)
        ct_run("diary add C%d --date %s --incontinence %d --urgency %d", i, ds, (int)(ct_rand(&s) % 6), (int)(ct_rand(&s) % 3));
      else
        ct_run("diary add C%d --date %s --morning %d --evening %d", i, ds, (int)(ct_rand(&s) % 11), (int)(ct_rand(&s) % 11));
      break;
    }
    case 4: { /* a run of days in one import, all or nothing */
      char csv[2048];
      snprintf(csv, sizeof csv, i % 2 ? "date,incontinence,pads\n" : "date,nrs\n");
      int32_t d = base + (int32_t)(ct_rand(&s) % (uint64_t)(today - base - 20));
      int n = 1 + (int)(ct_rand(&s) % 20);
      for (int k = 0; k < n; k++) {
        hu_date_fmt(ds, HU_DATE_LEN, d + k);
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), i % 2 ? "%s,%d,%d\n" : "%s,%d\n", ds, (int)(ct_rand(&s) % 8),
                 (int)(ct_rand(&s) % 4));
      }
      ct_run("diary import C%d '%s'", i, ct_file("prop.csv", csv));
      break;
    }
    case 5: { /* delete a day (often not there) */
      int32_t d = base + (int32_t)(ct_rand(&s) % (uint64_t)(today - base));
      hu_date_fmt(ds, HU_DATE_LEN, d);
      ct_run("diary delete C%d --date %s", i, ds);
      break;
    }
    default: /* a score, or now and then a window setting */
      if (ct_rand(&s) % 4 == 0) {
        static const struct {
          const char *key;
          int v[3];
        } set[] = {{"baseline_max_days", {7, 28, 29}}, {"scs_trial_days", {13, 14, 15}}, {"snm_trial_days", {21, 28, 29}},
                   {"trial_tolerance_days", {0, 1, 3}}};
        int k = (int)(ct_rand(&s) % 4);
        CT_EXPECT(0, "config %s %d", set[k].key, set[k].v[ct_rand(&s) % 3]);
      } else {
        int32_t d = base + (int32_t)(ct_rand(&s) % (uint64_t)(today - base));
        hu_date_fmt(ds, HU_DATE_LEN, d);
        if (i % 2)
          ct_run("score add C%d wexner --date %s solid=%d liquid=1 gas=2 pad=1 lifestyle=0", i, ds, (int)(ct_rand(&s) % 5));
        else
          ct_run("score add C%d nrs --date %s nrs=%d", i, ds, (int)(ct_rand(&s) % 11));
      }
    }
    if (op % 20 == 19) compare_all(NP);
  }
  int recorded = 0;
  for (int i = 0; i < NP; i++) recorded += done[i];
  printf("cache_property: %d steps standing at the end\n", recorded);
}

/* A version 2 database: the override note moves to its own column, the cache is filled. */
static void test_migration(void **st) {
  (void)st;
  char path[400];
  snprintf(path, sizeof path, "%s/clinic.db", ct_dir);
  sqlite3 *db;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  clinic_err me = {0};
  assert_int_equal(clinic_store_migrate(db, 2, &me), CLINIC_E_OK);
  assert_int_equal(sqlite3_exec(db,
                                "INSERT INTO patient(pid, code, therapy, name, birth_date, created_at) VALUES "
                                "(1, 'V1', 'snm', 'V', '1960-01-01', '2025-01-01');"
                                "INSERT INTO path_step(pid, step, date, planned, note) VALUES (1, 'referral', '2025-01-02', 0, NULL),"
                                "(1, 'scores', '2025-01-03', 0, NULL), (1, 'trial', '2025-02-10', 0, NULL),"
                                "(1, 'implant', '2025-03-05', 0, 'override: patient insists');"
                                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
                                "INSERT INTO diary(pid, date, incontinence) SELECT 1, date('2025-01-20', '+' || i || ' days'), "
                                "CASE WHEN i < 21 THEN 3 ELSE 1 END FROM n;",
                                NULL, NULL, NULL),
                   SQLITE_OK);
  sqlite3_close(db);
  CT_EXPECT(0, "init --json");
  CT_HAS(ct_out, "\"schema_version\":7");
  CT_EXPECT(0, "path show V1 --json");
  js_val *v = out_json();
  const js_val *im = &js_get(v, "steps")->items[3];
  json_str_is(js_get(im, "override"), "reason", "patient insists");
  assert_null(js_get(im, "note"));
  js_free(v);
  compare_all(1);
  CT_EXPECT(0, "config --json");
  v = out_json();
  json_str_is(v, "baseline_max_days", "28");
  json_str_is(v, "trial_tolerance_days", "3");
  js_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_baseline_example, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_stage2_example, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_trial_length, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_import_rules, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_triage_contact, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_leaflet_snm, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_lead_response, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_earlier_treatments, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_cache_property, ct_setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_migration, ct_setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
