/* nmod/port.h: the only way the firmware core reaches hardware.
 *
 * Two implementations: the simulated hardware on the host (ports/sim, with fault
 * injection) and the Cortex-M target on QEMU (ports/cortexm). Every call is synchronous and
 * bounded; `ctx` is the port's own state, owned by whoever set the port up. Buffers passed
 * in are owned by the caller and only read or written during the call.
 */
#ifndef NMOD_PORT_H
#define NMOD_PORT_H

#include <stddef.h>
#include <stdint.h>
#include "nmod/pattern.h"

/* Why the output stage stopped by itself (its own limiter), 0 when it did not. */
enum {
  NM_OUT_TRIP_NONE = 0,
  NM_OUT_TRIP_CHARGE = 1,  /* a pulse would exceed the per-phase charge limit of a node */
  NM_OUT_TRIP_BALANCE = 2, /* node currents do not sum to zero */
  NM_OUT_TRIP_SHAPE = 3    /* overlap, a pulse past its frame, or a bad index */
};

typedef struct {
  uint32_t tripped;        /* NM_OUT_TRIP_*; stays until nm_port.out_reset() */
  uint8_t trip_node;       /* node that tripped, when it was a node */
  uint32_t trip_charge_pc; /* the charge that tripped it */
  uint8_t running;         /* 1 while a pattern is being delivered */
} nm_out_status_t;

/* Closed loop (docs/CLOSED-LOOP.md): what the output stage says about the loop of one
 * program. States and the sensor faults a loop detects by itself: */
enum { NM_LOOP_OFF = 0, NM_LOOP_RUN = 1, NM_LOOP_FALLBACK = 2 };
enum {
  NM_LOOP_F_NONE = 0,
  NM_LOOP_F_CONTACT = 1,     /* the sensing contact is lost (lead-off, or a flat signal) */
  NM_LOOP_F_SATURATED = 2,   /* the sensing front end is saturated */
  NM_LOOP_F_NOISE = 3,       /* a burst of noise: the measurement cannot be trusted */
  NM_LOOP_F_NO_RESPONSE = 4, /* the ECAP no longer responds to current */
  NM_LOOP_F_COUNT
};

typedef struct {
  uint8_t state;          /* NM_LOOP_*: OFF when the stage runs no loop for the program */
  uint8_t fault;          /* NM_LOOP_F_*: why it fell back */
  uint32_t amp_ua;        /* amplitude of the last unit delivered */
  uint32_t last_good_ua;  /* of the last unit measured inside the window (0: none yet) */
  uint32_t fallback_ua;   /* the fixed amplitude it fell back to: <= last_good_ua, <= amp_ua */
  int32_t last_uv;        /* the ECAP measured after the last unit */
  uint64_t units;         /* units delivered under this loop (since it started) */
  uint64_t in_window;     /* of them, measured inside the window */
  uint64_t sum_amp_ua;    /* sum of their amplitudes (their mean, for reports) */
} nm_loop_status_t;

/* What the battery hardware measures (the charge drawn is the firmware's own count:
 * nmod/battery.h). */
typedef struct {
  uint32_t voltage_mv;   /* the cell's voltage at rest (between pulses); 0: no cell (a bench supply) */
  uint32_t charge_ua;    /* the current the charger puts into the cell now; 0 when none */
  uint8_t charging;      /* 1 while a charger is connected */
  uint8_t full;          /* 1 once the charger has found the cell full (the charge is complete) */
} nm_batt_reading_t;

typedef struct nm_port {
  void *ctx;
  /* Clock: microseconds since power-on, monotonic, 64-bit (never rolls over). */
  uint64_t (*now_us)(void *ctx);
  /* Ask to be woken (nm_core_wake) at `at_us`; replaces an earlier request. */
  void (*timer_at)(void *ctx, uint64_t at_us);
  /* Output stage: copy pattern `p` and deliver it from the next frame boundary of the
   * current one (at once when idle), so a pulse or burst is never cut or overlapped.
   * Returns NM_OK, or an error when the stage's own limiter refuses it (it trips and
   * stops output). */
  int (*out_load)(void *ctx, const nm_pattern_t *p);
  /* Stop delivering at the next frame boundary (never inside a pulse or burst). */
  void (*out_stop)(void *ctx);
  void (*out_status)(void *ctx, nm_out_status_t *st);
  /* Clear a limiter trip (the core decides when that is safe). */
  void (*out_reset)(void *ctx);
  /* The closed loop of program `prog` (a channel with loop.on): its state and counters.
   * The stage falls back by itself on a sensor fault and wakes the core to log it. */
  void (*out_loop)(void *ctx, uint8_t prog, nm_loop_status_t *st);
  /* Measure the impedance between nodes a and b with a small sub-threshold pulse. */
  int (*imp_measure)(void *ctx, uint8_t node_a, uint8_t node_b, uint32_t *ohm);
  int (*batt_read)(void *ctx, nm_batt_reading_t *out);
  /* Non-volatile memory: NOR-flash semantics. Erase sets a page to 0xFF; programming can
   * only clear bits. Addresses are byte offsets from the start of the NVM. */
  uint32_t nvm_page_size;
  uint32_t nvm_pages;
  int (*nvm_read)(void *ctx, uint32_t addr, void *buf, size_t len);
  int (*nvm_prog)(void *ctx, uint32_t addr, const void *buf, size_t len);
  int (*nvm_erase)(void *ctx, uint32_t page);
  /* Radio: send one frame to the connected peer. */
  int (*radio_send)(void *ctx, const uint8_t *buf, size_t len);
  /* True random bytes (for session nonces and keys). */
  int (*rng)(void *ctx, uint8_t *buf, size_t len);
  void (*wdt_kick)(void *ctx);
} nm_port_t;

#endif
