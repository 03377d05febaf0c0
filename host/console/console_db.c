/* console_db.c: one shared connection, opened by the clinic's own open (console_db.h). */
#include "console_db.h"

#include <string.h>

#include "clinic_int.h"

int console_db_open(console_db *d, const char *path, clinic_open_notes *notes, clinic_err *e) {
  memset(d, 0, sizeof *d);
  int rc = clinic_store_open(path, CLINIC_OPEN_WRITE, &d->db, notes, e);
  if (rc != CLINIC_E_OK) return rc;
  /* From here on the actor is whoever holds the connection; nobody at first. */
  d->actor.name[0] = '\0';
  if (clinic_audit_attach(d->db, &d->actor) != 0) {
    rc = clinic_err_db(e, d->db, "setting up the audit trail");
    sqlite3_close(d->db);
    d->db = NULL;
    return rc;
  }
  pthread_mutex_init(&d->mu, NULL);
  return CLINIC_E_OK;
}

void console_db_close(console_db *d) {
  if (!d->db) return;
  sqlite3_close(d->db);
  d->db = NULL;
  pthread_mutex_destroy(&d->mu);
}

sqlite3 *console_db_take_as(console_db *d, const char *kind, const char *name) {
  pthread_mutex_lock(&d->mu);
  if (!name || clinic_actor_set(&d->actor, kind, name) != 0) d->actor.name[0] = '\0';
  return d->db;
}

sqlite3 *console_db_take(console_db *d, const char *user) { return console_db_take_as(d, "console", user); }

void console_db_give(console_db *d) {
  /* A transaction a handler left open is rolled back, so the next holder starts clean. */
  clinic_rollback(d->db);
  d->actor.name[0] = '\0';
  pthread_mutex_unlock(&d->mu);
}
