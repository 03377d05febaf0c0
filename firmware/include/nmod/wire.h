/* nmod/wire.h: bounded little-endian byte encoding, the lowest layer: the protocol, the
 * record codecs (nmod/records.h) and the host tools build on it. It knows no record. A writer or reader that runs out of room sets `err` and ignores
 * everything after, so a sequence of calls needs one check at the end. */
#ifndef NMOD_WIRE_H
#define NMOD_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t *buf;
  size_t cap;
  size_t len;
  int err;
} nm_wr_t;

typedef struct {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  int err;
} nm_rd_t;

/* The writer in ACSL (proven by `make prove`, docs/ASSURANCE.md): a writer writes only the
 * bytes of its buffer after those it wrote before, whatever it is asked to write. */
/*@ predicate nm_wr_ok(nm_wr_t *w) = w->len <= w->cap && \valid(w->buf + (0 .. w->cap - 1));
    predicate nm_wr_apart(nm_wr_t *w) = \separated(w, w->buf + (0 .. w->cap - 1));
    // A write of n bytes either took them, or failed and took nothing (and stays failed).
    predicate nm_wr_took{Old, Now}(nm_wr_t *w, integer n) =
      (\at(w->err, Now) != 0 && \at(w->len, Now) == \at(w->len, Old)) ||
      (\at(w->err, Old) == 0 && \at(w->err, Now) == 0 && \at(w->len, Now) == \at(w->len, Old) + n); */
/*@ requires \valid(w) && \valid(buf + (0 .. cap - 1)) && \separated(w, buf + (0 .. cap - 1));
    assigns *w;
    ensures nm_wr_ok(w) && nm_wr_apart(w) && w->buf == buf && w->cap == cap && w->len == 0 && w->err == 0; */
void nm_wr_init(nm_wr_t *w, uint8_t *buf, size_t cap);
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap) && nm_wr_took{Pre, Post}(w, 1); */
void nm_wr_u8(nm_wr_t *w, uint8_t v);
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap) && nm_wr_took{Pre, Post}(w, 2); */
void nm_wr_u16(nm_wr_t *w, uint16_t v);
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap) && nm_wr_took{Pre, Post}(w, 4); */
void nm_wr_u32(nm_wr_t *w, uint32_t v);
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap) && nm_wr_took{Pre, Post}(w, 8); */
void nm_wr_u64(nm_wr_t *w, uint64_t v);
/* n bytes of any object (read as bytes: char, as memcpy does). */
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    requires \valid_read((const char *)p + (0 .. n - 1));
    requires \separated(w->buf + (0 .. w->cap - 1), (const char *)p + (0 .. n - 1));
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap);
    ensures nm_wr_took{Pre, Post}(w, n); */
void nm_wr_bytes(nm_wr_t *w, const void *p, size_t n);
/* n bytes of a byte array (nm_wr_bytes for uint8_t, which WP's memory model keeps apart
 * from char). */
/*@ requires \valid(w) && nm_wr_ok(w) && nm_wr_apart(w);
    requires \valid_read(p + (0 .. n - 1)) && \separated(w->buf + (0 .. w->cap - 1), p + (0 .. n - 1));
    assigns w->len, w->err, w->buf[w->len .. w->cap - 1];
    ensures nm_wr_ok(w) && w->buf == \old(w->buf) && w->cap == \old(w->cap);
    ensures nm_wr_took{Pre, Post}(w, n); */
void nm_wr_u8s(nm_wr_t *w, const uint8_t *p, size_t n);

/* The reader in ACSL (proven by `make prove`, docs/ASSURANCE.md): a reader stays within
 * the len bytes it was given, whatever it is asked to read. */
/*@ predicate nm_rd_ok(nm_rd_t *r) = r->pos <= r->len && \valid_read(r->buf + (0 .. r->len - 1)); */
/*@ requires \valid(r) && \valid_read(buf + (0 .. len - 1));
    assigns *r;
    ensures nm_rd_ok(r) && r->buf == buf && r->len == len && r->pos == 0 && r->err == 0; */
void nm_rd_init(nm_rd_t *r, const uint8_t *buf, size_t len);
/*@ requires \valid(r) && nm_rd_ok(r);
    assigns r->pos, r->err;
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len); */
uint8_t nm_rd_u8(nm_rd_t *r);
/*@ requires \valid(r) && nm_rd_ok(r);
    assigns r->pos, r->err;
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len); */
uint16_t nm_rd_u16(nm_rd_t *r);
/*@ requires \valid(r) && nm_rd_ok(r);
    assigns r->pos, r->err;
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len); */
uint32_t nm_rd_u32(nm_rd_t *r);
/*@ requires \valid(r) && nm_rd_ok(r);
    assigns r->pos, r->err;
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len); */
uint64_t nm_rd_u64(nm_rd_t *r);
/* n bytes into any object (written as bytes: char, as memcpy does); zeros when they are
 * not there. */
/*@ requires \valid(r) && nm_rd_ok(r) && \valid((char *)p + (0 .. n - 1));
    requires \separated((char *)p + (0 .. n - 1), r, r->buf + (0 .. r->len - 1));
    assigns r->pos, r->err, ((char *)p)[0 .. n - 1];
    ensures nm_rd_ok(r) && r->buf == \old(r->buf) && r->len == \old(r->len); */
void nm_rd_bytes(nm_rd_t *r, void *p, size_t n);
/* NM_OK when every byte was consumed and nothing ran out, else NM_EINVAL. */
/*@ requires \valid_read(r);
    assigns \nothing;
    ensures \result == 0 || \result == -1;
    ensures \result == 0 ==> r->err == 0 && r->pos == r->len; */
int nm_rd_done(const nm_rd_t *r);

#endif
