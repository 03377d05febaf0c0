/* console_cli.h: the command-line side of `nmod console` (console_main.c, console_usercli.c). */
#ifndef NMOD_CONSOLE_CLI_H
#define NMOD_CONSOLE_CLI_H

#include <stddef.h>

#include "clinic_int.h"

/* `nmod console user add|list|disable|enable ...` (a->pos[0] is "user"). An exit code. */
int cmd_console_user(clinic_args *a);
/* Refuse an option the command did not read (CL_USAGE, printed). */
int console_args_done(clinic_args *a, const char *cmd);
/* --db, else the clinic's default path. */
int console_db_path(clinic_args *a, char *out, size_t cap);

#endif
