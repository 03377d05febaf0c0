/* clinic_export.c: exchange formats.
 *   FHIR R4 JSON: a Bundle (type collection) with the Patient, one Observation per diary day
 *   (SCS: LOINC 72514-3 pain severity 0-10, with morning/evening components; SNM: a bowel
 *   diary observation with incontinence, urgency and pad components), one Observation per
 *   score, and one Procedure per operation of the path (completed, or preparation when only
 *   planned). Entries have deterministic urn:uuid fullUrls so an export is reproducible.
 *   CSV: the diary in the same format `diary import` reads, with a patient column.
 */
#include <limits.h>
#include <string.h>

#include "clinic_int.h"

#define NMOD_CS "urn:nmod:clinic"
#define LOINC "http://loinc.org"

/* A name-based UUID from two FNV-1a 64-bit hashes, version and variant bits set. */
static void uuid_of(const char *a, const char *b, char out[46]) {
  uint64_t h1 = 1469598103934665603ull, h2 = 1099511628211ull * 7u;
  for (const char *s = a; *s; s++) h1 = (h1 ^ (unsigned char)*s) * 1099511628211ull;
  h1 = (h1 ^ '|') * 1099511628211ull;
  for (const char *s = b; *s; s++) h1 = (h1 ^ (unsigned char)*s) * 1099511628211ull;
  for (const char *s = b; *s; s++) h2 = (h2 ^ (unsigned char)*s) * 1099511628211ull;
  h2 = (h2 ^ '#') * 1099511628211ull;
  for (const char *s = a; *s; s++) h2 = (h2 ^ (unsigned char)*s) * 1099511628211ull;
  h1 = (h1 & ~0xF000ull) | 0x4000ull;                           /* version 4 layout */
  h2 = (h2 & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;    /* RFC 4122 variant */
  snprintf(out, 46, "urn:uuid:%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(h1 >> 32),
           (unsigned long long)((h1 >> 16) & 0xFFFF), (unsigned long long)(h1 & 0xFFFF),
           (unsigned long long)(h2 >> 48), (unsigned long long)(h2 & 0xFFFFFFFFFFFFull));
}

/* FHIR ids allow [A-Za-z0-9-.]{1,64}: map anything else to '-'. */
static void fhir_id(const char *s, char out[65]) {
  size_t i = 0;
  for (; s[i] && i < 64; i++) {
    char ch = s[i];
    out[i] = ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.') ? ch : '-';
  }
  out[i] = '\0';
}

static void coding(js_w *w, const char *system, const char *code, const char *display) {
  jw_obj(w);
  jw_key(w, "coding");
  jw_arr(w);
  jw_obj(w);
  jw_key(w, "system");
  jw_str(w, system);
  jw_key(w, "code");
  jw_str(w, code);
  jw_key(w, "display");
  jw_str(w, display);
  jw_obj_end(w);
  jw_arr_end(w);
  jw_key(w, "text");
  jw_str(w, display);
  jw_obj_end(w);
}

static void entry_start(js_w *w, const char *pcode, const char *rid, const char *type, const char *id) {
  char full[46];
  uuid_of(pcode, rid, full);
  jw_obj(w);
  jw_key(w, "fullUrl");
  jw_str(w, full);
  jw_key(w, "resource");
  jw_obj(w);
  jw_key(w, "resourceType");
  jw_str(w, type);
  jw_key(w, "id");
  jw_str(w, id);
}

static void entry_end(js_w *w) {
  jw_obj_end(w);
  jw_obj_end(w);
}

static void subject(js_w *w, const char *patient_url) {
  jw_key(w, "subject");
  jw_obj(w);
  jw_key(w, "reference");
  jw_str(w, patient_url);
  jw_obj_end(w);
}

static void component(js_w *w, const char *system, const char *code, const char *display, int value) {
  jw_obj(w);
  jw_key(w, "code");
  coding(w, system, code, display);
  jw_key(w, "valueInteger");
  jw_int(w, value);
  jw_obj_end(w);
}

static int fhir(clinic_ctx *c, const clinic_patient *p, FILE *f) {
  char pid[65], purl[46], id[96], bd[11];
  fhir_id(p->code, pid);
  uuid_of(p->code, "Patient", purl);
  clinic_date_fmt(p->birth, bd);
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_key(&w, "resourceType");
  jw_str(&w, "Bundle");
  jw_key(&w, "type");
  jw_str(&w, "collection");
  jw_key(&w, "entry");
  jw_arr(&w);
  entry_start(&w, p->code, "Patient", "Patient", pid);
  jw_key(&w, "identifier");
  jw_arr(&w);
  jw_obj(&w);
  jw_key(&w, "system");
  jw_str(&w, NMOD_CS ":patient");
  jw_key(&w, "value");
  jw_str(&w, p->code);
  jw_obj_end(&w);
  jw_arr_end(&w);
  jw_key(&w, "name");
  jw_arr(&w);
  jw_obj(&w);
  jw_key(&w, "text");
  jw_str(&w, p->name);
  jw_obj_end(&w);
  jw_arr_end(&w);
  jw_key(&w, "birthDate");
  jw_str(&w, bd);
  entry_end(&w);

  sqlite3_stmt *st = clinic_prep(c->db, "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary WHERE pid = ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0);
    int v[6];
    for (int i = 0; i < 6; i++) v[i] = sqlite3_column_type(st, 1 + i) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1 + i);
    snprintf(id, sizeof id, "diary-%s-%s", pid, ds);
    id[64] = '\0';
    entry_start(&w, p->code, id, "Observation", id);
    jw_key(&w, "status");
    jw_str(&w, "final");
    jw_key(&w, "code");
    if (p->therapy == TH_SCS)
      coding(&w, LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported");
    else
      coding(&w, NMOD_CS, "bowel-diary-day", "Bowel diary, one day");
    subject(&w, purl);
    jw_key(&w, "effectiveDateTime");
    jw_str(&w, ds);
    if (p->therapy == TH_SCS && v[0] >= 0) {
      jw_key(&w, "valueInteger");
      jw_int(&w, v[0]);
    }
    if (p->therapy == TH_SCS && (v[1] >= 0 || v[2] >= 0)) {
      jw_key(&w, "component");
      jw_arr(&w);
      if (v[1] >= 0) component(&w, NMOD_CS, "pain-nrs-morning", "Pain NRS 0-10, morning", v[1]);
      if (v[2] >= 0) component(&w, NMOD_CS, "pain-nrs-evening", "Pain NRS 0-10, evening", v[2]);
      jw_arr_end(&w);
    }
    if (p->therapy == TH_SNM) {
      jw_key(&w, "component");
      jw_arr(&w);
      if (v[3] >= 0) component(&w, NMOD_CS, "fecal-incontinence-episodes", "Faecal incontinence episodes per day", v[3]);
      if (v[4] >= 0) component(&w, NMOD_CS, "urgency-episodes", "Urgency episodes per day", v[4]);
      if (v[5] >= 0) component(&w, NMOD_CS, "pads", "Pads per day", v[5]);
      jw_arr_end(&w);
    }
    entry_end(&w);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "reading the diary");

  st = clinic_prep(c->db, "SELECT date, kind, total FROM score WHERE pid = ? ORDER BY date, kind");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0), *kind = (const char *)sqlite3_column_text(st, 1);
    snprintf(id, sizeof id, "score-%s-%s-%s", kind, pid, ds);
    id[64] = '\0';
    entry_start(&w, p->code, id, "Observation", id);
    jw_key(&w, "status");
    jw_str(&w, "final");
    jw_key(&w, "code");
    if (strcmp(kind, "nrs") == 0)
      coding(&w, LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported");
    else if (strcmp(kind, "wexner") == 0)
      coding(&w, NMOD_CS, "wexner-score", "Wexner (Cleveland Clinic) incontinence score 0-20");
    else
      coding(&w, NMOD_CS, "vaizey-score", "St Mark's (Vaizey) incontinence score 0-24");
    subject(&w, purl);
    jw_key(&w, "effectiveDateTime");
    jw_str(&w, ds);
    jw_key(&w, "valueInteger");
    jw_int(&w, sqlite3_column_int(st, 2));
    entry_end(&w);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "reading scores");

  clinic_path path;
  if ((rc = clinic_path_load(c->db, p, &path)) != CL_OK) return rc;
  for (int i = 0; i < path.nsteps; i++) {
    if (!path.def[i].procedure || !path.rec[i].recorded) continue;
    char ds[11];
    clinic_date_fmt(path.rec[i].date, ds);
    snprintf(id, sizeof id, "proc-%s-%s", path.def[i].id, pid);
    id[64] = '\0';
    entry_start(&w, p->code, id, "Procedure", id);
    jw_key(&w, "status");
    jw_str(&w, path.rec[i].planned ? "preparation" : "completed");
    jw_key(&w, "code");
    coding(&w, NMOD_CS, path.def[i].id, path.def[i].title);
    subject(&w, purl);
    /* An override of this step, or of the trial-end that closed this trial, with its reason. */
    int tk = clinic_trial_closing_step(&path);
    const clinic_step_rec *ov = path.rec[i].override[0] ? &path.rec[i]
                                : strcmp(path.def[i].id, "trial") == 0 && tk >= 0 && !path.def[tk].procedure &&
                                          path.rec[tk].override[0]
                                      ? &path.rec[tk]
                                      : NULL;
    if (!path.rec[i].planned) {
      jw_key(&w, "performedDateTime");
      jw_str(&w, ds);
      if (ov) {
        clinic_buf t = {0};
        clinic_buf_printf(&t, "override: %s (set aside: %s)", ov->override, ov->override_rule);
        jw_key(&w, "note");
        jw_arr(&w);
        jw_obj(&w);
        jw_key(&w, "text");
        jw_str(&w, t.s);
        jw_obj_end(&w);
        jw_arr_end(&w);
        clinic_buf_free(&t);
      }
    } else {
      jw_key(&w, "note");
      jw_arr(&w);
      jw_obj(&w);
      jw_key(&w, "text");
      char t[40];
      snprintf(t, sizeof t, "planned for %s", ds);
      jw_str(&w, t);
      jw_obj_end(&w);
      jw_arr_end(&w);
    }
    entry_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
  return CL_OK;
}

static void csv_field(FILE *f, const char *s) {
  if (strpbrk(s, ",\"\r\n")) {
    fputc('"', f);
    for (; *s; s++) {
      if (*s == '"') fputc('"', f);
      fputc(*s, f);
    }
    fputc('"', f);
  } else {
    fputs(s, f);
  }
}

static int csv(clinic_ctx *c, const clinic_patient *p, FILE *f) {
  fputs(p->therapy == TH_SCS ? "patient,date,nrs,morning,evening\n" : "patient,date,incontinence,urgency,pads\n", f);
  sqlite3_stmt *st = clinic_prep(c->db, p->therapy == TH_SCS
                                            ? "SELECT date, nrs, nrs_morning, nrs_evening FROM diary WHERE pid = ? ORDER BY date"
                                            : "SELECT date, incontinence, urgency, pads FROM diary WHERE pid = ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    csv_field(f, p->code);
    fprintf(f, ",%s", (const char *)sqlite3_column_text(st, 0));
    for (int i = 1; i <= 3; i++) {
      if (sqlite3_column_type(st, i) == SQLITE_NULL)
        fputs(",", f);
      else
        fprintf(f, ",%d", sqlite3_column_int(st, i));
    }
    fputc('\n', f);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "reading the diary");
  return CL_OK;
}

int clinic_cmd_export(clinic_ctx *c, clinic_args *a) {
  int want_fhir = clinic_opt_flag(a, "fhir"), want_csv = clinic_opt_flag(a, "csv");
  const char *out = clinic_opt_get(a, "out");
  int rc = clinic_args_done(a, "export");
  if (rc) return rc;
  if (a->npos != 2 || want_fhir == want_csv)
    return clinic_fail(CL_USAGE, "usage: nmod clinic export PATIENT --fhir|--csv [--out FILE]");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[1], &p)) != CL_OK) return rc;
  FILE *f = stdout;
  if (out && !(f = fopen(out, "wb"))) return clinic_fail(CL_IO, "cannot write %s: check the folder exists and is writable", out);
  /* One read transaction: the export is one consistent snapshot. */
  if ((rc = clinic_exec(c->db, "BEGIN")) == CL_OK) {
    rc = want_fhir ? fhir(c, &p, f) : csv(c, &p, f);
    clinic_rollback(c->db);
  }
  if (out) {
    if (fclose(f) != 0 && !rc) rc = clinic_fail(CL_IO, "writing %s failed (disk full?)", out);
    if (!rc && !c->json) fprintf(stderr, "nmod clinic: %s export of %s written to %s\n", want_fhir ? "FHIR" : "CSV", p.code, out);
    if (!rc && c->json) {
      js_w w;
      jw_init(&w, stdout);
      jw_obj(&w);
      jw_key(&w, "patient");
      jw_str(&w, p.code);
      jw_key(&w, "format");
      jw_str(&w, want_fhir ? "fhir" : "csv");
      jw_key(&w, "file");
      jw_str(&w, out);
      jw_obj_end(&w);
      jw_end(&w);
    }
  }
  return rc;
}
