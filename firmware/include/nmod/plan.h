/* nmod/plan.h: output planning. Places the running programs in one repeating frame so
 * their pulses never overlap, then builds the pattern for given amplitudes.
 *
 * The frame rate is the greatest common divisor of the programs' base rates (tonic and HF
 * rate, burst rate), so each program has a whole number of pulses (or bursts) per frame.
 * Placement depends only on timing, never on amplitude: ramps and remote steps change
 * currents without moving a pulse.
 */
#ifndef NMOD_PLAN_H
#define NMOD_PLAN_H

#include <stdint.h>
#include "nmod/pattern.h"
#include "nmod/program.h"

typedef struct {
  uint32_t frame_hz;
  uint8_t n;                          /* programs placed */
  uint8_t prog[NM_MAX_RUNNING];       /* program slot of each placed program */
  uint32_t phase_ns[NM_MAX_RUNNING];  /* offset of its first pulse in the frame */
} nm_placement_t;

typedef enum {
  NM_PLAN_OK = 0,
  NM_PLAN_TOO_MANY = 1,  /* more than NM_MAX_RUNNING programs */
  NM_PLAN_SLOTS = 2,     /* the common frame would hold more than NM_PATTERN_MAX_SLOTS pulses */
  NM_PLAN_OVERLAP = 3,   /* no placement without overlap */
  NM_PLAN_FIT = 4        /* a program's own pulse does not fit its period */
} nm_plan_result;

/* Place programs progs[0..n) (pointers into the caller's storage; slot numbers in
 * prog_slot[]). Fills `out` and returns NM_PLAN_OK, or says why not. */
nm_plan_result nm_plan_place(const nm_prog_t *const progs[], const uint8_t prog_slot[], uint8_t n,
                             nm_placement_t *out);

/* Build the pattern of a placement with amplitude amp_ua[i] for placed program i (0 = that
 * program delivers nothing now: its slots are left out, the others keep their offsets).
 * progs[] as given to nm_plan_place. Returns the number of slots (0: nothing to deliver). */
uint8_t nm_plan_pattern(const nm_placement_t *pl, const nm_prog_t *const progs[],
                        const uint32_t amp_ua[], nm_pattern_t *out);

/* Pulses per frame that program `p` contributes (bursts count each pulse). */
uint32_t nm_plan_slots_of(const nm_prog_t *p, uint32_t frame_hz);

#endif
