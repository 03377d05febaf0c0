/* log.c: the event log (nm_log_), fixed-size records in a ring of pages. Format and
 * recovery rules are in docs/STORAGE.md; in short:
 *
 * - Every used page starts with a header holding the sequence number of its slot 0 and
 *   its erase count. Slots follow, NM_LOG_REC_LEN bytes each, filled in order; slot i of
 *   a page holds event (first sequence number + i), so a sequence number maps straight
 *   to a page and a slot.
 * - An append programs the 36-byte record (sequence number, length, payload, CRC) and
 *   then a 4-byte commit word of zeros. A slot whose commit word is still erased was cut
 *   before its commit: reading it gives NM_ENOENT, and its number stays used. Once the
 *   commit word is (even partly) programmed the record was complete, so a record that
 *   then fails its check is damage (NM_ECORRUPT), never a power cut.
 * - The head is the page whose valid header has the latest first sequence number; its
 *   used slots are a prefix, found by binary search. When the head is full, the next
 *   page's events are given up at once (in RAM and at every mount alike) and the next
 *   append erases that page, programs its header and writes into slot 0. A torn erase or
 *   header leaves a page without a valid header, which mount ignores; the full head
 *   stays the head, and the next append erases the page again.
 * - Mount only reads. A region where no page can be identified is formatted (by the
 *   first append) only when it is verifiably empty; otherwise it is refused. */
#include <string.h>

#include "nmod/store.h"
#include "store_internal.h"

#define LOG_PAGE_MAGIC 0x474C6D6Eu /* bytes "nmLG" */
#define LOG_BODY_LEN 36u           /* record bytes before the commit word */

static uint32_t log_addr(const nm_log_t *log, uint32_t page, uint32_t off) {
  return (log->first_page + page) * log->page_size + off;
}

static uint32_t log_slot_addr(const nm_log_t *log, uint32_t page, uint32_t slot) {
  return log_addr(log, page, NM_LOG_PAGE_HDR_LEN + slot * NM_LOG_REC_LEN);
}

/* Oldest sequence number while the head page is full: the page after the head is about
 * to be reused, so only the head and the n_pages - 2 pages before it count. */
static void log_doom_next(nm_log_t *log) {
  uint32_t cand = log->head_seq - (log->n_pages - 2u) * log->slots;
  if (nm_st_after(cand, log->first_seq)) {
    log->first_seq = cand;
  }
}

static int log_page_erases(const nm_log_t *log, uint32_t page, uint32_t *count) {
  uint32_t seq = 0;
  int r = nm_st_hdr_read(log->port, log_addr(log, page, 0), LOG_PAGE_MAGIC, &seq, count);
  if (r < 0) {
    return r;
  }
  if (r == 0) {
    *count = nm_st_erases_guess(page, log->head, log->head_erases);
  }
  return NM_OK;
}

/* First use of a verifiably empty region: page 0, first sequence number 0. */
static int log_format(nm_log_t *log) {
  const nm_port_t *port = log->port;
  log->need_mount = 1;
  int err = port->nvm_erase(port->ctx, log->first_page);
  if (err) {
    return err;
  }
  err = nm_st_hdr_prog(port, log_addr(log, 0, 0), LOG_PAGE_MAGIC, 0u, 1u);
  if (err) {
    return err;
  }
  log->head = 0;
  log->head_seq = 0;
  log->head_used = 0;
  log->head_erases = 1;
  log->first_seq = 0;
  log->unformatted = 0;
  log->need_mount = 0;
  return NM_OK;
}

/* *blank = 1 when slot `slot` of the head page was never programmed. */
static int log_slot_blank(const nm_log_t *log, uint32_t slot, int *blank) {
  return nm_st_blank(log->port, log_slot_addr(log, log->head, slot), NM_LOG_REC_LEN, blank);
}

/* Checks a record slot read from flash. Returns NM_OK with *seq and *len set for a
 * complete record that checks, NM_ENOENT for one whose commit word is still erased (its
 * append was cut before the commit), NM_ECORRUPT for a record whose commit was started
 * (so it was complete) that fails its check. A record that checks under a partly
 * programmed commit word (a cut commit, or a damaged one) is complete and counts. */
static int log_rec_check(const uint8_t rec[NM_LOG_REC_LEN], uint32_t *seq, uint16_t *len) {
  if (nm_st_get32(rec + LOG_BODY_LEN) == 0xFFFFFFFFu) {
    return NM_ENOENT;
  }
  uint16_t n = nm_st_get16(rec + 4);
  if (nm_st_get32(rec + 32) != nm_crc32(0, rec, 32) ||
      (uint16_t)(nm_st_get16(rec + 6) ^ n) != 0xFFFFu || n > NM_LOG_PAYLOAD_MAX) {
    return NM_ECORRUPT;
  }
  *seq = nm_st_get32(rec);
  *len = n;
  return NM_OK;
}

/* The first sequence number of page p: from its header, or, when the header is damaged
 * but slot 0 holds a complete record that checks, from that record (slot 0 of a page
 * holds its first number). Returns 1 when known (*has_erases = 1 when it came from the
 * header, with *erases), 0 when the page holds no identifiable events, or the port's
 * error. *in_use = 1 when the page was in use: a header, even a damaged one, or a
 * record in slot 0. */
static int log_page_first(const nm_log_t *log, uint32_t p, uint32_t *seq, uint32_t *erases,
                          int *has_erases, int *in_use) {
  uint8_t h[NM_LOG_PAGE_HDR_LEN];
  int err = log->port->nvm_read(log->port->ctx, log_addr(log, p, 0), h, sizeof h);
  if (err) {
    return err;
  }
  int r = nm_st_hdr_check(h, LOG_PAGE_MAGIC, seq, erases);
  *has_erases = r;
  *in_use = r || !nm_st_all_ff(h, sizeof h);
  if (r) {
    return 1;
  }
  uint8_t rec[NM_LOG_REC_LEN];
  err = log->port->nvm_read(log->port->ctx, log_slot_addr(log, p, 0), rec, sizeof rec);
  if (err) {
    return err;
  }
  uint16_t len = 0;
  r = log_rec_check(rec, seq, &len) == NM_OK;
  *in_use |= r;
  return r;
}

/* 1 when page p was in use, its header is damaged, and no power cut explains it. */
static int log_hdr_damaged(const nm_log_t *log, uint32_t p, int *damaged) {
  uint32_t seq = 0, erases = 0;
  int has_erases = 0, in_use = 0;
  int r = log_page_first(log, p, &seq, &erases, &has_erases, &in_use);
  if (r < 0) {
    return r;
  }
  *damaged = in_use && !has_erases;
  return NM_OK;
}

/* No page can be identified. Verifiably empty only when every byte is erased except, on
 * page 0, a cut program of the header the first append formats with (first sequence
 * number 0, erase count 1). Anything else is damage: NM_ECORRUPT. */
static int log_scan_unformatted(nm_log_t *log, nm_log_health_t *cur) {
  uint8_t want[NM_LOG_PAGE_HDR_LEN], h[NM_LOG_PAGE_HDR_LEN];
  int empty = 1;
  nm_st_hdr_encode(want, LOG_PAGE_MAGIC, 0u, 1u);
  for (uint32_t p = 0; p < log->n_pages; p++) {
    int blank = 1;
    int err = log->port->nvm_read(log->port->ctx, log_addr(log, p, 0), h, sizeof h);
    if (!err) {
      err = nm_st_blank(log->port, log_addr(log, p, NM_LOG_PAGE_HDR_LEN),
                        log->page_size - NM_LOG_PAGE_HDR_LEN, &blank);
    }
    if (err) {
      return err;
    }
    int hdr_ok = nm_st_all_ff(h, sizeof h) || (p == 0u && nm_st_could_be_torn(h, want, sizeof h));
    if (!hdr_ok && cur->bad_headers < 0xFFFFu) {
      cur->bad_headers++;
    }
    empty &= hdr_ok && blank;
  }
  log->head = 0;
  log->head_seq = 0;
  log->head_used = 0;
  log->head_erases = 0;
  log->first_seq = 0;
  if (!empty) {
    cur->lost = 1; /* nothing can be read: every event is lost */
    return NM_ECORRUPT;
  }
  log->unformatted = 1;
  cur->empty = 1;
  return NM_OK;
}

static int log_scan_flash(nm_log_t *log, nm_log_health_t *cur) {
  int found = 0, head_has_erases = 0;
  uint32_t max_erases = 0, bad = 0;
  int err;

  /* The head: the page with the latest first sequence number. */
  for (uint32_t p = 0; p < log->n_pages; p++) {
    uint32_t seq = 0, erases = 0;
    int has_erases = 0, in_use = 0;
    int r = log_page_first(log, p, &seq, &erases, &has_erases, &in_use);
    if (r < 0) {
      return r;
    }
    if (in_use && !has_erases) {
      bad++; /* a damaged header, or the page a cut rollover left (checked below) */
    }
    if (has_erases && erases > max_erases) {
      max_erases = erases;
    }
    if (r == 1 && (!found || nm_st_after(seq, log->head_seq))) {
      found = 1;
      log->head = p;
      log->head_seq = seq;
      log->head_erases = erases;
      head_has_erases = has_erases;
    }
  }
  if (!found) {
    return log_scan_unformatted(log, cur);
  }
  if (!head_has_erases) {
    log->head_erases = max_erases > 0u ? max_erases : 1u; /* for statistics only */
  }

  /* Used slots form a prefix of the head page (each append takes the first blank slot;
   * a slot torn before any byte changed is still blank and is reused): binary search
   * for the first blank one. */
  uint32_t lo = 0, hi = log->slots;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2u;
    int blank = 0;
    err = log_slot_blank(log, mid, &blank);
    if (err) {
      return err;
    }
    if (blank) {
      hi = mid;
    } else {
      lo = mid + 1u;
    }
  }
  log->head_used = lo;
  const int head_full = log->head_used == log->slots;
  if (bad > 0u && head_full) {
    /* The page after a full head may be one a cut rollover left half erased. */
    int damaged = 0;
    err = log_hdr_damaged(log, (log->head + 1u) % log->n_pages, &damaged);
    if (err) {
      return err;
    }
    bad -= (uint32_t)damaged;
  }
  cur->bad_headers = (uint16_t)(bad < 0xFFFFu ? bad : 0xFFFFu);

  /* The oldest event: walk back over pages whose headers continue the sequence. */
  log->first_seq = log->head_seq;
  for (uint32_t k = 1; k < log->n_pages; k++) {
    if (k == log->n_pages - 1u && head_full) {
      break; /* the page after a full head is being reused */
    }
    uint32_t p = (log->head + log->n_pages - k) % log->n_pages;
    uint32_t seq = 0, erases = 0;
    int has_erases = 0, in_use = 0;
    int r = log_page_first(log, p, &seq, &erases, &has_erases, &in_use);
    if (r < 0) {
      return r;
    }
    if (r == 0 || seq != log->head_seq - k * log->slots) {
      /* A page never used ends the walk before the ring has wrapped; a page in use that
       * does not continue the series is damage, and its events are out of reach. */
      cur->lost |= (uint8_t)in_use;
      break;
    }
    log->first_seq = seq;
  }
  return NM_OK;
}

static int log_scan(nm_log_t *log) {
  nm_log_health_t cur;
  memset(&cur, 0, sizeof cur);
  log->need_mount = 1;
  log->unformatted = 0;
  int err = log_scan_flash(log, &cur);
  if (err == NM_OK || err == NM_ECORRUPT) {
    nm_log_health_t *h = &log->health;
    h->empty = cur.empty;
    h->lost |= cur.lost;
    h->bad_headers = h->bad_headers > cur.bad_headers ? h->bad_headers : cur.bad_headers;
  }
  if (err == NM_OK) {
    log->need_mount = 0;
  }
  return err;
}

/* A log that lost its mount (a failed scan or write) scans again before any use. */
static int log_mounted(nm_log_t *log) { return log->need_mount ? log_scan(log) : NM_OK; }

int nm_log_mount(nm_log_t *log, const nm_port_t *port, uint32_t first_page, uint32_t n_pages) {
  if (!log || !nm_st_region_ok(port, first_page, n_pages,
                               NM_LOG_PAGE_HDR_LEN + NM_LOG_REC_LEN)) {
    return NM_EINVAL;
  }
  memset(log, 0, sizeof *log);
  log->port = port;
  log->first_page = first_page;
  log->n_pages = n_pages;
  log->page_size = port->nvm_page_size;
  log->slots = (log->page_size - NM_LOG_PAGE_HDR_LEN) / NM_LOG_REC_LEN;
  return log_scan(log);
}

/* Makes the next page in the ring the head: erase, then its header (the commit point of
 * the rollover). */
static int log_rollover(nm_log_t *log) {
  const nm_port_t *port = log->port;
  uint32_t target = (log->head + 1u) % log->n_pages;
  uint32_t erases = 0;
  int err = log_page_erases(log, target, &erases);
  if (err) {
    return err;
  }
  uint32_t seq = log->head_seq + log->slots;
  err = port->nvm_erase(port->ctx, log->first_page + target);
  if (err) {
    return err;
  }
  err = nm_st_hdr_prog(port, log_addr(log, target, 0), LOG_PAGE_MAGIC, seq, erases + 1u);
  if (err) {
    return err;
  }
  log->head = target;
  log->head_seq = seq;
  log->head_used = 0;
  log->head_erases = erases + 1u;
  return NM_OK;
}

int nm_log_append(nm_log_t *log, const void *payload, size_t len, uint32_t *seq_out) {
  /* A log never mounted, or whose mount failed, is all zeros: no port, no pages, no slots
   * (tested inline, so that EVA narrows the fields it divides by, as in nm_log_read). */
  if (!log || !log->port || log->n_pages < 2u || log->slots == 0 || len > NM_LOG_PAYLOAD_MAX ||
      (!payload && len > 0)) {
    return NM_EINVAL;
  }
  const nm_port_t *port = log->port;
  int err = log_mounted(log);
  if (err) {
    return err;
  }
  if (log->unformatted) {
    err = log_format(log);
    if (err) {
      return err;
    }
  }
  log->need_mount = 1;
  if (log->head_used == log->slots) {
    err = log_rollover(log);
    if (err) {
      return err;
    }
  }
  uint32_t seq = log->head_seq + log->head_used;
  uint32_t addr = log_slot_addr(log, log->head, log->head_used);
  /* Record: seq u32 | len u16 | ~len u16 | payload[24] (zero padded) | crc u32 over the
   * first 32 bytes | commit u32. */
  uint8_t rec[LOG_BODY_LEN];
  memset(rec, 0, sizeof rec);
  nm_st_put32(rec, seq);
  nm_st_put16(rec + 4, (uint16_t)len);
  nm_st_put16(rec + 6, (uint16_t)~(uint16_t)len);
  if (len > 0) {
    memcpy(rec + 8, payload, len);
  }
  nm_st_put32(rec + 32, nm_crc32(0, rec, 32));
  err = port->nvm_prog(port->ctx, addr, rec, sizeof rec);
  if (err) {
    return err;
  }
  static const uint8_t commit[4] = {0, 0, 0, 0};
  err = port->nvm_prog(port->ctx, addr + LOG_BODY_LEN, commit, sizeof commit);
  if (err) {
    return err;
  }
  log->head_used++;
  if (log->head_used == log->slots) {
    log_doom_next(log);
  }
  log->need_mount = 0;
  if (seq_out) {
    *seq_out = seq;
  }
  return NM_OK;
}

void nm_log_health(const nm_log_t *log, nm_log_health_t *out) { *out = log->health; }

int nm_log_check(nm_log_t *log) {
  if (!log || !log->port) {
    return NM_EINVAL;
  }
  int err = log_mounted(log);
  if (err) {
    return err;
  }
  uint32_t bad = 0, torn = 0;
  const uint32_t next = log->head_seq + log->head_used;
  for (uint32_t seq = log->first_seq; seq != next; seq++) {
    uint8_t p[NM_LOG_PAYLOAD_MAX];
    int r = nm_log_read(log, seq, p, sizeof p, NULL);
    if (r == NM_ECORRUPT) {
      bad++;
    } else if (r == NM_ENOENT) {
      torn++;
    } else if (r != NM_OK) {
      return r;
    }
  }
  log->health.bad_records = (uint16_t)(bad < 0xFFFFu ? bad : 0xFFFFu);
  log->health.torn = torn;
  log->health.checked = 1;
  return NM_OK;
}

uint32_t nm_log_first_seq(const nm_log_t *log) { return log->first_seq; }

uint32_t nm_log_next_seq(const nm_log_t *log) { return log->head_seq + log->head_used; }

int nm_log_read(nm_log_t *log, uint32_t seq, void *payload, size_t cap, size_t *len) {
  if (!log || !log->port || log->n_pages < 2u || log->slots == 0 || (!payload && cap > 0)) {
    return NM_EINVAL;
  }
  const nm_port_t *port = log->port;
  int err = log_mounted(log);
  if (err) {
    return err;
  }
  uint32_t next = log->head_seq + log->head_used;
  if ((uint32_t)(seq - log->first_seq) >= (uint32_t)(next - log->first_seq)) {
    return NM_ENOENT;
  }
  /* Page and slot: pages before the head hold `slots` events each. */
  uint32_t page = log->head, slot;
  uint32_t back = log->head_seq - seq; /* > 0 when seq lies before the head page */
  if (back == 0u || !nm_st_after(log->head_seq, seq)) {
    slot = seq - log->head_seq;
  } else {
    uint32_t k = (back - 1u) / log->slots + 1u;
    page = (log->head + log->n_pages - k % log->n_pages) % log->n_pages;
    slot = seq - (log->head_seq - k * log->slots);
  }
  uint8_t rec[NM_LOG_REC_LEN];
  err = port->nvm_read(port->ctx, log_slot_addr(log, page, slot), rec, sizeof rec);
  if (err) {
    return err;
  }
  uint32_t got = 0;
  uint16_t n = 0;
  err = log_rec_check(rec, &got, &n);
  if (err) {
    return err; /* NM_ENOENT: never committed, the append was interrupted */
  }
  if (got != seq) {
    return NM_ECORRUPT;
  }
  if (len) {
    *len = n;
  }
  if (n > cap) {
    return NM_ENOSPC;
  }
  if (n > 0) {
    memcpy(payload, rec + 8, n);
  }
  return NM_OK;
}

int nm_log_erase_count(nm_log_t *log, uint32_t page, uint32_t *count) {
  if (!log || !log->port || !count || page >= log->n_pages) {
    return NM_EINVAL;
  }
  int err = log_mounted(log);
  if (err) {
    return err;
  }
  return log_page_erases(log, page, count);
}
