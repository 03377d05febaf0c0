/* crypto_internal.h: helpers shared by the crypto sources and their tests, not part of
 * the public API. Little-endian and big-endian loads and stores go byte by byte so they
 * work at any alignment and on any host byte order (Cortex-M3 traps on some unaligned
 * accesses, and casts would break strict aliasing). */
#ifndef NMOD_CRYPTO_INTERNAL_H
#define NMOD_CRYPTO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t nm_load32_le(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static inline void nm_store32_le(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline void nm_store64_le(uint8_t *p, uint64_t v) {
  nm_store32_le(p, (uint32_t)v);
  nm_store32_le(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t nm_load32_be(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
         (uint32_t)p[3];
}

static inline void nm_store32_be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static inline uint32_t nm_rotl32(uint32_t v, unsigned n) {
  return (v << n) | (v >> (32u - n));
}

static inline uint32_t nm_rotr32(uint32_t v, unsigned n) {
  return (v >> n) | (v << (32u - n));
}

/* The ChaCha quarter round on words a, b, c, d (indices 0..15) of the 16-word state
 * (RFC 8439 section 2.1, 2.2). Exposed here only so the tests can check the section
 * 2.1.1 and 2.2.1 vectors. */
void nm_chacha20_quarter_round(uint32_t x[16], size_t a, size_t b, size_t c, size_t d);

#endif
