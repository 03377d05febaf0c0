/* core.c: the firmware core's state machine: modes, ramps, cycling, output refresh.
 *
 * Work happens only when the core is woken: by its timer (ramp steps, cycling edges,
 * housekeeping) or by a command. Each wake computes the amplitude every running program
 * should have now; when that differs from what the output stage delivers, the core builds
 * a new pattern, checks it once more against the charge limits, and hands it over.
 */
#include "nmod/core.h"

#include <string.h>

#include "nmod/limits.h"

#define HK_US ((uint64_t)NM_HOUSEKEEPING_MS * 1000u)
#define TICK_MS NM_RAMP_TICK_MS
#define NEVER UINT64_MAX

static uint64_t now_us(const nm_core_t *c) { return c->port->now_us(c->port->ctx); }

const char *nm_mode_name(uint8_t mode) {
  static const char *const names[NM_MODE_COUNT] = {"shelf", "off", "therapy", "test", "mri", "surgery"};
  return mode < NM_MODE_COUNT ? names[mode] : "unknown";
}

const char *nm_wave_name(uint32_t wave) {
  static const char *const names[NM_WAVE_COUNT] = {"tonic", "burst", "high-frequency"};
  return wave < NM_WAVE_COUNT ? names[wave] : "unknown";
}

/* ---- running set ------------------------------------------------------------------- */

/* Programs of `mask` in slot order, as pointers into progs[] (slot `repl_slot` replaced by
 * *repl when repl is not NULL), in list[] and slots[] of NM_MAX_RUNNING + 1 entries. Returns
 * how many (NM_MAX_RUNNING + 1: too many). */
static uint8_t running_list(const nm_prog_t progs[], uint8_t mask, const nm_prog_t *repl, uint8_t repl_slot,
                            const nm_prog_t *list[], uint8_t slots[]) {
  uint8_t n = 0;
  /* Every entry a valid pointer, even those past n that no one reads: no stack bytes. */
  /*@ loop unroll NM_MAX_RUNNING + 1; */
  for (uint8_t k = 0; k <= NM_MAX_RUNNING; k++) {
    list[k] = &progs[0];
    slots[k] = 0;
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(mask & (1u << i))) continue;
    if (n == NM_MAX_RUNNING) return (uint8_t)(NM_MAX_RUNNING + 1);
    list[n] = (repl && i == repl_slot) ? repl : &progs[i];
    slots[n] = i;
    n++;
  }
  return n;
}

static uint8_t popcount8(uint8_t v) {
  uint8_t n = 0;
  for (; v; v &= (uint8_t)(v - 1)) n++;
  return n;
}

/* Can the programs of `mask` (among the valid ones of progs[]) run together under
 * `therapy`? Fills `pl` when they can; says why not (nm_set_why). Works on the caller's
 * arrays: no copy of the settings on the stack. An empty mask places (nothing runs). */
static uint8_t place_set(const nm_prog_t progs[], uint8_t valid, uint8_t therapy, uint8_t mask, const nm_prog_t *repl,
                         uint8_t repl_slot, nm_placement_t *pl) {
  const nm_prog_t *list[NM_MAX_RUNNING + 1];
  uint8_t slots[NM_MAX_RUNNING + 1];
  memset(pl, 0, sizeof *pl); /* set on every path (nm_plan_place sets it on the others) */
  if ((mask & valid) != mask) return NM_SET_EMPTY;
  if (popcount8(mask) > NM_MAX_RUNNING) return NM_SET_TOO_MANY;
  if (therapy == NM_THERAPY_SNM && popcount8(mask) > 1) return NM_SET_SNM_ONE;
  uint8_t n = running_list(progs, mask, repl, repl_slot, list, slots);
  switch (nm_plan_place(list, slots, n, pl)) {
    case NM_PLAN_OK: return NM_SET_OK;
    case NM_PLAN_TOO_MANY: return NM_SET_TOO_MANY;
    case NM_PLAN_SLOTS: return NM_SET_SLOTS;
    case NM_PLAN_OVERLAP: return NM_SET_OVERLAP;
    default: return NM_SET_FIT;
  }
}

/* ---- events: the core says what it changes ----------------------------------------- */

void nm_core_event(nm_core_t *c, const nm_event_t *e) {
  if (c->evq_n >= NM_CORE_EVQ_LEN) { /* never above: >= keeps the bound visible to EVA */
    c->evq_dropped++;
    return;
  }
  c->evq[c->evq_n++] = *e;
}


void nm_core_ev_init(nm_event_t *e, uint8_t type) {
  memset(e, 0, sizeof *e); /* every byte: the queue is part of the state ff.c compares bit for bit */
  e->type = type;
}

/* Every change of mode goes through here, so each one is told. */
static void set_mode(nm_core_t *c, uint8_t role, uint8_t mode) {
  if (c->mode == mode) return;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_MODE);
  e.u.mode.from = c->mode;
  e.u.mode.to = mode;
  e.u.mode.role = role;
  c->mode = mode;
  /* mode_before means something only in MRI or surgery (what RESUME brings back): leaving
   * them forgets it, so the state is the one a restore would make of its record (a refused
   * RESUME in therapy left a stale THERAPY there, which its undo then wrote as OFF). */
  if (mode != NM_MODE_MRI && mode != NM_MODE_SURGERY) c->mode_before = NM_MODE_OFF;
  nm_core_event(c, &e);
}

static void set_running(nm_core_t *c, uint8_t role, uint8_t mask) {
  if (c->set.running_mask == mask) return;
  c->set.running_mask = mask;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_SELECT);
  e.u.select.running = mask;
  e.u.select.role = role;
  nm_core_event(c, &e);
}

static void emit_program(nm_core_t *c) {
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_PROGRAM);
  e.u.program.n = popcount8(c->set.valid_mask);
  e.u.program.running = c->set.running_mask;
  nm_core_event(c, &e);
}


/* Fraction (per mille) of full amplitude at `t_ms` into a ramp of `ramp_ms`. */
static uint32_t ramp_pm(uint64_t t_ms, uint32_t ramp_ms) {
  if (ramp_ms == 0 || t_ms >= ramp_ms) return 1000u;
  return (uint32_t)(t_ms * 1000u / ramp_ms);
}

static uint64_t tick_floor(uint64_t ms) { return ms - ms % TICK_MS; }

/* Per-mille level of program p at t_ms after therapy start (cycling and soft start), and
 * the time (ms after start) of the next change, NEVER when none is due. */
static uint32_t cycle_pm(const nm_prog_t *p, uint64_t t_ms, uint64_t *next_ms) {
  uint64_t tq = tick_floor(t_ms);
  uint32_t on_s = p->cyc_on_s; /* read once: the test and the cycle are the same value */
  if (on_s == 0) {
    *next_ms = tq < p->ramp_ms ? tq + TICK_MS : NEVER;
    return ramp_pm(tq, p->ramp_ms);
  }
  uint64_t on_ms = (uint64_t)on_s * 1000u;
  uint64_t cyc_ms = on_ms + (uint64_t)p->cyc_off_s * 1000u;
  uint64_t base = tq - tq % cyc_ms;
  uint64_t tc = tq - base;
  uint32_t r = p->ramp_ms;
  if (tc >= on_ms) {
    *next_ms = base + cyc_ms;
    return 0;
  }
  uint32_t up = ramp_pm(tc, r);
  uint32_t down = ramp_pm(on_ms - tc, r);
  if (r && (tc < r || tc >= on_ms - r)) {
    *next_ms = base + tc + TICK_MS;
  } else {
    *next_ms = base + (r ? on_ms - r : on_ms);
  }
  return up < down ? up : down;
}

static uint32_t quantize(uint64_t amp_ua, uint32_t pm) {
  uint64_t a = amp_ua * pm / 1000u;
  return (uint32_t)(a - a % NM_AMP_STEP_UA);
}

/* A program whose closed loop is on: the stage sets its amplitude, the core its ceiling.
 * Only on a stage that runs loops (port.out_loop): any other would deliver the ceiling
 * itself, so there the program runs open loop at its amplitude. */
static int loop_running(const nm_core_t *c, uint8_t slot) {
  return c->port && c->port->out_loop && slot < NM_MAX_PROGRAMS && c->set.prog[slot].loop.closed &&
         (c->set.loop_on & (1u << slot));
}

/* Level of slot `slot` now, and the next time (us) it may change. A looped program's level
 * is its ceiling (ramps and cycling scale the ceiling; the loop stays under it). */
static uint32_t level_at(const nm_core_t *c, uint8_t slot, uint64_t t_us, uint64_t *next_us) {
  const nm_prog_t *p = &c->set.prog[slot];
  uint64_t next_ms;
  uint64_t t_ms = t_us > c->run_start_us ? (t_us - c->run_start_us) / 1000u : 0;
  uint32_t pm = cycle_pm(p, t_ms, &next_ms);
  *next_us = next_ms == NEVER ? NEVER : c->run_start_us + next_ms * 1000u;
  if (c->stopping) {
    uint64_t s_ms = t_us > c->stop_start_us ? tick_floor((t_us - c->stop_start_us) / 1000u) : 0;
    uint32_t left = p->ramp_ms && s_ms < p->ramp_ms ? 1000u - ramp_pm(s_ms, p->ramp_ms) : 0;
    if (left < pm) pm = left;
    uint64_t stop_next = left ? c->stop_start_us + (s_ms + TICK_MS) * 1000u : NEVER;
    if (stop_next < *next_us) *next_us = stop_next;
  }
  return quantize(loop_running(c, slot) ? c->set.prog[slot].loop.max_ua : c->set.amp_ua[slot], pm);
}

uint32_t nm_core_level_ua(const nm_core_t *c, uint8_t slot, uint64_t t_us) {
  uint64_t next;
  if (slot >= NM_MAX_PROGRAMS) return 0;
  if (c->mode == NM_MODE_TEST) return slot == 0 ? c->test.amp_ua : 0;
  if (c->mode != NM_MODE_THERAPY && !c->stopping) return 0;
  if (!(c->set.running_mask & (1u << slot))) return 0;
  return level_at(c, slot, t_us, &next);
}

/* ---- output ------------------------------------------------------------------------- */

/* ---- output ------------------------------------------------------------------------- */

/* The gauge counts what the output drew up to now, and what it draws from now on: at the
 * changes themselves, so it needs no wake of its own. */
static void gauge_draw(nm_core_t *c, const nm_pattern_t *p) {
  nm_draw_t d = {0, 0};
  if (p) nm_energy_pattern(c->prof, p, c->set.load.impedance_ohm, c->set.load.compliance_mv, &d);
  nm_gauge_account(&c->gauge, c->prof, now_us(c), &d);
}

/* The fault the core holds, and its event (none for NM_FAULT_NONE). A depleted cell may be
 * cleared by the patient (after a recharge); a fault only the clinician may clear (a limiter
 * trip, an assert...) is never replaced by it: that one is kept, and told again. */
static void hold_fault(nm_core_t *c, uint32_t fault, uint32_t detail) {
  if (fault != NM_FAULT_BATTERY || c->fault == NM_FAULT_NONE || c->fault == NM_FAULT_BATTERY) {
    c->fault = fault;
    c->fault_detail = detail;
  }
  if (c->fault == NM_FAULT_NONE) return;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_FAULT);
  e.u.fault.fault = c->fault;
  e.u.fault.detail = c->fault_detail;
  nm_core_event(c, &e);
}

void nm_core_safe_state(nm_core_t *c, uint32_t fault, uint32_t detail) {
  c->port->out_stop(c->port->ctx); /* never held: a stop always reaches the output */
  c->out_loaded = 0;
  memset(c->out_amp_ua, 0, sizeof c->out_amp_ua);
  gauge_draw(c, NULL);
  c->stopping = 0;
  if (c->mode == NM_MODE_THERAPY || c->mode == NM_MODE_TEST) set_mode(c, NM_ROLE_NONE, NM_MODE_OFF);
  c->set.therapy_on = 0;
  hold_fault(c, fault, detail);
}

static void out_off(nm_core_t *c) {
  if (c->out_loaded) c->port->out_stop(c->port->ctx);
  c->out_loaded = 0;
  memset(c->out_amp_ua, 0, sizeof c->out_amp_ua);
  gauge_draw(c, NULL);
}

/* The last line of defence in the core: every node of every channel within the charge
 * limits of its contact, whatever path built the pattern. */
static int pattern_within_limits(const nm_core_t *c, const nm_pattern_t *p) {
  for (uint8_t ch = 0; ch < p->n_chan; ch++) {
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int32_t ua = p->chan[ch].node_ua[n];
      if (ua == 0) continue;
      uint32_t area = nm_lead_node_area_um2(&c->set.lead, n);
      uint32_t q = nm_safety_charge_pc(ua, p->chan[ch].width_us);
      if (area == 0 || nm_safety_over_density(q, area) || nm_safety_over_shannon(q, area)) return 0;
    }
  }
  return nm_pattern_validate(p) == NM_OK;
}

/* The bounds of each looped channel: the target now, the window, the step limit, floor 0,
 * starting from the program's amplitude; its currents (the ceiling) are already set. */
static void loop_bounds(const nm_core_t *c, nm_pattern_t *p) {
  for (uint8_t i = 0; i < p->n_chan; i++) {
    nm_chan_t *ch = &p->chan[i];
    if (!loop_running(c, ch->prog)) continue;
    const nm_loop_cfg_t *l = &c->set.prog[ch->prog].loop;
    ch->loop.on = 1;
    ch->loop.target_uv = c->set.loop_target_uv[ch->prog];
    ch->loop.lo_uv = l->lo_uv;
    ch->loop.hi_uv = l->hi_uv;
    ch->loop.floor_ua = 0;
    ch->loop.step_ua = l->step_ua;
    ch->loop.start_ua = c->set.amp_ua[ch->prog];
  }
}

/* Hand the output stage the pattern for placement `pl` of progs at amps, unless it is what
 * the stage delivers already. */
static int out_update(nm_core_t *c, const nm_placement_t *pl, const nm_prog_t *const progs[],
                      const uint32_t amps[]) {
  uint8_t any = 0, same = c->out_loaded;
  for (uint8_t j = 0; j < pl->n; j++) {
    if (amps[j]) any = 1;
    if (amps[j] != c->out_amp_ua[j]) same = 0;
  }
  if (!any) {
    out_off(c);
    return NM_OK;
  }
  if (same && !c->out_stale) return NM_OK;
  nm_plan_pattern(pl, progs, amps, &c->scratch);
  if (c->mode != NM_MODE_TEST) loop_bounds(c, &c->scratch);
  NM_ASSERT(c, pattern_within_limits(c, &c->scratch));
  if (c->port->out_load(c->port->ctx, &c->scratch) != NM_OK) {
    nm_out_status_t st;
    c->port->out_status(c->port->ctx, &st);
    if (st.tripped) nm_core_safe_state(c, NM_FAULT_LIMITER, st.tripped);
    else nm_core_safe_state(c, NM_FAULT_OUTPUT, 0);
    return NM_EIO;
  }
  c->loads++;
  c->out_loaded = 1;
  c->out_stale = 0;
  for (uint8_t j = 0; j < NM_MAX_RUNNING; j++) c->out_amp_ua[j] = j < pl->n ? amps[j] : 0;
  gauge_draw(c, &c->scratch);
  return NM_OK;
}

/* Bring the output in line with the mode and time `t`; returns the next change (us). */
static uint64_t refresh(nm_core_t *c, uint64_t t) {
  uint64_t next = NEVER;
  if (c->mode == NM_MODE_TEST) {
    const nm_prog_t *tp = &c->test.prog;
    uint32_t amp = c->test.amp_ua;
    (void)out_update(c, &c->test.place, &tp, &amp);
    return NEVER;
  }
  if (c->mode != NM_MODE_THERAPY && !c->stopping) {
    out_off(c);
    return NEVER;
  }
  const nm_prog_t *progs[NM_MAX_RUNNING];
  uint32_t amps[NM_MAX_RUNNING] = {0};
  uint8_t any = 0;
  /*@ loop unroll NM_MAX_RUNNING; */
  for (uint8_t j = 0; j < NM_MAX_RUNNING; j++) progs[j] = &c->set.prog[0]; /* no entry unset */
  for (uint8_t j = 0; j < c->place.n; j++) {
    uint64_t nx;
    uint8_t slot = c->place.prog[j];
    progs[j] = &c->set.prog[slot];
    amps[j] = level_at(c, slot, t, &nx);
    if (nx < next) next = nx;
    if (amps[j]) any = 1;
  }
  if (c->stopping && !any) {
    /* Soft stop finished. */
    c->stopping = 0;
    out_off(c);
    return NEVER;
  }
  (void)out_update(c, &c->place, progs, amps);
  return next;
}


/* Bring the output in line with now and set the next wake; while the output is held
 * (a raising request waiting for its store) nothing reaches the output stage. */
static void schedule(nm_core_t *c, uint64_t t) {
  if (c->hold) return;
  uint64_t next = refresh(c, t);
  if (c->next_hk_us < next) next = c->next_hk_us;
  c->next_wake_us = next;
  c->port->timer_at(c->port->ctx, next);
}

static void check_output_stage(nm_core_t *c) {
  nm_out_status_t st;
  c->port->out_status(c->port->ctx, &st);
  if (st.tripped && c->fault != NM_FAULT_LIMITER) {
    nm_core_safe_state(c, NM_FAULT_LIMITER, st.tripped);
  }
}

uint64_t nm_core_avg_na(const nm_core_t *c) { return nm_gauge_now_na(&c->gauge, c->prof); }

void nm_core_battery(nm_core_t *c) {
  nm_batt_reading_t r;
  if (!c->port->batt_read || c->port->batt_read(c->port->ctx, &r) != NM_OK) return;
  uint8_t prev = c->batt.state;
  nm_gauge_read(&c->gauge, c->prof, &r, prev, now_us(c), &c->batt);
  if (c->batt.state != prev) {
    nm_event_t e;
    nm_core_ev_init(&e, NM_EV_BATTERY);
    e.u.battery.state = c->batt.state;
    e.u.battery.soc_pm = c->batt.soc_pm;
    e.u.battery.remaining_uah = c->batt.remaining_uah;
    nm_core_event(c, &e);
  }
  if (c->batt.state == NM_BATT_EOS && (c->mode == NM_MODE_THERAPY || c->mode == NM_MODE_TEST || c->stopping)) {
    /* Keep what is left for telemetry: stop stimulating. */
    nm_core_safe_state(c, NM_FAULT_BATTERY, c->batt.soc_pm);
  }
}

void nm_core_set_cell(nm_core_t *c, uint8_t cell) { nm_core_set_profile(c, nm_profile_resolve(NM_PROFILE_NONE, cell)); }

void nm_core_set_profile(nm_core_t *c, const nm_profile_t *pf) {
  c->prof = pf ? pf : nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  c->gauge.started = 0; /* the next reading starts it from the voltage */
  gauge_draw(c, c->out_loaded ? &c->scratch : NULL);
  c->batt.state = NM_BATT_OK;
  nm_core_battery(c);
}

static void emit_loop(nm_core_t *c, uint8_t slot, uint8_t what, uint8_t fault, uint8_t role) {
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_LOOP);
  e.u.loop.slot = slot;
  e.u.loop.what = what;
  e.u.loop.fault = fault;
  e.u.loop.role = role;
  e.u.loop.target_uv = c->set.loop_target_uv[slot];
  e.u.loop.amp_ua = c->set.amp_ua[slot];
  nm_core_event(c, &e);
}

/* The stage's report of the loop of `slot` (zero when it runs none). */
static void loop_status(const nm_core_t *c, uint8_t slot, nm_loop_status_t *st) {
  memset(st, 0, sizeof *st);
  if (c->port->out_loop && c->out_loaded) c->port->out_loop(c->port->ctx, slot, st);
}

/* Fix the amplitude of `slot` at amp_ua (rounded down to a 0.1 mA step) with its loop off. */
static void loop_fix(nm_core_t *c, uint8_t slot, uint32_t amp_ua) {
  uint32_t a = amp_ua - amp_ua % NM_AMP_STEP_UA;
  uint32_t reach = nm_prog_reach_ua(&c->set.prog[slot]);
  c->set.amp_ua[slot] = a < reach ? a : reach;
  c->set.loop_on = (uint8_t)(c->set.loop_on & ~(1u << slot));
  c->out_stale = 1;
}

/* A loop that fell back on a sensor fault: its fixed amplitude becomes the program's
 * (never above the last good one, the stage's rule), the loop goes off, it is logged, and
 * the device layer stores it. */
static void loop_poll(nm_core_t *c) {
  if (c->mode != NM_MODE_THERAPY && !c->stopping) return;
  for (uint8_t j = 0; j < c->place.n; j++) {
    uint8_t slot = c->place.prog[j];
    if (!loop_running(c, slot)) continue;
    nm_loop_status_t st;
    loop_status(c, slot, &st);
    if (st.state != NM_LOOP_FALLBACK) continue;
    loop_fix(c, slot, st.fallback_ua);
    c->loop_fault[slot] = st.fault;
    c->self_changed = 1;
    emit_loop(c, slot, NM_LOOPEV_FALLBACK, st.fault, NM_ROLE_NONE);
  }
}

uint64_t nm_core_wake(nm_core_t *c) {
  uint64_t t = now_us(c);
  c->wakeups++;
  check_output_stage(c);
  loop_poll(c);
  if (t >= c->next_hk_us) {
    nm_core_battery(c);
    if (c->port->wdt_kick) c->port->wdt_kick(c->port->ctx);
    c->next_hk_us += HK_US;
    if (c->next_hk_us <= t) c->next_hk_us = t + HK_US; /* the clock jumped: don't spin */
  }
  schedule(c, t);
  return c->next_wake_us;
}

/* ---- setup -------------------------------------------------------------------------- */

int nm_core_init(nm_core_t *c, const nm_port_t *port, uint8_t therapy, const nm_lead_t *lead) {
  memset(c, 0, sizeof *c);
  /* The port and the profile are set on every path, a refusal's too (a caller stops at the
   * error; EVA, joining the two, then still sees them set). */
  c->port = port;
  c->prof = nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  if (!port || therapy > NM_THERAPY_SNM || !lead || nm_lead_validate(lead) != NM_OK) return NM_EINVAL;
  c->hw_lead = *lead;
  c->set.therapy = therapy;
  c->set.lead = *lead;
  c->set.load.impedance_ohm = NM_IMPEDANCE_DEFAULT_OHM;
  c->set.load.compliance_mv = NM_COMPLIANCE_DEFAULT_MV;
  c->mode = NM_MODE_SHELF;
  c->mode_before = NM_MODE_OFF;
  nm_core_battery(c);
  uint64_t t = now_us(c);
  c->next_hk_us = t + HK_US;
  schedule(c, t);
  return NM_OK;
}

/* Every stored program of `s` passes on lead/load and the running set places. NM_OK, or
 * the error with the slot (0xFF: lead, load or running set) and the supervisor's reasons. */
static int settings_ok(const nm_settings_t *s, const nm_lead_t *lead, const nm_load_t *load, nm_placement_t *pl,
                       uint8_t *bad_slot, uint32_t *reasons) {
  *bad_slot = 0xFF;
  *reasons = 0;
  memset(pl, 0, sizeof *pl); /* set on every path, a refusal's too */
  if (s->therapy > NM_THERAPY_SNM || nm_lead_validate(lead) != NM_OK) {
    *reasons = NM_R_LEAD;
    return NM_EINVAL;
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    nm_safety_report_t rep;
    const nm_prog_t *p = &s->prog[i];
    *bad_slot = i;
    if (nm_safety_check(p, lead, load, &rep) == NM_VERDICT_REFUSE) {
      *reasons = rep.reasons & NM_REFUSE_MASK;
      return NM_EREFUSED;
    }
    if (s->amp_ua[i] > nm_prog_reach_ua(p) || s->amp_ua[i] % NM_AMP_STEP_UA) {
      *reasons = NM_R_AMP;
      return NM_EREFUSED;
    }
    /* A loop's target inside its window; no target or loop on a program without a loop. */
    uint16_t tgt = s->loop_target_uv[i];
    int on = (int)(((unsigned)s->loop_on >> i) & 1u);
    if (p->loop.closed ? !(tgt > p->loop.lo_uv && tgt < p->loop.hi_uv) : (tgt != 0 || on)) {
      *reasons = NM_R_LOOP;
      return NM_EREFUSED;
    }
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i)) && (((unsigned)s->loop_on >> i) & 1u)) {
      *reasons = NM_R_LOOP;
      return NM_EREFUSED;
    }
  }
  *bad_slot = 0xFF;
  uint8_t why = place_set(s->prog, s->valid_mask, s->therapy, s->running_mask, NULL, 0, pl);
  if (why != NM_SET_OK) *reasons = NM_R_INTERLEAVE;
  return why != NM_SET_OK ? NM_EREFUSED : NM_OK;
}

static int same_lead(const nm_lead_t *a, const nm_lead_t *b) {
  return a->model == b->model && a->shape == b->shape && a->n_contacts == b->n_contacts && a->area_um2 == b->area_um2;
}

int nm_core_restore(nm_core_t *c, const nm_settings_t *s, const nm_stored_state_t *st, uint8_t *bad_slot,
                    uint32_t *reasons) {
  nm_placement_t pl;
  uint8_t mode = st->mode, mode_before = st->mode_before;
  *bad_slot = 0xFF;
  *reasons = 0;
  if (mode >= NM_MODE_COUNT || s->therapy != c->set.therapy) {
    *reasons = NM_R_LEAD;
    return NM_EINVAL;
  }
  /* The lead is hardware: settings that name another lead are not this device's. */
  if (!same_lead(&s->lead, &c->hw_lead)) {
    *reasons = NM_R_LEAD;
    return NM_EREFUSED;
  }
  int err = settings_ok(s, &c->hw_lead, &s->load, &pl, bad_slot, reasons);
  if (err) return err;
  out_off(c);
  c->set = *s;
  c->place = pl;
  c->stopping = 0;
  /* Never more than what was stored: therapy only when the mode and therapy_on both say
   * so; MRI and surgery come back with the output off, remembering whether therapy was
   * on before them; a test comes back as off. Restoring is not a change: no events. */
  uint8_t m = mode == NM_MODE_TEST ? (uint8_t)NM_MODE_OFF : mode;
  /* A stored fault stays: only the clinician restarts what it stopped, reset or not. */
  c->fault = st->fault;
  c->fault_detail = st->fault_detail;
  int stim = s->therapy_on && s->running_mask && st->fault == NM_FAULT_NONE;
  if (m == NM_MODE_THERAPY && !stim) m = NM_MODE_OFF;
  c->mode = m;
  c->mode_before = (m == NM_MODE_MRI || m == NM_MODE_SURGERY) && mode_before == NM_MODE_THERAPY && stim
                       ? (uint8_t)NM_MODE_THERAPY
                       : (uint8_t)NM_MODE_OFF;
  c->set.therapy_on = (uint8_t)(m == NM_MODE_THERAPY || c->mode_before == NM_MODE_THERAPY);
  uint64_t t = now_us(c);
  c->run_start_us = t;
  schedule(c, t);
  return NM_OK;
}

void nm_core_stored_state(const nm_core_t *c, nm_stored_state_t *out) {
  out->mode = c->mode == NM_MODE_TEST ? (uint8_t)NM_MODE_OFF : c->mode;
  out->mode_before = c->mode_before;
  out->fault = c->fault;
  out->fault_detail = c->fault_detail;
}

void nm_core_hold(nm_core_t *c) { c->hold = 1; }

void nm_core_release(nm_core_t *c) {
  c->hold = 0;
  schedule(c, now_us(c));
}

static int stim_off_modes(uint8_t mode) {
  return mode == NM_MODE_SHELF || mode == NM_MODE_OFF || mode == NM_MODE_MRI || mode == NM_MODE_SURGERY;
}

int nm_core_set_lead(nm_core_t *c, const nm_lead_t *lead, const nm_load_t *load) {
  if (!stim_off_modes(c->mode) || c->stopping) return NM_ESTATE;
  if (!same_lead(lead, &c->hw_lead)) return NM_EREFUSED; /* the lead is hardware */
  nm_placement_t pl;
  uint8_t bad;
  uint32_t why;
  int err = settings_ok(&c->set, lead, load, &pl, &bad, &why);
  if (err) return err;
  c->set.lead = *lead;
  c->set.load = *load;
  c->place = pl;
  return NM_OK;
}

/* ---- programs ----------------------------------------------------------------------- */

/* A new program's loop: on, at the clinician's target (a program without one: none). */
static void loop_defaults(nm_core_t *c, uint8_t slot) {
  const nm_loop_cfg_t *l = &c->set.prog[slot].loop;
  uint8_t bit = (uint8_t)(1u << slot);
  c->set.loop_target_uv[slot] = l->closed ? l->target_uv : 0u;
  c->set.loop_on = (uint8_t)(l->closed ? (c->set.loop_on | bit) : (c->set.loop_on & ~bit));
  c->loop_fault[slot] = 0;
}

int nm_core_prog_write(nm_core_t *c, uint8_t slot, const nm_prog_t *p, nm_safety_report_t *rep) {
  nm_safety_report_t local;
  if (!rep) rep = &local;
  memset(rep, 0, sizeof *rep);
  if (slot >= NM_MAX_PROGRAMS) return NM_ENOENT;
  if (nm_safety_check(p, &c->set.lead, &c->set.load, rep) == NM_VERDICT_REFUSE) return NM_EREFUSED;
  uint8_t bit = (uint8_t)(1u << slot);
  int live = c->mode == NM_MODE_THERAPY || c->stopping;
  if ((c->set.running_mask & bit) && live) return NM_ESTATE;
  nm_placement_t pl = c->place;
  if ((c->set.running_mask & bit) &&
      place_set(c->set.prog, c->set.valid_mask, c->set.therapy, c->set.running_mask, p, slot, &pl) != NM_SET_OK) {
    rep->reasons |= NM_R_INTERLEAVE;
    rep->verdict = NM_VERDICT_REFUSE;
    return NM_EREFUSED;
  }
  c->set.prog[slot] = *p;
  c->set.valid_mask |= bit;
  c->set.amp_ua[slot] = p->amp_ua;
  loop_defaults(c, slot);
  c->place = pl;
  emit_program(c);
  return NM_OK;
}

int nm_core_prog_erase(nm_core_t *c, uint8_t slot) {
  if (slot >= NM_MAX_PROGRAMS || !(c->set.valid_mask & (1u << slot))) return NM_ENOENT;
  uint8_t bit = (uint8_t)(1u << slot);
  if ((c->set.running_mask & bit) && (c->mode == NM_MODE_THERAPY || c->stopping)) return NM_ESTATE;
  uint8_t valid = (uint8_t)(c->set.valid_mask & ~bit), running = (uint8_t)(c->set.running_mask & ~bit);
  nm_placement_t pl;
  uint8_t why = place_set(c->set.prog, valid, c->set.therapy, running, NULL, 0, &pl);
  NM_ASSERT(c, why == NM_SET_OK); /* a subset of a placeable set is placeable */
  c->set.valid_mask = valid;
  set_running(c, NM_ROLE_CLINICIAN, running);
  memset(&c->set.prog[slot], 0, sizeof c->set.prog[slot]);
  c->set.amp_ua[slot] = 0;
  loop_defaults(c, slot);
  c->place = pl;
  emit_program(c);
  return NM_OK;
}

int nm_core_program_all(nm_core_t *c, const nm_lead_t *lead, const nm_load_t *load, uint8_t n,
                        const nm_prog_t progs[], uint8_t running_mask, uint8_t *bad_slot,
                        nm_safety_report_t *rep, uint8_t *set_why) {
  *bad_slot = 0xFF;
  *set_why = NM_SET_OK;
  memset(rep, 0, sizeof *rep);
  if (!stim_off_modes(c->mode) || c->stopping) return NM_ESTATE;
  if (n == 0 || n > NM_MAX_PROGRAMS) return NM_EINVAL;
  if (nm_lead_validate(lead) != NM_OK) return NM_EINVAL;
  if (!same_lead(lead, &c->hw_lead)) {
    /* The lead is hardware: a therapy for another lead is refused whatever it says. */
    rep->verdict = NM_VERDICT_REFUSE;
    rep->reasons = NM_R_LEAD;
    return NM_EREFUSED;
  }
  for (uint8_t i = 0; i < n; i++) {
    if (nm_safety_check(&progs[i], lead, load, rep) == NM_VERDICT_REFUSE) {
      *bad_slot = i;
      return NM_EREFUSED;
    }
  }
  uint8_t valid = (uint8_t)((1u << n) - 1u);
  nm_placement_t pl;
  *set_why = running_mask == 0 ? (uint8_t)NM_SET_NONE : place_set(progs, valid, c->set.therapy, running_mask, NULL, 0, &pl);
  if (*set_why != NM_SET_OK) {
    memset(rep, 0, sizeof *rep);
    rep->verdict = NM_VERDICT_REFUSE;
    rep->reasons = NM_R_INTERLEAVE;
    return NM_EREFUSED;
  }
  /* Judged: replace in place (no second copy of the settings on the stack). */
  c->set.lead = *lead;
  c->set.load = *load;
  c->set.valid_mask = valid;
  memset(c->set.prog, 0, sizeof c->set.prog);
  memset(c->set.amp_ua, 0, sizeof c->set.amp_ua);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (i < n) {
      c->set.prog[i] = progs[i];
      c->set.amp_ua[i] = progs[i].amp_ua;
    }
    loop_defaults(c, i);
  }
  c->set.running_mask = running_mask;
  c->place = pl;
  emit_program(c);
  return NM_OK;
}

int nm_core_select(nm_core_t *c, uint8_t role, uint8_t mask) {
  nm_placement_t pl;
  if (mask == 0) return NM_EINVAL;
  uint8_t why = place_set(c->set.prog, c->set.valid_mask, c->set.therapy, mask, NULL, 0, &pl);
  if (why == NM_SET_EMPTY) return NM_ENOENT;
  if (why != NM_SET_OK) return NM_EREFUSED;
  set_running(c, role, mask);
  c->place = pl;
  if (c->mode == NM_MODE_THERAPY) {
    out_off(c); /* new timing: start over with a soft start */
    c->run_start_us = now_us(c);
  }
  schedule(c, now_us(c));
  return NM_OK;
}

uint8_t nm_core_drop_node(nm_core_t *c, uint8_t node) {
  uint8_t drop = 0;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if ((c->set.running_mask & (1u << i)) && node < NM_NODES && c->set.prog[i].frac_pct[node] != 0) {
      drop = (uint8_t)(drop | (1u << i));
    }
  }
  if (!drop) return 0;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_LEAD_STOP);
  e.u.lead_stop.node = node;
  e.u.lead_stop.progs = drop;
  nm_core_event(c, &e);
  uint8_t keep = (uint8_t)(c->set.running_mask & ~drop);
  if (keep && nm_core_select(c, NM_ROLE_NONE, keep) == NM_OK) return drop;
  /* Nothing left that may run: stop, and say why. */
  nm_core_safe_state(c, NM_FAULT_LEAD, node);
  set_running(c, NM_ROLE_NONE, keep);
  c->place.n = 0;
  return drop;
}

/* ---- therapy, amplitude, modes ------------------------------------------------------ */

/* End a test (TEST_STOP, or a stop of another kind while testing: stop always wins). */
static void test_end(nm_core_t *c, uint8_t role) {
  c->test.amp_ua = 0;
  set_mode(c, role, NM_MODE_OFF);
}

int nm_core_therapy(nm_core_t *c, uint8_t role, int on) {
  uint64_t t = now_us(c);
  if (!on && c->mode == NM_MODE_TEST) {
    test_end(c, role);
    c->set.therapy_on = 0;
    schedule(c, t);
    return NM_OK;
  }
  if (c->mode != NM_MODE_OFF && c->mode != NM_MODE_THERAPY) return NM_ESTATE;
  if (on) {
    if (c->set.running_mask == 0) return NM_ENOENT;
    nm_core_battery(c);
    if (c->batt.state == NM_BATT_EOS) return NM_ESTATE; /* nothing left to stimulate with */
    if (c->fault != NM_FAULT_NONE) {
      /* Stimulation was forced off: the clinician decides when to try again, except after
       * a depleted cell that has since been recharged. */
      if (role != NM_ROLE_CLINICIAN && c->fault != NM_FAULT_BATTERY) return NM_EPERM;
      c->port->out_reset(c->port->ctx);
      c->fault = NM_FAULT_NONE;
      c->fault_detail = 0;
    }
    if (c->mode != NM_MODE_THERAPY || c->stopping) {
      out_off(c);
      c->stopping = 0;
      c->run_start_us = t;
    }
    set_mode(c, role, NM_MODE_THERAPY);
    c->set.therapy_on = 1;
  } else {
    if (c->mode == NM_MODE_THERAPY && c->out_loaded) {
      c->stopping = 1;
      c->stop_start_us = t;
    }
    set_mode(c, role, NM_MODE_OFF);
    c->set.therapy_on = 0;
  }
  schedule(c, t);
  return NM_OK;
}

/* May `role` set program `slot` to amp_ua? NM_OK, or why not. */
static int amp_allowed(const nm_core_t *c, uint8_t role, uint8_t slot, uint32_t amp_ua) {
  const nm_prog_t *p = &c->set.prog[slot];
  if (amp_ua % NM_AMP_STEP_UA || amp_ua > NM_AMP_MAX_UA) return NM_EREFUSED;
  if (role == NM_ROLE_PATIENT) {
    /* Inside the patient's range; or, when the clinician left the amplitude outside it,
     * any move back toward it: a patient can always turn a strong stimulation down. */
    uint32_t cur = nm_core_amp_base_ua(c, slot);
    if (amp_ua >= p->pt_min_ua && amp_ua <= p->pt_max_ua) return NM_OK;
    if (cur > p->pt_max_ua && amp_ua < cur && amp_ua >= p->pt_min_ua) return NM_OK;
    if (cur < p->pt_min_ua && amp_ua > cur && amp_ua <= p->pt_max_ua) return NM_OK;
    return NM_EREFUSED;
  }
  if (role != NM_ROLE_CLINICIAN) return NM_EPERM;
  if (amp_ua <= nm_prog_reach_ua(p)) return NM_OK;
  nm_prog_t q = *p;
  nm_safety_report_t rep;
  q.amp_ua = amp_ua;
  return nm_safety_check(&q, &c->set.lead, &c->set.load, &rep) == NM_VERDICT_REFUSE ? NM_EREFUSED : NM_OK;
}

static void amp_commit(nm_core_t *c, uint8_t role, uint8_t slot, uint32_t amp_ua) {
  if (loop_running(c, slot)) {
    /* A manual amplitude ends the loop: from the amplitude it delivered last. */
    loop_fix(c, slot, nm_core_amp_base_ua(c, slot));
    emit_loop(c, slot, NM_LOOPEV_OFF, 0, role);
  }
  int changed = c->set.amp_ua[slot] != amp_ua;
  c->set.amp_ua[slot] = amp_ua;
  /* A clinician's amplitude is the program's amplitude; a patient's stays in range. */
  if (role == NM_ROLE_CLINICIAN) c->set.prog[slot].amp_ua = amp_ua;
  if (!changed) return;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_AMP);
  e.u.amp.slot = slot;
  e.u.amp.amp_ua = amp_ua;
  e.u.amp.role = role;
  nm_core_event(c, &e);
}

int nm_core_amp_set(nm_core_t *c, uint8_t role, uint8_t slot, uint32_t amp_ua) {
  if (slot >= NM_MAX_PROGRAMS || !(c->set.valid_mask & (1u << slot))) return NM_ENOENT;
  int err = amp_allowed(c, role, slot, amp_ua);
  if (err) return err;
  amp_commit(c, role, slot, amp_ua);
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_amp_step(nm_core_t *c, uint8_t role, uint8_t slot, int dir) {
  uint8_t mask;
  if (slot == 0xFF) {
    mask = c->set.running_mask;
  } else if (slot < NM_MAX_PROGRAMS && (c->set.valid_mask & (1u << slot))) {
    mask = (uint8_t)(1u << slot);
  } else {
    return NM_ENOENT;
  }
  if (mask == 0) return NM_ENOENT;
  uint32_t next[NM_MAX_PROGRAMS] = {0}; /* set for the programs of mask, below */
  /* All or none: every program must accept its step before any changes. */
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(mask & (1u << i))) continue;
    uint32_t a = nm_core_amp_base_ua(c, i);
    if (dir < 0 && a < NM_AMP_STEP_UA) return NM_EREFUSED;
    next[i] = dir > 0 ? a + NM_AMP_STEP_UA : a - NM_AMP_STEP_UA;
    int err = amp_allowed(c, role, i, next[i]);
    if (err) return err;
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (mask & (1u << i)) amp_commit(c, role, i, next[i]);
  }
  schedule(c, now_us(c));
  return NM_OK;
}

uint32_t nm_core_amp_base_ua(const nm_core_t *c, uint8_t slot) {
  if (slot >= NM_MAX_PROGRAMS) return 0;
  uint32_t a = c->set.amp_ua[slot];
  if (!loop_running(c, slot)) return a;
  nm_loop_status_t st;
  loop_status(c, slot, &st);
  if (st.state == NM_LOOP_OFF || st.units == 0) return a; /* not delivered yet: it starts at amp_ua */
  uint32_t last = st.state == NM_LOOP_FALLBACK ? st.fallback_ua : st.amp_ua;
  last -= last % NM_AMP_STEP_UA;
  uint32_t reach = nm_prog_reach_ua(&c->set.prog[slot]);
  return last < reach ? last : reach;
}

uint32_t nm_core_amp_now_ua(const nm_core_t *c, uint8_t slot) {
  if (slot >= NM_MAX_PROGRAMS) return 0;
  uint32_t level = nm_core_level_ua(c, slot, now_us(c));
  if (!loop_running(c, slot) || level == 0) return level;
  nm_loop_status_t st;
  loop_status(c, slot, &st);
  if (st.state == NM_LOOP_OFF || st.units == 0) return level < c->set.amp_ua[slot] ? level : c->set.amp_ua[slot];
  return st.state == NM_LOOP_FALLBACK ? st.fallback_ua : st.amp_ua;
}

/* The programs a loop request names: `slot`, or with 0xFF every running one with a loop. */
static uint8_t loop_mask(const nm_core_t *c, uint8_t slot) {
  if (slot == 0xFF) {
    uint8_t m = 0;
    for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
      if ((c->set.running_mask & (1u << i)) && c->set.prog[i].loop.closed) m = (uint8_t)(m | (1u << i));
    }
    return m;
  }
  if (slot < NM_MAX_PROGRAMS && (c->set.valid_mask & (1u << slot)) && c->set.prog[slot].loop.closed) {
    return (uint8_t)(1u << slot);
  }
  return 0;
}

int nm_core_loop(nm_core_t *c, uint8_t role, uint8_t slot, int on) {
  uint8_t mask = loop_mask(c, slot);
  if (!mask || (on && !c->port->out_loop)) return NM_ENOENT; /* no loop, or a stage without one */
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(mask & (1u << i))) continue;
    int was = (int)(((unsigned)c->set.loop_on >> i) & 1u);
    if (on && !was) {
      c->set.loop_on = (uint8_t)(c->set.loop_on | (1u << i));
      c->loop_fault[i] = 0;
      c->out_stale = 1;
      emit_loop(c, i, NM_LOOPEV_ON, 0, role);
    } else if (!on && was) {
      loop_fix(c, i, nm_core_amp_base_ua(c, i));
      emit_loop(c, i, NM_LOOPEV_OFF, 0, role);
    }
  }
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_loop_target(nm_core_t *c, uint8_t role, uint8_t slot, uint32_t target_uv) {
  uint8_t mask = loop_mask(c, slot);
  if (!mask) return NM_ENOENT;
  if (role != NM_ROLE_PATIENT && role != NM_ROLE_CLINICIAN) return NM_EPERM;
  /* All or none. */
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(mask & (1u << i))) continue;
    const nm_loop_cfg_t *l = &c->set.prog[i].loop;
    int ok = role == NM_ROLE_PATIENT ? target_uv >= l->pt_lo_uv && target_uv <= l->pt_hi_uv
                                     : target_uv > l->lo_uv && target_uv < l->hi_uv;
    if (!ok) return NM_EREFUSED;
  }
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(mask & (1u << i)) || c->set.loop_target_uv[i] == target_uv) continue;
    c->set.loop_target_uv[i] = (uint16_t)target_uv;
    c->out_stale = 1;
    emit_loop(c, i, NM_LOOPEV_TARGET, 0, role);
  }
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_mode(nm_core_t *c, uint8_t role, uint8_t mode) {
  uint64_t t = now_us(c);
  uint8_t cur = c->mode;
  if (mode == NM_MODE_RESUME) {
    if (cur != NM_MODE_MRI && cur != NM_MODE_SURGERY) return NM_ESTATE;
    mode = c->mode_before;
    if (mode == NM_MODE_THERAPY && c->set.running_mask == 0) mode = NM_MODE_OFF;
    set_mode(c, role, NM_MODE_OFF);
    if (mode == NM_MODE_THERAPY) return nm_core_therapy(c, role, 1);
    c->set.therapy_on = 0;
    schedule(c, t);
    return NM_OK;
  }
  switch (mode) {
    case NM_MODE_OFF:
    case NM_MODE_THERAPY:
      if (cur == NM_MODE_SHELF) {
        if (role != NM_ROLE_CLINICIAN) return NM_EPERM;
        set_mode(c, role, NM_MODE_OFF); /* activation */
      } else if (cur == NM_MODE_MRI || cur == NM_MODE_SURGERY) {
        set_mode(c, role, NM_MODE_OFF);
        c->set.therapy_on = 0; /* off means off: a reset must not bring therapy back */
      } else if (cur == NM_MODE_TEST) {
        if (mode == NM_MODE_THERAPY) return NM_ESTATE;
        test_end(c, role); /* off ends the test: stop always wins */
      }
      if (mode == NM_MODE_THERAPY) return nm_core_therapy(c, role, 1);
      if (c->mode == NM_MODE_THERAPY) return nm_core_therapy(c, role, 0);
      schedule(c, t);
      return NM_OK;
    case NM_MODE_MRI:
    case NM_MODE_SURGERY:
      if (cur == NM_MODE_SHELF) return NM_ESTATE;
      if (cur == NM_MODE_TEST) {
        test_end(c, role); /* a scan or an operation ends the test first */
        cur = NM_MODE_OFF;
      }
      if (cur != NM_MODE_MRI && cur != NM_MODE_SURGERY) c->mode_before = cur;
      set_mode(c, role, mode);
      c->stopping = 0; /* off at once, no soft stop */
      out_off(c);
      schedule(c, t);
      return NM_OK;
    case NM_MODE_SHELF:
      if (role != NM_ROLE_CLINICIAN) return NM_EPERM;
      if (cur != NM_MODE_OFF) return NM_ESTATE;
      c->stopping = 0;
      set_mode(c, role, NM_MODE_SHELF);
      schedule(c, t);
      return NM_OK;
    default:
      return NM_EINVAL; /* test mode only through nm_core_test_* */
  }
}

/* ---- intra-operative test stimulation ---------------------------------------------- */

/* Every test pulse level is in the history: the device stores it like any raising. */
static void emit_test_stim(nm_core_t *c) {
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_TEST_STIM);
  e.u.test_stim.node = c->test.node;
  e.u.test_stim.amp_ua = c->test.amp_ua;
  nm_core_event(c, &e);
}

static int test_judge(nm_core_t *c, uint32_t amp_ua) {
  nm_safety_report_t rep;
  c->test.prog.amp_ua = amp_ua;
  c->test.prog.pt_max_ua = amp_ua;
  return nm_safety_check(&c->test.prog, &c->set.lead, &c->set.load, &rep) == NM_VERDICT_REFUSE
             ? NM_EREFUSED
             : NM_OK;
}

int nm_core_test_start(nm_core_t *c, uint8_t node, uint32_t start_ua, uint32_t step_ua) {
  if (c->mode != NM_MODE_OFF && c->mode != NM_MODE_SHELF && c->mode != NM_MODE_TEST) return NM_ESTATE;
  if (c->stopping) return NM_ESTATE;
  if (node >= c->set.lead.n_contacts) return NM_ENOENT;
  if (start_ua > NM_TEST_AMP_MAX_UA || start_ua % NM_AMP_STEP_UA || step_ua == 0 ||
      step_ua % NM_AMP_STEP_UA || step_ua > 10u * NM_AMP_STEP_UA) {
    return NM_EREFUSED;
  }
  nm_test_t next = c->test;
  memset(&next.prog, 0, sizeof next.prog);
  memcpy(next.prog.name, "test", 5);
  next.prog.wave = NM_WAVE_TONIC;
  next.prog.rate_hz = c->set.therapy == NM_THERAPY_SNM ? NM_TEST_RATE_SNM_HZ : NM_TEST_RATE_SCS_HZ;
  next.prog.width_us = NM_TEST_WIDTH_US;
  next.prog.gap_us = NM_GAP_DEFAULT_US;
  next.prog.frac_pct[node] = -100;
  next.prog.frac_pct[NM_NODE_CASE] = 100;
  const nm_prog_t *tp = &next.prog;
  uint8_t zero = 0;
  if (nm_plan_place(&tp, &zero, 1, &next.place) != NM_PLAN_OK) return NM_EREFUSED;
  next.node = node;
  next.step_ua = step_ua;
  nm_test_t saved = c->test;
  c->test = next;
  if (test_judge(c, start_ua) != NM_OK) {
    c->test = saved;
    return NM_EREFUSED;
  }
  c->test.amp_ua = start_ua;
  set_mode(c, NM_ROLE_CLINICIAN, NM_MODE_TEST);
  emit_test_stim(c);
  out_off(c); /* a new contact: never reuse the pattern of the last one */
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_test_step(nm_core_t *c) {
  if (c->mode != NM_MODE_TEST) return NM_ESTATE;
  uint32_t a = c->test.amp_ua + c->test.step_ua;
  if (a > NM_TEST_AMP_MAX_UA || test_judge(c, a) != NM_OK) {
    (void)test_judge(c, c->test.amp_ua);
    return NM_EREFUSED;
  }
  c->test.amp_ua = a;
  emit_test_stim(c);
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_test_mark(nm_core_t *c) {
  if (c->mode != NM_MODE_TEST || c->test.amp_ua == 0) return NM_ESTATE;
  c->test.threshold_ua[c->test.node] = c->test.amp_ua;
  c->test.amp_ua = 0; /* response seen: stop stimulating this contact */
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_TEST);
  e.u.test.node = c->test.node;
  e.u.test.threshold_ua = c->test.threshold_ua[c->test.node];
  nm_core_event(c, &e);
  schedule(c, now_us(c));
  return NM_OK;
}

int nm_core_test_stop(nm_core_t *c) {
  if (c->mode != NM_MODE_TEST) return NM_ESTATE;
  test_end(c, NM_ROLE_CLINICIAN);
  schedule(c, now_us(c));
  return NM_OK;
}
