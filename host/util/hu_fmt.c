/* hu_fmt.c: see hu_fmt.h. */
#include "hu_fmt.h"

#include <stdarg.h>
#include <stdio.h>

/* Appends c at position *n of buf when it fits (leaving room for the NUL); counts it anyway. */
static void put(char *buf, size_t cap, size_t *n, char c) {
  if (*n + 1 < cap) buf[*n] = c;
  (*n)++;
}

size_t hu_fmt_fixed_n(char *buf, size_t cap, int64_t v, unsigned decimals, unsigned min_decimals) {
  if (min_decimals > decimals) min_decimals = decimals;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  /* The magnitude's digits; the fraction is their last `decimals`, with zeros in front when
   * there are fewer digits than that. */
  char dig[24];
  size_t nd = (size_t)snprintf(dig, sizeof dig, "%llu", (unsigned long long)mag);
  size_t tz = 0; /* trailing zeros of the digits */
  while (mag != 0 && dig[nd - 1 - tz] == '0') tz++;
  size_t zeros = mag == 0 ? decimals : (tz < decimals ? tz : decimals); /* of the fraction */
  size_t keep = decimals - zeros < min_decimals ? min_decimals : decimals - zeros;
  size_t n = 0;
  if (v < 0) put(buf, cap, &n, '-');
  if (nd > decimals) {
    for (size_t i = 0; i < nd - decimals; i++) put(buf, cap, &n, dig[i]);
  } else {
    put(buf, cap, &n, '0');
  }
  if (keep > 0) put(buf, cap, &n, '.');
  /* The fraction: `lead` zeros in front of the digits when they are fewer than decimals. */
  size_t lead = decimals > nd ? decimals - nd : 0, first = decimals > nd ? 0 : nd - decimals;
  for (size_t j = 0; j < keep; j++) put(buf, cap, &n, j < lead ? '0' : dig[first + j - lead]);
  if (cap > 0) buf[n < cap ? n : cap - 1] = '\0';
  return n;
}

char *hu_fmt_fixed(char *buf, size_t cap, int64_t v, unsigned decimals, unsigned min_decimals) {
  hu_fmt_fixed_n(buf, cap, v, decimals, min_decimals);
  return buf;
}

int hu_fail(char *err, size_t cap, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}
