/* randprog.h: random programs around and beyond every limit, for the property tests
 * (tests/property): the same generator for the core's property test and for the files
 * that `nmod check` and `nmod programmer program` must agree on. Header-only. */
#ifndef NMOD_RANDPROG_H
#define NMOD_RANDPROG_H

#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* In range; when wild, sometimes just outside or anywhere in a wider band. */
static inline uint32_t rp_pick(uint64_t *s, int wild, uint32_t lo, uint32_t hi, uint32_t wild_lo, uint32_t wild_hi) {
  uint32_t r = wild ? tu_range(s, 0, 19) : tu_range(s, 3, 19);
  if (r == 0) return lo > 0 ? lo - 1 : 0;
  if (r == 1) return hi + 1;
  if (r == 2) return tu_range(s, wild_lo, wild_hi);
  if (r == 3) return lo;
  if (r == 4) return hi;
  return tu_range(s, lo, hi);
}

/* A random program on `lead` named "p<idx>": in range, or (wild) sometimes just outside or
 * anywhere in a wider band, around every limit the supervisor checks. */
static inline nm_prog_t rp_prog(uint64_t *s, const nm_lead_t *lead, int idx, int wild) {
  nm_prog_t p;
  memset(&p, 0, sizeof p);
  snprintf(p.name, sizeof p.name, "p%d", idx);
  p.wave = wild && tu_range(s, 0, 30) == 0 ? 3 : tu_range(s, 0, 2);
  if (p.wave == NM_WAVE_TONIC) {
    p.rate_hz = rp_pick(s, wild, 2, 1200, 0, 20000);
    p.width_us = wild ? rp_pick(s, wild, 10, 1000, 0, 5000) : tu_range(s, 10, 450);
    if (tu_range(s, 0, 3)) p.rate_hz = 10u * tu_range(s, 1, 12); /* rates that share frames */
  } else if (p.wave == NM_WAVE_BURST) {
    p.rate_hz = rp_pick(s, wild, 10, 100, 0, 1000);
    p.burst_pulses = rp_pick(s, wild, 2, 10, 0, 50);
    p.intra_hz = rp_pick(s, wild, 250, 1000, 0, 5000);
    p.width_us = wild ? rp_pick(s, wild, 10, 1000, 0, 5000) : tu_range(s, 10, 300);
  } else {
    p.rate_hz = tu_range(s, 0, 10) ? 10000 : rp_pick(s, wild, 9999, 10001, 0, 20000);
    p.width_us = rp_pick(s, wild, 20, 60, 0, 200);
  }
  p.gap_us = tu_range(s, 0, 3) ? tu_range(s, 0, 60) : rp_pick(s, wild, 0, 250, 0, 1000);
  p.amp_ua = 100u * (wild ? rp_pick(s, wild, 0, 255, 0, 400) : tu_range(s, 0, tu_range(s, 0, 1) ? 50 : 255));
  if (wild && tu_range(s, 0, 20) == 0) p.amp_ua += 50; /* not a step */
  p.pt_min_ua = 100u * tu_range(s, 0, p.amp_ua / 100u);
  p.pt_max_ua = p.amp_ua + 100u * (wild ? rp_pick(s, wild, 0, 60, 0, 300) : tu_range(s, 0, 20));
  if (wild && tu_range(s, 0, 30) == 0) p.pt_min_ua = p.pt_max_ua + 100;
  if (!wild && p.pt_max_ua > NM_AMP_MAX_UA) p.pt_max_ua = NM_AMP_MAX_UA;
  if (!wild && p.amp_ua > p.pt_max_ua) p.amp_ua = p.pt_max_ua;
  if (!wild && p.pt_min_ua > p.amp_ua) p.pt_min_ua = p.amp_ua;
  if (tu_range(s, 0, 3) == 0) {
    p.cyc_on_s = rp_pick(s, wild, 1, 60, 0, 100000);
    p.cyc_off_s = rp_pick(s, wild, 1, 60, 0, 100000);
  }
  p.ramp_ms = tu_range(s, 0, 2) ? 100u * tu_range(s, 0, 30) : rp_pick(s, wild, 0, 10000, 0, 20000);
  if (!wild && p.cyc_on_s && 2u * p.ramp_ms > 1000u * p.cyc_on_s) p.ramp_ms = 500u * p.cyc_on_s;
  if (!wild) p.ramp_ms -= p.ramp_ms % NM_RAMP_TICK_MS;
  if (!wild && p.ramp_ms > NM_RAMP_MAX_MS) p.ramp_ms = NM_RAMP_MAX_MS;
  if (!wild && p.wave == NM_WAVE_HF) {
    uint32_t max_w = (100u - (p.gap_us > 40u ? 40u : p.gap_us)) / 2u;
    if (p.gap_us > 40u) p.gap_us = 40u;
    if (p.width_us > max_w) p.width_us = max_w;
  }
  if (!wild && p.wave == NM_WAVE_BURST) {
    uint64_t span = nm_prog_span_ns(&p);
    uint32_t max_rate = (uint32_t)(1000000000ull / span);
    if (max_rate < NM_BURST_RATE_MIN_HZ) {
      p.burst_pulses = 2;
      p.intra_hz = 1000;
      span = nm_prog_span_ns(&p);
      max_rate = (uint32_t)(1000000000ull / span);
    }
    if (p.rate_hz > max_rate) p.rate_hz = max_rate;
  }
  if (!wild && p.wave == NM_WAVE_TONIC && p.rate_hz) {
    uint32_t room = 1000000u / p.rate_hz;
    uint32_t max_w = room > p.gap_us + 20u ? (room - p.gap_us) / 2u : 10u;
    if (p.width_us > max_w) p.width_us = max_w < 10u ? 10u : max_w;
  }
  /* Fractions: one to three cathodes, one to three anodes (sometimes the case). */
  uint8_t nc = (uint8_t)tu_range(s, 1, 3), na = (uint8_t)tu_range(s, 1, 3);
  int left = -100;
  for (uint8_t i = 0; i < nc; i++) {
    uint8_t node = (uint8_t)tu_range(s, 0, lead->n_contacts);
    int f = i + 1 == nc ? left : -(int)tu_range(s, 1, (uint32_t)(-left - (nc - i - 1)));
    if (node == lead->n_contacts) node = wild ? (uint8_t)tu_range(s, 0, NM_MAX_CONTACTS - 1) : 0; /* maybe off the lead */
    p.frac_pct[node] = (int8_t)(p.frac_pct[node] + f);
    left -= f;
  }
  left = 100;
  for (uint8_t i = 0; i < na; i++) {
    uint8_t node = tu_range(s, 0, 4) == 0 ? NM_NODE_CASE : (uint8_t)tu_range(s, 0, lead->n_contacts - 1u);
    int f = i + 1 == na ? left : (int)tu_range(s, 1, (uint32_t)(left - (na - i - 1)));
    if (p.frac_pct[node] >= 0) {
      p.frac_pct[node] = (int8_t)(p.frac_pct[node] + f);
      left -= f;
    } else if (i + 1 == na) {
      p.frac_pct[NM_NODE_CASE] = (int8_t)(p.frac_pct[NM_NODE_CASE] + left);
    }
  }
  if (wild && tu_range(s, 0, 25) == 0) p.frac_pct[tu_range(s, 0, NM_NODES - 1)] += (int8_t)tu_range(s, 1, 20);
  return p;
}

#endif
