/* olim.c: the output stage's own limiter (olim.h). Integer arithmetic only; every product
 * is bounded in 64 bits for any 32-bit input (see each). Its constants and its geometry are
 * its own: nothing here comes from the firmware's supervisor or lead catalog. */
#include "olim.h"

#include "nmod/port.h"

/* 30 uC/cm2 = 30e-6 C / 1e8 um2 = 0.3 pC per um2 (device-facts.md: the usual hard ceiling
 * of programming software, Boston Scientific). */
#define OLIM_DENSITY_NUM 3u
#define OLIM_DENSITY_DEN 10u

/* Shannon (1992), device-facts.md: k < 1.85, i.e. Q^2 / A < 10^1.85 uC^2/cm2. In pC and um2,
 * q^2 / 1e12 * 1e8 / a < 10^1.85, i.e. q^2 * 1e4 < K * a with K = 10^1.85 x 1e8
 * = 7079457843.84, rounded up: the limiter is never stricter than the criterion itself. */
#define OLIM_SHANNON_K 7079457844ull
#define OLIM_SHANNON_SCALE 10000ull

/* pi x 1e9, rounded: contact areas from their dimensions, to the nearest um2. */
#define OLIM_PI_E9 3141592654ull

/* The case, when it serves as an anode: 10 cm2 of titanium facing tissue. */
#define OLIM_CASE_AREA_UM2 1000000000u
/* No contact is larger than the case: a custom area above it is taken for a bad description. */
#define OLIM_AREA_MAX_UM2 OLIM_CASE_AREA_UM2

/* The frame clock of the stage runs at 1 Hz to 100 kHz. */
#define OLIM_FRAME_HZ_MAX 100000u

#define NS_PER_S 1000000000u

/* The catalog leads as built: equal contacts, a cylinder (diameter x length) or a flat
 * rectangle (width x length). InterStim-like tined lead: 1.27 mm diameter (device-facts.md,
 * Medtronic's product page); percutaneous SCS lead 1.30 mm; paddle contacts 4 x 1 mm; the
 * 3 mm contact length is unconfirmed for any one brand. */
typedef struct {
  uint8_t model;
  uint8_t cylinder;   /* 1: pi x a x b; 0: a x b */
  uint8_t n_contacts;
  uint16_t a_um, b_um;
} olim_geom_t;

static const olim_geom_t geom[] = {
    {OLIM_LEAD_SNM_TINED_4, 1, 4, 1270, 3000},
    {OLIM_LEAD_SCS_PERC_8, 1, 8, 1300, 3000},
    {OLIM_LEAD_SCS_PADDLE_16, 0, 16, 4000, 1000},
};

uint32_t olim_isqrt(uint64_t x) {
  /* Bit by bit from the top: keep each bit whose square still fits. No division; t < 2^32,
   * so t * t fits in 64 bits. */
  uint64_t r = 0;
  /*@ loop invariant r * r <= x && r + 2 * bit <= 4294967296;
      loop assigns r, bit;
      loop variant bit; */
  for (uint64_t bit = 1ull << 31; bit != 0; bit >>= 1) {
    uint64_t t = r + bit;
    if (t * t <= x) r = t;
  }
  return (uint32_t)r;
}

uint32_t olim_density_pc(uint32_t area_um2) {
  /* Largest q with q <= 0.3 x a: 3a < 2^34, the result < 2^31. */
  return (uint32_t)((uint64_t)area_um2 * OLIM_DENSITY_NUM / OLIM_DENSITY_DEN);
}

uint32_t olim_shannon_pc(uint32_t area_um2) {
  /* Largest q with q^2 * 1e4 < K * a, i.e. q^2 <= floor((K * a - 1) / 1e4). K * a would pass
   * 2^64 for large a, so split K = kq * 1e4 + kr: floor((K a - 1) / 1e4) =
   * kq * a + floor((kr * a - 1) / 1e4), with kq * a < 2^52 and kr * a < 2^46. */
  if (area_um2 == 0) return 0;
  const uint64_t kq = OLIM_SHANNON_K / OLIM_SHANNON_SCALE, kr = OLIM_SHANNON_K % OLIM_SHANNON_SCALE;
  uint64_t lo = kr * area_um2;
  uint64_t q2_max = kq * area_um2 + (lo == 0 ? 0 : (lo - 1u) / OLIM_SHANNON_SCALE);
  if (lo == 0) q2_max -= 1u; /* K * a is a multiple of 1e4: the square may not reach it */
  return olim_isqrt(q2_max);
}

#define OLIM_GEOMS (sizeof(geom) / sizeof(geom[0]))

/*@ assigns \nothing;
    ensures \result == \null || (\exists integer i; 0 <= i < OLIM_GEOMS && \result == &geom[i] &&
      geom[i].model == model);
    ensures (model == OLIM_LEAD_SNM_TINED_4 || model == OLIM_LEAD_SCS_PERC_8 ||
      model == OLIM_LEAD_SCS_PADDLE_16) ==> \result != \null; */
static const olim_geom_t *geom_of(uint8_t model) {
  /*@ loop invariant 0 <= i <= OLIM_GEOMS;
      loop invariant \forall integer k; 0 <= k < i ==> geom[k].model != model;
      loop assigns i;
      loop variant OLIM_GEOMS - i; */
  for (size_t i = 0; i < OLIM_GEOMS; i++) {
    if (geom[i].model == model) return &geom[i];
  }
  return NULL;
}

uint32_t olim_node_area_um2(const olim_hw_t *hw, uint8_t node) {
  if (node == NM_NODE_CASE) return OLIM_CASE_AREA_UM2;
  if (node >= NM_NODES) return 0;
  if (hw->model == OLIM_LEAD_CUSTOM) {
    if (hw->n_contacts == 0 || hw->n_contacts > NM_MAX_CONTACTS) return 0;
    if (hw->area_um2 > OLIM_AREA_MAX_UM2) return 0;
    return node < hw->n_contacts ? hw->area_um2 : 0;
  }
  const olim_geom_t *g = geom_of(hw->model);
  if (!g || node >= g->n_contacts) return 0;
  uint64_t ab = (uint64_t)g->a_um * g->b_um; /* < 2^32 */
  if (!g->cylinder) return (uint32_t)ab;
  return (uint32_t)((ab * OLIM_PI_E9 + NS_PER_S / 2u) / NS_PER_S); /* < 2^64: ab * pi < 1.4e19 */
}

void olim_init(olim_t *o, const olim_hw_t *hw) {
  /*@ loop invariant 0 <= n <= NM_NODES;
      loop invariant \forall integer m; 0 <= m < n ==> olim_ceiling_ok(o->ceil_pc[m], olim_area(hw, m));
      loop assigns n, o->ceil_pc[0 .. NM_NODES - 1], o->bound[0 .. NM_NODES - 1];
      loop variant NM_NODES - n; */
  for (uint8_t n = 0; n < NM_NODES; n++) {
    uint32_t a = olim_node_area_um2(hw, n);
    if (a == 0) { /* no such node */
      o->ceil_pc[n] = 0;
      o->bound[n] = OLIM_BOUND_NONE;
      continue;
    }
    uint32_t d = olim_density_pc(a), s = olim_shannon_pc(a);
    /*@ assert d < s ==> olim_shannon_ok(d, a); */
    o->ceil_pc[n] = d < s ? d : s;
    o->bound[n] = d < s ? OLIM_BOUND_DENSITY : OLIM_BOUND_SHANNON;
  }
}

void olim_set_ceiling(olim_t *o, uint8_t node, uint32_t ceil_pc) {
  if (node >= NM_NODES) return;
  o->ceil_pc[node] = ceil_pc;
  o->bound[node] = OLIM_BOUND_SET;
}

/*@ assigns \nothing;
    ensures \result == olim_sat(olim_abs(ua) * us); */
static uint32_t charge_pc(int32_t ua, uint32_t us) {
  uint64_t m = ua < 0 ? (uint64_t)(-(int64_t)ua) : (uint64_t)ua;
  uint64_t q = m * us; /* < 2^31 * 2^32 */
  return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

/*@ requires \valid(t);
    assigns t->why;
    ensures \result == why && t->why == why; */
static uint32_t refuse(olim_trip_t *t, uint32_t why) {
  t->why = why;
  return why;
}

/* Charge per node and current balance of every channel. */
/*@ requires \valid_read(o) && \valid_read(p) && \valid(t);
    requires \separated(t, o) && \separated(t, p);
    requires p->n_chan <= NM_MAX_RUNNING;
    assigns t->why, t->node, t->bound, t->charge_pc;
    ensures \result == NM_OUT_TRIP_NONE ? t->why == \old(t->why) : t->why == \result;
    ensures \result == NM_OUT_TRIP_NONE ==> \forall integer c, n;
      0 <= c < p->n_chan && 0 <= n < NM_NODES ==> olim_sat(olim_charge(p, c, n)) <= o->ceil_pc[n]; */
static uint32_t check_channels(const olim_t *o, const nm_pattern_t *p, olim_trip_t *t) {
  /*@ loop invariant 0 <= c <= p->n_chan;
      loop invariant \forall integer c2, n; 0 <= c2 < c && 0 <= n < NM_NODES ==>
        olim_sat(olim_charge(p, c2, n)) <= o->ceil_pc[n];
      loop assigns c;
      loop variant p->n_chan - c; */
  for (uint8_t c = 0; c < p->n_chan; c++) {
    const nm_chan_t *ch = &p->chan[c];
    int64_t sum = 0;
    /*@ loop invariant 0 <= n <= NM_NODES;
        loop invariant -2147483648 * n <= sum <= 2147483647 * n;
        loop invariant \forall integer m; 0 <= m < n ==> olim_sat(olim_charge(p, c, m)) <= o->ceil_pc[m];
        loop assigns n, sum;
        loop variant NM_NODES - n; */
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int32_t ua = ch->node_ua[n];
      sum += ua;
      uint32_t q = charge_pc(ua, ch->width_us);
      if (q > o->ceil_pc[n]) {
        t->node = n;
        t->bound = o->bound[n];
        t->charge_pc = q;
        return refuse(t, NM_OUT_TRIP_CHARGE);
      }
    }
    if (sum != 0) return refuse(t, NM_OUT_TRIP_BALANCE);
  }
  return NM_OUT_TRIP_NONE;
}

/* Slots in range, ascending, not overlapping, inside the frame; and each channel's
 * stimulating time per frame equal to its recharge time (its charge balanced per frame). */
/*@ requires \valid_read(p) && \valid(t) && \separated(t, p);
    requires 1 <= p->frame_hz <= OLIM_FRAME_HZ_MAX && 1 <= p->n_chan <= NM_MAX_RUNNING;
    requires p->n_slot <= NM_PATTERN_MAX_SLOTS;
    assigns t->why;
    ensures \result == NM_OUT_TRIP_NONE ? t->why == \old(t->why) : t->why == \result;
    ensures \result == NM_OUT_TRIP_NONE ==> olim_shape_ok(p); */
static uint32_t check_slots(const nm_pattern_t *p, olim_trip_t *t) {
  uint64_t stim_us[NM_MAX_RUNNING] = {0}, rech_us[NM_MAX_RUNNING] = {0};
  uint64_t frame_ns = NS_PER_S / p->frame_hz;
  /*@ loop invariant 0 <= i <= p->n_slot;
      loop invariant \forall integer c; 0 <= c < NM_MAX_RUNNING ==>
        stim_us[c] <= 4294967295 * i && rech_us[c] <= 4294967295 * i;
      loop invariant \forall integer k; 0 <= k < i ==>
        p->slot[k].chan < p->n_chan && olim_slot_end(p, k) <= frame_ns &&
        (k + 1 < p->n_slot ==> olim_slot_end(p, k) <= p->slot[k + 1].offset_ns);
      loop assigns i, stim_us[0 .. NM_MAX_RUNNING - 1], rech_us[0 .. NM_MAX_RUNNING - 1];
      loop variant p->n_slot - i; */
  for (uint8_t i = 0; i < p->n_slot; i++) {
    const nm_slot_t *s = &p->slot[i];
    if (s->chan >= p->n_chan) return refuse(t, NM_OUT_TRIP_SHAPE);
    const nm_chan_t *ch = &p->chan[s->chan];
    uint64_t end = s->offset_ns + (uint64_t)ch->width_us * 1000u;
    stim_us[s->chan] += ch->width_us;
    if (s->recharge) {
      end += ((uint64_t)ch->gap_us + ch->recharge_us) * 1000u;
      rech_us[s->chan] += ch->recharge_us;
    }
    if (end > frame_ns) return refuse(t, NM_OUT_TRIP_SHAPE);
    if (i + 1 < p->n_slot && end > p->slot[i + 1].offset_ns) return refuse(t, NM_OUT_TRIP_SHAPE);
  }
  /*@ loop invariant 0 <= c <= p->n_chan;
      loop assigns c;
      loop variant p->n_chan - c; */
  for (uint8_t c = 0; c < p->n_chan; c++) {
    if (stim_us[c] != rech_us[c]) return refuse(t, NM_OUT_TRIP_BALANCE);
  }
  return NM_OUT_TRIP_NONE;
}

uint32_t olim_check(const olim_t *o, const nm_pattern_t *p, olim_trip_t *trip) {
  trip->why = NM_OUT_TRIP_NONE;
  trip->node = 0;
  trip->bound = OLIM_BOUND_NONE;
  trip->charge_pc = 0;
  if (p->frame_hz == 0 || p->frame_hz > OLIM_FRAME_HZ_MAX || p->n_chan == 0 || p->n_chan > NM_MAX_RUNNING ||
      p->n_slot > NM_PATTERN_MAX_SLOTS) {
    return refuse(trip, NM_OUT_TRIP_SHAPE);
  }
  uint32_t why = check_channels(o, p, trip);
  if (why == NM_OUT_TRIP_NONE) why = check_slots(p, trip);
  return why;
}
