/* fuzz_json.c: libFuzzer target for the JSON reader and writer.
 *
 * Any input: js_parse either returns a tree or a one-line "line L, column C: ..." message
 * (anything else aborts). A tree is written back with the jw_* writer and read again; it
 * must come back the same (strings byte for byte, keys in order, numbers exactly through
 * js_num_fixed). js_num_fixed must be consistent across units: a value exact in 10^-d is
 * exact in 10^-(d+1) with ten times the count, or too large.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Smallest number of decimals (0..18) at which v is exact, or -1. */
static int exact_decimals(const js_val *v, int64_t *out) {
  for (unsigned d = 0; d <= 18; d++) {
    int64_t x;
    int rc = js_num_fixed(v, d, &x);
    if (rc == 0) {
      int64_t y;
      int rc2 = js_num_fixed(v, d + 1, &y);
      if (rc2 == 0 ? y / 10 != x || y % 10 != 0 : rc2 != -2) abort();
      *out = x;
      return (int)d;
    }
    if (rc == -2) return -1; /* finer units only make it larger */
    if (rc != -1) abort();
  }
  return -1;
}

static void write_val(js_w *w, const js_val *v) {
  switch (v->type) {
    case JS_NULL: jw_null(w); break;
    case JS_BOOL: jw_bool(w, v->boolean); break;
    case JS_STR: jw_str(w, v->str); break;
    case JS_NUM: {
      int64_t x;
      int d = exact_decimals(v, &x);
      if (d < 0) {
        jw_null(w);
      } else {
        jw_fixed(w, x, (unsigned)d);
      }
      break;
    }
    case JS_ARR:
      jw_arr(w);
      for (size_t i = 0; i < v->n; i++) write_val(w, &v->items[i]);
      jw_arr_end(w);
      break;
    case JS_OBJ:
      jw_obj(w);
      for (size_t i = 0; i < v->n; i++) {
        jw_key(w, v->keys[i]);
        write_val(w, &v->items[i]);
      }
      jw_obj_end(w);
      break;
  }
}

static void same(const js_val *a, const js_val *b) {
  if (a->type == JS_NUM) {
    int64_t x, y;
    int d = exact_decimals(a, &x);
    if (d < 0) {
      if (b->type != JS_NULL) abort();
      return;
    }
    if (b->type != JS_NUM || js_num_fixed(b, (unsigned)d, &y) != 0 || x != y) abort();
    return;
  }
  if (a->type != b->type) abort();
  switch (a->type) {
    case JS_BOOL:
      if (!a->boolean != !b->boolean) abort();
      break;
    case JS_STR:
      if (a->str_len != b->str_len || memcmp(a->str, b->str, a->str_len) != 0) abort();
      break;
    case JS_ARR:
    case JS_OBJ:
      if (a->n != b->n) abort();
      for (size_t i = 0; i < a->n; i++) {
        if (a->type == JS_OBJ && strcmp(a->keys[i], b->keys[i]) != 0) abort();
        same(&a->items[i], &b->items[i]);
      }
      break;
    default:
      break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  js_val *v = js_parse((const char *)data, size, err, sizeof err);
  if (!v) {
    int l, c;
    if (sscanf(err, "line %d, column %d: ", &l, &c) != 2 || l < 1 || c < 1) abort();
    if (strchr(err, '\n')) abort();
    return 0;
  }
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  if (!f) {
    js_free(v);
    return 0;
  }
  js_w w;
  jw_init(&w, f);
  write_val(&w, v);
  jw_end(&w);
  fclose(f);
  js_val *back = js_parse(buf, len, err, sizeof err);
  if (!back) abort(); /* the writer produced something the reader refuses */
  same(v, back);
  js_free(back);
  js_free(v);
  free(buf);
  return 0;
}
