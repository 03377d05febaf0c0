/* hu_dec.c: see hu_dec.h. */
#include "hu_dec.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int hu_dec_parse(const char *s, size_t n, unsigned decimals, unsigned flags, int64_t *out) {
  if (!s) return HU_DEC_EFORM;
  size_t i = 0;
  int neg = 0;
  if (i < n && s[i] == '-') {
    neg = 1;
    i++;
  }
  /* Mantissa: digits m_0..m_{k-1} with frac_digits of them after the point. */
  size_t k = 0, frac_digits = 0;
  size_t first_nz = SIZE_MAX, last_nz = 0; /* indices among the k digits */
  int seen_point = 0;
  for (; i < n; i++) {
    char c = s[i];
    if (is_digit(c)) {
      if (c != '0') {
        if (first_nz == SIZE_MAX) first_nz = k;
        last_nz = k;
      }
      k++;
      if (seen_point) frac_digits++;
    } else if (c == '.' && !seen_point && k > 0) {
      seen_point = 1;
    } else {
      break;
    }
  }
  if (k == 0 || (seen_point && frac_digits == 0)) return HU_DEC_EFORM;
  /* Exponent, saturated far beyond anything that could fit. */
  int64_t ex = 0;
  if (i < n && (flags & HU_DEC_EXP) && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    int eneg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
      eneg = s[i] == '-';
      i++;
    }
    size_t ed = 0;
    for (; i < n && is_digit(s[i]); i++, ed++) {
      if (ex < 1000000000000ll) ex = ex * 10 + (s[i] - '0');
    }
    if (ed == 0) return HU_DEC_EFORM;
    if (eneg) ex = -ex;
  }
  if (i != n) return HU_DEC_EFORM;
  if (neg && !(flags & HU_DEC_SIGN)) return HU_DEC_ESIGN;
  if (first_nz == SIZE_MAX) {
    *out = 0; /* any zero, "-0.000e99" included */
    return 0;
  }
  /* value = D * 10^scale with D = m_first..m_last (no leading or trailing zeros). */
  int64_t L = (int64_t)(last_nz - first_nz + 1);
  int64_t scale = ex - (int64_t)frac_digits + (int64_t)(k - 1 - last_nz) + (int64_t)decimals;
  /* D * 10^scale has L + scale integer digits; 10^19 > INT64_MAX already. */
  if (L + scale > 19) return HU_DEC_ERANGE;
  if (scale < 0) return HU_DEC_EFINE;
  /* Walk the digits again, skipping the point. */
  uint64_t acc = 0;
  size_t idx = 0;
  for (size_t j = (size_t)(neg ? 1 : 0); j < n && idx <= last_nz; j++) {
    if (s[j] == '.') continue;
    if (idx >= first_nz) acc = acc * 10u + (uint64_t)(s[j] - '0');
    idx++;
  }
  for (int64_t e = 0; e < scale; e++) {
    if (acc > UINT64_MAX / 10u) return HU_DEC_ERANGE;
    acc *= 10u;
  }
  if (neg) {
    if (acc > (uint64_t)INT64_MAX + 1u) return HU_DEC_ERANGE;
    *out = acc == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)acc;
  } else {
    if (acc > (uint64_t)INT64_MAX) return HU_DEC_ERANGE;
    *out = (int64_t)acc;
  }
  return 0;
}

int hu_dec_range(const char *s, unsigned decimals, int64_t min, int64_t max, int64_t *out) {
  int64_t v;
  int rc = hu_dec_parse(s, s ? strlen(s) : 0, decimals, min < 0 ? HU_DEC_SIGN : 0u, &v);
  if (rc) return rc;
  if (v < min || v > max) return HU_DEC_ERANGE;
  *out = v;
  return 0;
}

int hu_dec_urange(const char *s, unsigned decimals, uint64_t min, uint64_t max, uint64_t *out) {
  int64_t v;
  int rc = hu_dec_parse(s, s ? strlen(s) : 0, decimals, 0u, &v);
  if (rc) return rc;
  if ((uint64_t)v < min || (uint64_t)v > max) return HU_DEC_ERANGE;
  *out = (uint64_t)v;
  return 0;
}
