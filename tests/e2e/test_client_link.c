/* test_client_link.c: the host's side of the link against a real `nmod sim`, through a
 * loopback proxy in this test that stands where an attacker (or a bad radio) would:
 * - stray ERROR frames and forged DATA frames in front of the real response: the real
 *   remote and programmer wait for the sealed response and succeed, and a relative step
 *   is applied exactly once;
 * - the real response dropped (an ERROR in its place): the tool fails after its reply
 *   deadline saying the command may or may not have been applied, never "try again";
 * - a relay holding the credential (both ends of the real protocol) that marks the real
 *   device's answer to a lowering as NM_ENOTSTORED, which the device firmware answers
 *   when a lowering is in effect but its flash write failed: the tools warn in one line
 *   and exit 0. */
#include "e2e.h"

#include <poll.h>
#include <sys/socket.h>

#include "client.h"
#include "keyfile.h"
#include "net.h"
#include "nmod/dev.h"
#include "nmod/wire.h"
#include "sim.h"

enum {
  PX_INJECT = 1, /* ERROR, forged DATA and ERROR frames before every response */
  PX_DROP = 2,   /* response number px_drop of each connection dropped, an ERROR sent instead */
  PX_RELAY = 4   /* terminate the protocol; answers to THERAPY/MODE/AMP_STEP become NM_ENOTSTORED */
};

static pid_t px_pid = -1;
static int px_drop;

static void px_stop(void) {
  if (px_pid > 0) proc_stop(px_pid, SIGKILL, 5);
  px_pid = -1;
}
static char px_addr[64];

static void put_error(int fd, int8_t code) {
  uint8_t e[9] = {7, 0, NM_PROTO_VERSION, NM_FT_ERROR, (uint8_t)code, 0, 0, 0, 0};
  (void)net_send_all(fd, e, sizeof e, 2000);
}

/* A DATA frame with the counter of the client's request and a tag nobody made. */
static void put_forged(int fd, uint32_t ctr) {
  uint8_t f[NM_DATA_OVERHEAD + 2] = {(uint8_t)(sizeof f - 2), 0, NM_PROTO_VERSION, NM_FT_DATA};
  for (int i = 0; i < 4; i++) f[4 + i] = (uint8_t)(ctr >> (8 * i));
  for (size_t i = 8; i < sizeof f; i++) f[i] = (uint8_t)tu_rand(&seed);
  (void)net_send_all(fd, f, sizeof f, 2000);
}

/* Frame-level forwarding between one client and the device, with the mode's changes. */
static void px_forward(int cfd, int dfd, int mode) {
  uint8_t buf[NM_FRAME_MAX];
  size_t n;
  uint32_t ctr = 0;
  int responses = 0;
  for (int rounds = 0; rounds < 10000; rounds++) {
    struct pollfd p[2] = {{cfd, POLLIN, 0}, {dfd, POLLIN, 0}};
    if (poll(p, 2, 10000) <= 0) return;
    if (p[0].revents) {
      if (net_recv_frame(cfd, buf, sizeof buf, &n, 2000) != 0) return;
      if (buf[3] == NM_FT_DATA) ctr = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 | (uint32_t)buf[7] << 24;
      if (net_send_all(dfd, buf, n, 2000) != 0) return;
    }
    if (p[1].revents) {
      if (net_recv_frame(dfd, buf, sizeof buf, &n, 2000) != 0) return;
      if (buf[3] == NM_FT_DATA) {
        responses++;
        if (mode & PX_INJECT) {
          put_error(cfd, NM_EAUTH);
          put_forged(cfd, ctr);
          put_error(cfd, NM_EBUSY);
        }
        if ((mode & PX_DROP) && responses == px_drop) {
          put_error(cfd, NM_EAUTH);
          continue;
        }
      }
      if (net_send_all(cfd, buf, n, 2000) != 0) return;
    }
  }
}

/* ---- the relay: a device to the client, a client to the real device --------------- */

static kf_key_t relay_keys[2];

static int relay_lookup(void *ctx, const uint8_t key_id[8], uint8_t *role, uint8_t key[32]) {
  (void)ctx;
  for (int i = 0; i < 2; i++) {
    if (memcmp(relay_keys[i].key_id, key_id, NM_KEY_ID_LEN) != 0) continue;
    *role = relay_keys[i].role;
    memcpy(key, relay_keys[i].secret, NM_SECRET_LEN);
    return NM_OK;
  }
  return NM_ENOENT;
}

static void px_relay(int cfd, nm_proto_dev_t *pd) {
  nm_sess_t s;
  cl_conn_t up;
  int up_open = 0;
  nm_sess_init(&s, pd, net_now_ms() * 1000u);
  uint8_t in[NM_FRAME_MAX], out[NM_FRAME_MAX], req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t n, out_len, req_len, rl;
  for (int rounds = 0; rounds < 1000; rounds++) {
    if (net_recv_frame(cfd, in, sizeof in, &n, 10000) != 0) break;
    int rc = nm_sess_rx(&s, in, n, net_now_ms() * 1000u, req, sizeof req, &req_len, out, sizeof out, &out_len);
    if (rc == NM_SESS_REQUEST) {
      if (!up_open) {
        const kf_key_t *k = memcmp(s.key_id, relay_keys[0].key_id, NM_KEY_ID_LEN) == 0 ? &relay_keys[0] : &relay_keys[1];
        if (cl_open(&up, addr, k, 5000) != NM_OK) break;
        up_open = 1;
      }
      dev_link_t l;
      cl_link(&up, &l);
      if (dev_call(&l, req, req_len, resp, sizeof resp, &rl) == DEV_ETRANSPORT) break;
      uint8_t op = req[0];
      if (resp[0] == 0 && (op == NM_OP_THERAPY || op == NM_OP_MODE || op == NM_OP_AMP_STEP)) {
        resp[0] = (uint8_t)(int8_t)NM_ENOTSTORED;
      }
      if (nm_sess_seal(&s, resp, rl, out, sizeof out, &out_len) != NM_OK) break;
    } else if (rc == NM_SESS_TARPIT || rc == NM_SESS_IGNORED) {
      break;
    }
    if (out_len && net_send_all(cfd, out, out_len, 2000) != 0) break;
    if (!nm_sess_alive(&s)) break;
  }
  nm_sess_close(&s);
  if (up_open) cl_close(&up);
}

/* Start the proxy (a child process) in front of the sim at addr; px_addr is its address. */
static void px_start(int mode) {
  px_stop();
  struct sockaddr_in a;
  char err[256];
  assert_int_equal(net_parse_addr("127.0.0.1:0", &a, err, sizeof err), 0);
  uint16_t port;
  int lfd = net_listen(&a, &port, err, sizeof err);
  assert_true(lfd >= 0);
  snprintf(px_addr, sizeof px_addr, "127.0.0.1:%u", port);
  if (mode & PX_RELAY) {
    assert_int_equal(kf_read(clin, &relay_keys[0], err, sizeof err), 0);
    assert_int_equal(kf_read(remote_key, &relay_keys[1], err, sizeof err), 0);
  }
  px_pid = fork();
  assert_true(px_pid >= 0);
  if (px_pid > 0) {
    close(lfd);
    return;
  }
  /* The child: no cmocka asserts from here on. */
  static sim_hw_t hw; /* the relay's own randomness, for its device nonces */
  sim_init(&hw, nm_lead_catalog(NM_LEAD_SNM_TINED_4), NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV, NULL, 0, 0);
  nm_proto_dev_t pd;
  uint8_t serial[NM_SERIAL_LEN] = {0};
  memcpy(serial, relay_keys[0].serial, strnlen(relay_keys[0].serial, NM_SERIAL_LEN));
  nm_pdev_init(&pd, sim_port(&hw), serial, relay_lookup, NULL);
  struct sockaddr_in sa;
  if (net_parse_addr(addr, &sa, err, sizeof err) != 0) _exit(1);
  for (int conns = 0; conns < 200; conns++) {
    int cfd = accept(lfd, NULL, NULL);
    if (cfd < 0) break;
    if (mode & PX_RELAY) {
      px_relay(cfd, &pd);
    } else {
      int dfd = net_connect(&sa, 5000, err, sizeof err);
      if (dfd >= 0) {
        px_forward(cfd, dfd, mode);
        close(dfd);
      }
    }
    close(cfd);
  }
  _exit(0);
}


#define VIA(r, key, ...) RUN(r, "remote", "--device", px_addr, "--key", key, __VA_ARGS__)
#define VIA_PROG(r, ...) RUN(r, "programmer", "--device", px_addr, "--key", clin, __VA_ARGS__)

/* ---- tests -------------------------------------------------------------------------- */

static void test_stray_frames_before_the_response(void **state_) {
  (void)state_;
  proc_result_t r;
  sim_start_paired("stray");
  assert_int_equal(amp_ua(remote_key), 1000);
  px_start(PX_INJECT);
  /* Every response comes after an ERROR(EAUTH), a forged DATA frame and an ERROR(EBUSY). */
  if (VIA(&r, remote_key, "amp", "up") != 0) fail_msg("amp up past stray frames: %s", r.err);
  assert_non_null(strstr(r.out, "amp up"));
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 1100); /* one step, not two */
  if (VIA(&r, remote_key, "amp", "down") != 0) fail_msg("amp down past stray frames: %s", r.err);
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 1000);
  if (VIA_PROG(&r, "interrogate", "--json") != 0) fail_msg("interrogate past stray frames: %s", r.err);
  js_free(json_of(&r));
  proc_free(&r);
  px_stop();
  sim_stop(SIGTERM);
}

static void test_lost_response(void **state_) {
  (void)state_;
  proc_result_t r;
  sim_start_paired("lost");
  /* The remote reads STATUS (answered), then steps (the answer is dropped). */
  px_drop = 2;
  px_start(PX_DROP);
  assert_int_equal(VIA(&r, remote_key, "amp", "up"), 4);
  assert_int_equal(proc_lines(r.err), 1);
  if (!strstr(r.err, "may or may not have been applied") || !strstr(r.err, "'status'") || strstr(r.err, "try again")) {
    fail_msg("lost answer to amp up: %s", r.err);
  }
  assert_non_null(strstr(r.err, "ERROR frame said"));
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 1100); /* it was applied, once */
  /* The programmer names its own read-out; the change did happen. */
  px_drop = 1;
  px_start(PX_DROP);
  assert_int_equal(VIA_PROG(&r, "therapy", "off"), 4);
  assert_int_equal(proc_lines(r.err), 1);
  if (!strstr(r.err, "may or may not have been applied") || !strstr(r.err, "'interrogate'")) {
    fail_msg("lost answer to therapy off: %s", r.err);
  }
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  assert_string_equal(js_get(v, "mode")->str, "off");
  js_free(v);
  proc_free(&r);
  /* A lost answer to a query may simply be asked again. */
  assert_int_equal(VIA(&r, remote_key, "status"), 4);
  assert_non_null(strstr(r.err, "try again"));
  assert_null(strstr(r.err, "may or may not"));
  proc_free(&r);
  px_stop();
  sim_stop(SIGTERM);
}

static void test_not_stored(void **state_) {
  (void)state_;
  proc_result_t r;
  sim_start_paired("notstored");
  assert_int_equal(amp_ua(remote_key), 1000);
  px_start(PX_RELAY);
  /* Through the relay, unchanged answers: the session works and nothing is flagged. */
  assert_int_equal(VIA(&r, remote_key, "status"), 0);
  proc_free(&r);
  /* A lowering in effect but not stored: done (exit 0), one warning line, stdout as usual. */
  assert_int_equal(VIA(&r, remote_key, "amp", "down"), 0);
  assert_int_equal(proc_lines(r.err), 1);
  assert_non_null(strstr(r.err, "amp down: in effect now, but the stimulator could not store it (memory fault); "
                                "it will be stored when the memory works again"));
  assert_non_null(strstr(r.out, "amp down: stimulator therapy"));
  proc_free(&r);
  assert_int_equal(amp_ua(remote_key), 900); /* one step */
  assert_int_equal(VIA(&r, remote_key, "off", "--json"), 0);
  assert_non_null(strstr(r.err, "therapy off: in effect now"));
  js_val *v = json_of(&r);
  assert_string_equal(js_get(v, "done")->str, "off");
  assert_int_equal(js_get(v, "stored")->type, JS_BOOL);
  assert_false(js_get(v, "stored")->boolean);
  js_free(v);
  proc_free(&r);
  assert_int_equal(VIA_PROG(&r, "therapy", "off"), 0);
  assert_non_null(strstr(r.err, "therapy off: in effect now, but the stimulator could not store it (memory fault)"));
  assert_string_equal(r.out, "therapy off\n");
  proc_free(&r);
  assert_int_equal(VIA_PROG(&r, "mode", "mri", "--json"), 0);
  assert_int_equal(proc_lines(r.err), 1);
  assert_non_null(strstr(r.err, "nmod programmer: mode mri: in effect now"));
  assert_string_equal(r.out, "{\"done\":\"mode mri\",\"stored\":false}\n");
  proc_free(&r);
  px_stop();
  /* Straight to the device: a stored change says so. */
  assert_int_equal(PROG(&r, "mode", "normal", "--json"), 0);
  assert_string_equal(r.out, "{\"done\":\"mode normal\",\"stored\":true}\n");
  assert_int_equal(r.err_len, 0);
  proc_free(&r);
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_stray_frames_before_the_response),
      cmocka_unit_test(test_lost_response),
      cmocka_unit_test(test_not_stored),
  };
  int rc = cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
  px_stop();
  return rc;
}
