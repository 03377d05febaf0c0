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

void nm_rd_init(nm_rd_t *r, const uint8_t *buf, size_t len);
uint8_t nm_rd_u8(nm_rd_t *r);
uint16_t nm_rd_u16(nm_rd_t *r);
uint32_t nm_rd_u32(nm_rd_t *r);
uint64_t nm_rd_u64(nm_rd_t *r);
void nm_rd_bytes(nm_rd_t *r, void *p, size_t n);
/* NM_OK when every byte was consumed and nothing ran out, else NM_EINVAL. */
int nm_rd_done(const nm_rd_t *r);

#endif
