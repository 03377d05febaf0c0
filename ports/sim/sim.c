/* sim.c: the simulated device around the output stage: clock and timer, the port glue,
 * the run loop, leads, battery, and the trace writer. */
#include <string.h>
#include <sys/random.h>

#include "nmod/err.h"
#include "sim.h"

#define NEVER UINT64_MAX

int sim_out_load(void *ctx, const nm_pattern_t *p);
void sim_out_stop(void *ctx);
void sim_out_status(void *ctx, nm_out_status_t *st);
void sim_out_reset(void *ctx);
int sim_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len);
int sim_nvm_prog(void *ctx, uint32_t addr, const void *buf, size_t len);
int sim_nvm_erase(void *ctx, uint32_t page);

static uint64_t p_now_us(void *ctx) { return ((sim_hw_t *)ctx)->now_ns / 1000u; }

static void p_timer_at(void *ctx, uint64_t at_us) { ((sim_hw_t *)ctx)->timer_at_us = at_us; }

static int p_imp_measure(void *ctx, uint8_t a, uint8_t b, uint32_t *ohm) {
  sim_hw_t *hw = ctx;
  if (a >= NM_NODES || b >= NM_NODES || a == b) return NM_EINVAL;
  if ((a != NM_NODE_CASE && a >= hw->lead.n_contacts) || (b != NM_NODE_CASE && b >= hw->lead.n_contacts)) {
    return NM_ENOENT;
  }
  /* An open contact (broken conductor) reads as a very high impedance; a shorted one
   * (conductor touching another) makes any pair with it read very low. */
  uint8_t fa = hw->node_fault[a], fb = hw->node_fault[b];
  uint64_t z;
  if (fa == SIM_FAULT_OPEN || fb == SIM_FAULT_OPEN) z = 50000u;
  else if (fa == SIM_FAULT_SHORT || fb == SIM_FAULT_SHORT) z = 20u;
  else z = (uint64_t)hw->node_ohm[a] + hw->node_ohm[b];
  *ohm = z > UINT32_MAX ? UINT32_MAX : (uint32_t)z;
  return NM_OK;
}

static int p_batt_read(void *ctx, nm_batt_reading_t *out) {
  sim_batt_reading(ctx, out);
  return NM_OK;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static int p_rng(void *ctx, uint8_t *buf, size_t len) {
  sim_hw_t *hw = ctx;
  if (hw->rng_seeded) {
    for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)splitmix(&hw->rng_state);
    return NM_OK;
  }
  size_t got = 0;
  while (got < len) {
    ssize_t n = getrandom(buf + got, len - got, 0);
    if (n <= 0) return NM_EIO;
    got += (size_t)n;
  }
  return NM_OK;
}

static void p_wdt_kick(void *ctx) { ((sim_hw_t *)ctx)->wdt_kicks++; }

static int p_radio_send(void *ctx, const uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  return NM_EIO; /* the sim service sends replies itself (host/cli/sim_service) */
}

void sim_init(sim_hw_t *hw, const nm_lead_t *lead, uint32_t load_ohm, uint32_t compliance_mv,
              uint8_t *nvm_mem, uint32_t page_size, uint32_t pages) {
  memset(hw, 0, sizeof *hw);
  hw->timer_at_us = NEVER;
  hw->lead = *lead;
  hw->load_ohm = load_ohm;
  hw->compliance_mv = compliance_mv;
  for (uint8_t n = 0; n < NM_NODES; n++) hw->node_ohm[n] = load_ohm / 2u;
  sim_out_init(&hw->out, lead);
  hw->cell.prof = nm_profile_get(NM_PROFILE_NMOD_PRIMARY); /* a bench supply until a cell is fitted */
  hw->nvm.mem = nvm_mem;
  hw->nvm.page_size = page_size;
  hw->nvm.pages = pages;
  hw->nvm.cut_after = -1;
  if (nvm_mem) memset(nvm_mem, 0xFF, (size_t)page_size * pages);

  nm_port_t *p = &hw->port;
  p->ctx = hw;
  p->now_us = p_now_us;
  p->timer_at = p_timer_at;
  p->out_load = sim_out_load;
  p->out_stop = sim_out_stop;
  p->out_status = sim_out_status;
  p->out_reset = sim_out_reset;
  p->out_loop = sim_out_loop;
  p->imp_measure = p_imp_measure;
  p->batt_read = p_batt_read;
  p->nvm_page_size = page_size;
  p->nvm_pages = pages;
  p->nvm_read = sim_nvm_read;
  p->nvm_prog = sim_nvm_prog;
  p->nvm_erase = sim_nvm_erase;
  p->radio_send = p_radio_send;
  p->rng = p_rng;
  p->wdt_kick = p_wdt_kick;
}

const nm_port_t *sim_port(sim_hw_t *hw) { return &hw->port; }

void sim_attach_nvm(sim_hw_t *hw, uint8_t *mem, uint32_t page_size, uint32_t pages) {
  hw->nvm.mem = mem;
  hw->nvm.page_size = page_size;
  hw->nvm.pages = pages;
  hw->port.nvm_page_size = page_size;
  hw->port.nvm_pages = pages;
}

void sim_advance(sim_hw_t *hw, uint64_t t_ns) {
  if (t_ns <= hw->now_ns) return;
  sim_out_account(hw, t_ns);
  hw->now_ns = t_ns;
  sim_batt_account(hw);
}

/* Advance to t_ns, or stop right after a unit whose closed loop fell back (the stage
 * wakes the core to log it). Returns 1 when it stopped early. */
static int advance_to_event(sim_hw_t *hw, uint64_t t_ns) {
  if (t_ns <= hw->now_ns) return 0;
  uint64_t got = sim_out_account_ev(hw, t_ns, 1);
  int early = got < t_ns;
  hw->now_ns = early ? (got > hw->now_ns ? got : hw->now_ns) : t_ns;
  sim_batt_account(hw);
  return early;
}

void sim_run(sim_hw_t *hw, nm_core_t *core, uint64_t end_us) {
  for (;;) {
    uint64_t at = hw->timer_at_us;
    uint64_t to = at != NEVER && at <= end_us ? at : end_us;
    if (advance_to_event(hw, to * 1000u) || hw->out.loop_event) {
      hw->out.loop_event = 0;
      nm_core_wake(core);
      if (hw->ff) hw->ff->phase = 0; /* not a periodic wake: start over */
      continue;
    }
    if (at == NEVER || at > end_us) break;
    hw->timer_at_us = NEVER;
    nm_core_wake(core);
    if (hw->ff) sim_ff_after_wake(hw, core, end_us);
  }
  sim_advance(hw, end_us * 1000u);
}

void sim_attach_cord(sim_hw_t *hw, sim_cord_t *cord) { hw->out.cord = cord; }

void sim_trace(sim_hw_t *hw, sim_phase_fn fn, void *user, uint64_t from_ns, uint64_t to_ns) {
  hw->out.trace_fn = fn;
  hw->out.trace_user = user;
  hw->out.trace_from_ns = from_ns;
  hw->out.trace_to_ns = to_ns;
}

void sim_trace_csv_header(FILE *f, const nm_lead_t *lead) {
  fprintf(f, "time_us,program,phase,width_us");
  for (uint8_t n = 0; n < lead->n_contacts; n++) fprintf(f, ",E%u_ua", n);
  fprintf(f, ",case_ua\n");
}

void sim_csv_init(sim_csv_t *c, FILE *f, uint8_t n_contacts) {
  c->f = f;
  c->n_contacts = n_contacts > NM_MAX_CONTACTS ? NM_MAX_CONTACTS : n_contacts;
  c->err = 0;
  c->len = 0;
  c->next_tail = 0;
  for (unsigned i = 0; i < SIM_CSV_TAILS; i++) c->tail[i].used = 0;
}

int sim_csv_flush(sim_csv_t *c) {
  if (c->len && fwrite(c->buf, 1, c->len, c->f) != c->len) c->err = 1;
  c->len = 0;
  return c->err ? -1 : 0;
}

/* Decimal digits of v at p; returns the end. */
static char *put_u64(char *p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static char *put_i32(char *p, int32_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, (uint64_t)(-(int64_t)v));
  }
  return put_u64(p, (uint64_t)v);
}

/* One row, at most 20 + 1 + 4 + 1 + 3 + 9 + 11 + 17 x 12 bytes: well under 512. */
#define CSV_ROW_MAX 512u

/* The text after the time of a row like ph's: a kept one, or formatted and kept. */
static const sim_csv_tail_t *csv_tail(sim_csv_t *c, const sim_phase_t *ph) {
  for (unsigned i = 0; i < SIM_CSV_TAILS; i++) {
    const sim_csv_tail_t *t = &c->tail[i];
    if (t->used && t->prog == ph->prog && t->recharge == ph->recharge && t->width_us == ph->width_us &&
        memcmp(t->node_ua, ph->node_ua, sizeof t->node_ua) == 0) {
      return t;
    }
  }
  sim_csv_tail_t *t = &c->tail[c->next_tail];
  c->next_tail = (uint8_t)((c->next_tail + 1u) % SIM_CSV_TAILS);
  t->used = 1;
  t->prog = ph->prog;
  t->recharge = ph->recharge;
  t->width_us = ph->width_us;
  memcpy(t->node_ua, ph->node_ua, sizeof t->node_ua);
  char *p = t->text;
  *p++ = ',';
  p = put_u64(p, ph->prog);
  if (ph->recharge) {
    memcpy(p, ",recharge,", 10);
    p += 10;
  } else {
    memcpy(p, ",stim,", 6);
    p += 6;
  }
  p = put_u64(p, ph->width_us);
  for (uint8_t n = 0; n < c->n_contacts; n++) {
    *p++ = ',';
    p = put_i32(p, ph->node_ua[n]);
  }
  *p++ = ',';
  p = put_i32(p, ph->node_ua[NM_NODE_CASE]);
  *p++ = '\n';
  t->len = (uint16_t)(p - t->text);
  return t;
}

void sim_trace_csv(void *user, const sim_phase_t *ph) {
  sim_csv_t *c = user;
  if (c->len + CSV_ROW_MAX > SIM_CSV_BUF) (void)sim_csv_flush(c);
  char *p = c->buf + c->len;
  uint32_t frac = (uint32_t)(ph->start_ns % 1000u);
  p = put_u64(p, ph->start_ns / 1000u);
  *p++ = '.';
  *p++ = (char)('0' + frac / 100u);
  *p++ = (char)('0' + frac / 10u % 10u);
  *p++ = (char)('0' + frac % 10u);
  const sim_csv_tail_t *t = csv_tail(c, ph);
  memcpy(p, t->text, t->len);
  p += t->len;
  c->len = (size_t)(p - c->buf);
}

void sim_set_fault(sim_hw_t *hw, uint8_t node, uint8_t fault) {
  if (node < NM_NODES) hw->node_fault[node] = fault;
}

void sim_set_node_ohm(sim_hw_t *hw, uint8_t node, uint32_t ohm) {
  if (node < NM_NODES) hw->node_ohm[node] = ohm;
}

void sim_set_limit(sim_hw_t *hw, uint8_t node, uint32_t limit_pc) {
  olim_set_ceiling(&hw->out.lim, node, limit_pc);
}

void sim_seed_rng(sim_hw_t *hw, uint64_t seed) {
  hw->rng_state = seed;
  hw->rng_seeded = 1;
}
