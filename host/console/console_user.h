/* console_user.h: the console's accounts, in the clinic database (table console_user,
 * migration 5), and their passwords.
 *
 * Passwords are stored as libsodium's crypto_pwhash_str strings: Argon2id with the "moderate"
 * limits (3 passes over 256 MiB; about 0.8 s on one core of the machine in docs/PERFORMANCE.md),
 * a random salt each, never the password. Names: 1 to 63 of A-Z a-z 0-9 . _ - starting with a
 * letter or digit. Passwords: 10 to 1024 bytes. Every function returns an exit code of
 * nmod_exit.h with a one-line message in err; none prints.
 */
#ifndef NMOD_CONSOLE_USER_H
#define NMOD_CONSOLE_USER_H

#include <sodium.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "console_http.h"

#define CONSOLE_PW_MIN 10
#define CONSOLE_PW_MAX 1024
#define CONSOLE_HASH_MAX crypto_pwhash_STRBYTES

typedef struct {
  int64_t id;
  char name[CONSOLE_NAME_MAX];
  console_role role;
  int disabled;
  char created_at[32];
} console_user;

/* 1 when name follows the rules above. */
int console_user_name_ok(const char *name);
/* Check pw against the rules: 0, or -1 with the reason in err. */
int console_pw_ok(const char *pw, size_t len, char *err, size_t cap);
/* Argon2id (moderate) of pw into out. 0, or -1 (out of memory). */
int console_pw_hash(const char *pw, size_t len, char out[CONSOLE_HASH_MAX]);
/* 1 when pw matches hash. hash NULL (no such account): a hash of nothing is checked all the
 * same, so an unknown name costs the time a known one does, and 0 is returned. */
int console_pw_verify(const char *hash, const char *pw, size_t len);

/* Add an account (NMOD_EXIT_REFUSED when the name is taken). */
int console_user_add(sqlite3 *db, const char *name, console_role role, const char *pwhash, char *err, size_t cap);
/* Look up by name; hash (CONSOLE_HASH_MAX bytes, or NULL) gets the password hash.
 * NMOD_EXIT_USAGE when there is no such account. */
int console_user_get(sqlite3 *db, const char *name, console_user *u, char *hash, char *err, size_t cap);
int console_user_get_id(sqlite3 *db, int64_t id, console_user *u, char *err, size_t cap);
/* Disable (1) or enable (0); *id gets the account's id. */
int console_user_set_disabled(sqlite3 *db, const char *name, int disabled, int64_t *id, char *err, size_t cap);
/* Every account in name order: cb returns 0 to go on. */
int console_user_each(sqlite3 *db, int (*cb)(void *ctx, const console_user *u), void *ctx, char *err, size_t cap);
/* One account as a JSON object {name, role, disabled, created_at}. */
void console_user_json(js_w *w, const console_user *u);

#endif
