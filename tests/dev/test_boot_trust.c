/* test_boot_trust.c: nothing in flash is trusted (issue 9). Flash records are crafted
 * with the firmware's own codecs or damaged bit by bit, and the device boots from them:
 * - settings naming another lead, or programs over the limits, never lead to a pulse
 *   (therapy off, NM_FAULT_SETTINGS, NM_ALERT_SETTINGS, an NM_EV_FAULT naming it);
 * - a damaged identity copy is repaired from the other (same serial and clinician key);
 *   both damaged: no boot, never a new identity, the flash untouched;
 * - damaged settings or remotes are reported (NM_EV_DAMAGE, the alerts), never silently
 *   rolled back; blank flash provisions; a provisioning cut at any write is completed or
 *   redone, never bricked, never a second identity;
 * - random bit flips anywhere in the key-value region (seeded): never a new identity, never
 *   a pulse stronger than the stored therapy, never a silent rollback. */
#include "devtest.h"

static const nm_lead_t custom_100mm2 = {NM_LEAD_CUSTOM, NM_SHAPE_CUSTOM, 4, 100000000u};

/* The SNM default shape: E0- E3+, 14 Hz, 210 us. */
static nm_prog_t snm_prog(uint32_t amp_ua) {
  nm_prog_t p = dt_prog(14, 210, amp_ua, 0, 3);
  p.pt_max_ua = amp_ua + 1000u;
  strcpy(p.name, "snm");
  return p;
}

/* An activated SNM device with one program, therapy on. */
static void setup_snm_therapy(void) {
  dt_config(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  dt_blank();
  assert_int_equal(dt_boot(), NM_OK);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(dt_program_all(&p, 1, 1), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
}

/* A settings record written as the firmware writes it (nm_wire_put_settings), in therapy. */
static void put_settings(const nm_settings_t *s, uint8_t mode, uint8_t mode_before) {
  uint8_t buf[NM_CMD_MAX];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  const nm_stored_state_t st = {mode, mode_before, NM_FAULT_NONE, 0};
  nm_wire_put_settings(&w, s, &st);
  assert_int_equal(w.err, NM_OK);
  assert_int_equal(nm_kv_put(&dt.dev.kv, DT_KEY_SETTINGS, buf, w.len), NM_OK);
}

/* Settings of one running SNM program p on `lead`, therapy on. */
static nm_settings_t settings_with(const nm_lead_t *lead, const nm_prog_t *p, uint8_t n, uint8_t running) {
  nm_settings_t s;
  memset(&s, 0, sizeof s);
  s.therapy = NM_THERAPY_SNM;
  s.lead = *lead;
  s.load.impedance_ohm = 800;
  s.load.compliance_mv = 12000;
  s.valid_mask = (uint8_t)((1u << n) - 1u);
  s.running_mask = running;
  s.therapy_on = 1;
  for (uint8_t i = 0; i < n; i++) {
    s.prog[i] = p[i];
    s.amp_ua[i] = p[i].amp_ua;
  }
  return s;
}

/* Events the log gained since seq0, decoded with the firmware's decoder. */
static int events_since(uint32_t seq0, dt_ev_t *evs, int max) { return dt_history(seq0, 0, 0, evs, max); }

static int has_fault_event(const dt_ev_t *evs, int n, uint32_t fault, uint32_t *detail) {
  for (int i = 0; i < n; i++) {
    if (evs[i].ev.type == NM_EV_FAULT && evs[i].ev.u.fault.fault == fault) {
      *detail = evs[i].ev.u.fault.detail;
      return 1;
    }
  }
  return 0;
}

/* The damage the log's NM_EV_DAMAGE events since seq0 report (their keys), -1 for none. */
static int damage_since(uint32_t seq0) {
  static dt_ev_t evs[256];
  int n = events_since(seq0, evs, 256), keys = -1;
  for (int i = 0; i < n; i++) {
    if (evs[i].ev.type == NM_EV_DAMAGE) keys = (keys < 0 ? 0 : keys) | evs[i].ev.u.damage.keys;
  }
  return keys;
}

/* Boot from the crafted flash: therapy off, refused with NM_FAULT_SETTINGS naming the slot
 * (0xFF: the lead or the running set) and the reason, the alert in the status, an
 * NM_EV_FAULT in the history, and no pulse, whoever asks for therapy. */
static void assert_refused_at_boot(const char *what, uint8_t slot, uint32_t reason) {
  uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
  assert_int_equal(dt_boot(), NM_OK);
  if (dt.dev.core.mode == NM_MODE_THERAPY) fail_msg("%s: boots into therapy", what);
  if (dt.dev.core.fault != NM_FAULT_SETTINGS) fail_msg("%s: fault %u, not NM_FAULT_SETTINGS", what, dt.dev.core.fault);
  uint32_t d = dt.dev.core.fault_detail;
  if (d >> 24 != slot || !(d & reason)) fail_msg("%s: fault detail %#x does not name slot %u and reason %#x", what, d, slot, reason);
  nm_status_t st;
  dt_status(NM_ROLE_PATIENT, &st);
  if (!(st.alerts & NM_ALERT_SETTINGS)) fail_msg("%s: the status has no NM_ALERT_SETTINGS", what);
  assert_int_equal(st.fault, NM_FAULT_SETTINGS);
  static dt_ev_t evs[64];
  int n = events_since(seq0, evs, 64);
  uint32_t ed = 0;
  if (!has_fault_event(evs, n, NM_FAULT_SETTINGS, &ed) || ed != d) fail_msg("%s: no NM_EV_FAULT naming it", what);
  (void)dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1);
  (void)dt_op2(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1);
  (void)dt_op2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_THERAPY);
  dt_run_s(5);
  if (dt.hw.out.pulses) fail_msg("%s: %llu pulses", what, (unsigned long long)dt.hw.out.pulses);
  /* It stays off, and says so, after the next reset too (the alert holds until the
   * clinician reprograms). */
  assert_int_equal(dt_boot(), NM_OK);
  if (dt.dev.core.mode == NM_MODE_THERAPY) fail_msg("%s: the next boot goes into therapy", what);
  if (!(dt.dev.core.alerts & NM_ALERT_SETTINGS)) fail_msg("%s: the next boot lost NM_ALERT_SETTINGS", what);
  (void)dt_op2(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1);
  dt_run_s(2);
  assert_int_equal(dt.hw.out.pulses, 0);
}

static void test_settings_for_another_lead(void **state) {
  (void)state;
  setup_snm_therapy();
  /* 10 mA x 330 us = 3.3 uC: on the 100 mm2 contact k = 1.04 and 3.3 uC/cm2; on the
   * device's real 12 mm2 contact k = 1.96 (over Shannon), 27.6 uC/cm2 (under the density
   * limit: a density-only limiter lets it through). */
  nm_prog_t p = dt_prog(14, 330, 10000, 0, 3);
  p.pt_max_ua = 10000;
  nm_load_t load = {800, 12000};
  nm_safety_report_t rep;
  assert_int_not_equal(nm_safety_check(&p, &custom_100mm2, &load, &rep), NM_VERDICT_REFUSE);
  assert_int_equal(nm_safety_check(&p, &dt.factory.lead, &load, &rep), NM_VERDICT_REFUSE);
  assert_true(rep.reasons & NM_R_SHANNON);
  assert_false(rep.reasons & NM_R_DENSITY);
  nm_settings_t s = settings_with(&custom_100mm2, &p, 1, 1);
  put_settings(&s, NM_MODE_THERAPY, NM_MODE_OFF);
  assert_refused_at_boot("settings for a custom 100 mm2 lead", 0xFF, NM_R_LEAD);
  /* The same lead model with another area is another lead too. */
  setup_snm_therapy();
  nm_lead_t other = dt.factory.lead;
  other.area_um2 *= 2;
  s = settings_with(&other, &p, 1, 1);
  put_settings(&s, NM_MODE_MRI, NM_MODE_THERAPY);
  assert_refused_at_boot("settings for a tined lead of twice the area", 0xFF, NM_R_LEAD);
}

static void test_programs_over_the_limits(void **state) {
  (void)state;
  typedef struct {
    const char *what;
    nm_prog_t p[2];
    uint8_t n, running, slot;
    uint32_t amp_ua; /* amplitude now of slot n - 1 (0: the program's) */
    uint32_t reason;
  } bad_t;
  static bad_t bad[6];
  memset(bad, 0, sizeof bad);
  bad[0].what = "over the charge density";
  bad[0].p[0] = snm_prog(1000);
  bad[0].p[0].amp_ua = 18000; /* 3.78 uC on 12 mm2: 31.6 uC/cm2 */
  bad[0].p[0].pt_max_ua = 18000;
  bad[0].reason = NM_R_DENSITY;
  bad[1].what = "over Shannon";
  bad[1].p[0] = snm_prog(1000);
  bad[1].p[0].amp_ua = 15000; /* 3.15 uC: k = 1.92, 26.3 uC/cm2 */
  bad[1].p[0].pt_max_ua = 15000;
  bad[1].reason = NM_R_SHANNON;
  bad[2].what = "a patient maximum over the limit";
  bad[2].p[0] = snm_prog(1000);
  bad[2].p[0].pt_max_ua = 20000;
  bad[2].reason = NM_R_SHANNON;
  bad[3].what = "an amplitude now above what the program reaches";
  bad[3].p[0] = snm_prog(1000);
  bad[3].amp_ua = 15000;
  bad[3].reason = NM_R_AMP;
  bad[4].what = "a second, bad program that does not run";
  bad[4].p[0] = snm_prog(1000);
  bad[4].p[1] = snm_prog(1000);
  bad[4].p[1].pt_max_ua = 20000;
  bad[4].n = 2;
  bad[4].slot = 1;
  bad[4].reason = NM_R_SHANNON;
  bad[5].what = "a running set that does not place (two SNM programs)";
  bad[5].p[0] = snm_prog(1000);
  bad[5].p[1] = snm_prog(900);
  bad[5].n = 2;
  bad[5].running = 3;
  bad[5].slot = 0xFF;
  bad[5].reason = NM_R_INTERLEAVE;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bad_t *b = &bad[i];
    uint8_t n = b->n ? b->n : 1;
    setup_snm_therapy();
    nm_settings_t s = settings_with(&dt.factory.lead, b->p, n, b->running ? b->running : 1);
    if (b->amp_ua) s.amp_ua[n - 1] = b->amp_ua;
    put_settings(&s, NM_MODE_THERAPY, NM_MODE_OFF);
    assert_refused_at_boot(b->what, b->slot, b->reason);
  }
}

/* ---- damage ------------------------------------------------------------------------------ */

/* Flash address of the value of key's latest record (the device's key-value handle). */
static uint32_t value_addr(uint16_t key, uint16_t *len) {
  const nm_kv_t *kv = &dt.dev.kv;
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if (kv->idx[i].key != key) continue;
    *len = kv->idx[i].len;
    return (kv->first_page + kv->active) * kv->page_size + kv->idx[i].off + NM_KV_REC_HDR_LEN;
  }
  fail_msg("key %u is not in the store", key);
  return 0;
}

/* Flip one bit of the value of key's latest record, at byte `at` (mod its length). */
static void flip_value(uint16_t key, uint32_t at, uint8_t bit) {
  uint16_t len = 1; /* set by value_addr, which fails the test when the key is missing */
  uint32_t a = value_addr(key, &len);
  dt.flash[a + at % len] ^= (uint8_t)(1u << bit);
}

typedef struct {
  char serial[NM_SERIAL_LEN];
  uint8_t clin_id[NM_KEY_ID_LEN], clin_key[NM_SECRET_LEN];
} ident_t;

static void ident_of(ident_t *i) {
  memcpy(i->serial, dt.dev.id.serial, NM_SERIAL_LEN);
  memcpy(i->clin_id, dt.dev.id.clin_id, NM_KEY_ID_LEN);
  memcpy(i->clin_key, dt.dev.id.clin_key, NM_SECRET_LEN);
}

/* The device answers the clinician's existing key with the same secret. */
static int same_identity(const ident_t *i) {
  uint8_t role, key[NM_SECRET_LEN];
  if (memcmp(dt.dev.id.serial, i->serial, NM_SERIAL_LEN) != 0) return 0;
  if (nm_dev_key_lookup(&dt.dev, i->clin_id, &role, key) != NM_OK) return 0;
  return role == NM_ROLE_CLINICIAN && memcmp(key, i->clin_key, NM_SECRET_LEN) == 0;
}

static void test_identity_copy_damaged(void **state) {
  (void)state;
  for (int copy = 0; copy < 2; copy++) {
    uint16_t key = copy ? DT_KEY_IDENTITY_B : DT_KEY_IDENTITY;
    for (uint32_t at = 0; at < 3; at++) {
      setup_snm_therapy();
      ident_t id;
      ident_of(&id);
      uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
      /* The serial, the clinician key id, the clinician key. */
      static const uint32_t where[] = {5, 1 + NM_SERIAL_LEN + 10, 1 + NM_SERIAL_LEN + 10 + NM_KEY_ID_LEN + 7};
      flip_value(key, where[at], (uint8_t)(at + 2));
      dt.rng_seed = 1000 + at; /* a new identity would differ */
      assert_int_equal(dt_boot(), NM_OK);
      if (!same_identity(&id)) fail_msg("copy %c damaged at byte %u: not the same identity", 'A' + copy, where[at]);
      assert_false(dt.dev.provisioned_now);
      int keys = damage_since(seq0);
      if (keys < 0 || !(keys & NM_DAMAGE_IDENTITY))
        fail_msg("copy %c damaged at byte %u: no NM_EV_DAMAGE naming the identity (keys %#x)", 'A' + copy, where[at], keys);
      assert_int_equal(dt.dev.core.mode, NM_MODE_THERAPY); /* the therapy is not at stake */
      /* Repaired: the next boot finds both copies and reports nothing. */
      seq0 = nm_log_next_seq(&dt.dev.log);
      assert_int_equal(dt_boot(), NM_OK);
      assert_true(same_identity(&id));
      if (damage_since(seq0) >= 0) fail_msg("copy %c: damage reported again after the repair", 'A' + copy);
      assert_false(dt.dev.core.alerts & (NM_ALERT_IDENTITY | NM_ALERT_STORE));
      flip_value(copy ? DT_KEY_IDENTITY : DT_KEY_IDENTITY_B, where[at], 1); /* the other one now */
      assert_int_equal(dt_boot(), NM_OK);
      assert_true(same_identity(&id));
    }
  }
}

static void test_both_identity_copies_damaged(void **state) {
  (void)state;
  setup_snm_therapy();
  ident_t id;
  ident_of(&id);
  flip_value(DT_KEY_IDENTITY, 3, 0);
  flip_value(DT_KEY_IDENTITY_B, 40, 5);
  static uint8_t before[DT_FLASH_LEN];
  memcpy(before, dt.flash, sizeof before);
  for (int i = 0; i < 2; i++) {
    dt.rng_seed = 77 + (uint64_t)i;
    int err = dt_boot();
    assert_int_not_equal(err, NM_OK);
    assert_int_equal(dt.dev.boot_fail, NM_BOOTF_NO_IDENTITY);
    assert_false(dt.dev.provisioned_now);
    uint8_t zero[NM_SERIAL_LEN] = {0};
    assert_memory_equal(dt.dev.id.serial, zero, NM_SERIAL_LEN); /* no serial at all, none new */
    uint8_t role, key[NM_SECRET_LEN];
    assert_int_equal(nm_dev_key_lookup(&dt.dev, id.clin_id, &role, key), NM_ENOENT); /* reachable by nobody */
    if (memcmp(before, dt.flash, sizeof before) != 0) fail_msg("boot %d without an identity wrote the flash", i);
    assert_int_equal(dt.hw.nvm.progs + dt.hw.nvm.erases, 0);
    sim_advance(&dt.hw, 5ull * 1000000000ull);
    assert_int_equal(dt.hw.out.pulses, 0);
  }
}

static void test_damaged_settings_reported(void **state) {
  (void)state;
  setup_snm_therapy();
  assert_int_equal(dt_amp_step(NM_ROLE_PATIENT, 0, 1), NM_OK); /* a newer settings record: 1.1 mA */
  assert_int_equal(dt.dev.core.set.amp_ua[0], 1100);
  uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
  flip_value(DT_KEY_SETTINGS, 40, 3);
  assert_int_equal(dt_boot(), NM_OK);
  int keys = damage_since(seq0);
  if (keys < 0 || !(keys & NM_DAMAGE_SETTINGS)) fail_msg("no NM_EV_DAMAGE naming the settings (keys %#x)", keys);
  assert_int_not_equal(dt.dev.core.mode, NM_MODE_THERAPY); /* older settings: never resumed */
  assert_int_equal(dt.dev.core.fault, NM_FAULT_DAMAGE);
  assert_int_equal(dt.dev.core.fault_detail, NM_DAMAGE_SETTINGS);
  nm_status_t st;
  dt_status(NM_ROLE_PATIENT, &st);
  assert_true(st.alerts & NM_ALERT_DAMAGE);
  dt_run_s(3);
  assert_int_equal(dt.hw.out.pulses, 0);
  /* Reported once: the next boot is quiet, and still off; the alert stays until the
   * clinician reprograms. */
  seq0 = nm_log_next_seq(&dt.dev.log);
  assert_int_equal(dt_boot(), NM_OK);
  assert_int_equal(damage_since(seq0), -1);
  assert_int_not_equal(dt.dev.core.mode, NM_MODE_THERAPY);
  assert_true(dt.dev.core.alerts & NM_ALERT_DAMAGE);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(dt_program_all(&p, 1, 1), NM_OK);
  assert_false(dt.dev.core.alerts & NM_ALERT_DAMAGE);
}

static void test_damaged_remotes_reported(void **state) {
  (void)state;
  setup_snm_therapy();
  uint8_t req = NM_OP_PAIR, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(dt_exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  uint8_t id[NM_KEY_ID_LEN], role, key[NM_SECRET_LEN];
  memcpy(id, resp + 2, NM_KEY_ID_LEN);
  uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
  flip_value(DT_KEY_REMOTES, 20, 6);
  assert_int_equal(dt_boot(), NM_OK);
  int keys = damage_since(seq0);
  if (keys < 0 || !(keys & NM_DAMAGE_REMOTES)) fail_msg("no NM_EV_DAMAGE naming the remotes (keys %#x)", keys);
  assert_int_equal(nm_dev_key_lookup(&dt.dev, id, &role, key), NM_ENOENT); /* rolled back: unpaired */
  nm_status_t st;
  dt_status(NM_ROLE_CLINICIAN, &st);
  assert_true(st.alerts & NM_ALERT_REMOTES);
  /* Pairing again resolves it. */
  assert_int_equal(dt_exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_false(dt.dev.core.alerts & NM_ALERT_REMOTES);
  /* After a compaction the pairing is the only remotes record: damaged, it is lost, not
   * older, and that is reported the same way. */
  memcpy(id, resp + 2, NM_KEY_ID_LEN);
  uint32_t gen = dt.dev.kv.gen;
  for (int i = 0; i < 200 && dt.dev.kv.gen == gen; i++) assert_int_equal(dt_amp_step(NM_ROLE_PATIENT, 0, i % 2 ? -1 : 1), NM_OK);
  assert_int_not_equal(dt.dev.kv.gen, gen);
  seq0 = nm_log_next_seq(&dt.dev.log);
  flip_value(DT_KEY_REMOTES, 20, 6);
  assert_int_equal(dt_boot(), NM_OK);
  assert_int_equal(nm_dev_key_lookup(&dt.dev, id, &role, key), NM_ENOENT);
  keys = damage_since(seq0);
  if (keys < 0 || !(keys & NM_DAMAGE_REMOTES)) fail_msg("the only remotes record lost: no NM_EV_DAMAGE naming the remotes (keys %#x)", keys);
  dt_status(NM_ROLE_CLINICIAN, &st);
  if (!(st.alerts & NM_ALERT_REMOTES)) fail_msg("the only remotes record lost: no NM_ALERT_REMOTES");
}

static void test_blank_flash_provisions(void **state) {
  (void)state;
  dt_config(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  dt_blank();
  assert_int_equal(dt_boot(), NM_OK);
  assert_true(dt.dev.provisioned_now);
  assert_int_equal(strncmp(dt.dev.id.serial, "INS-SNM-", 8), 0);
  static dt_ev_t evs[16];
  int n = events_since(0, evs, 16);
  assert_true(dt_find(evs, n, 0, NM_EV_PROVISION) >= 0);
  assert_int_equal(dt_count(evs, n, NM_EV_DAMAGE), 0);
  ident_t id;
  ident_of(&id);
  dt.rng_seed = 5;
  assert_int_equal(dt_boot(), NM_OK);
  assert_false(dt.dev.provisioned_now);
  assert_true(same_identity(&id));
}

/* Which identity copies a fresh mount of the flash finds whole. */
static int copies_landed(void) {
  static nm_kv_t kv;
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t n;
  if (nm_kv_mount(&kv, sim_port(&dt.hw), NM_DEV_KV_FIRST, NM_DEV_KV_PAGES) != NM_OK) return 0;
  return (nm_kv_get(&kv, DT_KEY_IDENTITY, buf, sizeof buf, &n) == NM_OK ? 1 : 0) |
         (nm_kv_get(&kv, DT_KEY_IDENTITY_B, buf, sizeof buf, &n) == NM_OK ? 2 : 0);
}

static void test_provisioning_cut_at_every_write(void **state) {
  (void)state;
  int cuts = 0, redone = 0, completed = 0;
  dt_config(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  for (int64_t k = 0; k < 1000; k++) {
    dt_blank();
    dt.rng_seed = 42;
    nm_lead_t lead = dt.factory.lead;
    sim_init(&dt.hw, &lead, 800, 12000, NULL, 0, 0);
    sim_attach_nvm(&dt.hw, dt.flash, DT_PAGE, DT_PAGES);
    sim_seed_rng(&dt.hw, dt.rng_seed);
    sim_nvm_cut_after(&dt.hw, k);
    (void)nm_dev_boot(&dt.dev, sim_port(&dt.hw), &dt.factory);
    int was_cut = dt.hw.nvm.cut;
    ident_t first;
    ident_of(&first);
    sim_nvm_power_restore(&dt.hw);
    int landed = copies_landed();
    /* Power on again, with another RNG stream: a new provisioning would show. */
    dt.rng_seed = 4242 + (uint64_t)k;
    if (dt_boot() != NM_OK) fail_msg("cut at write %lld: bricked (boot_fail %u)", (long long)k + 1, dt.dev.boot_fail);
    if (landed) {
      if (!same_identity(&first)) fail_msg("cut at write %lld: a second identity after copy %d landed", (long long)k + 1, landed);
      assert_false(dt.dev.provisioned_now);
      completed++;
    } else if (was_cut) {
      assert_true(dt.dev.provisioned_now); /* nothing of it landed: provisioned afresh */
      redone++;
    }
    ident_t second;
    ident_of(&second);
    dt.rng_seed = 99;
    assert_int_equal(dt_boot(), NM_OK);
    assert_true(same_identity(&second));
    assert_false(dt.dev.provisioned_now);
    assert_int_equal(dt.dev.boot_fail, NM_BOOTF_NONE);
    if (!was_cut) break;
    cuts++;
  }
  printf("  %d cut points in provisioning: %d provisioned afresh, %d completed with the identity kept\n", cuts, redone,
         completed);
  assert_true(redone > 0 && completed > 0);
}

/* ---- random bit flips ---------------------------------------------------------------------- */

typedef struct {
  ident_t id;
  uint8_t set_enc[NM_CMD_MAX];
  size_t set_len;
  nm_remote_t remotes[NM_MAX_REMOTES];
  uint32_t resets;
  int64_t epoch_offset_s;
  dt_level_t level;
  uint32_t max_pc[NM_NODES];
} truth_t;

static size_t enc_settings(const nm_core_t *c, uint8_t *buf) {
  nm_wr_t w;
  nm_wr_init(&w, buf, NM_CMD_MAX);
  nm_stored_state_t st;
  nm_core_stored_state(c, &st);
  nm_wire_put_settings(&w, &c->set, &st);
  return w.len;
}

static int remotes_same(const nm_remote_t *a, const nm_remote_t *b) {
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    if (a[i].used != b[i].used || (a[i].used && (memcmp(a[i].id, b[i].id, NM_KEY_ID_LEN) != 0 ||
                                                  memcmp(a[i].key, b[i].key, NM_SECRET_LEN) != 0 ||
                                                  a[i].paired_s != b[i].paired_s)))
      return 0;
  }
  return 1;
}

static void test_random_bit_flips(void **state) {
  (void)state;
  uint64_t seed = tu_seed("random kv bit flips");
  /* A device in use: two programs stored, therapy on, two remotes, many settings records. */
  setup_snm_therapy();
  nm_prog_t p[2] = {snm_prog(1000), snm_prog(1500)};
  strcpy(p[1].name, "second");
  p[1].rate_hz = 21;
  assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 0), NM_OK);
  assert_int_equal(dt_program_all(p, 2, 1), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
  for (int i = 0; i < 2; i++) assert_int_equal(dt_op1(NM_ROLE_CLINICIAN, NM_OP_PAIR), NM_OK);
  for (int i = 0; i < 5; i++) assert_int_equal(dt_amp_step(NM_ROLE_PATIENT, 0, i % 2 ? -1 : 1), NM_OK);
  static uint8_t snap[DT_FLASH_LEN];
  memcpy(snap, dt.flash, sizeof snap);
  uint32_t seq0 = nm_log_next_seq(&dt.dev.log); /* each boot from the snapshot logs from here */
  /* The truth: what a boot from the undamaged flash finds and delivers. */
  truth_t t;
  memset(&t, 0, sizeof t);
  assert_int_equal(dt_boot(), NM_OK);
  ident_of(&t.id);
  t.set_len = enc_settings(&dt.dev.core, t.set_enc);
  memcpy(t.remotes, dt.dev.remotes, sizeof t.remotes);
  t.resets = dt.dev.resets;
  t.epoch_offset_s = dt.dev.epoch_offset_s;
  dt_level_of(&dt.dev.core, &t.level);
  assert_int_equal(t.level.rank, 2);
  dt_run_s(3);
  memcpy(t.max_pc, dt.hw.out.node_max_pc, sizeof t.max_pc);
  uint32_t kv_bytes = NM_DEV_KV_PAGES * DT_PAGE, active = dt.dev.kv.active, used = dt.dev.kv.wr_off;
  int runs = 400, quiet = 0, reported = 0, rolled = 0, no_boot = 0;
  for (int run = 0; run < runs; run++) {
    memcpy(dt.flash, snap, sizeof snap);
    /* 1 to 4 bits, half of them in the records of the active page. */
    int flips = (int)tu_range(&seed, 1, 4);
    uint32_t where[4];
    for (int f = 0; f < flips; f++) {
      uint32_t a = tu_range(&seed, 0, 1) ? active * DT_PAGE + tu_range(&seed, 0, used - 1) : tu_range(&seed, 0, kv_bytes - 1);
      where[f] = a;
      dt.flash[a] ^= (uint8_t)(1u << tu_range(&seed, 0, 7));
    }
    dt.rng_seed = 5000 + (uint64_t)run;
    int err = dt_boot();
    if (dt.dev.provisioned_now) fail_msg("run %d (flip at %u): a new identity", run, where[0]);
    if (err != NM_OK) {
      if (dt.dev.boot_fail != NM_BOOTF_NO_IDENTITY && dt.dev.boot_fail != NM_BOOTF_STORE)
        fail_msg("run %d: boot error %d, boot_fail %u", run, err, dt.dev.boot_fail);
      sim_advance(&dt.hw, 3ull * 1000000000ull);
      assert_int_equal(dt.hw.out.pulses, 0);
      no_boot++;
      continue;
    }
    if (!same_identity(&t.id)) fail_msg("run %d (flip at %u): another identity", run, where[0]);
    dt_run_s(3);
    for (int n = 0; n < NM_NODES; n++) {
      if (dt.hw.out.node_max_pc[n] > t.max_pc[n])
        fail_msg("run %d (flip at %u): %u pC on node %d, the stored therapy gives %u", run, where[0],
                 dt.hw.out.node_max_pc[n], n, t.max_pc[n]);
    }
    assert_int_equal(dt.hw.out.st.tripped, 0);
    /* Anything older or lost is said: an NM_EV_DAMAGE in this boot's history. */
    uint8_t enc[NM_CMD_MAX];
    size_t len = enc_settings(&dt.dev.core, enc);
    dt_level_t l;
    dt_level_of(&dt.dev.core, &l);
    const char *diff = NULL;
    uint16_t names = 0; /* what the report must name: that key, an unknown one, an older page */
    if (len != t.set_len || memcmp(enc, t.set_enc, len) != 0) diff = "settings", names = NM_DAMAGE_SETTINGS;
    else if (!dt_level_equal(&l, &t.level)) diff = "therapy state", names = NM_DAMAGE_SETTINGS;
    else if (!remotes_same(dt.dev.remotes, t.remotes)) diff = "remotes", names = NM_DAMAGE_REMOTES;
    else if (dt.dev.resets != t.resets) diff = "reset counter", names = NM_DAMAGE_META;
    else if (dt.dev.epoch_offset_s < t.epoch_offset_s) diff = "calendar", names = NM_DAMAGE_META;
    int keys = damage_since(seq0);
    if (diff && keys < 0) fail_msg("run %d (%d flips, first at %u): %s rolled back silently", run, flips, where[0], diff);
    names |= NM_DAMAGE_UNKNOWN | NM_DAMAGE_PAGE;
    if (diff && !(keys & names))
      fail_msg("run %d (%d flips, first at %u): %s rolled back, the report names only %#x", run, flips, where[0], diff,
               keys);
    if (diff) rolled++;
    else if (keys >= 0) reported++;
    else quiet++;
  }
  printf("  %d runs: %d unchanged and quiet, %d unchanged with damage reported, %d rolled back and reported,"
         " %d refused to boot (no identity or no usable page)\n",
         runs, quiet, reported, rolled, no_boot);
  assert_true(rolled > 0 && reported > 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_settings_for_another_lead),
      cmocka_unit_test(test_programs_over_the_limits),
      cmocka_unit_test(test_identity_copy_damaged),
      cmocka_unit_test(test_both_identity_copies_damaged),
      cmocka_unit_test(test_damaged_settings_reported),
      cmocka_unit_test(test_damaged_remotes_reported),
      cmocka_unit_test(test_blank_flash_provisions),
      cmocka_unit_test(test_provisioning_cut_at_every_write),
      cmocka_unit_test(test_random_bit_flips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
