/* clinic_args.c: split a command line into positionals and --options, and refuse options a
 * command does not know (so a typo never passes silently). */
#include <string.h>

#include "clinic_int.h"

static int is_flag(const char *name, const char *const *flags) {
  for (; flags && *flags; flags++)
    if (strcmp(*flags, name) == 0) return 1;
  return 0;
}

int clinic_args_parse(clinic_args *a, int argc, char **argv, const char *const *flags) {
  memset(a, 0, sizeof *a);
  int only_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!only_pos && strcmp(s, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (!only_pos && s[0] == '-' && s[1] == '-' && s[2]) {
      if (a->nopts >= CLINIC_MAX_OPTS) return clinic_fail(CL_USAGE, "too many options");
      clinic_opt *o = &a->opts[a->nopts++];
      const char *eq = strchr(s + 2, '=');
      o->name = s + 2;
      if (eq) {
        /* --name=value: split in place is not allowed on argv; keep a pointer to value and
         * compare names by prefix length below. */
        o->value = eq + 1;
      } else if (is_flag(s + 2, flags)) {
        o->value = NULL;
      } else {
        if (i + 1 >= argc) return clinic_fail(CL_USAGE, "option %s needs a value", s);
        o->value = argv[++i];
      }
      continue;
    }
    if (a->npos >= CLINIC_MAX_POS) return clinic_fail(CL_USAGE, "too many arguments");
    a->pos[a->npos++] = s;
  }
  return CL_OK;
}

static int name_is(const clinic_opt *o, const char *name) {
  size_t n = strlen(name);
  return strncmp(o->name, name, n) == 0 && (o->name[n] == '\0' || o->name[n] == '=');
}

const char *clinic_opt_get(clinic_args *a, const char *name) {
  const char *v = NULL;
  for (int i = 0; i < a->nopts; i++)
    if (name_is(&a->opts[i], name)) {
      a->opts[i].used = 1;
      v = a->opts[i].value ? a->opts[i].value : "";
    }
  return v;
}

int clinic_opt_flag(clinic_args *a, const char *name) { return clinic_opt_get(a, name) != NULL; }

int clinic_args_done(clinic_args *a, const char *cmd) {
  for (int i = 0; i < a->nopts; i++)
    if (!a->opts[i].used) {
      const char *eq = strchr(a->opts[i].name, '=');
      int n = eq ? (int)(eq - a->opts[i].name) : (int)strlen(a->opts[i].name);
      return clinic_fail(CL_USAGE, "unknown option --%.*s for '%s' (see nmod clinic help)", n,
                         a->opts[i].name, cmd);
    }
  return CL_OK;
}
