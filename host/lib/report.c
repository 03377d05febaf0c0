/* report.c: see report.h. */
#include "report.h"

#include <math.h>
#include <stdio.h>

#include "hu_fmt.h"
#include "hu_contact.h"

double report_density(uint32_t charge_pc, uint32_t area_um2) {
  /* pC / um2 -> uC/cm2: 1e-6 uC per pC, 1e-8 cm2 per um2. */
  return area_um2 ? (double)charge_pc * 100.0 / (double)area_um2 : INFINITY;
}

double report_shannon_k(uint32_t charge_pc, uint32_t area_um2) {
  if (charge_pc == 0) return -INFINITY;
  return log10((double)charge_pc / 1e6) + log10(report_density(charge_pc, area_um2));
}

const char *report_verdict(uint8_t verdict) {
  switch (verdict) {
    case NM_VERDICT_OK: return "ok";
    case NM_VERDICT_WARN: return "warn";
    default: return "refuse";
  }
}

const char *report_plan(nm_plan_result r) {
  switch (r) {
    case NM_PLAN_OK: return "ok";
    case NM_PLAN_TOO_MANY: return "more than 4 programs would run at once";
    case NM_PLAN_SLOTS:
      return "the running programs' rates share too small a common divisor: their common frame would hold "
             "more than 64 pulses (choose rates with a larger common divisor)";
    case NM_PLAN_OVERLAP: return "the running programs' pulses cannot be interleaved without overlapping";
    default: return "a running program's pulse does not fit its period";
  }
}

static char *ma(char *b, size_t n, uint32_t ua) { return hu_fmt_fixed(b, n, ua, 3, 1); }

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
    snprintf(line, cap, "closed_loop.max_ma %s mA: must be 0.1-25.5 mA in 0.1 mA steps", ma(a, sizeof a, l->max_ua));
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

void report_reasons(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                    const nm_safety_report_t *rep, report_line_fn fn, void *user) {
  char line[256], a[32], b[32], c[32];
  uint32_t r = rep->reasons;
  if (r & NM_R_NAME) fn(user, "name must be 1-15 printable ASCII characters");
  if (r & NM_R_WAVE) fn(user, "waveform is not tonic, burst or high-frequency");
  if (r & NM_R_LEAD) fn(user, "the lead is not valid (1-16 contacts of 0.1-100 mm2)");
  if (r & NM_R_LOAD) {
    snprintf(line, sizeof line, "impedance %u ohm or compliance %s V out of range (1-100000 ohm, up to 40 V)",
             load->impedance_ohm, hu_fmt_fixed(a, sizeof a, load->compliance_mv, 3, 1));
    fn(user, line);
  }
  if (r & NM_R_RATE) {
    if (p->wave == NM_WAVE_HF) snprintf(line, sizeof line, "rate %u Hz: high-frequency runs at exactly 10000 Hz", p->rate_hz);
    else if (p->wave == NM_WAVE_BURST) snprintf(line, sizeof line, "burst rate %u Hz is out of range 10-100 Hz", p->rate_hz);
    else snprintf(line, sizeof line, "rate %u Hz is out of range 2-1200 Hz for tonic", p->rate_hz);
    fn(user, line);
  }
  if (r & NM_R_BURST) {
    if (p->wave == NM_WAVE_BURST) {
      snprintf(line, sizeof line, "burst of %u pulses at %u Hz: needs 2-10 pulses at 250-1000 Hz intra-burst",
               p->burst_pulses, p->intra_hz);
    } else {
      snprintf(line, sizeof line, "burst settings given for a %s program", nm_wave_name(p->wave));
    }
    fn(user, line);
  }
  if (r & NM_R_WIDTH) {
    snprintf(line, sizeof line, "pulse width %u us is out of range %s for %s", p->width_us,
             p->wave == NM_WAVE_HF ? "20-60 us" : "10-1000 us", nm_wave_name(p->wave));
    fn(user, line);
  }
  if (r & NM_R_GAP) {
    snprintf(line, sizeof line, "interphase gap %u us is over 250 us", p->gap_us);
    fn(user, line);
  }
  if (r & NM_R_AMP) {
    snprintf(line, sizeof line, "amplitude %s mA %s", ma(a, sizeof a, p->amp_ua),
             p->amp_ua > NM_AMP_MAX_UA ? "is out of range 0-25.5 mA" : "is not a multiple of 0.1 mA");
    fn(user, line);
  }
  if (r & NM_R_PATIENT) {
    snprintf(line, sizeof line, "patient range %s-%s mA must be within 0-25.5 mA, in 0.1 mA steps, minimum <= maximum",
             ma(a, sizeof a, p->pt_min_ua), ma(b, sizeof b, p->pt_max_ua));
    fn(user, line);
  }
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
  if (r & NM_R_CYCLE) {
    snprintf(line, sizeof line, "cycling %u s on / %u s off: both must be 1-86400 s", p->cyc_on_s, p->cyc_off_s);
    fn(user, line);
  }
  if (r & NM_R_RAMP) {
    snprintf(line, sizeof line, "ramp %s s must be 0-10 s in 0.1 s steps%s", hu_fmt_fixed(a, sizeof a, p->ramp_ms, 3, 1),
             p->cyc_on_s ? " and at most half the cycling on time" : "");
    fn(user, line);
  }
  if (r & NM_R_FIT) {
    uint64_t period_ns = nm_prog_period_ns(p);
    if (p->wave == NM_WAVE_BURST && p->intra_hz && (uint64_t)p->width_us * 1000u > 1000000000u / p->intra_hz) {
      snprintf(line, sizeof line, "pulse width %u us does not fit the intra-burst period of %s us at %u Hz",
               p->width_us, hu_fmt_fixed(b, sizeof b, (int64_t)(1000000000u / p->intra_hz), 3, 0), p->intra_hz);
    } else {
      snprintf(line, sizeof line,
               "pulse of %s us (phases + %u us gap + recharge) does not fit its %s us period at %u Hz",
               hu_fmt_fixed(a, sizeof a, (int64_t)nm_prog_span_ns(p), 3, 0), p->gap_us,
               hu_fmt_fixed(b, sizeof b, (int64_t)period_ns, 3, 0), p->rate_hz);
    }
    fn(user, line);
  }
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    uint32_t area = nm_lead_node_area_um2(lead, e->node);
    if (e->over_density) {
      snprintf(line, sizeof line, "%s: %.2f uC/cm2 per phase at %s mA exceeds 30 uC/cm2", hu_contact_name(a, sizeof a, e->node),
               report_density(e->charge_pc, area), ma(b, sizeof b, rep->eval_amp_ua));
      fn(user, line);
    }
    if (e->over_shannon) {
      snprintf(line, sizeof line, "%s: Shannon k = %.3f at %s mA (%s uC per phase); limit k < 1.85",
               hu_contact_name(a, sizeof a, e->node), report_shannon_k(e->charge_pc, area), ma(b, sizeof b, rep->eval_amp_ua),
               hu_fmt_fixed(c, sizeof c, e->charge_pc, 6, 1));
      fn(user, line);
    }
  }
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
