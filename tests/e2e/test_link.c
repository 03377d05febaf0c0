/* test_link.c: end to end over the secure link: a real `nmod sim` process on a free
 * loopback port, driven by the real programmer and remote processes, and attacked through
 * raw sockets: wrong key, revoked remote, replayed frame, flipped bit, truncated frame,
 * oversized frame, random bytes, two controllers at once, a flood of connections. */
#include "e2e.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "client.h"
#include "keyfile.h"
#include "net.h"
#include "nmod/dev.h"
#include "nmod/wire.h"

/* ---- a raw client for the attacks --------------------------------------------------- */

typedef struct {
  cl_conn_t c;
  kf_key_t key;
} raw_t;

static void raw_open(raw_t *x, const char *keyfile) {
  char err[512];
  assert_int_equal(kf_read(keyfile, &x->key, err, sizeof err), 0);
  if (cl_open(&x->c, addr, &x->key, 5000) != NM_OK) fail_msg("raw open: %s", x->c.msg);
}

/* Seal one request, send it; return the frame in frame/flen (for replays). */
static void raw_send(raw_t *x, const uint8_t *req, size_t len, uint8_t *frame, size_t *flen) {
  assert_int_equal(nm_cli_seal(&x->c.cli, req, len, frame, NM_FRAME_MAX, flen), NM_OK);
  assert_int_equal(net_send_all(x->c.fd, frame, *flen, 5000), 0);
}

/* Receive one frame: NM_OK and the response, or the code of an ERROR frame. */
static int raw_recv(raw_t *x, uint8_t *resp, size_t *rl) {
  uint8_t in[NM_FRAME_MAX];
  size_t n;
  if (net_recv_frame(x->c.fd, in, sizeof in, &n, 5000) != 0) return DEV_ETRANSPORT;
  return nm_cli_open(&x->c.cli, in, n, resp, NM_CMD_MAX, rl);
}

static uint32_t rejected_frames(void) {
  proc_result_t r;
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  int64_t n;
  assert_int_equal(js_num_fixed(js_get(v, "rejected_frames"), 0, &n), 0);
  js_free(v);
  proc_free(&r);
  return (uint32_t)n;
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_newcomer_flow(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/flow", tmpdir);
  sim_start(state, NULL, NULL);
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  assert_string_equal(js_get(v, "mode")->str, "shelf");
  assert_string_equal(js_get(v, "therapy")->str, "snm");
  assert_string_equal(js_get(v, "kind")->str, "ets");
  js_free(v);
  proc_free(&r);
  program_and_pair();
  assert_int_equal(amp_ua(remote_key), 1000);
  assert_int_equal(REMOTE(&r, remote_key, "amp", "up"), 0);
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 1100);
  assert_int_equal(REMOTE(&r, remote_key, "amp", "set", "3.0"), 0);
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 3000);
  /* The remote cannot leave the clinician's range... */
  assert_int_equal(REMOTE(&r, remote_key, "amp", "up"), 3);
  assert_int_equal(proc_lines(r.err), 1);
  assert_non_null(strstr(r.err, "range"));
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "amp", "set", "3.1"), 3);
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 3000);
  /* ...nor do anything of the clinician's, even speaking the protocol directly. */
  raw_t x;
  raw_open(&x, remote_key);
  dev_link_t l;
  cl_link(&x.c, &l);
  uint8_t op_pair = NM_OP_PAIR;
  assert_int_equal(dev_simple(&l, op_pair), NM_EPERM);
  assert_int_equal(dev_simple(&l, NM_OP_INTERROGATE), NM_EPERM);
  assert_int_equal(dev_op_u8(&l, NM_OP_MODE, NM_MODE_SHELF), NM_EPERM);
  assert_int_equal(dev_test_start(&l, 0, 500, 100), NM_EPERM);
  static tf_therapy_t t;
  char err[256];
  assert_int_equal(tf_load(example("snm-default.json"), &t, err, sizeof err), 0);
  dev_refusal_t why;
  assert_int_equal(dev_program_all(&l, &t, &why), NM_EPERM);
  cl_close(&x.c);
  /* MRI mode by the remote, back to therapy after. */
  assert_int_equal(REMOTE(&r, remote_key, "mri", "on", "--json"), 0);
  v = json_of(&r);
  assert_string_equal(js_get(v, "mode")->str, "mri");
  js_free(v);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "mri", "off"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "surgery", "on"), 0);
  assert_non_null(strstr(r.out, "bipolar"));
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "surgery", "off"), 0);
  proc_free(&r);
  /* The history tells it all. */
  assert_int_equal(PROG(&r, "history", "--json"), 0);
  v = json_of(&r);
  const js_val *ev = js_get(v, "events");
  int mode_changes = 0, refusals = 0, pairs = 0;
  for (size_t i = 0; i < ev->n; i++) {
    const char *type = js_get(&ev->items[i], "type")->str;
    mode_changes += strcmp(type, "mode") == 0;
    refusals += strcmp(type, "refused") == 0;
    pairs += strcmp(type, "pair") == 0;
  }
  assert_true(mode_changes >= 6);
  assert_true(refusals >= 6);
  assert_int_equal(pairs, 1);
  js_free(v);
  proc_free(&r);
  sim_stop(SIGTERM);
}

static void test_keys(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/keys", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  /* The right key id with a wrong secret: authentication fails (exit 4). */
  kf_key_t k;
  char err[512], forged[400];
  assert_int_equal(kf_read(clin, &k, err, sizeof err), 0);
  k.secret[5] ^= 0x40;
  snprintf(forged, sizeof forged, "%s/forged.key", tmpdir);
  unlink(forged);
  assert_int_equal(kf_write(forged, &k, err, sizeof err), 0);
  assert_int_equal(RUN(&r, "programmer", "--device", addr, "--key", forged, "interrogate"), 4);
  assert_int_equal(proc_lines(r.err), 1);
  assert_non_null(strstr(r.err, "authentication failed"));
  proc_free(&r);
  /* A key file others can read is refused before anything is sent. */
  chmod(forged, 0644);
  assert_int_equal(RUN(&r, "programmer", "--device", addr, "--key", forged, "interrogate"), 2);
  assert_non_null(strstr(r.err, "chmod 600"));
  proc_free(&r);
  /* A revoked remote is out. */
  assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "revoke-remote", remote_key), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "status"), 4);
  assert_non_null(strstr(r.err, "authentication failed"));
  proc_free(&r);
  /* The clinician key still works after the failures (back-off never locks it out). */
  assert_int_equal(PROG(&r, "interrogate"), 0);
  proc_free(&r);
  /* Nothing to reach: exit 4 with what to do. */
  assert_int_equal(RUN(&r, "programmer", "--device", "127.0.0.1:1", "--key", clin, "interrogate"), 4);
  assert_non_null(strstr(r.err, "nmod sim"));
  proc_free(&r);
  sim_stop(SIGTERM);
}

static void test_replay_and_tamper(void **state_) {
  (void)state_;
  snprintf(state, sizeof state, "%s/attack", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  uint32_t rejected0 = rejected_frames();
  raw_t x;
  raw_open(&x, remote_key);
  uint8_t req[3] = {NM_OP_AMP_STEP, 0xFF, 1}, frame[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t flen, rl;
  raw_send(&x, req, 3, frame, &flen);
  assert_int_equal(raw_recv(&x, resp, &rl), NM_OK);
  assert_int_equal(resp[0], 0);
  /* The same frame again: rejected, the amplitude does not move twice. */
  assert_int_equal(net_send_all(x.c.fd, frame, flen, 5000), 0);
  uint8_t in[NM_FRAME_MAX];
  size_t n;
  assert_int_equal(net_recv_frame(x.c.fd, in, sizeof in, &n, 5000), 0);
  nm_frame_t f;
  assert_int_equal(nm_frame_parse(in, n, &f), NM_OK);
  assert_int_equal(f.type, NM_FT_ERROR);
  /* A flipped bit in each part of a fresh frame: counter, ciphertext, tag. */
  size_t flips[] = {5, 9, flen - 1};
  for (size_t i = 0; i < 3; i++) {
    uint8_t fresh[NM_FRAME_MAX];
    size_t fl;
    assert_int_equal(nm_cli_seal(&x.c.cli, req, 3, fresh, sizeof fresh, &fl), NM_OK);
    fresh[flips[i]] ^= 0x10;
    assert_int_equal(net_send_all(x.c.fd, fresh, fl, 5000), 0);
    assert_int_equal(net_recv_frame(x.c.fd, in, sizeof in, &n, 5000), 0);
    assert_int_equal(nm_frame_parse(in, n, &f), NM_OK);
    assert_int_equal(f.type, NM_FT_ERROR);
  }
  cl_close(&x.c);
  assert_int_equal(amp_ua(remote_key), 1100); /* exactly one step */
  assert_true(rejected_frames() >= rejected0 + 4);
  /* A frame recorded in one session replayed into another: rejected too. */
  raw_open(&x, remote_key);
  assert_int_equal(net_send_all(x.c.fd, frame, flen, 5000), 0);
  int st = raw_recv(&x, resp, &rl);
  assert_true(st != NM_OK);
  cl_close(&x.c);
  assert_int_equal(amp_ua(remote_key), 1100);
  sim_stop(SIGTERM);
}

static int raw_socket(void) {
  struct sockaddr_in a;
  char err[256];
  assert_int_equal(net_parse_addr(addr, &a, err, sizeof err), 0);
  int fd = net_connect(&a, 5000, err, sizeof err);
  assert_true(fd >= 0);
  return fd;
}

static void test_malformed_and_flood(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/flood", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  /* Oversized length: the device closes the connection. */
  int fd = raw_socket();
  uint8_t big[4] = {0xFF, 0xFF, 1, NM_FT_HELLO};
  assert_int_equal(net_send_all(fd, big, 4, 2000), 0);
  uint8_t in[NM_FRAME_MAX];
  size_t n;
  (void)net_recv_frame(fd, in, sizeof in, &n, 3000);
  char c;
  assert_true(recv(fd, &c, 1, 0) <= 0); /* closed */
  close(fd);
  /* Truncated frames (a header promising more than comes), then silence. */
  for (int i = 0; i < 5; i++) {
    fd = raw_socket();
    uint8_t part[10] = {25, 0, 1, NM_FT_HELLO, 2, 1, 2, 3};
    assert_int_equal(net_send_all(fd, part, 4u + (size_t)i, 2000), 0);
    close(fd);
  }
  /* Random bytes from many connections. */
  for (int i = 0; i < 200; i++) {
    fd = raw_socket();
    uint8_t junk[64];
    size_t len = 1 + tu_rand(&seed) % sizeof junk;
    for (size_t k = 0; k < len; k++) junk[k] = (uint8_t)tu_rand(&seed);
    (void)net_send_all(fd, junk, len, 2000);
    close(fd);
  }
  /* A flood of idle connections holding every slot... */
  int idle[40];
  for (int i = 0; i < 40; i++) idle[i] = raw_socket();
  /* ...does not keep the device from its own clients. */
  assert_int_equal(REMOTE(&r, remote_key, "amp", "up"), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate"), 0);
  proc_free(&r);
  for (int i = 0; i < 40; i++) close(idle[i]);
  assert_int_equal(amp_ua(remote_key), 1100);
  sim_stop(SIGTERM);
}

static void test_two_controllers(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/two", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  raw_t x;
  raw_open(&x, clin); /* one controller holds a session */
  assert_int_equal(REMOTE(&r, remote_key, "status"), 4);
  assert_non_null(strstr(r.err, "busy"));
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate"), 4);
  proc_free(&r);
  cl_close(&x.c);
  /* Once it is gone the others are served again (the device notices the close). */
  int ok = 0;
  for (int i = 0; i < 50 && !ok; i++) {
    ok = REMOTE(&r, remote_key, "status") == 0;
    proc_free(&r);
  }
  assert_true(ok);
  sim_stop(SIGTERM);
}

/* A patient's remote that keeps its session open (a STATUS now and then) cannot lock the
 * clinician out: the clinician's authenticated session takes the slot, and revoking the
 * remote works. */
static void test_clinician_preempts_patient(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/preempt", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  raw_t x;
  raw_open(&x, remote_key);
  uint8_t op = NM_OP_STATUS, frame[NM_FRAME_MAX], resp[NM_CMD_MAX];
  size_t fl, rl;
  raw_send(&x, &op, 1, frame, &fl);
  assert_int_equal(raw_recv(&x, resp, &rl), NM_OK); /* the patient holds the slot */
  assert_int_equal(PROG(&r, "revoke-remote", remote_key), 0);
  proc_free(&r);
  /* The patient's session was closed for it: its next request gets no answer. */
  raw_send(&x, &op, 1, frame, &fl);
  assert_int_not_equal(raw_recv(&x, resp, &rl), NM_OK);
  cl_close(&x.c);
  /* And the revoked key is out for good. */
  assert_int_equal(REMOTE(&r, remote_key, "status"), 4);
  proc_free(&r);
  sim_stop(SIGTERM);
}

static void test_restart_and_kill(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/restart", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  assert_int_equal(REMOTE(&r, remote_key, "amp", "up"), 0);
  proc_free(&r);
  sim_stop(SIGKILL); /* nothing acknowledged may be lost */
  sim_start(state, NULL, NULL);
  assert_int_equal(amp_ua(remote_key), 1100);
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  assert_string_equal(js_get(v, "mode")->str, "therapy");
  js_free(v);
  proc_free(&r);
  /* The state folder names its device: other options are refused. */
  sim_stop(SIGTERM);
  char *argv[] = {(char *)proc_nmod(), "sim", "--kind", "ins", "--state", state, "--listen", "127.0.0.1:0", NULL};
  assert_int_equal(proc_run(argv, 20, &r), 0);
  assert_int_equal(r.code, 2);
  assert_non_null(strstr(r.err, "holds an ets snm"));
  proc_free(&r);
}

/* kill -9 of nmod sim during a stream of programming commands, then a restart: the device
 * is always readable and holds one whole therapy, never a mix. */
static void test_kill_during_programming(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/kill", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  char alt[400];
  snprintf(alt, sizeof alt, "%s/alt.json", tmpdir);
  FILE *f = fopen(alt, "w");
  fputs("{\"format\":\"nmod-therapy/1\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"programs\":["
        "{\"name\":\"alt\",\"waveform\":\"tonic\",\"rate_hz\":21,\"width_us\":180,\"amplitude_ma\":2.0,"
        "\"patient_range_ma\":[0.5,2.5],\"electrodes\":{\"E1\":-100,\"E2\":100}},"
        "{\"name\":\"spare\",\"waveform\":\"tonic\",\"rate_hz\":30,\"width_us\":100,\"amplitude_ma\":0.5,"
        "\"running\":false,\"electrodes\":{\"E0\":-100,\"E3\":100}}]}\n", f);
  fclose(f);
  for (int round = 0; round < 6; round++) {
    /* A programmer streaming commands in a child process. */
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
      for (int i = 0; i < 200; i++) {
        char *off[] = {(char *)proc_nmod(), "programmer", "--device", addr, "--key", clin, "therapy", "off", NULL};
        char *prog[] = {(char *)proc_nmod(), "programmer", "--device", addr, "--key", clin, "program",
                        i % 2 ? alt : (char *)example("snm-default.json"), NULL};
        proc_result_t cr;
        proc_run(off, 10, &cr);
        proc_free(&cr);
        proc_run(prog, 10, &cr);
        proc_free(&cr);
      }
      _exit(0);
    }
    struct timespec ts = {0, (long)(100 + tu_rand(&seed) % 400) * 1000000L};
    nanosleep(&ts, NULL);
    sim_stop(SIGKILL);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    sim_start(state, NULL, NULL);
    assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
    js_val *v = json_of(&r);
    const js_val *ps = js_get(v, "program_settings");
    const char *first = ps && ps->n ? js_get(&ps->items[0], "name")->str : "";
    int is_default = ps->n == 1 && strcmp(first, "default") == 0 &&
                     strcmp(js_get(&ps->items[0], "waveform")->str, "tonic") == 0;
    int is_alt = ps->n == 2 && strcmp(first, "alt") == 0 && strcmp(js_get(&ps->items[1], "name")->str, "spare") == 0;
    if (is_alt) {
      int64_t hz;
      assert_int_equal(js_num_fixed(js_get(&ps->items[0], "rate_hz"), 0, &hz), 0);
      is_alt = hz == 21;
    }
    if (!is_default && !is_alt) fail_msg("round %d: after kill -9 the device holds a mixed therapy: %s", round, r.out);
    js_free(v);
    proc_free(&r);
  }
  sim_stop(SIGTERM);
}

static void test_link_model(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/ble", tmpdir);
  sim_start(state, "--link", "ble");
  assert_int_equal(PROG(&r, "interrogate"), 0);
  proc_free(&r);
  sim_stop(SIGTERM);
  char log[400];
  snprintf(log, sizeof log, "%s/sim.log", tmpdir);
  FILE *f = fopen(log, "r");
  assert_non_null(f);
  char line[512];
  int air = 0;
  while (fgets(line, sizeof line, f)) air |= strstr(line, "bytes on the air (ble)") != NULL;
  fclose(f);
  assert_true(air);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_newcomer_flow),     cmocka_unit_test(test_keys),
      cmocka_unit_test(test_replay_and_tamper), cmocka_unit_test(test_malformed_and_flood),
      cmocka_unit_test(test_two_controllers),
      cmocka_unit_test(test_clinician_preempts_patient),   cmocka_unit_test(test_restart_and_kill),
      cmocka_unit_test(test_kill_during_programming), cmocka_unit_test(test_link_model),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
