/* dev_history.c: NM_OP_HISTORY, the event log read in bounded pages, seeking on the device
 * by sequence number and by time.
 *
 * Times only go back at an NM_EV_TIME that set the calendar back (boot never does: it
 * keeps the calendar at or after the last event). From d->mono_from_seq on they never go
 * back, so a seek by time there is a binary search; before it, the reply scans and filters,
 * NM_HISTORY_SCAN_MAX records at most per reply, and says where to go on (`cont`). Either
 * way every event at or after the given time is returned, and nothing before it is sent. */
#include "dev_internal.h"

/* Offsets from the log's first sequence number: the window is far below 2^31 long. */
static uint32_t off_of(uint32_t seq, uint32_t first) { return seq - first; }

/* Time of event `seq`: NM_OK, or the log's error (overwritten, torn). */
static int time_of(nm_dev_t *d, uint32_t seq, uint32_t *t_s, uint32_t *budget) {
  uint8_t rec[NM_LOG_PAYLOAD_MAX] = {0}; /* set, whatever the read leaves */
  size_t len = 0;
  if (*budget) (*budget)--;
  int err = nm_log_read(&d->log, seq, rec, sizeof rec, &len);
  if (err) return err;
  if (len < 4) return NM_ECORRUPT;
  *t_s = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 | (uint32_t)rec[3] << 24;
  return NM_OK;
}

/* First sequence in [lo, hi) whose event is at or after since_s, where times never go
 * back; hi when none. Unreadable records are skipped forward. */
static uint32_t seek_time(nm_dev_t *d, uint32_t lo, uint32_t hi, uint32_t since_s, uint32_t *budget) {
  while (lo != hi && *budget) {
    uint32_t mid = lo + (hi - lo) / 2u, probe = mid, t = 0;
    while (probe != hi && *budget && time_of(d, probe, &t, budget) != NM_OK) probe++;
    if (probe == hi) {
      hi = mid; /* nothing readable in [mid, hi): look below */
    } else if (t >= since_s) {
      hi = mid; /* the answer is probe, or before mid ([mid, probe) is unreadable) */
    } else {
      lo = probe + 1u;
    }
  }
  return lo;
}

void dev_op_history(nm_dev_t *d, const nm_args_t *a, nm_wr_t *w) {
  uint32_t first = nm_log_first_seq(&d->log), next = nm_log_next_seq(&d->log);
  uint32_t span = off_of(next, first);
  uint32_t from = a->history.from_seq;
  if (off_of(from, first) > span) from = (int32_t)(from - first) < 0 ? first : next;
  uint8_t max = a->history.max > NM_HISTORY_MAX_PER_CALL ? (uint8_t)NM_HISTORY_MAX_PER_CALL : a->history.max;
  uint32_t budget = NM_HISTORY_SCAN_MAX;
  uint32_t since = a->history.since_s;
  if (a->history.by_time) {
    /* Where times never go back, jump to the first event at or after `since`. */
    uint32_t mono = d->mono_from_seq;
    if (off_of(mono, first) > span) mono = first; /* before the window: all of it */
    if (off_of(from, first) >= off_of(mono, first)) from = seek_time(d, from, next, since, &budget);
  }
  nm_wr_u32(w, first);
  nm_wr_u32(w, next);
  size_t cont_at = w->len;
  nm_wr_u32(w, from);
  size_t count_at = w->len;
  nm_wr_u8(w, 0);
  uint8_t n = 0;
  uint32_t seq = from;
  for (; seq != next && n < max && budget; seq++) {
    uint8_t rec[NM_LOG_PAYLOAD_MAX] = {0}; /* set, whatever the read leaves */
    size_t len = 0;
    budget--;
    if (nm_log_read(&d->log, seq, rec, sizeof rec, &len) != NM_OK || len < 4) continue; /* torn: skip */
    uint32_t t = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 | (uint32_t)rec[3] << 24;
    if (a->history.by_time && t < since) continue;
    if (w->cap - w->len < 5u + len) break;
    nm_wr_u32(w, seq);
    nm_wr_u8(w, (uint8_t)len);
    nm_wr_bytes(w, rec, len);
    n++;
  }
  if (!w->err) {
    w->buf[count_at] = n;
    for (int i = 0; i < 4; i++) w->buf[cont_at + (size_t)i] = (uint8_t)(seq >> (8 * i));
  }
}
