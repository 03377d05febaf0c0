/* hmac.c: HMAC-SHA256 (RFC 2104, FIPS 198-1) and HKDF-SHA256 (RFC 5869). */
#include <string.h>

#include "nmod/crypto.h"

void nm_hmac_sha256_init(nm_hmac_sha256_ctx *ctx, const void *key, size_t keylen) {
  /* K0: the key, hashed first when longer than a block, zero-padded to one block. */
  uint8_t k0[NM_SHA256_BLOCK_LEN];
  memset(k0, 0, sizeof k0);
  if (keylen > NM_SHA256_BLOCK_LEN) {
    nm_sha256(key, keylen, k0);
  } else if (keylen != 0) {
    memcpy(k0, key, keylen);
  }

  for (size_t i = 0; i < sizeof k0; i++) {
    k0[i] ^= 0x36u; /* ipad */
  }
  nm_sha256_init(&ctx->inner);
  nm_sha256_update(&ctx->inner, k0, sizeof k0);

  for (size_t i = 0; i < sizeof k0; i++) {
    k0[i] ^= 0x36u ^ 0x5cu; /* from ipad to opad */
  }
  nm_sha256_init(&ctx->outer);
  nm_sha256_update(&ctx->outer, k0, sizeof k0);
  nm_wipe(k0, sizeof k0);
}

void nm_hmac_sha256_update(nm_hmac_sha256_ctx *ctx, const void *msg, size_t len) {
  nm_sha256_update(&ctx->inner, msg, len);
}

void nm_hmac_sha256_final(nm_hmac_sha256_ctx *ctx, uint8_t out[32]) {
  uint8_t inner[NM_SHA256_LEN];
  nm_sha256_final(&ctx->inner, inner);
  nm_sha256_update(&ctx->outer, inner, sizeof inner);
  nm_sha256_final(&ctx->outer, out);
  nm_wipe(inner, sizeof inner);
  nm_wipe(ctx, sizeof *ctx);
}

void nm_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
                    uint8_t out[32]) {
  nm_hmac_sha256_ctx ctx;
  nm_hmac_sha256_init(&ctx, key, keylen);
  nm_hmac_sha256_update(&ctx, msg, len);
  nm_hmac_sha256_final(&ctx, out);
}

void nm_hkdf_sha256_extract(const void *salt, size_t saltlen, const void *ikm,
                            size_t ikmlen, uint8_t prk[32]) {
  /* RFC 5869 section 2.2: a missing salt is HashLen zero bytes. HMAC pads its key with
   * zeros to a block anyway, so an empty key gives exactly the same result. */
  nm_hmac_sha256(salt, saltlen, ikm, ikmlen, prk);
}

int nm_hkdf_sha256_expand(const uint8_t prk[32], const void *info, size_t infolen,
                          uint8_t *out, size_t outlen) {
  if (outlen > NM_HKDF_SHA256_MAX_LEN) {
    return NM_EINVAL;
  }
  /* T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty, i = 1..255 (section 2.3). */
  uint8_t t[NM_SHA256_LEN];
  size_t done = 0;
  uint8_t counter = 0;
  while (done < outlen) {
    nm_hmac_sha256_ctx ctx;
    counter++;
    nm_hmac_sha256_init(&ctx, prk, NM_SHA256_LEN);
    if (counter > 1) {
      nm_hmac_sha256_update(&ctx, t, sizeof t);
    }
    nm_hmac_sha256_update(&ctx, info, infolen);
    nm_hmac_sha256_update(&ctx, &counter, 1);
    nm_hmac_sha256_final(&ctx, t);
    size_t take = outlen - done;
    if (take > sizeof t) {
      take = sizeof t;
    }
    memcpy(out + done, t, take);
    done += take;
  }
  nm_wipe(t, sizeof t);
  return NM_OK;
}

int nm_hkdf_sha256(const void *salt, size_t saltlen, const void *ikm, size_t ikmlen,
                   const void *info, size_t infolen, uint8_t *out, size_t outlen) {
  if (outlen > NM_HKDF_SHA256_MAX_LEN) {
    return NM_EINVAL;
  }
  uint8_t prk[NM_SHA256_LEN];
  nm_hkdf_sha256_extract(salt, saltlen, ikm, ikmlen, prk);
  int err = nm_hkdf_sha256_expand(prk, info, infolen, out, outlen);
  nm_wipe(prk, sizeof prk);
  return err;
}
