/* console_user.c: accounts in table console_user, passwords as Argon2id (console_user.h). */
#include "console_user.h"

#include <stdio.h>
#include <string.h>

#include "nmod_exit.h"

/* The hash of a random password nobody knows, made with the same limits: what an unknown
 * name is checked against, so that it takes as long as a known one. */
static const char dummy_hash[crypto_pwhash_STRBYTES] = /* the size the API reads */
    "$argon2id$v=19$m=262144,t=3,p=1$7TV38rBnqS+NsEkTPvOi8A$LpvqhT3hoNYqIBXAEA6EYEm2jRAQr32b8fdEqmvx2wk";

int console_user_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n >= CONSOLE_NAME_MAX) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return 0;
  }
  return 1;
}

int console_pw_ok(const char *pw, size_t len, char *err, size_t cap) {
  if (len < CONSOLE_PW_MIN) {
    snprintf(err, cap, "the password is %zu characters; it needs at least %d", len, CONSOLE_PW_MIN);
    return -1;
  }
  if (len > CONSOLE_PW_MAX) {
    snprintf(err, cap, "the password is longer than %d bytes", CONSOLE_PW_MAX);
    return -1;
  }
  if (memchr(pw, '\0', len)) {
    snprintf(err, cap, "the password holds a NUL byte");
    return -1;
  }
  return 0;
}

int console_pw_hash(const char *pw, size_t len, char out[CONSOLE_HASH_MAX]) {
  return crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE) == 0 ? 0 : -1;
}

int console_pw_verify(const char *hash, const char *pw, size_t len) {
  int ok = crypto_pwhash_str_verify(hash ? hash : dummy_hash, pw, len) == 0;
  return hash ? ok : 0;
}

static int dbfail(sqlite3 *db, const char *what, char *err, size_t cap) {
  snprintf(err, cap, "database %s: %s failed: %s", sqlite3_db_filename(db, "main"), what, sqlite3_errmsg(db));
  return NMOD_EXIT_IO;
}

#define USER_COLS "id, name, role, disabled, created_at"

static void from_row(sqlite3_stmt *st, console_user *u) {
  memset(u, 0, sizeof *u);
  u->id = sqlite3_column_int64(st, 0);
  snprintf(u->name, sizeof u->name, "%s", (const char *)sqlite3_column_text(st, 1));
  if (console_role_parse((const char *)sqlite3_column_text(st, 2), &u->role) != 0) u->role = CR_VIEWER;
  u->disabled = sqlite3_column_int(st, 3) != 0;
  snprintf(u->created_at, sizeof u->created_at, "%s", (const char *)sqlite3_column_text(st, 4));
}

int console_user_add(sqlite3 *db, const char *name, console_role role, const char *pwhash, char *err, size_t cap) {
  if (!console_user_name_ok(name)) {
    snprintf(err, cap, "account name '%.64s' is not 1 to 63 of A-Z a-z 0-9 . _ - starting with a letter or digit", name);
    return NMOD_EXIT_USAGE;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "INSERT INTO console_user(name, role, pwhash, created_at) "
                         "VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                         -1, &st, NULL) != SQLITE_OK)
    return dbfail(db, "adding an account", err, cap);
  sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, console_role_name(role), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  int ext = sqlite3_extended_errcode(db);
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return NMOD_EXIT_OK;
  if (ext == SQLITE_CONSTRAINT_UNIQUE) {
    snprintf(err, cap, "an account named '%s' exists already", name);
    return NMOD_EXIT_REFUSED;
  }
  return dbfail(db, "adding an account", err, cap);
}

static int get_by(sqlite3 *db, const char *sql, const char *name, int64_t id, console_user *u, char *hash, char *err,
                  size_t cap) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return dbfail(db, "reading an account", err, cap);
  if (name)
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    from_row(st, u);
    if (hash) snprintf(hash, CONSOLE_HASH_MAX, "%s", (const char *)sqlite3_column_text(st, 5));
    sqlite3_finalize(st);
    return NMOD_EXIT_OK;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return dbfail(db, "reading an account", err, cap);
  if (name)
    snprintf(err, cap, "no account named '%.64s' (see nmod console user list)", name);
  else
    snprintf(err, cap, "no account %lld", (long long)id);
  return NMOD_EXIT_USAGE;
}

int console_user_get(sqlite3 *db, const char *name, console_user *u, char *hash, char *err, size_t cap) {
  return get_by(db, "SELECT " USER_COLS ", pwhash FROM console_user WHERE name = ?", name, 0, u, hash, err, cap);
}

int console_user_get_id(sqlite3 *db, int64_t id, console_user *u, char *err, size_t cap) {
  return get_by(db, "SELECT " USER_COLS ", pwhash FROM console_user WHERE id = ?", NULL, id, u, NULL, err, cap);
}

int console_user_set_disabled(sqlite3 *db, const char *name, int disabled, int64_t *id, char *err, size_t cap) {
  console_user u;
  int rc = console_user_get(db, name, &u, NULL, err, cap);
  if (rc) return rc;
  *id = u.id;
  if (u.disabled == !!disabled) return NMOD_EXIT_OK; /* already so: nothing to change or audit */
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "UPDATE console_user SET disabled = ? WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
    return dbfail(db, "changing an account", err, cap);
  sqlite3_bind_int(st, 1, !!disabled);
  sqlite3_bind_int64(st, 2, u.id);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? NMOD_EXIT_OK : dbfail(db, "changing an account", err, cap);
}

int console_user_each(sqlite3 *db, int (*cb)(void *ctx, const console_user *u), void *ctx, char *err, size_t cap) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT " USER_COLS " FROM console_user ORDER BY name", -1, &st, NULL) != SQLITE_OK)
    return dbfail(db, "listing the accounts", err, cap);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    console_user u;
    from_row(st, &u);
    if (cb(ctx, &u) != 0) break;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? NMOD_EXIT_OK : dbfail(db, "listing the accounts", err, cap);
}

void console_user_json(js_w *w, const console_user *u) {
  jw_obj(w);
  jw_key(w, "name");
  jw_str(w, u->name);
  jw_key(w, "role");
  jw_str(w, console_role_name(u->role));
  jw_key(w, "disabled");
  jw_bool(w, u->disabled);
  jw_key(w, "created_at");
  jw_str(w, u->created_at);
  jw_obj_end(w);
}
