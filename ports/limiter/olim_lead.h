/* olim_lead.h: the ports' hardware description (an nm_lead_t, as sim_init and cm_port_init
 * take it) in the limiter's own terms. Only the model number, the contact count and the
 * custom area cross over: for a catalog model the limiter knows the areas itself. Kept
 * out of olim.c so that the limiter proper includes nothing of the firmware's leads. */
#ifndef NMOD_OLIM_LEAD_H
#define NMOD_OLIM_LEAD_H

#include "nmod/lead.h"
#include "olim.h"

_Static_assert((int)OLIM_LEAD_CUSTOM == (int)NM_LEAD_CUSTOM && (int)OLIM_LEAD_SNM_TINED_4 == (int)NM_LEAD_SNM_TINED_4 &&
                   (int)OLIM_LEAD_SCS_PERC_8 == (int)NM_LEAD_SCS_PERC_8 &&
                   (int)OLIM_LEAD_SCS_PADDLE_16 == (int)NM_LEAD_SCS_PADDLE_16,
               "the hardware description numbers lead models as the firmware does");

static inline olim_hw_t olim_hw_of_lead(const nm_lead_t *lead) {
  olim_hw_t hw = {lead->model, lead->n_contacts, lead->area_um2};
  return hw;
}

#endif
