/* nmod/safety.h: the safety supervisor.
 *
 * A program is judged at the highest amplitude it can reach. It is refused when a value is
 * out of range, a contact would exceed 30 uC/cm2 per phase or Shannon k >= 1.85, or a pulse
 * does not fit its period; it is accepted with a warning when amplitude x impedance exceeds
 * the compliance voltage. Integer arithmetic only. The output stage holds a second,
 * independent check (a per-pulse charge limiter) that this module does not rely on.
 */
#ifndef NMOD_SAFETY_H
#define NMOD_SAFETY_H

#include <stdint.h>
#include "nmod/lead.h"
#include "nmod/program.h"

typedef enum { NM_VERDICT_OK = 0, NM_VERDICT_WARN = 1, NM_VERDICT_REFUSE = 2 } nm_verdict;

/* Reasons, a bit each. R_* refuse, W_* warn. */
enum {
  NM_R_WAVE = 1u << 0,        /* unknown waveform */
  NM_R_RATE = 1u << 1,        /* rate out of range for the waveform */
  NM_R_BURST = 1u << 2,       /* burst pulses or intra-burst rate out of range */
  NM_R_WIDTH = 1u << 3,       /* pulse width out of range for the waveform */
  NM_R_GAP = 1u << 4,         /* interphase gap out of range */
  NM_R_AMP = 1u << 5,         /* amplitude out of range or not a 0.1 mA step */
  NM_R_PATIENT = 1u << 6,     /* patient range out of range, not steps, or min > max */
  NM_R_FRACTIONS = 1u << 7,   /* fractions do not sum to -100/+100, or a bad entry */
  NM_R_CONTACT = 1u << 8,     /* a fraction on a contact the lead does not have */
  NM_R_CASE_CATHODE = 1u << 9,/* the case used as a cathode */
  NM_R_CYCLE = 1u << 10,      /* cycling times out of range (one of on/off zero) */
  NM_R_RAMP = 1u << 11,       /* ramp out of range, not a tick multiple, or > half of on */
  NM_R_FIT = 1u << 12,        /* a pulse (phases + gap) does not fit its period */
  NM_R_FIT_INTRA = 1u << 19,  /* with NM_R_FIT: a burst's phases run into each other */
  NM_R_DENSITY = 1u << 13,    /* charge density over 30 uC/cm2 per phase */
  NM_R_SHANNON = 1u << 14,    /* Shannon k >= 1.85 */
  NM_R_NAME = 1u << 15,       /* name empty or not printable */
  NM_R_LEAD = 1u << 16,       /* the lead itself is not valid */
  NM_R_LOAD = 1u << 17,       /* impedance or compliance voltage out of range */
  NM_R_INTERLEAVE = 1u << 18, /* cannot run together with the other running programs */
  NM_R_LOOP = 1u << 19,       /* closed loop: bad bounds, or on a waveform or rate it cannot sense */
  NM_W_COMPLIANCE = 1u << 24  /* amplitude x impedance over the compliance voltage */
};
#define NM_REFUSE_MASK 0x00FFFFFFu

/* What the supervisor found at one node, at the evaluated amplitude. */
typedef struct {
  uint8_t node;            /* contact index or NM_NODE_CASE */
  int8_t frac_pct;
  uint32_t charge_pc;      /* charge per phase, pC (uA x us) */
  uint32_t density_nc_cm2; /* charge density per phase, nC/cm2 (rounded down) */
  int32_t shannon_k_milli; /* Shannon k x 1000 (rounded), NM_SHANNON_K_NONE for no charge */
  uint32_t volt_mv;        /* voltage this node's current needs at the load impedance */
  uint8_t over_density;    /* 1 when this node breaks the density limit */
  uint8_t over_shannon;    /* 1 when this node breaks the Shannon limit */
} nm_node_eval_t;

typedef struct {
  uint8_t verdict;         /* nm_verdict */
  uint32_t reasons;        /* NM_R_* / NM_W_* bits */
  uint32_t eval_amp_ua;    /* amplitude judged: nm_prog_reach_ua() */
  uint32_t volt_mv;        /* eval_amp x impedance */
  uint8_t n_nodes;         /* entries used in node[] (nodes with a non-zero fraction) */
  nm_node_eval_t node[NM_NODES];
} nm_safety_report_t;

/* Electrical context of the judgement. */
typedef struct {
  uint32_t impedance_ohm;  /* load impedance between the active contacts */
  uint32_t compliance_mv;  /* compliance voltage of the output stage */
} nm_load_t;

/* The safety rules in ACSL, proven by `make prove` (docs/ASSURANCE.md). They use their own
 * literals, not limits.h: a limit changed in the code (or a comparison moved) breaks the
 * proof instead of moving the specification with it.
 *   density  Q/A <= 30 uC/cm2: in pC and um2, q * 1e5 <= 30000 * a (nC/cm2);
 *   Shannon  k = log10(Q) + log10(Q/A) < 1.85  <=>  Q^2/A < 10^1.85 uC^2/cm2
 *            <=>  q^2 * 1000 < 10^1.85 * 1e7 * a = 707945784.38 * a; with the constant
 *            truncated to 707945784 the integer rule is the stricter one (it implies k < 1.85).
 * A node's charge is that of its current at the highest amplitude the program can reach,
 * computed as the output stage gets it (nm_prog_node_ua: amp * frac / 100, truncated). */
/*@
  predicate nm_density_ok(integer q_pc, integer a_um2) = q_pc * 100000 <= 30000 * a_um2;
  predicate nm_shannon_ok(integer q_pc, integer a_um2) = q_pc * q_pc * 1000 < 707945784 * a_um2;
  logic integer nm_charge(integer amp_ua, integer frac_pct, integer width_us) =
    nm_abs(amp_ua * frac_pct / 100) * width_us;
  predicate nm_charge_safe(integer q_pc, integer a_um2) =
    a_um2 > 0 && nm_density_ok(q_pc, a_um2) && nm_shannon_ok(q_pc, a_um2);
  logic integer nm_node_charge(nm_prog_t *p, integer n) =
    nm_charge(nm_reach(p), p->frac_pct[n], p->width_us);
  predicate nm_node_safe(nm_prog_t *p, nm_lead_t *lead, integer n) =
    nm_charge_safe(nm_node_charge(p, n), nm_node_area(lead, n));
  // A node's report (over_shannon, shannon_k_milli, charge_pc): Shannon k x 1000 refuses
  // exactly from 1.85 up, lies in -14 .. 16 for any charge, and is -2^31 for no charge.
  predicate nm_k_reported(integer over, integer k_milli, integer q_pc) =
    (over == 1 <==> k_milli >= 1850) && (over == 0 || over == 1) &&
    (q_pc == 0 ? k_milli == -2147483648 : -14000 <= k_milli <= 16000);
  // A known waveform, and a stimulating phase as wide as the waveform allows.
  predicate nm_wave_ok(nm_prog_t *p) =
    p->wave == NM_WAVE_TONIC || p->wave == NM_WAVE_BURST || p->wave == NM_WAVE_HF;
  predicate nm_width_ok(nm_prog_t *p) =
    nm_wave_ok(p) && (p->wave == NM_WAVE_HF ? 20 <= p->width_us <= 60 : 10 <= p->width_us <= 1000);
  // Fractions only on the lead's contacts or the case, none above 100 %.
  predicate nm_fracs_ok(nm_prog_t *p, nm_lead_t *lead) =
    \forall integer n; 0 <= n < NM_NODES && p->frac_pct[n] != 0 ==>
      -100 <= p->frac_pct[n] <= 100 && (n == NM_NODE_CASE || n < lead->n_contacts);
  // A pulse fits its period (nm_span_ns: nmod/program.h); a burst's pulses each fit the
  // intra-burst period.
  predicate nm_fits(nm_prog_t *p) =
    p->rate_hz > 0 && nm_span_ns(p) <= 1000000000 / p->rate_hz &&
    (p->wave == NM_WAVE_BURST ==> p->intra_hz > 0 && p->width_us * 1000 <= 1000000000 / p->intra_hz);
*/

/* Judge program `p` on `lead` under `load`; fill `out` (caller-owned). Returns the verdict.
 * Pure: reads nothing else and changes nothing. Any field values (a program from a frame). */
/*@ requires \valid_read(p) && \valid_read(lead) && \valid_read(load) && \valid(out);
    requires \separated(out, p) && \separated(out, lead) && \separated(out, load);
    assigns *out;
    ensures \result == out->verdict;
    ensures accepted_fits: \result != NM_VERDICT_REFUSE ==> \old(nm_fits(p));
    ensures accepted_safe: \result != NM_VERDICT_REFUSE ==> \forall integer n; 0 <= n < NM_NODES &&
      \old(p->frac_pct[n]) != 0 ==> \old(nm_node_safe(p, lead, n));
    ensures k_side: \forall integer i; 0 <= i < out->n_nodes ==> nm_k_reported(out->node[i].over_shannon, out->node[i].shannon_k_milli, out->node[i].charge_pc);
    ensures accepted_k: \result != NM_VERDICT_REFUSE ==> \forall integer i; 0 <= i < out->n_nodes ==>
      out->node[i].shannon_k_milli < 1850;
*/
nm_verdict nm_safety_check(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                           nm_safety_report_t *out);

/* Charge of one phase at `node` of pattern values: the limiter's and planner's common
 * arithmetic. |ua| x width_us in pC. */
/*@ assigns \nothing;
    ensures \result == (nm_abs(ua) * width_us > 4294967295 ? 4294967295 : nm_abs(ua) * width_us); */
uint32_t nm_safety_charge_pc(int32_t ua, uint32_t width_us);
/* 1 when charge `q_pc` on `area_um2` breaks the density limit, else 0. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures passed_within: \result == 0 ==> area_um2 > 0 && nm_density_ok(q_pc, area_um2); */
int nm_safety_over_density(uint32_t q_pc, uint32_t area_um2);
/* 1 when charge `q_pc` on `area_um2` gives Shannon k >= 1.85, else 0. */
/*@ assigns \nothing;
    ensures \result == 0 || \result == 1;
    ensures passed_within: \result == 0 ==> area_um2 > 0 && nm_shannon_ok(q_pc, area_um2);
    ensures refused_over: \result == 1 ==> area_um2 == 0 || !nm_shannon_ok(q_pc, area_um2); */
int nm_safety_over_shannon(uint32_t q_pc, uint32_t area_um2);
/* Shannon k = log10(Q uC) + log10(Q/A uC/cm2) of charge q_pc on area_um2, x 1000, rounded
 * to the nearest (within 1 of the exact value), and on the verdict's side of the limit:
 * >= 1850 exactly when nm_safety_over_shannon refuses the charge. NM_SHANNON_K_NONE when
 * q_pc or area_um2 is 0 (k is -infinity or undefined). For the reports; the verdict is
 * nm_safety_over_shannon, exact. Proven: the NONE case, the bound (real k lies in -13.7 ..
 * 15.3 for any uint32 charge and area) and the side of the limit; the closeness to the real
 * k is tested against floating point (tests/core/test_safety.c), not proven. */
#define NM_SHANNON_K_NONE INT32_MIN
/*@ assigns \nothing;
    ensures none: q_pc == 0 || area_um2 == 0 ==> \result == -2147483648;
    ensures bounded: q_pc > 0 && area_um2 > 0 ==> -14000 <= \result <= 16000;
    ensures limit_side: q_pc > 0 && area_um2 > 0 ==>
      (\result >= 1850 <==> !nm_shannon_ok(q_pc, area_um2)); */
int32_t nm_safety_shannon_k_milli(uint32_t q_pc, uint32_t area_um2);
/* Largest charge per phase (pC) that passes both limits on `area_um2`. */
/*@ assigns \nothing;
    ensures \result <= (1 << 27); */
uint32_t nm_safety_max_charge_pc(uint32_t area_um2);

#endif
