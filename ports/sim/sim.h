/* sim.h: simulated hardware, the host implementation of nmod/port.h.
 *
 * A virtual clock (ns), an output stage that repeats the core's pattern and counts pulses
 * and charge per node and phase (analytically, so a day of 10 kHz costs microseconds),
 * an independent per-pulse charge limiter, leads with per-contact impedance and injectable
 * open/short faults, a battery drain model, NOR flash, and test-only setters to drive it
 * all (the way Zephyr's emulated drivers expose theirs).
 */
#ifndef NMOD_SIM_H
#define NMOD_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "nmod/battery.h"
#include "nmod/core.h"
#include "nmod/profile.h"
#include "nmod/port.h"
#include "cloop.h"
#include "olim.h"
#include "sim_cord.h"

typedef enum { SIM_FAULT_NONE = 0, SIM_FAULT_OPEN = 1, SIM_FAULT_SHORT = 2 } sim_fault;

/* One phase as delivered, for traces. */
typedef struct {
  uint64_t start_ns;
  uint32_t width_us;
  uint8_t recharge;           /* 0: stimulating phase, 1: recharge phase */
  uint8_t prog;               /* program slot */
  int32_t node_ua[NM_NODES];  /* currents of this phase (recharge: negated) */
} sim_phase_t;

typedef void (*sim_phase_fn)(void *user, const sim_phase_t *ph);

/* A channel the stage delivers unit by unit (a closed loop, or the program the cord
 * model measures): its nodes, and the unit in progress. */
typedef struct {
  uint8_t chan;               /* index in cur.chan */
  int8_t loop;                /* index in sim_out_t.loops, -1: open loop (measured only) */
  cloop_chan_t cc;
  uint8_t in_unit;            /* a unit has started and its recharge is still to come */
  uint32_t amp_ua;            /* its cathodic total */
  int32_t ua[NM_NODES];       /* its node currents (cc.node order) */
  uint64_t start_ns;
  double stim_fj, rech_fj;             /* energy its phases take from the cell (sim_cell.c) */
  uint8_t over_limit;
} sim_unit_chan_t;

typedef struct {
  nm_pattern_t cur, pend;
  uint8_t has_cur, has_pend, stop_pending;
  uint64_t cur_start_ns;
  uint64_t swap_at_ns;   /* when pend (or the stop) takes effect */
  uint64_t done_ns;      /* counted up to here */
  /* Unit by unit: cur's closed-loop channels and the one the cord model measures. */
  uint8_t n_uc;
  sim_unit_chan_t uc[NM_MAX_RUNNING];
  int8_t uc_of_chan[NM_MAX_RUNNING];   /* -1: counted in closed form */
  cloop_set_t loops;                   /* the loops, by program: they outlive a pattern */
  uint8_t loop_event;                  /* a loop fell back: wake the core */
  sim_cord_t *cord;                    /* the body, or NULL: a loop then senses nothing */
  double slot_fj[NM_PATTERN_MAX_SLOTS];       /* energy each pulse of cur takes (sim_cell.c) */
  double slot_fixed_pc[NM_PATTERN_MAX_SLOTS]; /* ...and its drivers' fixed charge */
  /* The limiter (ports/limiter/olim.h): the hardware's own per-phase charge ceiling per
   * node, set when the device is built (sim_init), independent of the core's supervisor;
   * and why it last tripped (the bound of a charge trip, beyond nm_out_status_t). */
  olim_t lim;
  olim_trip_t trip;
  nm_out_status_t st;
  /* What was delivered. */
  uint64_t pulses;                    /* stimulating phases, all programs */
  uint64_t node_pulses[NM_NODES];     /* stimulating phases in which the node carried current */
  int64_t node_net_pc[NM_NODES];      /* signed charge, both phases of whole pulses */
  uint32_t node_max_pc[NM_NODES];     /* largest charge of one phase seen at the node */
  double supply_fj;                   /* energy the pulses took from the supply, fJ */
  double fixed_pc;                    /* and the drivers' fixed charge, pC */
  /* Trace: every phase whose start lies in [from, to). */
  sim_phase_fn trace_fn;
  void *trace_user;
  uint64_t trace_from_ns, trace_to_ns;
} sim_out_t;

typedef struct {
  uint8_t *mem;          /* nvm_pages * nvm_page_size bytes, caller-owned or sim-owned */
  uint32_t page_size, pages;
  uint64_t progs, erases; /* operations done */
  /* Power cut injection: after this many more program/erase operations the next one is
   * torn (a partial write) and every later one fails until sim_nvm_power_restore(). */
  int64_t cut_after;     /* -1: never */
  uint8_t cut;           /* 1 after the cut happened */
  uint64_t seed;         /* what a torn write leaves behind */
  /* Stuck flash (worn out or disconnected): while set, every program and erase fails
   * (NM_EIO) and changes nothing; reads work. Independent of the power cut. */
  uint8_t stuck;
  uint64_t stuck_refused; /* program/erase operations refused while stuck */
} sim_nvm_t;

/* The cell and its charger (sim_cell.c): the hardware's own physics. Charges in pC. */
typedef struct {
  const nm_profile_t *prof; /* the hardware's profile: its electronics, and its cell once fitted */
  uint8_t fitted;           /* 0: a bench supply that never runs out (the drain is counted) */
  int32_t tol_pm;           /* this cell's capacity against the profile's, per mille (+-) */
  double charge_pc;         /* in the cell now */
  double thru_pc;           /* drawn through it since new: fade */
  double drawn_pc;          /* drawn from the supply (cell or bench) since sim_init */
  double last_fj, last_fixed_pc; /* the output's totals at the last accounting */
  uint64_t last_ns;         /* time of the last accounting */
  double i_na;              /* mean current of the last step (the internal resistance's drop) */
  double charge_na;         /* the charger's current into the cell now */
  uint8_t charging, full, by_patient;
  uint32_t auto_low_pm;     /* the simulated patient recharges at this state of charge (0: never) */
  uint32_t recharges;       /* recharge sessions so far */
  /* What the physics measured, for reports (times since sim_init, ns; 0: not yet). */
  uint64_t start_ns;        /* the cell fitted (at its starting charge) */
  double start_drawn_pc;
  uint64_t eri_ns, eos_ns;  /* primary: the true charge left reached ERI, EOS */
  uint64_t first_low_ns;    /* rechargeable: first LOW (full to LOW when it started full) */
  double first_run_pc;      /* ...and the charge drawn until then */
  uint64_t last_low_ns;     /* the latest LOW */
  uint64_t charge_ns;       /* time the charger put current in, in total */
  uint64_t charge_ns_at_first_low, charge_ns_at_low;
  double first_hour_pc;     /* what the first hour of the first recharge stored (net of the draw) */
  uint64_t first_hour_ns;
} sim_cell_t;

typedef struct {
  nm_port_t port;
  uint64_t now_ns;
  uint64_t timer_at_us;  /* UINT64_MAX: no timer */
  nm_lead_t lead;
  uint32_t load_ohm;     /* load impedance the energy model uses */
  uint32_t compliance_mv;
  uint32_t node_ohm[NM_NODES]; /* impedance of each contact to the tissue */
  uint8_t node_fault[NM_NODES];
  sim_out_t out;
  sim_cell_t cell;
  sim_nvm_t nvm;
  uint64_t wdt_kicks;
  uint64_t rng_state;    /* deterministic RNG when seeded (tests), else getrandom */
  uint8_t rng_seeded;
} sim_hw_t;

/* Build simulated hardware for `lead` with load impedance `load_ohm` (per-contact
 * impedance load_ohm / 2) and compliance_mv. The limiter's ceiling of each node is the
 * lower of 30 uC/cm2 and Shannon k < 1.85 on the contact's area as the limiter knows it
 * (olim.h: its own table for a catalog lead, lead->area_um2 for a custom one). NVM: `pages` pages of `page_size` bytes in `nvm_mem` (may be
 * NULL when pages is 0). */
void sim_init(sim_hw_t *hw, const nm_lead_t *lead, uint32_t load_ohm, uint32_t compliance_mv,
              uint8_t *nvm_mem, uint32_t page_size, uint32_t pages);
const nm_port_t *sim_port(sim_hw_t *hw);
/* Use `mem` (pages x page_size bytes, caller-owned, e.g. a mapped file) as the NVM, as it
 * is: nothing is erased, so a device boots from what the memory holds. */
void sim_attach_nvm(sim_hw_t *hw, uint8_t *mem, uint32_t page_size, uint32_t pages);

/* Advance virtual time to t_ns (never backwards), counting what the output delivers. */
void sim_advance(sim_hw_t *hw, uint64_t t_ns);
/* Run `core` until virtual time end_us: advance to each timer event and wake the core. */
void sim_run(sim_hw_t *hw, nm_core_t *core, uint64_t end_us);

/* Trace every phase starting in [from_ns, to_ns) to fn. */
void sim_trace(sim_hw_t *hw, sim_phase_fn fn, void *user, uint64_t from_ns, uint64_t to_ns);
/* A ready-made trace consumer writing CSV rows: pass a sim_csv_t (sim_csv_init) as `user`
 * (header written by sim_trace_csv_header), and sim_csv_flush it at the end. Rows are
 * formatted by hand into a buffer and written in large blocks (fprintf per field was 97 %
 * of a trace's time). */
#define SIM_CSV_BUF 65536u
#define SIM_CSV_TAILS 4u
/* A row's text after its time (program, phase, width, currents), kept for the phases
 * last written: a pattern repeats them, so most rows only format their time. */
typedef struct {
  uint8_t used, prog, recharge;
  uint32_t width_us;
  int32_t node_ua[NM_NODES];
  uint16_t len;
  char text[512];
} sim_csv_tail_t;
typedef struct {
  FILE *f;
  uint8_t n_contacts;
  int err;      /* a write failed */
  size_t len;
  uint8_t next_tail; /* the entry to replace next */
  sim_csv_tail_t tail[SIM_CSV_TAILS];
  char buf[SIM_CSV_BUF];
} sim_csv_t;
void sim_csv_init(sim_csv_t *c, FILE *f, uint8_t n_contacts);
/* Write what is buffered; 0, or -1 when any write failed. */
int sim_csv_flush(sim_csv_t *c);
void sim_trace_csv_header(FILE *f, const nm_lead_t *lead);
void sim_trace_csv(void *user, const sim_phase_t *ph);

/* Fault injection and test-only setters. */
void sim_set_fault(sim_hw_t *hw, uint8_t node, uint8_t fault);
void sim_set_node_ohm(sim_hw_t *hw, uint8_t node, uint32_t ohm);
/* Lower (or raise) node `node`'s limiter ceiling to limit_pc. */
void sim_set_limit(sim_hw_t *hw, uint8_t node, uint32_t limit_pc);
void sim_seed_rng(sim_hw_t *hw, uint64_t seed);
/* Cut power to the flash after `ops` more program/erase operations (see sim_nvm_t). */
void sim_nvm_cut_after(sim_hw_t *hw, int64_t ops);
void sim_nvm_power_restore(sim_hw_t *hw);
/* Make every later program and erase fail (on = 1), or heal the flash (on = 0). */
void sim_nvm_set_fault(sim_hw_t *hw, int on);

/* The cell (sim_cell.c). Until one is fitted the device runs from a bench supply with the
 * electronics of nmod's primary reference: the drain is counted (sim_batt_used_*) but
 * never runs out, and the battery reads no cell.
 * Fit a new cell of profile pf (NULL: the primary reference), pct percent charged. */
void sim_batt_set_profile(sim_hw_t *hw, const nm_profile_t *pf, uint32_t pct);
/* The same with nmod's reference profile for a cell type (nm_cell). */
void sim_batt_set(sim_hw_t *hw, uint8_t cell, uint32_t pct);
/* This cell holds tol_pm per mille more (or less) than the profile says (cells vary). */
void sim_batt_set_tolerance(sim_hw_t *hw, int32_t tol_pm);
/* Restore a cell's state (the sim service's battery.json): charge missing, charge drawn
 * through it since new. */
void sim_batt_set_charge_pc(sim_hw_t *hw, double used_pc, double thru_pc);
/* The simulated patient recharges (until the charger says full) whenever the charge falls
 * to low_pm. */
void sim_batt_autocharge(sim_hw_t *hw, uint32_t low_pm);
/* Put the charger on (1) or take it off (0). */
void sim_batt_charger(sim_hw_t *hw, int on);
/* Bring the cell up to the current time (called by sim_advance). */
void sim_batt_account(sim_hw_t *hw);
/* What the battery hardware measures now (nmod/port.h). */
void sim_batt_reading(sim_hw_t *hw, nm_batt_reading_t *r);
/* True state of charge now, per mille of the capacity now. */
uint32_t sim_batt_soc_pm(sim_hw_t *hw);
double sim_batt_true_soc_pm(const sim_hw_t *hw);
/* Charge missing from full now, pC. */
double sim_batt_missing_pc(const sim_hw_t *hw);

/* Charge drawn from the supply so far (stimulation and fixed costs), uAh and pC. */
uint64_t sim_batt_used_uah(const sim_hw_t *hw);
uint64_t sim_batt_used_pc(const sim_hw_t *hw);

/* The body the stage senses (NULL: none): its posture trace, model and sensing faults. */
void sim_attach_cord(sim_hw_t *hw, sim_cord_t *cord);
/* The energy (fJ) and fixed charge (pC) of one pulse of slot `slot` of p, by the
 * hardware's physics (sim_out.c prices each pattern with it). */
void sim_cell_pulse(const sim_hw_t *hw, const nm_pattern_t *p, uint8_t slot, double *fj, double *fixed_pc);
/* The same for one unit of channel c at node currents node_ua (a closed loop's amplitude
 * of the moment): the energy (fJ) of its stimulating phase and of its recharge (0 when the
 * hardware recharges c's waveform passively). The fixed charge is the profile's pulse_pc. */
void sim_cell_unit(const sim_hw_t *hw, const nm_chan_t *c, const int32_t node_ua[NM_NODES], double *stim_fj,
                   double *rech_fj);
/* Price the pattern in delivery again (after the cell or the load changed). */
void sim_out_reprice(sim_hw_t *hw);

/* Output stage internals (sim_out.c), used by sim.c. */
void sim_out_init(sim_out_t *o, const nm_lead_t *lead);
/* Count what the stage delivers up to to_ns. With stop_on_event, stop right after a unit
 * whose loop fell back; returns the time counted up to. */
uint64_t sim_out_account_ev(sim_hw_t *hw, uint64_t to_ns, int stop_on_event);
void sim_out_account(sim_hw_t *hw, uint64_t to_ns);
void sim_out_loop(void *ctx, uint8_t prog, nm_loop_status_t *st);

#endif
