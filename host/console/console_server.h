/* console_server.h: serve until stopped (console_server.c). */
#ifndef NMOD_CONSOLE_SERVER_H
#define NMOD_CONSOLE_SERVER_H

#include "console_opts.h"

/* Returns an exit code (0 after a clean stop on SIGINT/SIGTERM); messages on stderr, the
 * address it listens on as one line on stdout ("nmod console: listening on http://A:P"). */
int console_serve(const console_opts *o);

#endif
