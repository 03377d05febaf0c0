/* kv_damage.c (t_store_kv_damage): damaged flash under the key-value store, case by case
 * at the boundary between a power cut and damage, and at random. What is checked:
 * - mount never writes, and never formats a region that is not verifiably empty;
 * - a power-cut shape (a torn tail, a cut compaction) is not damage, everything else is;
 * - every value that damage made older or missing is flagged in the report (by key when
 *   the damaged record's key is readable, else keys_unknown): never a silent rollback;
 * - the report stays in the handle until the next mount, and the next put compacts the
 *   damaged page away (not the mount).
 * The on-flash layout used to place the damage is in docs/STORAGE.md. */
#include "store_test.h"

#define PS 4096u
#define NPAGES 8u
#define FIRST 1u
#define REGION 4u

enum { K_SETTINGS = 1, K_IDENTITY = 2, K_REMOTES = 3, K_COUNTERS = 4 };

/* Byte offsets inside a record (docs/STORAGE.md). */
enum { R_LEN = 4, R_SEQ = 8, R_COMMIT = 20, R_VALUE = 24 };
#define COPY_OFF (PS - 16u)   /* the page header's copy */
#define RETIRE_OFF (PS - 20u) /* the retire mark */

static void put_v(nm_kv_t *kv, uint16_t key, uint32_t ver, size_t len) {
  uint8_t buf[NM_KV_VALUE_MAX];
  st_fill(buf, key, ver, len);
  assert_int_equal(nm_kv_put(kv, key, buf, len), NM_OK);
}

/* 1 when key reads as exactly version ver (of len bytes), 0 for NM_ENOENT. */
static int is_v(nm_kv_t *kv, uint16_t key, uint32_t ver, size_t want) {
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len = 0;
  int r = nm_kv_get(kv, key, buf, sizeof buf, &len);
  if (r == NM_ENOENT) {
    return 0;
  }
  assert_int_equal(r, NM_OK);
  return st_is(buf, len, key, ver, want);
}

/* Address in the flash of byte `off` of the latest record of `key` on the active page. */
static size_t rec_at(const nm_kv_t *kv, uint16_t key, uint32_t off) {
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if (kv->idx[i].key == key) {
      return (size_t)(FIRST + kv->active) * PS + kv->idx[i].off + off;
    }
  }
  fail_msg("key %u not in the index", key);
  return 0;
}

static size_t page_at(uint32_t page, uint32_t off) { return (size_t)(FIRST + page) * PS + off; }

static nm_kv_health_t health(const nm_kv_t *kv) {
  nm_kv_health_t h;
  nm_kv_health(kv, &h);
  return h;
}

/* Four keys, then key 1 and key 2 updated: records k1v1 k2v1 k3v1 k4v1 k1v2 k2v2. */
static void six_records(st_flash_t *f, nm_kv_t *kv) {
  st_flash_init(f, PS, NPAGES);
  assert_int_equal(st_kv_mount_ro(kv, f, FIRST, REGION), NM_OK);
  for (uint16_t k = 1; k <= 4; k++) {
    put_v(kv, k, 1, 100u * k);
  }
  put_v(kv, 1, 2, 100);
  put_v(kv, 2, 2, 200);
}

/* A record in the middle of the active page with a damaged value: its key is known, the
 * key falls back to its older value and the report names it. Mount writes nothing; the
 * next put compacts; the report survives that put; a new mount is clean again. */
static void test_bad_record_middle(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  six_records(&f, &kv);
  f.mem[rec_at(&kv, 1, R_VALUE + 50)] ^= 0x04; /* k1v2, followed by k2v2 */
  const uint32_t gen = kv.gen;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  assert_true(is_v(&kv, 1, 1, 100)); /* the older value */
  assert_true(is_v(&kv, 2, 2, 200));
  assert_true(is_v(&kv, 3, 1, 300));
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.empty, 0);
  assert_int_equal(h.torn_tail, 0);
  assert_int_equal(h.damaged, 1);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.rolled_back, 1);
  assert_int_equal(h.keys_unknown, 0);
  assert_int_equal(h.bad_records, 1);
  assert_int_equal(h.n_keys, 1);
  assert_int_equal(h.keys[0], 1);
  assert_true(nm_kv_key_lost(&h, 1));
  assert_false(nm_kv_key_lost(&h, 2));
  /* The evidence stays until a put: that put compacts first. */
  put_v(&kv, 4, 2, 40);
  assert_int_equal(kv.gen, gen + 1u);
  h = health(&kv);
  assert_int_equal(h.bad_records, 1); /* still reported to whoever reads it now */
  assert_true(nm_kv_key_lost(&h, 1));
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  st_kv_no_damage(&kv);
  assert_true(is_v(&kv, 1, 1, 100));
  assert_true(is_v(&kv, 4, 2, 40));
  st_flash_free(&f);
}

/* The boundaries of "a bad record": the last record of the page (committed, then
 * damaged) is damage, not a torn tail; a damaged record that a later record of its key
 * supersedes is damage without loss; the only record of a key damaged: the key is gone
 * (NM_ENOENT) and named, but nothing older is in effect. */
static void test_bad_record_boundaries(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  six_records(&f, &kv);
  uint8_t *snap = st_snapshot(&f);

  f.mem[rec_at(&kv, 2, R_VALUE)] ^= 0x80; /* k2v2: the last record */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.torn_tail, 0);
  assert_int_equal(h.bad_records, 1);
  assert_true(nm_kv_key_lost(&h, 2));
  assert_int_equal(h.rolled_back, 1);
  assert_true(is_v(&kv, 2, 1, 200));

  st_restore(&f, snap);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  size_t k1v1 = page_at(kv.active, NM_KV_PAGE_HDR_LEN + R_VALUE + 3u); /* the first record */
  f.mem[k1v1] ^= 0x01;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.damaged, 1);
  assert_int_equal(h.bad_records, 1);
  assert_int_equal(h.lost, 0); /* k1v2 supersedes it */
  assert_int_equal(h.n_keys, 0);
  assert_true(is_v(&kv, 1, 2, 100));

  st_restore(&f, snap);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  f.mem[rec_at(&kv, 4, R_VALUE + 399u)] ^= 0x10; /* k4v1, the only record of key 4 */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.rolled_back, 0); /* missing, not older */
  assert_true(nm_kv_key_lost(&h, 4));
  assert_int_equal(is_v(&kv, 4, 1, 400), 0);
  free(snap);
  st_flash_free(&f);
}

/* A record whose header is damaged but whose extent is known (len and ~len agree): its
 * key cannot be trusted, so the report says keys_unknown; the records after it are still
 * read. */
static void test_bad_header_known_extent(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  six_records(&f, &kv);
  f.mem[rec_at(&kv, 1, R_SEQ + 1u)] ^= 0x02; /* k1v2's sequence number */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.bad_records, 1);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.keys_unknown, 1);
  assert_int_equal(h.n_keys, 0);
  assert_true(nm_kv_key_lost(&h, 1));
  assert_true(nm_kv_key_lost(&h, 3)); /* any key may be the damaged one */
  assert_true(is_v(&kv, 1, 1, 100));
  assert_true(is_v(&kv, 2, 2, 200)); /* after it: still read */
  st_flash_free(&f);
}

/* A header of unknown extent (len and ~len disagree). Followed by programmed bytes it is
 * damage, and the records after it are out of reach (keys_unknown). At the write
 * position with erased flash after its first 20 bytes it is what a cut header program
 * leaves: a torn tail, not damage. */
static void test_unknown_extent(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  six_records(&f, &kv);
  uint8_t *snap = st_snapshot(&f);
  f.mem[rec_at(&kv, 1, R_LEN)] ^= 0x01; /* k1v2's length */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.torn_tail, 0);
  assert_int_equal(h.bad_records, 1);
  assert_int_equal(h.keys_unknown, 1);
  assert_true(is_v(&kv, 1, 1, 100));
  assert_true(is_v(&kv, 2, 1, 200)); /* k2v2 lies beyond: the older value, reported */
  put_v(&kv, 3, 2, 30);              /* compacts first: never next to unknown bytes */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  st_kv_no_damage(&kv);
  assert_true(is_v(&kv, 3, 2, 30));

  /* The same shape at the tail, from a real cut of the header program. */
  for (uint32_t seed = 1; seed <= 20u; seed++) {
    st_restore(&f, snap);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    f.hw.nvm.seed = seed; /* where the cut tears the header */
    st_cut_after(&f, 0, ST_TORN);
    uint8_t buf[64] = {0};
    assert_int_not_equal(nm_kv_put(&kv, 3, buf, sizeof buf), NM_OK);
    st_power_on(&f);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    st_kv_no_damage(&kv);
    h = health(&kv);
    assert_int_equal(h.torn_tail, f.mem[(size_t)(FIRST + kv.active) * PS + kv.wr_off] != 0xFF);
    assert_true(is_v(&kv, 2, 2, 200));
  }

  /* Stray bits in the erased space after the last record: where a header would start
   * they look like a torn header (nothing is lost either way); where only its commit
   * word would be, they are stray bits: damage, nothing lost. */
  st_restore(&f, snap);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  size_t end = (size_t)(FIRST + kv.active) * PS + kv.wr_off;
  f.mem[end + R_COMMIT + 1u] = 0xEF;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.stray, 1);
  assert_int_equal(h.damaged, 1);
  assert_int_equal(h.lost, 0);
  assert_int_equal(h.torn_tail, 0);
  f.mem[end + R_COMMIT + 1u] = 0xFF;
  f.mem[end + 900u] = 0x7F;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.stray, 1);
  assert_int_equal(h.lost, 0);
  assert_true(is_v(&kv, 2, 2, 200));
  free(snap);
  st_flash_free(&f);
}

/* Identity, remotes, counters, then settings updates until the store has compacted
 * twice (the newest page, generation 3, was made by a settings put and holds nothing
 * newer than that settings record); then `appends` counters puts on the newest page. */
static void compacted(st_flash_t *f, nm_kv_t *kv, uint32_t appends) {
  st_flash_init(f, PS, NPAGES);
  assert_int_equal(st_kv_mount_ro(kv, f, FIRST, REGION), NM_OK);
  uint32_t v = 1;
  put_v(kv, K_IDENTITY, v, 200);
  put_v(kv, K_REMOTES, v, 196);
  put_v(kv, K_COUNTERS, v, 16);
  while (kv->gen < 3u) {
    put_v(kv, K_SETTINGS, ++v, 800);
  }
  for (uint32_t i = 0; i < appends; i++) {
    put_v(kv, K_COUNTERS, 100u + i, 16);
  }
}

/* A damaged header on the newest page. One copy damaged: the other vouches, nothing is
 * lost (reported as a bad header; the next put moves to a fresh page). Both damaged:
 * the older page is active again, the retire mark on it proves a newer page existed,
 * and the report names the keys written on the newer page. */
static void test_newest_header_damaged(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  compacted(&f, &kv, 2);
  const uint32_t newest = kv.active, gen = kv.gen;
  uint8_t *snap = st_snapshot(&f);

  f.mem[page_at(newest, 5)] ^= 0x10; /* the header's generation */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  assert_int_equal(kv.active, newest);
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.bad_headers, 1);
  assert_int_equal(h.lost, 0);
  assert_int_equal(h.rolled_back, 0);
  assert_true(is_v(&kv, K_COUNTERS, 101, 16));
  put_v(&kv, K_REMOTES, 50, 196); /* compacts: two good copies again */
  assert_int_equal(kv.gen, gen + 1u);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.bad_headers, 1); /* still on the retired page, until it is reused */
  assert_int_equal(h.lost, 0);
  assert_true(is_v(&kv, K_REMOTES, 50, 196));

  /* Both copies of the newest page's header damaged. */
  st_restore(&f, snap);
  f.mem[page_at(newest, 5)] ^= 0x10;
  f.mem[page_at(newest, COPY_OFF + 9u)] ^= 0x01;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  assert_int_not_equal(kv.active, newest);
  h = health(&kv);
  assert_int_equal(h.rolled_back, 1);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.keys_unknown, 0); /* the newer page reads cleanly */
  assert_true(nm_kv_key_lost(&h, K_SETTINGS));
  assert_true(nm_kv_key_lost(&h, K_COUNTERS));
  assert_false(nm_kv_key_lost(&h, K_IDENTITY));
  assert_false(nm_kv_key_lost(&h, K_REMOTES));
  assert_false(is_v(&kv, K_COUNTERS, 101, 16)); /* older: as the report says */
  assert_true(is_v(&kv, K_IDENTITY, 1, 200));

  /* The newest page is garbage as a whole: the retire mark still tells. */
  st_restore(&f, snap);
  uint64_t seed = tu_seed("t_store_kv_damage garbage");
  for (uint32_t i = 0; i < PS; i++) {
    f.mem[page_at(newest, i)] = (uint8_t)tu_rand(&seed);
  }
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.rolled_back, 1);
  assert_int_equal(h.keys_unknown, 1);
  assert_true(nm_kv_key_lost(&h, K_IDENTITY));
  free(snap);
  st_flash_free(&f);
}

/* The window where no retire mark was set yet (a cut after the new page's header, before
 * the old page's mark), then the newest page's header damaged: a headerless page after
 * the active one is a cut compaction (a power cut) unless it proves it was committed:
 * a record beyond the compaction's own (appends), a programmed copy, or a header no cut
 * leaves. The one case it cannot tell is the documented limit: no append since, the copy
 * still erased (a second cut, before the copy), and a header damaged only in bits a cut
 * could have left erased. */
static void test_rollback_without_mark(void **state) {
  (void)state;
  for (uint32_t appends = 0; appends <= 1u; appends++) {
    st_flash_t f;
    nm_kv_t kv;
    compacted(&f, &kv, appends);
    const uint32_t newest = kv.active;
    const uint32_t older = (newest + REGION - 1u) % REGION;
    memset(f.mem + page_at(older, RETIRE_OFF), 0xFF, 4); /* as if the mark was never set */
    uint8_t *snap = st_snapshot(&f);
    uint8_t h1[16];
    memcpy(h1, f.mem + page_at(newest, 0), sizeof h1);
    /* A bit set in the header that a cut could never clear... or only clear it. */
    uint32_t set_bit = 0, clear_bit = 0;
    while (!(h1[set_bit / 8u] & (1u << (set_bit % 8u)))) {
      set_bit++;
    }
    while (h1[clear_bit / 8u] & (1u << (clear_bit % 8u))) {
      clear_bit++;
    }

    /* Header: a 1 bit cleared (no cut does that); copy damaged too. */
    f.mem[page_at(newest, set_bit / 8u)] ^= (uint8_t)(1u << (set_bit % 8u));
    f.mem[page_at(newest, COPY_OFF + 2u)] ^= 0x40;
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    nm_kv_health_t h = health(&kv);
    assert_int_equal(h.rolled_back, 1);
    assert_true(nm_kv_key_lost(&h, K_SETTINGS));

    /* Header: a 0 bit set (what a cut leaves too), copy erased (as after a second cut). */
    st_restore(&f, snap);
    f.mem[page_at(newest, clear_bit / 8u)] ^= (uint8_t)(1u << (clear_bit % 8u));
    memset(f.mem + page_at(newest, COPY_OFF), 0xFF, 16);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    h = health(&kv);
    if (appends > 0u) {
      assert_int_equal(h.rolled_back, 1); /* the append proves the commit */
      assert_true(nm_kv_key_lost(&h, K_COUNTERS));
    } else {
      /* The limit: reads as a compaction cut before its header, the older value. */
      assert_int_equal(h.rolled_back, 0);
      assert_int_equal(h.damaged, 0);
    }

    /* Header: a 1 bit cleared, copy erased: no cut leaves that header. */
    st_restore(&f, snap);
    f.mem[page_at(newest, set_bit / 8u)] ^= (uint8_t)(1u << (set_bit % 8u));
    memset(f.mem + page_at(newest, COPY_OFF), 0xFF, 16);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    h = health(&kv);
    assert_int_equal(h.rolled_back, 1);

    /* A real cut at each step of a compaction before its header: never damage. */
    free(snap);
    st_flash_free(&f);
  }
}

/* Never format over damage: a store whose only page lost both header copies is refused
 * (NM_ECORRUPT, nothing written, every key may be lost), as is a blank region with one
 * programmed bit. Verifiably empty: blank; a cut format header; a formatted page with
 * only a torn first record. A completed first record, then damaged, is not empty. */
static void test_never_format_over_damage(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  st_flash_init(&f, PS, NPAGES);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  assert_int_equal(health(&kv).empty, 1);
  put_v(&kv, K_IDENTITY, 1, 200);
  put_v(&kv, K_SETTINGS, 1, 800);
  assert_int_equal(kv.active, 0);
  uint8_t *snap = st_snapshot(&f);

  f.mem[page_at(0, 0)] ^= 0x01;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK); /* the copy vouches */
  assert_int_equal(health(&kv).bad_headers, 1);
  f.mem[page_at(0, COPY_OFF)] ^= 0x01;
  uint8_t *damaged = st_snapshot(&f);
  st_count_zero(&f.cnt);
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_ECORRUPT);
  nm_kv_health_t h = health(&kv);
  assert_int_equal(h.empty, 0);
  assert_int_equal(h.lost, 1);
  assert_int_equal(h.keys_unknown, 1);
  assert_true(nm_kv_key_lost(&h, K_IDENTITY));
  uint8_t buf[200];
  size_t len;
  assert_int_equal(nm_kv_get(&kv, K_IDENTITY, buf, sizeof buf, &len), NM_ECORRUPT);
  assert_int_equal(nm_kv_put(&kv, K_IDENTITY, buf, sizeof buf), NM_ECORRUPT);
  assert_int_equal(st_writes(&f), 0);
  assert_memory_equal(f.mem, damaged, f.size);
  free(damaged);

  /* A blank region with one programmed bit, in the last page. */
  memset(f.mem, 0xFF, f.size);
  f.mem[page_at(REGION - 1u, 2000)] = 0xFD;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_ECORRUPT);
  assert_int_equal(health(&kv).stray, 1);

  /* A cut program of the format's header on page 0 (any prefix, a few bits of the next
   * byte): empty. */
  for (uint32_t n = 0; n < 16u; n++) {
    memset(f.mem, 0xFF, f.size);
    memcpy(f.mem + page_at(0, 0), snap + page_at(0, 0), n);
    f.mem[page_at(0, n)] = (uint8_t)(snap[page_at(0, n)] | 0xF0);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    assert_int_equal(health(&kv).empty, 1);
    st_kv_no_damage(&kv);
  }
  /* The same with a bit cleared that the format's header has set: not a cut. */
  memset(f.mem, 0xFF, f.size);
  f.mem[page_at(0, 0)] = (uint8_t)(snap[page_at(0, 0)] & 0xFEu); /* "n" = 0x6E: bit 0 is 0 */
  f.mem[page_at(0, 1)] = (uint8_t)(snap[page_at(0, 1)] & 0xFEu); /* "m" = 0x6D: bit 0 is 1 */
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_ECORRUPT);

  /* Formatted, first record torn at each byte of its header: empty. */
  for (uint32_t n = 1; n < 20u; n++) {
    memset(f.mem, 0xFF, f.size);
    memcpy(f.mem + page_at(0, 0), snap + page_at(0, 0), 16);
    memcpy(f.mem + page_at(0, COPY_OFF), snap + page_at(0, COPY_OFF), 16);
    memcpy(f.mem + page_at(0, 16), snap + page_at(0, 16), n);
    assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
    h = health(&kv);
    assert_int_equal(h.empty, 1);
    assert_int_equal(h.torn_tail, 1);
    st_kv_no_damage(&kv);
  }
  /* The first record complete (committed), then its value damaged: not empty. */
  st_restore(&f, snap);
  f.mem[page_at(0, 16 + R_VALUE + 10u)] ^= 0x08;
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  h = health(&kv);
  assert_int_equal(h.empty, 0);
  assert_true(nm_kv_key_lost(&h, K_IDENTITY));
  assert_int_equal(is_v(&kv, K_IDENTITY, 1, 200), 0);
  free(snap);
  st_flash_free(&f);
}

/* Damage that appears after mount: get and the compaction find it and add the key to the
 * report. A failed write makes the handle re-read the flash: the report keeps what it
 * had and adds what the re-read finds. */
static void test_damage_after_mount(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  six_records(&f, &kv);
  f.mem[rec_at(&kv, 3, R_VALUE + 7u)] ^= 0x01; /* k3v1 */
  uint8_t buf[NM_KV_VALUE_MAX];
  size_t len;
  assert_int_equal(nm_kv_get(&kv, 3, buf, sizeof buf, &len), NM_ECORRUPT);
  nm_kv_health_t h = health(&kv);
  assert_true(nm_kv_key_lost(&h, 3));
  assert_int_equal(h.bad_records, 1);
  f.mem[rec_at(&kv, 4, R_VALUE + 8u)] ^= 0x01; /* k4v1 */
  /* Fill the page so the next put compacts: the copy of key 4 fails its check. */
  while (kv.wr_off + 24u + 600u <= PS - 20u) {
    put_v(&kv, 1, 7, 600);
  }
  put_v(&kv, 2, 9, 600);
  h = health(&kv);
  assert_true(nm_kv_key_lost(&h, 3));
  assert_true(nm_kv_key_lost(&h, 4));
  assert_int_equal(is_v(&kv, 4, 1, 400), 0);
  /* A cut put: the re-read (a dropped copy is in the page) keeps the report. */
  st_cut_after(&f, 0, ST_CLEAN);
  assert_int_not_equal(nm_kv_put(&kv, 1, buf, 10), NM_OK);
  st_power_on(&f);
  assert_true(is_v(&kv, 2, 9, 600));
  h = health(&kv);
  assert_true(nm_kv_key_lost(&h, 3));
  assert_true(nm_kv_key_lost(&h, 4));
  st_flash_free(&f);
}

/* Random damage: 1..4 bit flips anywhere in a used region (headers, records, blank
 * space, trailers, older pages), or a whole page of garbage. Mount never writes and
 * never reports an empty region; a key that reads older than its latest value, or not
 * at all, is always flagged in the report (never a silent rollback); a refused region
 * says every key may be lost; the store goes on working; nothing crashes (ASan, UBSan). */
static void test_random_damage(void **state) {
  (void)state;
  st_flash_t f;
  nm_kv_t kv;
  st_flash_init(&f, PS, NPAGES);
  uint64_t seed = tu_seed("t_store_kv_damage random");
  assert_int_equal(st_kv_mount_ro(&kv, &f, FIRST, REGION), NM_OK);
  uint32_t latest[6] = {0};
  size_t lens[6] = {0, 800, 200, 196, 16, 60};
  uint32_t v = 0;
  for (int i = 0; i < 30; i++) {
    for (uint16_t k = 1; k <= 5; k++) {
      if (k != 2 || i % 10 == 0) {
        put_v(&kv, k, ++v, lens[k]);
        latest[k] = v;
      }
    }
  }
  /* Some appends on the active page after its compaction. */
  const uint32_t used = kv.wr_off;
  uint8_t *base = st_snapshot(&f);
  uint32_t n_ok = 0, n_flagged = 0, n_refused = 0, n_clean = 0, n_harmless = 0;
  const int trials = 4000;
  for (int trial = 0; trial < trials; trial++) {
    st_restore(&f, base);
    if (trial % 40 == 39) {
      uint32_t p = tu_range(&seed, 0, REGION - 1u);
      for (uint32_t i = 0; i < PS; i++) {
        f.mem[page_at(p, i)] = (uint8_t)tu_rand(&seed);
      }
    } else {
      uint32_t flips = tu_range(&seed, 1, 4);
      for (uint32_t i = 0; i < flips; i++) {
        uint32_t pick = tu_range(&seed, 0, 9);
        uint32_t p = pick < 6 ? kv.active : tu_range(&seed, 0, REGION - 1u);
        uint32_t at = pick < 2   ? tu_range(&seed, 0, 15)                 /* header */
                      : pick < 3 ? tu_range(&seed, PS - 20u, PS - 1u)     /* trailer */
                      : pick < 6 ? tu_range(&seed, 16, used + 64u)        /* records */
                                 : tu_range(&seed, 0, PS - 1u);
        f.mem[page_at(p, at)] ^= (uint8_t)(1u << tu_range(&seed, 0, 7));
      }
    }
    st_count_zero(&f.cnt);
    nm_kv_t d;
    int r = st_kv_mount_ro(&d, &f, FIRST, REGION);
    nm_kv_health_t h = health(&d);
    assert_int_equal(h.empty, 0);
    if (r == NM_ECORRUPT) {
      assert_int_equal(h.lost, 1);
      assert_int_equal(h.keys_unknown, 1);
      n_refused++;
      continue;
    }
    assert_int_equal(r, NM_OK);
    int all_latest = 1, flagged = 0;
    for (uint16_t k = 1; k <= 5; k++) {
      uint8_t buf[NM_KV_VALUE_MAX];
      size_t len = 0;
      r = nm_kv_get(&d, k, buf, sizeof buf, &len);
      int latest_now = r == NM_OK && st_is(buf, len, k, latest[k], lens[k]);
      if (r == NM_OK && !latest_now) {
        uint32_t w = 1;
        while (w < latest[k] && !st_is(buf, len, k, w, lens[k])) {
          w++;
        }
        assert_true(w < latest[k]); /* exactly an older version once written */
      } else if (r != NM_OK) {
        assert_true(r == NM_ENOENT || r == NM_ECORRUPT);
      }
      if (!latest_now) {
        all_latest = 0;
        if (!nm_kv_key_lost(&h, k)) {
          fail_msg("trial %d: key %u is not its latest value (get %d) and the report does "
                   "not say so",
                   trial, k, r);
        }
        flagged = 1;
      }
    }
    if (flagged) {
      assert_int_equal(h.lost, 1);
      assert_int_equal(h.damaged, 1);
      n_flagged++;
    } else if (all_latest && !h.damaged) {
      n_clean++;
    } else {
      n_harmless++; /* damage found, nothing lost (or only reported as possibly lost) */
    }
    n_ok++;
    /* Still usable, and the put leaves a store that reads back. */
    put_v(&d, 5, 99999, 60);
    assert_true(is_v(&d, 5, 99999, 60));
    nm_kv_t e;
    assert_int_equal(st_kv_mount_ro(&e, &f, FIRST, REGION), NM_OK);
    assert_true(is_v(&e, 5, 99999, 60));
  }
  printf("kv random damage, %d trials: %u mounted (%u lost values, all flagged; %u damage "
         "without loss; %u no damage found), %u refused (NM_ECORRUPT), none formatted\n",
         trials, n_ok, n_flagged, n_harmless, n_clean, n_refused);
  assert_true(n_flagged > 100);
  assert_true(n_harmless > 100);
  free(base);
  st_flash_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_record_middle),
      cmocka_unit_test(test_bad_record_boundaries),
      cmocka_unit_test(test_bad_header_known_extent),
      cmocka_unit_test(test_unknown_extent),
      cmocka_unit_test(test_newest_header_damaged),
      cmocka_unit_test(test_rollback_without_mark),
      cmocka_unit_test(test_never_format_over_damage),
      cmocka_unit_test(test_damage_after_mount),
      cmocka_unit_test(test_random_damage),
  };
  return cmocka_run_group_tests_name("store_kv_damage", tests, NULL, NULL);
}
