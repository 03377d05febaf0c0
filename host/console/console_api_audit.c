/* console_api_audit.c: GET /api/v1/audit?before=ID&limit=N[&patient=CODE], the audit trail
 * newest first, a page at a time, of the whole clinic or of one patient (audit.read). Each entry: id, at (UTC), actor, table, op, pid, old, new. The
 * entries are JSON made by the database itself (the stored before and after are JSON objects
 * the triggers made), so they are passed on as they are. */
#include <stdlib.h>
#include <string.h>

#include "console_api.h"
#include "console_srv.h"
#include "hu_dec.h"

#define AUDIT_PAGE_MAX 200

#define AUDIT_SQL                                                                                              \
  "SELECT id, json_object('id', id, 'at', at, 'actor', actor, 'table', tbl, 'op', op, 'pid', pid, "            \
  "'old', json(old), 'new', json(new)) FROM audit WHERE id < ?1 AND (?3 IS NULL OR pid = ?3) "                \
  "ORDER BY id DESC LIMIT ?2"

void console_api_audit(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  int64_t before, limit;
  if (console_query_int(rq, rs, "before", 1, INT64_MAX, INT64_MAX, &before) != 0 ||
      console_query_int(rq, rs, "limit", 1, AUDIT_PAGE_MAX, 50, &limit) != 0)
    return;
  const char *code = console_query(rq, "patient");
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  FILE *f = rs->mem;
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  sqlite3_stmt *st = NULL;
  int64_t pid = 0;
  int rc = SQLITE_OK;
  if (code) {
    /* One patient's changes: by the patient's internal key, which every audit row carries. */
    rc = sqlite3_prepare_v2(db, "SELECT pid FROM patient WHERE code = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
      rc = sqlite3_step(st);
      pid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW) {
      console_db_give(&srv->db);
      console_json_close(rs, &w, 200);
      if (rc == SQLITE_DONE)
        console_fail(rs, 404, "not_found", "no patient '%.63s'", code);
      else
        console_fail(rs, 500, "database", "reading the patient failed");
      return;
    }
  }
  rc = sqlite3_prepare_v2(db, AUDIT_SQL, -1, &st, NULL);
  long long last = 0, n = 0;
  fputs("{\"entries\":[", f);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, limit);
    if (code) sqlite3_bind_int64(st, 3, pid);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      last = sqlite3_column_int64(st, 0);
      fputs(n++ ? "," : "", f);
      fputs((const char *)sqlite3_column_text(st, 1), f);
    }
  }
  sqlite3_finalize(st);
  char why[200] = "";
  if (rc != SQLITE_DONE) snprintf(why, sizeof why, "%s", sqlite3_errmsg(db));
  console_db_give(&srv->db);
  /* The next page: ?before=next_before, or null at the first change ever made. */
  if (n == limit)
    fprintf(f, "],\"next_before\":%lld}", last);
  else
    fputs("],\"next_before\":null}", f);
  console_json_close(rs, &w, 200);
  if (why[0]) console_fail(rs, 500, "database", "reading the audit trail failed: %s", why);
}
