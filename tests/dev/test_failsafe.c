/* test_failsafe.c: the fail-safe rule of the device layer (issue 9, docs/SAFETY.md), on
 * a whole device (nm_dev_t on simulated hardware and flash):
 * - every op of the op table has its class, per request for the mixed ones;
 * - a lowering takes effect at once, from the next frame boundary, whatever the flash
 *   does, and is stored (with its history) once the flash works again;
 * - a raising is done only once stored, and its output never seen when it is not;
 * - the state after a reset is never more stimulating than before it: every mode
 *   transition, healthy flash, a power cut at every write, a stuck flash, a flash that
 *   heals after or before the retry (the documented window, measured);
 * - the other device-layer defects of the issue: HISTORY past the end and by time, the
 *   link flood, invalid roles, off from MRI or surgery after a reset. */
#include "devtest.h"

/* ---- the therapy used throughout: SCS on a percutaneous 8-contact lead --------------------- */

enum { P0 = 1u << 0, P1 = 1u << 1, P2 = 1u << 2 };

static void three_progs(nm_prog_t p[3]) {
  p[0] = dt_prog(40, 200, 3000, 0, 1);
  p[1] = dt_prog(40, 200, 2500, 2, 3);
  p[2] = dt_prog(40, 200, 2000, 4, 5);
  strcpy(p[1].name, "b");
  strcpy(p[2].name, "c");
}

/* A provisioned, activated device with three programs (P0 and P1 running), therapy off. */
static void setup_off(void) {
  dt_config(NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8);
  dt_blank();
  assert_int_equal(dt_boot(), NM_OK);
  nm_prog_t p[3];
  three_progs(p);
  assert_int_equal(dt_program_all(p, 3, P0 | P1), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
}

/* The same with therapy on and past its soft start. */
static void setup_therapy(void) {
  setup_off();
  assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
  dt_run_s(3);
  assert_true(dt.hw.out.has_cur);
}

/* ---- 1. the class of every op ---------------------------------------------------------------- */

typedef struct {
  const char *what;
  uint8_t req[12];
  uint8_t len;
  uint8_t running;     /* the state the request is judged against */
  uint32_t amp0_ua;    /* amplitude of slot 0 */
  uint8_t mode_before; /* mode before MRI or surgery */
  uint8_t cls;         /* expected */
} cls_case_t;

#define U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)

static const cls_case_t cls_cases[] = {
    {"STATUS", {NM_OP_STATUS}, 1, 0, 0, 0, NM_OPC_READ},
    {"INTERROGATE", {NM_OP_INTERROGATE}, 1, 0, 0, 0, NM_OPC_READ},
    {"IDENTITY", {NM_OP_IDENTITY}, 1, 0, 0, 0, NM_OPC_READ},
    {"TIME_SET", {NM_OP_TIME_SET, U32(1780000000u), 0, 0, 0, 0}, 9, 0, 0, 0, NM_OPC_RAISE},
    {"HEALTH", {NM_OP_HEALTH}, 1, 0, 0, 0, NM_OPC_READ},
    {"PROG_READ", {NM_OP_PROG_READ, 0}, 2, 0, 0, 0, NM_OPC_READ},
    {"PROG_ERASE", {NM_OP_PROG_ERASE, 0}, 2, P0, 0, 0, NM_OPC_LOWER},
    {"LEAD_SET", {0}, 0, 0, 0, 0, NM_OPC_RAISE},    /* request built in the test */
    {"PROG_WRITE", {0}, 0, 0, 0, 0, NM_OPC_RAISE},  /* request built in the test */
    {"CHECK", {0}, 0, 0, 0, 0, NM_OPC_READ},        /* request built in the test */
    {"PROGRAM_ALL", {0}, 0, 0, 0, 0, NM_OPC_RAISE}, /* request built in the test */
    {"THERAPY on", {NM_OP_THERAPY, 1}, 2, P0, 0, 0, NM_OPC_RAISE},
    {"THERAPY off", {NM_OP_THERAPY, 0}, 2, P0, 0, 0, NM_OPC_LOWER},
    {"THERAPY off, reason", {NM_OP_THERAPY, 0, NM_REASON_PREGNANCY}, 3, P0, 0, 0, NM_OPC_LOWER},
    {"AMP_SET up", {NM_OP_AMP_SET, 0, U32(2100u)}, 6, P0, 2000, 0, NM_OPC_RAISE},
    {"AMP_SET equal", {NM_OP_AMP_SET, 0, U32(2000u)}, 6, P0, 2000, 0, NM_OPC_LOWER},
    {"AMP_SET down", {NM_OP_AMP_SET, 0, U32(1900u)}, 6, P0, 2000, 0, NM_OPC_LOWER},
    {"AMP_SET up, no such slot", {NM_OP_AMP_SET, 9, U32(2100u)}, 6, P0, 2000, 0, NM_OPC_LOWER},
    {"AMP_STEP +1", {NM_OP_AMP_STEP, 0, 1}, 3, P0, 2000, 0, NM_OPC_RAISE},
    {"AMP_STEP +1 all", {NM_OP_AMP_STEP, 0xFF, 1}, 3, P0, 2000, 0, NM_OPC_RAISE},
    {"AMP_STEP -1", {NM_OP_AMP_STEP, 0, 0xFF}, 3, P0, 2000, 0, NM_OPC_LOWER},
    {"AMP_STEP -1 all", {NM_OP_AMP_STEP, 0xFF, 0xFF}, 3, P0, 2000, 0, NM_OPC_LOWER},
    {"SELECT subset", {NM_OP_SELECT, P0}, 2, P0 | P1, 0, 0, NM_OPC_LOWER},
    {"SELECT the same set", {NM_OP_SELECT, P0 | P1}, 2, P0 | P1, 0, 0, NM_OPC_LOWER},
    {"SELECT another", {NM_OP_SELECT, P2}, 2, P0 | P1, 0, 0, NM_OPC_RAISE},
    {"SELECT a superset", {NM_OP_SELECT, P0 | P1 | P2}, 2, P0 | P1, 0, 0, NM_OPC_RAISE},
    {"SELECT overlapping", {NM_OP_SELECT, P1 | P2}, 2, P0 | P1, 0, 0, NM_OPC_RAISE},
    {"SELECT from none", {NM_OP_SELECT, P0}, 2, 0, 0, 0, NM_OPC_RAISE},
    {"SELECT nothing", {NM_OP_SELECT, 0}, 2, P0, 0, 0, NM_OPC_RAISE},
    {"MODE therapy", {NM_OP_MODE, NM_MODE_THERAPY}, 2, P0, 0, 0, NM_OPC_RAISE},
    {"MODE off", {NM_OP_MODE, NM_MODE_OFF}, 2, P0, 0, 0, NM_OPC_LOWER},
    {"MODE mri", {NM_OP_MODE, NM_MODE_MRI}, 2, P0, 0, 0, NM_OPC_LOWER},
    {"MODE surgery", {NM_OP_MODE, NM_MODE_SURGERY, NM_REASON_CLINICAL}, 3, P0, 0, 0, NM_OPC_LOWER},
    {"MODE shelf", {NM_OP_MODE, NM_MODE_SHELF}, 2, P0, 0, 0, NM_OPC_LOWER},
    {"MODE resume, therapy before", {NM_OP_MODE, NM_MODE_RESUME}, 2, P0, 0, NM_MODE_THERAPY, NM_OPC_RAISE},
    {"MODE resume, off before", {NM_OP_MODE, NM_MODE_RESUME}, 2, P0, 0, NM_MODE_OFF, NM_OPC_LOWER},
    {"MODE resume, shelf before", {NM_OP_MODE, NM_MODE_RESUME}, 2, P0, 0, NM_MODE_SHELF, NM_OPC_LOWER},
    {"TEST_START", {NM_OP_TEST_START, 0, U32(1000u), U32(100u)}, 10, 0, 0, 0, NM_OPC_RAISE},
    {"TEST_STEP", {NM_OP_TEST_STEP}, 1, 0, 0, 0, NM_OPC_RAISE},
    {"TEST_MARK", {NM_OP_TEST_MARK}, 1, 0, 0, 0, NM_OPC_LOWER},
    {"TEST_STOP", {NM_OP_TEST_STOP}, 1, 0, 0, 0, NM_OPC_LOWER},
    {"PAIR", {NM_OP_PAIR}, 1, 0, 0, 0, NM_OPC_RAISE},
    {"REVOKE", {NM_OP_REVOKE, 1, 2, 3, 4, 5, 6, 7, 8}, 9, 0, 0, 0, NM_OPC_LOWER},
    {"REMOTES", {NM_OP_REMOTES}, 1, 0, 0, 0, NM_OPC_READ},
    {"HISTORY", {NM_OP_HISTORY, 0, 0, 0, 0, 8}, 6, 0, 0, 0, NM_OPC_READ},
    {"HISTORY by time", {NM_OP_HISTORY, 0, 0, 0, 0, 8, U32(1780000000u)}, 10, 0, 0, 0, NM_OPC_READ},
    {"IMPEDANCE", {NM_OP_IMPEDANCE}, 1, 0, 0, 0, NM_OPC_READ},
};

/* The requests that carry a program or a lead, built with the firmware's encoders. */
static size_t build_cls_req(const char *what, uint8_t *req, size_t cap) {
  nm_lead_t lead = tu_lead(NM_LEAD_SCS_PERC_8);
  nm_load_t load = {800, 12000};
  nm_prog_t p = dt_prog(40, 200, 3000, 0, 1);
  nm_wr_t w;
  nm_wr_init(&w, req, cap);
  if (strcmp(what, "LEAD_SET") == 0) {
    nm_wr_u8(&w, NM_OP_LEAD_SET);
    nm_wire_put_lead(&w, &lead, &load);
  } else if (strcmp(what, "PROG_WRITE") == 0) {
    nm_wr_u8(&w, NM_OP_PROG_WRITE);
    nm_wr_u8(&w, 1);
    nm_wire_put_prog(&w, &p);
  } else if (strcmp(what, "CHECK") == 0) {
    nm_wr_u8(&w, NM_OP_CHECK);
    nm_wire_put_prog(&w, &p);
  } else {
    nm_wire_put_program_all(&w, &lead, &load, P0, 1, &p);
  }
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static void test_op_classes(void **state) {
  (void)state;
  static nm_core_t core; /* nm_op_class reads the running set, amplitudes and mode_before */
  uint8_t covered[256] = {0};
  for (size_t i = 0; i < sizeof cls_cases / sizeof cls_cases[0]; i++) {
    const cls_case_t *k = &cls_cases[i];
    uint8_t req[NM_CMD_MAX];
    size_t len = k->len;
    if (len) memcpy(req, k->req, len);
    else len = build_cls_req(k->what, req, sizeof req);
    memset(&core, 0, sizeof core);
    core.set.valid_mask = P0 | P1 | P2;
    core.set.running_mask = k->running;
    core.set.amp_ua[0] = k->amp0_ua;
    core.mode = NM_MODE_THERAPY;
    core.mode_before = k->mode_before;
    const nm_op_def_t *def = NULL;
    nm_args_t a;
    memset(&a, 0, sizeof a);
    /* Decoded for the clinician, who may use every op. */
    if (nm_op_decode(NM_ROLE_CLINICIAN, req, len, &def, &a) != NM_OK) fail_msg("%s: does not decode", k->what);
    uint8_t got = nm_op_class(def, &core, &a);
    if (got != k->cls) fail_msg("%s: class %u, expected %u", k->what, got, k->cls);
    if (def->cls != NM_OPC_MIXED && def->cls != k->cls) fail_msg("%s: table class %u", k->what, def->cls);
    covered[req[0]] = 1;
  }
  /* Every op of the table is in this test, and the test names no op the table lacks. */
  int ops = 0, mixed = 0;
  for (int op = 0; op < 256; op++) {
    const nm_op_def_t *def = nm_op_find((uint8_t)op);
    if (!def) {
      if (covered[op]) fail_msg("op 0x%02x is tested but not in the table", op);
      continue;
    }
    ops++;
    assert_int_equal(def->op, op);
    if (!covered[op]) fail_msg("op 0x%02x is in the table but its class is not tested", op);
    if (def->cls == NM_OPC_MIXED) mixed++;
    assert_true(def->cls <= NM_OPC_MIXED);
  }
  printf("  %d ops, %d of them classed per request, %zu requests classed\n", ops, mixed,
         sizeof cls_cases / sizeof cls_cases[0]);
  assert_int_equal(ops, 25);
  assert_int_equal(mixed, 5); /* THERAPY, AMP_SET, AMP_STEP, SELECT, MODE */
}

/* ---- 2. a lowering takes effect at once, whatever the flash does ------------------------------ */

/* What the output stage delivers, phase by phase (stimulating phases only). */
typedef struct {
  uint64_t from_ns;
  uint32_t n;
  uint64_t last_ns[NM_MAX_PROGRAMS];     /* start of the last phase per program */
  uint32_t max_ua[NM_MAX_PROGRAMS];      /* largest cathodic current per program */
  uint32_t late_ua[NM_MAX_PROGRAMS];     /* largest current at or after late_ns */
  uint64_t late_ns;
  uint32_t rises;                        /* phases stronger than the one before (same program) */
  uint32_t prev_ua[NM_MAX_PROGRAMS];
} trace_t;

static trace_t tr;

static void on_phase(void *user, const sim_phase_t *ph) {
  trace_t *t = user;
  if (ph->recharge || ph->prog >= NM_MAX_PROGRAMS) return;
  uint32_t ua = 0;
  for (int n = 0; n < NM_NODES; n++) {
    uint32_t a = (uint32_t)(ph->node_ua[n] < 0 ? -ph->node_ua[n] : ph->node_ua[n]);
    if (a > ua) ua = a;
  }
  t->n++;
  t->last_ns[ph->prog] = ph->start_ns;
  if (ua > t->max_ua[ph->prog]) t->max_ua[ph->prog] = ua;
  if (ph->start_ns >= t->late_ns && ua > t->late_ua[ph->prog]) t->late_ua[ph->prog] = ua;
  if (ua > t->prev_ua[ph->prog] && t->prev_ua[ph->prog]) t->rises++;
  t->prev_ua[ph->prog] = ua;
}

/* Trace every phase from now on; late_ns: where the lowering must be in effect. */
static void trace_from_now(uint64_t late_ns) {
  memset(&tr, 0, sizeof tr);
  tr.from_ns = dt.hw.now_ns;
  tr.late_ns = late_ns;
  sim_trace(&dt.hw, on_phase, &tr, dt.hw.now_ns, UINT64_MAX);
}

static void trace_off(void) { sim_trace(&dt.hw, NULL, NULL, 0, 0); }

/* One frame of the pattern the output stage delivers now, ns (0 when it delivers none). */
static uint64_t frame_ns(void) {
  return dt.hw.out.has_cur && dt.hw.out.cur.frame_hz ? 1000000000ull / dt.hw.out.cur.frame_hz + 1u : 0;
}

enum { LOW_SOFT, LOW_HARD, LOW_AMP, LOW_SELECT, LOW_NONE };

typedef struct {
  const char *what;
  uint8_t role;
  uint8_t req[12];
  uint8_t len;
  uint8_t how;       /* LOW_*: what the output must do */
  uint8_t mode;      /* the mode after it */
  uint32_t amp_ua[2]; /* LOW_AMP: amplitudes of P0 and P1 after it */
  uint8_t ev;        /* an event the history must have for it */
} low_case_t;

static const low_case_t low_cases[] = {
    {"therapy off (clinician)", NM_ROLE_CLINICIAN, {NM_OP_THERAPY, 0}, 2, LOW_SOFT, NM_MODE_OFF, {0, 0}, NM_EV_MODE},
    {"therapy off (patient)", NM_ROLE_PATIENT, {NM_OP_THERAPY, 0, NM_REASON_PATIENT}, 3, LOW_SOFT, NM_MODE_OFF, {0, 0},
     NM_EV_MODE},
    {"mode off", NM_ROLE_CLINICIAN, {NM_OP_MODE, NM_MODE_OFF}, 2, LOW_SOFT, NM_MODE_OFF, {0, 0}, NM_EV_MODE},
    {"mode mri", NM_ROLE_PATIENT, {NM_OP_MODE, NM_MODE_MRI}, 2, LOW_HARD, NM_MODE_MRI, {0, 0}, NM_EV_MODE},
    {"mode surgery", NM_ROLE_CLINICIAN, {NM_OP_MODE, NM_MODE_SURGERY}, 2, LOW_HARD, NM_MODE_SURGERY, {0, 0}, NM_EV_MODE},
    {"amp down (patient, all)", NM_ROLE_PATIENT, {NM_OP_AMP_STEP, 0xFF, 0xFF}, 3, LOW_AMP, NM_MODE_THERAPY, {2900, 2400},
     NM_EV_AMP},
    {"amp set lower (clinician)", NM_ROLE_CLINICIAN, {NM_OP_AMP_SET, 0, U32(1000u)}, 6, LOW_AMP, NM_MODE_THERAPY,
     {1000, 2500}, NM_EV_AMP},
    {"select a subset (patient)", NM_ROLE_PATIENT, {NM_OP_SELECT, P1}, 2, LOW_SELECT, NM_MODE_THERAPY, {0, 2500},
     NM_EV_SELECT},
};

/* The state a lowering leaves, to be found again after the heal and a reboot. */
typedef struct {
  uint8_t mode, running, therapy_on;
  uint32_t amp_ua[NM_MAX_PROGRAMS];
  uint8_t valid;
} kept_t;

static void kept_of(kept_t *k) {
  memset(k, 0, sizeof *k);
  k->mode = nm_core_stored_mode(&dt.dev.core);
  k->running = dt.dev.core.set.running_mask;
  k->therapy_on = dt.dev.core.set.therapy_on;
  k->valid = dt.dev.core.set.valid_mask;
  memcpy(k->amp_ua, dt.dev.core.set.amp_ua, sizeof k->amp_ua);
}

/* The flash works again: within NM_DEV_RETRY_MS of the device's own timer the lowering
 * is stored, its events and the NM_EV_STORE pair are in the history, the alert is gone,
 * and a reboot finds the lowered state. */
static void heal_and_check(const char *what, uint32_t seq0, uint8_t ev) {
  kept_t before;
  kept_of(&before);
  dt_set_stuck(0);
  dt_run_us((uint64_t)NM_DEV_RETRY_MS * 1000u);
  if (dt.dev.dirty || dt.dev.core.evq_n)
    fail_msg("%s: still not stored %u ms after the flash healed (dirty %#x, %u events)", what, NM_DEV_RETRY_MS,
             dt.dev.dirty, dt.dev.core.evq_n);
  if (dt.dev.core.alerts & NM_ALERT_STORE) fail_msg("%s: NM_ALERT_STORE still set", what);
  static dt_ev_t evs[512];
  int n = dt_history(seq0, 0, 0, evs, 512);
  int fail1 = -1, ok0 = -1;
  for (int i = 0; i < n; i++) {
    if (evs[i].ev.type != NM_EV_STORE) continue;
    if (evs[i].ev.u.store.failing && fail1 < 0) fail1 = i;
    if (!evs[i].ev.u.store.failing && fail1 >= 0) ok0 = i;
  }
  if (fail1 < 0 || ok0 < 0) fail_msg("%s: no NM_EV_STORE failing=1 then failing=0 in the history", what);
  if (dt_find(evs, n, 0, ev) < 0) fail_msg("%s: its event (type %u) is not in the history", what, ev);
  assert_true(evs[ok0].ev.u.store.queued >= 1);
  assert_int_equal(evs[ok0].ev.u.store.dropped, 0);
  assert_int_equal(dt_boot(), NM_OK);
  kept_t after;
  kept_of(&after);
  if (memcmp(&before, &after, sizeof before) != 0) fail_msg("%s: the reboot did not find the lowered state", what);
}

static void test_lowering_at_once_on_stuck_flash(void **state) {
  (void)state;
  int verified = 0;
  for (size_t i = 0; i < sizeof low_cases / sizeof low_cases[0]; i++) {
    const low_case_t *k = &low_cases[i];
    setup_therapy();
    uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
    uint32_t amp_before[2] = {dt.dev.core.set.amp_ua[0], dt.dev.core.set.amp_ua[1]};
    uint64_t frame = frame_ns();
    assert_true(frame > 0);
    uint64_t t0 = dt.hw.now_ns;
    dt_set_stuck(1);
    trace_from_now(t0 + frame);
    int st = dt_req(k->role, k->req, k->len);
    if (st != NM_ENOTSTORED) fail_msg("%s: status %d on a stuck flash, expected NM_ENOTSTORED", k->what, st);
    /* In effect in RAM now: the core's mode, amplitudes and levels. */
    assert_int_equal(dt.dev.core.mode, k->mode);
    uint64_t now_us = dt_now_us();
    for (uint8_t s = 0; s < 2; s++) assert_true(nm_core_level_ua(&dt.dev.core, s, now_us) <= amp_before[s]);
    nm_status_t sr;
    dt_status(NM_ROLE_PATIENT, &sr);
    if (!(sr.alerts & NM_ALERT_STORE)) fail_msg("%s: the status does not say NM_ALERT_STORE", k->what);
    /* The output, past the ramp (soft stop) and one frame. */
    dt_run_us(dt.dev.core.set.prog[0].ramp_ms * 1000u + 2u * frame / 1000u);
    trace_off();
    uint64_t ramp_ns = (uint64_t)dt.dev.core.set.prog[0].ramp_ms * 1000000u;
    for (uint8_t s = 0; s < 2; s++) {
      if (tr.late_ua[s] > amp_before[s]) fail_msg("%s: program %u went up", k->what, s);
      switch (k->how) {
        case LOW_HARD:
          if (tr.last_ns[s] >= t0 + frame) fail_msg("%s: program %u pulsed after the next frame boundary", k->what, s);
          break;
        case LOW_SOFT:
          if (tr.last_ns[s] >= t0 + ramp_ns + frame) fail_msg("%s: program %u pulsed after its ramp", k->what, s);
          break;
        case LOW_AMP:
          if (tr.late_ua[s] > k->amp_ua[s]) fail_msg("%s: program %u at %u uA after the frame boundary", k->what, s, tr.late_ua[s]);
          if (!dt.hw.out.has_cur) fail_msg("%s: the output stopped", k->what);
          break;
        case LOW_SELECT:
          if (!(k->amp_ua[s]) && tr.last_ns[s] >= t0 + frame) fail_msg("%s: program %u still runs", k->what, s);
          break;
      }
    }
    if (k->how == LOW_SOFT || k->how == LOW_HARD) assert_false(dt.hw.out.has_cur);
    /* Never up on the way down (a new running set starts over with its soft start). */
    if (k->how != LOW_SELECT && tr.rises) fail_msg("%s: %u phases stronger than the one before", k->what, tr.rises);
    heal_and_check(k->what, seq0, k->ev);
    verified++;
  }
  printf("  %d lowerings in effect at once on a stuck flash, stored once it healed\n", verified);
}

/* A paired remote: its key id. */
static void pair(uint8_t key_id[NM_KEY_ID_LEN]) {
  uint8_t req = NM_OP_PAIR, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(dt_exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  memcpy(key_id, resp + 2, NM_KEY_ID_LEN);
}

static int remote_known(const uint8_t key_id[NM_KEY_ID_LEN]) {
  uint8_t role, key[NM_SECRET_LEN];
  return nm_dev_key_lookup(&dt.dev, key_id, &role, key) == NM_OK;
}

static const uint8_t test_start_req[10] = {NM_OP_TEST_START, 0, U32(1000u), U32(100u)};

/* The lowerings with therapy off: a program erased, a remote revoked, a test marked or
 * stopped (the test pulse stops at the next frame boundary). */
static void test_lowering_off_ops_on_stuck_flash(void **state) {
  (void)state;
  /* A stored program erased. */
  setup_off();
  uint32_t seq0 = nm_log_next_seq(&dt.dev.log);
  dt_set_stuck(1);
  assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_PROG_ERASE, 2), NM_ENOTSTORED);
  assert_int_equal(dt.dev.core.set.valid_mask, P0 | P1);
  assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_PROG_READ, 2), NM_ENOENT);
  heal_and_check("PROG_ERASE", seq0, NM_EV_PROGRAM);
  assert_int_equal(dt.dev.core.set.valid_mask, P0 | P1);

  /* A remote revoked: locked out at once. */
  setup_off();
  uint8_t id[NM_KEY_ID_LEN];
  pair(id);
  assert_true(remote_known(id));
  seq0 = nm_log_next_seq(&dt.dev.log);
  dt_set_stuck(1);
  uint8_t rev[1 + NM_KEY_ID_LEN] = {NM_OP_REVOKE};
  memcpy(rev + 1, id, NM_KEY_ID_LEN);
  assert_int_equal(dt_req(NM_ROLE_CLINICIAN, rev, sizeof rev), NM_ENOTSTORED);
  assert_false(remote_known(id));
  heal_and_check("REVOKE", seq0, NM_EV_REVOKE);
  assert_false(remote_known(id));

  /* A test marked, and a test stopped. */
  for (int stop = 0; stop < 2; stop++) {
    const char *what = stop ? "TEST_STOP" : "TEST_MARK";
    setup_off();
    assert_int_equal(dt_req(NM_ROLE_CLINICIAN, test_start_req, sizeof test_start_req), NM_OK);
    dt_run_s(1);
    assert_true(dt.hw.out.has_cur);
    uint64_t frame = frame_ns(), t0 = dt.hw.now_ns;
    seq0 = nm_log_next_seq(&dt.dev.log);
    dt_set_stuck(1);
    trace_from_now(t0 + frame);
    int st = dt_op1(NM_ROLE_CLINICIAN, stop ? NM_OP_TEST_STOP : NM_OP_TEST_MARK);
    /* Nothing in the settings changes (a test is stored as off); its event waits. */
    if (st != NM_OK && st != NM_ENOTSTORED) fail_msg("%s: status %d on a stuck flash", what, st);
    assert_int_equal(dt.dev.core.test.amp_ua, 0);
    assert_int_equal(dt.dev.core.mode, stop ? NM_MODE_OFF : NM_MODE_TEST);
    nm_status_t sr;
    dt_status(NM_ROLE_CLINICIAN, &sr);
    if (!(sr.alerts & NM_ALERT_STORE)) fail_msg("%s: the status does not say NM_ALERT_STORE", what);
    dt_run_us(2u * frame / 1000u);
    trace_off();
    if (tr.n && tr.last_ns[0] >= t0 + frame) fail_msg("%s: the test pulse went on after the next frame boundary", what);
    assert_false(dt.hw.out.has_cur);
    heal_and_check(what, seq0, stop ? NM_EV_MODE : NM_EV_TEST);
    assert_int_equal(dt.dev.core.mode, NM_MODE_OFF);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_op_classes),
      cmocka_unit_test(test_lowering_at_once_on_stuck_flash),
      cmocka_unit_test(test_lowering_off_ops_on_stuck_flash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
