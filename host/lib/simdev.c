/* simdev.c: see simdev.h. */
#include "simdev.h"

#include <string.h>

static int start(simdev_t *d, const tf_therapy_t *t, int cell, sim_cord_t *cord, uint8_t *bad_slot,
                 nm_safety_report_t *rep) {
  memset(d, 0, sizeof *d);
  sim_init(&d->hw, &t->lead, t->load.impedance_ohm, t->load.compliance_mv, NULL, 0, 0);
  sim_attach_cord(&d->hw, cord);
  /* The cell first: its voltage is part of every pulse's energy. */
  if (cell >= 0) sim_batt_set(&d->hw, (uint8_t)cell, 100);
  if (cell == NM_CELL_RECHARGEABLE) sim_batt_autocharge(&d->hw, d->hw.cell.cfg.low_pm);
  int err = nm_core_init(&d->core, sim_port(&d->hw), t->therapy, &t->lead);
  if (err) return err;
  if (cell >= 0) nm_core_set_cell(&d->core, (uint8_t)cell);
  dev_local_link(&d->link, &d->local, &d->core, NM_ROLE_CLINICIAN);
  if ((err = dev_program_all(&d->link, t, bad_slot, rep)) != NM_OK) return err;
  if ((err = dev_op_u8(&d->link, NM_OP_MODE, NM_MODE_OFF)) != NM_OK) return err; /* activate */
  return dev_op_u8(&d->link, NM_OP_THERAPY, 1);
}

int simdev_start(simdev_t *d, const tf_therapy_t *t, uint8_t *bad_slot, nm_safety_report_t *rep) {
  return start(d, t, -1, NULL, bad_slot, rep);
}

int simdev_start_cell(simdev_t *d, const tf_therapy_t *t, uint8_t cell, uint8_t *bad_slot, nm_safety_report_t *rep) {
  return start(d, t, cell, NULL, bad_slot, rep);
}

int simdev_start_ex(simdev_t *d, const tf_therapy_t *t, int cell, sim_cord_t *cord, uint8_t *bad_slot,
                    nm_safety_report_t *rep) {
  return start(d, t, cell, cord, bad_slot, rep);
}
