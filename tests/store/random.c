/* random.c (t_store_random): random workloads against an in-memory model. A key-value
 * store and an event log share one simulated flash; puts of random sizes, appends,
 * reads and reboots interleave with random power cuts (torn or clean; the put after a
 * cut often compacts the page the cut left unclean, and is cut again). After every
 * reboot the model is checked in full: each key holds exactly its model value (the
 * interrupted put resolved to old or new; NM_OK means new), every acknowledged event in
 * the window reads back identical, the window never moves back and keeps at least
 * (n_pages - 1) pages of events, sequence numbers keep rising, the mounts wrote nothing
 * and neither health report shows any damage: power cuts are never damage. Prints
 * seed=N; NMOD_SEED=N replays a run. */
#include "store_test.h"

#define NKEYS 8u
#define MAXSEQ 40000u

typedef struct {
  /* kv */
  uint32_t ver[NKEYS];
  size_t len[NKEYS];
  /* log: what each sequence number holds */
  uint8_t acked[MAXSEQ];   /* 1: acknowledged */
  uint32_t first;          /* the window never starts before this again */
  uint32_t next;           /* every number below was handed out or used up */
} model_t;

static size_t ev_len(uint32_t seq) { return (size_t)(seq * 11u % (NM_LOG_PAYLOAD_MAX + 1u)); }

static void check_key(nm_kv_t *kv, const model_t *m, uint16_t k) {
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len = 0;
  int r = nm_kv_get(kv, k, buf, sizeof buf, &len);
  if (m->ver[k] == 0) {
    assert_int_equal(r, NM_ENOENT);
  } else {
    assert_int_equal(r, NM_OK);
    assert_true(st_is(buf, len, k, m->ver[k], m->len[k]));
  }
}

/* 1 when event seq reads back as written, 0 when absent; fails on anything else. */
static int check_event(nm_log_t *log, uint32_t seq) {
  uint8_t p[NM_LOG_PAYLOAD_MAX];
  size_t len = 0;
  int r = nm_log_read(log, seq, p, sizeof p, &len);
  if (r == NM_ENOENT) {
    return 0;
  }
  assert_int_equal(r, NM_OK);
  assert_true(st_is(p, len, 66, seq, ev_len(seq)));
  return 1;
}

static void check_all(nm_kv_t *kv, nm_log_t *log, model_t *m) {
  for (uint16_t k = 0; k < NKEYS; k++) {
    check_key(kv, m, k);
  }
  st_kv_no_damage(kv);
  uint32_t first = nm_log_first_seq(log), next = nm_log_next_seq(log);
  assert_false(st_before(first, m->first));
  assert_false(st_before(next, m->next));
  uint32_t floor_held = (log->n_pages - 1u) * log->slots;
  assert_true(next - first >= (next < floor_held ? next : floor_held));
  for (uint32_t s = first; s != next; s++) {
    assert_true(s < MAXSEQ);
    int there = check_event(log, s);
    if (m->acked[s]) {
      assert_int_equal(there, 1);
    }
  }
  m->first = first;
  m->next = next;
}

typedef struct {
  st_flash_t f;
  uint32_t kv_pages, log_first, log_pages;
  nm_kv_t kv;
  nm_log_t log;
} rig_t;

static void mount_both(rig_t *d) {
  assert_int_equal(st_kv_mount_ro(&d->kv, &d->f, 0, d->kv_pages), NM_OK);
  assert_int_equal(st_log_mount_ro(&d->log, &d->f, d->log_first, d->log_pages), NM_OK);
}

/* Power comes back and both stores mount (reading only); every few reboots the log's
 * whole window is checked for damage too. */
static void reboot(rig_t *d, uint64_t *seed, uint32_t *checks) {
  st_power_on(&d->f);
  mount_both(d);
  if (tu_range(seed, 0, 3) == 0) {
    st_log_no_damage(&d->log);
    (*checks)++;
  }
}

static void run(uint64_t *seed, uint32_t ops) {
  static rig_t d;
  static model_t m;
  memset(&m, 0, sizeof m);
  const uint32_t ps = tu_range(seed, 0, 1) ? 2048u : 4096u;
  d.kv_pages = tu_range(seed, 2, 4);
  d.log_first = d.kv_pages + tu_range(seed, 0, 1);
  d.log_pages = tu_range(seed, 2, 6);
  st_flash_init(&d.f, ps, 12);
  mount_both(&d);
  uint32_t ver = 1, puts = 0, enospc = 0, appends = 0, cuts = 0, mount_cuts = 0;
  uint32_t kept_new = 0, kept_old = 0;

  for (uint32_t i = 0; i < ops && m.next + 2u < MAXSEQ; i++) {
    uint32_t pick = tu_range(seed, 0, 99);
    int armed = pick < 90 && tu_range(seed, 0, 99) < 30;
    if (armed) {
      /* Mostly within the few steps of a plain put or append, sometimes deep inside a
       * compaction. */
      uint32_t k = tu_range(seed, 0, 9) < 7 ? tu_range(seed, 0, 3) : tu_range(seed, 0, 40);
      st_cut_after(&d.f, k, (int)tu_range(seed, 0, 1));
    }
    if (pick < 45) {
      /* A put: mostly small, some settings-sized, a few up to the maximum. */
      uint16_t key = (uint16_t)tu_range(seed, 0, NKEYS - 1u);
      uint32_t size_class = tu_range(seed, 0, 19);
      size_t len = size_class < 12   ? tu_range(seed, 0, 64)
                   : size_class < 19 ? tu_range(seed, 65, 400)
                                     : tu_range(seed, 401, NM_KV_VALUE_MAX);
      uint32_t v = ver++ | (tu_range(seed, 0, 9) == 0 ? ST_SPARSE : 0u);
      uint8_t buf[NM_KV_VALUE_MAX];
      st_fill(buf, key, v, len);
      int r = nm_kv_put(&d.kv, key, buf, len);
      puts++;
      if (st_was_cut(&d.f)) {
        int acked = r == NM_OK; /* a cut after the commit point */
        cuts++;
        reboot(&d, seed, &mount_cuts);
        /* Resolve: exactly old or exactly new. */
        uint8_t got[NM_KV_VALUE_MAX];
        size_t glen = 0;
        r = nm_kv_get(&d.kv, key, got, sizeof got, &glen);
        if (acked) {
          assert_int_equal(r, NM_OK);
          assert_true(st_is(got, glen, key, v, len));
        }
        if (r == NM_OK && st_is(got, glen, key, v, len)) {
          m.ver[key] = v;
          m.len[key] = len;
          kept_new++;
        } else {
          kept_old++;
        }
        check_all(&d.kv, &d.log, &m);
      } else if (r == NM_ENOSPC) {
        enospc++; /* refused before writing: nothing changed */
      } else {
        assert_int_equal(r, NM_OK);
        m.ver[key] = v;
        m.len[key] = len;
      }
    } else if (pick < 90) {
      uint32_t want = nm_log_next_seq(&d.log);
      uint8_t p[NM_LOG_PAYLOAD_MAX];
      st_fill(p, 66, want, ev_len(want));
      uint32_t seq = 0;
      int r = nm_log_append(&d.log, p, ev_len(want), &seq);
      appends++;
      if (st_was_cut(&d.f)) {
        assert_int_not_equal(r, NM_OK);
        cuts++;
        reboot(&d, seed, &mount_cuts);
        check_all(&d.kv, &d.log, &m);
      } else {
        assert_int_equal(r, NM_OK);
        assert_int_equal(seq, want);
        assert_false(st_before(seq, m.next));
        m.acked[seq] = 1;
        m.next = seq + 1u;
      }
    } else if (pick < 95) {
      check_key(&d.kv, &m, (uint16_t)tu_range(seed, 0, NKEYS - 1u));
      uint32_t first = nm_log_first_seq(&d.log), next = nm_log_next_seq(&d.log);
      if (next != first) {
        uint32_t s = first + tu_range(seed, 0, next - first - 1u);
        int there = check_event(&d.log, s);
        if (m.acked[s]) {
          assert_int_equal(there, 1); /* a cut append may be there too (a cut commit) */
        }
      }
    } else {
      reboot(&d, seed, &mount_cuts);
      check_all(&d.kv, &d.log, &m);
    }
    st_power_on(&d.f); /* disarm a cut that did not fire */
    if (i % 200 == 0) {
      check_all(&d.kv, &d.log, &m);
    }
  }
  reboot(&d, seed, &mount_cuts);
  check_all(&d.kv, &d.log, &m);
  printf("  %u B pages, kv %u pages, log %u pages: %u puts (%u refused: full), %u appends, "
         "%u cuts (puts after a cut: %u old, %u new), %u full log checks, log window "
         "[%u, %u)\n",
         ps, d.kv_pages, d.log_pages, puts, enospc, appends, cuts, kept_old, kept_new,
         mount_cuts, m.first, m.next);
  assert_true(cuts > 0);
  st_flash_free(&d.f);
}

static void test_random(void **state) {
  (void)state;
  uint64_t seed = tu_seed("t_store_random");
  for (int i = 0; i < 24; i++) {
    run(&seed, 6000);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random),
  };
  return cmocka_run_group_tests_name("store_random", tests, NULL, NULL);
}
