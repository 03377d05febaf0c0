/* test_dev_stuck_flash.c: a raising request refused because the flash cannot be written
 * changes nothing: the history still says when the memory stopped working (the request's
 * own events are undone, not that one), and the stimulation goes on as it was (no new
 * soft start from zero, no soft stop cut short). */
#include "testutil.h"
#include "nmod/dev.h"
#include "nmod/records.h"
#include "sim.h"

#define PAGES 24u
#define PAGE 4096u

static uint8_t flash[PAGES * PAGE];
static sim_hw_t hw;
static nm_dev_t dev;

static const nm_factory_t factory = {NM_KIND_ETS, NM_THERAPY_SNM, {NM_LEAD_SNM_TINED_4, NM_SHAPE_CYLINDER, 4, 11969468u},
                                     1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};

static int exec(const uint8_t *req, size_t len) {
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  return nm_dev_exec(&dev, NM_ROLE_CLINICIAN, req, len, resp, sizeof resp, &rl);
}

/* A booted device running one SNM program. */
static void running_device(void) {
  memset(flash, 0xFF, sizeof flash);
  nm_lead_t lead = factory.lead;
  sim_init(&hw, &lead, 800, 12000, NULL, 0, 0);
  sim_attach_nvm(&hw, flash, PAGE, PAGES);
  sim_seed_rng(&hw, 5);
  assert_int_equal(nm_dev_boot(&dev, sim_port(&hw), &factory), NM_OK);
  nm_prog_t p = tu_tonic(14, 210, 1000);
  memset(p.frac_pct, 0, sizeof p.frac_pct);
  p.frac_pct[0] = -100;
  p.frac_pct[3] = 100;
  p.pt_max_ua = 3000;
  p.ramp_ms = 2000;
  strcpy(p.name, "default");
  uint8_t req[NM_CMD_MAX];
  nm_wr_t w;
  nm_load_t load = {800, 12000};
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, &lead, &load, 1, 1, &p);
  assert_int_equal(exec(req, w.len), NM_OK);
  uint8_t off[2] = {NM_OP_MODE, NM_MODE_OFF}, on[2] = {NM_OP_THERAPY, 1};
  assert_int_equal(exec(off, 2), NM_OK);
  assert_int_equal(exec(on, 2), NM_OK);
}

/* The NM_EV_STORE events in the log from sequence `from` on, in order: failing (1) or
 * working again (0), into kinds[]; returns how many. */
static int store_events(uint32_t from, uint8_t *kinds, int cap) {
  int n = 0;
  for (uint32_t s = from; s != nm_log_next_seq(&dev.log); s++) {
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    size_t len;
    if (nm_log_read(&dev.log, s, rec, sizeof rec, &len) != NM_OK) continue;
    nm_rd_t r;
    nm_event_t e;
    nm_rd_init(&r, rec, len);
    if (nm_event_get(&r, &e) == NM_OK && e.type == NM_EV_STORE && n < cap) kinds[n++] = e.u.store.failing;
  }
  return n;
}

/* Let virtual time run for ms milliseconds, waking the device as its timer asks. */
static void run_ms(uint64_t ms) {
  uint64_t end = hw.now_ns + ms * 1000000u;
  while (hw.timer_at_us != UINT64_MAX && hw.timer_at_us * 1000u <= end) {
    sim_advance(&hw, hw.timer_at_us * 1000u);
    hw.timer_at_us = UINT64_MAX;
    nm_dev_wake(&dev);
  }
  sim_advance(&hw, end);
}

static uint32_t level_ua(void) { return nm_core_level_ua(&dev.core, 0, hw.now_ns / 1000u); }

/* The cathode current the output stage delivers now (0 when it has no pattern). */
static uint32_t delivered_ua(void) {
  if (!hw.out.has_cur) return 0;
  int32_t ua = hw.out.cur.chan[0].node_ua[0];
  return ua < 0 ? (uint32_t)-ua : (uint32_t)ua;
}

/* A wake a few retry periods later, the flash healed. */
static void heal_and_retry(void) {
  sim_nvm_set_fault(&hw, 0);
  for (int i = 0; i < 4; i++) {
    sim_advance(&hw, hw.now_ns + (uint64_t)NM_DEV_RETRY_MS * 1000000u);
    nm_dev_wake(&dev);
  }
  assert_false(dev.core.alerts & NM_ALERT_STORE);
}

static void test_raising_first(void **state) {
  (void)state;
  running_device();
  uint32_t from = nm_log_next_seq(&dev.log);
  sim_nvm_set_fault(&hw, 1);
  /* The first write that fails is an amplitude step up: refused, undone. */
  uint8_t up[3] = {NM_OP_AMP_STEP, 0xFF, 1};
  assert_int_equal(exec(up, 3), NM_EIO);
  assert_int_equal(dev.core.set.amp_ua[0], 1000);
  assert_true(dev.core.alerts & NM_ALERT_STORE);
  heal_and_retry();
  uint8_t kinds[4];
  int n = store_events(from, kinds, 4);
  if (n != 2 || kinds[0] != 1 || kinds[1] != 0) {
    fail_msg("want 'memory cannot be written' then 'works again' in the history, got %d storage event(s)", n);
  }
}

static void test_lowering_first(void **state) {
  (void)state;
  running_device();
  uint32_t from = nm_log_next_seq(&dev.log);
  sim_nvm_set_fault(&hw, 1);
  uint8_t off[2] = {NM_OP_THERAPY, 0};
  assert_int_equal(exec(off, 2), NM_ENOTSTORED);
  uint8_t up[3] = {NM_OP_AMP_STEP, 0xFF, 1};
  assert_int_equal(exec(up, 3), NM_EIO);
  heal_and_retry();
  uint8_t kinds[4];
  int n = store_events(from, kinds, 4);
  assert_int_equal(n, 2);
  assert_int_equal(kinds[0], 1);
  assert_int_equal(kinds[1], 0);
}

static void test_raise_refused_keeps_output(void **state) {
  (void)state;
  running_device();
  run_ms(3000); /* past the 2 s soft start */
  assert_int_equal(level_ua(), 1000);
  assert_int_equal(delivered_ua(), 1000);
  sim_nvm_set_fault(&hw, 1);
  uint8_t up[3] = {NM_OP_AMP_STEP, 0xFF, 1};
  assert_int_equal(exec(up, 3), NM_EIO);
  run_ms(100);
  if (level_ua() != 1000 || delivered_ua() != 1000) {
    fail_msg("a refused amp up changed the stimulation: level %u uA, output %u uA (was 1000)", level_ua(), delivered_ua());
  }
  heal_and_retry();
  /* During a soft stop: a refused therapy on neither restarts nor cuts it. */
  uint8_t off[2] = {NM_OP_THERAPY, 0}, on[2] = {NM_OP_THERAPY, 1};
  assert_int_equal(exec(off, 2), NM_OK);
  run_ms(1000);
  uint32_t half = level_ua();
  assert_true(half > 0 && half < 1000);
  sim_nvm_set_fault(&hw, 1);
  assert_int_equal(exec(on, 2), NM_EIO);
  assert_int_equal(level_ua(), half);
  assert_int_equal(delivered_ua(), half);
  run_ms(1100);
  assert_int_equal(level_ua(), 0);
  assert_int_equal(delivered_ua(), 0);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_raising_first),
      cmocka_unit_test(test_lowering_first),
      cmocka_unit_test(test_raise_refused_keeps_output),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
