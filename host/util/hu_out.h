/* hu_out.h: an output file written whole or not at all (reports, exports, calendars,
 * read-outs: patient data). It is written to a temporary file beside the target, created 0600
 * (mkstemp, whatever the umask), and renamed over the target once everything was written and
 * synced; on any failure the target keeps what it had and no temporary file is left. */
#ifndef NMOD_HU_OUT_H
#define NMOD_HU_OUT_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
  FILE *f; /* write here between begin and end */
  const char *path;
  char tmp[4200];
} hu_out;

enum { HU_OUT_OK = 0, HU_OUT_PATH = 1 /* the path is too long */, HU_OUT_IO = 2 };

/* Open the temporary file for path: HU_OUT_OK, or an error with one line in err. */
int hu_out_begin(hu_out *o, const char *path, char *err, size_t cap);
/* keep != 0: sync and rename over the target (HU_OUT_OK, or HU_OUT_IO with one line in err);
 * keep == 0: discard (HU_OUT_OK). Either way o->f is closed. */
int hu_out_end(hu_out *o, int keep, char *err, size_t cap);

#endif
