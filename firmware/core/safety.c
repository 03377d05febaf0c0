/* safety.c: the safety supervisor. Integer arithmetic only; every product is bounded in
 * 64 bits (see the comments at each). Pure: judges, never changes anything. */
#include "nmod/safety.h"

#include <stddef.h>

#include "nmod/err.h"

uint32_t nm_safety_charge_pc(int32_t ua, uint32_t width_us) {
  uint64_t mag = ua < 0 ? (uint64_t)(-(int64_t)ua) : (uint64_t)ua;
  uint64_t q = mag * width_us; /* < 2^31 * 2^32 */
  return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

int nm_safety_over_density(uint32_t q_pc, uint32_t area_um2) {
  /* D = Q/A; in nC/cm2 that is q_pc * 1e5 / area_um2. Over when D > limit:
   * q_pc * 1e5 > limit * area (both sides < 2^32 * 1e5 and 3e4 * 2^32: fit in 64 bits). */
  if (area_um2 == 0) return 1;
  return (uint64_t)q_pc * 100000u > (uint64_t)NM_DENSITY_MAX_NC_CM2 * area_um2;
}

int nm_safety_over_shannon(uint32_t q_pc, uint32_t area_um2) {
  /* k = log10(Q uC) + log10(Q/A uC/cm2) >= 1.85  <=>  Q^2/A >= 10^1.85 (uC^2/cm2)
   *   <=> q_pc^2 * 1000 >= NM_SHANNON_Q2A * area_um2.
   * q_pc is bounded by 25.5 mA * 1000 us for judged programs, but any uint32 may come
   * here: above 2^27 pC (134 uC) the square overflows, and such a charge is over the
   * limit on any area we accept (<= 2^32 um2 needs q < 53 uC to pass). */
  if (area_um2 == 0) return 1;
  if (q_pc >= (1u << 27)) return 1;
  uint64_t q2 = (uint64_t)q_pc * q_pc; /* < 2^54 */
  if (q2 > UINT64_MAX / 1000u) return 1;
  return q2 * 1000u >= NM_SHANNON_Q2A * (uint64_t)area_um2; /* rhs < 2^30 * 2^32 */
}

/* log2(x) for x >= 1 in units of 2^-28: the integer part from the top bit, the fraction
 * bit by bit by squaring the mantissa (held in [2^30, 2^31), so its square fits 64 bits).
 * The bound is what the caller's arithmetic needs: ip <= 31 and the fraction bits sum to
 * less than one. */
/*@ assigns \nothing;
    ensures 0 <= \result <= 8589934592; */
static int64_t log2_q28(uint32_t x) {
  int64_t ip = 0;
  /*@ loop invariant 0 <= ip <= 31;
      loop assigns ip;
      loop variant 31 - ip; */
  while (ip < 31 && (x >> (ip + 1)) != 0) ip++;
  uint64_t m = ip > 30 ? (uint64_t)x >> (ip - 30) : (uint64_t)x << (30 - ip);
  int64_t r = ip * ((int64_t)1 << 28);
  /* bit is 2^27, 2^26, ..., 1: r gains at most bit, then bit halves. */
  /*@ loop invariant 0 <= bit <= 134217728;
      loop invariant ip * 268435456 <= r <= ip * 268435456 + 268435456 - 2 * bit;
      loop assigns m, r, bit;
      loop variant bit; */
  for (int64_t bit = (int64_t)1 << 27; bit > 0; bit /= 2) {
    m = (m * m) >> 30;
    if (m >= (2ull << 30)) {
      m >>= 1;
      r += bit;
    }
  }
  return r;
}

int32_t nm_safety_shannon_k_milli(uint32_t q_pc, uint32_t area_um2) {
  /* Q^2/A in uC^2/cm2 is q_pc^2 / (1e4 x area_um2): k = (2 log2 q - log2 a) log10 2 - 4.
   * |l| <= 2^34 (Q28), x 1000 < 2^44; in 2^-10 steps < 2^27, x log10(2) in Q32 (< 2^31)
   * stays under 2^58. Each step truncates by less than 2^-10 thousandth. */
  if (q_pc == 0 || area_um2 == 0) return NM_SHANNON_K_NONE;
  int64_t l = 2 * log2_q28(q_pc) - log2_q28(area_um2);
  int64_t milli_q10 = l * 1000 / ((int64_t)1 << 18);
  int64_t k_q42 = milli_q10 * 1292913986ll; /* log10(2) x 2^32 */
  int64_t half = (int64_t)1 << 41;
  int32_t k = (int32_t)((k_q42 + (k_q42 >= 0 ? half : -half)) / ((int64_t)1 << 42) - 4000);
  /* On the verdict's side of the limit, so that a report never shows an accepted charge at
   * k >= 1.85 or a refused one below it: near the limit the rounded k may be one off the
   * exact rule, and the rule (nm_safety_over_shannon) decides. Still within 1 of real k. */
  if (nm_safety_over_shannon(q_pc, area_um2)) {
    return k < NM_SHANNON_K_MAX_MILLI ? NM_SHANNON_K_MAX_MILLI : k;
  }
  return k >= NM_SHANNON_K_MAX_MILLI ? NM_SHANNON_K_MAX_MILLI - 1 : k;
}

uint32_t nm_safety_max_charge_pc(uint32_t area_um2) {
  /* Largest q passing both tests: binary search over the monotone predicates. */
  uint32_t lo = 0, hi = 1u << 27;
  /*@ loop invariant 0 <= lo <= hi <= (1 << 27);
      loop assigns lo, hi;
      loop variant hi - lo; */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo + 1) / 2;
    if (!nm_safety_over_density(mid, area_um2) && !nm_safety_over_shannon(mid, area_um2)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

/*@ requires \valid_read(name + (0 .. NM_NAME_LEN - 1));
    assigns \nothing; */
static int name_ok(const char *name) {
  size_t n = 0;
  /*@ loop invariant 0 <= n <= NM_NAME_LEN;
      loop assigns n;
      loop variant NM_NAME_LEN - n; */
  while (n < NM_NAME_LEN && name[n] != '\0') {
    if (name[n] < 0x20 || name[n] > 0x7E) return 0;
    n++;
  }
  return n > 0 && n < NM_NAME_LEN;
}

/*@ assigns \nothing;
    ensures \result == (lo <= v <= hi ? 1 : 0); */
static int in(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; }

/* The stimulating phase's width for its waveform: 0, NM_R_WIDTH, or NM_R_WAVE for a
 * waveform that does not exist. */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == 0 <==> nm_width_ok(p);
    ensures !nm_wave_ok(p) ==> \result == NM_R_WAVE; */
static uint32_t check_width(const nm_prog_t *p) {
  switch (p->wave) {
    case NM_WAVE_TONIC:
    case NM_WAVE_BURST:
      return in(p->width_us, NM_WIDTH_MIN_US, NM_WIDTH_MAX_US) ? 0 : NM_R_WIDTH;
    case NM_WAVE_HF:
      return in(p->width_us, NM_HF_WIDTH_MIN_US, NM_HF_WIDTH_MAX_US) ? 0 : NM_R_WIDTH;
    default:
      return NM_R_WAVE;
  }
}

/* Waveform, width, rates, bursts, gap and fit; 0 when they pass. */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == 0 ==> nm_width_ok(p) && nm_fits(p); */
static uint32_t check_timing(const nm_prog_t *p) {
  uint32_t r = check_width(p);
  switch (p->wave) {
    case NM_WAVE_TONIC:
      if (!in(p->rate_hz, NM_TONIC_RATE_MIN_HZ, NM_TONIC_RATE_MAX_HZ)) r |= NM_R_RATE;
      if (p->burst_pulses != 0 || p->intra_hz != 0) r |= NM_R_BURST;
      break;
    case NM_WAVE_HF:
      if (p->rate_hz != NM_HF_RATE_HZ) r |= NM_R_RATE;
      if (p->burst_pulses != 0 || p->intra_hz != 0) r |= NM_R_BURST;
      break;
    case NM_WAVE_BURST:
      if (!in(p->rate_hz, NM_BURST_RATE_MIN_HZ, NM_BURST_RATE_MAX_HZ)) r |= NM_R_RATE;
      if (!in(p->burst_pulses, NM_BURST_PULSES_MIN, NM_BURST_PULSES_MAX) ||
          !in(p->intra_hz, NM_BURST_INTRA_MIN_HZ, NM_BURST_INTRA_MAX_HZ)) {
        r |= NM_R_BURST;
      }
      break;
    default:
      return r; /* NM_R_WAVE alone: an unknown waveform has no timing to judge */
  }
  if (p->gap_us > NM_GAP_MAX_US) r |= NM_R_GAP;
  if (r) return r;
  /* Fit, timed in ns exactly as the planner and output stage time it. The stimulating
   * phases of a burst must not run into each other, and the whole pulse (phases, gap,
   * recharge) must end before the next one starts. */
  if (p->wave == NM_WAVE_BURST && (uint64_t)p->width_us * 1000u > 1000000000u / p->intra_hz) {
    r |= NM_R_FIT | NM_R_FIT_INTRA;
  }
  if (nm_prog_span_ns(p) > nm_prog_period_ns(p)) r |= NM_R_FIT;
  return r;
}

/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == 0 ==> p->amp_ua <= NM_AMP_MAX_UA && p->pt_max_ua <= NM_AMP_MAX_UA; */
static uint32_t check_amplitudes(const nm_prog_t *p) {
  uint32_t r = 0;
  if (p->amp_ua > NM_AMP_MAX_UA || p->amp_ua % NM_AMP_STEP_UA) r |= NM_R_AMP;
  if (p->pt_min_ua > NM_AMP_MAX_UA || p->pt_max_ua > NM_AMP_MAX_UA ||
      p->pt_min_ua % NM_AMP_STEP_UA || p->pt_max_ua % NM_AMP_STEP_UA ||
      p->pt_min_ua > p->pt_max_ua) {
    r |= NM_R_PATIENT;
  }
  return r;
}

/* Per node: a cathode or anode share of -100..100 %, only on the lead's contacts or the
 * case, the case never a cathode, shares summing to -100 and +100. */
/*@ requires \valid_read(p) && \valid_read(lead);
    assigns \nothing;
    ensures \result == 0 ==> nm_fracs_ok(p, lead); */
static uint32_t check_fractions(const nm_prog_t *p, const nm_lead_t *lead) {
  uint32_t r = 0;
  int cath = 0, anod = 0;
  /*@ loop invariant 0 <= n <= NM_NODES;
      loop invariant -128 * n <= cath <= 0 && 0 <= anod <= 127 * n;
      loop invariant r == 0 ==>
        \forall integer m; 0 <= m < n && p->frac_pct[m] != 0 ==>
          -100 <= p->frac_pct[m] <= 100 && (m == NM_NODE_CASE || m < lead->n_contacts);
      loop assigns n, r, cath, anod;
      loop variant NM_NODES - n; */
  for (uint8_t n = 0; n < NM_NODES; n++) {
    int f = p->frac_pct[n];
    if (f == 0) continue;
    if (f < -100 || f > 100) r |= NM_R_FRACTIONS;
    if (n == NM_NODE_CASE && f < 0) r |= NM_R_CASE_CATHODE;
    if (n != NM_NODE_CASE && n >= lead->n_contacts) r |= NM_R_CONTACT;
    if (f < 0) cath += f; else anod += f;
  }
  if (cath != -100 || anod != 100) r |= NM_R_FRACTIONS;
  return r;
}

/*@ requires \valid_read(p);
    assigns \nothing; */
static uint32_t check_ramp_cycle(const nm_prog_t *p) {
  uint32_t r = 0;
  int cycling = p->cyc_on_s != 0 || p->cyc_off_s != 0;
  if (cycling && (!in(p->cyc_on_s, 1, NM_CYCLE_MAX_S) || !in(p->cyc_off_s, 1, NM_CYCLE_MAX_S))) {
    r |= NM_R_CYCLE;
  }
  if (p->ramp_ms > NM_RAMP_MAX_MS || p->ramp_ms % NM_RAMP_TICK_MS) r |= NM_R_RAMP;
  /* A cycle ramps up at the start of "on" and down at its end: both must fit. */
  if (cycling && !(r & NM_R_CYCLE) && 2ull * p->ramp_ms > 1000ull * p->cyc_on_s) r |= NM_R_RAMP;
  return r;
}

/* A closed loop (docs/CLOSED-LOOP.md): a ceiling the program starts under, a step limit
 * in the stage's resolution, target inside the window and the patient's range inside it
 * too; only where an ECAP can be sensed (tonic at a sensing rate, or bursts). Without a
 * loop, every loop field is zero (one way to write "none"). */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == 0 ==> p->loop.closed == 0 || p->loop.max_ua <= NM_AMP_MAX_UA; */
static uint32_t check_loop(const nm_prog_t *p) {
  const nm_loop_cfg_t *l = &p->loop;
  if (!l->closed) {
    return (l->target_uv | l->lo_uv | l->hi_uv | l->pt_lo_uv | l->pt_hi_uv | l->max_ua | l->step_ua) ? NM_R_LOOP
                                                                                                      : 0u;
  }
  if (l->closed != 1u) return NM_R_LOOP;
  if (p->wave == NM_WAVE_TONIC) {
    if (!in(p->rate_hz, NM_LOOP_RATE_MIN_HZ, NM_LOOP_RATE_MAX_HZ)) return NM_R_LOOP;
  } else if (p->wave != NM_WAVE_BURST) {
    return NM_R_LOOP;
  }
  if (l->max_ua % NM_AMP_STEP_UA || !in(l->max_ua, NM_AMP_STEP_UA, NM_AMP_MAX_UA) || p->amp_ua > l->max_ua) {
    return NM_R_LOOP;
  }
  if (l->step_ua % NM_LOOP_RES_UA || !in(l->step_ua, NM_LOOP_RES_UA, NM_LOOP_STEP_MAX_UA)) return NM_R_LOOP;
  if (!(l->lo_uv < l->target_uv && l->target_uv < l->hi_uv && l->hi_uv <= NM_LOOP_UV_MAX)) return NM_R_LOOP;
  if (!(l->lo_uv <= l->pt_lo_uv && l->pt_lo_uv <= l->target_uv && l->target_uv <= l->pt_hi_uv &&
        l->pt_hi_uv <= l->hi_uv)) {
    return NM_R_LOOP;
  }
  return 0;
}

/* Charge, density and voltage of every node at amplitude `reach` (the report's node[]), and
 * the refusals they raise. Only for a program whose amplitudes, width, fractions and lead
 * passed: every product is then bounded. z: the load's impedance (0 when it is not valid). */
/*@ requires \valid_read(p) && \valid_read(lead) && \valid(out);
    requires \separated(out, p) && \separated(out, lead);
    requires reach == nm_reach(p) && reach <= NM_AMP_MAX_UA && z <= NM_IMPEDANCE_MAX_OHM;
    requires nm_width_ok(p);
    requires nm_lead_ok(lead);
    requires nm_fracs_ok(p, lead);
    assigns out->n_nodes, out->node[0 .. NM_NODES - 1];
    ensures judged_safe: \result == 0 ==> \forall integer n; 0 <= n < NM_NODES &&
      \old(p->frac_pct[n]) != 0 ==> \old(nm_node_safe(p, lead, n));
    ensures 0 <= out->n_nodes <= NM_NODES;
    ensures k_side: \forall integer i; 0 <= i < out->n_nodes ==> nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc);
    ensures k_refuses: \result == 0 ==> \forall integer i; 0 <= i < out->n_nodes ==>
      out->node[i].over_shannon == 0; */
static uint32_t judge_nodes(const nm_prog_t *p, const nm_lead_t *lead, uint32_t reach, uint32_t z,
                            nm_safety_report_t *out) {
  /* Whether any node broke the density or the Shannon rule: flags, not bits of r, so that
   * the invariants need no reasoning about bitwise or. */
  uint8_t any_d = 0, any_s = 0;
  out->n_nodes = 0;
  /* The report is written as the nodes are judged; p and lead, apart from it, stay as they
   * were at the call (Pre). */
  /*@ loop invariant 0 <= n <= NM_NODES && out->n_nodes <= n;
      loop invariant unchanged: \forall integer m; 0 <= m < NM_NODES ==>
        p->frac_pct[m] == \at(p->frac_pct[m], Pre);
      loop invariant unchanged: p->width_us == \at(p->width_us, Pre) && nm_reach(p) == \at(nm_reach(p), Pre);
      loop invariant unchanged: lead->n_contacts == \at(lead->n_contacts, Pre) &&
        lead->area_um2 == \at(lead->area_um2, Pre);
      loop invariant any_d == 0 && any_s == 0 ==> \forall integer m; 0 <= m < n &&
        \at(p->frac_pct[m], Pre) != 0 ==> \at(nm_node_safe(p, lead, m), Pre);
      loop invariant k_side: \forall integer i; 0 <= i < out->n_nodes ==> nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc);
      loop invariant k_refuses: any_s == 0 ==> \forall integer i; 0 <= i < out->n_nodes ==>
        out->node[i].over_shannon == 0;
      loop assigns n, any_d, any_s, out->n_nodes, out->node[0 .. NM_NODES - 1];
      loop variant NM_NODES - n; */
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (p->frac_pct[n] == 0) continue;
    /* Built in a local (its address never taken) and stored once: the provers then see one
     * write to the report. */
    nm_node_eval_t ev;
    //@ assert -100 <= p->frac_pct[n] <= 100;
    //@ assert -2550000 <= reach * p->frac_pct[n] <= 2550000;
    int32_t ua = nm_prog_node_ua(p, n, reach); /* |ua| <= 25500 */
    //@ assert -25500 <= ua <= 25500 && ua == reach * p->frac_pct[n] / 100;
    uint32_t area = nm_lead_node_area_um2(lead, n); /* > 0: a contact of the lead, or the case */
    //@ assert p->width_us <= 1000;
    //@ assert nm_abs(ua) * p->width_us <= 25500 * 1000;
    uint32_t q = nm_safety_charge_pc(ua, p->width_us);
    //@ assert \let k = n; q == \at(nm_node_charge(p, k), Pre);
    //@ assert \let k = n; area == \at(nm_node_area(lead, k), Pre) && area > 0;
    int32_t k_milli = nm_safety_shannon_k_milli(q, area);
    uint8_t over_s = (uint8_t)nm_safety_over_shannon(q, area);
    //@ assert nm_k_reported(over_s, k_milli, q);
    ev.node = n;
    ev.frac_pct = p->frac_pct[n];
    ev.charge_pc = q;
    ev.density_nc_cm2 = (uint32_t)((uint64_t)q * 100000u / area);
    ev.shannon_k_milli = k_milli;
    ev.volt_mv = (uint32_t)((uint64_t)(ua < 0 ? -ua : ua) * z / 1000u);
    ev.over_density = (uint8_t)nm_safety_over_density(q, area);
    ev.over_shannon = over_s;
    if (ev.over_density) any_d = 1;
    if (over_s) any_s = 1;
    //@ assert nm_k_reported(ev.over_shannon, ev.shannon_k_milli, ev.charge_pc);
    out->node[out->n_nodes] = ev;
    /*@ assert k_new: nm_k_reported(out->node[out->n_nodes].over_shannon,
          out->node[out->n_nodes].shannon_k_milli, out->node[out->n_nodes].charge_pc); */
    /*@ assert k_old: \forall integer i; 0 <= i < out->n_nodes ==>
          nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc); */
    //@ assert r_new: any_s == 0 ==> out->node[out->n_nodes].over_shannon == 0;
    //@ assert r_old: any_s == 0 ==> \forall integer i; 0 <= i < out->n_nodes ==> out->node[i].over_shannon == 0;
    out->n_nodes++;
  }
  if (any_d && any_s) return NM_R_DENSITY | NM_R_SHANNON;
  if (any_d) return NM_R_DENSITY;
  return any_s ? NM_R_SHANNON : 0u;
}

/* The empty report (a named constant, not a compound literal: Frama-C 25's EVA fails on the
 * latter, docs/ASSURANCE.md). */
static const nm_safety_report_t report_zero;

nm_verdict nm_safety_check(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                           nm_safety_report_t *out) {
  /* r collects the reasons to refuse, w the warning: refused exactly when r is not 0. */
  uint32_t r = 0, w = 0;
  if (!name_ok(p->name)) r |= NM_R_NAME;
  int lead_ok = nm_lead_validate(lead) == NM_OK;
  if (!lead_ok) r |= NM_R_LEAD;
  int load_ok = in(load->impedance_ohm, 1, NM_IMPEDANCE_MAX_OHM) &&
                in(load->compliance_mv, 1, NM_COMPLIANCE_MAX_MV);
  if (!load_ok) r |= NM_R_LOAD;
  uint32_t width = check_width(p);
  uint32_t amps = check_amplitudes(p);
  uint32_t fracs = lead_ok ? check_fractions(p, lead) : 0;
  uint32_t timing = check_timing(p);
  uint32_t cl = check_loop(p);
  r |= timing | amps | fracs | check_ramp_cycle(p) | cl;
  //@ assert r == 0 ==> timing == 0 && amps == 0 && fracs == 0 && cl == 0 && lead_ok;

  *out = report_zero;
  out->n_nodes = 0; /* as in report_zero; said here for WP, which does not see its zero */
  /* Charge at the highest reachable amplitude, per node. Only meaningful (and bounded)
   * when amplitude, width, fractions and lead are in range. */
  uint32_t reach = nm_prog_reach_ua(p);
  out->eval_amp_ua = reach;
  if (lead_ok && width == 0 && amps == 0 && fracs == 0 && cl == 0) {
    uint32_t z = load_ok ? load->impedance_ohm : 0;
    out->volt_mv = (uint32_t)((uint64_t)reach * z / 1000u); /* 25500 * 1e5 / 1e3 */
    /*@ assert unchanged: \forall integer m; 0 <= m < NM_NODES ==>
          p->frac_pct[m] == \at(p->frac_pct[m], Pre); */
    /*@ assert unchanged: p->width_us == \at(p->width_us, Pre) && p->amp_ua == \at(p->amp_ua, Pre) &&
          p->pt_max_ua == \at(p->pt_max_ua, Pre); */
    //@ assert unchanged: lead->n_contacts == \at(lead->n_contacts, Pre) && lead->area_um2 == \at(lead->area_um2, Pre);
    r |= judge_nodes(p, lead, reach, z, out);
    //@ assert \forall integer i; 0 <= i < out->n_nodes ==> nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc);
    if (load_ok && out->volt_mv > load->compliance_mv) w = NM_W_COMPLIANCE;
  }
  /*@ assert \forall integer i; 0 <= i < out->n_nodes ==>
        nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc); */
  out->reasons = r | w;
  out->verdict = r ? NM_VERDICT_REFUSE : w ? NM_VERDICT_WARN : NM_VERDICT_OK;
  return (nm_verdict)out->verdict;
}
