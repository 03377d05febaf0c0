/* progs.h: therapy programs for the scenario and the bench, written in C (the target has
 * no JSON reader), and the encoder of the request that programs them: NM_OP_PROGRAM_ALL,
 * exactly the bytes a clinician programmer sends over the radio. */
#ifndef NMOD_CM_PROGS_H
#define NMOD_CM_PROGS_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/core.h"

/* A therapy: the device kind, its lead and load, its programs (all of them running). */
typedef struct {
  const char *file;   /* the example it mirrors, examples/<file> */
  uint8_t therapy;    /* nm_therapy */
  uint8_t lead_model; /* nm_lead_model */
  nm_load_t load;
  uint8_t n;
  nm_prog_t prog[NM_MAX_RUNNING];
} cm_therapy_t;

/* Five example programs of examples/ (the .json files), value for value (with the defaults the
 * host's therapy-file reader applies: 20 us interphase gap, 525 ohm, 12 V compliance); the
 * last has a closed loop. */
#define CM_EXAMPLES 5
#define CM_EXAMPLE_LOOP 4
extern const cm_therapy_t cm_examples[CM_EXAMPLES];

/* A program with the common fields set: tonic/HF when pulses is 0, else burst. Fractions
 * are set by the caller. */
nm_prog_t cm_prog(const char *name, uint32_t wave, uint32_t rate_hz, uint32_t burst_pulses, uint32_t intra_hz,
                  uint32_t width_us, uint32_t amp_ua, uint32_t pt_min_ua, uint32_t pt_max_ua);

/* The NM_OP_PROGRAM_ALL request for lead, load, running mask and programs; returns its
 * length (0 when buf is too small). */
size_t cm_req_program_all(uint8_t *buf, size_t cap, const nm_lead_t *lead, const nm_load_t *load, uint8_t running,
                          uint8_t n, const nm_prog_t progs[]);

#endif
