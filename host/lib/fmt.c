/* fmt.c: see fmt.h. */
#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nmod/limits.h"

char *fmt_fixed(char *buf, size_t n, int64_t v, unsigned decimals, int keep1) {
  uint64_t mag = v < 0 ? (uint64_t)(-(v + 1)) + 1u : (uint64_t)v;
  uint64_t scale = 1;
  for (unsigned i = 0; i < decimals; i++) scale *= 10u;
  char frac[24] = "";
  if (decimals) {
    snprintf(frac, sizeof frac, "%0*llu", (int)decimals, (unsigned long long)(mag % scale));
    size_t len = strlen(frac);
    size_t min = keep1 ? 1u : 0u;
    while (len > min && frac[len - 1] == '0') frac[--len] = '\0';
  }
  snprintf(buf, n, "%s%llu%s%s", v < 0 ? "-" : "", (unsigned long long)(mag / scale), frac[0] ? "." : "", frac);
  return buf;
}

char *fmt_node(char *buf, size_t n, uint8_t node) {
  if (node == NM_NODE_CASE) snprintf(buf, n, "case");
  else snprintf(buf, n, "E%u", node);
  return buf;
}

int fmt_parse_node(const char *s) {
  if (strcmp(s, "case") == 0) return NM_NODE_CASE;
  if (s[0] != 'E' || s[1] < '0' || s[1] > '9') return -1;
  if (s[2] == '\0') return s[1] - '0';
  if (s[1] == '1' && s[2] >= '0' && s[2] <= '5' && s[3] == '\0') return 10 + (s[2] - '0');
  return -1;
}

int fmt_parse_fixed(const char *s, unsigned decimals, uint64_t max, uint64_t *out) {
  uint64_t v = 0;
  unsigned frac = 0;
  int seen_dot = 0, digits = 0;
  for (const char *p = s; *p; p++) {
    if (*p == '.' && !seen_dot) {
      seen_dot = 1;
      continue;
    }
    if (*p < '0' || *p > '9') return -1;
    if (seen_dot && ++frac > decimals) return -1;
    if (v > (UINT64_MAX - 9u) / 10u) return -1;
    v = v * 10u + (uint64_t)(*p - '0');
    digits++;
  }
  if (!digits) return -1;
  for (; frac < decimals; frac++) {
    if (v > UINT64_MAX / 10u) return -1;
    v *= 10u;
  }
  if (v > max) return -1;
  *out = v;
  return 0;
}

int fmt_parse_duration_us(const char *s, uint64_t *out_us) {
  static const struct {
    const char *unit;
    uint64_t us;
  } units[] = {{"ms", 1000ull}, {"s", 1000000ull}, {"min", 60000000ull}, {"m", 60000000ull},
               {"h", 3600000000ull}, {"d", 86400000000ull}, {"y", 31536000000000ull}};
  size_t len = strlen(s), num = 0;
  while (num < len && ((s[num] >= '0' && s[num] <= '9') || s[num] == '.')) num++;
  if (num == 0 || num > 30) return -1;
  char digits[32];
  memcpy(digits, s, num);
  digits[num] = '\0';
  const char *unit = s + num;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(unit, units[i].unit) != 0) continue;
    uint64_t milli;
    /* three decimals of the unit; 100 years is the cap */
    if (fmt_parse_fixed(digits, 3, UINT64_MAX / 1000u, &milli) != 0) return -1;
    if (milli > 100ull * 31536000000000ull * 1000u / units[i].us) return -2;
    uint64_t us = milli * units[i].us / 1000u;
    if (us > 100ull * 31536000000000ull) return -2;
    *out_us = us;
    return 0;
  }
  return -1;
}

int fmt_parse_window_us(const char *s, uint64_t *from_us, uint64_t *to_us) {
  const char *dots = strstr(s, "..");
  if (!dots || (size_t)(dots - s) >= 40) return -1;
  char a[48];
  memcpy(a, s, (size_t)(dots - s));
  a[dots - s] = '\0';
  if (fmt_parse_duration_us(a, from_us) != 0 || fmt_parse_duration_us(dots + 2, to_us) != 0) return -1;
  return *to_us > *from_us ? 0 : -1;
}

int fmt_fail(char *err, size_t cap, const char *fmt, ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return -1;
}
