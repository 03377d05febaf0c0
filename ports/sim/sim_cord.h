/* sim_cord.h: the simulated patient's spinal cord and the stimulator's sensing front end
 * (docs/CLOSED-LOOP.md "The cord model", every number with its source there).
 *
 * The distance from the lead to the dorsal columns is the dorsal CSF thickness d, which
 * follows a posture trace (linear between its points). For a unit of charge Q per phase
 * (a pulse, or each pulse of a burst):
 *   ECAP threshold   ET(d) = et_nc x exp((d - ref_mm) / et_mm)
 *   growth slope     S(d)  = slope_uv_nc x exp(-(d - ref_mm) / slope_mm)
 *   ECAP             E     = max_uv x tanh(S(d) x (Q - ET(d)) / max_uv) above ET, else 0
 *   perception       PT(d) = perception x ET(d)     discomfort  DT(d) = discomfort x ET(d)
 * The front end records on a contact pair that does not stimulate: it sees the ECAP, the
 * stimulus artefact (raw_artefact_uv_ma per mA at its input: past range_uv it clips) and
 * noise (noise_uv rms); after its artefact reduction the measurement keeps
 * artefact_uv_ma per mA. Faults can be injected over a time window.
 *
 * Host-only (the simulated body, not the device): double precision is fine here.
 */
#ifndef NMOD_SIM_CORD_H
#define NMOD_SIM_CORD_H

#include <stddef.h>
#include <stdint.h>

#include "cloop.h"

typedef struct {
  double ref_mm;             /* CSF thickness the figures below are given at */
  double et_nc;              /* ECAP threshold charge per phase at ref_mm, nC */
  double et_mm;              /* the threshold grows e-fold per this many mm */
  double slope_uv_nc;        /* growth slope above threshold at ref_mm, uV per nC */
  double slope_mm;           /* the slope falls e-fold per this many mm */
  double max_uv;             /* the growth curve's saturation */
  double perception;         /* perception threshold / ECAP threshold */
  double discomfort;         /* discomfort threshold / ECAP threshold */
  double noise_uv;           /* rms noise of the measurement */
  double artefact_uv_ma;     /* artefact left in the measurement, uV per mA */
  double raw_artefact_uv_ma; /* artefact at the front end's input, uV per mA */
  double range_uv;           /* the front end's input range (it clips beyond) */
} sim_cord_params_t;

/* One field of nmod-cord/1: its JSON key, where it sits in sim_cord_params_t, its unit, its
 * documented default and the range a file may set. */
typedef struct {
  const char *key;
  size_t off;
  const char *unit;
  double def, lo, hi;
} sim_cord_field_t;

/* Every field, in the file's order (sim_cord_fields.tsv); a row with a NULL key ends it. */
extern const sim_cord_field_t sim_cord_fields[];
/* The member of p that field f names. */
double *sim_cord_field(sim_cord_params_t *p, const sim_cord_field_t *f);

/* The documented default (docs/CLOSED-LOOP.md). */
void sim_cord_defaults(sim_cord_params_t *p);
/* 0 when every parameter is inside its documented range, else -1 and the field's name in *what. */
int sim_cord_params_check(const sim_cord_params_t *p, const char **what);

/* A posture trace: CSF thickness (mm) at times (ns), strictly increasing in time. */
typedef struct {
  uint64_t t_ns;
  double csf_mm;
} sim_posture_pt_t;

/* Faults of the sensing path, injected for [from_ns, to_ns). */
enum {
  SIM_SENSE_OK = 0,
  SIM_SENSE_LEADOFF = 1,    /* a sensing contact open: lead-off flag, flat signal */
  SIM_SENSE_SATURATE = 2,   /* the front end at its rail */
  SIM_SENSE_NOISE = 3,      /* a burst of noise (noise_uv x 15 more) */
  SIM_SENSE_NO_RESPONSE = 4 /* the measurement no longer sees the ECAP (artefact and noise only) */
};

/* What one unit did, for the figures and the tests. */
typedef struct {
  uint64_t t_ns;       /* start of the unit */
  double csf_mm;
  uint32_t amp_ua;     /* its cathodic total */
  uint32_t width_us;
  double q_nc;         /* charge per phase */
  double et_nc, pt_nc, dt_nc;
  double ecap_uv;      /* the true response */
  int32_t measured_uv; /* what the front end reported */
  uint8_t flags;       /* CLOOP_S_* */
  uint8_t loop_state;  /* NM_LOOP_* of the channel's loop (OFF: open loop) */
  uint32_t ceil_ua;    /* the channel's ceiling (its programmed currents' total) */
  uint8_t over_limit;  /* a node over the limiter's ceiling */
} sim_unit_t;

typedef void (*sim_unit_fn)(void *user, const sim_unit_t *u);

typedef struct {
  uint64_t units;
  double sum_abs_dev_uv, sum_sq_dev_uv;  /* |true ECAP - target| */
  uint64_t in_window;                    /* true ECAP inside [lo, hi] */
  uint64_t above_discomfort, below_threshold;
  uint64_t over_limit;                   /* a node over the limiter's ceiling */
  uint64_t over_ceiling;                 /* above the channel's ceiling */
  uint64_t sum_amp_ua;
  uint32_t min_amp_ua, max_amp_ua;
  uint64_t loop_units;                   /* of them, with the loop running */
} sim_cord_stats_t;

typedef struct {
  sim_cord_params_t par;
  const sim_posture_pt_t *pts; /* caller-owned, n >= 1 */
  size_t n_pts, cursor;
  uint8_t prog;                /* the program slot whose units are measured */
  uint16_t target_uv, lo_uv, hi_uv; /* what the figures judge against */
  uint8_t fault;               /* SIM_SENSE_* */
  uint64_t fault_from_ns, fault_to_ns;
  uint64_t rng;
  double spare;                /* a Gaussian kept from the last pair */
  uint8_t has_spare;
  sim_cord_stats_t st;
  sim_unit_fn unit_fn;
  void *unit_user;
} sim_cord_t;

/* Set up c with parameters p and a posture trace, measuring program prog against target
 * and window [lo, hi] (uV); rng seeds the noise. */
void sim_cord_init(sim_cord_t *c, const sim_cord_params_t *p, const sim_posture_pt_t *pts, size_t n, uint8_t prog,
                   uint16_t target_uv, uint16_t lo_uv, uint16_t hi_uv, uint64_t seed);
/* CSF thickness at t_ns (the last point's value after the trace ends). */
double sim_cord_csf_mm(sim_cord_t *c, uint64_t t_ns);
/* The model at thickness d: thresholds (nC) and the response to charge q_nc (uV). */
double sim_cord_et_nc(const sim_cord_params_t *p, double d_mm);
double sim_cord_ecap_uv(const sim_cord_params_t *p, double d_mm, double q_nc);
/* One unit of amp_ua for width_us at t_ns: the true response, the stats, and the sample
 * the front end hands the loop. */
void sim_cord_unit(sim_cord_t *c, uint64_t t_ns, uint32_t amp_ua, uint32_t width_us, uint32_t ceil_ua,
                   uint8_t loop_state, uint8_t over_limit, cloop_sample_t *out);

#endif
