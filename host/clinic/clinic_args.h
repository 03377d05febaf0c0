/* clinic_args.h: the clinic's command lines (hu_args.h with an open table). */
#ifndef NMOD_CLINIC_ARGS_H
#define NMOD_CLINIC_ARGS_H

#include "hu_args.h"

/* The one argument parser (hu_args.h) with an open table: every command takes the options it
 * knows and clinic_args_done refuses the rest. a->pos[0..npos) are the positionals (the
 * command's name first); a->help is set by --help or -h. */
typedef hu_args clinic_args;

/* Split argv into positionals and --options. Flags (no value) are the names in `flags`
 * (a NULL-terminated list); every other --name takes the next argument (or --name=value).
 * Returns CL_OK or CL_USAGE (message printed). */
int clinic_args_parse(clinic_args *a, int argc, char **argv, const char *const *flags);
/* Value of the last --name, or NULL; marks it used. */
const char *clinic_opt_get(clinic_args *a, const char *name);
int clinic_opt_flag(clinic_args *a, const char *name);
/* Refuse options that the command did not read: returns CL_USAGE naming the first one and
 * the command's help ('nmod clinic CMD --help'). */
int clinic_args_done(clinic_args *a, const char *cmd);

#endif
