/* console_api_audit.c: GET /api/v1/audit?before=ID&limit=N, the audit trail newest first, a
 * page at a time (audit.read). Each entry: id, at (UTC), actor, table, op, pid, old, new. */
#include <stdlib.h>
#include <string.h>

#include "console_api.h"
#include "console_srv.h"

#define AUDIT_PAGE_MAX 200

static int query_int(const console_req *rq, const char *name, long long lo, long long hi, long long dflt, long long *out,
                     console_resp *rs) {
  const char *s = console_query(rq, name);
  *out = dflt;
  if (!s) return 0;
  char *end = NULL;
  long long v = strtoll(s, &end, 10);
  if (!*s || !end || *end || v < lo || v > hi) {
    console_fail(rs, 400, "bad_query", "?%s= must be a whole number from %lld to %lld", name, lo, hi);
    return -1;
  }
  *out = v;
  return 0;
}

/* A stored JSON object, or null when the column is NULL (or, never expected, not JSON). */
static void stored_json(js_w *w, sqlite3_stmt *st, int col) {
  const char *t = (const char *)sqlite3_column_text(st, col);
  js_val *v = NULL;
  if (t) {
    char err[64];
    v = js_parse(t, strlen(t), err, sizeof err);
  }
  if (v)
    console_json_value(w, v);
  else
    jw_null(w);
  js_free(v);
}

void console_api_audit(console_req *rq, console_resp *rs) {
  console_srv *srv = rq->srv;
  long long before, limit;
  if (query_int(rq, "before", 1, INT64_MAX, INT64_MAX, &before, rs) != 0 ||
      query_int(rq, "limit", 1, AUDIT_PAGE_MAX, 50, &limit, rs) != 0)
    return;
  js_w w;
  if (console_json_open(rs, &w) != 0) return;
  sqlite3 *db = console_db_take(&srv->db, rq->who->user);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db,
                              "SELECT id, at, actor, tbl, op, pid, old, new FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?",
                              -1, &st, NULL);
  long long last = 0, n = 0;
  jw_obj(&w);
  jw_key(&w, "entries");
  jw_arr(&w);
  if (rc == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, before);
    sqlite3_bind_int64(st, 2, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      last = sqlite3_column_int64(st, 0);
      n++;
      jw_obj(&w);
      jw_key(&w, "id");
      jw_int(&w, last);
      static const char *const keys[] = {"at", "actor", "table", "op"};
      for (int i = 0; i < 4; i++) {
        jw_key(&w, keys[i]);
        jw_str(&w, (const char *)sqlite3_column_text(st, i + 1));
      }
      jw_key(&w, "pid");
      if (sqlite3_column_type(st, 5) == SQLITE_NULL)
        jw_null(&w);
      else
        jw_int(&w, sqlite3_column_int64(st, 5));
      jw_key(&w, "old");
      stored_json(&w, st, 6);
      jw_key(&w, "new");
      stored_json(&w, st, 7);
      jw_obj_end(&w);
    }
  }
  sqlite3_finalize(st);
  int ok = rc == SQLITE_DONE;
  const char *msg = ok ? NULL : sqlite3_errmsg(db);
  char why[200] = "";
  if (msg) snprintf(why, sizeof why, "%s", msg);
  console_db_give(&srv->db);
  jw_arr_end(&w);
  /* The next page: ?before=next_before, or null at the first change ever made. */
  jw_key(&w, "next_before");
  if (n == limit)
    jw_int(&w, last);
  else
    jw_null(&w);
  jw_obj_end(&w);
  console_json_close(rs, &w, 200);
  if (!ok) console_fail(rs, 500, "database", "reading the audit trail failed: %s", why);
}
