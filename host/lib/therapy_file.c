/* therapy_file.c: the nmod-therapy/1 loader (docs/THERAPY-FORMAT.md).
 *
 * Division of labour: this loader checks structure (required and unknown fields), types,
 * units and representability (a value fits its field in the core's units, at the unit's
 * resolution). Ranges and safety (amplitude limits, charge density, contacts the lead does
 * not have, fractions that do not sum to 100 %, name characters, lead validity) are the
 * firmware safety supervisor's, so a file and a radio frame are judged by one code path.
 *
 * Every error names the field as a path ("programs[1].electrodes.E3: ..."). The first
 * error stops the load; fields are checked in a fixed order so the message is stable.
 */
#include "therapy_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hu_contact.h"
#include "json.h"
#include "nmod/lead.h"

#define TF_FORMAT "nmod-therapy/1"
#define PATH_CAP 160

typedef struct {
  char *err;
  size_t errcap;
} tf_ctx;

static int fail(tf_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write "PATH: message" (or just the message at the top level); always returns -1. */
static int fail(tf_ctx *c, const char *path, const char *fmt, ...) {
  if (!c->err || c->errcap == 0) return -1;
  int n = 0;
  if (path && path[0]) {
    n = snprintf(c->err, c->errcap, "%s: ", path);
    if (n < 0 || (size_t)n >= c->errcap) return -1;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->err + n, c->errcap - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

/* ---------------------------------------------------------------------------------------
 * Unknown fields and hints
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const char *const *aliases; /* NULL-terminated */
  const char *hint;
} tf_hint;

typedef struct {
  const char *what;            /* "program", for messages */
  const char *const *known;    /* NULL-terminated */
  const tf_hint *hints;        /* terminated by {NULL, NULL} */
} tf_schema;

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

static const char *const root_known[] = {"format",        "therapy",      "lead",
                                         "impedance_ohm", "compliance_v", "programs", NULL};
static const tf_hint root_hints[] = {
    {LIST("impedance", "impedance_ohms", "impedance_kohm", "impedance_kohms", "impedance_mohm",
          "z_ohm"),
     "impedances are given in ohm: \"impedance_ohm\""},
    {LIST("compliance", "compliance_mv", "compliance_volts", "compliance_voltage",
          "compliance_voltage_v", "compliance_uv"),
     "the compliance voltage is given in V: \"compliance_v\""},
    {LIST("program", "programmes", "programme"), "the programs go in \"programs\": [...]"},
    {LIST("version", "schema"), "the version is given as \"format\": \"" TF_FORMAT "\""},
    {LIST("therapy_type", "type", "kind"), "\"therapy\": \"scs\" or \"snm\""},
    {LIST("lead_model", "lead_type", "leads", "electrode_lead"), "\"lead\""},
    {LIST("name", "waveform", "rate_hz", "burst", "width_us", "interphase_us", "amplitude_ma",
          "patient_range_ma", "electrodes", "cycling", "ramp_s", "running"),
     "program settings go inside \"programs\": [{...}]"},
    {NULL, NULL}};

static const char *const lead_known[] = {"contacts", "contact_area_mm2", NULL};
static const tf_hint lead_hints[] = {
    {LIST("contact_area_um2", "contact_area_cm2", "contact_area", "area_mm2", "area_um2",
          "area_cm2", "area"),
     "contact areas are given in mm2: \"contact_area_mm2\""},
    {LIST("n_contacts", "contact_count", "count", "electrodes", "num_contacts"),
     "the number of contacts is \"contacts\""},
    {NULL, NULL}};

static const char *const prog_known[] = {
    "name",         "waveform",         "rate_hz",    "burst",   "width_us", "interphase_us",
    "amplitude_ma", "patient_range_ma", "electrodes", "cycling", "ramp_s",   "running",
    "closed_loop",  NULL};
static const tf_hint prog_hints[] = {
    {LIST("amplitude_ua", "amplitude", "amplitude_a", "amplitude_v", "amp", "amp_ma", "amp_ua",
          "current", "current_ma", "current_ua"),
     "amplitudes are given in mA: \"amplitude_ma\""},
    {LIST("width_ms", "width_ns", "width_s", "width", "pulse_width_us", "pulse_width_ms",
          "pulse_width", "pulsewidth_us", "pw", "pw_us"),
     "pulse widths are given in us: \"width_us\""},
    {LIST("rate", "rate_khz", "frequency", "frequency_hz", "frequency_khz", "freq", "freq_hz",
          "pulse_rate_hz", "burst_rate_hz"),
     "rates are given in Hz: \"rate_hz\""},
    {LIST("interphase", "interphase_ms", "interphase_ns", "interphase_gap_us", "gap", "gap_us",
          "gap_ms"),
     "the interphase gap is given in us: \"interphase_us\""},
    {LIST("ramp_ms", "ramp", "ramp_sec", "ramp_seconds", "ramp_time_s", "ramp_min"),
     "ramps are given in seconds: \"ramp_s\""},
    {LIST("patient_range_ua", "patient_range", "patient_range_a", "patient_min_ma",
          "patient_max_ma", "patient_min_ua", "patient_max_ua", "range_ma", "patient_max"),
     "the patient's range is given in mA as \"patient_range_ma\": [min, max]"},
    {LIST("pulses", "burst_pulses", "intra_rate_hz", "intra_hz", "intra_burst_rate_hz"),
     "burst settings go in \"burst\": {\"pulses\": N, \"intra_rate_hz\": F}"},
    {LIST("on_s", "off_s", "cycle", "cycle_on_s", "cycle_off_s", "cycling_s", "cycling_ms"),
     "cycling is given as \"cycling\": {\"on_s\": N, \"off_s\": N}"},
    {LIST("contacts", "electrode", "fractions", "polarity", "poles"),
     "contacts are given as \"electrodes\": {\"E0\": -100, ...}"},
    {LIST("enabled", "active", "on"), "use \"running\": true or false"},
    {LIST("wave", "waveform_type", "shape", "pattern"),
     "\"waveform\": \"tonic\", \"burst\" or \"high-frequency\""},
    {LIST("program_name", "label", "title"), "\"name\""},
    {LIST("closed", "loop", "closedloop", "closed_loop_ecap", "ecap", "feedback"),
     "a closed loop is \"closed_loop\": {\"target_uv\": N, \"window_uv\": [LO, HI], \"max_ma\": M, "
     "\"max_step_ua\": S}"},
    {NULL, NULL}};

static const char *const burst_known[] = {"pulses", "intra_rate_hz", NULL};
static const tf_hint burst_hints[] = {
    {LIST("intra_rate", "intra_hz", "intra_rate_khz", "intra_burst_rate_hz", "intra_frequency_hz",
          "rate_hz", "rate", "frequency_hz"),
     "the rate inside a burst is given in Hz: \"intra_rate_hz\""},
    {LIST("count", "n", "pulses_per_burst", "n_pulses", "burst_pulses"),
     "the number of pulses is \"pulses\""},
    {NULL, NULL}};

static const char *const cyc_known[] = {"on_s", "off_s", NULL};
static const tf_hint cyc_hints[] = {
    {LIST("on", "on_ms", "on_min", "on_time_s", "on_sec"),
     "cycling times are given in seconds: \"on_s\""},
    {LIST("off", "off_ms", "off_min", "off_time_s", "off_sec"),
     "cycling times are given in seconds: \"off_s\""},
    {NULL, NULL}};

static const char *const loop_known[] = {"target_uv", "window_uv", "max_ma", "max_step_ua", "patient_target_uv",
                                         NULL};
static const tf_hint loop_hints[] = {
    {LIST("target", "target_mv", "target_v", "ecap_uv", "ecap_target_uv"), "the target ECAP is given in uV: \"target_uv\""},
    {LIST("window", "window_mv", "therapeutic_window_uv", "window_ua"), "the window is given in uV: \"window_uv\": [LO, HI]"},
    {LIST("max_ua", "max", "ceiling_ma", "max_amplitude_ma", "amplitude_max_ma"),
     "the loop's ceiling is given in mA: \"max_ma\""},
    {LIST("max_step_ma", "step_ua", "step", "max_step"), "the step limit is given in uA per pulse: \"max_step_ua\""},
    {LIST("patient_target", "patient_range_uv", "patient_target_mv"),
     "the patient's target range is given in uV: \"patient_target_uv\": [A, B]"},
    {NULL, NULL}};

static const tf_schema schema_root = {"top level", root_known, root_hints};
static const tf_schema schema_lead = {"lead", lead_known, lead_hints};
static const tf_schema schema_prog = {"program", prog_known, prog_hints};
static const tf_schema schema_burst = {"burst", burst_known, burst_hints};
static const tf_schema schema_cyc = {"cycling", cyc_known, cyc_hints};
static const tf_schema schema_loop = {"closed_loop", loop_known, loop_hints};

static int lower(int ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; }

/* Edit distance of short ASCII strings, case-insensitive; large when either is long. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40) return 99;
  size_t row[41];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t cost = lower((unsigned char)a[i - 1]) == lower((unsigned char)b[j - 1]) ? 0 : 1;
      size_t best = diag + cost;
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

static int is_known(const tf_schema *s, const char *key) {
  for (size_t i = 0; s->known[i]; i++) {
    if (strcmp(s->known[i], key) == 0) return 1;
  }
  return 0;
}

/* Refuse the first member (in file order) that the schema does not know, with a hint. */
static int check_unknown(tf_ctx *c, const char *path, const js_val *obj, const tf_schema *s) {
  for (size_t i = 0; i < obj->n; i++) {
    const char *k = obj->keys[i];
    if (is_known(s, k)) continue;
    char q[96];
    js_quote(q, sizeof q, k, 40);
    for (size_t h = 0; s->hints[h].aliases; h++) {
      for (size_t a = 0; s->hints[h].aliases[a]; a++) {
        if (strcmp(s->hints[h].aliases[a], k) == 0) {
          return fail(c, path, "unknown field %s (%s)", q, s->hints[h].hint);
        }
      }
    }
    /* A near miss (a typo, other capitals): suggest the closest known field. */
    const char *best = NULL;
    size_t best_d = 3;
    for (size_t j = 0; s->known[j]; j++) {
      size_t d = edit_distance(k, s->known[j]);
      if (d < best_d) {
        best_d = d;
        best = s->known[j];
      }
    }
    if (best) return fail(c, path, "unknown field %s (did you mean \"%s\"?)", q, best);
    char list[256];
    size_t o = 0;
    list[0] = '\0';
    for (size_t j = 0; s->known[j] && o < sizeof list; j++) {
      int n = snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "", s->known[j]);
      if (n < 0) break;
      o += (size_t)n;
    }
    return fail(c, path, "unknown field %s (the %s fields are: %s)", q, s->what, list);
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Typed fields
 * ------------------------------------------------------------------------------------- */

static const char *sub(char *buf, const char *base, const char *key) {
  return js_path_key(buf, PATH_CAP, base, key);
}

static int missing(tf_ctx *c, const char *path, const char *key, const char *why) {
  return fail(c, path, "missing required field \"%s\"%s", key, why ? why : "");
}

static int expect_type(tf_ctx *c, const char *path, const js_val *v, js_type t,
                       const char *expected) {
  if (v->type == t) return 0;
  char got[48];
  return fail(c, path, "expected %s, got %s", expected, js_describe(v, got, sizeof got));
}

/* "1250" with 3 decimals: "1.25". */
static const char *hu_fmt_fixed(char *buf, size_t cap, uint64_t v, unsigned dec) {
  uint64_t p = 1;
  for (unsigned i = 0; i < dec; i++) p *= 10u;
  uint64_t ip = v / p, fp = v % p;
  if (dec == 0 || fp == 0) {
    snprintf(buf, cap, "%llu", (unsigned long long)ip);
    return buf;
  }
  char frac[24];
  snprintf(frac, sizeof frac, "%0*llu", (int)dec, (unsigned long long)fp);
  size_t n = strlen(frac);
  while (n > 1 && frac[n - 1] == '0') frac[--n] = '\0';
  snprintf(buf, cap, "%llu.%s", (unsigned long long)ip, frac);
  return buf;
}

/* A non-negative number in `unit` with `dec` decimals (resolution 10^-dec unit), stored as
 * an integer count of that resolution up to `max`. dec 0 is an integer field. */
static int get_fixed(tf_ctx *c, const char *path, const js_val *v, unsigned dec, uint64_t max,
                     const char *unit, uint64_t *out) {
  char got[48];
  if (v->type != JS_NUM) {
    return fail(c, path, "expected %s, got %s", dec ? "a number" : "an integer",
                js_describe(v, got, sizeof got));
  }
  js_describe(v, got, sizeof got);
  int64_t x = 0;
  int rc = js_num_fixed(v, dec, &x);
  if (v->str[0] == '-' && (rc != 0 || x != 0)) {
    return fail(c, path, "must not be negative, got %s", got);
  }
  if (rc == -1) {
    if (dec == 0) return fail(c, path, "expected an integer, got %s", got);
    char res[32];
    return fail(c, path, "%s is finer than the resolution of %s %s", got,
                hu_fmt_fixed(res, sizeof res, 1, dec), unit);
  }
  if (rc == -2 || (rc == 0 && (uint64_t)x > max)) {
    char m[32];
    return fail(c, path, "%s is too large (at most %s %s)", got, hu_fmt_fixed(m, sizeof m, max, dec),
                unit);
  }
  if (rc != 0) return fail(c, path, "expected a number, got %s", got);
  *out = (uint64_t)x;
  return 0;
}

static int get_u32(tf_ctx *c, const char *path, const js_val *v, unsigned dec, const char *unit,
                   uint32_t *out) {
  uint64_t x;
  if (get_fixed(c, path, v, dec, UINT32_MAX, unit, &x) != 0) return -1;
  *out = (uint32_t)x;
  return 0;
}

/* Optional member `key` of obj as a uint32 in `unit`; `def` when absent. */
static int opt_u32(tf_ctx *c, const char *base, const js_val *obj, const char *key, unsigned dec,
                   const char *unit, uint32_t def, uint32_t *out) {
  const js_val *v = js_get(obj, key);
  if (!v) {
    *out = def;
    return 0;
  }
  char path[PATH_CAP];
  return get_u32(c, sub(path, base, key), v, dec, unit, out);
}

static int req_u32(tf_ctx *c, const char *base, const js_val *obj, const char *key, unsigned dec,
                   const char *unit, const char *why, uint32_t *out) {
  const js_val *v = js_get(obj, key);
  if (!v) return missing(c, base, key, why);
  char path[PATH_CAP];
  return get_u32(c, sub(path, base, key), v, dec, unit, out);
}

/* A [lo, hi] pair of numbers in `unit` with `dec` decimals, each at most max. */
static int get_pair(tf_ctx *c, const char *path, const js_val *v, unsigned dec, uint64_t max, const char *unit,
                    uint64_t out[2]) {
  char got[48];
  if (v->type != JS_ARR) return fail(c, path, "expected [low, high] in %s, got %s", unit, js_describe(v, got, sizeof got));
  if (v->n != 2) return fail(c, path, "expected [low, high] in %s, got %zu item%s", unit, v->n, v->n == 1 ? "" : "s");
  char ip[PATH_CAP];
  for (size_t i = 0; i < 2; i++) {
    if (get_fixed(c, js_path_index(ip, sizeof ip, path, i), &v->items[i], dec, max, unit, &out[i]) != 0) return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Parts of the file
 * ------------------------------------------------------------------------------------- */

/* "closed_loop": the loader checks shape, units and that each value fits its field; the
 * supervisor judges the bounds (target in the window, ceiling, step limit). */
static int parse_loop(tf_ctx *c, const char *base, const js_val *v, nm_prog_t *p) {
  char path[PATH_CAP], sp[PATH_CAP];
  sub(path, base, "closed_loop");
  if (expect_type(c, path, v, JS_OBJ,
                  "an object {\"target_uv\": N, \"window_uv\": [LO, HI], \"max_ma\": M, \"max_step_ua\": S}") != 0) {
    return -1;
  }
  if (check_unknown(c, path, v, &schema_loop) != 0) return -1;
  nm_loop_cfg_t *l = &p->loop;
  uint64_t x, pair[2];
  const js_val *f = js_get(v, "target_uv");
  if (!f) return missing(c, path, "target_uv", " (the ECAP to hold, uV)");
  if (get_fixed(c, sub(sp, path, "target_uv"), f, 0, UINT16_MAX, "uV", &x) != 0) return -1;
  l->target_uv = (uint16_t)x;
  f = js_get(v, "window_uv");
  if (!f) return missing(c, path, "window_uv", " (the therapeutic window [LO, HI], uV)");
  if (get_pair(c, sub(sp, path, "window_uv"), f, 0, UINT16_MAX, "uV", pair) != 0) return -1;
  l->lo_uv = (uint16_t)pair[0];
  l->hi_uv = (uint16_t)pair[1];
  if (req_u32(c, path, v, "max_ma", 3, "mA", " (the loop's ceiling)", &l->max_ua) != 0) return -1;
  if (req_u32(c, path, v, "max_step_ua", 0, "uA", " (the largest change per pulse)", &l->step_ua) != 0) return -1;
  f = js_get(v, "patient_target_uv");
  if (f) {
    if (get_pair(c, sub(sp, path, "patient_target_uv"), f, 0, UINT16_MAX, "uV", pair) != 0) return -1;
    l->pt_lo_uv = (uint16_t)pair[0];
    l->pt_hi_uv = (uint16_t)pair[1];
  } else {
    l->pt_lo_uv = l->pt_hi_uv = l->target_uv; /* the patient may not move it */
  }
  l->closed = 1;
  return 0;
}

static int parse_lead(tf_ctx *c, const js_val *v, nm_lead_t *lead) {
  const char *path = "lead";
  if (v->type == JS_STR) {
    uint8_t model = nm_lead_by_name(v->str);
    const nm_lead_t *cat = model != NM_LEAD_CUSTOM ? nm_lead_catalog(model) : NULL;
    if (!cat) {
      char q[96];
      return fail(c, path,
                  "unknown lead %s (the catalog has \"snm-tined-4\", \"scs-perc-8\" and "
                  "\"scs-paddle-16\"; a custom lead is {\"contacts\": N, "
                  "\"contact_area_mm2\": A})",
                  js_quote(q, sizeof q, v->str, 40));
    }
    *lead = *cat;
    return 0;
  }
  if (v->type != JS_OBJ) {
    char got[48];
    return fail(c, path, "expected a catalog lead name or {\"contacts\": N, "
                "\"contact_area_mm2\": A}, got %s", js_describe(v, got, sizeof got));
  }
  if (check_unknown(c, path, v, &schema_lead) != 0) return -1;
  uint32_t n = 0, area = 0;
  char p2[PATH_CAP];
  const js_val *nv = js_get(v, "contacts");
  if (!nv) return missing(c, path, "contacts", " (a custom lead needs its number of contacts)");
  uint64_t n64;
  /* The core stores the count in a uint8_t; 1..16 is the supervisor's check. */
  if (get_fixed(c, sub(p2, path, "contacts"), nv, 0, UINT8_MAX, "contacts", &n64) != 0) {
    return -1;
  }
  n = (uint32_t)n64;
  if (req_u32(c, path, v, "contact_area_mm2", 6, "mm2",
              " (a custom lead needs the area of one contact)", &area) != 0) {
    return -1;
  }
  lead->model = NM_LEAD_CUSTOM;
  lead->shape = NM_SHAPE_CUSTOM;
  lead->n_contacts = (uint8_t)n;
  lead->area_um2 = area;
  return 0;
}

static int parse_electrodes(tf_ctx *c, const char *base, const js_val *v, nm_prog_t *p) {
  char path[PATH_CAP];
  sub(path, base, "electrodes");
  if (expect_type(c, path, v, JS_OBJ, "an object such as {\"E0\": -100, \"E3\": 100}") != 0) {
    return -1;
  }
  for (size_t i = 0; i < v->n; i++) {
    const char *k = v->keys[i];
    int node = hu_contact_parse(k, HU_CONTACT_OR_CASE);
    if (node < 0) {
      char q[96];
      return fail(c, path, "unknown electrode %s (contacts are \"E0\" to \"E%d\", or \"case\")",
                  js_quote(q, sizeof q, k, 40), NM_MAX_CONTACTS - 1);
    }
    char ep[PATH_CAP];
    sub(ep, path, k);
    const js_val *e = &v->items[i];
    char got[48];
    if (e->type != JS_NUM) {
      return fail(c, ep, "expected an integer percentage, got %s",
                  js_describe(e, got, sizeof got));
    }
    js_describe(e, got, sizeof got);
    int64_t x = 0;
    int rc = js_num_fixed(e, 0, &x);
    if (rc == -1) return fail(c, ep, "expected an integer percentage, got %s", got);
    /* A fraction is a percentage of the cathodic or anodic current: anything outside
     * -100..100 is not a percentage, and 0 would mean "not used" (leave the key out). */
    if (rc != 0 || x < -100 || x > 100 || x == 0) {
      return fail(c, ep,
                  "expected a percentage from -100 to 100 (negative = cathode), not 0, got %s",
                  got);
    }
    p->frac_pct[node] = (int8_t)x;
  }
  return 0;
}

static int parse_wave(tf_ctx *c, const char *path, const js_val *v, uint32_t *wave) {
  static const struct {
    const char *name;
    uint32_t wave;
  } waves[] = {{"tonic", NM_WAVE_TONIC}, {"burst", NM_WAVE_BURST},
               {"high-frequency", NM_WAVE_HF}};
  char got[96];
  if (v->type == JS_STR) {
    for (size_t i = 0; i < sizeof waves / sizeof waves[0]; i++) {
      if (strcmp(v->str, waves[i].name) == 0) {
        *wave = waves[i].wave;
        return 0;
      }
    }
    js_quote(got, sizeof got, v->str, 40);
  } else {
    js_describe(v, got, sizeof got);
  }
  return fail(c, path, "expected \"tonic\", \"burst\" or \"high-frequency\", got %s", got);
}

/* "name": representable in the core (at most NM_NAME_LEN - 1 bytes). Empty or not printable
 * is the supervisor's NM_R_NAME. */
static int parse_name(tf_ctx *c, const char *base, const js_val *o, nm_prog_t *p) {
  char path[PATH_CAP];
  const js_val *v = js_get(o, "name");
  if (!v) return missing(c, base, "name", NULL);
  sub(path, base, "name");
  if (expect_type(c, path, v, JS_STR, "a string") != 0) return -1;
  if (v->str_len > NM_NAME_LEN - 1) {
    char q[96];
    return fail(c, path, "%s is too long (%zu bytes, at most %d)",
                js_quote(q, sizeof q, v->str, 24), v->str_len, NM_NAME_LEN - 1);
  }
  memcpy(p->name, v->str, v->str_len);
  p->name[v->str_len] = '\0';

  return 0;
}

/* "waveform", "rate_hz" and, for a burst, "burst". */
static int parse_timing(tf_ctx *c, const char *base, const js_val *o, nm_prog_t *p) {
  char path[PATH_CAP];
  const js_val *v = js_get(o, "waveform");
  if (!v) return missing(c, base, "waveform", NULL);
  if (parse_wave(c, sub(path, base, "waveform"), v, &p->wave) != 0) return -1;

  if (p->wave == NM_WAVE_HF) {
    if (opt_u32(c, base, o, "rate_hz", 0, "Hz", NM_HF_RATE_HZ, &p->rate_hz) != 0) return -1;
  } else {
    const char *why = p->wave == NM_WAVE_BURST ? " (the burst rate, for \"waveform\": \"burst\")"
                                               : " (the pulse rate)";
    if (req_u32(c, base, o, "rate_hz", 0, "Hz", why, &p->rate_hz) != 0) return -1;
  }

  v = js_get(o, "burst");
  sub(path, base, "burst");
  if (p->wave == NM_WAVE_BURST) {
    if (!v) return missing(c, base, "burst", " (required for \"waveform\": \"burst\")");
    if (expect_type(c, path, v, JS_OBJ,
                    "an object {\"pulses\": N, \"intra_rate_hz\": F}") != 0) {
      return -1;
    }
    if (check_unknown(c, path, v, &schema_burst) != 0) return -1;
    if (req_u32(c, path, v, "pulses", 0, "pulses", NULL, &p->burst_pulses) != 0) return -1;
    if (req_u32(c, path, v, "intra_rate_hz", 0, "Hz", NULL, &p->intra_hz) != 0) return -1;
  } else if (v) {
    return fail(c, path, "only allowed with \"waveform\": \"burst\"");
  }

  return 0;
}

/* "patient_range_ma": [min, max]; without it the patient may lower the amplitude, not raise it. */
static int parse_range(tf_ctx *c, const char *base, const js_val *o, nm_prog_t *p) {
  char path[PATH_CAP];
  const js_val *v = js_get(o, "patient_range_ma");
  if (v) {
    sub(path, base, "patient_range_ma");
    char got[48];
    if (v->type != JS_ARR) {
      return fail(c, path, "expected [min, max] in mA, got %s", js_describe(v, got, sizeof got));
    }
    if (v->n != 2) {
      return fail(c, path, "expected [min, max] in mA, got %zu item%s", v->n,
                  v->n == 1 ? "" : "s");
    }
    char ip[PATH_CAP];
    if (get_u32(c, js_path_index(ip, sizeof ip, path, 0), &v->items[0], 3, "mA",
                &p->pt_min_ua) != 0) {
      return -1;
    }
    if (get_u32(c, js_path_index(ip, sizeof ip, path, 1), &v->items[1], 3, "mA",
                &p->pt_max_ua) != 0) {
      return -1;
    }
  } else {
    /* The patient may lower the amplitude, not raise it. */
    p->pt_min_ua = 0;
    p->pt_max_ua = p->amp_ua;
  }

  return 0;
}

static int parse_program(tf_ctx *c, const js_val *o, size_t idx, nm_prog_t *p, int *running) {
  char base[PATH_CAP], path[PATH_CAP];
  js_path_index(base, sizeof base, "programs", idx);
  if (expect_type(c, base, o, JS_OBJ, "a program object") != 0) return -1;
  if (check_unknown(c, base, o, &schema_prog) != 0) return -1;
  const js_val *v;

  if (parse_name(c, base, o, p) != 0) return -1;
  if (parse_timing(c, base, o, p) != 0) return -1;

  if (req_u32(c, base, o, "width_us", 0, "us", NULL, &p->width_us) != 0) return -1;
  if (opt_u32(c, base, o, "interphase_us", 0, "us", NM_GAP_DEFAULT_US, &p->gap_us) != 0) {
    return -1;
  }
  if (req_u32(c, base, o, "amplitude_ma", 3, "mA", NULL, &p->amp_ua) != 0) return -1;

  if (parse_range(c, base, o, p) != 0) return -1;

  v = js_get(o, "electrodes");
  if (!v) return missing(c, base, "electrodes", NULL);
  if (parse_electrodes(c, base, v, p) != 0) return -1;

  v = js_get(o, "cycling");
  if (v) {
    sub(path, base, "cycling");
    if (expect_type(c, path, v, JS_OBJ, "an object {\"on_s\": N, \"off_s\": N}") != 0) {
      return -1;
    }
    if (check_unknown(c, path, v, &schema_cyc) != 0) return -1;
    if (req_u32(c, path, v, "on_s", 0, "s", NULL, &p->cyc_on_s) != 0) return -1;
    if (req_u32(c, path, v, "off_s", 0, "s", NULL, &p->cyc_off_s) != 0) return -1;
  }

  if (opt_u32(c, base, o, "ramp_s", 3, "s", 0, &p->ramp_ms) != 0) return -1;

  v = js_get(o, "closed_loop");
  if (v && parse_loop(c, base, v, p) != 0) return -1;

  *running = 1;
  v = js_get(o, "running");
  if (v) {
    if (expect_type(c, sub(path, base, "running"), v, JS_BOOL, "true or false") != 0) return -1;
    *running = v->boolean;
  }
  return 0;
}

static int parse_root(tf_ctx *c, const js_val *root, tf_therapy_t *out) {
  char got[96];
  if (root->type != JS_OBJ) {
    return fail(c, NULL, "expected an object at the top level, got %s",
                js_describe(root, got, sizeof got));
  }
  /* The format first: a file of another format is not judged field by field. */
  const js_val *v = js_get(root, "format");
  if (!v) return missing(c, NULL, "format", " (\"format\": \"" TF_FORMAT "\")");
  if (v->type != JS_STR) {
    return fail(c, "format", "expected the string \"" TF_FORMAT "\", got %s",
                js_describe(v, got, sizeof got));
  }
  if (strcmp(v->str, TF_FORMAT) != 0) {
    return fail(c, "format", "expected \"" TF_FORMAT "\", got %s",
                js_quote(got, sizeof got, v->str, 40));
  }
  if (check_unknown(c, NULL, root, &schema_root) != 0) return -1;

  v = js_get(root, "therapy");
  if (!v) return missing(c, NULL, "therapy", " (\"scs\" or \"snm\")");
  if (v->type == JS_STR && strcmp(v->str, "scs") == 0) {
    out->therapy = NM_THERAPY_SCS;
  } else if (v->type == JS_STR && strcmp(v->str, "snm") == 0) {
    out->therapy = NM_THERAPY_SNM;
  } else {
    if (v->type == JS_STR) {
      js_quote(got, sizeof got, v->str, 40);
    } else {
      js_describe(v, got, sizeof got);
    }
    return fail(c, "therapy", "expected \"scs\" or \"snm\", got %s", got);
  }

  v = js_get(root, "lead");
  if (!v) return missing(c, NULL, "lead", NULL);
  if (parse_lead(c, v, &out->lead) != 0) return -1;

  if (opt_u32(c, NULL, root, "impedance_ohm", 0, "ohm", NM_IMPEDANCE_DEFAULT_OHM,
              &out->load.impedance_ohm) != 0) {
    return -1;
  }
  if (opt_u32(c, NULL, root, "compliance_v", 3, "V", NM_COMPLIANCE_DEFAULT_MV,
              &out->load.compliance_mv) != 0) {
    return -1;
  }

  v = js_get(root, "programs");
  if (!v) return missing(c, NULL, "programs", NULL);
  if (v->type != JS_ARR) {
    return fail(c, "programs", "expected an array of programs, got %s",
                js_describe(v, got, sizeof got));
  }
  if (v->n == 0) return fail(c, "programs", "expected 1 to %d programs, got none", NM_MAX_PROGRAMS);
  if (v->n > NM_MAX_PROGRAMS) {
    return fail(c, "programs", "at most %d programs, got %zu", NM_MAX_PROGRAMS, v->n);
  }
  for (size_t i = 0; i < v->n; i++) {
    int running = 1;
    if (parse_program(c, &v->items[i], i, &out->prog[i], &running) != 0) return -1;
    for (size_t j = 0; j < i; j++) {
      if (strcmp(out->prog[j].name, out->prog[i].name) == 0) {
        char path[PATH_CAP], base[PATH_CAP], q[96];
        js_path_index(base, sizeof base, "programs", i);
        return fail(c, sub(path, base, "name"), "duplicate name %s (also programs[%zu])",
                    js_quote(q, sizeof q, out->prog[i].name, 24), j);
      }
    }
    if (running) out->running_mask = (uint8_t)(out->running_mask | (1u << i));
  }
  out->n_prog = (uint8_t)v->n;
  return 0;
}

int tf_parse(const char *text, size_t len, tf_therapy_t *out, char *err, size_t errcap) {
  tf_ctx c = {err, errcap};
  if (err && errcap) err[0] = '\0';
  if (!out) return fail(&c, NULL, "no output structure");
  memset(out, 0, sizeof *out);
  if (len > TF_MAX_BYTES) {
    return fail(&c, NULL, "%zu bytes, more than the %d allowed", len, TF_MAX_BYTES);
  }
  js_val *root = js_parse(text, len, err, errcap);
  if (!root) return -1;
  int rc = parse_root(&c, root, out);
  js_free(root);
  return rc;
}

int tf_load(const char *path, tf_therapy_t *out, char *err, size_t errcap) {
  tf_ctx c = {err, errcap};
  if (out) memset(out, 0, sizeof *out);
  char *text = NULL;
  size_t len = 0;
  if (js_read_file(path, TF_MAX_BYTES, &text, &len, err, errcap) != 0) return -1;
  char msg[512];
  int rc = tf_parse(text, len, out, msg, sizeof msg);
  free(text);
  if (rc != 0) return fail(&c, path, "%s", msg);
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------------------- */

int tf_write(FILE *f, const tf_therapy_t *t) {
  static const char *const wave_names[NM_WAVE_COUNT] = {"tonic", "burst", "high-frequency"};
  if (!f || !t || t->n_prog < 1 || t->n_prog > NM_MAX_PROGRAMS) return -1;
  if (t->therapy != NM_THERAPY_SCS && t->therapy != NM_THERAPY_SNM) return -1;
  if (t->lead.model >= NM_LEAD_COUNT) return -1;
  for (size_t i = 0; i < t->n_prog; i++) {
    if (t->prog[i].wave >= NM_WAVE_COUNT) return -1;
    if (memchr(t->prog[i].name, '\0', NM_NAME_LEN) == NULL) return -1;
  }
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_kv_str(&w, "format", TF_FORMAT);
  jw_kv_str(&w, "therapy", t->therapy == NM_THERAPY_SNM ? "snm" : "scs");
  jw_key(&w, "lead");
  if (t->lead.model != NM_LEAD_CUSTOM) {
    jw_str(&w, nm_lead_name(t->lead.model));
  } else {
    jw_obj(&w);
    jw_kv_uint(&w, "contacts", t->lead.n_contacts);
    jw_kv_fixed(&w, "contact_area_mm2", t->lead.area_um2, 6);
    jw_obj_end(&w);
  }
  jw_kv_uint(&w, "impedance_ohm", t->load.impedance_ohm);
  jw_kv_fixed(&w, "compliance_v", t->load.compliance_mv, 3);
  jw_kv_arr(&w, "programs");
  for (size_t i = 0; i < t->n_prog; i++) {
    const nm_prog_t *p = &t->prog[i];
    jw_obj(&w);
    jw_kv_str(&w, "name", p->name);
    jw_kv_str(&w, "waveform", wave_names[p->wave]);
    jw_kv_uint(&w, "rate_hz", p->rate_hz);
    if (p->wave == NM_WAVE_BURST) {
      jw_kv_obj(&w, "burst");
      jw_kv_uint(&w, "pulses", p->burst_pulses);
      jw_kv_uint(&w, "intra_rate_hz", p->intra_hz);
      jw_obj_end(&w);
    }
    jw_kv_uint(&w, "width_us", p->width_us);
    jw_kv_uint(&w, "interphase_us", p->gap_us);
    jw_kv_fixed(&w, "amplitude_ma", p->amp_ua, 3);
    jw_kv_arr(&w, "patient_range_ma");
    jw_fixed(&w, p->pt_min_ua, 3);
    jw_fixed(&w, p->pt_max_ua, 3);
    jw_arr_end(&w);
    jw_kv_obj(&w, "electrodes");
    for (int n = 0; n < NM_NODES; n++) {
      if (p->frac_pct[n] == 0) continue;
      char key[HU_CONTACT_LEN];
      jw_kv_int(&w, hu_contact_name(key, sizeof key, (unsigned)n), p->frac_pct[n]);
    }
    jw_obj_end(&w);
    if (p->cyc_on_s || p->cyc_off_s) {
      jw_kv_obj(&w, "cycling");
      jw_kv_uint(&w, "on_s", p->cyc_on_s);
      jw_kv_uint(&w, "off_s", p->cyc_off_s);
      jw_obj_end(&w);
    }
    jw_kv_fixed(&w, "ramp_s", p->ramp_ms, 3);
    if (p->loop.closed) {
      const nm_loop_cfg_t *l = &p->loop;
      jw_kv_obj(&w, "closed_loop");
      jw_kv_uint(&w, "target_uv", l->target_uv);
      jw_kv_arr(&w, "window_uv");
      jw_uint(&w, l->lo_uv);
      jw_uint(&w, l->hi_uv);
      jw_arr_end(&w);
      jw_kv_fixed(&w, "max_ma", l->max_ua, 3);
      jw_kv_uint(&w, "max_step_ua", l->step_ua);
      jw_kv_arr(&w, "patient_target_uv");
      jw_uint(&w, l->pt_lo_uv);
      jw_uint(&w, l->pt_hi_uv);
      jw_arr_end(&w);
      jw_obj_end(&w);
    }
    jw_kv_bool(&w, "running", (t->running_mask >> i) & 1u);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
  return ferror(f) ? -1 : 0;
}
