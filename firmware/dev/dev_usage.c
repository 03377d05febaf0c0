/* dev_usage.c: the usage of each calendar day (therapy time, patient adjustments, the
 * time-weighted amplitude, mode changes), closed at midnight UTC into an NM_EV_USAGE
 * event, and the health read-out (the last lead check and today so far). */
#include "dev_internal.h"

static uint16_t therapy_min(const nm_dev_t *d) {
  uint64_t min = d->use_therapy_us / 60000000u;
  return (uint16_t)(min > 1440u ? 1440u : min);
}

static uint32_t avg_amp_ua(const nm_dev_t *d) {
  return d->use_therapy_us ? (uint32_t)(d->use_amp_ua_us / d->use_therapy_us) : 0u;
}

void dev_use_tick(nm_dev_t *d) {
  uint64_t now = dev_now_us(d);
  uint32_t day = nm_dev_epoch_s(d) / 86400u;
  if (d->use_last_us == 0 || now < d->use_last_us) {
    d->use_last_us = now ? now : 1;
    d->use_day = day;
    return;
  }
  /* In microseconds, not truncated per tick: reads tick too, at any time. */
  uint64_t dt_us = now - d->use_last_us;
  d->use_last_us = now;
  if (d->core.mode == NM_MODE_THERAPY) {
    uint64_t amp = 0, n = 0;
    for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
      if (!(d->core.set.running_mask & (1u << i))) continue;
      amp += nm_core_amp_base_ua(&d->core, i); /* a loop's: its last amplitude */
      n++;
    }
    d->use_therapy_us += dt_us;
    if (n) d->use_amp_ua_us += amp / n * dt_us; /* < 2^15 uA x 2^37 us a day */
  }
  if (day == d->use_day) return;
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_USAGE);
  e.u.usage.therapy_min = therapy_min(d);
  e.u.usage.adjustments = d->use_adjust;
  e.u.usage.avg_amp_ua = avg_amp_ua(d);
  e.u.usage.mode_changes = d->use_modes;
  e.u.usage.soc_pm = d->core.batt.soc_pm;
  dev_event(d, &e);
  d->use_day = day;
  d->use_therapy_us = d->use_amp_ua_us = 0;
  d->use_adjust = 0;
  d->use_modes = 0;
}

void dev_op_health(nm_dev_t *d, nm_wr_t *w) {
  dev_use_tick(d);
  nm_wr_u32(w, d->imp_last_s);
  nm_wr_u8(w, d->core.set.lead.n_contacts);
  for (uint8_t n = 0; n < d->core.set.lead.n_contacts; n++) nm_wr_u32(w, d->imp_last_ohm[n]);
  nm_wr_u16(w, d->imp_jump);
  nm_wr_u16(w, therapy_min(d));
  nm_wr_u16(w, d->use_adjust);
  nm_wr_u32(w, avg_amp_ua(d));
  nm_wr_u8(w, d->use_modes);
}
