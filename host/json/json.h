/* json.h: a small, strict JSON reader (DOM) and writer for the host tools.
 *
 * Host-only (uses the heap). The reader is bounded: a size cap by the caller, a nesting
 * limit, and error messages that say where ("line 3, column 14: ...") and what.
 * Numbers keep their literal text so that decimal values convert to fixed-point units
 * exactly (js_num_fixed), never through binary floating point.
 */
#ifndef NMOD_JSON_H
#define NMOD_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JS_MAX_DEPTH 32

typedef enum { JS_NULL, JS_BOOL, JS_NUM, JS_STR, JS_ARR, JS_OBJ } js_type;

typedef struct js_val js_val;
struct js_val {
  js_type type;
  int line, col;     /* where the value starts (1-based) */
  int boolean;       /* JS_BOOL */
  char *str;         /* JS_STR: decoded UTF-8, NUL-terminated; JS_NUM: the literal text */
  size_t str_len;    /* bytes in str, not counting the NUL */
  size_t n;          /* JS_ARR / JS_OBJ: number of items */
  js_val *items;     /* JS_ARR elements, JS_OBJ values */
  char **keys;       /* JS_OBJ keys, parallel to items */
};

/* Parse text[0..len). Returns the root (free with js_free) or NULL with a one-line message
 * in err ("line L, column C: what is wrong"; columns count characters). Rejects duplicate
 * keys, trailing garbage, nesting deeper than JS_MAX_DEPTH (the root container is level 1),
 * invalid UTF-8 anywhere, a byte order mark, NUL bytes, raw control characters in strings,
 * unpaired surrogate escapes and the escape \u0000 (strings are used as C strings), and
 * numbers outside the RFC 8259 grammar. */
js_val *js_parse(const char *text, size_t len, char *err, size_t errcap);
void js_free(js_val *v);

/* Read a whole file of at most max_bytes into a NUL-terminated heap buffer (*out, free()
 * it). On failure returns -1 and a one-line message ("PATH: No such file or directory",
 * "PATH: 5000000 bytes, more than the 1048576 allowed", "PATH: is a directory"). The size
 * is checked before reading; a file that grows past the cap while being read (or a pipe
 * or device) is still refused, after reading at most max_bytes + 1 bytes. An empty file
 * reads fine (len 0); js_parse then reports "empty input". */
int js_read_file(const char *path, size_t max_bytes, char **out, size_t *len, char *err,
                 size_t errcap);

/* Member `key` of object `obj`, or NULL (also when obj is not an object). */
const js_val *js_get(const js_val *obj, const char *key);
/* Name of a type for messages: "null", "a boolean", "a number", "a string", ... */
const char *js_type_name(js_type t);

/* Helpers for one-line messages about a document (all write into buf, at most cap bytes
 * with the NUL, truncating, and return buf).
 * js_path_key: the path of member `key` under `base`: ("programs[1]", "width_us") gives
 *   "programs[1].width_us"; an empty or NULL base gives "width_us"; a key that is not a
 *   plain name ([A-Za-z_][A-Za-z0-9_-]*) is quoted: programs[1]["a b"].
 * js_path_index: element `i` of `base`: ("programs", 2) gives "programs[2]".
 * js_describe: what a value is, for "expected X, got Y": a number as its literal (cut to
 *   32 characters), true, false, null, else the type name ("a string", "an object").
 * js_quote: `s` in double quotes, '"' and '\\' escaped, bytes outside printable ASCII as
 *   \xNN, cut after max_chars characters with "...". Safe for any C string. */
const char *js_path_key(char *buf, size_t cap, const char *base, const char *key);
const char *js_path_index(char *buf, size_t cap, const char *base, size_t i);
const char *js_describe(const js_val *v, char *buf, size_t cap);
const char *js_quote(char *buf, size_t cap, const char *s, size_t max_chars);

/* Convert a JS_NUM exactly to an integer count of 10^-decimals units: "1.25" with
 * decimals 3 gives 1250. Exponents are allowed ("2.5e-1"). Returns 0 on success;
 * -1 when the value has finer resolution than the unit, -2 when it does not fit in
 * int64, -3 when v is not a number. */
int js_num_fixed(const js_val *v, unsigned decimals, int64_t *out);

/* Writer: one JSON value to a FILE, compact, commas and escaping handled: '"' and '\\'
 * are escaped, control characters written as \u00XX, invalid UTF-8 bytes as \ufffd, so
 * the output is always valid JSON. Nesting is limited to JS_MAX_DEPTH. jw_double writes
 * null for NaN and infinities (JSON has no such numbers). */
typedef struct {
  FILE *f;
  int depth;
  int need_comma[JS_MAX_DEPTH + 1];
  int after_key;
} js_w;

void jw_init(js_w *w, FILE *f);
void jw_obj(js_w *w);        /* { */
void jw_obj_end(js_w *w);    /* } */
void jw_arr(js_w *w);        /* [ */
void jw_arr_end(js_w *w);    /* ] */
void jw_key(js_w *w, const char *k);
void jw_str(js_w *w, const char *s);
void jw_int(js_w *w, int64_t v);
void jw_uint(js_w *w, uint64_t v);
/* A fixed-point value: jw_fixed(w, 1250, 3) writes 1.25; (-5, 1) writes -0.5. */
void jw_fixed(js_w *w, int64_t v, unsigned decimals);
/* A double with `prec` digits after the point, trailing zeros trimmed. */
void jw_double(js_w *w, double v, int prec);
void jw_bool(js_w *w, int b);
void jw_null(js_w *w);
/* Ends the document with a newline. */
void jw_end(js_w *w);

/* A key and its value in one call, so a pair is written once. The _opt forms write null
 * when `have` is 0 (a value not known, not a zero). */
void jw_kv_str(js_w *w, const char *k, const char *s);
void jw_kv_int(js_w *w, const char *k, int64_t v);
void jw_kv_uint(js_w *w, const char *k, uint64_t v);
void jw_kv_fixed(js_w *w, const char *k, int64_t v, unsigned decimals);
void jw_kv_double(js_w *w, const char *k, double v, int prec);
void jw_kv_bool(js_w *w, const char *k, int b);
void jw_kv_null(js_w *w, const char *k);
void jw_kv_int_opt(js_w *w, const char *k, int have, int64_t v);
void jw_kv_uint_opt(js_w *w, const char *k, int have, uint64_t v);
void jw_kv_fixed_opt(js_w *w, const char *k, int have, int64_t v, unsigned decimals);
void jw_kv_double_opt(js_w *w, const char *k, int have, double v, int prec);
void jw_kv_str_opt(js_w *w, const char *k, const char *s); /* s NULL: null */
/* A key whose value (an object or array) follows. */
void jw_kv_obj(js_w *w, const char *k);
void jw_kv_arr(js_w *w, const char *k);

#endif
