/* dev_lead.c: lead integrity. Each contact is measured against the case and classed; an
 * open contact is flagged, a jump within the normal range marked as possible migration,
 * and a short stops the programs that use it (a lowering: at once, stored when it can). */
#include <string.h>

#include "dev_internal.h"

uint8_t nm_dev_imp_class(uint32_t ohm) {
  if (ohm <= NM_IMP_SHORT_MAX_OHM) return NM_IMP_SHORT;
  if (ohm >= NM_IMP_OPEN_MIN_OHM) return NM_IMP_OPEN;
  if (ohm >= NM_IMP_HIGH_MIN_OHM) return NM_IMP_HIGH;
  return NM_IMP_NORMAL;
}

void nm_dev_lead_check(nm_dev_t *d, int auto_check) {
  const nm_lead_t *lead = &d->core.set.lead;
  /* Each contact's class goes straight into the check's event (its masks). */
  nm_event_t e;
  nm_core_ev_init(&e, NM_EV_IMPEDANCE);
  uint64_t sum = 0;
  uint32_t nsum = 0, ohm_now[NM_MAX_CONTACTS] = {0};
  /* The lead is valid (n_contacts <= NM_MAX_CONTACTS): the second bound is the array's. */
  for (uint8_t n = 0; n < lead->n_contacts && n < NM_MAX_CONTACTS; n++) {
    uint32_t ohm = 0;
    if (d->port->imp_measure(d->port->ctx, n, NM_NODE_CASE, &ohm) != NM_OK) continue;
    ohm_now[n] = ohm;
    uint16_t bit = (uint16_t)(1u << n);
    switch (nm_dev_imp_class(ohm)) {
      case NM_IMP_OPEN: e.u.impedance.open |= bit; break;
      case NM_IMP_SHORT: e.u.impedance.shrt |= bit; break;
      case NM_IMP_HIGH: e.u.impedance.high |= bit; break;
      default: {
        sum += ohm;
        nsum++;
        /* A jump within the normal range: the contact sits elsewhere now. */
        uint32_t was = d->imp_last_ohm[n];
        uint32_t diff = ohm > was ? ohm - was : was - ohm;
        if (was && nm_dev_imp_class(was) == NM_IMP_NORMAL && (uint64_t)diff * 1000u > (uint64_t)was * NM_IMP_JUMP_PM) {
          e.u.impedance.jump |= bit;
        }
      }
    }
  }
  d->core.lead_open = e.u.impedance.open;
  d->core.lead_short = e.u.impedance.shrt;
  d->imp_jump = e.u.impedance.jump;
  memcpy(d->imp_last_ohm, ohm_now, sizeof ohm_now);
  d->imp_last_s = nm_dev_epoch_s(d);
  e.u.impedance.mean_ohm = nsum ? (uint32_t)(sum / nsum) : 0u;
  e.u.impedance.auto_check = (uint8_t)(auto_check != 0);
  dev_event(d, &e);
  /* A short: the programs using that contact stop (the others go on); the core says so. */
  /* The lead is valid (n_contacts <= NM_MAX_CONTACTS): the second bound is the array's. */
  for (uint8_t n = 0; n < lead->n_contacts && n < NM_MAX_CONTACTS; n++) {
    if (e.u.impedance.shrt & (1u << n)) (void)nm_core_drop_node(&d->core, n);
  }
  (void)dev_store(d, NM_DIRTY_IMP | NM_DIRTY_SETTINGS);
}

static void put_reading(nm_dev_t *d, nm_wr_t *w, uint8_t a, uint8_t b) {
  uint32_t ohm = 0;
  int err = d->port->imp_measure(d->port->ctx, a, b, &ohm);
  nm_wr_u32(w, err ? 0u : ohm);
  nm_wr_u8(w, err ? (uint8_t)NM_IMP_ERROR : nm_dev_imp_class(ohm));
}

/* A check now (as the daily one), then its readings: each contact against the case, and
 * each running program's main pair (its strongest cathode and anode). */
void dev_op_impedance(nm_dev_t *d, nm_wr_t *w) {
  nm_dev_lead_check(d, 0);
  const nm_settings_t *s = &d->core.set;
  nm_wr_u8(w, s->lead.n_contacts);
  for (uint8_t n = 0; n < s->lead.n_contacts; n++) {
    nm_wr_u8(w, n);
    nm_wr_u32(w, d->imp_last_ohm[n]);
    nm_wr_u8(w, nm_dev_imp_class(d->imp_last_ohm[n]));
  }
  uint8_t m = 0;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) m = (uint8_t)(m + ((s->running_mask >> i) & 1u));
  nm_wr_u8(w, m);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->running_mask & (1u << i))) continue;
    uint8_t cath = 0, anod = 0;
    int8_t lo = 0, hi = 0;
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int8_t f = s->prog[i].frac_pct[n];
      if (f < lo) {
        lo = f;
        cath = n;
      }
      if (f > hi) {
        hi = f;
        anod = n;
      }
    }
    nm_wr_u8(w, i);
    nm_wr_u8(w, cath);
    nm_wr_u8(w, anod);
    put_reading(d, w, cath, anod);
  }
  nm_wr_u16(w, d->imp_jump);
}
