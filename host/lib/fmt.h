/* fmt.h: small host helpers shared by the CLI commands: units to text, durations. */
#ifndef NMOD_FMT_H
#define NMOD_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "1.25" for fmt_fixed(buf, n, 1250, 3): a fixed-point value with trailing zeros trimmed
 * (at least one decimal kept when `keep1`). Returns buf. */
char *fmt_fixed(char *buf, size_t n, int64_t v, unsigned decimals, int keep1);
/* "E3" or "case". Returns buf. */
char *fmt_node(char *buf, size_t n, uint8_t node);
/* Parse "E0".."E15" or "case"; -1 when not a node name. */
int fmt_parse_node(const char *s);

/* Parse a duration "24h", "90s", "1.5h", "30min", "250ms", "2d", "5y" (365 d) into us.
 * Returns 0, or -1 when not a duration, -2 when too large (over 100 years). */
int fmt_parse_duration_us(const char *s, uint64_t *out_us);
/* Parse "A..B" with two durations (B > A). 0 or -1. */
int fmt_parse_window_us(const char *s, uint64_t *from_us, uint64_t *to_us);
/* Parse a decimal "1.5" into units of 10^-decimals, non-negative, at most max. 0 or -1. */
int fmt_parse_fixed(const char *s, unsigned decimals, uint64_t max, uint64_t *out);

/* A parser's one-line message into the caller's err[0..cap) (err may be NULL); returns -1,
 * so that `return fmt_fail(err, cap, ...)` refuses and says why. */
int fmt_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
