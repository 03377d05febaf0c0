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

/* Ceilings for the hardware `hw`. An unknown model or an implausible custom lead (no
 * contacts, more than NM_MAX_CONTACTS, an area of 0 or over 10 cm2) leaves every contact
 * at 0: such a stage delivers nothing on the lead. */
void olim_init(olim_t *o, const olim_hw_t *hw);

/* NM_OUT_TRIP_NONE when pattern `p` is within every bound; otherwise its NM_OUT_TRIP_*
 * code, also in trip->why, with the node, bound and charge of a charge trip. */
uint32_t olim_check(const olim_t *o, const nm_pattern_t *p, olim_trip_t *trip);

/* Replace node `node`'s ceiling (a test hook: the simulator's sim_set_limit). */
void olim_set_ceiling(olim_t *o, uint8_t node, uint32_t ceil_pc);

/* The two bounds for one area, as olim_init computes them (pC per stimulating phase). */
uint32_t olim_density_pc(uint32_t area_um2);
uint32_t olim_shannon_pc(uint32_t area_um2);
/* Area of node `node` on `hw` as the limiter knows it, um2 (0: not on the lead). */
uint32_t olim_node_area_um2(const olim_hw_t *hw, uint8_t node);
/* floor(sqrt(x)). */
uint32_t olim_isqrt(uint64_t x);

#endif
