/* records.c: the record codecs (see nmod/records.h). */
#include "nmod/records.h"

#include <string.h>

#include "nmod/ops.h"

void nm_wire_put_prog(nm_wr_t *w, const nm_prog_t *p) {
  nm_wr_bytes(w, p->name, NM_NAME_LEN);
  nm_wr_u32(w, p->wave);
  nm_wr_u32(w, p->rate_hz);
  nm_wr_u32(w, p->burst_pulses);
  nm_wr_u32(w, p->intra_hz);
  nm_wr_u32(w, p->width_us);
  nm_wr_u32(w, p->gap_us);
  nm_wr_u32(w, p->amp_ua);
  nm_wr_u32(w, p->pt_min_ua);
  nm_wr_u32(w, p->pt_max_ua);
  nm_wr_u32(w, p->cyc_on_s);
  nm_wr_u32(w, p->cyc_off_s);
  nm_wr_u32(w, p->ramp_ms);
  for (int n = 0; n < NM_NODES; n++) nm_wr_u8(w, (uint8_t)p->frac_pct[n]);
  const nm_loop_cfg_t *l = &p->loop;
  nm_wr_u8(w, l->closed);
  nm_wr_u16(w, l->target_uv);
  nm_wr_u16(w, l->lo_uv);
  nm_wr_u16(w, l->hi_uv);
  nm_wr_u16(w, l->pt_lo_uv);
  nm_wr_u16(w, l->pt_hi_uv);
  nm_wr_u32(w, l->max_ua);
  nm_wr_u32(w, l->step_ua);
}

/* A program as firmware 0.2 and before wrote it: without the closed loop. */
static void get_prog_base(nm_rd_t *r, nm_prog_t *p) {
  memset(p, 0, sizeof *p);
  nm_rd_bytes(r, p->name, NM_NAME_LEN);
  p->wave = nm_rd_u32(r);
  p->rate_hz = nm_rd_u32(r);
  p->burst_pulses = nm_rd_u32(r);
  p->intra_hz = nm_rd_u32(r);
  p->width_us = nm_rd_u32(r);
  p->gap_us = nm_rd_u32(r);
  p->amp_ua = nm_rd_u32(r);
  p->pt_min_ua = nm_rd_u32(r);
  p->pt_max_ua = nm_rd_u32(r);
  p->cyc_on_s = nm_rd_u32(r);
  p->cyc_off_s = nm_rd_u32(r);
  p->ramp_ms = nm_rd_u32(r);
  for (int n = 0; n < NM_NODES; n++) p->frac_pct[n] = (int8_t)nm_rd_u8(r);
}

void nm_wire_get_prog(nm_rd_t *r, nm_prog_t *p) {
  get_prog_base(r, p);
  nm_loop_cfg_t *l = &p->loop;
  l->closed = nm_rd_u8(r);
  l->target_uv = nm_rd_u16(r);
  l->lo_uv = nm_rd_u16(r);
  l->hi_uv = nm_rd_u16(r);
  l->pt_lo_uv = nm_rd_u16(r);
  l->pt_hi_uv = nm_rd_u16(r);
  l->max_ua = nm_rd_u32(r);
  l->step_ua = nm_rd_u32(r);
}

void nm_wire_put_lead(nm_wr_t *w, const nm_lead_t *l, const nm_load_t *load) {
  nm_wr_u8(w, l->model);
  nm_wr_u8(w, l->shape);
  nm_wr_u8(w, l->n_contacts);
  nm_wr_u32(w, l->area_um2);
  nm_wr_u32(w, load->impedance_ohm);
  nm_wr_u32(w, load->compliance_mv);
}

void nm_wire_get_lead(nm_rd_t *r, nm_lead_t *l, nm_load_t *load) {
  memset(l, 0, sizeof *l);
  l->model = nm_rd_u8(r);
  l->shape = nm_rd_u8(r);
  l->n_contacts = nm_rd_u8(r);
  l->area_um2 = nm_rd_u32(r);
  load->impedance_ohm = nm_rd_u32(r);
  load->compliance_mv = nm_rd_u32(r);
}

void nm_wire_put_report(nm_wr_t *w, const nm_safety_report_t *rep) {
  nm_wr_u8(w, rep->verdict);
  nm_wr_u32(w, rep->reasons);
  nm_wr_u32(w, rep->eval_amp_ua);
  nm_wr_u32(w, rep->volt_mv);
  nm_wr_u8(w, rep->n_nodes);
  for (uint8_t i = 0; i < rep->n_nodes && i < NM_NODES; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    nm_wr_u8(w, e->node);
    nm_wr_u8(w, (uint8_t)e->frac_pct);
    nm_wr_u32(w, e->charge_pc);
    nm_wr_u32(w, e->density_nc_cm2);
    nm_wr_u32(w, (uint32_t)e->shannon_k_milli);
    nm_wr_u32(w, e->volt_mv);
    nm_wr_u8(w, (uint8_t)(e->over_density | (e->over_shannon << 1)));
  }
}

void nm_wire_get_report(nm_rd_t *r, nm_safety_report_t *rep) {
  memset(rep, 0, sizeof *rep);
  rep->verdict = nm_rd_u8(r);
  rep->reasons = nm_rd_u32(r);
  rep->eval_amp_ua = nm_rd_u32(r);
  rep->volt_mv = nm_rd_u32(r);
  uint8_t n = nm_rd_u8(r);
  if (n > NM_NODES) {
    r->err = NM_EINVAL;
    return;
  }
  rep->n_nodes = n;
  for (uint8_t i = 0; i < n; i++) {
    nm_node_eval_t *e = &rep->node[i];
    e->node = nm_rd_u8(r);
    e->frac_pct = (int8_t)nm_rd_u8(r);
    e->charge_pc = nm_rd_u32(r);
    e->density_nc_cm2 = nm_rd_u32(r);
    e->shannon_k_milli = (int32_t)nm_rd_u32(r);
    e->volt_mv = nm_rd_u32(r);
    uint8_t f = nm_rd_u8(r);
    e->over_density = f & 1u;
    e->over_shannon = (f >> 1) & 1u;
  }
}

void nm_wire_put_settings(nm_wr_t *w, const nm_settings_t *s, const nm_stored_state_t *st) {
  nm_wr_u8(w, NM_WIRE_SETTINGS_VERSION);
  nm_wr_u8(w, s->therapy);
  nm_wr_u8(w, s->valid_mask);
  nm_wr_u8(w, s->running_mask);
  nm_wr_u8(w, s->therapy_on);
  nm_wr_u8(w, st->mode);
  nm_wr_u8(w, st->mode_before);
  nm_wr_u32(w, st->fault);
  nm_wr_u32(w, st->fault_detail);
  nm_wire_put_lead(w, &s->lead, &s->load);
  nm_wr_u8(w, s->loop_on);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    nm_wire_put_prog(w, &s->prog[i]);
    nm_wr_u32(w, s->amp_ua[i]);
    nm_wr_u16(w, s->loop_target_uv[i]);
  }
}

void nm_wire_get_settings(nm_rd_t *r, nm_settings_t *s, nm_stored_state_t *st) {
  memset(s, 0, sizeof *s);
  memset(st, 0, sizeof *st);
  st->mode = NM_MODE_OFF;
  st->mode_before = NM_MODE_OFF;
  uint8_t version = nm_rd_u8(r);
  if (version < 1u || version > NM_WIRE_SETTINGS_VERSION) {
    r->err = NM_EINVAL;
    return;
  }
  s->therapy = nm_rd_u8(r);
  s->valid_mask = nm_rd_u8(r);
  s->running_mask = nm_rd_u8(r);
  s->therapy_on = nm_rd_u8(r);
  if (version >= 2u) {
    st->mode = nm_rd_u8(r);
    st->mode_before = nm_rd_u8(r);
  }
  if (version >= 3u) {
    st->fault = nm_rd_u32(r);
    st->fault_detail = nm_rd_u32(r);
  }
  nm_wire_get_lead(r, &s->lead, &s->load);
  /* Version 4 added the closed loop: its on bits, and per program its settings and target. */
  if (version >= 4u) s->loop_on = nm_rd_u8(r);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    if (version >= 4u) nm_wire_get_prog(r, &s->prog[i]);
    else get_prog_base(r, &s->prog[i]);
    s->amp_ua[i] = nm_rd_u32(r);
    if (version >= 4u) s->loop_target_uv[i] = nm_rd_u16(r);
  }
}

void nm_status_of(const nm_core_t *c, nm_status_t *out) {
  memset(out, 0, sizeof *out);
  uint64_t t = c->port->now_us(c->port->ctx);
  out->mode = c->mode;
  out->therapy = c->set.therapy;
  out->therapy_on = c->set.therapy_on;
  out->fault = c->fault;
  out->fault_detail = c->fault_detail;
  out->cell = c->batt.cell;
  out->batt_state = c->batt.state;
  out->soc_pm = c->batt.soc_pm;
  out->charging = c->batt.charging;
  out->lead_open = c->lead_open;
  out->lead_short = c->lead_short;
  out->valid_mask = c->set.valid_mask;
  out->running_mask = c->set.running_mask;
  out->alerts = c->alerts;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(c->set.valid_mask & (1u << i))) continue;
    nm_status_prog_t *p = &out->prog[out->n_prog++];
    p->slot = i;
    memcpy(p->name, c->set.prog[i].name, NM_NAME_LEN);
    p->amp_ua = c->set.amp_ua[i];
    p->pt_min_ua = c->set.prog[i].pt_min_ua;
    p->pt_max_ua = c->set.prog[i].pt_max_ua;
    p->level_ua = nm_core_level_ua(c, i, t);
    const nm_loop_cfg_t *l = &c->set.prog[i].loop;
    if (!l->closed) continue;
    p->loop.closed = 1;
    p->loop.on = (uint8_t)(((unsigned)c->set.loop_on >> i) & 1u);
    p->loop.fault = c->loop_fault[i];
    p->loop.target_uv = c->set.loop_target_uv[i];
    p->loop.pt_lo_uv = l->pt_lo_uv;
    p->loop.pt_hi_uv = l->pt_hi_uv;
    nm_loop_status_t st;
    memset(&st, 0, sizeof st);
    if (c->out_loaded && p->loop.on && c->port->out_loop) c->port->out_loop(c->port->ctx, i, &st);
    p->loop.state = st.state;
    if (st.state == NM_LOOP_FALLBACK && !p->loop.fault) p->loop.fault = st.fault; /* not yet logged by a wake */
    if (st.units) p->level_ua = st.state == NM_LOOP_FALLBACK ? st.fallback_ua : st.amp_ua;
    p->loop.last_uv = st.last_uv;
  }
}

void nm_wire_put_status(nm_wr_t *w, const nm_status_t *s) {
  nm_wr_u8(w, s->mode);
  nm_wr_u8(w, s->therapy);
  nm_wr_u8(w, s->therapy_on);
  nm_wr_u32(w, s->fault);
  nm_wr_u32(w, s->fault_detail);
  nm_wr_u8(w, s->cell);
  nm_wr_u8(w, s->batt_state);
  nm_wr_u16(w, s->soc_pm);
  nm_wr_u8(w, s->charging);
  nm_wr_u16(w, s->lead_open);
  nm_wr_u16(w, s->lead_short);
  nm_wr_u8(w, s->valid_mask);
  nm_wr_u8(w, s->running_mask);
  nm_wr_u16(w, s->alerts);
  for (uint8_t i = 0; i < s->n_prog && i < NM_MAX_PROGRAMS; i++) {
    const nm_status_prog_t *p = &s->prog[i];
    nm_wr_u8(w, p->slot);
    nm_wr_bytes(w, p->name, NM_NAME_LEN);
    nm_wr_u32(w, p->amp_ua);
    nm_wr_u32(w, p->pt_min_ua);
    nm_wr_u32(w, p->pt_max_ua);
    nm_wr_u32(w, p->level_ua);
    nm_wr_u8(w, (uint8_t)(p->loop.closed | p->loop.on << 1));
    nm_wr_u8(w, p->loop.state);
    nm_wr_u8(w, p->loop.fault);
    nm_wr_u16(w, p->loop.target_uv);
    nm_wr_u16(w, p->loop.pt_lo_uv);
    nm_wr_u16(w, p->loop.pt_hi_uv);
    nm_wr_u32(w, (uint32_t)p->loop.last_uv);
  }
}

void nm_wire_get_status(nm_rd_t *r, nm_status_t *s) {
  memset(s, 0, sizeof *s);
  s->mode = nm_rd_u8(r);
  s->therapy = nm_rd_u8(r);
  s->therapy_on = nm_rd_u8(r);
  s->fault = nm_rd_u32(r);
  s->fault_detail = nm_rd_u32(r);
  s->cell = nm_rd_u8(r);
  s->batt_state = nm_rd_u8(r);
  s->soc_pm = nm_rd_u16(r);
  s->charging = nm_rd_u8(r);
  s->lead_open = nm_rd_u16(r);
  s->lead_short = nm_rd_u16(r);
  s->valid_mask = nm_rd_u8(r);
  s->running_mask = nm_rd_u8(r);
  s->alerts = nm_rd_u16(r);
  /* One entry per stored program, as the mask says. */
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    nm_status_prog_t *p = &s->prog[s->n_prog++];
    p->slot = nm_rd_u8(r);
    nm_rd_bytes(r, p->name, NM_NAME_LEN);
    p->name[NM_NAME_LEN - 1] = '\0';
    p->amp_ua = nm_rd_u32(r);
    p->pt_min_ua = nm_rd_u32(r);
    p->pt_max_ua = nm_rd_u32(r);
    p->level_ua = nm_rd_u32(r);
    uint8_t f = nm_rd_u8(r);
    p->loop.closed = f & 1u;
    p->loop.on = (f >> 1) & 1u;
    p->loop.state = nm_rd_u8(r);
    p->loop.fault = nm_rd_u8(r);
    p->loop.target_uv = nm_rd_u16(r);
    p->loop.pt_lo_uv = nm_rd_u16(r);
    p->loop.pt_hi_uv = nm_rd_u16(r);
    p->loop.last_uv = (int32_t)nm_rd_u32(r);
  }
}

void nm_wire_put_program_all(nm_wr_t *w, const nm_lead_t *lead, const nm_load_t *load, uint8_t running, uint8_t n,
                             const nm_prog_t progs[]) {
  nm_wr_u8(w, NM_OP_PROGRAM_ALL);
  nm_wire_put_lead(w, lead, load);
  nm_wr_u8(w, running);
  nm_wr_u8(w, n);
  for (uint8_t i = 0; i < n; i++) nm_wire_put_prog(w, &progs[i]);
}

void nm_interrog_of(const nm_core_t *c, nm_interrog_t *out) {
  memset(out, 0, sizeof *out);
  nm_status_of(c, &out->status);
  out->lead = c->set.lead;
  out->load = c->set.load;
  out->n_contacts = c->set.lead.n_contacts;
  for (uint8_t n = 0; n < out->n_contacts && n < NM_MAX_CONTACTS; n++) out->threshold_ua[n] = c->test.threshold_ua[n];
  out->test_node = c->mode == NM_MODE_TEST ? c->test.node : 0xFF;
  out->test_amp_ua = c->test.amp_ua;
  out->uptime_us = c->port->now_us(c->port->ctx);
  out->wakeups = c->wakeups;
  out->loads = c->loads;
  out->capacity_uah = c->batt.capacity_uah;
  out->remaining_uah = c->batt.remaining_uah;
  out->voltage_mv = c->batt.voltage_mv;
  out->cycles_x100 = c->batt.cycles_x100;
  uint64_t na = nm_core_avg_na(c);
  out->avg_na = na > UINT32_MAX ? UINT32_MAX : (uint32_t)na;
  out->profile = c->prof ? c->prof->id : (uint8_t)NM_PROFILE_NONE;
}

void nm_wire_put_interrog(nm_wr_t *w, const nm_interrog_t *it) {
  nm_wire_put_status(w, &it->status);
  nm_wire_put_lead(w, &it->lead, &it->load);
  nm_wr_u8(w, it->n_contacts);
  for (uint8_t n = 0; n < it->n_contacts && n < NM_MAX_CONTACTS; n++) nm_wr_u32(w, it->threshold_ua[n]);
  nm_wr_u8(w, it->test_node);
  nm_wr_u32(w, it->test_amp_ua);
  nm_wr_u64(w, it->uptime_us);
  nm_wr_u64(w, it->wakeups);
  nm_wr_u32(w, it->loads);
  nm_wr_u32(w, it->capacity_uah);
  nm_wr_u32(w, it->remaining_uah);
  nm_wr_u32(w, it->voltage_mv);
  nm_wr_u32(w, it->cycles_x100);
  nm_wr_u32(w, it->avg_na);
  nm_wr_u8(w, it->profile);
}

void nm_wire_get_interrog(nm_rd_t *r, nm_interrog_t *it) {
  memset(it, 0, sizeof *it);
  nm_wire_get_status(r, &it->status);
  nm_wire_get_lead(r, &it->lead, &it->load);
  it->n_contacts = nm_rd_u8(r);
  if (it->n_contacts > NM_MAX_CONTACTS) {
    r->err = NM_EINVAL;
    return;
  }
  for (uint8_t n = 0; n < it->n_contacts; n++) it->threshold_ua[n] = nm_rd_u32(r);
  it->test_node = nm_rd_u8(r);
  it->test_amp_ua = nm_rd_u32(r);
  it->uptime_us = nm_rd_u64(r);
  it->wakeups = nm_rd_u64(r);
  it->loads = nm_rd_u32(r);
  it->capacity_uah = nm_rd_u32(r);
  it->remaining_uah = nm_rd_u32(r);
  it->voltage_mv = nm_rd_u32(r);
  it->cycles_x100 = nm_rd_u32(r);
  it->avg_na = nm_rd_u32(r);
  it->profile = nm_rd_u8(r);
}

void nm_wire_put_ident(nm_wr_t *w, const nm_ident_t *id) {
  nm_wr_bytes(w, id->serial, NM_SERIAL_LEN);
  nm_wr_u8(w, id->kind);
  nm_wr_u8(w, id->therapy);
  nm_wr_bytes(w, id->fw, 3);
  nm_load_t none = {0, 0};
  nm_wire_put_lead(w, &id->lead, &none);
  nm_wr_u32(w, id->resets);
  nm_wr_u32(w, id->rejected);
  nm_wr_u32(w, id->auth_failures);
  nm_wr_u32(w, id->log_first);
  nm_wr_u32(w, id->log_next);
  nm_wr_u32(w, id->epoch_s);
}

void nm_wire_get_ident(nm_rd_t *r, nm_ident_t *id) {
  memset(id, 0, sizeof *id);
  nm_rd_bytes(r, id->serial, NM_SERIAL_LEN);
  id->kind = nm_rd_u8(r);
  id->therapy = nm_rd_u8(r);
  nm_rd_bytes(r, id->fw, 3);
  nm_load_t none;
  nm_wire_get_lead(r, &id->lead, &none);
  id->resets = nm_rd_u32(r);
  id->rejected = nm_rd_u32(r);
  id->auth_failures = nm_rd_u32(r);
  id->log_first = nm_rd_u32(r);
  id->log_next = nm_rd_u32(r);
  id->epoch_s = nm_rd_u32(r);
}

/* ---- events --------------------------------------------------------------------------- */

/* One walk over the fields of an event, for both directions: put writes them, get reads
 * them (so the layout of each type is written down once). */
typedef struct {
  nm_wr_t *w;
  nm_rd_t *r;
} ev_io_t;

static void io8(ev_io_t *io, uint8_t *v) {
  if (io->w) nm_wr_u8(io->w, *v);
  else *v = nm_rd_u8(io->r);
}

static void io8s(ev_io_t *io, int8_t *v) {
  uint8_t u = (uint8_t)*v;
  io8(io, &u);
  *v = (int8_t)u;
}

static void io16(ev_io_t *io, uint16_t *v) {
  if (io->w) nm_wr_u16(io->w, *v);
  else *v = nm_rd_u16(io->r);
}

static void io32(ev_io_t *io, uint32_t *v) {
  if (io->w) nm_wr_u32(io->w, *v);
  else *v = nm_rd_u32(io->r);
}

static void iobytes(ev_io_t *io, uint8_t *p, size_t n) {
  if (io->w) nm_wr_bytes(io->w, p, n);
  else nm_rd_bytes(io->r, p, n);
}

/* The fields of e's type; 0 for a type without a layout here. */
static int ev_fields(ev_io_t *io, nm_event_t *e) {
  switch (e->type) {
    case NM_EV_BOOT: io32(io, &e->u.boot.resets); break;
    case NM_EV_PROVISION: break;
    case NM_EV_MODE:
      io8(io, &e->u.mode.from);
      io8(io, &e->u.mode.to);
      io8(io, &e->u.mode.role);
      io8(io, &e->u.mode.reason);
      break;
    case NM_EV_PROGRAM:
      io8(io, &e->u.program.n);
      io8(io, &e->u.program.running);
      break;
    case NM_EV_AMP:
      io8(io, &e->u.amp.slot);
      io32(io, &e->u.amp.amp_ua);
      io8(io, &e->u.amp.role);
      break;
    case NM_EV_REFUSED:
      io8(io, &e->u.refused.op);
      io8s(io, &e->u.refused.status);
      io8(io, &e->u.refused.role);
      io32(io, &e->u.refused.reasons);
      break;
    case NM_EV_AUTH_FAIL:
      io8(io, &e->u.auth_fail.role);
      io32(io, &e->u.auth_fail.count);
      io32(io, &e->u.auth_fail.total);
      break;
    case NM_EV_REJECTED:
      io8s(io, &e->u.rejected.error);
      io32(io, &e->u.rejected.count);
      io32(io, &e->u.rejected.total);
      break;
    case NM_EV_PAIR:
      io8(io, &e->u.pair.slot);
      iobytes(io, e->u.pair.key_id, NM_KEY_ID_LEN);
      break;
    case NM_EV_REVOKE: iobytes(io, e->u.revoke.key_id, NM_KEY_ID_LEN); break;
    case NM_EV_FAULT:
      io32(io, &e->u.fault.fault);
      io32(io, &e->u.fault.detail);
      break;
    case NM_EV_SELECT:
      io8(io, &e->u.select.running);
      io8(io, &e->u.select.role);
      break;
    case NM_EV_TEST:
      io8(io, &e->u.test.node);
      io32(io, &e->u.test.threshold_ua);
      break;
    case NM_EV_TEST_STIM:
      io8(io, &e->u.test_stim.node);
      io32(io, &e->u.test_stim.amp_ua);
      break;
    case NM_EV_TIME:
      io32(io, &e->u.time.old_s);
      io32(io, &e->u.time.new_s);
      break;
    case NM_EV_BATTERY:
      io8(io, &e->u.battery.state);
      io16(io, &e->u.battery.soc_pm);
      io32(io, &e->u.battery.remaining_uah);
      break;
    case NM_EV_IMPEDANCE:
      io16(io, &e->u.impedance.open);
      io16(io, &e->u.impedance.shrt);
      io16(io, &e->u.impedance.high);
      io16(io, &e->u.impedance.jump);
      io32(io, &e->u.impedance.mean_ohm);
      io8(io, &e->u.impedance.auto_check);
      break;
    case NM_EV_USAGE:
      io16(io, &e->u.usage.therapy_min);
      io16(io, &e->u.usage.adjustments);
      io32(io, &e->u.usage.avg_amp_ua);
      io8(io, &e->u.usage.mode_changes);
      io16(io, &e->u.usage.soc_pm);
      break;
    case NM_EV_LEAD_STOP:
      io8(io, &e->u.lead_stop.node);
      io8(io, &e->u.lead_stop.progs);
      break;
    case NM_EV_DAMAGE:
      io16(io, &e->u.damage.keys);
      io16(io, &e->u.damage.bad_records);
      io16(io, &e->u.damage.bad_headers);
      io16(io, &e->u.damage.log_bad);
      break;
    case NM_EV_STORE:
      io8(io, &e->u.store.failing);
      io16(io, &e->u.store.queued);
      io16(io, &e->u.store.dropped);
      break;
    case NM_EV_LOOP:
      io8(io, &e->u.loop.slot);
      io8(io, &e->u.loop.what);
      io8(io, &e->u.loop.fault);
      io8(io, &e->u.loop.role);
      io16(io, &e->u.loop.target_uv);
      io32(io, &e->u.loop.amp_ua);
      break;
    default: return 0;
  }
  return 1;
}

void nm_event_put(nm_wr_t *w, const nm_event_t *e) {
  ev_io_t io = {w, NULL};
  nm_event_t copy = *e;
  nm_wr_u32(w, e->t_s);
  nm_wr_u8(w, e->type);
  (void)ev_fields(&io, &copy);
}

int nm_event_get(nm_rd_t *r, nm_event_t *e) {
  ev_io_t io = {NULL, r};
  memset(e, 0, sizeof *e);
  e->t_s = nm_rd_u32(r);
  e->type = nm_rd_u8(r);
  if (r->err) return NM_EINVAL;
  if (!ev_fields(&io, e)) return NM_ENOENT;
  if (nm_rd_done(r) != NM_OK) {
    uint32_t t = e->t_s;
    uint8_t type = e->type;
    memset(e, 0, sizeof *e);
    e->t_s = t;
    e->type = type;
    return NM_EINVAL;
  }
  return NM_OK;
}
