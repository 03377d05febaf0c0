/* ff.c: the core's periodic state for a simulator's fast-forward (see nmod/ff.h). */
#include "nmod/ff.h"

#include <stddef.h>
#include <string.h>

#include "nmod/limits.h"

#define DAY_US 86400000000ull

static uint64_t gcd_u64(uint64_t a, uint64_t b) {
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* lcm, or 0 when it would pass max. */
static uint64_t lcm_max(uint64_t a, uint64_t b, uint64_t max) {
  uint64_t m = a / gcd_u64(a, b);
  if (m > max / b) return 0;
  return m * b <= max ? m * b : 0;
}

uint64_t nm_core_ff_period_us(const nm_core_t *c) {
  if (c->mode != NM_MODE_THERAPY || c->stopping || c->hold || c->out_stale) return 0;
  uint64_t p = (uint64_t)NM_HOUSEKEEPING_MS * 1000u;
  for (uint8_t s = 0; s < NM_MAX_PROGRAMS; s++) {
    if (!(c->set.running_mask & (1u << s))) continue;
    const nm_prog_t *pr = &c->set.prog[s];
    if (pr->loop.closed && (c->set.loop_on & (1u << s))) return 0; /* the stage moves it unit by unit */
    if (pr->cyc_on_s == 0) continue;
    p = lcm_max(p, ((uint64_t)pr->cyc_on_s + pr->cyc_off_s) * 1000000u, DAY_US);
    if (p == 0) return 0;
  }
  /* Whole frames of the pattern in delivery: frame k starts floor(k x 1e9 / hz) ns in. */
  uint32_t hz = c->out_loaded ? c->scratch.frame_hz : 0;
  if (hz) {
    uint64_t m = 1000000u / gcd_u64(p * hz % 1000000u, 1000000u); /* p <= a day: p x hz < 2^64 */
    if (m > DAY_US / p) return 0;
    p *= m;
  }
  return p;
}

/* The fields that move; all others must be equal. Sorted by offset. */
enum { F_TIME, F_COUNT };
typedef struct {
  size_t off, size;
  uint8_t kind;
} field_t;

#define FIELD(m, k) {offsetof(nm_core_t, m), sizeof(((nm_core_t *)0)->m), k}
static const field_t fields[] = {
    FIELD(next_hk_us, F_TIME),   FIELD(next_wake_us, F_TIME),    FIELD(wakeups, F_COUNT),
    FIELD(loads, F_COUNT),       FIELD(gauge.used_nc, F_COUNT),  FIELD(gauge.thru_nc, F_COUNT),
    FIELD(gauge.last_us, F_TIME), FIELD(gauge.ema_us, F_TIME),   FIELD(evq_dropped, F_COUNT),
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static uint64_t get(const nm_core_t *c, const field_t *f) {
  const unsigned char *p = (const unsigned char *)c + f->off;
  if (f->size == 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  if (f->size == 4) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}

static void put(nm_core_t *c, const field_t *f, uint64_t v) {
  unsigned char *p = (unsigned char *)c + f->off;
  if (f->size == 8) {
    memcpy(p, &v, 8);
  } else if (f->size == 4) {
    uint32_t w = (uint32_t)v;
    memcpy(p, &w, 4);
  } else {
    uint16_t w = (uint16_t)v;
    memcpy(p, &w, 2);
  }
}

/* The step of counter field i in d (the time fields step by the period). */
static uint64_t step_get(const nm_ff_t *d, size_t i) {
  switch (fields[i].off) {
    case offsetof(nm_core_t, wakeups): return d->wakeups;
    case offsetof(nm_core_t, loads): return d->loads;
    case offsetof(nm_core_t, gauge.used_nc): return d->used_nc;
    case offsetof(nm_core_t, gauge.thru_nc): return d->thru_nc;
    case offsetof(nm_core_t, evq_dropped): return d->dropped;
    default: return d->period_us;
  }
}

static void step_set(nm_ff_t *d, size_t i, uint64_t v) {
  switch (fields[i].off) {
    case offsetof(nm_core_t, wakeups): d->wakeups = v; break;
    case offsetof(nm_core_t, loads): d->loads = (uint32_t)v; break;
    case offsetof(nm_core_t, gauge.used_nc): d->used_nc = v; break;
    case offsetof(nm_core_t, gauge.thru_nc): d->thru_nc = v; break;
    default: d->dropped = (uint16_t)v; break;
  }
}

int nm_core_ff_match(const nm_core_t *a, const nm_core_t *b, nm_ff_t *d) {
  const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
  size_t at = 0;
  uint64_t p = d->period_us;
  for (size_t i = 0; i < N_FIELDS; i++) {
    const field_t *f = &fields[i];
    if (memcmp(pa + at, pb + at, f->off - at) != 0) return -1;
    at = f->off + f->size;
    uint64_t x = get(a, f), y = get(b, f);
    if (f->kind == F_TIME) {
      if (x > UINT64_MAX - p || y != x + p) return -1;
      continue;
    }
    /* A uint16 count of dropped events wraps, and so does its step; the others never fall. */
    if (f->off != offsetof(nm_core_t, evq_dropped) && y < x) return -1;
    step_set(d, i, y - x);
  }
  return memcmp(pa + at, pb + at, sizeof *a - at) == 0 ? 0 : -1;
}

int nm_core_ff_same(const nm_ff_t *x, const nm_ff_t *y) {
  return x->period_us == y->period_us && x->wakeups == y->wakeups && x->used_nc == y->used_nc &&
         x->thru_nc == y->thru_nc && x->loads == y->loads && x->dropped == y->dropped;
}

uint64_t nm_core_ff_room(const nm_core_t *c, const nm_ff_t *d) {
  if (d->period_us == 0) return 0;
  uint64_t n = nm_gauge_ff_room(&c->gauge, c->prof, d->used_nc, d->thru_nc);
  /* Times and 64-bit counters: centuries away; the pattern-load count is 32-bit. */
  uint64_t t = c->next_wake_us > c->next_hk_us ? c->next_wake_us : c->next_hk_us;
  if (t > UINT64_MAX / 2u || c->wakeups > UINT64_MAX / 2u) return 0;
  uint64_t r = (UINT64_MAX / 2u - t) / d->period_us;
  if (r < n) n = r;
  if (d->wakeups && (UINT64_MAX / 2u - c->wakeups) / d->wakeups < n) n = (UINT64_MAX / 2u - c->wakeups) / d->wakeups;
  if (d->loads && (UINT32_MAX - c->loads) / d->loads < n) n = (UINT32_MAX - c->loads) / d->loads;
  return n;
}

void nm_core_ff_apply(nm_core_t *c, const nm_ff_t *d, uint64_t n) {
  for (size_t i = 0; i < N_FIELDS; i++) {
    const field_t *f = &fields[i];
    put(c, f, get(c, f) + n * step_get(d, i)); /* a uint16 count wraps as it would have, one by one */
  }
}
