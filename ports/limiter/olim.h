/* olim.h: the output stage's own limiter, shared by both ports (ports/sim, ports/cortexm).
 *
 * It is the last of the three safety layers (docs/SAFETY.md) and is written apart from the
 * firmware's supervisor: it shares no function and no limit constant with it, and knows the
 * contact areas from its own description of the hardware. Every pattern the stage is handed
 * passes through olim_check() before a pulse of it is delivered; since the stage repeats the
 * pattern, checking the pattern checks every pulse.
 *
 * Per node (contact, or the case) and per stimulating phase the charge |I| x PW (1 uA x 1 us
 * = 1 pC) must not exceed the node's ceiling: the lower of
 *   density: 30 uC/cm2 of the node's area            (0.3 pC per um2)
 *   Shannon: k = log10(Q) + log10(Q/A) < 1.85, i.e. Q < sqrt(10^1.85 x A)  (Q uC, A cm2)
 * both computed once, at olim_init(), in integer arithmetic. A node the lead does not have
 * has a ceiling of 0. Node currents of each channel sum to zero, each channel's stimulating
 * time per frame equals its recharge time, and the slots are in range, ascending, not
 * overlapping and inside their frame.
 *
 * Sources: device-facts.md "Safety limits" (30 uC/cm2: Boston Scientific's programming limit;
 * k < 1.85: Shannon 1992).
 */
#ifndef NMOD_OLIM_H
#define NMOD_OLIM_H

#include <stdint.h>

#include "nmod/pattern.h"
#include "nmod/port.h" /* NM_OUT_TRIP_* */

/* Lead models as the hardware description numbers them (the numbering of the device's
 * hardware record; ports/limiter/olim_lead.h ties it to the firmware's at compile time). */
enum {
  OLIM_LEAD_CUSTOM = 0,       /* contacts and their area given by the description */
  OLIM_LEAD_SNM_TINED_4 = 1,
  OLIM_LEAD_SCS_PERC_8 = 2,
  OLIM_LEAD_SCS_PADDLE_16 = 3
};

/* The hardware the stage is built into. For a catalog model the limiter uses its own
 * geometry table and ignores n_contacts and area_um2. */
typedef struct {
  uint8_t model;       /* OLIM_LEAD_* */
  uint8_t n_contacts;  /* custom lead: contacts E0..En-1 */
  uint32_t area_um2;   /* custom lead: geometric area of each contact */
} olim_hw_t;

/* Which bound sets (or broke) a node's ceiling. */
enum {
  OLIM_BOUND_NONE = 0,    /* no node on the lead: ceiling 0 */
  OLIM_BOUND_DENSITY = 1,
  OLIM_BOUND_SHANNON = 2,
  OLIM_BOUND_SET = 3      /* set by olim_set_ceiling (a test hook) */
};

typedef struct {
  uint32_t ceil_pc[NM_NODES]; /* highest charge per stimulating phase each node may carry */
  uint8_t bound[NM_NODES];    /* OLIM_BOUND_* of each ceiling */
} olim_t;

/* Why a pattern was refused. `why` is the port interface's NM_OUT_TRIP_* code. */
typedef struct {
  uint32_t why;
  uint8_t node;        /* charge trips: the node */
  uint8_t bound;       /* charge trips: the ceiling it broke (OLIM_BOUND_*) */
  uint32_t charge_pc;  /* charge trips: the phase's charge at that node */
} olim_trip_t;

/* The limiter's rules in ACSL, proven by `make prove` (docs/ASSURANCE.md). Its own literals,
 * as its code has its own constants: nothing here is the supervisor's (nmod/safety.h).
 *   density  30 uC/cm2 = 0.3 pC per um2:        q * 10 <= 3 * a
 *   Shannon  k < 1.85, Q^2/A < 10^1.85 uC^2/cm2: q^2 * 1e4 < 7079457844 * a
 *            (10^1.85 x 1e8 = 7079457843.84 rounded up, as OLIM_SHANNON_K)
 * and the node areas of the hardware description, um2 (olim.c: the geometry table). */
/*@
  predicate olim_density_ok(integer q, integer a) = q * 10 <= 3 * a;
  predicate olim_shannon_ok(integer q, integer a) = q * q * 10000 < 7079457844 * a;
  // A ceiling for a node of area a: 0 on a node that is not there, else within both rules.
  predicate olim_ceiling_ok(integer c, integer a) =
    a == 0 ? c == 0 : (olim_density_ok(c, a) && olim_shannon_ok(c, a));
  logic integer olim_area(olim_hw_t *hw, integer n) =
    n == NM_NODE_CASE ? 1000000000 :
    n < 0 || n >= NM_NODES ? 0 :
    hw->model == OLIM_LEAD_CUSTOM ?
      (1 <= hw->n_contacts <= NM_MAX_CONTACTS && hw->area_um2 <= 1000000000 && n < hw->n_contacts ?
         hw->area_um2 : 0) :
    hw->model == OLIM_LEAD_SNM_TINED_4 ? (n < 4 ? 11969468 : 0) :   // pi x 1.27 mm x 3 mm
    hw->model == OLIM_LEAD_SCS_PERC_8 ? (n < 8 ? 12252211 : 0) :    // pi x 1.30 mm x 3 mm
    hw->model == OLIM_LEAD_SCS_PADDLE_16 ? (n < 16 ? 4000000 : 0) : // 4 mm x 1 mm
    0;
  // Every ceiling of o within the rules for the node areas of hw.
  predicate olim_sound(olim_t *o, olim_hw_t *hw) =
    \forall integer n; 0 <= n < NM_NODES ==> olim_ceiling_ok(o->ceil_pc[n], olim_area(hw, n));
  logic integer olim_abs(integer x) = x < 0 ? -x : x;
  // The charge of a stimulating phase at node n of channel c, and as the limiter counts it
  // (saturated at 2^32 - 1, above every ceiling olim_init sets).
  logic integer olim_charge(nm_pattern_t *p, integer c, integer n) =
    olim_abs(p->chan[c].node_ua[n]) * p->chan[c].width_us;
  logic integer olim_sat(integer q) = q > 4294967295 ? 4294967295 : q;
  // End of the pulse of slot i (its stimulating phase, and gap and recharge when it has them), ns.
  logic integer olim_slot_end(nm_pattern_t *p, integer i) =
    p->slot[i].offset_ns + p->chan[p->slot[i].chan].width_us * 1000 +
    (p->slot[i].recharge ? (p->chan[p->slot[i].chan].gap_us + p->chan[p->slot[i].chan].recharge_us) * 1000 : 0);
  // The shape olim_check lets through: channels and slots in range, slots in their frame,
  // each ending before the next starts.
  predicate olim_shape_ok(nm_pattern_t *p) =
    1 <= p->frame_hz <= 100000 && 1 <= p->n_chan <= NM_MAX_RUNNING && p->n_slot <= NM_PATTERN_MAX_SLOTS &&
    \forall integer i; 0 <= i < p->n_slot ==>
      p->slot[i].chan < p->n_chan && olim_slot_end(p, i) <= 1000000000 / p->frame_hz &&
      (i + 1 < p->n_slot ==> olim_slot_end(p, i) <= p->slot[i + 1].offset_ns);
  // A smaller charge on the same area is within Shannon too (olim_init's min of the two).
  lemma olim_shannon_mono: \forall integer q, c, a;
    0 <= q <= c && olim_shannon_ok(c, a) ==> olim_shannon_ok(q, a);
  lemma olim_below_ceiling: \forall integer q, c, a;
    0 <= q <= c && olim_ceiling_ok(c, a) ==> q == 0 || (olim_density_ok(q, a) && olim_shannon_ok(q, a));
*/

/* Ceilings for the hardware `hw`. An unknown model or an implausible custom lead (no
 * contacts, more than NM_MAX_CONTACTS, an area of 0 or over 10 cm2) leaves every contact
 * at 0: such a stage delivers nothing on the lead. */
/*@ requires \valid(o) && \valid_read(hw) && \separated(o, hw);
    assigns *o;
    ensures sound: olim_sound(o, hw); */
void olim_init(olim_t *o, const olim_hw_t *hw);

/* NM_OUT_TRIP_NONE when pattern `p` is within every bound; otherwise its NM_OUT_TRIP_*
 * code, also in trip->why, with the node, bound and charge of a charge trip. */
/*@ requires \valid_read(o) && \valid_read(p) && \valid(trip);
    requires \separated(trip, o) && \separated(trip, p);
    assigns *trip;
    ensures \result == trip->why;
    ensures passes_within: \result == NM_OUT_TRIP_NONE ==> \forall integer c, n;
      0 <= c < p->n_chan && 0 <= n < NM_NODES ==> olim_sat(olim_charge(p, c, n)) <= o->ceil_pc[n];
    ensures passes_shape: \result == NM_OUT_TRIP_NONE ==> olim_shape_ok(p); */
uint32_t olim_check(const olim_t *o, const nm_pattern_t *p, olim_trip_t *trip);

/* Replace node `node`'s ceiling (a test hook: the simulator's sim_set_limit). */
/*@ requires \valid(o);
    assigns o->ceil_pc[node], o->bound[node]; */
void olim_set_ceiling(olim_t *o, uint8_t node, uint32_t ceil_pc);

/* The two bounds for one area, as olim_init computes them (pC per stimulating phase). */
/*@ assigns \nothing;
    ensures within: olim_density_ok(\result, area_um2); */
uint32_t olim_density_pc(uint32_t area_um2);
/*@ assigns \nothing;
    ensures area_um2 == 0 ==> \result == 0;
    ensures within: area_um2 > 0 ==> olim_shannon_ok(\result, area_um2); */
uint32_t olim_shannon_pc(uint32_t area_um2);
/* Area of node `node` on `hw` as the limiter knows it, um2 (0: not on the lead). */
/*@ requires \valid_read(hw);
    assigns \nothing;
    ensures \result == olim_area(hw, node); */
uint32_t olim_node_area_um2(const olim_hw_t *hw, uint8_t node);
/* floor(sqrt(x)) (proven: its square is at most x; tests/limiter: it is the floor). */
/*@ assigns \nothing;
    ensures below: \result * \result <= x; */
uint32_t olim_isqrt(uint64_t x);

#endif
