/* console_api_audit.c: GET /api/v1/audit?before=ID&limit=N, the audit trail newest first, a
 * page at a time (audit.read). Each entry: id, at (UTC), actor, table, op, pid, old, new. The
 * entries are JSON made by the database itself (the stored before and after are JSON objects
 * the triggers made), so they are passed on as they are. */
#include <stdlib.h>
#include <string.h>

#include "console_api.h"
#include "console_srv.h"
#include "hu_dec.h"

#define AUDIT_PAGE_MAX 200

static int query_int(const console_req *rq, const char *name, long long lo, long long hi, long long dflt, long long *out,
                     console_resp *rs) {
  const char *s = console_query(rq, name);
  *out = dflt;
  if (!s) return 0;
  int64_t v;
  if (hu_dec_range(s, 0, lo, hi, &v) != 0) {
    console_fail(rs, 400, "bad_query", "?%s= must be a whole number from %lld to %lld", name, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

#define AUDIT_SQL                                                                                              \
  "SELECT id, json_object('id', id, 'at', at, 'actor', actor, 'table', tbl, 'op', op, 'pid', pid, "            \
  "'old', json(old), 'new', json(new)) FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?"

void console_api_audit(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  long long before, limit;
  if (query_int(rq, "before", 1, INT64_MAX, INT64_MAX, &before, rs) != 0 ||
      query_int(rq, "limit", 1, AUDIT_PAGE_MAX, 50, &limit, rs) != 0)
    return;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  FILE *f = rs->mem;
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, AUDIT_SQL, -1, &st, NULL);
  long long last = 0, n = 0;
  fputs("{\"entries\":[", f);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, limit);
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
