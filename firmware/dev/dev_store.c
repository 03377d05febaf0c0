/* dev_store.c: the device's records in flash, and the bookkeeping of the fail-safe rule:
 * what is in effect in RAM but not stored yet (d->dirty), retried until a write works. */
#include <string.h>

#include "dev_internal.h"

/* Read record `key` into buf and start r on it. A record longer than buf is no record of
 * this firmware's (NM_ECORRUPT); the store's other errors pass through. */
static int get_record(nm_dev_t *d, uint16_t key, uint8_t *buf, size_t cap, nm_rd_t *r) {
  size_t n = 0;
  /* Set on every path: an error leaves a reader of no bytes, and buf holds zeros where
   * the store wrote no value bytes. */
  memset(buf, 0, cap);
  nm_rd_init(r, buf, 0);
  int err = nm_kv_get(&d->kv, key, buf, cap, &n);
  if (err == NM_ENOSPC) err = NM_ECORRUPT;
  if (err) return err;
  nm_rd_init(r, buf, n);
  return NM_OK;
}

/* ---- identity: two copies, either one is enough ---------------------------------------- */

/* Version 3 adds the hardware's profile (nmod/profile.h) after the credential. Version 2
 * (a version byte, then the fields) and firmware 0.1's version 1 (no version byte: serial
 * first) are still read, as profile NM_PROFILE_NONE: nmod's reference for the cell. */
#define IDENTITY_VERSION 3u
#define IDENTITY_V1_LEN (NM_SERIAL_LEN + 3u + 7u + NM_KEY_ID_LEN + NM_SECRET_LEN)
#define IDENTITY_V2_LEN (1u + IDENTITY_V1_LEN)
#define IDENTITY_LEN (IDENTITY_V2_LEN + 1u)

static void put_identity_fields(nm_wr_t *w, const nm_identity_t *id) {
  nm_wr_bytes(w, id->serial, NM_SERIAL_LEN);
  nm_wr_u8(w, id->kind);
  nm_wr_u8(w, id->therapy);
  nm_wr_u8(w, id->cell);
  nm_wr_u8(w, id->lead.model);
  nm_wr_u8(w, id->lead.shape);
  nm_wr_u8(w, id->lead.n_contacts);
  nm_wr_u32(w, id->lead.area_um2);
  nm_wr_bytes(w, id->clin_id, NM_KEY_ID_LEN);
  nm_wr_bytes(w, id->clin_key, NM_SECRET_LEN);
}

int dev_put_identity(nm_dev_t *d, uint16_t key) {
  uint8_t buf[IDENTITY_LEN] = {0}; /* every byte set, whatever the writer wrote */
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_u8(&w, IDENTITY_VERSION);
  put_identity_fields(&w, &d->id);
  nm_wr_u8(&w, d->id.profile);
  int err = w.err ? NM_ENOSPC : nm_kv_put(&d->kv, key, buf, w.len);
  nm_wipe(buf, sizeof buf);
  return err;
}

int dev_load_identity(nm_dev_t *d, uint16_t key, nm_identity_t *id) {
  uint8_t buf[IDENTITY_LEN];
  nm_rd_t r;
  memset(id, 0, sizeof *id); /* set on every path, an error's too */
  int err = get_record(d, key, buf, sizeof buf, &r);
  if (err) return err;
  size_t n = r.len;
  if (n == IDENTITY_V2_LEN && nm_rd_u8(&r) != 2u) r.err = NM_EINVAL;
  if (n == IDENTITY_LEN && nm_rd_u8(&r) != IDENTITY_VERSION) r.err = NM_EINVAL;
  nm_rd_bytes(&r, id->serial, NM_SERIAL_LEN);
  id->kind = nm_rd_u8(&r);
  id->therapy = nm_rd_u8(&r);
  id->cell = nm_rd_u8(&r);
  id->lead.model = nm_rd_u8(&r);
  id->lead.shape = nm_rd_u8(&r);
  id->lead.n_contacts = nm_rd_u8(&r);
  id->lead.area_um2 = nm_rd_u32(&r);
  nm_rd_bytes(&r, id->clin_id, NM_KEY_ID_LEN);
  nm_rd_bytes(&r, id->clin_key, NM_SECRET_LEN);
  if (n == IDENTITY_LEN) id->profile = nm_rd_u8(&r);
  nm_wipe(buf, sizeof buf);
  if (nm_rd_done(&r) != NM_OK || nm_lead_validate(&id->lead) != NM_OK || id->therapy > NM_THERAPY_SNM ||
      id->kind > NM_KIND_INS) {
    nm_wipe(id, sizeof *id);
    return NM_ECORRUPT;
  }
  return NM_OK;
}

/* ---- meta: counters, calendar, stored alerts -------------------------------------------- */

#define META_VERSION 2u

static int put_meta(nm_dev_t *d) {
  uint8_t buf[24] = {0};
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_u8(&w, META_VERSION);
  nm_wr_u32(&w, d->resets);
  nm_wr_u64(&w, (uint64_t)d->epoch_offset_s);
  nm_wr_u32(&w, d->mono_from_seq);
  uint16_t alerts = (uint16_t)(d->core.alerts & DEV_ALERTS_STORED);
  nm_wr_u16(&w, alerts);
  nm_wr_u16(&w, d->log_bad_seen);
  int err = nm_kv_put(&d->kv, DEV_KEY_META, buf, w.len);
  if (!err) d->alerts_stored = alerts;
  return err;
}

int dev_load_meta(nm_dev_t *d) {
  uint8_t buf[24];
  nm_rd_t r;
  int err = get_record(d, DEV_KEY_META, buf, sizeof buf, &r);
  if (err) return err;
  uint8_t v = nm_rd_u8(&r);
  if (v != 1u && v != META_VERSION) return NM_ECORRUPT;
  uint32_t resets = nm_rd_u32(&r);
  int64_t off = (int64_t)nm_rd_u64(&r);
  uint32_t mono = 0;
  uint16_t alerts = 0, log_bad = 0;
  if (v == META_VERSION) {
    mono = nm_rd_u32(&r);
    alerts = nm_rd_u16(&r);
    log_bad = nm_rd_u16(&r);
  }
  if (nm_rd_done(&r) != NM_OK) return NM_ECORRUPT;
  d->resets = resets;
  d->epoch_offset_s = off;
  d->mono_from_seq = mono;
  d->log_bad_seen = log_bad;
  d->alerts_stored = (uint16_t)(alerts & DEV_ALERTS_STORED);
  d->core.alerts = (uint16_t)(d->core.alerts | d->alerts_stored);
  return NM_OK;
}

/* ---- remotes ------------------------------------------------------------------------ */

#define REMOTES_LEN (NM_MAX_REMOTES * (1u + NM_KEY_ID_LEN + NM_SECRET_LEN + 4u))

static int put_remotes(nm_dev_t *d) {
  uint8_t buf[REMOTES_LEN] = {0};
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    nm_wr_u8(&w, d->remotes[i].used);
    nm_wr_bytes(&w, d->remotes[i].id, NM_KEY_ID_LEN);
    nm_wr_bytes(&w, d->remotes[i].key, NM_SECRET_LEN);
    nm_wr_u32(&w, d->remotes[i].paired_s);
  }
  int err = nm_kv_put(&d->kv, DEV_KEY_REMOTES, buf, w.len);
  nm_wipe(buf, sizeof buf);
  return err;
}

int dev_load_remotes(nm_dev_t *d) {
  uint8_t buf[REMOTES_LEN];
  nm_rd_t r;
  int err = get_record(d, DEV_KEY_REMOTES, buf, sizeof buf, &r);
  if (err) return err;
  nm_remote_t rem[NM_MAX_REMOTES];
  memset(rem, 0, sizeof rem); /* every byte set before the fields are read in */
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    rem[i].used = nm_rd_u8(&r) ? 1u : 0u;
    nm_rd_bytes(&r, rem[i].id, NM_KEY_ID_LEN);
    nm_rd_bytes(&r, rem[i].key, NM_SECRET_LEN);
    rem[i].paired_s = nm_rd_u32(&r);
  }
  nm_wipe(buf, sizeof buf);
  err = nm_rd_done(&r) == NM_OK ? NM_OK : NM_ECORRUPT;
  if (!err) memcpy(d->remotes, rem, sizeof rem);
  nm_wipe(rem, sizeof rem);
  return err;
}

/* ---- the last lead check -------------------------------------------------------------- */

static int put_imp(nm_dev_t *d) {
  uint8_t buf[4 + 1 + 4 * NM_MAX_CONTACTS] = {0};
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_u32(&w, d->imp_last_s);
  nm_wr_u8(&w, d->core.set.lead.n_contacts);
  for (uint8_t n = 0; n < d->core.set.lead.n_contacts && n < NM_MAX_CONTACTS; n++) nm_wr_u32(&w, d->imp_last_ohm[n]);
  return nm_kv_put(&d->kv, DEV_KEY_IMPEDANCE, buf, w.len);
}

void dev_load_imp(nm_dev_t *d) {
  uint8_t buf[4 + 1 + 4 * NM_MAX_CONTACTS];
  nm_rd_t r;
  if (get_record(d, DEV_KEY_IMPEDANCE, buf, sizeof buf, &r) != NM_OK) return;
  uint32_t at = nm_rd_u32(&r);
  uint8_t k = nm_rd_u8(&r);
  if (k > NM_MAX_CONTACTS) return;
  uint32_t ohm[NM_MAX_CONTACTS] = {0};
  for (uint8_t i = 0; i < k; i++) ohm[i] = nm_rd_u32(&r);
  if (nm_rd_done(&r) != NM_OK) return;
  d->imp_last_s = at;
  memcpy(d->imp_last_ohm, ohm, sizeof ohm);
  /* The alerts of the last check hold until the next one. */
  for (uint8_t i = 0; i < k; i++) {
    uint8_t c = nm_dev_imp_class(ohm[i]);
    if (ohm[i] && c == NM_IMP_OPEN) d->core.lead_open = (uint16_t)(d->core.lead_open | (1u << i));
    if (ohm[i] && c == NM_IMP_SHORT) d->core.lead_short = (uint16_t)(d->core.lead_short | (1u << i));
  }
}

/* ---- settings and mode: one record ----------------------------------------------------- */

static size_t encode_settings(const nm_dev_t *d, uint8_t *buf, size_t cap) {
  nm_wr_t w;
  nm_wr_init(&w, buf, cap);
  nm_stored_state_t st;
  nm_core_stored_state(&d->core, &st);
  nm_wire_put_settings(&w, &d->core.set, &st);
  return w.err ? 0 : w.len;
}

void dev_settings_stored(nm_dev_t *d) {
  size_t n = encode_settings(d, d->scratch, sizeof d->scratch);
  d->saved_crc = nm_crc32(0, d->scratch, n);
}

/* Write the settings record when it differs from what is stored (compared by the CRC of
 * its encoding, so padding never counts as a change). */
static int put_settings(nm_dev_t *d) {
  size_t n = encode_settings(d, d->scratch, sizeof d->scratch);
  if (n == 0) return NM_ENOSPC;
  uint32_t crc = nm_crc32(0, d->scratch, n);
  if (crc == d->saved_crc) return NM_OK;
  int err = nm_kv_put(&d->kv, DEV_KEY_SETTINGS, d->scratch, n);
  /* A failed put may or may not have landed: what flash holds is unknown until the next
   * put works, which must write whatever the settings are then. */
  d->saved_crc = err ? 0u : crc;
  return err;
}

int dev_load_settings(nm_dev_t *d, nm_settings_t *s, nm_stored_state_t *st) {
  nm_rd_t r;
  int err = get_record(d, DEV_KEY_SETTINGS, d->scratch, sizeof d->scratch, &r);
  if (err) {
    /* Set on every path (nm_wire_get_settings sets them on the others). */
    memset(s, 0, sizeof *s);
    memset(st, 0, sizeof *st);
    return err;
  }
  size_t n = r.len;
  uint8_t version = n ? d->scratch[0] : 0;
  nm_wire_get_settings(&r, s, st);
  if (nm_rd_done(&r) != NM_OK) return NM_ECORRUPT;
  if (version == 1u) {
    /* Firmware 0.1: the mode in its own record (mode u8, mode before u8). */
    uint8_t m[2] = {0, 0};
    if (nm_kv_get(&d->kv, DEV_KEY_MODE, m, sizeof m, &n) == NM_OK && n == 2) {
      st->mode = m[0];
      st->mode_before = m[1];
    }
    if (st->mode == NM_MODE_THERAPY && !s->therapy_on) st->mode = NM_MODE_OFF;
  }
  return NM_OK;
}

/* ---- the fail-safe rule's bookkeeping ----------------------------------------------------- */

int dev_pending(const nm_dev_t *d) { return d->dirty != 0 || d->core.evq_n != 0; }

void dev_arm_retry(nm_dev_t *d) {
  if (dev_pending(d) && d->next_retry_us < d->core.next_wake_us) d->port->timer_at(d->port->ctx, d->next_retry_us);
}

/* Writes fail: say so once (event and alert), retry soon. */
void dev_store_failed(nm_dev_t *d, int err) {
  d->store_err = err;
  d->next_retry_us = dev_now_us(d) + (uint64_t)NM_DEV_RETRY_MS * 1000u;
  if (d->core.alerts & NM_ALERT_STORE) return;
  d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_STORE);
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_STORE);
  e.u.store.failing = 1;
  dev_event(d, &e);
}

int dev_store(nm_dev_t *d, uint8_t what) {
  int first = NM_OK;
  static const uint8_t order[] = {NM_DIRTY_SETTINGS, NM_DIRTY_META, NM_DIRTY_REMOTES, NM_DIRTY_IMP};
  for (size_t i = 0; i < sizeof order; i++) {
    uint8_t bit = order[i];
    if (!(what & bit)) continue;
    int err = bit == NM_DIRTY_SETTINGS ? put_settings(d)
              : bit == NM_DIRTY_META   ? put_meta(d)
              : bit == NM_DIRTY_REMOTES ? put_remotes(d)
                                        : put_imp(d);
    if (err) {
      d->dirty = (uint8_t)(d->dirty | bit);
      if (!first) first = err;
    } else {
      d->dirty = (uint8_t)(d->dirty & ~bit);
    }
  }
  if (first) dev_store_failed(d, first);
  return first;
}

int dev_retry(nm_dev_t *d) {
  int err = NM_OK, wrote = 0;
  uint16_t queued = d->core.evq_n;
  if (d->dirty) {
    err = dev_store(d, d->dirty);
    wrote = !err;
  }
  if (!err && d->core.evq_n) {
    err = dev_events_flush(d);
    wrote = wrote || d->core.evq_n < queued;
  }
  if (!err && wrote && (d->core.alerts & NM_ALERT_STORE)) {
    /* A write worked and nothing waits: say so, with what waited meanwhile. */
    d->core.alerts = (uint16_t)(d->core.alerts & ~NM_ALERT_STORE);
    d->store_err = NM_OK;
    nm_event_t e;
    nm_core_ev_init(&e, NM_EV_STORE);
    e.u.store.failing = 0;
    e.u.store.queued = queued;
    e.u.store.dropped = d->core.evq_dropped;
    d->core.evq_dropped = 0;
    dev_event(d, &e);
    err = dev_events_flush(d);
  }
  if (!err && d->dirty) err = dev_store(d, d->dirty); /* what the events made dirty (seek index) */
  if (err) dev_store_failed(d, err);
  return err;
}

void dev_commit_events(nm_dev_t *d) {
  int err = dev_events_flush(d);
  if (!err && d->dirty & NM_DIRTY_META && !(d->core.alerts & NM_ALERT_STORE)) err = dev_store(d, NM_DIRTY_META);
  if (err) dev_store_failed(d, err);
}

/* The core's fields, besides its settings and mode, that a raising request may change and
 * an undo puts back, each kept in d->undo under its own name. Restoring the settings starts
 * the therapy's timing afresh (a soft start from zero); the request was never delivered
 * (the output was held), so the timing goes on as before it: the levels are those of
 * before, at most the stored amplitudes, and the output is rebuilt when the hold is
 * released. A test is never restored from flash (a reset ends it), but an undone step goes
 * back to the level before it, still under test; an undone start leaves the device off. */
#define DEV_UNDO_FIELDS(X) X(fault) X(fault_detail) X(run_start_us) X(stop_start_us) X(stopping) X(test)
#define DEV_UNDO_KEEP(f) d->undo.f = d->core.f;
#define DEV_UNDO_PUT(f) d->core.f = d->undo.f;

void dev_keep_undo(nm_dev_t *d) {
  d->undo.set = d->core.set;
  d->undo.mode = d->core.mode;
  d->undo.mode_before = d->core.mode_before;
  DEV_UNDO_FIELDS(DEV_UNDO_KEEP)
}

void dev_undo(nm_dev_t *d) {
  uint8_t bad;
  uint32_t why;
  /* The state before the request passed every check then; restore re-judges it anyway. */
  nm_stored_state_t st = {d->undo.mode, d->undo.mode_before, d->undo.fault, d->undo.fault_detail};
  int err = nm_core_restore(&d->core, &d->undo.set, &st, &bad, &why);
  if (err) {
    nm_core_safe_state(&d->core, NM_FAULT_ASSERT, (uint32_t)__LINE__);
    return;
  }
  DEV_UNDO_FIELDS(DEV_UNDO_PUT)
  if (d->undo.mode == NM_MODE_TEST) d->core.mode = NM_MODE_TEST;
}
