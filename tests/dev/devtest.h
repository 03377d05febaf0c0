/* devtest.h: a whole device for the device-layer tests: nm_dev_t on simulated hardware
 * with its own flash, power-on from that flash, requests through nm_dev_exec, the device's
 * timer loop (nm_dev_wake, as the sim service and the Cortex-M main loop drive it), the
 * history read back with the firmware's decoders, and a measure of how much a device
 * state stimulates. Header-only; one device per test file (dt). */
#ifndef NMOD_DEVTEST_H
#define NMOD_DEVTEST_H

#include "testutil.h"
#include "nmod/dev.h"
#include "nmod/ops.h"
#include "nmod/records.h"
#include "sim.h"

#define DT_PAGES 40u
#define DT_PAGE 4096u
#define DT_FLASH_LEN (DT_PAGES * DT_PAGE)
#define DT_KEY_IDENTITY 1u   /* keys of the device's key-value store (firmware/dev/dev_internal.h) */
#define DT_KEY_META 2u
#define DT_KEY_SETTINGS 3u
#define DT_KEY_REMOTES 5u
#define DT_KEY_IDENTITY_B 7u
#define DT_S 1000000ull      /* one second of virtual time, us */

typedef struct {
  uint8_t flash[DT_FLASH_LEN];
  sim_hw_t hw;
  nm_dev_t dev;
  nm_factory_t factory;
  uint64_t rng_seed; /* the hardware RNG at power-on (provisioning draws from it) */
  uint8_t stuck;     /* the flash fault: hardware, so it survives a power cycle */
} dt_world_t;

static dt_world_t dt;

/* The device to build: therapy kind and catalog lead. */
static inline void dt_config(uint8_t therapy, uint8_t lead_model) {
  memset(&dt.factory, 0, sizeof dt.factory);
  dt.factory.kind = NM_KIND_INS;
  dt.factory.therapy = therapy;
  dt.factory.lead = tu_lead(lead_model);
  dt.factory.epoch_s = 1780000000u;
  dt.factory.cell = NM_CELL_PRIMARY;
  dt.rng_seed = 42;
  dt.stuck = 0;
}

static inline void dt_blank(void) { memset(dt.flash, 0xFF, sizeof dt.flash); }

/* Power on: fresh hardware (clock from 0, output stage empty) on the same flash, the flash
 * fault as it is, and boot. */
static inline int dt_boot(void) {
  nm_lead_t lead = dt.factory.lead;
  sim_init(&dt.hw, &lead, 800, 12000, NULL, 0, 0);
  sim_attach_nvm(&dt.hw, dt.flash, DT_PAGE, DT_PAGES);
  sim_seed_rng(&dt.hw, dt.rng_seed);
  sim_nvm_set_fault(&dt.hw, dt.stuck);
  return nm_dev_boot(&dt.dev, sim_port(&dt.hw), &dt.factory);
}

static inline void dt_set_stuck(int on) {
  dt.stuck = (uint8_t)(on != 0);
  sim_nvm_set_fault(&dt.hw, on);
}

static inline uint64_t dt_now_us(void) { return dt.hw.now_ns / 1000u; }

/* Run the device for us of virtual time the way its main loop does: sleep until the
 * timer, wake the device, nothing else. */
static inline void dt_run_us(uint64_t us) {
  uint64_t end = dt_now_us() + us;
  while (dt.hw.timer_at_us <= end) {
    uint64_t at = dt.hw.timer_at_us;
    dt.hw.timer_at_us = UINT64_MAX;
    sim_advance(&dt.hw, at * 1000u);
    nm_dev_wake(&dt.dev);
  }
  sim_advance(&dt.hw, end * 1000u);
}

static inline void dt_run_s(uint64_t s) { dt_run_us(s * DT_S); }

static inline int dt_exec(uint8_t role, const uint8_t *req, size_t len, uint8_t *resp, size_t *rl) {
  return nm_dev_exec(&dt.dev, role, req, len, resp, NM_CMD_MAX, rl);
}

/* A request given as bytes; the response is dropped. */
static inline int dt_req(uint8_t role, const uint8_t *req, size_t len) {
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  return dt_exec(role, req, len, resp, &rl);
}

static inline int dt_op1(uint8_t role, uint8_t op) { return dt_req(role, &op, 1); }

static inline int dt_op2(uint8_t role, uint8_t op, uint8_t arg) {
  uint8_t req[2] = {op, arg};
  return dt_req(role, req, 2);
}

static inline int dt_amp_set(uint8_t role, uint8_t slot, uint32_t amp_ua) {
  uint8_t req[6] = {NM_OP_AMP_SET, slot, (uint8_t)amp_ua, (uint8_t)(amp_ua >> 8), (uint8_t)(amp_ua >> 16),
                    (uint8_t)(amp_ua >> 24)};
  return dt_req(role, req, sizeof req);
}

static inline int dt_amp_step(uint8_t role, uint8_t slot, int dir) {
  uint8_t req[3] = {NM_OP_AMP_STEP, slot, (uint8_t)(int8_t)dir};
  return dt_req(role, req, sizeof req);
}

static inline size_t dt_put_program_all(uint8_t *req, size_t cap, const nm_prog_t *p, uint8_t n, uint8_t running) {
  nm_wr_t w;
  nm_load_t load = {800, 12000};
  nm_wr_init(&w, req, cap);
  nm_wire_put_program_all(&w, &dt.factory.lead, &load, running, n, p);
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static inline int dt_program_all(const nm_prog_t *p, uint8_t n, uint8_t running) {
  uint8_t req[NM_CMD_MAX];
  size_t len = dt_put_program_all(req, sizeof req, p, n, running);
  return dt_req(NM_ROLE_CLINICIAN, req, len);
}

/* A program E<cath>- E<anod>+ with a soft start and stop. */
static inline nm_prog_t dt_prog(uint32_t rate_hz, uint32_t width_us, uint32_t amp_ua, int cath, int anod) {
  nm_prog_t p = tu_tonic(rate_hz, width_us, amp_ua);
  memset(p.frac_pct, 0, sizeof p.frac_pct);
  p.frac_pct[cath] = -100;
  p.frac_pct[anod] = 100;
  p.pt_min_ua = 0;
  p.pt_max_ua = amp_ua + 2000u;
  p.ramp_ms = 1000;
  return p;
}

/* The status record as a remote reads it (nm_wire_get_status: the firmware's decoder). */
static inline void dt_status(uint8_t role, nm_status_t *st) {
  uint8_t req = NM_OP_STATUS, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(dt_exec(role, &req, 1, resp, &rl), NM_OK);
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  nm_wire_get_status(&r, st);
  assert_int_equal(nm_rd_done(&r), NM_OK);
}

/* ---- the history ---------------------------------------------------------------------- */

/* A u32 on the wire: little-endian, four bytes (for requests written out as bytes). */
#define DT_U32(v) (uint8_t)(v), (uint8_t)((v) >> 8), (uint8_t)((v) >> 16), (uint8_t)((v) >> 24)

typedef struct {
  uint32_t seq;
  nm_event_t ev; /* decoded with nm_event_get */
} dt_ev_t;

/* One HISTORY reply: fills evs (up to max), *cont and *next; returns the events in it. */
static inline int dt_history_page(uint32_t from, int by_time, uint32_t since_s, dt_ev_t *evs, int max,
                                  uint32_t *cont, uint32_t *next) {
  /* The request as docs/PROTOCOL.md spells it, byte by byte: op, from, max[, since]. */
  const uint8_t req[10] = {NM_OP_HISTORY, DT_U32(from), NM_HISTORY_MAX_PER_CALL, DT_U32(since_s)};
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(dt_exec(NM_ROLE_CLINICIAN, req, by_time ? 10u : 6u, resp, &rl), NM_OK);
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  (void)nm_rd_u32(&r); /* first */
  *next = nm_rd_u32(&r);
  *cont = nm_rd_u32(&r);
  uint8_t k = nm_rd_u8(&r);
  int n = 0;
  for (uint8_t i = 0; i < k; i++) {
    uint32_t seq = nm_rd_u32(&r);
    uint8_t len = nm_rd_u8(&r);
    assert_true(r.pos + len <= r.len);
    nm_rd_t p;
    nm_rd_init(&p, r.buf + r.pos, len);
    r.pos += len;
    if (n == max) continue;
    evs[n].seq = seq;
    assert_int_equal(nm_event_get(&p, &evs[n].ev), NM_OK);
    n++;
  }
  assert_int_equal(nm_rd_done(&r), NM_OK);
  return n;
}

/* Every event from `from` on (by time: at or after since_s), following `cont`. */
static inline int dt_history(uint32_t from, int by_time, uint32_t since_s, dt_ev_t *evs, int max) {
  int n = 0;
  for (int guard = 0; guard < 10000; guard++) {
    uint32_t cont, next;
    n += dt_history_page(from, by_time, since_s, evs + n, max - n, &cont, &next);
    if (cont == next) return n;
    assert_true(cont != from || n == max); /* every reply makes progress */
    from = cont;
  }
  fail_msg("HISTORY never reached the end of the log");
  return n;
}

/* Events of `type` in evs[0..n). */
static inline int dt_count(const dt_ev_t *evs, int n, uint8_t type) {
  int k = 0;
  for (int i = 0; i < n; i++) k += evs[i].ev.type == type;
  return k;
}

/* Index of the first event of `type` at or after evs[from], or -1. */
static inline int dt_find(const dt_ev_t *evs, int n, int from, uint8_t type) {
  for (int i = from; i < n; i++) {
    if (evs[i].ev.type == type) return i;
  }
  return -1;
}

/* ---- how much a device state stimulates -------------------------------------------------- */

/* What a state delivers or would deliver: rank 2 stimulates now (therapy with running
 * programs, a test pulse), 1 would stimulate on a RESUME (MRI or surgery with therapy
 * before it), 0 neither; with the programs (their shape and amplitude) concerned. */
typedef struct {
  uint8_t rank;
  uint8_t mode, test;      /* test: the test pulse is what stimulates */
  uint8_t running;         /* programs concerned (rank >= 1, not a test) */
  nm_prog_t prog[NM_MAX_PROGRAMS];
  uint32_t amp_ua[NM_MAX_PROGRAMS];
  uint8_t test_node;
  uint32_t test_amp_ua;
} dt_level_t;

static inline void dt_level_of(const nm_core_t *c, dt_level_t *l) {
  memset(l, 0, sizeof *l);
  l->mode = c->mode;
  if (c->mode == NM_MODE_TEST) {
    l->test = 1;
    l->test_node = c->test.node;
    l->test_amp_ua = c->test.amp_ua;
    l->rank = c->test.amp_ua ? 2 : 0;
    return;
  }
  uint8_t run = c->set.running_mask;
  if (c->mode == NM_MODE_THERAPY && run) l->rank = 2;
  else if ((c->mode == NM_MODE_MRI || c->mode == NM_MODE_SURGERY) && c->mode_before == NM_MODE_THERAPY && run) l->rank = 1;
  if (!l->rank) return;
  l->running = run;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(run & (1u << i))) continue;
    l->prog[i] = c->set.prog[i];
    l->amp_ua[i] = c->set.amp_ua[i];
  }
}

/* The same pulse but for amplitude (which the level compares on its own) and the name. */
static inline int dt_same_shape(const nm_prog_t *a, const nm_prog_t *b) {
  nm_prog_t x = *a, y = *b;
  x.amp_ua = y.amp_ua = 0;
  x.pt_min_ua = y.pt_min_ua = 0;
  x.pt_max_ua = y.pt_max_ua = 0;
  memset(x.name, 0, sizeof x.name);
  memset(y.name, 0, sizeof y.name);
  return memcmp(&x, &y, sizeof x) == 0;
}

/* NULL when `a` stimulates no more than `b`, else what is more. */
static inline const char *dt_level_more(const dt_level_t *a, const dt_level_t *b) {
  if (a->rank == 0) return NULL;
  if (a->rank > b->rank) return a->rank == 2 ? "stimulates where it did not" : "would resume therapy where it would not";
  if (a->test != b->test) return "a different kind of stimulation";
  if (a->test) return a->test_node == b->test_node && a->test_amp_ua <= b->test_amp_ua ? NULL : "a stronger test pulse";
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(a->running & (1u << i))) continue;
    if (!(b->running & (1u << i))) return "a program runs that did not";
    if (!dt_same_shape(&a->prog[i], &b->prog[i])) return "a different program";
    if (a->amp_ua[i] > b->amp_ua[i]) return "a higher amplitude";
  }
  return NULL;
}

static inline int dt_level_equal(const dt_level_t *a, const dt_level_t *b) {
  return dt_level_more(a, b) == NULL && dt_level_more(b, a) == NULL;
}

#endif
