/* sim_out.c: the simulated output stage.
 *
 * It repeats the loaded pattern on its own. Counting is analytic: the pulses of slot i in
 * [A, B) are the frames k with A <= F(k) + offset_i < B, where frame k starts at
 * F(k) = S + floor(k * 1e9 / frame_hz); that count is a closed form, so the cost of
 * simulating a day does not depend on the pulse rate. Only traced windows visit pulses
 * one by one.
 *
 * A closed-loop channel (and the channel of the program a cord model measures) is counted
 * unit by unit instead: the loop (ports/loop) picks each unit's amplitude from the ECAP the
 * simulated front end measured after the one before (sim_cord.c). The other channels keep
 * the closed form.
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

/* First frame boundary of cur at or after t. (cur passed the limiter: frame_hz >= 1.) */
static uint64_t boundary_at_or_after(const sim_out_t *o, uint64_t t) {
  uint32_t f = o->cur.frame_hz;
  if (t <= o->cur_start_ns || f == 0) return o->cur_start_ns > t ? o->cur_start_ns : t;
  uint64_t k = frames_before(t - o->cur_start_ns, f);
  return o->cur_start_ns + frame_off(k, f);
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

/* The signed charge one pulse of ua leaves at its node: the stimulating phase, less the
 * recharge when the slot has one. Each phase's charge is abs_charge's, saturated at
 * 2^32 - 1 pC: a pattern the limiter passed has every phase far below that (the
 * stimulating one under its ceiling, the recharge balancing the frame's phases), so the
 * saturation only keeps a bug's charge from overflowing. */
static int64_t pulse_net_pc(int32_t ua, const nm_chan_t *c, uint8_t recharge) {
  int64_t q = abs_charge(ua, c->width_us);
  if (recharge) q -= abs_charge(ua, c->recharge_us);
  return ua < 0 ? -q : q;
}

/* a + n x net, exact while both the counter and the step are within 2^62 pC; beyond that
 * the counter stops (a balanced pattern keeps a node's net charge near 0: only a bug could
 * run it that far, 4.6e6 C). */
static int64_t add_net(int64_t a, uint64_t n, int64_t net) {
  const int64_t cap = (int64_t)1 << 62;
  if (a >= cap || a <= -cap) return a;
  uint64_t m = net < 0 ? (uint64_t)(-net) : (uint64_t)net; /* < 2^32 */
  uint64_t d = m != 0 && n > (uint64_t)cap / m ? (uint64_t)cap : n * m;
  if (d > (uint64_t)cap) d = (uint64_t)cap;
  return net < 0 ? a - (int64_t)d : a + (int64_t)d;
}

/* The stage trips: output stops at once, the reason stays until the core resets it. */
static void out_trip(sim_out_t *o, uint32_t why, uint8_t node, uint32_t charge_pc) {
  o->st.tripped = why;
  o->st.trip_node = node;
  o->st.trip_charge_pc = charge_pc;
  o->has_cur = o->has_pend = o->stop_pending = 0; /* hardware stops at once */
  o->n_uc = 0;
  o->loops.n = 0;
}

/* cur becomes p, started at start_ns. olim_check passed p, so it has 1..NM_MAX_RUNNING
 * channels, at most NM_PATTERN_MAX_SLOTS slots and frame_hz >= 1 (passes_shape, proved in
 * wp-limiter); the stage relies on them and checks them again here: a pattern without them
 * is a firmware bug, and the stage trips to off instead (returns 1). */
static int set_cur(sim_hw_t *hw, const nm_pattern_t *p, uint64_t start_ns) {
  sim_out_t *o = &hw->out;
  if (p->n_chan == 0 || p->n_chan > NM_MAX_RUNNING || p->n_slot > NM_PATTERN_MAX_SLOTS || p->frame_hz == 0) {
    out_trip(o, NM_OUT_TRIP_SHAPE, 0, 0);
    return 1;
  }
  o->cur = *p;
  o->has_cur = 1;
  o->cur_start_ns = start_ns;
  sim_out_reprice(hw);
  /* Channels delivered unit by unit; loops of programs no longer looped end here. */
  uint8_t keep[NM_MAX_RUNNING] = {0};
  uint8_t n_uc = 0; /* n_uc <= c */
  for (uint8_t c = 0; c < NM_MAX_RUNNING; c++) o->uc_of_chan[c] = -1;
  /*@ loop unroll NM_MAX_RUNNING; */
  for (uint8_t c = 0; c < o->cur.n_chan; c++) {
    const nm_chan_t *ch = &o->cur.chan[c];
    int measured = o->cord && ch->prog == o->cord->prog;
    if (!ch->loop.on && !measured) continue;
    sim_unit_chan_t *u = &o->uc[n_uc];
    memset(u, 0, sizeof *u);
    u->chan = c;
    cloop_chan_of(ch, &u->cc);
    u->loop = ch->loop.on ? cloop_set_for(&o->loops, ch, u->cc.ceil_ua, keep) : -1;
    o->uc_of_chan[c] = (int8_t)n_uc++;
  }
  o->n_uc = n_uc;
  int8_t map[NM_MAX_RUNNING];
  cloop_set_keep(&o->loops, keep, map);
  /*@ loop unroll NM_MAX_RUNNING; */
  for (uint8_t k = 0; k < n_uc; k++) {
    int8_t li = o->uc[k].loop;
    if (li >= 0 && li < NM_MAX_RUNNING) o->uc[k].loop = map[li];
  }
  return 0;
}

/* The closed-form slots only: a unit-by-unit channel is priced at each unit's start, at the
 * amplitude of that unit (unit_slot). */
void sim_out_reprice(sim_hw_t *hw) {
  sim_out_t *o = &hw->out;
  for (uint8_t i = 0; o->has_cur && i < o->cur.n_slot && i < NM_PATTERN_MAX_SLOTS; i++) {
    sim_cell_pulse(hw, &o->cur, i, &o->slot_fj[i], &o->slot_fixed_pc[i]);
  }
}

static void emit_phase(sim_out_t *o, const nm_chan_t *c, const int32_t node_ua[NM_NODES], uint8_t recharge,
                       uint64_t start) {
  sim_phase_t ph;
  ph.start_ns = start;
  ph.prog = c->prog;
  ph.recharge = recharge;
  if (!recharge) {
    ph.width_us = c->width_us;
    memcpy(ph.node_ua, node_ua, sizeof ph.node_ua);
  } else {
    ph.start_ns = start + ((uint64_t)c->width_us + c->gap_us) * 1000u;
    ph.width_us = c->recharge_us;
    for (int n = 0; n < NM_NODES; n++) ph.node_ua[n] = -node_ua[n];
  }
  o->trace_fn(o->trace_user, &ph);
}

static void emit(sim_out_t *o, const nm_slot_t *s, uint8_t chan, uint64_t start) {
  const nm_chan_t *c = &o->cur.chan[chan];
  emit_phase(o, c, c->node_ua, 0, start);
  if (s->recharge) emit_phase(o, c, c->node_ua, 1, start);
}

/* One slot of a unit-by-unit channel at t: pick the unit's amplitude at its first pulse,
 * count what it delivers, and at its recharge measure it and move the loop. Returns 1
 * when the loop fell back on this unit. */
static int unit_slot(sim_hw_t *hw, sim_unit_chan_t *u, const nm_slot_t *s, uint64_t t, int traced) {
  sim_out_t *o = &hw->out;
  uint8_t c = u->chan;
  int8_t li = u->loop; /* -1, or an index of o->loops (cloop_set_for) */
  if (c >= NM_MAX_RUNNING || li >= NM_MAX_RUNNING) return 0; /* never: set_cur sets them so */
  const nm_chan_t *ch = &o->cur.chan[c];
  cloop_t *l = li >= 0 ? &o->loops.l[li] : NULL;
  if (!u->in_unit) {
    uint32_t want = l ? cloop_amp(l) : u->cc.ceil_ua;
    u->amp_ua = cloop_scale(&u->cc, want, u->ua);
    u->in_unit = 1;
    u->start_ns = t;
    u->over_limit = 0;
    int32_t full[NM_NODES] = {0};
    for (uint8_t i = 0; i < u->cc.n; i++) {
      full[u->cc.node[i]] = u->ua[i];
      uint32_t q = abs_charge(u->ua[i], ch->width_us);
      if (q > o->lim.ceil_pc[u->cc.node[i]]) u->over_limit = 1;
    }
    /* This unit's price on the cell's physics, the same model as the closed form's. */
    sim_cell_unit(hw, ch, full, &u->stim_fj, &u->rech_fj);
  }
  if (hw->ff) hw->ff->bad = 1; /* unit by unit: not a closed form the fast-forward replays */
  o->pulses++;
  o->supply_fj += u->stim_fj + (s->recharge ? u->rech_fj : 0);
  o->fixed_pc += hw->cell.prof->pulse_pc;
  for (uint8_t i = 0; i < u->cc.n; i++) {
    uint8_t nd = u->cc.node[i];
    int32_t ua = u->ua[i];
    if (ua == 0) continue;
    o->node_net_pc[nd] = add_net(o->node_net_pc[nd], 1u, pulse_net_pc(ua, ch, s->recharge));
    o->node_pulses[nd]++;
    uint32_t q = abs_charge(ua, ch->width_us);
    if (q > o->node_max_pc[nd]) o->node_max_pc[nd] = q;
  }
  if (traced) {
    int32_t full[NM_NODES] = {0};
    for (uint8_t i = 0; i < u->cc.n; i++) full[u->cc.node[i]] = u->ua[i];
    emit_phase(o, ch, full, 0, t);
    if (s->recharge) emit_phase(o, ch, full, 1, t);
  }
  if (!s->recharge) return 0;
  u->in_unit = 0;
  cloop_sample_t smp = {0, CLOOP_S_LEADOFF}; /* no body attached: nothing to sense */
  if (o->cord && ch->prog == o->cord->prog) {
    sim_cord_unit(o->cord, u->start_ns, u->amp_ua, ch->width_us, u->cc.ceil_ua, l ? l->state : (uint8_t)NM_LOOP_OFF,
                  u->over_limit, &smp);
  }
  if (!l) return 0;
  cloop_sample(l, &smp);
  if (!l->event) return 0;
  o->loop_event = 1;
  return 1;
}

/* Walk cur's slots starting in [lo, hi) one by one, in time order: the unit-by-unit
 * channels, and the traced phases of the others. Returns where it stopped: hi, or just
 * after the start of the unit whose loop fell back (when stop_on_event). */
static uint64_t walk_span(sim_hw_t *hw, uint64_t lo, uint64_t hi, int stop_on_event) {
  sim_out_t *o = &hw->out;
  uint32_t f = o->cur.frame_hz;
  if (f == 0) return hi; /* never: cur passed the limiter */
  uint64_t s = o->cur_start_ns;
  uint64_t k = lo > s ? frames_before(lo - s, f) : 0;
  if (k > 0) k--; /* a late pulse of the frame before may start in the window */
  uint64_t fs = s + frame_off(k, f);
  const uint64_t q = NS / f, r = NS % f;
  uint64_t acc = (k % f) * r % f; /* frame_off(k+1) - frame_off(k) = q + carry of (k*r mod f) */
  for (;;) {
    if (fs >= hi) break;
    for (uint8_t i = 0; i < o->cur.n_slot; i++) {
      const nm_slot_t *sl = &o->cur.slot[i];
      uint64_t t = fs + sl->offset_ns;
      if (t < lo || t >= hi) continue;
      int traced = o->trace_fn && t >= o->trace_from_ns && t < o->trace_to_ns;
      uint8_t c = sl->chan;
      if (c >= o->cur.n_chan || c >= NM_MAX_RUNNING) continue; /* never (passes_shape) */
      int8_t ui = o->uc_of_chan[c];
      if (ui >= 0 && ui < NM_MAX_RUNNING) {
        if (unit_slot(hw, &o->uc[ui], sl, t, traced) && stop_on_event) return t + 1u;
      } else if (traced) {
        emit(o, sl, c, t);
      }
    }
    acc += r;
    fs += q;
    if (acc >= f) {
      acc -= f;
      fs++;
    }
  }
  return hi;
}

void sim_out_draw(sim_hw_t *hw, uint64_t n, double fj, double fixed_pc) {
  hw->out.supply_fj += (double)n * fj;
  hw->out.fixed_pc += (double)n * fixed_pc;
  if (hw->ff && hw->ff->rec) sim_ff_note(hw->ff, SIM_FF_OUT, n, fj, fixed_pc);
}

/* Count what cur delivers in [a, b) (or up to a loop's fallback); returns the end. */
static uint64_t count_span(sim_hw_t *hw, uint64_t a, uint64_t b, int stop_on_event) {
  sim_out_t *o = &hw->out;
  const nm_pattern_t *p = &o->cur;
  uint64_t lo = a > o->trace_from_ns ? a : o->trace_from_ns;
  uint64_t hi = b < o->trace_to_ns ? b : o->trace_to_ns;
  int traced = o->trace_fn && lo < hi;
  if (o->n_uc || traced) b = walk_span(hw, a, b, stop_on_event);
  for (uint8_t i = 0; i < p->n_slot; i++) {
    const nm_slot_t *s = &p->slot[i];
    uint8_t ci = s->chan;
    if (ci >= p->n_chan || ci >= NM_MAX_RUNNING) continue; /* never (passes_shape) */
    if (o->uc_of_chan[ci] >= 0) continue; /* counted unit by unit */
    uint64_t n = starts_before(b, o->cur_start_ns, s->offset_ns, p->frame_hz) -
                 starts_before(a, o->cur_start_ns, s->offset_ns, p->frame_hz);
    if (n == 0) continue;
    const nm_chan_t *c = &p->chan[ci];
    o->pulses += n;
    sim_out_draw(hw, n, o->slot_fj[i], o->slot_fixed_pc[i]);
    for (uint8_t nd = 0; nd < NM_NODES; nd++) {
      int32_t ua = c->node_ua[nd];
      if (ua == 0) continue;
      o->node_net_pc[nd] = add_net(o->node_net_pc[nd], n, pulse_net_pc(ua, c, s->recharge));
      o->node_pulses[nd] += n;
      uint32_t q = abs_charge(ua, c->width_us);
      if (q > o->node_max_pc[nd]) o->node_max_pc[nd] = q;
    }
  }
  return b;
}

uint64_t sim_out_account_ev(sim_hw_t *hw, uint64_t to_ns, int stop_on_event) {
  sim_out_t *o = &hw->out;
  while (o->done_ns < to_ns) {
    uint64_t end = to_ns;
    int swap = (o->has_pend || o->stop_pending) && o->swap_at_ns <= to_ns;
    if (swap) end = o->swap_at_ns;
    if (o->has_cur && end > o->done_ns) {
      uint64_t got = count_span(hw, o->done_ns, end, stop_on_event);
      if (got < end) {
        o->done_ns = got;
        return got;
      }
    }
    if (end > o->done_ns) o->done_ns = end;
    if (swap) {
      if (o->stop_pending) {
        o->has_cur = 0;
        o->n_uc = 0;
        o->loops.n = 0; /* the output stopped: a loop starts afresh next time */
      } else {
        (void)set_cur(hw, &o->pend, o->swap_at_ns); /* a trip stops the stage */
      }
      o->has_pend = 0;
      o->stop_pending = 0;
    }
  }
  return o->done_ns;
}

void sim_out_account(sim_hw_t *hw, uint64_t to_ns) { (void)sim_out_account_ev(hw, to_ns, 0); }

void sim_out_loop(void *ctx, uint8_t prog, nm_loop_status_t *st) {
  sim_hw_t *hw = ctx;
  sim_out_account(hw, hw->now_ns);
  memset(st, 0, sizeof *st);
  cloop_t *l = cloop_set_find(&hw->out.loops, prog);
  if (l) {
    cloop_status(l, st);
    l->event = 0;
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
    out_trip(o, trip, o->trip.node, o->trip.charge_pc);
    return NM_EREFUSED;
  }
  if (!o->has_cur || (o->stop_pending && o->swap_at_ns <= hw->now_ns)) {
    o->stop_pending = 0;
    return set_cur(hw, p, hw->now_ns) ? NM_EREFUSED : NM_OK;
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
