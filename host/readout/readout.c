/* readout.c: see readout.h. The writer and the reader sit side by side so that a key or a
 * unit changed in one is seen in the other; tests/readout checks write(read(x)) == x. */
#include "readout.h"

#include <stdio.h>
#include <string.h>

#include "hu_contact.h"
#include "hu_date.h"

const char *ro_lead_state_name(uint8_t state) { return state == RO_LEAD_SHORT ? "short" : "open"; }

/* ---- writer -------------------------------------------------------------------------- */

void ro_json_status(js_w *w, const ro_status_t *s) {
  jw_key(w, "mode");
  jw_str(w, s->mode);
  jw_key(w, "therapy_on");
  jw_bool(w, s->therapy_on);
  jw_key(w, "fault");
  jw_str(w, s->fault);
  jw_key(w, "alerts");
  jw_arr(w);
  for (int i = 0; i < s->n_mem_alerts; i++) jw_str(w, s->mem_alerts[i]);
  jw_arr_end(w);
  jw_key(w, "battery");
  jw_obj(w);
  jw_key(w, "cell");
  jw_str(w, s->cell);
  jw_key(w, "state");
  jw_str(w, s->batt_state);
  jw_key(w, "pct");
  jw_fixed(w, s->batt_pm, 1);
  jw_key(w, "charging");
  jw_bool(w, s->charging);
  jw_obj_end(w);
  jw_key(w, "lead_alerts");
  jw_arr(w);
  for (int i = 0; i < s->n_alerts; i++) {
    char b[32], c[8];
    snprintf(b, sizeof b, "%s %s", hu_contact_name(c, sizeof c, s->alerts[i].contact), ro_lead_state_name(s->alerts[i].state));
    jw_str(w, b);
  }
  jw_arr_end(w);
  jw_key(w, "programs");
  jw_arr(w);
  for (int i = 0; i < s->n_prog; i++) {
    const ro_prog_t *p = &s->prog[i];
    jw_obj(w);
    jw_key(w, "slot");
    jw_uint(w, p->slot);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "running");
    jw_bool(w, p->running);
    jw_key(w, "amplitude_ma");
    jw_fixed(w, p->amplitude_ua, 3);
    jw_key(w, "patient_range_ma");
    jw_arr(w);
    jw_fixed(w, p->pt_min_ua, 3);
    jw_fixed(w, p->pt_max_ua, 3);
    jw_arr_end(w);
    jw_key(w, "delivered_ma");
    jw_fixed(w, p->delivered_ua, 3);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

void ro_json_readout(js_w *w, const ro_readout_t *r) {
  static const char *const id_keys[] = {"serial", "kind", "therapy", "firmware", "lead", "device_time"};
  const char *const id_vals[] = {r->serial, r->kind, r->therapy, r->firmware, r->lead, r->device_time};
  for (int i = 0; i < 6; i++) {
    jw_key(w, id_keys[i]);
    jw_str(w, id_vals[i]);
  }
  jw_key(w, "resets");
  jw_uint(w, r->resets);
  jw_key(w, "rejected_frames");
  jw_uint(w, r->rejected_frames);
  jw_key(w, "failed_authentications");
  jw_uint(w, r->failed_authentications);
  ro_json_status(w, &r->status);
  jw_key(w, "impedance_ohm");
  jw_uint(w, r->impedance_ohm);
  jw_key(w, "compliance_v");
  jw_fixed(w, r->compliance_mv, 3);
  jw_key(w, "program_settings");
  jw_arr(w);
  for (int i = 0; i < r->status.n_prog; i++) {
    const ro_prog_t *p = &r->status.prog[i];
    jw_obj(w);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "waveform");
    jw_str(w, p->waveform);
    jw_key(w, "rate_hz");
    jw_uint(w, p->rate_hz);
    jw_key(w, "width_us");
    jw_uint(w, p->width_us);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_key(w, "test_thresholds_ma");
  jw_obj(w);
  for (int i = 0; i < r->n_thresholds; i++) {
    char c[8];
    jw_key(w, hu_contact_name(c, sizeof c, r->thresholds[i].contact));
    jw_fixed(w, r->thresholds[i].threshold_ua, 3);
  }
  jw_obj_end(w);
  jw_key(w, "uptime_s");
  jw_uint(w, r->uptime_s);
  jw_key(w, "frame_bytes");
  jw_uint(w, r->frame_bytes);
  jw_key(w, "battery_detail");
  jw_obj(w);
  jw_key(w, "capacity_mah");
  jw_fixed(w, r->capacity_uah, 3);
  jw_key(w, "remaining_mah");
  jw_fixed(w, r->remaining_uah, 3);
  jw_key(w, "voltage_v");
  jw_fixed(w, r->voltage_mv, 3);
  jw_key(w, "average_current_ua");
  jw_fixed(w, r->avg_current_nua, 3);
  if (r->primary_longevity) {
    jw_key(w, "years_to_eri");
    jw_fixed(w, r->years_to_eri_milli, 3);
  } else {
    jw_key(w, "recharge_interval_days");
    jw_fixed(w, r->recharge_days_c, 2);
    jw_key(w, "years_of_service");
    jw_fixed(w, r->service_years_c, 2);
  }
  jw_obj_end(w);
}

int ro_write_doc(FILE *f, const ro_readout_t *r) {
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  ro_json_readout(&w, r);
  jw_obj_end(&w);
  jw_end(&w);
  return fflush(f) != 0 || ferror(f) ? -1 : 0;
}

/* ---- reader -------------------------------------------------------------------------- */

typedef struct {
  char *err;
  size_t cap;
} rd_t;

static int bad(rd_t *r, const js_val *v, const char *path, const char *what) {
  if (v)
    snprintf(r->err, r->cap, "line %d, column %d: %s %s", v->line, v->col, path, what);
  else
    snprintf(r->err, r->cap, "%s %s", path, what);
  return -1;
}

/* The object at path must have exactly the keys in `need` (NULL-terminated) plus those of
 * `maybe`; a missing or an unknown one is named. */
static int keys_exact(rd_t *r, const js_val *o, const char *path, const char *const *need, const char *const *maybe) {
  char p[96];
  if (!o || o->type != JS_OBJ) return bad(r, o, path[0] ? path : "the read-out", "must be an object");
  for (int i = 0; need[i]; i++)
    if (!js_get(o, need[i])) {
      snprintf(r->err, r->cap, "line %d, column %d: %s has no \"%s\" (not a read-out of `nmod programmer interrogate --json`?)",
               o->line, o->col, path[0] ? path : "the read-out", need[i]);
      return -1;
    }
  for (size_t k = 0; k < o->n; k++) {
    int known = 0;
    for (int i = 0; need[i] && !known; i++) known = strcmp(o->keys[k], need[i]) == 0;
    for (int i = 0; maybe && maybe[i] && !known; i++) known = strcmp(o->keys[k], maybe[i]) == 0;
    if (!known) return bad(r, &o->items[k], js_path_key(p, sizeof p, path, o->keys[k]), "is not a field of a read-out");
  }
  return 0;
}

/* Printable ASCII text of 1..RO_TEXT-1 characters. */
static int get_text(rd_t *r, const js_val *o, const char *path, const char *key, char out[RO_TEXT]) {
  char p[96];
  const js_val *v = js_get(o, key);
  js_path_key(p, sizeof p, path, key);
  if (!v || v->type != JS_STR || v->str_len == 0 || v->str_len >= RO_TEXT)
    return bad(r, v, p, "must be a string of 1-47 characters");
  for (size_t i = 0; i < v->str_len; i++)
    if (v->str[i] < 0x20 || v->str[i] > 0x7e) return bad(r, v, p, "must be printable ASCII");
  memcpy(out, v->str, v->str_len + 1);
  return 0;
}

static int get_word(rd_t *r, const js_val *o, const char *path, const char *key, const char *const *allowed,
                    char out[RO_TEXT]) {
  if (get_text(r, o, path, key, out)) return -1;
  for (int i = 0; allowed[i]; i++)
    if (strcmp(out, allowed[i]) == 0) return 0;
  char p[96], m[160];
  size_t n = (size_t)snprintf(m, sizeof m, "must be one of");
  for (int i = 0; allowed[i] && n < sizeof m; i++)
    n += (size_t)snprintf(m + n, sizeof m - n, "%s \"%s\"", i ? "," : "", allowed[i]);
  return bad(r, js_get(o, key), js_path_key(p, sizeof p, path, key), m);
}

static int get_bool(rd_t *r, const js_val *o, const char *path, const char *key, int *out) {
  char p[96];
  const js_val *v = js_get(o, key);
  if (!v || v->type != JS_BOOL) return bad(r, v, js_path_key(p, sizeof p, path, key), "must be true or false");
  *out = v->boolean;
  return 0;
}

/* A number in units of 10^-decimals, 0..max. */
static int num_fixed(rd_t *r, const js_val *v, const char *p, unsigned decimals, uint64_t max, uint64_t *out) {
  int64_t x;
  char m[128];
  if (!v || v->type != JS_NUM || js_num_fixed(v, decimals, &x) != 0 || x < 0 || (uint64_t)x > max) {
    if (decimals)
      snprintf(m, sizeof m, "must be a number from 0 with at most %u decimal%s", decimals, decimals > 1 ? "s" : "");
    else
      snprintf(m, sizeof m, "must be a whole number from 0");
    size_t n = strlen(m);
    /* The upper end, in the field's own unit. */
    uint64_t whole = max, div = 1;
    for (unsigned i = 0; i < decimals; i++) div *= 10;
    whole /= div;
    snprintf(m + n, sizeof m - n, " to %llu", (unsigned long long)whole);
    return bad(r, v, p, m);
  }
  *out = (uint64_t)x;
  return 0;
}

static int get_u32(rd_t *r, const js_val *o, const char *path, const char *key, unsigned decimals, uint32_t max,
                   uint32_t *out) {
  char p[96];
  uint64_t x;
  if (num_fixed(r, js_get(o, key), js_path_key(p, sizeof p, path, key), decimals, max, &x)) return -1;
  *out = (uint32_t)x;
  return 0;
}

/* A contact name as the writer writes it (hu_contact.h). */
static int parse_contact(const char *s, size_t len, uint8_t *out) {
  int n = hu_contact_parse_n(s, len, HU_CONTACT_NO_CASE);
  if (n < 0 || n >= RO_MAX_CONTACTS) return -1;
  *out = (uint8_t)n;
  return 0;
}

#define MA_MAX_UA 100000u /* amplitudes: 0-100 mA, in uA */

static int read_status(rd_t *r, const js_val *o, ro_status_t *s) {
  static const char *const cells[] = {"primary", "rechargeable", NULL};
  static const char *const states[] = {"ok", "low", "eri", "eos", NULL};
  static const char *const bkeys[] = {"cell", "state", "pct", "charging", NULL};
  const js_val *b = js_get(o, "battery");
  if (get_text(r, o, "", "mode", s->mode) || get_bool(r, o, "", "therapy_on", &s->therapy_on) ||
      get_text(r, o, "", "fault", s->fault) || keys_exact(r, b, "battery", bkeys, NULL) ||
      get_word(r, b, "battery", "cell", cells, s->cell) || get_word(r, b, "battery", "state", states, s->batt_state) ||
      get_u32(r, b, "battery", "pct", 1, 1000, &s->batt_pm) || get_bool(r, b, "battery", "charging", &s->charging))
    return -1;
  char p[96];
  const js_val *ma = js_get(o, "alerts");
  if (!ma || ma->type != JS_ARR || ma->n > RO_MAX_MEM_ALERTS)
    return bad(r, ma, "alerts", "must be an array of at most 16 alert names");
  s->n_mem_alerts = (int)ma->n;
  for (size_t i = 0; i < ma->n; i++) {
    js_path_index(p, sizeof p, "alerts", i);
    const js_val *e = &ma->items[i];
    size_t n = e->type == JS_STR ? strlen(e->str) : 0;
    if (n == 0 || n >= RO_TEXT || strspn(e->str, "abcdefghijklmnopqrstuvwxyz-") != n)
      return bad(r, e, p, "must be an alert name like \"memory-damage\"");
    memcpy(s->mem_alerts[i], e->str, n + 1);
  }
  const js_val *la = js_get(o, "lead_alerts");
  if (la->type != JS_ARR || la->n > 2 * RO_MAX_CONTACTS) {
    char what[64];
    snprintf(what, sizeof what, "must be an array of at most %d alerts", 2 * RO_MAX_CONTACTS);
    return bad(r, la, "lead_alerts", what);
  }
  s->n_alerts = (int)la->n;
  for (size_t i = 0; i < la->n; i++) {
    const js_val *e = &la->items[i];
    js_path_index(p, sizeof p, "lead_alerts", i);
    const char *sp = e->type == JS_STR ? strchr(e->str, ' ') : NULL;
    ro_lead_alert_t *al = &s->alerts[i];
    if (!sp || parse_contact(e->str, (size_t)(sp - e->str), &al->contact) != 0 ||
        (strcmp(sp + 1, "open") != 0 && strcmp(sp + 1, "short") != 0))
    {
      char what[80];
      snprintf(what, sizeof what, "must be \"E<n> open\" or \"E<n> short\" (%s)", hu_contact_range());
      return bad(r, e, p, what);
    }
    al->state = strcmp(sp + 1, "short") == 0 ? RO_LEAD_SHORT : RO_LEAD_OPEN;
    for (size_t j = 0; j < i; j++)
      if (s->alerts[j].contact == al->contact && s->alerts[j].state == al->state) return bad(r, e, p, "is given twice");
  }
  const js_val *pr = js_get(o, "programs");
  if (pr->type != JS_ARR || pr->n > RO_MAX_PROGRAMS) return bad(r, pr, "programs", "must be an array of at most 16 programs");
  s->n_prog = (int)pr->n;
  static const char *const pkeys[] = {"slot", "name", "running", "amplitude_ma", "patient_range_ma", "delivered_ma", NULL};
  for (size_t i = 0; i < pr->n; i++) {
    const js_val *e = &pr->items[i];
    ro_prog_t *pg = &s->prog[i];
    js_path_index(p, sizeof p, "programs", i);
    if (keys_exact(r, e, p, pkeys, NULL) || get_u32(r, e, p, "slot", 0, RO_MAX_PROGRAMS - 1, &pg->slot) ||
        get_text(r, e, p, "name", pg->name) || get_bool(r, e, p, "running", &pg->running) ||
        get_u32(r, e, p, "amplitude_ma", 3, MA_MAX_UA, &pg->amplitude_ua) ||
        get_u32(r, e, p, "delivered_ma", 3, MA_MAX_UA, &pg->delivered_ua))
      return -1;
    const js_val *rg = js_get(e, "patient_range_ma");
    char q[120];
    js_path_key(q, sizeof q, p, "patient_range_ma");
    uint64_t lo, hi;
    if (rg->type != JS_ARR || rg->n != 2) return bad(r, rg, q, "must be [min, max] in mA");
    if (num_fixed(r, &rg->items[0], q, 3, MA_MAX_UA, &lo) || num_fixed(r, &rg->items[1], q, 3, MA_MAX_UA, &hi)) return -1;
    if (lo > hi) return bad(r, rg, q, "must have min <= max");
    pg->pt_min_ua = (uint32_t)lo;
    pg->pt_max_ua = (uint32_t)hi;
  }
  return 0;
}

int ro_read(const js_val *root, ro_readout_t *out, char *err, size_t cap) {
  static const char *const need[] = {"serial", "kind", "therapy", "firmware", "lead", "device_time", "resets",
                                     "rejected_frames", "failed_authentications", "mode", "therapy_on", "fault",
                                     "alerts", "battery", "lead_alerts", "programs", "impedance_ohm", "compliance_v",
                                     "program_settings", "test_thresholds_ma", "uptime_s", "frame_bytes", "battery_detail", NULL};
  static const char *const kinds[] = {"ets", "ins", NULL};
  static const char *const therapies[] = {"scs", "snm", NULL};
  rd_t r = {err, cap};
  memset(out, 0, sizeof *out);
  err[0] = '\0';
  if (!root || root->type != JS_OBJ)
    return bad(&r, root, "the read-out", "must be one JSON object (from `nmod programmer interrogate --json`)");
  if (keys_exact(&r, root, "", need, NULL) || get_text(&r, root, "", "serial", out->serial) ||
      get_word(&r, root, "", "kind", kinds, out->kind) || get_word(&r, root, "", "therapy", therapies, out->therapy) ||
      get_text(&r, root, "", "firmware", out->firmware) || get_text(&r, root, "", "lead", out->lead) ||
      get_text(&r, root, "", "device_time", out->device_time) ||
      get_u32(&r, root, "", "resets", 0, UINT32_MAX, &out->resets) ||
      get_u32(&r, root, "", "rejected_frames", 0, UINT32_MAX, &out->rejected_frames) ||
      get_u32(&r, root, "", "failed_authentications", 0, UINT32_MAX, &out->failed_authentications) ||
      read_status(&r, root, &out->status) || get_u32(&r, root, "", "impedance_ohm", 0, UINT32_MAX, &out->impedance_ohm) ||
      get_u32(&r, root, "", "compliance_v", 3, UINT32_MAX, &out->compliance_mv))
    return -1;
  /* A real UTC time, with the space the writer writes (hu_date.h). */
  int64_t t_s;
  if (hu_time_parse(out->device_time, &t_s) != 0 || out->device_time[10] != ' ')
    return bad(&r, js_get(root, "device_time"), "device_time", "must be \"YYYY-MM-DD HH:MM:SS\"");
  char p[96];
  const js_val *ps = js_get(root, "program_settings");
  if (ps->type != JS_ARR || (int)ps->n != out->status.n_prog)
    return bad(&r, ps, "program_settings", "must be an array with one entry per program");
  static const char *const skeys[] = {"name", "waveform", "rate_hz", "width_us", NULL};
  for (size_t i = 0; i < ps->n; i++) {
    const js_val *e = &ps->items[i];
    ro_prog_t *pg = &out->status.prog[i];
    char name[RO_TEXT];
    js_path_index(p, sizeof p, "program_settings", i);
    if (keys_exact(&r, e, p, skeys, NULL) || get_text(&r, e, p, "name", name) || get_text(&r, e, p, "waveform", pg->waveform) ||
        get_u32(&r, e, p, "rate_hz", 0, UINT32_MAX, &pg->rate_hz) || get_u32(&r, e, p, "width_us", 0, UINT32_MAX, &pg->width_us))
      return -1;
    if (strcmp(name, pg->name) != 0) return bad(&r, js_get(e, "name"), p, "does not name the program at the same place in \"programs\"");
  }
  const js_val *th = js_get(root, "test_thresholds_ma");
  if (th->type != JS_OBJ || th->n > RO_MAX_CONTACTS) return bad(&r, th, "test_thresholds_ma", "must be an object {\"E<n>\": mA}");
  out->n_thresholds = (int)th->n;
  for (size_t i = 0; i < th->n; i++) {
    ro_threshold_t *x = &out->thresholds[i];
    uint64_t ua;
    js_path_key(p, sizeof p, "test_thresholds_ma", th->keys[i]);
    if (parse_contact(th->keys[i], strlen(th->keys[i]), &x->contact) != 0) {
      char what[48];
      snprintf(what, sizeof what, "is not a contact %s", hu_contact_range());
      return bad(&r, &th->items[i], p, what);
    }
    if (num_fixed(&r, &th->items[i], p, 3, MA_MAX_UA, &ua)) return -1;
    if (ua == 0) return bad(&r, &th->items[i], p, "must be above 0 mA");
    x->threshold_ua = (uint32_t)ua;
  }
  uint64_t up;
  if (num_fixed(&r, js_get(root, "uptime_s"), "uptime_s", 0, UINT64_MAX >> 1, &up)) return -1;
  out->uptime_s = up;
  if (get_u32(&r, root, "", "frame_bytes", 0, UINT32_MAX, &out->frame_bytes)) return -1;
  const js_val *bd = js_get(root, "battery_detail");
  out->primary_longevity = strcmp(out->status.cell, "primary") == 0;
  static const char *const bprim[] = {"capacity_mah", "remaining_mah", "voltage_v", "average_current_ua", "years_to_eri", NULL};
  static const char *const brech[] = {"capacity_mah", "remaining_mah", "voltage_v", "average_current_ua",
                                      "recharge_interval_days", "years_of_service", NULL};
  if (keys_exact(&r, bd, "battery_detail", out->primary_longevity ? bprim : brech, NULL) ||
      get_u32(&r, bd, "battery_detail", "capacity_mah", 3, UINT32_MAX, &out->capacity_uah) ||
      get_u32(&r, bd, "battery_detail", "remaining_mah", 3, UINT32_MAX, &out->remaining_uah) ||
      get_u32(&r, bd, "battery_detail", "voltage_v", 3, UINT32_MAX, &out->voltage_mv) ||
      get_u32(&r, bd, "battery_detail", "average_current_ua", 3, UINT32_MAX, &out->avg_current_nua))
    return -1;
  if (out->primary_longevity) return get_u32(&r, bd, "battery_detail", "years_to_eri", 3, UINT32_MAX, &out->years_to_eri_milli);
  return get_u32(&r, bd, "battery_detail", "recharge_interval_days", 2, UINT32_MAX, &out->recharge_days_c) ||
                 get_u32(&r, bd, "battery_detail", "years_of_service", 2, UINT32_MAX, &out->service_years_c)
             ? -1
             : 0;
}

int ro_read_text(const char *text, size_t len, ro_readout_t *out, char *err, size_t cap) {
  js_val *root = js_parse(text, len, err, cap);
  if (!root) return -1;
  int rc = ro_read(root, out, err, cap);
  js_free(root);
  return rc;
}
