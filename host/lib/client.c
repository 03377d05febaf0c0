/* client.c: see client.h. */
#define _POSIX_C_SOURCE 200809L
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "net.h"
#include "nmod/dev.h"

static int fail(cl_conn_t *c, int err, const char *msg) {
  c->last_err = err;
  snprintf(c->msg, sizeof c->msg, "%s", msg);
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  nm_cli_close(&c->cli);
  return err;
}

static int send_frame(cl_conn_t *c, const uint8_t *buf, size_t len) {
  if (net_send_all(c->fd, buf, len, c->timeout_ms) != 0) return -1;
  c->tx_bytes += len;
  return 0;
}

static int recv_frame(cl_conn_t *c, uint8_t *buf, size_t cap, size_t *len) {
  if (net_recv_frame(c->fd, buf, cap, len, c->timeout_ms) != 0) return -1;
  c->rx_bytes += *len;
  return 0;
}

static int peer_error(cl_conn_t *c, int code) {
  char m[256];
  if (code == NM_EBUSY) {
    snprintf(m, sizeof m, "the device is busy with another controller: try again in a moment");
    return fail(c, NM_EBUSY, m);
  }
  snprintf(m, sizeof m, "the device refused the session (%s)", nm_err_str(code));
  return fail(c, NM_EAUTH, m);
}

int cl_open(cl_conn_t *c, const char *addr, const kf_key_t *key, int timeout_ms) {
  struct sockaddr_in a;
  char err[256];
  uint8_t buf[NM_FRAME_MAX], out[NM_FRAME_MAX], nonce[NM_NONCE_LEN];
  size_t n, on;
  memset(c, 0, sizeof *c);
  c->fd = -1;
  c->timeout_ms = timeout_ms;
  if (net_parse_addr(addr, &a, err, sizeof err) != 0) return fail(c, DEV_ETRANSPORT, err);
  c->fd = net_connect(&a, timeout_ms, err, sizeof err);
  if (c->fd < 0) return fail(c, DEV_ETRANSPORT, err);
  if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) return fail(c, DEV_ETRANSPORT, "no randomness");
  if (nm_cli_init(&c->cli, key->role, key->key_id, key->secret, nonce) != NM_OK ||
      nm_cli_hello(&c->cli, out, sizeof out, &on) != NM_OK || send_frame(c, out, on) != 0) {
    return fail(c, DEV_ETRANSPORT, "the device closed the connection during the handshake: try again");
  }
  if (recv_frame(c, buf, sizeof buf, &n) != 0) {
    return fail(c, DEV_ETRANSPORT, "no answer from the device during the handshake: is it running? try again");
  }
  uint8_t want[NM_SERIAL_LEN];
  memset(want, 0, sizeof want);
  memcpy(want, key->serial, strnlen(key->serial, NM_SERIAL_LEN));
  int rc = nm_cli_on_challenge(&c->cli, buf, n, want, out, sizeof out, &on);
  if (rc != NM_OK) {
    if (c->cli.peer_err) return peer_error(c, c->cli.peer_err);
    if (rc == NM_EAUTH) {
      snprintf(err, sizeof err, "this key is for device %s, but another device answered: check --device", key->serial);
      return fail(c, NM_EAUTH, err);
    }
    return fail(c, DEV_ETRANSPORT, "the device answered with something that is not the protocol");
  }
  memcpy(c->serial, c->cli.serial, NM_SERIAL_LEN);
  c->serial[NM_SERIAL_LEN] = '\0';
  if (send_frame(c, out, on) != 0) return fail(c, DEV_ETRANSPORT, "the device closed the connection");
  /* A wrong key earns silence and a close after the device's back-off. */
  if (recv_frame(c, buf, sizeof buf, &n) != 0 || (rc = nm_cli_on_auth_ok(&c->cli, buf, n)) != NM_OK) {
    if (c->cli.peer_err) return peer_error(c, c->cli.peer_err);
    return fail(c, NM_EAUTH,
                "authentication failed: the device does not accept this key (wrong or revoked key, or another device)");
  }
  return NM_OK;
}

/* Requests that change nothing on the device: repeating one after a lost answer is safe. */
static int is_query(uint8_t op) {
  return op == NM_OP_STATUS || op == NM_OP_INTERROGATE || op == NM_OP_IDENTITY || op == NM_OP_HEALTH ||
         op == NM_OP_PROG_READ || op == NM_OP_CHECK || op == NM_OP_REMOTES || op == NM_OP_HISTORY;
}

/* The request may have reached the device but no answer came: whether it was done is
 * unknown, so a change must not be repeated blindly (a second amplitude step). */
static void fail_unanswered(cl_conn_t *c, uint8_t op, int hint) {
  char m[256], why[96] = "";
  if (hint) snprintf(why, sizeof why, " (an unauthenticated ERROR frame said: %s)", nm_err_str(hint));
  if (is_query(op)) {
    snprintf(m, sizeof m, "the stimulator did not answer%s: try again", why);
  } else {
    snprintf(m, sizeof m,
             "the stimulator did not answer%s: the command may or may not have been applied; check with '%s' "
             "before you repeat it",
             why, c->check_cmd ? c->check_cmd : "status");
  }
  fail(c, DEV_ETRANSPORT, m);
}

/* One round trip. ERROR frames are not authenticated (anyone on the link can send one),
 * and neither is a DATA frame that does not open: while the request is outstanding each
 * is only a hint, and the client keeps waiting for the sealed response until the reply
 * deadline (c->timeout_ms after the request went out). */
static int cl_xfer(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len) {
  cl_conn_t *c = ctx;
  uint8_t out[NM_FRAME_MAX], in[NM_FRAME_MAX];
  size_t on, n;
  *resp_len = 0;
  if (c->fd < 0) return -1;
  if (req_len == 0 || nm_cli_seal(&c->cli, req, req_len, out, sizeof out, &on) != NM_OK) {
    fail(c, DEV_ETRANSPORT, "the request could not be sealed (start a new session): nothing was sent");
    return -1;
  }
  if (send_frame(c, out, on) != 0) {
    fail_unanswered(c, req[0], 0);
    return -1;
  }
  uint64_t deadline = net_now_ms() + (uint64_t)c->timeout_ms;
  int hint = 0;
  for (uint64_t now = net_now_ms(); now < deadline; now = net_now_ms()) {
    /* A closed connection, the deadline, or a header out of step ends the wait. */
    if (net_recv_frame(c->fd, in, sizeof in, &n, (int)(deadline - now)) != 0) break;
    c->rx_bytes += n;
    if (nm_cli_open(&c->cli, in, n, resp, cap, resp_len) == NM_OK) {
      c->requests++;
      return 0;
    }
    if (c->cli.peer_err) hint = c->cli.peer_err;
    *resp_len = 0;
  }
  fail_unanswered(c, req[0], hint);
  return -1;
}

void cl_link(cl_conn_t *c, dev_link_t *l) {
  l->xfer = cl_xfer;
  l->ctx = c;
}

void cl_close(cl_conn_t *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
  nm_cli_close(&c->cli);
}
