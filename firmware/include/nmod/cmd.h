/* nmod/cmd.h: the core's command layer. One binary request in, one binary response out;
 * the radio protocol carries exactly these bytes, and the host tools and the target
 * scenario use the same path. The ops, their roles, classes and decoders are the table of
 * nmod/ops.h; the device layer (nm_dev_exec, nmod/dev.h) adds the device's own ops and the
 * fail-safe rule around the same table.
 *
 * A request from a role the op does not allow is NM_EPERM and changes nothing. A malformed
 * request, and a device op sent to a bare core, are NM_EINVAL and change nothing.
 */
#ifndef NMOD_CMD_H
#define NMOD_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/core.h"
#include "nmod/ops.h"

#define NM_CMD_MAX 1024 /* largest request or response */

/* Execute request req[0..req_len) for `role` on the core; write the response into resp
 * (cap bytes) and its length into *resp_len. Returns the status also written as the first
 * byte. */
int nm_cmd_exec(nm_core_t *c, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp,
                size_t cap, size_t *resp_len);

/* The roles allowed to use op (nm_op_roles). */
static inline uint8_t nm_cmd_roles(uint8_t op) { return nm_op_roles(op); }

#endif
