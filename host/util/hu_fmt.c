/* hu_fmt.c: see hu_fmt.h. */
#include "hu_fmt.h"

#include <stdio.h>

char *hu_fmt_fixed(char *buf, size_t cap, int64_t v, unsigned decimals, unsigned min_decimals) {
  if (decimals > 18) decimals = 18;
  if (min_decimals > decimals) min_decimals = decimals;
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, scale = 1;
  for (unsigned i = 0; i < decimals; i++) scale *= 10u;
  uint64_t frac = mag % scale;
  unsigned d = decimals;
  while (d > min_decimals && frac % 10u == 0) {
    frac /= 10u;
    d--;
  }
  if (d == 0) snprintf(buf, cap, "%s%llu", v < 0 ? "-" : "", (unsigned long long)(mag / scale));
  else snprintf(buf, cap, "%s%llu.%0*llu", v < 0 ? "-" : "", (unsigned long long)(mag / scale), (int)d, (unsigned long long)frac);
  return buf;
}
