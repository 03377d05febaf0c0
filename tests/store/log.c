/* log.c (t_store_log): the event log without power cuts: arguments, append and read
 * back of every payload size, the ring (eviction of the oldest page, the readable
 * window), persistence across remounts, sequence numbers across 2^32, the cost of a
 * mount (page headers plus a binary search, not a record scan), wear levelling over
 * many thousands of appends, and damaged flash (bit flips, a damaged page header). */
#include "store_test.h"

#define NPAGES 16u

/* The payload of event `seq`: its length (0..24) and bytes follow from the number. */
static size_t ev_len(uint32_t seq) { return (size_t)(seq * 7u % (NM_LOG_PAYLOAD_MAX + 1u)); }

static void ev_fill(uint8_t *p, uint32_t seq) { st_fill(p, 77, seq, ev_len(seq)); }

static void append_ok(nm_log_t *log, uint32_t want_seq) {
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  ev_fill(p, want_seq);
  uint32_t seq = 0;
  assert_int_equal(nm_log_append(log, p, ev_len(want_seq), &seq), NM_OK);
  assert_int_equal(seq, want_seq);
}

static void check_read(nm_log_t *log, uint32_t seq) {
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  size_t len = 99;
  assert_int_equal(nm_log_read(log, seq, p, sizeof p, &len), NM_OK);
  assert_true(st_is(p, len, 77, seq, ev_len(seq)));
}

/* Everything in the window reads back; just outside it, NM_ENOENT. The window holds
 * between (n_pages - 1) and n_pages pages of events once the ring has wrapped. */
static void check_window(nm_log_t *log, uint32_t n_pages, uint32_t start) {
  uint32_t first = nm_log_first_seq(log), next = nm_log_next_seq(log);
  uint32_t held = next - first, written = next - start;
  uint32_t lo = (n_pages - 1u) * log->slots;
  assert_true(held <= written);
  assert_true(held >= (written < lo ? written : lo));
  assert_true(held < n_pages * log->slots);
  for (uint32_t s = first; s != next; s++) {
    check_read(log, s);
  }
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  size_t len;
  assert_int_equal(nm_log_read(log, next, p, sizeof p, &len), NM_ENOENT);
  assert_int_equal(nm_log_read(log, next + 1000u, p, sizeof p, &len), NM_ENOENT);
  if (first != start) {
    assert_int_equal(nm_log_read(log, first - 1u, p, sizeof p, &len), NM_ENOENT);
  }
}

static void test_args(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 1024, NPAGES);
  const nm_port_t *port = st_port(&f);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, port, 0, 1), NM_EINVAL);
  assert_int_equal(nm_log_mount(&log, port, 15, 2), NM_EINVAL);
  assert_int_equal(nm_log_mount(NULL, port, 0, 2), NM_EINVAL);
  nm_port_t tiny = *port;
  tiny.nvm_page_size = 52; /* header + less than one record */
  assert_int_equal(nm_log_mount(&log, &tiny, 0, 2), NM_EINVAL);
  /* A log never mounted (all zeros), or with a port but under 2 pages or no record slot:
   * refused, nothing read or written. */
  uint8_t one = 1;
  size_t got = 0;
  nm_log_t zero;
  memset(&zero, 0, sizeof zero);
  assert_int_equal(nm_log_append(&zero, &one, 1, NULL), NM_EINVAL);
  assert_int_equal(nm_log_read(&zero, 0, &one, 1, &got), NM_EINVAL);
  zero.port = port;
  zero.n_pages = 1;
  zero.slots = 1;
  assert_int_equal(nm_log_append(&zero, &one, 1, NULL), NM_EINVAL);
  assert_int_equal(nm_log_read(&zero, 0, &one, 1, &got), NM_EINVAL);
  zero.n_pages = 2;
  zero.slots = 0;
  assert_int_equal(nm_log_append(&zero, &one, 1, NULL), NM_EINVAL);
  assert_int_equal(nm_log_read(&zero, 0, &one, 1, &got), NM_EINVAL);
  for (size_t i = 0; i < f.size; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  assert_int_equal(nm_log_mount(&log, port, 3, 2), NM_OK);
  assert_int_equal(log.slots, (1024u - 16u) / 40u);
  assert_int_equal(nm_log_first_seq(&log), 0);
  assert_int_equal(nm_log_next_seq(&log), 0);
  uint8_t p[NM_LOG_PAYLOAD_MAX + 1];
  memset(p, 3, sizeof p);
  size_t len = 0;
  assert_int_equal(nm_log_read(&log, 0, p, sizeof p, &len), NM_ENOENT);
  assert_int_equal(nm_log_append(&log, p, NM_LOG_PAYLOAD_MAX + 1, NULL), NM_EINVAL);
  assert_int_equal(nm_log_append(&log, NULL, 1, NULL), NM_EINVAL);
  assert_int_equal(nm_log_append(&log, NULL, 0, NULL), NM_OK);
  assert_int_equal(nm_log_append(&log, p, NM_LOG_PAYLOAD_MAX, NULL), NM_OK);
  assert_int_equal(nm_log_read(&log, 0, NULL, 0, &len), NM_OK);
  assert_int_equal(len, 0);
  assert_int_equal(nm_log_read(&log, 1, p, 10, &len), NM_ENOSPC);
  assert_int_equal(len, NM_LOG_PAYLOAD_MAX);
  assert_int_equal(nm_log_read(&log, 1, NULL, 5, &len), NM_EINVAL);
  uint32_t count;
  assert_int_equal(nm_log_erase_count(&log, 2, &count), NM_EINVAL);
  assert_int_equal(nm_log_erase_count(&log, 0, &count), NM_OK);
  assert_int_equal(count, 1);
  assert_int_equal(nm_log_erase_count(&log, 1, &count), NM_OK);
  assert_int_equal(count, 0);
  for (size_t i = 0; i < 3u * 1024u; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  st_flash_free(&f);
}

/* Appends through several laps of the ring, checking the window after each append and
 * that a remount sees exactly the same log. */
static void run_ring(uint32_t page_size, uint32_t n_pages, uint32_t appends) {
  st_flash_t f;
  st_flash_init(&f, page_size, NPAGES);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 1, n_pages), NM_OK);
  for (uint32_t s = 0; s < appends; s++) {
    append_ok(&log, s);
    check_read(&log, s);
    if (s % 7 == 0 || s % log.slots == 0 || s % log.slots == log.slots - 1) {
      check_window(&log, n_pages, 0);
      nm_log_t again;
      assert_int_equal(nm_log_mount(&again, st_port(&f), 1, n_pages), NM_OK);
      assert_int_equal(nm_log_first_seq(&again), nm_log_first_seq(&log));
      assert_int_equal(nm_log_next_seq(&again), nm_log_next_seq(&log));
      check_window(&again, n_pages, 0);
      log = again;
    }
  }
  assert_true(nm_log_first_seq(&log) > 0); /* it wrapped */
  printf("ring %u x %u B: %u appends, window [%u, %u) of %u slots\n", n_pages, page_size,
         appends, nm_log_first_seq(&log), nm_log_next_seq(&log), n_pages * log.slots);
  st_flash_free(&f);
}

static void test_ring(void **state) {
  (void)state;
  run_ring(1024, 2, 400);
  run_ring(1024, 3, 600);
  run_ring(1024, 5, 900);
  run_ring(256, 4, 500); /* 6 slots a page */
  run_ring(4096, 3, 800);
}

/* Page header layout from docs/STORAGE.md, forged by hand: magic "nmLG", first
 * sequence number, erase count, CRC-32 of the first 12 bytes (all little-endian). */
static void forge_header(uint8_t *page, uint32_t first_seq, uint32_t erases) {
  uint8_t h[16] = {'n', 'm', 'L', 'G'};
  for (int i = 0; i < 4; i++) {
    h[4 + i] = (uint8_t)(first_seq >> (8 * i));
    h[8 + i] = (uint8_t)(erases >> (8 * i));
  }
  uint32_t crc = nm_crc32(0, h, 12);
  for (int i = 0; i < 4; i++) {
    h[12 + i] = (uint8_t)(crc >> (8 * i));
  }
  memcpy(page, h, sizeof h);
}

/* Sequence numbers are 32-bit and wrap: a log already near 2^32 keeps working across. */
static void test_seq_wrap(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 1024, NPAGES);
  const uint32_t start = 0xFFFFFF00u;
  forge_header(f.mem, start, 1);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 0, 4), NM_OK);
  assert_int_equal(nm_log_first_seq(&log), start);
  assert_int_equal(nm_log_next_seq(&log), start);
  for (uint32_t i = 0; i < 600; i++) {
    append_ok(&log, start + i);
    if (i % 13 == 0) {
      check_window(&log, 4, start);
      assert_int_equal(nm_log_mount(&log, st_port(&f), 0, 4), NM_OK);
      check_window(&log, 4, start);
    }
  }
  assert_true(nm_log_next_seq(&log) < 1000u);
  assert_true(nm_log_first_seq(&log) < 1000u);
  st_flash_free(&f);
}

/* Mount reads the n page headers (twice: head search and the walk back) and probes
 * O(log2 slots) slots of the head page, never the whole log. */
static void test_mount_cost(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 4096, NPAGES);
  nm_log_t log;
  const uint32_t n = 12;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 2, n), NM_OK);
  uint32_t probes = 1;
  while ((1u << probes) <= log.slots) {
    probes++;
  }
  uint32_t worst = 0;
  for (uint32_t s = 0; s < 3u * n * log.slots; s++) {
    append_ok(&log, s);
    if (s % 97 == 0) {
      st_count_zero(&f.cnt);
      nm_log_t again;
      assert_int_equal(nm_log_mount(&again, st_port(&f), 2, n), NM_OK);
      assert_int_equal(nm_log_next_seq(&again), s + 1);
      uint32_t reads = (uint32_t)f.cnt.reads;
      /* A page without a valid header (not used yet) costs one more read: slot 0. */
      assert_true(reads <= 4u * n + probes);
      if (s >= n * log.slots) {
        worst = reads > worst ? reads : worst;
        assert_true(reads <= 2u * n + probes); /* the ring is full: headers only */
      }
      assert_int_equal(f.cnt.progs + f.cnt.erases, 0); /* mount never writes */
    }
  }
  printf("mount of a full %u-page log (%u slots a page): at most %u reads (bound %u)\n", n,
         log.slots, worst, 2u * n + probes);
  st_flash_free(&f);
}

/* Thousands of appends: every page is erased as often as any other, give or take one.
 * Counted at the port and as the log reports them (from its page headers). */
static void run_wear(uint32_t page_size, uint32_t n_pages, uint32_t appends) {
  st_flash_t f;
  st_flash_init(&f, page_size, NPAGES);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 1, n_pages), NM_OK);
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  memset(p, 0x5A, sizeof p);
  for (uint32_t s = 0; s < appends; s++) {
    uint32_t seq;
    assert_int_equal(nm_log_append(&log, p, sizeof p, &seq), NM_OK);
    assert_int_equal(seq, s);
    if (s % 4099 == 0) {
      assert_int_equal(nm_log_mount(&log, st_port(&f), 1, n_pages), NM_OK);
    }
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  printf("log wear (%u pages x %u B, %u appends): erases per page:", n_pages, page_size,
         appends);
  for (uint32_t pg = 0; pg < n_pages; pg++) {
    uint64_t e = f.cnt.page_erases[1 + pg];
    uint32_t stored;
    assert_int_equal(nm_log_erase_count(&log, pg, &stored), NM_OK);
    assert_int_equal(stored, e);
    printf(" %llu", (unsigned long long)e);
    lo = e < lo ? e : lo;
    hi = e > hi ? e : hi;
  }
  printf("\n");
  assert_true(hi - lo <= 1);
  assert_true(lo >= appends / log.slots / n_pages);
  assert_int_equal(f.cnt.page_erases[0], 0);
  assert_int_equal(f.cnt.page_erases[1 + n_pages], 0);
  st_flash_free(&f);
}

static void test_wear(void **state) {
  (void)state;
  run_wear(1024, 8, 30000);
  run_wear(4096, 6, 30000);
  run_wear(1024, 2, 5000);
}

/* Damaged flash, a full ring. Mode A: 1..3 random bit flips in record slots (payload,
 * sequence number, length, CRC, commit word, or a blank slot). Every read of the window
 * is the exact event or NM_ECORRUPT (a damaged complete record; a hit commit word leaves
 * the record complete and readable); nm_log_check counts exactly the NM_ECORRUPT ones as
 * damage; the window never moves back, and the log goes on appending with higher
 * numbers. Mode B: one bit flip in any page header: slot 0 of the page vouches for it,
 * so nothing at all is lost, and the report counts one damaged header. Mount never
 * writes. */
static void test_corruption(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 1024, NPAGES);
  const uint32_t n = 4;
  uint64_t seed = tu_seed("t_store_log corruption");
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 0, n), NM_OK);
  const uint32_t slots = log.slots;
  uint32_t total = 3u * n * slots + 10u;
  for (uint32_t s = 0; s < total; s++) {
    append_ok(&log, s);
  }
  const uint32_t first0 = nm_log_first_seq(&log), next0 = nm_log_next_seq(&log);
  uint8_t *base = st_snapshot(&f);
  uint64_t ok = 0, corrupt = 0, gone = 0;
  for (int trial = 0; trial < 3000; trial++) {
    int header_mode = trial % 6 == 5;
    st_restore(&f, base);
    uint32_t flips = header_mode ? 1 : tu_range(&seed, 1, 3);
    for (uint32_t i = 0; i < flips; i++) {
      uint32_t page = tu_range(&seed, 0, n - 1);
      uint32_t at = header_mode ? tu_range(&seed, 0, 15)
                                : 16u + tu_range(&seed, 0, slots * NM_LOG_REC_LEN - 1u);
      f.mem[page * 1024u + at] ^= (uint8_t)(1u << tu_range(&seed, 0, 7));
    }
    nm_log_t l2;
    assert_int_equal(st_log_mount_ro(&l2, &f, 0, n), NM_OK);
    assert_int_equal(nm_log_first_seq(&l2), first0);
    nm_log_health_t h;
    nm_log_health(&l2, &h);
    assert_int_equal(h.lost, 0);
    assert_int_equal(h.bad_headers, header_mode ? 1 : 0);
    uint32_t bad_reads = 0;
    if (header_mode) {
      assert_int_equal(nm_log_next_seq(&l2), next0);
    } else {
      /* A flipped bit in a blank slot of the head makes it look used: skipped. */
      assert_false(st_before(nm_log_next_seq(&l2), next0));
    }
    for (uint32_t s = first0; s != next0; s++) {
      uint8_t p[NM_LOG_PAYLOAD_MAX];
      size_t len = 0;
      int r = nm_log_read(&l2, s, p, sizeof p, &len);
      if (r == NM_OK) {
        assert_true(st_is(p, len, 77, s, ev_len(s)));
        ok++;
      } else if (r == NM_ECORRUPT) {
        assert_false(header_mode);
        corrupt++;
        bad_reads++;
      } else {
        assert_int_equal(r, NM_ENOENT);
        assert_false(header_mode);
        gone++;
      }
    }
    if (nm_log_next_seq(&l2) == next0) {
      assert_int_equal(nm_log_check(&l2), NM_OK);
      nm_log_health(&l2, &h);
      assert_int_equal(h.bad_records, bad_reads);
      assert_int_equal(h.torn, 0);
    }
    uint32_t seq;
    uint8_t p[4] = {1, 2, 3, 4};
    assert_int_equal(nm_log_append(&l2, p, sizeof p, &seq), NM_OK);
    assert_false(st_before(seq, next0)); /* never an old number again */
    size_t len;
    uint8_t q[NM_LOG_PAYLOAD_MAX];
    assert_int_equal(nm_log_read(&l2, seq, q, sizeof q, &len), NM_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(p, q, 4);
  }
  printf("log corruption: %llu reads exact, %llu NM_ECORRUPT, %llu NM_ENOENT\n",
         (unsigned long long)ok, (unsigned long long)corrupt, (unsigned long long)gone);
  assert_true(corrupt > 0);
  assert_int_equal(gone, 0); /* a flip never makes a complete record look cut */
  free(base);
  st_flash_free(&f);
}

/* A damaged header on the head page: slot 0 still tells the page's first number, so the
 * head, its events and the sequence numbers survive. */
static void test_head_header_damaged(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 1024, NPAGES);
  nm_log_t log;
  assert_int_equal(nm_log_mount(&log, st_port(&f), 0, 3), NM_OK);
  uint32_t total = 2u * log.slots + 5u;
  for (uint32_t s = 0; s < total; s++) {
    append_ok(&log, s);
  }
  uint32_t head = log.head, first = nm_log_first_seq(&log);
  f.mem[head * 1024u + 5u] ^= 0x04; /* the header's first sequence number */
  nm_log_t l2;
  assert_int_equal(nm_log_mount(&l2, st_port(&f), 0, 3), NM_OK);
  nm_log_health_t h;
  nm_log_health(&l2, &h);
  assert_int_equal(h.bad_headers, 1);
  assert_int_equal(h.lost, 0);
  assert_int_equal(l2.head, head);
  assert_int_equal(nm_log_first_seq(&l2), first);
  assert_int_equal(nm_log_next_seq(&l2), total);
  check_window(&l2, 3, 0);
  for (uint32_t s = total; s < total + 2u * log.slots; s++) {
    append_ok(&l2, s);
  }
  check_window(&l2, 3, 0);
  st_flash_free(&f);
}

/* The damage report: bad records are counted by nm_log_check, cut appends are not
 * damage; a page whose header and slot 0 are both damaged cuts the window short, and
 * that loss is reported. */
static void test_health(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, 1024, NPAGES);
  nm_log_t log;
  assert_int_equal(st_log_mount_ro(&log, &f, 0, 4), NM_OK);
  nm_log_health_t h;
  nm_log_health(&log, &h);
  assert_int_equal(h.empty, 1);
  assert_int_equal(h.checked, 0);
  const uint32_t slots = log.slots;
  for (uint32_t s = 0; s < 2u * slots + 7u; s++) {
    append_ok(&log, s);
  }
  nm_log_health(&log, &h);
  assert_int_equal(h.empty, 1); /* what the mount found */
  /* Two appends cut at their commit word (clean cut: the commit never started). */
  for (int i = 0; i < 2; i++) {
    uint8_t p[4] = {9, 9, 9, 9};
    st_cut_after(&f, 1, ST_CLEAN);
    assert_int_not_equal(nm_log_append(&log, p, sizeof p, NULL), NM_OK);
    st_power_on(&f);
  }
  assert_int_equal(st_log_mount_ro(&log, &f, 0, 4), NM_OK); /* count the cut slots */
  uint32_t next = nm_log_next_seq(&log);
  assert_int_equal(next, 2u * slots + 9u);
  /* Damage three complete records: payload bytes of events 3, slots + 1 and next - 4. */
  const uint32_t hit[3] = {3u, slots + 1u, next - 4u};
  for (int i = 0; i < 3; i++) {
    uint32_t page = hit[i] / slots, slot = hit[i] % slots;
    f.mem[page * 1024u + 16u + slot * NM_LOG_REC_LEN + 8u] ^= 0x20;
  }
  assert_int_equal(st_log_mount_ro(&log, &f, 0, 4), NM_OK);
  assert_int_equal(nm_log_next_seq(&log), next);
  assert_int_equal(nm_log_check(&log), NM_OK);
  nm_log_health(&log, &h);
  assert_int_equal(h.empty, 0);
  assert_int_equal(h.checked, 1);
  assert_int_equal(h.bad_records, 3);
  assert_int_equal(h.torn, 2);
  assert_int_equal(h.bad_headers, 0);
  assert_int_equal(h.lost, 0);
  /* Page 1 (in the middle of the window): header and slot 0 both damaged. */
  f.mem[1024u + 6u] ^= 0x01;
  f.mem[1024u + 16u + 8u] ^= 0x01;
  assert_int_equal(st_log_mount_ro(&log, &f, 0, 4), NM_OK);
  nm_log_health(&log, &h);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.bad_headers, 1);
  assert_int_equal(nm_log_first_seq(&log), 2u * slots); /* the pages before it are cut off */
  /* The report stays until the next mount; appends go on. */
  append_ok(&log, next);
  nm_log_health(&log, &h);
  assert_int_equal(h.lost, 1);
  st_flash_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_args),
      cmocka_unit_test(test_ring),
      cmocka_unit_test(test_seq_wrap),
      cmocka_unit_test(test_mount_cost),
      cmocka_unit_test(test_wear),
      cmocka_unit_test(test_corruption),
      cmocka_unit_test(test_head_header_damaged),
      cmocka_unit_test(test_health),
  };
  return cmocka_run_group_tests_name("store_log", tests, NULL, NULL);
}
