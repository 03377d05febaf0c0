/* test_sim_cord.c: the cord model's one table of fields (ports/sim/sim_cord_fields.tsv)
 * against what depends on it: the defaults pass the range check, every range holds at its
 * two ends and fails just outside them, docs/CLOSED-LOOP.md's field table states the same
 * defaults and ranges, and examples/cord-default.json is the default written out. */
#include "testutil.h"

#include <math.h>

#include "cord_file.h"
#include "sim_cord.h"

static const char *src_dir(void) {
  const char *src = getenv("NMOD_SRC");
  return src ? src : NMOD_SRC_DIR;
}

static size_t n_fields(void) {
  size_t n = 0;
  while (sim_cord_fields[n].key) n++;
  return n;
}

static void test_defaults_in_range(void **state) {
  (void)state;
  sim_cord_params_t p;
  const char *what = "unset";
  sim_cord_defaults(&p);
  assert_int_equal(sim_cord_params_check(&p, &what), 0);
  assert_null(what);
  assert_int_equal(n_fields(), sizeof p / sizeof(double)); /* every member has its row */
  for (const sim_cord_field_t *f = sim_cord_fields; f->key; f++) {
    assert_true(f->lo < f->hi);
    assert_true(f->def >= f->lo && f->def <= f->hi);
    assert_true(*sim_cord_field(&p, f) == f->def);
  }
}

/* Each field at its range's ends passes, just outside fails naming it (the other fields at
 * their defaults); discomfort must also stay above perception. */
static void test_ranges_at_their_ends(void **state) {
  (void)state;
  for (const sim_cord_field_t *f = sim_cord_fields; f->key; f++) {
    const double at[4] = {f->lo, f->hi, f->lo - fabs(f->lo) * 1e-9 - 1e-12, f->hi * (1.0 + 1e-9)};
    for (int i = 0; i < 4; i++) {
      sim_cord_params_t p;
      const char *what = NULL;
      sim_cord_defaults(&p);
      *sim_cord_field(&p, f) = at[i];
      int ok = i < 2;
      /* The ratio rule: discomfort at 1.0 or perception at 3.0 breaks discomfort > perception. */
      if (ok && p.discomfort <= p.perception) {
        assert_int_equal(sim_cord_params_check(&p, &what), -1);
        assert_string_equal(what, "discomfort_ratio");
        continue;
      }
      assert_int_equal(sim_cord_params_check(&p, &what), ok ? 0 : -1);
      if (!ok) assert_string_equal(what, f->key);
    }
    sim_cord_params_t p;
    const char *what = NULL;
    sim_cord_defaults(&p);
    *sim_cord_field(&p, f) = NAN;
    assert_int_equal(sim_cord_params_check(&p, &what), -1);
    assert_string_equal(what, f->key);
  }
}

/* The row of docs/CLOSED-LOOP.md's field table for key: "| `key` | DEFAULT unit | LO-HI... |". */
static void doc_row(const char *doc, const char *key, double *def, double *lo, double *hi) {
  char pat[80];
  snprintf(pat, sizeof pat, "| `%s` | ", key);
  const char *r = strstr(doc, pat);
  if (!r) fail_msg("docs/CLOSED-LOOP.md has no row for %s", key);
  r += strlen(pat);
  char *end;
  *def = strtod(r, &end);
  if (end == r) fail_msg("%s: no default in the docs", key);
  r = strstr(end, "| ");
  assert_non_null(r);
  r += 2;
  *lo = strtod(r, &end);
  if (end == r || *end != '-') fail_msg("%s: no range LO-HI in the docs", key);
  *hi = strtod(end + 1, &end);
}

static void test_docs_state_the_table(void **state) {
  (void)state;
  char path[1024];
  snprintf(path, sizeof path, "%s/docs/CLOSED-LOOP.md", src_dir());
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  static char doc[256 * 1024];
  size_t n = fread(doc, 1, sizeof doc - 1, fp);
  fclose(fp);
  doc[n] = '\0';
  for (const sim_cord_field_t *f = sim_cord_fields; f->key; f++) {
    double def, lo, hi;
    doc_row(doc, f->key, &def, &lo, &hi);
    if (def != f->def || lo != f->lo || hi != f->hi) {
      fail_msg("%s: the docs say %g in %g-%g, the table %g in %g-%g", f->key, def, lo, hi, f->def, f->lo, f->hi);
    }
  }
}

static void test_example_is_the_default(void **state) {
  (void)state;
  char path[1024], err[1024];
  snprintf(path, sizeof path, "%s/examples/cord-default.json", src_dir());
  sim_cord_params_t file, def;
  assert_int_equal(cf_load(path, &file, err, sizeof err), 0);
  sim_cord_defaults(&def);
  for (const sim_cord_field_t *f = sim_cord_fields; f->key; f++) {
    if (*sim_cord_field(&file, f) != *sim_cord_field(&def, f)) fail_msg("cord-default.json: %s differs", f->key);
  }
  /* An unknown key is refused, listing the table's keys. */
  const char *bad = "{\"format\": \"nmod-cord/1\", \"nosie_uv\": 2}";
  assert_int_equal(cf_parse(bad, strlen(bad), &file, err, sizeof err), -1);
  assert_non_null(strstr(err, "unknown field \"nosie_uv\""));
  assert_non_null(strstr(err, "front_end_range_uv"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_in_range),
      cmocka_unit_test(test_ranges_at_their_ends),
      cmocka_unit_test(test_docs_state_the_table),
      cmocka_unit_test(test_example_is_the_default),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
