/* console_httpd.h: the HTTP server's own calls (console_http.c), for the router and the
 * server: request headers, and starting and stopping the daemon. */
#ifndef NMOD_CONSOLE_HTTPD_H
#define NMOD_CONSOLE_HTTPD_H

#include <stddef.h>

#include "console_http.h"

/* A request header or cookie, or NULL. */
const char *console_header(const console_req *rq, const char *name);
const char *console_cookie(const console_req *rq, const char *name);
/* The body limit of the route that method and path reach (CONSOLE_BODY_DEFAULT for none). */
size_t console_route_body_limit(const char *method, const char *path);
/* Listen and serve on srv->opts (TLS when cert_pem and key_pem). Returns the daemon, with the
 * port it listens on, or NULL with a one-line message. */
void *console_httpd_start(console_srv *srv, const char *cert_pem, const char *key_pem, unsigned *port, char *err,
                          size_t cap);
void console_httpd_stop(void *daemon);

#endif
