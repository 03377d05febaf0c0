/* clinic_util.h: small helpers: a string buffer, output files written whole or not at all, date arguments, JSON members and lists. */
#ifndef NMOD_CLINIC_UTIL_H
#define NMOD_CLINIC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "clinic_err.h"
#include "hu_out.h"
#include "hu_date.h"
#include "json.h"

/* A growable, NUL-terminated string buffer (heap). Out of memory aborts, silently: its 29
 * callers (messages, warnings, FHIR and calendar text) return no error for it, and a text cut
 * short in a report would be worse than no report. The larger allocations of the clinic (the
 * diary's days, the plan, the import's patients, the report's rows) fail as CLINIC_E_IO. */
typedef struct {
  char *s;
  size_t len, cap;
} clinic_buf;
void clinic_buf_add(clinic_buf *b, const char *s, size_t n);
void clinic_buf_puts(clinic_buf *b, const char *s);
void clinic_buf_printf(clinic_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void clinic_buf_free(clinic_buf *b);

/* An output file with patient data (report, export, calendar), written whole or not at all
 * (hu_out.h), with the clinic's errors. */
typedef hu_out clinic_outfile;
int clinic_out_begin(clinic_outfile *o, const char *path, clinic_err *e);
/* rc == 0: commit (CLINIC_E_OK, or CLINIC_E_IO in e); else discard and return rc. */
int clinic_out_end(clinic_outfile *o, int rc, clinic_err *e);
/* ---- dates: hu_date.h (day numbers, strict YYYY-MM-DD in 1900..2199, hu_today, hu_now_minutes) */

/* Parse a date given as `what` ("--date", "--from"): 0, or CL_USAGE after one line
 * "WHAT 'S' <why>" (hu_date_why: the one reason for that text everywhere). */
int clinic_date_arg(const char *what, const char *s, int32_t *day);
/* Day d as "YYYY-MM-DD", or null for the sentinels INT32_MIN and INT32_MAX (clinic_eval.c);
 * clinic_json_day writes it as member `key`. */
void clinic_json_date(js_w *w, int32_t d);
void clinic_json_day(js_w *w, const char *key, int32_t d);
/* JSON on stdout for the list commands: {"patient": CODE, "KEY": [ ... ]}. */
void clinic_json_list_begin(js_w *w, FILE *f, const char *code, const char *key);
/* The start of a JSON answer about one patient on f: {"patient": CODE, and its end. */
void clinic_json_patient(js_w *w, FILE *f, const char *code);
void clinic_json_end(js_w *w);
/* The answer of a command that stored something, the one renderer of it: text, the line;
 * --json, {"patient": P, "date": D, "stored": true} (patient and date left out when NULL). */
typedef struct {
  const char *patient, *date;
  const char *text;
} clinic_ack;
void clinic_ack_render(FILE *f, int json, const clinic_ack *a);
void clinic_json_list_end(js_w *w);

#endif
