/* clinic_leaflet.h: the rules of a phase as a leaflet. */
#ifndef NMOD_CLINIC_LEAFLET_H
#define NMOD_CLINIC_LEAFLET_H

#include <stdio.h>

#include "clinic_patient.h"
#include "clinic_rules.h"

/* nl: in Dutch (the brochures' language), else English. */
void clinic_leaflet_print(FILE *f, clinic_therapy t, clinic_phase ph, int json, int nl);

#endif
