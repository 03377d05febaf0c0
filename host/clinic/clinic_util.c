/* clinic_util.c: error lines, a string buffer, date arguments, and output files. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clinic_util.h"
#include "clinic_err.h"
#include "hu_date.h"
#include "json.h"

int clinic_date_arg(const char *what, const char *s, int32_t *day) {
  int rc = hu_date_parse(s, day);
  if (rc == 0) return CL_OK;
  char m[160];
  return clinic_fail(CL_USAGE, "%s", hu_date_msg(m, sizeof m, what, s, rc, HU_FORM_DATE));
}

void clinic_buf_add(clinic_buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *p = realloc(b->s, cap);
    if (!p) abort(); /* the builders return no error (clinic_util.h) */
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void clinic_buf_puts(clinic_buf *b, const char *s) { clinic_buf_add(b, s, strlen(s)); }

void clinic_buf_printf(clinic_buf *b, const char *fmt, ...) {
  char tmp[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    clinic_buf_add(b, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) abort();
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  clinic_buf_add(b, big, (size_t)n);
  free(big);
}

void clinic_buf_free(clinic_buf *b) {
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

void clinic_json_patient(js_w *w, FILE *f, const char *code) {
  jw_init(w, f);
  jw_obj(w);
  jw_kv_str(w, "patient", code);
}

void clinic_json_end(js_w *w) {
  jw_obj_end(w);
  jw_end(w);
}

void clinic_json_list_begin(js_w *w, FILE *f, const char *code, const char *key) {
  clinic_json_patient(w, f, code);
  jw_kv_arr(w, key);
}

void clinic_ack_render(FILE *f, int json, const clinic_ack *a) {
  if (!json) {
    fprintf(f, "%s\n", a->text);
    return;
  }
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  if (a->patient) jw_kv_str(&w, "patient", a->patient);
  if (a->date) jw_kv_str(&w, "date", a->date);
  jw_kv_bool(&w, "stored", 1);
  clinic_json_end(&w);
}

void clinic_json_list_end(js_w *w) {
  jw_arr_end(w);
  clinic_json_end(w);
}

int clinic_out_begin(clinic_outfile *o, const char *path, clinic_err *e) {
  char msg[sizeof e->msg];
  int rc = hu_out_begin(o, path, msg, sizeof msg);
  if (rc == HU_OUT_OK) return CLINIC_E_OK;
  return clinic_err_set(e, rc == HU_OUT_PATH ? CLINIC_E_INPUT : CLINIC_E_IO, "%s", msg);
}

int clinic_out_end(clinic_outfile *o, int rc, clinic_err *e) {
  char msg[sizeof e->msg];
  if (hu_out_end(o, rc == CLINIC_E_OK, msg, sizeof msg) != HU_OUT_OK) return clinic_err_set(e, CLINIC_E_IO, "%s", msg);
  return rc;
}

