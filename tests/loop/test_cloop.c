/* test_cloop.c: the closed loop of the output stage (ports/loop/cloop.h) on its own, fed
 * samples directly: the step limit, the ceiling and the floor at their boundaries, the
 * scaling of a channel to an amplitude, every sensor fault falling back never above the
 * last good amplitude and never raising afterwards, and a property test over random
 * bounds and random sample streams (the seed is printed; NMOD_SEED replays it). And the
 * sensing front end model of the Cortex-M port's output stage (ports/loop/cloop_fe.h): its
 * documented points, the loop holding the window on its moving cord, and each fault it can
 * show making the loop fall back with that fault. */
#include "testutil.h"

#include "cloop.h"
#include "cloop_fe.h"

static nm_loop_bounds_t bounds(uint32_t start_ua, uint32_t step_ua) {
  nm_loop_bounds_t b;
  memset(&b, 0, sizeof b);
  b.on = 1;
  b.target_uv = 50;
  b.lo_uv = 25;
  b.hi_uv = 85;
  b.floor_ua = 0;
  b.step_ua = step_ua;
  b.start_ua = start_ua;
  return b;
}

static void feed(cloop_t *l, int32_t uv, uint8_t flags) {
  cloop_sample_t s = {uv, flags};
  cloop_sample(l, &s);
}

/* A response that asks for more current, with a little variation (so not flat). */
static int32_t low_uv(unsigned i) { return 30 + (int32_t)(i % 3u); }

static void test_step_limit_boundary(void **state) {
  (void)state;
  const uint32_t steps[] = {10, 20, 400, 2000};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    cloop_t l;
    nm_loop_bounds_t b = bounds(2000, steps[k]);
    cloop_start(&l, 0, &b, 9000);
    assert_int_equal(cloop_amp(&l), 2000);
    unsigned hit = 0;
    for (unsigned i = 0; i < 200; i++) {
      uint32_t before = cloop_amp(&l);
      feed(&l, low_uv(i), 0);
      uint32_t after = cloop_amp(&l);
      assert_int_equal(l.state, NM_LOOP_RUN);
      /* Up by at most the step (never one 10 uA more), in the stage's resolution. */
      assert_true(after <= before + steps[k]);
      assert_int_equal(after % CLOOP_RES_UA, 0);
      if (after == before + steps[k]) hit++;
    }
    /* With small steps the limit is what holds the rise back: it is reached exactly. */
    if (steps[k] <= 400) assert_true(hit > 0);
  }
}

static void test_fall_not_step_limited(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(6000, 10);
  cloop_start(&l, 0, &b, 9000);
  feed(&l, 400, 0); /* far above the window: lower at once, by more than a step */
  assert_true(cloop_amp(&l) < 6000 - 10);
  assert_true(cloop_amp(&l) <= 6000 * 3 / 10 + CLOOP_RES_UA); /* one sample asks at most -70 % */
}

static void test_ceiling_boundary(void **state) {
  (void)state;
  /* A ceiling off the stage's resolution is rounded down; a ceiling above the stage's
   * range is held at NM_AMP_MAX_UA. */
  const uint32_t ceils[] = {3000, 3005, 3009, 10, 9, NM_AMP_MAX_UA, NM_AMP_MAX_UA + 5000u};
  for (size_t k = 0; k < sizeof ceils / sizeof ceils[0]; k++) {
    uint32_t c = ceils[k] > NM_AMP_MAX_UA ? NM_AMP_MAX_UA : ceils[k];
    uint32_t top = c - c % CLOOP_RES_UA;
    cloop_t l;
    nm_loop_bounds_t b = bounds(top, 2000);
    cloop_start(&l, 0, &b, ceils[k]);
    assert_true(cloop_amp(&l) <= top);
    uint32_t max_seen = 0;
    for (unsigned i = 0; i < 300; i++) {
      feed(&l, low_uv(i) + 5, 0); /* in the window but below target: keep asking for more */
      assert_true(cloop_amp(&l) <= top);
      if (cloop_amp(&l) > max_seen) max_seen = cloop_amp(&l);
    }
    assert_int_equal(max_seen, top); /* it does reach the ceiling, and stops there */
  }
}

static void test_start_above_ceiling(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(8000, 400);
  cloop_start(&l, 0, &b, 5000);
  assert_true(cloop_amp(&l) <= 5000);
}

static void test_floor(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(3000, 400);
  b.floor_ua = 1200;
  cloop_start(&l, 0, &b, 9000);
  for (unsigned i = 0; i < 100; i++) {
    feed(&l, 80 + (int32_t)(i % 4u), 0); /* high in the window: lower */
    assert_true(cloop_amp(&l) >= 1200);
  }
  assert_int_equal(cloop_amp(&l), 1200);
}

static void test_rebound_lower_ceiling(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(6000, 400);
  cloop_start(&l, 0, &b, 9000);
  for (unsigned i = 0; i < 20; i++) feed(&l, low_uv(i), 0);
  cloop_rebound(&l, &b, 2500);
  assert_true(cloop_amp(&l) <= 2500);
  for (unsigned i = 0; i < 50; i++) {
    feed(&l, low_uv(i), 0);
    assert_true(cloop_amp(&l) <= 2500);
  }
}

/* Run a loop on target for a while (a good amplitude on record), then a fault. */
static void settle(cloop_t *l, uint32_t start_ua) {
  nm_loop_bounds_t b = bounds(start_ua, 400);
  cloop_start(l, 0, &b, 9000);
  for (unsigned i = 0; i < 60; i++) feed(l, 48 + (int32_t)(i % 5u), 0);
  assert_int_equal(l->state, NM_LOOP_RUN);
  assert_true(l->last_good_ua > 0);
}

/* After a fallback: the amplitude is fixed, at or below the last good one and the last
 * delivered, and no later sample (even one asking for more) raises it. */
static void assert_fell_back(cloop_t *l, uint8_t fault, uint32_t good_before, uint32_t last_before) {
  assert_int_equal(l->state, NM_LOOP_FALLBACK);
  assert_int_equal(l->fault, fault);
  assert_int_equal(l->event, 1);
  uint32_t a = cloop_amp(l);
  assert_true(a <= good_before);
  assert_true(a <= last_before);
  assert_int_equal(a, l->fallback_ua);
  nm_loop_status_t st;
  cloop_status(l, &st);
  assert_int_equal(st.state, NM_LOOP_FALLBACK);
  assert_int_equal(st.fault, fault);
  assert_int_equal(st.fallback_ua, a);
  for (unsigned i = 0; i < 100; i++) {
    feed(l, (int32_t)(i % 2u) * 3, 0); /* nothing measured: an open loop would raise */
    assert_int_equal(cloop_amp(l), a);
    assert_int_equal(l->state, NM_LOOP_FALLBACK);
  }
}

static void test_fault_leadoff(void **state) {
  (void)state;
  cloop_t l;
  settle(&l, 3000);
  uint32_t good = l.last_good_ua, last = cloop_amp(&l);
  /* Two flagged samples are not yet a fault (the boundary), a good one clears the run. */
  feed(&l, 0, CLOOP_S_LEADOFF);
  feed(&l, 0, CLOOP_S_LEADOFF);
  assert_int_equal(l.state, NM_LOOP_RUN);
  feed(&l, 50, 0);
  feed(&l, 0, CLOOP_S_LEADOFF);
  feed(&l, 0, CLOOP_S_LEADOFF);
  assert_int_equal(l.state, NM_LOOP_RUN);
  uint32_t good2 = l.last_good_ua > 0 ? l.last_good_ua : good;
  last = cloop_amp(&l);
  feed(&l, 0, CLOOP_S_LEADOFF);
  assert_fell_back(&l, NM_LOOP_F_CONTACT, good2, last);
}

static void test_fault_flat(void **state) {
  (void)state;
  cloop_t l;
  settle(&l, 3000);
  uint32_t good = l.last_good_ua;
  uint32_t last = 0;
  unsigned n = 0;
  while (l.state == NM_LOOP_RUN && n < 200) {
    last = cloop_amp(&l);
    feed(&l, 47, 0); /* the same value every time: no contact */
    n++;
    if (l.state == NM_LOOP_RUN && l.last_good_ua) good = l.last_good_ua;
  }
  /* The flat run counts once the second difference is zero too (the third equal sample). */
  assert_int_equal(n, CLOOP_RUN_FLAT + 2u);
  assert_fell_back(&l, NM_LOOP_F_CONTACT, good, last);
}

static void test_fault_saturated(void **state) {
  (void)state;
  cloop_t l;
  settle(&l, 3000);
  uint32_t good = l.last_good_ua, last = cloop_amp(&l);
  for (unsigned i = 0; i < CLOOP_RUN_FLAG - 1u; i++) {
    feed(&l, 50 + (int32_t)i, CLOOP_S_CLIP);
    assert_int_equal(l.state, NM_LOOP_RUN);
    last = cloop_amp(&l);
  }
  feed(&l, 49, CLOOP_S_CLIP);
  assert_fell_back(&l, NM_LOOP_F_SATURATED, good, last);
}

static void test_fault_noise(void **state) {
  (void)state;
  cloop_t l;
  settle(&l, 3000);
  uint32_t good = l.last_good_ua, last = cloop_amp(&l);
  uint64_t s = 12345;
  unsigned n = 0;
  while (l.state == NM_LOOP_RUN && n < 100) {
    last = cloop_amp(&l);
    if (l.last_good_ua) good = l.last_good_ua;
    feed(&l, 50 + (int32_t)tu_range(&s, 0, 400) - 200, 0); /* +-200 uV on a 60 uV window */
    n++;
  }
  assert_true(n < 100);
  assert_fell_back(&l, NM_LOOP_F_NOISE, good, last);
}

static void test_fault_no_response(void **state) {
  (void)state;
  cloop_t l;
  settle(&l, 3000);
  uint32_t good = l.last_good_ua, last = 0;
  unsigned n = 0;
  while (l.state == NM_LOOP_RUN && n < 500) {
    last = cloop_amp(&l);
    feed(&l, (int32_t)(n % 3u), 0); /* below half the window's low bound: no ECAP */
    n++;
  }
  assert_true(n >= CLOOP_RUN_LOW);
  assert_true(n < 500);
  /* The loop raised the current looking for the response before it gave up, but it falls
   * back to the last good amplitude, not to where it got. */
  assert_true(last > good);
  assert_fell_back(&l, NM_LOOP_F_NO_RESPONSE, good, last);
  assert_int_equal(cloop_amp(&l), good);
}

/* No response while the loop sits at its ceiling wanting more: it cannot raise the current
 * by half again, so the count at the ceiling decides; a ceiling that rises (a soft start)
 * restarts that count, and no fault comes while it does. */
static void test_fault_no_response_at_ceiling(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(500, 400);
  uint32_t ceil = 500;
  cloop_start(&l, 0, &b, ceil);
  for (unsigned i = 0; i < 200; i++) {
    if (i % 5u == 4u) {
      ceil += 100; /* a soft start: 0.1 mA per tick of five units */
      cloop_rebound(&l, &b, ceil);
    }
    feed(&l, (int32_t)(i % 3u), 0);
    assert_int_equal(l.state, NM_LOOP_RUN);
    assert_true(cloop_amp(&l) <= ceil);
  }
  /* The ceiling stops (the ramp is done): the response is missing at the ceiling. */
  uint32_t last = 0;
  unsigned n = 0;
  while (l.state == NM_LOOP_RUN && n < 200) {
    last = cloop_amp(&l);
    feed(&l, (int32_t)(n % 3u), 0);
    n++;
  }
  assert_int_equal(last, ceil);
  assert_true(n <= CLOOP_RUN_LOW + 1u);
  /* Never a good sample: back to the start amplitude. */
  assert_fell_back(&l, NM_LOOP_F_NO_RESPONSE, 500, last);
  assert_int_equal(cloop_amp(&l), 500);
}

/* A fault before any good sample falls back to the start amplitude (or lower). */
static void test_fault_before_any_good(void **state) {
  (void)state;
  cloop_t l;
  nm_loop_bounds_t b = bounds(2500, 400);
  cloop_start(&l, 0, &b, 9000);
  for (unsigned i = 0; i < CLOOP_RUN_FLAG; i++) feed(&l, 10, CLOOP_S_LEADOFF);
  assert_fell_back(&l, NM_LOOP_F_CONTACT, 2500, 2500);
}

/* A channel of random balanced currents. */
static void random_chan(uint64_t *s, nm_chan_t *ch) {
  memset(ch, 0, sizeof *ch);
  uint32_t n_cath = tu_range(s, 1, 3), n_anod = tu_range(s, 1, 3);
  uint32_t total = tu_range(s, 10, NM_AMP_MAX_UA);
  int32_t left = (int32_t)total;
  for (uint32_t i = 0; i < n_cath; i++) {
    int32_t part = i + 1 == n_cath ? left : (int32_t)tu_range(s, 0, (uint32_t)left);
    ch->node_ua[i] -= part;
    left -= part;
  }
  left = (int32_t)total;
  for (uint32_t i = 0; i < n_anod; i++) {
    int32_t part = i + 1 == n_anod ? left : (int32_t)tu_range(s, 0, (uint32_t)left);
    ch->node_ua[NM_NODES - 1 - i] += part;
    left -= part;
  }
}

static void test_property_scale(void **state) {
  (void)state;
  uint64_t s = tu_seed("property_cloop_scale");
  for (int it = 0; it < 20000; it++) {
    nm_chan_t ch;
    random_chan(&s, &ch);
    cloop_chan_t cc;
    cloop_chan_of(&ch, &cc);
    uint32_t amp = tu_range(&s, 0, cc.ceil_ua + 100u);
    int32_t out[NM_NODES];
    uint32_t got = cloop_scale(&cc, amp, out);
    int64_t sum = 0, cath = 0;
    for (uint8_t i = 0; i < cc.n; i++) {
      int32_t full = cc.ua[i];
      sum += out[i];
      if (out[i] < 0) cath -= out[i];
      /* Never larger than at the ceiling, never the other sign. */
      if (full < 0) assert_true(out[i] <= 0 && out[i] >= full);
      else assert_true(out[i] >= 0 && out[i] <= full);
    }
    if (sum != 0) fail_msg("seed replay: iteration %d: currents sum to %lld", it, (long long)sum);
    assert_int_equal(cath, got);
    assert_true(got <= cc.ceil_ua);
    assert_true(got <= amp || amp >= cc.ceil_ua);
  }
}

/* Random bounds and ceilings, random sample streams (values, flags, runs of each): the
 * loop never sets an amplitude above its ceiling or below its floor, never rises by more
 * than its step, and once fallen back never moves again (and not above what it had). */
static void test_property_random_streams(void **state) {
  (void)state;
  uint64_t s = tu_seed("property_cloop_streams");
  unsigned fallbacks[NM_LOOP_F_COUNT] = {0};
  for (int it = 0; it < 3000; it++) {
    nm_loop_bounds_t b;
    memset(&b, 0, sizeof b);
    b.on = 1;
    b.lo_uv = (uint16_t)tu_range(&s, 1, 400);
    b.target_uv = (uint16_t)(b.lo_uv + tu_range(&s, 1, 200));
    b.hi_uv = (uint16_t)(b.target_uv + tu_range(&s, 1, 400));
    b.step_ua = tu_range(&s, 1, 200) * CLOOP_RES_UA;
    uint32_t ceil = tu_range(&s, 0, NM_AMP_MAX_UA + 1000u);
    b.floor_ua = tu_range(&s, 0, 3000);
    b.start_ua = tu_range(&s, 0, NM_AMP_MAX_UA + 1000u);
    cloop_t l;
    cloop_start(&l, 0, &b, ceil);
    uint32_t c = ceil > NM_AMP_MAX_UA ? NM_AMP_MAX_UA : ceil;
    uint32_t top = c - c % CLOOP_RES_UA;
    uint32_t bottom = b.floor_ua - b.floor_ua % CLOOP_RES_UA;
    if (bottom > top) bottom = top;
    uint32_t fixed = 0;
    int32_t base = (int32_t)tu_range(&s, 0, 3u * b.hi_uv);
    for (int k = 0; k < 400; k++) {
      uint32_t before = cloop_amp(&l), good = l.last_good_ua;
      uint32_t r = tu_range(&s, 0, 99);
      cloop_sample_t smp = {base + (int32_t)tu_range(&s, 0, 40) - 20, 0};
      if (r < 3) smp.flags = CLOOP_S_LEADOFF;
      else if (r < 6) smp.flags = CLOOP_S_CLIP;
      else if (r < 8) smp.uv = (int32_t)tu_range(&s, 0, 4000) - 2000;
      if (tu_range(&s, 0, 49) == 0) base = (int32_t)tu_range(&s, 0, 3u * b.hi_uv);
      uint8_t was = l.state;
      cloop_sample(&l, &smp);
      uint32_t a = cloop_amp(&l);
      if (a > top || a % CLOOP_RES_UA) fail_msg("seed replay: iteration %d: amplitude %u over the ceiling %u", it, a, top);
      if (l.state == NM_LOOP_RUN) {
        if (a > before + b.step_ua) fail_msg("seed replay: iteration %d: rose %u -> %u, step %u", it, before, a, b.step_ua);
        if (a < bottom) fail_msg("seed replay: iteration %d: %u under the floor %u", it, a, bottom);
      } else if (was == NM_LOOP_RUN) {
        fallbacks[l.fault]++;
        fixed = a;
        if (a > before) fail_msg("seed replay: iteration %d: the fallback %u is above the last unit %u", it, a, before);
        if (good && a > good) fail_msg("seed replay: iteration %d: the fallback %u is above the last good %u", it, a, good);
      } else if (a != fixed) {
        fail_msg("seed replay: iteration %d: a fallen-back loop moved %u -> %u", it, fixed, a);
      }
    }
  }
  printf("  fallbacks: contact %u, saturated %u, noise %u, no response %u\n", fallbacks[1], fallbacks[2],
         fallbacks[3], fallbacks[4]);
  /* The streams are rough enough to meet every fault (so the checks above ran on them). */
  for (int f = 1; f < NM_LOOP_F_COUNT; f++) assert_true(fallbacks[f] > 0);
}

/* Inputs outside anything the front end and the core give: any int32 sample (the rails of
 * the type among them), a target of 0 or 1 uV, a window of the whole uint16 range (so a
 * huge noise is not a fault). The loop's arithmetic stays defined (the sanitizers abort on
 * an overflow or a division by 0: the error is taken in 64 bits, a target of 0 counts as
 * 1 uV in the noise's scale, the noise's scale is capped where it no longer matters) and
 * the amplitude stays inside its ceiling, floor and step. */
static void test_extreme_inputs(void **state) {
  (void)state;
  const uint16_t targets[] = {0, 1, 50, 65535};
  for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
    int32_t t = targets[k];
    nm_loop_bounds_t b = bounds(3000, 200);
    b.target_uv = targets[k];
    b.lo_uv = 0;
    b.hi_uv = 65535;
    cloop_t l;
    cloop_start(&l, 0, &b, NM_AMP_MAX_UA);
    unsigned run = 0;
    for (unsigned i = 0; i < 600; i++) {
      const int32_t uvs[] = {t, INT32_MAX, t, INT32_MIN, t + 1, -t, t, t - 1, INT32_MIN + 1, 65535};
      uint32_t before = cloop_amp(&l);
      feed(&l, uvs[i % (sizeof uvs / sizeof uvs[0])], 0);
      uint32_t a = cloop_amp(&l);
      assert_true(a <= NM_AMP_MAX_UA);
      assert_int_equal(a % CLOOP_RES_UA, 0);
      if (l.state == NM_LOOP_RUN) {
        run++;
        assert_true(a <= before + b.step_ua);
      }
    }
    assert_true(run > 0);
  }
}

/* The front end model at its documented points: the threshold 2.0 mA at unit 0, 3.0 mA
 * half a period later, back at 2.0 mA after a whole one; 50 uV per mA above it with -4..+3 uV
 * of noise; nothing but noise below; and each fault as a front end shows it. */
static void test_fe_points(void **state) {
  (void)state;
  cfe_t f;
  cfe_init(&f);
  assert_int_equal(cfe_threshold_ua(&f), 2000);
  cloop_sample_t smp;
  int32_t lo = 1000, hi = -1000;
  for (uint32_t u = 0; u < 1000; u++) {
    uint32_t thr = cfe_threshold_ua(&f);
    if (u == 250) assert_int_equal(thr, 2500);
    if (u == 500) assert_int_equal(thr, 3000);
    cfe_measure(&f, thr + 1000u, &smp); /* 1 mA above: 50 uV */
    assert_int_equal(smp.flags, 0);
    assert_true(smp.uv >= 46 && smp.uv <= 53);
    if (smp.uv < lo) lo = smp.uv;
    if (smp.uv > hi) hi = smp.uv;
  }
  assert_int_equal(lo, 46);
  assert_int_equal(hi, 53);
  assert_int_equal(cfe_threshold_ua(&f), 2000);
  cfe_measure(&f, 1500, &smp); /* below threshold: noise only */
  assert_true(smp.uv >= -4 && smp.uv <= 3);
  cfe_fault(&f, CFE_LEADOFF);
  cfe_measure(&f, 3000, &smp);
  assert_int_equal(smp.flags, CLOOP_S_LEADOFF);
  assert_int_equal(smp.uv, 0);
  cfe_fault(&f, CFE_CLIP);
  cfe_measure(&f, 3000, &smp);
  assert_int_equal(smp.flags, CLOOP_S_CLIP);
  assert_int_equal(smp.uv, CFE_RAIL_UV);
  cfe_fault(&f, CFE_DEAD);
  cfe_measure(&f, 8000, &smp); /* far above threshold, and nothing */
  assert_true(smp.uv >= -4 && smp.uv <= 3);
  cfe_fault(&f, CFE_NOISE);
  int32_t big = 0;
  for (int i = 0; i < 100; i++) {
    cfe_measure(&f, 3000, &smp);
    assert_true(smp.uv >= -CFE_NOISE_UV && smp.uv <= CFE_NOISE_UV + 50);
    if (smp.uv > 150 || smp.uv < -150) big++;
  }
  assert_true(big > 20);
  cfe_fault(&f, CFE_COUNT); /* not a fault: ignored */
  assert_int_equal(f.fault, CFE_NOISE);
  cfe_fault(&f, CFE_OK);
  assert_int_equal(f.fault, CFE_OK);
}

/* The loop on the model cord, as the Cortex-M stage runs it: the window is held while the
 * threshold moves by half; each fault the front end shows makes it fall back with that
 * fault, never above the last good amplitude nor the last delivered. */
static void test_fe_loop(void **state) {
  (void)state;
  static const struct {
    uint8_t fe;
    uint8_t fault;
  } faults[] = {{CFE_LEADOFF, NM_LOOP_F_CONTACT},
                {CFE_CLIP, NM_LOOP_F_SATURATED},
                {CFE_NOISE, NM_LOOP_F_NOISE},
                {CFE_DEAD, NM_LOOP_F_NO_RESPONSE}};
  for (size_t k = 0; k < sizeof faults / sizeof faults[0]; k++) {
    cfe_t f;
    cfe_init(&f);
    cloop_t l;
    nm_loop_bounds_t b = bounds(2700, 400);
    cloop_start(&l, 0, &b, 9000);
    cloop_sample_t smp;
    for (uint32_t u = 0; u < 3000; u++) {
      assert_true(cloop_amp(&l) <= 9000);
      cfe_measure(&f, cloop_amp(&l), &smp);
      cloop_sample(&l, &smp);
      assert_int_equal(l.state, NM_LOOP_RUN);
    }
    /* After the first 100 units, every unit in the window. */
    assert_true(l.in_window >= l.units - 100);
    uint32_t good = l.last_good_ua, last = cloop_amp(&l);
    cfe_fault(&f, faults[k].fe);
    unsigned n = 0;
    while (l.state == NM_LOOP_RUN && n < 200) {
      cfe_measure(&f, cloop_amp(&l), &smp);
      cloop_sample(&l, &smp);
      n++;
    }
    assert_int_equal(l.state, NM_LOOP_FALLBACK);
    assert_int_equal(l.fault, faults[k].fault);
    assert_true(l.fallback_ua <= l.last_good_ua);
    assert_true(l.fallback_ua <= l.last_ua);
    /* A flagged sample moves nothing: contact and saturation fall back where they were. */
    if (faults[k].fe == CFE_LEADOFF || faults[k].fe == CFE_CLIP) {
      assert_int_equal(n, CLOOP_RUN_FLAG);
      assert_true(l.fallback_ua <= good && l.fallback_ua <= last);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_step_limit_boundary),
      cmocka_unit_test(test_fall_not_step_limited),
      cmocka_unit_test(test_ceiling_boundary),
      cmocka_unit_test(test_start_above_ceiling),
      cmocka_unit_test(test_floor),
      cmocka_unit_test(test_rebound_lower_ceiling),
      cmocka_unit_test(test_fault_leadoff),
      cmocka_unit_test(test_fault_flat),
      cmocka_unit_test(test_fault_saturated),
      cmocka_unit_test(test_fault_noise),
      cmocka_unit_test(test_fault_no_response),
      cmocka_unit_test(test_fault_no_response_at_ceiling),
      cmocka_unit_test(test_fault_before_any_good),
      cmocka_unit_test(test_property_scale),
      cmocka_unit_test(test_property_random_streams),
      cmocka_unit_test(test_extreme_inputs),
      cmocka_unit_test(test_fe_points),
      cmocka_unit_test(test_fe_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
