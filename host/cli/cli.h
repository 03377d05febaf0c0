/* cli.h: what every nmod subcommand shares: exit codes and one-line errors. */
#ifndef NMOD_CLI_H
#define NMOD_CLI_H

#include <stdint.h>

#include "hu_args.h"
#include "nmod_exit.h"
#include "devlink.h"
#include "json.h"
#include "therapy_file.h"

/* Exit codes of every command (nmod_exit.h). */
enum {
  CLI_OK = NMOD_EXIT_OK,                  /* done (including a check with warnings) */
  CLI_FAIL = NMOD_EXIT_IO,                /* an unexpected failure of this machine (I/O) */
  CLI_USAGE = NMOD_EXIT_USAGE,            /* bad command line or invalid input file */
  CLI_REFUSED = NMOD_EXIT_REFUSED,        /* refused: safety, permission, range */
  CLI_UNREACHABLE = NMOD_EXIT_UNREACHABLE /* device unreachable or authentication failed */
};

/* Print "nmod CMD: message" as one line on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parse a subcommand's line (argv[0] its name) with the one parser (hu_args.h): -1 to go on;
 * else the exit code to return, the help or the one-line error printed (CLI_OK, CLI_USAGE). */
int cli_args(hu_args *a, const hu_cmd *c, int argc, char **argv);

/* Report a device's refusal (status st) of therapy t on stderr: the program refused and
 * every reason from its report, or why the running set cannot run (refusal.c). */
void cli_refusal_print(const char *cmd, const tf_therapy_t *t, int st, const dev_refusal_t *why);
/* The same as the value of key "refusal": null when st is NM_OK, else {"status", "program"
 * (null: not a program), "reason_bits" (NM_R_*), "running_set" (report_set_code)}. */
void cli_json_refusal(js_w *w, const tf_therapy_t *t, int st, const dev_refusal_t *why);

/* Subcommands: argv[0] is the subcommand's name. Each returns an exit code. */
int cmd_check(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_plot(int argc, char **argv);
/* nmod plot THERAPY --posture TRACE [--cord MODEL] [--duration D] --out SVG (cmd_plot_posture.c). */
int cmd_plot_posture(const char *path, const char *posture, const char *cordf, const char *dur, const char *out);
int cmd_plot_history(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_longevity(int argc, char **argv);
int cmd_programmer(int argc, char **argv);
int cmd_remote(int argc, char **argv);

#endif
