/* cm_out.c: a model of the stimulator ASIC, the output stage of the Cortex-M port.
 *
 * On a device, the core hands the ASIC one frame of pulses and the ASIC repeats it by
 * itself. Here the dual timer plays the ASIC's frame clock: it interrupts once per frame
 * (not per pulse), and the interrupt counts what the frame delivered: pulses, and per node
 * the pulses, the net charge and the largest charge of a phase. Counting is exact: a pulse
 * counts when its stimulating phase starts, at frame k's start
 * start + floor(k * 1e9 / frame_hz) ns plus the slot's offset (nmod/pattern.h), whenever
 * the interrupt actually runs. A new pattern or a stop takes effect at the next frame
 * boundary, so no pulse is cut or overlapped; when idle, a pattern starts at once.
 *
 * The limiter is the ASIC's own, independent of the core's safety supervisor, and the same
 * as the simulator's (ports/limiter/olim.h): every pattern it is given must keep each
 * node's stimulating-phase charge under a ceiling fixed when the device is built (the lower
 * of 30 uC/cm2 and Shannon k < 1.85 on the contact's area), have node currents summing to
 * zero and each channel's charge balanced over a frame, and have slots in range, ascending,
 * not overlapping and inside the frame. A pattern that fails trips the stage: output stops
 * at once and the reason is kept until the core resets it. An over-current fault injected
 * at a node (cm_out_overcurrent) trips the stage's current monitor at the first pulse that
 * drives it.
 *
 * A channel with a closed loop (chan.loop.on, docs/CLOSED-LOOP.md) is delivered unit by unit
 * (a tonic pulse with its recharge, or a whole burst with its recharge), as the simulator's
 * stage does: before a unit's first pulse the loop (ports/loop/cloop.c) picks its amplitude
 * and the channel's currents, which the core gave at the loop's ceiling, are scaled down to
 * it; after the unit's recharge the sensing front end (ports/loop/cloop_fe.c, a model of
 * the ASIC's ECAP amplifier on a moving cord) reports the ECAP it measured and the loop
 * moves. A loop that falls back on a sensor fault wakes the core, as a trip does.
 *
 * The state lives in the .asic section: on a device it is the ASIC's memory, not the MCU's,
 * so it is not part of the firmware's RAM budget. Thread-side calls run with interrupts
 * masked; the frame interrupt is the only other user.
 */
#include <string.h>

#include "cloop.h"
#include "cloop_fe.h"
#include "cm_port.h"
#include "mps2.h"
#include "nmod/err.h"
#include "olim_lead.h"

#define NS_PER_S 1000000000u

/* What one pulse of a channel does at its nodes, computed when a pattern starts. */
typedef struct {
  uint8_t n;                  /* nodes that carry current */
  uint8_t node[NM_NODES];
  int32_t stim_pc[NM_NODES];  /* signed charge of the stimulating phase */
  int32_t rech_pc[NM_NODES];  /* signed charge of the recharge phase, when the slot has one */
  uint32_t abs_pc[NM_NODES];  /* |stim_pc| */
  int8_t loop;                /* index in out.loops for a looped channel, else -1 */
  uint8_t in_unit;            /* a looped channel's unit has started (its amplitude is set) */
  uint32_t amp_ua;            /* ... at this cathodic total */
  cloop_chan_t cc;            /* its currents at the ceiling */
} chan_acc_t;

typedef struct {
  nm_pattern_t cur, pend;
  chan_acc_t acc[NM_MAX_RUNNING];
  uint8_t has_cur, has_pend, stop_pend;
  uint64_t swap_ns;       /* the boundary of cur where pend or the stop takes effect */
  uint64_t start_ns;      /* start of frame 0 of cur */
  uint64_t frame_ns;      /* start of the frame being counted */
  uint32_t step_q_ns;     /* 1e9 / frame_hz = q rem r: frames are q or q+1 ns long */
  uint32_t step_r;
  uint32_t step_acc;      /* k * r mod frame_hz for the frame being counted */
  uint8_t next_slot;      /* first slot of that frame not counted yet */
  cm_out_count_t cnt, at_start, at_mark;
  uint64_t mark_ns;
  uint8_t mark_armed, mark_taken;
  olim_t lim;                    /* the limiter's ceilings, set when the device is built */
  olim_trip_t trip;              /* why the limiter last refused a pattern */
  uint8_t overcurrent[NM_NODES]; /* the current monitor's fault hook */
  nm_out_status_t st;
  uint8_t event;                 /* a trip or a loop's fallback: wake the core */
  uint8_t timer_on;
  cloop_set_t loops;             /* the closed loops, one per looped program */
  cfe_t fe;                      /* the sensing front end */
  nm_loop_status_t fell;         /* the last loop that fell back, as it was then */
  uint64_t frame_irqs, isr_ticks, loads;
  uint64_t call_ticks, calls; /* the core's calls into the model (cm_out_load, ...) */
} cm_out_t;

static cm_out_t out __attribute__((section(".asic")));

/* ---- the frame timer ----------------------------------------------------------------- */

#define DUAL_CTRL_ONESHOT (CM_DUAL_CTRL_ONESHOT | CM_DUAL_CTRL_32BIT | CM_DUAL_CTRL_IRQEN | CM_DUAL_CTRL_PERIODIC)

static void timer_off(void) {
  CM_REG(CM_DUAL + CM_DUAL_CTRL) = DUAL_CTRL_ONESHOT;
  CM_REG(CM_DUAL + CM_DUAL_INTCLR) = 1;
  out.timer_on = 0;
}

/* Interrupt at `at_ns` (rounded up to the next tick). In periodic mode a write to LOAD
 * sets the count and restarts an expired one-shot; the first write comes before the enable
 * so that the timer never runs from a count of 0. */
static void timer_at(uint64_t at_ns, uint64_t now_ns) {
  uint64_t d_ns = at_ns > now_ns ? at_ns - now_ns : 1u;
  uint32_t d;
  if (d_ns < 0xFFFFFFFFu - CM_TICK_NS) d = ((uint32_t)d_ns + CM_TICK_NS - 1u) / CM_TICK_NS; /* 32-bit divide */
  else d = 0xFFFFFFF0u; /* fires early, the handler re-arms */
  CM_REG(CM_DUAL + CM_DUAL_LOAD) = d;
  if (!out.timer_on) {
    CM_REG(CM_DUAL + CM_DUAL_CTRL) = DUAL_CTRL_ONESHOT | CM_DUAL_CTRL_EN;
    out.timer_on = 1;
  }
}

/* ---- counting ------------------------------------------------------------------------ */

static uint64_t next_frame_ns(void) {
  uint32_t f = out.cur.frame_hz;
  return out.frame_ns + out.step_q_ns + (out.step_acc + out.step_r >= f ? 1u : 0u);
}

static void advance_frame(void) {
  uint32_t f = out.cur.frame_hz;
  out.frame_ns = next_frame_ns();
  out.step_acc += out.step_r;
  if (out.step_acc >= f) out.step_acc -= f;
  out.next_slot = 0;
}

static uint32_t mag_pc(int32_t ua, uint32_t us) {
  uint64_t m = ua < 0 ? (uint64_t)(-(int64_t)ua) : (uint64_t)ua;
  uint64_t q = m * us;
  return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

/* The charge q_pc with the sign of a phase that is negative when `neg`, saturated at
 * +-INT32_MAX. A stimulating phase the limiter passed is under its ceiling (far below 2^31
 * pC), and its recharge balances the channel's phases of one frame, so neither ever
 * saturates; the bound keeps a bug's charge from wrapping. */
static int32_t signed_pc(uint32_t q_pc, int neg) {
  int32_t m = q_pc > (uint32_t)INT32_MAX ? INT32_MAX : (int32_t)q_pc;
  return neg ? -m : m;
}

/* The node's net charge counter plus one phase's charge; it stops within 2^31 pC of the
 * int64 range instead of overflowing (a balanced pattern keeps it near 0: only a bug could
 * run it that far). */
static int64_t add_net(int64_t net_pc, int32_t q_pc) {
  if (net_pc >= INT64_MAX - INT32_MAX || net_pc <= INT64_MIN - INT32_MIN) return net_pc;
  return net_pc + q_pc;
}

static void trip(uint32_t why, uint8_t node, uint32_t q_pc);

/* Start delivering pattern p (already checked) with frame 0 at t_ns. p may be &out.pend.
 * olim_check passed p, so it has 1..NM_MAX_RUNNING channels, at most NM_PATTERN_MAX_SLOTS
 * slots and frame_hz >= 1 (passes_shape, proved in wp-limiter); the stage relies on them
 * below and checks them again here: a pattern without them is a firmware bug, and the stage
 * trips to off instead of delivering it (returns 1; 0 when the pattern started). */
static int start_pattern(const nm_pattern_t *p, uint64_t t_ns) {
  if (p->n_chan == 0 || p->n_chan > NM_MAX_RUNNING || p->n_slot > NM_PATTERN_MAX_SLOTS || p->frame_hz == 0) {
    trip(NM_OUT_TRIP_SHAPE, 0, 0);
    return 1;
  }
  if (p != &out.cur) out.cur = *p;
  uint8_t keep[NM_MAX_RUNNING] = {0};
  for (uint8_t c = 0; c < out.cur.n_chan; c++) {
    const nm_chan_t *ch = &out.cur.chan[c];
    chan_acc_t *a = &out.acc[c];
    a->in_unit = 0;
    a->loop = -1;
    if (ch->loop.on) {
      cloop_chan_of(ch, &a->cc);
      a->loop = cloop_set_for(&out.loops, ch, a->cc.ceil_ua, keep);
    }
    uint8_t k = 0; /* nodes with current so far: k <= n */
    /*@ loop unroll NM_NODES; */
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int32_t ua = ch->node_ua[n];
      if (ua == 0) continue;
      uint32_t q = mag_pc(ua, ch->width_us);
      uint32_t r = mag_pc(ua, ch->recharge_us);
      a->node[k] = n;
      a->abs_pc[k] = q;
      a->stim_pc[k] = signed_pc(q, ua < 0);
      a->rech_pc[k] = signed_pc(r, ua > 0);
      k++;
    }
    a->n = k;
  }
  int8_t map[NM_MAX_RUNNING];
  cloop_set_keep(&out.loops, keep, map);
  for (uint8_t c = 0; c < out.cur.n_chan; c++) {
    int8_t li = out.acc[c].loop;
    if (li >= 0) out.acc[c].loop = map[li];
  }
  out.has_cur = 1;
  out.start_ns = t_ns;
  out.frame_ns = t_ns;
  out.step_q_ns = NS_PER_S / out.cur.frame_hz;
  out.step_r = NS_PER_S % out.cur.frame_hz;
  out.step_acc = 0;
  out.next_slot = 0;
  out.at_start = out.cnt;
  out.loads++;
  return 0;
}

static void trip(uint32_t why, uint8_t node, uint32_t q_pc) {
  out.st.tripped = why;
  out.st.trip_node = node;
  out.st.trip_charge_pc = q_pc;
  out.has_cur = out.has_pend = out.stop_pend = 0; /* the stage stops at once */
  out.loops.n = 0;
  out.event = 1;
}

/* A looped channel's unit starts: its amplitude from the loop, the currents scaled to it
 * (never above the ceiling the limiter checked, sums kept at zero). */
static void unit_begin(const nm_chan_t *ch, chan_acc_t *a, uint8_t li) {
  int32_t ua[NM_NODES] = {0};
  a->amp_ua = cloop_scale(&a->cc, cloop_amp(&out.loops.l[li]), ua);
  a->in_unit = 1;
  uint8_t k = 0; /* k <= i */
  /*@ loop unroll NM_NODES; */
  for (uint8_t i = 0; i < a->cc.n; i++) {
    if (ua[i] == 0) continue;
    uint32_t q = mag_pc(ua[i], ch->width_us);
    uint32_t r = mag_pc(ua[i], ch->recharge_us);
    a->node[k] = a->cc.node[i];
    a->abs_pc[k] = q;
    a->stim_pc[k] = signed_pc(q, ua[i] < 0);
    a->rech_pc[k] = signed_pc(r, ua[i] > 0);
    k++;
  }
  a->n = k;
}

/* A looped channel's unit ended with its recharge: the front end's measurement moves the
 * loop; a fallback wakes the core. */
static void unit_end(chan_acc_t *a, uint8_t li) {
  cloop_t *l = &out.loops.l[li];
  cloop_sample_t smp;
  cfe_measure(&out.fe, a->amp_ua, &smp);
  a->in_unit = 0;
  cloop_sample(l, &smp);
  if (l->event && !out.event) {
    out.event = 1;
    cloop_status(l, &out.fell); /* kept for the scenario: the core drops the loop */
  }
}

/* Deliver slot i of the frame being counted; 0, or 1 when the stage tripped: the current
 * monitor, or a slot whose channel (or that channel's loop index) is out of range
 * (olim_check refuses such a pattern, passes_shape: only a firmware bug brings one here). */
static int deliver(uint8_t i) {
  const nm_slot_t *s = &out.cur.slot[i];
  uint8_t c = s->chan;
  if (c >= out.cur.n_chan || c >= NM_MAX_RUNNING) {
    trip(NM_OUT_TRIP_SHAPE, 0, 0);
    return 1;
  }
  chan_acc_t *a = &out.acc[c];
  int8_t li = a->loop; /* -1, or an index of out.loops (cloop_set_for) */
  if (li >= NM_MAX_RUNNING) {
    trip(NM_OUT_TRIP_SHAPE, 0, 0); /* never: a firmware bug */
    return 1;
  }
  if (li >= 0 && !a->in_unit) unit_begin(&out.cur.chan[c], a, (uint8_t)li);
  for (uint8_t j = 0; j < a->n; j++) {
    if (out.overcurrent[a->node[j]]) {
      trip(NM_OUT_TRIP_CHARGE, a->node[j], a->abs_pc[j]);
      return 1;
    }
  }
  for (uint8_t j = 0; j < a->n; j++) {
    uint8_t n = a->node[j];
    out.cnt.node_pulses[n]++;
    int64_t net = add_net(out.cnt.node_net_pc[n], a->stim_pc[j]);
    if (s->recharge) net = add_net(net, a->rech_pc[j]);
    out.cnt.node_net_pc[n] = net;
    if (a->abs_pc[j] > out.cnt.node_max_pc[n]) out.cnt.node_max_pc[n] = a->abs_pc[j];
  }
  out.cnt.pulses++;
  if (li >= 0 && s->recharge) unit_end(a, (uint8_t)li);
  return 0;
}

static void mark_before(uint64_t t_ns) {
  if (out.mark_armed && out.mark_ns <= t_ns) {
    out.at_mark = out.cnt;
    out.mark_armed = 0;
    out.mark_taken = 1;
  }
}

/* Count every pulse that starts before t_ns; apply a pattern change or stop when its
 * boundary is reached. */
static void account(uint64_t t_ns) {
  while (out.has_cur) {
    if (out.next_slot == 0 && (out.has_pend || out.stop_pend) && out.frame_ns >= out.swap_ns) {
      if (out.stop_pend) {
        out.has_cur = 0;
        out.stop_pend = 0;
        out.loops.n = 0; /* the output stopped: a loop starts afresh next time */
        break;
      }
      out.has_pend = 0;
      (void)start_pattern(&out.pend, out.frame_ns); /* a trip stops the loop (has_cur 0) */
      continue;
    }
    if (out.next_slot < out.cur.n_slot) {
      uint64_t ps = out.frame_ns + out.cur.slot[out.next_slot].offset_ns;
      mark_before(ps);
      if (ps >= t_ns) break;
      if (deliver(out.next_slot)) break;
      out.next_slot++;
      continue;
    }
    if (next_frame_ns() > t_ns) break;
    advance_frame();
  }
  mark_before(t_ns);
}

/* The frame boundary where a change requested now takes effect. */
static uint64_t change_boundary(uint64_t now_ns) {
  if (out.next_slot == 0 && out.frame_ns >= now_ns) return out.frame_ns;
  return next_frame_ns();
}

static void rearm(uint64_t now_ns) {
  if (out.has_cur) timer_at(next_frame_ns(), now_ns);
  else if (out.timer_on) timer_off();
}

void cm_isr_dualtimer(void);
void cm_isr_dualtimer(void) {
  uint64_t t0 = cm_ticks();
  CM_REG(CM_DUAL + CM_DUAL_INTCLR) = 1;
  uint64_t now = t0 * CM_TICK_NS;
  account(now);
  rearm(now);
  out.frame_irqs++;
  out.isr_ticks += cm_ticks() - t0;
}

/* ---- the port functions --------------------------------------------------------------- */

void cm_out_init(const nm_lead_t *lead) {
  timer_off();
  memset(&out, 0, sizeof out);
  olim_hw_t hw = olim_hw_of_lead(lead);
  olim_init(&out.lim, &hw);
  cfe_init(&out.fe);
  cm_nvic_enable(CM_IRQ_DUAL, CM_PRIO_DEVICES);
}

/* The port functions below run the model on the core's behalf; on a device they are a few
 * register writes or one transfer to the ASIC. Their time is kept apart (call_ticks) so
 * that the bench can leave the model out of the core's cost. */
static uint64_t call_begin(uint32_t *m) {
  *m = cm_irq_save();
  return cm_ticks();
}

static void call_end(uint32_t m, uint64_t t0) {
  out.call_ticks += cm_ticks() - t0;
  out.calls++;
  cm_irq_restore(m);
}

int cm_out_load(void *ctx, const nm_pattern_t *p) {
  (void)ctx;
  uint32_t m;
  uint64_t t0 = call_begin(&m);
  uint64_t now = t0 * CM_TICK_NS;
  account(now);
  int err = NM_OK;
  if (out.st.tripped) {
    err = NM_EREFUSED; /* stays off until the core resets it */
  } else if (olim_check(&out.lim, p, &out.trip) != NM_OUT_TRIP_NONE) {
    trip(out.trip.why, out.trip.node, out.trip.charge_pc);
    err = NM_EREFUSED;
  } else if (!out.has_cur) {
    if (start_pattern(p, now)) err = NM_EREFUSED;
  } else {
    if (!out.has_pend && !out.stop_pend) out.swap_ns = change_boundary(now);
    out.pend = *p;
    out.has_pend = 1;
    out.stop_pend = 0;
  }
  rearm(now);
  call_end(m, t0);
  return err;
}

void cm_out_stop(void *ctx) {
  (void)ctx;
  uint32_t m;
  uint64_t t0 = call_begin(&m);
  uint64_t now = t0 * CM_TICK_NS;
  account(now);
  if (out.has_cur) {
    if (!out.has_pend && !out.stop_pend) out.swap_ns = change_boundary(now);
    out.has_pend = 0;
    out.stop_pend = 1;
  }
  rearm(now);
  call_end(m, t0);
}

void cm_out_status(void *ctx, nm_out_status_t *st) {
  (void)ctx;
  uint32_t m;
  uint64_t t0 = call_begin(&m);
  account(t0 * CM_TICK_NS);
  *st = out.st;
  st->running = out.has_cur;
  call_end(m, t0);
}

void cm_out_reset(void *ctx) {
  (void)ctx;
  uint32_t m;
  uint64_t t0 = call_begin(&m);
  memset(&out.st, 0, sizeof out.st);
  call_end(m, t0);
}

/* Output off at once, mid-frame if need be: the last resort of a fault handler. Touches
 * nothing but the model's flags and its timer, so it works whatever state the CPU is in. */
void cm_out_kill(void) {
  uint32_t m = cm_irq_save();
  out.has_cur = out.has_pend = out.stop_pend = 0;
  out.loops.n = 0;
  timer_off();
  cm_irq_restore(m);
}

void cm_out_loop(void *ctx, uint8_t prog, nm_loop_status_t *st) {
  (void)ctx;
  uint32_t m;
  uint64_t t0 = call_begin(&m);
  account(t0 * CM_TICK_NS);
  memset(st, 0, sizeof *st);
  cloop_t *l = cloop_set_find(&out.loops, prog);
  if (l) {
    cloop_status(l, st);
    l->event = 0;
  }
  call_end(m, t0);
}

/* ---- for the scenario and the bench ---------------------------------------------------- */

void cm_out_overcurrent(uint8_t node, int on) {
  if (node < NM_NODES) out.overcurrent[node] = on ? 1u : 0u;
}

int cm_out_take_event(void) {
  uint32_t m = cm_irq_save();
  int ev = out.event;
  out.event = 0;
  cm_irq_restore(m);
  return ev;
}

int cm_out_event_pending(void) { return out.event; }

void cm_out_sense_fault(uint8_t fault) {
  uint32_t m = cm_irq_save();
  cfe_fault(&out.fe, fault);
  cm_irq_restore(m);
}

void cm_out_info(cm_out_info_t *info) {
  uint32_t m = cm_irq_save();
  account(cm_now_ns());
  memset(info, 0, sizeof *info);
  info->running = out.has_cur;
  info->change_pending = (uint8_t)(out.has_pend | out.stop_pend);
  if (out.has_cur) {
    info->start_ns = out.start_ns;
    info->frame_hz = out.cur.frame_hz;
    info->n_slot = out.cur.n_slot;
    info->n_chan = out.cur.n_chan;
    for (uint8_t c = 0; c < out.cur.n_chan; c++) {
      int32_t sum = 0;
      for (uint8_t n = 0; n < NM_NODES; n++) {
        if (out.cur.chan[c].node_ua[n] < 0) sum += out.cur.chan[c].node_ua[n];
      }
      info->chan_ua[c] = -sum;
    }
  }
  info->at_start = out.at_start;
  info->frame_irqs = out.frame_irqs;
  info->isr_ticks = out.isr_ticks;
  info->loads = out.loads;
  info->call_ticks = out.call_ticks;
  info->calls = out.calls;
  cm_irq_restore(m);
}

int cm_out_pattern(nm_pattern_t *p) {
  uint32_t m = cm_irq_save();
  account(cm_now_ns());
  int on = out.has_cur;
  if (on) *p = out.cur;
  cm_irq_restore(m);
  return on;
}

void cm_out_last_fallback(nm_loop_status_t *st) {
  uint32_t m = cm_irq_save();
  *st = out.fell;
  cm_irq_restore(m);
}

void cm_out_limiter(olim_t *lim, olim_trip_t *trip) {
  uint32_t m = cm_irq_save();
  *lim = out.lim;
  *trip = out.trip;
  cm_irq_restore(m);
}

void cm_out_counts(cm_out_count_t *cnt) {
  uint32_t m = cm_irq_save();
  account(cm_now_ns());
  *cnt = out.cnt;
  cm_irq_restore(m);
}

int cm_out_mark(uint64_t t_ns) {
  uint32_t m = cm_irq_save();
  uint64_t now = cm_now_ns();
  account(now);
  out.mark_ns = t_ns;
  out.mark_armed = 1;
  out.mark_taken = 0;
  mark_before(now); /* a mark in the past is taken now: not exact */
  cm_irq_restore(m);
  return t_ns >= now;
}

int cm_out_mark_read(cm_out_count_t *cnt) {
  uint32_t m = cm_irq_save();
  account(cm_now_ns());
  int taken = out.mark_taken;
  if (taken) *cnt = out.at_mark;
  cm_irq_restore(m);
  return taken;
}

uint64_t cm_out_boundary_after(uint64_t t_ns) {
  uint32_t m = cm_irq_save();
  account(cm_now_ns());
  uint64_t b = CM_NEVER;
  if (out.has_cur) {
    uint64_t f = out.cur.frame_hz;
    uint64_t d = t_ns > out.start_ns ? t_ns - out.start_ns : 0;
    uint64_t k = (d * f + NS_PER_S - 1u) / NS_PER_S; /* frames starting before d */
    b = out.start_ns + k * NS_PER_S / f;
  }
  cm_irq_restore(m);
  return b;
}
