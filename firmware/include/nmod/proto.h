/* nmod/proto.h: the secure telemetry protocol (docs/PROTOCOL.md), written once in portable
 * firmware C and used by both ends: the implant (device side: nm_pdev_, nm_sess_) and the
 * host tools (client side: nm_cli_). Frames (nm_frame_) are shared.
 *
 * Frame:  len u16 LE (bytes after this field) | version u8 (1) | type u8 | body.
 *         A whole frame is at most NM_FRAME_MAX bytes; every type has a fixed size or a
 *         size range, and a header outside it is refused before the body is read.
 * Session: HELLO (client: role, key id, client nonce) -> CHALLENGE (device: serial, device
 *         nonce) -> AUTH (client MAC) -> AUTH_OK (device MAC, checked by the client), then
 *         DATA frames sealed with ChaCha20-Poly1305 under keys from HKDF-SHA256, with a
 *         32-bit counter per direction that must strictly increase.
 *
 * Contracts:
 * - The caller owns every struct and buffer; nothing here allocates or keeps a pointer to
 *   a frame after the call returns. Frame buffers (up to NM_FRAME_MAX bytes) belong to the
 *   caller, never to nm_sess_t or nm_cli_t, so a session costs under 200 bytes of RAM.
 * - Input and output buffers of one call must not overlap.
 * - Errors are nm_err values. A frame from the link is external input: any byte string is
 *   refused with an error, never trusted, never read past its length.
 * - Secrets (credential, session keys, expected MACs) are wiped with nm_wipe as soon as
 *   they are no longer needed and when a session or client closes.
 */
#ifndef NMOD_PROTO_H
#define NMOD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/err.h"
#include "nmod/port.h"
#include "nmod/role.h"

/* ---- constants (the wire format; changing one is a new protocol version) ---------- */

#define NM_PROTO_VERSION 1u
#define NM_FRAME_MAX 1280u /* largest whole frame, bytes, length field included */
#define NM_FRAME_HDR 4u    /* len u16 | version u8 | type u8 */

enum {
  NM_FT_HELLO = 1,     /* client -> device, plaintext */
  NM_FT_CHALLENGE = 2, /* device -> client, plaintext */
  NM_FT_AUTH = 3,      /* client -> device, plaintext MAC */
  NM_FT_AUTH_OK = 4,   /* device -> client, plaintext MAC */
  NM_FT_DATA = 5,      /* either way, sealed */
  NM_FT_ERROR = 6      /* device -> client, plaintext, unauthenticated hint */
};

#define NM_KEY_ID_LEN 8u
#define NM_SECRET_LEN 32u
#define NM_NONCE_LEN 16u
#define NM_SERIAL_LEN 16u
#define NM_MAC_LEN 32u
#define NM_TAG_LEN 16u

/* Body sizes. */
#define NM_HELLO_BODY (1u + NM_KEY_ID_LEN + NM_NONCE_LEN)   /* 25: role, key id, nonce */
#define NM_CHALLENGE_BODY (NM_SERIAL_LEN + NM_NONCE_LEN)    /* 32: serial, nonce */
#define NM_AUTH_BODY NM_MAC_LEN                             /* 32 */
#define NM_AUTH_OK_BODY NM_MAC_LEN                          /* 32 */
#define NM_ERROR_BODY 5u                                    /* code i8, retry_after_ms u32 */
#define NM_DATA_PT_MAX 1024u /* plaintext bytes: a whole command request or response (NM_CMD_MAX) */
#define NM_DATA_OVERHEAD (NM_FRAME_HDR + 4u + NM_TAG_LEN)   /* 24: header, counter, tag */
#define NM_DATA_FRAME_MAX (NM_DATA_OVERHEAD + NM_DATA_PT_MAX) /* 1048 */
/* Smallest out_cap nm_sess_rx needs (CHALLENGE and AUTH_OK frames, 36 bytes). */
#define NM_SESS_OUT_MIN (NM_FRAME_HDR + NM_CHALLENGE_BODY)

/* Timing policy (device side). */
#define NM_PROTO_BACKOFF_BASE_MS 100u     /* first failed authentication */
#define NM_PROTO_BACKOFF_MAX_MS 10000u    /* doubling stops here */
#define NM_PROTO_HANDSHAKE_US 5000000u    /* a handshake must finish within 5 s */
#define NM_PROTO_IDLE_US 30000000u        /* an authenticated session idle this long closes */
#define NM_PROTO_MAX_REJECTS 8u           /* consecutive rejected frames close a session */
#define NM_PROTO_BUSY_RETRY_MS 1000u      /* retry-after hint sent with NM_EBUSY */

/* ---- frames --------------------------------------------------------------------- */

typedef struct {
  uint8_t version;     /* NM_PROTO_VERSION */
  uint8_t type;        /* NM_FT_* */
  const uint8_t *body; /* points into the caller's buffer */
  size_t body_len;
} nm_frame_t;

/* Stream reassembly. buf holds the first `have` bytes received of the next frame.
 * NM_OK: *need is the number of bytes the frame takes in total (NM_FRAME_HDR while fewer
 * than 4 bytes are known); read until have >= *need, then buf[0..*need) is one frame.
 * NM_EINVAL: the header is refused (length above the cap or outside its type's range,
 * unknown version or type). The stream cannot be resynchronised: close the connection
 * (a device first passes the bytes it has to nm_sess_rx, which counts the rejection and
 * writes an ERROR frame). */
/*@ requires \valid_read(buf + (0 .. have - 1)) && \valid(need);
    assigns *need;
    ensures \result == NM_OK || \result == NM_EINVAL;
    ensures frame_capped: \result == NM_OK ==> NM_FRAME_HDR <= *need <= NM_FRAME_MAX; */
int nm_frame_need(const uint8_t *buf, size_t have, size_t *need);

/* Exactly one whole frame: the header checks of nm_frame_need, and len must be exactly
 * the frame's size. NM_OK fills *f (body points into buf); NM_EINVAL otherwise. */
/*@ requires buf == \null || \valid_read(buf + (0 .. len - 1));
    requires \valid(f);
    assigns *f;
    ensures \result == NM_OK || \result == NM_EINVAL;
    ensures body_inside: \result == NM_OK ==> len <= NM_FRAME_MAX && f->body == buf + NM_FRAME_HDR &&
      f->body_len == len - NM_FRAME_HDR && \valid_read(f->body + (0 .. f->body_len - 1)); */
int nm_frame_parse(const uint8_t *buf, size_t len, nm_frame_t *f);

/* The nm_err code and retry-after hint (ms, 0 = none) of an ERROR frame. NM_EINVAL when f
 * is not a well-formed ERROR frame (wrong type, or a code that is not a negative nm_err). */
/*@ requires \valid_read(f) && \valid_read(f->body + (0 .. f->body_len - 1));
    requires \valid(code) && \valid(retry_after_ms);
    assigns *code, *retry_after_ms;
    ensures \result == NM_OK || \result == NM_EINVAL;
    ensures \result == NM_OK ==> *code < 0; */
int nm_frame_error(const nm_frame_t *f, int *code, uint32_t *retry_after_ms);

/* ---- device side ---------------------------------------------------------------- */

/* Key look-up, owned by the device layer (clinician key from provisioning, remote keys
 * from pairing): fills the key's role (NM_ROLE_*) and 32-byte secret. NM_ENOENT for an
 * unknown or revoked id. */
typedef int (*nm_key_lookup_fn)(void *ctx, const uint8_t key_id[8], uint8_t *role_out,
                                uint8_t key_out[32]);

typedef struct {
  uint32_t auth_ok;     /* successful authentications */
  uint32_t auth_fail;   /* failed authentications (wrong MAC, unknown key, wrong role) */
  uint32_t rejected;    /* frames rejected by a session (each one an event-log entry) */
  uint32_t busy;        /* handshakes refused because a controller session was open */
  uint32_t preempted;   /* patient sessions closed for an authenticated clinician */
  uint32_t closed_rejects; /* sessions closed after NM_PROTO_MAX_REJECTS rejections */
} nm_proto_stats_t;

struct nm_sess;

/* What all sessions of one device share. */
typedef struct {
  const nm_port_t *port;       /* rng for device nonces; kept by pointer */
  uint8_t serial[NM_SERIAL_LEN];
  nm_key_lookup_fn lookup;
  void *lookup_ctx;
  struct nm_sess *controller;  /* the authenticated session, NULL when none (a clinician's
                                  authentication closes a patient's: nm_sess_rx) */
  uint32_t fails;              /* consecutive failed authentications (back-off) */
  nm_proto_stats_t stats;
} nm_proto_dev_t;

/* Session states. */
enum {
  NM_SST_HELLO = 0,  /* waiting for HELLO */
  NM_SST_AUTH = 1,   /* CHALLENGE sent, waiting for AUTH */
  NM_SST_OPEN = 2,   /* authenticated: DATA only */
  NM_SST_TARPIT = 3, /* authentication failed: silent until close_at_us, then close */
  NM_SST_CLOSED = 4  /* over: close the connection */
};

/* One per connection. start_us, last_us and close_at_us are for the caller's timers
 * (see nm_sess_deadline_us). */
typedef struct nm_sess {
  nm_proto_dev_t *dev;
  uint8_t st;          /* NM_SST_* */
  uint8_t role;        /* the authenticated role (NM_ROLE_NONE until NM_SST_OPEN) */
  uint8_t claim;       /* role claimed in HELLO */
  uint8_t doomed;      /* HELLO named an unknown key or the wrong role: AUTH will fail */
  uint8_t rejects;     /* consecutive rejected frames */
  uint8_t pending;     /* 1: a request was accepted and awaits nm_sess_seal */
  uint32_t rx_ctr;     /* last accepted client->device counter */
  uint32_t req_ctr;    /* counter of the pending request (its response carries it) */
  uint64_t start_us;   /* session start (handshake deadline) */
  uint64_t last_us;    /* last authenticated activity */
  uint64_t close_at_us; /* NM_SST_TARPIT: close the connection at this time */
  uint8_t key_id[NM_KEY_ID_LEN];
  uint8_t k_c2d[32];   /* session keys, wiped on close */
  uint8_t k_d2c[32];
  uint8_t mac_c[NM_MAC_LEN]; /* expected AUTH, wiped after AUTH */
  uint8_t mac_d[NM_MAC_LEN]; /* AUTH_OK to send, wiped after AUTH */
} nm_sess_t;

/* nm_sess_rx outcomes (a negative value is a rejected frame, see below). */
enum {
  NM_SESS_IGNORED = 0, /* the session is not reading (tarpit, closed): nothing done */
  NM_SESS_REPLY = 1,   /* send out[0..*out_len) */
  NM_SESS_REQUEST = 2, /* req[0..*req_len) is an authenticated request for s->role */
  NM_SESS_CLOSE = 3,   /* send out[] when *out_len > 0, then close the connection */
  NM_SESS_TARPIT = 4   /* authentication failed: send nothing, close at s->close_at_us */
};

/* Set up the shared device state. port must provide rng; serial is copied. */
void nm_pdev_init(nm_proto_dev_t *d, const nm_port_t *port, const uint8_t serial[16],
                  nm_key_lookup_fn lookup, void *lookup_ctx);
/* The silence (ms) a failed authentication now earns: NM_PROTO_BACKOFF_BASE_MS doubled per
 * earlier consecutive failure, at most NM_PROTO_BACKOFF_MAX_MS. n is the failure count
 * including this one (n >= 1). */
uint32_t nm_proto_backoff_ms(uint32_t n);

/* A new connection. now_us is the port's clock. */
void nm_sess_init(nm_sess_t *s, nm_proto_dev_t *d, uint64_t now_us);

/* One received frame (frame[0..len) exactly, as delimited by nm_frame_need).
 * req_cap must be >= NM_DATA_PT_MAX and out_cap >= NM_SESS_OUT_MIN (else NM_ENOSPC, nothing
 * done). Returns:
 * - NM_SESS_REPLY: send out[].
 * - NM_SESS_REQUEST: execute req[] for s->role (nm_cmd_exec or the device layer), then
 *   seal the response with nm_sess_seal and send it. Only one response per request.
 * - NM_SESS_CLOSE: send out[] if *out_len > 0 (an ERROR frame: busy, or the device
 *   failed), then close the connection. Not a rejected frame.
 * - NM_SESS_TARPIT: a failed authentication. Read nothing more, send nothing, and close
 *   the connection at s->close_at_us (the back-off); log it as an authentication failure.
 * - NM_SESS_IGNORED: the session is in NM_SST_TARPIT or NM_SST_CLOSED and reads nothing
 *   more; nothing done, nothing counted, nothing to send.
 * - negative nm_err: the frame was REJECTED and counted in dev->stats.rejected (log each
 *   one): NM_EAUTH (bad tag, replayed or reordered counter), NM_EINVAL (malformed frame),
 *   NM_ESTATE (type not allowed in this state). Nothing but the rejection counters
 *   changed. Send out[] when *out_len > 0 (an ERROR frame), then, when nm_sess_alive(s)
 *   is 0, close the connection (a header nm_frame_need refuses, any error in the
 *   handshake and the NM_PROTO_MAX_REJECTS'th rejection in a row close it).
 *   The one exception: NM_ENOSPC when req_cap or out_cap is too small (a caller bug; the
 *   frame was not looked at and is not counted). */
int nm_sess_rx(nm_sess_t *s, const uint8_t *frame, size_t len, uint64_t now_us, uint8_t *req,
               size_t req_cap, size_t *req_len, uint8_t *out, size_t out_cap, size_t *out_len);

/* Seal the response (1..NM_DATA_PT_MAX bytes) to the pending request into a DATA frame
 * (NM_DATA_OVERHEAD + len bytes). Its counter is the request's counter, which binds the
 * response to the request. NM_ESTATE when the session is not open or no request is
 * pending (a second response would reuse a nonce), NM_EINVAL for a bad length, NM_ENOSPC
 * when cap is too small; nothing written then. */
int nm_sess_seal(nm_sess_t *s, const uint8_t *resp, size_t len, uint8_t *out, size_t cap,
                 size_t *out_len);

/* 1 while the connection should stay open (NM_SST_HELLO, _AUTH, _OPEN). */
int nm_sess_alive(const nm_sess_t *s);

/* When the caller must close this session if nothing else happens: start + 5 s during
 * the handshake, last activity + 30 s when open, close_at_us in the tarpit, 0 (now) when
 * closed. Close it (nm_sess_close, then the connection) once now_us >= the deadline. */
uint64_t nm_sess_deadline_us(const nm_sess_t *s);

/* End the session: release the controller slot if this session holds it and wipe every
 * key and MAC. Idempotent. */
void nm_sess_close(nm_sess_t *s);

/* ---- client side ---------------------------------------------------------------- */

enum {
  NM_CST_INIT = 0,     /* nm_cli_hello next */
  NM_CST_HELLO = 1,    /* HELLO sent, waiting for CHALLENGE */
  NM_CST_AUTH = 2,     /* AUTH sent, waiting for AUTH_OK */
  NM_CST_OPEN = 3,     /* mutual authentication done */
  NM_CST_CLOSED = 4
};

typedef struct {
  uint8_t st;          /* NM_CST_* */
  uint8_t role;
  uint8_t key_id[NM_KEY_ID_LEN];
  uint8_t secret[NM_SECRET_LEN]; /* wiped once the session keys are derived */
  uint8_t hello[NM_HELLO_BODY];  /* the HELLO body (first half of the transcript) */
  uint8_t serial[NM_SERIAL_LEN]; /* the device's serial, from CHALLENGE */
  uint8_t mac_d[NM_MAC_LEN];     /* the AUTH_OK expected, wiped after it */
  uint8_t k_c2d[32];
  uint8_t k_d2c[32];
  uint32_t tx_ctr;      /* last counter sealed */
  uint32_t rx_ctr;      /* last counter accepted */
  uint32_t outstanding; /* counter of the request awaiting its response, 0 = none */
  int peer_err;         /* code of the last ERROR frame received (0 = none) */
  uint32_t retry_after_ms; /* its retry-after hint */
} nm_cli_t;

/* role NM_ROLE_PATIENT or NM_ROLE_CLINICIAN (else NM_EINVAL); rand16: 16 fresh random
 * bytes from the caller (the client nonce). The secret is copied. */
int nm_cli_init(nm_cli_t *c, uint8_t role, const uint8_t key_id[8], const uint8_t secret[32],
                const uint8_t rand16[16]);

/* Write the HELLO frame (NM_FRAME_HDR + NM_HELLO_BODY bytes). NM_ESTATE when already
 * sent, NM_ENOSPC when cap is too small. */
int nm_cli_hello(nm_cli_t *c, uint8_t *out, size_t cap, size_t *out_len);

/* Consume the device's answer to HELLO; on NM_OK out[] holds the AUTH frame to send.
 * expect_serial: the device this client means to reach, or NULL for any (the serial is
 * then in c->serial). NM_ESTATE (called out of order) and NM_ENOSPC (cap below 36 bytes)
 * change nothing; every other error closes the client (nm_cli_close done): NM_EAUTH for
 * another serial, NM_EINVAL for a malformed frame or another type, or the device's own
 * code when the frame is an ERROR frame (c->peer_err, c->retry_after_ms; unauthenticated,
 * so only a hint). */
int nm_cli_on_challenge(nm_cli_t *c, const uint8_t *frame, size_t len,
                        const uint8_t expect_serial[16], uint8_t *out, size_t cap,
                        size_t *out_len);

/* Consume AUTH_OK: NM_OK when the device proved it holds the same credential (mutual
 * authentication). NM_ESTATE (out of order) changes nothing; otherwise the client closes:
 * NM_EAUTH (a device without the key), NM_EINVAL, or an ERROR frame's code as above. */
int nm_cli_on_auth_ok(nm_cli_t *c, const uint8_t *frame, size_t len);

/* Seal a request (1..NM_DATA_PT_MAX bytes) into a DATA frame (NM_DATA_OVERHEAD + len bytes)
 * with the next counter; it becomes the outstanding request (a request that never got its
 * response is abandoned: its late response will be refused). NM_ESTATE when not open,
 * NM_EINVAL for a bad length, NM_ENOSPC when cap is too small or the 2^32 - 1 counters
 * are used up (start a new session). */
int nm_cli_seal(nm_cli_t *c, const uint8_t *req, size_t len, uint8_t *out, size_t cap,
                size_t *out_len);

/* Open the response to the outstanding request. NM_OK: resp[0..*resp_len) holds it.
 * Otherwise nothing changed: NM_EAUTH (bad tag, or a counter that is not the outstanding
 * request's: replayed, reordered or late), NM_EINVAL (malformed), NM_ESTATE (not open or
 * nothing outstanding), NM_ENOSPC (cap too small), or the code of an ERROR frame (the
 * device rejected the request; unauthenticated, see c->peer_err). */
int nm_cli_open(nm_cli_t *c, const uint8_t *frame, size_t len, uint8_t *resp, size_t cap,
                size_t *resp_len);

/* Wipe everything secret; the client is closed. Idempotent. */
void nm_cli_close(nm_cli_t *c);

#endif
