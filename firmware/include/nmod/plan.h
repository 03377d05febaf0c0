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

/* What the planner promises the output stage, in ACSL (proven by `make prove`,
 * docs/ASSURANCE.md): the end of the pulse at slot i (its stimulating phase, and its gap and
 * recharge when the slot carries one), and a pattern whose pulses are apart: each ends
 * before the next one starts and inside the frame (so before the next frame's first, which
 * starts no earlier than 1e9/frame_hz ns later, nmod/pattern.h), on channels in range. */
/*@
  logic integer nm_slot_end(nm_pattern_t *p, integer i) =
    p->slot[i].offset_ns + p->chan[p->slot[i].chan].width_us * 1000 +
    (p->slot[i].recharge != 0 ?
       (p->chan[p->slot[i].chan].gap_us + p->chan[p->slot[i].chan].recharge_us) * 1000 : 0);
  predicate nm_pattern_apart(nm_pattern_t *p) =
    p->n_chan <= NM_MAX_RUNNING && p->n_slot <= NM_PATTERN_MAX_SLOTS &&
    (p->n_slot > 0 ==> p->frame_hz > 0) &&
    (\forall integer i; 0 <= i < p->n_slot ==> p->slot[i].chan < p->n_chan) &&
    (\forall integer i; 0 <= i < p->n_slot ==> nm_slot_end(p, i) <= 1000000000 / p->frame_hz) &&
    (\forall integer i; 0 <= i < p->n_slot - 1 ==> nm_slot_end(p, i) <= p->slot[i + 1].offset_ns);
*/

/* Place programs progs[0..n) (pointers into the caller's storage; slot numbers in
 * prog_slot[]). Fills `out` and returns NM_PLAN_OK, or says why not. */
/*@ requires \valid(out);
    requires n <= NM_MAX_RUNNING ==> \valid_read(progs + (0 .. n - 1)) && \valid_read(prog_slot + (0 .. n - 1));
    requires n <= NM_MAX_RUNNING ==> \forall integer j; 0 <= j < n ==> \valid_read(progs[j]) && \separated(out, progs[j]);
    requires \separated(out, progs + (0 .. n - 1), prog_slot + (0 .. n - 1));
    assigns *out;
    ensures \result == NM_PLAN_OK ==> out->n == n && out->n <= NM_MAX_RUNNING && (n > 0 ==> out->frame_hz > 0); */
nm_plan_result nm_plan_place(const nm_prog_t *const progs[], const uint8_t prog_slot[], uint8_t n,
                             nm_placement_t *out);

/* Build the pattern of a placement with amplitude amp_ua[i] for placed program i (0 = that
 * program delivers nothing now: its slots are left out, the others keep their offsets).
 * progs[] as given to nm_plan_place. Returns the number of slots (0: nothing to deliver).
 * Its pulses are apart for any placement and programs: a pulse that would not be (never for
 * a placement nm_plan_place made of these programs) leaves the pattern empty. */
/*@ requires \valid_read(pl) && pl->n <= NM_MAX_RUNNING && \valid(out);
    requires \valid_read(progs + (0 .. pl->n - 1)) && \valid_read(amp_ua + (0 .. pl->n - 1));
    requires \forall integer j; 0 <= j < pl->n ==> \valid_read(progs[j]) && \separated(out, progs[j]);
    requires \separated(out, pl, progs + (0 .. pl->n - 1), amp_ua + (0 .. pl->n - 1));
    assigns *out;
    ensures nm_pattern_apart(out);
    ensures \result == out->n_slot; */
uint8_t nm_plan_pattern(const nm_placement_t *pl, const nm_prog_t *const progs[],
                        const uint32_t amp_ua[], nm_pattern_t *out);

/* Pulses per frame that program `p` contributes (bursts count each pulse; saturated). */
/*@ requires \valid_read(p);
    assigns \nothing; */
uint32_t nm_plan_slots_of(const nm_prog_t *p, uint32_t frame_hz);

#endif
