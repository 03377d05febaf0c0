/* poly1305.c: the Poly1305 one-time authenticator (RFC 8439 section 2.5).
 *
 * Arithmetic modulo p = 2^130 - 5 on five 26-bit limbs, so every product is a
 * 32x32->64-bit multiply (one UMULL on Cortex-M3) and no 128-bit type is needed.
 * Reduction uses 2^130 = 5 (mod p): a product limb at position 26*(i+j) >= 130 folds
 * back multiplied by 5, hence the precomputed 5*r[i].
 *
 * Bounds, for the record: clamping keeps each r limb below 2^26, so 5*r[i] < 2^29. The
 * accumulator limbs stay below 2^26 + 2^11 between blocks; after adding a message limb
 * they are below 2^27.1. Each of the five products is below 2^56.1 and their sum below
 * 2^58.5, so a uint64_t column never overflows. No branch or index depends on secret
 * data; the final reduction selects with a mask. */
#include <string.h>

#include "crypto_internal.h"
#include "nmod/crypto.h"

#define NM_P1305_MASK 0x3ffffffu /* 26 bits */

void nm_poly1305_init(nm_poly1305_ctx *ctx, const uint8_t key[32]) {
  /* Clamp r (section 2.5): r &= 0x0ffffffc0ffffffc0ffffffc0fffffff. */
  uint32_t t0 = nm_load32_le(key) & 0x0fffffffu;
  uint32_t t1 = nm_load32_le(key + 4) & 0x0ffffffcu;
  uint32_t t2 = nm_load32_le(key + 8) & 0x0ffffffcu;
  uint32_t t3 = nm_load32_le(key + 12) & 0x0ffffffcu;

  /* Limb i holds bits 26*i .. 26*i+25 of the 128-bit little-endian number. */
  ctx->r[0] = t0 & NM_P1305_MASK;
  ctx->r[1] = ((t0 >> 26) | (t1 << 6)) & NM_P1305_MASK;
  ctx->r[2] = ((t1 >> 20) | (t2 << 12)) & NM_P1305_MASK;
  ctx->r[3] = ((t2 >> 14) | (t3 << 18)) & NM_P1305_MASK;
  ctx->r[4] = t3 >> 8;

  for (size_t i = 0; i < 5; i++) {
    ctx->h[i] = 0;
  }
  for (size_t i = 0; i < 4; i++) {
    ctx->s[i] = nm_load32_le(key + 16 + 4 * i);
  }
  memset(ctx->buf, 0, sizeof ctx->buf);
  ctx->buf_len = 0;
}

/* h = (h + block) * r mod p (partially reduced) for nblocks 16-byte blocks. hibit is
 * the 2^128 bit of each block as seen from limb 4 (1 << 24), or 0 for the padded last
 * block, whose 0x01 byte is already in the data. */
static void nm_poly1305_blocks(nm_poly1305_ctx *ctx, const uint8_t *m, size_t nblocks,
                               uint32_t hibit) {
  const uint32_t r0 = ctx->r[0], r1 = ctx->r[1], r2 = ctx->r[2], r3 = ctx->r[3],
                 r4 = ctx->r[4];
  const uint32_t s1 = r1 * 5u, s2 = r2 * 5u, s3 = r3 * 5u, s4 = r4 * 5u;
  uint32_t h0 = ctx->h[0], h1 = ctx->h[1], h2 = ctx->h[2], h3 = ctx->h[3],
           h4 = ctx->h[4];

  while (nblocks-- > 0) {
    uint32_t t0 = nm_load32_le(m);
    uint32_t t1 = nm_load32_le(m + 4);
    uint32_t t2 = nm_load32_le(m + 8);
    uint32_t t3 = nm_load32_le(m + 12);
    m += 16;

    h0 += t0 & NM_P1305_MASK;
    h1 += ((t0 >> 26) | (t1 << 6)) & NM_P1305_MASK;
    h2 += ((t1 >> 20) | (t2 << 12)) & NM_P1305_MASK;
    h3 += ((t2 >> 14) | (t3 << 18)) & NM_P1305_MASK;
    h4 += (t3 >> 8) | hibit;

    uint64_t d0 = (uint64_t)h0 * r0 + (uint64_t)h1 * s4 + (uint64_t)h2 * s3 +
                  (uint64_t)h3 * s2 + (uint64_t)h4 * s1;
    uint64_t d1 = (uint64_t)h0 * r1 + (uint64_t)h1 * r0 + (uint64_t)h2 * s4 +
                  (uint64_t)h3 * s3 + (uint64_t)h4 * s2;
    uint64_t d2 = (uint64_t)h0 * r2 + (uint64_t)h1 * r1 + (uint64_t)h2 * r0 +
                  (uint64_t)h3 * s4 + (uint64_t)h4 * s3;
    uint64_t d3 = (uint64_t)h0 * r3 + (uint64_t)h1 * r2 + (uint64_t)h2 * r1 +
                  (uint64_t)h3 * r0 + (uint64_t)h4 * s4;
    uint64_t d4 = (uint64_t)h0 * r4 + (uint64_t)h1 * r3 + (uint64_t)h2 * r2 +
                  (uint64_t)h3 * r1 + (uint64_t)h4 * r0;

    /* Carry each column into the next; the carry out of limb 4 is worth 2^130 = 5. */
    d1 += d0 >> 26;
    h0 = (uint32_t)d0 & NM_P1305_MASK;
    d2 += d1 >> 26;
    h1 = (uint32_t)d1 & NM_P1305_MASK;
    d3 += d2 >> 26;
    h2 = (uint32_t)d2 & NM_P1305_MASK;
    d4 += d3 >> 26;
    h3 = (uint32_t)d3 & NM_P1305_MASK;
    uint64_t c = d4 >> 26; /* below 2^33 */
    h4 = (uint32_t)d4 & NM_P1305_MASK;
    uint64_t f0 = (uint64_t)h0 + c * 5u;
    h0 = (uint32_t)f0 & NM_P1305_MASK;
    h1 += (uint32_t)(f0 >> 26);
  }

  ctx->h[0] = h0;
  ctx->h[1] = h1;
  ctx->h[2] = h2;
  ctx->h[3] = h3;
  ctx->h[4] = h4;
}

/* Through the 16-byte buffer, which is processed each time it fills: buf_len stays
 * below 16 between calls. Every access is buf[n] with n < 16 or msg[i] with i < len, so
 * EVA needs no relation between a position and a length (docs/ASSURANCE.md). */
void nm_poly1305_update(nm_poly1305_ctx *ctx, const uint8_t *msg, size_t len) {
  size_t i = 0; /* msg may be NULL when len == 0: never read then */
  while (i < len) {
    size_t n = ctx->buf_len;
    for (; n < 16u && i < len; n++, i++) {
      ctx->buf[n] = msg[i];
    }
    if (n == 16u) {
      nm_poly1305_blocks(ctx, ctx->buf, 1, 1u << 24);
      n = 0;
    }
    ctx->buf_len = n;
  }
}

void nm_poly1305_final(nm_poly1305_ctx *ctx, uint8_t tag[16]) {
  if (ctx->buf_len != 0) {
    /* Short last block: append the 0x01 byte, pad with zeros, no 2^128 bit. */
    ctx->buf[ctx->buf_len] = 1;
    for (size_t i = ctx->buf_len + 1u; i < 16u; i++) {
      ctx->buf[i] = 0;
    }
    nm_poly1305_blocks(ctx, ctx->buf, 1, 0);
  }

  uint32_t h0 = ctx->h[0], h1 = ctx->h[1], h2 = ctx->h[2], h3 = ctx->h[3],
           h4 = ctx->h[4];
  uint32_t c;

  /* Full carry: afterwards h0, h2, h3, h4 < 2^26 and h1 <= 2^26, so h < 2p. */
  c = h1 >> 26;
  h1 &= NM_P1305_MASK;
  h2 += c;
  c = h2 >> 26;
  h2 &= NM_P1305_MASK;
  h3 += c;
  c = h3 >> 26;
  h3 &= NM_P1305_MASK;
  h4 += c;
  c = h4 >> 26;
  h4 &= NM_P1305_MASK;
  h0 += c * 5u;
  c = h0 >> 26;
  h0 &= NM_P1305_MASK;
  h1 += c;

  /* g = h + 5 - 2^130 = h - p. If g >= 0 (h >= p) the result is g, else h. The sign
   * of g4 decides, through a mask rather than a branch. */
  uint32_t g0 = h0 + 5u;
  c = g0 >> 26;
  g0 &= NM_P1305_MASK;
  uint32_t g1 = h1 + c;
  c = g1 >> 26;
  g1 &= NM_P1305_MASK;
  uint32_t g2 = h2 + c;
  c = g2 >> 26;
  g2 &= NM_P1305_MASK;
  uint32_t g3 = h3 + c;
  c = g3 >> 26;
  g3 &= NM_P1305_MASK;
  uint32_t g4 = h4 + c - (1u << 26);

  uint32_t use_g = (g4 >> 31) - 1u; /* all ones when g4 did not go negative */
  h0 = (h0 & ~use_g) | (g0 & use_g);
  h1 = (h1 & ~use_g) | (g1 & use_g);
  h2 = (h2 & ~use_g) | (g2 & use_g);
  h3 = (h3 & ~use_g) | (g3 & use_g);
  h4 = (h4 & ~use_g) | (g4 & use_g);

  /* Repack to four 32-bit words (mod 2^128) with a 64-bit accumulator, which stays
   * exact even if h1 is the non-canonical 2^26, then add s mod 2^128. */
  uint32_t w[4];
  uint64_t acc = (uint64_t)h0 + ((uint64_t)h1 << 26);
  w[0] = (uint32_t)acc;
  acc = (acc >> 32) + ((uint64_t)h2 << 20);
  w[1] = (uint32_t)acc;
  acc = (acc >> 32) + ((uint64_t)h3 << 14);
  w[2] = (uint32_t)acc;
  acc = (acc >> 32) + ((uint64_t)h4 << 8);
  w[3] = (uint32_t)acc;

  uint64_t f = 0;
  for (size_t i = 0; i < 4; i++) {
    f = (f >> 32) + (uint64_t)w[i] + (uint64_t)ctx->s[i];
    nm_store32_le(tag + 4 * i, (uint32_t)f);
  }
  nm_wipe(w, sizeof w);
  nm_wipe(ctx, sizeof *ctx);
}

void nm_poly1305(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16]) {
  nm_poly1305_ctx ctx;
  nm_poly1305_init(&ctx, key);
  nm_poly1305_update(&ctx, msg, len);
  nm_poly1305_final(&ctx, tag);
}
