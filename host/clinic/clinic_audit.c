/* clinic_audit.c: the per-connection actor of the audit trail (clinic_audit.h). */
#define _POSIX_C_SOURCE 200809L
#include "clinic_audit.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int plain(const char *s, size_t max, int colon_ok) {
  size_t n = strlen(s);
  if (n == 0 || n > max) return 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] < 0x21 || s[i] > 0x7e || (!colon_ok && s[i] == ':')) return 0;
  return 1;
}

int clinic_actor_set(clinic_actor *a, const char *kind, const char *name) {
  a->name[0] = '\0';
  if (!kind || !name || !plain(kind, 31, 0) || !plain(name, 63, 1)) return -1;
  snprintf(a->name, sizeof a->name, "%s:%s", kind, name);
  return 0;
}

void clinic_actor_os(clinic_actor *a) {
  uid_t uid = geteuid();
  struct passwd pw, *res = NULL;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res && clinic_actor_set(a, "os", res->pw_name) == 0) return;
  char id[32];
  snprintf(id, sizeof id, "uid-%lu", (unsigned long)uid);
  clinic_actor_set(a, "os", id);
}

static void actor_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  (void)argv;
  const clinic_actor *a = sqlite3_user_data(ctx);
  if (!a->name[0]) {
    sqlite3_result_error(ctx, "no actor for the audit trail: this connection may not change the clinic", -1);
    return;
  }
  sqlite3_result_text(ctx, a->name, -1, SQLITE_TRANSIENT);
}

int clinic_audit_attach(sqlite3 *db, const clinic_actor *a) {
  /* Not SQLITE_DETERMINISTIC: the answer changes between statements. Not DIRECTONLY: the
   * triggers call it. */
  if (sqlite3_create_function_v2(db, "nmod_actor", 0, SQLITE_UTF8, (void *)a, actor_fn, NULL, NULL, NULL) != SQLITE_OK)
    return -1;
  return sqlite3_exec(db, "PRAGMA recursive_triggers = ON", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

int clinic_audit_attach_os(sqlite3 *db) {
  static clinic_actor os;
  if (!os.name[0]) clinic_actor_os(&os);
  return clinic_audit_attach(db, &os);
}
