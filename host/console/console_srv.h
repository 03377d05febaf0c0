/* console_srv.h: the state of one running console (console_server.c): its options, its store,
 * the sessions and the log-in limits. Handlers reach it through console_req.srv.
 */
#ifndef NMOD_CONSOLE_SRV_H
#define NMOD_CONSOLE_SRV_H

#include <pthread.h>

#include "console_db.h"
#include "console_http.h"
#include "console_limit.h"
#include "console_opts.h"
#include "console_session.h"

struct console_srv {
  console_opts opts;
  console_db db;
  console_sessions sessions;
  console_sessions diary; /* the patients' diary sessions (console_api_diary.c): user_id is the link */
  console_limit by_account, by_address;
  pthread_mutex_t hash_mu; /* one Argon2id at a time: each takes 256 MiB (console_user.h) */
  char assets[4096];       /* the front end's folder */
  int tls;
};

/* Log one line to stderr, "nmod console: ..." (never a secret: no cookie, token, password). */
void console_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The router (console_router.c): answer one complete request into rs. */
void console_dispatch(console_req *rq, console_resp *rs);
/* Static files of the front end (console_static.c): GET/HEAD of a path outside /api/. Fills rs
 * (the file, or a 404 page). */
void console_static(console_req *rq, console_resp *rs);

#endif
