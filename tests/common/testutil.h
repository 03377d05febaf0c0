/* testutil.h: shared helpers for the cmocka tests: seeds, random numbers, leads and
 * programs. Portable: the same tests build for the host and for the Cortex-M target
 * (ports/cortexm supplies a small cmocka-compatible runner there). Header-only. */
#ifndef NMOD_TESTUTIL_H
#define NMOD_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "nmod/core.h"
#include "nmod/lead.h"

/* The property-test seed: NMOD_SEED when set, else the time; always printed. */
static inline uint64_t tu_seed(const char *test) {
  const char *env = getenv("NMOD_SEED");
  uint64_t s = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL);
  printf("%s: seed=%llu (replay with NMOD_SEED=%llu)\n", test, (unsigned long long)s, (unsigned long long)s);
  fflush(stdout);
  return s;
}

static inline uint64_t tu_rand(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static inline uint32_t tu_range(uint64_t *s, uint32_t lo, uint32_t hi) {
  return lo + (uint32_t)(tu_rand(s) % ((uint64_t)hi - lo + 1u));
}

static inline nm_lead_t tu_lead(uint8_t model) { return *nm_lead_catalog(model); }

static inline nm_lead_t tu_custom_lead(uint8_t n, uint32_t area_um2) {
  nm_lead_t l = {NM_LEAD_CUSTOM, NM_SHAPE_CUSTOM, n, area_um2};
  return l;
}

static inline nm_load_t tu_load(uint32_t ohm, uint32_t compliance_mv) {
  nm_load_t l = {ohm, compliance_mv};
  return l;
}

/* A tonic bipolar program E0- E1+ (the SNM default shape). */
static inline nm_prog_t tu_tonic(uint32_t rate_hz, uint32_t width_us, uint32_t amp_ua) {
  nm_prog_t p;
  memset(&p, 0, sizeof p);
  strcpy(p.name, "t");
  p.wave = NM_WAVE_TONIC;
  p.rate_hz = rate_hz;
  p.width_us = width_us;
  p.gap_us = 20;
  p.amp_ua = amp_ua;
  p.pt_min_ua = 0;
  p.pt_max_ua = amp_ua;
  p.frac_pct[0] = -100;
  p.frac_pct[1] = 100;
  return p;
}

static inline nm_prog_t tu_burst(uint32_t rate_hz, uint32_t pulses, uint32_t intra_hz, uint32_t width_us, uint32_t amp_ua) {
  nm_prog_t p = tu_tonic(rate_hz, width_us, amp_ua);
  p.wave = NM_WAVE_BURST;
  p.burst_pulses = pulses;
  p.intra_hz = intra_hz;
  return p;
}

static inline nm_prog_t tu_hf(uint32_t width_us, uint32_t amp_ua) {
  nm_prog_t p = tu_tonic(10000, width_us, amp_ua);
  p.wave = NM_WAVE_HF;
  return p;
}

#endif
