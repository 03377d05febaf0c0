/* clinic_triage.h: triage of symptoms. */
#ifndef NMOD_CLINIC_TRIAGE_H
#define NMOD_CLINIC_TRIAGE_H


typedef enum { TR_SELF = 0, TR_WEEKDAY = 1, TR_IMMEDIATE = 2 } clinic_urgency;
const char *clinic_urgency_name(clinic_urgency u);
/* The symptoms triage knows, i = 0, 1, ... until NULL; *therapies: 1 SCS, 2 SNM, 3 both. */
const char *clinic_triage_symptom(int i, int *therapies);

#endif
