/* clinic_link.c: the patients' diary links (clinic_link.h, docs/CONSOLE.md "The
 * patient's diary page").
 *
 * A link is a random token the patient opens on their phone; the database keeps only its
 * SHA-256 (the token has 256 random bits, so a fast hash is enough: nothing to guess), so a
 * copy of the file opens no diary. Its days follow the path at every use: from the first
 * baseline day to the end of the trial. Issuing and revoking are rows of diary_link, audited
 * by its triggers under whoever did it.
 */
#include <limits.h>
#include <sodium.h>
#include <string.h>

#include "clinic_link.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "json.h"

#define NOW_SQL CLINIC_SQL_NOW

static void token_hash(const char *token, char hex[65]) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
  sodium_bin2hex(hex, 65, h, sizeof h);
}

int clinic_link_window(sqlite3 *db, const clinic_patient *p, int32_t *from, int32_t *to, clinic_err *e) {
  clinic_path path;
  clinic_cfg cfg;
  int rc;
  if ((rc = clinic_path_read(db, p, &path, e)) != CLINIC_E_OK) return rc;
  if ((rc = clinic_cfg_read(db, NULL, &cfg, e)) != CLINIC_E_OK) return rc;
  clinic_windows w;
  clinic_windows_of(&path, &cfg, &w);
  *from = w.base_from;
  if (w.closed_to != INT32_MAX)
    *to = w.closed_to; /* the trial's recorded end */
  else if (w.trial_day != INT32_MIN)
    *to = w.limit_to; /* an open trial: its length and the tolerance */
  else
    *to = clinic_path_closed(&path) ? INT32_MIN : INT32_MAX; /* stopped before a trial, or none yet */
  return CLINIC_E_OK;
}

static clinic_link_state state_of(const clinic_link *l, int32_t today) {
  if (l->revoked_at[0]) return LINK_REVOKED;
  if (today > l->to) return LINK_ENDED;
  if (today < l->from) return LINK_NOT_YET;
  return LINK_VALID;
}

const char *clinic_link_state_name(clinic_link_state s) {
  static const char *const names[] = {"valid", "unknown", "revoked", "not-yet-valid", "ended"};
  return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t cap) {
  const unsigned char *t = sqlite3_column_text(st, col);
  snprintf(out, cap, "%s", t ? (const char *)t : "");
}

#define LINK_COLS "id, pid, issued_at, issued_by, revoked_at"

/* Fill l from a row of LINK_COLS (the patient and days not yet). */
static void from_row(sqlite3_stmt *st, clinic_link *l) {
  memset(l, 0, sizeof *l);
  l->id = sqlite3_column_int64(st, 0);
  l->p.pid = sqlite3_column_int64(st, 1);
  copy_col(st, 2, l->issued_at, sizeof l->issued_at);
  copy_col(st, 3, l->issued_by, sizeof l->issued_by);
  copy_col(st, 4, l->revoked_at, sizeof l->revoked_at);
}

int clinic_link_read(sqlite3 *db, const char *token, int64_t id, int32_t today, clinic_link *l, clinic_err *e) {
  memset(l, 0, sizeof *l);
  l->state = LINK_UNKNOWN;
  if (token && strlen(token) != CLINIC_LINK_TOKEN_CHARS) return CLINIC_E_OK;
  sqlite3_stmt *st = clinic_sql_prep(db, token ? "SELECT " LINK_COLS " FROM diary_link WHERE token_hash = ?"
                                               : "SELECT " LINK_COLS " FROM diary_link WHERE id = ?", e);
  if (!st) return CLINIC_E_IO;
  char hex[65];
  if (token) {
    token_hash(token, hex);
    sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
  } else {
    sqlite3_bind_int64(st, 1, id);
  }
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) from_row(st, l);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return CLINIC_E_OK;
  if (rc != SQLITE_ROW) return clinic_err_db(e, db, "reading a diary link");
  if (!(st = clinic_sql_prep(db, "SELECT " CLINIC_PATIENT_COLS " FROM patient WHERE pid = ?", e))) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, l->p.pid);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) clinic_patient_from_row(st, 0, &l->p);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return clinic_err_db(e, db, "reading the patient of a diary link");
  if ((rc = clinic_link_window(db, &l->p, &l->from, &l->to, e)) != CLINIC_E_OK) return rc;
  l->state = state_of(l, today);
  return CLINIC_E_OK;
}

/* Run a step of p's links inside a transaction this opens: revoke p's open links (id 0: all of
 * them, else only link id; *n gets how many), then, with a token hash, insert the new link. */
static int change_links(sqlite3 *db, const clinic_patient *p, int64_t id, const char *hash, int *n, clinic_err *e) {
  int rc = clinic_sql_begin(db, e);
  if (rc) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "UPDATE diary_link SET revoked_at = " NOW_SQL
                                         " WHERE pid = ?1 AND revoked_at IS NULL AND (?2 = 0 OR id = ?2)", e);
  if (!st) rc = CLINIC_E_IO;
  if (!rc) {
    sqlite3_bind_int64(st, 1, p->pid);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st) == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "revoking a diary link");
    sqlite3_finalize(st);
    *n = rc ? 0 : sqlite3_changes(db);
  }
  if (!rc && !hash && *n == 0)
    rc = id ? clinic_err_set(e, CLINIC_E_NOT_FOUND, "%s has no open diary link %lld", p->code, (long long)id)
            : clinic_err_set(e, CLINIC_E_NOT_FOUND, "%s has no open diary link", p->code);
  if (!rc && hash) {
    st = clinic_sql_prep(db, "INSERT INTO diary_link(pid, token_hash, issued_at, issued_by) VALUES (?, ?, " NOW_SQL ", nmod_actor())", e);
    if (!st) rc = CLINIC_E_IO;
    if (!rc) {
      sqlite3_bind_int64(st, 1, p->pid);
      sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
      rc = sqlite3_step(st) == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "storing a diary link");
      sqlite3_finalize(st);
    }
  }
  if (!rc) rc = clinic_sql_commit(db, e);
  if (rc) clinic_rollback(db);
  return rc;
}

int clinic_link_new(sqlite3 *db, const clinic_patient *p, int32_t today, char *token, clinic_link *l, clinic_err *e) {
  int32_t from, to;
  int rc = clinic_link_window(db, p, &from, &to, e);
  if (rc) return rc;
  if (to < today) {
    char d[11] = "";
    if (to != INT32_MIN) hu_date_fmt(d, HU_DATE_LEN, to);
    return clinic_err_set(e, CLINIC_E_RULE, "%s: %s%s; a diary link is valid from the start of the baseline to the end of the trial",
                          p->code, to == INT32_MIN ? "the path is closed" : "the trial ended on ", d);
  }
  if (sodium_init() < 0) return clinic_err_set(e, CLINIC_E_IO, "libsodium failed to start");
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2base64(token, CLINIC_LINK_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  char hex[65];
  token_hash(token, hex);
  int n;
  if ((rc = change_links(db, p, 0, hex, &n, e)) != CLINIC_E_OK) {
    sodium_memzero(token, CLINIC_LINK_TOKEN_CHARS + 1);
    return rc;
  }
  return clinic_link_read(db, NULL, clinic_store_last_id(db), today, l, e);
}

int clinic_link_end(sqlite3 *db, const clinic_patient *p, int64_t id, int *n, clinic_err *e) {
  *n = 0;
  return change_links(db, p, id, NULL, n, e);
}

int clinic_link_list(sqlite3 *db, const clinic_patient *p, int32_t today, int (*fn)(void *ctx, const clinic_link *l), void *ctx,
                     clinic_err *e) {
  int32_t from, to;
  int rc = clinic_link_window(db, p, &from, &to, e);
  if (rc) return rc;
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT " LINK_COLS " FROM diary_link WHERE pid = ? ORDER BY id DESC", e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_link l;
    from_row(st, &l);
    l.p = *p;
    l.from = from;
    l.to = to;
    l.state = state_of(&l, today);
    if (fn(ctx, &l) != 0) {
      rc = SQLITE_DONE;
      break;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? CLINIC_E_OK : clinic_err_db(e, db, "listing diary links");
}

void clinic_link_json(js_w *w, const clinic_link *l) {
  jw_obj(w);
  jw_kv_int(w, "id", l->id);
  jw_kv_str(w, "patient", l->p.code);
  jw_kv_str(w, "issued_at", l->issued_at);
  jw_kv_str(w, "issued_by", l->issued_by);
  jw_kv_str_opt(w, "revoked_at", l->revoked_at[0] ? l->revoked_at : NULL);
  clinic_json_day(w, "valid_from", l->from);
  clinic_json_day(w, "valid_to", l->to);
  jw_kv_str(w, "state", clinic_link_state_name(l->state));
  jw_obj_end(w);
}
