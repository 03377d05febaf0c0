/* nmod/lead.h: the lead catalog and custom leads.
 *
 * A lead has 1..NM_MAX_CONTACTS contacts E0..En-1 of equal geometric area; the stimulator
 * case is node NM_NODE_CASE and may serve as an anode. Areas are integers in um2.
 */
#ifndef NMOD_LEAD_H
#define NMOD_LEAD_H

#include <stdint.h>

#include "nmod/err.h"    /* NM_OK in the contracts */
#include "nmod/limits.h" /* NM_NODE_CASE */

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

/* Smallest and largest custom contact area accepted (0.1 mm2 .. 100 mm2). */
#define NM_LEAD_AREA_MIN_UM2 100000u
#define NM_LEAD_AREA_MAX_UM2 100000000u

/* Area of node n in ACSL (docs/ASSURANCE.md): the case is 10 cm2 of titanium (its own
 * literal, not limits.h NM_CASE_AREA_UM2), a contact the lead's area, any other node 0. */
/*@ logic integer nm_node_area(nm_lead_t *lead, integer n) =
      n == NM_NODE_CASE ? 1000000000 : (n < lead->n_contacts ? lead->area_um2 : 0);
    // What nm_lead_validate accepts, as far as the charge rules need it.
    predicate nm_lead_ok(nm_lead_t *lead) =
      1 <= lead->n_contacts <= NM_MAX_CONTACTS &&
      NM_LEAD_AREA_MIN_UM2 <= lead->area_um2 <= NM_LEAD_AREA_MAX_UM2; */

/* The catalog entry of a model, or NULL for NM_LEAD_CUSTOM and unknown values. */
/*@ assigns \nothing;
    ensures \result == \null || \valid_read(\result); */
const nm_lead_t *nm_lead_catalog(uint8_t model);
/* The catalog model called `name` ("snm-tined-4", ...); NM_LEAD_CUSTOM when unknown. */
uint8_t nm_lead_by_name(const char *name);
/* Catalog name of a model ("custom" for NM_LEAD_CUSTOM). Never NULL. */
/*@ assigns \nothing;
    ensures \result != \null; */
const char *nm_lead_name(uint8_t model);
/* Check a lead description (catalog entries must match the catalog). NM_OK or NM_EINVAL. */
/*@ requires \valid_read(lead);
    assigns \nothing;
    ensures \result == NM_OK || \result == NM_EINVAL;
    ensures \result == NM_OK ==> nm_lead_ok(lead); */
int nm_lead_validate(const nm_lead_t *lead);
/* Area of node `node` (a contact or the case) in um2; 0 when the node is not on the lead. */
/*@ requires \valid_read(lead);
    assigns \nothing;
    ensures \result == nm_node_area(lead, node); */
uint32_t nm_lead_node_area_um2(const nm_lead_t *lead, uint8_t node);

#endif
