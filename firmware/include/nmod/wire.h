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

void nm_wr_init(nm_wr_t *w, uint8_t *buf, size_t cap);
void nm_wr_u8(nm_wr_t *w, uint8_t v);
void nm_wr_u16(nm_wr_t *w, uint16_t v);
void nm_wr_u32(nm_wr_t *w, uint32_t v);
void nm_wr_u64(nm_wr_t *w, uint64_t v);
void nm_wr_bytes(nm_wr_t *w, const void *p, size_t n);

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
void nm_rd_bytes(nm_rd_t *r, void *p, size_t n);
/* NM_OK when every byte was consumed and nothing ran out, else NM_EINVAL. */
/*@ requires \valid_read(r);
    assigns \nothing;
    ensures \result == 0 || \result == -1;
    ensures \result == 0 ==> r->err == 0 && r->pos == r->len; */
int nm_rd_done(const nm_rd_t *r);

#endif
