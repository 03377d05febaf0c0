/* cm_port.h: the Cortex-M port of nmod/port.h on QEMU's MPS2 boards (AN385 Cortex-M3,
 * AN386 Cortex-M4F), and the main loop that runs the core on it.
 *
 * Hardware use (details in docs/CORTEXM.md):
 *   clock      APB timer 0 counts the 25 MHz PCLK down from 1.6e9 and interrupts when it
 *              wraps (every 64 s); the port extends it to a 64-bit tick count that never
 *              rolls over (2^64 ticks of 40 ns is 23,000 years).
 *   timer_at   APB timer 1 as a one-shot for the earlier of the core's wake and the main
 *              loop's own deadline.
 *   output     a model of the stimulator ASIC (cm_out.c): it repeats the pattern by itself,
 *              takes one interrupt per frame on the dual timer to count what it delivered,
 *              has its own charge limiter, and runs closed loops per unit on a model of
 *              its ECAP sensing front end (ports/loop).
 *   impedance, battery: fixed values with fault-injection setters; NVM: an external NOR
 *   flash emulated in SSRAM; rng: DETERMINISTIC (see cm_port.c), fine for tests only.
 *
 * The port is a singleton, like the hardware: one device at a time; cm_port_init starts a
 * new one (the scenario powers up an SNM device, then an SCS device).
 */
#ifndef NMOD_CM_PORT_H
#define NMOD_CM_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "mps2.h"
#include "nmod/core.h"
#include "nmod/port.h"
#include "olim.h"

#define CM_NEVER UINT64_MAX

/* ---- the device --------------------------------------------------------------------- */

/* Power up the board for a device with `lead` and load impedance `load_ohm`: clock and
 * timers, the output stage (its limiter, ports/limiter, takes its ceilings from its own table
 * of the lead's contact areas), the erased external flash. Returns the port to hand to
 * nm_core_init. */
const nm_port_t *cm_port_init(const nm_lead_t *lead, uint32_t load_ohm);
/* A reset of the same device: everything starts again (clock from 0, output stage idle,
 * faults cleared) except the external flash, which keeps what was written. */
const nm_port_t *cm_port_reboot(const nm_lead_t *lead, uint32_t load_ohm);

/* The clock: 25 MHz ticks since power-on, and the same in ns and us. */
uint64_t cm_ticks(void);
uint64_t cm_now_ns(void);
uint64_t cm_now_us(void);

/* ---- the main loop ------------------------------------------------------------------ */

typedef enum {
  CM_EV_TIME = 0,  /* the clock reached until_us */
  CM_EV_WAKE = 1,  /* the core's timer is due, or the output stage tripped: wake the core */
  CM_EV_RADIO = 2  /* a radio frame is waiting (cm_radio_rx) */
} cm_event;

/* Sleep until there is something to do, at the latest until the clock reaches until_us
 * (CM_NEVER: no limit). The main loop wakes the core (nm_core_wake, or nm_dev_wake for the
 * whole implant) on CM_EV_WAKE, as a measured core call. */
cm_event cm_wait(uint64_t until_us);

/* What the core cost, measured on the clock around every core call. A core call runs with
 * the board's interrupts masked (BASEPRI), so nothing else is counted in; under QEMU's
 * -icount each instruction advances the clock by a fixed time (cm_ticks_to_insns). */
typedef struct {
  uint64_t wakes;          /* timer and trip wakes of the core */
  uint64_t wake_ticks;     /* clock ticks spent in them */
  uint64_t cmds;           /* commands executed */
  uint64_t cmd_ticks;
  uint64_t overhead_ticks; /* what one empty measurement reads (calibrated at init) */
} cm_stats_t;

extern cm_stats_t cm_stats;
void cm_stats_reset(void);
/* Instructions executed in `ticks` clock ticks when QEMU runs with -icount shift=`shift`
 * (one instruction = 2^shift ns), rounded to the nearest. */
uint64_t cm_ticks_to_insns(uint64_t ticks, unsigned shift);

typedef struct {
  uint32_t basepri;
  uint64_t t0;
} cm_span_t;

/* Bracket a core call: mask the board's interrupts, read the clock. */
static inline cm_span_t cm_core_enter(void) {
  cm_span_t s;
  s.basepri = cm_basepri_raise(CM_PRIO_DEVICES);
  s.t0 = cm_ticks();
  return s;
}

/* End the bracket; returns the ticks spent. */
static inline uint64_t cm_core_exit(cm_span_t s) {
  uint64_t t = cm_ticks() - s.t0;
  cm_basepri_set(s.basepri);
  return t;
}

/* The scenario's and the bench's loop (cm_run.c): run core `c` until the clock reaches
 * until_us, waking it whenever due; and one command through the command layer, as the
 * radio delivers it. Both are measured core calls. */
void cm_run(nm_core_t *c, uint64_t until_us);
int cm_cmd(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
           size_t *resp_len);

/* ---- fault injection and test-only setters (in the manner of Zephyr's emulators) ----- */

enum { CM_NODE_OK = 0, CM_NODE_OPEN = 1, CM_NODE_SHORT = 2 };

/* Put contact `node` in a fault state, as the impedance measurement sees it: any pair with
 * an open contact measures 50 kohm, any pair with a shorted one 10 ohm. The output stage still delivers the programmed
 * current (its current sources regulate it; through a short it bypasses the tissue): the
 * device's lead check is what finds a short. */
void cm_node_fault(uint8_t node, uint8_t fault);
/* The output stage's own current monitor sees too much current at `node` (a failing
 * contact or driver): from the next pulse that drives it, the stage trips
 * (NM_OUT_TRIP_CHARGE at that node) until the fault is cleared (on = 0). */
void cm_out_overcurrent(uint8_t node, int on);
/* The fuel gauge's reading from now on (default: a new primary cell, nmod/battery.h). */
void cm_batt_set(const nm_batt_reading_t *r);
uint64_t cm_wdt_kicks(void);

/* The radio. The MPS2 board has none: nothing is ever pending and cm_radio_rx returns 0;
 * the implant's main loop still routes frames to the command layer the way a device will.
 * The scenario drives the core through cm_cmd, the same call. */
int cm_radio_pending(void);
size_t cm_radio_rx(uint8_t *buf, size_t cap);

/* ---- the output-stage model (cm_out.c) ------------------------------------------------ */

typedef struct {
  uint64_t pulses;                /* stimulating phases delivered (a burst counts each) */
  uint64_t node_pulses[NM_NODES]; /* ...in which the node carried current */
  int64_t node_net_pc[NM_NODES];  /* signed charge through the node, both phases, pC */
  uint32_t node_max_pc[NM_NODES]; /* largest charge of one phase at the node, pC */
} cm_out_count_t;

typedef struct {
  uint8_t running;       /* a pattern is being delivered */
  uint8_t change_pending;/* a new pattern or a stop waits for the next frame boundary */
  uint64_t start_ns;     /* when the pattern now delivered started (frame 0) */
  uint32_t frame_hz;
  uint8_t n_slot;
  uint8_t n_chan;
  int32_t chan_ua[NM_MAX_RUNNING]; /* cathodic total current of each channel, uA */
  cm_out_count_t at_start;         /* the counters when that pattern started */
  uint64_t frame_irqs;             /* frame interrupts taken */
  uint64_t isr_ticks;              /* clock ticks spent in them */
  uint64_t loads;                  /* patterns accepted */
  uint64_t call_ticks;             /* clock ticks spent in the core's calls into the model */
  uint64_t calls;                  /* those calls (cm_out_load, _stop, _status, _reset) */
} cm_out_info_t;

void cm_out_init(const nm_lead_t *lead);
void cm_out_info(cm_out_info_t *info);
/* The pattern now delivered (as the core loaded it: a looped channel at its ceiling);
 * 0 when none. */
int cm_out_pattern(nm_pattern_t *p);
/* The limiter's ceilings (olim.h) and why it last refused a pattern (zero when it has not
 * since power-on). */
void cm_out_limiter(olim_t *lim, olim_trip_t *trip);
/* The counters: everything whose stimulating phase started before now. */
void cm_out_counts(cm_out_count_t *cnt);
/* Take a snapshot of the counters at exactly t_ns (pulses starting before t_ns), however
 * late the CPU gets there: arm it before t_ns, read it after. Returns 0 when t_ns had
 * already passed (the snapshot is then taken at once, and is not exact). */
int cm_out_mark(uint64_t t_ns);
int cm_out_mark_read(cm_out_count_t *cnt); /* 1 when taken, else 0 */
/* The first frame boundary of the pattern now delivered at or after t_ns (CM_NEVER when
 * nothing is delivered). */
uint64_t cm_out_boundary_after(uint64_t t_ns);
/* Output off at once (a fault handler's last resort; the core is not told). */
void cm_out_kill(void);
/* 1 (and cleared) when the stage tripped, or a closed loop fell back on a sensor fault,
 * since the last call: the port wakes the core. The peek leaves it set (for the check made
 * with interrupts masked before sleeping). */
int cm_out_take_event(void);
int cm_out_event_pending(void);
/* The sensing front end shows fault `fault` (ports/loop/cloop_fe.h CFE_*; CFE_OK: none)
 * from the next unit on, as the ASIC's ECAP amplifier would. */
void cm_out_sense_fault(uint8_t fault);
/* The last closed loop that fell back, as it reported itself then (zero: none yet). */
void cm_out_last_fallback(nm_loop_status_t *st);

/* nm_port_t functions. */
int cm_out_load(void *ctx, const nm_pattern_t *p);
void cm_out_stop(void *ctx);
void cm_out_status(void *ctx, nm_out_status_t *st);
void cm_out_reset(void *ctx);
void cm_out_loop(void *ctx, uint8_t prog, nm_loop_status_t *st);

#endif
