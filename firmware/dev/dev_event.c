/* dev_event.c: history events. Every event, the core's and the device's own, waits in the
 * core's queue (nm_core_t.evq) until the log takes it, oldest first: while the log cannot
 * be written the queue holds them (the oldest are kept: they say when the trouble began;
 * what does not fit is counted) and the retry writes them when it can. */
#include <string.h>

#include "dev_internal.h"

uint32_t nm_dev_epoch_s(const nm_dev_t *d) {
  int64_t up_s = (int64_t)(dev_now_us(d) / 1000000u); /* 0 .. 2^45 */
  int64_t off = d->epoch_offset_s;                    /* any value: it comes from flash */
  /* An offset beyond either end gives that end (as the clamp below would), before the sum
   * could overflow; otherwise the sum fits and is clamped. */
  if (off >= (int64_t)UINT32_MAX) return UINT32_MAX;
  if (off < -((int64_t)1 << 46)) return 0u;
  int64_t t = up_s + off;
  return t < 0 ? 0u : t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

void dev_stamp(nm_dev_t *d) {
  nm_core_t *c = &d->core;
  uint32_t now = nm_dev_epoch_s(d);
  for (; c->evq_stamped < c->evq_n; c->evq_stamped++) {
    nm_event_t *e = &c->evq[c->evq_stamped];
    e->t_s = now;
    if (e->type == NM_EV_MODE) {
      e->u.mode.reason = d->cur_reason;
      d->use_modes++;
    } else if (e->type == NM_EV_AMP && e->u.amp.role == NM_ROLE_PATIENT) {
      d->use_adjust++;
    }
  }
}

void dev_event(nm_dev_t *d, nm_event_t *e) {
  dev_stamp(d);
  if (d->core.evq_n >= NM_CORE_EVQ_LEN && !d->core.hold) (void)dev_events_flush(d);
  e->t_s = nm_dev_epoch_s(d);
  nm_core_event(&d->core, e);
  d->core.evq_stamped = d->core.evq_n;
}

void dev_evq_cut(nm_dev_t *d, uint8_t mark) {
  /* The report that the memory fails (NM_EV_STORE) is about the memory, not the request:
   * it is raised once, with its alert, so it stays. */
  nm_core_t *c = &d->core;
  uint8_t n = mark;
  for (uint8_t i = mark; i < c->evq_n && i < NM_CORE_EVQ_LEN && n < NM_CORE_EVQ_LEN; i++) {
    if (c->evq[i].type != NM_EV_STORE) continue;
    nm_event_t e = c->evq[i]; /* n <= i: through a copy, never a partial overlap */
    c->evq[n++] = e;
  }
  if (n < c->evq_n) c->evq_n = c->evq_stamped = n;
}

int dev_events_flush(nm_dev_t *d) {
  nm_core_t *c = &d->core;
  uint8_t rec[NM_LOG_PAYLOAD_MAX] = {0}; /* every byte set, whatever the writer wrote */
  dev_stamp(d);
  uint8_t done = 0;
  int err = NM_OK;
  for (; done < c->evq_n; done++) {
    const nm_event_t *e = &c->evq[done];
    nm_wr_t w;
    nm_wr_init(&w, rec, sizeof rec);
    nm_event_put(&w, e);
    uint32_t seq = 0;
    err = w.err ? NM_ENOSPC : nm_log_append(&d->log, rec, w.len, &seq);
    if (err) {
      d->store_err = err;
      break;
    }
    if (e->type == NM_EV_TIME && e->u.time.new_s < e->u.time.old_s) {
      /* The calendar went back: seeking by time is linear before this event. */
      d->mono_from_seq = seq;
      d->dirty = (uint8_t)(d->dirty | NM_DIRTY_META);
    }
  }
  if (done) {
    /* The events not written move to the front, one by one: slot i takes the event at
     * j = i + done (after i, so not moved yet), each index checked where it is used. */
    uint8_t n = c->evq_n, k = 0;
    for (uint8_t i = 0; i < NM_CORE_EVQ_LEN; i++) {
      unsigned j = (unsigned)i + done;
      if (j < n && j < NM_CORE_EVQ_LEN) {
        memmove(&c->evq[i], &c->evq[j], sizeof c->evq[0]);
        k++;
      }
    }
    c->evq_n = k;
    c->evq_stamped = k;
  }
  return err;
}
