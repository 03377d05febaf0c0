/* nmod/dev.h: the whole implant: the core, its power-safe memory, its identity and
 * keyring, its event log, and the device's own commands around the core's.
 *
 * nm_dev_exec is the one entry for a command from any source (a radio session, a host
 * tool in-process, the target scenario). Requests are found, checked and decoded through
 * the op table (nmod/ops.h), once, and handled under the fail-safe rule
 * (docs/SAFETY.md):
 * - a lowering (therapy off, mode off/MRI/surgery, amplitude down, a program stopped or
 *   erased, a test stopped, a remote revoked) takes effect at once in RAM, whatever the
 *   memory does; when it cannot be stored the device keeps it, keeps its history events
 *   in RAM (the core's event queue: the oldest are kept), answers NM_ENOTSTORED and retries at every wake (at least once per
 *   NM_DEV_RETRY_MS) until a write works;
 * - a raising (therapy or a mode that stimulates, amplitude up, programs, the lead, a test
 *   start or step, pairing, the clock) is done only once it is stored: refused with NM_EIO
 *   while a lowering waits to be stored, and undone from flash when its own write fails;
 * - nothing read from flash is trusted: at boot the settings must name the hardware's
 *   lead and every program is judged again; damage is reported, never taken for blank
 *   flash, and never the cause of a new identity.
 * No heap; the caller owns the nm_dev_t.
 */
#ifndef NMOD_DEV_H
#define NMOD_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/cmd.h"
#include "nmod/core.h"
#include "nmod/event.h"
#include "nmod/proto.h"
#include "nmod/store.h"

#define NM_FW_VERSION_MAJOR 0
#define NM_FW_VERSION_MINOR 2
#define NM_FW_VERSION_PATCH 0

/* Serials (NM_SERIAL_LEN, from nmod/proto.h) are ASCII, NUL-padded: "ETS-SNM-1A2B3C4D". */
#ifndef NM_MAX_REMOTES
#define NM_MAX_REMOTES 4 /* paired patient remotes */
#endif

typedef enum { NM_KIND_ETS = 0, NM_KIND_INS = 1 } nm_kind; /* external trial / implanted */

/* Impedance classes, with their thresholds in ohm (docs/DEVICE-HEALTH.md). */
enum { NM_IMP_NORMAL = 0, NM_IMP_HIGH = 1, NM_IMP_OPEN = 2, NM_IMP_SHORT = 3, NM_IMP_ERROR = 4 };
#define NM_IMP_SHORT_MAX_OHM 150u  /* at or below: a short (OpenNerve's safe minimum is 100-600) */
#define NM_IMP_HIGH_MIN_OHM 3000u  /* at or above: high (leads are hundreds of ohm to ~2 kohm) */
#define NM_IMP_OPEN_MIN_OHM 10000u /* at or above: open (a broken conductor) */
/* Class of an impedance reading. */
uint8_t nm_dev_imp_class(uint32_t ohm);
/* Lead integrity: a contact whose impedance moved by more than this (per mille of the
 * last check) while staying in range is marked as possible lead migration. */
#define NM_IMP_JUMP_PM 400u
/* The automatic check runs once a day (not in MRI mode: automatic checks are off). */
#define NM_IMP_CHECK_S 86400u

/* History: at most this many events per HISTORY reply, and at most this many records read
 * from flash for one reply (a seek by time reads a window, then says where to go on). */
#define NM_HISTORY_MAX_PER_CALL 32
#define NM_HISTORY_SCAN_MAX 256u

/* While a change waits to be stored, the device retries at least this often. This is
 * also the window in which a fault that heals can lose a lowering to a reset (docs/SAFETY.md). */
#ifndef NM_DEV_RETRY_MS
#define NM_DEV_RETRY_MS 1000u
#endif
/* Rejected frames and failed authentications are logged at most once per this many
 * seconds per kind, with their count (a flood cannot wear out the log or push real events
 * out of it). */
#define NM_DEV_LINK_LOG_S 60u

typedef struct {
  char serial[NM_SERIAL_LEN];
  uint8_t kind;                   /* nm_kind */
  uint8_t therapy;                /* nm_therapy the device was built for */
  uint8_t cell;                   /* nm_cell: its battery */
  nm_lead_t lead;                 /* the lead it was built for (the hardware) */
  uint8_t clin_id[NM_KEY_ID_LEN]; /* the clinician credential */
  uint8_t clin_key[NM_SECRET_LEN];
  uint8_t profile;                /* its hardware's profile (nmod/profile.h); NONE: the
                                   * reference for its cell (identity records before v3) */
} nm_identity_t;

typedef struct {
  uint8_t used;
  uint8_t id[NM_KEY_ID_LEN];
  uint8_t key[NM_SECRET_LEN];
  uint32_t paired_s; /* calendar time of pairing, epoch seconds */
} nm_remote_t;

/* What the factory decides for a new device (used only when the flash is verifiably empty). */
typedef struct {
  uint8_t kind;     /* nm_kind */
  uint8_t therapy;  /* nm_therapy */
  nm_lead_t lead;
  uint32_t epoch_s; /* calendar time at provisioning */
  uint8_t cell;     /* nm_cell */
  uint8_t profile;  /* NM_PROFILE_*; NONE (0): nmod's reference for the cell */
} nm_factory_t;

/* Why a device did not come up (nm_dev_t.boot_fail). It then stays without therapy and
 * without a usable identity: nothing can stimulate, and nothing new is invented. */
enum {
  NM_BOOTF_NONE = 0,
  NM_BOOTF_NO_IDENTITY = 1, /* the identity was lost to flash damage (both copies) */
  NM_BOOTF_STORE = 2,       /* the memory could not be mounted (damaged, no usable page) */
  NM_BOOTF_BLANK = 3        /* blank flash and no factory data to provision from */
};

/* Records of the key-value store that a write can leave waiting (nm_dev_t.dirty). */
enum { NM_DIRTY_SETTINGS = 1u << 0, NM_DIRTY_META = 1u << 1, NM_DIRTY_REMOTES = 1u << 2, NM_DIRTY_IMP = 1u << 3 };

/* NVM layout, in pages of the port's NVM. */
#define NM_DEV_KV_FIRST 0u
#define NM_DEV_KV_PAGES 4u
#define NM_DEV_LOG_FIRST NM_DEV_KV_PAGES

/* One kind of link trouble, counted in RAM and logged rate-limited. */
typedef struct {
  uint32_t total;    /* since boot */
  uint32_t unlogged; /* since the last event about it */
  uint32_t last_s;   /* calendar time of that event */
  uint8_t logged;    /* 1 once an event was written this boot */
  uint8_t last;      /* the last error (i8) or claimed role */
} nm_dev_linkc_t;

typedef struct nm_dev {
  const nm_port_t *port;
  nm_core_t core;
  nm_kv_t kv;
  nm_log_t log;
  nm_identity_t id;
  nm_remote_t remotes[NM_MAX_REMOTES];
  uint8_t provisioned_now; /* 1 when this boot created the identity */
  uint8_t boot_fail;       /* NM_BOOTF_* */
  uint32_t resets;         /* boots so far */
  int64_t epoch_offset_s;  /* calendar seconds = uptime seconds + offset */
  uint32_t mono_from_seq;  /* from this log sequence on, event times never go back */
  /* Persistence and the fail-safe rule. */
  uint32_t saved_crc;      /* CRC-32 of the settings record as stored */
  uint8_t dirty;           /* NM_DIRTY_*: changes in effect in RAM but not stored */
  int store_err;           /* last flash error, 0 when none */
  uint64_t next_retry_us;  /* while dirty or events wait: the next retry */
  /* What a raising core request changes, as it was before it: put back when the request
   * cannot be stored (never read back from flash, which may be what failed). */
  struct {
    nm_settings_t set;
    uint8_t mode, mode_before;
    uint32_t fault, fault_detail;
    uint64_t run_start_us, stop_start_us; /* the therapy's timing: a refused raising */
    uint8_t stopping;                     /* neither restarts a soft start nor cuts a soft stop */
    nm_test_t test;                       /* a test start or step undone goes back to the level before */
  } undo;
  uint16_t alerts_stored;  /* the persistent alerts (NM_ALERT_DAMAGE...) as in flash */
  uint16_t log_bad_seen;   /* damaged history records already reported (they stay until overwritten) */
  /* The request being executed: who, why, and its decoded arguments (here, not on the stack). */
  uint8_t cur_role, cur_reason;
  nm_args_t args;
  uint8_t scratch[NM_CMD_MAX]; /* encoding buffer (static, not on the stack) */
  /* Link trouble. */
  nm_dev_linkc_t rejected, auth_fail;
  /* Lead integrity: the last check, for the trend (persisted). */
  uint32_t imp_last_ohm[NM_MAX_CONTACTS];
  uint32_t imp_last_s;     /* calendar time of the last check, 0 = never */
  uint16_t imp_jump;       /* contacts marked as possible migration by the last check */
  /* Usage of the calendar day in progress (RAM: a reset loses the partial day). */
  uint32_t use_day;        /* epoch day being counted */
  uint64_t use_therapy_us, use_amp_ua_us, use_last_us;
  uint16_t use_adjust;
  uint8_t use_modes;
} nm_dev_t;

/* Boot: mount the flash, load the identity (either of its two copies), the settings with
 * their mode, the remotes, counters and the last lead check, judge the settings again
 * against the hardware, report any damage, and start the core. On verifiably empty flash
 * (and only there) provision from `factory` with fresh random identity and keys; a
 * provisioning that was cut off is completed. Returns NM_OK (the device may then be off
 * with a fault and alerts that say why), or an error with d->boot_fail set when there is
 * no usable identity: the device then has no therapy and answers nothing. */
int nm_dev_boot(nm_dev_t *d, const nm_port_t *port, const nm_factory_t *factory);
/* One command from `role`. Always produces a response (status first). resp must hold
 * NM_CMD_MAX bytes (every response fits); with less the request is refused with
 * NM_ENOSPC before anything is done. A refused raising request changes nothing. */
int nm_dev_exec(nm_dev_t *d, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                size_t *resp_len);
/* The timer fired: wake the core, retry what waits to be stored, the daily lead check, the
 * usage day. Returns the next wake time (us); the port's timer is set to it. */
uint64_t nm_dev_wake(nm_dev_t *d);
/* Calendar time now, epoch seconds. */
uint32_t nm_dev_epoch_s(const nm_dev_t *d);
/* One frame received by the radio for session s (a nm_sess_t set up with nm_sess_init on
 * a nm_proto_dev_t whose lookup is nm_dev_key_lookup). Runs the protocol, executes an
 * authenticated request with nm_dev_exec for the session's role, counts failed
 * authentications and rejected frames (logged rate-limited), and writes the frame to send
 * back (if any) into out (cap >= NM_FRAME_MAX). work: 2 x NM_CMD_MAX bytes of scratch from
 * the caller. Returns nm_sess_rx's outcome; NM_SESS_REQUEST when a request was executed
 * (work[0] is its op, work[NM_CMD_MAX] its status) and out holds the sealed response. */
int nm_dev_radio_rx(nm_dev_t *d, nm_sess_t *s, const uint8_t *frame, size_t len, uint64_t now_us,
                    uint8_t work[2 * NM_CMD_MAX], uint8_t *out, size_t cap, size_t *out_len);
/* Measure every contact against the case, classify, update the lead alerts, the trend and
 * the event log, and stop the programs that use a shorted contact. auto_check: 1 for the
 * daily check. */
void nm_dev_lead_check(nm_dev_t *d, int auto_check);
/* Key lookup for the protocol: the clinician key or a paired remote's. NM_OK with role
 * and secret, or NM_ENOENT. */
int nm_dev_key_lookup(void *dev, const uint8_t key_id[NM_KEY_ID_LEN], uint8_t *role,
                      uint8_t secret[NM_SECRET_LEN]);

#endif
