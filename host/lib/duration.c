/* duration.c: see duration.h. */
#include "duration.h"

#include <string.h>

#include "hu_dec.h"

int dur_parse_us(const char *s, uint64_t *out_us) {
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
    if (hu_dec_urange(digits, 3, 0, UINT64_MAX / 1000u, &milli) != 0) return -1;
    if (milli > 100ull * 31536000000000ull * 1000u / units[i].us) return -2;
    uint64_t us = milli * units[i].us / 1000u;
    if (us > 100ull * 31536000000000ull) return -2;
    *out_us = us;
    return 0;
  }
  return -1;
}

int dur_parse_window_us(const char *s, uint64_t *from_us, uint64_t *to_us) {
  const char *dots = strstr(s, "..");
  if (!dots || (size_t)(dots - s) >= 40) return -1;
  char a[48];
  memcpy(a, s, (size_t)(dots - s));
  a[dots - s] = '\0';
  if (dur_parse_us(a, from_us) != 0 || dur_parse_us(dots + 2, to_us) != 0) return -1;
  return *to_us > *from_us ? 0 : -1;
}
