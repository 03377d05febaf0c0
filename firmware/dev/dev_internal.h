/* dev_internal.h: what the files of the device layer share (internal to firmware/dev).
 *
 *   dev_store.c  the records in flash (identity, meta, settings, remotes, lead check) and
 *                the fail-safe rule's bookkeeping: what is in effect but not stored yet
 *   dev_event.c  history events: stamped, queued in RAM, written to the log
 *   dev_boot.c   boot, provisioning, damage reports
 *   dev_ops.c    nm_dev_exec and the device's own ops
 *   dev_lead.c   lead integrity (impedance checks)
 *   dev_usage.c  the day's usage and the health read-out
 *   dev_radio.c  the radio: sessions, rate-limited logging of link trouble
 */
#ifndef NMOD_DEV_INTERNAL_H
#define NMOD_DEV_INTERNAL_H

#include "nmod/crypto.h"
#include "nmod/dev.h"
#include "nmod/records.h"
#include "nmod/wire.h"

_Static_assert(NM_CMD_MAX == NM_DATA_PT_MAX, "a command must fit one sealed frame");

/* Keys of the key-value store. Never reuse one: they are the stored format. */
enum {
  DEV_KEY_IDENTITY = 1,
  DEV_KEY_META = 2,
  DEV_KEY_SETTINGS = 3,
  DEV_KEY_MODE = 4, /* firmware 0.1 kept the mode apart; read once, never written */
  DEV_KEY_REMOTES = 5,
  DEV_KEY_IMPEDANCE = 6,
  DEV_KEY_IDENTITY_B = 7 /* the identity's second copy */
};

/* Alerts that are stored (meta) and cleared only by what resolves them (docs/DEVICE-HEALTH.md). */
#define DEV_ALERTS_STORED (NM_ALERT_DAMAGE | NM_ALERT_SETTINGS | NM_ALERT_REMOTES)

static inline uint64_t dev_now_us(const nm_dev_t *d) { return d->port->now_us(d->port->ctx); }

/* ---- dev_store.c --------------------------------------------------------------------- */
int dev_put_identity(nm_dev_t *d, uint16_t key);
/* NM_OK, NM_ENOENT (never written) or NM_ECORRUPT (damaged or not an identity). */
int dev_load_identity(nm_dev_t *d, uint16_t key, nm_identity_t *out);
int dev_load_meta(nm_dev_t *d);
int dev_load_remotes(nm_dev_t *d);
void dev_load_imp(nm_dev_t *d);
/* The settings record (settings and mode) as stored: NM_OK, NM_ENOENT, NM_ECORRUPT. */
int dev_load_settings(nm_dev_t *d, nm_settings_t *s, nm_stored_state_t *st);
/* Write the records of `what` (NM_DIRTY_*; settings only when they changed). A record that
 * cannot be written stays in d->dirty, and the alert says so. Returns the first error. */
int dev_store(nm_dev_t *d, uint8_t what);
/* Write what waits: dirty records, then queued events. NM_OK when nothing waits any more. */
int dev_retry(nm_dev_t *d);
/* Writes failed with err: raise the alert and an event once, retry soon. */
void dev_store_failed(nm_dev_t *d, int err);
/* Write the queued events; when the log fails they wait for the retry. */
void dev_commit_events(nm_dev_t *d);
/* 1 while anything waits to be stored (records or events). */
int dev_pending(const nm_dev_t *d);
/* While anything waits, make sure the device wakes for its retry: the core's own timer
 * may be a housekeeping minute away (after a stop, nothing else is due). Called where a
 * request, a boot or a radio frame ends; nm_dev_wake does the same for itself. */
void dev_arm_retry(nm_dev_t *d);
/* Keep what a raising request may change (d->undo), and put it back when the request
 * could not be stored: not stored, so not done. */
void dev_keep_undo(nm_dev_t *d);
void dev_undo(nm_dev_t *d);
/* Remember the current settings record as what flash holds (after a load or a write). */
void dev_settings_stored(nm_dev_t *d);

/* ---- dev_event.c --------------------------------------------------------------------- */
/* Events wait in the core's queue (nm_core_t.evq) until the log takes them. */
/* Stamp what the core queued since the last call: time, the request's reason, usage. */
void dev_stamp(nm_dev_t *d);
/* Queue one of the device's own events (time is stamped here). */
void dev_event(nm_dev_t *d, nm_event_t *e);
/* Write queued events to the log, oldest first, while it works. NM_OK when none is left. */
int dev_events_flush(nm_dev_t *d);
/* Where the queue stands, and dropping what came after (a raising request undone), all
 * but the report that the memory fails. */
static inline uint8_t dev_evq_mark(const nm_dev_t *d) { return d->core.evq_n; }
void dev_evq_cut(nm_dev_t *d, uint8_t mark);

/* ---- dev_ops.c, dev_lead.c, dev_usage.c ---------------------------------------------- */
/* Device ops: 1 when `op` is one (status in *st, results in w), 0 otherwise. */
int dev_op(nm_dev_t *d, uint8_t role, uint8_t op, const nm_args_t *a, nm_wr_t *w, int *st);
void dev_op_impedance(nm_dev_t *d, nm_wr_t *w);
void dev_op_health(nm_dev_t *d, nm_wr_t *w);
void dev_op_history(nm_dev_t *d, const nm_args_t *a, nm_wr_t *w);
/* Count therapy time and amplitude since the last tick; close the day at midnight UTC. */
void dev_use_tick(nm_dev_t *d);

/* ---- dev_radio.c --------------------------------------------------------------------- */
/* Log link trouble that was counted but not logged yet, when its minute is up. */
void dev_link_flush(nm_dev_t *d);

#endif
