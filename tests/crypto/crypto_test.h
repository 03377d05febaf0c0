/* crypto_test.h: helpers shared by the crypto tests: hex decoding, a seeded PRNG
 * (property-test convention: print seed=N, replay with NMOD_SEED=N) and random sizes
 * biased towards the block edges where length bugs live. Test-only code. */
#ifndef NMOD_CRYPTO_TEST_H
#define NMOD_CRYPTO_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

/* Decodes hex (spaces and colons ignored) into out; returns the byte count. A malformed
 * string or one longer than cap fails the test: vectors are typed by hand. */
static inline size_t th_unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p != '\0'; p++) {
    int v;
    if (*p == ' ' || *p == ':' || *p == '\n') {
      continue;
    } else if (*p >= '0' && *p <= '9') {
      v = *p - '0';
    } else if (*p >= 'a' && *p <= 'f') {
      v = *p - 'a' + 10;
    } else if (*p >= 'A' && *p <= 'F') {
      v = *p - 'A' + 10;
    } else {
      fail_msg("bad hex character '%c' in vector", *p);
      return 0;
    }
    if (hi < 0) {
      hi = v;
    } else {
      assert_true(n < cap);
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  assert_int_equal(hi, -1); /* odd number of digits */
  return n;
}

/* Fails with both values in hex when a and b differ. */
#define th_assert_bytes(a, b, n, what) th_assert_bytes_(a, b, n, what, __FILE__, __LINE__)
static inline void th_assert_bytes_(const uint8_t *a, const uint8_t *b, size_t n,
                                    const char *what, const char *file, int line) {
  if (n == 0 || memcmp(a, b, n) == 0) {
    return;
  }
  size_t i = 0;
  while (a[i] == b[i]) {
    i++;
  }
  fprintf(stderr, "%s:%d: %s differs at byte %zu of %zu\n  got ", file, line, what, i, n);
  for (size_t j = 0; j < n && j < 64; j++) {
    fprintf(stderr, "%02x", a[j]);
  }
  fprintf(stderr, "\n  exp ");
  for (size_t j = 0; j < n && j < 64; j++) {
    fprintf(stderr, "%02x", b[j]);
  }
  fprintf(stderr, "\n");
  fail_msg("%s mismatch", what);
}

/* splitmix64: small, fast, good enough to drive property tests, and reproducible. */
static uint64_t th_rng_state;

static inline uint64_t th_rand64(void) {
  uint64_t z = (th_rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0 (the modulo bias is irrelevant here). */
static inline size_t th_below(size_t n) {
  return (size_t)(th_rand64() % (uint64_t)n);
}

static inline void th_fill(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    p[i] = (uint8_t)th_rand64();
  }
}

/* Seeds from NMOD_SEED when set, else from the clock, and prints seed=N. */
static inline uint64_t th_seed(void) {
  const char *env = getenv("NMOD_SEED");
  uint64_t seed;
  if (env != NULL && *env != '\0') {
    seed = strtoull(env, NULL, 10);
  } else {
    seed = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
  }
  printf("seed=%llu\n", (unsigned long long)seed);
  fflush(stdout);
  th_rng_state = seed;
  return seed;
}

/* A length in 0..max with the block edges (0, 1, 15, 16, 17, 63, 64, 65, 127, 128,
 * 129, and max) drawn half of the time. */
static inline size_t th_len(size_t max) {
  static const size_t edges[] = {0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129};
  if (th_rand64() & 1u) {
    size_t e = edges[th_below(sizeof edges / sizeof edges[0])];
    return e <= max ? e : max;
  }
  return th_below(max + 1);
}

#endif
