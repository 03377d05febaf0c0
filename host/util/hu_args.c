/* hu_args.c: see hu_args.h. */
#include "hu_args.h"

#include <string.h>

#include "hu_dec.h"
#include "hu_fmt.h"

static int fail(hu_args *a, const char *fmt, const char *x, size_t xlen, const char *y) {
  char w[64];
  snprintf(w, sizeof w, "%.*s", (int)(xlen < 40 ? xlen : 40), x ? x : "");
  snprintf(a->err, sizeof a->err, fmt, w, y ? y : "");
  return HU_ARGS_EUSAGE;
}

static const hu_opt *find(const hu_cmd *c, const char *name, size_t len) {
  for (const hu_opt *o = c->opts; o && o->name; o++)
    if (strlen(o->name) == len && memcmp(o->name, name, len) == 0) return o;
  return NULL;
}

static int in_list(const char *const *list, const char *name, size_t len) {
  for (; list && *list; list++)
    if (strlen(*list) == len && memcmp(*list, name, len) == 0) return 1;
  return 0;
}

static int same(const hu_args *a, int i, const char *name) {
  return strlen(name) == a->opt[i].name_len && memcmp(a->opt[i].name, name, a->opt[i].name_len) == 0;
}

static int parse(hu_args *a, const hu_cmd *c, int argc, char **argv, const char *const *flags, int *help_seen) {
  char help[96];
  snprintf(help, sizeof help, " (see '%s --help')", c->prog);
  int only_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!only_pos && strcmp(s, "--") == 0) {
      only_pos = 1;
      continue;
    }
    if (!only_pos && (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0)) {
      *help_seen = 1;
      continue;
    }
    /* An option: "--name" or "-x"; "-" and a negative number ("-1") are positionals. */
    if (!only_pos && s[0] == '-' && s[1] != '\0' && !(s[1] >= '0' && s[1] <= '9')) {
      if (s[1] != '-' || s[2] == '\0' || s[2] == '=') return fail(a, "unknown option '%s'%s", s, strlen(s), help);
      const char *name = s + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      const hu_opt *o = c->opts ? find(c, name, len) : NULL;
      if (c->opts && !o) return fail(a, "unknown option --%s%s", name, len, help);
      int takes_value = c->opts ? o->arg != NULL : !in_list(flags, name, len);
      if (o && !(o->flags & HU_OPT_MANY)) {
        for (int k = 0; k < a->nopts; k++)
          if (a->opt[k].name_len == len && memcmp(a->opt[k].name, name, len) == 0)
            return fail(a, "--%s is given twice", name, len, NULL);
      }
      if (a->nopts >= HU_ARGS_MAX_OPTS) return fail(a, "too many options%s%s", "", 0, NULL);
      const char *value = NULL;
      if (eq) {
        if (!takes_value) return fail(a, "--%s takes no value", name, len, NULL);
        value = eq + 1;
      } else if (takes_value) {
        if (i + 1 >= argc) {
          char what[64] = "";
          if (o) snprintf(what, sizeof what, " (%s)", o->arg);
          return fail(a, "--%s needs a value%s", name, len, what);
        }
        value = argv[++i];
      }
      a->opt[a->nopts].name = name;
      a->opt[a->nopts].name_len = len;
      a->opt[a->nopts].value = value;
      a->nopts++;
      continue;
    }
    int max = c->max_pos < 0 || c->max_pos > HU_ARGS_MAX_POS ? HU_ARGS_MAX_POS : c->max_pos;
    if (a->npos >= max) return fail(a, "unexpected '%s'%s", s, strlen(s), help);
    a->pos[a->npos++] = s;
  }
  int missing = 0;
  for (const hu_opt *o = c->opts; o && o->name; o++) {
    if (!(o->flags & HU_OPT_REQUIRED)) continue;
    int given = 0;
    for (int k = 0; k < a->nopts; k++) given |= a->opt[k].name_len == strlen(o->name) && memcmp(a->opt[k].name, o->name, a->opt[k].name_len) == 0;
    missing |= !given;
  }
  if (a->npos < c->min_pos || missing) {
    snprintf(a->err, sizeof a->err, "usage: %s %s", c->prog, c->usage ? c->usage : "");
    return HU_ARGS_EUSAGE;
  }
  return HU_ARGS_OK;
}

int hu_args_parse(hu_args *a, const hu_cmd *c, int argc, char **argv, const char *const *flags) {
  memset(a, 0, sizeof *a);
  a->cmd = c;
  int help = 0;
  int rc = parse(a, c, argc, argv, flags, &help);
  /* --help wins over a mistake elsewhere on the line; what was read so far (the positionals
   * naming a subcommand) stays in a. */
  if (!help) {
    for (int i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
      if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) help = 1;
  }
  if (help) {
    a->err[0] = '\0';
    a->help = 1;
    return HU_ARGS_HELP;
  }
  return rc;
}

const char *hu_args_nth(hu_args *a, const char *name, int n) {
  for (int i = 0; i < a->nopts; i++) {
    if (!same(a, i, name)) continue;
    a->opt[i].used = 1;
    if (n-- == 0) return a->opt[i].value ? a->opt[i].value : "";
  }
  return NULL;
}

int hu_args_count(hu_args *a, const char *name) {
  int n = 0;
  for (int i = 0; i < a->nopts; i++) n += same(a, i, name);
  return n;
}

const char *hu_args_get(hu_args *a, const char *name) {
  int n = hu_args_count(a, name);
  if (n == 0) return NULL;
  for (int i = 0; i < n - 1; i++) hu_args_nth(a, name, i); /* every one is used */
  return hu_args_nth(a, name, n - 1);
}

int hu_args_flag(hu_args *a, const char *name) { return hu_args_get(a, name) != NULL; }

int hu_args_done(hu_args *a, const char *what, const char *help) {
  for (int i = 0; i < a->nopts; i++) {
    if (a->opt[i].used) continue;
    char tail[160];
    snprintf(tail, sizeof tail, " for '%s' (see '%s')", what, help);
    return fail(a, "unknown option --%s%s", a->opt[i].name, a->opt[i].name_len, tail);
  }
  return HU_ARGS_OK;
}

int hu_args_num(hu_args *a, const char *name, unsigned decimals, int64_t lo, int64_t hi, const char *unit, int64_t *out) {
  const char *v = hu_args_get(a, name);
  if (!v) return 1;
  int64_t x;
  if (hu_dec_range(v, decimals, lo, hi, &x) == 0) {
    *out = x;
    return 0;
  }
  char l[HU_FIXED_LEN], h[HU_FIXED_LEN];
  snprintf(a->err, sizeof a->err, "--%s '%.40s': %s%s%s from %s to %s", name, v, decimals ? "a number" : "a whole number",
           unit && *unit ? " of " : "", unit && *unit ? unit : "", hu_fmt_fixed(l, sizeof l, lo, decimals, 0),
           hu_fmt_fixed(h, sizeof h, hi, decimals, 0));
  return HU_ARGS_EUSAGE;
}

void hu_args_help(const hu_cmd *c, FILE *f) {
  fprintf(f, "usage: %s %s\n", c->prog, c->usage ? c->usage : "");
  if (c->about) fprintf(f, "%s\n", c->about);
  for (const hu_opt *o = c->opts; o && o->name; o++) {
    if (!o->help) continue;
    char left[64];
    snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    if (strlen(left) > 26) fprintf(f, "  %s\n  %-26s %s\n", left, "", o->help); /* a long one on its own line */
    else fprintf(f, "  %-26s %s\n", left, o->help);
  }
  fprintf(f, "  %-26s %s\n", "--help", "this help");
}
