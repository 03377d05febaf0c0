/* readout.h: the programmer's read-out (`nmod programmer interrogate --json` / `--out FILE`)
 * as one codec: a host struct, its JSON writer and its strict reader. The programmer fills the
 * struct from the device's answers and writes it (host/lib/devinfo.c, host/cli); the clinic
 * reads the same JSON back into the same struct (`nmod clinic import-interrogation`). Writing
 * what was read gives the same bytes (tests/readout: the round trip).
 *
 * Values are kept as the writer's fixed-point integers (uA, mV, per mille, ...), so every
 * decimal the JSON carries ("pct": 86.8) comes back exactly. Prefix ro_. Host-only, no heap
 * of its own (js_val from json.h is the caller's).
 */
#ifndef NMOD_READOUT_H
#define NMOD_READOUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "nmod/limits.h"

/* Capacity of the struct. Programs: above what any device stores (NM_MAX_PROGRAMS, 8 today).
 * Contacts: exactly the contacts a lead has (NM_MAX_CONTACTS), the names the one contact-name
 * parser reads (hu_contact.h): a read-out naming E16 comes from no device. */
#define RO_MAX_PROGRAMS 16
#define RO_MAX_CONTACTS NM_MAX_CONTACTS
#define RO_TEXT 48 /* a name or word, with its NUL */

typedef enum { RO_LEAD_OPEN = 0, RO_LEAD_SHORT = 1 } ro_lead_state;

typedef struct {
  uint8_t contact;     /* E<n> */
  uint8_t state;       /* ro_lead_state */
} ro_lead_alert_t;

typedef struct {
  uint8_t contact;
  uint32_t threshold_ua;
} ro_threshold_t;

#define RO_MAX_MEM_ALERTS 16 /* one per NM_ALERT_* bit of the status record */

typedef struct {
  /* status part ("programs" in the JSON) */
  uint32_t slot;
  char name[RO_TEXT];
  int running;
  uint32_t amplitude_ua, pt_min_ua, pt_max_ua, delivered_ua;
  /* settings part ("program_settings", same order), read-outs only */
  char waveform[RO_TEXT];
  uint32_t rate_hz, width_us;
} ro_prog_t;

/* What the device's status says (also the remote's `status --json`). */
typedef struct {
  char mode[RO_TEXT];
  int therapy_on;
  char fault[RO_TEXT];
  char cell[RO_TEXT];       /* primary | rechargeable */
  char batt_state[RO_TEXT]; /* ok | low | eri | eos */
  uint32_t batt_pm;         /* state of charge, per mille (86.8 % = 868) */
  int charging;
  int n_mem_alerts;         /* the device's memory alerts by name ("memory-not-writable"...) */
  char mem_alerts[RO_MAX_MEM_ALERTS][RO_TEXT];
  int n_alerts;
  ro_lead_alert_t alerts[2 * RO_MAX_CONTACTS];
  int n_prog;
  ro_prog_t prog[RO_MAX_PROGRAMS];
} ro_status_t;

typedef struct {
  char serial[RO_TEXT];
  char kind[RO_TEXT];     /* ets | ins */
  char therapy[RO_TEXT];  /* scs | snm */
  char firmware[RO_TEXT]; /* "0.1.0" */
  char lead[RO_TEXT];     /* lead model, "snm-tined-4" */
  char device_time[RO_TEXT]; /* "2026-12-01 19:52:11" (UTC) */
  uint32_t resets, rejected_frames, failed_authentications;
  ro_status_t status;
  uint32_t impedance_ohm, compliance_mv;
  int n_thresholds;
  ro_threshold_t thresholds[RO_MAX_CONTACTS]; /* contacts with a marked test response */
  uint64_t uptime_s;
  uint32_t frame_bytes; /* bytes on the link the read-out took (sealed frames, both ways) */
  uint32_t capacity_uah, remaining_uah, voltage_mv, avg_current_nua;
  int primary_longevity;         /* 1: years_to_eri; 0: recharge interval and service life */
  uint32_t years_to_eri_milli;   /* primary cell: years to ERI x 1000 */
  uint32_t recharge_days_c;      /* rechargeable: days a full charge lasts x 100 */
  uint32_t service_years_c;      /* rechargeable: years of service x 100 */
} ro_readout_t;

const char *ro_lead_state_name(uint8_t state);

/* Members of an open JSON object: the status ones, and the whole read-out. */
void ro_json_status(js_w *w, const ro_status_t *s);
void ro_json_readout(js_w *w, const ro_readout_t *r);

/* The whole document, one JSON object and a newline, to f: 0, or -1 on a write error. */
int ro_write_doc(FILE *f, const ro_readout_t *r);

/* Read a parsed read-out document. 0, or -1 with one line in err naming the field, its place
 * ("line L, column C: battery.pct must be ...") and what is wrong. Every key the writer
 * writes is required; a key it does not write is refused (so nothing is silently lost). */
int ro_read(const js_val *root, ro_readout_t *out, char *err, size_t cap);
/* The same from text (parses it first). */
int ro_read_text(const char *text, size_t len, ro_readout_t *out, char *err, size_t cap);

#endif
