/* main.c: build/nmod, one CLI with a subcommand per part of the system. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nmod_version.h"
#ifdef NM_HAVE_CLINIC
#include "clinic.h"
#include "console.h"
#endif


void cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "nmod %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *usage;
} subcmd_t;

static const subcmd_t cmds[] = {
    {"check", cmd_check, "check THERAPY.json [--json]          judge a therapy file against the safety limits"},
    {"simulate", cmd_simulate,
     "simulate THERAPY.json --duration D [--profile NAME] [--battery primary|rechargeable]\n"
     "      [--trace FILE.csv --trace-window A..B] [--json]\n"
     "                                            run the firmware on simulated hardware in virtual time"},
    {"plot", cmd_plot, "plot THERAPY.json --out FILE.svg       draw the waveform on each contact"},
    {"plot-history", cmd_plot_history, "plot-history HISTORY.json --out FILE.svg  draw a saved 'programmer history --json' (usage, battery, leads)"},
    {"longevity", cmd_longevity,
     "longevity THERAPY.json [--profile NAME] [--battery primary|rechargeable] [--table] [--json]\n"
     "                                            years to ERI, or recharge interval and charging minutes a day"},
    {"sim", cmd_sim,
     "sim --kind ets|ins --therapy scs|snm --lead MODEL --state DIR --listen 127.0.0.1:PORT [--time-scale N]\n"
     "      [--battery primary|rechargeable] [--profile NAME] [--lead-fault E2=open|short] [--battery-pct N]\n"
     "      [--link ble|mics]\n"
     "                                            a simulated stimulator serving the secure link"},
    {"programmer", cmd_programmer,
     "programmer --device HOST:PORT --key FILE CMD [--json]\n"
     "                                            the clinician programmer (interrogate, program, therapy,\n"
     "                                            test-stim, impedance, history, pair-remote, revoke-remote, mode)"},
    {"remote", cmd_remote,
     "remote --device HOST:PORT --key FILE CMD [--json]\n"
     "                                            the patient remote (status, on, off, amp, program, mri, surgery)"},
#ifdef NM_HAVE_CLINIC
    {"clinic", clinic_main, "clinic [--db FILE] CMD [--json]       the clinic: patients, path, diaries, trial (see docs/CLINIC.md)"},
    {"console", console_main,
     "console [--db FILE] [--listen 127.0.0.1:8080]   the clinic in a browser; console user add|list|disable,\n"
     "                                            console roles (see docs/CONSOLE.md)"},
#endif
};

static void usage(FILE *f) {
  fprintf(f, "usage: nmod COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) fprintf(f, "  %s\n", cmds[i].usage);
  fprintf(f, "\n%s\n", NMOD_EXIT_CODES);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("nmod %s\n", NMOD_VERSION);
    return CLI_OK;
  }
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    if (strcmp(argv[1], cmds[i].name) == 0) return cmds[i].fn(argc - 1, argv + 1);
  }
  fprintf(stderr, "nmod: unknown command '%s' (run 'nmod help' for the list)\n", argv[1]);
  return CLI_USAGE;
}
