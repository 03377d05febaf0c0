/* dev_boot.c: boot. Nothing in flash is trusted: the identity is read from either of its
 * two copies; the settings must name the hardware's lead and every program is judged
 * again; damage (anything but a torn tail, which is a power cut) is reported before
 * anything is written, and is never taken for blank flash. Provisioning happens only on
 * flash the store says is verifiably empty; a provisioning that was cut off (an identity
 * and not yet the rest) is completed. */
#include <string.h>

#include "dev_internal.h"

static int rng(nm_dev_t *d, uint8_t *buf, size_t n) { return d->port->rng(d->port->ctx, buf, n); }

/* What the store found at mount (see nmod/store.h): damage by key, and whether the
 * region is verifiably empty. */
typedef struct {
  uint8_t empty;
  uint16_t keys;        /* NM_DAMAGE_* from the damaged records' keys */
  uint16_t bad_records, bad_headers, log_bad;
} boot_health_t;

static uint16_t damage_bit(uint16_t key) {
  switch (key) {
    case DEV_KEY_IDENTITY:
    case DEV_KEY_IDENTITY_B: return NM_DAMAGE_IDENTITY;
    case DEV_KEY_META: return NM_DAMAGE_META;
    case DEV_KEY_SETTINGS:
    case DEV_KEY_MODE: return NM_DAMAGE_SETTINGS;
    case DEV_KEY_REMOTES: return NM_DAMAGE_REMOTES;
    case DEV_KEY_IMPEDANCE: return NM_DAMAGE_LEADCHK;
    default: return NM_DAMAGE_UNKNOWN;
  }
}

/* The stores' reports of what they found at mount (nmod/store.h): damage by key, and
 * whether the flash is verifiably empty (both stores: a log with events is a device that
 * was in use, whatever its key-value store says). The log is read through once for
 * damaged records. */
static void read_health(nm_dev_t *d, int log_err, boot_health_t *h) {
  nm_kv_health_t kh;
  nm_log_health_t lh;
  memset(h, 0, sizeof *h);
  nm_kv_health(&d->kv, &kh);
  if (!log_err) (void)nm_log_check(&d->log);
  nm_log_health(&d->log, &lh);
  h->empty = kh.empty && lh.empty && !log_err;
  h->bad_records = kh.bad_records;
  h->bad_headers = (uint16_t)(kh.bad_headers + lh.bad_headers);
  h->log_bad = lh.bad_records;
  for (uint8_t i = 0; i < kh.n_keys && i < NM_KV_DAMAGE_KEYS_MAX; i++) h->keys |= damage_bit(kh.keys[i]);
  if (kh.keys_unknown) h->keys |= NM_DAMAGE_UNKNOWN;
  if (kh.bad_headers) h->keys |= NM_DAMAGE_PAGE;
  if (kh.damaged && !h->keys && !h->bad_records && !h->bad_headers) h->bad_records = 1; /* stray damage */
  if (lh.lost || lh.bad_records || lh.bad_headers || log_err) h->keys |= NM_DAMAGE_LOG;
}

/* Damage that may have rolled key `bit` back (its own record, or one we cannot name). */
static int maybe_rolled(const boot_health_t *h, uint16_t bit) {
  return (h->keys & (bit | NM_DAMAGE_UNKNOWN)) != 0;
}

static int provision(nm_dev_t *d, const nm_factory_t *f) {
  static const char hex[] = "0123456789ABCDEF";
  uint8_t r[4];
  if (nm_lead_validate(&f->lead) != NM_OK || f->therapy > NM_THERAPY_SNM || f->kind > NM_KIND_INS) return NM_EINVAL;
  int err = rng(d, r, sizeof r);
  if (err) return err;
  memset(&d->id, 0, sizeof d->id);
  memcpy(d->id.serial, f->kind == NM_KIND_INS ? "INS-" : "ETS-", 4);
  memcpy(d->id.serial + 4, f->therapy == NM_THERAPY_SNM ? "SNM-" : "SCS-", 4);
  for (int i = 0; i < 4; i++) {
    d->id.serial[8 + 2 * i] = hex[r[i] >> 4];
    d->id.serial[9 + 2 * i] = hex[r[i] & 15u];
  }
  d->id.kind = f->kind;
  d->id.therapy = f->therapy;
  d->id.cell = f->cell;
  d->id.profile = f->profile;
  d->id.lead = f->lead;
  if ((err = rng(d, d->id.clin_id, NM_KEY_ID_LEN)) != NM_OK) return err;
  if ((err = rng(d, d->id.clin_key, NM_SECRET_LEN)) != NM_OK) return err;
  d->epoch_offset_s = (int64_t)f->epoch_s - (int64_t)(dev_now_us(d) / 1000000u);
  d->provisioned_now = 1;
  /* The identity first, both copies: once one is there the device is this device, and a
   * boot that finds it without the rest completes the provisioning (a cut here leaves a
   * torn first record on empty flash: the next boot provisions afresh). */
  if ((err = dev_put_identity(d, DEV_KEY_IDENTITY)) != NM_OK) return err;
  return dev_put_identity(d, DEV_KEY_IDENTITY_B);
}

/* The identity from its two copies. NM_OK (with *damaged set when a copy was bad),
 * NM_ENOENT when neither was ever written, NM_ECORRUPT when both are unusable.
 * *missing: the copies to write again (bit 0: A, bit 1: B). */
static int load_identity(nm_dev_t *d, int *damaged, uint8_t *missing) {
  nm_identity_t a, b;
  int ea = dev_load_identity(d, DEV_KEY_IDENTITY, &a);
  int eb = dev_load_identity(d, DEV_KEY_IDENTITY_B, &b);
  *damaged = (ea != NM_OK && ea != NM_ENOENT) || (eb != NM_OK && eb != NM_ENOENT);
  *missing = (uint8_t)((ea != NM_OK ? 1u : 0u) | (eb != NM_OK ? 2u : 0u));
  int err = NM_OK;
  if (ea == NM_OK && eb == NM_OK && memcmp(&a, &b, sizeof a) != 0) {
    /* Two valid copies that disagree: neither can be trusted over the other. */
    *damaged = 1;
    err = NM_ECORRUPT;
  } else if (ea == NM_OK) {
    d->id = a;
  } else if (eb == NM_OK) {
    d->id = b;
  } else {
    err = (ea == NM_ENOENT && eb == NM_ENOENT) ? NM_ENOENT : NM_ECORRUPT;
  }
  nm_wipe(&a, sizeof a);
  nm_wipe(&b, sizeof b);
  return err;
}

/* The clock restarts at power-on: the calendar must not go back behind the last event it
 * logged (time stood still while the device was off, as far as it can know). */
static void calendar_from_log(nm_dev_t *d) {
  uint32_t next = nm_log_next_seq(&d->log);
  if (next == nm_log_first_seq(&d->log)) return;
  uint8_t rec[NM_LOG_PAYLOAD_MAX] = {0};
  size_t len = 0;
  if (nm_log_read(&d->log, next - 1u, rec, sizeof rec, &len) != NM_OK || len < 4) return;
  uint32_t last_s = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 | (uint32_t)rec[3] << 24;
  uint32_t now_s = nm_dev_epoch_s(d);
  /* An offset at or past UINT32_MAX reads as UINT32_MAX (nm_dev_epoch_s), never behind:
   * so the sum below never overflows. */
  if (now_s < last_s && d->epoch_offset_s < (int64_t)UINT32_MAX) d->epoch_offset_s += (int64_t)(last_s - now_s);
}

/* The settings and mode into the core, judged again. Damage that may have rolled them
 * back, and settings the supervisor refuses, leave therapy off with a fault that says
 * why; nothing that was stored can make the device stimulate more than before. */
static void load_settings(nm_dev_t *d, const boot_health_t *h, uint16_t *damage) {
  nm_settings_t *s = &d->undo.set; /* RAM that no request uses yet: not the stack */
  nm_stored_state_t st;
  uint8_t bad;
  uint32_t why;
  int rolled = 0;
  int err = dev_load_settings(d, s, &st);
  if (err == NM_OK) {
    err = nm_core_restore(&d->core, s, &st, &bad, &why);
    if (err) {
      d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_SETTINGS);
      nm_core_safe_state(&d->core, NM_FAULT_SETTINGS, (uint32_t)bad << 24 | (why & 0x00FFFFFFu));
      d->core.mode = NM_MODE_OFF; /* the clinician can reach it; a refusal is not a new device */
    } else if (maybe_rolled(h, NM_DAMAGE_SETTINGS)) {
      *damage |= NM_DAMAGE_SETTINGS;
      rolled = 1;
      /* Older settings than the last ones stored: never resume stimulation from them. */
      d->core.mode_before = NM_MODE_OFF;
      if (d->core.mode == NM_MODE_THERAPY || d->core.set.therapy_on) {
        nm_core_safe_state(&d->core, NM_FAULT_DAMAGE, NM_DAMAGE_SETTINGS);
      }
      if (d->core.mode == NM_MODE_SHELF) d->core.mode = NM_MODE_OFF;
    }
  } else if (err == NM_ECORRUPT || maybe_rolled(h, NM_DAMAGE_SETTINGS)) {
    /* Lost to damage: off, no programs, and the reason. */
    *damage |= NM_DAMAGE_SETTINGS;
    nm_core_safe_state(&d->core, NM_FAULT_DAMAGE, NM_DAMAGE_SETTINGS);
    d->core.mode = NM_MODE_OFF;
  }
  /* NM_ENOENT without damage: a provisioning cut off before its settings; shelf mode. */
  dev_settings_stored(d);
  /* Nothing (usable) stored, or older settings the device does not run as stored (off
   * after damage): write what it does at the first store, or a later reset would find
   * the older settings again, without the damage that made them suspect. */
  if (err != NM_OK || rolled) d->saved_crc = 0;
}

int nm_dev_boot(nm_dev_t *d, const nm_port_t *port, const nm_factory_t *factory) {
  memset(d, 0, sizeof *d);
  d->port = port;
  /* The core's port and profile as nm_core_init sets them, here already so that a boot that
   * fails before it leaves them set too (its caller stops at the error; EVA, joining a
   * failed boot with a booted device, saw a NULL port and profile after it). */
  d->core.port = port;
  d->core.prof = nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  if (port->nvm_pages < NM_DEV_KV_PAGES + 2u) return NM_EINVAL;
  int err = nm_kv_mount(&d->kv, port, NM_DEV_KV_FIRST, NM_DEV_KV_PAGES);
  if (err) {
    /* No usable page and not empty: nothing to trust, nothing to format over. */
    d->boot_fail = NM_BOOTF_STORE;
    return err;
  }
  /* A damaged log is reported, not fatal: the settings and keys do not live there. */
  int log_err = nm_log_mount(&d->log, port, NM_DEV_LOG_FIRST, port->nvm_pages - NM_DEV_KV_PAGES);
  if (log_err && log_err != NM_ECORRUPT) return log_err;
  boot_health_t h;
  read_health(d, log_err, &h);
  uint16_t damage = (uint16_t)(h.keys & (NM_DAMAGE_LOG | NM_DAMAGE_PAGE | NM_DAMAGE_UNKNOWN));
  int id_damaged = 0;
  uint8_t id_missing = 0;
  err = load_identity(d, &id_damaged, &id_missing);
  if (err == NM_ENOENT && !h.empty) err = NM_ECORRUPT; /* records without an identity: not blank */
  if (err == NM_ENOENT) {
    if (!factory) {
      d->boot_fail = NM_BOOTF_BLANK;
      return NM_ENOENT;
    }
    if ((err = provision(d, factory)) != NM_OK) return err;
    id_missing = 0;
  } else if (err) {
    /* No usable identity and the flash is not empty: never invent a new one. */
    d->boot_fail = NM_BOOTF_NO_IDENTITY;
    nm_wipe(&d->id, sizeof d->id);
    return NM_ECORRUPT;
  }
  /* A copy the store lost to damage reads as never written: its report says so. */
  if (id_damaged || (h.keys & NM_DAMAGE_IDENTITY)) {
    damage |= NM_DAMAGE_IDENTITY;
    d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_IDENTITY);
  }
  uint16_t alerts = d->core.alerts;
  if ((err = nm_core_init(&d->core, port, d->id.therapy, &d->id.lead)) != NM_OK) return err;
  /* Nothing reaches the output until the boot knows the memory works: a lowering kept only
   * in RAM before the reset may be why the flash says "therapy". */
  nm_core_hold(&d->core);
  d->core.alerts = alerts;
  /* Counters, calendar, remotes: missing is a cut-off provisioning, unless damage took
   * them (older or lost: the store's report names the key); damaged is reported. */
  err = dev_load_meta(d);
  if (err == NM_ECORRUPT || maybe_rolled(&h, NM_DAMAGE_META)) damage |= NM_DAMAGE_META;
  err = dev_load_remotes(d);
  if (err == NM_ECORRUPT || maybe_rolled(&h, NM_DAMAGE_REMOTES)) {
    damage |= NM_DAMAGE_REMOTES;
    d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_REMOTES);
  }
  calendar_from_log(d);
  load_settings(d, &h, &damage);
  nm_core_set_profile(&d->core, nm_profile_resolve(d->id.profile, d->id.cell));
  dev_load_imp(d);
  if (maybe_rolled(&h, NM_DAMAGE_LEADCHK) && (h.keys & NM_DAMAGE_LEADCHK)) damage |= NM_DAMAGE_LEADCHK;
  /* Damaged history records stay until the ring overwrites them: report new ones only. */
  if (h.log_bad == d->log_bad_seen && !(h.keys & ~NM_DAMAGE_LOG) && !h.bad_records && !h.bad_headers) {
    h.log_bad = 0;
    damage = (uint16_t)(damage & ~NM_DAMAGE_LOG);
  } else {
    d->log_bad_seen = h.log_bad;
  }
  /* The report first, before anything is written to the key-value store (a write may
   * compact the bad records away: they are the evidence until the event is out). */
  uint8_t what = NM_DIRTY_META;
  if (damage || h.bad_records || h.bad_headers || h.log_bad) {
    d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_DAMAGE);
    nm_event_t e;
    nm_core_ev_init(&e, NM_EV_DAMAGE);
    e.u.damage.keys = damage;
    e.u.damage.bad_records = h.bad_records;
    e.u.damage.bad_headers = h.bad_headers;
    e.u.damage.log_bad = h.log_bad;
    dev_event(d, &e);
    if (dev_events_flush(d) != NM_OK) what = 0; /* keep the evidence: no store write yet */
  }
  if (d->provisioned_now) {
    nm_event_t e;
    nm_core_ev_init(&e, NM_EV_PROVISION);
    dev_event(d, &e);
  }
  d->resets++;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_BOOT);
  e.u.boot.resets = d->resets;
  dev_event(d, &e);
  /* Settings after a provisioning or a repair, and the missing identity copy. */
  if (what) {
    what |= NM_DIRTY_SETTINGS;
    if (d->provisioned_now || dev_load_remotes(d) == NM_ENOENT) what |= NM_DIRTY_REMOTES;
    err = dev_store(d, what);
    for (uint8_t i = 0; !err && i < 2; i++) {
      if (id_missing & (1u << i)) err = dev_put_identity(d, i ? DEV_KEY_IDENTITY_B : DEV_KEY_IDENTITY);
    }
    if (!err) {
      d->core.alerts = (uint16_t)(d->core.alerts & ~NM_ALERT_IDENTITY);
      err = dev_events_flush(d);
    }
  } else {
    err = NM_EIO;
    d->dirty = NM_DIRTY_META | NM_DIRTY_SETTINGS;
  }
  if (err) {
    /* The memory cannot be written: whatever was stored, boot with therapy off and a fault
     * only the clinician clears (a lowering kept in RAM before the reset, a clinician-only
     * fault among them, may be why the flash says otherwise); a stored clinician-only
     * fault stays as it is. */
    int clin_fault = d->core.fault != NM_FAULT_NONE && d->core.fault != NM_FAULT_BATTERY;
    if (d->core.mode == NM_MODE_THERAPY || d->core.set.therapy_on || d->core.mode_before == NM_MODE_THERAPY ||
        !clin_fault) {
      d->core.mode_before = NM_MODE_OFF;
      nm_core_safe_state(&d->core, NM_FAULT_STORE, 0u - (uint32_t)err); /* -err, defined for any int */
    }
    d->dirty = (uint8_t)(d->dirty | NM_DIRTY_META | NM_DIRTY_SETTINGS);
    d->core.alerts = (uint16_t)(d->core.alerts | NM_ALERT_STORE);
    d->store_err = err;
    d->next_retry_us = dev_now_us(d) + (uint64_t)NM_DEV_RETRY_MS * 1000u;
  }
  /* Now the output may follow the state (a trip while releasing it is a lowering: stored). */
  nm_core_release(&d->core);
  (void)dev_store(d, NM_DIRTY_SETTINGS);
  dev_commit_events(d);
  dev_arm_retry(d);
  return NM_OK;
}
