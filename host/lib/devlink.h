/* devlink.h: talking to a stimulator through the command layer, whatever carries the
 * bytes: a core in this process (simulate, check) or a secure radio session (programmer,
 * remote). Request encoders live here once, for every host tool. */
#ifndef NMOD_DEVLINK_H
#define NMOD_DEVLINK_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/cmd.h"
#include "therapy_file.h"

/* Transport errors, below every nm_err. */
#define DEV_ETRANSPORT (-100) /* the link failed: unreachable, timed out, closed */

typedef struct {
  /* Send req and receive the response. Returns 0, or DEV_ETRANSPORT. */
  int (*xfer)(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len);
  void *ctx;
} dev_link_t;

/* A link to a core in this process, acting as `role`. */
typedef struct {
  nm_core_t *core;
  uint8_t role;
} dev_local_t;
void dev_local_link(dev_link_t *l, dev_local_t *local, nm_core_t *core, uint8_t role);

/* One request: returns the device status (nm_err) or DEV_ETRANSPORT; the response
 * (status byte included) in resp/resp_len. */
int dev_call(const dev_link_t *l, const uint8_t *req, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);

/* Why a device refused a therapy: the program refused (slot < n_prog) and its report; or
 * slot 0xFF: the lead (NM_R_LEAD) or the running set (NM_R_INTERLEAVE, `set` says why:
 * nm_set_why). */
typedef struct {
  uint8_t slot;
  uint8_t set;
  nm_safety_report_t rep;
} dev_refusal_t;

/* Program a whole therapy in one atomic request (NM_OP_PROGRAM_ALL). On NM_EREFUSED, *why
 * says why (zeroed, slot 0xFF, otherwise). */
int dev_program_all(const dev_link_t *l, const tf_therapy_t *t, dev_refusal_t *why);
/* Set lead and load (NM_OP_LEAD_SET). */
int dev_lead_set(const dev_link_t *l, const nm_lead_t *lead, const nm_load_t *load);
/* Judge one program on the device's lead and load, changing nothing (NM_OP_CHECK): NM_OK or
 * NM_EREFUSED with the supervisor's report in rep (zeroed when there is none). */
int dev_check(const dev_link_t *l, const nm_prog_t *p, nm_safety_report_t *rep);
/* Requests with small fixed arguments. */
int dev_simple(const dev_link_t *l, uint8_t op);
int dev_op_u8(const dev_link_t *l, uint8_t op, uint8_t arg);
int dev_amp_set(const dev_link_t *l, uint8_t slot, uint32_t amp_ua);
int dev_amp_step(const dev_link_t *l, uint8_t slot, int dir);
int dev_test_start(const dev_link_t *l, uint8_t node, uint32_t start_ua, uint32_t step_ua);

#endif
