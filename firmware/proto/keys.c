/* keys.c: the key schedule, the handshake MACs and DATA sealing, shared by both ends
 * (docs/PROTOCOL.md "Handshake" and "Sessions"). */
#include "proto_internal.h"

#include <string.h>

#include "nmod/crypto.h"
#include "nmod/wire.h"

#define SESSION_LABEL_LEN 14u
#define MAC_LABEL_LEN 13u
#define INFO_LEN (SESSION_LABEL_LEN + 1u + NM_KEY_ID_LEN + NM_SERIAL_LEN) /* 39 */

void nmp_derive(const uint8_t secret[32], const uint8_t hello[NM_HELLO_BODY],
                const uint8_t challenge[NM_CHALLENGE_BODY], nmp_keys_t *k) {
  /* salt = client nonce || device nonce: fresh from both ends, so neither side alone
   * decides the session keys and no two sessions share them. */
  uint8_t salt[2u * NM_NONCE_LEN];
  memcpy(salt, hello + 1u + NM_KEY_ID_LEN, NM_NONCE_LEN);
  memcpy(salt + NM_NONCE_LEN, challenge + NM_SERIAL_LEN, NM_NONCE_LEN);
  /* info binds the keys to the claimed role, the key id and the device. */
  uint8_t info[INFO_LEN];
  memcpy(info, NMP_LABEL_SESSION, SESSION_LABEL_LEN);
  memcpy(info + SESSION_LABEL_LEN, hello, 1u + NM_KEY_ID_LEN);
  memcpy(info + SESSION_LABEL_LEN + 1u + NM_KEY_ID_LEN, challenge, NM_SERIAL_LEN);
  uint8_t okm[96];
  /* 96 <= 8160: cannot fail. */
  (void)nm_hkdf_sha256(salt, sizeof salt, secret, NM_SECRET_LEN, info, sizeof info, okm,
                       sizeof okm);
  memcpy(k->k_auth, okm, 32);
  memcpy(k->k_c2d, okm + 32, 32);
  memcpy(k->k_d2c, okm + 64, 32);
  nm_wipe(okm, sizeof okm);
}

void nmp_mac(const uint8_t k_auth[32], const char *label, const uint8_t hello[NM_HELLO_BODY],
             const uint8_t challenge[NM_CHALLENGE_BODY], uint8_t mac[32]) {
  nm_hmac_sha256_ctx h;
  nm_hmac_sha256_init(&h, k_auth, 32);
  nm_hmac_sha256_update(&h, label, MAC_LABEL_LEN);
  nm_hmac_sha256_update(&h, hello, NM_HELLO_BODY);
  nm_hmac_sha256_update(&h, challenge, NM_CHALLENGE_BODY);
  nm_hmac_sha256_final(&h, mac);
}

/* nonce = dir (3 ASCII bytes) || 0x00 || counter as u64 LE. */
static void make_nonce(const char dir[4], uint32_t ctr, uint8_t nonce[12]) {
  memcpy(nonce, dir, 3);
  nonce[3] = 0;
  for (unsigned i = 0; i < 8u; i++) nonce[4u + i] = (uint8_t)((uint64_t)ctr >> (8u * i));
}

/* aad = the frame's 4 header bytes || counter u32 LE: frame[0..8). */
#define AAD_LEN (NM_FRAME_HDR + 4u)

int nmp_seal(const uint8_t key[32], const char dir[4], uint32_t ctr, const uint8_t *pt,
             size_t len, uint8_t *out, size_t cap, size_t *out_len) {
  if (len < 1u || len > NM_DATA_PT_MAX) return NM_EINVAL;
  size_t total = NM_DATA_OVERHEAD + len;
  if (cap < total) return NM_ENOSPC;
  nm_wr_t w;
  nm_wr_init(&w, out, cap);
  nm_wr_u16(&w, (uint16_t)(total - 2u));
  nm_wr_u8(&w, NM_PROTO_VERSION);
  nm_wr_u8(&w, NM_FT_DATA);
  nm_wr_u32(&w, ctr);
  if (w.err) return w.err;
  uint8_t nonce[12];
  make_nonce(dir, ctr, nonce);
  int err = nm_aead_seal(key, nonce, out, AAD_LEN, pt, len, out + AAD_LEN, out + AAD_LEN + len);
  if (err) return err;
  *out_len = total;
  return NM_OK;
}

uint32_t nmp_data_ctr(const nm_frame_t *f) {
  nm_rd_t r;
  nm_rd_init(&r, f->body, f->body_len);
  return nm_rd_u32(&r);
}

int nmp_open(const uint8_t key[32], const char dir[4], const nm_frame_t *f, uint8_t *pt,
             size_t cap, size_t *pt_len) {
  const uint8_t *frame = f->body - NM_FRAME_HDR; /* the parser set body = frame + 4 */
  /* The parser guarantees NM_DATA_OVERHEAD + 1 <= frame size <= NM_DATA_FRAME_MAX. */
  size_t ct_len = f->body_len - 4u - NM_TAG_LEN;
  if (cap < ct_len) return NM_ENOSPC;
  uint8_t nonce[12];
  make_nonce(dir, nmp_data_ctr(f), nonce);
  const uint8_t *ct = frame + AAD_LEN;
  int err = nm_aead_open(key, nonce, frame, AAD_LEN, ct, ct_len, ct + ct_len, pt);
  if (err) return NM_EAUTH;
  *pt_len = ct_len;
  return NM_OK;
}
