/* nmod/store.h: power-safe storage on NOR flash. A log-structured key-value store for the
 * settings, identity, paired remotes and counters (nm_kv_), an event log of fixed-size
 * records in a ring of pages (nm_log_), and the CRC-32 both use (nm_crc32).
 *
 * Contracts that hold for every function here:
 * - Flash is reached only through port->nvm_read, nvm_prog and nvm_erase; the geometry
 *   comes from port->nvm_page_size and port->nvm_pages. Each store owns the pages
 *   [first_page, first_page + n_pages) of the NVM and nothing else; regions of two stores
 *   must not overlap.
 * - Every byte is programmed at most once between two erases (write-once), so the format
 *   suits NOR flash with ECC as well as plain NOR. Pages are erased only right before
 *   they are reused (erase-before-write).
 * - No heap, no page-sized buffer: flash-to-flash copies stream through a 64-byte stack
 *   buffer. The caller owns the nm_kv_t / nm_log_t (a few hundred bytes) and the port.
 * - Any nvm call may fail (a power cut: the operation in progress may be torn). The error
 *   is returned as is; the handle then re-reads the flash (a remount) before its next
 *   operation, and a fresh mount after a reboot recovers: a put is all-or-nothing, an
 *   append loses at most the record being written.
 * - Stored data is checked with CRC-32 on every read; data failing its check is never
 *   returned as valid.
 * - Not thread-safe: one caller at a time per handle.
 *
 * The on-flash format, the recovery rules and the power-loss test method are in
 * docs/STORAGE.md. */
#ifndef NMOD_STORE_H
#define NMOD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/err.h"
#include "nmod/port.h"

/* ---- CRC-32 ------------------------------------------------------------------------- */

/* CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320), in the zlib convention: start
 * with crc = 0 and feed the previous result to continue, so
 * nm_crc32(nm_crc32(0, a, na), b, nb) == CRC of a followed by b, and
 * nm_crc32(0, "123456789", 9) == 0xCBF43926. p may be NULL only when n == 0. */
uint32_t nm_crc32(uint32_t crc, const void *p, size_t n);

/* ---- key-value store ---------------------------------------------------------------- */

/* Longest value, bytes. */
#define NM_KV_VALUE_MAX 1024u
/* Distinct keys one store can hold (the RAM index has this many entries of 8 bytes). */
#ifndef NM_KV_KEYS_MAX
#define NM_KV_KEYS_MAX 32u
#endif
/* Bytes of the page header and of a record header on flash (docs/STORAGE.md). */
#define NM_KV_PAGE_HDR_LEN 16u
#define NM_KV_REC_HDR_LEN 20u
/* Smallest page the store accepts. */
#define NM_KV_PAGE_MIN 128u

typedef struct {
  uint16_t key;
  uint16_t len;  /* value bytes */
  uint32_t off;  /* byte offset of the record header within the active page */
} nm_kv_entry_t;

/* One key-value store. Caller-owned; fill it with nm_kv_mount and leave the fields alone. */
typedef struct {
  const nm_port_t *port;
  uint32_t first_page, n_pages; /* the region */
  uint32_t page_size;
  uint32_t active;              /* active page, 0..n_pages-1 (relative to first_page) */
  uint32_t gen;                 /* generation of the active page */
  uint32_t erases;              /* erase count of the active page (from its header) */
  uint32_t wr_off;              /* where the next record goes in the active page */
  uint32_t next_seq;            /* sequence number of the next record */
  uint8_t dirty;                /* the active page has unreadable bytes: compact first */
  uint8_t need_mount;           /* a write failed: re-read the flash before the next call */
  uint16_t n_keys;
  nm_kv_entry_t idx[NM_KV_KEYS_MAX]; /* where the latest record of each key lies */
} nm_kv_t;

/* Mount the store on pages [first_page, first_page + n_pages) of port's NVM (n_pages >= 2,
 * page size at least NM_KV_PAGE_MIN and a multiple of 4). Formats the region when no page
 * holds a valid header (blank flash). Recovers from a power cut at any point: a torn
 * record is ignored, a half-done compaction is ignored (its page is erased before it is
 * used again), and an active page with torn bytes is compacted here, so the store is
 * clean afterwards. Recovery writes to flash and may itself be cut; mounting again
 * resumes it. Returns NM_OK, NM_EINVAL (bad arguments), NM_ENOSPC (the flash holds more
 * keys than NM_KV_KEYS_MAX) or the port's error. */
int nm_kv_mount(nm_kv_t *kv, const nm_port_t *port, uint32_t first_page, uint32_t n_pages);

/* Copy the latest value of `key` into buf (cap bytes) and its length into *len (len may
 * be NULL). Returns NM_ENOENT when the key was never written, NM_ENOSPC when cap is too
 * small (*len then holds the length needed; buf may be NULL with cap 0 to ask for it),
 * NM_ECORRUPT when the stored value fails its CRC (buf is zeroed), or the port's error. */
int nm_kv_get(nm_kv_t *kv, uint16_t key, void *buf, size_t cap, size_t *len);

/* Store len bytes (0..NM_KV_VALUE_MAX) as the value of `key`. Atomic: after a power cut
 * at any program or erase step and a remount, nm_kv_get returns exactly the old value
 * (or NM_ENOENT if there was none) or exactly the new one, and every other key keeps its
 * value. Appends one record to the active page; when it does not fit, copies the latest
 * value of every other key plus the new value into the next page (erased first) and
 * only then makes that page active by writing its header. Returns NM_OK, NM_EINVAL
 * (len too large, buf NULL with len > 0), NM_ENOSPC (a new key with the index full, or
 * the live values no longer fit one page; nothing was written) or the port's error. */
int nm_kv_put(nm_kv_t *kv, uint16_t key, const void *buf, size_t len);

/* Erases of region page `page` (0..n_pages-1) done by the store, from the page's header
 * (derived from its neighbours when the header is unreadable). For wear statistics. */
int nm_kv_erase_count(nm_kv_t *kv, uint32_t page, uint32_t *count);

/* ---- event log ---------------------------------------------------------------------- */

/* Longest payload of one event, bytes. */
#define NM_LOG_PAYLOAD_MAX 24u
#define NM_LOG_PAGE_HDR_LEN 16u
/* Bytes of one record slot on flash (docs/STORAGE.md). */
#define NM_LOG_REC_LEN 40u

/* One event log. Caller-owned; fill it with nm_log_mount and leave the fields alone. */
typedef struct {
  const nm_port_t *port;
  uint32_t first_page, n_pages; /* the region */
  uint32_t page_size;
  uint32_t slots;               /* record slots per page */
  uint32_t head;                /* page being filled, 0..n_pages-1 */
  uint32_t head_seq;            /* sequence number of slot 0 of the head page */
  uint32_t head_used;           /* slots of the head page used (written or torn) */
  uint32_t head_erases;         /* erase count of the head page */
  uint32_t first_seq;           /* oldest sequence number still in the ring */
  uint8_t need_mount;           /* a write failed: re-read the flash before the next call */
} nm_log_t;

/* Mount the log on pages [first_page, first_page + n_pages) of port's NVM (n_pages >= 2,
 * page size a multiple of 4 holding at least one record). Formats the region when no
 * page holds a valid header. Finds the head by reading the page headers and a binary
 * search over the slots of the head page: O(n_pages + log2(slots)) reads. Never writes
 * unless it formats. Returns NM_OK, NM_EINVAL or the port's error. */
int nm_log_mount(nm_log_t *log, const nm_port_t *port, uint32_t first_page, uint32_t n_pages);

/* Append one event of len bytes (0..NM_LOG_PAYLOAD_MAX) and put its sequence number in
 * *seq_out (may be NULL). Sequence numbers increase by one per append attempt and
 * survive reboots; an append cut by a power loss uses up its number. When the head page
 * is full the next page is erased and reused (its events, the oldest, are gone). Returns
 * NM_OK, NM_EINVAL or the port's error; after an error the event may or may not be
 * stored, and every earlier event is intact. */
int nm_log_append(nm_log_t *log, const void *payload, size_t len, uint32_t *seq_out);

/* Oldest sequence number still held, and the number the next append gets. Events
 * first_seq .. next_seq - 1 (modulo 2^32) may be read. */
uint32_t nm_log_first_seq(const nm_log_t *log);
uint32_t nm_log_next_seq(const nm_log_t *log);

/* Copy event `seq` into payload (cap bytes) and its length into *len (len may be NULL).
 * Returns NM_ENOENT when the event was overwritten, never written or its append was
 * interrupted; NM_ENOSPC when cap is too small (*len holds the length); NM_ECORRUPT when
 * a committed record fails its CRC (only after flash damage, never because of a power
 * cut); or the port's error. */
int nm_log_read(nm_log_t *log, uint32_t seq, void *payload, size_t cap, size_t *len);

/* Erases of region page `page` (0..n_pages-1) done by the log, from the page's header
 * (derived from the head's count when the header is unreadable). For wear statistics. */
int nm_log_erase_count(nm_log_t *log, uint32_t page, uint32_t *count);

#endif
