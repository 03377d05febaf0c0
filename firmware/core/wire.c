/* wire.c: bounded little-endian byte encoding (see nmod/wire.h). */
#include "nmod/wire.h"

#include "nmod/err.h"

void nm_wr_init(nm_wr_t *w, uint8_t *buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->err = NM_OK;
}

/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    assigns w->len, w->err;
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap);
    ensures nm_wr_took{Pre, Post}(w, n);
    ensures \result != \null ==> \result == w->buf + \old(w->len) && w->len == \old(w->len) + n &&
      \valid(\result + (0 .. n - 1)); */
static uint8_t *wr_take(nm_wr_t *w, size_t n) {
  if (w->err || w->cap - w->len < n) {
    w->err = NM_ENOSPC;
    return NULL;
  }
  uint8_t *p = w->buf + w->len;
  w->len += n;
  return p;
}

void nm_wr_u8(nm_wr_t *w, uint8_t v) {
  uint8_t *p = wr_take(w, 1);
  if (p) p[0] = v;
}

void nm_wr_u16(nm_wr_t *w, uint16_t v) {
  uint8_t *p = wr_take(w, 2);
  if (p) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
  }
}

void nm_wr_u32(nm_wr_t *w, uint32_t v) {
  uint8_t *p = wr_take(w, 4);
  if (p) {
    /*@ loop invariant 0 <= i <= 4;
        loop assigns i, p[0 .. 3];
        loop variant 4 - i; */
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
  }
}

void nm_wr_u64(nm_wr_t *w, uint64_t v) {
  uint8_t *p = wr_take(w, 8);
  if (p) {
    /*@ loop invariant 0 <= i <= 8;
        loop assigns i, p[0 .. 7];
        loop variant 8 - i; */
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
  }
}

void nm_wr_bytes(nm_wr_t *w, const void *src, size_t n) {
  uint8_t *p = wr_take(w, n);
  const char *s = src;
  if (!p) return;
  /*@ loop invariant 0 <= i <= n;
      loop assigns i, p[0 .. n - 1];
      loop variant n - i; */
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)s[i];
}

void nm_wr_u8s(nm_wr_t *w, const uint8_t *src, size_t n) {
  uint8_t *p = wr_take(w, n);
  if (!p) return;
  /*@ loop invariant 0 <= i <= n;
      loop assigns i, p[0 .. n - 1];
      loop variant n - i; */
  for (size_t i = 0; i < n; i++) p[i] = src[i];
}

void nm_rd_init(nm_rd_t *r, const uint8_t *buf, size_t len) {
  r->buf = buf;
  r->len = len;
  r->pos = 0;
  r->err = NM_OK;
}

/*@ requires \valid(r) && nm_rd_ok(r);
    assigns r->pos, r->err;
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len);
    ensures \result == \null || (\result == r->buf + \old(r->pos) && \valid_read(\result + (0 .. n - 1))); */
static const uint8_t *rd_take(nm_rd_t *r, size_t n) {
  if (r->err || r->len - r->pos < n) {
    r->err = NM_EINVAL;
    return NULL;
  }
  const uint8_t *p = r->buf + r->pos;
  r->pos += n;
  return p;
}

uint8_t nm_rd_u8(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 1);
  return p ? p[0] : 0;
}

uint16_t nm_rd_u16(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 2);
  return p ? (uint16_t)((unsigned)p[0] | ((unsigned)p[1] << 8u)) : 0;
}

uint32_t nm_rd_u32(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 4);
  if (!p) return 0;
  uint32_t v = 0;
  /*@ loop invariant -1 <= i <= 3;
      loop assigns i, v;
      loop variant i + 1; */
  for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

uint64_t nm_rd_u64(nm_rd_t *r) {
  const uint8_t *p = rd_take(r, 8);
  if (!p) return 0;
  uint64_t v = 0;
  /*@ loop invariant -1 <= i <= 7;
      loop assigns i, v;
      loop variant i + 1; */
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

void nm_rd_bytes(nm_rd_t *r, void *dst, size_t n) {
  const uint8_t *p = rd_take(r, n);
  char *d = dst;
  /*@ loop invariant 0 <= i <= n;
      loop assigns i, d[0 .. n - 1];
      loop variant n - i; */
  for (size_t i = 0; i < n; i++) d[i] = p ? (char)p[i] : 0;
}

int nm_rd_done(const nm_rd_t *r) {
  return (r->err == NM_OK && r->pos == r->len) ? NM_OK : NM_EINVAL;
}
