/* clinic_leaflet.h: the rules of a phase as a leaflet: the table, the leaflet a patient gets
 * (clinic_leaflet_build) and its renderers. */
#ifndef NMOD_CLINIC_LEAFLET_H
#define NMOD_CLINIC_LEAFLET_H

#include <stdio.h>

#include "clinic_patient.h"
#include "clinic_rules.h"

/* One row of clinic_leaflet_rules.tsv: therapy "scs", "snm" or "both"; phases the
 * space-separated clinic_phase_names it applies to; its section (English title); the text. */
typedef struct {
  const char *therapy, *phases, *section, *en, *nl;
} clinic_leaflet_rule;
/* The table, generated from clinic_leaflet_rules.tsv; ends with a row of NULLs. */
extern const clinic_leaflet_rule clinic_leaflet_rules[];
/* 0 when every field of r is there and names a known therapy, phases and section, else -1. */
int clinic_leaflet_rule_check(const clinic_leaflet_rule *r);

#define CLINIC_LEAFLET_SECTIONS 8
#define CLINIC_LEAFLET_MAX_RULES 16
typedef struct {
  const char *title;
  int n;
  const char *rules[CLINIC_LEAFLET_MAX_RULES];
} clinic_leaflet_section;
/* The leaflet of therapy t in phase ph: its non-empty sections in order, in Dutch (the
 * brochures' language) when nl, else English. Points into static text. */
typedef struct {
  clinic_therapy therapy;
  clinic_phase phase;
  int nl;
  int nsections;
  clinic_leaflet_section sections[CLINIC_LEAFLET_SECTIONS];
} clinic_leaflet;
void clinic_leaflet_build(clinic_therapy t, clinic_phase ph, int nl, clinic_leaflet *lf);
void clinic_leaflet_text(FILE *f, const clinic_leaflet *lf);
void clinic_leaflet_json(FILE *f, const clinic_leaflet *lf);

#endif
