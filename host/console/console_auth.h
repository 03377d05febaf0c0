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
void console_api_login(console_req *rq, console_resp *rs);
void console_api_whoami(console_req *rq, console_resp *rs);
void console_api_logout(console_req *rq, console_resp *rs);

#endif
