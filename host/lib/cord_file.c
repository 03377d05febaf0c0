/* cord_file.c: the nmod-cord/1 reader (cord_file.h). */
#include "cord_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hu_fmt.h"
#include "json.h"

#define CF_FORMAT "nmod-cord/1"

/* The fields, their units and ranges: sim_cord_fields (ports/sim/sim_cord_fields.tsv). */
static int parse_root(const js_val *root, sim_cord_params_t *out, char *err, size_t errcap) {
  char got[96];
  if (root->type != JS_OBJ) {
    return hu_fail(err, errcap, "expected an object at the top level, got %s", js_describe(root, got, sizeof got));
  }
  const js_val *v = js_get(root, "format");
  if (!v) return hu_fail(err, errcap, "missing required field \"format\" (\"format\": \"" CF_FORMAT "\")");
  if (v->type != JS_STR || strcmp(v->str, CF_FORMAT) != 0) {
    return hu_fail(err, errcap, "format: expected \"" CF_FORMAT "\", got %s",
                v->type == JS_STR ? js_quote(got, sizeof got, v->str, 40) : js_describe(v, got, sizeof got));
  }
  for (size_t i = 0; i < root->n; i++) {
    const char *k = root->keys[i];
    if (strcmp(k, "format") == 0) continue;
    const sim_cord_field_t *f = sim_cord_fields;
    while (f->key && strcmp(f->key, k) != 0) f++;
    if (!f->key) {
      char list[512];
      size_t o = 0;
      for (size_t j = 0; sim_cord_fields[j].key && o < sizeof list; j++) {
        int w = snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "", sim_cord_fields[j].key);
        if (w < 0) break;
        o += (size_t)w;
      }
      return hu_fail(err, errcap, "unknown field %s (the fields are: format, %s)", js_quote(got, sizeof got, k, 40), list);
    }
    const js_val *x = &root->items[i];
    if (x->type != JS_NUM) return hu_fail(err, errcap, "%s: expected a number, got %s", k, js_describe(x, got, sizeof got));
    int64_t q;
    int rc = js_num_fixed(x, 6, &q);
    js_describe(x, got, sizeof got);
    if (rc == -1) return hu_fail(err, errcap, "%s: %s is finer than 0.000001 %s", k, got, f->unit);
    if (rc != 0) return hu_fail(err, errcap, "%s: %s is out of range", k, got);
    *sim_cord_field(out, f) = (double)q / 1e6;
  }
  const char *what = NULL;
  if (sim_cord_params_check(out, &what) != 0) {
    return hu_fail(err, errcap, "%s: out of its documented range (docs/CLOSED-LOOP.md)", what ? what : "a parameter");
  }
  return 0;
}

int cf_parse(const char *text, size_t len, sim_cord_params_t *out, char *err, size_t errcap) {
  if (err && errcap) err[0] = '\0';
  sim_cord_defaults(out);
  if (len > CF_MAX_BYTES) return hu_fail(err, errcap, "%zu bytes, more than the %u allowed", len, CF_MAX_BYTES);
  js_val *root = js_parse(text, len, err, errcap);
  if (!root) return -1;
  int rc = parse_root(root, out, err, errcap);
  js_free(root);
  if (rc != 0) sim_cord_defaults(out);
  return rc;
}

int cf_load(const char *path, sim_cord_params_t *out, char *err, size_t errcap) {
  char *text = NULL;
  size_t len = 0;
  char msg[512];
  sim_cord_defaults(out);
  if (js_read_file(path, CF_MAX_BYTES, &text, &len, msg, sizeof msg) != 0) return hu_fail(err, errcap, "%s", msg);
  int rc = cf_parse(text, len, out, msg, sizeof msg);
  free(text);
  if (rc != 0) return hu_fail(err, errcap, "%s: %s", path, msg);
  return 0;
}
