/* proto_internal.h: pieces shared by the device and client halves of the protocol
 * (key schedule, handshake MACs, DATA sealing, frame writing). Not a public header; the
 * known-answer test includes it to check the key schedule on its own. */
#ifndef NMOD_PROTO_INTERNAL_H
#define NMOD_PROTO_INTERNAL_H

#include "nmod/proto.h"

/* Labels, ASCII without a terminating NUL (the lengths are part of the spec). */
#define NMP_LABEL_SESSION "nmod/1 session" /* 14 bytes, HKDF info prefix */
#define NMP_LABEL_CLIENT "nmod/1 client"   /* 13 bytes, AUTH MAC prefix */
#define NMP_LABEL_DEVICE "nmod/1 device"   /* 13 bytes, AUTH_OK MAC prefix */
#define NMP_TRANSCRIPT_LEN (NM_HELLO_BODY + NM_CHALLENGE_BODY) /* 57 */

/* Session keys: HKDF-SHA256(salt = client_nonce || device_nonce, ikm = secret,
 * info = "nmod/1 session" || role || key_id || serial), 96 bytes. */
typedef struct {
  uint8_t k_auth[32];
  uint8_t k_c2d[32];
  uint8_t k_d2c[32];
} nmp_keys_t;

/* Derive the session keys from the credential secret and the two handshake bodies:
 * hello = role u8 | key_id[8] | client_nonce[16], challenge = serial[16] | device_nonce[16].
 * The role and key id in `hello` are the claimed ones. */
void nmp_derive(const uint8_t secret[32], const uint8_t hello[NM_HELLO_BODY],
                const uint8_t challenge[NM_CHALLENGE_BODY], nmp_keys_t *k);

/* HMAC(k_auth, label || hello || challenge); label is NMP_LABEL_CLIENT or _DEVICE. */
void nmp_mac(const uint8_t k_auth[32], const char *label, const uint8_t hello[NM_HELLO_BODY],
             const uint8_t challenge[NM_CHALLENGE_BODY], uint8_t mac[32]);

/* Write a frame with the given body: NM_OK, or NM_ENOSPC (nothing written). */
/*@ requires \valid_read(body + (0 .. body_len - 1)) && \valid(out + (0 .. cap - 1)) && \valid(out_len);
    requires \separated(out + (0 .. cap - 1), body + (0 .. body_len - 1), out_len);
    assigns out[0 .. cap - 1], *out_len;
    ensures frame_inside: \result == NM_OK ==>
      *out_len == NM_FRAME_HDR + body_len && *out_len <= cap && *out_len <= NM_FRAME_MAX; */
int nmp_put_frame(uint8_t type, const uint8_t *body, size_t body_len, uint8_t *out, size_t cap,
                  size_t *out_len);

/* Write an ERROR frame (code, retry_after_ms). out must hold 9 bytes (checked). */
/*@ requires \valid(out + (0 .. cap - 1)) && \valid(out_len) && \separated(out + (0 .. cap - 1), out_len);
    assigns out[0 .. cap - 1], *out_len;
    ensures frame_inside: \result == NM_OK ==> *out_len == NM_FRAME_HDR + NM_ERROR_BODY && *out_len <= cap; */
int nmp_put_error(int code, uint32_t retry_after_ms, uint8_t *out, size_t cap, size_t *out_len);

/* Seal pt[0..len) as a DATA frame with counter ctr under key; dir is "c2d" or "d2c"
 * (the nonce's 4-byte label is dir and a NUL). len must be 1..NM_DATA_PT_MAX, and cap at
 * least NM_DATA_OVERHEAD + len (checked: NM_EINVAL, NM_ENOSPC). */
int nmp_seal(const uint8_t key[32], const char dir[4], uint32_t ctr, const uint8_t *pt,
             size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* The counter of a parsed DATA frame (f->type must be NM_FT_DATA). */
uint32_t nmp_data_ctr(const nm_frame_t *f);

/* Verify and decrypt the DATA frame parsed into f (by nm_frame_parse) into pt.
 * NM_OK: pt[0..*pt_len) is the plaintext. NM_EAUTH: bad tag (pt zeroed). NM_ENOSPC: cap
 * too small. The caller checks the counter first. */
int nmp_open(const uint8_t key[32], const char dir[4], const nm_frame_t *f, uint8_t *pt,
             size_t cap, size_t *pt_len);

#endif
