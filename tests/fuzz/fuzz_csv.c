/* fuzz_csv.c: libFuzzer target for the clinic's CSV reader (host/clinic/clinic_csv.c), the
 * one parser under the diary, patient and path-step imports.
 *
 * The input is a file's bytes, read record by record to the end, as the imports do (they
 * go on after a bad row to report it). Properties (abort on violation):
 * - a bad record comes with a one-line message; at most one record per line, line numbers
 *   increasing, none past the last line;
 * - a record has 1..CLINIC_CSV_MAX_FIELDS fields, none holding a line break;
 * - a line without quotes is split at its commas, exactly;
 * - written back as CSV (every field quoted, quotes doubled) and read again, a record
 *   gives the same fields.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "clinic_int.h"

/* Line `n` (1-based) of data, without its \n (and \r\n), or NULL. */
static const char *line_of(const uint8_t *data, size_t size, long n, size_t *len) {
  size_t at = 0;
  for (long i = 1; i < n; i++) {
    const uint8_t *nl = memchr(data + at, '\n', size - at);
    if (!nl) return NULL;
    at = (size_t)(nl - data) + 1;
  }
  if (at > size) return NULL;
  const uint8_t *nl = memchr(data + at, '\n', size - at);
  *len = nl ? (size_t)(nl - data) - at : size - at;
  return (const char *)data + at;
}

static void check_roundtrip(clinic_csv *c) {
  static char buf[CLINIC_CSV_MAX_FIELDS * 2 * 4096 + 64];
  size_t n = 0;
  for (int i = 0; i < c->nfields; i++) {
    if (i) buf[n++] = ',';
    buf[n++] = '"';
    for (const char *s = c->field[i]; *s; s++) {
      if (*s == '"') buf[n++] = '"';
      buf[n++] = *s;
    }
    buf[n++] = '"';
  }
  buf[n++] = '\n';
  clinic_csv d;
  memset(&d, 0, sizeof d);
  d.f = fmemopen(buf, n, "rb");
  CHECK(d.f, "fmemopen");
  char msg[512];
  int r = clinic_csv_next(&d, msg, sizeof msg);
  /* Quoting can make a line longer than the reader takes; that is refused, not misread. */
  if (n - 1 <= 4096) {
    CHECK(r == 1, "a record written back as CSV does not read back");
    CHECK(d.nfields == c->nfields, "a record written back reads back with other fields");
    for (int i = 0; i < c->nfields; i++) CHECK(strcmp(d.field[i], c->field[i]) == 0, "a field reads back different");
  }
  clinic_csv_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  clinic_csv c;
  memset(&c, 0, sizeof c);
  c.f = fmemopen((void *)data, size, "rb");
  CHECK(c.f, "fmemopen");
  long lines = 1;
  for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
  long last = 0;
  char msg[512];
  for (int guard = 0; guard < 100000; guard++) {
    msg[0] = '\0';
    int r = clinic_csv_next(&c, msg, sizeof msg);
    if (r == 0) break;
    CHECK(c.line > last && c.line <= lines, "line numbers out of order or past the end");
    last = c.line;
    if (r < 0) {
      CHECK(msg[0] != '\0' && strchr(msg, '\n') == NULL, "a bad record without a one-line message");
      continue;
    }
    CHECK(r == 1, "clinic_csv_next returned something else");
    CHECK(c.nfields >= 1 && c.nfields <= CLINIC_CSV_MAX_FIELDS, "field count");
    for (int i = 0; i < c.nfields; i++) CHECK(strchr(c.field[i], '\n') == NULL, "a field holds a line break");
    size_t len;
    const char *ln = line_of(data, size, c.line, &len);
    CHECK(ln != NULL, "the record's line is not in the file");
    if (len && ln[len - 1] == '\r') len--;
    if (c.line == 1 && len >= 3 && memcmp(ln, "\xEF\xBB\xBF", 3) == 0) {
      ln += 3;
      len -= 3;
    }
    if (!memchr(ln, '"', len) && !memchr(ln, '\r', len)) {
      /* No quotes: the fields are the text between commas. */
      int k = 0;
      size_t start = 0;
      for (size_t i = 0; i <= len; i++) {
        if (i < len && ln[i] != ',') continue;
        CHECK(k < c.nfields, "fewer fields than commas");
        CHECK(strlen(c.field[k]) == i - start && memcmp(c.field[k], ln + start, i - start) == 0,
              "an unquoted field is not the text between its commas");
        k++;
        start = i + 1;
      }
      CHECK(k == c.nfields, "more fields than commas");
    }
    check_roundtrip(&c);
  }
  clinic_csv_close(&c);
  return 0;
}
