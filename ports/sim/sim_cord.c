/* sim_cord.c: the simulated spinal cord and sensing front end (sim_cord.h). */
#include "sim_cord.h"

#include <math.h>
#include <string.h>

double *sim_cord_field(sim_cord_params_t *p, const sim_cord_field_t *f) { return (double *)(void *)((char *)p + f->off); }

static double field_value(const sim_cord_params_t *p, const sim_cord_field_t *f) {
  return *(const double *)(const void *)((const char *)p + f->off);
}

void sim_cord_defaults(sim_cord_params_t *p) {
  /* Every figure and its source: docs/CLOSED-LOOP.md "The cord model". */
  memset(p, 0, sizeof *p);
  for (const sim_cord_field_t *f = sim_cord_fields; f->key; f++) *sim_cord_field(p, f) = f->def;
}

static int in(double v, double lo, double hi) { return v >= lo && v <= hi; } /* false for NaN */

int sim_cord_params_check(const sim_cord_params_t *p, const char **what) {
  const char *w = NULL;
  for (const sim_cord_field_t *f = sim_cord_fields; f->key && !w; f++) {
    if (!in(field_value(p, f), f->lo, f->hi)) w = f->key;
  }
  if (!w && p->discomfort <= p->perception) w = "discomfort_ratio";
  if (what) *what = w;
  return w ? -1 : 0;
}

void sim_cord_init(sim_cord_t *c, const sim_cord_params_t *p, const sim_posture_pt_t *pts, size_t n, uint8_t prog,
                   uint16_t target_uv, uint16_t lo_uv, uint16_t hi_uv, uint64_t seed) {
  memset(c, 0, sizeof *c);
  c->par = *p;
  c->pts = pts;
  c->n_pts = n;
  c->prog = prog;
  c->target_uv = target_uv;
  c->lo_uv = lo_uv;
  c->hi_uv = hi_uv;
  c->rng = seed;
  c->st.min_amp_ua = UINT32_MAX;
}

double sim_cord_csf_mm(sim_cord_t *c, uint64_t t_ns) {
  const sim_posture_pt_t *p = c->pts;
  size_t n = c->n_pts;
  if (n == 0) return c->par.ref_mm;
  if (t_ns <= p[0].t_ns) return p[0].csf_mm;
  if (t_ns >= p[n - 1].t_ns) return p[n - 1].csf_mm;
  /* Units come in time order: walk from the last segment. */
  size_t i = c->cursor < n - 1 ? c->cursor : n - 2;
  while (i > 0 && p[i].t_ns > t_ns) i--;
  while (i + 1 < n - 1 && p[i + 1].t_ns <= t_ns) i++;
  c->cursor = i;
  double f = (double)(t_ns - p[i].t_ns) / (double)(p[i + 1].t_ns - p[i].t_ns);
  return p[i].csf_mm + f * (p[i + 1].csf_mm - p[i].csf_mm);
}

double sim_cord_et_nc(const sim_cord_params_t *p, double d_mm) { return p->et_nc * exp((d_mm - p->ref_mm) / p->et_mm); }

static double ecap_at(const sim_cord_params_t *p, double d_mm, double et, double q_nc) {
  if (q_nc <= et) return 0.0;
  double s = p->slope_uv_nc * exp(-(d_mm - p->ref_mm) / p->slope_mm);
  return p->max_uv * tanh(s * (q_nc - et) / p->max_uv);
}

double sim_cord_ecap_uv(const sim_cord_params_t *p, double d_mm, double q_nc) {
  return ecap_at(p, d_mm, sim_cord_et_nc(p, d_mm), q_nc);
}

static uint64_t next_u64(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A standard normal deviate (Marsaglia's polar method, the second one kept). */
static double gauss(sim_cord_t *c) {
  if (c->has_spare) {
    c->has_spare = 0;
    return c->spare;
  }
  double u, v, s;
  do {
    u = (double)(next_u64(&c->rng) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
    v = (double)(next_u64(&c->rng) >> 11) * (2.0 / 9007199254740992.0) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double m = sqrt(-2.0 * log(s) / s);
  c->spare = v * m;
  c->has_spare = 1;
  return u * m;
}

void sim_cord_unit(sim_cord_t *c, uint64_t t_ns, uint32_t amp_ua, uint32_t width_us, uint32_t ceil_ua,
                   uint8_t loop_state, uint8_t over_limit, cloop_sample_t *out) {
  const sim_cord_params_t *p = &c->par;
  sim_unit_t u;
  u.t_ns = t_ns;
  u.csf_mm = sim_cord_csf_mm(c, t_ns);
  u.amp_ua = amp_ua;
  u.width_us = width_us;
  u.q_nc = (double)amp_ua * (double)width_us / 1000.0;
  u.et_nc = sim_cord_et_nc(p, u.csf_mm);
  u.pt_nc = u.et_nc * p->perception;
  u.dt_nc = u.et_nc * p->discomfort;
  u.ecap_uv = ecap_at(p, u.csf_mm, u.et_nc, u.q_nc);
  u.loop_state = loop_state;
  u.ceil_ua = ceil_ua;
  u.over_limit = over_limit;

  /* The front end. */
  double ma = (double)amp_ua / 1000.0;
  uint8_t fault = c->fault != SIM_SENSE_OK && t_ns >= c->fault_from_ns && t_ns < c->fault_to_ns ? c->fault : 0;
  double noise = p->noise_uv * (fault == SIM_SENSE_NOISE ? 16.0 : 1.0) * gauss(c);
  double seen = fault == SIM_SENSE_NO_RESPONSE ? 0.0 : u.ecap_uv;
  double raw = seen + p->raw_artefact_uv_ma * ma + noise;
  double m = seen + p->artefact_uv_ma * ma + noise;
  uint8_t flags = 0;
  if (fault == SIM_SENSE_LEADOFF) {
    m = 0.0; /* the open input reads nothing at all */
    flags |= CLOOP_S_LEADOFF;
  } else if (fault == SIM_SENSE_SATURATE || raw > p->range_uv || raw < -p->range_uv) {
    m = raw < 0 ? -p->range_uv : p->range_uv;
    flags |= CLOOP_S_CLIP;
  }
  double r = m < 0 ? m - 0.5 : m + 0.5; /* the converter: 1 uV steps */
  if (r > 2e9) r = 2e9;
  if (r < -2e9) r = -2e9;
  out->uv = (int32_t)r;
  out->flags = flags;
  u.measured_uv = out->uv;
  u.flags = flags;

  sim_cord_stats_t *s = &c->st;
  s->units++;
  double dev = u.ecap_uv - (double)c->target_uv;
  s->sum_abs_dev_uv += dev < 0 ? -dev : dev;
  s->sum_sq_dev_uv += dev * dev;
  if (u.ecap_uv >= (double)c->lo_uv && u.ecap_uv <= (double)c->hi_uv) s->in_window++;
  if (u.q_nc > u.dt_nc) s->above_discomfort++;
  if (u.q_nc < u.et_nc) s->below_threshold++;
  if (over_limit) s->over_limit++;
  if (amp_ua > ceil_ua) s->over_ceiling++;
  s->sum_amp_ua += amp_ua;
  if (amp_ua < s->min_amp_ua) s->min_amp_ua = amp_ua;
  if (amp_ua > s->max_amp_ua) s->max_amp_ua = amp_ua;
  if (loop_state == NM_LOOP_RUN) s->loop_units++;
  if (c->unit_fn) c->unit_fn(c->unit_user, &u);
}
