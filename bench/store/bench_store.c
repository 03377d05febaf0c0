/* bench_store.c: what the store costs in flash operations, and how long a mount takes.
 * Prints Markdown tables (run.sh adds the heading).
 *
 * Flash operations are counted exactly, through a port that wraps the simulated NOR
 * flash (ports/sim) and counts every program, erase and read with its bytes; they are
 * the same on the implant, since the store is the same code. Mount times are host wall
 * clock (CLOCK_MONOTONIC) and only compare builds; on the implant a mount costs the
 * reads listed next to it, at the flash's read speed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nmod/store.h"
#include "sim.h"

typedef struct {
  nm_port_t port;
  const nm_port_t *inner;
  uint64_t reads, read_bytes, progs, prog_bytes, erases;
} nm_b_count_t;

static int nm_b_read(void *ctx, uint32_t addr, void *buf, size_t len) {
  nm_b_count_t *c = ctx;
  c->reads++;
  c->read_bytes += len;
  return c->inner->nvm_read(c->inner->ctx, addr, buf, len);
}

static int nm_b_prog(void *ctx, uint32_t addr, const void *buf, size_t len) {
  nm_b_count_t *c = ctx;
  c->progs++;
  c->prog_bytes += len;
  return c->inner->nvm_prog(c->inner->ctx, addr, buf, len);
}

static int nm_b_erase(void *ctx, uint32_t page) {
  nm_b_count_t *c = ctx;
  c->erases++;
  return c->inner->nvm_erase(c->inner->ctx, page);
}

static void nm_b_count_init(nm_b_count_t *c, const nm_port_t *inner) {
  memset(c, 0, sizeof *c);
  c->inner = inner;
  c->port = *inner;
  c->port.ctx = c;
  c->port.nvm_read = nm_b_read;
  c->port.nvm_prog = nm_b_prog;
  c->port.nvm_erase = nm_b_erase;
}

static void nm_b_zero(nm_b_count_t *c) {
  c->reads = c->read_bytes = c->progs = c->prog_bytes = c->erases = 0;
}

static uint64_t nm_b_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void nm_b_check(int err, const char *what) {
  if (err) {
    fprintf(stderr, "bench_store: %s failed: %s\n", what, nm_err_str(err));
    exit(1);
  }
}

/* x / n with two decimals, integer arithmetic only. */
static void nm_b_ratio(char *out, size_t cap, uint64_t x, uint64_t n) {
  uint64_t c = n ? (x * 100u + n / 2u) / n : 0u;
  snprintf(out, cap, "%llu.%02llu", (unsigned long long)(c / 100u), (unsigned long long)(c % 100u));
}

static sim_hw_t nm_b_hw;
static uint8_t nm_b_mem[64u * 4096u];

static const nm_port_t *nm_b_flash(nm_b_count_t *c, uint32_t page_size, uint32_t pages) {
  nm_lead_t lead = *nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  sim_init(&nm_b_hw, &lead, 525, 12000, nm_b_mem, page_size, pages);
  nm_b_count_init(c, sim_port(&nm_b_hw));
  return &c->port;
}

/* kv_put of an 800-byte settings record, next to the device's other records (identity
 * 200 B, paired remotes 200 B, counters 16 B): average over many puts, and the two
 * kinds of put apart (append only, or append with a compaction). */
static void nm_b_kv(uint32_t page_size, uint32_t n_pages) {
  nm_b_count_t c;
  const nm_port_t *port = nm_b_flash(&c, page_size, n_pages);
  nm_kv_t kv;
  uint8_t buf[NM_KV_VALUE_MAX];
  memset(buf, 0x3C, sizeof buf);
  nm_b_check(nm_kv_mount(&kv, port, 0, n_pages), "kv mount");
  nm_b_check(nm_kv_put(&kv, 2, buf, 200), "put identity");
  nm_b_check(nm_kv_put(&kv, 3, buf, 200), "put remotes");
  nm_b_check(nm_kv_put(&kv, 4, buf, 16), "put counters");
  const uint32_t puts = 20000;
  uint64_t sum_p = 0, sum_b = 0, sum_e = 0, n_app = 0, n_cmp = 0;
  uint64_t app_p = 0, app_b = 0, cmp_p = 0, cmp_b = 0, cmp_e = 0;
  for (uint32_t i = 0; i < puts; i++) {
    buf[0] = (uint8_t)i;
    uint32_t gen = kv.gen;
    nm_b_zero(&c);
    nm_b_check(nm_kv_put(&kv, 1, buf, 800), "put settings");
    sum_p += c.progs;
    sum_b += c.prog_bytes;
    sum_e += c.erases;
    if (kv.gen == gen) {
      n_app++;
      app_p += c.progs;
      app_b += c.prog_bytes;
    } else {
      n_cmp++;
      cmp_p += c.progs;
      cmp_b += c.prog_bytes;
      cmp_e += c.erases;
    }
  }
  char a[32], b[32], e[32];
  nm_b_ratio(a, sizeof a, sum_p, puts);
  nm_b_ratio(b, sizeof b, sum_b, puts);
  nm_b_ratio(e, sizeof e, sum_e, puts);
  printf("| kv_put, 800 B settings, average | %u x %u B | %s | %s | %s |\n", n_pages,
         page_size, a, e, b);
  nm_b_ratio(a, sizeof a, app_p, n_app);
  nm_b_ratio(b, sizeof b, app_b, n_app);
  printf("| kv_put, 800 B settings, append (%llu of %u puts) | %u x %u B | %s | 0 | %s |\n",
         (unsigned long long)n_app, puts, n_pages, page_size, a, b);
  nm_b_ratio(a, sizeof a, cmp_p, n_cmp);
  nm_b_ratio(b, sizeof b, cmp_b, n_cmp);
  nm_b_ratio(e, sizeof e, cmp_e, n_cmp);
  printf("| kv_put, 800 B settings, with compaction (%llu of %u puts) | %u x %u B | %s | %s | "
         "%s |\n",
         (unsigned long long)n_cmp, puts, n_pages, page_size, a, e, b);
}

/* log_append of a 24-byte event: average over many laps of the ring. */
static void nm_b_log(uint32_t page_size, uint32_t n_pages) {
  nm_b_count_t c;
  const nm_port_t *port = nm_b_flash(&c, page_size, n_pages);
  nm_log_t log;
  uint8_t ev[NM_LOG_PAYLOAD_MAX];
  memset(ev, 0x42, sizeof ev);
  nm_b_check(nm_log_mount(&log, port, 0, n_pages), "log mount");
  const uint32_t appends = 200000;
  nm_b_zero(&c);
  for (uint32_t i = 0; i < appends; i++) {
    ev[0] = (uint8_t)i;
    nm_b_check(nm_log_append(&log, ev, sizeof ev, NULL), "append");
  }
  char a[32], b[32], e[32];
  nm_b_ratio(a, sizeof a, c.progs, appends);
  nm_b_ratio(b, sizeof b, c.prog_bytes, appends);
  /* Erases per 1000 appends reads better than a tiny fraction. */
  nm_b_ratio(e, sizeof e, c.erases * 1000u, appends);
  printf("| log_append, 24 B event, average | %u x %u B | %s | %s per 1000 | %s |\n", n_pages,
         page_size, a, e, b);
}

/* Mount of a full, wrapped log; and of a key-value store whose active page is full. */
static void nm_b_mount(uint32_t page_size, uint32_t n_pages) {
  nm_b_count_t c;
  const nm_port_t *port = nm_b_flash(&c, page_size, n_pages);
  nm_log_t log;
  uint8_t ev[NM_LOG_PAYLOAD_MAX];
  memset(ev, 0x42, sizeof ev);
  nm_b_check(nm_log_mount(&log, port, 0, n_pages), "log mount");
  uint32_t total = n_pages * log.slots * 2u + log.slots / 2u;
  for (uint32_t i = 0; i < total; i++) {
    nm_b_check(nm_log_append(&log, ev, sizeof ev, NULL), "append");
  }
  uint32_t held = nm_log_next_seq(&log) - nm_log_first_seq(&log);
  nm_b_zero(&c);
  nm_b_check(nm_log_mount(&log, port, 0, n_pages), "log mount");
  uint64_t reads = c.reads, bytes = c.read_bytes;
  uint64_t n = 0, t0 = nm_b_now_ns(), dt;
  do {
    for (int i = 0; i < 100; i++) {
      nm_b_check(nm_log_mount(&log, port, 0, n_pages), "log mount");
    }
    n += 100;
    dt = nm_b_now_ns() - t0;
  } while (dt < 200000000ull);
  printf("| nm_log_mount, full ring (%u events held) | %u x %u B | %llu | %llu | %llu |\n",
         held, n_pages, page_size, (unsigned long long)reads, (unsigned long long)bytes,
         (unsigned long long)(dt / n));
}

static void nm_b_kv_mount(uint32_t page_size, uint32_t n_pages) {
  nm_b_count_t c;
  const nm_port_t *port = nm_b_flash(&c, page_size, n_pages);
  nm_kv_t kv;
  uint8_t buf[NM_KV_VALUE_MAX];
  memset(buf, 0x3C, sizeof buf);
  nm_b_check(nm_kv_mount(&kv, port, 0, n_pages), "kv mount");
  nm_b_check(nm_kv_put(&kv, 1, buf, 800), "put");
  nm_b_check(nm_kv_put(&kv, 2, buf, 200), "put");
  nm_b_check(nm_kv_put(&kv, 3, buf, 200), "put");
  /* Counters until the page is all but full. */
  while (kv.wr_off + NM_KV_REC_HDR_LEN + 16u + 40u < page_size) {
    nm_b_check(nm_kv_put(&kv, 4, buf, 16), "put");
  }
  nm_b_zero(&c);
  nm_b_check(nm_kv_mount(&kv, port, 0, n_pages), "kv mount");
  uint64_t reads = c.reads, bytes = c.read_bytes;
  uint64_t n = 0, t0 = nm_b_now_ns(), dt;
  do {
    for (int i = 0; i < 100; i++) {
      nm_b_check(nm_kv_mount(&kv, port, 0, n_pages), "kv mount");
    }
    n += 100;
    dt = nm_b_now_ns() - t0;
  } while (dt < 200000000ull);
  printf("| nm_kv_mount, active page full | %u x %u B | %llu | %llu | %llu |\n", n_pages,
         page_size, (unsigned long long)reads, (unsigned long long)bytes,
         (unsigned long long)(dt / n));
}

int main(void) {
  printf("| operation | region (pages x size) | programs | erases | bytes programmed |\n");
  printf("|---|---|---:|---:|---:|\n");
  nm_b_kv(4096, 4);
  nm_b_kv(2048, 4);
  nm_b_log(4096, 8);
  nm_b_log(1024, 8);
  printf("\n");
  printf("| mount | region (pages x size) | flash reads | bytes read | host ns per mount |\n");
  printf("|---|---|---:|---:|---:|\n");
  nm_b_mount(4096, 8);
  nm_b_mount(4096, 32);
  nm_b_mount(1024, 64);
  nm_b_kv_mount(4096, 4);
  return 0;
}
