/* nmod/ops.h: every op of the command layer in one table (firmware/core/ops.c).
 *
 * An entry says who may use the op (roles), how it is classed under the fail-safe rule
 * (docs/SAFETY.md), how its request is decoded, and, for the core's ops, its handler. The
 * core's command layer (nm_cmd_exec, nmod/cmd.h) and the device layer (nm_dev_exec,
 * nmod/dev.h) both find, check and decode a request through this table, once; the device
 * layer binds the handlers of the device's own ops (identity, pairing, history...).
 *
 * Request:  op u8, then the op's arguments (little-endian, docs/PROTOCOL.md).
 * Response: status i8 (nm_err), then the op's results when the status is NM_OK (for
 *           NM_EREFUSED of the ops flagged NM_OPF_REPORT, the safety report).
 */
#ifndef NMOD_OPS_H
#define NMOD_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/core.h"
#include "nmod/proto.h"
#include "nmod/wire.h"

enum {
  /* The core's ops. */
  NM_OP_STATUS = 0x01,      /* -> status record (nmod/records.h) */
  NM_OP_INTERROGATE = 0x02, /* -> interrogation summary; programs come with PROG_READ */
  NM_OP_PROG_WRITE = 0x10,  /* slot u8, prog -> report */
  NM_OP_PROG_READ = 0x11,   /* slot u8 -> prog, amp_ua u32 (amplitude now) */
  NM_OP_PROG_ERASE = 0x12,  /* slot u8 */
  NM_OP_SELECT = 0x13,      /* running mask u8 */
  NM_OP_LEAD_SET = 0x14,    /* lead, load */
  NM_OP_CHECK = 0x15,       /* prog -> report (dry run, changes nothing) */
  NM_OP_PROGRAM_ALL = 0x16, /* lead, running u8, n u8, n x prog -> (refused: slot u8, report, set u8) */
  NM_OP_THERAPY = 0x20,     /* on u8 [, reason u8] */
  NM_OP_AMP_SET = 0x21,     /* slot u8, amp_ua u32 */
  NM_OP_AMP_STEP = 0x22,    /* slot u8 (0xFF: all running), dir i8 */
  NM_OP_MODE = 0x23,        /* mode u8 [, reason u8] */
  NM_OP_LOOP = 0x24,        /* slot u8 (0xFF: every running program with a loop), on u8 */
  NM_OP_LOOP_TARGET = 0x25, /* slot u8 (0xFF: likewise), target_uv u16 */
  NM_OP_TEST_START = 0x30,  /* node u8, start_ua u32, step_ua u32 */
  NM_OP_TEST_STEP = 0x31,
  NM_OP_TEST_MARK = 0x32,
  NM_OP_TEST_STOP = 0x33,
  /* The device's ops (handlers in firmware/dev). */
  NM_OP_IDENTITY = 0x03,    /* -> identity record */
  NM_OP_TIME_SET = 0x04,    /* epoch_s u64: the programmer sets the device's calendar clock */
  NM_OP_HEALTH = 0x05,      /* -> last lead check and today's usage (docs/PROTOCOL.md) */
  NM_OP_PAIR = 0x40,        /* -> slot u8, key_id[8], secret[32] (a new remote credential) */
  NM_OP_REVOKE = 0x41,      /* key_id[8] */
  NM_OP_REMOTES = 0x42,     /* -> n u8, n x (key_id[8], paired_epoch_s u32) */
  NM_OP_HISTORY = 0x50,     /* from_seq u32, max u8 [, since_s u32] -> first u32, next u32, n u8,
                               n x (seq u32, len u8, event[len]), scanned_to u32 */
  NM_OP_IMPEDANCE = 0x60    /* a lead check now -> readings (docs/PROTOCOL.md) */
};

/* Classes under the fail-safe rule. A lowering takes effect at once, in RAM, whatever the
 * memory does; a raising is done only once it is stored; a read changes nothing that is
 * stored. Mixed ops are classed per request by nm_op_class(). */
typedef enum { NM_OPC_READ = 0, NM_OPC_LOWER = 1, NM_OPC_RAISE = 2, NM_OPC_MIXED = 3 } nm_op_cls;

#define NM_OPF_REPORT 1u /* an NM_EREFUSED response keeps its results (the safety report) */
#define NM_OPF_DEVICE 2u /* a device op: nm_cmd_exec refuses it, nm_dev_exec runs it */

/* Arguments of one request, decoded. */
typedef union {
  uint8_t slot; /* PROG_READ, PROG_ERASE */
  uint8_t mask; /* SELECT */
  struct { uint8_t slot; nm_prog_t prog; } write;                     /* PROG_WRITE */
  nm_prog_t check;                                                    /* CHECK */
  struct { nm_lead_t lead; nm_load_t load; } lead;                    /* LEAD_SET */
  struct {
    nm_lead_t lead;
    nm_load_t load;
    uint8_t running, n;
    nm_prog_t prog[NM_MAX_PROGRAMS];
  } all;                                                              /* PROGRAM_ALL */
  struct { uint8_t on, reason; } therapy;                             /* THERAPY */
  struct { uint8_t slot; uint32_t amp_ua; } amp;                      /* AMP_SET */
  struct { uint8_t slot; int8_t dir; } step;                          /* AMP_STEP */
  struct { uint8_t mode, reason; } mode;                              /* MODE */
  struct { uint8_t slot, on; } loop;                                  /* LOOP */
  struct { uint8_t slot; uint16_t target_uv; } target;                /* LOOP_TARGET */
  struct { uint8_t node; uint32_t start_ua, step_ua; } test;          /* TEST_START */
  uint64_t epoch_s;                                                   /* TIME_SET */
  uint8_t key_id[NM_KEY_ID_LEN];                                    /* REVOKE */
  struct { uint32_t from_seq, since_s; uint8_t max, by_time; } history; /* HISTORY */
} nm_args_t;

/* A core op's handler: run the decoded request for `role`, write the results into w, and
 * the safety supervisor's reasons for a refusal into *reasons (left 0 otherwise). */
typedef int (*nm_op_run_fn)(nm_core_t *c, uint8_t role, const nm_args_t *a, nm_wr_t *w, uint32_t *reasons);

typedef struct {
  uint8_t op;
  uint8_t roles; /* 1 << nm_role for each role allowed */
  uint8_t cls;   /* nm_op_class */
  uint8_t flags; /* NM_OPF_* */
  /* Decode the arguments (the bytes after the op); NM_EINVAL unless every byte fits. */
  int (*decode)(nm_rd_t *r, nm_args_t *a);
  nm_op_run_fn run; /* NULL for a device op */
} nm_op_def_t;

/* The entry of `op`, or NULL for an unknown op. */
const nm_op_def_t *nm_op_find(uint8_t op);
/* Find the op of req[0], check that `role` may use it and decode its arguments into *a.
 * NM_OK with *def set; NM_EINVAL (empty, unknown op, malformed arguments) or NM_EPERM (the
 * role may not) with *def set when the op is known. Nothing else is looked at or changed. */
int nm_op_decode(uint8_t role, const uint8_t *req, size_t req_len, const nm_op_def_t **def, nm_args_t *a);
/* The class of a decoded request against the state it would change (NM_OPC_MIXED resolved). */
uint8_t nm_op_class(const nm_op_def_t *def, const nm_core_t *c, const nm_args_t *a);
/* The roles allowed to use op, as a mask of 1 << nm_role; 0 for an unknown op. */
uint8_t nm_op_roles(uint8_t op);
/* Finish a response in w (status byte at w->buf[0]): drop the results of a failed request
 * unless the op keeps its report, turn an overflow into NM_ENOSPC, write the status.
 * Returns the status; *len gets the response length. */
int nm_op_finish(nm_wr_t *w, const nm_op_def_t *def, int st, size_t *len);

#endif
