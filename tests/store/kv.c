/* kv.c (t_store_kv): the key-value store without power cuts: arguments and limits,
 * round trips of every size, persistence across remounts and compactions, rotation of
 * the active page, wear levelling over many thousands of puts, and damage that appears
 * after mount (detected by CRC, never returned as data). Damage found at mount, and the
 * health report, are in kv_damage.c. */
#include "store_test.h"

#define PS 4096u
#define NPAGES 16u

enum { K_SETTINGS = 1, K_IDENTITY = 2, K_REMOTES = 3, K_COUNTERS = 4 };

/* What the store should hold: version and length of each key (version 0: absent).
 * Keys 0..254 and 0xFFFF (kept in slot 255) are modelled; key 255 is never used. */
typedef struct {
  uint32_t ver[256];
  size_t len[256];
} model_t;

static uint16_t slot_key(uint16_t slot) { return slot == 255 ? 0xFFFF : slot; }

static void put_ver(nm_kv_t *kv, model_t *m, uint16_t key, uint32_t ver, size_t len) {
  uint8_t buf[NM_KV_VALUE_MAX];
  st_fill(buf, key, ver, len);
  assert_int_equal(nm_kv_put(kv, key, buf, len), NM_OK);
  m->ver[key & 0xFF] = ver;
  m->len[key & 0xFF] = len;
}

static void check_model(nm_kv_t *kv, const model_t *m) {
  uint8_t buf[NM_KV_VALUE_MAX];
  for (uint16_t i = 0; i < 256; i++) {
    uint16_t k = slot_key(i);
    size_t len = 12345;
    int r = nm_kv_get(kv, k, buf, sizeof buf, &len);
    if (m->ver[i] == 0) {
      assert_int_equal(r, NM_ENOENT);
    } else {
      assert_int_equal(r, NM_OK);
      assert_true(st_is(buf, len, k, m->ver[i], m->len[i]));
    }
  }
}

static void test_args(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  const nm_port_t *port = st_port(&f);
  nm_kv_t kv;
  assert_int_equal(nm_kv_mount(&kv, port, 0, 1), NM_EINVAL);
  assert_int_equal(nm_kv_mount(&kv, port, 15, 2), NM_EINVAL);
  assert_int_equal(nm_kv_mount(&kv, port, 0xFFFFFFFFu, 2), NM_EINVAL);
  assert_int_equal(nm_kv_mount(NULL, port, 0, 2), NM_EINVAL);
  assert_int_equal(nm_kv_mount(&kv, NULL, 0, 2), NM_EINVAL);
  nm_port_t small = *port;
  small.nvm_page_size = 64;
  assert_int_equal(nm_kv_mount(&kv, &small, 0, 2), NM_EINVAL);
  nm_port_t odd = *port;
  odd.nvm_page_size = 4094;
  assert_int_equal(nm_kv_mount(&kv, &odd, 0, 2), NM_EINVAL);
  /* Nothing was written by the refused mounts. */
  for (size_t i = 0; i < f.size; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }

  assert_int_equal(nm_kv_mount(&kv, port, 14, 2), NM_OK);
  uint8_t buf[NM_KV_VALUE_MAX + 1];
  memset(buf, 7, sizeof buf);
  assert_int_equal(nm_kv_put(&kv, 1, buf, NM_KV_VALUE_MAX + 1), NM_EINVAL);
  assert_int_equal(nm_kv_put(&kv, 1, NULL, 3), NM_EINVAL);
  assert_int_equal(nm_kv_put(&kv, 1, NULL, 0), NM_OK);
  size_t len = 99;
  assert_int_equal(nm_kv_get(&kv, 1, NULL, 0, &len), NM_OK);
  assert_int_equal(len, 0);
  assert_int_equal(nm_kv_get(&kv, 2, buf, sizeof buf, &len), NM_ENOENT);
  assert_int_equal(nm_kv_get(&kv, 1, NULL, 5, &len), NM_EINVAL);
  uint32_t count;
  assert_int_equal(nm_kv_erase_count(&kv, 2, &count), NM_EINVAL);
  assert_int_equal(nm_kv_erase_count(&kv, 0, &count), NM_OK);
  assert_int_equal(count, 1);
  assert_int_equal(nm_kv_erase_count(&kv, 1, &count), NM_OK);
  assert_int_equal(count, 0);
  /* Only pages 14 and 15 were touched. */
  for (size_t i = 0; i < 14u * PS; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  st_flash_free(&f);
}

static void test_roundtrip_sizes(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t kv;
  model_t m;
  memset(&m, 0, sizeof m);
  assert_int_equal(nm_kv_mount(&kv, st_port(&f), 0, 4), NM_OK);
  check_model(&kv, &m);
  static const size_t sizes[] = {0, 1, 2, 3, 4, 5, 63, 64, 65, 200, 800, 1023, 1024};
  uint32_t ver = 1;
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    put_ver(&kv, &m, (uint16_t)(100 + i % 2), ver++, sizes[i]);
    put_ver(&kv, &m, 0xFFFF, ver++, sizes[i]); /* the largest key, overwritten */
    check_model(&kv, &m);
    nm_kv_t kv2;
    assert_int_equal(nm_kv_mount(&kv2, st_port(&f), 0, 4), NM_OK);
    check_model(&kv2, &m);
    kv = kv2;
  }
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len = 0;
  /* Too small a buffer: the length needed, and no copy. */
  assert_int_equal(nm_kv_get(&kv, 0xFFFF, buf, 1000, &len), NM_ENOSPC);
  assert_int_equal(len, 1024);
  assert_int_equal(nm_kv_get(&kv, 0xFFFF, NULL, 0, &len), NM_ENOSPC);
  assert_int_equal(nm_kv_get(&kv, 0xFFFF, buf, 1024, NULL), NM_OK);
  st_flash_free(&f);
}

static void test_limits(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t kv;
  model_t m;
  memset(&m, 0, sizeof m);
  assert_int_equal(nm_kv_mount(&kv, st_port(&f), 0, 2), NM_OK);
  /* The index holds NM_KV_KEYS_MAX keys; one more is refused, updates still work. */
  for (uint16_t k = 0; k < NM_KV_KEYS_MAX; k++) {
    put_ver(&kv, &m, k, 1, 4);
  }
  uint8_t buf[NM_KV_VALUE_MAX];
  memset(buf, 1, sizeof buf);
  assert_int_equal(nm_kv_put(&kv, 200, buf, 4), NM_ENOSPC);
  put_ver(&kv, &m, 3, 2, 8);
  check_model(&kv, &m);

  /* Live values that cannot fit one page: refused before anything is written. */
  for (uint16_t k = 0; k < 3; k++) {
    put_ver(&kv, &m, k, 10, NM_KV_VALUE_MAX);
  }
  assert_int_equal(nm_kv_put(&kv, 3, buf, NM_KV_VALUE_MAX), NM_ENOSPC);
  check_model(&kv, &m);
  nm_kv_t kv2;
  assert_int_equal(nm_kv_mount(&kv2, st_port(&f), 0, 2), NM_OK);
  check_model(&kv2, &m);
  st_flash_free(&f);
}

/* The device's records: settings ~800 B, identity ~200 B, remotes ~200 B, counters.
 * Thousands of puts rotate the active page through every page of the region, and the
 * store keeps its values across remounts. Erases per page stay within one of each other
 * (counted at the port, torn ones included, and as the store reports them). */
static void run_wear(uint32_t n_pages, uint32_t puts) {
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  const nm_port_t *port = st_port(&f);
  const st_count_t *cnt = &f.cnt;
  nm_kv_t kv;
  model_t m;
  memset(&m, 0, sizeof m);
  uint64_t seed = tu_seed("t_store_kv wear");
  assert_int_equal(nm_kv_mount(&kv, port, 2, n_pages), NM_OK);
  uint32_t ver = 1;
  uint32_t last_active = kv.active, moves = 0;
  for (uint32_t i = 0; i < puts; i++) {
    uint32_t pick = tu_range(&seed, 0, 9);
    if (pick < 5) {
      put_ver(&kv, &m, K_COUNTERS, ver++, 16);
    } else if (pick < 8) {
      put_ver(&kv, &m, K_SETTINGS, ver++, tu_range(&seed, 760, 840));
    } else if (pick < 9) {
      put_ver(&kv, &m, K_IDENTITY, ver++, 200);
    } else {
      put_ver(&kv, &m, K_REMOTES, ver++, tu_range(&seed, 0, 200));
    }
    if (kv.active != last_active) {
      /* Compaction always moves to the next page in rotation. */
      assert_int_equal(kv.active, (last_active + 1) % n_pages);
      last_active = kv.active;
      moves++;
    }
    if (i % 997 == 0) {
      nm_kv_t kv2;
      assert_int_equal(nm_kv_mount(&kv2, port, 2, n_pages), NM_OK);
      check_model(&kv2, &m);
      kv = kv2;
    }
  }
  check_model(&kv, &m);
  uint64_t lo = UINT64_MAX, hi = 0;
  printf("kv wear (%u pages, %u puts, %u compactions): erases per page:", n_pages, puts,
         moves);
  for (uint32_t p = 0; p < n_pages; p++) {
    uint64_t e = cnt->page_erases[2 + p];
    uint32_t stored;
    assert_int_equal(nm_kv_erase_count(&kv, p, &stored), NM_OK);
    assert_int_equal(stored, e);
    printf(" %llu", (unsigned long long)e);
    lo = e < lo ? e : lo;
    hi = e > hi ? e : hi;
  }
  printf("\n");
  assert_true(hi - lo <= 1);
  assert_true(lo >= moves / n_pages);
  /* Pages outside the region were never erased. */
  assert_int_equal(cnt->page_erases[0] + cnt->page_erases[1], 0);
  assert_int_equal(cnt->page_erases[2 + n_pages], 0);
  st_flash_free(&f);
}

static void test_wear_4(void **state) {
  (void)state;
  run_wear(4, 20000);
}

static void test_wear_2(void **state) {
  (void)state;
  run_wear(2, 5000);
}

/* Damage after mount: get() rechecks the CRC on every read and zeroes the buffer. */
static void test_corruption_after_mount(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t kv;
  model_t m;
  memset(&m, 0, sizeof m);
  assert_int_equal(nm_kv_mount(&kv, st_port(&f), 0, 2), NM_OK);
  put_ver(&kv, &m, K_SETTINGS, 1, 800);
  put_ver(&kv, &m, K_IDENTITY, 1, 200);
  uint32_t off = kv.idx[0].off; /* the settings record */
  f.mem[kv.active * PS + off + NM_KV_REC_HDR_LEN + 400] ^= 0x10;
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len;
  memset(buf, 0xAA, sizeof buf);
  assert_int_equal(nm_kv_get(&kv, K_SETTINGS, buf, sizeof buf, &len), NM_ECORRUPT);
  for (size_t i = 0; i < 800; i++) {
    assert_int_equal(buf[i], 0);
  }
  /* A header bit: detected too. */
  f.mem[kv.active * PS + off + NM_KV_REC_HDR_LEN + 400] ^= 0x10;
  f.mem[kv.active * PS + off + 9] ^= 0x01; /* sequence number */
  assert_int_equal(nm_kv_get(&kv, K_SETTINGS, buf, sizeof buf, &len), NM_ECORRUPT);
  /* Compaction drops the damaged record instead of copying it as valid. */
  for (uint32_t v = 2; v < 40; v++) {
    put_ver(&kv, &m, K_IDENTITY, v, 200);
  }
  m.ver[K_SETTINGS] = 0;
  check_model(&kv, &m);
  nm_kv_t kv2;
  assert_int_equal(nm_kv_mount(&kv2, st_port(&f), 0, 2), NM_OK);
  check_model(&kv2, &m);
  st_flash_free(&f);
}

/* Two stores and a log share one flash, each in its own region. */
static void test_regions(void **state) {
  (void)state;
  st_flash_t f;
  st_flash_init(&f, PS, NPAGES);
  nm_kv_t a, b;
  nm_log_t log;
  model_t ma, mb;
  memset(&ma, 0, sizeof ma);
  memset(&mb, 0, sizeof mb);
  assert_int_equal(nm_kv_mount(&a, st_port(&f), 0, 2), NM_OK);
  assert_int_equal(nm_kv_mount(&b, st_port(&f), 2, 3), NM_OK);
  assert_int_equal(nm_log_mount(&log, st_port(&f), 5, 3), NM_OK);
  for (uint32_t v = 1; v < 300; v++) {
    put_ver(&a, &ma, (uint16_t)(v % 5), v, v % 300);
    put_ver(&b, &mb, (uint16_t)(v % 7), v, (v * 7) % 500);
    uint8_t ev[4] = {(uint8_t)v};
    assert_int_equal(nm_log_append(&log, ev, sizeof ev, NULL), NM_OK);
  }
  assert_int_equal(nm_kv_mount(&a, st_port(&f), 0, 2), NM_OK);
  assert_int_equal(nm_kv_mount(&b, st_port(&f), 2, 3), NM_OK);
  check_model(&a, &ma);
  check_model(&b, &mb);
  for (size_t i = 8u * PS; i < f.size; i++) {
    assert_int_equal(f.mem[i], 0xFF);
  }
  st_flash_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_args),
      cmocka_unit_test(test_roundtrip_sizes),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_wear_4),
      cmocka_unit_test(test_wear_2),
      cmocka_unit_test(test_corruption_after_mount),
      cmocka_unit_test(test_regions),
  };
  return cmocka_run_group_tests_name("store_kv", tests, NULL, NULL);
}
