/* fuzz_posture.c: libFuzzer target for the closed loop's two input files (issue 15): the
 * posture trace CSV (host/lib/posture.c) and the nmod-cord/1 model (host/lib/cord_file.c).
 *
 * The first byte picks the file; the rest is its text. Properties (abort on violation):
 * - a failure comes with a one-line message and leaves nothing behind (no points; the
 *   cord's documented default);
 * - an accepted trace starts at 0 s, goes strictly forward in time, and every thickness
 *   is 0-15 mm; pt_covers agrees with its end;
 * - an accepted cord passes sim_cord_params_check (every field in its documented range),
 *   and the model gives finite thresholds and responses across the thickness range.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cord_file.h"
#include "fuzz_check.h"
#include "posture.h"

static void check_err(const char *err) {
  CHECK(err[0] != '\0', "failure without a message");
  CHECK(strchr(err, '\n') == NULL, "message of more than one line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  char err[512];
  err[0] = '\0';
  if ((data[0] & 1) == 0) {
    pt_trace_t t;
    if (pt_parse(text, len, &t, err, sizeof err) != 0) {
      check_err(err);
      CHECK(t.pts == NULL && t.n == 0, "a refused trace left points behind");
      return 0;
    }
    CHECK(t.n >= 1 && t.pts != NULL, "an accepted trace without points");
    CHECK(t.pts[0].t_ns == 0, "an accepted trace that does not start at 0 s");
    for (size_t i = 0; i < t.n; i++) {
      CHECK(t.pts[i].csf_mm >= 0.0 && t.pts[i].csf_mm <= PT_MAX_CSF_UM / 1000.0, "a thickness outside 0-15 mm");
      if (i) CHECK(t.pts[i].t_ns > t.pts[i - 1].t_ns, "time not strictly forward");
    }
    uint64_t end_ns = pt_end_ns(&t);
    CHECK(end_ns == t.pts[t.n - 1].t_ns, "pt_end_ns is not the last point");
    CHECK(pt_covers(&t, end_ns / 1000u, err, sizeof err) == 0, "the trace does not cover its own end");
    err[0] = '\0';
    if (pt_covers(&t, end_ns / 1000u + 1u, err, sizeof err) != 0) check_err(err);
    else CHECK(0, "the trace covers past its end");
    CHECK(isfinite(pt_max_rate_mm_s(&t)) && pt_max_rate_mm_s(&t) >= 0.0, "a rate that is not a finite number");
    pt_free(&t);
    return 0;
  }
  sim_cord_params_t p, def;
  sim_cord_defaults(&def);
  if (cf_parse(text, len, &p, err, sizeof err) != 0) {
    check_err(err);
    CHECK(memcmp(&p, &def, sizeof p) == 0, "a refused cord file left values behind");
    return 0;
  }
  const char *what = NULL;
  CHECK(sim_cord_params_check(&p, &what) == 0, "an accepted cord outside its documented ranges");
  for (double d = 0.0; d <= 15.0; d += 0.5) {
    double et = sim_cord_et_nc(&p, d);
    CHECK(isfinite(et) && et > 0.0, "an ECAP threshold that is not a positive number");
    double e = sim_cord_ecap_uv(&p, d, et * p.discomfort);
    CHECK(isfinite(e) && e >= 0.0 && e <= p.max_uv, "a response outside 0..max_uv");
  }
  return 0;
}
