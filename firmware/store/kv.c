/* kv.c: the log-structured key-value store (nm_kv_). Format and recovery rules are in
 * docs/STORAGE.md; in short:
 *
 * - One page is active: the page whose header (or its copy, the trailer) is valid with
 *   the highest generation. Records are appended to it: a 20-byte header, then the value,
 *   then a 4-byte commit word. A record counts when its commit word is programmed and
 *   both CRCs check; one whose commit word is still erased was cut by a power loss.
 * - When a record does not fit, or the active page is not clean, the latest value of
 *   every other key plus the new value are copied into the next page in rotation (erased
 *   first), then its header (the commit point) and the header's copy in the trailer are
 *   programmed, and last the old page gets its retire mark. The old page is erased only
 *   when the rotation comes back to it. An active page with a retire mark proves that a
 *   newer page existed and was lost to damage (a rollback).
 * - Mount only reads. It tells a power cut (a torn record at the write position, a cut
 *   compaction) from damage (anything a cut cannot leave) and reports both; a page with
 *   torn or damaged bytes stays as it is, as evidence, until the next put compacts it.
 *   A region with no usable page is formatted (by the first put) only when it is
 *   verifiably empty. */
#include <string.h>

#include "nmod/store.h"
#include "store_internal.h"

#define KV_PAGE_MAGIC 0x324B6D6Eu /* bytes "nmK2": the format with trailer and commit words */
#define KV_REC_MAGIC 0x4B52u      /* bytes "RK" */
#define KV_REC_BODY 20u           /* header bytes programmed first; the commit word follows */
#define KV_BLANK32 0xFFFFFFFFu

/* A decoded record header. */
typedef struct {
  uint16_t key, len;
  uint32_t seq, dcrc, commit;
  uint8_t len_ok; /* len and its complement agree: the record's extent is known */
  uint8_t hdr_ok; /* len_ok, the magic and the header CRC all check */
} kv_rec_t;

/* What lies at one offset of a page (kv_item_at). */
enum {
  KV_END,   /* erased from here to the trailer */
  KV_STRAY, /* erased record header, yet bytes after it are programmed */
  KV_VALID, /* a record that counts */
  KV_TORN,  /* a record cut by a power loss: commit word erased, everything after erased */
  KV_BAD    /* damage: a record failing its checks that no power cut leaves */
};

typedef struct {
  uint8_t kind;
  uint8_t key_known; /* the header checks: key, len and seq can be trusted */
  uint16_t key, len;
  uint32_t seq;
  uint32_t size;     /* bytes the record takes; 0 when its extent is unknown */
} kv_item_t;

/* Both copies of a page header and the retire mark, as read. */
typedef struct {
  uint8_t h1[NM_KV_PAGE_HDR_LEN];
  uint8_t tr[NM_KV_PAGE_TRAILER_LEN]; /* retire mark u32 | header copy */
  uint8_t ok1, ok2, blank1, blank2;   /* blank2: the header copy is erased */
  uint32_t retire;                    /* the retire mark: 0 once set, erased 0xFFFFFFFF */
  uint32_t gen, erases;               /* from the first valid copy */
} kv_hdrs_t;

#define KV_H2(ph) ((ph)->tr + 4)

static uint32_t kv_rec_size(uint32_t len) { return nm_st_align4(NM_KV_REC_HDR_LEN + len); }

static uint32_t kv_addr(const nm_kv_t *kv, uint32_t page, uint32_t off) {
  return (kv->first_page + page) * kv->page_size + off;
}

/* Records end where the trailer starts: the retire mark, then the header copy. */
static uint32_t kv_rec_end(const nm_kv_t *kv) {
  return kv->page_size - NM_KV_PAGE_TRAILER_LEN;
}

static uint32_t kv_copy_off(const nm_kv_t *kv) { return kv->page_size - NM_KV_PAGE_HDR_LEN; }

/* Header layout: magic u16 | key u16 | len u16 | ~len u16 | seq u32 | data crc u32 |
 * header crc u32 (over the first 16 bytes) | commit u32 (0 once the value is complete).
 * The complement of len makes the record's extent trustworthy even when the rest of the
 * header is damaged: a partly programmed pair never agrees, since programming only
 * clears bits. */
static void kv_rec_encode(uint8_t h[KV_REC_BODY], uint16_t key, uint16_t len, uint32_t seq,
                          uint32_t dcrc) {
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
  r->commit = nm_st_get32(h + KV_REC_BODY);
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

/* ---- the health report ------------------------------------------------------------- */

static void kv_key_note(nm_kv_health_t *h, uint16_t key) {
  for (uint8_t i = 0; i < h->n_keys; i++) {
    if (h->keys[i] == key) {
      return;
    }
  }
  if (h->n_keys < NM_KV_DAMAGE_KEYS_MAX) {
    h->keys[h->n_keys++] = key;
  } else {
    h->keys_unknown = 1;
  }
}

static void kv_key_clear(nm_kv_health_t *h, uint16_t key) {
  for (uint8_t i = 0; i < h->n_keys; i++) {
    if (h->keys[i] == key) {
      h->keys[i] = h->keys[--h->n_keys];
      return;
    }
  }
}

/* Damage found after mount (get, compaction) made the value of `key` missing. */
static void kv_lost_now(nm_kv_t *kv, uint16_t key) {
  nm_kv_health_t *h = &kv->health;
  uint8_t had = h->n_keys;
  kv_key_note(h, key);
  if (h->n_keys != had && h->bad_records < 0xFFFFu) {
    h->bad_records++;
  }
  h->damaged = 1;
  h->lost = 1;
}

static uint16_t kv_max16(uint16_t a, uint16_t b) { return a > b ? a : b; }

static void kv_health_merge(nm_kv_health_t *d, const nm_kv_health_t *s) {
  d->empty = s->empty;
  d->torn_tail = s->torn_tail;
  d->damaged |= s->damaged;
  d->lost |= s->lost;
  d->rolled_back |= s->rolled_back;
  d->keys_unknown |= s->keys_unknown;
  d->stray |= s->stray;
  d->bad_records = kv_max16(d->bad_records, s->bad_records);
  d->bad_headers = kv_max16(d->bad_headers, s->bad_headers);
  /*@ widen_hints d->n_keys, NM_KV_DAMAGE_KEYS_MAX; */ /* as in kv_walk_active */
  for (uint8_t i = 0; i < s->n_keys; i++) {
    kv_key_note(d, s->keys[i]);
  }
}

static void kv_bad_header(nm_kv_health_t *h) {
  h->damaged = 1;
  if (h->bad_headers < 0xFFFFu) {
    h->bad_headers++;
  }
}

void nm_kv_health(const nm_kv_t *kv, nm_kv_health_t *out) { *out = kv->health; }

int nm_kv_key_lost(const nm_kv_health_t *h, uint16_t key) {
  if (h->keys_unknown) {
    return 1;
  }
  for (uint8_t i = 0; i < h->n_keys; i++) {
    if (h->keys[i] == key) {
      return 1;
    }
  }
  return 0;
}

/* ---- reading the flash ------------------------------------------------------------- */

static int kv_blank(const nm_kv_t *kv, uint32_t page, uint32_t from, uint32_t to, int *blank) {
  *blank = 1;
  return from < to ? nm_st_blank(kv->port, kv_addr(kv, page, from), to - from, blank) : NM_OK;
}

static int kv_hdrs_read(const nm_kv_t *kv, uint32_t page, kv_hdrs_t *ph) {
  const nm_port_t *port = kv->port;
  /* Every field set on every path, an error's included: a caller's state is never
   * partly stale (and EVA, which may join an error's state with a success's in a
   * caller's loop, sees no field unset). */
  memset(ph, 0, sizeof *ph);
  int err = port->nvm_read(port->ctx, kv_addr(kv, page, 0), ph->h1, sizeof ph->h1);
  if (!err) {
    err = port->nvm_read(port->ctx, kv_addr(kv, page, kv_rec_end(kv)), ph->tr, sizeof ph->tr);
  }
  if (err) {
    return err;
  }
  uint32_t g2 = 0, e2 = 0;
  ph->ok1 = (uint8_t)nm_st_hdr_check(ph->h1, KV_PAGE_MAGIC, &ph->gen, &ph->erases);
  ph->ok2 = (uint8_t)nm_st_hdr_check(KV_H2(ph), KV_PAGE_MAGIC, &g2, &e2);
  if (!ph->ok1 && ph->ok2) {
    ph->gen = g2;
    ph->erases = e2;
  }
  ph->retire = nm_st_get32(ph->tr);
  ph->blank1 = (uint8_t)nm_st_all_ff(ph->h1, sizeof ph->h1);
  ph->blank2 = (uint8_t)nm_st_all_ff(KV_H2(ph), NM_KV_PAGE_HDR_LEN);
  return NM_OK;
}

/* Erase count of region page `page`: its header's, else the rotation's guess. */
static int kv_page_erases(const nm_kv_t *kv, uint32_t page, uint32_t *count) {
  kv_hdrs_t ph;
  int err = kv_hdrs_read(kv, page, &ph);
  if (err) {
    return err;
  }
  *count = ph.ok1 || ph.ok2 ? ph.erases : nm_st_erases_guess(page, kv->active, kv->erases);
  return NM_OK;
}

/* Classifies what lies at `off` of `page` (see the enum above and docs/STORAGE.md). With
 * quick set, an erased record header is taken for KV_END without reading the rest of
 * the page (stray bits further on are not looked for). */
static int kv_item_at(const nm_kv_t *kv, uint32_t page, uint32_t off, int quick,
                      kv_item_t *it) {
  const uint32_t end = kv_rec_end(kv);
  uint8_t h[NM_KV_REC_HDR_LEN];
  int blank = 1, err;
  memset(it, 0, sizeof *it);
  if (off + NM_KV_REC_HDR_LEN > end) {
    err = kv_blank(kv, page, off, end, &blank); /* no room for a record: must be erased */
    it->kind = blank ? KV_END : KV_STRAY;
    return err;
  }
  err = kv->port->nvm_read(kv->port->ctx, kv_addr(kv, page, off), h, sizeof h);
  if (err) {
    return err;
  }
  if (nm_st_all_ff(h, KV_REC_BODY)) {
    /* No header was ever programmed here (a cut program leaves the magic's bits or
     * nothing): whatever else is programmed is stray, not a record. */
    if (quick && nm_st_all_ff(h, sizeof h)) {
      it->kind = KV_END;
      return NM_OK;
    }
    err = kv_blank(kv, page, off + KV_REC_BODY, end, &blank);
    it->kind = blank ? KV_END : KV_STRAY;
    return err;
  }
  kv_rec_t r;
  kv_rec_decode(h, &r);
  it->key = r.key;
  it->len = r.len;
  it->seq = r.seq;
  it->key_known = r.hdr_ok;
  uint32_t size = r.len_ok ? kv_rec_size(r.len) : 0u;
  if (!r.len_ok || off + size > end) {
    /* Extent unknown. A cut header program leaves everything after its 20 bytes erased
     * (the commit word and the value come later); anything else is damage. */
    err = kv_blank(kv, page, off + KV_REC_BODY, end, &blank);
    it->kind = blank ? KV_TORN : KV_BAD;
    return err;
  }
  it->size = size;
  int data_ok = 0;
  if (r.hdr_ok) {
    uint32_t crc = 0;
    err = nm_st_crc_flash(kv->port, kv_addr(kv, page, off + NM_KV_REC_HDR_LEN), r.len, &crc);
    if (err) {
      return err;
    }
    data_ok = crc == r.dcrc;
  }
  if (r.commit != KV_BLANK32) {
    /* The commit program started only once the value was complete: a failing check is
     * damage. A partly programmed commit word on a record that checks is a cut commit
     * (or a damaged one): the record is complete either way and counts. */
    it->kind = data_ok ? KV_VALID : KV_BAD;
    return NM_OK;
  }
  /* Never committed: the put was cut, which only ever happens at the write position. */
  err = kv_blank(kv, page, off + size, end, &blank);
  it->kind = blank ? KV_TORN : KV_BAD;
  return err;
}

/* ---- mount ------------------------------------------------------------------------- */

/* Result of walking a page that no valid header vouches for. */
typedef struct {
  uint8_t committed; /* evidence that the page was committed: its headers are damaged */
  uint8_t old;       /* records that count with a sequence number not after m */
  uint8_t odd;       /* damaged records, stray bytes */
  uint8_t new_rec;   /* a complete record with sequence number m + 1 */
  nm_kv_health_t keys; /* keys of records newer than the active page (only keys, flags) */
} kv_judge_t;

/* Walks the records of the active page: rebuilds the index, the highest sequence number
 * (*m, *have_m) and this scan's report. Sets dirty when the page is not clean. */
static int kv_walk_active(nm_kv_t *kv, nm_kv_health_t *cur, uint32_t *m, int *have_m) {
  uint32_t off = NM_KV_PAGE_HDR_LEN;
  *have_m = 0;
  /* The counts stay within their tables (kv_index_set, kv_key_note); the hints let EVA
   * keep those bounds across the loop instead of widening past them (no assumption). */
  /*@ widen_hints kv->n_keys, NM_KV_KEYS_MAX; */
  /*@ widen_hints cur->n_keys, NM_KV_DAMAGE_KEYS_MAX; */
  for (;;) {
    kv_item_t it;
    int err = kv_item_at(kv, kv->active, off, 0, &it);
    if (err) {
      return err;
    }
    if (it.key_known && (!*have_m || nm_st_after(it.seq, *m))) {
      *m = it.seq;
      *have_m = 1;
    }
    if (it.kind == KV_VALID) {
      err = kv_index_set(kv, it.key, it.len, off);
      if (err) {
        return err;
      }
      kv_key_clear(cur, it.key); /* a later record of the key supersedes a damaged one */
      off += it.size;
      continue;
    }
    if (it.kind == KV_END) {
      break;
    }
    kv->dirty = 1;
    if (it.kind == KV_TORN) {
      cur->torn_tail = 1;
      break;
    }
    cur->damaged = 1;
    if (it.kind == KV_STRAY) {
      cur->stray = 1;
      break;
    }
    if (cur->bad_records < 0xFFFFu) {
      cur->bad_records++;
    }
    if (it.key_known) {
      kv_key_note(cur, it.key);
    } else {
      cur->keys_unknown = 1;
    }
    if (it.size == 0u) {
      break; /* extent unknown: later records are out of sight */
    }
    off += it.size;
  }
  kv->wr_off = off;
  cur->lost = (uint8_t)(cur->keys_unknown || cur->n_keys > 0);
  for (uint8_t i = 0; i < cur->n_keys; i++) {
    if (kv_find(kv, cur->keys[i]) >= 0) {
      cur->rolled_back = 1; /* an older record of the key is now its value */
    }
  }
  return NM_OK;
}

/* Judges the page after the active one when neither of its header copies is valid: a
 * compaction cut before its commit (a power cut: ignore it), or a committed page whose
 * headers were damaged, so the active page is an older one (a rollback). A cut
 * compaction holds copies of the active page's records (sequence numbers up to m), at
 * most one new record (m + 1) and nothing after it; the trailer is programmed only
 * after the header, the header only after the new record is complete. So any record
 * beyond m + 1, anything after a complete m + 1 record, or next to it a programmed
 * trailer or a header no cut leaves, is proof of a commit. docs/STORAGE.md. */
static int kv_judge_next(const nm_kv_t *kv, uint32_t page, const kv_hdrs_t *ph, uint32_t m,
                         int quick, kv_judge_t *j) {
  uint32_t off = NM_KV_PAGE_HDR_LEN;
  memset(j, 0, sizeof *j);
  /*@ widen_hints j->keys.n_keys, NM_KV_DAMAGE_KEYS_MAX; */ /* as in kv_walk_active */
  for (;;) {
    kv_item_t it;
    int err = kv_item_at(kv, page, off, quick, &it);
    if (err) {
      return err;
    }
    if (it.kind == KV_END) {
      break;
    }
    if (it.kind == KV_STRAY) {
      j->odd = 1;
      break;
    }
    if (j->new_rec) {
      j->committed = 1; /* appended after the compaction's last record */
    }
    if (it.key_known && nm_st_after(it.seq, m)) {
      if (it.seq != m + 1u) {
        j->committed = 1;
      }
      kv_key_note(&j->keys, it.key);
      if (it.kind != KV_TORN) {
        j->new_rec = (uint8_t)(it.seq == m + 1u);
      }
    } else if (it.kind == KV_VALID) {
      j->old = 1;
    }
    if (it.kind == KV_BAD) {
      j->odd = 1;
      if (!it.key_known) {
        j->keys.keys_unknown = 1;
      }
    }
    if (it.kind == KV_TORN || it.size == 0u) {
      break;
    }
    off += it.size;
  }
  if (j->new_rec && !j->committed) {
    uint8_t want[NM_KV_PAGE_HDR_LEN];
    uint32_t erases = nm_st_erases_guess(page, kv->active, kv->erases) + 1u;
    nm_st_hdr_encode(want, KV_PAGE_MAGIC, kv->gen + 1u, erases);
    if (!ph->blank2 || ph->retire != KV_BLANK32 ||
        !nm_st_could_be_torn(ph->h1, want, sizeof want)) {
      j->committed = 1;
    }
  }
  return NM_OK;
}

/* No page has a valid header. Verifiably empty only when every byte of the region is
 * erased, except on page 0 a cut program of the header the first put formats with
 * (generation 1, erase count 1). Anything else is damage: NM_ECORRUPT. */
static int kv_scan_unformatted(nm_kv_t *kv, nm_kv_health_t *cur) {
  uint8_t want[NM_KV_PAGE_HDR_LEN];
  int empty = 1;
  nm_st_hdr_encode(want, KV_PAGE_MAGIC, 1u, 1u);
  for (uint32_t p = 0; p < kv->n_pages; p++) {
    kv_hdrs_t ph;
    int blank = 1;
    int err = kv_hdrs_read(kv, p, &ph);
    if (err) {
      return err;
    }
    err = kv_blank(kv, p, NM_KV_PAGE_HDR_LEN, kv_rec_end(kv), &blank);
    if (err) {
      return err;
    }
    int h1_ok = ph.blank1 || (p == 0u && nm_st_could_be_torn(ph.h1, want, sizeof want));
    if (!h1_ok || !ph.blank2 || ph.retire != KV_BLANK32) {
      kv_bad_header(cur);
      empty = 0;
    }
    if (!blank) {
      cur->stray = 1;
      empty = 0;
    }
  }
  kv->active = 0;
  kv->gen = 0;
  kv->erases = 0;
  kv->wr_off = NM_KV_PAGE_HDR_LEN;
  kv->next_seq = 1;
  if (!empty) {
    cur->damaged = 1;
    cur->lost = 1;
    cur->keys_unknown = 1; /* nothing is readable: every key may be lost */
    return NM_ECORRUPT;
  }
  kv->unformatted = 1;
  cur->empty = 1;
  return NM_OK;
}

/* Damage put an older page in effect: newer values are lost. The keys of the records
 * newer than the active page that the judge read are listed; others may be lost too
 * unless the newer page read cleanly. The next put compacts (the evidence stays until
 * then). */
static void kv_rolled_back(nm_kv_t *kv, nm_kv_health_t *cur, const kv_judge_t *j) {
  kv_bad_header(cur);
  kv->dirty = 1;
  cur->rolled_back = 1;
  cur->lost = 1;
  cur->keys_unknown |= (uint8_t)(j->keys.keys_unknown || j->odd || j->keys.n_keys == 0u);
  for (uint8_t i = 0; i < j->keys.n_keys; i++) {
    kv_key_note(cur, j->keys.keys[i]);
  }
}

/* Header damage on a page other than the active one. On the page after it a cut erase
 * can leave the trailer whole while the header is not. */
static int kv_other_hdr_damaged(const kv_hdrs_t *ph, int is_next) {
  if (ph->ok1) {
    return !ph->ok2 && !ph->blank2 && !nm_st_could_be_torn(KV_H2(ph), ph->h1, sizeof ph->h1);
  }
  if (ph->ok2) {
    return !is_next;
  }
  return !is_next && !(ph->blank1 && ph->blank2 && ph->retire == KV_BLANK32);
}

/* Reads the flash and rebuilds the RAM state and this scan's report. Never writes. */
static int kv_scan_flash(nm_kv_t *kv, nm_kv_health_t *cur) {
  int found = 0, err;
  kv_hdrs_t ph;
  for (uint32_t p = 0; p < kv->n_pages; p++) {
    err = kv_hdrs_read(kv, p, &ph);
    if (err) {
      return err;
    }
    if ((ph.ok1 || ph.ok2) && (!found || nm_st_after(ph.gen, kv->gen))) {
      found = 1;
      kv->active = p;
      kv->gen = ph.gen;
      kv->erases = ph.erases;
    }
  }
  if (!found) {
    return kv_scan_unformatted(kv, cur);
  }

  uint32_t m = 0;
  int have_m = 0;
  err = kv_walk_active(kv, cur, &m, &have_m);
  if (err) {
    return err;
  }
  kv->next_seq = have_m ? m + 1u : 1u;
  if (!have_m) {
    m = 0u; /* so that the next record, 1, is m + 1 */
  }

  /* The active page is appended to only while both header copies are valid. Its retire
   * mark is set only after a newer page was committed: that page is lost. */
  err = kv_hdrs_read(kv, kv->active, &ph);
  if (err) {
    return err;
  }
  const uint32_t retire = ph.retire;
  if (!(ph.ok1 && ph.ok2)) {
    kv->dirty = 1;
  }
  if (!ph.ok1 || (!ph.blank2 && !ph.ok2 && !nm_st_could_be_torn(KV_H2(&ph), ph.h1, sizeof ph.h1))) {
    kv_bad_header(cur); /* the copy is written only once the header was complete */
  }
  if (retire != KV_BLANK32 && retire != 0u) {
    cur->damaged = 1; /* a partly set mark: stray bits (or a cut mark, then damage) */
    cur->stray = 1;
  }

  /* The other pages: damaged headers, and the page after the active one. */
  const uint32_t next = (kv->active + 1u) % kv->n_pages;
  int next_judged = 0;
  int could_be_empty = kv->active == 0u && kv->gen == 1u && kv->n_keys == 0u &&
                       cur->bad_records == 0u && !cur->lost && retire == KV_BLANK32;
  for (uint32_t p = 0; p < kv->n_pages; p++) {
    if (p == kv->active) {
      continue;
    }
    err = kv_hdrs_read(kv, p, &ph);
    if (err) {
      return err;
    }
    if (p == next && !ph.ok1 && !ph.ok2) {
      kv_judge_t j;
      /* Stray bits far from the records matter only to the verdict "empty". */
      err = kv_judge_next(kv, p, &ph, m, !could_be_empty, &j);
      if (err) {
        return err;
      }
      next_judged = 1;
      if (j.committed || retire == 0u) {
        kv_rolled_back(kv, cur, &j);
      }
      /* Empty allows only what a cut compaction of the first value leaves: that record,
       * then at most a torn header (programmed only after the record). */
      if (j.committed || j.old || j.odd || !ph.blank2 || ph.retire != KV_BLANK32 ||
          (!ph.blank1 && !j.new_rec)) {
        could_be_empty = 0;
      }
      continue;
    }
    if (ph.ok1 || ph.ok2 || !ph.blank1 || !ph.blank2 || ph.retire != KV_BLANK32) {
      could_be_empty = 0;
    }
    if (kv_other_hdr_damaged(&ph, p == next)) {
      kv_bad_header(cur);
    }
    if (could_be_empty && p != next) {
      int blank = 1;
      err = kv_blank(kv, p, NM_KV_PAGE_HDR_LEN, kv_rec_end(kv), &blank);
      if (err) {
        return err;
      }
      if (!blank) {
        cur->stray = 1;
        cur->damaged = 1;
        could_be_empty = 0;
      }
    }
  }
  if (retire == 0u && !next_judged) {
    /* Marked retired, yet no page after it is newer: the newer page's headers were
     * damaged and the next page was reused, or it is valid but older: keys unknown. */
    kv_judge_t none;
    memset(&none, 0, sizeof none);
    kv_rolled_back(kv, cur, &none);
  }
  cur->empty = (uint8_t)could_be_empty;
  return NM_OK;
}

static int kv_scan(nm_kv_t *kv) {
  nm_kv_health_t cur;
  memset(&cur, 0, sizeof cur);
  kv->need_mount = 1;
  kv->n_keys = 0;
  kv->dirty = 0;
  kv->unformatted = 0;
  int err = kv_scan_flash(kv, &cur);
  if (err == NM_OK || err == NM_ECORRUPT) {
    kv_health_merge(&kv->health, &cur);
  }
  if (err == NM_OK) {
    kv->need_mount = 0;
  }
  return err;
}

/* A store that lost its mount (a failed scan or write) scans again before any use. */
static int kv_mounted(nm_kv_t *kv) { return kv->need_mount ? kv_scan(kv) : NM_OK; }

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

/* ---- writing ----------------------------------------------------------------------- */

/* Programs both copies of the page header: the header is the commit point, the copy in
 * the trailer vouches for the page when the header is damaged. */
static int kv_hdrs_prog(nm_kv_t *kv, uint32_t page, uint32_t gen, uint32_t erases) {
  int err = nm_st_hdr_prog(kv->port, kv_addr(kv, page, 0), KV_PAGE_MAGIC, gen, erases);
  if (err) {
    return err;
  }
  return nm_st_hdr_prog(kv->port, kv_addr(kv, page, kv_copy_off(kv)), KV_PAGE_MAGIC, gen, erases);
}

static const uint8_t kv_zero4[4] = {0, 0, 0, 0};

/* Sets the retire mark of `page` (a newer page is committed), unless it is programmed
 * already (a page made active again by a rollback): never program a byte twice. */
static int kv_retire(nm_kv_t *kv, uint32_t page) {
  uint8_t w[4];
  uint32_t addr = kv_addr(kv, page, kv_rec_end(kv));
  int err = kv->port->nvm_read(kv->port->ctx, addr, w, sizeof w);
  if (err || !nm_st_all_ff(w, sizeof w)) {
    return err;
  }
  return kv->port->nvm_prog(kv->port->ctx, addr, kv_zero4, sizeof kv_zero4);
}

/* First use of a verifiably empty region: page 0 becomes active with generation 1. */
static int kv_format(nm_kv_t *kv) {
  kv->need_mount = 1;
  int err = kv->port->nvm_erase(kv->port->ctx, kv->first_page);
  if (err) {
    return err;
  }
  err = kv_hdrs_prog(kv, 0, 1u, 1u);
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
  kv->unformatted = 0;
  kv->need_mount = 0;
  return NM_OK;
}

/* Copies the record at e->off of the active page to dst_off of page dst, streaming it
 * through a small buffer and checking it on the way; the copy's commit word is
 * programmed only when the value still matched its CRC. *used = bytes taken in dst (0
 * when the source header no longer checks and nothing was written); *ok = 1 when the
 * copy counts. A record found damaged is reported and dropped. */
static int kv_copy(nm_kv_t *kv, const nm_kv_entry_t *e, uint32_t dst, uint32_t dst_off,
                   uint32_t *used, int *ok) {
  const nm_port_t *port = kv->port;
  uint8_t buf[NM_ST_CHUNK] = {0}; /* see nm_st_blank */
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
    kv_lost_now(kv, e->key); /* damaged since mount: the key is dropped */
    return NM_OK;
  }
  /* The header is copied verbatim: nothing in it depends on where the record lies. */
  err = port->nvm_prog(port->ctx, to, buf, KV_REC_BODY);
  if (err) {
    return err;
  }
  *used = kv_rec_size(r.len);
  uint32_t crc = 0;
  for (uint32_t pos = 0; pos < r.len;) {
    uint32_t left = r.len - pos; /* a local: the comparison bounds it, so n <= NM_ST_CHUNK */
    uint32_t n = left < NM_ST_CHUNK ? left : NM_ST_CHUNK;
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
  if (crc != r.dcrc) {
    kv_lost_now(kv, e->key);
    return NM_OK;
  }
  *ok = 1;
  return port->nvm_prog(port->ctx, to + KV_REC_BODY, kv_zero4, sizeof kv_zero4);
}

/* Appends one record to page `page` at `off`: header, value, then the commit word. */
static int kv_write_rec(nm_kv_t *kv, uint32_t page, uint32_t off, uint16_t key,
                        const void *buf, uint16_t len, uint32_t seq) {
  const nm_port_t *port = kv->port;
  uint8_t h[KV_REC_BODY];
  kv_rec_encode(h, key, len, seq, nm_crc32(0, buf, len));
  int err = port->nvm_prog(port->ctx, kv_addr(kv, page, off), h, sizeof h);
  if (!err && len > 0) {
    err = port->nvm_prog(port->ctx, kv_addr(kv, page, off + NM_KV_REC_HDR_LEN), buf, len);
  }
  if (err) {
    return err;
  }
  return port->nvm_prog(port->ctx, kv_addr(kv, page, off + KV_REC_BODY), kv_zero4, sizeof kv_zero4);
}

/* Moves the latest value of every other key plus the new value of `key` into the next
 * page in rotation and makes it active. Refuses with NM_ENOSPC before writing anything
 * when the result would not fit. From the erase on, need_mount stays set until the new
 * header is programmed: the RAM index is rewritten on the way, so a failure leaves the
 * state to a rescan of the flash. */
static int kv_compact(nm_kv_t *kv, uint16_t key, const void *buf, uint16_t len) {
  const nm_port_t *port = kv->port;
  uint32_t target = (kv->active + 1u) % kv->n_pages;
  int slot = kv_find(kv, key);

  uint32_t need = NM_KV_PAGE_HDR_LEN + kv_rec_size(len);
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if ((int)i != slot) {
      need += kv_rec_size(kv->idx[i].len);
    }
  }
  if (need > kv_rec_end(kv)) {
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
  err = kv_write_rec(kv, target, off, key, buf, len, kv->next_seq);
  if (err) {
    return err;
  }
  off += kv_rec_size(len);
  /* The commit point: the header. */
  err = nm_st_hdr_prog(port, kv_addr(kv, target, 0), KV_PAGE_MAGIC, kv->gen + 1u, erases + 1u);
  if (err) {
    return err;
  }
  /* Done: the new value is stored. Then the header's copy and the old page's retire
   * mark; if either fails, the put still succeeded and the next call re-reads the flash
   * (the new page without its copy is compacted by the next put). */
  const uint32_t old = kv->active;
  int late = nm_st_hdr_prog(port, kv_addr(kv, target, kv_copy_off(kv)), KV_PAGE_MAGIC,
                            kv->gen + 1u, erases + 1u);
  if (!late) {
    late = kv_retire(kv, old);
  }

  kv->active = target;
  kv->gen++;
  kv->erases = erases + 1u;
  kv->wr_off = off;
  kv->dirty = 0;
  uint16_t kept = 0;
  /* kept <= i < n_keys <= NM_KV_KEYS_MAX: unrolled, EVA sees it (i is known in each
   * iteration, kept at most i). */
  /*@ loop unroll NM_KV_KEYS_MAX; */
  for (uint16_t i = 0; i < kv->n_keys; i++) {
    if ((int)i != slot && kv->idx[i].off != 0u) {
      /* Field by field: kept <= i, so this is a copy onto itself or onto an earlier
       * entry, never a partial overlap (which EVA cannot tell from intervals). */
      kv->idx[kept].key = kv->idx[i].key;
      kv->idx[kept].len = kv->idx[i].len;
      kv->idx[kept].off = kv->idx[i].off;
      kept++;
    }
  }
  kv->n_keys = kept;
  kv->next_seq++;
  /* Cannot fail: the put checked that the key has a slot or the table has room. */
  err = kv_index_set(kv, key, len, new_off);
  kv->need_mount = (uint8_t)(err || late);
  return err;
}

/* ---- the API ----------------------------------------------------------------------- */

int nm_kv_get(nm_kv_t *kv, uint16_t key, void *buf, size_t cap, size_t *len) {
  if (!kv || !kv->port || (!buf && cap > 0)) {
    return NM_EINVAL;
  }
  const nm_port_t *port = kv->port;
  int err = kv_mounted(kv);
  if (err) {
    return err;
  }
  int i = kv_find(kv, key);
  if (i < 0) {
    return NM_ENOENT;
  }
  const nm_kv_entry_t *e = &kv->idx[i];
  /* The value's length once, in a local: the check below bounds what is read. */
  const uint16_t n = e->len;
  if (len) {
    *len = n;
  }
  if (n > cap) {
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
  if (!r.hdr_ok || r.key != key || r.len != n) {
    kv_lost_now(kv, key);
    return NM_ECORRUPT;
  }
  if (n == 0) {
    if (r.dcrc != nm_crc32(0, NULL, 0)) {
      kv_lost_now(kv, key);
      return NM_ECORRUPT;
    }
    return NM_OK;
  }
  err = port->nvm_read(port->ctx, addr + NM_KV_REC_HDR_LEN, buf, n);
  if (err) {
    return err;
  }
  if (nm_crc32(0, buf, n) != r.dcrc) {
    memset(buf, 0, n); /* never hand out bytes that failed their check */
    kv_lost_now(kv, key);
    return NM_ECORRUPT;
  }
  return NM_OK;
}

int nm_kv_put(nm_kv_t *kv, uint16_t key, const void *buf, size_t len) {
  if (!kv || !kv->port || len > NM_KV_VALUE_MAX || (!buf && len > 0)) {
    return NM_EINVAL;
  }
  int err = kv_mounted(kv);
  if (err) {
    return err;
  }
  uint16_t n = (uint16_t)len;
  uint32_t size = kv_rec_size(n);
  if (NM_KV_PAGE_HDR_LEN + size > kv_rec_end(kv)) {
    return NM_ENOSPC; /* not even alone on a page */
  }
  int slot = kv_find(kv, key);
  if (slot < 0 && kv->n_keys >= NM_KV_KEYS_MAX) {
    return NM_ENOSPC;
  }
  if (kv->unformatted) {
    err = kv_format(kv);
    if (err) {
      return err;
    }
  }
  if (kv->dirty || kv->wr_off + size > kv_rec_end(kv)) {
    return kv_compact(kv, key, buf, n);
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
  int err = kv_mounted(kv);
  if (err) {
    return err;
  }
  return kv_page_erases(kv, page, count);
}
