/* sess.c: the device side of the protocol (nmod/proto.h, docs/PROTOCOL.md "Handshake",
 * "Sessions", "Errors").
 *
 * One nm_sess_t per connection, all sharing one nm_proto_dev_t. Every path that refuses a
 * frame goes through reject(): it counts the frame, writes an ERROR reply and changes
 * nothing else, so a frame from a third party can cost the device a counter increment
 * and, at worst, the connection it arrived on, never its settings or its key material.
 */
#include "proto_internal.h"

#include <string.h>

#include "nmod/crypto.h"

void nm_pdev_init(nm_proto_dev_t *d, const nm_port_t *port, const uint8_t serial[16],
                  nm_key_lookup_fn lookup, void *lookup_ctx) {
  memset(d, 0, sizeof *d);
  d->port = port;
  memcpy(d->serial, serial, NM_SERIAL_LEN);
  d->lookup = lookup;
  d->lookup_ctx = lookup_ctx;
  d->controller = NULL;
}

uint32_t nm_proto_backoff_ms(uint32_t n) {
  uint32_t ms = NM_PROTO_BACKOFF_BASE_MS;
  for (uint32_t i = 1; i < n && ms < NM_PROTO_BACKOFF_MAX_MS; i++) ms *= 2u;
  return ms < NM_PROTO_BACKOFF_MAX_MS ? ms : NM_PROTO_BACKOFF_MAX_MS;
}

void nm_sess_init(nm_sess_t *s, nm_proto_dev_t *d, uint64_t now_us) {
  memset(s, 0, sizeof *s);
  s->dev = d;
  s->st = NM_SST_HELLO;
  s->role = NM_ROLE_NONE;
  s->start_us = now_us;
  s->last_us = now_us;
}

static void wipe_secrets(nm_sess_t *s) {
  nm_wipe(s->k_c2d, sizeof s->k_c2d);
  nm_wipe(s->k_d2c, sizeof s->k_d2c);
  nm_wipe(s->mac_c, sizeof s->mac_c);
  nm_wipe(s->mac_d, sizeof s->mac_d);
}

void nm_sess_close(nm_sess_t *s) {
  if (s->dev && s->dev->controller == s) s->dev->controller = NULL;
  wipe_secrets(s);
  s->st = NM_SST_CLOSED;
  s->role = NM_ROLE_NONE;
  s->pending = 0;
}

int nm_sess_alive(const nm_sess_t *s) { return s->st <= NM_SST_OPEN; }

uint64_t nm_sess_deadline_us(const nm_sess_t *s) {
  switch (s->st) {
    case NM_SST_HELLO:
    case NM_SST_AUTH: return s->start_us + NM_PROTO_HANDSHAKE_US;
    case NM_SST_OPEN: return s->last_us + NM_PROTO_IDLE_US;
    case NM_SST_TARPIT: return s->close_at_us;
    default: return 0;
  }
}

/* A rejected frame: counted, answered with ERROR(code), nothing else changes. The session
 * closes when `fatal` (framing or handshake errors) or after too many in a row. */
static int reject(nm_sess_t *s, int code, int fatal, uint8_t *out, size_t cap, size_t *out_len) {
  nm_proto_dev_t *d = s->dev;
  d->stats.rejected++;
  if (s->rejects < UINT8_MAX) s->rejects++;
  (void)nmp_put_error(code, 0, out, cap, out_len); /* cap >= NM_SESS_OUT_MIN: fits */
  if (fatal) {
    nm_sess_close(s);
  } else if (s->rejects >= NM_PROTO_MAX_REJECTS) {
    d->stats.closed_rejects++;
    nm_sess_close(s);
  }
  return code;
}

/* Refuse the connection without counting a rejected frame (busy, device failure). */
static int refuse(nm_sess_t *s, int code, uint32_t retry_ms, uint8_t *out, size_t cap,
                  size_t *out_len) {
  (void)nmp_put_error(code, retry_ms, out, cap, out_len);
  nm_sess_close(s);
  return NM_SESS_CLOSE;
}

static int on_hello(nm_sess_t *s, const nm_frame_t *f, uint64_t now_us, uint8_t *out, size_t cap,
                    size_t *out_len) {
  nm_proto_dev_t *d = s->dev;
  const uint8_t *hello = f->body;
  uint8_t claim = hello[0];
  if (claim != NM_ROLE_PATIENT && claim != NM_ROLE_CLINICIAN) {
    return reject(s, NM_EINVAL, 1, out, cap, out_len);
  }
  /* One controller at a time. Only a clinician can take the slot from a patient, and only
   * once authenticated (on_auth): the role claimed here proves nothing, so it can only
   * narrow what may happen (a claimed patient, or any claim against a clinician, is busy
   * now), never preempt anything. */
  if (d->controller && (claim == NM_ROLE_PATIENT || d->controller->role != NM_ROLE_PATIENT)) {
    d->stats.busy++;
    return refuse(s, NM_EBUSY, NM_PROTO_BUSY_RETRY_MS, out, cap, out_len);
  }
  /* Device nonce, and a random stand-in secret drawn every time, used when the key is
   * unknown, revoked or of another role: the handshake then runs to the end with a key
   * nobody holds and fails at AUTH like a wrong MAC, so HELLO says nothing about which
   * key ids exist and every guess earns the same back-off. */
  uint8_t chal[NM_CHALLENGE_BODY];
  uint8_t dummy[NM_SECRET_LEN];
  uint8_t secret[NM_SECRET_LEN];
  memcpy(chal, d->serial, NM_SERIAL_LEN);
  if (d->port->rng(d->port->ctx, chal + NM_SERIAL_LEN, NM_NONCE_LEN) != NM_OK ||
      d->port->rng(d->port->ctx, dummy, sizeof dummy) != NM_OK) {
    nm_wipe(dummy, sizeof dummy);
    return refuse(s, NM_EIO, 0, out, cap, out_len); /* never a session on a bad nonce */
  }
  uint8_t key_role = NM_ROLE_NONE;
  memset(secret, 0, sizeof secret);
  int found = d->lookup(d->lookup_ctx, hello + 1, &key_role, secret);
  s->doomed = (uint8_t)(found != NM_OK || key_role != claim);
  if (s->doomed) memcpy(secret, dummy, sizeof secret);

  nmp_keys_t k;
  nmp_derive(secret, hello, chal, &k);
  nmp_mac(k.k_auth, NMP_LABEL_CLIENT, hello, chal, s->mac_c);
  nmp_mac(k.k_auth, NMP_LABEL_DEVICE, hello, chal, s->mac_d);
  memcpy(s->k_c2d, k.k_c2d, sizeof s->k_c2d);
  memcpy(s->k_d2c, k.k_d2c, sizeof s->k_d2c);
  nm_wipe(&k, sizeof k);
  nm_wipe(secret, sizeof secret);
  nm_wipe(dummy, sizeof dummy);

  s->claim = claim;
  memcpy(s->key_id, hello + 1, NM_KEY_ID_LEN);
  (void)nmp_put_frame(NM_FT_CHALLENGE, chal, sizeof chal, out, cap, out_len);
  s->st = NM_SST_AUTH;
  s->last_us = now_us;
  return NM_SESS_REPLY;
}

static int on_auth(nm_sess_t *s, const nm_frame_t *f, uint64_t now_us, uint8_t *out, size_t cap,
                   size_t *out_len) {
  nm_proto_dev_t *d = s->dev;
  int ok = nm_ct_equal(f->body, s->mac_c, NM_MAC_LEN) & (s->doomed == 0);
  if (!ok) {
    /* Tarpit: this connection gets nothing for the back-off time, then closes. Only a
     * failing connection waits; a correct AUTH is never delayed by earlier failures. */
    if (d->fails < UINT32_MAX) d->fails++;
    d->stats.auth_fail++;
    wipe_secrets(s);
    s->st = NM_SST_TARPIT;
    s->close_at_us = now_us + (uint64_t)nm_proto_backoff_ms(d->fails) * 1000u;
    return NM_SESS_TARPIT;
  }
  if (d->controller) {
    /* An authenticated clinician preempts a patient's session (the patient's connection
     * closes: its deadline is now); anything else waits its turn. */
    if (s->claim != NM_ROLE_CLINICIAN || d->controller->role != NM_ROLE_PATIENT) {
      d->stats.busy++;
      return refuse(s, NM_EBUSY, NM_PROTO_BUSY_RETRY_MS, out, cap, out_len);
    }
    nm_sess_close(d->controller);
    d->stats.preempted++;
  }
  d->controller = s;
  d->fails = 0;
  d->stats.auth_ok++;
  (void)nmp_put_frame(NM_FT_AUTH_OK, s->mac_d, NM_MAC_LEN, out, cap, out_len);
  nm_wipe(s->mac_c, sizeof s->mac_c);
  nm_wipe(s->mac_d, sizeof s->mac_d);
  s->role = s->claim;
  s->st = NM_SST_OPEN;
  s->rx_ctr = 0;
  s->rejects = 0;
  s->last_us = now_us;
  return NM_SESS_REPLY;
}

static int on_data(nm_sess_t *s, const nm_frame_t *f, uint64_t now_us, uint8_t *req,
                   size_t req_cap, size_t *req_len, uint8_t *out, size_t cap, size_t *out_len) {
  uint32_t ctr = nmp_data_ctr(f);
  /* Only a counter above the last accepted one: replays and reordering are refused
   * before any decryption. */
  if (ctr <= s->rx_ctr) return reject(s, NM_EAUTH, 0, out, cap, out_len);
  size_t n = 0;
  int err = nmp_open(s->k_c2d, "c2d", f, req, req_cap, &n);
  if (err) return reject(s, err == NM_ENOSPC ? NM_ENOSPC : NM_EAUTH, 0, out, cap, out_len);
  s->rx_ctr = ctr;
  s->req_ctr = ctr;
  s->pending = 1;
  s->rejects = 0;
  s->last_us = now_us;
  *req_len = n;
  return NM_SESS_REQUEST;
}

int nm_sess_rx(nm_sess_t *s, const uint8_t *frame, size_t len, uint64_t now_us, uint8_t *req,
               size_t req_cap, size_t *req_len, uint8_t *out, size_t out_cap, size_t *out_len) {
  *req_len = 0;
  *out_len = 0;
  if (req_cap < NM_DATA_PT_MAX || out_cap < NM_SESS_OUT_MIN) return NM_ENOSPC;
  if (!nm_sess_alive(s)) return NM_SESS_IGNORED;
  nm_frame_t f;
  if (nm_frame_parse(frame, len, &f) != NM_OK) {
    /* A header nm_frame_need refuses means a byte stream out of step: close. A frame of
     * another size than its header says (possible only where the transport delimits
     * frames, as radio packets do) is rejected like any bad frame; during the handshake
     * every bad frame closes. */
    size_t total = 0;
    int lost = len >= NM_FRAME_HDR && nm_frame_need(frame, len, &total) != NM_OK;
    return reject(s, NM_EINVAL, lost || s->st != NM_SST_OPEN, out, out_cap, out_len);
  }
  switch (s->st) {
    case NM_SST_HELLO:
      if (f.type != NM_FT_HELLO) return reject(s, NM_ESTATE, 1, out, out_cap, out_len);
      return on_hello(s, &f, now_us, out, out_cap, out_len);
    case NM_SST_AUTH:
      if (f.type != NM_FT_AUTH) return reject(s, NM_ESTATE, 1, out, out_cap, out_len);
      return on_auth(s, &f, now_us, out, out_cap, out_len);
    default:
      if (f.type != NM_FT_DATA) return reject(s, NM_ESTATE, 0, out, out_cap, out_len);
      return on_data(s, &f, now_us, req, req_cap, req_len, out, out_cap, out_len);
  }
}

int nm_sess_seal(nm_sess_t *s, const uint8_t *resp, size_t len, uint8_t *out, size_t cap,
                 size_t *out_len) {
  if (s->st != NM_SST_OPEN || !s->pending) return NM_ESTATE;
  int err = nmp_seal(s->k_d2c, "d2c", s->req_ctr, resp, len, out, cap, out_len);
  if (err) return err;
  s->pending = 0; /* one response per request: a (key, nonce) pair seals one message */
  return NM_OK;
}
