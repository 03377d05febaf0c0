/* nmod/cmd.h: the command layer. One binary request in, one binary response out; the
 * radio protocol carries exactly these bytes, and the host tools and the target scenario
 * use the same path.
 *
 * Request:  op (u8), then the op's arguments (little-endian, see docs/PROTOCOL.md).
 * Response: status (i8, nm_err), then the op's results when status is NM_OK (and for
 *           NM_EREFUSED of PROG_WRITE/CHECK, the safety report).
 * Each op names the roles allowed to use it; a request from another role is NM_EPERM and
 * changes nothing. A malformed request is NM_EINVAL and changes nothing.
 */
#ifndef NMOD_CMD_H
#define NMOD_CMD_H

#include <stddef.h>
#include <stdint.h>
#include "nmod/core.h"

enum {
  NM_OP_STATUS = 0x01,      /* -> mode, therapy_on, fault, running mask, amps ... */
  NM_OP_INTERROGATE = 0x02, /* -> settings, test thresholds, counters */
  NM_OP_PROG_WRITE = 0x10,  /* slot u8, prog -> report */
  NM_OP_PROG_READ = 0x11,   /* slot u8 -> prog */
  NM_OP_PROG_ERASE = 0x12,  /* slot u8 */
  NM_OP_SELECT = 0x13,      /* running mask u8 */
  NM_OP_LEAD_SET = 0x14,    /* lead, load */
  NM_OP_CHECK = 0x15,       /* prog -> report (dry run, changes nothing) */
  NM_OP_PROGRAM_ALL = 0x16, /* lead, running u8, n u8, n x prog -> (refused: slot u8, report) */
  NM_OP_THERAPY = 0x20,     /* on u8 */
  NM_OP_AMP_SET = 0x21,     /* slot u8, amp_ua u32 */
  NM_OP_AMP_STEP = 0x22,    /* slot u8 (0xFF: all running), dir i8 */
  NM_OP_MODE = 0x23,        /* mode u8 */
  NM_OP_TEST_START = 0x30,  /* node u8, start_ua u32, step_ua u32 */
  NM_OP_TEST_STEP = 0x31,
  NM_OP_TEST_MARK = 0x32,
  NM_OP_TEST_STOP = 0x33
};

#define NM_CMD_MAX 1024 /* largest request or response */

/* Execute request req[0..req_len) for `role`; write the response into resp (cap bytes)
 * and its length into *resp_len. Returns the status also written as the first byte. */
int nm_cmd_exec(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp,
                size_t cap, size_t *resp_len);

/* The roles allowed to use op, as a mask of 1 << nm_role; 0 for an unknown op. */
uint8_t nm_cmd_roles(uint8_t op);

#endif
