/* sim_ff.c: the simulator's fast-forward over whole periods of a steady therapy (see
 * sim.h). Exact by construction: integers move by n steps, doubles get the recorded
 * additions replayed one by one, and a period is skipped only after two periods in a row
 * showed the same steps and the same additions. It changes nothing the device does: the
 * core and the stage end in the state stepping would have left. */
#include <string.h>

#include "sim.h"

#define NEVER UINT64_MAX

void sim_ff_attach(sim_hw_t *hw, sim_ff_t *ff) {
  hw->ff = ff;
  if (!ff) return;
  ff->phase = 0;
  ff->rec = 0;
  ff->skips = ff->periods_skipped = 0;
}

void sim_ff_note(sim_ff_t *ff, uint8_t kind, uint64_t n, double a, double b) {
  uint32_t *k = &ff->n_ops[ff->cur];
  if (*k == SIM_FF_OPS) {
    ff->bad = 1; /* a period this busy is not worth skipping */
    return;
  }
  sim_ff_op_t *op = &ff->ops[ff->cur][(*k)++];
  op->kind = kind;
  op->n = n;
  op->a = a;
  op->b = b;
}

/* The hardware with its moving fields zeroed: the times, the counters and the double sums
 * (replayed). What is left must repeat exactly. */
static void normalise(sim_hw_t *n, const sim_hw_t *hw) {
  *n = *hw;
  n->now_ns = 0;
  n->timer_at_us = 0;
  n->wdt_kicks = 0;
  n->out.cur_start_ns = n->out.swap_at_ns = n->out.done_ns = 0;
  n->out.pulses = 0;
  memset(n->out.node_pulses, 0, sizeof n->out.node_pulses);
  memset(n->out.node_net_pc, 0, sizeof n->out.node_net_pc);
  n->out.supply_fj = n->out.fixed_pc = 0;
  n->cell.drawn_pc = n->cell.last_fj = n->cell.last_fixed_pc = n->cell.i_na = 0;
  n->cell.last_ns = 0;
}

/* A time that moves by the period, or (a pattern loaded once, a swap long past and never
 * read again) stays: its step, or -1 when it does neither. */
static int time_step(uint64_t a, uint64_t b, uint64_t p_ns, uint64_t *step) {
  if (b == a) *step = 0;
  else if (a <= UINT64_MAX - p_ns && b == a + p_ns) *step = p_ns;
  else return -1;
  return 0;
}

/* 0 when b is hardware a one period of p_us later; its steps in *st. */
static int hw_match(sim_ff_t *ff, const sim_hw_t *a, const sim_hw_t *b, uint64_t p_us, sim_ff_step_t *st) {
  uint64_t p_ns = p_us * 1000u;
  memset(st, 0, sizeof *st);
  if (b->now_ns != a->now_ns + p_ns || b->out.done_ns != a->out.done_ns + p_ns) return -1;
  if (b->cell.last_ns != a->cell.last_ns + p_ns) return -1;
  if (a->timer_at_us == NEVER || b->timer_at_us != a->timer_at_us + p_us) return -1;
  if (time_step(a->out.cur_start_ns, b->out.cur_start_ns, p_ns, &st->cur_start_ns) != 0) return -1;
  if (time_step(a->out.swap_at_ns, b->out.swap_at_ns, p_ns, &st->swap_at_ns) != 0) return -1;
  if ((b->out.has_pend || b->out.stop_pending) && st->swap_at_ns != p_ns) return -1;
  if (b->out.pulses < a->out.pulses || b->wdt_kicks < a->wdt_kicks) return -1;
  st->pulses = b->out.pulses - a->out.pulses;
  st->wdt_kicks = b->wdt_kicks - a->wdt_kicks;
  for (int n = 0; n < NM_NODES; n++) {
    if (b->out.node_pulses[n] < a->out.node_pulses[n]) return -1;
    st->node_pulses[n] = b->out.node_pulses[n] - a->out.node_pulses[n];
    st->node_net_pc[n] = b->out.node_net_pc[n] - a->out.node_net_pc[n];
  }
  normalise(&ff->norm_a, a);
  normalise(&ff->norm_b, b);
  return memcmp(&ff->norm_a, &ff->norm_b, sizeof ff->norm_a) == 0 ? 0 : -1;
}

static int same_ops(const sim_ff_t *ff) {
  if (ff->n_ops[0] != ff->n_ops[1]) return 0;
  for (uint32_t i = 0; i < ff->n_ops[0]; i++) {
    const sim_ff_op_t *x = &ff->ops[0][i], *y = &ff->ops[1][i];
    /* Bit for bit: the same double added, not one that compares equal. */
    if (x->kind != y->kind || x->n != y->n || memcmp(&x->a, &y->a, sizeof x->a) != 0 ||
        memcmp(&x->b, &y->b, sizeof x->b) != 0) {
      return 0;
    }
  }
  return 1;
}

/* Snapshot now and start recording the period ahead (phase 1), when anything can repeat. */
static void begin(sim_hw_t *hw, const nm_core_t *core) {
  sim_ff_t *ff = hw->ff;
  ff->phase = 0;
  ff->rec = 0;
  int traced = hw->out.trace_fn && hw->now_ns < hw->out.trace_to_ns;
  if (hw->cell.fitted || hw->out.n_uc || hw->out.cord || traced) return;
  uint64_t p = nm_core_ff_period_us(core);
  if (p == 0) return;
  ff->period_us = p;
  ff->next_us = hw->now_ns / 1000u + p;
  ff->core_snap = *core;
  ff->hw_snap = *hw;
  ff->cur = 0;
  ff->n_ops[0] = 0;
  ff->bad = 0;
  ff->rec = 1;
  ff->phase = 1;
}

/* Move hardware and core on n periods of the second recorded one. */
static void skip(sim_hw_t *hw, nm_core_t *core, uint64_t n) {
  sim_ff_t *ff = hw->ff;
  const sim_ff_step_t *st = &ff->hd;
  uint64_t p_ns = ff->period_us * 1000u;
  ff->rec = 0;
  /* All periods but the last with the parts of a cell step that do not change computed
   * once (the same values), the last one as stepping does it (it also leaves the step's
   * mean current). */
  double mv = sim_cell_bench_mv(hw);
  for (uint32_t i = 0; i < ff->n_ops[1]; i++) {
    sim_ff_op_t *op = &ff->ops[1][i];
    if (op->kind == SIM_FF_CELL) op->a = sim_cell_idle_pc(hw->cell.prof, op->n);
  }
  for (uint64_t k = 0; k + 1u < n; k++) {
    for (uint32_t i = 0; i < ff->n_ops[1]; i++) {
      const sim_ff_op_t *op = &ff->ops[1][i];
      if (op->kind == SIM_FF_OUT) sim_out_draw(hw, op->n, op->a, op->b);
      else sim_cell_draw_bench(hw, mv, op->a);
    }
  }
  for (uint32_t i = 0; i < ff->n_ops[1]; i++) {
    const sim_ff_op_t *op = &ff->ops[1][i];
    double v;
    if (op->kind == SIM_FF_OUT) sim_out_draw(hw, op->n, op->a, op->b);
    else (void)sim_cell_draw(hw, op->n, &v);
  }
  hw->now_ns += n * p_ns;
  hw->timer_at_us += n * ff->period_us;
  hw->wdt_kicks += n * st->wdt_kicks;
  hw->out.done_ns += n * p_ns;
  hw->out.cur_start_ns += n * st->cur_start_ns;
  hw->out.swap_at_ns += n * st->swap_at_ns;
  hw->cell.last_ns += n * p_ns;
  hw->out.pulses += n * st->pulses;
  for (int i = 0; i < NM_NODES; i++) {
    hw->out.node_pulses[i] += n * st->node_pulses[i];
    hw->out.node_net_pc[i] += (int64_t)n * st->node_net_pc[i];
  }
  nm_core_ff_apply(core, &ff->d, n);
  ff->skips++;
  ff->periods_skipped += n;
}

void sim_ff_after_wake(sim_hw_t *hw, nm_core_t *core, uint64_t end_us) {
  sim_ff_t *ff = hw->ff;
  uint64_t t = hw->now_ns / 1000u;
  if (ff->phase == 0 || hw->now_ns % 1000u != 0 || t > ff->next_us || (ff->bad && t == ff->next_us)) {
    begin(hw, core);
    return;
  }
  if (t < ff->next_us) return; /* inside the period (a bad one is left to run out: one snapshot a period) */
  nm_ff_t d;
  sim_ff_step_t hd;
  memset(&d, 0, sizeof d);
  d.period_us = ff->period_us;
  if (nm_core_ff_period_us(core) != ff->period_us || nm_core_ff_match(&ff->core_snap, core, &d) != 0 ||
      hw_match(ff, &ff->hw_snap, hw, ff->period_us, &hd) != 0) {
    begin(hw, core);
    return;
  }
  if (ff->phase == 1) {
    /* One period repeated: record a second one to compare. */
    ff->d = d;
    ff->hd = hd;
    ff->core_snap = *core;
    ff->hw_snap = *hw;
    ff->cur = 1;
    ff->n_ops[1] = 0;
    ff->next_us = t + ff->period_us;
    ff->phase = 2;
    return;
  }
  if (!nm_core_ff_same(&d, &ff->d) || memcmp(&hd, &ff->hd, sizeof hd) != 0 || !same_ops(ff)) {
    begin(hw, core);
    return;
  }
  uint64_t n = nm_core_ff_room(core, &d);
  uint64_t left = end_us > t ? (end_us - t) / ff->period_us : 0;
  if (left < n) n = left;
  if (n) skip(hw, core, n);
  begin(hw, core);
}
