/* cmd_usage.c: nmod programmer --device HOST:PORT --key FILE usage [--since DATE] [--json]
 *
 * The usage statistics a clinic reads out at a visit, from the device's whole event log
 * (hist_read, the same reader as `history`) through hist_usage: days covered and gaps, hours
 * of therapy per day, patient adjustments per ISO week, the therapy-time-weighted amplitude,
 * mode changes, faults, battery and lead impedance over time. How each is computed:
 * docs/USAGE.md. */
#include "cmd_usage.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hu_fmt.h"
#include "hu_contact.h"
#include "history.h"

#define LIST_MAX 20 /* lines of a list in the text read-out; JSON has all */

static const char *role_word(uint8_t role) {
  return role == NM_ROLE_CLINICIAN ? "clinician" : role == NM_ROLE_PATIENT ? "patient" : "device";
}

/* "E0 E2" for a contact mask, "" for none. */
static const char *contacts(char *buf, size_t cap, uint16_t mask) {
  size_t n = 0;
  buf[0] = '\0';
  for (uint8_t i = 0; i < NM_MAX_CONTACTS && n + 5 < cap; i++) {
    char name[HU_CONTACT_LEN];
    if (mask & (1u << i)) n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", hu_contact_name(name, sizeof name, i));
  }
  return buf;
}

static double hours(uint64_t min) { return (double)min / 60.0; }

/* Is this mode change one the clinic must see (MRI, surgery, off with a reason)? */
static int notable(const hist_mode_t *m) {
  return m->to == NM_MODE_MRI || m->to == NM_MODE_SURGERY || (m->to == NM_MODE_OFF && m->reason != NM_REASON_NONE);
}

static void mode_line(char *buf, size_t cap, const hist_mode_t *m) {
  const char *why = di_reason(m->reason);
  snprintf(buf, cap, "%s -> %s (%s%s%s)", nm_mode_name(m->from), nm_mode_name(m->to), role_word(m->role),
           why ? ", reason: " : "", why ? why : "");
}

static void fault_line(char *buf, size_t cap, const hist_fault_t *f) {
  char n[8];
  if (f->type == NM_EV_FAULT) snprintf(buf, cap, "fault: %s (detail %u), stimulation off", di_fault(f->fault), f->detail);
  else snprintf(buf, cap, "%s shorted: program mask 0x%02x stopped", hu_contact_name(n, sizeof n, f->node), f->progs);
}

static void imp_line(char *buf, size_t cap, const hist_imp_t *m) {
  char a[80];
  size_t n = 0;
  static const char *const what[] = {"open", "shorted", "high", "jumped (possible migration)"};
  const uint16_t masks[] = {m->open, m->shrt, m->high, m->jump};
  n += (size_t)snprintf(buf, cap, "%s check", m->auto_check ? "daily" : "requested");
  for (int i = 0; i < 4 && n < cap; i++) {
    if (masks[i]) n += (size_t)snprintf(buf + n, cap - n, "; %s %s", contacts(a, sizeof a, masks[i]), what[i]);
  }
}

/* ---- text --------------------------------------------------------------------------- */

/* A list of n lines shows the last LIST_MAX: the index to start at, after saying so. */
static size_t more_text(size_t n) {
  if (n <= LIST_MAX) return 0;
  printf("                     (the last %d of %zu; --json lists all)\n", LIST_MAX, n);
  return n - LIST_MAX;
}

static void days_text(const hist_usage_t *u) {
  char a[16], b[16];
  printf("Days covered:        %s to %s: %u calendar day(s), %zu with a usage record", hu_date_fmt(a, sizeof a, (int32_t)(u->first_day)),
         hu_date_fmt(b, sizeof b, (int32_t)(u->last_day)), u->span_days, u->n_days);
  if (u->gap_days == 0) {
    printf(", no gaps\n");
  } else {
    printf(", %u without (gaps: no record, not counted as zero):\n", u->gap_days);
    size_t n = 0, k = 0;
    for (size_t i = 1; i < u->n_days; i++) n += u->days[i].day > u->days[i - 1].day + 1u;
    size_t skip = more_text(n);
    for (size_t i = 1; i < u->n_days; i++) {
      uint32_t from = u->days[i - 1].day + 1u, to = u->days[i].day - 1u;
      if (from > to || k++ < skip) continue;
      if (from == to) printf("                     %s\n", hu_date_fmt(a, sizeof a, (int32_t)(from)));
      else printf("                     %s to %s (%u days)\n", hu_date_fmt(a, sizeof a, (int32_t)(from)), hu_date_fmt(b, sizeof b, (int32_t)(to)), to - from + 1u);
    }
  }
  if (u->shelf_days) printf("                     (%u day(s) on the shelf, before activation, not counted)\n", u->shelf_days);
  if (u->restarted_days) {
    printf("                     * %u day(s) on which the device started or reset: counted from then on only\n",
           u->restarted_days);
  }
}

static void therapy_text(const hist_usage_t *u) {
  char a[16], b[16];
  printf("Therapy per day:     mean %.1f h, min %.1f h (%s), max %.1f h (%s); %u recorded day(s) without therapy\n",
         u->therapy_h_mean, hours(u->therapy_min_min), hu_date_fmt(a, sizeof a, (int32_t)(u->min_day)),
         hours(u->therapy_min_max), hu_date_fmt(b, sizeof b, (int32_t)(u->max_day)), u->zero_days);
  printf("  last 7 days:       date         therapy  adjustments  amplitude  battery\n");
  uint32_t start = u->last_day >= 6u ? u->last_day - 6u : 0u;
  for (uint32_t day = start; day <= u->last_day; day++) {
    const hist_day_t *d = hist_usage_day(u, day);
    if (!d) {
      printf("                     %s   no record\n", hu_date_fmt(a, sizeof a, (int32_t)(day)));
      continue;
    }
    if (d->therapy_min) snprintf(b, sizeof b, "%5.2f mA", (double)d->avg_amp_ua / 1000.0);
    else snprintf(b, sizeof b, "%8s", "-");
    printf("                     %s%s  %5.1f h  %11u  %9s  %5.1f %%\n", hu_date_fmt(a, sizeof a, (int32_t)(day)), d->restarted ? "*" : " ",
           hours(d->therapy_min), d->adjustments, b, (double)d->soc_pm / 10.0);
  }
}

static void adjustments_text(const hist_usage_t *u) {
  printf("Patient adjustments: %llu in all, %.2f per recorded day; ", (unsigned long long)u->adjustments_total,
         u->adjustments_per_day);
  if (u->whole_weeks) {
    printf("mean %.1f per week over %u whole week(s)\n", u->adjustments_per_week, u->whole_weeks);
  } else {
    printf("no whole week recorded yet (no weekly mean)\n");
  }
  size_t from = more_text(u->n_weeks);
  for (size_t i = from; i < u->n_weeks; i++) {
    const hist_week_t *w = &u->weeks[i];
    char a[16], days[40] = "whole week";
    if (w->days != 7) snprintf(days, sizeof days, "%u of 7 days recorded", w->days);
    printf("  %s%d-W%02u (from %s): %3u adjustment(s), %s\n", i == from ? "ISO weeks:        " : "                  ",
           (int)w->year, w->week, hu_date_fmt(a, sizeof a, (int32_t)(w->first_day)), w->adjustments, days);
  }
}

static void modes_text(const hist_usage_t *u) {
  printf("Mode changes:        %zu", u->n_modes);
  const char *sep = ": entered ";
  for (uint8_t m = 0; m < NM_MODE_COUNT; m++) {
    if (!u->entered[m]) continue;
    printf("%s%s %u", sep, nm_mode_name(m), u->entered[m]);
    sep = ", ";
  }
  printf("\n                     MRI %u, surgery %u, therapy off for pregnancy %u, off at the patient's wish %u, "
         "off for clinical reasons %u\n",
         u->entered[NM_MODE_MRI], u->entered[NM_MODE_SURGERY], u->off_reason[NM_REASON_PREGNANCY],
         u->off_reason[NM_REASON_PATIENT], u->off_reason[NM_REASON_CLINICAL]);
  size_t n = 0, k = 0;
  for (size_t i = 0; i < u->n_modes; i++) n += (size_t)notable(&u->modes[i]);
  size_t from = more_text(n);
  for (size_t i = 0; i < u->n_modes; i++) {
    if (!notable(&u->modes[i]) || k++ < from) continue;
    char t[32], line[128];
    mode_line(line, sizeof line, &u->modes[i]);
    printf("                     %.16s  %s\n", hu_time_fmt(t, sizeof t, u->modes[i].t_s), line);
  }
}

static void faults_text(const hist_usage_t *u) {
  if (u->n_faults == 0) {
    printf("Faults:              none\n");
    return;
  }
  printf("Faults:              %u fault(s), %zu program stop(s) by a shorted contact\n", u->fault_count,
         u->n_faults - u->fault_count);
  size_t from = more_text(u->n_faults);
  for (size_t i = from; i < u->n_faults; i++) {
    char t[32], line[128];
    fault_line(line, sizeof line, &u->faults[i]);
    printf("                     %.16s  %s\n", hu_time_fmt(t, sizeof t, u->faults[i].t_s), line);
  }
}

static void battery_text(const hist_usage_t *u) {
  if (u->n_batt == 0) {
    printf("Battery:             no readings\n");
    return;
  }
  const hist_batt_t *f = &u->batt[0], *l = &u->batt[u->n_batt - 1];
  char a[32], b[32];
  printf("Battery:             %.1f %% (%.10s) -> %.1f %% (%.10s); ", (double)f->soc_pm / 10.0, hu_time_fmt(a, sizeof a, f->t_s),
         (double)l->soc_pm / 10.0, hu_time_fmt(b, sizeof b, l->t_s));
  if (!u->batt_changes) {
    printf("no state changes\n");
    return;
  }
  printf("%u state change(s):\n", u->batt_changes);
  size_t from = more_text(u->batt_changes), k = 0;
  for (size_t i = 0; i < u->n_batt; i++) {
    if (u->batt[i].from_usage || k++ < from) continue;
    printf("                     %.16s  %s at %.1f %%\n", hu_time_fmt(a, sizeof a, u->batt[i].t_s),
           di_batt_state(u->batt[i].state), (double)u->batt[i].soc_pm / 10.0);
  }
}

static int flagged(const hist_imp_t *m) { return (m->open | m->shrt | m->high | m->jump) != 0; }

/* The run of checks from i (flagged) with the same finding: its length, *last its end. */
static size_t imp_run(const hist_usage_t *u, size_t i, size_t *last) {
  const hist_imp_t *m = &u->imp[i];
  size_t j = i;
  while (j + 1 < u->n_imp && u->imp[j + 1].open == m->open && u->imp[j + 1].shrt == m->shrt &&
         u->imp[j + 1].high == m->high && u->imp[j + 1].jump == m->jump) {
    j++;
  }
  *last = j;
  return j - i + 1;
}

static void impedance_text(const hist_usage_t *u) {
  if (u->n_imp == 0) {
    printf("Lead impedance:      no checks\n");
    return;
  }
  printf("Lead impedance:      %zu check(s) (%u daily, %zu requested)", u->n_imp, u->imp_daily, u->n_imp - u->imp_daily);
  const hist_imp_t *f = u->imp_first, *l = u->imp_last;
  char a[32], b[32];
  if (f) {
    printf("; mean %u ohm (%.10s) -> %u ohm (%.10s)", f->mean_ohm, hu_time_fmt(a, sizeof a, f->t_s), l->mean_ohm,
           hu_time_fmt(b, sizeof b, l->t_s));
  }
  if (!u->imp_flagged) {
    printf("; no open, shorted, high or jumped contact\n");
    return;
  }
  printf("; %u with a finding:\n", u->imp_flagged);
  /* Runs of checks with the same finding, one line each (a contact that stays open is
   * found by every daily check). */
  size_t nr = 0, last;
  for (size_t i = 0; i < u->n_imp; i++) {
    if (!flagged(&u->imp[i])) continue;
    imp_run(u, i, &last);
    i = last;
    nr++;
  }
  size_t skip = more_text(nr), k = 0;
  for (size_t i = 0; i < u->n_imp; i++) {
    if (!flagged(&u->imp[i])) continue;
    size_t n = imp_run(u, i, &last);
    const hist_imp_t *m = &u->imp[i];
    i = last;
    if (k++ < skip) continue;
    char line[200];
    imp_line(line, sizeof line, m);
    if (n == 1) {
      printf("                     %.16s  %s\n", hu_time_fmt(a, sizeof a, m->t_s), line);
    } else {
      /* Over several checks: say how many, drop the kind ("daily check; "). */
      const char *what = strchr(line, ';');
      printf("                     %.10s to %.10s, %zu checks: %s\n", hu_time_fmt(a, sizeof a, m->t_s),
             hu_time_fmt(b, sizeof b, u->imp[last].t_s), n, what ? what + 2 : line);
    }
  }
}

static void usage_text(const hist_usage_t *u, const char *serial, uint32_t since_s) {
  char a[16];
  printf("Usage read-out of %s (calendar days in UTC%s%s)\n", serial, since_s ? ", since " : "",
         since_s ? hu_date_fmt(a, sizeof a, (int32_t)(since_s / 86400u)) : "");
  if (u->clock_back) {
    printf("WARNING:             the device's clock went back %u time(s) in this history (a reset without the clock\n"
           "                     set again, or a clock set back): records of the same date were merged, dates may be wrong\n",
           u->clock_back);
  }
  if (u->n_days == 0) {
    printf("Days covered:        none: no daily usage record yet%s\n",
           u->shelf_days ? " (the device has been on the shelf, not activated)" : "");
  } else {
    days_text(u);
    therapy_text(u);
    adjustments_text(u);
    if (u->therapy_min_total) {
      printf("Average amplitude:   %s mA (weighted by each day's hours of therapy)\n", hu_fmt_fixed(a, sizeof a, u->avg_amp_ua, 3, 1));
    } else {
      printf("Average amplitude:   none (no therapy in the recorded days)\n");
    }
  }
  modes_text(u);
  faults_text(u);
  battery_text(u);
  impedance_text(u);
}

/* ---- JSON --------------------------------------------------------------------------- */

static void j_date(js_w *w, const char *key, uint32_t day) {
  char a[16];
  jw_kv_str(w, key, hu_date_fmt(a, sizeof a, (int32_t)(day)));
}

static void j_time(js_w *w, const char *key, uint32_t t_s) {
  char a[32];
  jw_kv_str(w, key, hu_time_fmt(a, sizeof a, t_s));
}

static void j_contacts(js_w *w, const char *key, uint16_t mask) {
  char b[8];
  jw_kv_arr(w, key);
  for (uint8_t i = 0; i < NM_MAX_CONTACTS; i++) {
    if (mask & (1u << i)) jw_str(w, hu_contact_name(b, sizeof b, i));
  }
  jw_arr_end(w);
}

static void j_day(js_w *w, const hist_day_t *d) {
  jw_obj(w);
  j_date(w, "date", d->day);
  jw_kv_double(w, "therapy_hours", hours(d->therapy_min), 3);
  jw_kv_uint(w, "adjustments", d->adjustments);
  jw_kv_fixed_opt(w, "average_amplitude_ma", d->therapy_min, d->avg_amp_ua, 3);
  jw_kv_uint(w, "mode_changes", d->mode_changes);
  jw_kv_fixed(w, "battery_pct", d->soc_pm, 1);
  jw_kv_bool(w, "restarted", d->restarted);
  jw_obj_end(w);
}

static void json_days(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "days");
  if (u->n_days) {
    j_date(w, "first", u->first_day);
    j_date(w, "last", u->last_day);
  }
  jw_kv_uint(w, "calendar_days", u->span_days);
  jw_kv_uint(w, "recorded", u->n_days);
  jw_kv_uint(w, "gap_days", u->gap_days);
  jw_kv_arr(w, "gaps");
  for (size_t i = 1; i < u->n_days; i++) {
    uint32_t from = u->days[i - 1].day + 1u, to = u->days[i].day - 1u;
    if (from > to) continue;
    jw_obj(w);
    j_date(w, "from", from);
    j_date(w, "to", to);
    jw_kv_uint(w, "days", to - from + 1u);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_kv_uint(w, "shelf_days_not_counted", u->shelf_days);
  jw_kv_uint(w, "restarted_days", u->restarted_days);
  jw_kv_uint(w, "clock_steps_back", u->clock_back);
  jw_kv_arr(w, "daily");
  for (size_t i = 0; i < u->n_days; i++) j_day(w, &u->days[i]);
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json_therapy(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "therapy_hours_per_day");
  jw_kv_double_opt(w, "mean", u->n_days != 0, u->therapy_h_mean, 3);
  jw_kv_double_opt(w, "min", u->n_days != 0, hours(u->therapy_min_min), 3);
  if (u->n_days) j_date(w, "min_date", u->min_day);
  jw_kv_double_opt(w, "max", u->n_days != 0, hours(u->therapy_min_max), 3);
  if (u->n_days) j_date(w, "max_date", u->max_day);
  jw_kv_double(w, "total_hours", hours(u->therapy_min_total), 3);
  jw_kv_uint(w, "days_without_therapy", u->zero_days);
  jw_kv_arr(w, "last_7_days");
  for (uint32_t day = u->last_day >= 6u ? u->last_day - 6u : 0u; u->n_days && day <= u->last_day; day++) {
    const hist_day_t *d = hist_usage_day(u, day);
    if (d) {
      j_day(w, d);
      continue;
    }
    jw_obj(w);
    j_date(w, "date", day);
    jw_kv_null(w, "therapy_hours"); /* a gap, not a zero */
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json_adjustments(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "adjustments");
  jw_kv_uint(w, "total", u->adjustments_total);
  jw_kv_double_opt(w, "per_day_mean", u->n_days != 0, u->adjustments_per_day, 3);
  jw_kv_uint(w, "whole_weeks", u->whole_weeks);
  jw_kv_double_opt(w, "per_week_mean", u->whole_weeks != 0, u->adjustments_per_week, 3);
  jw_kv_arr(w, "weeks");
  for (size_t i = 0; i < u->n_weeks; i++) {
    const hist_week_t *wk = &u->weeks[i];
    char name[16];
    snprintf(name, sizeof name, "%d-W%02u", (int)wk->year, wk->week);
    jw_obj(w);
    jw_kv_str(w, "week", name);
    j_date(w, "monday", wk->first_day);
    jw_kv_uint(w, "days_recorded", wk->days);
    jw_kv_bool(w, "whole", wk->days == 7);
    jw_kv_uint(w, "adjustments", wk->adjustments);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json_modes(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "modes");
  jw_kv_uint(w, "changes", u->n_modes);
  jw_kv_obj(w, "entered");
  for (uint8_t m = 0; m < NM_MODE_COUNT; m++) {
    jw_kv_uint(w, nm_mode_name(m), u->entered[m]);
  }
  jw_obj_end(w);
  jw_kv_obj(w, "off_reasons");
  for (uint8_t r = 0; r < 4; r++) {
    jw_kv_uint(w, di_reason(r) ? di_reason(r) : "none", u->off_reason[r]);
  }
  jw_obj_end(w);
  jw_kv_arr(w, "events");
  for (size_t i = 0; i < u->n_modes; i++) {
    const hist_mode_t *m = &u->modes[i];
    jw_obj(w);
    j_time(w, "time", m->t_s);
    jw_kv_str(w, "from", nm_mode_name(m->from));
    jw_kv_str(w, "to", nm_mode_name(m->to));
    jw_kv_str(w, "by", role_word(m->role));
    jw_kv_str_opt(w, "reason", di_reason(m->reason));
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json_faults(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "faults");
  jw_kv_uint(w, "count", u->fault_count);
  jw_kv_arr(w, "events");
  for (size_t i = 0; i < u->n_faults; i++) {
    const hist_fault_t *f = &u->faults[i];
    if (f->type != NM_EV_FAULT) continue;
    jw_obj(w);
    j_time(w, "time", f->t_s);
    jw_kv_str(w, "fault", di_fault(f->fault));
    jw_kv_uint(w, "detail", f->detail);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_kv_arr(w, "lead_stops");
  for (size_t i = 0; i < u->n_faults; i++) {
    const hist_fault_t *f = &u->faults[i];
    if (f->type != NM_EV_LEAD_STOP) continue;
    char b[8];
    jw_obj(w);
    j_time(w, "time", f->t_s);
    jw_kv_str(w, "contact", hu_contact_name(b, sizeof b, f->node));
    jw_kv_arr(w, "programs");
    for (uint8_t s = 0; s < 8; s++) {
      if (f->progs & (1u << s)) jw_uint(w, s);
    }
    jw_arr_end(w);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json_battery(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "battery");
  jw_kv_uint(w, "readings", u->n_batt);
  if (u->n_batt) {
    jw_kv_fixed(w, "first_pct", u->batt[0].soc_pm, 1);
    j_time(w, "first_time", u->batt[0].t_s);
    jw_kv_fixed(w, "last_pct", u->batt[u->n_batt - 1].soc_pm, 1);
    j_time(w, "last_time", u->batt[u->n_batt - 1].t_s);
  }
  jw_kv_arr(w, "state_changes");
  for (size_t i = 0; i < u->n_batt; i++) {
    if (u->batt[i].from_usage) continue;
    jw_obj(w);
    j_time(w, "time", u->batt[i].t_s);
    jw_kv_str(w, "state", di_batt_state(u->batt[i].state));
    jw_kv_fixed(w, "pct", u->batt[i].soc_pm, 1);
    jw_obj_end(w);
  }
  jw_arr_end(w);
  jw_obj_end(w);
}

/* One impedance check with a finding. */
static void j_finding(js_w *w, const hist_imp_t *m) {
  jw_obj(w);
  j_time(w, "time", m->t_s);
  jw_kv_bool(w, "auto", m->auto_check);
  static const char *const key[] = {"open", "short", "high", "jump"};
  const uint16_t mask[] = {m->open, m->shrt, m->high, m->jump};
  for (int k = 0; k < 4; k++) j_contacts(w, key[k], mask[k]);
  jw_obj_end(w);
}

static void json_impedance(js_w *w, const hist_usage_t *u) {
  jw_kv_obj(w, "impedance");
  jw_kv_uint(w, "checks", u->n_imp);
  jw_kv_uint(w, "daily", u->imp_daily);
  jw_kv_uint(w, "requested", u->n_imp - u->imp_daily);
  const hist_imp_t *f = u->imp_first, *l = u->imp_last;
  if (f) {
    jw_kv_uint(w, "first_mean_ohm", f->mean_ohm);
    j_time(w, "first_time", f->t_s);
    jw_kv_uint(w, "last_mean_ohm", l->mean_ohm);
    j_time(w, "last_time", l->t_s);
  }
  jw_kv_arr(w, "findings");
  for (size_t i = 0; i < u->n_imp; i++)
    if (flagged(&u->imp[i])) j_finding(w, &u->imp[i]);
  jw_arr_end(w);
  jw_obj_end(w);
}

static void json(const hist_usage_t *u, const char *serial, uint32_t since_s, uint64_t frame_bytes) {
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
  jw_kv_str(&w, "serial", serial);
  if (since_s) {
    j_date(&w, "since", since_s / 86400u);
  } else {
    jw_kv_null(&w, "since");
  }
  json_days(&w, u);
  json_therapy(&w, u);
  json_adjustments(&w, u);
  jw_kv_fixed_opt(&w, "average_amplitude_ma", u->therapy_min_total != 0, u->avg_amp_ua, 3);
  json_modes(&w, u);
  json_faults(&w, u);
  json_battery(&w, u);
  json_impedance(&w, u);
  jw_kv_uint(&w, "frame_bytes", frame_bytes);
  jw_obj_end(&w);
  jw_end(&w);
}

int cmd_programmer_usage(devcli_t *d, hu_args *args) {
  uint32_t since = 0;
  const char *since_arg = hu_args_get(args, "since");
  int rc = since_arg ? devcli_since(d, since_arg, &since) : 0;
  if (!rc) rc = devcli_open(d);
  if (rc) return rc;
  di_identity_t id;
  rc = devcli_identity(d, &id);
  if (rc) return rc;
  /* With --since the device seeks: only the events from then on cross the link. The mode
   * before the first of them comes from the first mode change, or from the status when
   * nothing changed it since. */
  di_status_t s;
  if (since && (rc = devcli_status(d, &s)) != 0) return rc;
  hist_list_t l;
  memset(&l, 0, sizeof l);
  int st = hist_read(&d->link, since, hist_collect, &l);
  if (st == NM_ENOSPC) {
    hist_list_free(&l);
    cli_error(d->cmd, "usage: out of memory reading the history");
    return CLI_FAIL;
  }
  if (st != NM_OK) {
    hist_list_free(&l);
    return devcli_fail(d, st, "usage (history)");
  }
  hist_usage_t u;
  st = since ? hist_usage_recent(l.ev, l.n, since, s.mode, &u) : hist_usage(l.ev, l.n, 0, &u);
  hist_list_free(&l);
  if (st != 0) {
    cli_error(d->cmd, "usage: out of memory");
    return CLI_FAIL;
  }
  if (d->json) json(&u, id.serial, since, d->conn.tx_bytes + d->conn.rx_bytes);
  else usage_text(&u, id.serial, since);
  hist_usage_free(&u);
  return CLI_OK;
}
