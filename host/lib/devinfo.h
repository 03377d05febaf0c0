/* devinfo.h: decoding the device's answers (status, interrogation, identity, history)
 * into host structures, and printing them as text or JSON. One place for every host tool. */
#ifndef NMOD_DEVINFO_H
#define NMOD_DEVINFO_H

#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "readout.h"
#include "nmod/dev.h"
#include "nmod/records.h"

/* The status record is the firmware's own (nmod/wire.h): one encoder, one decoder. */
typedef nm_status_prog_t di_prog_status_t;
typedef nm_status_t di_status_t;

/* The identity record is the firmware's own (nmod/records.h), with the serial as a string. */
typedef struct {
  char serial[NM_SERIAL_LEN + 1];
  nm_ident_t id;
} di_identity_t;

/* An interrogation: the firmware's summary record, plus each stored program read with
 * PROG_READ (the summary does not carry them, so every legal state fits a reply). */
typedef struct {
  nm_interrog_t sum;
  nm_prog_t prog[NM_MAX_PROGRAMS]; /* in slot order of sum.status.prog[] */
} di_interrogation_t;

/* One history event: its sequence number and the firmware's decoded record. known is 0
 * for a type (or a shape) this host cannot decode: ev then holds only time and type. */
typedef struct {
  uint32_t seq;
  uint8_t known;
  nm_event_t ev;
} di_event_t;

/* NM_OP_IMPEDANCE: each contact against the case, then the main pair of each running
 * program (nmod/dev.h). */
typedef struct {
  uint8_t node, cls; /* cls: NM_IMP_* as the device classed it */
  uint32_t ohm;
} di_imp_contact_t;
typedef struct {
  uint8_t slot, cathode, anode, cls;
  uint32_t ohm;
} di_imp_pair_t;
typedef struct {
  uint8_t n;
  di_imp_contact_t contact[NM_MAX_CONTACTS];
  uint8_t m;
  di_imp_pair_t pair[NM_MAX_PROGRAMS];
  uint16_t jump; /* contacts marked as possible migration, a bit each */
} di_impedance_t;

/* NM_OP_REMOTES. */
typedef struct {
  uint8_t n;
  struct {
    uint8_t id[NM_KEY_ID_LEN];
    uint32_t paired_s;
  } r[NM_MAX_REMOTES];
} di_remotes_t;

/* One NM_OP_HISTORY answer: the log's first and next sequence numbers, where the next
 * request goes on (cont; next when this was the end), and up to NM_HISTORY_MAX_PER_CALL
 * events. */
typedef struct {
  uint32_t first, next, cont;
  uint8_t n;
  di_event_t ev[NM_HISTORY_MAX_PER_CALL];
} di_history_t;

/* Decoders: 0, or -1 when the bytes do not have the expected shape (every byte used, counts
 * within the arrays, a status's programs one per bit of its valid mask, in slot order).
 * `p` points past the status byte. */
int di_status(const uint8_t *p, size_t n, di_status_t *out);
int di_identity(const uint8_t *p, size_t n, di_identity_t *out);
/* The summary of an INTERROGATE reply (programs are filled by the caller's PROG_READs). */
int di_interrogation(const uint8_t *p, size_t n, di_interrogation_t *out);
/* One stored event record (t_s u32 | type u8 | fields) as the log and HISTORY carry it. */
void di_event_decode(const uint8_t *rec, size_t len, uint32_t seq, di_event_t *out);
int di_impedance(const uint8_t *p, size_t n, di_impedance_t *out);
int di_remotes(const uint8_t *p, size_t n, di_remotes_t *out);
/* One HISTORY reply; events of a type or shape this host cannot decode have known = 0. */
int di_history(const uint8_t *p, size_t n, di_history_t *out);

/* 1 when program slot `slot` is in the running set. */
static inline int di_running(const di_status_t *s, uint8_t slot) {
  return slot < NM_MAX_PROGRAMS && (s->running_mask & (1u << slot)) != 0;
}

const char *di_kind(uint8_t kind);
const char *di_therapy(uint8_t therapy);
const char *di_fault(uint32_t fault);
const char *di_batt_state(uint8_t state);
/* A closed loop's sensor fault (NM_LOOP_F_*) and state (NM_LOOP_*) in words. */
const char *di_loop_fault(uint8_t fault);
const char *di_loop_state(uint8_t state);
/* One memory alert (a single NM_ALERT_* bit of the status) in words: its name (JSON, the
 * clinician: "memory-not-writable"), the clinician's explanation, or the patient's line. */
enum { DI_ALERT_NAME = 0, DI_ALERT_CLINICIAN = 1, DI_ALERT_PATIENT = 2 };
const char *di_alert(uint16_t bit, int who);
const char *di_cell(uint8_t cell);
/* A therapy-off or mode-change reason (NM_REASON_*): "pregnancy", "patient", "clinical";
 * NULL for none or unknown. */
const char *di_reason(uint8_t reason);
/* One event in words ("mode off -> mri (patient)"), into buf. */
const char *di_event_text(const di_event_t *e, char *buf, size_t cap);
const char *di_event_type(uint8_t type);

/* The read-out codec's structs (readout.h) from the device's answers. di_readout leaves the
 * longevity figures (primary_longevity, years_to_eri_milli, ...) to the caller. */
void di_readout_status(const di_status_t *s, ro_status_t *out);
void di_readout(const di_identity_t *id, const di_interrogation_t *in, ro_readout_t *out);

/* JSON objects (into an open writer). Status: through the read-out codec. */
void di_json_status(js_w *w, const di_status_t *s);
void di_json_event(js_w *w, const di_event_t *e);

#endif
