/* hu_dec.h: decimal text to fixed-point integers, exactly (never through binary floating
 * point): "1.25" read with 3 decimals is 1250 (units of 10^-3), "38.5" with 1 is 385, "7"
 * with 0 is 7. The one parser of numbers for every host tool: command-line values, CSV
 * fields, and (with HU_DEC_EXP) JSON numbers.
 *
 * The text is [-]DIGITS[.DIGITS] (at least one digit on each side of a point: not ".5" or
 * "1."), then with HU_DEC_EXP an exponent (e|E)[+|-]DIGITS; no '+' in front, no spaces. A value
 * is exact or refused: finer than the unit is HU_DEC_EFINE (trailing zeros are no finer:
 * "1.20" with 1 decimal is 12). */
#ifndef NMOD_HU_DEC_H
#define NMOD_HU_DEC_H

#include <stddef.h>
#include <stdint.h>

enum {
  HU_DEC_EFORM = -1,  /* not a number of the form above */
  HU_DEC_EFINE = -2,  /* a number, but finer than 10^-decimals */
  HU_DEC_ERANGE = -3, /* a number outside min..max (or outside int64_t) */
  HU_DEC_ESIGN = -4   /* a negative number where no sign is allowed */
};

#define HU_DEC_SIGN 1u /* a leading '-' may be given */
#define HU_DEC_EXP 2u  /* an exponent may be given (JSON) */

/* Parse s[0..len) in units of 10^-decimals (any decimals: past 18 only zero fits an int64_t,
 * and "1" is HU_DEC_ERANGE). 0 or an HU_DEC_ error; *out is written on success only. */
int hu_dec_parse(const char *s, size_t len, unsigned decimals, unsigned flags, int64_t *out);
/* Parse the C string s, and the value must lie in min..max. A '-' is allowed when min < 0
 * (else HU_DEC_ESIGN). 0 or an HU_DEC_ error. */
int hu_dec_range(const char *s, unsigned decimals, int64_t min, int64_t max, int64_t *out);
/* The same into an unsigned (0 <= min <= max). */
int hu_dec_urange(const char *s, unsigned decimals, uint64_t min, uint64_t max, uint64_t *out);

#endif
