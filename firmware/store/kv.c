/* kv.c: the log-structured key-value store (nm_kv_). Format and recovery rules are in
 * docs/STORAGE.md; in short:
 *
 * - One page is active: the valid page header with the highest generation. Records are
 *   appended to it: a 20-byte header (programmed first) and then the value. A record
 *   counts only when both its header CRC and its data CRC check, so a torn record is
 *   simply not there and the previous value of its key stays the latest.
 * - When a record does not fit, the latest value of every other key plus the new value
 *   are copied into the next page in rotation (erased first), and that page's header,
 *   with generation + 1, is programmed last. That header is the commit point: before it
 *   the old page is the active one and holds the old value; after it the new page holds
 *   the new value. The old page is left as it is and erased only when the rotation comes
 *   back to it, so wear is spread over all pages.
 * - Mount picks the active page, rebuilds the RAM index from its records and, when the
 *   page holds bytes it cannot parse (a torn record header), compacts it at once so
 *   nothing is ever programmed over unknown bytes. */
#include <string.h>

#include "nmod/store.h"
#include "store_internal.h"

#define KV_PAGE_MAGIC 0x564B6D6Eu /* bytes "nmKV" */
#define KV_REC_MAGIC 0x4B52u      /* bytes "RK" */

/* A decoded record header. */
typedef struct {
  uint16_t key, len;
  uint32_t seq, dcrc;
  uint8_t len_ok; /* len and its complement agree: the record's extent is known */
  uint8_t hdr_ok; /* len_ok, the magic and the header CRC all check */
} kv_rec_t;

static uint32_t kv_rec_size(uint32_t len) { return nm_st_align4(NM_KV_REC_HDR_LEN + len); }

static uint32_t kv_addr(const nm_kv_t *kv, uint32_t page, uint32_t off) {
  return (kv->first_page + page) * kv->page_size + off;
}

/* Header layout: magic u16 | key u16 | len u16 | ~len u16 | seq u32 | data crc u32 |
 * header crc u32 (over the first 16 bytes). The complement of len makes the record's
 * extent trustworthy even when the rest of the header is damaged: a partly programmed
 * pair never agrees, since programming only clears bits. */
static void kv_rec_encode(uint8_t h[NM_KV_REC_HDR_LEN], uint16_t key, uint16_t len,
                          uint32_t seq, uint32_t dcrc) {
  nm_st_put16(h, KV_REC_MAGIC);
  nm_st_put16(h + 2, key);
  nm_st_put16(h + 4, len);
  nm_st_put16(h + 6, (uint16_t)~len);
  nm_st_put32(h + 8, seq);
  nm_st_put32(h + 12, dcrc);
  nm_st_put32(h + 16, nm_crc32(0, h, 16));
}

static void kv_rec_decode(const uint8_t h[NM_KV_REC_HDR_LEN], kv_rec_t *r) {
  r->key = nm_st_get16(h + 2);
  r->len = nm_st_get16(h + 4);
  r->seq = nm_st_get32(h + 8);
  r->dcrc = nm_st_get32(h + 12);
  uint16_t inv = nm_st_get16(h + 6);
  r->len_ok = (uint8_t)((uint16_t)(inv ^ r->len) == 0xFFFFu && r->len <= NM_KV_VALUE_MAX);
  r->hdr_ok = (uint8_t)(r->len_ok && nm_st_get16(h) == KV_REC_MAGIC &&
                        nm_st_get32(h + 16) == nm_crc32(0, h, 16));
}

static int kv_find(const nm_kv_t *kv, uint16_t key) {
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if (kv->idx[i].key == key) {
      return (int)i;
    }
  }
  return -1;
}

/* Records that the latest value of `key` is the record at `off` of the active page. */
static int kv_index_set(nm_kv_t *kv, uint16_t key, uint16_t len, uint32_t off) {
  int i = kv_find(kv, key);
  if (i < 0) {
    if (kv->n_keys >= NM_KV_KEYS_MAX) {
      return NM_ENOSPC;
    }
    i = (int)kv->n_keys++;
    kv->idx[i].key = key;
  }
  kv->idx[i].len = len;
  kv->idx[i].off = off;
  return NM_OK;
}

/* Erase count of region page `page`: its header's, else the rotation's guess. */
static int kv_page_erases(const nm_kv_t *kv, uint32_t page, uint32_t *count) {
  uint32_t gen = 0;
  int r = nm_st_hdr_read(kv->port, kv_addr(kv, page, 0), KV_PAGE_MAGIC, &gen, count);
  if (r < 0) {
    return r;
  }
  if (r == 0) {
    *count = nm_st_erases_guess(page, kv->active, kv->erases);
  }
  return NM_OK;
}

/* First use of the region: page 0 becomes active with generation 1. */
static int kv_format(nm_kv_t *kv) {
  const nm_port_t *port = kv->port;
  int err = port->nvm_erase(port->ctx, kv->first_page);
  if (err) {
    return err;
  }
  err = nm_st_hdr_prog(port, kv_addr(kv, 0, 0), KV_PAGE_MAGIC, 1u, 1u);
  if (err) {
    return err;
  }
  kv->active = 0;
  kv->gen = 1;
  kv->erases = 1;
  kv->wr_off = NM_KV_PAGE_HDR_LEN;
  kv->next_seq = 1;
  kv->n_keys = 0;
  kv->dirty = 0;
  kv->need_mount = 0;
  return NM_OK;
}

/* Copies the record at src_off of the active page to dst_off of page dst, streaming it
 * through a small buffer and checking it on the way. *used = bytes taken in dst (0 when
 * the source header no longer checks and nothing was written); *ok = 1 when the copy is
 * a valid record (the source data still matched its CRC). */
static int kv_copy(nm_kv_t *kv, const nm_kv_entry_t *e, uint32_t dst, uint32_t dst_off,
                   uint32_t *used, int *ok) {
  const nm_port_t *port = kv->port;
  uint8_t buf[NM_ST_CHUNK];
  kv_rec_t r;
  uint32_t src = kv_addr(kv, kv->active, e->off);
  uint32_t to = kv_addr(kv, dst, dst_off);
  *used = 0;
  *ok = 0;
  int err = port->nvm_read(port->ctx, src, buf, NM_KV_REC_HDR_LEN);
  if (err) {
    return err;
  }
  kv_rec_decode(buf, &r);
  if (!r.hdr_ok || r.key != e->key || r.len != e->len) {
    return NM_OK; /* damaged since mount: the key is dropped */
  }
  /* The header is copied verbatim: nothing in it depends on where the record lies. */
  err = port->nvm_prog(port->ctx, to, buf, NM_KV_REC_HDR_LEN);
  if (err) {
    return err;
  }
  *used = kv_rec_size(r.len);
  uint32_t crc = 0;
  for (uint32_t pos = 0; pos < r.len;) {
    uint32_t n = r.len - pos < NM_ST_CHUNK ? r.len - pos : NM_ST_CHUNK;
    err = port->nvm_read(port->ctx, src + NM_KV_REC_HDR_LEN + pos, buf, n);
    if (err) {
      return err;
    }
    crc = nm_crc32(crc, buf, n);
    err = port->nvm_prog(port->ctx, to + NM_KV_REC_HDR_LEN + pos, buf, n);
    if (err) {
      return err;
    }
    pos += n;
  }
  *ok = crc == r.dcrc;
  return NM_OK;
}

/* Appends one record to page `page` at `off`: header first, then the value. The record
 * becomes valid only when the last byte of the value is in (or, when the value ends in
 * 0xFF bytes, as soon as the bytes that differ from erased flash are). */
static int kv_write_rec(nm_kv_t *kv, uint32_t page, uint32_t off, uint16_t key,
                        const void *buf, uint16_t len, uint32_t seq) {
  const nm_port_t *port = kv->port;
  uint8_t h[NM_KV_REC_HDR_LEN];
  kv_rec_encode(h, key, len, seq, nm_crc32(0, buf, len));
  int err = port->nvm_prog(port->ctx, kv_addr(kv, page, off), h, sizeof h);
  if (err || len == 0) {
    return err;
  }
  return port->nvm_prog(port->ctx, kv_addr(kv, page, off + NM_KV_REC_HDR_LEN), buf, len);
}

/* Moves the latest value of every key (with `key` replaced by the new value when
 * has_new) into the next page in rotation and makes it active. Refuses with NM_ENOSPC
 * before writing anything when the result would not fit. From the erase on, need_mount
 * stays set until the new header is programmed: the RAM index is rewritten on the way,
 * so a failure leaves the state to a rescan of the flash. */
static int kv_compact(nm_kv_t *kv, int has_new, uint16_t key, const void *buf, uint16_t len) {
  const nm_port_t *port = kv->port;
  uint32_t target = (kv->active + 1u) % kv->n_pages;
  int slot = has_new ? kv_find(kv, key) : -1;

  uint32_t need = NM_KV_PAGE_HDR_LEN + (has_new ? kv_rec_size(len) : 0u);
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if ((int)i != slot) {
      need += kv_rec_size(kv->idx[i].len);
    }
  }
  if (need > kv->page_size) {
    return NM_ENOSPC;
  }
  if (has_new && slot < 0 && kv->n_keys >= NM_KV_KEYS_MAX) {
    return NM_ENOSPC;
  }

  uint32_t erases = 0;
  int err = kv_page_erases(kv, target, &erases);
  if (err) {
    return err;
  }
  kv->need_mount = 1;
  err = port->nvm_erase(port->ctx, kv->first_page + target);
  if (err) {
    return err;
  }
  uint32_t off = NM_KV_PAGE_HDR_LEN;
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if ((int)i == slot) {
      continue;
    }
    uint32_t used = 0;
    int ok = 0;
    err = kv_copy(kv, &kv->idx[i], target, off, &used, &ok);
    if (err) {
      return err;
    }
    /* The index now describes the target page; offset 0 marks a dropped key (no
     * record can start inside the page header). */
    kv->idx[i].off = ok ? off : 0u;
    off += used;
  }
  uint32_t new_off = off;
  if (has_new) {
    err = kv_write_rec(kv, target, off, key, buf, len, kv->next_seq);
    if (err) {
      return err;
    }
    off += kv_rec_size(len);
  }
  /* The commit point. */
  err = nm_st_hdr_prog(port, kv_addr(kv, target, 0), KV_PAGE_MAGIC, kv->gen + 1u,
                       erases + 1u);
  if (err) {
    return err;
  }

  kv->active = target;
  kv->gen++;
  kv->erases = erases + 1u;
  kv->wr_off = off;
  kv->dirty = 0;
  uint16_t kept = 0;
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if ((int)i == slot || kv->idx[i].off != 0u) {
      kv->idx[kept++] = kv->idx[i];
    }
  }
  kv->n_keys = kept;
  if (has_new) {
    kv->next_seq++;
    /* Cannot fail: the key had a slot, or the table had room (checked above). */
    err = kv_index_set(kv, key, len, new_off);
    if (err) {
      return err;
    }
  }
  kv->need_mount = 0;
  return NM_OK;
}

/* Reads the flash and rebuilds the RAM state; compacts a page with torn bytes. */
static int kv_scan(nm_kv_t *kv) {
  const nm_port_t *port = kv->port;
  uint8_t h[NM_KV_REC_HDR_LEN];
  int found = 0;
  int err;

  kv->need_mount = 1;
  for (uint32_t p = 0; p < kv->n_pages; p++) {
    uint32_t gen = 0, erases = 0;
    int r = nm_st_hdr_read(port, kv_addr(kv, p, 0), KV_PAGE_MAGIC, &gen, &erases);
    if (r < 0) {
      return r;
    }
    if (r == 1 && (!found || nm_st_after(gen, kv->gen))) {
      found = 1;
      kv->active = p;
      kv->gen = gen;
      kv->erases = erases;
    }
  }
  if (!found) {
    return kv_format(kv);
  }

  kv->n_keys = 0;
  kv->dirty = 0;
  uint32_t max_seq = 0;
  int have_seq = 0;
  uint32_t off = NM_KV_PAGE_HDR_LEN;
  while (off + NM_KV_REC_HDR_LEN <= kv->page_size) {
    err = port->nvm_read(port->ctx, kv_addr(kv, kv->active, off), h, sizeof h);
    if (err) {
      return err;
    }
    if (nm_st_all_ff(h, sizeof h)) {
      break; /* the end of the records; the tail check below covers the rest */
    }
    kv_rec_t r;
    kv_rec_decode(h, &r);
    uint32_t size = r.len_ok ? kv_rec_size(r.len) : 0u;
    if (!r.len_ok || off + size > kv->page_size) {
      kv->dirty = 1; /* a torn (or damaged) header: its extent is unknown */
      break;
    }
    if (r.hdr_ok) {
      uint32_t crc = 0;
      err = nm_st_crc_flash(port, kv_addr(kv, kv->active, off + NM_KV_REC_HDR_LEN), r.len,
                            &crc);
      if (err) {
        return err;
      }
      if (crc == r.dcrc) {
        err = kv_index_set(kv, r.key, r.len, off);
        if (err) {
          return err;
        }
        if (!have_seq || nm_st_after(r.seq, max_seq)) {
          max_seq = r.seq;
          have_seq = 1;
        }
      }
    }
    off += size;
  }
  kv->wr_off = off;
  kv->next_seq = have_seq ? max_seq + 1u : 1u;
  if (!kv->dirty && off < kv->page_size) {
    int blank = 0;
    err = nm_st_blank(port, kv_addr(kv, kv->active, off), kv->page_size - off, &blank);
    if (err) {
      return err;
    }
    kv->dirty = (uint8_t)!blank;
  }
  if (kv->dirty) {
    /* Recovery: never program next to bytes of unknown extent; move the live records
     * to a fresh page now, while there is power. They fitted one page, so they fit. */
    return kv_compact(kv, 0, 0, NULL, 0);
  }
  kv->need_mount = 0;
  return NM_OK;
}

int nm_kv_mount(nm_kv_t *kv, const nm_port_t *port, uint32_t first_page, uint32_t n_pages) {
  if (!kv || !nm_st_region_ok(port, first_page, n_pages, NM_KV_PAGE_MIN)) {
    return NM_EINVAL;
  }
  memset(kv, 0, sizeof *kv);
  kv->port = port;
  kv->first_page = first_page;
  kv->n_pages = n_pages;
  kv->page_size = port->nvm_page_size;
  return kv_scan(kv);
}

int nm_kv_get(nm_kv_t *kv, uint16_t key, void *buf, size_t cap, size_t *len) {
  if (!kv || !kv->port || (!buf && cap > 0)) {
    return NM_EINVAL;
  }
  const nm_port_t *port = kv->port;
  int err;
  if (kv->need_mount) {
    err = kv_scan(kv);
    if (err) {
      return err;
    }
  }
  int i = kv_find(kv, key);
  if (i < 0) {
    return NM_ENOENT;
  }
  const nm_kv_entry_t *e = &kv->idx[i];
  if (len) {
    *len = e->len;
  }
  if (e->len > cap) {
    return NM_ENOSPC;
  }
  uint8_t h[NM_KV_REC_HDR_LEN];
  uint32_t addr = kv_addr(kv, kv->active, e->off);
  err = port->nvm_read(port->ctx, addr, h, sizeof h);
  if (err) {
    return err;
  }
  kv_rec_t r;
  kv_rec_decode(h, &r);
  if (!r.hdr_ok || r.key != key || r.len != e->len) {
    return NM_ECORRUPT;
  }
  if (e->len == 0) {
    return r.dcrc == nm_crc32(0, NULL, 0) ? NM_OK : NM_ECORRUPT;
  }
  err = port->nvm_read(port->ctx, addr + NM_KV_REC_HDR_LEN, buf, e->len);
  if (err) {
    return err;
  }
  if (nm_crc32(0, buf, e->len) != r.dcrc) {
    memset(buf, 0, e->len); /* never hand out bytes that failed their check */
    return NM_ECORRUPT;
  }
  return NM_OK;
}

int nm_kv_put(nm_kv_t *kv, uint16_t key, const void *buf, size_t len) {
  if (!kv || !kv->port || len > NM_KV_VALUE_MAX || (!buf && len > 0)) {
    return NM_EINVAL;
  }
  int err;
  if (kv->need_mount) {
    err = kv_scan(kv);
    if (err) {
      return err;
    }
  }
  uint16_t n = (uint16_t)len;
  int slot = kv_find(kv, key);
  if (slot < 0 && kv->n_keys >= NM_KV_KEYS_MAX) {
    return NM_ENOSPC;
  }
  uint32_t size = kv_rec_size(n);
  if (kv->dirty || kv->wr_off + size > kv->page_size) {
    return kv_compact(kv, 1, key, buf, n);
  }
  kv->need_mount = 1;
  err = kv_write_rec(kv, kv->active, kv->wr_off, key, buf, n, kv->next_seq);
  if (err) {
    return err;
  }
  err = kv_index_set(kv, key, n, kv->wr_off);
  if (err) {
    return err;
  }
  kv->wr_off += size;
  kv->next_seq++;
  kv->need_mount = 0;
  return NM_OK;
}

int nm_kv_erase_count(nm_kv_t *kv, uint32_t page, uint32_t *count) {
  if (!kv || !kv->port || !count || page >= kv->n_pages) {
    return NM_EINVAL;
  }
  if (kv->need_mount) {
    int err = kv_scan(kv);
    if (err) {
      return err;
    }
  }
  return kv_page_erases(kv, page, count);
}
