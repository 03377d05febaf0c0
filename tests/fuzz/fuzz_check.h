/* fuzz_check.h: what the libFuzzer targets of tests/fuzz share. An invariant that breaks
 * prints "INVARIANT: what (file:line)" and aborts, which libFuzzer reports as a crash and
 * run_fuzz.sh as a failure. */
#ifndef NMOD_FUZZ_CHECK_H
#define NMOD_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c, what)                                                          \
  do {                                                                          \
    if (!(c)) {                                                                 \
      fprintf(stderr, "INVARIANT: %s (%s:%d)\n", what, __FILE__, __LINE__);     \
      abort();                                                                  \
    }                                                                           \
  } while (0)

/* 1 when the n bytes at p are all zero (a refusal leaves nothing half-filled). */
static inline int fz_is_zero(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) {
    if (b[i]) return 0;
  }
  return 1;
}

#endif
