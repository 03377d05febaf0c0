/* hu_args.h: the one command-line parser of the host tools. A command is described by a
 * table (hu_cmd: its usage line and its options); the parser splits argv into positionals and
 * options and refuses, with one line naming what is wrong (a->err):
 *   an option the command does not have    "unknown option --frob (see 'nmod simulate --help')"
 *   an option's missing value              "--duration needs a value (D)"
 *   a value given to a flag                "--json takes no value"
 *   an option given twice                  "--duration is given twice"  (unless HU_OPT_MANY)
 *   too few positionals, or a required option missing: "usage: nmod simulate THERAPY.json ..."
 *   too many positionals                   "unexpected 'b.json' (see 'nmod check --help')"
 * "--name VALUE" and "--name=VALUE" are the same; after "--" every word is a positional (a file
 * named "-x"); "-h" and "--help" ask for the command's help (HU_ARGS_HELP, nothing else checked).
 * A lone "-" is a positional (stdin, where a command reads it).
 *
 * An open table (opts NULL) takes any --name, a value unless the name is in `flags`: for a
 * dispatcher that hands its arguments on to subcommands, which then take what they know
 * (hu_args_get marks an option used) and hu_args_done refuses what is left.
 *
 * Numbers through hu_dec.h: hu_args_num reads an option as a decimal in a range, with one line
 * saying what is wanted ("--steps '0': a whole number from 1 to 50"). No printing, no exiting:
 * the caller prints a->err and returns its usage exit code. */
#ifndef NMOD_HU_ARGS_H
#define NMOD_HU_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HU_ARGS_MAX_POS 32
#define HU_ARGS_MAX_OPTS 64

#define HU_OPT_MANY 1u     /* may be given more than once (hu_args_nth reads each) */
#define HU_OPT_REQUIRED 2u /* must be given: without it, the error is the usage line */

typedef struct {
  const char *name; /* "duration" for --duration */
  const char *arg;  /* placeholder of its value ("D", "FILE"); NULL: a flag, no value */
  unsigned flags;   /* HU_OPT_ */
  const char *help; /* one line for --help; NULL: not listed */
} hu_opt;

typedef struct {
  const char *prog;  /* "nmod simulate": the start of every message and of the usage */
  const char *usage; /* after prog: "THERAPY.json --duration D [--json]" */
  const char *about; /* one line: what the command does (--help) */
  const hu_opt *opts; /* ended by {NULL}; NULL: an open table (see above) */
  int min_pos, max_pos; /* positionals allowed (max_pos -1: up to HU_ARGS_MAX_POS) */
} hu_cmd;

typedef struct {
  const hu_cmd *cmd;
  int npos;
  const char *pos[HU_ARGS_MAX_POS];
  int nopts;
  struct {
    const char *name; /* into argv: the name ends at '\0' or '=' */
    size_t name_len;
    const char *value; /* NULL for a flag */
    int used;
  } opt[HU_ARGS_MAX_OPTS];
  int help; /* --help or -h was given (hu_args_parse returned HU_ARGS_HELP) */
  char err[256];
} hu_args;

enum { HU_ARGS_OK = 0, HU_ARGS_HELP = 1, HU_ARGS_EUSAGE = -1 };

/* Parse argv[0..argc) (the words after the command's name) against c. HU_ARGS_OK,
 * HU_ARGS_HELP, or HU_ARGS_EUSAGE with the reason in a->err. `flags` (NULL-terminated, may
 * be NULL) names the options without a value of an open table; ignored otherwise. */
int hu_args_parse(hu_args *a, const hu_cmd *c, int argc, char **argv, const char *const *flags);

/* The value of --name (the last one given), "" for a flag, NULL when not given. Marks it used. */
const char *hu_args_get(hu_args *a, const char *name);
int hu_args_flag(hu_args *a, const char *name);
/* How often --name was given, and the i-th value (0-based; NULL past the last). */
int hu_args_count(hu_args *a, const char *name);
const char *hu_args_nth(hu_args *a, const char *name, int i);

/* An open table's last check: an option no one asked for is unknown. HU_ARGS_OK or
 * HU_ARGS_EUSAGE ("unknown option --x for 'WHAT' (see 'HELP')"). */
int hu_args_done(hu_args *a, const char *what, const char *help);

/* --name as a decimal in units of 10^-decimals within lo..hi (hu_dec.h): 0 and *out set,
 * 1 when not given (*out untouched), HU_ARGS_EUSAGE with a->err "--name 'V': a number of
 * UNIT from LO to HI" (unit NULL or "": "a whole number" / "a number"). */
int hu_args_num(hu_args *a, const char *name, unsigned decimals, int64_t lo, int64_t hi, const char *unit, int64_t *out);

/* The command's help: "usage: PROG USAGE", the about line, and one line per listed option. */
void hu_args_help(const hu_cmd *c, FILE *f);

#endif
