/* clinic_link_sql.h: migration 7, the patients' diary links (clinic_link.c, docs/CONSOLE.md
 * "The patient's diary page").
 *
 * - diary_link: one row per link a nurse or clinician issued: the patient, a SHA-256 of the
 *   token (never the token: a copy of the file opens no diary), when and by whom it was issued
 *   (the actor of the audit trail), and when it was revoked. The days it is valid are not
 *   stored: they follow the patient's path (from the start of the baseline to the end of the
 *   trial) whenever it is used.
 * - its three audit triggers, which record the hash only as "(a hash: not recorded)".
 *
 * FROZEN like clinic_audit_sql.h: the schema check compares this text byte for byte.
 */
#ifndef NMOD_CLINIC_LINK_SQL_H
#define NMOD_CLINIC_LINK_SQL_H

#include "clinic_audit_sql.h"

#define CA_DIARY_LINK(p)                                                                                         \
  CA_COL(p, "id") "," CA_COL(p, "pid") ",'token_hash','(a hash: not recorded)'," CA_COL(p, "issued_at") "," \
  CA_COL(p, "issued_by") "," CA_COL(p, "revoked_at")

#define CLINIC_MIGRATION_LINK                                                            \
  "CREATE TABLE diary_link("                                                             \
  "  id INTEGER PRIMARY KEY,"                                                            \
  "  pid INTEGER NOT NULL REFERENCES patient(pid) ON DELETE CASCADE,"                    \
  "  token_hash TEXT NOT NULL UNIQUE CHECK(length(token_hash) = 64),"                    \
  "  issued_at TEXT NOT NULL,"                                                           \
  "  issued_by TEXT NOT NULL,"                                                           \
  "  revoked_at TEXT);"                                                                  \
  "CREATE INDEX diary_link_pid ON diary_link(pid, id);"                                  \
  CA_TRIGGERS("diary_link", CA_DIARY_LINK, CA_PID)

#endif
