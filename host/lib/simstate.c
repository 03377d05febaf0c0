/* simstate.c: see simstate.h. */
#include "simstate.h"

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "nmod/battery.h"
#include "nmod/core.h"
#include "nmod/dev.h"

static const char *kind_name(int k) { return k == NM_KIND_INS ? "ins" : "ets"; }
static const char *therapy_name(int t) { return t == NM_THERAPY_SNM ? "snm" : "scs"; }
static const char *cell_name(int c) { return c == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary"; }

/* One field: the index of its value in names[0..n), or -1 with a one-line error naming the
 * file and the field. The value itself is not echoed (it may hold anything). */
static int choice(const js_val *v, const char *path, const char *key, const char *const *names, int n, char *err,
                  size_t errcap) {
  const js_val *f = js_get(v, key);
  for (int i = 0; f && f->type == JS_STR && i < n; i++) {
    if (names[i] && strcmp(f->str, names[i]) == 0) return i;
  }
  char list[128] = "";
  for (int i = 0, at = 0; i < n && at < (int)sizeof list; i++) {
    if (names[i]) at += snprintf(list + at, sizeof list - (size_t)at, "%s%s", at ? ", " : "", names[i]);
  }
  snprintf(err, errcap, "'%s': \"%s\" is %s: it must be one of %s (or remove the state folder to build a new device)", path,
           key, f ? "not one this simulator knows" : "missing", list);
  return -1;
}

/* "profile": one of the battery's cell type; missing is nmod's reference for the cell. */
static int profile_of(const js_val *v, const char *path, int cell, char *err, size_t errcap) {
  const js_val *f = js_get(v, "profile");
  if (!f) return nm_profile_reference((uint8_t)cell);
  const nm_profile_t *p = f->type == JS_STR ? nm_profile_by_name(f->str) : NULL;
  if (!p) {
    char list[256] = "";
    size_t at = 0;
    for (uint8_t id = 1; id < NM_PROFILE_COUNT && at < sizeof list; id++) {
      const nm_profile_t *q = nm_profile_get(id);
      int n = q ? snprintf(list + at, sizeof list - at, "%s%s", at ? ", " : "", q->name) : 0;
      if (n > 0) at += (size_t)n;
    }
    snprintf(err, errcap, "'%s': \"profile\" is not one this simulator knows: it must be one of %s (or remove the "
             "state folder to build a new device)", path, list);
    return -1;
  }
  if (p->cell != cell) {
    snprintf(err, errcap, "'%s': \"profile\" %s has a %s cell but \"battery\" says %s: remove the state folder to "
             "build a new device", path, p->name, cell_name(p->cell), cell_name(cell));
    return -1;
  }
  return p->id;
}

int sst_parse_hardware(const char *text, size_t len, const char *path, sst_hardware_t *out, char *err, size_t errcap) {
  char jerr[256];
  memset(out, 0, sizeof *out);
  js_val *v = js_parse(text, len, jerr, sizeof jerr);
  if (!v || v->type != JS_OBJ) {
    snprintf(err, errcap, "'%s' is damaged (%s): remove the state folder to build a new device", path,
             v ? "not an object" : jerr);
    js_free(v);
    return -1;
  }
  /* Every value must name something the simulator can build: an unknown one is damage,
   * never a default (an unknown lead used to reach sim_init as NULL). */
  static const char *const kinds[] = {[NM_KIND_ETS] = "ets", [NM_KIND_INS] = "ins"};
  static const char *const therapies[] = {[NM_THERAPY_SCS] = "scs", [NM_THERAPY_SNM] = "snm"};
  static const char *const cells[] = {[NM_CELL_PRIMARY] = "primary", [NM_CELL_RECHARGEABLE] = "rechargeable"};
  const char *leads[NM_LEAD_COUNT] = {NULL}; /* custom leads are not simulated */
  for (uint8_t m = 1; m < NM_LEAD_COUNT; m++) leads[m] = nm_lead_name(m);
  sst_hardware_t hw;
  hw.kind = choice(v, path, "kind", kinds, 2, err, errcap);
  hw.therapy = hw.kind < 0 ? -1 : choice(v, path, "therapy", therapies, 2, err, errcap);
  hw.lead_model = hw.therapy < 0 ? -1 : choice(v, path, "lead", leads, NM_LEAD_COUNT, err, errcap);
  hw.cell = hw.lead_model < 0 ? -1 : choice(v, path, "battery", cells, 2, err, errcap);
  hw.profile = hw.cell < 0 ? -1 : profile_of(v, path, hw.cell, err, errcap);
  js_free(v);
  if (hw.profile < 0) return -1;
  *out = hw;
  return 0;
}

size_t sst_format_hardware(const sst_hardware_t *hw, char *buf, size_t cap) {
  const nm_profile_t *p = nm_profile_resolve((uint8_t)hw->profile, (uint8_t)hw->cell);
  int n = snprintf(buf, cap, "{\"kind\":\"%s\",\"therapy\":\"%s\",\"lead\":\"%s\",\"battery\":\"%s\",\"profile\":\"%s\"}\n",
                   kind_name(hw->kind), therapy_name(hw->therapy), nm_lead_name((uint8_t)hw->lead_model),
                   cell_name(hw->cell), p->name);
  return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int sst_parse_battery(const char *text, size_t len, sst_battery_t *out, char *err, size_t errcap) {
  char jerr[256];
  memset(out, 0, sizeof *out);
  js_val *v = js_parse(text, len, jerr, sizeof jerr);
  if (!v) {
    snprintf(err, errcap, "not JSON: %s", jerr);
    return -1;
  }
  int64_t used, thr, rec;
  int ok = js_num_fixed(js_get(v, "used_pc"), 0, &used) == 0 && js_num_fixed(js_get(v, "throughput_pc"), 0, &thr) == 0 &&
           js_num_fixed(js_get(v, "recharges"), 0, &rec) == 0 && used >= 0 && thr >= 0 && rec >= 0 &&
           rec <= (int64_t)UINT32_MAX;
  js_free(v);
  if (!ok) {
    snprintf(err, errcap, "expected whole numbers \"used_pc\", \"throughput_pc\" and \"recharges\", none negative "
                          "(recharges at most %u)", UINT32_MAX);
    return -1;
  }
  out->used_pc = (uint64_t)used;
  out->throughput_pc = (uint64_t)thr;
  out->recharges = (uint32_t)rec;
  return 0;
}
