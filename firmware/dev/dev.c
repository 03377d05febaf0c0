/* dev.c: the implant around the core: boot and provisioning, persistence of everything
 * acknowledged, the event log, the keyring, and the device-level commands. */
#include "nmod/dev.h"

#include <string.h>

#include "nmod/wire.h"

/* Keys of the key-value store. */
enum { KEY_IDENTITY = 1, KEY_META = 2, KEY_SETTINGS = 3, KEY_MODE = 4, KEY_REMOTES = 5, KEY_IMPEDANCE = 6 };

#define META_VERSION 1u

static void load_imp(nm_dev_t *d);
static void use_tick(nm_dev_t *d);
static int persist(nm_dev_t *d);

static uint64_t uptime_s(const nm_dev_t *d) { return d->port->now_us(d->port->ctx) / 1000000u; }

uint32_t nm_dev_epoch_s(const nm_dev_t *d) {
  int64_t t = (int64_t)uptime_s(d) + d->epoch_offset_s;
  return t < 0 ? 0u : t > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

void nm_dev_event(nm_dev_t *d, uint8_t type, const uint8_t *data, size_t len) {
  uint8_t rec[NM_LOG_PAYLOAD_MAX];
  nm_wr_t w;
  nm_wr_init(&w, rec, sizeof rec);
  nm_wr_u32(&w, nm_dev_epoch_s(d));
  nm_wr_u8(&w, type);
  nm_wr_bytes(&w, data, len > sizeof rec - 5u ? sizeof rec - 5u : len);
  int err = nm_log_append(&d->log, rec, w.len, NULL);
  if (err) d->store_err = err;
}

/* ---- persistence -------------------------------------------------------------------- */

static int put_meta(nm_dev_t *d) {
  uint8_t buf[16];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_u8(&w, META_VERSION);
  nm_wr_u32(&w, d->resets);
  nm_wr_u64(&w, (uint64_t)d->epoch_offset_s);
  return nm_kv_put(&d->kv, KEY_META, buf, w.len);
}

#define IDENTITY_LEN (NM_SERIAL_LEN + 3 + 7 + NM_KEY_ID_LEN + NM_SECRET_LEN)

static int put_identity(nm_dev_t *d) {
  uint8_t buf[IDENTITY_LEN];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_bytes(&w, d->id.serial, NM_SERIAL_LEN);
  nm_wr_u8(&w, d->id.kind);
  nm_wr_u8(&w, d->id.therapy);
  nm_wr_u8(&w, d->id.cell);
  nm_wr_u8(&w, d->id.lead.model);
  nm_wr_u8(&w, d->id.lead.shape);
  nm_wr_u8(&w, d->id.lead.n_contacts);
  nm_wr_u32(&w, d->id.lead.area_um2);
  nm_wr_bytes(&w, d->id.clin_id, NM_KEY_ID_LEN);
  nm_wr_bytes(&w, d->id.clin_key, NM_SECRET_LEN);
  int err = nm_kv_put(&d->kv, KEY_IDENTITY, buf, w.len);
  memset(buf, 0, sizeof buf);
  return err;
}

static int put_remotes(nm_dev_t *d) {
  uint8_t buf[NM_MAX_REMOTES * (1 + NM_KEY_ID_LEN + NM_SECRET_LEN + 4)];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    nm_wr_u8(&w, d->remotes[i].used);
    nm_wr_bytes(&w, d->remotes[i].id, NM_KEY_ID_LEN);
    nm_wr_bytes(&w, d->remotes[i].key, NM_SECRET_LEN);
    nm_wr_u32(&w, d->remotes[i].paired_s);
  }
  int err = nm_kv_put(&d->kv, KEY_REMOTES, buf, w.len);
  memset(buf, 0, sizeof buf);
  return err;
}

/* Encode the core's settings into buf; returns the length (0 on overflow). */
static size_t encode_settings(const nm_settings_t *s, uint8_t *buf, size_t cap) {
  nm_wr_t w;
  nm_wr_init(&w, buf, cap);
  nm_wire_put_settings(&w, s);
  return w.err ? 0 : w.len;
}

/* Write settings and mode to flash when they differ from what is there (compared by the
 * CRC of their encoding, so padding never counts as a change). */
static int persist(nm_dev_t *d) {
  size_t n = encode_settings(&d->core.set, d->scratch, sizeof d->scratch);
  if (n == 0) return NM_ENOSPC;
  uint32_t crc = nm_crc32(0, d->scratch, n);
  if (crc != d->saved_crc) {
    int err = nm_kv_put(&d->kv, KEY_SETTINGS, d->scratch, n);
    if (err) return err;
    d->saved = d->core.set;
    d->saved_crc = crc;
  }
  uint8_t mode = d->core.mode == NM_MODE_TEST ? NM_MODE_OFF : d->core.mode;
  if (mode != d->saved_mode) {
    uint8_t buf[2] = {mode, d->core.mode_before};
    int err = nm_kv_put(&d->kv, KEY_MODE, buf, 2);
    if (err) return err;
    d->saved_mode = mode;
  }
  return NM_OK;
}

/* ---- boot --------------------------------------------------------------------------- */

static int rng(nm_dev_t *d, uint8_t *buf, size_t n) { return d->port->rng(d->port->ctx, buf, n); }

static int provision(nm_dev_t *d, const nm_factory_t *f) {
  static const char hex[] = "0123456789ABCDEF";
  uint8_t r[4];
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
  d->id.lead = f->lead;
  if (nm_lead_validate(&f->lead) != NM_OK || f->therapy > NM_THERAPY_SNM || f->kind > NM_KIND_INS) return NM_EINVAL;
  if ((err = rng(d, d->id.clin_id, NM_KEY_ID_LEN)) != NM_OK) return err;
  if ((err = rng(d, d->id.clin_key, NM_SECRET_LEN)) != NM_OK) return err;
  d->epoch_offset_s = (int64_t)f->epoch_s - (int64_t)uptime_s(d);
  d->provisioned_now = 1;
  /* Settings first (the therapy kind and lead the factory chose), identity last: a power
   * cut in between leaves no identity, and the next boot provisions again. */
  nm_settings_t s;
  memset(&s, 0, sizeof s);
  s.therapy = f->therapy;
  s.lead = f->lead;
  s.load.impedance_ohm = NM_IMPEDANCE_DEFAULT_OHM;
  s.load.compliance_mv = NM_COMPLIANCE_DEFAULT_MV;
  size_t n = encode_settings(&s, d->scratch, sizeof d->scratch);
  if ((err = nm_kv_put(&d->kv, KEY_SETTINGS, d->scratch, n)) != NM_OK) return err;
  uint8_t mode[2] = {NM_MODE_SHELF, NM_MODE_OFF};
  if ((err = nm_kv_put(&d->kv, KEY_MODE, mode, 2)) != NM_OK) return err;
  if ((err = put_remotes(d)) != NM_OK) return err;
  if ((err = put_meta(d)) != NM_OK) return err;
  return put_identity(d);
}

static int load_identity(nm_dev_t *d) {
  uint8_t buf[IDENTITY_LEN];
  size_t n;
  int err = nm_kv_get(&d->kv, KEY_IDENTITY, buf, sizeof buf, &n);
  if (err) return err;
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
  nm_rd_bytes(&r, d->id.serial, NM_SERIAL_LEN);
  d->id.kind = nm_rd_u8(&r);
  d->id.therapy = nm_rd_u8(&r);
  d->id.cell = nm_rd_u8(&r);
  d->id.lead.model = nm_rd_u8(&r);
  d->id.lead.shape = nm_rd_u8(&r);
  d->id.lead.n_contacts = nm_rd_u8(&r);
  d->id.lead.area_um2 = nm_rd_u32(&r);
  nm_rd_bytes(&r, d->id.clin_id, NM_KEY_ID_LEN);
  nm_rd_bytes(&r, d->id.clin_key, NM_SECRET_LEN);
  memset(buf, 0, sizeof buf);
  return nm_rd_done(&r) == NM_OK ? NM_OK : NM_ECORRUPT;
}

static int load_meta(nm_dev_t *d) {
  uint8_t buf[16];
  size_t n;
  int err = nm_kv_get(&d->kv, KEY_META, buf, sizeof buf, &n);
  if (err) return err;
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
  if (nm_rd_u8(&r) != META_VERSION) return NM_ECORRUPT;
  d->resets = nm_rd_u32(&r);
  d->epoch_offset_s = (int64_t)nm_rd_u64(&r);
  return nm_rd_done(&r) == NM_OK ? NM_OK : NM_ECORRUPT;
}

static int load_remotes(nm_dev_t *d) {
  uint8_t buf[NM_MAX_REMOTES * (1 + NM_KEY_ID_LEN + NM_SECRET_LEN + 4)];
  size_t n;
  int err = nm_kv_get(&d->kv, KEY_REMOTES, buf, sizeof buf, &n);
  if (err == NM_ENOENT) return NM_OK;
  if (err) return err;
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    d->remotes[i].used = nm_rd_u8(&r);
    nm_rd_bytes(&r, d->remotes[i].id, NM_KEY_ID_LEN);
    nm_rd_bytes(&r, d->remotes[i].key, NM_SECRET_LEN);
    d->remotes[i].paired_s = nm_rd_u32(&r);
  }
  memset(buf, 0, sizeof buf);
  return nm_rd_done(&r) == NM_OK ? NM_OK : NM_ECORRUPT;
}

/* Settings and mode from flash into the core. A record that fails its checks leaves the
 * core off with the factory lead: a device that cannot trust its settings does not
 * stimulate. */
static int load_settings(nm_dev_t *d) {
  size_t n;
  nm_settings_t s;
  int err = nm_kv_get(&d->kv, KEY_SETTINGS, d->scratch, sizeof d->scratch, &n);
  if (err) return err;
  nm_rd_t r;
  nm_rd_init(&r, d->scratch, n);
  nm_wire_get_settings(&r, &s);
  if (nm_rd_done(&r) != NM_OK) return NM_ECORRUPT;
  if ((err = nm_core_init(&d->core, d->port, s.therapy, &s.lead)) != NM_OK) return NM_ECORRUPT;
  if (s.valid_mask && (err = nm_core_restore(&d->core, &s)) != NM_OK) return NM_ECORRUPT;
  if (!s.valid_mask) {
    /* Nothing programmed yet: keep lead and load, stay in the init state. */
    d->core.set.load = s.load;
  }
  d->saved = d->core.set;
  n = encode_settings(&d->saved, d->scratch, sizeof d->scratch);
  d->saved_crc = nm_crc32(0, d->scratch, n);
  uint8_t mode[2];
  if (nm_kv_get(&d->kv, KEY_MODE, mode, sizeof mode, &n) == NM_OK && n == 2) {
    uint8_t cur = d->core.mode;
    if (mode[0] == NM_MODE_SHELF) {
      d->core.mode = NM_MODE_SHELF;
      d->core.set.therapy_on = 0;
    } else if (mode[0] == NM_MODE_MRI || mode[0] == NM_MODE_SURGERY) {
      /* A reset during a scan or an operation must not bring stimulation back. */
      (void)nm_core_mode(&d->core, NM_ROLE_CLINICIAN, cur == NM_MODE_SHELF ? NM_MODE_OFF : cur);
      (void)nm_core_mode(&d->core, NM_ROLE_CLINICIAN, mode[0]);
      d->core.mode_before = mode[1] == NM_MODE_THERAPY ? NM_MODE_THERAPY : NM_MODE_OFF;
    } else if (cur == NM_MODE_SHELF) {
      d->core.mode = NM_MODE_OFF;
    }
    d->saved_mode = d->core.mode;
  }
  return NM_OK;
}

int nm_dev_boot(nm_dev_t *d, const nm_port_t *port, const nm_factory_t *factory) {
  memset(d, 0, sizeof *d);
  d->port = port;
  if (port->nvm_pages < NM_DEV_KV_PAGES + 2u) return NM_EINVAL;
  int err = nm_kv_mount(&d->kv, port, NM_DEV_KV_FIRST, NM_DEV_KV_PAGES);
  if (err) return err;
  err = nm_log_mount(&d->log, port, NM_DEV_LOG_FIRST, port->nvm_pages - NM_DEV_KV_PAGES);
  if (err) return err;
  err = load_identity(d);
  if (err == NM_ENOENT) {
    if (!factory) return NM_ENOENT;
    err = provision(d, factory);
  } else if (err == NM_OK) {
    err = load_meta(d);
  }
  if (err) return err;
  if ((err = load_remotes(d)) != NM_OK) return err;
  /* The clock restarts at power-on: the calendar must not go back behind the last event it
   * logged (time stood still while the device was off, as far as it can know). */
  uint32_t last_seq = nm_log_next_seq(&d->log) - 1u;
  uint8_t rec[NM_LOG_PAYLOAD_MAX];
  size_t rlen;
  if (nm_log_next_seq(&d->log) != nm_log_first_seq(&d->log) &&
      nm_log_read(&d->log, last_seq, rec, sizeof rec, &rlen) == NM_OK && rlen >= 4) {
    uint32_t last_s = (uint32_t)rec[0] | (uint32_t)rec[1] << 8 | (uint32_t)rec[2] << 16 | (uint32_t)rec[3] << 24;
    uint32_t now_s = nm_dev_epoch_s(d);
    if (now_s < last_s) d->epoch_offset_s += (int64_t)(last_s - now_s);
  }
  if ((err = load_settings(d)) != NM_OK) return err;
  nm_core_set_cell(&d->core, d->id.cell);
  load_imp(d);
  d->resets++;
  if ((err = put_meta(d)) != NM_OK) return err;
  uint8_t ev[4];
  nm_wr_t w;
  nm_wr_init(&w, ev, sizeof ev);
  nm_wr_u32(&w, d->resets);
  if (d->provisioned_now) nm_dev_event(d, NM_EV_PROVISION, NULL, 0);
  nm_dev_event(d, NM_EV_BOOT, ev, w.len);
  return NM_OK;
}

/* ---- events from state changes ------------------------------------------------------ */

static void log_changes(nm_dev_t *d, const nm_settings_t *before, uint8_t mode_before, uint32_t fault_before,
                        uint8_t role, uint8_t reason) {
  const nm_settings_t *s = &d->core.set;
  uint8_t b[12];
  if (d->core.mode != mode_before) {
    b[0] = mode_before;
    b[1] = d->core.mode;
    b[2] = role;
    b[3] = reason;
    nm_dev_event(d, NM_EV_MODE, b, 4);
    d->use_modes++;
  }
  if (s->running_mask != before->running_mask) {
    b[0] = s->running_mask;
    b[1] = role;
    nm_dev_event(d, NM_EV_SELECT, b, 2);
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (s->amp_ua[i] == before->amp_ua[i] || !(s->valid_mask & (1u << i))) continue;
    nm_wr_t w;
    nm_wr_init(&w, b, sizeof b);
    nm_wr_u8(&w, i);
    nm_wr_u32(&w, s->amp_ua[i]);
    nm_wr_u8(&w, role);
    nm_dev_event(d, NM_EV_AMP, b, w.len);
  }
  if (d->core.fault != fault_before && d->core.fault != NM_FAULT_NONE) {
    nm_wr_t w;
    nm_wr_init(&w, b, sizeof b);
    nm_wr_u32(&w, d->core.fault);
    nm_wr_u32(&w, d->core.fault_detail);
    nm_dev_event(d, NM_EV_FAULT, b, w.len);
  }
}

/* ---- device-level commands ---------------------------------------------------------- */

static int find_remote(const nm_dev_t *d, const uint8_t id[NM_KEY_ID_LEN]) {
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    if (d->remotes[i].used && memcmp(d->remotes[i].id, id, NM_KEY_ID_LEN) == 0) return i;
  }
  return -1;
}

int nm_dev_key_lookup(void *dev, const uint8_t key_id[NM_KEY_ID_LEN], uint8_t *role, uint8_t secret[NM_SECRET_LEN]) {
  nm_dev_t *d = dev;
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

static int op_pair(nm_dev_t *d, nm_wr_t *w) {
  int slot = -1;
  for (int i = 0; i < NM_MAX_REMOTES && slot < 0; i++) {
    if (!d->remotes[i].used) slot = i;
  }
  if (slot < 0) return NM_ENOSPC;
  nm_remote_t r;
  memset(&r, 0, sizeof r);
  int err = rng(d, r.id, NM_KEY_ID_LEN);
  if (!err) err = rng(d, r.key, NM_SECRET_LEN);
  if (err) return err;
  r.used = 1;
  r.paired_s = nm_dev_epoch_s(d);
  d->remotes[slot] = r;
  if ((err = put_remotes(d)) != NM_OK) {
    memset(&d->remotes[slot], 0, sizeof d->remotes[slot]);
    return err;
  }
  nm_wr_u8(w, (uint8_t)slot);
  nm_wr_bytes(w, r.id, NM_KEY_ID_LEN);
  nm_wr_bytes(w, r.key, NM_SECRET_LEN);
  uint8_t ev[1 + NM_KEY_ID_LEN];
  ev[0] = (uint8_t)slot;
  memcpy(ev + 1, r.id, NM_KEY_ID_LEN);
  nm_dev_event(d, NM_EV_PAIR, ev, sizeof ev);
  memset(&r, 0, sizeof r);
  return NM_OK;
}

static int op_revoke(nm_dev_t *d, const uint8_t id[NM_KEY_ID_LEN]) {
  int i = find_remote(d, id);
  if (i < 0) return NM_ENOENT;
  nm_remote_t saved = d->remotes[i];
  memset(&d->remotes[i], 0, sizeof d->remotes[i]);
  int err = put_remotes(d);
  if (err) {
    d->remotes[i] = saved;
    return err;
  }
  nm_dev_event(d, NM_EV_REVOKE, id, NM_KEY_ID_LEN);
  return NM_OK;
}

static void op_history(nm_dev_t *d, uint32_t from, uint8_t max, nm_wr_t *w) {
  uint32_t first = nm_log_first_seq(&d->log), next = nm_log_next_seq(&d->log);
  if ((int32_t)(from - first) < 0) from = first;
  if (max > NM_HISTORY_MAX_PER_CALL) max = NM_HISTORY_MAX_PER_CALL;
  nm_wr_u32(w, first);
  nm_wr_u32(w, next);
  size_t count_at = w->len;
  nm_wr_u8(w, 0);
  uint8_t n = 0;
  for (uint32_t seq = from; seq != next && n < max; seq++) {
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    size_t len;
    if (nm_log_read(&d->log, seq, rec, sizeof rec, &len) != NM_OK) continue; /* torn: skip */
    if (w->cap - w->len < 5u + len) break;
    nm_wr_u32(w, seq);
    nm_wr_u8(w, (uint8_t)len);
    nm_wr_bytes(w, rec, len);
    n++;
  }
  if (!w->err) w->buf[count_at] = n;
}

uint8_t nm_dev_imp_class(uint32_t ohm) {
  if (ohm <= NM_IMP_SHORT_MAX_OHM) return NM_IMP_SHORT;
  if (ohm >= NM_IMP_OPEN_MIN_OHM) return NM_IMP_OPEN;
  if (ohm >= NM_IMP_HIGH_MIN_OHM) return NM_IMP_HIGH;
  return NM_IMP_NORMAL;
}


static int put_imp(nm_dev_t *d) {
  uint8_t buf[4 + 1 + 4 * NM_MAX_CONTACTS];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wr_u32(&w, d->imp_last_s);
  nm_wr_u8(&w, d->core.set.lead.n_contacts);
  for (uint8_t n = 0; n < d->core.set.lead.n_contacts; n++) nm_wr_u32(&w, d->imp_last_ohm[n]);
  return nm_kv_put(&d->kv, KEY_IMPEDANCE, buf, w.len);
}

static void load_imp(nm_dev_t *d) {
  uint8_t buf[4 + 1 + 4 * NM_MAX_CONTACTS];
  size_t n;
  if (nm_kv_get(&d->kv, KEY_IMPEDANCE, buf, sizeof buf, &n) != NM_OK) return;
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
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

void nm_dev_lead_check(nm_dev_t *d, int auto_check) {
  const nm_lead_t *lead = &d->core.set.lead;
  uint16_t open = 0, shrt = 0, high = 0, jump = 0;
  uint64_t sum = 0;
  uint32_t nsum = 0, ohm_now[NM_MAX_CONTACTS] = {0};
  for (uint8_t n = 0; n < lead->n_contacts; n++) {
    uint32_t ohm = 0;
    if (d->port->imp_measure(d->port->ctx, n, NM_NODE_CASE, &ohm) != NM_OK) continue;
    ohm_now[n] = ohm;
    uint16_t bit = (uint16_t)(1u << n);
    switch (nm_dev_imp_class(ohm)) {
      case NM_IMP_OPEN: open |= bit; break;
      case NM_IMP_SHORT: shrt |= bit; break;
      case NM_IMP_HIGH: high |= bit; break;
      default: {
        sum += ohm;
        nsum++;
        /* A jump within the normal range: the contact sits elsewhere now. */
        uint32_t was = d->imp_last_ohm[n];
        uint32_t diff = ohm > was ? ohm - was : was - ohm;
        if (was && nm_dev_imp_class(was) == NM_IMP_NORMAL && (uint64_t)diff * 1000u > (uint64_t)was * NM_IMP_JUMP_PM) {
          jump |= bit;
        }
      }
    }
  }
  d->core.lead_open = open;
  d->core.lead_short = shrt;
  d->imp_jump = jump;
  memcpy(d->imp_last_ohm, ohm_now, sizeof ohm_now);
  d->imp_last_s = nm_dev_epoch_s(d);
  int err = put_imp(d);
  if (err) d->store_err = err;
  uint8_t ev[13];
  nm_wr_t w;
  nm_wr_init(&w, ev, sizeof ev);
  nm_wr_u16(&w, open);
  nm_wr_u16(&w, shrt);
  nm_wr_u16(&w, high);
  nm_wr_u16(&w, jump);
  nm_wr_u32(&w, nsum ? (uint32_t)(sum / nsum) : 0u);
  nm_wr_u8(&w, (uint8_t)(auto_check != 0));
  nm_dev_event(d, NM_EV_IMPEDANCE, ev, w.len);
  /* A short: the programs using that contact stop (the others go on), and why is recorded. */
  for (uint8_t n = 0; n < lead->n_contacts; n++) {
    if (!(shrt & (1u << n))) continue;
    uint32_t fault_before = d->core.fault;
    uint8_t stopped = nm_core_drop_node(&d->core, n);
    if (!stopped) continue;
    uint8_t e[2] = {n, stopped};
    nm_dev_event(d, NM_EV_LEAD_STOP, e, 2);
    if (d->core.fault != fault_before) {
      uint8_t f[8];
      nm_wr_init(&w, f, sizeof f);
      nm_wr_u32(&w, d->core.fault);
      nm_wr_u32(&w, d->core.fault_detail);
      nm_dev_event(d, NM_EV_FAULT, f, w.len);
    }
  }
  if ((err = persist(d)) != NM_OK) d->store_err = err;
}

static void put_reading(nm_dev_t *d, nm_wr_t *w, uint8_t a, uint8_t b) {
  uint32_t ohm = 0;
  int err = d->port->imp_measure(d->port->ctx, a, b, &ohm);
  nm_wr_u32(w, err ? 0u : ohm);
  nm_wr_u8(w, err ? (uint8_t)NM_IMP_ERROR : nm_dev_imp_class(ohm));
}

/* A check now (as the daily one), then its readings: each contact against the case, and
 * each running program's main pair (its strongest cathode and anode). */
static void op_impedance(nm_dev_t *d, nm_wr_t *w) {
  nm_dev_lead_check(d, 0);
  const nm_settings_t *s = &d->core.set;
  nm_wr_u8(w, s->lead.n_contacts);
  for (uint8_t n = 0; n < s->lead.n_contacts; n++) {
    nm_wr_u8(w, n);
    nm_wr_u32(w, d->imp_last_ohm[n]);
    nm_wr_u8(w, nm_dev_imp_class(d->imp_last_ohm[n]));
  }
  uint8_t m = 0;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) m = (uint8_t)(m + ((s->running_mask >> i) & 1u));
  nm_wr_u8(w, m);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->running_mask & (1u << i))) continue;
    uint8_t cath = 0, anod = 0;
    int8_t lo = 0, hi = 0;
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int8_t f = s->prog[i].frac_pct[n];
      if (f < lo) {
        lo = f;
        cath = n;
      }
      if (f > hi) {
        hi = f;
        anod = n;
      }
    }
    nm_wr_u8(w, i);
    nm_wr_u8(w, cath);
    nm_wr_u8(w, anod);
    put_reading(d, w, cath, anod);
  }
  nm_wr_u16(w, d->imp_jump);
}

/* ---- usage -------------------------------------------------------------------------- */

/* Count therapy time and amplitude since the last tick; close the day at midnight UTC. */
static void use_tick(nm_dev_t *d) {
  uint64_t now = d->port->now_us(d->port->ctx);
  uint32_t day = nm_dev_epoch_s(d) / 86400u;
  if (d->use_last_us == 0 || now < d->use_last_us) {
    d->use_last_us = now ? now : 1;
    d->use_day = day;
    return;
  }
  uint64_t dt_ms = (now - d->use_last_us) / 1000u;
  d->use_last_us = now;
  if (d->core.mode == NM_MODE_THERAPY) {
    uint64_t amp = 0, n = 0;
    for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
      if (!(d->core.set.running_mask & (1u << i))) continue;
      amp += d->core.set.amp_ua[i];
      n++;
    }
    d->use_therapy_ms += dt_ms;
    if (n) d->use_amp_ua_ms += amp / n * dt_ms;
  }
  if (day == d->use_day) return;
  uint8_t ev[11];
  nm_wr_t w;
  nm_wr_init(&w, ev, sizeof ev);
  uint64_t min = d->use_therapy_ms / 60000u;
  nm_wr_u16(&w, (uint16_t)(min > 1440u ? 1440u : min));
  nm_wr_u16(&w, d->use_adjust);
  nm_wr_u32(&w, d->use_therapy_ms ? (uint32_t)(d->use_amp_ua_ms / d->use_therapy_ms) : 0u);
  nm_wr_u8(&w, d->use_modes);
  nm_wr_u16(&w, d->core.batt.soc_pm);
  nm_dev_event(d, NM_EV_USAGE, ev, w.len);
  d->use_day = day;
  d->use_therapy_ms = d->use_amp_ua_ms = 0;
  d->use_adjust = 0;
  d->use_modes = 0;
}

static void op_identity(const nm_dev_t *d, nm_wr_t *w) {
  nm_wr_bytes(w, d->id.serial, NM_SERIAL_LEN);
  nm_wr_u8(w, d->id.kind);
  nm_wr_u8(w, d->core.set.therapy);
  nm_wr_u8(w, NM_FW_VERSION_MAJOR);
  nm_wr_u8(w, NM_FW_VERSION_MINOR);
  nm_wr_u8(w, NM_FW_VERSION_PATCH);
  nm_wr_u8(w, d->core.set.lead.model);
  nm_wr_u32(w, d->resets);
  nm_wr_u32(w, d->rejected);
  nm_wr_u32(w, d->auth_failures);
  nm_wr_u32(w, nm_log_first_seq(&d->log));
  nm_wr_u32(w, nm_log_next_seq(&d->log));
  nm_wr_u32(w, nm_dev_epoch_s(d));
}

/* Device-level ops; returns 1 when op is one (status in *st), 0 to pass it to the core. */
static int dev_op(nm_dev_t *d, uint8_t role, uint8_t op, nm_rd_t *r, nm_wr_t *w, int *st) {
  switch (op) {
    case NM_OP_IDENTITY:
      if (role != NM_ROLE_CLINICIAN && role != NM_ROLE_PATIENT) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) op_identity(d, w);
      return 1;
    case NM_OP_TIME_SET: {
      uint64_t epoch = nm_rd_u64(r);
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) {
        if (epoch > UINT32_MAX) {
          *st = NM_EINVAL;
          return 1;
        }
        uint8_t ev[8];
        nm_wr_t e;
        nm_wr_init(&e, ev, sizeof ev);
        nm_wr_u32(&e, nm_dev_epoch_s(d));
        int64_t old = d->epoch_offset_s;
        d->epoch_offset_s = (int64_t)epoch - (int64_t)uptime_s(d);
        if ((*st = put_meta(d)) != NM_OK) {
          d->epoch_offset_s = old;
          return 1;
        }
        nm_wr_u32(&e, (uint32_t)epoch);
        nm_dev_event(d, NM_EV_TIME, ev, e.len);
      }
      return 1;
    }
    case NM_OP_HEALTH:
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) {
        use_tick(d);
        nm_wr_u32(w, d->imp_last_s);
        nm_wr_u8(w, d->core.set.lead.n_contacts);
        for (uint8_t n = 0; n < d->core.set.lead.n_contacts; n++) nm_wr_u32(w, d->imp_last_ohm[n]);
        nm_wr_u16(w, d->imp_jump);
        uint64_t min = d->use_therapy_ms / 60000u;
        nm_wr_u16(w, (uint16_t)(min > 1440u ? 1440u : min));
        nm_wr_u16(w, d->use_adjust);
        nm_wr_u32(w, d->use_therapy_ms ? (uint32_t)(d->use_amp_ua_ms / d->use_therapy_ms) : 0u);
        nm_wr_u8(w, d->use_modes);
      }
      return 1;
    case NM_OP_PAIR:
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) *st = op_pair(d, w);
      return 1;
    case NM_OP_REVOKE: {
      uint8_t id[NM_KEY_ID_LEN];
      nm_rd_bytes(r, id, sizeof id);
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) *st = op_revoke(d, id);
      return 1;
    }
    case NM_OP_REMOTES:
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) {
        uint8_t n = 0;
        for (int i = 0; i < NM_MAX_REMOTES; i++) n = (uint8_t)(n + d->remotes[i].used);
        nm_wr_u8(w, n);
        for (int i = 0; i < NM_MAX_REMOTES; i++) {
          if (!d->remotes[i].used) continue;
          nm_wr_bytes(w, d->remotes[i].id, NM_KEY_ID_LEN);
          nm_wr_u32(w, d->remotes[i].paired_s);
        }
      }
      return 1;
    case NM_OP_IMPEDANCE:
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) op_impedance(d, w);
      return 1;
    case NM_OP_HISTORY: {
      uint32_t from = nm_rd_u32(r);
      uint8_t max = nm_rd_u8(r);
      if (role != NM_ROLE_CLINICIAN) *st = NM_EPERM;
      else if ((*st = nm_rd_done(r)) == NM_OK) op_history(d, from, max, w);
      return 1;
    }
    default:
      return 0;
  }
}

int nm_dev_exec(nm_dev_t *d, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                size_t *resp_len) {
  *resp_len = 0;
  if (cap < 1) return NM_ENOSPC;
  nm_rd_t r;
  nm_wr_t w;
  nm_rd_init(&r, req, req_len);
  nm_wr_init(&w, resp, cap);
  nm_wr_u8(&w, 0);
  uint8_t op = nm_rd_u8(&r);
  int st = NM_OK;
  if (dev_op(d, role, op, &r, &w, &st)) {
    if (st != NM_OK) w.len = 1;
    if (w.err) {
      st = NM_ENOSPC;
      w.len = 1;
    }
    resp[0] = (uint8_t)(int8_t)st;
    *resp_len = w.len;
    if (st != NM_OK) {
      uint8_t ev[3] = {op, (uint8_t)(int8_t)st, role};
      nm_dev_event(d, NM_EV_REFUSED, ev, sizeof ev);
    }
    return st;
  }
  /* The lead is hardware: a therapy for another lead is refused whatever it says. */
  if (op == NM_OP_PROGRAM_ALL || op == NM_OP_LEAD_SET) {
    nm_lead_t lead;
    nm_load_t load;
    nm_wire_get_lead(&r, &lead, &load);
    if (r.err == NM_OK && (lead.model != d->id.lead.model || lead.shape != d->id.lead.shape ||
                           lead.n_contacts != d->id.lead.n_contacts || lead.area_um2 != d->id.lead.area_um2)) {
      nm_safety_report_t rep;
      memset(&rep, 0, sizeof rep);
      rep.verdict = NM_VERDICT_REFUSE;
      rep.reasons = NM_R_LEAD;
      if (op == NM_OP_PROGRAM_ALL) {
        nm_wr_u8(&w, 0xFF);
        nm_wire_put_report(&w, &rep);
      }
      resp[0] = (uint8_t)(int8_t)NM_EREFUSED;
      *resp_len = w.err ? 1 : w.len;
      uint8_t ev[7] = {op, (uint8_t)(int8_t)NM_EREFUSED, role, (uint8_t)NM_R_LEAD, (uint8_t)(NM_R_LEAD >> 8),
                       (uint8_t)(NM_R_LEAD >> 16), 0};
      nm_dev_event(d, NM_EV_REFUSED, ev, sizeof ev);
      return NM_EREFUSED;
    }
  }
  /* A therapy switch may carry a reason (pregnancy...): the core gets the switch, the
   * history gets the reason. */
  uint8_t reason = NM_REASON_NONE;
  if (op == NM_OP_THERAPY && req_len == 3) {
    reason = req[2];
    if (reason > NM_REASON_CLINICAL) {
      resp[0] = (uint8_t)(int8_t)NM_EINVAL;
      *resp_len = 1;
      return NM_EINVAL;
    }
    req_len = 2;
  }
  use_tick(d);
  /* A core command: apply, persist, and only then answer. */
  nm_settings_t before = d->core.set;
  uint8_t mode_before = d->core.mode;
  uint32_t fault_before = d->core.fault;
  st = nm_cmd_exec(&d->core, role, req, req_len, resp, cap, resp_len);
  int perr = persist(d);
  if (perr != NM_OK) {
    /* Not stored, so not done: put the core back to what the flash holds. */
    d->store_err = perr;
    (void)nm_core_restore(&d->core, &d->saved);
    resp[0] = (uint8_t)(int8_t)NM_EIO;
    *resp_len = 1;
    return NM_EIO;
  }
  log_changes(d, &before, mode_before, fault_before, role, reason);
  if (st == NM_OK && role == NM_ROLE_PATIENT && (op == NM_OP_AMP_SET || op == NM_OP_AMP_STEP)) d->use_adjust++;
  /* Activation (leaving shelf mode) checks the lead at once, as at implant. */
  if (mode_before == NM_MODE_SHELF && d->core.mode != NM_MODE_SHELF) nm_dev_lead_check(d, 0);
  if (st == NM_OK && op == NM_OP_PROGRAM_ALL) {
    uint8_t n = 0;
    for (uint8_t m = d->core.set.valid_mask; m; m &= (uint8_t)(m - 1u)) n++;
    uint8_t ev[2] = {n, d->core.set.running_mask};
    nm_dev_event(d, NM_EV_PROGRAM, ev, 2);
  }
  if (st == NM_OK && op == NM_OP_TEST_MARK) {
    uint8_t ev[5];
    nm_wr_t e;
    nm_wr_init(&e, ev, sizeof ev);
    nm_wr_u8(&e, d->core.test.node);
    nm_wr_u32(&e, d->core.test.threshold_ua[d->core.test.node]);
    nm_dev_event(d, NM_EV_TEST, ev, e.len);
  }
  if (st != NM_OK) {
    uint8_t ev[7];
    nm_wr_t e;
    nm_wr_init(&e, ev, sizeof ev);
    nm_wr_u8(&e, op);
    nm_wr_u8(&e, (uint8_t)(int8_t)st);
    nm_wr_u8(&e, role);
    /* The safety report's reasons follow the status (after a slot byte for PROGRAM_ALL). */
    size_t at = op == NM_OP_PROGRAM_ALL ? 3u : 2u;
    uint32_t reasons = 0;
    if (st == NM_EREFUSED && *resp_len >= at + 4u) {
      nm_rd_t rr;
      nm_rd_init(&rr, resp + at, 4);
      reasons = nm_rd_u32(&rr);
    }
    nm_wr_u32(&e, reasons);
    nm_dev_event(d, NM_EV_REFUSED, ev, e.len);
  }
  return st;
}

static void log_battery(nm_dev_t *d, uint8_t before) {
  if (d->core.batt.state == before) return;
  uint8_t ev[7];
  nm_wr_t w;
  nm_wr_init(&w, ev, sizeof ev);
  nm_wr_u8(&w, d->core.batt.state);
  nm_wr_u16(&w, d->core.batt.soc_pm);
  nm_wr_u32(&w, d->core.batt.remaining_uah);
  nm_dev_event(d, NM_EV_BATTERY, ev, w.len);
}

uint64_t nm_dev_wake(nm_dev_t *d) {
  nm_settings_t before = d->core.set;
  uint8_t mode_before = d->core.mode;
  uint32_t fault_before = d->core.fault;
  uint8_t batt_before = d->core.batt.state;
  use_tick(d);
  uint64_t next = nm_core_wake(&d->core);
  log_battery(d, batt_before);
  if (d->core.mode != mode_before || d->core.fault != fault_before) {
    int err = persist(d);
    if (err) d->store_err = err;
    log_changes(d, &before, mode_before, fault_before, NM_ROLE_NONE, NM_REASON_NONE);
  }
  /* The daily lead check (it logs what it changes itself); MRI mode turns automatic checks
   * off, shelf mode has no patient. */
  uint32_t now_s = nm_dev_epoch_s(d);
  if (d->core.mode != NM_MODE_MRI && d->core.mode != NM_MODE_SHELF &&
      (d->imp_last_s == 0 || now_s < d->imp_last_s || now_s - d->imp_last_s >= NM_IMP_CHECK_S)) {
    nm_dev_lead_check(d, 1);
    next = d->core.next_wake_us;
  }
  return next;
}
