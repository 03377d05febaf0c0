/* dev_ops.c: nm_dev_exec, the one entry for a command, and the device's own ops.
 *
 * Every request is found, checked and decoded once through the op table (nmod/ops.h), and
 * handled under the fail-safe rule (nmod/dev.h, docs/SAFETY.md): a lowering at once, a
 * raising only once stored, reads as they are. */
#include <string.h>

#include "dev_internal.h"

/* ---- keys --------------------------------------------------------------------------- */

static int find_remote(const nm_dev_t *d, const uint8_t id[NM_KEY_ID_LEN]) {
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    if (d->remotes[i].used && memcmp(d->remotes[i].id, id, NM_KEY_ID_LEN) == 0) return i;
  }
  return -1;
}

int nm_dev_key_lookup(void *dev, const uint8_t key_id[NM_KEY_ID_LEN], uint8_t *role, uint8_t secret[NM_SECRET_LEN]) {
  nm_dev_t *d = dev;
  if (d->boot_fail != NM_BOOTF_NONE) return NM_ENOENT;
  if (memcmp(key_id, d->id.clin_id, NM_KEY_ID_LEN) == 0) {
    *role = NM_ROLE_CLINICIAN;
    memcpy(secret, d->id.clin_key, NM_SECRET_LEN);
    return NM_OK;
  }
  int i = find_remote(d, key_id);
  if (i < 0) return NM_ENOENT;
  *role = NM_ROLE_PATIENT;
  memcpy(secret, d->remotes[i].key, NM_SECRET_LEN);
  return NM_OK;
}

/* ---- the device's ops ---------------------------------------------------------------- */

static int op_pair(nm_dev_t *d, nm_wr_t *w) {
  int slot = -1;
  for (int i = 0; i < NM_MAX_REMOTES && slot < 0; i++) {
    if (!d->remotes[i].used) slot = i;
  }
  if (slot < 0) return NM_ENOSPC;
  nm_remote_t r;
  memset(&r, 0, sizeof r);
  int err = d->port->rng(d->port->ctx, r.id, NM_KEY_ID_LEN);
  if (!err) err = d->port->rng(d->port->ctx, r.key, NM_SECRET_LEN);
  if (err) return err;
  r.used = 1;
  r.paired_s = nm_dev_epoch_s(d);
  d->remotes[slot] = r;
  /* A raising: a credential exists only once it is stored. A failed write may still have
   * landed (a cut commit word counts): the remotes stay dirty, so the retry writes them
   * back without it. */
  if ((err = dev_store(d, NM_DIRTY_REMOTES)) != NM_OK) {
    nm_wipe(&d->remotes[slot], sizeof d->remotes[slot]);
    nm_wipe(&r, sizeof r);
    return NM_EIO;
  }
  d->core.alerts = (uint16_t)(d->core.alerts & ~NM_ALERT_REMOTES);
  nm_wr_u8(w, (uint8_t)slot);
  nm_wr_bytes(w, r.id, NM_KEY_ID_LEN);
  nm_wr_bytes(w, r.key, NM_SECRET_LEN);
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_PAIR);
  e.u.pair.slot = (uint8_t)slot;
  memcpy(e.u.pair.key_id, r.id, NM_KEY_ID_LEN);
  dev_event(d, &e);
  nm_wipe(&r, sizeof r);
  return NM_OK;
}

/* A lowering: the remote is locked out at once, stored when the memory allows. */
static int op_revoke(nm_dev_t *d, const uint8_t id[NM_KEY_ID_LEN]) {
  int i = find_remote(d, id);
  if (i < 0) return NM_ENOENT;
  nm_wipe(&d->remotes[i], sizeof d->remotes[i]);
  d->core.alerts = (uint16_t)(d->core.alerts & ~NM_ALERT_REMOTES);
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_REVOKE);
  memcpy(e.u.revoke.key_id, id, NM_KEY_ID_LEN);
  dev_event(d, &e);
  return dev_store(d, NM_DIRTY_REMOTES | NM_DIRTY_META) ? NM_ENOTSTORED : NM_OK;
}

static int op_time(nm_dev_t *d, uint64_t epoch) {
  /* The decoder refuses more (dec_time); checked again here, where the sum below needs
   * it: the arguments are a union every op's decoder writes. */
  if (epoch > UINT32_MAX) return NM_EINVAL;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_TIME);
  e.u.time.old_s = nm_dev_epoch_s(d);
  int64_t old = d->epoch_offset_s;
  d->epoch_offset_s = (int64_t)epoch - (int64_t)(dev_now_us(d) / 1000000u);
  if (dev_store(d, NM_DIRTY_META) != NM_OK) {
    d->epoch_offset_s = old; /* meta stays dirty: the retry writes the old clock back */
    return NM_EIO;
  }
  e.u.time.new_s = (uint32_t)epoch;
  dev_event(d, &e);
  return NM_OK;
}

static void op_identity(const nm_dev_t *d, nm_wr_t *w) {
  nm_ident_t id;
  memset(&id, 0, sizeof id);
  memcpy(id.serial, d->id.serial, NM_SERIAL_LEN);
  id.kind = d->id.kind;
  id.therapy = d->core.set.therapy;
  id.fw[0] = NM_FW_VERSION_MAJOR;
  id.fw[1] = NM_FW_VERSION_MINOR;
  id.fw[2] = NM_FW_VERSION_PATCH;
  id.lead = d->id.lead;
  id.resets = d->resets;
  id.rejected = d->rejected.total;
  id.auth_failures = d->auth_fail.total;
  id.log_first = nm_log_first_seq(&d->log);
  id.log_next = nm_log_next_seq(&d->log);
  id.epoch_s = nm_dev_epoch_s(d);
  nm_wire_put_ident(w, &id);
}

static void op_remotes(const nm_dev_t *d, nm_wr_t *w) {
  uint8_t n = 0;
  for (int i = 0; i < NM_MAX_REMOTES; i++) n = (uint8_t)(n + d->remotes[i].used);
  nm_wr_u8(w, n);
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    if (!d->remotes[i].used) continue;
    nm_wr_bytes(w, d->remotes[i].id, NM_KEY_ID_LEN);
    nm_wr_u32(w, d->remotes[i].paired_s);
  }
}

int dev_op(nm_dev_t *d, uint8_t role, uint8_t op, const nm_args_t *a, nm_wr_t *w, int *st) {
  (void)role; /* roles are the op table's */
  *st = NM_OK;
  switch (op) {
    case NM_OP_IDENTITY: op_identity(d, w); return 1;
    case NM_OP_TIME_SET: *st = op_time(d, a->epoch_s); return 1;
    case NM_OP_HEALTH: dev_op_health(d, w); return 1;
    case NM_OP_PAIR: *st = op_pair(d, w); return 1;
    case NM_OP_REVOKE: *st = op_revoke(d, a->key_id); return 1;
    case NM_OP_REMOTES: op_remotes(d, w); return 1;
    case NM_OP_IMPEDANCE: dev_op_impedance(d, w); return 1;
    case NM_OP_HISTORY: dev_op_history(d, a, w); return 1;
    default: return 0;
  }
}

/* ---- one command ---------------------------------------------------------------------- */

static void refused(nm_dev_t *d, uint8_t op, int st, uint8_t role, uint32_t reasons) {
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_REFUSED);
  e.u.refused.op = op;
  e.u.refused.status = (int8_t)st;
  e.u.refused.role = role;
  e.u.refused.reasons = reasons;
  dev_event(d, &e);
}

/* The reason a therapy or mode request carries, for its history events. */
static uint8_t reason_of(const nm_op_def_t *def, const nm_args_t *a) {
  if (def->op == NM_OP_THERAPY) return a->therapy.reason;
  if (def->op == NM_OP_MODE) return a->mode.reason;
  return NM_REASON_NONE;
}

int nm_dev_exec(nm_dev_t *d, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                size_t *resp_len) {
  *resp_len = 0;
  if (cap < 1) return NM_ENOSPC;
  if (cap < NM_CMD_MAX) {
    /* Every response fits NM_CMD_MAX; with less room a reply could be lost after the
     * request was done. Refused before anything happens. */
    resp[0] = (uint8_t)(int8_t)NM_ENOSPC;
    *resp_len = 1;
    return NM_ENOSPC;
  }
  nm_wr_t w;
  nm_wr_init(&w, resp, cap);
  nm_wr_u8(&w, 0); /* the status, written by nm_op_finish */
  const nm_op_def_t *def;
  uint32_t reasons = 0;
  int st = nm_op_decode(role, req, req_len, &def, &d->args);
  if (st != NM_OK) {
    refused(d, req_len ? req[0] : 0, st, role, 0);
    dev_commit_events(d);
    dev_arm_retry(d);
    return nm_op_finish(&w, def, st, resp_len);
  }
  d->core.wakeups++;
  dev_use_tick(d);
  d->cur_role = role;
  d->cur_reason = reason_of(def, &d->args);
  uint8_t cls = nm_op_class(def, &d->core, &d->args);
  uint8_t mode0 = d->core.mode;
  if (cls == NM_OPC_RAISE && dev_pending(d)) (void)dev_retry(d);
  if (cls == NM_OPC_RAISE && dev_pending(d)) {
    /* A lowering (or history) waits to be stored: nothing that raises until it is. */
    st = NM_EIO;
  } else {
    uint8_t mark = dev_evq_mark(d);
    if (cls == NM_OPC_RAISE) {
      nm_core_hold(&d->core);
      dev_keep_undo(d);
    }
    if (!dev_op(d, role, def->op, &d->args, &w, &st)) {
      st = def->run(&d->core, role, &d->args, &w, &reasons);
      dev_stamp(d); /* now, with this request's reason */
      int perr = cls == NM_OPC_READ ? NM_OK : dev_store(d, NM_DIRTY_SETTINGS);
      /* A raising is stored when its history is too: a test pulse, which changes no record,
       * is stored by its event, so a flash that cannot be written refuses it as well. */
      int events_failed = 0;
      if (!perr && cls == NM_OPC_RAISE && (perr = dev_events_flush(d)) != NM_OK) {
        dev_store_failed(d, perr);
        d->dirty = (uint8_t)(d->dirty | NM_DIRTY_SETTINGS);
        d->saved_crc = 0; /* the settings landed: write the undone state back (below, and retried) */
        events_failed = 1;
      }
      if (!perr && cls == NM_OPC_RAISE && st != NM_OK) {
        /* Refused: a raising that fails changes nothing, even halfway (e.g. MODE therapy
         * on a device with no program must not leave shelf mode). */
        dev_evq_cut(d, mark);
        dev_undo(d);
        (void)dev_store(d, NM_DIRTY_SETTINGS);
      }
      if (perr && cls == NM_OPC_RAISE) {
        /* Not stored, so not done: back to before the request, before the output sees it.
         * The failed write may still have landed (a cut commit word counts), so the
         * settings stay dirty: the retry writes the state before the request back, and
         * until it has, nothing else that raises is done. */
        dev_evq_cut(d, mark);
        dev_undo(d);
        if (events_failed) (void)dev_store(d, NM_DIRTY_SETTINGS); /* the key-value store may work */
        st = NM_EIO;
      } else if (perr && st == NM_OK) {
        st = NM_ENOTSTORED; /* a lowering: in effect now, stored when the memory allows */
      }
    }
    if (cls == NM_OPC_RAISE) {
      nm_core_release(&d->core);
      /* Releasing may trip the output stage's limiter: the core's safe state is a lowering,
       * stored like one (else a reset would bring the tripped therapy back). */
      (void)dev_store(d, NM_DIRTY_SETTINGS);
    }
    /* A clinician who reprogrammed after damage or a refused boot has seen to it. */
    if (st == NM_OK && def->op == NM_OP_PROGRAM_ALL && (d->core.alerts & (NM_ALERT_DAMAGE | NM_ALERT_SETTINGS))) {
      d->core.alerts = (uint16_t)(d->core.alerts & ~(NM_ALERT_DAMAGE | NM_ALERT_SETTINGS));
      (void)dev_store(d, NM_DIRTY_META);
    }
  }
  d->cur_reason = NM_REASON_NONE;
  if (st != NM_OK && st != NM_ENOTSTORED) refused(d, def->op, st, role, reasons);
  /* Activation (leaving shelf mode) checks the lead at once, as at implant. */
  if (mode0 == NM_MODE_SHELF && d->core.mode != NM_MODE_SHELF) nm_dev_lead_check(d, 0);
  dev_commit_events(d);
  dev_arm_retry(d);
  return nm_op_finish(&w, def, st, resp_len);
}
