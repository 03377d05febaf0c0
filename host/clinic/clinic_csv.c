/* clinic_csv.c: a small strict CSV reader (RFC 4180 subset) for diary and patient imports.
 * One record per line; fields may be quoted ("a, b" and "" for a quote) but may not span
 * lines. Lines longer than CLINIC_CSV_MAX_LINE are refused, so a binary file fails fast. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "clinic_csv.h"

#define CLINIC_CSV_MAX_LINE 4096

int clinic_csv_open(clinic_csv *c, const char *path) {
  memset(c, 0, sizeof *c);
  c->f = fopen(path, "rb");
  return c->f ? 0 : -1;
}

void clinic_csv_close(clinic_csv *c) {
  if (c->f) fclose(c->f);
  free(c->buf);
  memset(c, 0, sizeof *c);
}

static int split(clinic_csv *c, char *msg, size_t cap) {
  char *r = c->buf, *w = c->buf;
  c->nfields = 0;
  for (;;) {
    if (c->nfields >= CLINIC_CSV_MAX_FIELDS) {
      snprintf(msg, cap, "more than %d fields", CLINIC_CSV_MAX_FIELDS);
      return -1;
    }
    c->field[c->nfields++] = w;
    if (*r == '"') {
      r++;
      for (;;) {
        if (*r == '\0') {
          snprintf(msg, cap, "a quoted field is not closed");
          return -1;
        }
        if (*r == '"') {
          if (r[1] == '"') {
            *w++ = '"';
            r += 2;
            continue;
          }
          r++;
          break;
        }
        *w++ = *r++;
      }
      if (*r != ',' && *r != '\0') {
        snprintf(msg, cap, "text after a closing quote");
        return -1;
      }
    } else {
      while (*r != ',' && *r != '\0') {
        if (*r == '"') {
          snprintf(msg, cap, "a quote inside an unquoted field");
          return -1;
        }
        *w++ = *r++;
      }
    }
    if (*r == '\0') {
      *w = '\0';
      return 0;
    }
    *w++ = '\0';
    r++; /* the comma */
  }
}

int clinic_csv_next(clinic_csv *c, char *msg, size_t cap) {
  for (;;) {
    ssize_t n = getline(&c->buf, &c->cap, c->f);
    if (n < 0) return 0;
    c->line++;
    if ((size_t)n > CLINIC_CSV_MAX_LINE) {
      snprintf(msg, cap, "line longer than %d characters", CLINIC_CSV_MAX_LINE);
      return -1;
    }
    if (memchr(c->buf, '\0', (size_t)n)) {
      snprintf(msg, cap, "a NUL byte (not a text file?)");
      return -1;
    }
    while (n > 0 && (c->buf[n - 1] == '\n' || c->buf[n - 1] == '\r')) c->buf[--n] = '\0';
    if (c->line == 1 && n >= 3 && (unsigned char)c->buf[0] == 0xEF &&
        (unsigned char)c->buf[1] == 0xBB && (unsigned char)c->buf[2] == 0xBF) {
      memmove(c->buf, c->buf + 3, (size_t)n - 2);
      n -= 3;
    }
    if (n == 0) continue;
    return split(c, msg, cap) == 0 ? 1 : -1;
  }
}
