/* cli_args.c: every subcommand's line through the one parser (hu_args.h), its --help and its
 * one-line errors printed the same way. */
#include <stdio.h>

#include "cli.h"

int cli_args(hu_args *a, const hu_cmd *c, int argc, char **argv) {
  int rc = hu_args_parse(a, c, argc - 1, argv + 1, NULL);
  if (rc == HU_ARGS_OK) return -1;
  if (rc == HU_ARGS_HELP) {
    hu_args_help(c, stdout);
    return CLI_OK;
  }
  fprintf(stderr, "%s: %s\n", c->prog, a->err);
  return CLI_USAGE;
}
