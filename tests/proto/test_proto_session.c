/* test_proto_session.c: the protocol as its users see it: handshakes for both roles,
 * request/response round trips through the command layer, credentials that must fail
 * (wrong key, unknown or revoked id, role claims), a fake device, one controller at a
 * time, back-off, rejection limits, counters, deadlines and key wiping. */
#include "proto_test.h"
#include "nmod/records.h"

static nm_sess_t S, S2;
static nm_cli_t C, C2;

static void setup(void) { pt_setup(12345); }

static void test_frame_need_incremental(void **state) {
  (void)state;
  setup();
  uint8_t f[NM_FRAME_MAX];
  size_t n = 0, need = 0;
  pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  assert_int_equal(n, NM_FRAME_HDR + NM_HELLO_BODY);
  assert_int_equal(f[0], 27);
  assert_int_equal(f[1], 0);
  assert_int_equal(f[2], NM_PROTO_VERSION);
  assert_int_equal(f[3], NM_FT_HELLO);
  for (size_t have = 0; have <= n; have++) {
    assert_int_equal(nm_frame_need(f, have, &need), NM_OK);
    assert_int_equal(need, have < NM_FRAME_HDR ? NM_FRAME_HDR : n);
  }
  nm_frame_t fr;
  assert_int_equal(nm_frame_parse(f, n, &fr), NM_OK);
  assert_int_equal(fr.type, NM_FT_HELLO);
  assert_int_equal(fr.body_len, NM_HELLO_BODY);
  assert_ptr_equal(fr.body, f + 4);
  /* A second HELLO from the same client is refused. */
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_ESTATE);
}

static void test_clinician_round_trip(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  assert_int_equal(S.st, NM_SST_OPEN);
  assert_int_equal(S.role, NM_ROLE_CLINICIAN);
  assert_ptr_equal(pw.pd.controller, &S);
  assert_int_equal(pw.pd.stats.auth_ok, 1);
  assert_int_equal(C.st, NM_CST_OPEN);
  assert_memory_equal(C.serial, PT_SERIAL, 16);
  /* Handshake MACs and the client's credential are gone once the session is open. */
  assert_true(pt_all_zero(S.mac_c, sizeof S.mac_c));
  assert_true(pt_all_zero(S.mac_d, sizeof S.mac_d));
  assert_true(pt_all_zero(C.secret, sizeof C.secret));
  assert_true(pt_all_zero(C.mac_d, sizeof C.mac_d));
  /* Both ends hold the same keys, and the two directions differ. */
  assert_memory_equal(S.k_c2d, C.k_c2d, 32);
  assert_memory_equal(S.k_d2c, C.k_d2c, 32);
  assert_memory_not_equal(S.k_c2d, S.k_d2c, 32);

  uint8_t resp[NM_CMD_MAX], direct[NM_CMD_MAX];
  size_t rl = 0, dl = 0;
  uint8_t op = NM_OP_STATUS;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  /* The same bytes as the command layer gives without the radio. */
  assert_int_equal(nm_cmd_exec(&pw.dev.core, NM_ROLE_CLINICIAN, &op, 1, direct, sizeof direct, &dl), NM_OK);
  assert_int_equal(rl, dl);
  assert_memory_equal(resp, direct, dl);
  /* A clinician-only request works: write a program into slot 0. */
  uint8_t req[NM_CMD_MAX];
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_PROG_WRITE);
  nm_wr_u8(&w, 0);
  nm_prog_t p = tu_tonic(14, 210, 1000);
  p.pt_max_ua = 3000;
  nm_wire_put_prog(&w, &p);
  assert_int_equal(w.err, NM_OK);
  assert_int_equal(pt_call(&S, &C, req, w.len, resp, &rl), NM_OK);
  assert_true(pw.dev.core.set.valid_mask & 1u);
  op = NM_OP_INTERROGATE;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  assert_int_equal(S.rx_ctr, 3);
  assert_int_equal(C.tx_ctr, 3);
  assert_int_equal(C.rx_ctr, 3);
  assert_int_equal(pw.pd.stats.rejected, 0);
}

static void test_patient_round_trip(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_PAT, 0), PT_OPEN);
  assert_int_equal(S.role, NM_ROLE_PATIENT);
  uint8_t resp[NM_CMD_MAX];
  size_t rl = 0;
  uint8_t op = NM_OP_STATUS;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  /* Every clinician-only op is refused for the patient's session by the command layer,
   * because the session hands it the authenticated role. */
  int refused = 0;
  for (unsigned o = 0; o < 256; o++) {
    uint8_t roles = nm_cmd_roles((uint8_t)o);
    if (!(roles & (1u << NM_ROLE_CLINICIAN)) || (roles & (1u << NM_ROLE_PATIENT))) continue;
    uint8_t req[64];
    memset(req, 0, sizeof req);
    req[0] = (uint8_t)o;
    nm_settings_t before = pw.dev.core.set;
    assert_int_equal(pt_call(&S, &C, req, sizeof req, resp, &rl), NM_EPERM);
    assert_int_equal((int8_t)resp[0], NM_EPERM);
    assert_memory_equal(&before, &pw.dev.core.set, sizeof before);
    refused++;
  }
  assert_true(refused >= 5);
  assert_int_equal(S.rx_ctr, (uint32_t)refused + 1u);
}

static void test_wrong_key(void **state) {
  (void)state;
  setup();
  uint8_t bad[32];
  memcpy(bad, pw.ring.keys[PT_CLIN].secret, 32);
  bad[31] ^= 1;
  pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, bad);
  assert_int_equal(pt_handshake(&S, &C), PT_TARPIT);
  assert_int_equal(S.st, NM_SST_TARPIT);
  assert_int_equal(S.role, NM_ROLE_NONE);
  assert_null(pw.pd.controller);
  assert_int_equal(pw.pd.stats.auth_fail, 1);
  assert_int_equal(pw.pd.fails, 1);
  assert_true(pt_all_zero(S.k_c2d, 32));
  assert_true(pt_all_zero(S.mac_c, 32));
  assert_int_equal(S.close_at_us, pw.now_us + 100000u);
  assert_int_equal(nm_sess_deadline_us(&S), S.close_at_us);
  assert_false(nm_sess_alive(&S));
  /* Frames in the tarpit are not read (and not counted). */
  uint8_t junk[9] = {7, 0, 1, 6, 0xF8, 0, 0, 0, 0};
  assert_int_equal(pt_rx(&S, junk, sizeof junk), NM_SESS_IGNORED);
  assert_int_equal(pw.out_len, 0);
  assert_int_equal(pw.pd.stats.rejected, 0);
}

static void test_unknown_and_revoked_ids(void **state) {
  (void)state;
  setup();
  uint8_t id[8] = {'n', 'o', 'b', 'o', 'd', 'y', '!', '!'};
  pt_cli(&C, NM_ROLE_CLINICIAN, id, pw.ring.keys[PT_CLIN].secret);
  /* The device still answers HELLO with a CHALLENGE (it does not say which ids exist)
   * and fails the handshake at AUTH, with back-off. */
  assert_int_equal(pt_handshake(&S, &C), PT_TARPIT);
  assert_int_equal(pw.pd.stats.auth_fail, 1);
  /* A revoked key, with its real secret. */
  assert_int_equal(pt_connect(&S, &C, PT_OLD, 0), PT_TARPIT);
  assert_int_equal(pw.pd.stats.auth_fail, 2);
  assert_null(pw.pd.controller);
  /* Un-revoked, the same key works. */
  pw.ring.keys[PT_OLD].revoked = 0;
  assert_int_equal(pt_connect(&S, &C, PT_OLD, 0), PT_OPEN);
  assert_int_equal(pw.pd.fails, 0);
}

static void test_role_claims(void **state) {
  (void)state;
  setup();
  /* A patient key claiming the clinician role, and the reverse: both fail. */
  assert_int_equal(pt_connect(&S, &C, PT_PAT, NM_ROLE_CLINICIAN), PT_TARPIT);
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, NM_ROLE_PATIENT), PT_TARPIT);
  assert_int_equal(pw.pd.stats.auth_fail, 2);
  assert_null(pw.pd.controller);
  /* A role that is neither: the client refuses to start, the device refuses HELLO. */
  uint8_t r16[16] = {0};
  assert_int_equal(nm_cli_init(&C, NM_ROLE_NONE, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret, r16), NM_EINVAL);
  assert_int_equal(nm_cli_init(&C, 3, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret, r16), NM_EINVAL);
  for (unsigned role = 0; role < 256; role++) {
    if (role == NM_ROLE_PATIENT || role == NM_ROLE_CLINICIAN) continue;
    uint8_t f[NM_FRAME_HDR + NM_HELLO_BODY] = {27, 0, 1, NM_FT_HELLO};
    f[4] = (uint8_t)role;
    memcpy(f + 5, pw.ring.keys[PT_CLIN].id, 8);
    nm_sess_init(&S, &pw.pd, pw.now_us);
    assert_int_equal(pt_rx(&S, f, sizeof f), NM_EINVAL);
    assert_int_equal(pt_out_error(NULL), NM_EINVAL);
    assert_false(nm_sess_alive(&S));
  }
}

static void test_fake_device(void **state) {
  (void)state;
  setup();
  /* A recorded genuine AUTH_OK. */
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  uint8_t rec[NM_FRAME_MAX];
  memcpy(rec, pw.out, pw.out_len);
  size_t rec_len = pw.out_len;
  nm_sess_close(&S);
  /* An impostor answers a new client with its own nonce and the recorded AUTH_OK. */
  uint8_t f[NM_FRAME_MAX];
  size_t n = 0;
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  pt_cli(&C, k->role, k->id, k->secret);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  uint8_t chal[36] = {34, 0, 1, NM_FT_CHALLENGE};
  memcpy(chal + 4, PT_SERIAL, 16);
  for (int i = 0; i < 16; i++) chal[20 + i] = (uint8_t)(i * 3);
  assert_int_equal(nm_cli_on_challenge(&C, chal, sizeof chal, PT_SERIAL, f, sizeof f, &n), NM_OK);
  assert_int_equal(nm_cli_on_auth_ok(&C, rec, rec_len), NM_EAUTH);
  assert_int_equal(C.st, NM_CST_CLOSED);
  assert_true(pt_all_zero(C.k_c2d, 32) && pt_all_zero(C.k_d2c, 32) && pt_all_zero(C.mac_d, 32));
  uint8_t op = NM_OP_STATUS;
  assert_int_equal(nm_cli_seal(&C, &op, 1, f, sizeof f, &n), NM_ESTATE);
  /* An impostor holding another secret for the same key id (here a real device session
   * on a keyring with a changed secret): the best AUTH_OK it can make fails our check,
   * and our AUTH fails its own. */
  pt_cli(&C, k->role, k->id, k->secret);
  pw.ring.keys[PT_CLIN].secret[0] ^= 0x80;
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
  uint8_t fake_ok[36] = {34, 0, 1, NM_FT_AUTH_OK};
  memcpy(fake_ok + 4, S.mac_d, 32);
  assert_int_equal(nm_cli_on_auth_ok(&C, fake_ok, sizeof fake_ok), NM_EAUTH);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_TARPIT);
  pw.ring.keys[PT_CLIN].secret[0] ^= 0x80;
  /* A device with another serial than the one the client expects. */
  pt_cli(&C, k->role, k->id, k->secret);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  chal[4] ^= 1;
  assert_int_equal(nm_cli_on_challenge(&C, chal, sizeof chal, PT_SERIAL, f, sizeof f, &n), NM_EAUTH);
  assert_int_equal(C.st, NM_CST_CLOSED);
}

static void test_one_controller(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  /* Another client, even with a valid key, gets ERROR(NM_EBUSY) and a closed connection. */
  assert_int_equal(pt_connect(&S2, &C2, PT_PAT, 0), PT_BUSY_HELLO);
  uint32_t retry = 0;
  assert_int_equal(pt_out_error(&retry), NM_EBUSY);
  assert_int_equal(retry, NM_PROTO_BUSY_RETRY_MS);
  assert_int_equal(C2.peer_err, NM_EBUSY);
  assert_int_equal(C2.retry_after_ms, NM_PROTO_BUSY_RETRY_MS);
  assert_int_equal(C2.st, NM_CST_CLOSED);
  assert_false(nm_sess_alive(&S2));
  assert_int_equal(pw.pd.stats.busy, 1);
  assert_int_equal(pw.pd.stats.rejected, 0);
  /* Closing S2 does not release S's controller slot. */
  nm_sess_close(&S2);
  assert_ptr_equal(pw.pd.controller, &S);
  /* The controller still works. */
  uint8_t resp[NM_CMD_MAX], op = NM_OP_STATUS;
  size_t rl;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  /* A HELLO inside the open session is a rejected frame, not a second handshake. */
  uint8_t f[NM_FRAME_MAX];
  size_t n;
  pt_cli(&C2, NM_ROLE_PATIENT, pw.ring.keys[PT_PAT].id, pw.ring.keys[PT_PAT].secret);
  assert_int_equal(nm_cli_hello(&C2, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_ESTATE);
  assert_int_equal(pt_out_error(NULL), NM_ESTATE);
  assert_true(nm_sess_alive(&S));
  assert_int_equal(S.role, NM_ROLE_CLINICIAN);
  /* After S closes, the next client gets in. */
  nm_sess_close(&S);
  assert_null(pw.pd.controller);
  assert_int_equal(pt_connect(&S2, &C2, PT_PAT, 0), PT_OPEN);
  assert_ptr_equal(pw.pd.controller, &S2);
}

static void test_two_handshakes_race(void **state) {
  (void)state;
  setup();
  /* Two clients both past HELLO; a patient authenticates first, then the clinician: an
   * authenticated clinician preempts the patient (whose session closes). */
  uint8_t f1[NM_FRAME_MAX], f2[NM_FRAME_MAX];
  size_t n1, n2;
  pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret);
  pt_cli(&C2, NM_ROLE_PATIENT, pw.ring.keys[PT_PAT].id, pw.ring.keys[PT_PAT].secret);
  nm_sess_init(&S, &pw.pd, pw.now_us);
  nm_sess_init(&S2, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(&C, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(pt_rx(&S, f1, n1), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f1, sizeof f1, &n1), NM_OK);
  assert_int_equal(nm_cli_hello(&C2, f2, sizeof f2, &n2), NM_OK);
  assert_int_equal(pt_rx(&S2, f2, n2), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_challenge(&C2, pw.out, pw.out_len, PT_SERIAL, f2, sizeof f2, &n2), NM_OK);
  assert_int_equal(pt_rx(&S2, f2, n2), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_auth_ok(&C2, pw.out, pw.out_len), NM_OK);
  assert_ptr_equal(pw.pd.controller, &S2);
  assert_int_equal(pt_rx(&S, f1, n1), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_auth_ok(&C, pw.out, pw.out_len), NM_OK);
  assert_ptr_equal(pw.pd.controller, &S);
  assert_false(nm_sess_alive(&S2));
  assert_int_equal(nm_sess_deadline_us(&S2), 0); /* its connection closes now */
  assert_true(pt_all_zero(S2.k_c2d, 32) && pt_all_zero(S2.k_d2c, 32));
  assert_int_equal(pw.pd.stats.preempted, 1);
  assert_int_equal(pw.pd.fails, 0);
}

static void test_patient_never_preempts(void **state) {
  (void)state;
  setup();
  /* The other order: the clinician holds the slot; a patient's handshake is busy at once
   * (HELLO), and a second clinician's too: nobody takes a clinician's session. */
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  assert_int_equal(pt_connect(&S2, &C2, PT_PAT, 0), PT_BUSY_HELLO);
  assert_int_equal(pt_connect(&S2, &C2, PT_CLIN, 0), PT_BUSY_HELLO);
  assert_ptr_equal(pw.pd.controller, &S);
  assert_true(nm_sess_alive(&S));
  assert_int_equal(pw.pd.stats.preempted, 0);
}

static void test_claim_does_not_preempt(void **state) {
  (void)state;
  setup();
  /* A patient holds the slot. Someone claims to be the clinician: the handshake runs, but
   * without the clinician's key AUTH fails (tarpit) and the patient keeps the slot. The
   * patient's key claimed as clinician fails the same way. Only the real clinician key
   * preempts. */
  assert_int_equal(pt_connect(&S, &C, PT_PAT, 0), PT_OPEN);
  uint8_t bad[32] = {0};
  pt_cli(&C2, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, bad);
  assert_int_equal(pt_handshake(&S2, &C2), PT_TARPIT);
  assert_ptr_equal(pw.pd.controller, &S);
  pt_cli(&C2, NM_ROLE_CLINICIAN, pw.ring.keys[PT_PAT].id, pw.ring.keys[PT_PAT].secret);
  assert_int_equal(pt_handshake(&S2, &C2), PT_TARPIT);
  assert_ptr_equal(pw.pd.controller, &S);
  assert_true(nm_sess_alive(&S));
  assert_int_equal(pw.pd.stats.preempted, 0);
  pt_cli(&C2, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret);
  assert_int_equal(pt_handshake(&S2, &C2), PT_OPEN);
  assert_ptr_equal(pw.pd.controller, &S2);
  assert_false(nm_sess_alive(&S));
}

static void test_backoff(void **state) {
  (void)state;
  setup();
  static const uint32_t expect_ms[] = {100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000};
  uint8_t bad[32] = {0};
  for (unsigned i = 0; i < sizeof expect_ms / sizeof expect_ms[0]; i++) {
    assert_int_equal(nm_proto_backoff_ms(i + 1u), expect_ms[i]);
    pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, bad);
    assert_int_equal(pt_handshake(&S, &C), PT_TARPIT);
    assert_int_equal(S.close_at_us - pw.now_us, (uint64_t)expect_ms[i] * 1000u);
    pw.now_us += 1000; /* the attacker does not even wait out the tarpit */
  }
  assert_int_equal(nm_proto_backoff_ms(1000), 10000);
  assert_int_equal(nm_proto_backoff_ms(UINT32_MAX), 10000);
  /* A correct authentication in the middle of the back-off succeeds at once... */
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  /* ... and resets it. */
  assert_int_equal(pw.pd.fails, 0);
  nm_sess_close(&S);
  pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, bad);
  assert_int_equal(pt_handshake(&S, &C), PT_TARPIT);
  assert_int_equal(S.close_at_us - pw.now_us, 100000u);
  assert_int_equal(pw.pd.stats.auth_fail, 11);
  assert_int_equal(pw.pd.stats.auth_ok, 1);
}

static void test_correct_auth_during_backoff(void **state) {
  (void)state;
  setup();
  uint8_t bad[32] = {1};
  /* Five failures on parallel connections, all still in their tarpits. */
  nm_sess_t tar[5];
  for (int i = 0; i < 5; i++) {
    pt_cli(&C, NM_ROLE_PATIENT, pw.ring.keys[PT_PAT].id, bad);
    assert_int_equal(pt_handshake(&tar[i], &C), PT_TARPIT);
  }
  assert_int_equal(pw.pd.fails, 5);
  assert_int_equal(pt_connect(&S, &C, PT_PAT, 0), PT_OPEN);
  uint8_t resp[NM_CMD_MAX], op = NM_OP_STATUS;
  size_t rl;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  for (int i = 0; i < 5; i++) nm_sess_close(&tar[i]);
  assert_ptr_equal(pw.pd.controller, &S);
}

/* A DATA frame sealed under the right key, with a given counter (the client's sealing
 * with its counter forced), used to make well-formed frames the device must refuse. */
static size_t seal_with_ctr(nm_cli_t *c, uint32_t ctr, const uint8_t *req, size_t len, uint8_t *f) {
  size_t n = 0;
  uint32_t save = c->tx_ctr, out = c->outstanding;
  c->tx_ctr = ctr - 1u;
  assert_int_equal(nm_cli_seal(c, req, len, f, NM_FRAME_MAX, &n), NM_OK);
  c->tx_ctr = save;
  c->outstanding = out;
  return n;
}

static void test_rejections_close_after_eight(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  uint8_t resp[NM_CMD_MAX], op = NM_OP_STATUS, f[NM_FRAME_MAX];
  size_t rl;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  size_t n = seal_with_ctr(&C, 1, &op, 1, f); /* an old counter: a replay */
  /* Seven rejections in a row, then a good frame: the run starts again. */
  for (int i = 0; i < 7; i++) {
    assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
    assert_int_equal(pt_out_error(NULL), NM_EAUTH);
    assert_true(nm_sess_alive(&S));
  }
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  assert_int_equal(S.rejects, 0);
  for (int i = 0; i < 7; i++) assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
  assert_true(nm_sess_alive(&S));
  assert_ptr_equal(pw.pd.controller, &S);
  /* The eighth in a row closes the session (an ERROR frame is still sent). */
  assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
  assert_int_equal(pt_out_error(NULL), NM_EAUTH);
  assert_false(nm_sess_alive(&S));
  assert_null(pw.pd.controller);
  assert_int_equal(pw.pd.stats.rejected, 15);
  assert_int_equal(pw.pd.stats.closed_rejects, 1);
  assert_true(pt_all_zero(S.k_c2d, 32) && pt_all_zero(S.k_d2c, 32));
  /* Frames after that are not read. */
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_IGNORED);
  assert_int_equal(pw.out_len, 0);
  assert_int_equal(pw.pd.stats.rejected, 15);
}

static void test_counters_increase(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  uint8_t op = NM_OP_STATUS, f[NM_FRAME_MAX], r[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t n, rl, resp_len;
  nm_rd_t rd;
  for (uint32_t i = 1; i <= 50; i++) {
    assert_int_equal(nm_cli_seal(&C, &op, 1, f, sizeof f, &n), NM_OK);
    nm_rd_init(&rd, f + 4, 4);
    assert_int_equal(nm_rd_u32(&rd), i);
    assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
    assert_int_equal(S.rx_ctr, i);
    (void)nm_cmd_exec(&pw.dev.core, S.role, pw.req, pw.req_len, r, sizeof r, &rl);
    assert_int_equal(nm_sess_seal(&S, r, rl, f, sizeof f, &n), NM_OK);
    /* The response carries its request's counter. */
    nm_rd_init(&rd, f + 4, 4);
    assert_int_equal(nm_rd_u32(&rd), i);
    /* One response per request: a second seal would reuse the nonce. */
    assert_int_equal(nm_sess_seal(&S, r, rl, f + 100, sizeof f - 100, &n), NM_ESTATE);
    assert_int_equal(nm_cli_open(&C, f, n, resp, sizeof resp, &resp_len), NM_OK);
    /* Nothing outstanding now: the same frame again is refused. */
    assert_int_equal(nm_cli_open(&C, f, n, resp, sizeof resp, &resp_len), NM_ESTATE);
  }
  /* Counters that skip ahead are fine (frames can be lost), going back is not. */
  n = seal_with_ctr(&C, 1000, &op, 1, f);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  n = seal_with_ctr(&C, 999, &op, 1, f);
  assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
  n = seal_with_ctr(&C, 1000, &op, 1, f);
  assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
  /* The last counter is usable once; after it the client must start a new session. */
  n = seal_with_ctr(&C, UINT32_MAX, &op, 1, f);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  C.tx_ctr = UINT32_MAX;
  assert_int_equal(nm_cli_seal(&C, &op, 1, f, sizeof f, &n), NM_ENOSPC);
}

static void test_seal_contracts(void **state) {
  (void)state;
  setup();
  uint8_t f[NM_FRAME_MAX], big[NM_CMD_MAX + 1];
  size_t n = 0;
  memset(big, 1, sizeof big);
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(nm_sess_seal(&S, big, 1, f, sizeof f, &n), NM_ESTATE);
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  assert_int_equal(nm_sess_seal(&S, big, 1, f, sizeof f, &n), NM_ESTATE); /* nothing pending */
  assert_int_equal(nm_cli_seal(&C, big, 0, f, sizeof f, &n), NM_EINVAL);
  assert_int_equal(nm_cli_seal(&C, big, NM_CMD_MAX + 1, f, sizeof f, &n), NM_EINVAL);
  assert_int_equal(nm_cli_seal(&C, big, 10, f, NM_DATA_OVERHEAD + 9, &n), NM_ENOSPC);
  assert_int_equal(C.tx_ctr, 0);
  assert_int_equal(nm_cli_seal(&C, big, NM_CMD_MAX, f, sizeof f, &n), NM_OK);
  assert_int_equal(n, NM_DATA_FRAME_MAX);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
  assert_int_equal(pw.req_len, NM_CMD_MAX);
  assert_int_equal(nm_sess_seal(&S, big, 0, f, sizeof f, &n), NM_EINVAL);
  assert_int_equal(nm_sess_seal(&S, big, NM_CMD_MAX + 1, f, sizeof f, &n), NM_EINVAL);
  assert_int_equal(nm_sess_seal(&S, big, 5, f, 28, &n), NM_ENOSPC);
  assert_int_equal(nm_sess_seal(&S, big, NM_CMD_MAX, f, sizeof f, &n), NM_OK);
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(nm_cli_open(&C, f, n, resp, NM_CMD_MAX - 1, &rl), NM_ENOSPC);
  assert_int_equal(nm_cli_open(&C, f, n, resp, sizeof resp, &rl), NM_OK);
  /* Caller buffers too small for nm_sess_rx: refused before anything, not counted. */
  size_t rq, ol;
  assert_int_equal(nm_cli_seal(&C, big, 1, f, sizeof f, &n), NM_OK);
  assert_int_equal(nm_sess_rx(&S, f, n, pw.now_us, pw.req, NM_CMD_MAX - 1, &rq, pw.out, sizeof pw.out, &ol), NM_ENOSPC);
  assert_int_equal(nm_sess_rx(&S, f, n, pw.now_us, pw.req, NM_CMD_MAX, &rq, pw.out, NM_SESS_OUT_MIN - 1, &ol), NM_ENOSPC);
  assert_int_equal(pw.pd.stats.rejected, 0);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REQUEST);
}

static void test_deadlines(void **state) {
  (void)state;
  setup();
  uint8_t f[NM_FRAME_MAX];
  size_t n;
  uint64_t t0 = pw.now_us;
  nm_sess_init(&S, &pw.pd, t0);
  assert_int_equal(nm_sess_deadline_us(&S), t0 + NM_PROTO_HANDSHAKE_US);
  pt_cli(&C, NM_ROLE_CLINICIAN, pw.ring.keys[PT_CLIN].id, pw.ring.keys[PT_CLIN].secret);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  pw.now_us += 2000000;
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
  /* The handshake deadline runs from the start, not from HELLO. */
  assert_int_equal(nm_sess_deadline_us(&S), t0 + NM_PROTO_HANDSHAKE_US);
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_OK);
  pw.now_us += 1000000;
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_auth_ok(&C, pw.out, pw.out_len), NM_OK);
  assert_int_equal(S.last_us, pw.now_us);
  assert_int_equal(nm_sess_deadline_us(&S), pw.now_us + NM_PROTO_IDLE_US);
  /* An authenticated request moves the idle deadline; a rejected frame does not. */
  uint8_t resp[NM_CMD_MAX], op = NM_OP_STATUS;
  size_t rl;
  pw.now_us += 10000000;
  assert_int_equal(pt_call(&S, &C, &op, 1, resp, &rl), NM_OK);
  uint64_t last = pw.now_us;
  assert_int_equal(nm_sess_deadline_us(&S), last + NM_PROTO_IDLE_US);
  pw.now_us += 20000000;
  n = seal_with_ctr(&C, 1, &op, 1, f);
  assert_int_equal(pt_rx(&S, f, n), NM_EAUTH);
  assert_int_equal(nm_sess_deadline_us(&S), last + NM_PROTO_IDLE_US);
  nm_sess_close(&S);
  assert_int_equal(nm_sess_deadline_us(&S), 0);
}

static void test_keys_wiped_on_close(void **state) {
  (void)state;
  setup();
  assert_int_equal(pt_connect(&S, &C, PT_CLIN, 0), PT_OPEN);
  assert_false(pt_all_zero(S.k_c2d, 32));
  assert_false(pt_all_zero(C.k_d2c, 32));
  nm_sess_close(&S);
  nm_cli_close(&C);
  assert_true(pt_all_zero(S.k_c2d, 32) && pt_all_zero(S.k_d2c, 32));
  assert_true(pt_all_zero(S.mac_c, 32) && pt_all_zero(S.mac_d, 32));
  assert_true(pt_all_zero(C.k_c2d, 32) && pt_all_zero(C.k_d2c, 32));
  assert_true(pt_all_zero(C.secret, 32) && pt_all_zero(C.mac_d, 32));
  assert_int_equal(S.st, NM_SST_CLOSED);
  assert_int_equal(S.role, NM_ROLE_NONE);
  assert_null(pw.pd.controller);
  nm_sess_close(&S); /* idempotent */
  nm_cli_close(&C);
  /* Closed in the middle of the handshake: the expected MACs go too. */
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX];
  size_t n;
  pt_cli(&C, k->role, k->id, k->secret);
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_REPLY);
  assert_false(pt_all_zero(S.mac_c, 32));
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, NULL, f, sizeof f, &n), NM_OK);
  assert_false(pt_all_zero(C.mac_d, 32));
  nm_sess_close(&S);
  nm_cli_close(&C);
  assert_true(pt_all_zero(S.mac_c, 32) && pt_all_zero(S.mac_d, 32) && pt_all_zero(S.k_c2d, 32));
  assert_true(pt_all_zero(C.mac_d, 32) && pt_all_zero(C.k_c2d, 32));
}

/* A port whose RNG fails: the device must not run a handshake on a predictable nonce. */
static int bad_rng(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  memset(buf, 0, len);
  return NM_EIO;
}

static void test_rng_failure(void **state) {
  (void)state;
  setup();
  nm_port_t port = *sim_port(&pw.dev.hw);
  port.rng = bad_rng;
  pw.pd.port = &port;
  const pt_key_t *k = &pw.ring.keys[PT_CLIN];
  uint8_t f[NM_FRAME_MAX];
  size_t n;
  pt_cli(&C, k->role, k->id, k->secret);
  nm_sess_init(&S, &pw.pd, pw.now_us);
  assert_int_equal(nm_cli_hello(&C, f, sizeof f, &n), NM_OK);
  assert_int_equal(pt_rx(&S, f, n), NM_SESS_CLOSE);
  assert_int_equal(pt_out_error(NULL), NM_EIO);
  assert_int_equal(nm_cli_on_challenge(&C, pw.out, pw.out_len, PT_SERIAL, f, sizeof f, &n), NM_EIO);
  assert_int_equal(pw.pd.stats.rejected, 0);
  assert_false(nm_sess_alive(&S));
  assert_true(pt_all_zero(S.k_c2d, 32) && pt_all_zero(S.mac_c, 32));
  pw.pd.port = sim_port(&pw.dev.hw);
}

static void test_sizes(void **state) {
  (void)state;
  /* The RAM budget: sessions and clients are small; frames live in caller buffers. */
  printf("sizeof nm_sess_t=%zu nm_proto_dev_t=%zu nm_cli_t=%zu\n", sizeof(nm_sess_t),
         sizeof(nm_proto_dev_t), sizeof(nm_cli_t));
  assert_true(sizeof(nm_sess_t) <= 256);
  assert_true(sizeof(nm_proto_dev_t) <= 96);
  assert_true(sizeof(nm_cli_t) <= 256);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_frame_need_incremental),
      cmocka_unit_test(test_clinician_round_trip),
      cmocka_unit_test(test_patient_round_trip),
      cmocka_unit_test(test_wrong_key),
      cmocka_unit_test(test_unknown_and_revoked_ids),
      cmocka_unit_test(test_role_claims),
      cmocka_unit_test(test_fake_device),
      cmocka_unit_test(test_one_controller),
      cmocka_unit_test(test_patient_never_preempts),
      cmocka_unit_test(test_claim_does_not_preempt),
      cmocka_unit_test(test_two_handshakes_race),
      cmocka_unit_test(test_backoff),
      cmocka_unit_test(test_correct_auth_during_backoff),
      cmocka_unit_test(test_rejections_close_after_eight),
      cmocka_unit_test(test_counters_increase),
      cmocka_unit_test(test_seal_contracts),
      cmocka_unit_test(test_deadlines),
      cmocka_unit_test(test_keys_wiped_on_close),
      cmocka_unit_test(test_rng_failure),
      cmocka_unit_test(test_sizes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
