/* clinic_audit_sql.h: migration 5, the audit trail and the console's accounts (one migration,
 * docs/CONSOLE.md "The audit trail").
 *
 * - audit: one row per insert, update or delete of any clinic table: when (UTC), who
 *   (nmod_actor(), clinic_audit.h), which table, which patient where the row belongs to one,
 *   and the row before (old) and after (new) as JSON objects of its columns. Triggers refuse
 *   UPDATE and DELETE on it, and an INSERT that would replace a row.
 * - console_user: the console's accounts (host/console/console_user.c); the password only
 *   as its Argon2id string, which the audit never copies (it says password_changed instead).
 * - Three triggers per table. eval_cache is not audited: it is derived from the audited diary
 *   and path rows and rebuilt from them. The value of setting export_id_key (a key) is not
 *   copied either.
 *
 * FROZEN: the text below is what every database of schema version 5 holds, and the schema
 * check compares it byte for byte. A later migration that adds a column or a table drops and
 * recreates that table's three triggers with its own column list (tests/console's
 * audit-coverage test fails until it does).
 */
#ifndef NMOD_CLINIC_AUDIT_SQL_H
#define NMOD_CLINIC_AUDIT_SQL_H

/* "'col',p.col": one member of the JSON object of a row (p is old or new). */
#define CA_COL(p, c) "'" c "'," p "." c
#define CA_PID(p) p ".pid"
#define CA_NOPID(p) "NULL"
#define CA_VISIT_PID(p) "(SELECT pid FROM visit WHERE id=" p ".visit_id)"
#define CA_INTERRO_PID(p) \
  "(SELECT v.pid FROM interrogation i JOIN visit v ON v.id=i.visit_id WHERE i.id=" p ".interrogation_id)"

/* The three triggers of table t: cols(p) lists its members, pid(p) the patient it concerns. */
#define CA_TRIGGERS(t, cols, pid)                                                                          \
  "CREATE TRIGGER audit_" t "_insert AFTER INSERT ON " t " BEGIN INSERT INTO audit(actor,tbl,op,pid,new) " \
  "VALUES(nmod_actor(),'" t "','insert'," pid("new") ",json_object(" cols("new") ")); END;"               \
  "CREATE TRIGGER audit_" t "_update AFTER UPDATE ON " t " BEGIN INSERT INTO audit(actor,tbl,op,pid,old,new) " \
  "VALUES(nmod_actor(),'" t "','update'," pid("new") ",json_object(" cols("old") "),json_object(" cols("new") ")); END;" \
  "CREATE TRIGGER audit_" t "_delete AFTER DELETE ON " t " BEGIN INSERT INTO audit(actor,tbl,op,pid,old) " \
  "VALUES(nmod_actor(),'" t "','delete'," pid("old") ",json_object(" cols("old") ")); END;"

#define CA_PATIENT(p) \
  CA_COL(p, "pid") "," CA_COL(p, "code") "," CA_COL(p, "therapy") "," CA_COL(p, "name") "," CA_COL(p, "birth_date") "," CA_COL(p, "created_at")
#define CA_PATH_STEP(p)                                                                                                    \
  CA_COL(p, "pid") "," CA_COL(p, "step") "," CA_COL(p, "date") "," CA_COL(p, "planned") "," CA_COL(p, "outcome") "," \
  CA_COL(p, "note") "," CA_COL(p, "override") "," CA_COL(p, "override_rule")
#define CA_DIARY_IMPORT(p) CA_COL(p, "id") "," CA_COL(p, "file") "," CA_COL(p, "rows") "," CA_COL(p, "at")
#define CA_DIARY(p)                                                                                                       \
  CA_COL(p, "pid") "," CA_COL(p, "date") "," CA_COL(p, "nrs") "," CA_COL(p, "nrs_morning") "," CA_COL(p, "nrs_evening") "," \
  CA_COL(p, "incontinence") "," CA_COL(p, "urgency") "," CA_COL(p, "pads") "," CA_COL(p, "import_id") "," CA_COL(p, "line")
#define CA_SCORE(p) \
  CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "kind") "," CA_COL(p, "date") "," CA_COL(p, "total") "," CA_COL(p, "items")
#define CA_VACCINATION(p) CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "date") "," CA_COL(p, "kind") "," CA_COL(p, "name")
#define CA_MEDICATION(p) CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "name")
#define CA_VISIT(p) CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "date") "," CA_COL(p, "kind") "," CA_COL(p, "note")
#define CA_INTERROGATION(p)                                                                                                 \
  CA_COL(p, "id") "," CA_COL(p, "visit_id") "," CA_COL(p, "serial") "," CA_COL(p, "kind") "," CA_COL(p, "therapy") ","   \
  CA_COL(p, "firmware") "," CA_COL(p, "mode") "," CA_COL(p, "battery_pm") "," CA_COL(p, "battery_mv") ","                 \
  CA_COL(p, "battery_state") "," CA_COL(p, "programs") "," CA_COL(p, "max_amplitude_ua") "," CA_COL(p, "impedances") "," \
  CA_COL(p, "impedance_alerts") "," CA_COL(p, "doc") "," CA_COL(p, "format") "," CA_COL(p, "cell") "," CA_COL(p, "lead")
#define CA_SETTING(p) \
  CA_COL(p, "key") ",'value',CASE WHEN " p ".key='export_id_key' THEN '(a key: not recorded)' ELSE " p ".value END"
#define CA_EARLIER_TREATMENT(p) CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "kind") "," CA_COL(p, "detail")
#define CA_LEAD_RESPONSE(p)                                                                                          \
  CA_COL(p, "id") "," CA_COL(p, "pid") "," CA_COL(p, "date") "," CA_COL(p, "contact") "," CA_COL(p, "response") "," \
  CA_COL(p, "threshold_ua") "," CA_COL(p, "note")
#define CA_LEAD_ALERT(p) CA_COL(p, "interrogation_id") "," CA_COL(p, "contact") "," CA_COL(p, "state")
#define CA_TEST_THRESHOLD(p) CA_COL(p, "interrogation_id") "," CA_COL(p, "contact") "," CA_COL(p, "threshold_ua")
#define CA_CONSOLE_USER(p) \
  CA_COL(p, "id") "," CA_COL(p, "name") "," CA_COL(p, "role") "," CA_COL(p, "disabled") "," CA_COL(p, "created_at")

#define CLINIC_MIGRATION_AUDIT                                                                                     \
  "CREATE TABLE audit("                                                                                            \
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"                                                                        \
  "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"                                             \
  "  actor TEXT NOT NULL CHECK(length(actor) > 0),"                                                                \
  "  tbl TEXT NOT NULL,"                                                                                           \
  "  op TEXT NOT NULL CHECK(op IN ('insert','update','delete')),"                                                  \
  "  pid INTEGER,"                                                                                                 \
  "  old TEXT,"                                                                                                    \
  "  new TEXT);"                                                                                                   \
  "CREATE INDEX audit_pid ON audit(pid, id);"                                                                      \
  "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"                                                    \
  "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be changed'); END;"                      \
  "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"                                                    \
  "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be deleted'); END;"                      \
  "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit WHEN new.id IN (SELECT id FROM audit) BEGIN"             \
  "  SELECT RAISE(ABORT, 'the audit trail is append-only: its rows cannot be replaced'); END;"                     \
  "CREATE TABLE console_user("                                                                                     \
  "  id INTEGER PRIMARY KEY,"                                                                                      \
  "  name TEXT NOT NULL UNIQUE,"                                                                                   \
  "  role TEXT NOT NULL CHECK(role IN ('admin','clinician','nurse','viewer')),"                                    \
  "  pwhash TEXT NOT NULL,"                                                                                        \
  "  disabled INTEGER NOT NULL DEFAULT 0 CHECK(disabled IN (0,1)),"                                                \
  "  created_at TEXT NOT NULL);"                                                                                   \
  CA_TRIGGERS("patient", CA_PATIENT, CA_PID)                                                                       \
  CA_TRIGGERS("path_step", CA_PATH_STEP, CA_PID)                                                                   \
  CA_TRIGGERS("diary_import", CA_DIARY_IMPORT, CA_NOPID)                                                           \
  CA_TRIGGERS("diary", CA_DIARY, CA_PID)                                                                           \
  CA_TRIGGERS("score", CA_SCORE, CA_PID)                                                                           \
  CA_TRIGGERS("vaccination", CA_VACCINATION, CA_PID)                                                               \
  CA_TRIGGERS("medication", CA_MEDICATION, CA_PID)                                                                 \
  CA_TRIGGERS("visit", CA_VISIT, CA_PID)                                                                           \
  CA_TRIGGERS("interrogation", CA_INTERROGATION, CA_VISIT_PID)                                                     \
  CA_TRIGGERS("setting", CA_SETTING, CA_NOPID)                                                                     \
  CA_TRIGGERS("earlier_treatment", CA_EARLIER_TREATMENT, CA_PID)                                                   \
  CA_TRIGGERS("lead_response", CA_LEAD_RESPONSE, CA_PID)                                                           \
  CA_TRIGGERS("lead_alert", CA_LEAD_ALERT, CA_INTERRO_PID)                                                         \
  CA_TRIGGERS("test_threshold", CA_TEST_THRESHOLD, CA_INTERRO_PID)                                                 \
  "CREATE TRIGGER audit_console_user_insert AFTER INSERT ON console_user BEGIN INSERT INTO audit(actor,tbl,op,pid,new) " \
  "VALUES(nmod_actor(),'console_user','insert',NULL,json_object(" CA_CONSOLE_USER("new") ")); END;"                \
  "CREATE TRIGGER audit_console_user_update AFTER UPDATE ON console_user BEGIN INSERT INTO audit(actor,tbl,op,pid,old,new) " \
  "VALUES(nmod_actor(),'console_user','update',NULL,json_object(" CA_CONSOLE_USER("old") "),json_object(" CA_CONSOLE_USER("new") \
  ",'password_changed',json(CASE WHEN old.pwhash IS new.pwhash THEN 'false' ELSE 'true' END))); END;"               \
  "CREATE TRIGGER audit_console_user_delete AFTER DELETE ON console_user BEGIN INSERT INTO audit(actor,tbl,op,pid,old) " \
  "VALUES(nmod_actor(),'console_user','delete',NULL,json_object(" CA_CONSOLE_USER("old") ")); END;"

#endif
