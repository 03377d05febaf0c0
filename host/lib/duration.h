/* duration.h: durations on the command line ("24h", "90s", "1.5h", "30min", "250ms", "2d",
 * "5y") and windows of two ("2s..2.1s"), in microseconds, exactly (hu_dec.h reads the number). */
#ifndef NMOD_DURATION_H
#define NMOD_DURATION_H

#include <stdint.h>

/* A decimal number (at most 3 decimals of the unit) and a unit: ms, s, min (or m), h, d, y
 * (365 d). Returns 0, or -1 when not a duration, -2 when too large (over 100 years). */
int dur_parse_us(const char *s, uint64_t *out_us);
/* "A..B" with two durations (B > A). 0 or -1. */
int dur_parse_window_us(const char *s, uint64_t *from_us, uint64_t *to_us);

#endif
