/* clinic_audit.h: who the audit trail names for a change (docs/CONSOLE.md "The audit trail").
 *
 * Every clinic table has triggers (migration 5, clinic_audit_sql.h) that append a row to the
 * table `audit` on each insert, update and delete, with the values before and after as JSON.
 * The row's actor comes from the SQL function nmod_actor(), which the application registers on
 * each connection it opens: the CLI names the operating-system user who ran it ("os:NAME",
 * done by clinic_store_open), the console the signed-in web user ("console:NAME"). A connection
 * without the function (the sqlite3 tool, say) cannot change an audited table: SQLite refuses
 * the statement with "no such function: nmod_actor", so no change goes unattributed.
 */
#ifndef NMOD_CLINIC_AUDIT_H
#define NMOD_CLINIC_AUDIT_H

#include <sqlite3.h>

#define CLINIC_ACTOR_MAX 96

/* Caller-owned: the text nmod_actor() returns, "KIND:NAME". */
typedef struct {
  char name[CLINIC_ACTOR_MAX];
} clinic_actor;

/* Fill a with "KIND:NAME". kind and name: 1..63 bytes of printable ASCII without ':' in kind.
 * 0, or -1 (a left empty: a change through a connection reading it is then refused). */
int clinic_actor_set(clinic_actor *a, const char *kind, const char *name);
/* "os:NAME" for the effective user (its passwd entry), or "os:uid-N" without one. */
void clinic_actor_os(clinic_actor *a);

/* Register nmod_actor() on db, reading a->name at each call (a must outlive db; change its
 * text between statements to name someone else), and turn on recursive triggers, so that the
 * row an INSERT OR REPLACE deletes is audited too. An empty name makes nmod_actor() fail the
 * statement ("no actor for the audit trail"). 0, or -1 with SQLite's message in db. */
int clinic_audit_attach(sqlite3 *db, const clinic_actor *a);
/* clinic_audit_attach with the process's own "os:NAME" actor (one for the whole process). */
int clinic_audit_attach_os(sqlite3 *db);

#endif
