/* hu_fmt.h: fixed-point integers to decimal text, exactly: the one number formatter of the
 * host tools (text output, JSON, reports). hu_fmt_fixed(buf, n, 1250, 3, 0) is "1.25",
 * (1000, 3, 1) "1.0", (385, 1, 0) "38.5", (-5, 1, 0) "-0.5", (0, 3, 0) "0". */
#ifndef NMOD_HU_FMT_H
#define NMOD_HU_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for any int64_t at decimals <= 18, with sign, point and NUL (more decimals: up to
 * decimals + 4 bytes). */
#define HU_FIXED_LEN 24

/* v in units of 10^-decimals (any decimals), trailing zeros of the fraction dropped but at
 * least min_decimals kept (min_decimals <= decimals), into buf (cap bytes, always ended by a
 * NUL, cut when too small). Returns buf. */
char *hu_fmt_fixed(char *buf, size_t cap, int64_t v, unsigned decimals, unsigned min_decimals);
/* The same, returning the length of the whole text (without the NUL), as snprintf does: the
 * text was cut when that is >= cap (buf may be NULL when cap is 0). */
size_t hu_fmt_fixed_n(char *buf, size_t cap, int64_t v, unsigned decimals, unsigned min_decimals);

/* A parser's one-line message into the caller's err[0..cap) (err may be NULL); returns -1,
 * so that `return hu_fail(err, cap, ...)` refuses and says why. */
int hu_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
