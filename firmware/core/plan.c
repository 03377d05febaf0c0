/* plan.c: output planning (see nmod/plan.h). Bounded work: at most NM_MAX_RUNNING programs
 * and NM_PATTERN_MAX_SLOTS pulses per frame; runs when the running set changes, never per
 * pulse. */
#include "nmod/plan.h"

#include <string.h>

static uint32_t gcd_u32(uint32_t a, uint32_t b) {
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

uint32_t nm_plan_slots_of(const nm_prog_t *p, uint32_t frame_hz) {
  if (frame_hz == 0) return 0;
  uint32_t occ = p->rate_hz / frame_hz;
  return p->wave == NM_WAVE_BURST ? occ * p->burst_pulses : occ;
}

/* Offset of occurrence i (pulse or burst) of a program from its phase. */
static uint32_t occ_offset_ns(const nm_prog_t *p, uint32_t i) {
  return (uint32_t)(((uint64_t)i * 1000000000u) / p->rate_hz);
}

static uint32_t burst_offset_ns(const nm_prog_t *p, uint32_t m) {
  return (uint32_t)(((uint64_t)m * 1000000000u) / p->intra_hz);
}

typedef struct {
  uint32_t start, end; /* [start, end) ns */
} span_t;

typedef struct {
  span_t s[NM_PATTERN_MAX_SLOTS];
  uint32_t n;
} spans_t;

/* Index of the first span whose end is after `at` (spans are disjoint and sorted). */
static uint32_t first_ending_after(const spans_t *sp, uint32_t at) {
  uint32_t lo = 0, hi = sp->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (sp->s[mid].end <= at) lo = mid + 1; else hi = mid;
  }
  return lo;
}

static int overlaps(const spans_t *sp, uint32_t start, uint32_t end) {
  uint32_t i = first_ending_after(sp, start);
  return i < sp->n && sp->s[i].start < end;
}

static void insert_span(spans_t *sp, uint32_t start, uint32_t end) {
  uint32_t i = sp->n++;
  while (i > 0 && sp->s[i - 1].start > start) {
    sp->s[i] = sp->s[i - 1];
    i--;
  }
  sp->s[i].start = start;
  sp->s[i].end = end;
}

/* 1 when every occurrence of p at phase `ph` is free. */
static int fits_at(const spans_t *sp, const nm_prog_t *p, uint32_t occ, uint32_t span, uint32_t ph) {
  for (uint32_t i = 0; i < occ; i++) {
    uint32_t s = ph + occ_offset_ns(p, i);
    if (overlaps(sp, s, s + span)) return 0;
  }
  return 1;
}

nm_plan_result nm_plan_place(const nm_prog_t *const progs[], const uint8_t prog_slot[], uint8_t n,
                             nm_placement_t *out) {
  memset(out, 0, sizeof *out);
  if (n > NM_MAX_RUNNING) return NM_PLAN_TOO_MANY;
  uint32_t g = 0;
  for (uint8_t j = 0; j < n; j++) g = gcd_u32(g, progs[j]->rate_hz);
  if (n == 0) return NM_PLAN_OK;
  if (g == 0) return NM_PLAN_FIT;
  uint32_t slots = 0;
  for (uint8_t j = 0; j < n; j++) {
    if (nm_prog_span_ns(progs[j]) > nm_prog_period_ns(progs[j])) return NM_PLAN_FIT;
    slots += nm_plan_slots_of(progs[j], g);
    if (slots > NM_PATTERN_MAX_SLOTS) return NM_PLAN_SLOTS;
  }
  out->frame_hz = g;
  out->n = n;
  uint32_t frame_ns = 1000000000u / g;

  /* Largest duty first packs best; ties keep the caller's order. */
  uint8_t order[NM_MAX_RUNNING];
  uint64_t duty[NM_MAX_RUNNING];
  for (uint8_t j = 0; j < n; j++) {
    order[j] = j;
    duty[j] = nm_prog_span_ns(progs[j]) * (progs[j]->rate_hz / g);
  }
  for (uint8_t a = 1; a < n; a++) {
    for (uint8_t b = a; b > 0 && duty[order[b]] > duty[order[b - 1]]; b--) {
      uint8_t t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  }

  spans_t sp;
  sp.n = 0;
  for (uint8_t k = 0; k < n; k++) {
    uint8_t j = order[k];
    const nm_prog_t *p = progs[j];
    uint32_t occ = p->rate_hz / g;
    uint32_t span = (uint32_t)nm_prog_span_ns(p);
    uint32_t last = occ_offset_ns(p, occ - 1);
    uint32_t max_ph = frame_ns - last - span; /* >= 0: the pulse fits its period */
    /* The earliest free phase puts some occurrence right after an existing span (or at 0). */
    uint32_t best = UINT32_MAX;
    if (fits_at(&sp, p, occ, span, 0)) best = 0;
    for (uint32_t s = 0; s < sp.n && best != 0; s++) {
      for (uint32_t i = 0; i < occ; i++) {
        uint32_t off = occ_offset_ns(p, i);
        if (sp.s[s].end < off) continue;
        uint32_t ph = sp.s[s].end - off;
        if (ph > max_ph || ph >= best) continue;
        if (fits_at(&sp, p, occ, span, ph)) best = ph;
      }
    }
    if (best == UINT32_MAX) return NM_PLAN_OVERLAP;
    for (uint32_t i = 0; i < occ; i++) {
      uint32_t s = best + occ_offset_ns(p, i);
      insert_span(&sp, s, s + span);
    }
    out->phase_ns[j] = best;
    out->prog[j] = prog_slot[j];
  }
  return NM_PLAN_OK;
}

uint8_t nm_plan_pattern(const nm_placement_t *pl, const nm_prog_t *const progs[],
                        const uint32_t amp_ua[], nm_pattern_t *out) {
  memset(out, 0, sizeof *out);
  out->frame_hz = pl->frame_hz;
  for (uint8_t j = 0; j < pl->n; j++) {
    const nm_prog_t *p = progs[j];
    if (amp_ua[j] == 0) continue;
    uint8_t c = out->n_chan++;
    nm_chan_t *ch = &out->chan[c];
    for (uint8_t node = 0; node < NM_NODES; node++) ch->node_ua[node] = nm_prog_node_ua(p, node, amp_ua[j]);
    ch->width_us = p->width_us;
    ch->gap_us = p->gap_us;
    ch->recharge_us = nm_prog_recharge_us(p);
    ch->prog = pl->prog[j];
    ch->wave = (uint8_t)p->wave;
    uint32_t occ = p->rate_hz / pl->frame_hz;
    uint32_t per = p->wave == NM_WAVE_BURST ? p->burst_pulses : 1;
    for (uint32_t i = 0; i < occ; i++) {
      for (uint32_t m = 0; m < per; m++) {
        if (out->n_slot >= NM_PATTERN_MAX_SLOTS) return out->n_slot; /* placement bounds it */
        uint32_t off = pl->phase_ns[j] + occ_offset_ns(p, i);
        if (per > 1) off += burst_offset_ns(p, m);
        /* Insert in offset order. */
        uint8_t k = out->n_slot++;
        while (k > 0 && out->slot[k - 1].offset_ns > off) {
          out->slot[k] = out->slot[k - 1];
          k--;
        }
        out->slot[k].offset_ns = off;
        out->slot[k].chan = c;
        out->slot[k].recharge = (uint8_t)(m + 1 == per);
      }
    }
  }
  return out->n_slot;
}
