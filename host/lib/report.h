/* report.h: the safety supervisor's and the core's findings in words, for the CLI and the
 * programmer. Every reason names the value, the limit and the unit; every limit comes from
 * the firmware's limit table (nmod/limits.h, nmod/lead.h) and every figure from the
 * supervisor's own integer results (its report), never recomputed here. */
#ifndef NMOD_REPORT_H
#define NMOD_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "devlink.h"
#include "nmod/core.h"
#include "therapy_file.h"

typedef void (*report_line_fn)(void *user, const char *line);

/* Call fn once per reason in rep (refusals first, then warnings). */
void report_reasons(const nm_prog_t *p, const nm_lead_t *lead, const nm_load_t *load,
                    const nm_safety_report_t *rep, report_line_fn fn, void *user);
const char *report_verdict(uint8_t verdict);
/* Why the running programs of t cannot run together (why: nm_set_why), in words, into buf. */
const char *report_set(char *buf, size_t cap, uint8_t why, const tf_therapy_t *t);
/* A short stable name of a running-set result (nm_set_why), for JSON: "ok", "none",
 * "empty", "too-many", "snm-one", "slots", "overlap", "fit". */
const char *report_set_code(uint8_t why);
/* A node's charge density per phase in uC/cm2 (the report's nC/cm2, 3 decimals). */
char *report_density(char *buf, size_t cap, const nm_node_eval_t *e);
/* A node's Shannon k (the report's k x 1000, 3 decimals), "none" without charge. */
char *report_k(char *buf, size_t cap, const nm_node_eval_t *e);

#endif
