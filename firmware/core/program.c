/* program.c: derived timing and currents of a program. Inputs may be any uint32 values
 * (a program not yet judged); every product here fits in 64 bits. */
#include "nmod/program.h"

uint32_t nm_prog_recharge_us(const nm_prog_t *p) {
  uint64_t r = p->wave == NM_WAVE_BURST ? (uint64_t)p->burst_pulses * p->width_us : p->width_us;
  return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

uint32_t nm_prog_period_ns(const nm_prog_t *p) {
  uint32_t hz = p->rate_hz; /* read once: tested and divided by, the same value */
  return hz ? 1000000000u / hz : 0;
}

uint64_t nm_prog_span_ns(const nm_prog_t *p) {
  uint64_t span = ((uint64_t)p->width_us + p->gap_us + nm_prog_recharge_us(p)) * 1000u;
  uint32_t intra_hz = p->intra_hz; /* read once, as above */
  if (p->wave == NM_WAVE_BURST && p->burst_pulses > 1 && intra_hz > 0) {
    span += ((uint64_t)(p->burst_pulses - 1) * 1000000000u) / intra_hz;
  }
  return span;
}

uint32_t nm_prog_pulse_span_us(const nm_prog_t *p) {
  uint64_t us = (nm_prog_span_ns(p) + 999u) / 1000u;
  return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

uint32_t nm_prog_pulses_per_s(const nm_prog_t *p) {
  uint64_t n = p->wave == NM_WAVE_BURST ? (uint64_t)p->rate_hz * p->burst_pulses : p->rate_hz;
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t nm_prog_reach_ua(const nm_prog_t *p) {
  uint32_t r = p->amp_ua > p->pt_max_ua ? p->amp_ua : p->pt_max_ua;
  if (p->loop.closed && p->loop.max_ua > r) r = p->loop.max_ua;
  return r;
}

int32_t nm_prog_node_ua(const nm_prog_t *p, uint8_t node, uint32_t amp_ua) {
  if (node >= NM_NODES) return 0;
  /* Exact when amp_ua is a multiple of 100 uA (fractions are whole percents). */
  int64_t ua = (int64_t)amp_ua * p->frac_pct[node] / 100;
  if (ua > INT32_MAX) return INT32_MAX;
  if (ua < INT32_MIN) return INT32_MIN;
  return (int32_t)ua;
}
