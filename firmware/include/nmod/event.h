/* nmod/event.h: the device's history events, as one record type.
 *
 * The core emits the events of what it changes (mode, running set, amplitude, faults,
 * programs, test thresholds, battery state); the device layer adds its own (boot, pairing,
 * lead checks, usage, storage, link), stamps time, role and reason, and writes each one to
 * the event log with nm_event_put (nmod/records.h). The host reads them back with
 * nm_event_get: one encoder and one decoder for every reader.
 *
 * On flash and on the air an event is: t_s u32 | type u8 | the type's fields (below, in
 * order, little-endian). Type numbers are part of the stored format: never reuse one. */
#ifndef NMOD_EVENT_H
#define NMOD_EVENT_H

#include <stdint.h>

#include "nmod/proto.h"

enum {
  NM_EV_BOOT = 1,       /* resets u32 */
  NM_EV_PROVISION = 2,  /* (none) */
  NM_EV_MODE = 3,       /* from u8, to u8, role u8, reason u8 */
  NM_EV_PROGRAM = 4,    /* n u8, running u8 */
  NM_EV_AMP = 5,        /* slot u8, amp_ua u32, role u8 */
  NM_EV_REFUSED = 6,    /* op u8, status i8, role u8, reasons u32 */
  NM_EV_AUTH_FAIL = 7,  /* role u8 (claimed), count u32 (since the last such event), total u32 (since boot) */
  NM_EV_REJECTED = 8,   /* error i8 (the last one), count u32, total u32 */
  NM_EV_PAIR = 9,       /* slot u8, key_id[8] */
  NM_EV_REVOKE = 10,    /* key_id[8] */
  NM_EV_FAULT = 11,     /* fault u32 (nm_fault), detail u32 */
  NM_EV_SELECT = 12,    /* running u8, role u8 */
  NM_EV_TEST = 13,      /* node u8, threshold_ua u32 */
  NM_EV_TIME = 14,      /* old_s u32, new_s u32 */
  NM_EV_BATTERY = 15,   /* state u8 (nm_batt_state), soc_pm u16, remaining_uah u32 */
  NM_EV_IMPEDANCE = 16, /* open u16, short u16, high u16, jump u16 (bit per contact), mean_ohm u32,
                           auto u8 (1: the daily check) */
  NM_EV_USAGE = 17,     /* therapy_min u16, adjustments u16, avg_amp_ua u32, mode_changes u8, soc_pm u16 */
  NM_EV_LEAD_STOP = 18, /* node u8, programs u8 (a short stopped them) */
  NM_EV_DAMAGE = 19,    /* keys u16 (NM_DAMAGE_* bits: what damage rolled back or lost), bad_records u16,
                           bad_headers u16, log_bad u16: flash damage found at boot */
  NM_EV_STORE = 20,     /* failing u8 (1: writes fail from now; 0: they work again), queued u16
                           (events kept in RAM meanwhile), dropped u16 (of them, lost: queue full) */
  NM_EV_TEST_STIM = 21, /* node u8, amp_ua u32: test stimulation started or stepped (intra-operative) */
  NM_EV_LOOP = 22,      /* slot u8, what u8 (NM_LOOPEV_*), fault u8 (NM_LOOP_F_*), role u8, target_uv u16,
                           amp_ua u32: a closed loop turned on or off, its target moved, or it fell back */
  NM_EV_TYPE_COUNT
};

/* What NM_EV_DAMAGE says was affected (docs/STORAGE.md, docs/DEVICE-HEALTH.md). */
enum {
  NM_DAMAGE_IDENTITY = 1u << 0, /* one copy of the identity (the other was used) */
  NM_DAMAGE_SETTINGS = 1u << 1, /* settings rolled back to an older record, or lost */
  NM_DAMAGE_REMOTES = 1u << 2,  /* remote pairings rolled back or lost */
  NM_DAMAGE_META = 1u << 3,     /* counters and calendar rolled back or lost */
  NM_DAMAGE_LEADCHK = 1u << 4,  /* the last lead check's readings */
  NM_DAMAGE_UNKNOWN = 1u << 5,  /* a record whose key cannot be read: anything may be older */
  NM_DAMAGE_PAGE = 1u << 6,     /* a page header: an older page is in use */
  NM_DAMAGE_LOG = 1u << 7       /* events in the history */
};

/* What an NM_EV_LOOP event says happened. */
enum { NM_LOOPEV_OFF = 0, NM_LOOPEV_ON = 1, NM_LOOPEV_FALLBACK = 2, NM_LOOPEV_TARGET = 3 };

/* Reasons a therapy-off or mode change may carry (an optional last byte of the request). */
enum { NM_REASON_NONE = 0, NM_REASON_PREGNANCY = 1, NM_REASON_PATIENT = 2, NM_REASON_CLINICAL = 3, NM_REASON_COUNT };

typedef struct {
  uint32_t t_s; /* calendar time, epoch seconds */
  uint8_t type; /* NM_EV_* */
  union {
    struct { uint32_t resets; } boot;
    struct { uint8_t from, to, role, reason; } mode;
    struct { uint8_t n, running; } program;
    struct { uint8_t slot, role; uint32_t amp_ua; } amp;
    struct { uint8_t op, role; int8_t status; uint32_t reasons; } refused;
    struct { uint8_t role; uint32_t count, total; } auth_fail;
    struct { int8_t error; uint32_t count, total; } rejected;
    struct { uint8_t slot; uint8_t key_id[NM_KEY_ID_LEN]; } pair;
    struct { uint8_t key_id[NM_KEY_ID_LEN]; } revoke;
    struct { uint32_t fault, detail; } fault;
    struct { uint8_t running, role; } select;
    struct { uint8_t node; uint32_t threshold_ua; } test;
    struct { uint8_t node; uint32_t amp_ua; } test_stim;
    struct { uint32_t old_s, new_s; } time;
    struct { uint8_t state; uint16_t soc_pm; uint32_t remaining_uah; } battery;
    struct { uint16_t open, shrt, high, jump; uint32_t mean_ohm; uint8_t auto_check; } impedance;
    struct { uint16_t therapy_min, adjustments; uint32_t avg_amp_ua; uint8_t mode_changes; uint16_t soc_pm; } usage;
    struct { uint8_t node, progs; } lead_stop;
    struct { uint16_t keys, bad_records, bad_headers, log_bad; } damage;
    struct { uint8_t failing; uint16_t queued, dropped; } store;
    struct { uint8_t slot, what, fault, role; uint16_t target_uv; uint32_t amp_ua; } loop;
  } u;
} nm_event_t;

#endif
