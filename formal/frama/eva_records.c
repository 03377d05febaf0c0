/* eva_records.c: EVA's entry point for the record decoders (formal/frama/parts.txt, row
 * eva-records): every decoder of firmware/core/records.c (programs, leads, settings with
 * the stored state, safety reports, status, interrogation, identity, events) on the byte
 * reader of firmware/core/wire.c, each given any bytes of any length up to its buffer, as
 * a damaged or tampered flash (the settings record, history events) or a device's reply
 * (status, interrogation, identity, reports) could hold them; then nm_rd_done, as every
 * caller checks it. The part of eva-boot (parts.txt) that decodes flash. Not built into
 * the firmware. */
#include "eva_any.h"
#include "nmod/cmd.h"
#include "nmod/records.h"

/* The largest record: the settings record is read into the device's NM_CMD_MAX scratch,
 * and every reply is at most NM_CMD_MAX bytes. */
static uint8_t buf[NM_CMD_MAX];

static nm_prog_t prog;
static nm_lead_t lead;
static nm_load_t load;
static nm_settings_t set;
static nm_stored_state_t st;
static nm_safety_report_t rep;
static nm_status_t status;
static nm_interrog_t it;
static nm_ident_t ident;
static nm_event_t ev;

/* A reader on any bytes of buf, of any length up to its size. */
static void any_reader(nm_rd_t *r) {
  EVA_ANY(buf);
  nm_rd_init(r, buf, (size_t)Frama_C_unsigned_int_interval(0, sizeof buf));
}

int main(void) {
  nm_rd_t r;
  int done = 0;
  any_reader(&r);
  nm_wire_get_prog(&r, &prog);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_lead(&r, &lead, &load);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_settings(&r, &set, &st);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_report(&r, &rep);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_status(&r, &status);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_interrog(&r, &it);
  done |= nm_rd_done(&r);
  any_reader(&r);
  nm_wire_get_ident(&r, &ident);
  done |= nm_rd_done(&r);
  any_reader(&r);
  int e = nm_event_get(&r, &ev);
  return done | e;
}
