/* console_http.c: the HTTP server (GNU libmicrohttpd): requests in, with their bodies bounded;
 * responses out, each with the security headers (docs/CONSOLE.md "The security model").
 *
 * libmicrohttpd calls on_request once when the headers are in, once per piece of the body, and
 * once more at its end; the request is answered then. A body must come with its Content-Length
 * (411 for a chunked one); longer than its route allows, it is refused with 413 before any of it
 * is read (and, should more arrive than was announced, nothing past the limit is kept). A client that goes away mid-request
 * only frees its request (on_done). Slow and idle clients are cut off after client_timeout_s;
 * at most max_conn connections are served at once.
 */
#define _POSIX_C_SOURCE 200809L
#include "console_httpd.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "console_srv.h"
#include "hu_dec.h"

/* script-src 'self' only: no inline script, no eval; nothing from another origin. */
#define CSP                                                                                      \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " \
  "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

typedef struct {
  size_t max;     /* the route's body limit */
  char *buf;      /* the body so far (NUL-terminated) */
  size_t len, cap;
  int answered;   /* a response (413) is queued already */
  int too_big;    /* passed max while the response could not be queued yet */
} reqctx;

const char *console_query(const console_req *rq, const char *name) {
  return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

int console_query_int(const console_req *rq, console_resp *rs, const char *name, int64_t lo, int64_t hi, int64_t dflt,
                      int64_t *out) {
  const char *s = console_query(rq, name);
  *out = dflt;
  if (!s) return 0;
  if (hu_dec_range(s, 0, lo, hi, out) != 0) {
    console_fail(rs, 400, "bad_query", "?%s= must be a whole number from %lld to %lld", name, (long long)lo, (long long)hi);
    return -1;
  }
  return 0;
}

const char *console_header(const console_req *rq, const char *name) {
  return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_HEADER_KIND, name);
}

const char *console_cookie(const console_req *rq, const char *name) {
  return MHD_lookup_connection_value((struct MHD_Connection *)rq->conn, MHD_COOKIE_KIND, name);
}

static void add(struct MHD_Response *r, const char *k, const char *v) { MHD_add_response_header(r, k, v); }

static enum MHD_Result send_resp(struct MHD_Connection *c, const console_srv *srv, console_resp *rs) {
  if (!rs->body) console_fail(rs, 500, "internal", "no response was made");
  struct MHD_Response *r = MHD_create_response_from_buffer(rs->len, rs->body, MHD_RESPMEM_MUST_COPY);
  if (!r) return MHD_NO;
  add(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->type ? rs->type : "application/json; charset=utf-8");
  add(r, "X-Content-Type-Options", "nosniff");
  add(r, "Referrer-Policy", "no-referrer");
  add(r, "Content-Security-Policy", CSP);
  add(r, "X-Frame-Options", "DENY");
  add(r, "Cross-Origin-Opener-Policy", "same-origin");
  add(r, "Cross-Origin-Resource-Policy", "same-origin");
  add(r, "Permissions-Policy", "camera=(), microphone=(), geolocation=(), usb=(), serial=()");
  /* Patient data is never cached; the front end's files are revalidated on every load. */
  add(r, "Cache-Control", rs->cacheable ? "no-cache" : "no-store");
  if (srv->tls) add(r, "Strict-Transport-Security", "max-age=31536000");
  if (rs->cookie[0]) add(r, MHD_HTTP_HEADER_SET_COOKIE, rs->cookie);
  if (rs->hdr_name[0]) add(r, rs->hdr_name, rs->hdr_val);
  enum MHD_Result ok = MHD_queue_response(c, (unsigned)rs->status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result too_big(struct MHD_Connection *c, const console_srv *srv, reqctx *x, const char *size) {
  console_resp rs;
  memset(&rs, 0, sizeof rs);
  console_fail(&rs, 413, "too_large", "the request body is %s bytes, more than the %zu this endpoint takes", size, x->max);
  enum MHD_Result ok = send_resp(c, srv, &rs);
  console_resp_free(&rs);
  if (ok == MHD_YES) x->answered = 1;
  return ok;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t cap) {
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  snprintf(out, cap, "unknown");
  if (!ci || !ci->client_addr) return;
  const struct sockaddr *sa = ci->client_addr;
  if (sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)cap);
  else if (sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)cap);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls) {
  (void)version;
  console_srv *srv = cls;
  reqctx *x = *req_cls;
  if (!x) {
    x = calloc(1, sizeof *x);
    if (!x) return MHD_NO;
    *req_cls = x;
    x->max = console_route_body_limit(method, url);
    /* A body must say its size up front (browsers do), so that one too large is refused
     * before any of it is read: chunked bodies are not taken. */
    const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (te) {
      console_resp rs;
      memset(&rs, 0, sizeof rs);
      console_fail(&rs, 411, "length_required", "send the body with a Content-Length, not chunked");
      enum MHD_Result ok = send_resp(c, srv, &rs);
      console_resp_free(&rs);
      x->answered = 1;
      return ok;
    }
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
      uint64_t n;
      int rc = hu_dec_urange(cl, 0, 0, UINT64_MAX, &n);
      if (rc == HU_DEC_ERANGE || (rc == 0 && n > x->max)) return too_big(c, srv, x, cl);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (x->answered || x->too_big) return MHD_YES; /* the rest of a refused body is dropped */
    if (x->len + n > x->max) {
      char size[32];
      snprintf(size, sizeof size, "over %zu", x->max);
      free(x->buf);
      x->buf = NULL;
      x->len = 0;
      if (too_big(c, srv, x, size) != MHD_YES) x->too_big = 1;
      return MHD_YES;
    }
    if (x->len + n + 1 > x->cap) {
      size_t cap = x->cap ? x->cap : 1024;
      while (cap < x->len + n + 1) cap *= 2;
      char *b = realloc(x->buf, cap);
      if (!b) return MHD_NO;
      x->buf = b;
      x->cap = cap;
    }
    memcpy(x->buf + x->len, upload, n);
    x->len += n;
    x->buf[x->len] = '\0';
    return MHD_YES;
  }
  if (x->answered) return MHD_YES;
  if (x->too_big) {
    char size[32];
    snprintf(size, sizeof size, "over %zu", x->max);
    return too_big(c, srv, x, size);
  }
  console_req rq = {.srv = srv, .conn = c, .method = method, .path = url, .body = x->buf ? x->buf : "",
                    .body_len = x->len, .tls = srv->tls};
  client_addr(c, rq.addr, sizeof rq.addr);
  console_resp rs;
  memset(&rs, 0, sizeof rs);
  console_dispatch(&rq, &rs);
  enum MHD_Result ok = send_resp(c, srv, &rs);
  console_resp_free(&rs);
  x->answered = 1;
  return ok;
}

static void on_done(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode why) {
  (void)cls;
  (void)c;
  (void)why;
  reqctx *x = *req_cls;
  if (!x) return;
  free(x->buf);
  free(x);
  *req_cls = NULL;
}

static void on_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  console_log("http: %s", line);
}

void *console_httpd_start(console_srv *srv, const char *cert_pem, const char *key_pem, unsigned *port, char *err,
                          size_t cap) {
  const console_opts *o = &srv->opts;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) flags |= MHD_USE_EPOLL;
  if (o->sa.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  if (cert_pem) {
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      snprintf(err, cap, "this libmicrohttpd has no TLS support");
      return NULL;
    }
    flags |= MHD_USE_TLS;
  }
  struct MHD_OptionItem tls_opts[] = {
      {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem},
      {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"},
      {MHD_OPTION_END, 0, NULL},
  };
  struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
  struct MHD_Daemon *d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, on_log, srv, MHD_OPTION_SOCK_ADDR,
      (const struct sockaddr *)&o->sa,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_conn,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->client_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_done, srv, MHD_OPTION_STRICT_FOR_CLIENT, (int)1, MHD_OPTION_ARRAY, cert_pem ? tls_opts : none, MHD_OPTION_END);
  if (!d) {
    snprintf(err, cap, "cannot listen on %s (in use, or not an address of this machine?)", o->listen);
    return NULL;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  *port = di ? di->port : 0;
  return d;
}

void console_httpd_stop(void *d) {
  if (d) MHD_stop_daemon(d);
}
