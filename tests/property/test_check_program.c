/* test_check_program.c: `nmod check` and `nmod programmer program` give the same verdict on
 * random therapy files, because both go through the firmware's command path.
 *
 * Therapy files are drawn with the core property test's program generator (randprog.h: in
 * range, or around and beyond every limit), in sets that also break the running-set rules
 * (none running, two on an SNM stimulator, five at once, rates that do not interleave), and
 * written as nmod-therapy/1 files. Each file goes through `nmod check FILE --json` and
 * through `nmod programmer program FILE --json` against a real `nmod sim` of the file's kind
 * and lead on loopback. Both must exit the same (0 accepted, 3 refused, 2 not a therapy)
 * and, when refused, name the same refusal: status, program, the supervisor's reason bits
 * and why the running set cannot run. Seed printed; NMOD_SEED replays. */
#include "e2e.h"
#include "randprog.h"
#include "therapy_file.h"

#define FILES 300
#define KINDS 6 /* therapy x catalog lead, one simulated device each */

typedef struct {
  int code;
  char refusal[256]; /* the "refusal" object, fields in a fixed order; "" for none */
} verdict_t;

/* The refusal object of a command's JSON output, or "" when null or absent. */
static void refusal_of(const proc_result_t *r, char *out, size_t cap) {
  out[0] = '\0';
  if (r->out_len == 0) return;
  js_val *v = json_of(r);
  const js_val *f = js_get(v, "refusal");
  if (f && f->type == JS_OBJ) {
    const js_val *st = js_get(f, "status"), *pg = js_get(f, "program"), *rb = js_get(f, "reason_bits"),
                 *rs = js_get(f, "running_set");
    int64_t bits = -1;
    assert_non_null(st);
    assert_non_null(pg);
    assert_non_null(rs);
    assert_int_equal(js_num_fixed(rb, 0, &bits), 0);
    snprintf(out, cap, "status=%s program=%s bits=0x%llx set=%s", st->str, pg->type == JS_STR ? pg->str : "-",
             (unsigned long long)bits, rs->str);
  }
  js_free(v);
}

static void run_check(const char *file, verdict_t *v) {
  proc_result_t r;
  v->code = RUN(&r, "check", (char *)file, "--json");
  if (v->code != 2) refusal_of(&r, v->refusal, sizeof v->refusal);
  else v->refusal[0] = '\0';
  proc_free(&r);
}

static void run_program(const char *file, verdict_t *v) {
  proc_result_t r;
  v->code = PROG(&r, "program", (char *)file, "--json");
  if (v->code == 3) refusal_of(&r, v->refusal, sizeof v->refusal);
  else v->refusal[0] = '\0';
  if (v->code != 0 && v->code != 2 && v->code != 3) fail_msg("programmer program exit %d: %s", v->code, r.err);
  proc_free(&r);
}

/* A therapy of `therapy` on `lead`: one to five programs, the running set sometimes none,
 * sometimes more than one program on SNM. */
static void random_therapy(uint64_t *s, uint8_t therapy, const nm_lead_t *lead, tf_therapy_t *t) {
  memset(t, 0, sizeof *t);
  t->therapy = therapy;
  t->lead = *lead;
  t->load = tu_load(tu_range(s, 100, 3000), tu_range(s, 0, 9) ? 12000 : tu_range(s, 0, 45000));
  int wild = tu_range(s, 0, 2) == 0;
  uint32_t r = tu_range(s, 0, 9);
  t->n_prog = (uint8_t)(r < 5 ? 1 : r < 8 ? tu_range(s, 2, 4) : 5);
  for (uint8_t i = 0; i < t->n_prog; i++) {
    t->prog[i] = rp_prog(s, lead, i, wild);
    if (t->prog[i].wave >= NM_WAVE_COUNT) t->prog[i].wave = NM_WAVE_TONIC; /* a file cannot say it */
  }
  t->running_mask = (uint8_t)((1u << t->n_prog) - 1u);
  uint32_t m = tu_range(s, 0, 9);
  if (m == 0) t->running_mask = 0;
  else if (m == 1) t->running_mask = (uint8_t)tu_range(s, 1, t->running_mask);
  else if (therapy == NM_THERAPY_SNM && m < 7) t->running_mask = 1; /* mostly what SNM runs */
}

static void test_check_matches_programmer(void **state_) {
  (void)state_;
  uint64_t s = tu_seed("property_check_program"), seed0 = s;
  static const char *const therapies[2] = {"scs", "snm"};
  int agree = 0, accepted = 0, refused = 0, set_refusals = 0, invalid = 0;
  for (int k = 0; k < KINDS; k++) {
    uint8_t therapy = (uint8_t)(k / 3 == 0 ? NM_THERAPY_SCS : NM_THERAPY_SNM);
    uint8_t model = (uint8_t)(k % 3 + 1);
    const nm_lead_t *lead = nm_lead_catalog(model);
    snprintf(state, sizeof state, "%s/dev%d", tmpdir, k);
    sim_start_as(state, "ins", therapies[therapy], nm_lead_name(model), "60", NULL);
    for (int i = 0; i < FILES / KINDS; i++) {
      static tf_therapy_t t;
      random_therapy(&s, therapy, lead, &t);
      char file[400];
      snprintf(file, sizeof file, "%s/t%d-%d.json", tmpdir, k, i);
      FILE *f = fopen(file, "w");
      assert_non_null(f);
      assert_int_equal(tf_write(f, &t), 0);
      assert_int_equal(fclose(f), 0);
      verdict_t c, p;
      run_check(file, &c);
      run_program(file, &p);
      if (c.code != p.code || strcmp(c.refusal, p.refusal) != 0) {
        fail_msg("seed=%llu file %s: nmod check exit %d (%s), programmer program exit %d (%s)",
                 (unsigned long long)seed0, file, c.code, c.refusal, p.code, p.refusal);
      }
      agree++;
      accepted += c.code == 0;
      refused += c.code == 3;
      invalid += c.code == 2;
      set_refusals += strstr(c.refusal, "set=ok") == NULL && c.code == 3;
      unlink(file);
    }
    sim_stop(SIGTERM);
  }
  printf("  seed=%llu: %d files, the same verdict on each: %d accepted, %d refused (%d by the running set), "
         "%d not therapies\n",
         (unsigned long long)seed0, agree, accepted, refused, set_refusals, invalid);
  assert_int_equal(agree, FILES);
  assert_true(accepted > FILES / 10);
  assert_true(refused > FILES / 10);
  assert_true(set_refusals > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_check_matches_programmer)};
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
