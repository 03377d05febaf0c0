/* store_internal.h: helpers shared by the key-value store (kv.c) and the event log
 * (log.c): little-endian field access, streaming flash reads through a small stack
 * buffer, and the 16-byte page header both formats use. Internal to firmware/store. */
#ifndef NMOD_STORE_INTERNAL_H
#define NMOD_STORE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/store.h"

/* Largest stack buffer the store uses for streaming (the brief's RAM rule). */
#define NM_ST_CHUNK 64u

/* Page header, 16 bytes at offset 0 of every used page (docs/STORAGE.md):
 * magic u32 | value u32 (generation or first sequence number) | erases u32 | crc u32,
 * crc = nm_crc32 over the first 12 bytes. */
#define NM_ST_PAGE_HDR_LEN 16u

static inline uint16_t nm_st_get16(const uint8_t *p) {
  return (uint16_t)(p[0] | (uint16_t)(p[1] << 8));
}

static inline uint32_t nm_st_get32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static inline void nm_st_put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static inline void nm_st_put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

/* Serial-number order (RFC 1982 style): 1 when a comes after b, for values less than
 * 2^31 apart. Sequence numbers and generations wrap at 2^32. */
static inline int nm_st_after(uint32_t a, uint32_t b) {
  return a != b && (uint32_t)(a - b) < 0x80000000u;
}

static inline uint32_t nm_st_align4(uint32_t n) { return (n + 3u) & ~3u; }

/* 1 when all n bytes are 0xFF (erased). */
static inline int nm_st_all_ff(const uint8_t *p, size_t n) {
  uint8_t acc = 0xFF;
  for (size_t i = 0; i < n; i++) {
    acc &= p[i];
  }
  return acc == 0xFF;
}

/* Checks that flash [addr, addr + len) is erased; *blank = 1 when it is. */
static inline int nm_st_blank(const nm_port_t *port, uint32_t addr, uint32_t len, int *blank) {
  /* Zeroed first: only the first n bytes of a read count, and a port that reported
   * NM_OK without filling them gives zeros, never stack bytes (EVA, which does not
   * relate n to the bytes the port wrote, sees every byte set). */
  uint8_t buf[NM_ST_CHUNK] = {0};
  *blank = 1;
  while (len > 0) {
    uint32_t n = len < NM_ST_CHUNK ? len : NM_ST_CHUNK;
    int err = port->nvm_read(port->ctx, addr, buf, n);
    if (err) {
      return err;
    }
    if (!nm_st_all_ff(buf, n)) {
      *blank = 0;
      return NM_OK;
    }
    addr += n;
    len -= n;
  }
  return NM_OK;
}

/* CRC-32 of flash [addr, addr + len), continuing *crc. */
static inline int nm_st_crc_flash(const nm_port_t *port, uint32_t addr, uint32_t len,
                                  uint32_t *crc) {
  uint8_t buf[NM_ST_CHUNK] = {0}; /* see nm_st_blank */
  while (len > 0) {
    uint32_t n = len < NM_ST_CHUNK ? len : NM_ST_CHUNK;
    int err = port->nvm_read(port->ctx, addr, buf, n);
    if (err) {
      return err;
    }
    *crc = nm_crc32(*crc, buf, n);
    addr += n;
    len -= n;
  }
  return NM_OK;
}

/* Encodes a page header. */
static inline void nm_st_hdr_encode(uint8_t h[NM_ST_PAGE_HDR_LEN], uint32_t magic,
                                    uint32_t value, uint32_t erases) {
  nm_st_put32(h, magic);
  nm_st_put32(h + 4, value);
  nm_st_put32(h + 8, erases);
  nm_st_put32(h + 12, nm_crc32(0, h, 12));
}

/* 1 when the page header bytes h are valid (magic and CRC match); fills *value, *erases. */
static inline int nm_st_hdr_check(const uint8_t h[NM_ST_PAGE_HDR_LEN], uint32_t magic,
                                  uint32_t *value, uint32_t *erases) {
  if (nm_st_get32(h) != magic || nm_st_get32(h + 12) != nm_crc32(0, h, 12)) {
    return 0;
  }
  *value = nm_st_get32(h + 4);
  *erases = nm_st_get32(h + 8);
  return 1;
}

/* Reads the page header at addr. Returns 1 when it is valid (magic and CRC match) and
 * fills *value and *erases, 0 when it is not, or the port's (negative) error. */
static inline int nm_st_hdr_read(const nm_port_t *port, uint32_t addr, uint32_t magic,
                                 uint32_t *value, uint32_t *erases) {
  uint8_t h[NM_ST_PAGE_HDR_LEN];
  int err = port->nvm_read(port->ctx, addr, h, sizeof h);
  if (err) {
    return err;
  }
  return nm_st_hdr_check(h, magic, value, erases);
}

/* Programs a page header: the commit point of a freshly erased page. */
static inline int nm_st_hdr_prog(const nm_port_t *port, uint32_t addr, uint32_t magic,
                                 uint32_t value, uint32_t erases) {
  uint8_t h[NM_ST_PAGE_HDR_LEN];
  nm_st_hdr_encode(h, magic, value, erases);
  return port->nvm_prog(port->ctx, addr, h, sizeof h);
}

/* 1 when bytes t could be what a cut program of `want` onto erased flash leaves:
 * programming only clears bits, so a cut leaves some of want's 0 bits still 1, but never
 * a 0 where want has a 1. A 1 bit cleared where want has a 1 is damage, not a cut. */
static inline int nm_st_could_be_torn(const uint8_t *t, const uint8_t *want, size_t n) {
  uint8_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    bad |= (uint8_t)(~t[i] & want[i]);
  }
  return bad == 0;
}

/* Erase count of region page `page` when its header is unreadable (a torn erase, or
 * never used). Both stores take pages strictly in rotation from page 0 (format) on, so
 * every page up to the current one (`cur`, with count cur_erases) has been erased as
 * often as it, and every later page once less. */
static inline uint32_t nm_st_erases_guess(uint32_t page, uint32_t cur, uint32_t cur_erases) {
  if (page <= cur) {
    return cur_erases;
  }
  return cur_erases > 0u ? cur_erases - 1u : 0u;
}

/* Checks a region against the port: page size a multiple of 4 and at least min_page,
 * n_pages >= 2, the region inside the NVM, every address below 2^32, and the three
 * NVM callbacks present. */
static inline int nm_st_region_ok(const nm_port_t *port, uint32_t first_page,
                                  uint32_t n_pages, uint32_t min_page) {
  if (!port || !port->nvm_read || !port->nvm_prog || !port->nvm_erase) {
    return 0;
  }
  uint32_t ps = port->nvm_page_size;
  if (ps < min_page || (ps & 3u) != 0u || n_pages < 2u) {
    return 0;
  }
  uint64_t end = (uint64_t)first_page + n_pages;
  return end <= port->nvm_pages && end * ps <= 0xFFFFFFFFull;
}

#endif
