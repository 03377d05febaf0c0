/* dev_wake.c: the device's timer. Wakes the core, retries what waits to be stored, closes
 * the usage day, runs the daily lead check, and logs link trouble whose minute is up. */
#include "dev_internal.h"

uint64_t nm_dev_wake(nm_dev_t *d) {
  dev_use_tick(d);
  uint8_t mode0 = d->core.mode, on0 = d->core.set.therapy_on;
  uint32_t fault0 = d->core.fault;
  uint64_t next = nm_core_wake(&d->core);
  /* What the core did by itself (a limiter trip, a depleted cell: its safe state; a closed
   * loop falling back to its fixed amplitude with the loop off) is a lowering: stored now,
   * or kept dirty for the retry. */
  uint8_t self_changed = d->core.self_changed;
  d->core.self_changed = 0;
  if (self_changed || d->core.mode != mode0 || d->core.set.therapy_on != on0 ||
      d->core.fault != fault0) {
    (void)dev_store(d, NM_DIRTY_SETTINGS);
  }
  /* The daily lead check (it logs what it changes itself); MRI mode turns automatic checks
   * off, shelf mode has no patient. */
  uint32_t now_s = nm_dev_epoch_s(d);
  if (d->core.mode != NM_MODE_MRI && d->core.mode != NM_MODE_SHELF &&
      (d->imp_last_s == 0 || now_s < d->imp_last_s || now_s - d->imp_last_s >= NM_IMP_CHECK_S)) {
    nm_dev_lead_check(d, 1);
    next = d->core.next_wake_us;
  }
  dev_link_flush(d);
  if (dev_pending(d)) {
    uint64_t now = dev_now_us(d);
    if (now >= d->next_retry_us) {
      if (dev_retry(d) != NM_OK) d->next_retry_us = now + (uint64_t)NM_DEV_RETRY_MS * 1000u;
    }
    /* Wake for the next retry while anything waits (at most NM_DEV_RETRY_MS away). */
    if (dev_pending(d) && d->next_retry_us < next) {
      next = d->next_retry_us;
      d->port->timer_at(d->port->ctx, next);
    }
  } else {
    dev_commit_events(d);
  }
  return next;
}
