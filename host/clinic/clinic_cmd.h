/* clinic_cmd.h: the commands: their context and entry points (one file each group). */
#ifndef NMOD_CLINIC_CMD_H
#define NMOD_CLINIC_CMD_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>

#include "clinic_args.h"
#include "clinic_err.h"
#include "clinic_patient.h"

typedef struct {
  sqlite3 *db;
  const char *db_path;
  int json;
  int32_t today;
} clinic_ctx;

/* The end of an all-or-nothing CSV import inside an open transaction: on rc != 0 roll back
 * and say nothing of `file` was stored; else commit and report `rows` `noun` imported
 * (text, or {"imported": rows} with --json). Returns the exit code. */
int clinic_import_finish(clinic_ctx *c, int rc, const char *file, long rows, const char *noun);

/* Run one command on an open database as `nmod clinic ARGV... --json` would, with its JSON
 * into out and its error (if any) into err; argv[0] is the command ("check", "path", ...).
 * The one place another program (the console) reaches the commands: it renders the same
 * results the CLI prints. A read transaction the caller holds stays open (so that several
 * calls read one snapshot); one the command left open is rolled back. Returns the exit code. */
int clinic_call(sqlite3 *db, int argc, const char *const *argv, FILE *out, clinic_err *err);
/* The report as one HTML page into f, produced by `by` (clinic_report.c). */
int clinic_report_write(clinic_ctx *c, const clinic_patient *p, const char *by, FILE *f);

int clinic_cmd_patient(clinic_ctx *c, clinic_args *a);
int clinic_cmd_path(clinic_ctx *c, clinic_args *a);
int clinic_cmd_diary(clinic_ctx *c, clinic_args *a);
int clinic_cmd_link(clinic_ctx *c, clinic_args *a);
int clinic_cmd_score(clinic_ctx *c, clinic_args *a);
int clinic_cmd_evaluate(clinic_ctx *c, clinic_args *a);
int clinic_cmd_config(clinic_ctx *c, clinic_args *a);
int clinic_cmd_plan(clinic_ctx *c, clinic_args *a);
int clinic_cmd_vaccination(clinic_ctx *c, clinic_args *a);
int clinic_cmd_medication(clinic_ctx *c, clinic_args *a);
int clinic_cmd_check(clinic_ctx *c, clinic_args *a);
int clinic_cmd_leaflet(clinic_ctx *c, clinic_args *a);
int clinic_cmd_triage(clinic_ctx *c, clinic_args *a);
int clinic_cmd_visit(clinic_ctx *c, clinic_args *a);
int clinic_cmd_interrogation(clinic_ctx *c, clinic_args *a);
int clinic_cmd_report(clinic_ctx *c, clinic_args *a);
int clinic_cmd_export(clinic_ctx *c, clinic_args *a);
int clinic_cmd_lead(clinic_ctx *c, clinic_args *a);

int clinic_cmd_checkdb(clinic_ctx *c, clinic_args *a);

#endif
