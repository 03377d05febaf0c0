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

int sst_parse_hardware(const char *text, size_t len, sst_hardware_t *out, char *err, size_t errcap) {
  char jerr[256];
  memset(out, 0, sizeof *out);
  js_val *v = js_parse(text, len, jerr, sizeof jerr);
  if (!v) {
    snprintf(err, errcap, "not JSON: %s", jerr);
    return -1;
  }
  const js_val *k = js_get(v, "kind"), *t = js_get(v, "therapy");
  const js_val *l = js_get(v, "lead"), *b = js_get(v, "battery");
  if (!k || !t || !l || !b || k->type != JS_STR || t->type != JS_STR || l->type != JS_STR || b->type != JS_STR) {
    snprintf(err, errcap, "expected the strings \"kind\", \"therapy\", \"lead\" and \"battery\"");
    js_free(v);
    return -1;
  }
  /* Every value must name something the simulator can build: an unknown one is damage,
   * never a default (an unknown lead used to reach sim_init as NULL). */
  char q[48];
  int rc = -1;
  if (strcmp(k->str, "ets") != 0 && strcmp(k->str, "ins") != 0) {
    snprintf(err, errcap, "\"kind\" is %s, not \"ets\" or \"ins\"", js_quote(q, sizeof q, k->str, 24));
  } else if (strcmp(t->str, "scs") != 0 && strcmp(t->str, "snm") != 0) {
    snprintf(err, errcap, "\"therapy\" is %s, not \"scs\" or \"snm\"", js_quote(q, sizeof q, t->str, 24));
  } else if (nm_lead_catalog(nm_lead_by_name(l->str)) == NULL) {
    snprintf(err, errcap, "\"lead\" is %s, not a lead of the catalog (snm-tined-4, scs-perc-8, scs-paddle-16)",
             js_quote(q, sizeof q, l->str, 24));
  } else if (strcmp(b->str, "primary") != 0 && strcmp(b->str, "rechargeable") != 0) {
    snprintf(err, errcap, "\"battery\" is %s, not \"primary\" or \"rechargeable\"", js_quote(q, sizeof q, b->str, 24));
  } else {
    out->kind = strcmp(k->str, "ins") == 0 ? NM_KIND_INS : NM_KIND_ETS;
    out->therapy = strcmp(t->str, "snm") == 0 ? NM_THERAPY_SNM : NM_THERAPY_SCS;
    out->lead_model = nm_lead_by_name(l->str);
    out->cell = strcmp(b->str, "rechargeable") == 0 ? NM_CELL_RECHARGEABLE : NM_CELL_PRIMARY;
    rc = 0;
  }
  js_free(v);
  return rc;
}

size_t sst_format_hardware(const sst_hardware_t *hw, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "{\"kind\":\"%s\",\"therapy\":\"%s\",\"lead\":\"%s\",\"battery\":\"%s\"}\n",
                   kind_name(hw->kind), therapy_name(hw->therapy), nm_lead_name((uint8_t)hw->lead_model),
                   cell_name(hw->cell));
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
