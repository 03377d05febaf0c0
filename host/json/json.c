/* json.c: a strict RFC 8259 reader (DOM) and a small writer for the host tools.
 *
 * The reader is a recursive descent over bytes, bounded in every dimension the input
 * controls: the caller caps the size, nesting stops at JS_MAX_DEPTH (so recursion is
 * bounded too), duplicate keys are found with a per-object hash set (no quadratic time
 * on a large object). The first error stops the parse and is reported as
 * "line L, column C: what is wrong", columns counted in characters (UTF-8 code points).
 *
 * Stricter than some readers, on purpose (these files program a stimulator):
 *   - invalid UTF-8 anywhere, a byte order mark, raw NUL or control characters in strings,
 *     and the escape \u0000 are refused (strings are handed on as C strings, and a NUL
 *     inside one would silently cut it);
 *   - a lone or misordered surrogate escape is refused;
 *   - numbers follow the grammar exactly (no "+1", ".5", "01", "1.", NaN, Infinity).
 */
#define _POSIX_C_SOURCE 200809L
#include "json.h"

#include "hu_dec.h"
#include "hu_fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------------------- */

static void put_err(char *err, size_t errcap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put_err(char *err, size_t errcap, const char *fmt, ...) {
  if (!err || errcap == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errcap, fmt, ap);
  va_end(ap);
}

const char *js_quote(char *buf, size_t cap, const char *s, size_t max_chars) {
  if (!buf || cap == 0) return "";
  size_t o = 0;
  size_t shown = 0;
  /* Room for the closing quote, "..." and the NUL is kept in reserve. */
  if (cap < 8) {
    buf[0] = '\0';
    return buf;
  }
  buf[o++] = '"';
  for (size_t i = 0; s && s[i] != '\0'; i++) {
    unsigned char c = (unsigned char)s[i];
    char piece[8];
    if (c == '"' || c == '\\') {
      piece[0] = '\\';
      piece[1] = (char)c;
      piece[2] = '\0';
    } else if (c >= 0x20 && c < 0x7F) {
      piece[0] = (char)c;
      piece[1] = '\0';
    } else {
      snprintf(piece, sizeof piece, "\\x%02X", c);
    }
    size_t pl = strlen(piece);
    if (shown >= max_chars || o + pl + 5 > cap) {
      memcpy(buf + o, "...", 3);
      o += 3;
      break;
    }
    memcpy(buf + o, piece, pl);
    o += pl;
    shown++;
  }
  buf[o++] = '"';
  buf[o] = '\0';
  return buf;
}

const char *js_describe(const js_val *v, char *buf, size_t cap) {
  if (!buf || cap == 0) return "";
  if (!v) {
    snprintf(buf, cap, "nothing");
    return buf;
  }
  switch (v->type) {
    case JS_NUM: {
      /* The literal as written, cut so that a 1 MiB number keeps the message one line. */
      const size_t max = 32;
      if (v->str_len > max) {
        snprintf(buf, cap, "%.*s...", (int)max, v->str ? v->str : "");
      } else {
        snprintf(buf, cap, "%s", v->str ? v->str : "");
      }
      return buf;
    }
    case JS_BOOL:
      snprintf(buf, cap, "%s", v->boolean ? "true" : "false");
      return buf;
    case JS_NULL:
      snprintf(buf, cap, "null");
      return buf;
    default:
      snprintf(buf, cap, "%s", js_type_name(v->type));
      return buf;
  }
}

static int is_ident(const char *k) {
  if (!k || !((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_')) {
    return 0;
  }
  for (size_t i = 1; k[i]; i++) {
    char c = k[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '_' || c == '-')) {
      return 0;
    }
  }
  return 1;
}

const char *js_path_key(char *buf, size_t cap, const char *base, const char *key) {
  if (!buf || cap == 0) return "";
  const char *b = base ? base : "";
  if (is_ident(key)) {
    snprintf(buf, cap, "%s%s%s", b, b[0] ? "." : "", key);
  } else {
    char q[80];
    js_quote(q, sizeof q, key, 32);
    snprintf(buf, cap, "%s[%s]", b, q);
  }
  return buf;
}

const char *js_path_index(char *buf, size_t cap, const char *base, size_t i) {
  if (!buf || cap == 0) return "";
  snprintf(buf, cap, "%s[%zu]", base ? base : "", i);
  return buf;
}

const char *js_type_name(js_type t) {
  switch (t) {
    case JS_NULL: return "null";
    case JS_BOOL: return "a boolean";
    case JS_NUM: return "a number";
    case JS_STR: return "a string";
    case JS_ARR: return "an array";
    case JS_OBJ: return "an object";
  }
  return "an unknown value";
}

/* ---------------------------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------------------------- */

typedef struct {
  const unsigned char *s;
  size_t len, pos;
  int line, col; /* of s[pos], 1-based; col counts code points */
  char *err;
  size_t errcap;
  int failed;
} parser;

static void fail_at(parser *p, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void fail_at(parser *p, int line, int col, const char *fmt, ...) {
  if (p->failed) return;
  p->failed = 1;
  if (!p->err || p->errcap == 0) return;
  int n = snprintf(p->err, p->errcap, "line %d, column %d: ", line, col);
  if (n < 0 || (size_t)n >= p->errcap) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err + n, p->errcap - (size_t)n, fmt, ap);
  va_end(ap);
}

/* A byte that is not allowed where it stands, for a message. */
static const char *byte_desc(unsigned char c, char *buf, size_t cap) {
  if (c == 0) {
    snprintf(buf, cap, "a NUL byte");
  } else if (c < 0x20 || c == 0x7F) {
    snprintf(buf, cap, "control character 0x%02X", c);
  } else if (c >= 0x80) {
    snprintf(buf, cap, "byte 0x%02X", c);
  } else {
    snprintf(buf, cap, "'%c'", c);
  }
  return buf;
}

/* Step over one ASCII byte. */
static void adv(parser *p) {
  if (p->s[p->pos] == '\n') {
    p->line++;
    p->col = 1;
  } else {
    p->col++;
  }
  p->pos++;
}

static void skip_ws(parser *p) {
  while (p->pos < p->len) {
    unsigned char c = p->s[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    adv(p);
  }
}

static int peek(const parser *p) { return p->pos < p->len ? p->s[p->pos] : -1; }

static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* Length of the valid UTF-8 sequence at s[0..n) (2..4), or 0 when it is not valid:
 * overlong forms, surrogates and code points above U+10FFFF are refused. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t k;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    k = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    k = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    k = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n < k) return 0;
  if (s[1] < lo || s[1] > hi) return 0;
  for (size_t i = 2; i < k; i++) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return k;
}

static size_t utf8_put(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int hex4(const parser *p, size_t at, uint32_t *out) {
  if (at + 4 > p->len) return -1;
  uint32_t v = 0;
  for (size_t i = 0; i < 4; i++) {
    unsigned char c = p->s[at + i];
    uint32_t d;
    if (c >= '0' && c <= '9') {
      d = (uint32_t)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = (uint32_t)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = (uint32_t)(c - 'A' + 10);
    } else {
      return -1;
    }
    v = v * 16u + d;
  }
  *out = v;
  return 0;
}

/* Parse a string at p->pos (a '"'). On success *out is a heap copy (decoded, NUL-
 * terminated) of *out_len bytes. */
static int parse_string(parser *p, char **out, size_t *out_len) {
  int line0 = p->line, col0 = p->col;
  adv(p); /* the opening quote */
  /* Decoding never makes a string longer: bound the buffer by the raw span. */
  size_t span = 0;
  for (size_t i = p->pos; i < p->len && p->s[i] != '"'; i++) {
    if (p->s[i] == '\\') i++;
    span = i + 1 - p->pos;
  }
  char *buf = malloc(span + 1);
  if (!buf) {
    fail_at(p, line0, col0, "out of memory");
    return -1;
  }
  size_t o = 0;
  for (;;) {
    if (p->pos >= p->len) {
      fail_at(p, line0, col0, "unterminated string (no closing '\"' before the end)");
      goto bad;
    }
    unsigned char c = p->s[p->pos];
    if (c == '"') {
      adv(p);
      break;
    }
    if (c == '\\') {
      int l = p->line, cl = p->col;
      if (p->pos + 1 >= p->len) {
        fail_at(p, line0, col0, "unterminated string (no closing '\"' before the end)");
        goto bad;
      }
      unsigned char e = p->s[p->pos + 1];
      char simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: {
          char d[32];
          fail_at(p, l, cl, "invalid escape: '\\' followed by %s", byte_desc(e, d, sizeof d));
          goto bad;
        }
      }
      if (simple) {
        buf[o++] = simple;
        adv(p);
        adv(p);
        continue;
      }
      uint32_t cp;
      if (hex4(p, p->pos + 2, &cp) != 0) {
        fail_at(p, l, cl, "invalid \\u escape: expected 4 hex digits");
        goto bad;
      }
      size_t used = 6;
      if (cp == 0) {
        fail_at(p, l, cl, "\\u0000 is not allowed (strings may not contain NUL)");
        goto bad;
      }
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        fail_at(p, l, cl, "unpaired surrogate \\u%04X (a low surrogate must follow a high one)",
                cp);
        goto bad;
      }
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (p->pos + 7 < p->len && p->s[p->pos + 6] == '\\' && p->s[p->pos + 7] == 'u' &&
            hex4(p, p->pos + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000u + ((cp - 0xD800u) << 10) + (lo - 0xDC00u);
          used = 12;
        } else {
          fail_at(p, l, cl,
                  "unpaired surrogate \\u%04X (a high surrogate must be followed by a "
                  "\\uDC00-\\uDFFF escape)",
                  cp);
          goto bad;
        }
      }
      o += utf8_put(buf + o, cp);
      for (size_t i = 0; i < used; i++) adv(p);
      continue;
    }
    if (c < 0x20) {
      if (c == 0) {
        fail_at(p, p->line, p->col, "NUL byte in a string");
      } else {
        fail_at(p, p->line, p->col,
                "control character 0x%02X in a string (write it as an escape, e.g. \\u%04X)", c,
                c);
      }
      goto bad;
    }
    if (c < 0x80) {
      buf[o++] = (char)c;
      adv(p);
      continue;
    }
    size_t k = utf8_seq(p->s + p->pos, p->len - p->pos);
    if (k == 0) {
      fail_at(p, p->line, p->col, "invalid UTF-8 in a string (byte 0x%02X)", c);
      goto bad;
    }
    memcpy(buf + o, p->s + p->pos, k);
    o += k;
    p->pos += k;
    p->col++;
  }
  buf[o] = '\0';
  *out = buf;
  *out_len = o;
  return 0;
bad:
  free(buf);
  return -1;
}

static int parse_number(parser *p, js_val *v) {
  size_t start = p->pos;
  int line0 = p->line, col0 = p->col;
  if (peek(p) == '-') adv(p);
  if (!is_digit(peek(p))) {
    char d[32];
    if (p->pos >= p->len) {
      fail_at(p, p->line, p->col, "expected a digit after '-', got the end of the input");
    } else {
      fail_at(p, p->line, p->col, "expected a digit after '-', got %s",
              byte_desc(p->s[p->pos], d, sizeof d));
    }
    return -1;
  }
  if (peek(p) == '0') {
    adv(p);
    if (is_digit(peek(p))) {
      fail_at(p, line0, col0, "leading zeros are not allowed in numbers");
      return -1;
    }
  } else {
    while (is_digit(peek(p))) adv(p);
  }
  if (peek(p) == '.') {
    adv(p);
    if (!is_digit(peek(p))) {
      fail_at(p, p->line, p->col, "expected a digit after the decimal point");
      return -1;
    }
    while (is_digit(peek(p))) adv(p);
  }
  if (peek(p) == 'e' || peek(p) == 'E') {
    adv(p);
    if (peek(p) == '+' || peek(p) == '-') adv(p);
    if (!is_digit(peek(p))) {
      fail_at(p, p->line, p->col, "expected a digit in the exponent");
      return -1;
    }
    while (is_digit(peek(p))) adv(p);
  }
  int c = peek(p);
  if (c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E' ||
      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
    fail_at(p, p->line, p->col, "unexpected '%c' in a number", c);
    return -1;
  }
  size_t n = p->pos - start;
  v->str = malloc(n + 1);
  if (!v->str) {
    fail_at(p, line0, col0, "out of memory");
    return -1;
  }
  memcpy(v->str, p->s + start, n);
  v->str[n] = '\0';
  v->str_len = n;
  v->type = JS_NUM;
  return 0;
}

static void free_val(js_val *v);

/* Open-addressing set of member indices for duplicate detection. */
typedef struct {
  size_t *slot; /* index + 1, 0 = empty */
  size_t cap;   /* power of two */
} keyset;

static uint64_t hash_key(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)k[i];
    h *= 1099511628211ull;
  }
  return h;
}

/* Insert member i (key keys[i]); 1 when the key is already there, -1 on no memory. */
static int keyset_add(keyset *ks, char **keys, const size_t *klen, size_t i, size_t n_used) {
  if ((n_used + 1) * 2 > ks->cap) {
    size_t ncap = ks->cap ? ks->cap * 2 : 16;
    size_t *ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t j = 0; j < ks->cap; j++) {
      if (!ks->slot[j]) continue;
      size_t m = ks->slot[j] - 1;
      size_t h = (size_t)hash_key(keys[m], klen[m]) & (ncap - 1);
      while (ns[h]) h = (h + 1) & (ncap - 1);
      ns[h] = ks->slot[j];
    }
    free(ks->slot);
    ks->slot = ns;
    ks->cap = ncap;
  }
  size_t h = (size_t)hash_key(keys[i], klen[i]) & (ks->cap - 1);
  while (ks->slot[h]) {
    size_t m = ks->slot[h] - 1;
    if (klen[m] == klen[i] && memcmp(keys[m], keys[i], klen[i]) == 0) return 1;
    h = (h + 1) & (ks->cap - 1);
  }
  ks->slot[h] = i + 1;
  return 0;
}

static int parse_value(parser *p, js_val *v, int depth);

/* Make room for one more item in a container of v->n items with capacity *cap. */
static int grow(parser *p, js_val *v, size_t *cap, int with_keys, size_t **klen) {
  if (v->n < *cap) return 0;
  size_t ncap = *cap ? *cap * 2 : 4;
  js_val *ni = realloc(v->items, ncap * sizeof *ni);
  if (!ni) goto oom;
  v->items = ni;
  if (with_keys) {
    char **nk = realloc(v->keys, ncap * sizeof *nk);
    if (!nk) goto oom;
    v->keys = nk;
    size_t *nl = realloc(*klen, ncap * sizeof *nl);
    if (!nl) goto oom;
    *klen = nl;
  }
  *cap = ncap;
  return 0;
oom:
  fail_at(p, p->line, p->col, "out of memory");
  return -1;
}

/* Past a container's opening bracket: 1 if it closes at once (empty), else 0. */
static int open_container(parser *p, int close) {
  adv(p);
  skip_ws(p);
  if (peek(p) != close) return 0;
  adv(p);
  return 1;
}

/* After an element of a container: 0 at ',' (another follows), 1 at its close, -1 with the
 * error set otherwise; `what` names the element ("an element", "a member"). */
static int after_item(parser *p, int close, const char *what) {
  skip_ws(p);
  int c = peek(p);
  if (c == ',' || c == close) {
    adv(p);
    return c == close;
  }
  if (c < 0) {
    fail_at(p, p->line, p->col, "unexpected end of input: expected ',' or '%c' after %s", close, what);
  } else {
    char d[32];
    fail_at(p, p->line, p->col, "expected ',' or '%c' after %s, got %s", close, what,
            byte_desc((unsigned char)c, d, sizeof d));
  }
  return -1;
}

static int parse_array(parser *p, js_val *v, int depth) {
  v->type = JS_ARR;
  size_t cap = 0;
  if (open_container(p, ']')) return 0;
  for (;;) {
    skip_ws(p);
    if (peek(p) == ']') {
      fail_at(p, p->line, p->col, "trailing comma before ']'");
      return -1;
    }
    if (grow(p, v, &cap, 0, NULL) != 0) return -1;
    js_val *it = &v->items[v->n];
    memset(it, 0, sizeof *it);
    v->n++;
    if (parse_value(p, it, depth + 1) != 0) return -1;
    int end = after_item(p, ']', "an element");
    if (end != 0) return end > 0 ? 0 : -1;
  }
}

static int parse_object(parser *p, js_val *v, int depth) {
  v->type = JS_OBJ;
  size_t cap = 0;
  size_t *klen = NULL;
  keyset ks = {NULL, 0};
  int rc = -1;
  if (open_container(p, '}')) return 0;
  for (;;) {
    skip_ws(p);
    int c = peek(p);
    if (c != '"') {
      char d[32];
      if (c == '}') {
        fail_at(p, p->line, p->col, "trailing comma before '}'");
      } else if (c < 0) {
        fail_at(p, p->line, p->col, "unexpected end of input: expected a member name");
      } else if (c == '\'') {
        fail_at(p, p->line, p->col, "member names use double quotes, not '");
      } else {
        fail_at(p, p->line, p->col, "expected a member name in double quotes, got %s",
                byte_desc((unsigned char)c, d, sizeof d));
      }
      goto out;
    }
    if (grow(p, v, &cap, 1, &klen) != 0) goto out;
    int kl = p->line, kc = p->col;
    char *key = NULL;
    size_t key_len = 0;
    if (parse_string(p, &key, &key_len) != 0) goto out;
    size_t i = v->n;
    v->keys[i] = key;
    klen[i] = key_len;
    memset(&v->items[i], 0, sizeof v->items[i]);
    v->n++; /* owned from here on, freed with v on error */
    int dup = keyset_add(&ks, v->keys, klen, i, i);
    if (dup < 0) {
      fail_at(p, kl, kc, "out of memory");
      goto out;
    }
    if (dup) {
      char q[96];
      fail_at(p, kl, kc, "duplicate key %s", js_quote(q, sizeof q, key, 40));
      goto out;
    }
    skip_ws(p);
    if (peek(p) != ':') {
      if (peek(p) < 0) {
        fail_at(p, p->line, p->col, "unexpected end of input: expected ':' after the member name");
      } else {
        char d[32];
        fail_at(p, p->line, p->col, "expected ':' after the member name, got %s",
                byte_desc(p->s[p->pos], d, sizeof d));
      }
      goto out;
    }
    adv(p);
    if (parse_value(p, &v->items[i], depth + 1) != 0) goto out;
    int end = after_item(p, '}', "a member");
    if (end == 0) continue;
    if (end > 0) rc = 0;
    goto out;
  }
out:
  free(klen);
  free(ks.slot);
  return rc;
}

static int parse_literal(parser *p, js_val *v) {
  static const struct {
    const char *word;
    js_type type;
    int b;
  } lit[] = {{"true", JS_BOOL, 1}, {"false", JS_BOOL, 0}, {"null", JS_NULL, 0}};
  for (size_t i = 0; i < sizeof lit / sizeof lit[0]; i++) {
    size_t n = strlen(lit[i].word);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, lit[i].word, n) == 0) {
      size_t after = p->pos + n;
      if (after < p->len) {
        unsigned char c = p->s[after];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_') {
          break;
        }
      }
      for (size_t k = 0; k < n; k++) adv(p);
      v->type = lit[i].type;
      v->boolean = lit[i].b;
      return 0;
    }
  }
  fail_at(p, p->line, p->col, "invalid literal: expected true, false or null");
  return -1;
}

static int parse_value(parser *p, js_val *v, int depth) {
  skip_ws(p);
  v->line = p->line;
  v->col = p->col;
  int c = peek(p);
  if (c < 0) {
    if (depth == 0) {
      fail_at(p, p->line, p->col, "empty input: expected a JSON value");
    } else {
      fail_at(p, p->line, p->col, "unexpected end of input: expected a value");
    }
    return -1;
  }
  switch (c) {
    case '{':
    case '[':
      if (depth + 1 > JS_MAX_DEPTH) {
        fail_at(p, p->line, p->col, "nesting deeper than %d levels", JS_MAX_DEPTH);
        return -1;
      }
      return c == '{' ? parse_object(p, v, depth) : parse_array(p, v, depth);
    case '"': {
      char *s = NULL;
      size_t n = 0;
      if (parse_string(p, &s, &n) != 0) return -1;
      v->type = JS_STR;
      v->str = s;
      v->str_len = n;
      return 0;
    }
    case 't':
    case 'f':
    case 'n':
      return parse_literal(p, v);
    default:
      break;
  }
  if (c == '-' || is_digit(c)) return parse_number(p, v);
  const char *hint = "";
  switch (c) {
    case '+': hint = " (a number may not start with '+')"; break;
    case '.': hint = " (a number needs a digit before the point: 0.5)"; break;
    case 'N':
    case 'I': hint = " (NaN and Infinity are not JSON numbers)"; break;
    case '\'': hint = " (strings use double quotes)"; break;
    case '/': hint = " (JSON has no comments)"; break;
    case ']':
    case '}':
    case ',': hint = " (a value is missing)"; break;
    default: break;
  }
  char d[32];
  fail_at(p, p->line, p->col, "expected a value, got %s%s", byte_desc((unsigned char)c, d, sizeof d),
          hint);
  return -1;
}

static void free_val(js_val *v) {
  if (!v) return;
  if (v->type == JS_ARR || v->type == JS_OBJ) {
    for (size_t i = 0; i < v->n; i++) {
      free_val(&v->items[i]);
      if (v->keys) free(v->keys[i]);
    }
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  v->items = NULL;
  v->keys = NULL;
  v->str = NULL;
  v->n = 0;
}

js_val *js_parse(const char *text, size_t len, char *err, size_t errcap) {
  if (err && errcap) err[0] = '\0';
  parser p = {(const unsigned char *)(text ? text : ""), text ? len : 0, 0, 1, 1, err, errcap, 0};
  if (p.len >= 3 && p.s[0] == 0xEF && p.s[1] == 0xBB && p.s[2] == 0xBF) {
    fail_at(&p, 1, 1, "byte order mark (U+FEFF) not allowed; save the file as UTF-8 without it");
    return NULL;
  }
  js_val *root = calloc(1, sizeof *root);
  if (!root) {
    put_err(err, errcap, "out of memory");
    return NULL;
  }
  if (parse_value(&p, root, 0) != 0) goto bad;
  skip_ws(&p);
  if (p.pos < p.len) {
    char d[32];
    fail_at(&p, p.line, p.col, "unexpected %s after the JSON value (trailing characters)",
            byte_desc(p.s[p.pos], d, sizeof d));
    goto bad;
  }
  return root;
bad:
  js_free(root);
  return NULL;
}

void js_free(js_val *v) {
  if (!v) return;
  free_val(v);
  free(v);
}

const js_val *js_get(const js_val *obj, const char *key) {
  if (!obj || obj->type != JS_OBJ || !key) return NULL;
  for (size_t i = 0; i < obj->n; i++) {
    if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
  }
  return NULL;
}

/* ---------------------------------------------------------------------------------------
 * Exact decimal conversion
 * ------------------------------------------------------------------------------------- */

int js_num_fixed(const js_val *v, unsigned decimals, int64_t *out) {
  if (!v || v->type != JS_NUM || !v->str || !out) return -3;
  /* The one decimal parser (hu_dec.h), with the sign and exponent of JSON's grammar. */
  int rc = hu_dec_parse(v->str, v->str_len, decimals, HU_DEC_SIGN | HU_DEC_EXP, out);
  return rc == 0 ? 0 : rc == HU_DEC_EFINE ? -1 : rc == HU_DEC_ERANGE ? -2 : -3;
}

/* ---------------------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------------------- */

int js_read_file(const char *path, size_t max_bytes, char **out, size_t *len, char *err,
                 size_t errcap) {
  if (out) *out = NULL;
  if (len) *len = 0;
  if (!path || !out || !len) {
    put_err(err, errcap, "%s: invalid argument", path ? path : "(null)");
    return -1;
  }
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    put_err(err, errcap, "%s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    put_err(err, errcap, "%s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  if (S_ISDIR(st.st_mode)) {
    put_err(err, errcap, "%s: is a directory", path);
    close(fd);
    return -1;
  }
  /* The size check comes before any read: a huge file is refused without reading it. */
  if (S_ISREG(st.st_mode) && (uintmax_t)st.st_size > (uintmax_t)max_bytes) {
    put_err(err, errcap, "%s: %jd bytes, more than the %zu allowed", path, (intmax_t)st.st_size,
            max_bytes);
    close(fd);
    return -1;
  }
  /* Read at most max_bytes + 1 so that a file that grew since fstat (or a pipe or device,
   * whose size fstat does not know) is still caught without unbounded reads. */
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
  if (cap > max_bytes + 1) cap = max_bytes + 1;
  char *buf = malloc(cap + 1);
  if (!buf) {
    put_err(err, errcap, "%s: out of memory", path);
    close(fd);
    return -1;
  }
  size_t got = 0;
  for (;;) {
    if (got == cap) {
      if (cap >= max_bytes + 1) break;
      size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
      char *nb = realloc(buf, ncap + 1);
      if (!nb) {
        put_err(err, errcap, "%s: out of memory", path);
        free(buf);
        close(fd);
        return -1;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + got, cap - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      put_err(err, errcap, "%s: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return -1;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (got > max_bytes) {
    put_err(err, errcap, "%s: more than the %zu bytes allowed", path, max_bytes);
    free(buf);
    return -1;
  }
  buf[got] = '\0';
  *out = buf;
  *len = got;
  return 0;
}

/* ---------------------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------------------- */

/* need_comma is indexed by depth; nesting deeper than JS_MAX_DEPTH is a caller bug, and
 * clamping keeps it from writing out of bounds. */
static int wd(const js_w *w) {
  if (w->depth < 0) return 0;
  return w->depth > JS_MAX_DEPTH ? JS_MAX_DEPTH : w->depth;
}

static void jw_pre(js_w *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  int d = wd(w);
  if (w->need_comma[d]) fputc(',', w->f);
  w->need_comma[d] = 1;
}

void jw_init(js_w *w, FILE *f) {
  memset(w, 0, sizeof *w);
  w->f = f;
}

static void jw_open(js_w *w, int ch) {
  jw_pre(w);
  fputc(ch, w->f);
  w->depth++;
  w->need_comma[wd(w)] = 0;
}

static void jw_close(js_w *w, int ch) {
  fputc(ch, w->f);
  if (w->depth > 0) w->depth--;
}

void jw_obj(js_w *w) { jw_open(w, '{'); }
void jw_obj_end(js_w *w) { jw_close(w, '}'); }
void jw_arr(js_w *w) { jw_open(w, '['); }
void jw_arr_end(js_w *w) { jw_close(w, ']'); }

/* A string, escaped. Invalid UTF-8 becomes U+FFFD so the output is always valid JSON. */
static void put_str(FILE *f, const char *s) {
  const unsigned char *u = (const unsigned char *)(s ? s : "");
  size_t n = strlen((const char *)u);
  fputc('"', f);
  for (size_t i = 0; i < n;) {
    unsigned char c = u[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
      i++;
    } else if (c < 0x20) {
      fprintf(f, "\\u%04x", c);
      i++;
    } else if (c < 0x80) {
      fputc(c, f);
      i++;
    } else {
      size_t k = utf8_seq(u + i, n - i);
      if (k == 0) {
        fputs("\\ufffd", f);
        i++;
      } else {
        fwrite(u + i, 1, k, f);
        i += k;
      }
    }
  }
  fputc('"', f);
}

void jw_key(js_w *w, const char *k) {
  jw_pre(w);
  put_str(w->f, k);
  fputc(':', w->f);
  w->after_key = 1;
}

void jw_str(js_w *w, const char *s) {
  jw_pre(w);
  put_str(w->f, s);
}

void jw_int(js_w *w, int64_t v) {
  jw_pre(w);
  fprintf(w->f, "%" PRId64, v);
}

void jw_uint(js_w *w, uint64_t v) {
  jw_pre(w);
  fprintf(w->f, "%" PRIu64, v);
}

void jw_fixed(js_w *w, int64_t v, unsigned decimals) {
  jw_pre(w);
  /* The one formatter (hu_fmt.h); more decimals than the stack buffer holds are allowed, so
   * a value is never written cut. */
  char small[64];
  size_t need = hu_fmt_fixed_n(small, sizeof small, v, decimals, 0);
  if (need < sizeof small) {
    fputs(small, w->f);
    return;
  }
  char *big = malloc(need + 1);
  if (!big) {
    fputs("null", w->f); /* out of memory: a valid document rather than a wrong number */
    return;
  }
  hu_fmt_fixed_n(big, need + 1, v, decimals, 0);
  fputs(big, w->f);
  free(big);
}

void jw_double(js_w *w, double v, int prec) {
  jw_pre(w);
  if (!isfinite(v)) {
    fputs("null", w->f); /* JSON has no NaN or Infinity */
    return;
  }
  if (prec < 0) prec = 0;
  if (prec > 17) prec = 17;
  char buf[400];
  snprintf(buf, sizeof buf, "%.*f", prec, v);
  for (char *c = buf; *c; c++) {
    if (*c == ',') *c = '.'; /* a locale with a decimal comma */
  }
  char *dot = strchr(buf, '.');
  if (dot) {
    char *end = buf + strlen(buf);
    while (end > dot + 1 && end[-1] == '0') *--end = '\0';
    if (end == dot + 1) *dot = '\0';
  }
  if (strcmp(buf, "-0") == 0) {
    fputc('0', w->f);
  } else {
    fputs(buf, w->f);
  }
}

void jw_bool(js_w *w, int b) {
  jw_pre(w);
  fputs(b ? "true" : "false", w->f);
}

void jw_null(js_w *w) {
  jw_pre(w);
  fputs("null", w->f);
}

void jw_end(js_w *w) {
  fputc('\n', w->f);
  w->depth = 0;
  w->after_key = 0;
  memset(w->need_comma, 0, sizeof w->need_comma);
}

/* ---- key/value pairs ---------------------------------------------------------------- */

void jw_kv_str(js_w *w, const char *k, const char *s) {
  jw_key(w, k);
  jw_str(w, s);
}

void jw_kv_int(js_w *w, const char *k, int64_t v) {
  jw_key(w, k);
  jw_int(w, v);
}

void jw_kv_uint(js_w *w, const char *k, uint64_t v) {
  jw_key(w, k);
  jw_uint(w, v);
}

void jw_kv_fixed(js_w *w, const char *k, int64_t v, unsigned decimals) {
  jw_key(w, k);
  jw_fixed(w, v, decimals);
}

void jw_kv_double(js_w *w, const char *k, double v, int prec) {
  jw_key(w, k);
  jw_double(w, v, prec);
}

void jw_kv_bool(js_w *w, const char *k, int b) {
  jw_key(w, k);
  jw_bool(w, b);
}

void jw_kv_null(js_w *w, const char *k) {
  jw_key(w, k);
  jw_null(w);
}

void jw_kv_int_opt(js_w *w, const char *k, int have, int64_t v) {
  if (have) jw_kv_int(w, k, v);
  else jw_kv_null(w, k);
}

void jw_kv_uint_opt(js_w *w, const char *k, int have, uint64_t v) {
  if (have) jw_kv_uint(w, k, v);
  else jw_kv_null(w, k);
}

void jw_kv_fixed_opt(js_w *w, const char *k, int have, int64_t v, unsigned decimals) {
  if (have) jw_kv_fixed(w, k, v, decimals);
  else jw_kv_null(w, k);
}

void jw_kv_double_opt(js_w *w, const char *k, int have, double v, int prec) {
  if (have) jw_kv_double(w, k, v, prec);
  else jw_kv_null(w, k);
}

void jw_kv_str_opt(js_w *w, const char *k, const char *s) {
  if (s) jw_kv_str(w, k, s);
  else jw_kv_null(w, k);
}

void jw_kv_obj(js_w *w, const char *k) {
  jw_key(w, k);
  jw_obj(w);
}

void jw_kv_arr(js_w *w, const char *k) {
  jw_key(w, k);
  jw_arr(w);
}
