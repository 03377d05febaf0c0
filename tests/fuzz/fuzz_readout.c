/* fuzz_readout.c: libFuzzer target for the read-out codec (host/readout) that the clinic's
 * import-interrogation reads the programmer's read-outs with.
 *
 * Any input: ro_read_text either decodes a read-out or returns a one-line message (anything
 * else aborts). A decoded read-out is written back with the codec's writer and read again:
 * it must give the same struct, and writing that gives the same bytes.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *write_doc(const ro_readout_t *r, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  if (!f) abort();
  ro_write_doc(f, r);
  fclose(f);
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static ro_readout_t a, b;
  char err[300];
  if (ro_read_text((const char *)data, size, &a, err, sizeof err) != 0) {
    if (!err[0] || strchr(err, '\n')) abort();
    return 0;
  }
  size_t n1, n2;
  char *d1 = write_doc(&a, &n1);
  if (ro_read_text(d1, n1, &b, err, sizeof err) != 0 || memcmp(&a, &b, sizeof a) != 0) abort();
  char *d2 = write_doc(&b, &n2);
  if (n1 != n2 || memcmp(d1, d2, n1) != 0) abort();
  free(d1);
  free(d2);
  return 0;
}
