/* chacha20.c: the ChaCha20 block function and stream cipher (RFC 8439 sections 2.1-2.4):
 * 256-bit key, 96-bit nonce, 32-bit block counter. Only additions, XORs and rotations
 * of 32-bit words, so the running time never depends on the key or the data. */
#include <string.h>

#include "crypto_internal.h"
#include "nmod/crypto.h"

static inline void nm_chacha20_qr(uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d) {
  *a += *b;
  *d = nm_rotl32(*d ^ *a, 16);
  *c += *d;
  *b = nm_rotl32(*b ^ *c, 12);
  *a += *b;
  *d = nm_rotl32(*d ^ *a, 8);
  *c += *d;
  *b = nm_rotl32(*b ^ *c, 7);
}

void nm_chacha20_quarter_round(uint32_t x[16], size_t a, size_t b, size_t c, size_t d) {
  nm_chacha20_qr(&x[a], &x[b], &x[c], &x[d]);
}

/* State layout (section 2.3): 4 constant words ("expand 32-byte k"), 8 key words,
 * the block counter, 3 nonce words; all little-endian. */
static void nm_chacha20_setup(uint32_t s[16], const uint8_t key[32], uint32_t counter,
                              const uint8_t nonce[12]) {
  s[0] = 0x61707865u;
  s[1] = 0x3320646eu;
  s[2] = 0x79622d32u;
  s[3] = 0x6b206574u;
  for (size_t i = 0; i < 8; i++) {
    s[4 + i] = nm_load32_le(key + 4 * i);
  }
  s[12] = counter;
  s[13] = nm_load32_le(nonce);
  s[14] = nm_load32_le(nonce + 4);
  s[15] = nm_load32_le(nonce + 8);
}

/* 20 rounds (10 column + diagonal double rounds), then add the input state and
 * serialise little-endian. */
static void nm_chacha20_core(const uint32_t s[16], uint8_t out[64]) {
  uint32_t x[16];
  memcpy(x, s, sizeof x);
  for (int i = 0; i < 10; i++) {
    nm_chacha20_qr(&x[0], &x[4], &x[8], &x[12]);
    nm_chacha20_qr(&x[1], &x[5], &x[9], &x[13]);
    nm_chacha20_qr(&x[2], &x[6], &x[10], &x[14]);
    nm_chacha20_qr(&x[3], &x[7], &x[11], &x[15]);
    nm_chacha20_qr(&x[0], &x[5], &x[10], &x[15]);
    nm_chacha20_qr(&x[1], &x[6], &x[11], &x[12]);
    nm_chacha20_qr(&x[2], &x[7], &x[8], &x[13]);
    nm_chacha20_qr(&x[3], &x[4], &x[9], &x[14]);
  }
  for (size_t i = 0; i < 16; i++) {
    nm_store32_le(out + 4 * i, x[i] + s[i]);
  }
  nm_wipe(x, sizeof x);
}

void nm_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                       uint8_t out[64]) {
  uint32_t s[16];
  nm_chacha20_setup(s, key, counter, nonce);
  nm_chacha20_core(s, out);
  nm_wipe(s, sizeof s);
}

int nm_chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                    const uint8_t *in, uint8_t *out, size_t len) {
  if (len == 0) {
    return NM_OK;
  }
  /* Blocks counter .. counter + nblocks - 1 must all fit in 32 bits. Computed without
   * (len + 63), which could overflow a 64-bit size_t. */
  uint64_t nblocks = (uint64_t)(len / NM_CHACHA20_BLOCK_LEN) +
                     (uint64_t)((len % NM_CHACHA20_BLOCK_LEN) != 0);
  if (nblocks > 0x100000000ull - (uint64_t)counter) {
    return NM_EINVAL;
  }

  uint32_t s[16];
  uint8_t ks[NM_CHACHA20_BLOCK_LEN];
  nm_chacha20_setup(s, key, counter, nonce);
  /* One index over the whole message, a new key stream block every 64 bytes: every
   * access is in[i] or out[i] with i < len, which EVA sees (docs/ASSURANCE.md). */
  for (size_t i = 0; i < len; i++) {
    size_t k = i % NM_CHACHA20_BLOCK_LEN;
    if (k == 0) {
      if (i != 0) {
        s[12]++; /* never wraps: the check above counted the blocks */
      }
      nm_chacha20_core(s, ks);
    }
    /* Byte-wise XOR reads in[i] before writing out[i], so in == out works. */
    out[i] = (uint8_t)(in[i] ^ ks[k]);
  }
  nm_wipe(s, sizeof s);
  nm_wipe(ks, sizeof ks);
  return NM_OK;
}
