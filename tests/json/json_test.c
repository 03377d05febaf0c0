/* json_test.c: the strict JSON reader and the writer.
 *
 * Table-driven: every syntax error class with its exact message (line, column, what),
 * valid documents, js_num_fixed boundaries, writer output. Properties (print seed=N,
 * replay with NMOD_SEED=N): writer -> reader round trip on random documents, exact
 * fixed-point round trip, and random corruptions that must fail cleanly (ASan/UBSan).
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

/* ---- helpers ------------------------------------------------------------------------ */

static uint64_t seed_of(const char *test) {
  const char *env = getenv("NMOD_SEED");
  uint64_t s = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
  printf("%s: seed=%llu (replay with NMOD_SEED=%llu)\n", test, (unsigned long long)s,
         (unsigned long long)s);
  fflush(stdout);
  return s;
}

static uint64_t rnd(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n) { return n ? rnd(s) % n : 0; }

/* Everything a writer call sequence produced, as a NUL-terminated heap string. */
typedef struct {
  FILE *f;
  js_w w;
} wbuf;

static void wb_open(wbuf *b) {
  b->f = tmpfile();
  assert_non_null(b->f);
  jw_init(&b->w, b->f);
}

static char *wb_take(wbuf *b, size_t *len) {
  fflush(b->f);
  long n = ftell(b->f);
  assert_true(n >= 0);
  char *s = malloc((size_t)n + 1);
  assert_non_null(s);
  rewind(b->f);
  size_t got = fread(s, 1, (size_t)n, b->f);
  assert_int_equal(got, (size_t)n);
  s[n] = '\0';
  fclose(b->f);
  if (len) *len = (size_t)n;
  return s;
}

static js_val *parse_ok(const char *text, size_t len) {
  char err[256];
  js_val *v = js_parse(text, len, err, sizeof err);
  if (!v) fail_msg("parse of [%.*s] failed: %s", (int)(len > 200 ? 200 : len), text, err);
  return v;
}

/* ---- syntax errors -------------------------------------------------------------------- */

typedef struct {
  const char *text;
  size_t len; /* 0: strlen(text) */
  const char *msg;
} err_case;

#define E(t, m) {t, 0, m}
#define EL(t, m) {t, sizeof(t) - 1, m}

static const err_case syntax_cases[] = {
    /* empty and structure */
    E("", "line 1, column 1: empty input: expected a JSON value"),
    E("  \n ", "line 2, column 2: empty input: expected a JSON value"),
    E("{", "line 1, column 2: unexpected end of input: expected a member name"),
    E("[", "line 1, column 2: unexpected end of input: expected a value"),
    E("[1", "line 1, column 3: unexpected end of input: expected ',' or ']' after an element"),
    E("{\"a\":1", "line 1, column 7: unexpected end of input: expected ',' or '}' after a member"),
    E("{\"a\"", "line 1, column 5: unexpected end of input: expected ':' after the member name"),
    E("{\"a\":", "line 1, column 6: unexpected end of input: expected a value"),
    E("[1,]", "line 1, column 4: trailing comma before ']'"),
    E("{\"a\":1,}", "line 1, column 8: trailing comma before '}'"),
    E("{\"a\" 1}", "line 1, column 6: expected ':' after the member name, got '1'"),
    E("{\"a\":1 \"b\":2}", "line 1, column 8: expected ',' or '}' after a member, got '\"'"),
    E("{\n  \"a\": 1,\n  \"b\": 2\n  \"c\": 3\n}",
      "line 4, column 3: expected ',' or '}' after a member, got '\"'"),
    E("[1 2]", "line 1, column 4: expected ',' or ']' after an element, got '2'"),
    E("[1;2]", "line 1, column 3: expected ',' or ']' after an element, got ';'"),
    E("{a:1}", "line 1, column 2: expected a member name in double quotes, got 'a'"),
    E("{'a':1}", "line 1, column 2: member names use double quotes, not '"),
    E("{1:1}", "line 1, column 2: expected a member name in double quotes, got '1'"),
    E("[,1]", "line 1, column 2: expected a value, got ',' (a value is missing)"),
    E("]", "line 1, column 1: expected a value, got ']' (a value is missing)"),
    E("{\"a\":}", "line 1, column 6: expected a value, got '}' (a value is missing)"),
    E("['x']", "line 1, column 2: expected a value, got ''' (strings use double quotes)"),
    E("// c\n{}", "line 1, column 1: expected a value, got '/' (JSON has no comments)"),
    E("{\"a\":1,\"a\":2}", "line 1, column 8: duplicate key \"a\""),
    E("{\"a\":{\"b\":1,\"c\":2,\"b\":3}}", "line 1, column 19: duplicate key \"b\""),
    E("{\"\\u0061\":1,\"a\":2}", "line 1, column 13: duplicate key \"a\""),
    E("{\"a\\nb\":1,\"a\\nb\":2}", "line 1, column 11: duplicate key \"a\\x0Ab\""),
    /* trailing garbage */
    E("{} x", "line 1, column 4: unexpected 'x' after the JSON value (trailing characters)"),
    E("1 2", "line 1, column 3: unexpected '2' after the JSON value (trailing characters)"),
    E("{}}", "line 1, column 3: unexpected '}' after the JSON value (trailing characters)"),
    E("[]\n\n  ,", "line 3, column 3: unexpected ',' after the JSON value (trailing characters)"),
    EL("{}\0", "line 1, column 3: unexpected a NUL byte after the JSON value (trailing characters)"),
    /* NUL, BOM, bytes outside strings */
    EL("[1,\0]", "line 1, column 4: expected a value, got a NUL byte"),
    EL("\0", "line 1, column 1: expected a value, got a NUL byte"),
    E("\xEF\xBB\xBF{}",
      "line 1, column 1: byte order mark (U+FEFF) not allowed; save the file as UTF-8 without it"),
    E("\xFF", "line 1, column 1: expected a value, got byte 0xFF"),
    E("[\x01]", "line 1, column 2: expected a value, got control character 0x01"),
    /* strings */
    E("\"abc", "line 1, column 1: unterminated string (no closing '\"' before the end)"),
    E("[\n \"abc\\\"]", "line 2, column 2: unterminated string (no closing '\"' before the end)"),
    E("\"a\\", "line 1, column 1: unterminated string (no closing '\"' before the end)"),
    E("\"a\\x\"", "line 1, column 3: invalid escape: '\\' followed by 'x'"),
    E("\"a\\'\"", "line 1, column 3: invalid escape: '\\' followed by '''"),
    E("\"\\u12G4\"", "line 1, column 2: invalid \\u escape: expected 4 hex digits"),
    E("\"\\u12\"", "line 1, column 2: invalid \\u escape: expected 4 hex digits"),
    E("\"\\u0000\"", "line 1, column 2: \\u0000 is not allowed (strings may not contain NUL)"),
    E("\"\\uD800\"",
      "line 1, column 2: unpaired surrogate \\uD800 (a high surrogate must be followed by a "
      "\\uDC00-\\uDFFF escape)"),
    E("\"\\uD800\\u0041\"",
      "line 1, column 2: unpaired surrogate \\uD800 (a high surrogate must be followed by a "
      "\\uDC00-\\uDFFF escape)"),
    E("\"\\uD800\\uD800\"",
      "line 1, column 2: unpaired surrogate \\uD800 (a high surrogate must be followed by a "
      "\\uDC00-\\uDFFF escape)"),
    E("\"x\\uDC00\"",
      "line 1, column 3: unpaired surrogate \\uDC00 (a low surrogate must follow a high one)"),
    E("\"a\nb\"",
      "line 1, column 3: control character 0x0A in a string (write it as an escape, e.g. "
      "\\u000A)"),
    E("\"\t\"",
      "line 1, column 2: control character 0x09 in a string (write it as an escape, e.g. "
      "\\u0009)"),
    EL("\"a\0b\"", "line 1, column 3: NUL byte in a string"),
    /* invalid UTF-8 inside strings */
    E("\"\xC3\x28\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xC3)"),
    E("\"\xC0\xAF\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xC0)"),
    E("\"\xE0\x80\xAF\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xE0)"),
    E("\"\xED\xA0\x80\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xED)"),
    E("\"\xF4\x90\x80\x80\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xF4)"),
    E("\"\xF5\x80\x80\x80\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xF5)"),
    E("\"\xE2\x82\"", "line 1, column 2: invalid UTF-8 in a string (byte 0xE2)"),
    E("\"\x80\"", "line 1, column 2: invalid UTF-8 in a string (byte 0x80)"),
    E("\"\xC3\xA9\xC3\"", "line 1, column 3: invalid UTF-8 in a string (byte 0xC3)"),
    /* columns count characters, not bytes */
    E("[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\", x]",
      "line 1, column 9: expected a value, got 'x'"),
    /* numbers */
    E("01", "line 1, column 1: leading zeros are not allowed in numbers"),
    E("[-01]", "line 1, column 2: leading zeros are not allowed in numbers"),
    E("00", "line 1, column 1: leading zeros are not allowed in numbers"),
    E("+1", "line 1, column 1: expected a value, got '+' (a number may not start with '+')"),
    E(".5", "line 1, column 1: expected a value, got '.' (a number needs a digit before the "
            "point: 0.5)"),
    E("1.", "line 1, column 3: expected a digit after the decimal point"),
    E("1.e3", "line 1, column 3: expected a digit after the decimal point"),
    E("1e", "line 1, column 3: expected a digit in the exponent"),
    E("1e+", "line 1, column 4: expected a digit in the exponent"),
    E("1E-x", "line 1, column 4: expected a digit in the exponent"),
    E("-", "line 1, column 2: expected a digit after '-', got the end of the input"),
    E("- 1", "line 1, column 2: expected a digit after '-', got ' '"),
    E("-Infinity", "line 1, column 2: expected a digit after '-', got 'I'"),
    E("NaN", "line 1, column 1: expected a value, got 'N' (NaN and Infinity are not JSON numbers)"),
    E("Infinity",
      "line 1, column 1: expected a value, got 'I' (NaN and Infinity are not JSON numbers)"),
    E("0x10", "line 1, column 2: unexpected 'x' in a number"),
    E("1.5.3", "line 1, column 4: unexpected '.' in a number"),
    E("1e5e5", "line 1, column 4: unexpected 'e' in a number"),
    E("[1-2]", "line 1, column 3: unexpected '-' in a number"),
    E("12a", "line 1, column 3: unexpected 'a' in a number"),
    /* literals */
    E("tru", "line 1, column 1: invalid literal: expected true, false or null"),
    E("nul", "line 1, column 1: invalid literal: expected true, false or null"),
    E("[truex]", "line 1, column 2: invalid literal: expected true, false or null"),
    E("True", "line 1, column 1: expected a value, got 'T'"),
    E("{\"a\":fals}", "line 1, column 6: invalid literal: expected true, false or null"),
};

static void test_syntax_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof syntax_cases / sizeof syntax_cases[0]; i++) {
    const err_case *c = &syntax_cases[i];
    size_t len = c->len ? c->len : strlen(c->text);
    char err[300];
    memset(err, 'Z', sizeof err);
    js_val *v = js_parse(c->text, len, err, sizeof err);
    if (v) {
      js_free(v);
      fail_msg("case %zu [%s]: parsed, expected: %s", i, c->text, c->msg);
    }
    if (strcmp(err, c->msg) != 0) {
      fail_msg("case %zu [%s]:\n  got      %s\n  expected %s", i, c->text, err, c->msg);
    }
    assert_null(strchr(err, '\n'));
  }
}

/* A short error buffer truncates, never overflows; a NULL buffer is allowed. */
static void test_error_buffer(void **state) {
  (void)state;
  char err[12];
  memset(err, 'Z', sizeof err);
  assert_null(js_parse("[1,]", 4, err, 6));
  assert_string_equal(err, "line ");
  assert_int_equal(err[6], 'Z');
  assert_null(js_parse("[1,]", 4, NULL, 0));
  assert_null(js_parse(NULL, 0, err, sizeof err));
}

/* ---- nesting -------------------------------------------------------------------------- */

static char *nest(size_t depth, int objects) {
  char *s = malloc(depth * 8 + 8);
  size_t o = 0;
  for (size_t i = 0; i < depth; i++) {
    if (objects && i % 2) {
      memcpy(s + o, "{\"k\":", 5);
      o += 5;
    } else {
      s[o++] = '[';
    }
  }
  s[o++] = '0';
  for (size_t i = depth; i-- > 0;) s[o++] = (objects && i % 2) ? '}' : ']';
  s[o] = '\0';
  return s;
}

static void test_depth(void **state) {
  (void)state;
  char err[200];
  for (int objects = 0; objects <= 1; objects++) {
    char *ok = nest(JS_MAX_DEPTH, objects);
    js_val *v = parse_ok(ok, strlen(ok));
    js_free(v);
    free(ok);
    char *deep = nest(JS_MAX_DEPTH + 1, objects);
    assert_null(js_parse(deep, strlen(deep), err, sizeof err));
    assert_non_null(strstr(err, "nesting deeper than 32 levels"));
    free(deep);
  }
  /* The 33rd '[' is at column 33. */
  char *deep = nest(33, 0);
  assert_null(js_parse(deep, strlen(deep), err, sizeof err));
  assert_string_equal(err, "line 1, column 33: nesting deeper than 32 levels");
  free(deep);
  /* A huge nesting attempt fails at the limit, without deep recursion. */
  size_t n = 1000000;
  char *big = malloc(n);
  memset(big, '[', n);
  assert_null(js_parse(big, n, err, sizeof err));
  assert_string_equal(err, "line 1, column 33: nesting deeper than 32 levels");
  free(big);
}

/* ---- valid documents -------------------------------------------------------------------- */

static void test_valid(void **state) {
  (void)state;
  const char *ok[] = {
      "{}", "[]", " \t\r\n{ } \n", "0", "-0", "1", "-1.5e-3", "1E+5", "1e5", "0.0",
      "123456789012345678901234567890", "true", "false", "null", "\"\"", "\"\\/\"",
      "[[],[[]],{}]", "{\"\":0}", "{\"a\":{\"a\":{\"a\":1}}}", "[\"\x7F\"]",
      "\"\xF4\x8F\xBF\xBF\"", "\"\xEF\xBF\xBF\"", "\"\\uFFFF\"", "{\"a\":1,\"A\":2}",
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    js_val *v = parse_ok(ok[i], strlen(ok[i]));
    js_free(v);
  }

  const char *doc =
      "{\n"
      "  \"s\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\xE2\x82\xAC\",\n"
      "  \"n\": -12.50e1,\n"
      "  \"t\": true, \"f\": false, \"z\": null,\n"
      "  \"a\": [1, [2], {\"x\": \"y\"}],\n"
      "  \"e\": {}\n"
      "}";
  js_val *v = parse_ok(doc, strlen(doc));
  assert_int_equal(v->type, JS_OBJ);
  assert_int_equal(v->n, 7);
  assert_int_equal(v->line, 1);
  assert_int_equal(v->col, 1);
  const js_val *s = js_get(v, "s");
  const char want[] = "a\"b\\c/d\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80\xE2\x82\xAC";
  assert_int_equal(s->type, JS_STR);
  assert_int_equal(s->str_len, sizeof want - 1);
  assert_memory_equal(s->str, want, sizeof want);
  assert_int_equal(s->line, 2);
  assert_int_equal(s->col, 8);
  const js_val *n = js_get(v, "n");
  assert_int_equal(n->type, JS_NUM);
  assert_string_equal(n->str, "-12.50e1");
  assert_int_equal(n->line, 3);
  assert_int_equal(n->col, 8);
  int64_t x = 0;
  assert_int_equal(js_num_fixed(n, 0, &x), 0);
  assert_int_equal(x, -125);
  assert_int_equal(js_get(v, "t")->type, JS_BOOL);
  assert_int_equal(js_get(v, "t")->boolean, 1);
  assert_int_equal(js_get(v, "f")->boolean, 0);
  assert_int_equal(js_get(v, "z")->type, JS_NULL);
  const js_val *a = js_get(v, "a");
  assert_int_equal(a->type, JS_ARR);
  assert_int_equal(a->n, 3);
  assert_int_equal(a->items[1].type, JS_ARR);
  assert_int_equal(a->items[1].items[0].type, JS_NUM);
  assert_string_equal(js_get(&a->items[2], "x")->str, "y");
  assert_int_equal(a->items[2].line, 5);
  assert_int_equal(a->items[2].col, 17);
  assert_int_equal(js_get(v, "e")->n, 0);
  assert_null(js_get(v, "missing"));
  assert_null(js_get(a, "x"));
  assert_null(js_get(NULL, "x"));
  js_free(v);
  js_free(NULL);
}

/* A large object parses in linear time and a duplicate at its end is found. */
static void test_large_object(void **state) {
  (void)state;
  size_t n = 200000;
  size_t cap = n * 20 + 64;
  char *s = malloc(cap);
  size_t o = 0;
  s[o++] = '{';
  for (size_t i = 0; i < n; i++) o += (size_t)snprintf(s + o, cap - o, "\"k%zu\":%zu,", i, i);
  size_t dup_col = o + 1;
  o += (size_t)snprintf(s + o, cap - o, "\"k17\":0}");
  clock_t t0 = clock();
  char err[200];
  assert_null(js_parse(s, o, err, sizeof err));
  char want[100];
  snprintf(want, sizeof want, "line 1, column %zu: duplicate key \"k17\"", dup_col);
  assert_string_equal(err, want);
  s[dup_col] = 'x'; /* "x17" is new */
  js_val *v = parse_ok(s, o);
  assert_int_equal(v->n, n + 1);
  assert_string_equal(js_get(v, "k199999")->str, "199999");
  js_free(v);
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  assert_true(secs < 20.0);
  free(s);
}

static void test_type_names(void **state) {
  (void)state;
  assert_string_equal(js_type_name(JS_NULL), "null");
  assert_string_equal(js_type_name(JS_BOOL), "a boolean");
  assert_string_equal(js_type_name(JS_NUM), "a number");
  assert_string_equal(js_type_name(JS_STR), "a string");
  assert_string_equal(js_type_name(JS_ARR), "an array");
  assert_string_equal(js_type_name(JS_OBJ), "an object");
}

/* ---- js_num_fixed ------------------------------------------------------------------------ */

typedef struct {
  const char *lit;
  unsigned dec;
  int rc;
  int64_t want;
} fx_case;

static const fx_case fx_cases[] = {
    {"1.250", 3, 0, 1250},
    {"1.25", 3, 0, 1250},
    {"1.0005", 3, -1, 0},
    {"1.0000", 3, 0, 1000},
    {"2.5e-1", 3, 0, 250},
    {"0", 0, 0, 0},
    {"-0", 3, 0, 0},
    {"-0.000", 3, 0, 0},
    {"0.0000001", 0, -1, 0},
    {"0e999999999999999999999999", 0, 0, 0},
    {"0.0e-99999999999999999999", 3, 0, 0},
    {"1e-3", 3, 0, 1},
    {"1e-4", 3, -1, 0},
    {"10e-4", 3, 0, 1},
    {"10e-5", 3, -1, 0},
    {"100e-5", 3, 0, 1},
    {"0.1", 0, -1, 0},
    {"1.5e1", 0, 0, 15},
    {"1.5E+1", 0, 0, 15},
    {"123.4560000", 3, 0, 123456},
    {"0.000001", 6, 0, 1},
    {"4294.967295", 6, 0, 4294967295},
    {"4294967.295", 3, 0, 4294967295},
    {"4294967.2955", 3, -1, 0},
    {"5e12", 3, 0, 5000000000000000},
    {"210", 0, 0, 210},
    {"210.0", 0, 0, 210},
    {"210.5", 0, -1, 0},
    {"-1", 0, 0, -1},
    {"-1.5", 1, 0, -15},
    {"-0.5", 0, -1, 0},
    {"9223372036854775807", 0, 0, INT64_MAX},
    {"9223372036854775808", 0, -2, 0},
    {"-9223372036854775808", 0, 0, INT64_MIN},
    {"-9223372036854775809", 0, -2, 0},
    {"922337203685477580.7", 1, 0, INT64_MAX},
    {"922337203685477580.8", 1, -2, 0},
    {"9.223372036854775807e18", 0, 0, INT64_MAX},
    {"92233720368547758070e-1", 0, 0, INT64_MAX},
    {"0.00000000000000000000009223372036854775807e41", 0, 0, INT64_MAX},
    {"1e18", 0, 0, 1000000000000000000},
    {"1e19", 0, -2, 0},
    {"1", 18, 0, 1000000000000000000},
    {"1", 19, -2, 0},
    {"9999999999999999999", 0, -2, 0},
    {"12345678901234567890.5", 0, -2, 0},
    {"1e999999999999999999999", 0, -2, 0},
    {"-1e999999999999999999999", 0, -2, 0},
    {"1e-999999999999999999999", 0, -1, 0},
    {"1e-999999999999999999999", 4000000000u, -1, 0},
    {"1", 4000000000u, -2, 0},
    {"0", 4000000000u, 0, 0},
    {"000", 0, 0, 0}, /* not valid JSON, but js_num_fixed reads the digits it is given */
};

static void test_num_fixed(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof fx_cases / sizeof fx_cases[0]; i++) {
    const fx_case *c = &fx_cases[i];
    js_val v;
    memset(&v, 0, sizeof v);
    v.type = JS_NUM;
    v.str = (char *)c->lit;
    v.str_len = strlen(c->lit);
    int64_t out = 777;
    int rc = js_num_fixed(&v, c->dec, &out);
    if (rc != c->rc || (rc == 0 && out != c->want)) {
      fail_msg("case %zu %s dec %u: rc %d out %" PRId64 ", expected rc %d out %" PRId64, i,
               c->lit, c->dec, rc, out, c->rc, c->want);
    }
    if (rc != 0) assert_int_equal(out, 777); /* untouched on failure */
  }
  /* Through the parser, too. */
  js_val *v = parse_ok("[1.0005]", 8);
  int64_t out;
  assert_int_equal(js_num_fixed(&v->items[0], 3, &out), -1);
  assert_int_equal(js_num_fixed(&v->items[0], 4, &out), 0);
  assert_int_equal(out, 10005);
  assert_int_equal(js_num_fixed(v, 3, &out), -3); /* an array */
  js_free(v);
  js_val s;
  memset(&s, 0, sizeof s);
  s.type = JS_STR;
  s.str = (char *)"3";
  s.str_len = 1;
  assert_int_equal(js_num_fixed(&s, 0, &out), -3);
  assert_int_equal(js_num_fixed(NULL, 0, &out), -3);
  const char *bad[] = {"", "-", "1.", ".5", "1e", "1e+", "abc", "1x", "--1", "1..2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    js_val b;
    memset(&b, 0, sizeof b);
    b.type = JS_NUM;
    b.str = (char *)bad[i];
    b.str_len = strlen(bad[i]);
    if (js_num_fixed(&b, 0, &out) != -3) fail_msg("malformed literal [%s] accepted", bad[i]);
  }
}

/* jw_fixed -> reader -> js_num_fixed gives back the value exactly, in several spellings. */
static void test_num_fixed_property(void **state) {
  (void)state;
  uint64_t seed = seed_of("test_num_fixed_property");
  for (int iter = 0; iter < 20000; iter++) {
    int64_t v;
    switch (rnd_below(&seed, 4)) {
      case 0: v = (int64_t)rnd(&seed); break;
      case 1: v = (int64_t)rnd_below(&seed, 100000) - 50000; break;
      case 2: v = (int64_t)(rnd(&seed) >> rnd_below(&seed, 64)); break;
      default: v = rnd_below(&seed, 2) ? INT64_MAX - (int64_t)rnd_below(&seed, 3)
                                       : INT64_MIN + (int64_t)rnd_below(&seed, 3); break;
    }
    unsigned dec = (unsigned)rnd_below(&seed, 12);
    wbuf b;
    wb_open(&b);
    jw_arr(&b.w);
    jw_fixed(&b.w, v, dec);
    jw_arr_end(&b.w);
    jw_end(&b.w);
    size_t len;
    char *text = wb_take(&b, &len);
    js_val *doc = parse_ok(text, len);
    int64_t out = 0;
    int rc = js_num_fixed(&doc->items[0], dec, &out);
    if (rc != 0 || out != v) {
      fail_msg("seed=%llu iter %d: %" PRId64 " dec %u wrote %s, read rc %d %" PRId64,
               (unsigned long long)seed, iter, v, dec, text, rc, out);
    }
    /* Coarser unit: exact only when the trailing digits are zero. */
    if (dec > 0) {
      rc = js_num_fixed(&doc->items[0], dec - 1, &out);
      if (v % 10 == 0) {
        assert_int_equal(rc, 0);
        assert_true(out == v / 10);
      } else {
        assert_int_equal(rc, -1);
      }
    }
    /* The same value as integer digits and an exponent: "V e-dec". */
    char lit[64];
    snprintf(lit, sizeof lit, "%" PRId64 "e-%u", v, dec);
    js_val e;
    memset(&e, 0, sizeof e);
    e.type = JS_NUM;
    e.str = lit;
    e.str_len = strlen(lit);
    assert_int_equal(js_num_fixed(&e, dec, &out), 0);
    assert_true(out == v);
    js_free(doc);
    free(text);
  }
}

/* ---- writer --------------------------------------------------------------------------- */

static void test_writer_exact(void **state) {
  (void)state;
  wbuf b;
  wb_open(&b);
  jw_obj(&b.w);
  jw_key(&b.w, "a");
  jw_arr(&b.w);
  jw_int(&b.w, 1);
  jw_int(&b.w, -2);
  jw_obj(&b.w);
  jw_key(&b.w, "b");
  jw_null(&b.w);
  jw_key(&b.w, "c");
  jw_arr(&b.w);
  jw_arr_end(&b.w);
  jw_obj_end(&b.w);
  jw_arr_end(&b.w);
  jw_key(&b.w, "t");
  jw_bool(&b.w, 1);
  jw_key(&b.w, "f");
  jw_bool(&b.w, 0);
  jw_key(&b.w, "u");
  jw_uint(&b.w, UINT64_MAX);
  jw_key(&b.w, "i");
  jw_int(&b.w, INT64_MIN);
  jw_key(&b.w, "e");
  jw_obj(&b.w);
  jw_obj_end(&b.w);
  jw_obj_end(&b.w);
  jw_end(&b.w);
  char *s = wb_take(&b, NULL);
  assert_string_equal(s,
                      "{\"a\":[1,-2,{\"b\":null,\"c\":[]}],\"t\":true,\"f\":false,"
                      "\"u\":18446744073709551615,\"i\":-9223372036854775808,\"e\":{}}\n");
  free(s);

  /* Escaping: quote, backslash, control characters as \u00XX, invalid UTF-8 as U+FFFD,
   * valid UTF-8 and DEL as they are. */
  wb_open(&b);
  jw_str(&b.w, "q\"b\\s/\x01\n\t\x1F\x7F\xC3\xA9\xF0\x9F\x98\x80|\xFF|\xC3|\xED\xA0\x80");
  jw_end(&b.w);
  s = wb_take(&b, NULL);
  assert_string_equal(s,
                      "\"q\\\"b\\\\s/\\u0001\\u000a\\u0009\\u001f\x7F\xC3\xA9\xF0\x9F\x98\x80|"
                      "\\ufffd|\\ufffd|\\ufffd\\ufffd\\ufffd\"\n");
  js_val *v = parse_ok(s, strlen(s));
  assert_string_equal(v->str, "q\"b\\s/\x01\n\t\x1F\x7F\xC3\xA9\xF0\x9F\x98\x80|\xEF\xBF\xBD|"
                              "\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  js_free(v);
  free(s);
}

static void test_writer_numbers(void **state) {
  (void)state;
  static const struct {
    int64_t v;
    unsigned dec;
    const char *out;
  } fx[] = {
      {1250, 3, "1.25"},  {-5, 1, "-0.5"}, {0, 3, "0"},      {1000, 3, "1"},
      {10, 3, "0.01"},    {7, 0, "7"},     {123, 5, "0.00123"}, {-1000, 3, "-1"},
      {4294967295, 6, "4294.967295"},      {INT64_MIN, 0, "-9223372036854775808"},
      {INT64_MIN, 3, "-9223372036854775.808"}, {INT64_MAX, 19, "0.9223372036854775807"},
      {1, 25, "0.0000000000000000000000001"}, {500, 0, "500"},
  };
  for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
    wbuf b;
    wb_open(&b);
    jw_fixed(&b.w, fx[i].v, fx[i].dec);
    char *s = wb_take(&b, NULL);
    if (strcmp(s, fx[i].out) != 0) fail_msg("jw_fixed case %zu: %s, expected %s", i, s, fx[i].out);
    free(s);
  }
  static const struct {
    double v;
    int prec;
    const char *out;
  } dbl[] = {
      {1.5, 3, "1.5"},   {2.0, 0, "2"},     {-0.0001, 2, "0"}, {0.125, 2, "0.12"},
      {1e6, 2, "1000000"}, {-3.25, 4, "-3.25"}, {NAN, 2, "null"}, {INFINITY, 2, "null"},
      {-INFINITY, 1, "null"}, {0.1, 40, "0.10000000000000001"},
  };
  for (size_t i = 0; i < sizeof dbl / sizeof dbl[0]; i++) {
    wbuf b;
    wb_open(&b);
    jw_double(&b.w, dbl[i].v, dbl[i].prec);
    char *s = wb_take(&b, NULL);
    if (strcmp(s, dbl[i].out) != 0) {
      fail_msg("jw_double case %zu: %s, expected %s", i, s, dbl[i].out);
    }
    free(s);
  }
}

/* ---- round trip on random documents ----------------------------------------------------- */

enum { N_INT, N_UINT, N_FIXED, N_DOUBLE };

typedef struct gnode gnode;
struct gnode {
  js_type type;
  int b;
  int kind;
  int64_t i;
  uint64_t u;
  unsigned dec;
  double d;
  int prec;
  char *s;
  size_t n;
  gnode *kids;
  char **keys;
};

static void put_cp(char *o, size_t *len, uint32_t cp) {
  if (cp < 0x80) {
    o[(*len)++] = (char)cp;
  } else if (cp < 0x800) {
    o[(*len)++] = (char)(0xC0 | (cp >> 6));
    o[(*len)++] = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    o[(*len)++] = (char)(0xE0 | (cp >> 12));
    o[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[(*len)++] = (char)(0x80 | (cp & 0x3F));
  } else {
    o[(*len)++] = (char)(0xF0 | (cp >> 18));
    o[(*len)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[(*len)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[(*len)++] = (char)(0x80 | (cp & 0x3F));
  }
}

/* A random valid UTF-8 string without NUL: ASCII, controls, quotes, and code points up to
 * U+10FFFF (no surrogates). */
static char *gen_str(uint64_t *seed, const char *suffix) {
  size_t n = (size_t)rnd_below(seed, 12);
  char *s = malloc(n * 4 + 32);
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t cp;
    switch (rnd_below(seed, 6)) {
      case 0: cp = 1 + (uint32_t)rnd_below(seed, 0x1F); break;
      case 1: cp = rnd_below(seed, 2) ? '"' : '\\'; break;
      case 2: cp = 0x80 + (uint32_t)rnd_below(seed, 0x780); break;
      case 3:
        do cp = 0x800 + (uint32_t)rnd_below(seed, 0xF800);
        while (cp >= 0xD800 && cp <= 0xDFFF);
        break;
      case 4: cp = 0x10000 + (uint32_t)rnd_below(seed, 0x100000); break;
      default: cp = 0x20 + (uint32_t)rnd_below(seed, 0x60); break;
    }
    put_cp(s, &len, cp);
  }
  if (suffix) {
    memcpy(s + len, suffix, strlen(suffix));
    len += strlen(suffix);
  }
  s[len] = '\0';
  return s;
}

/* When set, gen() builds a chain of single-item containers down to JS_MAX_DEPTH. */
static int gen_chain;

static void gen(uint64_t *seed, gnode *g, int depth) {
  memset(g, 0, sizeof *g);
  int container_ok = depth < JS_MAX_DEPTH;
  uint64_t pick = rnd_below(seed, container_ok ? (depth < 6 ? 9 : 7) : 6);
  if (gen_chain && container_ok) {
    g->type = rnd_below(seed, 2) ? JS_ARR : JS_OBJ;
    g->n = 1;
    g->kids = calloc(1, sizeof *g->kids);
    if (g->type == JS_OBJ) {
      g->keys = calloc(1, sizeof *g->keys);
      g->keys[0] = gen_str(seed, "#0");
    }
    gen(seed, &g->kids[0], depth + 1);
    return;
  }
  switch (pick) {
    case 0: g->type = JS_NULL; break;
    case 1:
      g->type = JS_BOOL;
      g->b = (int)rnd_below(seed, 2);
      break;
    case 2:
    case 3:
      g->type = JS_NUM;
      g->kind = (int)rnd_below(seed, 4);
      g->i = (int64_t)rnd(seed) >> rnd_below(seed, 64);
      g->u = rnd(seed) >> rnd_below(seed, 64);
      g->dec = (unsigned)rnd_below(seed, 10);
      g->prec = (int)rnd_below(seed, 8);
      g->d = ((double)(int64_t)rnd(seed) / 9.2e18) * pow(10.0, (double)rnd_below(seed, 12));
      if (g->kind == N_DOUBLE && rnd_below(seed, 20) == 0) {
        g->d = NAN; /* written as null */
      }
      break;
    case 4:
    case 5:
      g->type = JS_STR;
      g->s = gen_str(seed, NULL);
      break;
    case 6: /* a long chain toward the depth limit now and then */
    case 7:
    case 8: {
      g->type = rnd_below(seed, 2) ? JS_ARR : JS_OBJ;
      g->n = (size_t)rnd_below(seed, pick == 6 ? 2 : 6);
      g->kids = calloc(g->n ? g->n : 1, sizeof *g->kids);
      if (g->type == JS_OBJ) g->keys = calloc(g->n ? g->n : 1, sizeof *g->keys);
      for (size_t k = 0; k < g->n; k++) {
        if (g->keys) {
          char suf[24];
          snprintf(suf, sizeof suf, "#%zu", k); /* keys unique within the object */
          g->keys[k] = gen_str(seed, suf);
        }
        gen(seed, &g->kids[k], depth + 1);
      }
      break;
    }
  }
}

static void gfree(gnode *g) {
  for (size_t k = 0; k < g->n; k++) {
    gfree(&g->kids[k]);
    if (g->keys) free(g->keys[k]);
  }
  free(g->kids);
  free(g->keys);
  free(g->s);
}

static void gwrite(js_w *w, const gnode *g) {
  switch (g->type) {
    case JS_NULL: jw_null(w); break;
    case JS_BOOL: jw_bool(w, g->b); break;
    case JS_STR: jw_str(w, g->s); break;
    case JS_NUM:
      switch (g->kind) {
        case N_INT: jw_int(w, g->i); break;
        case N_UINT: jw_uint(w, g->u); break;
        case N_FIXED: jw_fixed(w, g->i, g->dec); break;
        default: jw_double(w, g->d, g->prec); break;
      }
      break;
    case JS_ARR:
      jw_arr(w);
      for (size_t k = 0; k < g->n; k++) gwrite(w, &g->kids[k]);
      jw_arr_end(w);
      break;
    case JS_OBJ:
      jw_obj(w);
      for (size_t k = 0; k < g->n; k++) {
        jw_key(w, g->keys[k]);
        gwrite(w, &g->kids[k]);
      }
      jw_obj_end(w);
      break;
  }
}

static int gsame(const gnode *g, const js_val *v) {
  if (g->type == JS_NUM && g->kind == N_DOUBLE && isnan(g->d)) return v->type == JS_NULL;
  if (g->type != v->type) return 0;
  int64_t x;
  switch (g->type) {
    case JS_NULL: return 1;
    case JS_BOOL: return !g->b == !v->boolean;
    case JS_STR: return strlen(g->s) == v->str_len && memcmp(g->s, v->str, v->str_len) == 0;
    case JS_NUM:
      switch (g->kind) {
        case N_INT: return js_num_fixed(v, 0, &x) == 0 && x == g->i;
        case N_FIXED: return js_num_fixed(v, g->dec, &x) == 0 && x == g->i;
        case N_UINT: {
          char lit[32];
          snprintf(lit, sizeof lit, "%" PRIu64, g->u);
          return strcmp(lit, v->str) == 0;
        }
        default: {
          double d = strtod(v->str, NULL);
          return fabs(d - g->d) <= 0.51 * pow(10.0, -g->prec) + fabs(g->d) * 1e-15;
        }
      }
    case JS_ARR:
    case JS_OBJ:
      if (g->n != v->n) return 0;
      for (size_t k = 0; k < g->n; k++) {
        if (g->keys && strcmp(g->keys[k], v->keys[k]) != 0) return 0;
        if (!gsame(&g->kids[k], &v->items[k])) return 0;
        if (g->keys && js_get(v, g->keys[k]) != &v->items[k]) return 0;
      }
      return 1;
  }
  return 0;
}

static void test_roundtrip(void **state) {
  (void)state;
  uint64_t seed = seed_of("test_roundtrip");
  uint64_t start = seed;
  for (int iter = 0; iter < 3000; iter++) {
    gnode g;
    gen_chain = iter % 100 == 0; /* now and then a document exactly at the depth limit */
    gen(&seed, &g, 0);
    gen_chain = 0;
    wbuf b;
    wb_open(&b);
    gwrite(&b.w, &g);
    jw_end(&b.w);
    size_t len;
    char *text = wb_take(&b, &len);
    assert_true(len > 0 && text[len - 1] == '\n');
    char err[256];
    js_val *v = js_parse(text, len, err, sizeof err);
    if (!v) {
      fail_msg("seed=%llu iter %d: writer output refused: %s\n%s", (unsigned long long)start,
               iter, err, text);
    }
    if (!gsame(&g, v)) {
      fail_msg("seed=%llu iter %d: read back differs\n%s", (unsigned long long)start, iter,
               text);
    }
    js_free(v);
    free(text);
    gfree(&g);
  }
}

/* Corrupted documents fail with a one-line "line L, column C: ..." message, or parse;
 * never crash (ASan/UBSan). */
static void test_corruption(void **state) {
  (void)state;
  uint64_t seed = seed_of("test_corruption");
  uint64_t start = seed;
  static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnrl \n\t\x00\x01\x7F\x80\xC3\xED\xF4";
  for (int iter = 0; iter < 5000; iter++) {
    gnode g;
    gen(&seed, &g, 0);
    wbuf b;
    wb_open(&b);
    gwrite(&b.w, &g);
    jw_end(&b.w);
    size_t len;
    char *text = wb_take(&b, &len);
    gfree(&g);
    int edits = 1 + (int)rnd_below(&seed, 3);
    for (int e = 0; e < edits && len > 0; e++) {
      size_t at = (size_t)rnd_below(&seed, len);
      switch (rnd_below(&seed, 3)) {
        case 0: text[at] = alphabet[rnd_below(&seed, sizeof alphabet - 1)]; break;
        case 1: len = at; break; /* truncate */
        default: text[at] = (char)rnd(&seed); break;
      }
    }
    char err[256];
    js_val *v = js_parse(text, len, err, sizeof err);
    if (v) {
      js_free(v);
    } else {
      int l, c;
      if (sscanf(err, "line %d, column %d: ", &l, &c) != 2 || l < 1 || c < 1 ||
          strchr(err, '\n')) {
        fail_msg("seed=%llu iter %d: bad message [%s]", (unsigned long long)start, iter, err);
      }
    }
    free(text);
  }
}

/* ---- files ---------------------------------------------------------------------------- */

static char tmpdir[256];

static int setup_dir(void **state) {
  (void)state;
  const char *base = getenv("TMPDIR");
  snprintf(tmpdir, sizeof tmpdir, "%s/nmod-json-XXXXXX", base ? base : "/tmp");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state) {
  (void)state;
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static void test_read_file(void **state) {
  (void)state;
  char path[320], want[400], err[400];
  char *buf = (char *)0x1;
  size_t len = 99;

  snprintf(path, sizeof path, "%s/missing.json", tmpdir);
  assert_int_equal(js_read_file(path, 100, &buf, &len, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: No such file or directory", path);
  assert_string_equal(err, want);
  assert_null(buf);
  assert_int_equal(len, 0);

  assert_int_equal(js_read_file(tmpdir, 100, &buf, &len, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: is a directory", tmpdir);
  assert_string_equal(err, want);

  snprintf(path, sizeof path, "%s/empty.json", tmpdir);
  write_file(path, "", 0);
  assert_int_equal(js_read_file(path, 100, &buf, &len, err, sizeof err), 0);
  assert_int_equal(len, 0);
  assert_string_equal(buf, "");
  assert_null(js_parse(buf, len, err, sizeof err));
  assert_string_equal(err, "line 1, column 1: empty input: expected a JSON value");
  free(buf);

  snprintf(path, sizeof path, "%s/small.json", tmpdir);
  write_file(path, "{\"a\":1}", 7);
  assert_int_equal(js_read_file(path, 7, &buf, &len, err, sizeof err), 0); /* exactly at cap */
  assert_int_equal(len, 7);
  assert_string_equal(buf, "{\"a\":1}");
  free(buf);
  assert_int_equal(js_read_file(path, 6, &buf, &len, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: 7 bytes, more than the 6 allowed", path);
  assert_string_equal(err, want);

  /* 2 MiB against a 1 MiB cap: refused by its size. */
  snprintf(path, sizeof path, "%s/big.json", tmpdir);
  size_t big = 2u * 1024 * 1024;
  char *data = malloc(big);
  memset(data, ' ', big);
  data[0] = '[';
  data[big - 1] = ']';
  write_file(path, data, big);
  free(data);
  assert_int_equal(js_read_file(path, 1024 * 1024, &buf, &len, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: 2097152 bytes, more than the 1048576 allowed", path);
  assert_string_equal(err, want);
  assert_null(buf);

  /* A sparse 64 GiB file: the size is checked before anything is read or allocated. */
  snprintf(path, sizeof path, "%s/sparse.json", tmpdir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(fd >= 0);
  if (ftruncate(fd, (off_t)64 << 30) == 0) {
    close(fd);
    assert_int_equal(js_read_file(path, 1024 * 1024, &buf, &len, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: 68719476736 bytes, more than the 1048576 allowed", path);
    assert_string_equal(err, want);
  } else {
    close(fd);
  }

  /* A device of unknown size that never ends: reading stops after cap + 1 bytes. */
  if (access("/dev/zero", R_OK) == 0) {
    assert_int_equal(js_read_file("/dev/zero", 1000, &buf, &len, err, sizeof err), -1);
    assert_string_equal(err, "/dev/zero: more than the 1000 bytes allowed");
    assert_null(buf);
  }

  /* Bad arguments do not crash. */
  assert_int_equal(js_read_file(NULL, 10, &buf, &len, err, sizeof err), -1);
  assert_int_equal(js_read_file(path, 10, NULL, &len, NULL, 0), -1);
}

/* A file that grows between the size check and the read is still capped: a FIFO fed by a
 * child process stands in for it (fstat gives no size, the reader must count). */
static void test_read_fifo(void **state) {
  (void)state;
  char path[320], err[400];
  snprintf(path, sizeof path, "%s/fifo", tmpdir);
  if (mkfifo(path, 0600) != 0) skip();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    int fd = open(path, O_WRONLY);
    char chunk[4096];
    memset(chunk, ' ', sizeof chunk);
    for (int i = 0; i < 64 && fd >= 0; i++) {
      if (write(fd, chunk, sizeof chunk) < 0) break;
    }
    _exit(0);
  }
  char *buf = NULL;
  size_t len = 0;
  assert_int_equal(js_read_file(path, 10000, &buf, &len, err, sizeof err), -1);
  char want[400];
  snprintf(want, sizeof want, "%s: more than the 10000 bytes allowed", path);
  assert_string_equal(err, want);
  /* Reap the writer (it gets SIGPIPE or finishes). */
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
}

/* ---- message helpers ------------------------------------------------------------------- */

static void test_helpers(void **state) {
  (void)state;
  char b[64];
  assert_string_equal(js_path_key(b, sizeof b, "programs[1]", "width_us"),
                      "programs[1].width_us");
  assert_string_equal(js_path_key(b, sizeof b, "", "lead"), "lead");
  assert_string_equal(js_path_key(b, sizeof b, NULL, "lead"), "lead");
  assert_string_equal(js_path_key(b, sizeof b, "a", "E3"), "a.E3");
  assert_string_equal(js_path_key(b, sizeof b, "a", "x y"), "a[\"x y\"]");
  assert_string_equal(js_path_key(b, sizeof b, "a", ""), "a[\"\"]");
  assert_string_equal(js_path_key(b, sizeof b, "a", "3"), "a[\"3\"]");
  assert_string_equal(js_path_index(b, sizeof b, "programs", 7), "programs[7]");
  assert_string_equal(js_path_index(b, 6, "programs", 7), "progr");
  assert_string_equal(js_quote(b, sizeof b, "a\"b\n\xC3", 40), "\"a\\\"b\\x0A\\xC3\"");
  assert_string_equal(js_quote(b, sizeof b, "abcdefgh", 3), "\"abc...\"");
  assert_string_equal(js_quote(b, 12, "abcdefghijkl", 40), "\"abcdef...\"");
  const char *doc = "[210.5, \"x\", true, false, null, [], {}, "
                    "12345678901234567890123456789012345678901234567890]";
  js_val *v = parse_ok(doc, strlen(doc));
  const char *want[] = {"210.5", "a string", "true", "false", "null", "an array", "an object",
                        "12345678901234567890123456789012..."};
  for (size_t i = 0; i < v->n; i++) {
    assert_string_equal(js_describe(&v->items[i], b, sizeof b), want[i]);
  }
  js_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_error_buffer),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_large_object),
      cmocka_unit_test(test_type_names),
      cmocka_unit_test(test_num_fixed),
      cmocka_unit_test(test_num_fixed_property),
      cmocka_unit_test(test_writer_exact),
      cmocka_unit_test(test_writer_numbers),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_corruption),
      cmocka_unit_test(test_read_file),
      cmocka_unit_test(test_read_fifo),
      cmocka_unit_test(test_helpers),
  };
  return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
