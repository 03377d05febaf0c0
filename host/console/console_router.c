/* console_router.c: method + path pattern -> handler, and the gate every request passes
 * before its handler (console_http.h lists the checks in order). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "console_auth.h"
#include "console_httpd.h"
#include "console_srv.h"
#include "console_user.h"

#define MAX_SEGS 12

/* Split path into segments in buf (NUL-separated); returns the count, -1 if too many or long. */
static int split(const char *path, char *buf, size_t cap, const char **seg) {
  size_t n = strlen(path);
  if (n + 1 > cap || path[0] != '/') return -1;
  memcpy(buf, path, n + 1);
  int k = 0;
  char *p = buf + 1;
  while (*p || k == 0) {
    if (k == MAX_SEGS) return -1;
    seg[k++] = p;
    char *slash = strchr(p, '/');
    if (!slash) break;
    *slash = '\0';
    p = slash + 1;
    if (!*p) return -1; /* a trailing slash or an empty segment matches nothing */
  }
  return k;
}

/* 1 when pattern matches the segments; the {name} captures go into rq (when not NULL). */
static int match(const char *pattern, const char **seg, int nseg, console_req *rq, char *names, size_t names_cap) {
  char pbuf[256];
  const char *pseg[MAX_SEGS];
  int np = split(pattern, pbuf, sizeof pbuf, pseg);
  if (np != nseg) return 0;
  int nparams = 0;
  size_t used = 0;
  for (int i = 0; i < np; i++) {
    size_t len = strlen(pseg[i]);
    if (len > 2 && pseg[i][0] == '{' && pseg[i][len - 1] == '}') {
      if (!seg[i][0] || nparams == CONSOLE_MAX_PARAMS) return 0;
      if (rq) {
        if (used + len - 1 > names_cap) return 0;
        memcpy(names + used, pseg[i] + 1, len - 2);
        names[used + len - 2] = '\0';
        rq->param_name[nparams] = names + used;
        rq->param[nparams] = seg[i];
        used += len - 1;
      }
      nparams++;
    } else if (strcmp(pseg[i], seg[i]) != 0) {
      return 0;
    }
  }
  if (rq) rq->nparams = nparams;
  return 1;
}

/* The route for method and path; *allow lists the methods the path takes when none matches. */
static const console_route *find(const char *method, const char *path, const char **seg, int nseg, char *allow,
                                 size_t cap) {
  if (allow) allow[0] = '\0';
  for (size_t t = 0; t < console_route_ntables; t++)
    for (size_t i = 0; i < console_route_tables[t].n; i++) {
      const console_route *r = &console_route_tables[t].routes[i];
      if (!match(r->pattern, seg, nseg, NULL, NULL, 0)) continue;
      if (strcmp(r->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) return r;
      if (allow && !strstr(allow, r->method)) {
        size_t n = strlen(allow);
        snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", r->method);
      }
    }
  (void)path;
  return NULL;
}

size_t console_route_body_limit(const char *method, const char *path) {
  char buf[512];
  const char *seg[MAX_SEGS];
  int n = split(path, buf, sizeof buf, seg);
  const console_route *r = n > 0 ? find(method, path, seg, n, NULL, 0) : NULL;
  return r && r->max_body ? r->max_body : CONSOLE_BODY_DEFAULT;
}

static int is_change(const char *m) {
  return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "DELETE") == 0;
}

/* A browser names the page a request comes from (Origin, Sec-Fetch-Site): a change must come
 * from this server's own pages. Clients that send neither (curl) still need the CSRF token. */
static int same_origin(const console_req *rq) {
  const char *site = console_header(rq, "Sec-Fetch-Site");
  if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0) return 0;
  const char *origin = console_header(rq, "Origin");
  if (!origin) return 1;
  const char *host = console_header(rq, "Host");
  if (!host) return 0;
  char want[300];
  snprintf(want, sizeof want, "%s://%s", rq->tls ? "https" : "http", host);
  return strcasecmp(origin, want) == 0;
}

static int json_body(const console_req *rq) {
  const char *ct = console_header(rq, "Content-Type");
  return ct && strncasecmp(ct, "application/json", 16) == 0 && (ct[16] == '\0' || ct[16] == ';');
}

/* "2 seconds", "15 minutes", "12 hours": a timeout for a person. */
static const char *span(unsigned s, char *out, size_t cap) {
  if (s % 3600 == 0) snprintf(out, cap, "%u hour%s", s / 3600, s == 3600 ? "" : "s");
  else if (s % 60 == 0) snprintf(out, cap, "%u minute%s", s / 60, s == 60 ? "" : "s");
  else snprintf(out, cap, "%u second%s", s, s == 1 ? "" : "s");
  return out;
}

/* The session of rq: 0 with *who filled, else -1 with the 401 in rs. The account is read again
 * (disabled since, or another role, by the CLI or another admin). */
static int session_of(console_req *rq, console_resp *rs, console_who *who) {
  console_srv *srv = rq->srv;
  const char *tok = console_cookie(rq, console_cookie_name(srv));
  console_sess_state st = console_session_get(&srv->sessions, tok, who, console_now_ms());
  if (st == CS_EXPIRED) {
    char idle[32], max[32];
    console_fail(rs, 401, "session_expired", "your session ended after %s without use or %s in all; sign in again",
                 span(srv->opts.idle_s, idle, sizeof idle), span(srv->opts.session_max_s, max, sizeof max));
    return -1;
  }
  if (st != CS_OK) {
    console_fail(rs, 401, "unauthenticated", "sign in first");
    return -1;
  }
  console_user u;
  char err[256];
  sqlite3 *db = console_db_take(&srv->db, NULL);
  int rc = console_user_get_id(db, who->user_id, &u, err, sizeof err);
  console_db_give(&srv->db);
  if (rc != 0 || u.disabled) {
    console_session_end_user(&srv->sessions, who->user_id);
    console_fail(rs, 401, "account_disabled", "the account %s is disabled; ask an admin", who->user);
    return -1;
  }
  who->role = u.role;
  return 0;
}

void console_dispatch(console_req *rq, console_resp *rs) {
  if (strncmp(rq->path, "/api/", 5) != 0 && strcmp(rq->path, "/api") != 0) {
    if (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0) {
      console_static(rq, rs);
    } else {
      console_fail(rs, 405, "method_not_allowed", "%s is not allowed on %s (the front end's pages take GET)", rq->method,
                   rq->path);
      console_resp_header(rs, "Allow", "GET, HEAD");
    }
    return;
  }
  char buf[512], allow[64], names[128];
  const char *seg[MAX_SEGS];
  int nseg = split(rq->path, buf, sizeof buf, seg);
  const console_route *r = nseg > 0 ? find(rq->method, rq->path, seg, nseg, allow, sizeof allow) : NULL;
  if (!r) {
    if (nseg > 0 && allow[0]) {
      console_fail(rs, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", rq->method, rq->path, allow);
      console_resp_header(rs, "Allow", allow);
    } else {
      console_fail(rs, 404, "not_found", "no API endpoint %s %s (see docs/CONSOLE.md)", rq->method, rq->path);
    }
    return;
  }
  match(r->pattern, seg, nseg, rq, names, sizeof names);
  int change = is_change(rq->method);
  if (change && !same_origin(rq)) {
    console_fail(rs, 403, "cross_origin", "a change must come from the console's own pages");
    return;
  }
  console_who who;
  /* The diary's own routes have their own session, which their handlers check (diary_gate). */
  if (r->action != CP_PUBLIC && r->action != CP_DIARY_OWN) {
    if (session_of(rq, rs, &who) != 0) return;
    const char *csrf = console_header(rq, "X-CSRF-Token");
    if (change && (!csrf || !console_token_eq(csrf, who.csrf))) {
      console_fail(rs, 403, "csrf", "this change needs the session's CSRF token in the X-CSRF-Token header");
      return;
    }
    if (!console_may(who.role, r->action)) {
      console_fail(rs, 403, "forbidden", "a %s may not do %s (%s)", console_role_name(who.role), console_perms[r->action].name,
                   console_perms[r->action].what);
      return;
    }
    rq->who = &who;
  }
  if (rq->body_len > 0 && !json_body(rq)) {
    console_fail(rs, 415, "unsupported_media_type", "the body must be JSON, sent as Content-Type: application/json");
    return;
  }
  r->fn(rq, rs);
  rq->who = NULL;
}
