/* cmd_usage.h: `nmod programmer ... usage [--since DATE] [--json]` (cmd_usage.c), dispatched by
 * cmd_programmer.c on its open session. */
#ifndef NMOD_CMD_USAGE_H
#define NMOD_CMD_USAGE_H

#include "devcli.h"

/* The line parsed (--since); opens the session. Returns an exit code (CLI_*). */
int cmd_programmer_usage(devcli_t *d, hu_args *args);

#endif
