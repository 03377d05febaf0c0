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
 *   is returned as is; the handle then re-reads the flash (a re-scan) before its next
 *   operation, and a fresh mount after a reboot recovers: a put is all-or-nothing, an
 *   append loses at most the record being written.
 * - Mount only reads. It tells what a power cut leaves (a torn record at the write
 *   position, a cut compaction or rollover: normal, rolled back by design) from damage
 *   (anything else), and reports both in a health report kept in the handle. Damaged
 *   bytes stay on flash as evidence until the next put or append rewrites the page.
 * - Never a format over damage: a region is formatted (by the first put or append) only
 *   when it is verifiably empty; one that is not, and has no usable page, is refused with
 *   NM_ECORRUPT and never written.
 * - Stored data is checked with CRC-32 on every read; data failing its check is never
 *   returned as valid.
 * - Not thread-safe: one caller at a time per handle.
 *
 * The on-flash format, the recovery rules, what counts as damage and the tests are in
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
/* Bytes on flash (docs/STORAGE.md): the page header at the start of a page; the
 * trailer in the last 20 bytes (the retire mark, then a copy of the page header); a
 * record header (with its commit word). */
#define NM_KV_PAGE_HDR_LEN 16u
#define NM_KV_PAGE_TRAILER_LEN 20u
#define NM_KV_REC_HDR_LEN 24u
/* Smallest page the store accepts. */
#define NM_KV_PAGE_MIN 128u
/* Keys the damage report lists by id; more set keys_unknown. */
#define NM_KV_DAMAGE_KEYS_MAX 8u

typedef struct {
  uint16_t key;
  uint16_t len;  /* value bytes */
  uint32_t off;  /* byte offset of the record header within the active page */
} nm_kv_entry_t;

/* What the store found on flash: a power cut (normal) or damage (bit flips, anything a
 * power cut cannot leave), and what damage cost. Filled by nm_kv_mount; see nm_kv_health.
 * "Lost" means: the value get returns is older than the last one written, or missing. */
typedef struct {
  uint8_t empty;        /* verifiably empty: no record was ever completed (blank flash, or
                         * only what a cut first format or cut first put leaves); the only
                         * state in which a caller may provision from scratch */
  uint8_t torn_tail;    /* the active page ends in a record cut by a power loss: normal */
  uint8_t damaged;      /* something a power cut cannot explain was found */
  uint8_t lost;         /* damage may have cost values: keys[] and keys_unknown say which */
  uint8_t rolled_back;  /* damage put an older value (or an older page) in effect */
  uint8_t keys_unknown; /* values of keys not in keys[] may be lost too (the damaged record's
                         * key is unreadable, or more keys than NM_KV_DAMAGE_KEYS_MAX) */
  uint8_t stray;        /* bits programmed in flash that should be erased: nothing lost */
  uint8_t n_keys;       /* entries in keys[] */
  uint16_t bad_records; /* records on the active page failing their checks, torn tail not
                         * counted */
  uint16_t bad_headers; /* pages in use whose page header or its copy is damaged */
  uint16_t keys[NM_KV_DAMAGE_KEYS_MAX]; /* keys whose value damage made older or missing */
} nm_kv_health_t;

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
  uint8_t dirty;                /* the active page is not clean: the next put compacts */
  uint8_t need_mount;           /* re-read the flash before the next call */
  uint8_t unformatted;          /* verifiably empty and never formatted: the put formats */
  uint8_t pad_;
  uint16_t n_keys;
  nm_kv_entry_t idx[NM_KV_KEYS_MAX]; /* where the latest record of each key lies */
  nm_kv_health_t health;        /* what the scans since nm_kv_mount found */
} nm_kv_t;

/* Mount the store on pages [first_page, first_page + n_pages) of port's NVM (n_pages >= 2,
 * page size at least NM_KV_PAGE_MIN and a multiple of 4). Reads only: mount never
 * programs or erases. It finds the active page, indexes its records and fills the
 * health report (nm_kv_health), telling a power cut (a torn tail, a cut compaction: the
 * old value, by design) from damage. A region that is verifiably empty (health.empty)
 * mounts as an empty store, formatted by the first put. A region without a usable page
 * that is not verifiably empty is refused with NM_ECORRUPT: it is never formatted, and
 * the report says what was found. Returns NM_OK, NM_EINVAL (bad arguments),
 * NM_ECORRUPT, NM_ENOSPC (the flash holds more keys than NM_KV_KEYS_MAX) or the port's
 * error. */
int nm_kv_mount(nm_kv_t *kv, const nm_port_t *port, uint32_t first_page, uint32_t n_pages);

/* The health report of the store, as found by nm_kv_mount (after NM_OK or NM_ECORRUPT).
 * It is RAM state of the handle and stays until the next nm_kv_mount: a put never clears
 * it, even when its compaction removes the damaged bytes. Re-scans of the flash (the
 * handle re-reads it after a failed write), nm_kv_get and compaction add what they find
 * (flags are ORed, counts keep the largest, keys are merged); empty and torn_tail are
 * those of the latest scan. */
void nm_kv_health(const nm_kv_t *kv, nm_kv_health_t *out);

/* 1 when the report says damage may have made the value of `key` older or missing (the
 * key is listed, or keys_unknown is set), else 0. */
int nm_kv_key_lost(const nm_kv_health_t *h, uint16_t key);

/* Copy the latest value of `key` into buf (cap bytes) and its length into *len (len may
 * be NULL). When damage found at mount hit the key's latest record, this is the latest
 * record that checks (older: the report lists the key). Returns NM_ENOENT when no record
 * of the key checks (never written, or lost: see the report), NM_ENOSPC when cap is too
 * small (*len then holds the length needed; buf may be NULL with cap 0 to ask for it),
 * NM_ECORRUPT when the value fails its CRC now (damage since mount: buf is zeroed, the
 * key is added to the report), NM_ECORRUPT for a region refused at mount, or the
 * port's error. */
int nm_kv_get(nm_kv_t *kv, uint16_t key, void *buf, size_t cap, size_t *len);

/* Store len bytes (0..NM_KV_VALUE_MAX) as the value of `key`. Atomic: after a power cut
 * at any program or erase step and a remount, nm_kv_get returns exactly the old value
 * (or NM_ENOENT if there was none) or exactly the new one, and every other key keeps its
 * value. Appends one record to the active page (header, value, commit word). When it
 * does not fit, or the active page is not clean (a torn or damaged record, stray bytes,
 * a header copy missing: found at mount and kept as evidence until now), it first copies
 * the latest value of every other key plus the new value into the next page (erased
 * first) and only then makes that page active by writing its header. On a verifiably
 * empty region it formats first. Returns NM_OK, NM_EINVAL (len too large, buf NULL with
 * len > 0), NM_ENOSPC (a new key with the index full, or the live values no longer fit
 * one page; nothing was written), NM_ECORRUPT (a region refused at mount; nothing was
 * written) or the port's error. */
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

/* What the log found on flash. Mount fills empty, bad_headers and lost; nm_log_check
 * reads every event of the window and fills bad_records and torn. */
typedef struct {
  uint8_t empty;        /* verifiably empty: no page was in use (blank flash, or only what a
                         * cut first format leaves) */
  uint8_t lost;         /* damage hid events: the window stops at a damaged page */
  uint8_t checked;      /* bad_records and torn are counted (nm_log_check ran) */
  uint8_t pad_;
  uint16_t bad_headers; /* pages in use whose header is damaged (bridged by slot 0 when that
                         * record checks; otherwise the window stops there: lost) */
  uint16_t bad_records; /* completed records in the window that fail their check: damage */
  uint32_t torn;        /* slots in the window whose append was cut: power cuts, normal */
} nm_log_health_t;

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
  uint8_t need_mount;           /* re-read the flash before the next call */
  uint8_t unformatted;          /* verifiably empty and never formatted: the append formats */
  nm_log_health_t health;
} nm_log_t;

/* Mount the log on pages [first_page, first_page + n_pages) of port's NVM (n_pages >= 2,
 * page size a multiple of 4 holding at least one record). Reads only: never programs or
 * erases. Finds the head by reading the page headers and a binary search over the slots
 * of the head page: O(n_pages + log2(slots)) reads. A verifiably empty region mounts as
 * an empty log, formatted by the first append; a region where no page can be identified
 * that is not verifiably empty is refused with NM_ECORRUPT and never formatted. Returns
 * NM_OK, NM_EINVAL, NM_ECORRUPT or the port's error. */
int nm_log_mount(nm_log_t *log, const nm_port_t *port, uint32_t first_page, uint32_t n_pages);

/* The health report as found by nm_log_mount (after NM_OK or NM_ECORRUPT) and, when it
 * ran, nm_log_check. RAM state of the handle, kept until the next nm_log_mount (a re-scan
 * after a failed write ORs its findings in). */
void nm_log_health(const nm_log_t *log, nm_log_health_t *out);

/* Reads every slot of the window [first_seq, next_seq) and counts the records that fail
 * their check (damage) and the slots whose append was cut, into the report (checked = 1).
 * Costs a read of the whole window (n_pages pages at most). Returns NM_OK, NM_ECORRUPT
 * for a region refused at mount, or the port's error. */
int nm_log_check(nm_log_t *log);

/* Append one event of len bytes (0..NM_LOG_PAYLOAD_MAX) and put its sequence number in
 * *seq_out (may be NULL). Sequence numbers increase by one per append attempt and
 * survive reboots; an append cut by a power loss uses up its number. When the head page
 * is full the next page is erased and reused (its events, the oldest, are gone). Returns
 * NM_OK, NM_EINVAL, NM_ECORRUPT (a region refused at mount; nothing written) or the
 * port's error; after an error the event may or may not be stored, and every earlier
 * event is intact. On a verifiably empty region it formats first. */
int nm_log_append(nm_log_t *log, const void *payload, size_t len, uint32_t *seq_out);

/* Oldest sequence number still held, and the number the next append gets. Events
 * first_seq .. next_seq - 1 (modulo 2^32) may be read. */
uint32_t nm_log_first_seq(const nm_log_t *log);
uint32_t nm_log_next_seq(const nm_log_t *log);

/* Copy event `seq` into payload (cap bytes) and its length into *len (len may be NULL).
 * Returns NM_ENOENT when the event was overwritten, never written or its append was
 * interrupted before its commit word; NM_ENOSPC when cap is too small (*len holds the
 * length); NM_ECORRUPT when a record whose commit was started fails its CRC (only after
 * flash damage, never because of a power cut); or the port's error. */
int nm_log_read(nm_log_t *log, uint32_t seq, void *payload, size_t cap, size_t *len);

/* Erases of region page `page` (0..n_pages-1) done by the log, from the page's header
 * (derived from the head's count when the header is unreadable). For wear statistics. */
int nm_log_erase_count(nm_log_t *log, uint32_t page, uint32_t *count);

#endif
