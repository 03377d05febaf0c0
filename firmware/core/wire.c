/* wire.c: bounded little-endian encoding (see nmod/wire.h). */
#include "nmod/wire.h"

#include "nmod/cmd.h"

#include <string.h>

void nm_wr_init(nm_wr_t *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->err = NM_OK;
}

static uint8_t *wr_take(nm_wr_t *w, size_t n) {
  if (w->err || w->cap - w->len < n) {
    w->err = NM_ENOSPC;
    return NULL;
  }
  uint8_t *p = w->buf + w->len;
  w->len += n;
  return p;
}

void nm_wr_u8(nm_wr_t *w, uint8_t v) {
  uint8_t *p = wr_take(w, 1);
  if (p) p[0] = v;
}

void nm_wr_u16(nm_wr_t *w, uint16_t v) {
  uint8_t *p = wr_take(w, 2);
  if (p) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
  }
}

void nm_wr_u32(nm_wr_t *w, uint32_t v) {
  uint8_t *p = wr_take(w, 4);
  if (p) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  }
}

void nm_wr_u64(nm_wr_t *w, uint64_t v) {
  uint8_t *p = wr_take(w, 8);
  if (p) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
  }
}

void nm_wr_bytes(nm_wr_t *w, const void *src, size_t n) {
  uint8_t *p = wr_take(w, n);
  if (p && n) memcpy(p, src, n);
}

void nm_rd_init(nm_rd_t *r, const uint8_t *buf, size_t len) {
  r->buf = buf;
  r->len = len;
  r->pos = 0;
  r->err = NM_OK;
}

static const uint8_t *rd_take(nm_rd_t *r, size_t n) {
  if (r->err || r->len - r->pos < n) {
    r->err = NM_EINVAL;
    return NULL;
  }
  const uint8_t *p = r->buf + r->pos;
  r->pos += n;
  return p;
}

uint8_t nm_rd_u8(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 1);
  return p ? p[0] : 0;
}

uint16_t nm_rd_u16(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 2);
  return p ? (uint16_t)((unsigned)p[0] | ((unsigned)p[1] << 8u)) : 0;
}

uint32_t nm_rd_u32(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 4);
  if (!p) return 0;
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

uint64_t nm_rd_u64(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 8);
  if (!p) return 0;
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

void nm_rd_bytes(nm_rd_t *r, void *dst, size_t n) {
  const uint8_t *p = rd_take(r, n);
  if (p && n) memcpy(dst, p, n);
  else if (n) memset(dst, 0, n);
}

int nm_rd_done(const nm_rd_t *r) {
  return (r->err == NM_OK && r->pos == r->len) ? NM_OK : NM_EINVAL;
}

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
}

void nm_wire_get_prog(nm_rd_t *r, nm_prog_t *p) {
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
    e->volt_mv = nm_rd_u32(r);
    uint8_t f = nm_rd_u8(r);
    e->over_density = f & 1u;
    e->over_shannon = (f >> 1) & 1u;
  }
}

void nm_wire_put_settings(nm_wr_t *w, const nm_settings_t *s) {
  nm_wr_u8(w, NM_WIRE_SETTINGS_VERSION);
  nm_wr_u8(w, s->therapy);
  nm_wr_u8(w, s->valid_mask);
  nm_wr_u8(w, s->running_mask);
  nm_wr_u8(w, s->therapy_on);
  nm_wire_put_lead(w, &s->lead, &s->load);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    nm_wire_put_prog(w, &s->prog[i]);
    nm_wr_u32(w, s->amp_ua[i]);
  }
}

void nm_wire_get_settings(nm_rd_t *r, nm_settings_t *s) {
  memset(s, 0, sizeof *s);
  if (nm_rd_u8(r) != NM_WIRE_SETTINGS_VERSION) {
    r->err = NM_EINVAL;
    return;
  }
  s->therapy = nm_rd_u8(r);
  s->valid_mask = nm_rd_u8(r);
  s->running_mask = nm_rd_u8(r);
  s->therapy_on = nm_rd_u8(r);
  nm_wire_get_lead(r, &s->lead, &s->load);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    nm_wire_get_prog(r, &s->prog[i]);
    s->amp_ua[i] = nm_rd_u32(r);
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
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(c->set.valid_mask & (1u << i))) continue;
    nm_status_prog_t *p = &out->prog[out->n_prog++];
    p->slot = i;
    memcpy(p->name, c->set.prog[i].name, NM_NAME_LEN);
    p->amp_ua = c->set.amp_ua[i];
    p->pt_min_ua = c->set.prog[i].pt_min_ua;
    p->pt_max_ua = c->set.prog[i].pt_max_ua;
    p->level_ua = nm_core_level_ua(c, i, t);
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
  for (uint8_t i = 0; i < s->n_prog && i < NM_MAX_PROGRAMS; i++) {
    const nm_status_prog_t *p = &s->prog[i];
    nm_wr_u8(w, p->slot);
    nm_wr_bytes(w, p->name, NM_NAME_LEN);
    nm_wr_u32(w, p->amp_ua);
    nm_wr_u32(w, p->pt_min_ua);
    nm_wr_u32(w, p->pt_max_ua);
    nm_wr_u32(w, p->level_ua);
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
