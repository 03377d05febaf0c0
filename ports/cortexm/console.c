/* console.c: a small printf for the target (see console.h). */
#include "console.h"

#include <stdint.h>

#include "semihost.h"

typedef struct {
  cm_emit_fn emit;
  void *user;
  int n;
} out_t;

static void put(out_t *o, char c) {
  o->emit(o->user, c);
  o->n++;
}

static void pad(out_t *o, char c, int n) {
  for (; n > 0; n--) put(o, c);
}

/* Digits of v in `base`, most significant first, into buf (at least 23 bytes); returns
 * how many. */
static int digits(uintmax_t v, unsigned base, int upper, char *buf) {
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = set[v % base];
    v /= base;
  } while (v != 0);
  for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
  return n;
}

typedef enum { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_MAX, LEN_PTRDIFF } len_t;

static uintmax_t arg_unsigned(va_list *ap, len_t len) {
  switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    case LEN_MAX: return va_arg(*ap, uintmax_t);
    case LEN_PTRDIFF: return (uintmax_t)va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, unsigned int);
  }
}

static intmax_t arg_signed(va_list *ap, len_t len) {
  switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (intmax_t)va_arg(*ap, size_t);
    case LEN_MAX: return va_arg(*ap, intmax_t);
    case LEN_PTRDIFF: return va_arg(*ap, ptrdiff_t);
    default: return va_arg(*ap, int);
  }
}

int cm_vformat(cm_emit_fn emit, void *user, const char *fmt, va_list ap_in) {
  out_t o = {emit, user, 0};
  va_list ap;
  va_copy(ap, ap_in);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put(&o, *p);
      continue;
    }
    p++;
    int left = 0, zero = 0, width = 0, prec = -1;
    for (;; p++) {
      if (*p == '-') left = 1;
      else if (*p == '0') zero = 1;
      else if (*p == '+' || *p == ' ' || *p == '#') continue; /* accepted, not used */
      else break;
    }
    if (*p == '*') {
      width = va_arg(ap, int);
      if (width < 0) {
        left = 1;
        width = -width;
      }
      p++;
    } else {
      while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      p++;
      prec = 0;
      if (*p == '*') {
        prec = va_arg(ap, int);
        p++;
      } else {
        while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
      }
    }
    len_t len = LEN_INT;
    if (*p == 'h') {
      len = LEN_SHORT;
      if (*++p == 'h') {
        len = LEN_CHAR;
        p++;
      }
    } else if (*p == 'l') {
      len = LEN_LONG;
      if (*++p == 'l') {
        len = LEN_LLONG;
        p++;
      }
    } else if (*p == 'z') {
      len = LEN_SIZE;
      p++;
    } else if (*p == 'j') {
      len = LEN_MAX;
      p++;
    } else if (*p == 't') {
      len = LEN_PTRDIFF;
      p++;
    }
    char buf[24];
    const char *s = buf;
    int n = 0;
    char sign = 0;
    switch (*p) {
      case 'd':
      case 'i': {
        intmax_t v = arg_signed(&ap, len);
        uintmax_t m = v < 0 ? (uintmax_t)0 - (uintmax_t)v : (uintmax_t)v;
        if (v < 0) sign = '-';
        n = digits(m, 10, 0, buf);
        break;
      }
      case 'u': n = digits(arg_unsigned(&ap, len), 10, 0, buf); break;
      case 'x': n = digits(arg_unsigned(&ap, len), 16, 0, buf); break;
      case 'X': n = digits(arg_unsigned(&ap, len), 16, 1, buf); break;
      case 'o': n = digits(arg_unsigned(&ap, len), 8, 0, buf); break;
      case 'p':
        buf[0] = '0';
        buf[1] = 'x';
        n = 2 + digits((uintptr_t)va_arg(ap, void *), 16, 0, buf + 2);
        break;
      case 'c':
        buf[0] = (char)va_arg(ap, int);
        n = 1;
        break;
      case 's':
        s = va_arg(ap, const char *);
        if (!s) s = "(null)";
        while (s[n] && (prec < 0 || n < prec)) n++;
        prec = -1;
        break;
      case 'f':
      case 'e':
      case 'g':
        (void)va_arg(ap, double);
        buf[0] = '?';
        n = 1;
        break;
      case '%':
        put(&o, '%');
        continue;
      case '\0':
        va_end(ap);
        return o.n;
      default:
        put(&o, '%');
        put(&o, *p);
        continue;
    }
    int zeros = (prec > n) ? prec - n : 0;
    int total = n + zeros + (sign ? 1 : 0);
    if (!left && !(zero && prec < 0)) pad(&o, ' ', width - total);
    if (sign) put(&o, sign);
    if (!left && zero && prec < 0) pad(&o, '0', width - total);
    pad(&o, '0', zeros);
    for (int i = 0; i < n; i++) put(&o, s[i]);
    if (left) pad(&o, ' ', width - total);
  }
  va_end(ap);
  return o.n;
}

typedef struct {
  char *buf;
  size_t cap, len;
} sbuf_t;

static void emit_buf(void *user, char c) {
  sbuf_t *b = user;
  if (b->len + 1 < b->cap) b->buf[b->len] = c;
  b->len++;
}

int cm_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap) {
  sbuf_t b = {buf, cap, 0};
  int n = cm_vformat(emit_buf, &b, fmt, ap);
  if (cap) buf[b.len < cap ? b.len : cap - 1] = '\0';
  return n;
}

/* ---- console ------------------------------------------------------------------------ */

static char line[160];
static size_t line_len;

void cm_flush(void) {
  if (line_len == 0) return;
  line[line_len] = '\0';
  cm_sh_write0(line);
  line_len = 0;
}

void cm_putc(char c) {
  line[line_len++] = c;
  if (c == '\n' || line_len + 1 >= sizeof line) cm_flush();
}

void cm_puts(const char *s) {
  while (*s) cm_putc(*s++);
}

static void emit_console(void *user, char c) {
  (void)user;
  cm_putc(c);
}

int cm_vprintf(const char *fmt, va_list ap) { return cm_vformat(emit_console, NULL, fmt, ap); }

int cm_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = cm_vprintf(fmt, ap);
  va_end(ap);
  return n;
}
