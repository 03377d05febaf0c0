/* fuzz_therapy.c: libFuzzer target for the nmod-therapy/1 loader.
 *
 * Any input: tf_parse either loads or fails with a one-line message (never crashes or
 * leaks). A loaded therapy is written with tf_write and parsed again; it must come back
 * identical.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "therapy_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static tf_therapy_t a, b;
  char err[512];
  if (tf_parse((const char *)data, size, &a, err, sizeof err) != 0) {
    if (err[0] == '\0' || strchr(err, '\n')) abort();
    return 0;
  }
  if (a.n_prog < 1 || a.n_prog > NM_MAX_PROGRAMS) abort();
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) return 0;
  if (tf_write(f, &a) != 0) abort();
  fclose(f);
  if (tf_parse(buf, len, &b, err, sizeof err) != 0) abort();
  if (a.therapy != b.therapy || a.n_prog != b.n_prog || a.running_mask != b.running_mask ||
      memcmp(&a.lead, &b.lead, sizeof a.lead) != 0 ||
      memcmp(&a.load, &b.load, sizeof a.load) != 0 ||
      memcmp(a.prog, b.prog, sizeof a.prog) != 0) {
    abort();
  }
  free(buf);
  return 0;
}
