/* ops.c: the op table (see nmod/ops.h): roles, fail-safe class, decoder and, for the
 * core's ops, the handler of every op. A request that fails to decode or is not permitted
 * never reaches a handler. */
#include "nmod/ops.h"

#include <string.h>

#include "nmod/records.h"

#define P (1u << NM_ROLE_PATIENT)
#define C (1u << NM_ROLE_CLINICIAN)

/* ---- decoders --------------------------------------------------------------------- */

static int dec_none(nm_rd_t *r, nm_args_t *a) {
  (void)a;
  return nm_rd_done(r);
}

static int dec_slot(nm_rd_t *r, nm_args_t *a) {
  a->slot = nm_rd_u8(r);
  return nm_rd_done(r);
}

static int dec_write(nm_rd_t *r, nm_args_t *a) {
  a->write.slot = nm_rd_u8(r);
  nm_wire_get_prog(r, &a->write.prog);
  return nm_rd_done(r);
}

static int dec_check(nm_rd_t *r, nm_args_t *a) {
  nm_wire_get_prog(r, &a->check);
  return nm_rd_done(r);
}

static int dec_lead(nm_rd_t *r, nm_args_t *a) {
  nm_wire_get_lead(r, &a->lead.lead, &a->lead.load);
  return nm_rd_done(r);
}

static int dec_all(nm_rd_t *r, nm_args_t *a) {
  nm_wire_get_lead(r, &a->all.lead, &a->all.load);
  a->all.running = nm_rd_u8(r);
  a->all.n = nm_rd_u8(r);
  if (a->all.n == 0 || a->all.n > NM_MAX_PROGRAMS) return NM_EINVAL;
  for (uint8_t i = 0; i < a->all.n; i++) nm_wire_get_prog(r, &a->all.prog[i]);
  return nm_rd_done(r);
}

/* An optional last byte: the reason of a therapy-off or mode change. */
static int dec_reason(nm_rd_t *r, uint8_t *reason) {
  *reason = NM_REASON_NONE;
  if (r->pos < r->len) *reason = nm_rd_u8(r);
  return *reason < NM_REASON_COUNT ? nm_rd_done(r) : NM_EINVAL;
}

static int dec_therapy(nm_rd_t *r, nm_args_t *a) {
  a->therapy.on = nm_rd_u8(r);
  if (r->err || a->therapy.on > 1) return NM_EINVAL;
  return dec_reason(r, &a->therapy.reason);
}

static int dec_amp(nm_rd_t *r, nm_args_t *a) {
  a->amp.slot = nm_rd_u8(r);
  a->amp.amp_ua = nm_rd_u32(r);
  return nm_rd_done(r);
}

static int dec_step(nm_rd_t *r, nm_args_t *a) {
  a->step.slot = nm_rd_u8(r);
  a->step.dir = (int8_t)nm_rd_u8(r);
  if (a->step.dir != 1 && a->step.dir != -1) return NM_EINVAL;
  return nm_rd_done(r);
}

static int dec_mode(nm_rd_t *r, nm_args_t *a) {
  a->mode.mode = nm_rd_u8(r);
  if (r->err) return NM_EINVAL;
  return dec_reason(r, &a->mode.reason);
}

static int dec_loop(nm_rd_t *r, nm_args_t *a) {
  a->loop.slot = nm_rd_u8(r);
  a->loop.on = nm_rd_u8(r);
  if (r->err || a->loop.on > 1) return NM_EINVAL;
  return nm_rd_done(r);
}

static int dec_target(nm_rd_t *r, nm_args_t *a) {
  a->target.slot = nm_rd_u8(r);
  a->target.target_uv = nm_rd_u16(r);
  return nm_rd_done(r);
}

static int dec_test(nm_rd_t *r, nm_args_t *a) {
  a->test.node = nm_rd_u8(r);
  a->test.start_ua = nm_rd_u32(r);
  a->test.step_ua = nm_rd_u32(r);
  return nm_rd_done(r);
}

static int dec_time(nm_rd_t *r, nm_args_t *a) {
  a->epoch_s = nm_rd_u64(r);
  if (a->epoch_s > UINT32_MAX) return NM_EINVAL;
  return nm_rd_done(r);
}

static int dec_key(nm_rd_t *r, nm_args_t *a) {
  nm_rd_bytes(r, a->key_id, NM_KEY_ID_LEN);
  return nm_rd_done(r);
}

static int dec_history(nm_rd_t *r, nm_args_t *a) {
  a->history.from_seq = nm_rd_u32(r);
  a->history.max = nm_rd_u8(r);
  a->history.by_time = 0;
  a->history.since_s = 0;
  if (r->pos < r->len) {
    a->history.since_s = nm_rd_u32(r);
    a->history.by_time = 1;
  }
  return nm_rd_done(r);
}

/* ---- the core's handlers ---------------------------------------------------------- */

static int run_status(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)a;
  nm_status_t st;
  nm_status_of(c, &st);
  nm_wire_put_status(w, &st);
  return NM_OK;
}

static int run_interrogate(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)a;
  nm_interrog_t it;
  nm_interrog_of(c, &it);
  nm_wire_put_interrog(w, &it);
  return NM_OK;
}

static int run_write(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)role;
  nm_safety_report_t rep;
  int st = nm_core_prog_write(c, a->write.slot, &a->write.prog, &rep);
  if (st == NM_OK || st == NM_EREFUSED) nm_wire_put_report(w, &rep);
  if (st == NM_EREFUSED) *reasons = rep.reasons;
  return st;
}

static int run_read(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  if (a->slot >= NM_MAX_PROGRAMS || !(c->set.valid_mask & (1u << a->slot))) return NM_ENOENT;
  nm_wire_put_prog(w, &c->set.prog[a->slot]);
  nm_wr_u32(w, c->set.amp_ua[a->slot]);
  return NM_OK;
}

static int run_erase(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)w;
  return nm_core_prog_erase(c, a->slot);
}

static int run_select(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  /* The patient switches between single programs only. */
  if (role == NM_ROLE_PATIENT && (a->mask == 0 || (a->mask & (a->mask - 1u)) != 0)) return NM_EPERM;
  return nm_core_select(c, role, a->mask);
}

static int run_lead(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)w;
  return nm_core_set_lead(c, &a->lead.lead, &a->lead.load);
}

static int run_check(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)role;
  nm_safety_report_t rep;
  int st = nm_safety_check(&a->check, &c->set.lead, &c->set.load, &rep) == NM_VERDICT_REFUSE ? NM_EREFUSED : NM_OK;
  nm_wire_put_report(w, &rep);
  if (st == NM_EREFUSED) *reasons = rep.reasons;
  return st;
}

static int run_all(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)role;
  nm_safety_report_t rep;
  uint8_t bad = 0xFF, why = NM_SET_OK;
  int st = nm_core_program_all(c, &a->all.lead, &a->all.load, a->all.n, a->all.prog, a->all.running, &bad, &rep, &why);
  if (st == NM_EREFUSED) {
    nm_wr_u8(w, bad);
    nm_wire_put_report(w, &rep);
    nm_wr_u8(w, why);
    *reasons = rep.reasons;
  }
  return st;
}

static int run_therapy(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_therapy(c, role, a->therapy.on);
}

static int run_amp(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_amp_set(c, role, a->amp.slot, a->amp.amp_ua);
}

static int run_step(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_amp_step(c, role, a->step.slot, a->step.dir);
}

static int run_mode(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_mode(c, role, a->mode.mode);
}

static int run_loop(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_loop(c, role, a->loop.slot, a->loop.on);
}

static int run_target(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)w;
  return nm_core_loop_target(c, role, a->target.slot, a->target.target_uv);
}

static void put_test(nm_core_t *c, nm_wr_t *w) {
  nm_wr_u32(w, c->test.amp_ua);
  nm_wr_u32(w, c->test.threshold_ua[c->test.node]);
}

static int run_test_start(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)w;
  return nm_core_test_start(c, a->test.node, a->test.start_ua, a->test.step_ua);
}

static int run_test_step(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)a;
  int st = nm_core_test_step(c);
  if (st == NM_OK) put_test(c, w);
  return st;
}

static int run_test_mark(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)a;
  int st = nm_core_test_mark(c);
  if (st == NM_OK) put_test(c, w);
  return st;
}

static int run_test_stop(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons) {
  (void)reasons;
  (void)role;
  (void)a;
  int st = nm_core_test_stop(c);
  if (st == NM_OK) put_test(c, w);
  return st;
}

/* ---- the table ---------------------------------------------------------------------- */

/* Classes (docs/SAFETY.md, "The fail-safe rule"): what only reads is READ; what can only
 * reduce or stop stimulation is LOWER (erasing a program, stopping or marking a test);
 * what can start or raise it, or changes what a later "on" delivers, is RAISE (writing
 * programs, the lead, starting or stepping a test, pairing, the clock); the rest depend on
 * the request (MIXED, nm_op_class). */
static const nm_op_def_t ops[] = {
    {NM_OP_STATUS, P | C, NM_OPC_READ, 0, dec_none, run_status},
    {NM_OP_INTERROGATE, C, NM_OPC_READ, 0, dec_none, run_interrogate},
    {NM_OP_IDENTITY, P | C, NM_OPC_READ, NM_OPF_DEVICE, dec_none, NULL},
    {NM_OP_TIME_SET, C, NM_OPC_RAISE, NM_OPF_DEVICE, dec_time, NULL},
    {NM_OP_HEALTH, C, NM_OPC_READ, NM_OPF_DEVICE, dec_none, NULL},
    {NM_OP_PROG_WRITE, C, NM_OPC_RAISE, NM_OPF_REPORT, dec_write, run_write},
    {NM_OP_PROG_READ, C, NM_OPC_READ, 0, dec_slot, run_read},
    {NM_OP_PROG_ERASE, C, NM_OPC_LOWER, 0, dec_slot, run_erase},
    {NM_OP_SELECT, P | C, NM_OPC_MIXED, 0, dec_slot, run_select},
    {NM_OP_LEAD_SET, C, NM_OPC_RAISE, 0, dec_lead, run_lead},
    {NM_OP_CHECK, C, NM_OPC_READ, NM_OPF_REPORT, dec_check, run_check},
    {NM_OP_PROGRAM_ALL, C, NM_OPC_RAISE, NM_OPF_REPORT, dec_all, run_all},
    {NM_OP_THERAPY, P | C, NM_OPC_MIXED, 0, dec_therapy, run_therapy},
    {NM_OP_AMP_SET, P | C, NM_OPC_MIXED, 0, dec_amp, run_amp},
    {NM_OP_AMP_STEP, P | C, NM_OPC_MIXED, 0, dec_step, run_step},
    {NM_OP_MODE, P | C, NM_OPC_MIXED, 0, dec_mode, run_mode},
    {NM_OP_LOOP, P | C, NM_OPC_MIXED, 0, dec_loop, run_loop},
    {NM_OP_LOOP_TARGET, P | C, NM_OPC_MIXED, 0, dec_target, run_target},
    {NM_OP_TEST_START, C, NM_OPC_RAISE, 0, dec_test, run_test_start},
    {NM_OP_TEST_STEP, C, NM_OPC_RAISE, 0, dec_none, run_test_step},
    {NM_OP_TEST_MARK, C, NM_OPC_LOWER, 0, dec_none, run_test_mark},
    {NM_OP_TEST_STOP, C, NM_OPC_LOWER, 0, dec_none, run_test_stop},
    {NM_OP_PAIR, C, NM_OPC_RAISE, NM_OPF_DEVICE, dec_none, NULL},
    {NM_OP_REVOKE, C, NM_OPC_LOWER, NM_OPF_DEVICE, dec_key, NULL},
    {NM_OP_REMOTES, C, NM_OPC_READ, NM_OPF_DEVICE, dec_none, NULL},
    {NM_OP_HISTORY, C, NM_OPC_READ, NM_OPF_DEVICE, dec_history, NULL},
    {NM_OP_IMPEDANCE, C, NM_OPC_READ, NM_OPF_DEVICE, dec_none, NULL},
};

const nm_op_def_t *nm_op_find(uint8_t op) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (ops[i].op == op) return &ops[i];
  }
  return NULL;
}

uint8_t nm_op_roles(uint8_t op) {
  const nm_op_def_t *d = nm_op_find(op);
  return d ? d->roles : 0u;
}

int nm_op_decode(uint8_t role, const uint8_t *req, size_t req_len, const nm_op_def_t **def, nm_args_t *a) {
  *def = NULL;
  if (req_len < 1) return NM_EINVAL;
  const nm_op_def_t *d = nm_op_find(req[0]);
  if (!d) return NM_EINVAL;
  *def = d;
  if (role >= NM_ROLE_COUNT || !(d->roles & (1u << role))) return NM_EPERM;
  nm_rd_t r;
  nm_rd_init(&r, req + 1, req_len - 1);
  return d->decode(&r, a) == NM_OK ? NM_OK : NM_EINVAL;
}

/* May the amplitude of `slot` go up? (unknown slots change nothing: a lowering) Measured
 * from what an AMP op changes: for a program whose loop is on, the loop's last amplitude. */
static int amp_rises(const nm_core_t *c, uint8_t slot, uint32_t amp_ua) {
  return slot < NM_MAX_PROGRAMS && amp_ua > nm_core_amp_base_ua(c, slot);
}

/* Would the target of any program the request names go up? */
static int target_rises(const nm_core_t *c, uint8_t slot, uint16_t target_uv) {
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    int named = slot == 0xFF ? (int)(((unsigned)c->set.running_mask >> i) & 1u) : i == slot;
    if (named && c->set.prog[i].loop.closed && target_uv > c->set.loop_target_uv[i]) return 1;
  }
  return 0;
}

uint8_t nm_op_class(const nm_op_def_t *def, const nm_core_t *c, const nm_args_t *a) {
  if (def->cls != NM_OPC_MIXED) return def->cls;
  switch (def->op) {
    case NM_OP_THERAPY: return a->therapy.on ? NM_OPC_RAISE : NM_OPC_LOWER;
    case NM_OP_AMP_SET: return amp_rises(c, a->amp.slot, a->amp.amp_ua) ? NM_OPC_RAISE : NM_OPC_LOWER;
    case NM_OP_AMP_STEP: return a->step.dir > 0 ? NM_OPC_RAISE : NM_OPC_LOWER;
    /* The loop on may raise the amplitude up to its ceiling; off fixes it, never above the
     * last. A higher target raises, a lower one lowers. */
    case NM_OP_LOOP: return a->loop.on ? NM_OPC_RAISE : NM_OPC_LOWER;
    case NM_OP_LOOP_TARGET: return target_rises(c, a->target.slot, a->target.target_uv) ? NM_OPC_RAISE : NM_OPC_LOWER;
    case NM_OP_SELECT:
      /* Dropping programs from the running set lowers; any other set is a new therapy. */
      return (a->mask & (uint8_t)~c->set.running_mask) == 0 && a->mask != 0 ? NM_OPC_LOWER : NM_OPC_RAISE;
    case NM_OP_MODE:
      if (a->mode.mode == NM_MODE_THERAPY) return NM_OPC_RAISE;
      /* Resuming after MRI or surgery raises when it brings therapy back. */
      if (a->mode.mode == NM_MODE_RESUME) return c->mode_before == NM_MODE_THERAPY ? NM_OPC_RAISE : NM_OPC_LOWER;
      return NM_OPC_LOWER; /* off, MRI, surgery, shelf */
    default: return NM_OPC_RAISE; /* unknown mixed op: the careful side */
  }
}

int nm_op_finish(nm_wr_t *w, const nm_op_def_t *def, int st, size_t *len) {
  int keep = st == NM_OK || (st == NM_EREFUSED && def && (def->flags & NM_OPF_REPORT));
  if (!keep) {
    w->len = 1;
    w->err = NM_OK;
  }
  if (w->err) {
    st = NM_ENOSPC;
    w->len = 1;
  }
  w->buf[0] = (uint8_t)(int8_t)st;
  *len = w->len;
  return st;
}
