/* nmod/wire.h: bounded little-endian encoding, shared by the command layer, the protocol
 * and the host tools. A writer or reader that runs out of room sets `err` and ignores
 * everything after, so a sequence of calls needs one check at the end. */
#ifndef NMOD_WIRE_H
#define NMOD_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "nmod/core.h"

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int err;
} nm_wr_t;

typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  int err;
} nm_rd_t;

void nm_wr_init(nm_wr_t *w, uint8_t *buf, size_t cap);
void nm_wr_u8(nm_wr_t *w, uint8_t v);
void nm_wr_u16(nm_wr_t *w, uint16_t v);
void nm_wr_u32(nm_wr_t *w, uint32_t v);
void nm_wr_u64(nm_wr_t *w, uint64_t v);
void nm_wr_bytes(nm_wr_t *w, const void *p, size_t n);

void nm_rd_init(nm_rd_t *r, const uint8_t *buf, size_t len);
uint8_t nm_rd_u8(nm_rd_t *r);
uint16_t nm_rd_u16(nm_rd_t *r);
uint32_t nm_rd_u32(nm_rd_t *r);
uint64_t nm_rd_u64(nm_rd_t *r);
void nm_rd_bytes(nm_rd_t *r, void *p, size_t n);
/* NM_OK when every byte was consumed and nothing ran out, else NM_EINVAL. */
int nm_rd_done(const nm_rd_t *r);

/* What STATUS reports (the patient's remote and the programmer both read it). */
typedef struct {
  uint8_t slot;
  char name[NM_NAME_LEN];
  uint32_t amp_ua, pt_min_ua, pt_max_ua;
  uint32_t level_ua; /* delivered now (ramps, cycling) */
} nm_status_prog_t;

typedef struct {
  uint8_t mode, therapy, therapy_on;
  uint32_t fault, fault_detail;
  uint8_t cell, batt_state, charging;
  uint16_t soc_pm;
  uint16_t lead_open, lead_short; /* contacts, a bit each */
  uint8_t valid_mask, running_mask;
  uint8_t n_prog;                 /* entries of prog[]: the stored programs in slot order */
  nm_status_prog_t prog[NM_MAX_PROGRAMS];
} nm_status_t;

/* The core's status now. */
void nm_status_of(const nm_core_t *c, nm_status_t *out);
void nm_wire_put_status(nm_wr_t *w, const nm_status_t *s);
void nm_wire_get_status(nm_rd_t *r, nm_status_t *s);

/* Records. Decoding never validates ranges: that is the safety supervisor's job. */
#define NM_WIRE_PROG_LEN (NM_NAME_LEN + 12 * 4 + NM_NODES)
void nm_wire_put_prog(nm_wr_t *w, const nm_prog_t *p);
void nm_wire_get_prog(nm_rd_t *r, nm_prog_t *p);
void nm_wire_put_lead(nm_wr_t *w, const nm_lead_t *l, const nm_load_t *load);
void nm_wire_get_lead(nm_rd_t *r, nm_lead_t *l, nm_load_t *load);
/* Settings as stored in flash: a version byte, then the fields. get leaves `s` zeroed
 * and sets r->err on an unknown version. */
#define NM_WIRE_SETTINGS_VERSION 1u
void nm_wire_put_settings(nm_wr_t *w, const nm_settings_t *s);
void nm_wire_get_settings(nm_rd_t *r, nm_settings_t *s);
void nm_wire_put_report(nm_wr_t *w, const nm_safety_report_t *rep);
/* A whole NM_OP_PROGRAM_ALL request (op byte included): lead and load, the running set,
 * and progs[0..n) in slot order. */
void nm_wire_put_program_all(nm_wr_t *w, const nm_lead_t *lead, const nm_load_t *load, uint8_t running, uint8_t n,
                             const nm_prog_t progs[]);
void nm_wire_get_report(nm_rd_t *r, nm_safety_report_t *rep);

#endif
