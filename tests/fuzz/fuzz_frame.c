/* fuzz_frame.c: libFuzzer target for the telemetry protocol (firmware/proto).
 *
 * The first input byte picks what the rest is:
 *   0: a byte stream to a device session waiting for HELLO,
 *   1: ... to a session that sent its CHALLENGE (waiting for AUTH),
 *   2: ... to an authenticated session,
 *   3: an XOR mask over a genuine DATA request (mutations of a valid frame),
 *   4: a byte stream to a client in each of its states.
 * Every input also goes through nm_frame_need / nm_frame_parse as a stream.
 *
 * Properties (any violation aborts, which libFuzzer reports as a crash):
 * - nm_frame_need and nm_frame_parse agree: a frame need() delimits parses, with the
 *   length need() said; need() never asks for more than NM_FRAME_MAX bytes.
 * - No input yields an authenticated request, except the genuine frame itself (mode 3
 *   with an all-zero mask); no input authenticates a session or a client.
 * - Whatever the device sends back is one well-formed frame; a rejected frame is counted.
 * - A session that survives the input still accepts the genuine client's next request.
 *
 * The world (a port with a deterministic RNG, one clinician key, sessions and a client in
 * each state) is built once and copied back before every input, so runs are independent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nmod/ops.h" /* NM_OP_STATUS, for a genuine request */
#include "nmod/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) \
  do {           \
    if (!(c)) abort(); \
  } while (0)

typedef struct {
  uint64_t rng_state;
  nm_proto_dev_t d;
  nm_sess_t s;
  nm_cli_t c; /* the genuine client of s */
} world_t;

static world_t W;        /* the working copy; sessions must stay at one address */
static world_t saved[3]; /* W with s waiting for HELLO, for AUTH, authenticated */
static nm_cli_t cli_saved[3]; /* a client after HELLO, after AUTH, open */
static nm_port_t port;
static const uint8_t KEY_ID[8] = {'c', 'l', 'i', 'n', '-', '0', '0', '1'};
static uint8_t secret[32];
static const uint8_t SERIAL[16] = "NMOD-FUZZ-000001";
static int ready;

static int rng(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) {
    uint64_t z = (W.rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    buf[i] = (uint8_t)(z ^ (z >> 31));
  }
  return NM_OK;
}

static int lookup(void *ctx, const uint8_t id[8], uint8_t *role, uint8_t key[32]) {
  (void)ctx;
  if (memcmp(id, KEY_ID, 8) != 0) return NM_ENOENT;
  *role = NM_ROLE_CLINICIAN;
  memcpy(key, secret, 32);
  return NM_OK;
}

static uint8_t out[NM_FRAME_MAX], req[NM_DATA_PT_MAX], f[NM_FRAME_MAX];
static size_t out_len, req_len;

static int rx(const uint8_t *frame, size_t len) {
  int rc = nm_sess_rx(&W.s, frame, len, 1000, req, sizeof req, &req_len, out, sizeof out, &out_len);
  CHECK(out_len <= sizeof out);
  if (out_len) {
    nm_frame_t fr;
    CHECK(nm_frame_parse(out, out_len, &fr) == NM_OK);
  }
  if (rc != NM_SESS_REQUEST) CHECK(req_len == 0);
  return rc;
}

static void setup(void) {
  for (int i = 0; i < 32; i++) secret[i] = (uint8_t)(i * 5 + 1);
  memset(&port, 0, sizeof port);
  port.rng = rng;
  memset(&W, 0, sizeof W);
  nm_pdev_init(&W.d, &port, SERIAL, lookup, NULL);
  uint8_t nonce[16];
  for (int i = 0; i < 16; i++) nonce[i] = (uint8_t)(0x40 + i);
  CHECK(nm_cli_init(&W.c, NM_ROLE_CLINICIAN, KEY_ID, secret, nonce) == NM_OK);
  nm_sess_init(&W.s, &W.d, 0);
  saved[0] = W;
  size_t n;
  CHECK(nm_cli_hello(&W.c, f, sizeof f, &n) == NM_OK);
  cli_saved[0] = W.c;
  CHECK(rx(f, n) == NM_SESS_REPLY);
  CHECK(nm_cli_on_challenge(&W.c, out, out_len, SERIAL, f, sizeof f, &n) == NM_OK);
  cli_saved[1] = W.c;
  saved[1] = W;
  CHECK(rx(f, n) == NM_SESS_REPLY);
  CHECK(nm_cli_on_auth_ok(&W.c, out, out_len) == NM_OK);
  cli_saved[2] = W.c;
  saved[2] = W;
  ready = 1;
}

/* The genuine client's next request must still get through. */
static void check_still_served(void) {
  uint8_t op = NM_OP_STATUS, resp[2] = {0, 7}, back[NM_DATA_PT_MAX];
  size_t n, bl;
  CHECK(nm_cli_seal(&W.c, &op, 1, f, sizeof f, &n) == NM_OK);
  CHECK(rx(f, n) == NM_SESS_REQUEST);
  CHECK(req_len == 1 && req[0] == NM_OP_STATUS);
  CHECK(nm_sess_seal(&W.s, resp, sizeof resp, f, sizeof f, &n) == NM_OK);
  CHECK(nm_cli_open(&W.c, f, n, back, sizeof back, &bl) == NM_OK);
  CHECK(bl == 2 && back[1] == 7);
}

/* Split data into frames the way a device reads a stream; a header that need() refuses
 * goes to the session whole (it counts and closes), then the stream ends. */
static void stream_to_session(const uint8_t *data, size_t size, int mode) {
  size_t pos = 0;
  while (pos < size && nm_sess_alive(&W.s)) {
    size_t need = 0;
    int bad = nm_frame_need(data + pos, size - pos, &need) != NM_OK;
    size_t len = bad || need > size - pos ? size - pos : need;
    uint32_t rejected = W.d.stats.rejected;
    int st = W.s.st;
    int rc = rx(data + pos, len);
    CHECK(rc != NM_SESS_REQUEST);
    if (rc < 0) CHECK(W.d.stats.rejected == rejected + 1u);
    if (st == NM_SST_HELLO) CHECK(rc < 0 || rc == NM_SESS_REPLY);
    if (st == NM_SST_AUTH) CHECK(rc < 0 || rc == NM_SESS_TARPIT);
    if (st == NM_SST_OPEN) CHECK(rc < 0);
    if (mode != 2) CHECK(W.d.controller == NULL);
    if (mode == 2) CHECK(nm_sess_alive(&W.s) ? W.d.controller == &W.s : W.d.controller == NULL);
    if (bad || need > size - pos) break;
    pos += need;
  }
  if (mode == 2 && nm_sess_alive(&W.s)) check_still_served();
}

static void stream_to_client(const uint8_t *data, size_t size) {
  for (int st = 0; st < 3; st++) {
    size_t pos = 0;
    while (pos < size) {
      size_t need = 0;
      int bad = nm_frame_need(data + pos, size - pos, &need) != NM_OK;
      size_t len = bad || need > size - pos ? size - pos : need;
      nm_cli_t c = cli_saved[st];
      uint8_t a[NM_FRAME_MAX], resp[NM_DATA_PT_MAX];
      size_t an = 0, rl = 0;
      if (st == 0) {
        /* Without an expected serial any well-formed CHALLENGE is taken; with one, only
         * a CHALLENGE naming this device. */
        int rc = nm_cli_on_challenge(&c, data + pos, len, SERIAL, a, sizeof a, &an);
        if (rc == NM_OK) CHECK(len == 36 && memcmp(data + pos + 4, SERIAL, 16) == 0);
        else CHECK(c.st == NM_CST_CLOSED);
      } else if (st == 1) {
        CHECK(nm_cli_on_auth_ok(&c, data + pos, len) != NM_OK);
        CHECK(c.st == NM_CST_CLOSED);
      } else {
        uint8_t op = NM_OP_STATUS;
        CHECK(nm_cli_seal(&c, &op, 1, a, sizeof a, &an) == NM_OK);
        CHECK(nm_cli_open(&c, data + pos, len, resp, sizeof resp, &rl) != NM_OK);
        CHECK(c.outstanding == 1 && c.rx_ctr == 0);
      }
      if (bad || need > size - pos) break;
      pos += need;
    }
  }
}

static void frames_only(const uint8_t *data, size_t size) {
  nm_frame_t fr;
  size_t need = 0;
  if (nm_frame_parse(data, size, &fr) == NM_OK) {
    CHECK(nm_frame_need(data, size, &need) == NM_OK && need == size);
    CHECK(fr.body == data + 4 && fr.body_len == size - 4 && fr.version == 1);
    int code;
    uint32_t ms;
    if (nm_frame_error(&fr, &code, &ms) == NM_OK) CHECK(code < 0 && fr.type == NM_FT_ERROR);
  }
  size_t pos = 0;
  while (pos < size) {
    if (nm_frame_need(data + pos, size - pos, &need) != NM_OK) break;
    CHECK(need >= 4 && need <= NM_FRAME_MAX);
    if (size - pos < 4) CHECK(need == 4);
    if (need > size - pos) break;
    CHECK(nm_frame_parse(data + pos, need, &fr) == NM_OK);
    pos += need;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) setup();
  if (size < 1) return 0;
  unsigned mode = data[0] % 5u;
  data++;
  size--;
  frames_only(data, size);
  if (mode <= 2) {
    W = saved[mode];
    stream_to_session(data, size, (int)mode);
  } else if (mode == 3) {
    /* A genuine request of 1..64 bytes (length from the first byte), then XOR the
     * rest of the input over it; bytes past its end are appended. */
    W = saved[2];
    size_t plen = size ? (size_t)(data[0] % 64u) + 1u : 1u;
    uint8_t pt[64], g[NM_FRAME_MAX];
    for (size_t i = 0; i < plen; i++) pt[i] = (uint8_t)(i + 1);
    size_t n;
    CHECK(nm_cli_seal(&W.c, pt, plen, f, sizeof f, &n) == NM_OK);
    const uint8_t *mask = size ? data + 1 : data;
    size_t mlen = size ? size - 1 : 0;
    size_t glen = mlen > n ? mlen : n;
    if (glen > sizeof g) glen = sizeof g;
    memset(g, 0, sizeof g);
    memcpy(g, f, n);
    for (size_t i = 0; i < glen && i < mlen; i++) g[i] ^= mask[i];
    /* "Unchanged" is judged from the mask alone: comparing g with the genuine frame
     * would hand that frame to libFuzzer's comparison tracing, which would then replay
     * it into the other modes as if a third party could forge it. */
    int same = mlen <= n;
    for (size_t i = 0; i < mlen && same; i++) same = mask[i] == 0;
    int rc = rx(g, glen);
    if (same) {
      CHECK(rc == NM_SESS_REQUEST && req_len == plen && memcmp(req, pt, plen) == 0);
      uint8_t resp[1] = {0}, back[NM_DATA_PT_MAX];
      size_t bl;
      CHECK(nm_sess_seal(&W.s, resp, 1, f, sizeof f, &n) == NM_OK);
      CHECK(nm_cli_open(&W.c, f, n, back, sizeof back, &bl) == NM_OK);
    } else {
      CHECK(rc < 0);
      W.c.outstanding = 0; /* the client gives up on that request */
    }
    if (nm_sess_alive(&W.s)) check_still_served();
  } else {
    stream_to_client(data, size);
  }
  return 0;
}
