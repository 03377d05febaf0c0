/* console_db.h: the console's one connection to the clinic database, shared by the server's
 * threads one at a time, with the audit trail's actor set to whoever holds it.
 *
 * The connection is opened by clinic_store_open (its checks, WAL, migrations), so the console
 * and the CLI read and write the same file the same way. SQLite runs one writer at a time in
 * any case; reads are short. A later store (PostgreSQL) keeps this interface: borrow, use,
 * give back.
 */
#ifndef NMOD_CONSOLE_DB_H
#define NMOD_CONSOLE_DB_H

#include <pthread.h>
#include <sqlite3.h>

#include "clinic_audit.h"
#include "clinic_err.h"
#include "clinic_store.h"

typedef struct {
  sqlite3 *db;
  pthread_mutex_t mu;
  clinic_actor actor; /* "console:NAME" while a signed-in user holds the connection */
} console_db;

/* Open path (created when new): CLINIC_E_OK, or the error in e; what the open has to say
 * besides (clinic_open_notes) in notes, for the caller's log. */
int console_db_open(console_db *d, const char *path, clinic_open_notes *notes, clinic_err *e);
void console_db_close(console_db *d);
/* Borrow the connection for `user` (NULL: nobody signed in; a change is then refused by the
 * audit trail). Every change made until console_db_give is audited as "console:USER". */
sqlite3 *console_db_take(console_db *d, const char *user);
void console_db_give(console_db *d);
/* console_db_take for an actor of another kind: "diary:P-1", a patient's diary link. */
sqlite3 *console_db_take_as(console_db *d, const char *kind, const char *name);

#endif
