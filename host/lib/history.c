/* history.c: see history.h. */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hu_contact.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "nmod/records.h"

/* ---- reading from the device -------------------------------------------------------- */

int hist_read(const dev_link_t *l, uint32_t since_s, hist_cb cb, void *user) {
  uint32_t from = 0;
  /* Bounded: a log holds far fewer than this many pages of events. The device seeks and
   * filters by time itself (since_s), so only the events asked for cross the link. */
  for (int guard = 0; guard < 100000; guard++) {
    uint8_t req[10], resp[NM_CMD_MAX];
    size_t rl;
    nm_wr_t wr;
    nm_wr_init(&wr, req, sizeof req);
    nm_wr_u8(&wr, NM_OP_HISTORY);
    nm_wr_u32(&wr, from);
    nm_wr_u8(&wr, NM_HISTORY_MAX_PER_CALL);
    if (since_s) nm_wr_u32(&wr, since_s);
    int st = dev_call(l, req, wr.len, resp, sizeof resp, &rl);
    if (st != NM_OK) return st;
    if (rl < 1) return NM_EINVAL;
    di_history_t page;
    if (di_history(resp + 1, rl - 1, &page) != 0) return NM_EINVAL;
    for (uint8_t i = 0; i < page.n; i++) {
      const di_event_t *e = &page.ev[i];
      if (e->ev.t_s < since_s) continue;
      int rc = cb(user, e);
      if (rc != 0) return rc;
    }
    /* cont must move forward (or be the end): a device that says otherwise is refused. */
    if (page.cont == page.next) break;
    if (guard > 0 && (int32_t)(page.cont - from) <= 0) return NM_EINVAL;
    from = page.cont;
  }
  return NM_OK;
}

int hist_collect(void *user, const di_event_t *e) {
  hist_list_t *l = user;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    di_event_t *p = realloc(l->ev, cap * sizeof *p);
    if (!p) return NM_ENOSPC;
    l->ev = p;
    l->cap = cap;
  }
  l->ev[l->n++] = *e;
  return 0;
}

void hist_list_free(hist_list_t *l) {
  free(l->ev);
  memset(l, 0, sizeof *l);
}

/* ---- reading a saved history --------------------------------------------------------- */

typedef struct {
  const js_val *ev;
  size_t i;
  char *err;
  size_t errcap;
} jctx_t;

static int jfail(jctx_t *c, const char *key, const char *what) {
  char base[64], path[160];
  js_path_index(base, sizeof base, "events", c->i);
  if (key) js_path_key(path, sizeof path, base, key);
  else snprintf(path, sizeof path, "%s", base);
  snprintf(c->err, c->errcap, "%s: %s", path, what);
  return -1;
}

/* A number field in units of 10^-decimals, 0..max. */
static int jnum(jctx_t *c, const char *key, unsigned decimals, uint64_t max, int required, uint64_t *out) {
  const js_val *v = js_get(c->ev, key);
  *out = 0;
  if (!v) return required ? jfail(c, key, "missing") : 0;
  char d[48], msg[128];
  int64_t x;
  if (v->type != JS_NUM) {
    snprintf(msg, sizeof msg, "expected a number, got %s", js_describe(v, d, sizeof d));
    return jfail(c, key, msg);
  }
  if (js_num_fixed(v, decimals, &x) != 0 || x < 0 || (uint64_t)x > max) {
    snprintf(msg, sizeof msg, "%s is out of range or too fine", js_describe(v, d, sizeof d));
    return jfail(c, key, msg);
  }
  *out = (uint64_t)x;
  return 0;
}

/* A string field that must be one of names(0..n) (NULL names skipped); *out its index. */
static int jname(jctx_t *c, const char *key, const char *(*name)(uint8_t), unsigned n, int required, uint8_t *out) {
  const js_val *v = js_get(c->ev, key);
  *out = 0;
  if (!v || (!required && v->type == JS_NULL)) return required ? jfail(c, key, "missing") : 0;
  char d[48], msg[128];
  if (v->type != JS_STR) {
    snprintf(msg, sizeof msg, "expected a string, got %s", js_describe(v, d, sizeof d));
    return jfail(c, key, msg);
  }
  for (unsigned i = 0; i < n; i++) {
    const char *s = name((uint8_t)i);
    if (s && strcmp(s, v->str) == 0) {
      *out = (uint8_t)i;
      return 0;
    }
  }
  snprintf(msg, sizeof msg, "unknown value %s", js_quote(d, sizeof d, v->str, 24));
  return jfail(c, key, msg);
}

/* An array of contact names ("E3") as a bit mask. */
static int jcontacts(jctx_t *c, const char *key, uint16_t *mask) {
  const js_val *v = js_get(c->ev, key);
  *mask = 0;
  if (!v) return jfail(c, key, "missing");
  if (v->type != JS_ARR) return jfail(c, key, "expected an array of contacts like \"E2\"");
  for (size_t i = 0; i < v->n; i++) {
    int node = v->items[i].type == JS_STR ? hu_contact_parse(v->items[i].str, HU_CONTACT_NO_CASE) : -1;
    if (node < 0) return jfail(c, key, "expected an array of contacts like \"E2\"");
    *mask = (uint16_t)(*mask | (1u << node));
  }
  return 0;
}

static const char *role_of(uint8_t i) {
  static const char *const n[] = {"device", "patient", "clinician"};
  return i < 3 ? n[i] : NULL;
}

static const char *mode_of(uint8_t i) { return nm_mode_name(i); }

/* The structured fields of event de->ev.type from its JSON object, as the device wrote
 * them (the text and the fields the statistics do not use are not read back). */
static int event_from_json(jctx_t *c, di_event_t *de) {
  nm_event_t *e = &de->ev;
  uint64_t a, b, d, f, g;
  uint8_t x, y, z;
  de->known = 1;
  switch (e->type) {
    case NM_EV_USAGE:
      if (jnum(c, "therapy_hours", 3, 24000, 1, &a) || jnum(c, "adjustments", 0, UINT16_MAX, 1, &b) ||
          jnum(c, "average_amplitude_ma", 3, UINT32_MAX, 1, &d) || jnum(c, "mode_changes", 0, UINT8_MAX, 1, &f) ||
          jnum(c, "battery_pct", 1, 1000, 1, &g)) {
        return -1;
      }
      /* Hours are written with 3 decimals of minutes * 1000 / 60: back to whole minutes. */
      e->u.usage.therapy_min = (uint16_t)((a * 60u + 500u) / 1000u);
      e->u.usage.adjustments = (uint16_t)b;
      e->u.usage.avg_amp_ua = (uint32_t)d;
      e->u.usage.mode_changes = (uint8_t)f;
      e->u.usage.soc_pm = (uint16_t)g;
      break;
    case NM_EV_BATTERY:
      if (jname(c, "state", di_batt_state, 4, 1, &x) || jnum(c, "battery_pct", 1, 1000, 1, &a) ||
          jnum(c, "remaining_mah", 3, UINT32_MAX, 0, &b)) {
        return -1;
      }
      e->u.battery.state = x;
      e->u.battery.soc_pm = (uint16_t)a;
      e->u.battery.remaining_uah = (uint32_t)b;
      break;
    case NM_EV_IMPEDANCE: {
      uint16_t m[4];
      static const char *const keys[] = {"open", "short", "high", "jump"};
      for (int i = 0; i < 4; i++) {
        if (jcontacts(c, keys[i], &m[i])) return -1;
      }
      if (jnum(c, "mean_ohm", 0, UINT32_MAX, 1, &a)) return -1;
      const js_val *au = js_get(c->ev, "auto");
      if (au && au->type != JS_BOOL) return jfail(c, "auto", "expected true or false");
      e->u.impedance.open = m[0];
      e->u.impedance.shrt = m[1];
      e->u.impedance.high = m[2];
      e->u.impedance.jump = m[3];
      e->u.impedance.mean_ohm = (uint32_t)a;
      e->u.impedance.auto_check = (uint8_t)(au && au->boolean);
      break;
    }
    case NM_EV_MODE: {
      uint8_t why;
      if (jname(c, "from", mode_of, NM_MODE_COUNT, 1, &x) || jname(c, "to", mode_of, NM_MODE_COUNT, 1, &y) ||
          jname(c, "by", role_of, 3, 0, &z) || jname(c, "reason", di_reason, 4, 0, &why)) {
        return -1;
      }
      e->u.mode.from = x;
      e->u.mode.to = y;
      e->u.mode.role = z;
      e->u.mode.reason = why;
      break;
    }
    case NM_EV_FAULT:
      if (jnum(c, "detail", 0, UINT32_MAX, 0, &b)) return -1;
      if (js_get(c->ev, "fault_code")) {
        if (jnum(c, "fault_code", 0, UINT32_MAX, 1, &a)) return -1;
      } else {
        /* Only the words: find the code they name (an unknown text stays "unknown"). */
        const js_val *v = js_get(c->ev, "fault");
        a = 0xFFu;
        for (uint32_t k = 0; v && v->type == JS_STR && k < 16; k++) {
          if (strcmp(di_fault(k), v->str) == 0) a = k;
        }
      }
      e->u.fault.fault = (uint32_t)a;
      e->u.fault.detail = (uint32_t)b;
      break;
    case NM_EV_LEAD_STOP: {
      const js_val *v = js_get(c->ev, "contact");
      int node = v && v->type == JS_STR ? hu_contact_parse(v->str, HU_CONTACT_OR_CASE) : -1;
      if (node < 0) return jfail(c, "contact", "expected a contact like \"E2\"");
      const js_val *p = js_get(c->ev, "programs");
      uint8_t mask = 0;
      if (p && p->type != JS_ARR) return jfail(c, "programs", "expected an array of program slots");
      for (size_t i = 0; p && i < p->n; i++) {
        int64_t sl;
        if (js_num_fixed(&p->items[i], 0, &sl) != 0 || sl < 0 || sl > 7) {
          return jfail(c, "programs", "expected an array of program slots (0-7)");
        }
        mask = (uint8_t)(mask | (1u << sl));
      }
      e->u.lead_stop.node = (uint8_t)node;
      e->u.lead_stop.progs = mask;
      break;
    }
    case NM_EV_AMP:
      if (jnum(c, "amplitude_ma", 3, UINT32_MAX, 1, &a) || jname(c, "by", role_of, 3, 0, &x) ||
          jnum(c, "slot", 0, 7, 0, &b)) {
        return -1;
      }
      e->u.amp.slot = (uint8_t)b;
      e->u.amp.amp_ua = (uint32_t)a;
      e->u.amp.role = x;
      break;
    case NM_EV_BOOT:
      if (jnum(c, "reset", 0, UINT32_MAX, 0, &a)) return -1;
      e->u.boot.resets = (uint32_t)a;
      break;
    default:
      de->known = 0; /* time and type are all the statistics need */
      break;
  }
  return 0;
}

int hist_from_json(const js_val *root, hist_list_t *out, char *serial, size_t serial_cap, char *err, size_t errcap) {
  memset(out, 0, sizeof *out);
  if (serial && serial_cap) serial[0] = '\0';
  char d[48];
  if (!root || root->type != JS_OBJ) {
    snprintf(err, errcap, "expected an object {\"events\":[...]} (the output of 'nmod programmer ... history --json'), got %s",
             root ? js_describe(root, d, sizeof d) : "nothing");
    return -1;
  }
  const js_val *evs = js_get(root, "events");
  if (!evs) {
    snprintf(err, errcap, "events: missing (expected the output of 'nmod programmer ... history --json')");
    return -1;
  }
  if (evs->type != JS_ARR) {
    snprintf(err, errcap, "events: expected an array, got %s", js_describe(evs, d, sizeof d));
    return -1;
  }
  const js_val *sv = js_get(root, "serial");
  if (sv && sv->type != JS_STR && sv->type != JS_NULL) {
    snprintf(err, errcap, "serial: expected a string, got %s", js_describe(sv, d, sizeof d));
    return -1;
  }
  if (serial && serial_cap && sv && sv->type == JS_STR) snprintf(serial, serial_cap, "%s", sv->str);
  for (size_t i = 0; i < evs->n; i++) {
    jctx_t c = {&evs->items[i], i, err, errcap};
    if (c.ev->type != JS_OBJ) {
      char msg[96];
      snprintf(msg, sizeof msg, "expected an event object, got %s", js_describe(c.ev, d, sizeof d));
      jfail(&c, NULL, msg);
      goto bad;
    }
    di_event_t e;
    memset(&e, 0, sizeof e);
    uint64_t seq;
    if (jnum(&c, "seq", 0, UINT32_MAX, 0, &seq)) goto bad;
    e.seq = (uint32_t)seq;
    const js_val *t = js_get(c.ev, "time");
    int64_t t_s = 0;
    int trc = t && t->type == JS_STR ? hu_time_parse(t->str, &t_s) : HU_DATE_EFORM;
    /* The device's clock: seconds in a uint32_t from 1970 on. */
    if (trc == 0 && (t_s < 0 || t_s > UINT32_MAX)) trc = HU_DATE_ERANGE;
    if (trc != 0) {
      char msg[160], why[96];
      snprintf(msg, sizeof msg, "%s: expected a UTC time \"YYYY-MM-DD HH:MM:SS\"", t ? js_describe(t, d, sizeof d) : "missing");
      if (t && t->type == JS_STR)
        snprintf(msg, sizeof msg, "%s %s", js_quote(d, sizeof d, t->str, 24),
                 hu_date_why(why, sizeof why, t->str, trc, HU_FORM_TIME, 0, HU_DAY_EPOCH32_MAX));
      jfail(&c, "time", msg);
      goto bad;
    }
    e.ev.t_s = (uint32_t)t_s;
    const js_val *ty = js_get(c.ev, "type");
    if (!ty || ty->type != JS_STR) {
      jfail(&c, "type", ty ? "expected a string like \"usage\"" : "missing");
      goto bad;
    }
    e.ev.type = 0xFF;
    for (unsigned k = 1; k < 64; k++) {
      if (strcmp(di_event_type((uint8_t)k), ty->str) == 0) {
        e.ev.type = (uint8_t)k;
        break;
      }
    }
    /* A type this host does not know (a newer device) is kept as such and not counted. */
    if (event_from_json(&c, &e) != 0) goto bad;
    if (hist_collect(out, &e) != 0) {
      snprintf(err, errcap, "out of memory");
      goto bad;
    }
  }
  return 0;
bad:
  hist_list_free(out);
  return -1;
}

/* ---- usage statistics --------------------------------------------------------------- */

static int day_cmp(const void *a, const void *b) {
  const hist_day_t *x = a, *y = b;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

static int batt_cmp(const void *a, const void *b) {
  const hist_batt_t *x = a, *y = b;
  return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

const hist_day_t *hist_usage_day(const hist_usage_t *u, uint32_t day) {
  size_t lo = 0, hi = u->n_days;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (u->days[mid].day == day) return &u->days[mid];
    if (u->days[mid].day < day) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

void hist_usage_free(hist_usage_t *u) {
  free(u->days);
  free(u->weeks);
  free(u->modes);
  free(u->faults);
  free(u->batt);
  free(u->imp);
  memset(u, 0, sizeof *u);
}

int hist_usage(const di_event_t *ev, size_t n, uint32_t since_s, hist_usage_t *u) {
  return hist_usage_recent(ev, n, since_s, -1, u);
}

int hist_usage_recent(const di_event_t *ev, size_t n, uint32_t since_s, int mode_now, hist_usage_t *u) {
  memset(u, 0, sizeof *u);
  u->since_day = since_s / 86400u;
  size_t cap = n ? n : 1;
  u->days = calloc(cap, sizeof *u->days);
  u->modes = calloc(cap, sizeof *u->modes);
  u->faults = calloc(cap, sizeof *u->faults);
  u->batt = calloc(cap, sizeof *u->batt);
  u->imp = calloc(cap, sizeof *u->imp);
  /* Days on which the device started (provisioned or reset): their records are partial. */
  uint32_t *boots = calloc(cap, sizeof *boots);
  size_t n_boots = 0;
  if (!u->days || !u->modes || !u->faults || !u->batt || !u->imp || !boots) {
    free(boots);
    hist_usage_free(u);
    return NM_ENOSPC;
  }
  /* The mode as far as the log tells: shelf from provisioning until the first change
   * (a reset keeps it). Before the first provisioning or change in ev[] (the log's start
   * was overwritten, or only recent events were read) it is what that change came from,
   * or mode_now when nothing changed it; -1 while unknown. */
  int mode = mode_now;
  for (size_t i = 0; i < n; i++) {
    if (!ev[i].known || (ev[i].ev.type != NM_EV_PROVISION && ev[i].ev.type != NM_EV_MODE)) continue;
    mode = ev[i].ev.type == NM_EV_MODE ? ev[i].ev.u.mode.from : -1;
    break;
  }
  for (size_t i = 0; i < n; i++) {
    const nm_event_t *e = &ev[i].ev;
    if (i > 0 && e->t_s < ev[i - 1].ev.t_s) u->clock_back++;
    int in_range = e->t_s >= since_s;
    if (!ev[i].known && e->type != NM_EV_PROVISION) continue; /* not this host's to count */
    switch (e->type) {
      case NM_EV_PROVISION:
        mode = NM_MODE_SHELF;
        boots[n_boots++] = e->t_s / 86400u;
        break;
      case NM_EV_BOOT:
        boots[n_boots++] = e->t_s / 86400u;
        break;
      case NM_EV_USAGE: {
        hist_day_t d;
        memset(&d, 0, sizeof d);
        d.t_s = e->t_s;
        d.day = e->t_s / 86400u ? e->t_s / 86400u - 1u : 0u;
        d.therapy_min = e->u.usage.therapy_min > 1440u ? (uint16_t)1440u : e->u.usage.therapy_min;
        d.adjustments = e->u.usage.adjustments;
        d.avg_amp_ua = e->u.usage.avg_amp_ua;
        d.mode_changes = e->u.usage.mode_changes;
        d.soc_pm = e->u.usage.soc_pm;
        /* A whole day on the shelf (no change, shelf at its end) is not a patient's day. */
        if (mode == NM_MODE_SHELF && d.mode_changes == 0) {
          if (d.day >= u->since_day) u->shelf_days++;
          break;
        }
        if (d.day < u->since_day) break;
        u->days[u->n_days++] = d;
        hist_batt_t *b = &u->batt[u->n_batt++];
        b->t_s = e->t_s;
        b->soc_pm = d.soc_pm;
        b->from_usage = 1;
        break;
      }
      case NM_EV_MODE: {
        hist_mode_t m;
        m.t_s = e->t_s;
        m.from = e->u.mode.from;
        m.to = e->u.mode.to;
        m.role = e->u.mode.role;
        m.reason = e->u.mode.reason;
        mode = m.to;
        if (!in_range) break;
        u->modes[u->n_modes++] = m;
        if (m.to < NM_MODE_COUNT) u->entered[m.to]++;
        if (m.to == NM_MODE_OFF) u->off_reason[m.reason < 4 ? m.reason : 0]++;
        break;
      }
      case NM_EV_FAULT:
      case NM_EV_LEAD_STOP: {
        if (!in_range) break;
        hist_fault_t f;
        memset(&f, 0, sizeof f);
        f.t_s = e->t_s;
        f.type = e->type;
        if (e->type == NM_EV_FAULT) {
          f.fault = e->u.fault.fault;
          f.detail = e->u.fault.detail;
          u->fault_count++;
        } else {
          f.node = e->u.lead_stop.node;
          f.progs = e->u.lead_stop.progs;
        }
        u->faults[u->n_faults++] = f;
        break;
      }
      case NM_EV_BATTERY: {
        if (!in_range) break;
        hist_batt_t b;
        memset(&b, 0, sizeof b);
        b.t_s = e->t_s;
        b.state = e->u.battery.state;
        b.soc_pm = e->u.battery.soc_pm;
        u->batt[u->n_batt++] = b;
        u->batt_changes++;
        break;
      }
      case NM_EV_IMPEDANCE: {
        if (!in_range) break;
        hist_imp_t m;
        m.t_s = e->t_s;
        m.open = e->u.impedance.open;
        m.shrt = e->u.impedance.shrt;
        m.high = e->u.impedance.high;
        m.jump = e->u.impedance.jump;
        m.mean_ohm = e->u.impedance.mean_ohm;
        m.auto_check = e->u.impedance.auto_check;
        u->imp[u->n_imp++] = m;
        u->imp_daily += m.auto_check != 0;
        u->imp_flagged += (m.open | m.shrt | m.high | m.jump) != 0;
        break;
      }
      default:
        break;
    }
  }
  /* One record per day: a clock set back can give a day twice; merge them. */
  qsort(u->days, u->n_days, sizeof *u->days, day_cmp);
  size_t k = 0;
  for (size_t i = 0; i < u->n_days; i++) {
    hist_day_t *d = &u->days[i];
    if (k > 0 && u->days[k - 1].day == d->day) {
      hist_day_t *m = &u->days[k - 1];
      uint32_t min = (uint32_t)m->therapy_min + d->therapy_min;
      uint64_t amp_min = (uint64_t)m->avg_amp_ua * m->therapy_min + (uint64_t)d->avg_amp_ua * d->therapy_min;
      m->avg_amp_ua = min ? (uint32_t)((amp_min + min / 2u) / min) : 0u;
      m->therapy_min = (uint16_t)(min > 1440u ? 1440u : min);
      m->adjustments = (uint16_t)(m->adjustments + d->adjustments);
      m->mode_changes = (uint8_t)(m->mode_changes + d->mode_changes);
      m->soc_pm = d->soc_pm;
      m->t_s = d->t_s;
      continue;
    }
    u->days[k++] = *d;
  }
  u->n_days = k;
  for (size_t i = 0; i < u->n_days; i++) {
    hist_day_t *d = &u->days[i];
    for (size_t j = 0; j < n_boots && !d->restarted; j++) d->restarted = boots[j] == d->day;
    u->restarted_days += d->restarted;
  }
  free(boots);
  qsort(u->batt, u->n_batt, sizeof *u->batt, batt_cmp);
  if (u->n_days == 0) return 0;

  /* Span, gaps, therapy time, amplitude. */
  u->first_day = u->days[0].day;
  u->last_day = u->days[u->n_days - 1].day;
  u->span_days = u->last_day - u->first_day + 1u;
  u->gap_days = u->span_days - (uint32_t)u->n_days;
  u->therapy_min_min = UINT16_MAX;
  uint64_t amp_min = 0;
  for (size_t i = 0; i < u->n_days; i++) {
    const hist_day_t *d = &u->days[i];
    u->therapy_min_total += d->therapy_min;
    u->adjustments_total += d->adjustments;
    amp_min += (uint64_t)d->avg_amp_ua * d->therapy_min;
    if (d->therapy_min == 0) u->zero_days++;
    if (d->therapy_min < u->therapy_min_min) {
      u->therapy_min_min = d->therapy_min;
      u->min_day = d->day;
    }
    if (i == 0 || d->therapy_min > u->therapy_min_max) {
      u->therapy_min_max = d->therapy_min;
      u->max_day = d->day;
    }
  }
  if (u->therapy_min_total) u->avg_amp_ua = (uint32_t)((amp_min + u->therapy_min_total / 2u) / u->therapy_min_total);

  /* ISO weeks with a record: days are in order, so each week's days are adjacent. */
  u->weeks = calloc(u->n_days, sizeof *u->weeks);
  if (!u->weeks) {
    hist_usage_free(u);
    return NM_ENOSPC;
  }
  for (size_t i = 0; i < u->n_days; i++) {
    const hist_day_t *d = &u->days[i];
    int32_t y;
    int wk;
    hu_iso_week((int32_t)d->day, &y, &wk);
    hist_week_t *w = u->n_weeks ? &u->weeks[u->n_weeks - 1] : NULL;
    if (!w || w->year != y || w->week != wk) {
      w = &u->weeks[u->n_weeks++];
      w->year = y;
      w->week = (uint8_t)wk;
      /* Its Monday; the first days of 1970 (a Thursday) belong to a week that began in
       * 1969, before epoch day 0: that week starts at day 0 here. */
      int32_t monday = hu_week_monday((int32_t)d->day);
      w->first_day = monday > 0 ? (uint32_t)monday : 0u;
    }
    w->days++;
    w->adjustments += d->adjustments;
  }
  for (size_t i = 0; i < u->n_weeks; i++) {
    if (u->weeks[i].days == 7) {
      u->whole_weeks++;
      u->whole_week_adjustments += u->weeks[i].adjustments;
    }
  }
  return 0;
}
