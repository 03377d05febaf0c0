/* nmod/dev.h: the whole implant: the core, its power-safe memory, its identity and
 * keyring, its event log, and the device-level commands around the core's.
 *
 * nm_dev_exec is the one entry for a command from any source (a radio session, a host
 * tool in-process, the target scenario): device-level ops are handled here, the rest go
 * to nm_cmd_exec. A command that changes what the device must remember is written to
 * flash before its response exists, so an acknowledged command survives a power loss or a
 * kill -9. No heap; the caller owns the nm_dev_t.
 */
#ifndef NMOD_DEV_H
#define NMOD_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/cmd.h"
#include "nmod/core.h"
#include "nmod/proto.h"
#include "nmod/store.h"

#define NM_FW_VERSION_MAJOR 0
#define NM_FW_VERSION_MINOR 1
#define NM_FW_VERSION_PATCH 0

/* Serials (NM_SERIAL_LEN, from nmod/proto.h) are ASCII, NUL-padded: "ETS-SNM-1A2B3C4D". */
#ifndef NM_MAX_REMOTES
#define NM_MAX_REMOTES 4   /* paired patient remotes */
#endif

typedef enum { NM_KIND_ETS = 0, NM_KIND_INS = 1 } nm_kind; /* external trial / implanted */

/* Device-level ops (the core's are in nmod/cmd.h). */
enum {
  NM_OP_IDENTITY = 0x03, /* -> serial[16], kind u8, therapy u8, fw u8 x3, lead model u8 */
  NM_OP_TIME_SET = 0x04, /* epoch_s u64: the programmer sets the device's calendar clock */
  NM_OP_HEALTH = 0x05,   /* -> last lead check: at_s u32, n u8, n x ohm u32, jump u16;
                            today so far: therapy_min u16, adjustments u16, avg_amp_ua u32,
                            mode_changes u8 (clinician) */
  NM_OP_PAIR = 0x40,     /* -> slot u8, key_id[8], secret[32] (a new remote credential) */
  NM_OP_REVOKE = 0x41,   /* key_id[8] */
  NM_OP_REMOTES = 0x42,  /* -> n u8, n x (key_id[8], paired_epoch_s u32) */
  NM_OP_HISTORY = 0x50,  /* from_seq u32, max u8 -> first u32, next u32, n u8,
                            n x (seq u32, len u8, payload[len]) */
  NM_OP_IMPEDANCE = 0x60 /* a lead check now (nm_dev_lead_check) -> n u8, n x (contact u8,
                            ohm u32, class u8) against the case, m u8, m x (slot u8, cathode u8,
                            anode u8, ohm u32, class u8) for the running programs, jump u16 */
};

/* Impedance classes, with their thresholds in ohm (docs/DEVICE-HEALTH.md). */
enum { NM_IMP_NORMAL = 0, NM_IMP_HIGH = 1, NM_IMP_OPEN = 2, NM_IMP_SHORT = 3, NM_IMP_ERROR = 4 };
#define NM_IMP_SHORT_MAX_OHM 150u  /* at or below: a short (OpenNerve's safe minimum is 100-600) */
#define NM_IMP_HIGH_MIN_OHM 3000u  /* at or above: high (leads are hundreds of ohm to ~2 kohm) */
#define NM_IMP_OPEN_MIN_OHM 10000u /* at or above: open (a broken conductor) */
/* Class of an impedance reading. */
uint8_t nm_dev_imp_class(uint32_t ohm);
#define NM_HISTORY_MAX_PER_CALL 32

/* Event log record types (payload: t_s u32 | type u8 | then per type). */
enum {
  NM_EV_BOOT = 1,        /* reset count u32 */
  NM_EV_PROVISION = 2,
  NM_EV_MODE = 3,        /* from u8, to u8, role u8 */
  NM_EV_PROGRAM = 4,     /* n u8, running u8 */
  NM_EV_AMP = 5,         /* slot u8, amp_ua u32, role u8 */
  NM_EV_REFUSED = 6,     /* op u8, status i8, role u8, reasons u32 */
  NM_EV_AUTH_FAIL = 7,   /* role u8, failures u32 */
  NM_EV_REJECTED = 8,    /* frame rejected in a session: error i8, total u32 */
  NM_EV_PAIR = 9,        /* slot u8, key_id[8] */
  NM_EV_REVOKE = 10,     /* key_id[8] */
  NM_EV_FAULT = 11,      /* fault u32, detail u32 */
  NM_EV_SELECT = 12,     /* running mask u8, role u8 */
  NM_EV_TEST = 13,       /* node u8, threshold_ua u32 */
  NM_EV_TIME = 14,       /* old epoch u32, new epoch u32 */
  NM_EV_BATTERY = 15,    /* state u8 (nm_batt_state), soc_pm u16, remaining_uah u32 */
  NM_EV_IMPEDANCE = 16,  /* open u16, short u16, high u16, jump u16 (bit per contact), mean_ohm u32,
                            auto u8 (1: the daily check) */
  NM_EV_USAGE = 17,      /* a day's usage: therapy_min u16, adjustments u16, avg_amp_ua u32,
                            mode_changes u8, soc_pm u16 */
  NM_EV_LEAD_STOP = 18   /* node u8, programs stopped u8 (a short stopped them) */
};

/* Reasons a therapy-off or mode change may carry (NM_OP_THERAPY's optional second byte). */
enum { NM_REASON_NONE = 0, NM_REASON_PREGNANCY = 1, NM_REASON_PATIENT = 2, NM_REASON_CLINICAL = 3 };

/* Lead integrity: a contact whose impedance moved by more than this (per mille of the
 * last check) while staying in range is marked as possible lead migration. */
#define NM_IMP_JUMP_PM 400u
/* The automatic check runs once a day (not in MRI mode: automatic checks are off). */
#define NM_IMP_CHECK_S 86400u

typedef struct {
  char serial[NM_SERIAL_LEN];
  uint8_t kind;                      /* nm_kind */
  uint8_t therapy;                   /* nm_therapy the device was built for */
  uint8_t cell;                      /* nm_cell: its battery */
  nm_lead_t lead;                    /* the lead it was built for (the hardware) */
  uint8_t clin_id[NM_KEY_ID_LEN];    /* the clinician credential */
  uint8_t clin_key[NM_SECRET_LEN];
} nm_identity_t;

typedef struct {
  uint8_t used;
  uint8_t id[NM_KEY_ID_LEN];
  uint8_t key[NM_SECRET_LEN];
  uint32_t paired_s;                 /* calendar time of pairing, epoch seconds */
} nm_remote_t;

/* What the factory decides for a new device (used only when the flash holds none). */
typedef struct {
  uint8_t kind;      /* nm_kind */
  uint8_t therapy;   /* nm_therapy */
  nm_lead_t lead;
  uint32_t epoch_s;  /* calendar time at provisioning */
  uint8_t cell;      /* nm_cell */
} nm_factory_t;

/* NVM layout, in pages of the port's NVM. */
#define NM_DEV_KV_FIRST 0u
#define NM_DEV_KV_PAGES 4u
#define NM_DEV_LOG_FIRST NM_DEV_KV_PAGES

typedef struct nm_dev {
  const nm_port_t *port;
  nm_core_t core;
  nm_kv_t kv;
  nm_log_t log;
  nm_identity_t id;
  nm_remote_t remotes[NM_MAX_REMOTES];
  uint8_t provisioned_now;  /* 1 when this boot created the identity */
  uint32_t resets;          /* boots so far */
  int64_t epoch_offset_s;   /* calendar seconds = uptime seconds + offset */
  uint32_t rejected;        /* frames rejected by sessions, all time since boot */
  uint32_t auth_failures;   /* failed authentications since boot */
  nm_settings_t saved;      /* settings as last written to flash */
  uint32_t saved_crc;       /* CRC-32 of their encoding */
  uint8_t saved_mode;       /* mode as last written */
  int store_err;            /* last flash error, 0 when none */
  uint8_t scratch[NM_CMD_MAX]; /* encoding buffer (static, not on the stack) */
  /* Lead integrity: the last check, for the trend (persisted). */
  uint32_t imp_last_ohm[NM_MAX_CONTACTS];
  uint32_t imp_last_s;      /* calendar time of the last check, 0 = never */
  uint16_t imp_jump;        /* contacts marked as possible migration by the last check */
  /* Usage of the calendar day in progress (RAM: a reset loses the partial day). */
  uint32_t use_day;         /* epoch day being counted */
  uint64_t use_therapy_ms, use_amp_ua_ms, use_last_us;
  uint16_t use_adjust;
  uint8_t use_modes;
} nm_dev_t;

/* Boot: mount the flash, load (or, on blank flash, provision from `factory` with fresh
 * random identity and keys) the identity, settings, mode and remotes, and start the core.
 * Returns NM_OK or the error that prevents booting (NM_ECORRUPT, NM_EIO...). */
int nm_dev_boot(nm_dev_t *d, const nm_port_t *port, const nm_factory_t *factory);
/* One command from `role` (see above). Always produces a response (status first). */
int nm_dev_exec(nm_dev_t *d, uint8_t role, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap,
                size_t *resp_len);
/* The timer fired: wake the core, record what changed (faults), persist. Returns the
 * next wake time (us). */
uint64_t nm_dev_wake(nm_dev_t *d);
/* Calendar time now, epoch seconds. */
uint32_t nm_dev_epoch_s(const nm_dev_t *d);
/* Append an event: type and up to 19 bytes of data. Failures are counted, not fatal. */
void nm_dev_event(nm_dev_t *d, uint8_t type, const uint8_t *data, size_t len);
/* One frame received by the radio for session s (a nm_sess_t set up with nm_sess_init on
 * a nm_proto_dev_t whose lookup is nm_dev_key_lookup). Runs the protocol, executes an
 * authenticated request with nm_dev_exec for the session's role, logs failed
 * authentications and rejected frames, and writes the frame to send back (if any) into
 * out (cap >= NM_FRAME_MAX). work: 2 x NM_CMD_MAX bytes of scratch from the caller.
 * Returns nm_sess_rx's outcome; NM_SESS_REQUEST when a request was executed (work[0] is its
 * op, work[NM_CMD_MAX] its status) and out holds the sealed response. */
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
