/* clinic_err.h: the clinic library's errors as values.
 *
 * A library call that can fail takes a caller-owned clinic_err *, fills it on failure (a code
 * and one line naming what is wrong and what to do) and returns the same code; it never prints
 * and never exits. Only a command's entry (clinic_cmd_*, clinic_main, clinic_call) reports an
 * error, once, with clinic_report, which is also the one place an exit code is derived from an
 * error code (clinic_exit_code).
 */
#ifndef NMOD_CLINIC_ERR_H
#define NMOD_CLINIC_ERR_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "nmod_exit.h"

/* Exit codes (clinic.h): what a command returns to the shell. */
enum { CL_OK = NMOD_EXIT_OK, CL_IO = NMOD_EXIT_IO, CL_USAGE = NMOD_EXIT_USAGE, CL_RULE = NMOD_EXIT_REFUSED };

/* What went wrong. The first three keep the values of the exit codes they map to, so a code
 * that reaches an exit unconverted still means the same; NOT_FOUND is an input error too. */
typedef enum {
  CLINIC_E_OK = 0,
  CLINIC_E_IO = 1,        /* the database or a file failed (a damaged database included) */
  CLINIC_E_INPUT = 2,     /* invalid input: a value, a command line, a line of a file */
  CLINIC_E_RULE = 3,      /* refused by a rule, or in conflict with what is stored */
  CLINIC_E_NOT_FOUND = 4  /* no such patient, diary day, link, ... */
} clinic_ecode;

/* A failure as a value: its code and its one line (without the "nmod clinic: " prefix). */
typedef struct {
  int code;
  char msg[512];
} clinic_err;

/* Clear e (code CLINIC_E_OK, empty message). */
void clinic_err_clear(clinic_err *e);
/* Fill e with code and the formatted line, unless e already holds a failure (the first is the
 * cause; a rollback's would hide it); returns code. e may be NULL (the code alone). */
int clinic_err_set(clinic_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A database failure: names the file and SQLite's message; returns CLINIC_E_IO. */
int clinic_err_db(clinic_err *e, sqlite3 *db, const char *what);
/* Prefix e's message with text (an import's "FILE line N: "); returns e->code. */
int clinic_err_prefix(clinic_err *e, const char *text);

/* The one mapping from an error code to the process exit code. */
int clinic_exit_code(int code);
/* Report e once, at a command's entry: "nmod clinic: MSG" on stderr (or into the error of
 * clinic_capture); returns clinic_exit_code(e->code). An empty message prints nothing. */
int clinic_report(const clinic_err *e);

/* For a command's entry only: report a failure made here; returns the exit code. */
int clinic_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For a program that calls the clinic commands itself (the console): from now on, in this
 * thread, the first reported failure goes into *err instead of stderr, and the JSON the
 * commands print goes to out instead of stdout (NULL, NULL: back to the terminal). */
void clinic_capture(FILE *out, clinic_err *err);
/* Where a command writes its output: stdout, or the stream of clinic_capture. */
FILE *clinic_stdout(void);

#endif
