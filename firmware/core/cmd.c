/* cmd.c: the command layer (see nmod/cmd.h and docs/PROTOCOL.md). Decodes one request,
 * checks the role, calls the core, encodes the response. A request that fails to decode
 * or is not permitted never reaches the core. */
#include "nmod/cmd.h"

#include <string.h>

#include "nmod/wire.h"

#define P (1u << NM_ROLE_PATIENT)
#define C (1u << NM_ROLE_CLINICIAN)

uint8_t nm_cmd_roles(uint8_t op) {
  switch (op) {
    case NM_OP_STATUS: return P | C;
    case NM_OP_INTERROGATE: return C;
    case NM_OP_PROG_WRITE: return C;
    case NM_OP_PROG_READ: return C;
    case NM_OP_PROG_ERASE: return C;
    case NM_OP_SELECT: return P | C; /* the patient picks one stored program */
    case NM_OP_LEAD_SET: return C;
    case NM_OP_CHECK: return C;
    case NM_OP_PROGRAM_ALL: return C;
    case NM_OP_THERAPY: return P | C;
    case NM_OP_AMP_SET: return P | C; /* the core keeps the patient in range */
    case NM_OP_AMP_STEP: return P | C;
    case NM_OP_MODE: return P | C;    /* the core keeps shelf mode to the clinician */
    case NM_OP_TEST_START:
    case NM_OP_TEST_STEP:
    case NM_OP_TEST_MARK:
    case NM_OP_TEST_STOP: return C;
    default: return 0;
  }
}

static void put_status(nm_wr_t *w, const nm_core_t *c) {
  nm_status_t st;
  nm_status_of(c, &st);
  nm_wire_put_status(w, &st);
}

static void put_interrogate(nm_wr_t *w, const nm_core_t *c) {
  put_status(w, c);
  nm_wire_put_lead(w, &c->set.lead, &c->set.load);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (c->set.valid_mask & (1u << i)) nm_wire_put_prog(w, &c->set.prog[i]);
  }
  nm_wr_u8(w, c->set.lead.n_contacts);
  for (uint8_t n = 0; n < c->set.lead.n_contacts; n++) nm_wr_u32(w, c->test.threshold_ua[n]);
  nm_wr_u8(w, c->mode == NM_MODE_TEST ? c->test.node : 0xFF);
  nm_wr_u32(w, c->test.amp_ua);
  nm_wr_u64(w, c->port->now_us(c->port->ctx));
  nm_wr_u64(w, c->wakeups);
  nm_wr_u32(w, c->loads);
  nm_wr_u32(w, c->batt.capacity_uah);
  nm_wr_u32(w, c->batt.remaining_uah);
  nm_wr_u32(w, c->batt.voltage_mv);
  nm_wr_u32(w, c->batt.cycles_x100);
  uint64_t na = nm_core_avg_na(c);
  nm_wr_u32(w, na > UINT32_MAX ? UINT32_MAX : (uint32_t)na);
}

int nm_cmd_exec(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp,
                size_t cap, size_t *resp_len) {
  nm_rd_t r;
  nm_wr_t w;
  nm_safety_report_t rep;
  nm_prog_t prog;
  int st = NM_OK;
  int with_report = 0;
  *resp_len = 0;
  if (cap < 1) return NM_ENOSPC;
  nm_rd_init(&r, req, req_len);
  nm_wr_init(&w, resp, cap);
  nm_wr_u8(&w, 0); /* status, filled in below */
  c->wakeups++;
  uint8_t op = nm_rd_u8(&r);
  uint8_t roles = nm_cmd_roles(op);
  if (r.err || roles == 0) {
    st = NM_EINVAL;
    goto done;
  }
  if (!(roles & (1u << role))) {
    st = NM_EPERM;
    goto done;
  }
  switch (op) {
    case NM_OP_STATUS:
    case NM_OP_INTERROGATE:
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      if (op == NM_OP_STATUS) put_status(&w, c); else put_interrogate(&w, c);
      break;
    case NM_OP_PROG_WRITE: {
      uint8_t slot = nm_rd_u8(&r);
      nm_wire_get_prog(&r, &prog);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = nm_core_prog_write(c, slot, &prog, &rep);
      with_report = st == NM_OK || st == NM_EREFUSED;
      break;
    }
    case NM_OP_CHECK:
      nm_wire_get_prog(&r, &prog);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = nm_safety_check(&prog, &c->set.lead, &c->set.load, &rep) == NM_VERDICT_REFUSE ? NM_EREFUSED : NM_OK;
      with_report = 1;
      break;
    case NM_OP_PROGRAM_ALL: {
      nm_lead_t lead;
      nm_load_t load;
      nm_prog_t progs[NM_MAX_PROGRAMS];
      uint8_t bad = 0xFF;
      nm_wire_get_lead(&r, &lead, &load);
      uint8_t running = nm_rd_u8(&r);
      uint8_t n = nm_rd_u8(&r);
      if (n == 0 || n > NM_MAX_PROGRAMS) {
        st = NM_EINVAL;
        break;
      }
      for (uint8_t i = 0; i < n; i++) nm_wire_get_prog(&r, &progs[i]);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = nm_core_program_all(c, &lead, &load, n, progs, running, &bad, &rep);
      if (st == NM_EREFUSED) {
        w.len = 1;
        nm_wr_u8(&w, bad);
        with_report = 1;
      }
      break;
    }
    case NM_OP_PROG_READ: {
      uint8_t slot = nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      if (slot >= NM_MAX_PROGRAMS || !(c->set.valid_mask & (1u << slot))) {
        st = NM_ENOENT;
        break;
      }
      nm_wire_put_prog(&w, &c->set.prog[slot]);
      break;
    }
    case NM_OP_PROG_ERASE: {
      uint8_t slot = nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) == NM_OK) st = nm_core_prog_erase(c, slot);
      break;
    }
    case NM_OP_SELECT: {
      uint8_t mask = nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      if (role == NM_ROLE_PATIENT && (mask == 0 || (mask & (mask - 1)) != 0)) {
        st = NM_EPERM; /* the patient switches between single programs only */
        break;
      }
      st = nm_core_select(c, mask);
      break;
    }
    case NM_OP_LEAD_SET: {
      nm_lead_t lead;
      nm_load_t load;
      nm_wire_get_lead(&r, &lead, &load);
      if ((st = nm_rd_done(&r)) == NM_OK) st = nm_core_set_lead(c, &lead, &load);
      break;
    }
    case NM_OP_THERAPY: {
      uint8_t on = nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = on > 1 ? NM_EINVAL : nm_core_therapy(c, role, on);
      break;
    }
    case NM_OP_AMP_SET: {
      uint8_t slot = nm_rd_u8(&r);
      uint32_t amp = nm_rd_u32(&r);
      if ((st = nm_rd_done(&r)) == NM_OK) st = nm_core_amp_set(c, role, slot, amp);
      break;
    }
    case NM_OP_AMP_STEP: {
      uint8_t slot = nm_rd_u8(&r);
      int8_t dir = (int8_t)nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = (dir != 1 && dir != -1) ? NM_EINVAL : nm_core_amp_step(c, role, slot, dir);
      break;
    }
    case NM_OP_MODE: {
      uint8_t mode = nm_rd_u8(&r);
      if ((st = nm_rd_done(&r)) == NM_OK) st = nm_core_mode(c, role, mode);
      break;
    }
    case NM_OP_TEST_START: {
      uint8_t node = nm_rd_u8(&r);
      uint32_t start = nm_rd_u32(&r);
      uint32_t step = nm_rd_u32(&r);
      if ((st = nm_rd_done(&r)) == NM_OK) st = nm_core_test_start(c, node, start, step);
      break;
    }
    case NM_OP_TEST_STEP:
    case NM_OP_TEST_MARK:
    case NM_OP_TEST_STOP:
      if ((st = nm_rd_done(&r)) != NM_OK) break;
      st = op == NM_OP_TEST_STEP ? nm_core_test_step(c)
           : op == NM_OP_TEST_MARK ? nm_core_test_mark(c)
                                   : nm_core_test_stop(c);
      if (st == NM_OK) {
        nm_wr_u32(&w, c->test.amp_ua);
        nm_wr_u32(&w, c->test.threshold_ua[c->test.node]);
      }
      break;
    default:
      st = NM_EINVAL;
  }
done:
  if (st != NM_OK && !(op == NM_OP_PROGRAM_ALL && st == NM_EREFUSED)) w.len = 1; /* no results... */
  if (with_report) nm_wire_put_report(&w, &rep); /* ...except a safety report */
  if (w.err) {
    st = NM_ENOSPC;
    w.len = 1;
  }
  resp[0] = (uint8_t)(int8_t)st;
  *resp_len = w.len;
  return st;
}
