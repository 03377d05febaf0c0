/* report.h: the safety supervisor's findings in words, for the CLI and the programmer.
 * Every reason names the value, the limit and the unit. */
#ifndef NMOD_REPORT_H
#define NMOD_REPORT_H

#include <stdint.h>

#include "nmod/core.h"

typedef void (*report_line_fn)(void *user, const char *line);

/* Call fn once per reason in rep (refusals first, then warnings). */
void report_reasons(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                    const nm_safety_report_t *rep, report_line_fn fn, void *user);
/* Shannon k = log10(Q uC) + log10(Q/A uC/cm2); -inf for zero charge. */
double report_shannon_k(uint32_t charge_pc, uint32_t area_um2);
/* Charge density in uC/cm2 (exact, not the truncated integer of the report). */
double report_density(uint32_t charge_pc, uint32_t area_um2);
const char *report_verdict(uint8_t verdict);
/* Why a set of programs cannot run together, in words. */
const char *report_plan(nm_plan_result r);

#endif
