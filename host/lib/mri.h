/* mri.h: MRI readiness of a stimulator for a planned scan, from what the device reports now
 * (identity, a fresh impedance check, status): a verdict with every reason against it, and
 * the statement for radiology. nmod's labelling for its own leads (brochures: SNM head only). */
#ifndef NMOD_MRI_H
#define NMOD_MRI_H

#include <stdio.h>

#include "devinfo.h"

#define MRI_MAX_REASONS 12

typedef struct {
  int full_body;   /* the scan asked about: 1 full-body, 0 head */
  int eligible;    /* no reason against */
  int n;           /* reasons */
  char reason[MRI_MAX_REASONS][200];
  uint8_t n_contacts; /* contacts checked */
} mri_verdict_t;

/* The verdict for a head (full_body 0) or full-body scan. Prints nothing. */
void mri_check(const di_identity_t *id, const di_impedance_t *im, const di_status_t *s, int full_body, mri_verdict_t *v);

/* The statement for radiology of an eligible verdict, dated `date` (YYYY-MM-DD), into f (the
 * file the clinician asked for). 0, or -1 when writing failed. */
int mri_statement(FILE *f, const char *date, const di_identity_t *id, const di_status_t *s, const mri_verdict_t *v);

#endif
