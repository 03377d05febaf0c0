/* posture.c: the posture trace reader (posture.h). */
#include "posture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hu_fmt.h"
#include "json.h"


/* A plain decimal in s[0..n): digits, optionally '.' and at most `dec` more digits, as an
 * integer count of 10^-dec. 0; -1 not a number; -2 negative; -3 too many decimals; -4 too
 * large. */
static int decimal(const char *s, size_t n, unsigned dec, uint64_t max, uint64_t *out) {
  if (n > 0 && s[0] == '-') return n > 1 && s[1] >= '0' && s[1] <= '9' ? -2 : -1;
  uint64_t v = 0;
  size_t i = 0, ints = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ints++) {
    if (v > (UINT64_MAX - 9u) / 10u) return -4;
    v = v * 10u + (uint64_t)(s[i] - '0');
  }
  if (ints == 0) return -1;
  unsigned frac = 0;
  if (i < n && s[i] == '.') {
    i++;
    if (i == n) return -1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
      if (++frac > dec) return -3;
      if (v > (UINT64_MAX - 9u) / 10u) return -4;
      v = v * 10u + (uint64_t)(s[i] - '0');
    }
  }
  if (i != n) return -1;
  for (; frac < dec; frac++) {
    if (v > UINT64_MAX / 10u) return -4;
    v *= 10u;
  }
  if (v > max) return -4;
  *out = v;
  return 0;
}

/* One field's text for a message: at most 24 printable characters, quoted. */
static const char *shown(char *buf, size_t cap, const char *s, size_t n) {
  char raw[32];
  size_t k = n < 24 ? n : 24;
  memcpy(raw, s, k);
  raw[k] = '\0';
  return js_quote(buf, cap, raw, 24);
}

#define MAX_T_NS (100ull * 366ull * 86400ull * 1000000000ull) /* a hundred years */

int pt_parse(const char *text, size_t len, pt_trace_t *out, char *err, size_t errcap) {
  memset(out, 0, sizeof *out);
  if (err && errcap) err[0] = '\0';
  if (len > PT_MAX_BYTES) return hu_fail(err, errcap, "%zu bytes, more than the %u allowed", len, PT_MAX_BYTES);
  size_t cap = 0, pos = 0;
  unsigned line = 0;
  sim_posture_pt_t *pts = NULL;
  size_t n = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n') end++;
    size_t stop = end;
    if (stop > pos && text[stop - 1] == '\r') stop--;
    line++;
    const char *s = text + pos;
    size_t m = stop - pos;
    pos = end < len ? end + 1 : end;
    if (memchr(s, '\0', m)) {
      free(pts);
      return hu_fail(err, errcap, "line %u: a NUL byte (not a text file)", line);
    }
    if (line == 1) {
      if (m != 10 || memcmp(s, "t_s,csf_mm", 10) != 0) {
        char q[64];
        return hu_fail(err, errcap, "line 1: expected the header t_s,csf_mm, got %s", shown(q, sizeof q, s, m));
      }
      continue;
    }
    if (m == 0) {
      /* Blank lines only at the end. */
      size_t k = pos;
      while (k < len && (text[k] == '\n' || text[k] == '\r')) k++;
      if (k == len) break;
      free(pts);
      return hu_fail(err, errcap, "line %u: empty row", line);
    }
    const char *comma = memchr(s, ',', m);
    if (!comma) {
      free(pts);
      return hu_fail(err, errcap, "line %u: expected t_s,csf_mm (two fields)", line);
    }
    size_t a = (size_t)(comma - s), b = m - a - 1;
    if (memchr(comma + 1, ',', b)) {
      free(pts);
      return hu_fail(err, errcap, "line %u: expected t_s,csf_mm (two fields), got more", line);
    }
    uint64_t t_ns, um_x;
    char q[64];
    int rc = decimal(s, a, 9, MAX_T_NS, &t_ns);
    if (rc != 0) {
      free(pts);
      if (rc == -2) return hu_fail(err, errcap, "line %u: t_s %s is negative", line, shown(q, sizeof q, s, a));
      if (rc == -3) return hu_fail(err, errcap, "line %u: t_s %s is finer than 1 ns", line, shown(q, sizeof q, s, a));
      if (rc == -4) return hu_fail(err, errcap, "line %u: t_s %s is more than 100 years", line, shown(q, sizeof q, s, a));
      return hu_fail(err, errcap, "line %u: t_s %s is not a time in seconds like 12.5", line, shown(q, sizeof q, s, a));
    }
    rc = decimal(comma + 1, b, 6, (uint64_t)PT_MAX_CSF_UM * 1000u, &um_x);
    if (rc != 0) {
      free(pts);
      const char *v = shown(q, sizeof q, comma + 1, b);
      if (rc == -2) return hu_fail(err, errcap, "line %u: csf_mm %s is negative (a thickness is 0 mm or more)", line, v);
      if (rc == -3) return hu_fail(err, errcap, "line %u: csf_mm %s is finer than 0.000001 mm", line, v);
      if (rc == -4) {
        return hu_fail(err, errcap, "line %u: csf_mm %s is not a plausible CSF thickness (at most %u mm)", line, v,
                    PT_MAX_CSF_UM / 1000u);
      }
      return hu_fail(err, errcap, "line %u: csf_mm %s is not a thickness in mm like 3.2", line, v);
    }
    if (n == 0 && t_ns != 0) {
      free(pts);
      return hu_fail(err, errcap, "line %u: the trace must start at t_s 0 (got %s)", line, shown(q, sizeof q, s, a));
    }
    if (n > 0 && t_ns <= pts[n - 1].t_ns) {
      int same = t_ns == pts[n - 1].t_ns;
      free(pts);
      return hu_fail(err, errcap, "line %u: t_s %s %s the row before", line, shown(q, sizeof q, s, a),
                  same ? "repeats the time of" : "goes back in time from");
    }
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 256;
      sim_posture_pt_t *np = realloc(pts, nc * sizeof *np);
      if (!np) {
        free(pts);
        return hu_fail(err, errcap, "out of memory at line %u", line);
      }
      pts = np;
      cap = nc;
    }
    pts[n].t_ns = t_ns;
    pts[n].csf_mm = (double)um_x / 1e6;
    n++;
  }
  if (line == 0) return hu_fail(err, errcap, "empty file (expected the header t_s,csf_mm)");
  if (n == 0) {
    free(pts);
    return hu_fail(err, errcap, "no rows after the header");
  }
  out->pts = pts;
  out->n = n;
  return 0;
}

int pt_load(const char *path, pt_trace_t *out, char *err, size_t errcap) {
  memset(out, 0, sizeof *out);
  char *text = NULL;
  size_t len = 0;
  char msg[512];
  if (js_read_file(path, PT_MAX_BYTES, &text, &len, msg, sizeof msg) != 0) return hu_fail(err, errcap, "%s", msg);
  int rc = pt_parse(text, len, out, msg, sizeof msg);
  free(text);
  if (rc != 0) return hu_fail(err, errcap, "%s: %s", path, msg);
  return 0;
}

void pt_free(pt_trace_t *t) {
  free(t->pts);
  t->pts = NULL;
  t->n = 0;
}

uint64_t pt_end_ns(const pt_trace_t *t) { return t->n ? t->pts[t->n - 1].t_ns : 0; }

int pt_covers(const pt_trace_t *t, uint64_t dur_us, char *err, size_t errcap) {
  uint64_t end = pt_end_ns(t);
  if (end / 1000u >= dur_us) return 0;
  return hu_fail(err, errcap, "the posture trace ends at %llu.%03llu s, before the %llu.%03llu s of --duration",
              (unsigned long long)(end / 1000000000u), (unsigned long long)(end / 1000000u % 1000u),
              (unsigned long long)(dur_us / 1000000u), (unsigned long long)(dur_us / 1000u % 1000u));
}

double pt_max_rate_mm_s(const pt_trace_t *t) {
  double best = 0;
  for (size_t i = 1; i < t->n; i++) {
    double d = t->pts[i].csf_mm - t->pts[i - 1].csf_mm;
    double r = (d < 0 ? -d : d) / ((double)(t->pts[i].t_ns - t->pts[i - 1].t_ns) / 1e9);
    if (r > best) best = r;
  }
  return best;
}
