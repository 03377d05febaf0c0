/* cloop_fe.c: the sensing front end model (cloop_fe.h). */
#include "cloop_fe.h"

#include <string.h>

void cfe_init(cfe_t *f) {
  memset(f, 0, sizeof *f);
  f->thr_ua = 2000u;
  f->swing_ua = 1000u;
  f->period_units = 1000u;
  f->uv_per_ma = 50u;
  f->rng = 1u;
}

void cfe_fault(cfe_t *f, uint8_t fault) {
  if (fault < CFE_COUNT) f->fault = fault;
}

uint32_t cfe_threshold_ua(const cfe_t *f) {
  uint32_t per = f->period_units < 2u ? 2u : f->period_units;
  uint32_t half = per / 2u, phase = f->unit % per;
  uint32_t tri = phase < half ? phase : per - phase; /* 0..half */
  return f->thr_ua + (uint32_t)((uint64_t)f->swing_ua * tri / half);
}

/* -4..+3 uV, or +-span uV. */
static int32_t noise(cfe_t *f, int32_t span) {
  f->rng = f->rng * 1664525u + 1013904223u;
  if (span <= 4) return (int32_t)(f->rng >> 29) - 4;
  return (int32_t)((f->rng >> 8) % (2u * (uint32_t)span + 1u)) - span;
}

void cfe_measure(cfe_t *f, uint32_t amp_ua, cloop_sample_t *s) {
  uint32_t thr = cfe_threshold_ua(f);
  f->unit++;
  s->flags = 0;
  int32_t e = 0;
  if (amp_ua > thr) {
    uint64_t uv = (uint64_t)(amp_ua - thr) * f->uv_per_ma / 1000u;
    e = uv > CFE_RAIL_UV ? CFE_RAIL_UV : (int32_t)uv;
  }
  switch (f->fault) {
    case CFE_LEADOFF:
      s->uv = 0;
      s->flags = CLOOP_S_LEADOFF;
      return;
    case CFE_CLIP:
      s->uv = CFE_RAIL_UV;
      s->flags = CLOOP_S_CLIP;
      return;
    case CFE_NOISE: s->uv = e + noise(f, CFE_NOISE_UV); return;
    case CFE_DEAD: s->uv = noise(f, 4); return;
    default: s->uv = e + noise(f, 4); return;
  }
}
