/* clinic_main.c: `nmod clinic [--db FILE] CMD ... [--json]`: global options, the database,
 * and dispatch to one handler per command. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <sys/types.h>
#include <sys/stat.h>

#include "clinic.h"
#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_store.h"
#include "hu_args.h"
#include "hu_date.h"
#include "json.h"
#include "nmod_exit.h"

static const char usage[] =
    "usage: nmod clinic [--db FILE] COMMAND ... [--json]\n"
    "  database: --db FILE, else $NMOD_CLINIC_DB, else $XDG_DATA_HOME/nmod/clinic.db\n"
    "            (or ~/.local/share/nmod/clinic.db); NMOD_TODAY=YYYY-MM-DD fixes 'today',\n"
    "            NMOD_NOW='YYYY-MM-DD HH:MM' the clock\n"
    "  init                                       create or migrate the database\n"
    "  patient add ID --therapy scs|snm --name NAME --birth YYYY-MM-DD\n"
    "  patient show ID | patient list | patient import FILE.csv\n"
    "  path show ID                               where the patient stands, what comes next\n"
    "  path step ID STEP [--date D] [--planned] [--outcome proceed|stop] [--note T] [--override REASON]\n"
    "            [--earlier-treatment medication|irrigation|operation|other[:DETAIL]]... (at the referral)\n"
    "  path undo ID | path import FILE.csv\n"
    "  diary add ID --date D (--nrs N | --morning N --evening N | --incontinence N [--urgency N] [--pads N])\n"
    "  diary import [ID] FILE.csv | diary list ID [--from D] [--to D] | diary delete ID --date D\n"
    "  diary-link issue ID [--base URL] | diary-link revoke ID [--id N] | diary-link list ID\n"
    "                                             the patient's diary page in the console (shown once)\n"
    "  score add ID wexner|vaizey|nrs [--date D] ITEM=ANSWER... | score list ID\n"
    "  evaluate ID|--all [--threshold PCT]       trial verdict: success, failure, insufficient-data\n"
    "  config [KEY VALUE]                         success_threshold_pct, min_diary_days, baseline_max_days,\n"
    "                                             scs_trial_days, snm_trial_days, trial_tolerance_days, institution\n"
    "  plan ID [--years N] [--ics FILE]           follow-up plan (and a calendar file)\n"
    "  vaccination add ID --date D --kind flu|other [--name T]\n"
    "  medication add ID NAME\n"
    "  check ID                                   vaccination windows, timing, anticoagulants\n"
    "  leaflet ID [--phase P] [--lang en|nl]      the rules for the patient's current phase\n"
    "  triage [--temp C] [--symptom S]... [--therapy scs|snm | --patient ID] [--bed-rest-days N]\n"
    "         [--now 'YYYY-MM-DD HH:MM'] [--discharged 'YYYY-MM-DD HH:MM']\n"
    "  lead-response add ID --contact EN --response bellows|toe|both|none [--threshold-ma MA] [--date D]\n"
    "  lead-response list ID                      SNM: the response to the test current at lead placement\n"
    "  visit add ID --kind K [--date D] [--note T] | visit list ID\n"
    "  import-interrogation ID FILE.json [--date D]  a read-out from nmod programmer interrogate --out FILE\n"
    "  report ID --out FILE.html [--by NAME]      the printable report (A4), produced by NAME (default: login)\n"
    "  export ID --fhir|--csv [--out FILE]        FHIR R4 Bundle or diary CSV\n"
    "  check-db [--full]                          check the whole file (quick_check; --full: integrity_check)\n"
    "files nmod writes (database, -wal, -shm, reports, exports) are created 0600\n"
    NMOD_EXIT_CODES "\n"
    "details: docs/CLINIC.md\n";

static const char *const flags[] = {"json", "planned", "all", "fhir", "csv", "full", NULL};

typedef int (*handler)(clinic_ctx *, clinic_args *);
static const struct {
  const char *name;
  handler fn;
  int needs_db;
} cmds[] = {
    {"patient", clinic_cmd_patient, 1},     {"path", clinic_cmd_path, 1},
    {"diary", clinic_cmd_diary, 1},         {"diary-link", clinic_cmd_link, 1},
    {"score", clinic_cmd_score, 1},
    {"evaluate", clinic_cmd_evaluate, 1},   {"config", clinic_cmd_config, 1},
    {"plan", clinic_cmd_plan, 1},           {"vaccination", clinic_cmd_vaccination, 1},
    {"medication", clinic_cmd_medication, 1}, {"check", clinic_cmd_check, 1},
    {"leaflet", clinic_cmd_leaflet, 1},     {"triage", clinic_cmd_triage, 0},
    {"visit", clinic_cmd_visit, 1},         {"import-interrogation", clinic_cmd_interrogation, 1},
    {"report", clinic_cmd_report, 1},       {"export", clinic_cmd_export, 1},
    {"lead-response", clinic_cmd_lead, 1},
    {"check-db", clinic_cmd_checkdb, 1},
};

/* Commands (and subcommands) that only read: their open skips the per-table check. Anything
 * not listed is taken to write. */
static const struct {
  const char *cmd, *sub; /* sub NULL: any */
} readers[] = {
    {"patient", "show"}, {"patient", "list"}, {"path", "show"}, {"diary", "list"}, {"diary-link", "list"}, {"score", "list"},
    {"evaluate", NULL},  {"plan", NULL},      {"check", NULL},  {"leaflet", NULL}, {"triage", NULL},
    {"visit", "list"},   {"report", NULL},    {"export", NULL},
};

static clinic_open_mode open_mode(const clinic_args *a) {
  const char *cmd = a->pos[0], *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(cmd, "check-db") == 0) return CLINIC_OPEN_CHECK;
  if (strcmp(cmd, "config") == 0 && a->npos == 1) return CLINIC_OPEN_READ;
  for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++)
    if (strcmp(readers[i].cmd, cmd) == 0 && (!readers[i].sub || strcmp(readers[i].sub, sub) == 0)) return CLINIC_OPEN_READ;
  return CLINIC_OPEN_WRITE;
}

static int cmd_init(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "init");
  if (rc) return rc;
  int v;
  clinic_err e = {0};
  if (clinic_store_version(c->db, &v, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "db", c->db_path);
    jw_kv_int(&w, "schema_version", v);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "database %s ready (schema version %d, WAL)\n", c->db_path, v);
  }
  return CL_OK;
}

/* `nmod clinic CMD --help`: the usage's first line, the lines of CMD (with the lines that
 * continue them, indented deeper) and where the details are. 0, or -1 when CMD has none. */
static int command_lines(const char *cmd, FILE *f) {
  size_t n = strlen(cmd);
  int found = 0, in = 0;
  for (const char *line = strchr(usage, '\n') + 1, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
    if (strncmp(line, "  ", 2) == 0 && line[2] != ' ') in = strncmp(line + 2, cmd, n) == 0 && line[2 + n] == ' ';
    else if (strncmp(line, "   ", 3) != 0) in = 0;
    if (in && f) fprintf(f, "%.*s\n", (int)(nl - line), line);
    found |= in;
  }
  return found;
}

static int command_help(const char *cmd, FILE *f) {
  if (!command_lines(cmd, NULL)) return -1;
  fprintf(f, "%.*s\n", (int)(strchr(usage, '\n') - usage), usage);
  command_lines(cmd, f);
  fputs("details: docs/CLINIC.md\n", f);
  return 0;
}

static int cmd_clinic(int argc, char **argv) {
  clinic_args a;
  /* argv[0] is "clinic". */
  int rc = clinic_args_parse(&a, argc - 1, argv + 1, flags);
  if (rc) return rc;
  clinic_ctx c;
  memset(&c, 0, sizeof c);
  c.json = clinic_opt_flag(&a, "json");
  c.today = hu_today();
  const char *db = clinic_opt_get(&a, "db");
  /* Help on one command: 'nmod clinic CMD --help' or 'nmod clinic help CMD'. */
  const char *help_for = a.help && a.npos > 0 && strcmp(a.pos[0], "help") != 0 ? a.pos[0]
                         : a.npos > 1 && strcmp(a.pos[0], "help") == 0       ? a.pos[1]
                                                                             : NULL;
  if (help_for) {
    if (strcmp(help_for, "help") != 0 && command_help(help_for, stdout) == 0) return CL_OK;
    return clinic_fail(CL_USAGE, "unknown command '%s' (see nmod clinic help)", help_for);
  }
  if (a.help || a.npos == 0 || strcmp(a.pos[0], "help") == 0) {
    fputs(usage, a.npos == 0 && !a.help ? stderr : stdout);
    return a.npos == 0 && !a.help ? CL_USAGE : CL_OK;
  }
  const char *name = a.pos[0];
  handler fn = NULL;
  int needs_db = 1;
  if (strcmp(name, "init") == 0) {
    fn = cmd_init;
  } else {
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
      if (strcmp(cmds[i].name, name) == 0) {
        fn = cmds[i].fn;
        needs_db = cmds[i].needs_db;
      }
  }
  if (!fn) return clinic_fail(CL_USAGE, "unknown command '%s' (see nmod clinic help)", name);
  /* triage needs the database only to look up --patient. */
  if (!needs_db) {
    if (hu_args_count(&a, "patient") > 0) needs_db = 1;
  }
  char path[4096];
  if (needs_db) {
    clinic_err e = {0};
    if (db) {
      if (!*db) return clinic_fail(CL_USAGE, "--db needs a file name");
      snprintf(path, sizeof path, "%s", db);
    } else if (clinic_store_default_path(path, sizeof path, &e) != CLINIC_E_OK) {
      return clinic_report(&e);
    }
    c.db_path = path;
    clinic_open_notes notes;
    rc = clinic_store_open(path, open_mode(&a), &c.db, &notes, &e);
    clinic_open_notes_print(stderr, &notes);
    if (rc) return clinic_report(&e);
  }
  rc = fn(&c, &a);
  if (fflush(stdout) != 0 && rc == CL_OK) rc = clinic_fail(CL_IO, "writing the output failed");
  if (c.db) {
    clinic_rollback(c.db);
    if (sqlite3_close(c.db) != SQLITE_OK && rc == CL_OK) rc = clinic_fail(CL_IO, "closing the database failed");
  }
  return rc;
}

int clinic_import_end(sqlite3 *db, clinic_err *e) {
  if (sqlite3_get_autocommit(db)) return e->code; /* failed before its transaction began */
  if (!e->code) clinic_sql_commit(db, e);
  if (e->code) {
    clinic_rollback(db);
    return CLINIC_IMPORT_ROLLED_BACK;
  }
  return CLINIC_E_OK;
}

int clinic_import_render(const clinic_ctx *c, int end, const clinic_err *e, const char *file, long rows, const char *noun) {
  if (end != CLINIC_E_OK) {
    int rc = clinic_report(e);
    if (end == CLINIC_IMPORT_ROLLED_BACK) {
      clinic_err n;
      clinic_err_clear(&n);
      clinic_err_set(&n, e->code, "nothing of %s was stored", file);
      clinic_report(&n);
    }
    return rc;
  }
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_int(&w, "imported", rows);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "imported %ld %s from %s\n", rows, noun, file);
  }
  return CL_OK;
}

int clinic_call(sqlite3 *db, int argc, const char *const *argv, FILE *out, clinic_err *err) {
  clinic_capture(out, err);
  int outer = !sqlite3_get_autocommit(db); /* the caller's read transaction: left to the caller */
  clinic_args a;
  int rc = clinic_args_parse(&a, argc, (char **)argv, flags);
  handler fn = NULL;
  for (size_t i = 0; !rc && a.npos > 0 && i < sizeof cmds / sizeof cmds[0]; i++)
    if (strcmp(cmds[i].name, a.pos[0]) == 0) fn = cmds[i].fn;
  if (!rc && !fn) rc = clinic_fail(CL_USAGE, "unknown command '%s'", a.npos > 0 ? a.pos[0] : "");
  if (!rc) {
    clinic_ctx c;
    memset(&c, 0, sizeof c);
    c.db = db;
    c.db_path = sqlite3_db_filename(db, "main");
    c.json = 1;
    c.today = hu_today();
    rc = fn(&c, &a);
    /* As cmd_clinic() does: a read transaction a command left open ends here. */
    if (!outer && !sqlite3_get_autocommit(db)) clinic_rollback(db);
  }
  if (fflush(out) != 0 && rc == CL_OK) rc = clinic_fail(CL_IO, "writing the output failed");
  clinic_capture(NULL, NULL);
  return rc;
}

int clinic_main(int argc, char **argv) {
  /* Patient data: every file this process creates (the database and SQLite's -wal and -shm
   * beside it, reports, exports, folders) is born owner-only, with no window of exposure. */
  mode_t old = umask(077);
  int rc = cmd_clinic(argc, argv);
  umask(old);
  return rc;
}
