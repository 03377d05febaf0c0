/* aead.c: AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8).
 *
 * Poly1305 one-time key = first 32 bytes of ChaCha20 block 0; the payload is encrypted
 * from block 1 on; the tag covers aad | pad16 | ct | pad16 | le64(aadlen) | le64(ctlen).
 * Open computes and checks the tag before it decrypts anything, so a forged frame never
 * yields plaintext, and it leaves the output zeroed on failure so a caller that ignores
 * the error still sees no attacker-chosen or partially decrypted bytes. */
#include <string.h>

#include "crypto_internal.h"
#include "nmod/crypto.h"

/* 1 when len exceeds P_MAX. Only a 64-bit size_t can; on a 32-bit target the test
 * would be always false, which -Wtype-limits rightly rejects. */
static int nm_aead_too_long(size_t len) {
#if SIZE_MAX > 0xffffffffu
  return (uint64_t)len > NM_AEAD_MAX_LEN;
#else
  (void)len;
  return 0;
#endif
}

static void nm_aead_tag(const uint8_t otk[32], const uint8_t *aad, size_t aadlen,
                        const uint8_t *ct, size_t ctlen, uint8_t tag[16]) {
  static const uint8_t zeros[16] = {0};
  uint8_t lens[16];
  nm_poly1305_ctx mac;

  nm_poly1305_init(&mac, otk);
  nm_poly1305_update(&mac, aad, aadlen);
  nm_poly1305_update(&mac, zeros, (16u - aadlen % 16u) % 16u);
  nm_poly1305_update(&mac, ct, ctlen);
  nm_poly1305_update(&mac, zeros, (16u - ctlen % 16u) % 16u);
  nm_store64_le(lens, (uint64_t)aadlen);
  nm_store64_le(lens + 8, (uint64_t)ctlen);
  nm_poly1305_update(&mac, lens, sizeof lens);
  nm_poly1305_final(&mac, tag); /* wipes mac */
}

int nm_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                 size_t aadlen, const uint8_t *pt, size_t ptlen, uint8_t *ct,
                 uint8_t tag[16]) {
  if (nm_aead_too_long(ptlen)) {
    return NM_EINVAL;
  }
  uint8_t block0[NM_CHACHA20_BLOCK_LEN];
  nm_chacha20_block(key, 0, nonce, block0);
  int err = nm_chacha20_xor(key, 1, nonce, pt, ct, ptlen);
  if (err == NM_OK) {
    nm_aead_tag(block0, aad, aadlen, ct, ptlen, tag);
  }
  nm_wipe(block0, sizeof block0);
  return err;
}

int nm_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *aad,
                 size_t aadlen, const uint8_t *ct, size_t ctlen, const uint8_t tag[16],
                 uint8_t *pt) {
  if (nm_aead_too_long(ctlen)) {
    memset(pt, 0, ctlen);
    return NM_EINVAL;
  }
  uint8_t block0[NM_CHACHA20_BLOCK_LEN];
  uint8_t expect[NM_AEAD_TAG_LEN];
  nm_chacha20_block(key, 0, nonce, block0);
  nm_aead_tag(block0, aad, aadlen, ct, ctlen, expect);
  nm_wipe(block0, sizeof block0);

  int err = NM_EAUTH;
  if (nm_ct_equal(expect, tag, NM_AEAD_TAG_LEN)) {
    err = nm_chacha20_xor(key, 1, nonce, ct, pt, ctlen);
  }
  if (err != NM_OK && ctlen != 0) {
    memset(pt, 0, ctlen);
  }
  nm_wipe(expect, sizeof expect);
  return err;
}
