/* dev_radio.c: the device end of the radio: protocol sessions in, commands executed for
 * the authenticated role, responses sealed out. Failed authentications and rejected frames
 * are counted in RAM and logged at most once per NM_DEV_LINK_LOG_S per kind, with their
 * count: anyone in radio range can send garbage, and must not be able to wear the flash
 * or push the real history out of the log. A rejected frame changes nothing else. */
#include <string.h>

#include "dev_internal.h"

/* Count one, and log the kind when its minute is up. */
static void link_count(nm_dev_t *d, nm_dev_linkc_t *c, uint8_t type, uint8_t what) {
  c->total++;
  c->unlogged++;
  c->last = what;
  uint32_t now = nm_dev_epoch_s(d);
  if (c->logged && now - c->last_s < NM_DEV_LINK_LOG_S) return;
  nm_event_t e;
  nm_core_ev_init(&e, type);
  if (type == NM_EV_AUTH_FAIL) {
    e.u.auth_fail.role = what;
    e.u.auth_fail.count = c->unlogged;
    e.u.auth_fail.total = c->total;
  } else {
    e.u.rejected.error = (int8_t)what;
    e.u.rejected.count = c->unlogged;
    e.u.rejected.total = c->total;
  }
  dev_event(d, &e);
  dev_commit_events(d);
  dev_arm_retry(d);
  c->unlogged = 0;
  c->last_s = now;
  c->logged = 1;
}

/* What was counted since the last event of its kind, once its minute is up. */
static void link_flush_one(nm_dev_t *d, nm_dev_linkc_t *c, uint8_t type) {
  if (!c->unlogged || nm_dev_epoch_s(d) - c->last_s < NM_DEV_LINK_LOG_S) return;
  c->total--; /* link_count counts again */
  c->unlogged--;
  link_count(d, c, type, c->last);
}

void dev_link_flush(nm_dev_t *d) {
  link_flush_one(d, &d->auth_fail, NM_EV_AUTH_FAIL);
  link_flush_one(d, &d->rejected, NM_EV_REJECTED);
}

int nm_dev_radio_rx(nm_dev_t *d, nm_sess_t *s, const uint8_t *frame, size_t len, uint64_t now_us,
                    uint8_t work[2 * NM_CMD_MAX], uint8_t *out, size_t cap, size_t *out_len) {
  uint8_t *req = work, *resp = work + NM_CMD_MAX;
  size_t req_len = 0;
  uint32_t fails_before = s->dev->stats.auth_fail;
  *out_len = 0;
  int rc = nm_sess_rx(s, frame, len, now_us, req, NM_CMD_MAX, &req_len, out, cap, out_len);
  if (rc == NM_SESS_REQUEST) {
    size_t rl = 0;
    (void)nm_dev_exec(d, s->role, req, req_len, resp, NM_CMD_MAX, &rl);
    if (nm_sess_seal(s, resp, rl, out, cap, out_len) != NM_OK) *out_len = 0;
    return NM_SESS_REQUEST;
  }
  if (s->dev->stats.auth_fail != fails_before) link_count(d, &d->auth_fail, NM_EV_AUTH_FAIL, s->claim);
  if (rc < 0 && rc != NM_ENOSPC) link_count(d, &d->rejected, NM_EV_REJECTED, (uint8_t)(int8_t)rc);
  return rc;
}
