/* clinic_interro.c: the fields of a programmer read-out (`nmod programmer ... interrogate
 * --json`) that `import-interrogation` stores beside the document, checked. No database
 * here: the command (clinic_visit.c) stores what this accepts. */
#include <string.h>

#include "clinic_int.h"

static int bad_field(const char *file, const js_val *v, const char *what) {
  return clinic_fail(CL_USAGE, "%s line %d, column %d: %s; not stored", file, v->line, v->col, what);
}

static int opt_str(const char *file, const js_val *root, const char *key, const char **out) {
  const js_val *v = js_get(root, key);
  *out = NULL;
  if (!v) return CL_OK;
  if (v->type != JS_STR || v->str_len == 0 || v->str_len > 64) {
    char m[128];
    snprintf(m, sizeof m, "\"%s\" must be a string of 1-64 characters, not %s", key, js_type_name(v->type));
    return bad_field(file, v, m);
  }
  *out = v->str;
  return CL_OK;
}

static int int_in(const char *file, const js_val *v, const char *what, int64_t lo, int64_t hi, int64_t *out) {
  char m[160];
  if (!v || v->type != JS_NUM || js_num_fixed(v, 0, out) != 0 || *out < lo || *out > hi) {
    snprintf(m, sizeof m, "%s must be a whole number from %lld to %lld", what, (long long)lo, (long long)hi);
    return v ? bad_field(file, v, m) : clinic_fail(CL_USAGE, "%s: %s; not stored", file, m);
  }
  return CL_OK;
}

int clinic_interro_parse(const char *file, const js_val *root, clinic_interro *it) {
  int rc;
  memset(it, 0, sizeof *it);
  it->bpct = it->bmv = it->programs = it->max_ua = it->imps = it->alerts = -1;
  if (root->type != JS_OBJ)
    return clinic_fail(CL_USAGE, "%s is %s, not an interrogation (expected one JSON object with \"serial\"); not stored", file,
                       js_type_name(root->type));
  const js_val *serial = js_get(root, "serial");
  if (!serial)
    return clinic_fail(CL_USAGE, "%s has no \"serial\": it is not a programmer interrogation (nmod interrogate --json); not stored",
                       file);
  if ((rc = opt_str(file, root, "serial", &it->serial)) || (rc = opt_str(file, root, "kind", &it->kind)) ||
      (rc = opt_str(file, root, "therapy", &it->therapy)) || (rc = opt_str(file, root, "firmware", &it->firmware)) ||
      (rc = opt_str(file, root, "mode", &it->mode)))
    return rc;
  if (it->kind && strcmp(it->kind, "ets") != 0 && strcmp(it->kind, "ins") != 0)
    return bad_field(file, js_get(root, "kind"), "\"kind\" must be \"ets\" (external trial stimulator) or \"ins\" (implant)");
  if (it->therapy && strcmp(it->therapy, "scs") != 0 && strcmp(it->therapy, "snm") != 0)
    return bad_field(file, js_get(root, "therapy"), "\"therapy\" must be \"scs\" or \"snm\"");
  const js_val *bat = js_get(root, "battery");
  if (bat) {
    if (bat->type != JS_OBJ) return bad_field(file, bat, "\"battery\" must be an object");
    const js_val *v;
    if ((v = js_get(bat, "pct")) && (rc = int_in(file, v, "battery.pct", 0, 100, &it->bpct))) return rc;
    if ((v = js_get(bat, "voltage_mv")) && (rc = int_in(file, v, "battery.voltage_mv", 0, 10000, &it->bmv))) return rc;
    if ((v = js_get(bat, "state"))) {
      if (v->type != JS_STR || (strcmp(v->str, "ok") && strcmp(v->str, "eri") && strcmp(v->str, "eos")))
        return bad_field(file, v, "battery.state must be \"ok\", \"eri\" or \"eos\"");
      it->bstate = v->str;
    }
  }
  const js_val *pr = js_get(root, "programs");
  if (pr) {
    if (pr->type != JS_ARR) return bad_field(file, pr, "\"programs\" must be an array");
    it->programs = (int64_t)pr->n;
    for (size_t i = 0; i < pr->n; i++) {
      const js_val *p = &pr->items[i];
      if (p->type != JS_OBJ) return bad_field(file, p, "each program must be an object");
      const js_val *amp = js_get(p, "amplitude_ma");
      if (amp) {
        int64_t ua;
        if (amp->type != JS_NUM || js_num_fixed(amp, 3, &ua) != 0 || ua < 0 || ua > 100000)
          return bad_field(file, amp, "amplitude_ma must be a number of mA from 0 to 100 with at most 3 decimals");
        if (ua > it->max_ua) it->max_ua = ua;
      }
    }
  }
  const js_val *im = js_get(root, "impedances");
  if (im) {
    if (im->type != JS_ARR) return bad_field(file, im, "\"impedances\" must be an array");
    it->imps = (int64_t)im->n;
    it->alerts = 0;
    for (size_t i = 0; i < im->n; i++) {
      const js_val *e = &im->items[i];
      if (e->type != JS_OBJ) return bad_field(file, e, "each impedance must be an object");
      const js_val *ohm = js_get(e, "ohm"), *cls = js_get(e, "class");
      int64_t o;
      if (ohm && (rc = int_in(file, ohm, "impedance ohm", 0, 100000000, &o))) return rc;
      if (cls) {
        if (cls->type != JS_STR || (strcmp(cls->str, "normal") && strcmp(cls->str, "high") && strcmp(cls->str, "open") &&
                                    strcmp(cls->str, "short")))
          return bad_field(file, cls, "impedance class must be normal, high, open or short");
        if (strcmp(cls->str, "normal") != 0) it->alerts++;
      }
    }
  }
  const js_val *us = js_get(root, "usage");
  if (us && us->type != JS_OBJ) return bad_field(file, us, "\"usage\" must be an object");
  return CL_OK;
}
