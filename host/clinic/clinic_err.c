/* clinic_err.c: errors as values, and the one place they become a line on stderr and an exit
 * code (clinic_report). */
#include <stdarg.h>
#include <string.h>

#include "clinic_err.h"

/* Where this thread's output and errors go (clinic_capture); NULL: stdout and stderr. */
static _Thread_local FILE *cap_out;
static _Thread_local clinic_err *cap_err;

void clinic_capture(FILE *out, clinic_err *err) {
  cap_out = out;
  cap_err = err;
  if (err) clinic_err_clear(err);
}

FILE *clinic_stdout(void) { return cap_out ? cap_out : stdout; }

void clinic_err_clear(clinic_err *e) {
  e->code = CLINIC_E_OK;
  e->msg[0] = '\0';
}

static int err_vset(clinic_err *e, int code, const char *fmt, va_list ap) {
  if (e && e->code == CLINIC_E_OK) {
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    e->code = code;
  }
  return code;
}

int clinic_err_set(clinic_err *e, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  err_vset(e, code, fmt, ap);
  va_end(ap);
  return code;
}

int clinic_err_db(clinic_err *e, sqlite3 *db, const char *what) {
  const char *file = db ? sqlite3_db_filename(db, "main") : NULL;
  int code = db ? sqlite3_errcode(db) : SQLITE_NOMEM;
  if (!file || !*file) file = "(none)";
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
    return clinic_err_set(e, CLINIC_E_IO, "database %s is damaged (%s: %s); nothing was changed: run nmod clinic check-db",
                          file, what, sqlite3_errmsg(db));
  return clinic_err_set(e, CLINIC_E_IO, "database %s: %s failed: %s (check the file and its folder are writable)", file,
                        what, db ? sqlite3_errmsg(db) : "out of memory");
}

int clinic_err_prefix(clinic_err *e, const char *text) {
  char tmp[sizeof e->msg];
  snprintf(tmp, sizeof tmp, "%s%s", text, e->msg);
  memcpy(e->msg, tmp, sizeof tmp);
  return e->code;
}

int clinic_exit_code(int code) {
  switch (code) {
  case CLINIC_E_OK: return CL_OK;
  case CLINIC_E_INPUT:
  case CLINIC_E_NOT_FOUND: return CL_USAGE;
  case CLINIC_E_RULE: return CL_RULE;
  default: return CL_IO;
  }
}

int clinic_report(const clinic_err *e) {
  int rc = clinic_exit_code(e->code);
  if (rc == CL_OK || !e->msg[0]) return rc;
  if (cap_err) {
    /* The first failure is the cause; later ones (a rollback's) would hide it. */
    if (!cap_err->msg[0]) *cap_err = *e;
    return rc;
  }
  fprintf(stderr, "nmod clinic: %s\n", e->msg);
  return rc;
}

int clinic_fail(int code, const char *fmt, ...) {
  clinic_err e;
  clinic_err_clear(&e);
  va_list ap;
  va_start(ap, fmt);
  err_vset(&e, code, fmt, ap);
  va_end(ap);
  return clinic_report(&e);
}

