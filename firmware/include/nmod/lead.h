/* nmod/lead.h: the lead catalog and custom leads.
 *
 * A lead has 1..NM_MAX_CONTACTS contacts E0..En-1 of equal geometric area; the stimulator
 * case is node NM_NODE_CASE and may serve as an anode. Areas are integers in um2.
 */
#ifndef NMOD_LEAD_H
#define NMOD_LEAD_H

#include <stdint.h>

typedef enum { NM_SHAPE_CYLINDER = 0, NM_SHAPE_FLAT = 1, NM_SHAPE_CUSTOM = 2 } nm_shape;

typedef enum {
  NM_LEAD_CUSTOM = 0,
  NM_LEAD_SNM_TINED_4 = 1,
  NM_LEAD_SCS_PERC_8 = 2,
  NM_LEAD_SCS_PADDLE_16 = 3,
  NM_LEAD_COUNT
} nm_lead_model;

typedef struct {
  uint8_t model;      /* nm_lead_model */
  uint8_t shape;      /* nm_shape */
  uint8_t n_contacts; /* 1..NM_MAX_CONTACTS */
  uint32_t area_um2;  /* geometric area of each contact */
} nm_lead_t;

/* The catalog entry of a model, or NULL for NM_LEAD_CUSTOM and unknown values. */
const nm_lead_t *nm_lead_catalog(uint8_t model);
/* The catalog model called `name` ("snm-tined-4", ...); NM_LEAD_CUSTOM when unknown. */
uint8_t nm_lead_by_name(const char *name);
/* Catalog name of a model ("custom" for NM_LEAD_CUSTOM). Never NULL. */
const char *nm_lead_name(uint8_t model);
/* Check a lead description (catalog entries must match the catalog). NM_OK or NM_EINVAL. */
int nm_lead_validate(const nm_lead_t *lead);
/* Area of node `node` (a contact or the case) in um2; 0 when the node is not on the lead. */
uint32_t nm_lead_node_area_um2(const nm_lead_t *lead, uint8_t node);

/* Smallest and largest custom contact area accepted (0.1 mm2 .. 100 mm2). */
#define NM_LEAD_AREA_MIN_UM2 100000u
#define NM_LEAD_AREA_MAX_UM2 100000000u

#endif
