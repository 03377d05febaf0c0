/* devinfo.c: see devinfo.h. */
#define _DEFAULT_SOURCE
#include "devinfo.h"

#include <string.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fmt.h"
#include "nmod/wire.h"

/* The device lists its stored programs in slot order, one per bit of valid_mask: a slot
 * that is not the next bit would index past the programs (and shift past 32 bits). */
static int status_slots_ok(const di_status_t *s) {
  uint8_t k = 0;
  for (uint8_t slot = 0; slot < NM_MAX_PROGRAMS; slot++) {
    if (!(s->valid_mask & (1u << slot))) continue;
    if (k >= s->n_prog || s->prog[k].slot != slot) return 0;
    k++;
  }
  return k == s->n_prog;
}

int di_status(const uint8_t *p, size_t n, di_status_t *out) {
  nm_rd_t r;
  nm_rd_init(&r, p, n);
  nm_wire_get_status(&r, out);
  return nm_rd_done(&r) == NM_OK && status_slots_ok(out) ? 0 : -1;
}

int di_identity(const uint8_t *p, size_t n, di_identity_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  nm_rd_init(&r, p, n);
  nm_rd_bytes(&r, out->serial, NM_SERIAL_LEN);
  out->kind = nm_rd_u8(&r);
  out->therapy = nm_rd_u8(&r);
  for (int i = 0; i < 3; i++) out->fw[i] = nm_rd_u8(&r);
  out->lead_model = nm_rd_u8(&r);
  out->resets = nm_rd_u32(&r);
  out->rejected = nm_rd_u32(&r);
  out->auth_failures = nm_rd_u32(&r);
  out->log_first = nm_rd_u32(&r);
  out->log_next = nm_rd_u32(&r);
  out->epoch_s = nm_rd_u32(&r);
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

int di_interrogation(const uint8_t *p, size_t n, di_interrogation_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  nm_rd_init(&r, p, n);
  nm_wire_get_status(&r, &out->status);
  if (!status_slots_ok(&out->status)) return -1;
  nm_wire_get_lead(&r, &out->lead, &out->load);
  for (uint8_t i = 0; i < out->status.n_prog; i++) nm_wire_get_prog(&r, &out->prog[i]);
  out->n_contacts = nm_rd_u8(&r);
  if (out->n_contacts > NM_MAX_CONTACTS) return -1;
  for (uint8_t i = 0; i < out->n_contacts; i++) out->threshold_ua[i] = nm_rd_u32(&r);
  out->test_node = nm_rd_u8(&r);
  out->test_amp_ua = nm_rd_u32(&r);
  out->uptime_us = nm_rd_u64(&r);
  out->wakeups = nm_rd_u64(&r);
  out->loads = nm_rd_u32(&r);
  out->capacity_uah = nm_rd_u32(&r);
  out->remaining_uah = nm_rd_u32(&r);
  out->voltage_mv = nm_rd_u32(&r);
  out->cycles_x100 = nm_rd_u32(&r);
  out->avg_na = nm_rd_u32(&r);
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

int di_impedance(const uint8_t *p, size_t n, di_impedance_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  nm_rd_init(&r, p, n);
  out->n = nm_rd_u8(&r);
  if (out->n > NM_MAX_CONTACTS) return -1;
  for (uint8_t i = 0; i < out->n; i++) {
    out->contact[i].node = nm_rd_u8(&r);
    out->contact[i].ohm = nm_rd_u32(&r);
    out->contact[i].cls = nm_rd_u8(&r);
  }
  out->m = nm_rd_u8(&r);
  if (out->m > NM_MAX_PROGRAMS) return -1;
  for (uint8_t i = 0; i < out->m; i++) {
    di_imp_pair_t *q = &out->pair[i];
    q->slot = nm_rd_u8(&r);
    q->cathode = nm_rd_u8(&r);
    q->anode = nm_rd_u8(&r);
    q->ohm = nm_rd_u32(&r);
    q->cls = nm_rd_u8(&r);
  }
  out->jump = nm_rd_u16(&r);
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

int di_remotes(const uint8_t *p, size_t n, di_remotes_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  nm_rd_init(&r, p, n);
  out->n = nm_rd_u8(&r);
  if (out->n > NM_MAX_REMOTES) return -1;
  for (uint8_t i = 0; i < out->n; i++) {
    nm_rd_bytes(&r, out->r[i].id, NM_KEY_ID_LEN);
    out->r[i].paired_s = nm_rd_u32(&r);
  }
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

int di_history(const uint8_t *p, size_t n, di_history_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  nm_rd_init(&r, p, n);
  out->first = nm_rd_u32(&r);
  out->next = nm_rd_u32(&r);
  out->n = nm_rd_u8(&r);
  if (out->n > NM_HISTORY_MAX_PER_CALL) return -1;
  for (uint8_t i = 0; i < out->n; i++) {
    di_event_t *e = &out->ev[i];
    e->seq = nm_rd_u32(&r);
    /* A record is the event's time u32 and type u8, then its data. */
    uint8_t len = nm_rd_u8(&r);
    if (len < 5 || len > NM_LOG_PAYLOAD_MAX) return -1;
    e->t_s = nm_rd_u32(&r);
    e->type = nm_rd_u8(&r);
    e->len = (uint8_t)(len - 5u);
    nm_rd_bytes(&r, e->data, e->len);
  }
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

const char *di_kind(uint8_t kind) { return kind == NM_KIND_INS ? "ins" : "ets"; }
const char *di_therapy(uint8_t therapy) { return therapy == NM_THERAPY_SNM ? "snm" : "scs"; }

const char *di_fault(uint32_t fault) {
  switch (fault) {
    case NM_FAULT_NONE: return "none";
    case NM_FAULT_LIMITER: return "output limiter tripped";
    case NM_FAULT_ASSERT: return "internal check failed";
    case NM_FAULT_OUTPUT: return "output stage failed";
    case NM_FAULT_BATTERY: return "battery at end of service or depleted";
    case NM_FAULT_LEAD: return "shorted lead contact";
    default: return "unknown";
  }
}

const char *di_batt_state(uint8_t state) {
  static const char *const n[] = {"ok", "low", "eri", "eos"};
  return state < 4 ? n[state] : "unknown";
}

const char *di_cell(uint8_t cell) { return cell == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary"; }

const char *di_time(uint32_t epoch_s, char *buf, size_t cap) {
  time_t t = (time_t)epoch_s;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

const char *di_event_type(uint8_t type) {
  static const char *const names[] = {"?",        "boot",   "provision", "mode",   "program", "amplitude", "refused",
                                      "auth-fail", "rejected-frame", "pair", "revoke", "fault",  "select",    "test-stim",
                                      "time", "battery", "impedance", "usage", "lead-stop"};
  return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

const char *di_reason(uint8_t reason) {
  static const char *const n[] = {NULL, "pregnancy", "patient", "clinical"};
  return reason < 4 ? n[reason] : NULL;
}

static const char *role_name(uint8_t role) {
  return role == NM_ROLE_CLINICIAN ? "clinician" : role == NM_ROLE_PATIENT ? "patient" : "device";
}

const char *di_event_text(const di_event_t *e, char *buf, size_t cap) {
  nm_rd_t r;
  char a[32], b[32];
  nm_rd_init(&r, e->data, e->len);
  switch (e->type) {
    case NM_EV_BOOT: snprintf(buf, cap, "boot (reset %u)", nm_rd_u32(&r)); break;
    case NM_EV_PROVISION: snprintf(buf, cap, "device provisioned"); break;
    case NM_EV_MODE: {
      uint8_t from = nm_rd_u8(&r), to = nm_rd_u8(&r), role = nm_rd_u8(&r), why = e->len > 3 ? nm_rd_u8(&r) : 0;
      static const char *const reasons[] = {"", ", reason: pregnancy", ", reason: the patient's wish", ", reason: clinical"};
      snprintf(buf, cap, "mode %s -> %s (%s%s)", nm_mode_name(from), nm_mode_name(to), role_name(role),
               why < 4 ? reasons[why] : "");
      if (to == NM_MODE_SURGERY) strncat(buf, ": surgical team to use bipolar diathermy", cap - strlen(buf) - 1);
      break;
    }
    case NM_EV_BATTERY: {
      uint8_t st = nm_rd_u8(&r);
      uint16_t soc = nm_rd_u16(&r);
      uint32_t rem = nm_rd_u32(&r);
      snprintf(buf, cap, "battery %s at %u.%u %% (%s mAh left)", di_batt_state(st), soc / 10u, soc % 10u,
               fmt_fixed(a, sizeof a, rem, 3, 1));
      break;
    }
    case NM_EV_IMPEDANCE: {
      uint16_t open = nm_rd_u16(&r), shrt = nm_rd_u16(&r), high = nm_rd_u16(&r), jump = nm_rd_u16(&r);
      uint32_t mean = nm_rd_u32(&r);
      uint8_t aut = nm_rd_u8(&r);
      snprintf(buf, cap, "%s lead check: mean %u ohm; open 0x%04x, short 0x%04x, high 0x%04x, jump 0x%04x",
               aut ? "daily" : "requested", mean, open, shrt, high, jump);
      break;
    }
    case NM_EV_USAGE: {
      uint16_t min = nm_rd_u16(&r), adj = nm_rd_u16(&r);
      uint32_t amp = nm_rd_u32(&r);
      uint8_t modes = nm_rd_u8(&r);
      uint16_t soc = nm_rd_u16(&r);
      snprintf(buf, cap, "day's usage: %u.%u h of therapy, %u adjustments, average %s mA, %u mode changes, battery %u %%",
               min / 60u, (min % 60u) * 10u / 60u, adj, fmt_fixed(a, sizeof a, amp, 3, 1), modes, soc / 10u);
      break;
    }
    case NM_EV_LEAD_STOP: {
      uint8_t node = nm_rd_u8(&r), progs = nm_rd_u8(&r);
      snprintf(buf, cap, "%s shorted: programs 0x%02x using it were stopped", fmt_node(b, sizeof b, node), progs);
      break;
    }
    case NM_EV_PROGRAM: {
      uint8_t n = nm_rd_u8(&r), run = nm_rd_u8(&r);
      snprintf(buf, cap, "programmed: %u program(s), running mask 0x%02x", n, run);
      break;
    }
    case NM_EV_AMP: {
      uint8_t slot = nm_rd_u8(&r);
      uint32_t ua = nm_rd_u32(&r);
      uint8_t role = nm_rd_u8(&r);
      snprintf(buf, cap, "amplitude of program %u set to %s mA (%s)", slot, fmt_fixed(a, sizeof a, ua, 3, 1),
               role_name(role));
      break;
    }
    case NM_EV_REFUSED: {
      uint8_t op = nm_rd_u8(&r);
      int8_t st = (int8_t)nm_rd_u8(&r);
      uint8_t role = nm_rd_u8(&r);
      uint32_t reasons = nm_rd_u32(&r);
      snprintf(buf, cap, "command 0x%02x from %s refused: %s%s%s", op, role_name(role), nm_err_str(st),
               reasons ? ", reasons 0x" : "", reasons ? (snprintf(b, sizeof b, "%08x", reasons), b) : "");
      break;
    }
    case NM_EV_AUTH_FAIL: {
      uint8_t role = nm_rd_u8(&r);
      uint32_t n = nm_rd_u32(&r);
      snprintf(buf, cap, "authentication failed (claimed %s; %u since boot)", role_name(role), n);
      break;
    }
    case NM_EV_REJECTED: {
      int8_t code = (int8_t)nm_rd_u8(&r);
      uint32_t n = nm_rd_u32(&r);
      snprintf(buf, cap, "frame rejected: %s (%u since boot)", nm_err_str(code), n);
      break;
    }
    case NM_EV_PAIR: {
      uint8_t slot = nm_rd_u8(&r), id[8];
      nm_rd_bytes(&r, id, 8);
      char hex[17];
      for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
      snprintf(buf, cap, "remote %s paired (slot %u)", hex, slot);
      break;
    }
    case NM_EV_REVOKE: {
      uint8_t id[8];
      nm_rd_bytes(&r, id, 8);
      char hex[17];
      for (int i = 0; i < 8; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
      snprintf(buf, cap, "remote %s revoked", hex);
      break;
    }
    case NM_EV_FAULT: {
      uint32_t f = nm_rd_u32(&r), d = nm_rd_u32(&r);
      snprintf(buf, cap, "fault: %s (detail %u), stimulation off", di_fault(f), d);
      break;
    }
    case NM_EV_SELECT: {
      uint8_t m = nm_rd_u8(&r), role = nm_rd_u8(&r);
      snprintf(buf, cap, "running programs mask 0x%02x (%s)", m, role_name(role));
      break;
    }
    case NM_EV_TEST: {
      uint8_t node = nm_rd_u8(&r);
      uint32_t ua = nm_rd_u32(&r);
      snprintf(buf, cap, "test stimulation: response on %s at %s mA", fmt_node(b, sizeof b, node),
               fmt_fixed(a, sizeof a, ua, 3, 1));
      break;
    }
    case NM_EV_TIME: {
      uint32_t from = nm_rd_u32(&r), to = nm_rd_u32(&r);
      snprintf(buf, cap, "clock set from %s to %s", di_time(from, a, sizeof a), di_time(to, b, sizeof b));
      break;
    }
    default: snprintf(buf, cap, "event type %u", e->type);
  }
  return buf;
}

void di_json_status(js_w *w, const di_status_t *s) {
  jw_key(w, "mode");
  jw_str(w, nm_mode_name(s->mode));
  jw_key(w, "therapy_on");
  jw_bool(w, s->therapy_on);
  jw_key(w, "fault");
  jw_str(w, di_fault(s->fault));
  jw_key(w, "battery");
  jw_obj(w);
  jw_key(w, "cell");
  jw_str(w, di_cell(s->cell));
  jw_key(w, "state");
  jw_str(w, di_batt_state(s->batt_state));
  jw_key(w, "pct");
  jw_fixed(w, s->soc_pm, 1);
  jw_key(w, "charging");
  jw_bool(w, s->charging);
  jw_obj_end(w);
  jw_key(w, "lead_alerts");
  jw_arr(w);
  for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
    char b[48];
    if (s->lead_open & (1u << n)) {
      snprintf(b, sizeof b, "E%u open", n);
      jw_str(w, b);
    }
    if (s->lead_short & (1u << n)) {
      snprintf(b, sizeof b, "E%u short", n);
      jw_str(w, b);
    }
  }
  jw_arr_end(w);
  jw_key(w, "programs");
  jw_arr(w);
  for (uint8_t i = 0; i < s->n_prog; i++) {
    const di_prog_status_t *p = &s->prog[i];
    jw_obj(w);
    jw_key(w, "slot");
    jw_uint(w, p->slot);
    jw_key(w, "name");
    jw_str(w, p->name);
    jw_key(w, "running");
    jw_bool(w, di_running(s, p->slot));
    jw_key(w, "amplitude_ma");
    jw_fixed(w, p->amp_ua, 3);
    jw_key(w, "patient_range_ma");
    jw_arr(w);
    jw_fixed(w, p->pt_min_ua, 3);
    jw_fixed(w, p->pt_max_ua, 3);
    jw_arr_end(w);
    jw_key(w, "delivered_ma");
    jw_fixed(w, p->level_ua, 3);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

void di_json_identity(js_w *w, const di_identity_t *id) {
  char fw[16], t[32];
  snprintf(fw, sizeof fw, "%u.%u.%u", id->fw[0], id->fw[1], id->fw[2]);
  jw_key(w, "serial");
  jw_str(w, id->serial);
  jw_key(w, "kind");
  jw_str(w, di_kind(id->kind));
  jw_key(w, "therapy");
  jw_str(w, di_therapy(id->therapy));
  jw_key(w, "firmware");
  jw_str(w, fw);
  jw_key(w, "lead");
  jw_str(w, nm_lead_name(id->lead_model));
  jw_key(w, "device_time");
  jw_str(w, di_time(id->epoch_s, t, sizeof t));
  jw_key(w, "resets");
  jw_uint(w, id->resets);
  jw_key(w, "rejected_frames");
  jw_uint(w, id->rejected);
  jw_key(w, "failed_authentications");
  jw_uint(w, id->auth_failures);
}

void di_json_event(js_w *w, const di_event_t *e) {
  char t[32], text[160];
  jw_obj(w);
  jw_key(w, "seq");
  jw_uint(w, e->seq);
  jw_key(w, "time");
  jw_str(w, di_time(e->t_s, t, sizeof t));
  jw_key(w, "type");
  jw_str(w, di_event_type(e->type));
  jw_key(w, "text");
  jw_str(w, di_event_text(e, text, sizeof text));
  nm_rd_t r;
  nm_rd_init(&r, e->data, e->len);
  switch (e->type) {
    case NM_EV_USAGE:
      jw_key(w, "therapy_hours");
      jw_fixed(w, nm_rd_u16(&r) * 1000 / 60, 3);
      jw_key(w, "adjustments");
      jw_uint(w, nm_rd_u16(&r));
      jw_key(w, "average_amplitude_ma");
      jw_fixed(w, nm_rd_u32(&r), 3);
      jw_key(w, "mode_changes");
      jw_uint(w, nm_rd_u8(&r));
      jw_key(w, "battery_pct");
      jw_fixed(w, nm_rd_u16(&r), 1);
      break;
    case NM_EV_BATTERY:
      jw_key(w, "state");
      jw_str(w, di_batt_state(nm_rd_u8(&r)));
      jw_key(w, "battery_pct");
      jw_fixed(w, nm_rd_u16(&r), 1);
      jw_key(w, "remaining_mah");
      jw_fixed(w, nm_rd_u32(&r), 3);
      break;
    case NM_EV_IMPEDANCE: {
      uint16_t masks[4];
      for (int i = 0; i < 4; i++) masks[i] = nm_rd_u16(&r);
      jw_key(w, "mean_ohm");
      jw_uint(w, nm_rd_u32(&r));
      static const char *const names[] = {"open", "short", "high", "jump"};
      for (int i = 0; i < 4; i++) {
        jw_key(w, names[i]);
        jw_arr(w);
        for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
          char b[8];
          if (masks[i] & (1u << n)) jw_str(w, fmt_node(b, sizeof b, n));
        }
        jw_arr_end(w);
      }
      jw_key(w, "auto");
      jw_bool(w, nm_rd_u8(&r) != 0);
      break;
    }
    case NM_EV_AMP: {
      uint8_t slot = nm_rd_u8(&r);
      jw_key(w, "amplitude_ma");
      jw_fixed(w, nm_rd_u32(&r), 3);
      jw_key(w, "by");
      jw_str(w, role_name(nm_rd_u8(&r)));
      jw_key(w, "slot");
      jw_uint(w, slot);
      break;
    }
    case NM_EV_MODE: {
      jw_key(w, "from");
      jw_str(w, nm_mode_name(nm_rd_u8(&r)));
      jw_key(w, "to");
      jw_str(w, nm_mode_name(nm_rd_u8(&r)));
      jw_key(w, "by");
      jw_str(w, role_name(nm_rd_u8(&r)));
      /* Older records have no reason byte. */
      uint8_t why = e->len > 3 ? nm_rd_u8(&r) : NM_REASON_NONE;
      jw_key(w, "reason");
      if (di_reason(why)) jw_str(w, di_reason(why));
      else jw_null(w);
      break;
    }
    case NM_EV_FAULT: {
      uint32_t f = nm_rd_u32(&r);
      jw_key(w, "fault");
      jw_str(w, di_fault(f));
      jw_key(w, "fault_code");
      jw_uint(w, f);
      jw_key(w, "detail");
      jw_uint(w, nm_rd_u32(&r));
      break;
    }
    case NM_EV_LEAD_STOP: {
      char b[8];
      uint8_t node = nm_rd_u8(&r), progs = nm_rd_u8(&r);
      jw_key(w, "contact");
      jw_str(w, fmt_node(b, sizeof b, node));
      jw_key(w, "programs");
      jw_arr(w);
      for (uint8_t i = 0; i < 8; i++) {
        if (progs & (1u << i)) jw_uint(w, i);
      }
      jw_arr_end(w);
      break;
    }
    case NM_EV_BOOT:
      jw_key(w, "reset");
      jw_uint(w, nm_rd_u32(&r));
      break;
    default:
      break;
  }
  jw_obj_end(w);
}
