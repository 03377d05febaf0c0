/* sim_out.c: the simulated output stage.
 *
 * It repeats the loaded pattern on its own. Counting is analytic: the pulses of slot i in
 * [A, B) are the frames k with A <= F(k) + offset_i < B, where frame k starts at
 * F(k) = S + floor(k * 1e9 / frame_hz); that count is a closed form, so the cost of
 * simulating a day does not depend on the pulse rate. Only traced windows visit pulses
 * one by one.
 *
 * The limiter is this stage's own (ports/limiter/olim.h, shared with the Cortex-M port and
 * written apart from the core's supervisor): every pattern is checked before its first
 * pulse, against per-node ceilings set when the hardware is built.
 */
#include <stdlib.h>
#include <string.h>

#include "nmod/err.h"
#include "olim_lead.h"
#include "sim.h"

#define NS 1000000000ull

/* floor(k * 1e9 / f) without overflow for any k that a simulation reaches. */
static uint64_t frame_off(uint64_t k, uint32_t f) { return (k / f) * NS + ((k % f) * NS) / f; }

/* Number of k >= 0 with floor(k * 1e9 / f) < y, i.e. ceil(y * f / 1e9). */
static uint64_t frames_before(uint64_t y, uint32_t f) {
  uint64_t q = y / NS, r = y % NS;
  return q * f + (r * f + NS - 1) / NS;
}

/* Pulses of a slot at offset `off` of a pattern started at s that start before x. */
static uint64_t starts_before(uint64_t x, uint64_t s, uint32_t off, uint32_t f) {
  uint64_t first = s + off;
  return x > first ? frames_before(x - first, f) : 0;
}

/* First frame boundary of cur at or after t. */
static uint64_t boundary_at_or_after(const sim_out_t *o, uint64_t t) {
  if (t <= o->cur_start_ns) return o->cur_start_ns;
  uint64_t k = frames_before(t - o->cur_start_ns, o->cur.frame_hz);
  return o->cur_start_ns + frame_off(k, o->cur.frame_hz);
}

void sim_out_init(sim_out_t *o, const nm_lead_t *lead) {
  memset(o, 0, sizeof *o);
  olim_hw_t hw = olim_hw_of_lead(lead);
  olim_init(&o->lim, &hw);
}

static uint32_t abs_charge(int32_t ua, uint32_t us) {
  uint64_t m = ua < 0 ? (uint64_t)(-(int64_t)ua) : (uint64_t)ua;
  uint64_t q = m * us;
  return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

static void set_cur(sim_hw_t *hw, const nm_pattern_t *p, uint64_t start_ns) {
  sim_out_t *o = &hw->out;
  o->cur = *p;
  o->has_cur = 1;
  o->cur_start_ns = start_ns;
  sim_out_reprice(hw);
}

void sim_out_reprice(sim_hw_t *hw) {
  sim_out_t *o = &hw->out;
  for (uint8_t i = 0; o->has_cur && i < o->cur.n_slot && i < NM_PATTERN_MAX_SLOTS; i++) {
    sim_cell_pulse(hw, &o->cur, i, &o->slot_fj[i], &o->slot_fixed_pc[i]);
  }
}

static void emit(sim_out_t *o, const nm_slot_t *s, uint64_t start) {
  const nm_chan_t *c = &o->cur.chan[s->chan];
  sim_phase_t ph;
  ph.start_ns = start;
  ph.width_us = c->width_us;
  ph.recharge = 0;
  ph.prog = c->prog;
  memcpy(ph.node_ua, c->node_ua, sizeof ph.node_ua);
  o->trace_fn(o->trace_user, &ph);
  if (s->recharge) {
    ph.start_ns = start + ((uint64_t)c->width_us + c->gap_us) * 1000u;
    ph.width_us = c->recharge_us;
    ph.recharge = 1;
    for (int n = 0; n < NM_NODES; n++) ph.node_ua[n] = -c->node_ua[n];
    o->trace_fn(o->trace_user, &ph);
  }
}

/* Visit every phase of cur starting in [lo, hi). */
static void trace_span(sim_out_t *o, uint64_t lo, uint64_t hi) {
  uint32_t f = o->cur.frame_hz;
  uint64_t s = o->cur_start_ns;
  uint64_t k = lo > s ? frames_before(lo - s, f) : 0;
  if (k > 0) k--; /* a late pulse of the frame before may start in the window */
  for (;; k++) {
    uint64_t fs = s + frame_off(k, f);
    if (fs >= hi) break;
    for (uint8_t i = 0; i < o->cur.n_slot; i++) {
      uint64_t t = fs + o->cur.slot[i].offset_ns;
      if (t >= lo && t < hi) emit(o, &o->cur.slot[i], t);
    }
  }
}

/* Count what cur delivers in [a, b). */
static void count_span(sim_out_t *o, uint64_t a, uint64_t b) {
  const nm_pattern_t *p = &o->cur;
  for (uint8_t i = 0; i < p->n_slot; i++) {
    const nm_slot_t *s = &p->slot[i];
    uint64_t n = starts_before(b, o->cur_start_ns, s->offset_ns, p->frame_hz) -
                 starts_before(a, o->cur_start_ns, s->offset_ns, p->frame_hz);
    if (n == 0) continue;
    const nm_chan_t *c = &p->chan[s->chan];
    o->pulses += n;
    o->supply_fj += (double)n * o->slot_fj[i];
    o->fixed_pc += (double)n * o->slot_fixed_pc[i];
    for (uint8_t nd = 0; nd < NM_NODES; nd++) {
      int32_t ua = c->node_ua[nd];
      if (ua == 0) continue;
      int64_t net = (int64_t)ua * c->width_us;
      if (s->recharge) net -= (int64_t)ua * c->recharge_us;
      o->node_net_pc[nd] += (int64_t)n * net;
      o->node_pulses[nd] += n;
      uint32_t q = abs_charge(ua, c->width_us);
      if (q > o->node_max_pc[nd]) o->node_max_pc[nd] = q;
    }
  }
  if (o->trace_fn) {
    uint64_t lo = a > o->trace_from_ns ? a : o->trace_from_ns;
    uint64_t hi = b < o->trace_to_ns ? b : o->trace_to_ns;
    if (lo < hi) trace_span(o, lo, hi);
  }
}

void sim_out_account(sim_hw_t *hw, uint64_t to_ns) {
  sim_out_t *o = &hw->out;
  while (o->done_ns < to_ns) {
    uint64_t end = to_ns;
    int swap = (o->has_pend || o->stop_pending) && o->swap_at_ns <= to_ns;
    if (swap) end = o->swap_at_ns;
    if (o->has_cur && end > o->done_ns) count_span(o, o->done_ns, end);
    if (end > o->done_ns) o->done_ns = end;
    if (swap) {
      if (o->stop_pending) {
        o->has_cur = 0;
      } else {
        set_cur(hw, &o->pend, o->swap_at_ns);
      }
      o->has_pend = 0;
      o->stop_pending = 0;
    }
  }
}

/* ---- port functions (ctx = sim_hw_t) -------------------------------------------------- */

int sim_out_load(void *ctx, const nm_pattern_t *p);
void sim_out_stop(void *ctx);
void sim_out_status(void *ctx, nm_out_status_t *st);
void sim_out_reset(void *ctx);

int sim_out_load(void *ctx, const nm_pattern_t *p) {
  sim_hw_t *hw = ctx;
  sim_out_t *o = &hw->out;
  sim_out_account(hw, hw->now_ns);
  if (o->st.tripped) return NM_EREFUSED; /* stays off until reset */
  uint32_t trip = olim_check(&o->lim, p, &o->trip);
  if (trip) {
    o->st.tripped = trip;
    o->st.trip_node = o->trip.node;
    o->st.trip_charge_pc = o->trip.charge_pc;
    o->has_cur = o->has_pend = o->stop_pending = 0; /* hardware stops at once */
    return NM_EREFUSED;
  }
  if (!o->has_cur || (o->stop_pending && o->swap_at_ns <= hw->now_ns)) {
    o->stop_pending = 0;
    set_cur(hw, p, hw->now_ns);
    return NM_OK;
  }
  if (!o->has_pend && !o->stop_pending) o->swap_at_ns = boundary_at_or_after(o, hw->now_ns);
  o->pend = *p;
  o->has_pend = 1;
  o->stop_pending = 0;
  return NM_OK;
}

void sim_out_stop(void *ctx) {
  sim_hw_t *hw = ctx;
  sim_out_t *o = &hw->out;
  sim_out_account(hw, hw->now_ns);
  if (!o->has_cur) return;
  if (!o->has_pend && !o->stop_pending) o->swap_at_ns = boundary_at_or_after(o, hw->now_ns);
  o->has_pend = 0;
  o->stop_pending = 1;
}

void sim_out_status(void *ctx, nm_out_status_t *st) {
  sim_hw_t *hw = ctx;
  sim_out_account(hw, hw->now_ns);
  *st = hw->out.st;
  st->running = hw->out.has_cur;
}

void sim_out_reset(void *ctx) {
  sim_hw_t *hw = ctx;
  memset(&hw->out.st, 0, sizeof hw->out.st);
  memset(&hw->out.trip, 0, sizeof hw->out.trip);
}
