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

/* The end of an all-or-nothing CSV import that ran with e: commit the transaction it opened
 * (CLINIC_E_OK), or roll it back (CLINIC_IMPORT_ROLLED_BACK, the cause in e); an import that
 * failed before its transaction began returns e's code. */
#define CLINIC_IMPORT_ROLLED_BACK (-1)
int clinic_import_end(sqlite3 *db, clinic_err *e);
/* Its renderer, for the command's entry: `rows` `noun` imported from file (text, or
 * {"imported": rows} with --json), or e's line and, once rolled back, that nothing of file
 * was stored. Returns the exit code. */
int clinic_import_render(const clinic_ctx *c, int end, const clinic_err *e, const char *file, long rows, const char *noun);

/* Run one command on an open database as `nmod clinic ARGV... --json` would, with its JSON
 * into out and its error (if any) into err; argv[0] is the command ("check", "path", ...).
 * The one place another program (the console) reaches the commands: it renders the same
 * results the CLI prints. A read transaction the caller holds stays open (so that several
 * calls read one snapshot); one the command left open is rolled back. Returns the exit code. */
int clinic_call(sqlite3 *db, int argc, const char *const *argv, FILE *out, clinic_err *err);

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
