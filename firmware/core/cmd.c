/* cmd.c: the core's command layer (see nmod/cmd.h): find, check and decode through the op
 * table, run the core op's handler, finish the response. */
#include "nmod/cmd.h"

int nm_cmd_exec(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp,
                size_t cap, size_t *resp_len) {
  *resp_len = 0;
  if (cap < 1) return NM_ENOSPC;
  nm_wr_t w;
  nm_wr_init(&w, resp, cap);
  nm_wr_u8(&w, 0); /* the status, written by nm_op_finish */
  c->wakeups++;
  /* On the stack: a bare core is driven by host tools and tests. The implant's path
   * (nm_dev_exec) keeps its arguments in the device's RAM instead. */
  nm_args_t args;
  const nm_op_def_t *def;
  int st = nm_op_decode(role, req, req_len, &def, &args);
  uint32_t reasons = 0;
  if (st == NM_OK) st = def->run ? def->run(c, role, &args, &w, &reasons) : NM_EINVAL;
  return nm_op_finish(&w, def, st, resp_len);
}
