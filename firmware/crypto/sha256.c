/* sha256.c: SHA-256 as specified in FIPS 180-4 section 6.2. Big-endian words, a 64-byte
 * block, a 16-word rolling message schedule (64 bytes of stack instead of 256), and a
 * schedule that is wiped after every block because in HMAC it holds key material. */
#include <string.h>

#include "crypto_internal.h"
#include "nmod/crypto.h"

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes
 * (FIPS 180-4 section 4.2.2). */
static const uint32_t nm_sha256_k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u,
    0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u,
    0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu,
    0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u,
    0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u,
    0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u,
    0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u,
    0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* Process one 64-byte block into the chaining state h. */
static void nm_sha256_compress(uint32_t h[8], const uint8_t block[64]) {
  uint32_t w[16];
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];

  for (size_t i = 0; i < 16; i++) {
    w[i] = nm_load32_be(block + 4 * i);
  }
  for (size_t t = 0; t < 64; t++) {
    if (t >= 16) {
      /* W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16], kept mod 16. */
      uint32_t w2 = w[(t - 2) & 15u];
      uint32_t w15 = w[(t - 15) & 15u];
      uint32_t s0 = nm_rotr32(w15, 7) ^ nm_rotr32(w15, 18) ^ (w15 >> 3);
      uint32_t s1 = nm_rotr32(w2, 17) ^ nm_rotr32(w2, 19) ^ (w2 >> 10);
      w[t & 15u] += s1 + w[(t - 7) & 15u] + s0;
    }
    uint32_t big_s1 = nm_rotr32(e, 6) ^ nm_rotr32(e, 11) ^ nm_rotr32(e, 25);
    uint32_t ch = (e & f) ^ (~e & g);
    uint32_t t1 = hh + big_s1 + ch + nm_sha256_k[t] + w[t & 15u];
    uint32_t big_s0 = nm_rotr32(a, 2) ^ nm_rotr32(a, 13) ^ nm_rotr32(a, 22);
    uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    uint32_t t2 = big_s0 + maj;
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += hh;
  nm_wipe(w, sizeof w);
}

void nm_sha256_init(nm_sha256_ctx *ctx) {
  /* First 32 bits of the fractional parts of the square roots of the first 8 primes
   * (FIPS 180-4 section 5.3.3). */
  static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
  memcpy(ctx->h, iv, sizeof iv);
  ctx->len = 0;
  memset(ctx->buf, 0, sizeof ctx->buf);
}

void nm_sha256_update(nm_sha256_ctx *ctx, const void *msg, size_t len) {
  if (len == 0) {
    return; /* msg may be NULL then; no pointer arithmetic on it */
  }
  const uint8_t *p = (const uint8_t *)msg;
  size_t used = (size_t)(ctx->len % NM_SHA256_BLOCK_LEN);
  ctx->len += (uint64_t)len;

  if (used != 0) {
    size_t take = NM_SHA256_BLOCK_LEN - used;
    if (take > len) {
      take = len;
    }
    memcpy(ctx->buf + used, p, take);
    p += take;
    len -= take;
    if (used + take < NM_SHA256_BLOCK_LEN) {
      return;
    }
    nm_sha256_compress(ctx->h, ctx->buf);
  }
  while (len >= NM_SHA256_BLOCK_LEN) {
    nm_sha256_compress(ctx->h, p);
    p += NM_SHA256_BLOCK_LEN;
    len -= NM_SHA256_BLOCK_LEN;
  }
  if (len != 0) {
    memcpy(ctx->buf, p, len);
  }
}

void nm_sha256_final(nm_sha256_ctx *ctx, uint8_t out[32]) {
  /* Padding (FIPS 180-4 section 5.1.1): a 1 bit, zeros up to 56 mod 64, then the
   * message length in bits as a 64-bit big-endian number. */
  size_t used = (size_t)(ctx->len % NM_SHA256_BLOCK_LEN);
  uint64_t bits = ctx->len << 3;

  ctx->buf[used++] = 0x80;
  if (used > 56) {
    memset(ctx->buf + used, 0, NM_SHA256_BLOCK_LEN - used);
    nm_sha256_compress(ctx->h, ctx->buf);
    used = 0;
  }
  memset(ctx->buf + used, 0, 56 - used);
  nm_store32_be(ctx->buf + 56, (uint32_t)(bits >> 32));
  nm_store32_be(ctx->buf + 60, (uint32_t)bits);
  nm_sha256_compress(ctx->h, ctx->buf);
  for (size_t i = 0; i < 8; i++) {
    nm_store32_be(out + 4 * i, ctx->h[i]);
  }
  nm_wipe(ctx, sizeof *ctx);
}

void nm_sha256(const void *msg, size_t len, uint8_t out[32]) {
  nm_sha256_ctx ctx;
  nm_sha256_init(&ctx);
  nm_sha256_update(&ctx, msg, len);
  nm_sha256_final(&ctx, out);
}
