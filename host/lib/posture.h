/* posture.h: posture traces (docs/CLOSED-LOOP.md "Posture traces"): a CSV file with the
 * header `t_s,csf_mm` and one row per point, the dorsal CSF thickness (mm) at a time (s),
 * linear between rows.
 *
 * Rules: the first row is at 0 s; times go strictly forward, with at most 9 decimals (ns);
 * thicknesses are 0 to 15 mm with at most 6 decimals; plain decimals only (no signs but
 * '-' to be refused, no exponents). A bad row gets one line naming the line and what is
 * wrong. */
#ifndef NMOD_POSTURE_H
#define NMOD_POSTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sim_cord.h"

#define PT_MAX_BYTES (64u * 1024u * 1024u) /* a trace is at most 64 MiB */
#define PT_MAX_CSF_UM 15000u               /* thicker than any spinal canal holds */

typedef struct {
  sim_posture_pt_t *pts; /* heap, pt_free */
  size_t n;
} pt_trace_t;

/* Parse text[0..len). 0, or -1 with a one-line message in err ("line 7: ..."). */
int pt_parse(const char *text, size_t len, pt_trace_t *out, char *err, size_t errcap);
/* Read and parse the file at path; the message starts with the path. */
int pt_load(const char *path, pt_trace_t *out, char *err, size_t errcap);
void pt_free(pt_trace_t *t);
/* The trace's end (ns). */
uint64_t pt_end_ns(const pt_trace_t *t);
/* 0 when the trace covers [0, dur_us], else -1 with a message. */
int pt_covers(const pt_trace_t *t, uint64_t dur_us, char *err, size_t errcap);
/* The fastest change of thickness between rows, um per s. */
double pt_max_rate_mm_s(const pt_trace_t *t);

#endif
