/* nmod/crypto.h: the firmware's cryptographic primitives. SHA-256 (FIPS 180-4),
 * HMAC-SHA256 (RFC 2104), HKDF-SHA256 (RFC 5869), ChaCha20, Poly1305 and the
 * ChaCha20-Poly1305 AEAD (RFC 8439). Portable C11: no heap, no floating point, no OS,
 * no unaligned access; every byte string is read and written byte by byte.
 *
 * Contracts that hold for every function here:
 * - The caller owns every context and buffer. Contexts may live on the stack; the
 *   `final` functions wipe them, so a finished context holds no secret.
 * - A pointer may be NULL only when its length is 0.
 * - Array sizes in parameters are the contract: `key[32]` means exactly 32 bytes.
 * - Input and output buffers must not overlap, except where a function says that
 *   `in == out` (fully in place) is allowed.
 * - Secret-dependent branches and table look-ups are absent; tags are compared in
 *   constant time (nm_ct_equal). Temporaries holding key material are wiped with
 *   nm_wipe before return.
 *
 * One header for the whole crypto module; see docs/CRYPTO.md. */
#ifndef NMOD_CRYPTO_H
#define NMOD_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/err.h"

#define NM_SHA256_LEN 32u       /* digest bytes */
#define NM_SHA256_BLOCK_LEN 64u /* compression block bytes */
#define NM_HKDF_SHA256_MAX_LEN (255u * NM_SHA256_LEN) /* 8160 bytes, RFC 5869 */
#define NM_CHACHA20_KEY_LEN 32u
#define NM_CHACHA20_NONCE_LEN 12u
#define NM_CHACHA20_BLOCK_LEN 64u
#define NM_POLY1305_KEY_LEN 32u
#define NM_POLY1305_TAG_LEN 16u
#define NM_AEAD_KEY_LEN 32u
#define NM_AEAD_NONCE_LEN 12u
#define NM_AEAD_TAG_LEN 16u
/* Longest AEAD plaintext: (2^32 - 1) blocks of 64 bytes (RFC 8439 section 2.8, P_MAX). */
#define NM_AEAD_MAX_LEN 274877906880ull

/* ---- utilities ------------------------------------------------------------------ */

/* 1 when the n bytes at a and b are equal, else 0. The time taken depends on n only,
 * never on the contents. n == 0 gives 1. */
int nm_ct_equal(const void *a, const void *b, size_t n);

/* Sets n bytes at p to zero through a volatile pointer, so the compiler cannot remove
 * the stores even when p is never read again. */
void nm_wipe(void *p, size_t n);

/* ---- SHA-256 -------------------------------------------------------------------- */

typedef struct {
  uint32_t h[8];                      /* chaining state */
  uint64_t len;                       /* bytes hashed so far */
  uint8_t buf[NM_SHA256_BLOCK_LEN];   /* partial block, len % 64 bytes used */
} nm_sha256_ctx;

void nm_sha256_init(nm_sha256_ctx *ctx);
void nm_sha256_update(nm_sha256_ctx *ctx, const void *msg, size_t len);
/* Writes the digest and wipes ctx (init again to reuse it). */
void nm_sha256_final(nm_sha256_ctx *ctx, uint8_t out[32]);
void nm_sha256(const void *msg, size_t len, uint8_t out[32]);

/* ---- HMAC-SHA256 ---------------------------------------------------------------- */

typedef struct {
  nm_sha256_ctx inner; /* already fed (K0 ^ ipad) */
  nm_sha256_ctx outer; /* already fed (K0 ^ opad) */
} nm_hmac_sha256_ctx;

/* Any key length; keys longer than 64 bytes are hashed first (RFC 2104). */
void nm_hmac_sha256_init(nm_hmac_sha256_ctx *ctx, const void *key, size_t keylen);
void nm_hmac_sha256_update(nm_hmac_sha256_ctx *ctx, const void *msg, size_t len);
/* Writes the 32-byte MAC and wipes ctx. Truncate by copying a prefix of out. */
void nm_hmac_sha256_final(nm_hmac_sha256_ctx *ctx, uint8_t out[32]);
void nm_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                    uint8_t out[32]);

/* ---- HKDF-SHA256 (RFC 5869) ----------------------------------------------------- */

/* Extract: prk = HMAC(salt, ikm). An empty salt means 32 zero bytes (as the RFC says). */
void nm_hkdf_sha256_extract(const void *salt, size_t saltlen, const void *ikm,
                            size_t ikmlen, uint8_t prk[32]);
/* Expand: outlen bytes of output keying material from prk and info.
 * NM_EINVAL when outlen > NM_HKDF_SHA256_MAX_LEN (out untouched); NM_OK otherwise. */
int nm_hkdf_sha256_expand(const uint8_t prk[32], const void *info, size_t infolen,
                          uint8_t *out, size_t outlen);
/* Extract then expand. Same errors as nm_hkdf_sha256_expand; the PRK is wiped. */
int nm_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen,
                   const void *info, size_t infolen, uint8_t *out, size_t outlen);

/* ---- ChaCha20 (RFC 8439 section 2.3, 2.4) --------------------------------------- */

/* One 64-byte keystream block for (key, block counter, nonce). */
void nm_chacha20_block(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                       uint8_t out[64]);

/* out = in XOR keystream, starting at block `counter`. in == out is allowed (in place);
 * other overlaps are not. NM_EINVAL (nothing written) when the message needs blocks past
 * counter 2^32 - 1, since the 32-bit counter would wrap and reuse keystream. */
int nm_chacha20_xor(const uint8_t key[32], uint32_t counter, const uint8_t nonce[12],
                    const uint8_t *in, uint8_t *out, size_t len);

/* ---- Poly1305 (RFC 8439 section 2.5) -------------------------------------------- */

/* A one-time key must never authenticate two different messages. */
typedef struct {
  uint32_t r[5];   /* clamped r in 26-bit limbs */
  uint32_t h[5];   /* accumulator in 26-bit limbs (partially reduced) */
  uint32_t s[4];   /* the "s" half of the key, little-endian words */
  uint8_t buf[16]; /* partial block */
  size_t buf_len;  /* bytes used in buf, 0..15 */
} nm_poly1305_ctx;

void nm_poly1305_init(nm_poly1305_ctx *ctx, const uint8_t key[32]);
void nm_poly1305_update(nm_poly1305_ctx *ctx, const uint8_t *msg, size_t len);
/* Writes the tag and wipes ctx. */
void nm_poly1305_final(nm_poly1305_ctx *ctx, uint8_t tag[16]);
void nm_poly1305(const uint8_t key[32], const uint8_t *msg, size_t len, uint8_t tag[16]);

/* ---- AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8) ------------------------------ */

/* Encrypts ptlen bytes of pt into ct (same length) and writes the 16-byte tag, which
 * authenticates aad and ct. ct == pt is allowed (in place). The nonce must never repeat
 * under one key. NM_EINVAL (nothing written) when ptlen > NM_AEAD_MAX_LEN. */
int nm_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                 size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *ct,
                 uint8_t tag[16]);

/* Verifies the tag over aad and ct (in constant time) before anything is decrypted.
 * NM_OK: pt holds the ctlen-byte plaintext. NM_EAUTH: the tag did not match, and pt is
 * all zeros (with pt == ct, allowed, the ciphertext is therefore erased too).
 * NM_EINVAL: ctlen > NM_AEAD_MAX_LEN, pt zeroed as well. */
int nm_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                 size_t aadlen, const uint8_t *ct, size_t ctlen, const uint8_t tag[16],
                 uint8_t *pt);

#endif
