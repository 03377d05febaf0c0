/* longevity.c: see longevity.h. */
#include "longevity.h"

#include <stdio.h>
#include <string.h>

void lg_draw_progs(const nm_prog_t *progs, const uint32_t *amp_ua, uint8_t running_mask, uint8_t n,
                   const nm_load_t *load, const nm_profile_t *pf, nm_draw_t *out) {
  const nm_prog_t *run[NM_MAX_PROGRAMS];
  uint32_t amps[NM_MAX_PROGRAMS];
  uint8_t k = 0;
  for (uint8_t i = 0; i < n && i < NM_MAX_PROGRAMS; i++) {
    if (!(running_mask & (1u << i))) continue;
    run[k] = &progs[i];
    amps[k++] = amp_ua[i];
  }
  nm_energy_programs(pf, run, amps, k, load->impedance_ohm, load->compliance_mv, out);
}

void lg_draw(const tf_therapy_t *t, const nm_profile_t *pf, nm_draw_t *out) {
  uint32_t amps[NM_MAX_PROGRAMS];
  for (uint8_t i = 0; i < t->n_prog; i++) amps[i] = t->prog[i].amp_ua;
  lg_draw_progs(t->prog, amps, t->running_mask, t->n_prog, &t->load, pf, out);
}

const char *lg_profile_names(void) {
  static char buf[256];
  if (buf[0]) return buf;
  size_t at = 0;
  for (uint8_t id = 1; id < NM_PROFILE_COUNT; id++) {
    const nm_profile_t *p = nm_profile_get(id);
    if (!p) continue;
    int n = snprintf(buf + at, sizeof buf - at, "%s%s", at ? ", " : "", p->name);
    if (n < 0 || (size_t)n >= sizeof buf - at) break;
    at += (size_t)n;
  }
  return buf;
}

static const char *cell_name(uint8_t cell) { return cell == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary"; }

int lg_pick_profile(const char *name, const char *battery, uint8_t therapy, int default_ok, const nm_profile_t **out,
                    char *err, size_t errcap) {
  int cell = -1;
  if (battery) {
    cell = strcmp(battery, "primary") == 0 ? NM_CELL_PRIMARY : strcmp(battery, "rechargeable") == 0 ? NM_CELL_RECHARGEABLE : -2;
    if (cell < 0) {
      snprintf(err, errcap, "--battery '%s': use primary or rechargeable", battery);
      return -1;
    }
  }
  if (name) {
    const nm_profile_t *p = nm_profile_by_name(name);
    if (!p) {
      snprintf(err, errcap, "--profile '%s' is not a profile nmod knows: use one of %s", name, lg_profile_names());
      return -1;
    }
    if (cell >= 0 && p->cell != cell) {
      snprintf(err, errcap, "--profile %s has a %s cell, not %s: leave out --battery or make it agree", p->name,
               cell_name(p->cell), cell_name((uint8_t)cell));
      return -1;
    }
    *out = p;
    return 0;
  }
  if (cell >= 0) {
    *out = nm_profile_get(nm_profile_reference((uint8_t)cell));
  } else {
    *out = default_ok ? nm_profile_get(nm_profile_default(therapy)) : NULL;
  }
  return 0;
}
