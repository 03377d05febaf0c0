/* therapy_file.h: the nmod-therapy/1 file format (JSON), read into core structures.
 *
 * The loader checks structure, types, units and representability, and names the field in
 * every error ("programs[1].amplitude_ma: expected a number, got a string"). It does not
 * judge ranges or safety: that is the firmware's safety supervisor's job, so that a file
 * and a radio frame are judged by the same code. See docs/THERAPY-FORMAT.md.
 */
#ifndef NMOD_THERAPY_FILE_H
#define NMOD_THERAPY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nmod/core.h"

#define TF_MAX_BYTES (1024 * 1024) /* a therapy file is at most 1 MiB */

typedef struct {
  uint8_t therapy;       /* nm_therapy */
  nm_lead_t lead;
  nm_load_t load;
  uint8_t n_prog;        /* 1..NM_MAX_PROGRAMS, in file order = program slots */
  nm_prog_t prog[NM_MAX_PROGRAMS];
  uint8_t running_mask;  /* bit i: programs[i] has "running": true (the default) */
} tf_therapy_t;

/* Parse text[0..len) into *out. 0 on success; -1 with a one-line message in err. */
int tf_parse(const char *text, size_t len, tf_therapy_t *out, char *err, size_t errcap);
/* Read and parse the file at path (at most TF_MAX_BYTES). 0 or -1 with a message that
 * starts with the path. */
int tf_load(const char *path, tf_therapy_t *out, char *err, size_t errcap);

/* Write *t as an nmod-therapy/1 document (compact JSON, ending in a newline) that tf_parse
 * reads back to the same structure: catalog leads by name, custom leads as an object,
 * every field written out (defaults included). Fields the format cannot express (burst
 * settings of a non-burst program, fractions of 0) are not written. Returns 0, or -1 when
 * the structure cannot be written (n_prog out of 1..NM_MAX_PROGRAMS, an unknown therapy or
 * waveform, an unterminated name) or the stream reports an error. */
int tf_write(FILE *f, const tf_therapy_t *t);

#endif
