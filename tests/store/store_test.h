/* store_test.h: fixtures shared by the store tests: simulated NOR flash (ports/sim) with
 * snapshots, a counting port that wraps it (operations, bytes and erases per page), and
 * deterministic test values. Header-only; each test binary is one .c file plus this. */
#ifndef NMOD_STORE_TEST_H
#define NMOD_STORE_TEST_H

#include "testutil.h"

#include "nmod/store.h"
#include "sim.h"

#define ST_MAX_PAGES 64u

/* ---- a port that counts what reaches the flash ---------------------------------- */

/* It can also cut power cleanly: with stop_after = k the (k+1)-th program or erase is
 * refused before it touches the flash (the state of "op k done, power gone before op
 * k+1"), and every later call fails until power comes back. The simulated flash's own
 * cut tears the operation instead; the power-loss tests use both. */
typedef struct {
  nm_port_t port;          /* hand this one to the store */
  const nm_port_t *inner;  /* the simulated flash */
  uint64_t reads, read_bytes, progs, prog_bytes, erases;
  uint64_t page_erases[ST_MAX_PAGES]; /* erase attempts per NVM page (torn ones too) */
  int64_t stop_after;      /* -1: never */
  uint8_t stopped;
} st_count_t;

/* 1 when this write is refused by a clean cut. */
static inline int st_count_cut(st_count_t *c) {
  if (c->stopped) {
    return 1;
  }
  if (c->stop_after == 0) {
    c->stopped = 1;
    c->stop_after = -1;
    return 1;
  }
  if (c->stop_after > 0) {
    c->stop_after--;
  }
  return 0;
}

static inline int st_count_read(void *ctx, uint32_t addr, void *buf, size_t len) {
  st_count_t *c = ctx;
  if (c->stopped) {
    return NM_EIO;
  }
  c->reads++;
  c->read_bytes += len;
  return c->inner->nvm_read(c->inner->ctx, addr, buf, len);
}

static inline int st_count_prog(void *ctx, uint32_t addr, const void *buf, size_t len) {
  st_count_t *c = ctx;
  if (st_count_cut(c)) {
    return NM_EIO;
  }
  c->progs++;
  c->prog_bytes += len;
  return c->inner->nvm_prog(c->inner->ctx, addr, buf, len);
}

static inline int st_count_erase(void *ctx, uint32_t page) {
  st_count_t *c = ctx;
  if (st_count_cut(c)) {
    return NM_EIO;
  }
  c->erases++;
  if (page < ST_MAX_PAGES) {
    c->page_erases[page]++;
  }
  return c->inner->nvm_erase(c->inner->ctx, page);
}

static inline const nm_port_t *st_count_init(st_count_t *c, const nm_port_t *inner) {
  memset(c, 0, sizeof *c);
  c->inner = inner;
  c->port = *inner;
  c->port.ctx = c;
  c->port.nvm_read = st_count_read;
  c->port.nvm_prog = st_count_prog;
  c->port.nvm_erase = st_count_erase;
  c->stop_after = -1;
  return &c->port;
}

static inline void st_count_zero(st_count_t *c) {
  c->reads = c->read_bytes = c->progs = c->prog_bytes = c->erases = 0;
}

/* Simulated hardware with flash of `pages` pages of `page_size` bytes, reached through
 * a counting port. */
typedef struct {
  sim_hw_t hw;
  st_count_t cnt;
  uint8_t *mem;
  size_t size;
} st_flash_t;

static inline void st_flash_init(st_flash_t *f, uint32_t page_size, uint32_t pages) {
  nm_lead_t lead = *nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  f->size = (size_t)page_size * pages;
  f->mem = malloc(f->size);
  assert_non_null(f->mem);
  sim_init(&f->hw, &lead, 525, 12000, f->mem, page_size, pages);
  st_count_init(&f->cnt, sim_port(&f->hw));
}

static inline void st_flash_free(st_flash_t *f) {
  free(f->mem);
  f->mem = NULL;
}

/* The port to hand to the stores: the counting wrapper around the simulated flash. */
static inline const nm_port_t *st_port(st_flash_t *f) { return &f->cnt.port; }

/* A copy of the flash contents, to replay one starting state many times. */
static inline uint8_t *st_snapshot(const st_flash_t *f) {
  uint8_t *s = malloc(f->size);
  assert_non_null(s);
  memcpy(s, f->mem, f->size);
  return s;
}

static inline void st_power_on(st_flash_t *f) {
  sim_nvm_power_restore(&f->hw);
  f->cnt.stopped = 0;
  f->cnt.stop_after = -1;
}

static inline void st_restore(st_flash_t *f, const uint8_t *snap) {
  memcpy(f->mem, snap, f->size);
  st_power_on(f);
}

/* Arms a power cut at the (k+1)-th program or erase from now: torn by the simulated
 * flash (a partial write or erase), or clean (refused before it starts). */
enum { ST_TORN = 0, ST_CLEAN = 1 };
static inline void st_cut_after(st_flash_t *f, int64_t k, int mode) {
  if (mode == ST_CLEAN) {
    f->cnt.stop_after = k;
  } else {
    sim_nvm_cut_after(&f->hw, k);
  }
}
static inline int st_was_cut(const st_flash_t *f) {
  return f->hw.nvm.cut != 0 || f->cnt.stopped != 0;
}

/* Serial-number order of 32-bit sequence numbers: 1 when a comes before b. */
static inline int st_before(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* ---- health reports --------------------------------------------------------------- */

/* Flash writes (programs and erases) that reached the port so far. */
static inline uint64_t st_writes(const st_flash_t *f) { return f->cnt.progs + f->cnt.erases; }

/* The store's report shows no damage at all (power cuts only: a torn tail is fine). */
static inline void st_kv_no_damage(const nm_kv_t *kv) {
  nm_kv_health_t h;
  nm_kv_health(kv, &h);
  assert_int_equal(h.damaged, 0);
  assert_int_equal(h.lost, 0);
  assert_int_equal(h.rolled_back, 0);
  assert_int_equal(h.keys_unknown, 0);
  assert_int_equal(h.stray, 0);
  assert_int_equal(h.n_keys, 0);
  assert_int_equal(h.bad_records, 0);
  assert_int_equal(h.bad_headers, 0);
}

/* The log's report, after a full check of the window, shows no damage. */
static inline void st_log_no_damage(nm_log_t *log) {
  nm_log_health_t h;
  assert_int_equal(nm_log_check(log), NM_OK);
  nm_log_health(log, &h);
  assert_int_equal(h.checked, 1);
  assert_int_equal(h.lost, 0);
  assert_int_equal(h.bad_headers, 0);
  assert_int_equal(h.bad_records, 0);
}

/* Fills the whole flash with random bytes (seed printed for `test`); returns a snapshot. */
static inline uint8_t *st_garbage(st_flash_t *f, const char *test) {
  uint64_t seed = tu_seed(test);
  for (size_t i = 0; i < f->size; i++) {
    f->mem[i] = (uint8_t)tu_rand(&seed);
  }
  return st_snapshot(f);
}

/* Mounts the store and checks that the mount wrote nothing. */
static inline int st_kv_mount_ro(nm_kv_t *kv, st_flash_t *f, uint32_t first, uint32_t n) {
  uint64_t w = st_writes(f);
  int r = nm_kv_mount(kv, st_port(f), first, n);
  assert_true(st_writes(f) == w);
  return r;
}

/* Mounts the log and checks that the mount wrote nothing. */
static inline int st_log_mount_ro(nm_log_t *log, st_flash_t *f, uint32_t first, uint32_t n) {
  uint64_t w = st_writes(f);
  int r = nm_log_mount(log, st_port(f), first, n);
  assert_true(st_writes(f) == w);
  return r;
}

/* ---- deterministic values -------------------------------------------------------- */

/* Versions with this bit set end in 0xFF bytes (like reserved fields left erased), so a
 * torn program of them can still complete the value. */
#define ST_SPARSE 0x80000000u

/* Byte i of version `ver` of the value of `key`: a hash, so versions differ everywhere. */
static inline uint8_t st_byte(uint32_t key, uint32_t ver, size_t i) {
  if ((ver & ST_SPARSE) && i >= 64) {
    return 0xFF; /* a sparse version: erased-looking after its first 64 bytes */
  }
  uint64_t z = ((uint64_t)key << 40) ^ ((uint64_t)ver << 20) ^ (uint64_t)i;
  z = (z ^ (z >> 31)) * 0x9E3779B97F4A7C15ull;
  z ^= z >> 29;
  return (uint8_t)(z >> 24);
}

static inline void st_fill(uint8_t *buf, uint32_t key, uint32_t ver, size_t len) {
  for (size_t i = 0; i < len; i++) {
    buf[i] = st_byte(key, ver, i);
  }
}

/* 1 when buf[0..len) is version `ver` of `key`. */
static inline int st_is(const uint8_t *buf, size_t len, uint32_t key, uint32_t ver,
                        size_t want_len) {
  if (len != want_len) {
    return 0;
  }
  for (size_t i = 0; i < len; i++) {
    if (buf[i] != st_byte(key, ver, i)) {
      return 0;
    }
  }
  return 1;
}

#endif
