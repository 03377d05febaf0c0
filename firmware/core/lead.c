/* lead.c: the lead catalog.
 *
 * Areas are geometric: a cylinder of diameter d and length L has pi*d*L; a flat contact
 * w*L. Values below are those products in um2, rounded to the nearest um2:
 *   snm-tined-4   pi * 1.27 mm * 3 mm = 11.969468 mm2 (InterStim-like tined lead)
 *   scs-perc-8    pi * 1.30 mm * 3 mm = 12.252211 mm2 (percutaneous SCS lead)
 *   scs-paddle-16 4 mm * 1 mm          =  4.000000 mm2 (paddle SCS lead)
 * The 3 mm contact length is unconfirmed for any one brand (device-facts.md).
 */
#include "nmod/lead.h"

#include <string.h>

#include "nmod/err.h"
#include "nmod/limits.h"

static const nm_lead_t catalog[NM_LEAD_COUNT] = {
    [NM_LEAD_CUSTOM] = {NM_LEAD_CUSTOM, NM_SHAPE_CUSTOM, 0, 0},
    [NM_LEAD_SNM_TINED_4] = {NM_LEAD_SNM_TINED_4, NM_SHAPE_CYLINDER, 4, 11969468u},
    [NM_LEAD_SCS_PERC_8] = {NM_LEAD_SCS_PERC_8, NM_SHAPE_CYLINDER, 8, 12252211u},
    [NM_LEAD_SCS_PADDLE_16] = {NM_LEAD_SCS_PADDLE_16, NM_SHAPE_FLAT, 16, 4000000u},
};

static const char *const names[NM_LEAD_COUNT] = {
    [NM_LEAD_CUSTOM] = "custom",
    [NM_LEAD_SNM_TINED_4] = "snm-tined-4",
    [NM_LEAD_SCS_PERC_8] = "scs-perc-8",
    [NM_LEAD_SCS_PADDLE_16] = "scs-paddle-16",
};

const nm_lead_t *nm_lead_catalog(uint8_t model) {
  if (model == NM_LEAD_CUSTOM || model >= NM_LEAD_COUNT) return NULL;
  return &catalog[model];
}

uint8_t nm_lead_by_name(const char *name) {
  for (uint8_t m = 1; m < NM_LEAD_COUNT; m++) {
    if (strcmp(names[m], name) == 0) return m;
  }
  return NM_LEAD_CUSTOM;
}

const char *nm_lead_name(uint8_t model) {
  return model < NM_LEAD_COUNT ? names[model] : "unknown";
}

int nm_lead_validate(const nm_lead_t *lead) {
  if (lead->model >= NM_LEAD_COUNT) return NM_EINVAL;
  if (lead->model != NM_LEAD_CUSTOM) {
    const nm_lead_t *c = &catalog[lead->model];
    return (lead->shape == c->shape && lead->n_contacts == c->n_contacts &&
            lead->area_um2 == c->area_um2)
               ? NM_OK
               : NM_EINVAL;
  }
  if (lead->n_contacts < 1 || lead->n_contacts > NM_MAX_CONTACTS) return NM_EINVAL;
  if (lead->area_um2 < NM_LEAD_AREA_MIN_UM2 || lead->area_um2 > NM_LEAD_AREA_MAX_UM2) {
    return NM_EINVAL;
  }
  return NM_OK;
}

uint32_t nm_lead_node_area_um2(const nm_lead_t *lead, uint8_t node) {
  if (node == NM_NODE_CASE) return NM_CASE_AREA_UM2;
  return node < lead->n_contacts ? lead->area_um2 : 0;
}
