/* devinfo.c: see devinfo.h. */
#define _DEFAULT_SOURCE
#include "devinfo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hu_fmt.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "nmod/records.h"

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

const char *di_loop_fault(uint8_t fault) {
  switch (fault) {
    case NM_LOOP_F_NONE: return "none";
    case NM_LOOP_F_CONTACT: return "sensing contact lost";
    case NM_LOOP_F_SATURATED: return "sensing front end saturated";
    case NM_LOOP_F_NOISE: return "noise on the sensing contacts";
    case NM_LOOP_F_NO_RESPONSE: return "ECAP no longer responds to current";
    default: return "unknown";
  }
}

const char *di_loop_state(uint8_t state) {
  switch (state) {
    case NM_LOOP_OFF: return "off";
    case NM_LOOP_RUN: return "on";
    case NM_LOOP_FALLBACK: return "fallback";
    default: return "unknown";
  }
}

/* A reader over p[0..n), the result cleared. */
static void rd_begin(nm_rd_t *r, const uint8_t *p, size_t n, void *out, size_t size) {
  memset(out, 0, size);
  nm_rd_init(r, p, n);
}

int di_status(const uint8_t *p, size_t n, di_status_t *out) {
  nm_rd_t r;
  nm_rd_init(&r, p, n);
  nm_wire_get_status(&r, out);
  return nm_rd_done(&r) == NM_OK && status_slots_ok(out) ? 0 : -1;
}

int di_identity(const uint8_t *p, size_t n, di_identity_t *out) {
  nm_rd_t r;
  rd_begin(&r, p, n, out, sizeof *out);
  nm_wire_get_ident(&r, &out->id);
  memcpy(out->serial, out->id.serial, NM_SERIAL_LEN);
  out->serial[NM_SERIAL_LEN] = '\0';
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

int di_interrogation(const uint8_t *p, size_t n, di_interrogation_t *out) {
  nm_rd_t r;
  rd_begin(&r, p, n, out, sizeof *out);
  nm_wire_get_interrog(&r, &out->sum);
  if (!status_slots_ok(&out->sum.status)) return -1;
  return nm_rd_done(&r) == NM_OK ? 0 : -1;
}

void di_event_decode(const uint8_t *rec, size_t len, uint32_t seq, di_event_t *out) {
  nm_rd_t r;
  memset(out, 0, sizeof *out);
  out->seq = seq;
  nm_rd_init(&r, rec, len);
  out->known = nm_event_get(&r, &out->ev) == NM_OK;
}

int di_impedance(const uint8_t *p, size_t n, di_impedance_t *out) {
  nm_rd_t r;
  rd_begin(&r, p, n, out, sizeof *out);
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
  rd_begin(&r, p, n, out, sizeof *out);
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
  rd_begin(&r, p, n, out, sizeof *out);
  out->first = nm_rd_u32(&r);
  out->next = nm_rd_u32(&r);
  out->cont = nm_rd_u32(&r);
  out->n = nm_rd_u8(&r);
  if (out->n > NM_HISTORY_MAX_PER_CALL) return -1;
  for (uint8_t i = 0; i < out->n; i++) {
    uint32_t seq = nm_rd_u32(&r);
    /* A record is the event's time u32 and type u8, then its fields. */
    uint8_t len = nm_rd_u8(&r);
    if (len < 5 || len > NM_LOG_PAYLOAD_MAX) return -1;
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    nm_rd_bytes(&r, rec, len);
    if (r.err) return -1;
    di_event_decode(rec, len, seq, &out->ev[i]);
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
    case NM_FAULT_SETTINGS: return "stored settings refused at boot";
    case NM_FAULT_STORE: return "memory could not be written at boot";
    case NM_FAULT_DAMAGE: return "settings rolled back or lost by memory damage";
    default: return "unknown";
  }
}

/* The memory alerts (NM_ALERT_*, nmod/core.h): a name for JSON and the clinician, the
 * clinician's words, and what the patient is told. */
static const struct {
  uint16_t bit;
  const char *name, *clinician, *patient;
} alerts[] = {
    {NM_ALERT_STORE, "memory-not-writable",
     "flash writes fail: changes are in effect in RAM but not stored (retried every second); "
     "a change that raises stimulation is refused",
     "the stimulator's memory is not working: your last change is in effect but not stored; contact your clinic"},
    {NM_ALERT_DAMAGE, "memory-damage", "flash damage found at boot: see the damage event in 'history'",
     "memory damage found: contact your clinic"},
    {NM_ALERT_SETTINGS, "settings-refused", "the stored settings were refused at boot: therapy off until reprogrammed",
     "the stimulator's stored settings could not be used, so stimulation is off: contact your clinic"},
    {NM_ALERT_IDENTITY, "identity-copy-damaged", "one copy of the device identity is damaged; the other is in use",
     "memory damage found: contact your clinic"},
    {NM_ALERT_REMOTES, "remote-pairings-lost", "remote pairings were rolled back or lost by memory damage: pair again",
     "remote pairings were lost to memory damage: contact your clinic"},
};

const char *di_alert(uint16_t bit, int who) {
  for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
    if (alerts[i].bit != bit) continue;
    return who == DI_ALERT_NAME ? alerts[i].name : who == DI_ALERT_CLINICIAN ? alerts[i].clinician : alerts[i].patient;
  }
  return who == DI_ALERT_NAME ? "unknown-alert"
         : who == DI_ALERT_CLINICIAN ? "an alert this programmer does not know (update it)"
                                     : "the stimulator reports a problem: contact your clinic";
}

const char *di_batt_state(uint8_t state) {
  static const char *const n[] = {"ok", "low", "eri", "eos"};
  return state < 4 ? n[state] : "unknown";
}

const char *di_cell(uint8_t cell) { return cell == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary"; }

const char *di_event_type(uint8_t type) {
  static const char *const names[] = {"?",        "boot",   "provision", "mode",   "program", "amplitude", "refused",
                                      "auth-fail", "rejected-frame", "pair", "revoke", "fault",  "select",    "test-stim",
                                      "time", "battery", "impedance", "usage", "lead-stop", "damage", "storage", "test-pulse"};
  return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

const char *di_reason(uint8_t reason) {
  static const char *const n[] = {NULL, "pregnancy", "patient", "clinical"};
  return reason < 4 ? n[reason] : NULL;
}

static const char *role_name(uint8_t role) {
  return role == NM_ROLE_CLINICIAN ? "clinician" : role == NM_ROLE_PATIENT ? "patient" : "device";
}

static const char *key_hex(const uint8_t id[NM_KEY_ID_LEN], char hex[2 * NM_KEY_ID_LEN + 1]) {
  for (unsigned i = 0; i < NM_KEY_ID_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", id[i]);
  return hex;
}

/* What memory damage affected (NM_DAMAGE_* bits), in words. */
static const char *damage_text(uint16_t keys, char *buf, size_t cap) {
  static const char *const names[] = {"identity copy", "settings", "remote pairings", "counters",
                                      "last lead check", "a record of unknown kind", "a page", "history events"};
  buf[0] = '\0';
  for (unsigned i = 0; i < 8; i++) {
    if (!(keys & (1u << i))) continue;
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", names[i]);
  }
  return buf[0] ? buf : "nothing named";
}

const char *di_event_text(const di_event_t *de, char *buf, size_t cap) {
  char a[32], b[96];
  const nm_event_t *e = &de->ev;
  if (!de->known) {
    snprintf(buf, cap, "event type %u (not decoded)", e->type);
    return buf;
  }
  switch (e->type) {
    case NM_EV_BOOT: snprintf(buf, cap, "boot (reset %u)", e->u.boot.resets); break;
    case NM_EV_PROVISION: snprintf(buf, cap, "device provisioned"); break;
    case NM_EV_MODE: {
      static const char *const reasons[] = {"", ", reason: pregnancy", ", reason: the patient's wish", ", reason: clinical"};
      uint8_t why = e->u.mode.reason;
      snprintf(buf, cap, "mode %s -> %s (%s%s)", nm_mode_name(e->u.mode.from), nm_mode_name(e->u.mode.to),
               role_name(e->u.mode.role), why < 4 ? reasons[why] : "");
      if (e->u.mode.to == NM_MODE_SURGERY) strncat(buf, ": surgical team to use bipolar diathermy", cap - strlen(buf) - 1);
      break;
    }
    case NM_EV_BATTERY:
      snprintf(buf, cap, "battery %s at %s %% (%s mAh left)", di_batt_state(e->u.battery.state),
               hu_fmt_fixed(b, sizeof b, e->u.battery.soc_pm, 1, 1), hu_fmt_fixed(a, sizeof a, e->u.battery.remaining_uah, 3, 1));
      break;
    case NM_EV_IMPEDANCE:
      snprintf(buf, cap, "%s lead check: mean %u ohm; open 0x%04x, short 0x%04x, high 0x%04x, jump 0x%04x",
               e->u.impedance.auto_check ? "daily" : "requested", e->u.impedance.mean_ohm, e->u.impedance.open,
               e->u.impedance.shrt, e->u.impedance.high, e->u.impedance.jump);
      break;
    case NM_EV_USAGE: {
      uint16_t min = e->u.usage.therapy_min;
      snprintf(buf, cap, "day's usage: %s h of therapy, %u adjustments, average %s mA, %u mode changes, battery %u %%",
               hu_fmt_fixed(b, sizeof b, min * 10u / 60u, 1, 1), e->u.usage.adjustments, hu_fmt_fixed(a, sizeof a, e->u.usage.avg_amp_ua, 3, 1),
               e->u.usage.mode_changes, e->u.usage.soc_pm / 10u);
      break;
    }
    case NM_EV_LEAD_STOP:
      snprintf(buf, cap, "%s shorted: programs 0x%02x using it were stopped", hu_contact_name(b, sizeof b, e->u.lead_stop.node),
               e->u.lead_stop.progs);
      break;
    case NM_EV_PROGRAM:
      snprintf(buf, cap, "programmed: %u program(s), running mask 0x%02x", e->u.program.n, e->u.program.running);
      break;
    case NM_EV_AMP:
      snprintf(buf, cap, "amplitude of program %u set to %s mA (%s)", e->u.amp.slot, hu_fmt_fixed(a, sizeof a, e->u.amp.amp_ua, 3, 1),
               role_name(e->u.amp.role));
      break;
    case NM_EV_REFUSED: {
      uint32_t reasons = e->u.refused.reasons;
      if (reasons) snprintf(b, sizeof b, ", reasons 0x%08x", reasons);
      snprintf(buf, cap, "command 0x%02x from %s refused: %s%s", e->u.refused.op, role_name(e->u.refused.role),
               nm_err_str(e->u.refused.status), reasons ? b : "");
      break;
    }
    case NM_EV_AUTH_FAIL:
      snprintf(buf, cap, "authentication failed %u time(s) (last claimed %s; %u since boot)", e->u.auth_fail.count,
               role_name(e->u.auth_fail.role), e->u.auth_fail.total);
      break;
    case NM_EV_REJECTED:
      snprintf(buf, cap, "%u frame(s) rejected (last: %s; %u since boot)", e->u.rejected.count, nm_err_str(e->u.rejected.error),
               e->u.rejected.total);
      break;
    case NM_EV_PAIR:
      snprintf(buf, cap, "remote %s paired (slot %u)", key_hex(e->u.pair.key_id, b), e->u.pair.slot);
      break;
    case NM_EV_REVOKE: snprintf(buf, cap, "remote %s revoked", key_hex(e->u.revoke.key_id, b)); break;
    case NM_EV_FAULT:
      snprintf(buf, cap, "fault: %s (detail %u), stimulation off", di_fault(e->u.fault.fault), e->u.fault.detail);
      break;
    case NM_EV_SELECT:
      snprintf(buf, cap, "running programs mask 0x%02x (%s)", e->u.select.running, role_name(e->u.select.role));
      break;
    case NM_EV_TEST:
      snprintf(buf, cap, "test stimulation: response on %s at %s mA", hu_contact_name(b, sizeof b, e->u.test.node),
               hu_fmt_fixed(a, sizeof a, e->u.test.threshold_ua, 3, 1));
      break;
    case NM_EV_TEST_STIM:
      snprintf(buf, cap, "test stimulation on %s at %s mA", hu_contact_name(b, sizeof b, e->u.test_stim.node),
               hu_fmt_fixed(a, sizeof a, e->u.test_stim.amp_ua, 3, 1));
      break;
    case NM_EV_TIME: {
      char c2[32];
      snprintf(buf, cap, "clock set from %s to %s", hu_time_fmt(a, sizeof a, e->u.time.old_s), hu_time_fmt(c2, sizeof c2, e->u.time.new_s));
      break;
    }
    case NM_EV_DAMAGE:
      snprintf(buf, cap, "memory damage found at boot: %s (%u bad records, %u bad page headers, %u bad history records)",
               damage_text(e->u.damage.keys, b, sizeof b), e->u.damage.bad_records, e->u.damage.bad_headers,
               e->u.damage.log_bad);
      break;
    case NM_EV_STORE:
      if (e->u.store.failing) snprintf(buf, cap, "memory cannot be written: changes kept in RAM until it can");
      else
        snprintf(buf, cap, "memory works again: everything stored (%u events had waited, %u lost)", e->u.store.queued,
                 e->u.store.dropped);
      break;
    case NM_EV_LOOP: {
      const char *what = e->u.loop.what == NM_LOOPEV_ON       ? "on"
                         : e->u.loop.what == NM_LOOPEV_OFF    ? "off"
                         : e->u.loop.what == NM_LOOPEV_TARGET ? "target moved"
                                                              : "fell back";
      snprintf(buf, cap, "closed loop of program %u %s: target %u uV, %s mA%s%s (%s)", e->u.loop.slot, what,
               e->u.loop.target_uv, hu_fmt_fixed(a, sizeof a, e->u.loop.amp_ua, 3, 1),
               e->u.loop.what == NM_LOOPEV_FALLBACK ? ", " : "",
               e->u.loop.what == NM_LOOPEV_FALLBACK ? di_loop_fault(e->u.loop.fault) : "", role_name(e->u.loop.role));
      break;
    }
    default: snprintf(buf, cap, "event type %u", e->type);
  }
  return buf;
}

static void copy_text(char dst[RO_TEXT], const char *src) { snprintf(dst, RO_TEXT, "%s", src); }

void di_readout_status(const di_status_t *s, ro_status_t *out) {
  memset(out, 0, sizeof *out);
  copy_text(out->mode, nm_mode_name(s->mode));
  out->therapy_on = s->therapy_on != 0;
  copy_text(out->fault, di_fault(s->fault));
  copy_text(out->cell, di_cell(s->cell));
  copy_text(out->batt_state, di_batt_state(s->batt_state));
  out->batt_pm = s->soc_pm;
  out->charging = s->charging != 0;
  for (unsigned b = 0; b < 16 && out->n_mem_alerts < RO_MAX_MEM_ALERTS; b++) {
    if (s->alerts & (1u << b)) copy_text(out->mem_alerts[out->n_mem_alerts++], di_alert((uint16_t)(1u << b), DI_ALERT_NAME));
  }
  for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
    if (s->lead_open & (1u << n)) out->alerts[out->n_alerts++] = (ro_lead_alert_t){n, RO_LEAD_OPEN};
    if (s->lead_short & (1u << n)) out->alerts[out->n_alerts++] = (ro_lead_alert_t){n, RO_LEAD_SHORT};
  }
  _Static_assert(NM_MAX_PROGRAMS <= RO_MAX_PROGRAMS && NM_MAX_CONTACTS <= RO_MAX_CONTACTS, "read-out codec too small");
  for (uint8_t i = 0; i < s->n_prog && i < NM_MAX_PROGRAMS; i++) {
    const di_prog_status_t *p = &s->prog[i];
    ro_prog_t *q = &out->prog[out->n_prog++];
    q->slot = p->slot;
    copy_text(q->name, p->name);
    q->running = di_running(s, p->slot);
    q->amplitude_ua = p->amp_ua;
    q->pt_min_ua = p->pt_min_ua;
    q->pt_max_ua = p->pt_max_ua;
    q->delivered_ua = p->level_ua;
  }
}

void di_readout(const di_identity_t *id, const di_interrogation_t *in, ro_readout_t *out) {
  const nm_interrog_t *sum = &in->sum;
  memset(out, 0, sizeof *out);
  copy_text(out->serial, id->serial);
  copy_text(out->kind, di_kind(id->id.kind));
  copy_text(out->therapy, di_therapy(id->id.therapy));
  snprintf(out->firmware, RO_TEXT, "%u.%u.%u", id->id.fw[0], id->id.fw[1], id->id.fw[2]);
  copy_text(out->lead, nm_lead_name(id->id.lead.model));
  hu_time_fmt(out->device_time, RO_TEXT, id->id.epoch_s);
  out->resets = id->id.resets;
  out->rejected_frames = id->id.rejected;
  out->failed_authentications = id->id.auth_failures;
  di_readout_status(&sum->status, &out->status);
  for (int i = 0; i < out->status.n_prog; i++) {
    ro_prog_t *q = &out->status.prog[i];
    copy_text(q->waveform, nm_wave_name(in->prog[i].wave));
    q->rate_hz = in->prog[i].rate_hz;
    q->width_us = in->prog[i].width_us;
  }
  out->impedance_ohm = sum->load.impedance_ohm;
  out->compliance_mv = sum->load.compliance_mv;
  for (uint8_t n = 0; n < sum->n_contacts && n < NM_MAX_CONTACTS; n++)
    if (sum->threshold_ua[n]) out->thresholds[out->n_thresholds++] = (ro_threshold_t){n, sum->threshold_ua[n]};
  out->uptime_s = sum->uptime_us / 1000000u;
  out->capacity_uah = sum->capacity_uah;
  out->remaining_uah = sum->remaining_uah;
  out->voltage_mv = sum->voltage_mv;
  out->avg_current_nua = sum->avg_na;
}

void di_json_status(js_w *w, const di_status_t *s) {
  ro_status_t r;
  di_readout_status(s, &r);
  ro_json_status(w, &r);
}

void di_json_event(js_w *w, const di_event_t *de) {
  char t[32], text[192];
  const nm_event_t *e = &de->ev;
  jw_obj(w);
  jw_kv_uint(w, "seq", de->seq);
  jw_kv_str(w, "time", hu_time_fmt(t, sizeof t, e->t_s));
  jw_kv_str(w, "type", di_event_type(e->type));
  jw_kv_str(w, "text", di_event_text(de, text, sizeof text));
  if (!de->known) {
    jw_obj_end(w);
    return;
  }
  switch (e->type) {
    case NM_EV_USAGE:
      jw_kv_fixed(w, "therapy_hours", e->u.usage.therapy_min * 1000 / 60, 3);
      jw_kv_uint(w, "adjustments", e->u.usage.adjustments);
      jw_kv_fixed(w, "average_amplitude_ma", e->u.usage.avg_amp_ua, 3);
      jw_kv_uint(w, "mode_changes", e->u.usage.mode_changes);
      jw_kv_fixed(w, "battery_pct", e->u.usage.soc_pm, 1);
      break;
    case NM_EV_BATTERY:
      jw_kv_str(w, "state", di_batt_state(e->u.battery.state));
      jw_kv_fixed(w, "battery_pct", e->u.battery.soc_pm, 1);
      jw_kv_fixed(w, "remaining_mah", e->u.battery.remaining_uah, 3);
      break;
    case NM_EV_IMPEDANCE: {
      uint16_t masks[4] = {e->u.impedance.open, e->u.impedance.shrt, e->u.impedance.high, e->u.impedance.jump};
      jw_kv_uint(w, "mean_ohm", e->u.impedance.mean_ohm);
      static const char *const names[] = {"open", "short", "high", "jump"};
      for (int i = 0; i < 4; i++) {
        jw_kv_arr(w, names[i]);
        for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
          char b[8];
          if (masks[i] & (1u << n)) jw_str(w, hu_contact_name(b, sizeof b, n));
        }
        jw_arr_end(w);
      }
      jw_kv_bool(w, "auto", e->u.impedance.auto_check != 0);
      break;
    }
    case NM_EV_AMP:
      jw_kv_fixed(w, "amplitude_ma", e->u.amp.amp_ua, 3);
      jw_kv_str(w, "by", role_name(e->u.amp.role));
      jw_kv_uint(w, "slot", e->u.amp.slot);
      break;
    case NM_EV_MODE:
      jw_kv_str(w, "from", nm_mode_name(e->u.mode.from));
      jw_kv_str(w, "to", nm_mode_name(e->u.mode.to));
      jw_kv_str(w, "by", role_name(e->u.mode.role));
      jw_kv_str_opt(w, "reason", di_reason(e->u.mode.reason));
      break;
    case NM_EV_FAULT:
      jw_kv_str(w, "fault", di_fault(e->u.fault.fault));
      jw_kv_uint(w, "fault_code", e->u.fault.fault);
      jw_kv_uint(w, "detail", e->u.fault.detail);
      break;
    case NM_EV_LEAD_STOP: {
      char b[8];
      jw_kv_str(w, "contact", hu_contact_name(b, sizeof b, e->u.lead_stop.node));
      jw_kv_arr(w, "programs");
      for (uint8_t i = 0; i < 8; i++) {
        if (e->u.lead_stop.progs & (1u << i)) jw_uint(w, i);
      }
      jw_arr_end(w);
      break;
    }
    case NM_EV_BOOT:
      jw_kv_uint(w, "reset", e->u.boot.resets);
      break;
    case NM_EV_DAMAGE:
      jw_kv_uint(w, "damage_keys", e->u.damage.keys);
      jw_kv_uint(w, "bad_records", e->u.damage.bad_records);
      break;
    case NM_EV_STORE:
      jw_kv_bool(w, "failing", e->u.store.failing != 0);
      break;
    default:
      break;
  }
  jw_obj_end(w);
}
