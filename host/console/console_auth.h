/* console_auth.h: signing in and out (POST/GET/DELETE /api/v1/session) and the session cookie.
 *
 * The cookie: NAME=TOKEN; Path=/; HttpOnly; SameSite=Strict, and Secure under TLS, where the
 * name is "__Host-nmod_session" (a browser then refuses it from anywhere but this origin);
 * "nmod_session" on plain HTTP (loopback only).
 */
#ifndef NMOD_CONSOLE_AUTH_H
#define NMOD_CONSOLE_AUTH_H

#include "console_http.h"

const char *console_cookie_name(const console_srv *srv);
/* The body of a request that names an account and its password: the body, with *name (1 to
 * CONSOLE_NAME_MAX - 1 bytes) and *pw (1 to CONSOLE_PW_MAX bytes, *pw_len of them) in it,
 * or NULL with a 400 in rs. Free it with console_body_free_secret(body, "password"). */
js_val *console_body_account(const console_req *rq, console_resp *rs, const char **name, const char **pw,
                             size_t *pw_len);
void console_api_login(console_req *rq, console_resp *rs);
void console_api_whoami(console_req *rq, console_resp *rs);
void console_api_logout(console_req *rq, console_resp *rs);

#endif
