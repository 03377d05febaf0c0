/* report.c: see report.h. */
#include "report.h"

#include <stdio.h>

#include "hu_fmt.h"
#include "hu_contact.h"

const char *report_verdict(uint8_t verdict) {
  switch (verdict) {
    case NM_VERDICT_OK: return "ok";
    case NM_VERDICT_WARN: return "warn";
    default: return "refuse";
  }
}

const char *report_set_code(uint8_t why) {
  static const char *const codes[NM_SET_COUNT] = {"ok", "none", "empty", "too-many", "snm-one", "slots", "overlap", "fit"};
  return why < NM_SET_COUNT ? codes[why] : "unknown";
}

const char *report_set(char *buf, size_t cap, uint8_t why, const tf_therapy_t *t) {
  unsigned n_run = 0;
  for (uint8_t i = 0; i < t->n_prog; i++) n_run += (t->running_mask >> i) & 1u;
  switch (why) {
    case NM_SET_NONE: snprintf(buf, cap, "no program is running: set \"running\": true on at least one"); break;
    case NM_SET_EMPTY: snprintf(buf, cap, "a running program is not stored on the stimulator"); break;
    case NM_SET_TOO_MANY:
      snprintf(buf, cap, "%u programs are running: at most %u can run at once", n_run, (unsigned)NM_MAX_RUNNING);
      break;
    case NM_SET_SNM_ONE:
      snprintf(buf, cap, "%u programs are running: an SNM stimulator runs one program at a time", n_run);
      break;
    case NM_SET_SLOTS:
      snprintf(buf, cap,
               "the running programs' rates share too small a common divisor: their common frame would hold "
               "more than %u pulses (choose rates with a larger common divisor)",
               (unsigned)NM_PATTERN_MAX_SLOTS);
      break;
    case NM_SET_OVERLAP: snprintf(buf, cap, "the running programs' pulses cannot be interleaved without overlapping"); break;
    case NM_SET_FIT: snprintf(buf, cap, "a running program's pulse does not fit its period"); break;
    default: snprintf(buf, cap, "the running programs cannot run together"); break;
  }
  return buf;
}

char *report_density(char *buf, size_t cap, const nm_node_eval_t *e) {
  return hu_fmt_fixed(buf, cap, e->density_nc_cm2, 3, 3);
}

char *report_k(char *buf, size_t cap, const nm_node_eval_t *e) {
  if (e->shannon_k_milli == NM_SHANNON_K_NONE) {
    snprintf(buf, cap, "none");
    return buf;
  }
  return hu_fmt_fixed(buf, cap, e->shannon_k_milli, 3, 3);
}

static char *ma(char *b, size_t n, uint32_t ua) { return hu_fmt_fixed(b, n, ua, 3, 1); }
/* Limits as they are written in the messages: mA with one decimal at least, the rest as
 * short as exact. */
static char *fx(char *b, size_t n, int64_t v, unsigned dec) { return hu_fmt_fixed(b, n, v, dec, 0); }

/* Which rule of the supervisor's closed-loop check (safety.c check_loop) the program breaks. */
static const char *loop_reason(const nm_prog_t *p, char *line, size_t cap) {
  const nm_loop_cfg_t *l = &p->loop;
  char a[32], b[32];
  if (!l->closed || l->closed != 1u) return "closed_loop: not a valid closed-loop setting";
  if (p->wave == NM_WAVE_HF) return "closed_loop: an ECAP cannot be sensed on a high-frequency program";
  if (p->wave == NM_WAVE_TONIC && (p->rate_hz < NM_LOOP_RATE_MIN_HZ || p->rate_hz > NM_LOOP_RATE_MAX_HZ)) {
    snprintf(line, cap, "closed_loop: a tonic program senses at %u-%u Hz, not %u Hz", NM_LOOP_RATE_MIN_HZ,
             NM_LOOP_RATE_MAX_HZ, p->rate_hz);
    return line;
  }
  if (l->max_ua % NM_AMP_STEP_UA || l->max_ua < NM_AMP_STEP_UA || l->max_ua > NM_AMP_MAX_UA) {
    char c[32], d[32];
    snprintf(line, cap, "closed_loop.max_ma %s mA: must be %s-%s mA in %s mA steps", ma(a, sizeof a, l->max_ua),
             ma(b, sizeof b, NM_AMP_STEP_UA), ma(c, sizeof c, NM_AMP_MAX_UA), ma(d, sizeof d, NM_AMP_STEP_UA));
    return line;
  }
  if (p->amp_ua > l->max_ua) {
    snprintf(line, cap, "closed_loop.max_ma %s mA is below the amplitude %s mA the loop starts from",
             ma(a, sizeof a, l->max_ua), ma(b, sizeof b, p->amp_ua));
    return line;
  }
  if (l->step_ua % NM_LOOP_RES_UA || l->step_ua < NM_LOOP_RES_UA || l->step_ua > NM_LOOP_STEP_MAX_UA) {
    snprintf(line, cap, "closed_loop.max_step_ua %u: must be %u-%u uA in steps of %u uA", l->step_ua, NM_LOOP_RES_UA,
             NM_LOOP_STEP_MAX_UA, NM_LOOP_RES_UA);
    return line;
  }
  if (!(l->lo_uv < l->target_uv && l->target_uv < l->hi_uv && l->hi_uv <= NM_LOOP_UV_MAX)) {
    snprintf(line, cap, "closed_loop: the target %u uV must lie inside the window [%u, %u] uV (at most %u uV)",
             l->target_uv, l->lo_uv, l->hi_uv, NM_LOOP_UV_MAX);
    return line;
  }
  snprintf(line, cap, "closed_loop.patient_target_uv [%u, %u] must hold the target %u uV and lie inside the window "
           "[%u, %u] uV", l->pt_lo_uv, l->pt_hi_uv, l->target_uv, l->lo_uv, l->hi_uv);
  return line;
}

static void timing_reasons(const nm_prog_t *p, uint32_t r, report_line_fn fn, void *user) {
  char line[256];
  if (r & NM_R_RATE) {
    if (p->wave == NM_WAVE_HF) {
      snprintf(line, sizeof line, "rate %u Hz: high-frequency runs at exactly %u Hz", p->rate_hz, NM_HF_RATE_HZ);
    } else if (p->wave == NM_WAVE_BURST) {
      snprintf(line, sizeof line, "burst rate %u Hz is out of range %u-%u Hz", p->rate_hz, NM_BURST_RATE_MIN_HZ,
               NM_BURST_RATE_MAX_HZ);
    } else {
      snprintf(line, sizeof line, "rate %u Hz is out of range %u-%u Hz for tonic", p->rate_hz, NM_TONIC_RATE_MIN_HZ,
               NM_TONIC_RATE_MAX_HZ);
    }
    fn(user, line);
  }
  if (r & NM_R_BURST) {
    if (p->wave == NM_WAVE_BURST) {
      snprintf(line, sizeof line, "burst of %u pulses at %u Hz: needs %u-%u pulses at %u-%u Hz intra-burst",
               p->burst_pulses, p->intra_hz, NM_BURST_PULSES_MIN, NM_BURST_PULSES_MAX, NM_BURST_INTRA_MIN_HZ,
               NM_BURST_INTRA_MAX_HZ);
    } else {
      snprintf(line, sizeof line, "burst settings given for a %s program", nm_wave_name(p->wave));
    }
    fn(user, line);
  }
  if (r & NM_R_WIDTH) {
    int hf = p->wave == NM_WAVE_HF;
    snprintf(line, sizeof line, "pulse width %u us is out of range %u-%u us for %s", p->width_us,
             hf ? NM_HF_WIDTH_MIN_US : NM_WIDTH_MIN_US, hf ? NM_HF_WIDTH_MAX_US : NM_WIDTH_MAX_US, nm_wave_name(p->wave));
    fn(user, line);
  }
  if (r & NM_R_GAP) {
    snprintf(line, sizeof line, "interphase gap %u us is over %u us", p->gap_us, NM_GAP_MAX_US);
    fn(user, line);
  }
}

/* Which fit failed is the supervisor's finding (NM_R_FIT_INTRA); the figures are the
 * firmware's own timing. */
static void fit_reasons(const nm_prog_t *p, uint32_t r, report_line_fn fn, void *user) {
  char line[256], a[32], b[32];
  if (r & NM_R_FIT_INTRA) {
    snprintf(line, sizeof line, "pulse width %u us does not fit the intra-burst period at %u Hz", p->width_us, p->intra_hz);
    fn(user, line);
  } else if (r & NM_R_FIT) {
    snprintf(line, sizeof line, "pulse of %s us (phases + %u us gap + recharge) does not fit its %s us period at %u Hz",
             fx(a, sizeof a, (int64_t)nm_prog_span_ns(p), 3), p->gap_us, fx(b, sizeof b, nm_prog_period_ns(p), 3),
             p->rate_hz);
    fn(user, line);
  }
}

static void amp_reasons(const nm_prog_t *p, uint32_t r, report_line_fn fn, void *user) {
  char line[256], a[32], b[32], lim[32], step[32];
  ma(lim, sizeof lim, NM_AMP_MAX_UA);
  ma(step, sizeof step, NM_AMP_STEP_UA);
  if (r & NM_R_AMP) {
    if (p->amp_ua > NM_AMP_MAX_UA) snprintf(line, sizeof line, "amplitude %s mA is out of range 0-%s mA", ma(a, sizeof a, p->amp_ua), lim);
    else snprintf(line, sizeof line, "amplitude %s mA is not a multiple of %s mA", ma(a, sizeof a, p->amp_ua), step);
    fn(user, line);
  }
  if (r & NM_R_PATIENT) {
    snprintf(line, sizeof line, "patient range %s-%s mA must be within 0-%s mA, in %s mA steps, minimum <= maximum",
             ma(a, sizeof a, p->pt_min_ua), ma(b, sizeof b, p->pt_max_ua), lim, step);
    fn(user, line);
  }
}

static void electrode_reasons(const nm_prog_t *p, const nm_lead_t *lead, uint32_t r, report_line_fn fn, void *user) {
  char line[256], a[32];
  if (r & NM_R_FRACTIONS) {
    int cath = 0, anod = 0;
    for (int n = 0; n < NM_NODES; n++) {
      if (p->frac_pct[n] < 0) cath += p->frac_pct[n]; else anod += p->frac_pct[n];
    }
    snprintf(line, sizeof line,
             "electrode fractions must sum to -100 %% (cathodes) and +100 %% (anodes); they sum to %d %% and %+d %%",
             cath, anod);
    fn(user, line);
  }
  if (r & NM_R_CONTACT) {
    for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
      if (p->frac_pct[n] == 0 || n < lead->n_contacts) continue;
      snprintf(line, sizeof line, "%s is not on lead %s (E0-E%u)", hu_contact_name(a, sizeof a, n),
               nm_lead_name(lead->model), lead->n_contacts - 1u);
      fn(user, line);
    }
  }
  if (r & NM_R_CASE_CATHODE) fn(user, "the case can only be an anode");
}

static void charge_reasons(const nm_safety_report_t *rep, report_line_fn fn, void *user) {
  char line[256], a[32], b[32], c[32], v[32], lim[32];
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    if (e->over_density) {
      snprintf(line, sizeof line, "%s: %s uC/cm2 per phase at %s mA exceeds %s uC/cm2", hu_contact_name(a, sizeof a, e->node),
               report_density(v, sizeof v, e), ma(b, sizeof b, rep->eval_amp_ua), fx(lim, sizeof lim, NM_DENSITY_MAX_NC_CM2, 3));
      fn(user, line);
    }
    if (e->over_shannon) {
      snprintf(line, sizeof line, "%s: Shannon k = %s at %s mA (%s uC per phase); limit k < %s",
               hu_contact_name(a, sizeof a, e->node), report_k(v, sizeof v, e), ma(b, sizeof b, rep->eval_amp_ua),
               hu_fmt_fixed(c, sizeof c, e->charge_pc, 6, 1), fx(lim, sizeof lim, NM_SHANNON_K_MAX_MILLI, 3));
      fn(user, line);
    }
  }
}

void report_reasons(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                    const nm_safety_report_t *rep, report_line_fn fn, void *user) {
  char line[256], a[32], b[32], c[32];
  uint32_t r = rep->reasons;
  if (r & NM_R_NAME) {
    snprintf(line, sizeof line, "name must be 1-%u printable ASCII characters", NM_NAME_LEN - 1u);
    fn(user, line);
  }
  if (r & NM_R_WAVE) fn(user, "waveform is not tonic, burst or high-frequency");
  if (r & NM_R_LEAD) {
    snprintf(line, sizeof line, "the lead is not valid (1-%u contacts of %s-%s mm2)", (unsigned)NM_MAX_CONTACTS,
             fx(a, sizeof a, NM_LEAD_AREA_MIN_UM2, 6), fx(b, sizeof b, NM_LEAD_AREA_MAX_UM2, 6));
    fn(user, line);
  }
  if (r & NM_R_LOAD) {
    snprintf(line, sizeof line, "impedance %u ohm or compliance %s V out of range (1-%u ohm, up to %s V)",
             load->impedance_ohm, hu_fmt_fixed(a, sizeof a, load->compliance_mv, 3, 1), NM_IMPEDANCE_MAX_OHM,
             fx(b, sizeof b, NM_COMPLIANCE_MAX_MV, 3));
    fn(user, line);
  }
  timing_reasons(p, r, fn, user);
  amp_reasons(p, r, fn, user);
  electrode_reasons(p, lead, r, fn, user);
  if (r & NM_R_CYCLE) {
    snprintf(line, sizeof line, "cycling %u s on / %u s off: both must be 1-%u s", p->cyc_on_s, p->cyc_off_s, NM_CYCLE_MAX_S);
    fn(user, line);
  }
  if (r & NM_R_RAMP) {
    snprintf(line, sizeof line, "ramp %s s must be 0-%s s in %s s steps%s", hu_fmt_fixed(a, sizeof a, p->ramp_ms, 3, 1),
             fx(b, sizeof b, NM_RAMP_MAX_MS, 3), fx(c, sizeof c, NM_RAMP_TICK_MS, 3),
             p->cyc_on_s ? " and at most half the cycling on time" : "");
    fn(user, line);
  }
  fit_reasons(p, r, fn, user);
  charge_reasons(rep, fn, user);
  if (r & NM_R_INTERLEAVE) fn(user, "cannot run together with the other running programs");
  if (r & NM_R_LOOP) fn(user, loop_reason(p, line, sizeof line));
  if (r & NM_W_COMPLIANCE) {
    snprintf(line, sizeof line,
             "%s mA x %u ohm needs %s V, over the %s V compliance voltage: the output cannot deliver it as programmed",
             ma(a, sizeof a, rep->eval_amp_ua), load->impedance_ohm, hu_fmt_fixed(b, sizeof b, rep->volt_mv, 3, 1),
             hu_fmt_fixed(c, sizeof c, load->compliance_mv, 3, 1));
    fn(user, line);
  }
}
