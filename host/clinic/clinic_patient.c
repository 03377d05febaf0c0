/* clinic_patient.c: patients (code, therapy, name, birth date): validation, storage, lookup and
 * import; errors as values (clinic_err.h), nothing printed. The command is clinic_cmd_patient.c. */
#include <string.h>

#include "clinic_patient.h"
#include "clinic_csv.h"
#include "clinic_err.h"
#include "clinic_store.h"
#include "hu_date.h"

const char *clinic_therapy_name(clinic_therapy t) { return t == TH_SCS ? "scs" : "snm"; }

static int code_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((clinic_patient *)0)->code)) return 0;
  for (; *s; s++) {
    char ch = *s;
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_' || ch == '.'))
      return 0;
  }
  return 1;
}

static int name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((clinic_patient *)0)->name)) return 0;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
  return 1;
}

void clinic_patient_from_row(sqlite3_stmt *st, int col, clinic_patient *p) {
  memset(p, 0, sizeof *p);
  p->pid = sqlite3_column_int64(st, col);
  snprintf(p->code, sizeof p->code, "%s", (const char *)sqlite3_column_text(st, col + 1));
  p->therapy = strcmp((const char *)sqlite3_column_text(st, col + 2), "scs") == 0 ? TH_SCS : TH_SNM;
  snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(st, col + 3));
  if (hu_date_parse((const char *)sqlite3_column_text(st, col + 4), &p->birth) != 0) p->birth = 0;
}

int clinic_patient_lookup(sqlite3 *db, const char *code, clinic_patient *p, clinic_err *e) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT " CLINIC_PATIENT_COLS " FROM patient WHERE code = ?", -1, &st, NULL) != SQLITE_OK)
    return clinic_err_db(e, db, "reading a patient");
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) clinic_patient_from_row(st, 0, p);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return CLINIC_E_OK;
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "reading a patient");
  return clinic_err_set(e, CLINIC_E_NOT_FOUND,
                        "unknown patient '%s' (add it with: nmod clinic patient add %s --therapy scs|snm --name NAME --birth YYYY-MM-DD)",
                        code, code);
}

int clinic_patient_add(sqlite3 *db, sqlite3_stmt *ins, const clinic_patient_in *in, int32_t today, clinic_err *e) {
  const char *code = in->code, *therapy = in->therapy, *name = in->name, *birth = in->birth;
  if (!code || !code_ok(code))
    return clinic_err_set(e, CLINIC_E_INPUT, "patient id '%s' is not valid: use 1-63 letters, digits, '-', '_' or '.'",
                          code ? code : "");
  if (!therapy || (strcmp(therapy, "scs") != 0 && strcmp(therapy, "snm") != 0))
    return clinic_err_set(e, CLINIC_E_INPUT, "therapy '%s' is not known: use scs or snm", therapy ? therapy : "");
  if (!name || !name_ok(name)) return clinic_err_set(e, CLINIC_E_INPUT, "name is missing or not valid (1-127 printable characters)");
  int32_t b;
  int drc = hu_date_parse(birth, &b);
  if (drc != 0) {
    char m[160];
    return clinic_err_set(e, CLINIC_E_INPUT, "%s", hu_date_msg(m, sizeof m, "birth date", birth ? birth : "", drc, HU_FORM_DATE));
  }
  if (b > today) return clinic_err_set(e, CLINIC_E_INPUT, "birth date %s is in the future", birth);
  sqlite3_stmt *st = ins;
  if (!st && sqlite3_prepare_v2(db, CLINIC_PATIENT_INSERT_SQL, -1, &st, NULL) != SQLITE_OK)
    return clinic_err_db(e, db, "adding a patient");
  sqlite3_reset(st);
  char td[11];
  hu_date_fmt(td, HU_DATE_LEN, today);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, therapy, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, birth, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, td, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (ins)
    sqlite3_reset(st);
  else
    sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return clinic_err_set(e, CLINIC_E_RULE, "patient '%s' already exists (see: nmod clinic patient show %s)", code, code);
  if (rc != SQLITE_DONE) return clinic_err_db(e, db, "adding a patient");
  return CLINIC_E_OK;
}

int clinic_patient_each(sqlite3 *db, int (*fn)(void *ctx, const clinic_patient *p), void *ctx, clinic_err *e) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT " CLINIC_PATIENT_COLS " FROM patient ORDER BY code", -1, &st, NULL) != SQLITE_OK)
    return clinic_err_db(e, db, "listing patients");
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_patient p;
    clinic_patient_from_row(st, 0, &p);
    if (fn(ctx, &p) != 0) break;
  }
  return clinic_sql_end(db, st, rc, "listing patients", e);
}

/* patient import FILE.csv: header id,therapy,name,birth_date; all or nothing. */
int clinic_patient_import(sqlite3 *db, const char *file, int32_t today, long *rows, clinic_err *e) {
  static const char *const names[4] = {"id", "therapy", "name", "birth_date"};
  clinic_csv csv;
  *rows = 0;
  if (clinic_csv_open(&csv, file) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "cannot read %s: no such file or not readable", file);
  char msg[256];
  int col[4] = {-1, -1, -1, -1};
  int r = clinic_csv_next(&csv, msg, sizeof msg);
  int rc = CLINIC_E_OK;
  if (r != 1)
    rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s; nothing was stored", file, csv.line,
                        r == 0 ? "empty file, expected the header id,therapy,name,birth_date" : msg);
  for (int i = 0; !rc && i < csv.nfields; i++) {
    int k = -1;
    for (int j = 0; j < 4; j++)
      if (strcmp(csv.field[i], names[j]) == 0) k = j;
    if (k < 0 || col[k] >= 0)
      rc = clinic_err_set(e, CLINIC_E_INPUT,
                          "%s line 1: column '%s' is unknown or repeated (expected id,therapy,name,birth_date); nothing was stored",
                          file, csv.field[i]);
    else
      col[k] = i;
  }
  for (int j = 0; !rc && j < 4; j++)
    if (col[j] < 0) rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line 1: column '%s' is missing; nothing was stored", file, names[j]);
  if (rc) {
    clinic_csv_close(&csv);
    return rc;
  }
  if ((rc = clinic_sql_begin(db, e)) != CLINIC_E_OK) {
    clinic_csv_close(&csv);
    return rc;
  }
  /* Prepared once for the file (its trigger creates each patient's evaluation row). */
  sqlite3_stmt *ins;
  if (sqlite3_prepare_v2(db, CLINIC_PATIENT_INSERT_SQL, -1, &ins, NULL) != SQLITE_OK) {
    ins = NULL;
    rc = clinic_err_db(e, db, "importing patients");
  }
  while (!rc && (r = clinic_csv_next(&csv, msg, sizeof msg)) == 1) {
    if (csv.nfields != 4) {
      rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %d fields, expected 4", file, csv.line, csv.nfields);
      break;
    }
    clinic_patient_in in = {csv.field[col[0]], csv.field[col[1]], csv.field[col[2]], csv.field[col[3]]};
    if ((rc = clinic_patient_add(db, ins, &in, today, e)) != CLINIC_E_OK) {
      if (rc != CLINIC_E_IO) {
        char lb[32];
        snprintf(lb, sizeof lb, "line %ld: ", csv.line);
        clinic_err_prefix(e, lb);
      }
      break;
    }
    (*rows)++;
  }
  sqlite3_finalize(ins);
  if (!rc && r < 0) rc = clinic_err_set(e, CLINIC_E_INPUT, "%s line %ld: %s", file, csv.line, msg);
  clinic_csv_close(&csv);
  return rc;
}
