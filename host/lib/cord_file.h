/* cord_file.h: the nmod-cord/1 file (docs/CLOSED-LOOP.md "The cord model"): the simulated
 * patient's spinal cord and sensing front end as JSON. Every field but "format" is
 * optional and defaults to sim_cord_defaults(); numbers have at most 6 decimals; each must
 * lie in its documented range (sim_cord_params_check). */
#ifndef NMOD_CORD_FILE_H
#define NMOD_CORD_FILE_H

#include <stddef.h>

#include "sim_cord.h"

#define CF_MAX_BYTES (64u * 1024u)

/* Parse text[0..len) into *out. 0, or -1 with a one-line message naming the field. */
int cf_parse(const char *text, size_t len, sim_cord_params_t *out, char *err, size_t errcap);
int cf_load(const char *path, sim_cord_params_t *out, char *err, size_t errcap);

#endif
