/* log_power.c (t_store_log_power): power loss at every program and erase step of an
 * append, with and without a page rollover.
 *
 * For each scenario and k = 0, 1, 2, ...: restore the starting flash, arm a cut at the
 * (k+1)-th flash operation (torn by the simulated flash, or clean: refused before it
 * starts), append, power on and mount. Then: every event acknowledged before reads back
 * identical; the one being written is either there, identical, or NM_ENOENT (never
 * NM_ECORRUPT); the window starts no later than a completed append would have made it
 * start; the mount wrote nothing and its report, after a check of every slot, shows no
 * damage (a power cut is never damage); and the next append works, with a sequence
 * number above every acknowledged one. The loop ends at the first k where the append
 * completes before the cut. */
#include "store_test.h"

#define PS 1024u
#define NPAGES 8u
#define FIRST 2u

static size_t ev_len(uint32_t seq) { return (size_t)(seq * 5u % (NM_LOG_PAYLOAD_MAX + 1u)); }

static int append_ev(nm_log_t *log, uint32_t tag, uint32_t *seq) {
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  st_fill(p, 55, tag, ev_len(tag));
  return nm_log_append(log, p, ev_len(tag), seq);
}

/* Events are tagged with their sequence number, except the one under test (tag 9999). */
static int read_is(nm_log_t *log, uint32_t seq, uint32_t tag) {
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  size_t len = 0;
  int r = nm_log_read(log, seq, p, sizeof p, &len);
  if (r == NM_OK) {
    assert_true(st_is(p, len, 55, tag, ev_len(tag)));
  }
  return r;
}

typedef struct {
  const char *name;
  uint32_t n_pages;
  uint32_t before;   /* events appended before the one under test */
  uint32_t steps;    /* flash operations of the append: 2, or 4 with a rollover */
} scen_t;

static uint32_t g_cuts;

static void cut_every_step(const scen_t *sc, int mode) {
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  const nm_port_t *port = st_port(&f);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, port, FIRST, sc->n_pages), NM_OK);
  for (uint32_t s = 0; s < sc->before; s++) {
    uint32_t seq;
    assert_int_equal(append_ev(&log, s, &seq), NM_OK);
    assert_int_equal(seq, s);
  }
  uint8_t *snap = st_snapshot(&f);
  const uint32_t first0 = nm_log_first_seq(&log), next0 = nm_log_next_seq(&log);
  const uint32_t tag = 9999;

  /* Where the window starts after the append completes. */
  uint32_t first_done;
  {
    nm_log_t ref;
    assert_int_equal(nm_log_mount(&ref, port, FIRST, sc->n_pages), NM_OK);
    uint32_t seq;
    assert_int_equal(append_ev(&ref, tag, &seq), NM_OK);
    first_done = nm_log_first_seq(&ref);
  }

  uint32_t k, kept = 0, lost = 0;
  for (k = 0;; k++) {
    st_restore(&f, snap);
    nm_log_t a;
    assert_int_equal(nm_log_mount(&a, port, FIRST, sc->n_pages), NM_OK);
    st_cut_after(&f, k, mode);
    uint32_t seq = 0xDEAD;
    int r = append_ev(&a, tag, &seq);
    if (!st_was_cut(&f)) {
      st_power_on(&f);
      assert_int_equal(r, NM_OK);
      assert_int_equal(seq, next0);
      assert_int_equal(nm_log_first_seq(&a), first_done);
      assert_int_equal(read_is(&a, seq, tag), NM_OK);
      break;
    }
    assert_int_not_equal(r, NM_OK);
    st_power_on(&f);
    uint8_t *torn = st_snapshot(&f);

    nm_log_t b;
    assert_int_equal(st_log_mount_ro(&b, &f, FIRST, sc->n_pages), NM_OK);
    st_log_no_damage(&b);
    nm_log_health_t h;
    nm_log_health(&b, &h);
    if (sc->before == 0u) {
      assert_int_equal(h.empty, k < 2u); /* the format's erase or header was cut */
    } else {
      assert_int_equal(h.empty, 0);
    }
    uint32_t first = nm_log_first_seq(&b), next = nm_log_next_seq(&b);
    /* The window: it may lose the page a completed append would have reused, no more. */
    assert_false(st_before(first, first0));
    assert_false(st_before(first_done, first));
    assert_true(next == next0 || next == next0 + 1u);
    for (uint32_t s = first; s != next0; s++) {
      assert_int_equal(read_is(&b, s, s), NM_OK); /* every acknowledged event */
    }
    r = read_is(&b, next0, tag);
    assert_true(r == NM_OK || r == NM_ENOENT);
    if (r == NM_OK) {
      kept++;
    } else {
      lost++;
    }
    /* The log goes on, above every number handed out. */
    uint32_t s2;
    assert_int_equal(append_ev(&b, 5000 + k, &s2), NM_OK);
    assert_false(st_before(s2, next0));
    assert_int_equal(read_is(&b, s2, 5000 + k), NM_OK);
    assert_int_equal(nm_log_mount(&b, port, FIRST, sc->n_pages), NM_OK);
    assert_int_equal(read_is(&b, s2, 5000 + k), NM_OK);
    for (uint32_t s = nm_log_first_seq(&b); st_before(s, next0); s++) {
      assert_int_equal(read_is(&b, s, s), NM_OK);
    }
    free(torn);
  }
  printf("log append '%s', %s cuts: cut at each of %u steps (event kept %u, lost %u)\n",
         sc->name, mode == ST_CLEAN ? "clean" : "torn", k, kept, lost);
  assert_int_equal(k, sc->steps);
  g_cuts += k;
  for (size_t i = 0; i < FIRST * PS; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  for (size_t i = (FIRST + sc->n_pages) * PS; i < f.size; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  free(snap);
  st_flash_free(&f);
}

#define SLOTS ((PS - 16u) / 40u)

static const scen_t scenarios[] = {
    {"first append (formats)", 4, 0, 4},
    {"into a partly filled page", 4, 10, 2},
    {"into the last slot of a page", 4, SLOTS - 1u, 2},
    {"rollover into a blank page", 4, SLOTS, 4},
    {"rollover into a blank page, second lap", 4, 2u * SLOTS, 4},
    {"rollover evicting the oldest page", 4, 4u * SLOTS, 4},
    {"rollover evicting, many laps", 4, 11u * SLOTS, 4},
    {"two pages: rollover evicting", 2, 5u * SLOTS, 4},
    {"two pages: last slot", 2, 5u * SLOTS - 1u, 2},
};

static void test_append_scenarios(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
    cut_every_step(&scenarios[i], ST_TORN);
    cut_every_step(&scenarios[i], ST_CLEAN);
  }
  printf("log: %u cut points in appends\n", g_cuts);
}

/* Flash that is not blank and holds no identifiable page is never formatted: mount and
 * append refuse with NM_ECORRUPT and write nothing. */
static void test_no_format_over_garbage(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  uint8_t *snap = st_garbage(&f, "t_store_log_power garbage");
  nm_log_t log;
  assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_ECORRUPT);
  nm_log_health_t h;
  nm_log_health(&log, &h);
  assert_int_equal(h.empty, 0);
  assert_int_equal(h.lost, 1);
  assert_true(h.bad_headers > 0);
  uint32_t seq;
  assert_int_equal(append_ev(&log, 1, &seq), NM_ECORRUPT);
  assert_int_equal(nm_log_check(&log), NM_ECORRUPT);
  assert_int_equal(st_writes(&f), 0);
  assert_memory_equal(f.mem, snap, f.size);
  /* A blank region, one stray programmed bit in its last page: not verifiably empty. */
  memset(f.mem, 0xFF, f.size);
  f.mem[(FIRST + 2u) * PS + 500u] = 0xFB;
  assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_ECORRUPT);
  /* Blank, or only a cut program of the format's header on page 0: empty. */
  f.mem[(FIRST + 2u) * PS + 500u] = 0xFF;
  assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_OK);
  nm_log_health(&log, &h);
  assert_int_equal(h.empty, 1);
  assert_int_equal(append_ev(&log, 1, &seq), NM_OK);
  uint8_t hdr[16];
  memcpy(hdr, f.mem + FIRST * PS, sizeof hdr);
  memset(f.mem, 0xFF, f.size);
  for (uint32_t cut = 0; cut < 16u; cut++) {
    memset(f.mem + FIRST * PS, 0xFF, 16);
    memcpy(f.mem + FIRST * PS, hdr, cut); /* the first `cut` bytes programmed */
    f.mem[FIRST * PS + cut] = (uint8_t)(hdr[cut] | 0x0F); /* and a few bits of the next */
    assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_OK);
    nm_log_health(&log, &h);
    assert_int_equal(h.empty, 1);
  }
  /* A bit cleared that the format's header has set: not a cut, so not empty. */
  memset(f.mem + FIRST * PS, 0xFF, 16);
  f.mem[FIRST * PS + 1u] = (uint8_t)(hdr[1] & 0xFEu); /* "m" = 0x6D */
  assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_ECORRUPT);
  free(snap);
  st_flash_free(&f);
}

/* Cuts over and over without a reboot: the same handle re-reads the flash by itself
 * after a failed append. Torn slots pile up in the pages; no acknowledged event is ever
 * hidden or damaged by them, and numbers keep rising. */
static void test_reuse_handle_after_cuts(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_log_t log;
  uint64_t seed = tu_seed("t_store_log_power reuse");
  assert_int_equal(nm_log_mount(&log, st_port(&f), FIRST, 3), NM_OK);
  uint32_t acked[2048];
  uint8_t is_acked[2048] = {0};
  uint32_t last = 0, n_acked = 0, n_cut = 0;
  for (uint32_t i = 0; i < 600; i++) {
    int armed = tu_range(&seed, 0, 2) == 0;
    if (armed) {
      st_cut_after(&f, tu_range(&seed, 0, 3), (int)tu_range(&seed, 0, 1));
    }
    uint32_t seq = 0;
    uint32_t next_before = nm_log_next_seq(&log);
    int r = append_ev(&log, next_before, &seq);
    int cut = st_was_cut(&f);
    st_power_on(&f);
    if (!cut) {
      assert_int_equal(r, NM_OK);
      assert_true(seq < 2048);
      assert_true(n_acked == 0 || seq > last);
      last = seq;
      acked[n_acked++] = seq;
      is_acked[seq] = 1;
    } else {
      n_cut++;
      assert_int_not_equal(r, NM_OK);
      /* Any call that reaches the flash re-reads it; first/next are RAM values. */
      int rr = nm_log_read(&log, 0, NULL, 0, NULL);
      assert_true(rr == NM_OK || rr == NM_ENOENT || rr == NM_ENOSPC);
    }
    /* Every acknowledged event still in the window reads back. */
    uint32_t first = nm_log_first_seq(&log);
    for (uint32_t a = 0; a < n_acked; a++) {
      if (!st_before(acked[a], first)) {
        assert_int_equal(read_is(&log, acked[a], acked[a]), NM_OK);
      }
    }
    /* Events not acknowledged read as absent (or, when the cut fell after the commit,
     * as the event itself), never as damaged. */
    for (uint32_t s = first; s != nm_log_next_seq(&log); s++) {
      if (!is_acked[s]) {
        int rr = read_is(&log, s, s);
        assert_true(rr == NM_ENOENT || rr == NM_OK);
      }
    }
    st_log_no_damage(&log);
  }
  printf("log reuse: %u appends acknowledged, %u cut\n", n_acked, n_cut);
  assert_true(n_cut > 50);
  st_flash_free(&f);
}

/* A whole workload, cut at every one of its flash operations: 150 appends into a ring of
 * 3 small pages (6 slots each: many rollovers and evictions) from a fresh log. After
 * each cut and reboot every acknowledged event in the window reads back, the window
 * holds at least two pages' worth, and the next number is above every one handed out. */
static void test_workload_every_step(void **state) {
  (void)state;
  enum { N = 150 };
  st_flash_t f;
  st_flash_init(&f, 256, NPAGES);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), FIRST, 3), NM_OK);
  const uint32_t slots = log.slots;
  uint8_t *blank = st_snapshot(&f);
  st_count_zero(&f.cnt);
  for (uint32_t i = 0; i < N; i++) {
    uint32_t seq;
    assert_int_equal(append_ev(&log, i, &seq), NM_OK);
  }
  const uint64_t total = f.cnt.progs + f.cnt.erases;
  uint32_t runs = 0;
  for (int mode = ST_TORN; mode <= ST_CLEAN; mode++) {
    for (uint64_t k = 0; k < total; k++) {
      st_restore(&f, blank);
      assert_int_equal(nm_log_mount(&log, st_port(&f), FIRST, 3), NM_OK);
      st_cut_after(&f, (int64_t)k, mode);
      uint32_t acked = 0;
      for (uint32_t i = 0; i < N; i++) {
        uint32_t seq;
        int r = append_ev(&log, i, &seq);
        if (st_was_cut(&f)) {
          assert_int_not_equal(r, NM_OK);
          break;
        }
        assert_int_equal(r, NM_OK);
        assert_int_equal(seq, i);
        acked++;
      }
      assert_true(acked < N);
      st_power_on(&f);
      assert_int_equal(st_log_mount_ro(&log, &f, FIRST, 3), NM_OK);
      st_log_no_damage(&log);
      uint32_t first = nm_log_first_seq(&log), next = nm_log_next_seq(&log);
      assert_true(next == acked || next == acked + 1u);
      assert_true(next - first >= (next < 2u * slots ? next : 2u * slots));
      for (uint32_t s = first; s < acked; s++) {
        assert_int_equal(read_is(&log, s, s), NM_OK);
      }
      uint32_t seq;
      assert_int_equal(append_ev(&log, 7777, &seq), NM_OK);
      assert_true(seq >= acked);
      assert_int_equal(read_is(&log, seq, 7777), NM_OK);
      runs++;
    }
  }
  printf("log workload of %d appends: cut at each of its %llu flash operations, torn and "
         "clean (%u runs)\n",
         N, (unsigned long long)total, runs);
  free(blank);
  st_flash_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_scenarios),
      cmocka_unit_test(test_no_format_over_garbage),
      cmocka_unit_test(test_reuse_handle_after_cuts),
      cmocka_unit_test(test_workload_every_step),
  };
  return cmocka_run_group_tests_name("store_log_power", tests, NULL, NULL);
}
