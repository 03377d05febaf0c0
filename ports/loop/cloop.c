/* cloop.c: the closed loop of the output stage (cloop.h, docs/CLOSED-LOOP.md). */
#include "cloop.h"

#include <string.h>

#include "nmod/limits.h"

_Static_assert(CLOOP_RES_UA == NM_LOOP_RES_UA, "the stage's amplitude resolution is the supervisor's step unit");

/* The controller (docs/CLOSED-LOOP.md "The controller"). Each sample says what amplitude
 * would have put the ECAP on target: r = A x (1 + (target - measured) / (P x target)),
 * with P = d(ln ECAP) / d(ln A) at the target, about 4 for the default cord (3.6-4.2 across
 * postures). An alpha-beta filter follows r with a level s and a trend v (amplitude per
 * unit), and the next unit gets s + v: a posture ramp (walking) is followed without lag,
 * noise is smoothed, and a residual far beyond the noise (a cough) is taken almost whole
 * at once. Fixed point: amplitudes in uA x 256, gains in Q8. */
#ifndef P_Q8
#define P_Q8 1024     /* P = 4 */
#endif
#ifndef ALPHA_LO_Q12
#define ALPHA_LO_Q12 410  /* 0.1: the level's gain while the cord is still */
#endif
#ifndef ALPHA_HI_Q12
#define ALPHA_HI_Q12 2458 /* 0.6: ... while it moves */
#endif
#ifndef BETA_LO_Q12
#define BETA_LO_Q12 23    /* 0.0056: the trend's gain while still (critically damped) */
#endif
#ifndef BETA_HI_Q12
#define BETA_HI_Q12 2048  /* 0.5: ... while moving */
#endif
#ifndef GAMMA_HI_Q12
#define GAMMA_HI_Q12 0    /* the acceleration's gain while moving */
#endif
#ifndef MU0_Q8
#define MU0_Q8 1024       /* residuals of 4x the noise's variance start to count as movement */
#endif
#ifndef MU1_Q8
#define MU1_Q8 1024       /* ... and 8x counts fully */
#endif
#define SR_MIN_Q8 (3 * 256) /* 3 uA: CLOOP_RES_UA / sqrt(12), the amplitude's resolution as noise */
#ifndef MOVE_HOLD
#define MOVE_HOLD 100u    /* units the quick gains hold after movement (2 s at 50 Hz) */
#endif
#ifndef HOLD_SHAPE
#define HOLD_SHAPE 1      /* the gains come down linearly over the hold */
#endif
#ifndef RES_N
#define RES_N 16          /* the residuals' variance over about this many units */
#endif
#ifndef NOISE_N
#define NOISE_N 16u       /* the noise over about this many units */
#endif
#ifndef ALPHA_FAST_Q8
#define ALPHA_FAST_Q8 205 /* 0.8: the level's gain for a residual far beyond the noise */
#endif
#ifndef Z0_Q8
#define Z0_Q8 13      /* a residual of 5 % of the amplitude counts as far beyond the noise */
#endif
#ifndef TREND_MAX_Q8
#define TREND_MAX_Q8 51 /* the trend stays within 20 % of the level per unit */
#endif
#ifndef TREND_UP_Q8
#define TREND_UP_Q8 51
#endif
#ifndef GAMMA_Q8
#define GAMMA_Q8 64   /* 0.25: the trend a residual far beyond the noise sets */
#endif
#define FACTOR_MIN_Q8 77  /* one sample asks for at most -70 % ... */
#define FACTOR_MAX_Q8 384 /* ... and at most +50 % */
#define E_CLAMP_UV 4096
/* A measurement below this share of the window's low bound is no response at all. */
#define LOW_DIV 2
/* Noise: the smoothed |second difference| of the samples over (window width x this). For
 * white noise of sigma s it is about 1.95 s; a posture ramp adds nothing to it. */
#define NOISE_NUM 1u
#define NOISE_DEN 1u

static uint32_t res_down(uint32_t ua) { return ua - ua % CLOOP_RES_UA; }

/* Bounds the filter's state keeps. The level: settle_amp holds it within 0..hi x 256 + 255,
 * hi <= NM_AMP_MAX_UA (cloop_start, cloop_rebound). The trend: within 20 % of a level that
 * lies between the prediction and a sample's need (<= 1.5 x NM_AMP_MAX_UA x 256), so under
 * LVL_MAX_Q8 as long as it was; the trend's change no larger than it was (0 with
 * GAMMA_HI_Q12 0). The residuals' variance: an average of squares of at most 2^24. */
#define LVL_MAX_Q8 (((int64_t)NM_AMP_MAX_UA << 8) + 255)
#define RES_VAR_MAX ((int64_t)1 << 48)
#define SR_MAX_Q8 ((int64_t)1 << 28)
_Static_assert(NM_AMP_MAX_UA < (1u << 16), "the level bound keeps the filter's products far from 2^63");

static int64_t clamp_q8(int64_t x, int64_t lo, int64_t hi) { return x < lo ? lo : x > hi ? hi : x; }

void cloop_chan_of(const nm_chan_t *ch, cloop_chan_t *cc) {
  memset(cc, 0, sizeof *cc);
  uint64_t cath = 0;
  uint8_t k = 0; /* nodes with current so far: k <= n */
  /*@ loop unroll NM_NODES; */
  for (uint8_t n = 0; n < NM_NODES; n++) {
    int32_t ua = ch->node_ua[n];
    if (ua == 0) continue;
    cc->node[k] = n;
    cc->ua[k] = ua;
    k++;
    if (ua < 0) cath += (uint64_t)(-(int64_t)ua);
  }
  cc->n = k;
  cc->ceil_ua = cath > UINT32_MAX ? UINT32_MAX : (uint32_t)cath;
}

uint32_t cloop_scale(const cloop_chan_t *cc, uint32_t amp_ua, int32_t out[NM_NODES]) {
  uint8_t n = cc->n < NM_NODES ? cc->n : NM_NODES; /* cloop_chan_of keeps it so */
  if (amp_ua >= cc->ceil_ua) {
    for (uint8_t i = 0; i < n; i++) out[i] = cc->ua[i];
    return cc->ceil_ua;
  }
  /* Each node's share, truncated toward zero: |out| <= |ua| x amp / ceil < |ua|. The
   * products are < 2^31 x 2^32, the sums < NM_NODES x 2^31. */
  int64_t cath = 0, anod = 0;
  /*@ loop unroll NM_NODES; */
  for (uint8_t i = 0; i < n; i++) {
    int64_t v = (int64_t)cc->ua[i] * (int64_t)amp_ua / (int64_t)cc->ceil_ua;
    /* amp_ua < ceil_ua, so v lies between 0 and ua: an int32 (a no-op, stated for an
     * analysis that does not relate amp_ua and ceil_ua) */
    if (v > INT32_MAX) v = INT32_MAX;
    if (v < INT32_MIN) v = INT32_MIN;
    out[i] = (int32_t)v;
    if (v < 0) cath -= v; else anod += v;
  }
  /* Balance by taking the excess from the largest nodes of the heavier side: magnitudes
   * only ever shrink, signs never flip. At most n rounds. */
  /*@ loop unroll NM_NODES; */
  for (uint8_t round = 0; round < n && cath != anod; round++) {
    int neg = cath > anod;
    int64_t excess = neg ? cath - anod : anod - cath;
    uint8_t best = 0;
    int64_t best_mag = 0;
    for (uint8_t i = 0; i < n; i++) {
      int64_t m = neg ? -(int64_t)out[i] : (int64_t)out[i];
      if (m > best_mag) {
        best_mag = m;
        best = i;
      }
    }
    int64_t take = excess < best_mag ? excess : best_mag;
    out[best] = (int32_t)(neg ? out[best] + take : out[best] - take);
    if (neg) cath -= take; else anod -= take;
  }
  return (uint32_t)cath;
}

uint64_t cloop_need_q8(uint32_t amp_ua, int32_t e_uv, uint16_t target_uv) {
  if (target_uv == 0) return (uint64_t)amp_ua << 8;
  int64_t e = e_uv > E_CLAMP_UV ? E_CLAMP_UV : e_uv < -E_CLAMP_UV ? -E_CLAMP_UV : e_uv;
  int64_t den = (int64_t)P_Q8 * target_uv; /* < 2^11 x 2^16 */
  int64_t num = den + e * 256;             /* |e x 256| < 2^20 */
  /* The factor in Q16, rounded to the nearest: a truncated Q8 factor alone would bias the
   * loop by 0.2 % of the amplitude (about 0.4 uV of ECAP). */
  int64_t f_q16 = (num * 65536 + den / 2) / den; /* < 2^32 x 2^16 */
  if (f_q16 < FACTOR_MIN_Q8 * 256) f_q16 = FACTOR_MIN_Q8 * 256;
  if (f_q16 > FACTOR_MAX_Q8 * 256) f_q16 = FACTOR_MAX_Q8 * 256;
  return ((uint64_t)amp_ua * (uint64_t)f_q16 + 128u) >> 8; /* < 2^32 x 2^17 */
}

/* The amplitude of the next unit: `want` (uA x 256), up by at most the step limit from
 * the last unit, inside floor and ceiling, in the stage's resolution. */
static void settle_amp(cloop_t *l, int64_t want_q8) {
  uint32_t lo = res_down(l->b.floor_ua), hi = res_down(l->ceil_ua);
  if (lo > hi) lo = hi;
  int64_t top = (int64_t)l->last_ua + l->b.step_ua;
  int64_t a = want_q8 < 0 ? 0 : (want_q8 + (int64_t)(CLOOP_RES_UA * 128u)) >> 8; /* to the nearest step */
  if (a > top) a = top;
  l->capped = a > (int64_t)hi;
  if (a > (int64_t)hi) a = hi;
  if (a < (int64_t)lo) a = lo;
  l->amp_ua = res_down((uint32_t)a);
  if (l->amp_ua < lo) l->amp_ua = lo;
  /* The level never runs away beyond what can be delivered. */
  int64_t cap = ((int64_t)hi << 8) + 255, lvl = l->lvl_q8;
  if (lvl > cap) lvl = cap;
  if (lvl < 0) lvl = 0;
  l->lvl_q8 = lvl;
}

void cloop_start(cloop_t *l, uint8_t prog, const nm_loop_bounds_t *b, uint32_t ceil_ua) {
  memset(l, 0, sizeof *l);
  l->prog = prog;
  l->state = NM_LOOP_RUN;
  l->b = *b;
  l->ceil_ua = ceil_ua > NM_AMP_MAX_UA ? NM_AMP_MAX_UA : ceil_ua;
  uint32_t start = b->start_ua;
  if (start > NM_AMP_MAX_UA) start = NM_AMP_MAX_UA;
  l->lvl_q8 = (int64_t)start << 8;
  l->last_ua = res_down(start);
  settle_amp(l, l->lvl_q8);
  l->last_ua = l->amp_ua;
}

void cloop_rebound(cloop_t *l, const nm_loop_bounds_t *b, uint32_t ceil_ua) {
  l->b = *b;
  l->ceil_ua = ceil_ua > NM_AMP_MAX_UA ? NM_AMP_MAX_UA : ceil_ua;
  if (l->state == NM_LOOP_FALLBACK) {
    /* Fixed, and never above the new ceiling. */
    uint32_t c = res_down(l->ceil_ua), a = l->fallback_ua;
    if (a > c) a = c;
    l->fallback_ua = a;
    l->amp_ua = a;
    return;
  }
  settle_amp(l, clamp_q8(l->lvl_q8, 0, LVL_MAX_Q8) + clamp_q8(l->trend_q8, -LVL_MAX_Q8, LVL_MAX_Q8));
}

static void fall_back(cloop_t *l, uint8_t fault) {
  uint32_t a = l->last_ua;
  uint32_t good = l->last_good_ua ? l->last_good_ua : res_down(l->b.start_ua);
  if (good < a) a = good;
  l->state = NM_LOOP_FALLBACK;
  l->fault = fault;
  l->fallback_ua = a;
  l->amp_ua = a;
  l->event = 1;
}

/* Sensor faults in this sample; NM_LOOP_F_NONE when it can be used. */
static uint8_t judge(cloop_t *l, const cloop_sample_t *s) {
  l->run_leadoff = (s->flags & CLOOP_S_LEADOFF) ? (uint16_t)(l->run_leadoff + 1u) : 0u;
  l->run_clip = (s->flags & CLOOP_S_CLIP) ? (uint16_t)(l->run_clip + 1u) : 0u;
  if (l->run_leadoff >= CLOOP_RUN_FLAG) return NM_LOOP_F_CONTACT;
  if (l->run_clip >= CLOOP_RUN_FLAG) return NM_LOOP_F_SATURATED;
  /* A flagged sample measured nothing: it must not pass for noise or a response. */
  if (s->flags & (CLOOP_S_LEADOFF | CLOOP_S_CLIP)) return NM_LOOP_F_NONE;
  if (l->n_seen >= 2) {
    int64_t d2 = (int64_t)s->uv - 2 * (int64_t)l->last_uv + (int64_t)l->prev_uv;
    uint64_t m = (uint64_t)(d2 < 0 ? -d2 : d2);
    if (m > 65535u) m = 65535u;
    /* Smoothed over NOISE_N samples: noise += (16 |d2| - noise) / NOISE_N. */
    l->noise_q4 = (uint32_t)(((uint64_t)l->noise_q4 * (NOISE_N - 1u) + m * 16u) / NOISE_N);
    l->run_flat = (d2 == 0 && s->uv == l->last_uv) ? (uint16_t)(l->run_flat + 1u) : 0u;
    if (l->run_flat >= CLOOP_RUN_FLAT) return NM_LOOP_F_CONTACT;
    uint32_t width = (uint32_t)(l->b.hi_uv - l->b.lo_uv);
    if (l->noise_q4 > width * 16u * NOISE_NUM / NOISE_DEN) return NM_LOOP_F_NOISE;
  }
  /* No response: nothing measured over CLOOP_RUN_LOW units while the loop went on raising
   * the current by half again (and at least CLOOP_RISE_MIN_UA), or while it sat at its
   * ceiling wanting more. A rise the ceiling made (a soft start) is not the loop's: it moves
   * the reference up and restarts the count at the ceiling. */
  if (s->uv < (int32_t)(l->b.lo_uv / LOW_DIV)) {
    int ceiling_rose = l->ceil_ua > l->low_ceil_ua;
    if (l->run_low == 0 || ceiling_rose) {
      l->low_from_ua = l->last_ua;
      l->run_pinned = 0;
    }
    l->low_ceil_ua = l->ceil_ua;
    if (l->run_low < UINT16_MAX) l->run_low++;
    l->run_pinned = l->capped ? (uint16_t)(l->run_pinned + (l->run_pinned < UINT16_MAX)) : 0u;
    uint32_t rise = l->low_from_ua / 2 > CLOOP_RISE_MIN_UA ? l->low_from_ua / 2 : CLOOP_RISE_MIN_UA;
    if (l->run_low >= CLOOP_RUN_LOW && (l->last_ua >= l->low_from_ua + rise || l->run_pinned >= CLOOP_RUN_LOW)) {
      return NM_LOOP_F_NO_RESPONSE;
    }
  } else {
    l->run_low = 0;
    l->run_pinned = 0;
  }
  return NM_LOOP_F_NONE;
}

void cloop_sample(cloop_t *l, const cloop_sample_t *s) {
  l->last_ua = l->amp_ua;
  l->units++;
  l->sum_amp_ua += l->amp_ua;
  int valid = !(s->flags & (CLOOP_S_LEADOFF | CLOOP_S_CLIP));
  if (valid && s->uv >= (int32_t)l->b.lo_uv && s->uv <= (int32_t)l->b.hi_uv) l->in_window++;
  if (l->state != NM_LOOP_RUN) {
    l->prev_uv = l->last_uv;
    l->last_uv = s->uv;
    return;
  }
  uint8_t f = judge(l, s);
  if (!valid) {
    /* Nothing was measured: the amplitude holds (at most CLOOP_RUN_FLAG - 1 units) until
     * the run of flags is a fault or a valid sample comes. */
    if (f != NM_LOOP_F_NONE) fall_back(l, f);
    return;
  }
  l->prev_uv = l->last_uv;
  l->last_uv = s->uv;
  if (l->n_seen < 2) l->n_seen++;
  if (f != NM_LOOP_F_NONE) {
    fall_back(l, f);
    return;
  }
  if (s->uv >= (int32_t)l->b.lo_uv && s->uv <= (int32_t)l->b.hi_uv) l->last_good_ua = l->last_ua;
  /* What this sample says the target needs, against what the filter predicted. The error is
   * taken in 64 bits and clamped as cloop_need_q8 clamps it (any sample is safe). */
  int64_t e = (int64_t)l->b.target_uv - s->uv;
  e = e > E_CLAMP_UV ? E_CLAMP_UV : e < -E_CLAMP_UV ? -E_CLAMP_UV : e;
  int64_t r = (int64_t)cloop_need_q8(l->last_ua, (int32_t)e, l->b.target_uv); /* < 2^41 */
  /* The filter's state, read through the bounds it keeps (no-ops on every state the loop
   * reaches, see LVL_MAX_Q8): every product below is then bounded whatever the sample. */
  int64_t lvl = clamp_q8(l->lvl_q8, 0, LVL_MAX_Q8);
  int64_t trend = clamp_q8(l->trend_q8, -LVL_MAX_Q8, LVL_MAX_Q8);
  int64_t acc = clamp_q8(l->acc_q8, -LVL_MAX_Q8, LVL_MAX_Q8);
  if (!l->primed) {
    lvl = r;
    trend = 0;
    l->primed = 1;
  } else {
    int64_t pred = lvl + trend + acc / 2; /* |pred| < 2^25 */
    int64_t res = r - pred;
    int64_t ares = res < 0 ? -res : res;
    /* Far beyond the noise (z >= z0, relative to the amplitude) the cord moves fast (a
     * cough): take nearly all of the residual now and expect the motion to go on. */
    int64_t base = pred > 256 ? pred : 256;
    int64_t z_q8 = ares * 256 / base; /* < 2^41 x 2^8 / 2^8 */
    if (z_q8 >= Z0_Q8) {
      lvl = pred + res * ALPHA_FAST_Q8 / 256;
      trend = res * GAMMA_Q8 / 256;
      acc = 0;
    } else {
      /* How much larger the residuals are than the measurement noise alone would make them
       * (mu): about 1 while the cord is still, several times that while it moves. The gains
       * follow: smooth when still, quick when moving. The noise comes from the samples'
       * second difference, which a smooth movement does not change. */
      /* A target of 0 (the core keeps it inside the window) counts as 1 uV here. */
      int64_t tgt = l->b.target_uv ? (int64_t)l->b.target_uv : 1;
      int64_t sr = pred * (int64_t)l->noise_q4 / (128 * tgt); /* noise, uA x 256; < 2^57 */
      if (sr < SR_MIN_Q8) sr = SR_MIN_Q8; /* the amplitude's own resolution */
      /* At SR_MAX_Q8, sr^2 / 256 + 1 > RES_VAR_MAX >= res_var: mu is 0 there and above. */
      if (sr > SR_MAX_Q8) sr = SR_MAX_Q8;
      int64_t rc = res > (1 << 24) ? (1 << 24) : res < -(1 << 24) ? -(1 << 24) : res;
      int64_t var = clamp_q8(l->res_var, 0, RES_VAR_MAX);
      var += (rc * rc - var) / RES_N; /* <= RES_VAR_MAX */
      l->res_var = var;
      int64_t mu_q8 = var / (sr * sr / 256 + 1);
      /* Movement holds the quick gains for MOVE_HOLD units (a walk has still moments at its
       * turning points); they come back down over the hold. */
      if (mu_q8 >= MU0_Q8) l->move_hold = MOVE_HOLD;
      else if (l->move_hold) l->move_hold--;
      int64_t w = (int64_t)l->move_hold * 256 * HOLD_SHAPE / MOVE_HOLD;
      if (w > 256) w = 256;
      int64_t alpha = ALPHA_LO_Q12 + (ALPHA_HI_Q12 - ALPHA_LO_Q12) * w / 256;
      int64_t beta = BETA_LO_Q12 + (BETA_HI_Q12 - BETA_LO_Q12) * w / 256;
      int64_t gamma = GAMMA_HI_Q12 * w / 256;
      lvl = pred + res * alpha / 4096;
      trend += acc + res * beta / 4096;
      acc = acc * w / 256 + res * gamma / 4096; /* none while still */
    }
    int64_t tmax = lvl * TREND_MAX_Q8 / 256;
    if (tmax < 0) tmax = 0;
    if (trend > tmax) trend = tmax;
    /* Rising is what can hurt (a cough may meet it): a rise is predicted at most this far. */
    int64_t umax = lvl * TREND_UP_Q8 / 256;
    if (umax < 0) umax = 0;
    if (trend > umax) trend = umax;
    if (trend < -tmax) trend = -tmax;
  }
  l->lvl_q8 = lvl;
  l->trend_q8 = trend;
  l->acc_q8 = acc;
  settle_amp(l, lvl + trend + acc / 2);
}

void cloop_status(const cloop_t *l, nm_loop_status_t *st) {
  memset(st, 0, sizeof *st);
  st->state = l->state;
  st->fault = l->fault;
  st->amp_ua = l->last_ua;
  st->last_good_ua = l->last_good_ua;
  st->fallback_ua = l->fallback_ua;
  st->last_uv = l->last_uv;
  st->units = l->units;
  st->in_window = l->in_window;
  st->sum_amp_ua = l->sum_amp_ua;
}

int8_t cloop_set_for(cloop_set_t *set, const nm_chan_t *ch, uint32_t ceil_ua, uint8_t keep[NM_MAX_RUNNING]) {
  cloop_t *l = cloop_set_find(set, ch->prog);
  if (l) {
    cloop_rebound(l, &ch->loop, ceil_ua);
  } else {
    if (set->n >= NM_MAX_RUNNING) return -1;
    l = &set->l[set->n++];
    cloop_start(l, ch->prog, &ch->loop, ceil_ua);
  }
  int8_t i = (int8_t)(l - set->l);
  keep[i] = 1;
  return i;
}

void cloop_set_keep(cloop_set_t *set, const uint8_t keep[NM_MAX_RUNNING], int8_t map[NM_MAX_RUNNING]) {
  uint8_t n = 0;
  for (uint8_t i = 0; i < NM_MAX_RUNNING; i++) {
    map[i] = -1;
    if (i >= set->n || !keep[i]) continue;
    if (n != i) set->l[n] = set->l[i];
    map[i] = (int8_t)n++;
  }
  set->n = n;
}

cloop_t *cloop_set_find(cloop_set_t *set, uint8_t prog) {
  for (uint8_t i = 0; i < set->n; i++) {
    if (set->l[i].prog == prog) return &set->l[i];
  }
  return NULL;
}
