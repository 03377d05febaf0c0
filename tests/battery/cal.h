/* cal.h: the published battery points (tests/data/battery_calibration.json) and nmod's
 * figure for each, from the firmware's own longevity arithmetic on a profile. Header-only,
 * shared by the battery tests. */
#ifndef NMOD_TEST_CAL_H
#define NMOD_TEST_CAL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "longevity.h"
#include "therapy_file.h"

static inline const char *cal_src(void) {
  const char *s = getenv("NMOD_SRC");
  return s ? s : ".";
}

/* The calibration file, parsed (NULL after printing why). */
static inline js_val *cal_load(void) {
  char path[1024], err[256], *text;
  size_t len;
  snprintf(path, sizeof path, "%s/tests/data/battery_calibration.json", cal_src());
  if (js_read_file(path, 1 << 20, &text, &len, err, sizeof err) != 0) {
    printf("%s\n", err);
    return NULL;
  }
  js_val *v = js_parse(text, len, err, sizeof err);
  free(text);
  if (!v) printf("%s: %s\n", path, err);
  return v;
}

static inline const char *cal_str(const js_val *o, const char *k) {
  const js_val *v = js_get(o, k);
  return v && v->type == JS_STR ? v->str : NULL;
}

static inline double cal_num(const js_val *o, const char *k, double dflt) {
  const js_val *v = js_get(o, k);
  return v && v->type == JS_NUM ? strtod(v->str, NULL) : dflt;
}

/* A file of the source tree, by its path from the top ("examples/snm-default.json"); 0, or
 * -1 after printing why. */
static inline int cal_src_therapy(const char *rel, tf_therapy_t *t) {
  char path[1024], err[512];
  snprintf(path, sizeof path, "%s/%s", cal_src(), rel);
  if (tf_load(path, t, err, sizeof err) == 0) return 0;
  printf("%s\n", err);
  return -1;
}

/* A therapy file under tests/data/. */
static inline int cal_therapy(const char *rel, tf_therapy_t *t) {
  char path[600];
  snprintf(path, sizeof path, "tests/data/%s", rel);
  return cal_src_therapy(path, t);
}

/* Every running program of t at ua. */
static inline void cal_set_amp(tf_therapy_t *t, uint32_t ua) {
  for (uint8_t i = 0; i < t->n_prog; i++) {
    if (t->running_mask & (1u << i)) t->prog[i].amp_ua = ua;
  }
}

/* A metric of nmod's longevity of t on pf (NAN for an unknown metric name). */
static inline double cal_metric_of(const nm_profile_t *pf, const tf_therapy_t *t, const char *metric) {
  nm_draw_t d;
  nm_longevity_t lg;
  lg_draw(t, pf, &d);
  nm_batt_longevity(pf, &d, &lg);
  if (strcmp(metric, "years_to_eri") == 0) return (double)lg.eri_mh / 8766000.0;
  if (strcmp(metric, "recharge_interval_days") == 0) return (double)lg.interval_mh / 24000.0;
  if (strcmp(metric, "charge_minutes_per_day") == 0) return lg.charge_mmin / 1000.0;
  if (strcmp(metric, "one_hour_charge_days") == 0) return (double)lg.one_hour_mh / 24000.0;
  if (strcmp(metric, "charge_hours") == 0) return (double)lg.charge_h_mh / 1000.0;
  return NAN;
}

/* nmod's figure for point pt on profile pf: at the point's amplitude, or the mean over its
 * amplitude distribution (a normal distribution, truncated and stepped as the point says). */
static inline double cal_metric(const nm_profile_t *pf, const js_val *pt) {
  static tf_therapy_t t;
  if (cal_therapy(cal_str(pt, "therapy"), &t) != 0) return NAN;
  const char *metric = cal_str(pt, "metric");
  const js_val *dist = js_get(pt, "amplitude_distribution");
  if (!dist) {
    double ua = cal_num(pt, "amplitude_ua", 0);
    if (ua > 0) cal_set_amp(&t, (uint32_t)ua);
    return cal_metric_of(pf, &t, metric);
  }
  double mean = cal_num(dist, "mean_ua", 0), sd = cal_num(dist, "sd_ua", 1), step = cal_num(dist, "step_ua", 100);
  double sum = 0, wsum = 0;
  for (double ua = cal_num(dist, "from_ua", step); ua <= cal_num(dist, "to_ua", 0) + 0.5; ua += step) {
    double w = exp(-0.5 * ((ua - mean) / sd) * ((ua - mean) / sd));
    cal_set_amp(&t, (uint32_t)(ua + 0.5));
    sum += w * cal_metric_of(pf, &t, metric);
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : NAN;
}

/* The fitted parameters, by name: read and write on a copy of a profile. */
static inline double cal_param(const nm_profile_t *p, const char *name) {
  if (strcmp(name, "rated_uah") == 0) return p->rated_uah;
  if (strcmp(name, "quiescent_na") == 0) return p->quiescent_na;
  if (strcmp(name, "daily_uah") == 0) return p->daily_uah;
  if (strcmp(name, "charger_uw") == 0) return p->charger_uw;
  return NAN;
}

static inline int cal_set_param(nm_profile_t *p, const char *name, double v) {
  if (v < 0) v = 0;
  if (strcmp(name, "rated_uah") == 0) p->rated_uah = (uint32_t)fmin(v + 0.5, 4e9);
  else if (strcmp(name, "quiescent_na") == 0) p->quiescent_na = (uint32_t)fmin(v + 0.5, 4e9);
  else if (strcmp(name, "daily_uah") == 0) p->daily_uah = (uint32_t)fmin(v + 0.5, 4e9);
  else if (strcmp(name, "charger_uw") == 0) p->charger_uw = (uint32_t)fmin(v + 0.5, 4e9);
  else return -1;
  return 0;
}

#endif
