/* cli.c: the client side of the protocol (host tools, patient remote), nmod/proto.h.
 *
 * The client trusts nothing from the link until the device has proved, in AUTH_OK, that
 * it holds the same credential. ERROR frames are unauthenticated hints: they end a
 * handshake (the device closes after sending one) but change nothing in an open session.
 */
#include "proto_internal.h"

#include <string.h>

#include "nmod/crypto.h"

int nm_cli_init(nm_cli_t *c, uint8_t role, const uint8_t key_id[8], const uint8_t secret[32],
                const uint8_t rand16[16]) {
  memset(c, 0, sizeof *c);
  if (role != NM_ROLE_PATIENT && role != NM_ROLE_CLINICIAN) {
    c->st = NM_CST_CLOSED;
    return NM_EINVAL;
  }
  c->st = NM_CST_INIT;
  c->role = role;
  memcpy(c->key_id, key_id, NM_KEY_ID_LEN);
  memcpy(c->secret, secret, NM_SECRET_LEN);
  c->hello[0] = role;
  memcpy(c->hello + 1, key_id, NM_KEY_ID_LEN);
  memcpy(c->hello + 1 + NM_KEY_ID_LEN, rand16, NM_NONCE_LEN);
  return NM_OK;
}

void nm_cli_close(nm_cli_t *c) {
  nm_wipe(c->secret, sizeof c->secret);
  nm_wipe(c->mac_d, sizeof c->mac_d);
  nm_wipe(c->k_c2d, sizeof c->k_c2d);
  nm_wipe(c->k_d2c, sizeof c->k_d2c);
  c->outstanding = 0;
  c->st = NM_CST_CLOSED;
}

static int fail(nm_cli_t *c, int err) {
  nm_cli_close(c);
  return err;
}

/* The code of an ERROR frame (recorded in c), or NM_EINVAL when it is malformed. */
static int peer_error(nm_cli_t *c, const nm_frame_t *f) {
  int code = 0;
  uint32_t ms = 0;
  if (nm_frame_error(f, &code, &ms) != NM_OK) return NM_EINVAL;
  c->peer_err = code;
  c->retry_after_ms = ms;
  return code;
}

int nm_cli_hello(nm_cli_t *c, uint8_t *out, size_t cap, size_t *out_len) {
  if (c->st != NM_CST_INIT) return NM_ESTATE;
  int err = nmp_put_frame(NM_FT_HELLO, c->hello, NM_HELLO_BODY, out, cap, out_len);
  if (err) return err;
  c->st = NM_CST_HELLO;
  return NM_OK;
}

int nm_cli_on_challenge(nm_cli_t *c, const uint8_t *frame, size_t len,
                        const uint8_t expect_serial[16], uint8_t *out, size_t cap,
                        size_t *out_len) {
  if (c->st != NM_CST_HELLO) return NM_ESTATE;
  if (cap < NM_FRAME_HDR + NM_AUTH_BODY) return NM_ENOSPC;
  c->peer_err = 0;
  nm_frame_t f;
  if (nm_frame_parse(frame, len, &f) != NM_OK) return fail(c, NM_EINVAL);
  if (f.type == NM_FT_ERROR) return fail(c, peer_error(c, &f));
  if (f.type != NM_FT_CHALLENGE) return fail(c, NM_EINVAL);
  const uint8_t *chal = f.body;
  if (expect_serial && !nm_ct_equal(chal, expect_serial, NM_SERIAL_LEN)) {
    return fail(c, NM_EAUTH);
  }
  memcpy(c->serial, chal, NM_SERIAL_LEN);
  nmp_keys_t k;
  uint8_t mac_c[NM_MAC_LEN];
  nmp_derive(c->secret, c->hello, chal, &k);
  nmp_mac(k.k_auth, NMP_LABEL_CLIENT, c->hello, chal, mac_c);
  nmp_mac(k.k_auth, NMP_LABEL_DEVICE, c->hello, chal, c->mac_d);
  memcpy(c->k_c2d, k.k_c2d, sizeof c->k_c2d);
  memcpy(c->k_d2c, k.k_d2c, sizeof c->k_d2c);
  nm_wipe(&k, sizeof k);
  nm_wipe(c->secret, sizeof c->secret);
  int err = nmp_put_frame(NM_FT_AUTH, mac_c, sizeof mac_c, out, cap, out_len);
  nm_wipe(mac_c, sizeof mac_c);
  if (err) return fail(c, err);
  c->st = NM_CST_AUTH;
  return NM_OK;
}

int nm_cli_on_auth_ok(nm_cli_t *c, const uint8_t *frame, size_t len) {
  if (c->st != NM_CST_AUTH) return NM_ESTATE;
  c->peer_err = 0;
  nm_frame_t f;
  if (nm_frame_parse(frame, len, &f) != NM_OK) return fail(c, NM_EINVAL);
  if (f.type == NM_FT_ERROR) return fail(c, peer_error(c, &f));
  if (f.type != NM_FT_AUTH_OK) return fail(c, NM_EINVAL);
  if (!nm_ct_equal(f.body, c->mac_d, NM_MAC_LEN)) return fail(c, NM_EAUTH);
  nm_wipe(c->mac_d, sizeof c->mac_d);
  c->tx_ctr = 0;
  c->rx_ctr = 0;
  c->outstanding = 0;
  c->st = NM_CST_OPEN;
  return NM_OK;
}

int nm_cli_seal(nm_cli_t *c, const uint8_t *req, size_t len, uint8_t *out, size_t cap,
                size_t *out_len) {
  if (c->st != NM_CST_OPEN) return NM_ESTATE;
  if (c->tx_ctr == UINT32_MAX) return NM_ENOSPC; /* counters used up: a new session */
  uint32_t ctr = c->tx_ctr + 1u;
  int err = nmp_seal(c->k_c2d, "c2d", ctr, req, len, out, cap, out_len);
  if (err) return err;
  c->tx_ctr = ctr;
  c->outstanding = ctr;
  return NM_OK;
}

int nm_cli_open(nm_cli_t *c, const uint8_t *frame, size_t len, uint8_t *resp, size_t cap,
                size_t *resp_len) {
  if (c->st != NM_CST_OPEN) return NM_ESTATE;
  c->peer_err = 0;
  nm_frame_t f;
  if (nm_frame_parse(frame, len, &f) != NM_OK) return NM_EINVAL;
  if (f.type == NM_FT_ERROR) return peer_error(c, &f);
  if (f.type != NM_FT_DATA) return NM_EINVAL;
  if (c->outstanding == 0) return NM_ESTATE;
  /* The response carries its request's counter: anything else is a replay, a reordered
   * or a late frame. outstanding > rx_ctr always, so this also enforces "increasing". */
  uint32_t ctr = nmp_data_ctr(&f);
  if (ctr != c->outstanding || ctr <= c->rx_ctr) return NM_EAUTH;
  size_t n = 0;
  int err = nmp_open(c->k_d2c, "d2c", &f, resp, cap, &n);
  if (err) return err;
  c->rx_ctr = ctr;
  c->outstanding = 0;
  *resp_len = n;
  return NM_OK;
}
