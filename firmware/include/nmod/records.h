/* nmod/records.h: one encoder and one decoder per record the device stores or sends
 * (programs, leads, settings, safety reports, status, ...), on the byte codec of
 * nmod/wire.h. The firmware and the host tools use the same functions, so a record is
 * written down in one place. */
#ifndef NMOD_RECORDS_H
#define NMOD_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/core.h"
#include "nmod/event.h"
#include "nmod/proto.h"
#include "nmod/wire.h"

/* What STATUS reports (the patient's remote and the programmer both read it). */
typedef struct {
  uint8_t slot;
  char name[NM_NAME_LEN];
  uint32_t amp_ua, pt_min_ua, pt_max_ua;
  uint32_t level_ua; /* delivered now (ramps, cycling; a loop's last unit) */
  struct {
    uint8_t closed, on;  /* the program has a closed loop; it is on */
    uint8_t state;       /* NM_LOOP_* as the output stage reports it now */
    uint8_t fault;       /* NM_LOOP_F_*: the sensor fault it last fell back on */
    uint16_t target_uv, pt_lo_uv, pt_hi_uv;
    int32_t last_uv;     /* the ECAP measured after the last unit */
  } loop;
} nm_status_prog_t;

typedef struct {
  uint8_t mode, therapy, therapy_on;
  uint32_t fault, fault_detail;
  uint8_t cell, batt_state, charging;
  uint16_t soc_pm;
  uint16_t lead_open, lead_short; /* contacts, a bit each */
  uint8_t valid_mask, running_mask;
  uint16_t alerts;                /* NM_ALERT_* (nmod/core.h): memory faults and damage */
  uint8_t n_prog;                 /* entries of prog[]: the stored programs in slot order */
  nm_status_prog_t prog[NM_MAX_PROGRAMS];
} nm_status_t;

/* The core's status now. */
void nm_status_of(const nm_core_t *c, nm_status_t *out);
void nm_wire_put_status(nm_wr_t *w, const nm_status_t *s);
void nm_wire_get_status(nm_rd_t *r, nm_status_t *s);

/* Records. Decoding never validates ranges: that is the safety supervisor's job. */
#define NM_WIRE_PROG_LEN (NM_NAME_LEN + 12 * 4 + NM_NODES + 19)
void nm_wire_put_prog(nm_wr_t *w, const nm_prog_t *p);
void nm_wire_get_prog(nm_rd_t *r, nm_prog_t *p);
void nm_wire_put_lead(nm_wr_t *w, const nm_lead_t *l, const nm_load_t *load);
void nm_wire_get_lead(nm_rd_t *r, nm_lead_t *l, nm_load_t *load);
/* Settings as stored in flash, with the mode and the fault in the same record (one put, so
 * a power cut never leaves a mode that disagrees with therapy_on): a version byte, then
 * the fields. get leaves `s` zeroed and sets r->err on an unknown version. Version 1 (no
 * mode) is read as mode off, version 2 (no fault) as no fault, versions 1-3 (no closed
 * loop) as programs without one. */
#define NM_WIRE_SETTINGS_VERSION 4u
void nm_wire_put_settings(nm_wr_t *w, const nm_settings_t *s, const nm_stored_state_t *st);
void nm_wire_get_settings(nm_rd_t *r, nm_settings_t *s, nm_stored_state_t *st);
void nm_wire_put_report(nm_wr_t *w, const nm_safety_report_t *rep);
/* A whole NM_OP_PROGRAM_ALL request (op byte included): lead and load, the running set,
 * and progs[0..n) in slot order. */
void nm_wire_put_program_all(nm_wr_t *w, const nm_lead_t *lead, const nm_load_t *load, uint8_t running, uint8_t n,
                             const nm_prog_t progs[]);
void nm_wire_get_report(nm_rd_t *r, nm_safety_report_t *rep);

/* What INTERROGATE reports: the status, the lead and load, test thresholds, counters and
 * the cell. The programs themselves are read one page each with PROG_READ, so every legal
 * state fits a reply (8 programs on a 16-contact lead included). */
typedef struct {
  nm_status_t status;
  nm_lead_t lead;
  nm_load_t load;
  uint8_t n_contacts;
  uint32_t threshold_ua[NM_MAX_CONTACTS];
  uint8_t test_node;      /* contact under test, 0xFF when not in test mode */
  uint32_t test_amp_ua;
  uint64_t uptime_us, wakeups;
  uint32_t loads;
  uint32_t capacity_uah, remaining_uah, voltage_mv, cycles_x100, avg_na;
  uint8_t profile;        /* the hardware's profile (nmod/profile.h): the host's longevity */
} nm_interrog_t;
void nm_interrog_of(const nm_core_t *c, nm_interrog_t *out);
void nm_wire_put_interrog(nm_wr_t *w, const nm_interrog_t *it);
void nm_wire_get_interrog(nm_rd_t *r, nm_interrog_t *it);

/* What IDENTITY reports. */
typedef struct {
  char serial[NM_SERIAL_LEN];
  uint8_t kind, therapy, fw[3];
  nm_lead_t lead;          /* the hardware's lead */
  uint32_t resets, rejected, auth_failures, log_first, log_next, epoch_s;
} nm_ident_t;
void nm_wire_put_ident(nm_wr_t *w, const nm_ident_t *id);
void nm_wire_get_ident(nm_rd_t *r, nm_ident_t *id);

/* History events (nmod/event.h). get: NM_OK; NM_ENOENT for a type this code does not know
 * (t_s and type are filled, the rest is zero); NM_EINVAL when the bytes do not have the
 * type's shape. put writes t_s, type and the type's fields. */
void nm_event_put(nm_wr_t *w, const nm_event_t *e);
int nm_event_get(nm_rd_t *r, nm_event_t *e);

#endif
