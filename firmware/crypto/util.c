/* util.c: constant-time comparison and secret wiping. */
#include "nmod/crypto.h"

int nm_ct_equal(const void *a, const void *b, size_t n) {
  /* Volatile reads keep the compiler from turning the loop into an early-exit memcmp:
   * every byte is read and folded into diff whatever the data. */
  const volatile uint8_t *pa = (const volatile uint8_t *)a;
  const volatile uint8_t *pb = (const volatile uint8_t *)b;
  uint32_t diff = 0;
  for (size_t i = 0; i < n; i++) {
    diff |= (uint32_t)(pa[i] ^ pb[i]);
  }
  /* diff is 0..255: diff - 1 underflows (top bits set) only when diff == 0. */
  return (int)(1u & ((diff - 1u) >> 8));
}

void nm_wipe(void *p, size_t n) {
  /* Stores through a volatile pointer are observable behaviour in C, so they survive
   * dead-store elimination even when the buffer dies right after. */
  volatile uint8_t *v = (volatile uint8_t *)p;
  for (size_t i = 0; i < n; i++) {
    v[i] = 0;
  }
}
