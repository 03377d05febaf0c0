/* kv_power.c (t_store_kv_power): power loss at every program and erase step of a put.
 *
 * For each scenario (a starting flash state and one put), for k = 0, 1, 2, ...: restore
 * the starting state, arm a cut that tears the (k+1)-th flash operation, run the put,
 * then power on and mount (mount only reads). The value of the key must be exactly the
 * old one (or absent when it had none) or exactly the new one, every other key intact,
 * and the health report must show no damage: a power cut is never damage. A put that
 * returned NM_OK must show the new value (a cut after the commit point may still
 * return NM_OK). Then, from that torn state, the next put (which compacts a page left
 * unclean) is cut too at every step of its own (j = 0, 1, ...): after each second cut the
 * first key keeps the same answer and the report still shows no damage. The loop ends at
 * the first k where the put completes without reaching the cut, so every step of the put
 * has been torn once. */
#include "store_test.h"

#define PS 4096u
#define NPAGES 8u
#define FIRST 1u /* the region starts at page 1: page 0 and the rest stay untouched */

enum { K_SETTINGS = 1, K_IDENTITY = 2, K_REMOTES = 3, K_COUNTERS = 4, K_NEW = 9 };

typedef struct {
  uint32_t ver[16];
  size_t len[16];
} model_t;

static int put_ver(nm_kv_t *kv, model_t *m, uint16_t key, uint32_t ver, size_t len) {
  uint8_t buf[NM_KV_VALUE_MAX];
  st_fill(buf, key, ver, len);
  int r = nm_kv_put(kv, key, buf, len);
  if (r == NM_OK && m) {
    m->ver[key] = ver;
    m->len[key] = len;
  }
  return r;
}

static void check_key(nm_kv_t *kv, uint16_t k, uint32_t ver, size_t want) {
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len = 0;
  int r = nm_kv_get(kv, k, buf, sizeof buf, &len);
  if (ver == 0) {
    assert_int_equal(r, NM_ENOENT);
  } else {
    assert_int_equal(r, NM_OK);
    assert_true(st_is(buf, len, k, ver, want));
  }
}

static void check_model(nm_kv_t *kv, const model_t *m) {
  for (uint16_t k = 0; k < 16; k++) {
    check_key(kv, k, m->ver[k], m->len[k]);
  }
}

/* Every key but `key` as in m; `key` old (returns 0) or exactly new (returns 1). */
static int old_or_new(nm_kv_t *kv, const model_t *m, uint16_t key, uint32_t new_ver,
                      size_t new_len) {
  for (uint16_t k = 0; k < 16; k++) {
    if (k != key) {
      check_key(kv, k, m->ver[k], m->len[k]);
    }
  }
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len = 0;
  int r = nm_kv_get(kv, key, buf, sizeof buf, &len);
  if (r == NM_ENOENT) {
    assert_int_equal(m->ver[key], 0); /* absent is "old" only for a new key */
    return 0;
  }
  assert_int_equal(r, NM_OK);
  if (st_is(buf, len, key, new_ver, new_len)) {
    return 1;
  }
  assert_int_not_equal(m->ver[key], 0);
  assert_true(st_is(buf, len, key, m->ver[key], m->len[key]));
  return 0;
}

typedef struct {
  const char *name;
  int sparse;         /* the new value ends in 0xFF bytes (ST_SPARSE) */
  uint32_t n_pages;
  uint32_t history;   /* puts before the scenario, to rotate through the pages */
  int fill;           /* fill the active page so that the put must compact */
  int blank;          /* no records at all */
  uint16_t key;
  size_t len;
} scen_t;

static uint32_t align4(uint32_t n) { return (n + 3u) & ~3u; }

static uint32_t g_total_cuts, g_total_next_cuts, g_torn_append_new;

static void setup(nm_kv_t *kv, model_t *m, const scen_t *sc) {
  if (sc->blank) {
    return;
  }
  uint32_t v = 1;
  assert_int_equal(put_ver(kv, m, K_SETTINGS, v, 800), NM_OK);
  assert_int_equal(put_ver(kv, m, K_IDENTITY, v, 200), NM_OK);
  assert_int_equal(put_ver(kv, m, K_REMOTES, v, 196), NM_OK);
  assert_int_equal(put_ver(kv, m, K_COUNTERS, v, 16), NM_OK);
  for (uint32_t i = 0; i < sc->history; i++) {
    v++;
    assert_int_equal(put_ver(kv, m, (uint16_t)(K_SETTINGS + i % 4), v, i % 4 ? 150 : 790), NM_OK);
  }
  if (sc->fill) {
    /* Appends until the next record of sc->len bytes no longer fits. */
    uint32_t need = align4(NM_KV_REC_HDR_LEN + (uint32_t)sc->len);
    while (kv->wr_off + need <= PS) {
      v++;
      uint32_t room = PS - kv->wr_off - NM_KV_REC_HDR_LEN;
      size_t len = room > 40 ? 40 : room;
      assert_int_equal(put_ver(kv, m, K_COUNTERS, v, len), NM_OK);
    }
  }
}

/* From the torn state `torn`, the next put of K_IDENTITY is cut at every step; after
 * each cut the scenario's key still resolves to `which`, the identity is old or new, and
 * there is no damage. Returns the number of cut points. */
static uint32_t cut_next_put(st_flash_t *f, const uint8_t *torn, const scen_t *sc,
                             const model_t *m, uint32_t new_ver, int which, uint32_t tag) {
  model_t mw = *m;
  if (which) {
    mw.ver[sc->key] = new_ver;
    mw.len[sc->key] = sc->len;
  }
  uint32_t j;
  for (j = 0;; j++) {
    st_restore(f, torn);
    nm_kv_t b;
    assert_int_equal(st_kv_mount_ro(&b, f, FIRST, sc->n_pages), NM_OK);
    st_cut_after(f, j / 2, (int)(j % 2)); /* torn and clean, at every step */
    int r = put_ver(&b, NULL, K_IDENTITY, tag, 200);
    int cut = st_was_cut(f);
    st_power_on(f);
    assert_int_equal(st_kv_mount_ro(&b, f, FIRST, sc->n_pages), NM_OK);
    st_kv_no_damage(&b);
    if (!cut) {
      assert_int_equal(r, NM_OK);
      mw.ver[K_IDENTITY] = tag;
      mw.len[K_IDENTITY] = 200;
      check_model(&b, &mw);
      break;
    }
    if (r == NM_OK) { /* cut after the commit point: done */
      model_t mn = mw;
      mn.ver[K_IDENTITY] = tag;
      mn.len[K_IDENTITY] = 200;
      check_model(&b, &mn);
    } else {
      /* The scenario's key keeps its answer (checked with every other key). */
      (void)old_or_new(&b, &mw, K_IDENTITY, tag, 200);
    }
  }
  return j / 2;
}

static void cut_every_step(const scen_t *sc, int mode) {
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  const nm_port_t *port = st_port(&f);
  nm_kv_t kv;
  model_t m0;
  memset(&m0, 0, sizeof m0);
  assert_int_equal(nm_kv_mount(&kv, port, FIRST, sc->n_pages), NM_OK);
  setup(&kv, &m0, sc);
  uint8_t *snap = st_snapshot(&f);
  const uint32_t new_ver = sc->sparse ? 1000u | ST_SPARSE : 1000u;
  uint32_t k, n_old = 0, n_new = 0, next_cuts = 0;

  for (k = 0;; k++) {
    st_restore(&f, snap);
    nm_kv_t a;
    assert_int_equal(st_kv_mount_ro(&a, &f, FIRST, sc->n_pages), NM_OK);
    const uint32_t gen0 = a.gen;
    st_cut_after(&f, k, mode);
    int r = put_ver(&a, NULL, sc->key, new_ver, sc->len);
    if (!st_was_cut(&f)) {
      /* The put ran to the end before the k-th operation: every step has been cut. */
      st_power_on(&f);
      assert_int_equal(r, NM_OK);
      model_t m = m0;
      m.ver[sc->key] = new_ver;
      m.len[sc->key] = sc->len;
      check_model(&a, &m);
      assert_int_equal(st_kv_mount_ro(&a, &f, FIRST, sc->n_pages), NM_OK);
      check_model(&a, &m);
      st_kv_no_damage(&a);
      if (sc->fill) {
        assert_int_not_equal(a.gen, gen0); /* the scenario did compact */
      } else {
        assert_int_equal(a.gen, sc->blank ? 1u : gen0); /* a blank region is formatted */
      }
      break;
    }
    st_power_on(&f);
    uint8_t *torn = st_snapshot(&f);

    /* Reboot: old or new, decided by the cut; never damage. */
    nm_kv_t b;
    assert_int_equal(st_kv_mount_ro(&b, &f, FIRST, sc->n_pages), NM_OK);
    st_kv_no_damage(&b);
    int which = old_or_new(&b, &m0, sc->key, new_ver, sc->len);
    if (r == NM_OK) {
      assert_int_equal(which, 1); /* acknowledged means stored */
    }
    nm_kv_health_t h;
    nm_kv_health(&b, &h);
    if (sc->blank) {
      assert_int_equal(h.empty, !which); /* a cut first put leaves the region empty */
    } else {
      assert_int_equal(h.empty, 0);
    }
    if (which) {
      n_new++;
    } else {
      n_old++;
    }
    next_cuts += cut_next_put(&f, torn, sc, &m0, new_ver, which, 2000 + k);
    free(torn);
  }
  printf("kv put '%s', %s cuts: cut at each of %u steps (%u left the old value, %u the new), "
         "then %u cuts in the put after\n",
         sc->name, mode == ST_CLEAN ? "clean" : "torn", k, n_old, n_new, next_cuts);
  assert_true(k >= (sc->len ? 3u : 2u)); /* header, value, commit word */
  assert_true(n_old > 0);
  if (mode == ST_TORN && !sc->fill) {
    g_torn_append_new += n_new;
  }
  if (sc->fill) {
    assert_true(k > 5); /* erase, copies, new record, header, copy, retire mark */
  }
  g_total_cuts += k;
  g_total_next_cuts += next_cuts;
  /* Outside the region nothing was ever written. */
  for (size_t i = 0; i < FIRST * PS; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  for (size_t i = (FIRST + sc->n_pages) * PS; i < f.size; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  free(snap);
  st_flash_free(&f);
}

static const scen_t scenarios[] = {
    {"first put on blank flash", 0, 4, 0, 0, 1, K_SETTINGS, 800},
    {"append: settings overwrite", 0, 4, 0, 0, 0, K_SETTINGS, 800},
    {"append: sparse settings", 1, 4, 0, 0, 0, K_SETTINGS, 800},
    {"append: new key", 0, 4, 0, 0, 0, K_NEW, 300},
    {"append: empty value", 0, 4, 0, 0, 0, K_COUNTERS, 0},
    {"append: 1 KiB value", 0, 4, 0, 0, 0, K_REMOTES, NM_KV_VALUE_MAX},
    {"compaction: settings", 0, 4, 0, 1, 0, K_SETTINGS, 800},
    {"compaction: sparse settings", 1, 4, 0, 1, 0, K_SETTINGS, 800},
    {"compaction: new key", 0, 4, 0, 1, 0, K_NEW, 500},
    {"compaction: 2 pages after rotating", 0, 2, 40, 1, 0, K_SETTINGS, 800},
    {"compaction: 4 pages after rotating", 0, 4, 60, 1, 0, K_REMOTES, 200},
};

static void test_put_scenarios(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
    cut_every_step(&scenarios[i], ST_TORN);
    cut_every_step(&scenarios[i], ST_CLEAN);
  }
  printf("kv: %u cut points in puts, %u in the put after a cut\n", g_total_cuts,
         g_total_next_cuts);
  assert_true(g_total_next_cuts > 0);
  /* A cut commit word that took some zero bits is a complete record: the put failed,
   * yet the reboot shows the new value (old-or-new holds either way). */
  assert_true(g_torn_append_new > 0);
}

/* The first put formats a blank region (erase, header, header copy) and writes its
 * record (header, value, commit word). Cut it at every step, then cut the next first put
 * at every step from each of those states too: each reboot must find the region
 * verifiably empty (nothing completed) or holding exactly the value, never damaged. */
static void test_format_cut(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  uint8_t *blank = st_snapshot(&f);
  uint32_t k, cuts2 = 0, empties = 0;
  for (k = 0;; k++) {
    st_restore(&f, blank);
    nm_kv_t kv;
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_OK);
    st_cut_after(&f, k, (int)(k % 2));
    int r = put_ver(&kv, NULL, K_SETTINGS, 1, 800);
    int cut = st_was_cut(&f);
    st_power_on(&f);
    if (!cut) {
      assert_int_equal(r, NM_OK);
      break;
    }
    model_t m;
    memset(&m, 0, sizeof m);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_OK);
    st_kv_no_damage(&kv);
    nm_kv_health_t h;
    nm_kv_health(&kv, &h);
    int which = old_or_new(&kv, &m, K_SETTINGS, 1, 800);
    assert_int_equal(h.empty, !which);
    empties += h.empty;
    uint8_t *torn = st_snapshot(&f);
    for (uint32_t j = 0;; j++) {
      st_restore(&f, torn);
      assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_OK);
      st_cut_after(&f, j, (int)(j % 2));
      r = put_ver(&kv, NULL, K_IDENTITY, 2, 200);
      cut = st_was_cut(&f);
      st_power_on(&f);
      nm_kv_t kv2;
      assert_int_equal(st_kv_mount_ro(&kv2, &f, FIRST, 3), NM_OK);
      st_kv_no_damage(&kv2);
      model_t mm = m;
      if (which) {
        mm.ver[K_SETTINGS] = 1;
        mm.len[K_SETTINGS] = 800;
      }
      int w2 = old_or_new(&kv2, &mm, K_IDENTITY, 2, 200);
      nm_kv_health(&kv2, &h);
      assert_int_equal(h.empty, !which && !w2);
      if (!cut) {
        assert_int_equal(r, NM_OK);
        assert_int_equal(w2, 1);
        break;
      }
      cuts2++;
    }
    free(torn);
  }
  printf("kv first put on blank flash: cut at each of %u steps (%u left it empty), %u second "
         "cuts\n",
         k, empties, cuts2);
  assert_true(k >= 6); /* erase, header, copy, record header, value, commit word */
  assert_true(empties >= 5);
  free(blank);
  st_flash_free(&f);
}

/* Flash that is not blank and has no usable page is never formatted: mount, get and put
 * refuse with NM_ECORRUPT and write nothing; the report says everything may be lost. */
static void test_no_format_over_garbage(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  uint8_t *snap = st_garbage(&f, "t_store_kv_power garbage");
  nm_kv_t kv;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_ECORRUPT);
  nm_kv_health_t h;
  nm_kv_health(&kv, &h);
  assert_int_equal(h.empty, 0);
  assert_int_equal(h.damaged, 1);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.keys_unknown, 1);
  assert_true(nm_kv_key_lost(&h, K_IDENTITY));
  uint8_t buf[16] = {0};
  size_t len;
  assert_int_equal(nm_kv_put(&kv, K_IDENTITY, buf, sizeof buf), NM_ECORRUPT);
  assert_int_equal(nm_kv_get(&kv, K_IDENTITY, buf, sizeof buf, &len), NM_ECORRUPT);
  uint32_t count;
  assert_int_equal(nm_kv_erase_count(&kv, 0, &count), NM_ECORRUPT);
  assert_int_equal(st_writes(&f), 0);
  assert_memory_equal(f.mem, snap, f.size);
  free(snap);
  st_flash_free(&f);
}

/* No reboot: the same handle is used again after the cut (power back). It re-reads the
 * flash by itself before the next operation. */
static void test_reuse_handle_after_cut(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t kv;
  model_t m;
  memset(&m, 0, sizeof m);
  scen_t sc = {"", 0, 3, 10, 1, 0, K_SETTINGS, 800};
  assert_int_equal(nm_kv_mount(&kv, st_port(&f), FIRST, 3), NM_OK);
  setup(&kv, &m, &sc);
  for (uint32_t k = 0; k < 40; k++) {
    st_cut_after(&f, k % 7, (int)(k % 2));
    int r = put_ver(&kv, NULL, K_SETTINGS, 500 + k, 800);
    int cut = st_was_cut(&f);
    st_power_on(&f);
    if (!cut || r == NM_OK) { /* a cut after the commit point still returns NM_OK */
      assert_int_equal(r, NM_OK);
      m.ver[K_SETTINGS] = 500 + k;
      m.len[K_SETTINGS] = 800;
    } else {
      /* Read through the same handle: old or new. */
      if (old_or_new(&kv, &m, K_SETTINGS, 500 + k, 800)) {
        m.ver[K_SETTINGS] = 500 + k;
        m.len[K_SETTINGS] = 800;
      }
    }
    assert_int_equal(put_ver(&kv, &m, K_IDENTITY, 600 + k, 200), NM_OK);
    check_model(&kv, &m);
    st_kv_no_damage(&kv);
  }
  nm_kv_t kv2;
  assert_int_equal(nm_kv_mount(&kv2, st_port(&f), FIRST, 3), NM_OK);
  check_model(&kv2, &m);
  st_flash_free(&f);
}

/* A whole workload, cut at every one of its flash operations: 80 puts of random keys and
 * sizes (compactions at every fill level) from a fresh store. For each k the workload
 * runs from the start until the cut tears operation k; after the reboot every key holds
 * exactly its model value, the interrupted put old or new; then the store takes more. */
static void test_workload_every_step(void **state) {
  (void)state;
  uint64_t seed = tu_seed("t_store_kv_power workload");
  enum { N = 80 };
  uint16_t keys[N];
  size_t lens[N];
  for (int i = 0; i < N; i++) {
    keys[i] = (uint16_t)tu_range(&seed, 1, 6);
    lens[i] = tu_range(&seed, 0, 3) ? tu_range(&seed, 0, 120) : tu_range(&seed, 121, 900);
  }
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t kv;
  assert_int_equal(nm_kv_mount(&kv, st_port(&f), FIRST, 3), NM_OK);
  uint8_t *blank = st_snapshot(&f);
  /* The uncut run: how many operations, and which puts are refused (full). */
  int refused[N];
  st_count_zero(&f.cnt);
  for (int i = 0; i < N; i++) {
    int r = put_ver(&kv, NULL, keys[i], (uint32_t)i + 1u, lens[i]);
    assert_true(r == NM_OK || r == NM_ENOSPC);
    refused[i] = r == NM_ENOSPC;
  }
  const uint64_t total = f.cnt.progs + f.cnt.erases;
  uint32_t runs = 0, n_new = 0;
  for (int mode = ST_TORN; mode <= ST_CLEAN; mode++) {
    for (uint64_t k = 0; k < total; k++) {
      st_restore(&f, blank);
      assert_int_equal(nm_kv_mount(&kv, st_port(&f), FIRST, 3), NM_OK);
      model_t m;
      memset(&m, 0, sizeof m);
      st_cut_after(&f, (int64_t)k, mode);
      int pending = -1, acked = 0;
      for (int i = 0; i < N; i++) {
        int r = put_ver(&kv, NULL, keys[i], (uint32_t)i + 1u, lens[i]);
        if (st_was_cut(&f)) {
          pending = i;
          acked = r == NM_OK;
          break;
        }
        assert_int_equal(r, refused[i] ? NM_ENOSPC : NM_OK);
        if (r == NM_OK) {
          m.ver[keys[i]] = (uint32_t)i + 1u;
          m.len[keys[i]] = lens[i];
        }
      }
      assert_true(pending >= 0); /* every k < total falls inside the workload */
      st_power_on(&f);
      assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_OK);
      st_kv_no_damage(&kv);
      int now_new = old_or_new(&kv, &m, keys[pending], (uint32_t)pending + 1u, lens[pending]);
      if (acked) {
        assert_int_equal(now_new, 1);
      }
      if (now_new) {
        m.ver[keys[pending]] = (uint32_t)pending + 1u;
        m.len[keys[pending]] = lens[pending];
        n_new++;
      }
      if (k % 3 == 0) {
        /* Sometimes a second cut, in the put after the reboot (it compacts an unclean
         * page first). */
        st_cut_after(&f, (int64_t)(k % 7), (int)(k % 2));
        int r = put_ver(&kv, NULL, 8, 8000, 60);
        int cut = st_was_cut(&f);
        st_power_on(&f);
        assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, 3), NM_OK);
        st_kv_no_damage(&kv);
        if (!cut || r == NM_OK || old_or_new(&kv, &m, 8, 8000, 60)) {
          m.ver[8] = 8000;
          m.len[8] = 60;
        }
      }
      assert_int_equal(put_ver(&kv, &m, 7, 9000, 100), NM_OK);
      check_model(&kv, &m);
      st_kv_no_damage(&kv);
      runs++;
    }
  }
  printf("kv workload of %d puts: cut at each of its %llu flash operations, torn and clean "
         "(%u runs, %u left the new value)\n",
         N, (unsigned long long)total, runs, n_new);
  free(blank);
  st_flash_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_put_scenarios),
      cmocka_unit_test(test_format_cut),
      cmocka_unit_test(test_no_format_over_garbage),
      cmocka_unit_test(test_reuse_handle_after_cut),
      cmocka_unit_test(test_workload_every_step),
  };
  return cmocka_run_group_tests_name("store_kv_power", tests, NULL, NULL);
}
