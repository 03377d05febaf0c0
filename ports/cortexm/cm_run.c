/* cm_run.c: the main loop of the scenario and the bench images, which drive the core
 * itself (the implant drives the device layer: implant.c). */
#include "cm_port.h"
#include "nmod/cmd.h"

void cm_run(nm_core_t *c, uint64_t until_us) {
  while (cm_wait(until_us) == CM_EV_WAKE) {
    cm_span_t s = cm_core_enter();
    (void)nm_core_wake(c);
    uint64_t t = cm_core_exit(s);
    cm_stats.wakes++;
    cm_stats.wake_ticks += t;
  }
}

int cm_cmd(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
           size_t *resp_len) {
  cm_span_t s = cm_core_enter();
  int st = nm_cmd_exec(c, role, req, req_len, resp, cap, resp_len);
  uint64_t t = cm_core_exit(s);
  cm_stats.cmds++;
  cm_stats.cmd_ticks += t;
  return st;
}
