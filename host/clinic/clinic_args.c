/* clinic_args.c: the clinic's command lines through the one parser (hu_args.h), with an open
 * table so a typo never passes silently: each command reads what it knows, and
 * clinic_args_done refuses the rest. */
#include <string.h>

#include "clinic_args.h"
#include "clinic_err.h"
#include "hu_args.h"

static const hu_cmd clinic_line = {"nmod clinic", "[--db FILE] COMMAND ... [--json]", NULL, NULL, 0, -1};

int clinic_args_parse(clinic_args *a, int argc, char **argv, const char *const *flags) {
  int rc = hu_args_parse(a, &clinic_line, argc, argv, flags);
  if (rc == HU_ARGS_EUSAGE) return clinic_fail(CL_USAGE, "%s", a->err);
  return CL_OK;
}

const char *clinic_opt_get(clinic_args *a, const char *name) { return hu_args_get(a, name); }

int clinic_opt_flag(clinic_args *a, const char *name) { return hu_args_flag(a, name); }

int clinic_args_done(clinic_args *a, const char *cmd) {
  char help[96];
  snprintf(help, sizeof help, "nmod clinic %s --help", cmd);
  if (hu_args_done(a, cmd, help) != HU_ARGS_OK) return clinic_fail(CL_USAGE, "%s", a->err);
  return CL_OK;
}
