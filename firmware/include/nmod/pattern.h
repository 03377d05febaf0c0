/* nmod/pattern.h: what the core hands the output stage.
 *
 * A pattern is one frame of pulses that the output stage repeats by itself until it gets a
 * new one, so the core's work does not grow with the pulse rate. Frame k of a pattern
 * starts floor(k * 1e9 / frame_hz) ns after the pattern started: the long-run rate is
 * exact even when 1e9/frame_hz is not a whole number of ns.
 *
 * Every pulse is biphasic and charge-balanced: a stimulating phase with node currents
 * chan.node_ua[], then (after `gap_us`) a recharge with the negated currents for
 * `recharge_us`: active, or passive through the coupling capacitors on hardware whose
 * profile recharges the channel's waveform so (the charge moved is the same). A burst has
 * several stimulating phases and one recharge after the last (slot.recharge = 1) whose
 * width is burst_pulses x width: equal charge, opposite sign.
 * No pulse extends past the end of its frame, and no two pulses overlap.
 *
 * A channel may run a closed loop (chan.loop.on, docs/CLOSED-LOOP.md): the output stage
 * then sets the amplitude of each unit (a pulse with its recharge, or a whole burst with
 * its recharge) itself, from the evoked response it measured after the unit before, inside
 * the bounds the core gives here. The channel's node currents are then the loop's
 * ceiling: the stage only ever scales them down (ports/loop), so a pattern that passes the
 * limiter at its ceiling passes it at every amplitude the loop picks.
 */
#ifndef NMOD_PATTERN_H
#define NMOD_PATTERN_H

#include <stdint.h>
#include "nmod/limits.h"

/* What the core lets a closed loop do on a channel (all zero: no loop). */
typedef struct {
  uint8_t on;          /* 1: the stage sets each unit's amplitude from the measured ECAP */
  uint16_t target_uv;  /* the evoked response to hold */
  uint16_t lo_uv;      /* the therapeutic window: a measured ECAP in [lo, hi] is good */
  uint16_t hi_uv;
  uint32_t floor_ua;   /* lowest amplitude the loop may set */
  uint32_t step_ua;    /* largest change of amplitude from one unit to the next */
  uint32_t start_ua;   /* amplitude of the first unit when the loop starts */
} nm_loop_bounds_t;

typedef struct {
  int32_t node_ua[NM_NODES]; /* stimulating-phase current per node; sums to 0 */
  uint32_t width_us;         /* stimulating phase */
  uint32_t gap_us;           /* interphase gap */
  uint32_t recharge_us;      /* recharge phase (negated currents) */
  uint8_t prog;              /* program slot this channel comes from (for traces) */
  nm_loop_bounds_t loop;     /* closed loop; node_ua[] is then its ceiling */
  uint8_t wave;              /* its program's waveform (nm_wave): the hardware may recharge
                              * some passively (nmod/profile.h) */
} nm_chan_t;

typedef struct {
  uint32_t offset_ns; /* start of the stimulating phase, from the frame start */
  uint8_t chan;       /* index into chan[] */
  uint8_t recharge;   /* 1: gap + recharge phase follow this stimulating phase */
} nm_slot_t;

typedef struct {
  uint32_t frame_hz; /* frames per second, >= 1 */
  uint8_t n_chan;
  uint8_t n_slot;    /* slots in ascending offset order */
  nm_chan_t chan[NM_MAX_RUNNING];
  nm_slot_t slot[NM_PATTERN_MAX_SLOTS];
} nm_pattern_t;

/* End (ns from frame start) of the pulse that starts at slot i: the end of its stimulating
 * phase, or of its recharge when the slot carries one; UINT32_MAX (past any frame) for a
 * slot naming a channel past NM_MAX_RUNNING. i < NM_PATTERN_MAX_SLOTS. */
uint32_t nm_pattern_slot_end_ns(const nm_pattern_t *p, uint8_t i);
/* Structural check the output stage may run on every pattern it is given: indices in
 * range, offsets ascending, no overlap, nothing past the frame, currents summing to 0.
 * NM_OK or NM_EINVAL. */
int nm_pattern_validate(const nm_pattern_t *p);

#endif
