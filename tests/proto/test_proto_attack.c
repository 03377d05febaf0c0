/* test_proto_attack.c: what a third party on the link can do. Replay, reorder, flip any
 * bit, truncate, send junk, replay whole handshakes, reflect frames, flood. Whatever it
 * sends: no request reaches the command layer, the core is untouched (byte for byte),
 * every refused frame is counted, and the device's own clients keep being served. */
#include "proto_test.h"
#include "nmod/records.h"

static nm_sess_t S;
static nm_cli_t C;
static nm_core_t snap;

static void snapshot(void) { snap = pw.dev.core; }
static void assert_core_untouched(void) { assert_memory_equal(&snap, &pw.dev.core, sizeof snap); }

static void open_session(void) { assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN); }

static void ensure_open(void) {
  if (nm_sess_alive(&S) && S.st == NM_SST_OPEN && C.st == NM_CST_OPEN) return;
  nm_sess_close(&S);
  nm_cli_close(&C);
  open_session();
}

/* Answer the request the device just accepted (pw.req) and open it on the client. */
static void answer(void) {
  uint8_t r[NM_CMD_MAX], f[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t rl = 0, n = 0, resp_len = 0;
  (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
  assert_int_equal(nm_sess_seal(&S, r, rl, f, sizeof f, &n), NM_OK);
  assert_int_equal(nm_cli_open(&C, f, n, resp, sizeof resp, &resp_len), NM_OK);
}

static size_t prog_write_req(uint8_t *buf, uint32_t amp_ua) {
  nm_wr_t w;
  nm_wr_init(&w, buf, NM_CMD_MAX);
  nm_wr_u8(&w, NM_OP_PROG_WRITE);
  nm_wr_u8(&w, 0);
  nm_prog_t p = tu_tonic(14, 210, amp_ua);
  p.pt_max_ua = 3000;
  nm_wire_put_prog(&w, &p);
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static void test_replay(void **state) {
  (void)state;
  pt_setup(1);
  open_session();
  uint8_t req[NM_CMD_MAX], f1[NM_FRAME_MAX], f2[NM_FRAME_MAX];
  size_t n1, n2;
  /* Program A, then program B; a replay of "program A" must not bring A back. */
  size_t len = prog_write_req(req, 1000);
  assert_int_equal(nm_cli_seal(&C, req, len, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(pt_rx(&S, f1, n1), NM_SESS_REQUEST);
  answer();
  assert_int_equal(pw.dev.core.set.prog[0].amp_ua, 1000);
  len = prog_write_req(req, 1500);
  assert_int_equal(nm_cli_seal(&C, req, len, f2, sizeof f2, &n2), NM_OK);
  assert_int_equal(pt_rx(&S, f2, n2), NM_SESS_REQUEST);
  /* The response to "program B", kept by the attacker. */
  uint8_t r[NM_CMD_MAX], resp_frame[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t rl, rn, resp_len;
  (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
  assert_int_equal(nm_sess_seal(&S, r, rl, resp_frame, sizeof resp_frame, &rn), NM_OK);
  assert_int_equal(nm_cli_open(&C, resp_frame, rn, resp, sizeof resp, &resp_len), NM_OK);
  assert_int_equal(pw.dev.core.set.prog[0].amp_ua, 1500);
  snapshot();
  uint32_t rej = pw.pd.stats.rejected;
  for (int i = 0; i < 3; i++) {
    assert_int_equal(pt_rx(&S, f1, n1), NM_EAUTH);
    assert_int_equal(pt_rx(&S, f2, n2), NM_EAUTH);
    assert_int_equal(pw.req_len, 0);
  }
  assert_core_untouched();
  assert_int_equal(pw.pd.stats.rejected, rej + 6);
  assert_int_equal(S.rx_ctr, 2);
  /* The client refuses the old response when it waits for the next one. */
  uint8_t op = NM_OP_STATUS;
  assert_int_equal(nm_cli_seal(&C, &op, 1, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(nm_cli_open(&C, resp_frame, rn, resp, sizeof resp, &resp_len), NM_EAUTH);
  assert_int_equal(C.rx_ctr, 2);
  assert_int_equal(pt_rx(&S, f1, n1), NM_SESS_REQUEST);
  answer();
}

static void test_reorder(void **state) {
  (void)state;
  pt_setup(2);
  open_session();
  uint8_t op = NM_OP_STATUS, f1[NM_FRAME_MAX], f2[NM_FRAME_MAX];
  size_t n1, n2;
  assert_int_equal(nm_cli_seal(&C, &op, 1, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(nm_cli_seal(&C, &op, 1, f2, sizeof f2, &n2), NM_OK);
  assert_int_equal(pt_rx(&S, f2, n2), NM_SESS_REQUEST);
  snapshot();
  assert_int_equal(pt_rx(&S, f1, n1), NM_EAUTH); /* overtaken: refused */
  assert_core_untouched();
  /* Responses overtaking each other at the client: request 3 (abandoned), then 4. */
  uint8_t r[NM_CMD_MAX], rf3[NM_FRAME_MAX], rf4[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t rl, rn3, rn4, resp_len;
  answer(); /* request 2 */
  assert_int_equal(nm_cli_seal(&C, &op, 1, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(pt_rx(&S, f1, n1), NM_SESS_REQUEST);
  (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
  assert_int_equal(nm_sess_seal(&S, r, rl, rf3, sizeof rf3, &rn3), NM_OK);
  assert_int_equal(nm_cli_seal(&C, &op, 1, f2, sizeof f2, &n2), NM_OK); /* gives up on 3 */
  assert_int_equal(pt_rx(&S, f2, n2), NM_SESS_REQUEST);
  assert_int_equal(nm_sess_seal(&S, r, rl, rf4, sizeof rf4, &rn4), NM_OK);
  assert_int_equal(nm_cli_open(&C, rf3, rn3, resp, sizeof resp, &resp_len), NM_EAUTH); /* late */
  assert_int_equal(nm_cli_open(&C, rf4, rn4, resp, sizeof resp, &resp_len), NM_OK);
  assert_int_equal(nm_cli_open(&C, rf3, rn3, resp, sizeof resp, &resp_len), NM_ESTATE);
  assert_int_equal(C.rx_ctr, 4);
}

/* Every bit of a DATA request: a flipped version or type bit gives a header the framing
 * refuses (the session closes); a flipped length bit a frame of another size than its
 * header says, and any other flipped bit a bad tag (rejected, the session lives on). */
static void test_bitflip_data(void **state) {
  (void)state;
  pt_setup(3);
  open_session();
  uint8_t req[16], f[NM_FRAME_MAX], g[NM_FRAME_MAX];
  size_t n = 0;
  for (int i = 0; i < 16; i++) req[i] = (uint8_t)(0x30 + i);
  req[0] = NM_OP_STATUS;
  size_t flen = NM_DATA_OVERHEAD + sizeof req;
  int framing = 0, tag = 0;
  for (size_t pos = 0; pos < flen; pos++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      ensure_open();
      assert_int_equal(nm_cli_seal(&C, req, sizeof req, f, sizeof f, &n), NM_OK);
      assert_int_equal(n, flen);
      memcpy(g, f, n);
      g[pos] ^= (uint8_t)(1u << bit);
      snapshot();
      uint32_t rej = pw.pd.stats.rejected, rx = S.rx_ctr;
      int rc = pt_rx(&S, g, n);
      assert_core_untouched();
      assert_int_equal(pw.pd.stats.rejected, rej + 1);
      assert_int_equal(S.rx_ctr, rx);
      assert_int_equal(pw.req_len, 0);
      if (pos < 2) {
        /* Alive unless the new length is outside DATA's range (the framing refuses it). */
        size_t need;
        int in_range = nm_frame_need(g, n, &need) == NM_OK;
        assert_int_equal(rc, NM_EINVAL);
        assert_int_equal(pt_out_error(NULL), NM_EINVAL);
        assert_int_equal(nm_sess_alive(&S), in_range);
        framing++;
      } else if (pos < NM_FRAME_HDR) {
        assert_int_equal(rc, NM_EINVAL);
        assert_false(nm_sess_alive(&S));
        assert_null(pw.pd.controller);
        framing++;
      } else {
        assert_int_equal(rc, NM_EAUTH);
        assert_int_equal(pt_out_error(NULL), NM_EAUTH);
        assert_true(nm_sess_alive(&S));
        tag++;
      }
      if (nm_sess_alive(&S)) {
        /* The genuine frame is still accepted afterwards. */
        assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
        answer();
      }
    }
  }
  assert_int_equal(framing, 32);
  assert_int_equal(tag, (int)(flen - 4) * 8);
}

/* Every bit of a DATA response at the client. */
static void test_bitflip_response(void **state) {
  (void)state;
  pt_setup(4);
  open_session();
  uint8_t op = NM_OP_STATUS, f[NM_FRAME_MAX], g[NM_FRAME_MAX], r[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t n, rl, rn, resp_len;
  assert_int_equal(nm_cli_seal(&C, &op, 1, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
  assert_int_equal(nm_sess_seal(&S, r, rl, f, sizeof f, &rn), NM_OK);
  for (size_t pos = 0; pos < rn; pos++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      memcpy(g, f, rn);
      g[pos] ^= (uint8_t)(1u << bit);
      int rc = nm_cli_open(&C, g, rn, resp, sizeof resp, &resp_len);
      assert_true(rc < 0);
      assert_int_equal(C.outstanding, 1);
      assert_int_equal(C.rx_ctr, 0);
    }
  }
  assert_int_equal(nm_cli_open(&C, f, rn, resp, sizeof resp, &resp_len), NM_OK);
  assert_int_equal(resp_len, rl);
  assert_memory_equal(resp, r, rl);
}

/* Every bit of AUTH: never an open session, never a controller. */
static void test_bitflip_auth(void **state) {
  (void)state;
  pt_setup(5);
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX], g[NM_FRAME_MAX];
  size_t n;
  int tarpits = 0;
  for (size_t pos = 0; pos < NM_FRAME_HDR + NM_AUTH_BODY; pos++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      pt_cli(&C, k->role, k->id, k->secret);
      nm_sess_init(&S, &pw.pd, pw.now_us);
      assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
      assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
      assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
      memcpy(g, f, n);
      g[pos] ^= (uint8_t)(1u << bit);
      int rc = pt_rx(&S, g, n);
      assert_false(nm_sess_alive(&S));
      assert_int_equal(S.st == NM_SST_OPEN, 0);
      assert_null(pw.pd.controller);
      if (pos < NM_FRAME_HDR) {
        assert_true(rc == NM_EINVAL || rc == NM_ESTATE);
      } else {
        assert_int_equal(rc, NM_SESS_TARPIT);
        assert_int_equal(pw.out_len, 0);
        tarpits++;
      }
    }
  }
  assert_int_equal(tarpits, 32 * 8);
  assert_int_equal(pw.pd.stats.auth_ok, 0);
  assert_int_equal(pw.pd.stats.auth_fail, 256);
  /* After all that, the genuine client gets in at once. */
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
}

/* Every bit of HELLO (at the device) and of CHALLENGE (at the client): the two ends no
 * longer share a transcript, so the handshake can only fail. */
static void test_bitflip_hello_challenge(void **state) {
  (void)state;
  pt_setup(6);
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX], g[NM_FRAME_MAX];
  size_t n;
  for (int which = 0; which < 2; which++) {
    size_t flen = which == 0 ? NM_FRAME_HDR + NM_HELLO_BODY : NM_FRAME_HDR + NM_CHALLENGE_BODY;
    for (size_t pos = 0; pos < flen; pos++) {
      for (unsigned bit = 0; bit < 8; bit++) {
        pt_cli(&C, k->role, k->id, k->secret);
        nm_sess_init(&S, &pw.pd, pw.now_us);
        assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
        memcpy(g, f, n);
        if (which == 0) g[pos] ^= (uint8_t)(1u << bit);
        int rc = pt_rx(&S, g, n);
        if (rc != NM_SESS_REPLY) {
          assert_true(rc < 0);
          assert_false(nm_sess_alive(&S));
          continue;
        }
        memcpy(g, pw.out, pw.out_len);
        if (which == 1) g[pos] ^= (uint8_t)(1u << bit);
        rc = nm_cli_on_challenge(&C, g, pw.out_len, PT_SERIAL, f, sizeof f, &n);
        if (rc != NM_OK) {
          assert_int_equal(C.st, NM_CST_CLOSED);
          continue;
        }
        assert_int_equal(pt_rx(&S, f, n), NM_SESS_TARPIT);
        assert_null(pw.pd.controller);
      }
    }
  }
  assert_int_equal(pw.pd.stats.auth_ok, 0);
}

/* Every proper prefix of every frame: refused, and a device session closes. */
static void test_truncated(void **state) {
  (void)state;
  pt_setup(7);
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t n, need, rl;
  uint8_t req[40];
  memset(req, 0x5A, sizeof req);
  req[0] = NM_OP_STATUS;
  /* DATA at the device: a stream reader would wait for the rest (need); handed over as a
   * packet, the short frame is rejected and the session goes on. */
  ensure_open();
  for (size_t cut = 0; cut < NM_DATA_OVERHEAD + sizeof req; cut++) {
    assert_int_equal(nm_cli_seal(&C, req, sizeof req, f, sizeof f, &n), NM_OK);
    assert_int_equal(nm_frame_need(f, cut, &need), NM_OK);
    assert_int_equal(need, cut < NM_FRAME_HDR ? NM_FRAME_HDR : n);
    snapshot();
    assert_int_equal(pt_rx(&S, f, cut), NM_EINVAL);
    assert_core_untouched();
    assert_int_equal(pt_out_error(NULL), NM_EINVAL);
    assert_true(nm_sess_alive(&S));
    assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
    answer();
  }
  /* One byte too many is refused as well. */
  assert_int_equal(nm_cli_seal(&C, req, sizeof req, f, sizeof f, &n), NM_OK);
  f[n] = 0;
  assert_int_equal(pt_rx(&S, f, n + 1), NM_EINVAL);
  assert_true(nm_sess_alive(&S));
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  answer();
  /* Eight short frames in a row close the session like any eight rejections. */
  for (int i = 0; i < 8; i++) {
    assert_true(nm_sess_alive(&S));
    assert_int_equal(pt_rx(&S, f, 10), NM_EINVAL);
  }
  assert_false(nm_sess_alive(&S));
  assert_null(pw.pd.controller);
  /* HELLO and AUTH at the device. */
  for (int which = 0; which < 2; which++) {
    for (size_t cut = 0; cut < NM_FRAME_HDR + (which ? NM_AUTH_BODY : NM_HELLO_BODY); cut++) {
      pt_cli(&C, k->role, k->id, k->secret);
      nm_sess_init(&S, &pw.pd, pw.now_us);
      assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
      if (which) {
        assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
        assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
      }
      assert_int_equal(pt_rx(&S, f, cut), NM_EINVAL);
      assert_false(nm_sess_alive(&S));
    }
  }
  /* CHALLENGE, AUTH_OK and DATA at the client. */
  for (int which = 0; which < 3; which++) {
    nm_sess_close(&S);
    pt_cli(&C, k->role, k->id, k->secret);
    nm_sess_init(&S, &pw.pd, pw.now_us);
    assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
    assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
    if (which >= 1) {
      assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
      assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
    }
    if (which == 2) {
      assert_int_equal(nm_cli_on_auth_ok(&C, pw.out, pw.out_len), NM_OK);
      assert_int_equal(nm_cli_seal(&C, req, sizeof req, f, sizeof f, &n), NM_OK);
      assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
      uint8_t r[NM_CMD_MAX];
      (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
      assert_int_equal(nm_sess_seal(&S, r, rl, pw.out, sizeof pw.out, &pw.out_len), NM_OK);
    }
    uint8_t saved[NM_FRAME_MAX];
    size_t saved_len = pw.out_len;
    memcpy(saved, pw.out, saved_len);
    for (size_t cut = 0; cut < saved_len; cut++) {
      if (which == 2) {
        assert_int_equal(nm_cli_open(&C, saved, cut, resp, sizeof resp, &rl), NM_EINVAL);
        continue;
      }
      nm_cli_t copy = C; /* the handshake calls close the client on error */
      if (which == 0) {
        assert_int_equal(nm_cli_on_challenge(&copy, saved, cut, PT_SERIAL, f, sizeof f, &n), NM_EINVAL);
      } else {
        assert_int_equal(nm_cli_on_auth_ok(&copy, saved, cut), NM_EINVAL);
      }
      assert_int_equal(copy.st, NM_CST_CLOSED);
    }
    if (which == 2) assert_int_equal(nm_cli_open(&C, saved, saved_len, resp, sizeof resp, &rl), NM_OK);
  }
}

/* The header rules, checked exhaustively against a model: every length field with every
 * type for version 1, and every version. */
static size_t model_min(unsigned type) {
  static const size_t min[7] = {0, 29, 36, 36, 36, 25, 9};
  return type >= 1 && type <= 6 ? min[type] : 0;
}

static void test_header_exhaustive(void **state) {
  (void)state;
  uint8_t h[4];
  size_t need;
  unsigned accepted = 0;
  for (unsigned len = 0; len <= 0xFFFFu; len++) {
    for (unsigned type = 0; type <= 0xFFu; type++) {
      h[0] = (uint8_t)len;
      h[1] = (uint8_t)(len >> 8);
      h[2] = 1;
      h[3] = (uint8_t)type;
      size_t total = len + 2u;
      size_t lo = model_min(type);
      size_t hi = type == NM_FT_DATA ? 1048u : lo;
      int ok = lo != 0 && total >= lo && total <= hi && total <= NM_FRAME_MAX;
      int rc = nm_frame_need(h, 4, &need);
      if (ok) {
        assert_int_equal(rc, NM_OK);
        assert_int_equal(need, total);
        accepted++;
      } else {
        assert_int_equal(rc, NM_EINVAL);
      }
    }
  }
  assert_int_equal(accepted, 5u + (1048u - 25u + 1u));
  for (unsigned v = 0; v <= 0xFFu; v++) {
    uint8_t hello[4] = {27, 0, (uint8_t)v, NM_FT_HELLO};
    assert_int_equal(nm_frame_need(hello, 4, &need), v == 1 ? NM_OK : NM_EINVAL);
  }
  /* Oversized and zero lengths, in every session state. */
  static const uint8_t bad[][4] = {
      {0xFF, 0xFF, 1, NM_FT_DATA}, {0xFF, 0x04, 1, NM_FT_DATA}, /* 1281 bytes */
      {0xFE, 0x04, 1, NM_FT_DATA},                             /* 1280, above DATA's max */
      {0x00, 0x00, 1, NM_FT_DATA}, {0x00, 0x00, 1, NM_FT_HELLO}, {0x00, 0x00, 0, 0},
      {0x01, 0x00, 1, NM_FT_ERROR}, {0x02, 0x00, 1, 0x00},     {0x02, 0x00, 1, 0x07}};
  pt_setup(8);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(nm_frame_need(bad[i], 4, &need), NM_EINVAL);
    for (int st = 0; st < 3; st++) {
      nm_sess_close(&S);
      nm_cli_close(&C);
      if (st == 2) {
        open_session();
      } else {
        const pt_key_t *k = &pw.ring.keys[PT_CLIN];
        uint8_t f[NM_FRAME_MAX];
        size_t n;
        pt_cli(&C, k->role, k->id, k->secret);
        nm_sess_init(&S, &pw.pd, pw.now_us);
        if (st == 1) {
          assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
          assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
        }
      }
      uint8_t frame[NM_FRAME_MAX];
      memset(frame, 0, sizeof frame);
      memcpy(frame, bad[i], 4);
      size_t claimed = ((size_t)bad[i][0] | ((size_t)bad[i][1] << 8)) + 2u;
      size_t give = claimed < sizeof frame ? claimed : sizeof frame;
      if (give < 4) give = 4;
      assert_int_equal(pt_rx(&S, frame, give), NM_EINVAL);
      assert_false(nm_sess_alive(&S));
      assert_null(pw.pd.controller);
    }
  }
}

/* Junk: thousands of random frames (fully random, or with a valid header and random
 * body) into sessions in every state and into clients in every state. */
static void test_random_junk(void **state) {
  (void)state;
  uint64_t seed = tu_seed("t_proto_attack random_junk");
  uint64_t rs = seed;
  pt_setup(seed);
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX + 32], hf[NM_FRAME_MAX];
  size_t hn;
  unsigned counts[3][5] = {{0}};
  for (int iter = 0; iter < 3000; iter++) {
    int st = iter % 3;
    nm_sess_close(&S);
    nm_cli_close(&C);
    pt_cli(&C, k->role, k->id, k->secret);
    nm_sess_init(&S, &pw.pd, pw.now_us);
    if (st >= 1) {
      assert_int_equal(nm_cli_hello(&C, hf, sizeof hf, &hn), NM_OK);
      assert_int_equal(pt_rx(&S, hf, hn), NM_SESS_REPLY);
      assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, hf, sizeof hf, &hn), NM_OK);
    }
    if (st == 2) {
      assert_int_equal(pt_rx(&S, hf, hn), NM_SESS_REPLY);
      assert_int_equal(nm_cli_on_auth_ok(&C, pw.out, pw.out_len), NM_OK);
    }
    snapshot();
    int frames = (int)tu_range(&rs, 1, 4);
    for (int j = 0; j < frames && nm_sess_alive(&S); j++) {
      size_t len;
      unsigned kind = tu_range(&rs, 0, 3);
      if (kind == 0) { /* any bytes */
        len = tu_range(&rs, 0, NM_FRAME_MAX + 16);
        for (size_t i = 0; i < len; i++) f[i] = (uint8_t)tu_rand(&rs);
      } else { /* a header that passes, random body */
        uint8_t type = kind == 1 ? (uint8_t)tu_range(&rs, 1, 6) : (uint8_t)(st == 2 ? NM_FT_DATA : (st == 1 ? NM_FT_AUTH : NM_FT_HELLO));
        size_t lo = model_min(type), hi = type == NM_FT_DATA ? 1048u : lo;
        len = tu_range(&rs, (uint32_t)lo, (uint32_t)hi);
        for (size_t i = 0; i < len; i++) f[i] = (uint8_t)tu_rand(&rs);
        f[0] = (uint8_t)(len - 2);
        f[1] = (uint8_t)((len - 2) >> 8);
        f[2] = 1;
        f[3] = type;
        if (type == NM_FT_DATA && tu_range(&rs, 0, 1)) { /* a plausible counter */
          f[4] = (uint8_t)tu_range(&rs, 0, 3);
          f[5] = f[6] = f[7] = 0;
        }
        if (type == NM_FT_HELLO && kind == 3) f[4] = (uint8_t)tu_range(&rs, 1, 2);
      }
      uint32_t rej = pw.pd.stats.rejected;
      int stage = S.st;
      int rc = pt_rx(&S, f, len);
      assert_int_not_equal(rc, NM_SESS_REQUEST);
      assert_int_equal(pw.req_len, 0);
      assert_core_untouched();
      if (rc < 0) {
        assert_int_equal(pw.pd.stats.rejected, rej + 1);
        counts[st][0]++;
      } else if (stage == NM_SST_AUTH) {
        /* A well-formed AUTH with a guessed MAC: a failed authentication. */
        assert_int_equal(rc, NM_SESS_TARPIT);
        counts[st][4]++;
      } else {
        /* Only a well-formed HELLO gets an answer; nothing else authenticates. */
        assert_int_equal(stage, NM_SST_HELLO);
        assert_int_equal(rc, NM_SESS_REPLY);
        counts[st][1]++;
      }
      if (stage != NM_SST_OPEN) assert_null(pw.pd.controller);
      /* The same junk at the client. */
      uint8_t out[NM_FRAME_MAX], resp[NM_CMD_MAX];
      size_t on, rl;
      nm_cli_t copy = C;
      if (C.st == NM_CST_HELLO) {
        rc = nm_cli_on_challenge(&copy, f, len, PT_SERIAL, out, sizeof out, &on);
        if (rc == NM_OK) counts[st][2]++;
        assert_true(rc != NM_OK || (len == 36 && memcmp(f + 4, PT_SERIAL, 16) == 0));
      } else if (C.st == NM_CST_AUTH) {
        assert_int_not_equal(nm_cli_on_auth_ok(&copy, f, len), NM_OK);
      } else if (C.st == NM_CST_OPEN) {
        uint8_t op = NM_OP_STATUS;
        assert_int_equal(nm_cli_seal(&copy, &op, 1, out, sizeof out, &on), NM_OK);
        assert_int_not_equal(nm_cli_open(&copy, f, len, resp, sizeof resp, &rl), NM_OK);
      }
      nm_cli_close(&copy);
    }
    if (st == 2 && nm_sess_alive(&S) && S.st == NM_SST_OPEN) {
      /* The real client is still served after the junk. */
      uint8_t op = NM_OP_STATUS, resp[NM_CMD_MAX];
      size_t rl;
      assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
      counts[st][3]++;
    }
  }
  printf("junk: rejected %u/%u/%u, hello answered %u, auth failed %u/%u, served after junk %u\n",
         counts[0][0], counts[1][0], counts[2][0], counts[0][1], counts[0][4], counts[1][4],
         counts[2][3]);
  assert_true(counts[2][3] > 100);
}

/* Recorded frames of one session are worthless in another, and a device's frame
 * reflected back to the client fails (direction labels). */
static void test_cross_session_and_reflection(void **state) {
  (void)state;
  pt_setup(9);
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t hello[NM_FRAME_MAX], auth[NM_FRAME_MAX], data[NM_FRAME_MAX], f[NM_FRAME_MAX];
  size_t hn, an, dn, n;
  pt_cli(&C, k->role, k->id, k->secret);
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(&C, hello, sizeof hello, &hn), NM_OK);
  assert_int_equal(pt_rx(&S, hello, hn), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, auth, sizeof auth, &an), NM_OK);
  assert_int_equal(pt_rx(&S, auth, an), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_auth_ok(&C, pw.out, pw.out_len), NM_OK);
  uint8_t op = NM_OP_STATUS;
  assert_int_equal(nm_cli_seal(&C, &op, 1, data, sizeof data, &dn), NM_OK);
  /* Reflection: the client's own request fed back to it as the response it waits for
   * (same counter) fails, because d2c uses another key and nonce label. */
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(nm_cli_open(&C, data, dn, resp, sizeof resp, &rl), NM_EAUTH);
  assert_int_equal(pt_rx(&S, data, dn), NM_SESS_REQUEST);
  answer();
  nm_sess_close(&S);
  nm_cli_close(&C);
  /* A whole recorded handshake replayed to a new session: the device's new nonce makes
   * the old AUTH worthless. */
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(pt_rx(&S, hello, hn), NM_SESS_REPLY);
  assert_int_equal(pt_rx(&S, auth, an), NM_SESS_TARPIT);
  assert_null(pw.pd.controller);
  /* A recorded DATA frame replayed into the next genuine session. */
  open_session();
  snapshot();
  assert_int_equal(pt_rx(&S, data, dn), NM_EAUTH);
  assert_core_untouched();
  assert_int_equal(S.rx_ctr, 0);
  assert_int_equal(nm_cli_seal(&C, &op, 1, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  answer();
}

/* Floods: connection attempts while a controller is connected, failed authentications,
 * and junk interleaved with a controller's traffic. The device keeps serving. */
static void test_floods(void **state) {
  (void)state;
  pt_setup(10);
  open_session();
  nm_sess_t other;
  nm_cli_t oc;
  for (int i = 0; i < 1000; i++) {
    assert_int_equal(pt_connect(&other, &oc, i % 2 ? PT_PAT : PT_CLIN, 0), PT_BUSY_HELLO);
  }
  assert_int_equal(pw.pd.stats.busy, 1000);
  assert_ptr_equal(pw.pd.controller, &S);
  uint8_t op = NM_OP_STATUS, resp[NM_CMD_MAX], junk[64];
  size_t rl;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  /* Junk into the controller's connection, 7 frames at a time, between real requests. */
  uint64_t rs = 99;
  for (int round = 0; round < 200; round++) {
    for (int j = 0; j < 7; j++) {
      for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)tu_rand(&rs);
      junk[0] = sizeof junk - 2;
      junk[1] = 0;
      junk[2] = 1;
      junk[3] = NM_FT_DATA;
      assert_int_equal(pt_rx(&S, junk, sizeof junk), NM_EAUTH);
    }
    assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  }
  assert_int_equal(pw.pd.stats.rejected, 1400);
  nm_sess_close(&S);
  /* Failed authentications by the hundred: the genuine client is not slowed down. */
  uint8_t bad[32] = {0};
  for (int i = 0; i < 300; i++) {
    pt_cli(&oc, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, bad);
    assert_int_equal(pt_handshake(&other, &oc), PT_TARPIT);
    assert_true(other.close_at_us - pw.now_us <= NM_PROTO_BACKOFF_MAX_MS * 1000u);
  }
  assert_int_equal(pt_connect(&S, &C, PT_PAT, 0), PT_OPEN);
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay),
      cmocka_unit_test(test_reorder),
      cmocka_unit_test(test_bitflip_data),
      cmocka_unit_test(test_bitflip_response),
      cmocka_unit_test(test_bitflip_auth),
      cmocka_unit_test(test_bitflip_hello_challenge),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_header_exhaustive),
      cmocka_unit_test(test_random_junk),
      cmocka_unit_test(test_cross_session_and_reflection),
      cmocka_unit_test(test_floods),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
