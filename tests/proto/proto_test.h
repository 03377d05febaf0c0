/* proto_test.h: a world for the protocol tests: a device (firmware core on simulated
 * hardware with a seeded RNG), its keyring, the shared protocol state, and helpers that
 * run a client against a device session in this process. Header-only; each test file
 * has one world (pw). */
#ifndef NMOD_PROTO_TEST_H
#define NMOD_PROTO_TEST_H

#include "testdev.h"
#include "nmod/cmd.h"
#include "nmod/crypto.h"
#include "nmod/proto.h"

/* ---- keyring -------------------------------------------------------------------- */

typedef struct {
  uint8_t id[8];
  uint8_t role;
  uint8_t secret[32];
  uint8_t revoked;
} pt_key_t;

enum { PT_CLIN = 0, PT_PAT = 1, PT_OLD = 2, PT_KEYS = 3 };

typedef struct {
  pt_key_t keys[PT_KEYS];
  uint32_t lookups;
} pt_ring_t;

static int pt_lookup(void *ctx, const uint8_t id[8], uint8_t *role, uint8_t key[32]) {
  pt_ring_t *r = ctx;
  r->lookups++;
  for (int i = 0; i < PT_KEYS; i++) {
    if (memcmp(r->keys[i].id, id, 8) == 0 && !r->keys[i].revoked) {
      *role = r->keys[i].role;
      memcpy(key, r->keys[i].secret, 32);
      return NM_OK;
    }
  }
  return NM_ENOENT;
}

/* ---- the world ------------------------------------------------------------------ */

typedef struct {
  tu_dev_t dev;
  pt_ring_t ring;
  nm_proto_dev_t pd;
  uint64_t now_us;
  uint64_t rnd; /* test-side random stream (client nonces, junk) */
  /* Last nm_sess_rx outputs. */
  uint8_t out[NM_FRAME_MAX];
  size_t out_len;
  uint8_t req[NM_CMD_MAX];
  size_t req_len;
} pt_world_t;

static pt_world_t pw;
static const uint8_t PT_SERIAL[16] = {'N', 'M', 'O', 'D', '-', 'T', 'E', 'S',
                                      'T', '-', '0', '0', '0', '0', '0', '1'};

static inline void pt_key(pt_key_t *k, const char *id, uint8_t role, uint8_t fill) {
  memcpy(k->id, id, 8);
  k->role = role;
  for (int i = 0; i < 32; i++) k->secret[i] = (uint8_t)(fill + i * 7);
  k->revoked = 0;
}

static inline void pt_setup(uint64_t seed) {
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  tu_dev_init(&pw.dev, NM_THERAPY_SNM, &lead, 800);
  sim_seed_rng(&pw.dev.hw, seed);
  pt_key(&pw.ring.keys[PT_CLIN], "clin-001", NM_ROLE_CLINICIAN, 0x11);
  pt_key(&pw.ring.keys[PT_PAT], "pat-0001", NM_ROLE_PATIENT, 0x55);
  pt_key(&pw.ring.keys[PT_OLD], "old-0001", NM_ROLE_CLINICIAN, 0x99);
  pw.ring.keys[PT_OLD].revoked = 1;
  pw.ring.lookups = 0;
  nm_pdev_init(&pw.pd, sim_port(&pw.dev.hw), PT_SERIAL, pt_lookup, &pw.ring);
  pw.now_us = 1000000;
  pw.rnd = seed ^ 0xA5A5A5A5u;
}

/* One frame into session s at pw.now_us; outputs in pw.out / pw.req. */
static inline int pt_rx(nm_sess_t *s, const uint8_t *frame, size_t len) {
  return nm_sess_rx(s, frame, len, pw.now_us, pw.req, sizeof pw.req, &pw.req_len, pw.out,
                    sizeof pw.out, &pw.out_len);
}

/* The ERROR frame in pw.out: its code (0 when pw.out holds no ERROR frame). */
static inline int pt_out_error(uint32_t *retry_ms) {
  nm_frame_t f;
  int code = 0;
  uint32_t ms = 0;
  if (pw.out_len == 0 || nm_frame_parse(pw.out, pw.out_len, &f) != NM_OK) return 0;
  if (nm_frame_error(&f, &code, &ms) != NM_OK) return 0;
  if (retry_ms) *retry_ms = ms;
  return code;
}

static inline void pt_cli(nm_cli_t *c, uint8_t claim, const uint8_t id[8], const uint8_t secret[32]) {
  uint8_t r16[16];
  for (int i = 0; i < 16; i++) r16[i] = (uint8_t)tu_rand(&pw.rnd);
  assert_int_equal(nm_cli_init(c, claim, id, secret, r16), NM_OK);
}

/* Handshake outcomes. */
enum { PT_OPEN = 0, PT_TARPIT = 1, PT_BUSY_HELLO = 2, PT_BUSY_AUTH = 3, PT_OTHER = 4 };

/* Run a whole handshake of client c (already initialised) with a new session s. */
static inline int pt_handshake(nm_sess_t *s, nm_cli_t *c) {
  uint8_t f[NM_FRAME_MAX];
  size_t n = 0;
  nm_sess_init(s, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(c, f, sizeof f, &n), NM_OK);
  int rc = pt_rx(s, f, n);
  if (rc == NM_SESS_CLOSE) {
    assert_int_equal(nm_cli_on_challenge(c, pw.out, pw.out_len, NULL, f, sizeof f, &n), NM_EBUSY);
    return PT_BUSY_HELLO;
  }
  if (rc != NM_SESS_REPLY) return PT_OTHER;
  assert_int_equal(nm_cli_on_challenge(c, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
  rc = pt_rx(s, f, n);
  if (rc == NM_SESS_TARPIT) {
    assert_int_equal(pw.out_len, 0); /* silence */
    return PT_TARPIT;
  }
  if (rc == NM_SESS_CLOSE) {
    assert_int_equal(nm_cli_on_auth_ok(c, pw.out, pw.out_len), NM_EBUSY);
    return PT_BUSY_AUTH;
  }
  if (rc != NM_SESS_REPLY) return PT_OTHER;
  assert_int_equal(nm_cli_on_auth_ok(c, pw.out, pw.out_len), NM_OK);
  return PT_OPEN;
}

/* Initialise c with key k (claiming `claim`, or k's own role when claim is 0) and run the
 * handshake. */
static inline int pt_connect(nm_sess_t *s, nm_cli_t *c, int key, uint8_t claim) {
  const pt_key_t *k = &pw.ring.keys[key];
  pt_cli(c, claim ? claim : k->role, k->id, k->secret);
  return pt_handshake(s, c);
}

/* One request through an open session: seal, device rx, nm_cmd_exec for the session's
 * role, seal the response, client open. Returns the command status; resp/resp_len hold
 * the response. */
static inline int pt_call(nm_sess_t *s, nm_cli_t *c, const uint8_t *req, size_t len,
                          uint8_t *resp, size_t *resp_len) {
  uint8_t f[NM_FRAME_MAX], r[NM_CMD_MAX];
  size_t n = 0, rl = 0;
  assert_int_equal(nm_cli_seal(c, req, len, f, sizeof f, &n), NM_OK);
  assert_int_equal(n, NM_DATA_OVERHEAD + len);
  assert_int_equal(pt_rx(s, f, n), NM_SESS_REQUEST);
  assert_int_equal(pw.req_len, len);
  assert_memory_equal(pw.req, req, len);
  int st = nm_cmd_exec(&pw.dev.core, s->role, pw.req, pw.req_len, r, sizeof r, &rl);
  assert_int_equal(nm_sess_seal(s, r, rl, f, sizeof f, &n), NM_OK);
  assert_int_equal(nm_cli_open(c, f, n, resp, NM_CMD_MAX, resp_len), NM_OK);
  assert_int_equal(*resp_len, rl);
  assert_memory_equal(resp, r, rl);
  return st;
}

static inline int pt_all_zero(const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) {
    if (b[i]) return 0;
  }
  return 1;
}

#endif
