/* simdev.c: see simdev.h. */
#include "simdev.h"

#include <string.h>

static int start(simdev_t *d, const tf_therapy_t *t, const nm_profile_t *pf, sim_cord_t *cord, dev_refusal_t *why) {
  memset(d, 0, sizeof *d);
  memset(why, 0, sizeof *why);
  why->slot = 0xFF;
  sim_init(&d->hw, &t->lead, t->load.impedance_ohm, t->load.compliance_mv, NULL, 0, 0);
  sim_attach_cord(&d->hw, cord);
  sim_ff_attach(&d->hw, &d->ff);
  if (pf) sim_batt_set_profile(&d->hw, pf, 100);
  if (pf && pf->cell == NM_CELL_RECHARGEABLE) sim_batt_autocharge(&d->hw, pf->low_pm);
  int err = nm_core_init(&d->core, sim_port(&d->hw), t->therapy, &t->lead);
  if (err) return err;
  if (pf) nm_core_set_profile(&d->core, pf);
  dev_local_link(&d->link, &d->local, &d->core, NM_ROLE_CLINICIAN);
  if ((err = dev_program_all(&d->link, t, why)) != NM_OK) return err;
  if ((err = dev_op_u8(&d->link, NM_OP_MODE, NM_MODE_OFF)) != NM_OK) return err; /* activate */
  return dev_op_u8(&d->link, NM_OP_THERAPY, 1);
}

int simdev_start(simdev_t *d, const tf_therapy_t *t, dev_refusal_t *why) {
  return start(d, t, NULL, NULL, why);
}

int simdev_start_profile(simdev_t *d, const tf_therapy_t *t, const nm_profile_t *pf, dev_refusal_t *why) {
  return start(d, t, pf, NULL, why);
}

int simdev_start_ex(simdev_t *d, const tf_therapy_t *t, const nm_profile_t *pf, sim_cord_t *cord, dev_refusal_t *why) {
  return start(d, t, pf, cord, why);
}
