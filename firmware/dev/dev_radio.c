/* dev_radio.c: the device end of the radio: protocol sessions in, commands executed for
 * the authenticated role, responses sealed out. Failed authentications and rejected frames
 * go to the event log; a rejected frame changes nothing else. */
#include <string.h>

#include "nmod/dev.h"
#include "nmod/wire.h"

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
  uint8_t ev[5];
  nm_wr_t w;
  if (s->dev->stats.auth_fail != fails_before) {
    d->auth_failures++;
    nm_wr_init(&w, ev, sizeof ev);
    nm_wr_u8(&w, s->claim);
    nm_wr_u32(&w, d->auth_failures);
    nm_dev_event(d, NM_EV_AUTH_FAIL, ev, w.len);
  }
  if (rc < 0 && rc != NM_ENOSPC) {
    d->rejected++;
    nm_wr_init(&w, ev, sizeof ev);
    nm_wr_u8(&w, (uint8_t)(int8_t)rc);
    nm_wr_u32(&w, d->rejected);
    nm_dev_event(d, NM_EV_REJECTED, ev, w.len);
  }
  return rc;
}
