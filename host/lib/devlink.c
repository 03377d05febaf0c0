/* devlink.c: see devlink.h. */
#include "devlink.h"

#include <string.h>

#include "nmod/records.h"

static int local_xfer(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len) {
  dev_local_t *l = ctx;
  (void)nm_cmd_exec(l->core, l->role, req, req_len, resp, cap, resp_len);
  return 0;
}

void dev_local_link(dev_link_t *l, dev_local_t *local, nm_core_t *core, uint8_t role) {
  local->core = core;
  local->role = role;
  l->xfer = local_xfer;
  l->ctx = local;
}

int dev_call(const dev_link_t *l, const uint8_t *req, size_t len, uint8_t *resp, size_t cap, size_t *resp_len) {
  *resp_len = 0;
  if (l->xfer(l->ctx, req, len, resp, cap, resp_len) != 0 || *resp_len < 1) return DEV_ETRANSPORT;
  return (int8_t)resp[0];
}

/* The report (and what follows it) of a response that carries one. */
static int read_report(const uint8_t *resp, size_t rl, uint8_t *slot, nm_safety_report_t *rep, uint8_t *set) {
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  if (slot) *slot = nm_rd_u8(&r);
  nm_wire_get_report(&r, rep);
  if (set && r.pos < r.len) *set = nm_rd_u8(&r);
  return r.err;
}

int dev_program_all(const dev_link_t *l, const tf_therapy_t *t, dev_refusal_t *why) {
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, &t->lead, &t->load, t->running_mask, t->n_prog, t->prog);
  memset(why, 0, sizeof *why);
  why->slot = 0xFF;
  if (w.err) return NM_ENOSPC;
  int st = dev_call(l, req, w.len, resp, sizeof resp, &rl);
  if (st == NM_EREFUSED && rl > 1) (void)read_report(resp, rl, &why->slot, &why->rep, &why->set);
  return st;
}

int dev_lead_set(const dev_link_t *l, const nm_lead_t *lead, const nm_load_t *load) {
  uint8_t req[64], resp[NM_CMD_MAX];
  size_t rl;
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_LEAD_SET);
  nm_wire_put_lead(&w, lead, load);
  if (w.err) return NM_ENOSPC;
  return dev_call(l, req, w.len, resp, sizeof resp, &rl);
}

int dev_check(const dev_link_t *l, const nm_prog_t *p, nm_safety_report_t *rep) {
  uint8_t req[1 + NM_WIRE_PROG_LEN], resp[NM_CMD_MAX];
  size_t rl;
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_CHECK);
  nm_wire_put_prog(&w, p);
  memset(rep, 0, sizeof *rep);
  if (w.err) return NM_ENOSPC;
  int st = dev_call(l, req, w.len, resp, sizeof resp, &rl);
  if ((st == NM_OK || st == NM_EREFUSED) && rl > 1 && read_report(resp, rl, NULL, rep, NULL) != NM_OK) return NM_EINVAL;
  return st;
}

static int call_small(const dev_link_t *l, const uint8_t *req, size_t len) {
  uint8_t resp[NM_CMD_MAX];
  size_t rl;
  return dev_call(l, req, len, resp, sizeof resp, &rl);
}

int dev_simple(const dev_link_t *l, uint8_t op) { return call_small(l, &op, 1); }

int dev_op_u8(const dev_link_t *l, uint8_t op, uint8_t arg) {
  uint8_t req[2] = {op, arg};
  return call_small(l, req, 2);
}

int dev_amp_set(const dev_link_t *l, uint8_t slot, uint32_t amp_ua) {
  uint8_t req[8];
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_AMP_SET);
  nm_wr_u8(&w, slot);
  nm_wr_u32(&w, amp_ua);
  return call_small(l, req, w.len);
}

int dev_amp_step(const dev_link_t *l, uint8_t slot, int dir) {
  uint8_t req[3] = {NM_OP_AMP_STEP, slot, (uint8_t)(int8_t)(dir > 0 ? 1 : -1)};
  return call_small(l, req, 3);
}

int dev_test_start(const dev_link_t *l, uint8_t node, uint32_t start_ua, uint32_t step_ua) {
  uint8_t req[12];
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_TEST_START);
  nm_wr_u8(&w, node);
  nm_wr_u32(&w, start_ua);
  nm_wr_u32(&w, step_ua);
  return call_small(l, req, w.len);
}
