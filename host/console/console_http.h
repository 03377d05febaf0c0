/* console_http.h: what an API handler sees and fills (docs/CONSOLE.md "Adding an endpoint").
 *
 * A route is {method, pattern, action, body limit, handler}; a pattern's {name} segments match
 * one path segment each and reach the handler as console_param(rq, "name"). Before a handler
 * runs, the router (console_router.c) has checked, in order: the path and method (404/405),
 * the body size (413), for a change (POST, PUT, PATCH, DELETE) the origin and, in a session,
 * the CSRF token (403), the session (401) and the action's roles (403). A handler reads the
 * request, does its work through the store it borrows (console_db.h) and fills the response
 * with console_json_* or console_fail; it never prints and never exits.
 */
#ifndef NMOD_CONSOLE_HTTP_H
#define NMOD_CONSOLE_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "console_perm.h"
#include "json.h"

#define CONSOLE_MAX_PARAMS 4
#define CONSOLE_BODY_DEFAULT (16u * 1024u) /* bytes, when a route names no limit */
#define CONSOLE_NAME_MAX 64                /* account names, with the NUL */
#define CONSOLE_TOKEN_CHARS 43             /* 32 random bytes in base64url, without padding */

typedef struct console_srv console_srv;

/* The signed-in user of a request (a copy: valid while the handler runs). */
typedef struct {
  int64_t user_id;
  char user[CONSOLE_NAME_MAX];
  console_role role;
  char csrf[CONSOLE_TOKEN_CHARS + 1];
  unsigned idle_s; /* the session's idle timeout */
} console_who;

typedef struct {
  console_srv *srv;
  void *conn;            /* struct MHD_Connection * */
  const char *method;    /* "GET" ... */
  const char *path;      /* without the query */
  const char *body;      /* NUL-terminated; body_len bytes */
  size_t body_len;
  const char *param_name[CONSOLE_MAX_PARAMS], *param[CONSOLE_MAX_PARAMS];
  int nparams;
  char addr[64];         /* the client's address, for rate limits and logs */
  int tls;
  const console_who *who; /* NULL on a CP_PUBLIC route */
} console_req;

typedef struct {
  int status;
  char *body; /* heap (free()), len bytes */
  size_t len;
  const char *type;                /* Content-Type; NULL: application/json */
  char cookie[320];                /* a Set-Cookie value, or "" */
  char hdr_name[32], hdr_val[128]; /* one more header (Retry-After, Allow), or "" */
  FILE *mem;                       /* the stream console_json_open writes into */
  int cacheable;                   /* the front end's files (no-cache); all else no-store */
} console_resp;

typedef void (*console_handler)(console_req *rq, console_resp *rs);

typedef struct {
  const char *method;
  const char *pattern; /* "/api/v1/users/{name}/disable" */
  console_action action;
  size_t max_body; /* 0: CONSOLE_BODY_DEFAULT */
  console_handler fn;
} console_route;

typedef struct {
  const console_route *routes;
  size_t n;
} console_route_table;

/* Every table of routes the server answers (console_api.c). */
extern const console_route_table console_route_tables[];
extern const size_t console_route_ntables;

/* ---- responses (console_reply.c) ----------------------------------------------------- */

/* Start a JSON body in w (into rs). 0, or -1 (out of memory: rs is then a 500). */
int console_json_open(console_resp *rs, js_w *w);
/* Finish it with status (200, 201...). */
void console_json_close(console_resp *rs, js_w *w, int status);
/* The one error shape: {"error":{"code":CODE,"message":"one line"}} with status (4xx/5xx). */
void console_fail(console_resp *rs, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for a refused value, naming its field and its largest value ("field", "max"). */
void console_fail_field(console_resp *rs, int status, const char *code, const char *field, long max, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Set a header of the response (one per response; a second call replaces it). */
void console_resp_header(console_resp *rs, const char *name, const char *value);
void console_resp_free(console_resp *rs);

/* ---- requests ------------------------------------------------------------------------ */

/* Value of pattern segment {name}, or NULL. */
const char *console_param(const console_req *rq, const char *name);
/* A query argument (?name=value), or NULL. */
const char *console_query(const console_req *rq, const char *name);
/* Query argument ?name= as a whole number in lo..hi (dflt when absent): 0, or -1 with a 400
 * `bad_query` in rs naming the argument and its range. */
int console_query_int(const console_req *rq, console_resp *rs, const char *name, int64_t lo, int64_t hi, int64_t dflt,
                      int64_t *out);
/* The body as a JSON object (js_free it), or NULL with a 400 in rs naming what is wrong. */
js_val *console_body_object(const console_req *rq, console_resp *rs);
/* Member key of o as a string of 1..max_len bytes, or NULL with a 400 in rs. */
const char *console_body_str(const js_val *o, const char *key, size_t max_len, console_resp *rs);
/* Free a body that holds a secret: member key's string (a password) is wiped first. */
void console_body_free_secret(js_val *body, const char *key);

#endif
