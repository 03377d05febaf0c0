/* clinic_csv.h: reading CSV files (imports). */
#ifndef NMOD_CLINIC_CSV_H
#define NMOD_CLINIC_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CLINIC_CSV_MAX_FIELDS 16
typedef struct {
  FILE *f;
  long line;            /* line number of the record just read (1-based) */
  char *buf;            /* record text, fields point into it */
  size_t cap;
  char *field[CLINIC_CSV_MAX_FIELDS];
  int nfields;
} clinic_csv;
/* 0 ok, -1 could not open (errno set). */
int clinic_csv_open(clinic_csv *c, const char *path);
/* Next record: 1 got one, 0 end of file, -1 malformed (msg filled). Skips empty lines.
 * Handles "quoted, fields" with "" escapes, CRLF, and a UTF-8 byte-order mark. */
int clinic_csv_next(clinic_csv *c, char *msg, size_t msgcap);
void clinic_csv_close(clinic_csv *c);

#endif
