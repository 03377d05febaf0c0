/* eva_sess.c: EVA's entry point for the radio protocol (formal/frama/parts.txt, row
 * eva-sess): proto (sessions, frames, keys) and crypto (SHA-256, HMAC, HKDF, ChaCha20,
 * Poly1305, the AEAD) from nm_sess_rx and nm_sess_seal. Any sequence of frames, each of any
 * bytes and any length up to NM_FRAME_MAX, at any time, into one session (closed and opened
 * again as the implant does), on the EVA stub port (any random bytes); the key lookup
 * knows a key or not, and gives any role and any secret. Not built into the firmware. */
#include "eva_any.h"
#include "eva_port.h"
#include "nmod/err.h"
#include "nmod/proto.h"

static int lookup(void *ctx, const uint8_t key_id[8], uint8_t *role, uint8_t key[32]) {
  (void)ctx, (void)key_id;
  if (Frama_C_nondet(0, 1)) return NM_ENOENT;
  *role = (uint8_t)Frama_C_interval(0, 255);
  Frama_C_make_unknown((char *)key, 32);
  return NM_OK;
}

static nm_proto_dev_t pdev;
static nm_sess_t sess;
static uint8_t rx[NM_FRAME_MAX], tx[NM_FRAME_MAX], req[NM_DATA_PT_MAX], resp[NM_DATA_PT_MAX];

int main(void) {
  uint8_t serial[NM_SERIAL_LEN];
  EVA_ANY(serial);
  nm_pdev_init(&pdev, eva_port(), serial, lookup, 0);
  int open = 0;
  while (Frama_C_nondet(0, 1)) {
    uint64_t now_us;
    EVA_ANY(now_us);
    EVA_ANY(rx);
    size_t n = (size_t)Frama_C_unsigned_int_interval(0, sizeof rx), req_len = 0, out_len = 0;
    if (!open) nm_sess_init(&sess, &pdev, now_us), open = 1;
    int rc = nm_sess_rx(&sess, rx, n, now_us, req, sizeof req, &req_len, tx, sizeof tx, &out_len);
    if (rc == NM_SESS_REQUEST) {
      EVA_ANY(resp);
      size_t rl = (size_t)Frama_C_unsigned_int_interval(0, sizeof resp);
      (void)nm_sess_seal(&sess, resp, rl, tx, sizeof tx, &out_len);
    }
    (void)nm_sess_deadline_us(&sess);
    if (!nm_sess_alive(&sess) || Frama_C_nondet(0, 1)) nm_sess_close(&sess), open = 0;
  }
  return 0;
}
