/* devcli_args.c: the command lines of nmod programmer and nmod remote through the one parser
 * (hu_args.h). Two passes: an open table finds the subcommand (the shared options may stand
 * anywhere), then the whole line is parsed again against the subcommand's own table (the
 * shared options and its own), so every option, count and value is checked by hu_args. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "devcli.h"

#define SHARED_USAGE "--device HOST:PORT --key FILE"

/* A subcommand's table, made at run time: the shared options, then its own. */
typedef struct {
  hu_cmd cmd;
  hu_opt opts[HU_ARGS_MAX_OPTS];
  char prog[64], usage[320];
  char *argv[HU_ARGS_MAX_POS + 2 * HU_ARGS_MAX_OPTS];
} sub_line;

static size_t shared_opts(const devcli_group *g, hu_opt *o) {
  o[0] = (hu_opt){"device", "HOST:PORT", HU_OPT_REQUIRED, "the stimulator's address (required)"};
  o[1] = (hu_opt){"key", "FILE", HU_OPT_REQUIRED, g->key};
  o[2] = (hu_opt){"json", NULL, 0, "print one JSON object"};
  o[3] = (hu_opt){NULL, NULL, 0, NULL};
  return 3;
}

static void group_help(const devcli_group *g, FILE *f) {
  hu_opt o[4];
  shared_opts(g, o);
  char prog[64];
  snprintf(prog, sizeof prog, "nmod %s", g->cmd);
  const hu_cmd c = {prog, SHARED_USAGE " COMMAND [ARGS] [--json]", g->about, o, 0, 0};
  hu_args_help(&c, f);
  fprintf(f, "commands (each has --help):\n");
  for (size_t i = 0; i < g->n_subs; i++) {
    char left[96];
    snprintf(left, sizeof left, "%s %s", g->subs[i].name, g->subs[i].usage);
    if (strlen(left) > 44) fprintf(f, "  %s\n  %-44s %s\n", left, "", g->subs[i].about);
    else fprintf(f, "  %-44s %s\n", left, g->subs[i].about);
  }
}

/* The subcommand's table and its line for cli_args: its name, then argv without the name.
 * The count, or -1 when the line is too long. */
static int make_line(sub_line *l, const devcli_group *g, const devcli_sub *s, int argc, char **argv, const char *name) {
  size_t n = shared_opts(g, l->opts);
  for (const hu_opt *o = s->opts; o && o->name; o++) {
    if (n + 1 >= HU_ARGS_MAX_OPTS) return -1;
    l->opts[n++] = *o;
  }
  l->opts[n] = (hu_opt){NULL, NULL, 0, NULL};
  snprintf(l->prog, sizeof l->prog, "nmod %s %s", g->cmd, s->name);
  snprintf(l->usage, sizeof l->usage, SHARED_USAGE "%s%s [--json]", *s->usage ? " " : "", s->usage);
  l->cmd = (hu_cmd){l->prog, l->usage, s->about, l->opts, s->min_pos, s->max_pos};
  l->argv[0] = (char *)name;
  int k = 1, skipped = 0;
  for (int i = 0; i < argc; i++) {
    if (!skipped && argv[i] == name) {
      skipped = 1;
      continue;
    }
    if (k >= (int)(sizeof l->argv / sizeof l->argv[0])) return -1;
    l->argv[k++] = argv[i];
  }
  return k;
}

/* Pass 1's table: every option of every subcommand, none required, so that a value is taken
 * where some subcommand wants one. The count, or -1 when they do not fit. */
static int union_opts(const devcli_group *g, hu_opt *u) {
  size_t n = shared_opts(g, u);
  for (size_t i = 0; i < g->n_subs; i++) {
    for (const hu_opt *o = g->subs[i].opts; o && o->name; o++) {
      int seen = 0;
      for (size_t k = 0; k < n; k++) seen |= strcmp(u[k].name, o->name) == 0;
      if (seen) continue;
      if (n + 1 >= HU_ARGS_MAX_OPTS) return -1;
      u[n++] = *o;
    }
  }
  for (size_t k = 0; k < n; k++) u[k].flags = HU_OPT_MANY;
  u[n] = (hu_opt){NULL, NULL, 0, NULL};
  return (int)n;
}

int devcli_main(const devcli_group *g, int argc, char **argv) {
  /* Pass 1: which subcommand. */
  static hu_opt all[HU_ARGS_MAX_OPTS];
  (void)union_opts(g, all);
  char prog[64], see[96];
  snprintf(prog, sizeof prog, "nmod %s", g->cmd);
  snprintf(see, sizeof see, "see '%s --help'", prog);
  const hu_cmd line1 = {prog, SHARED_USAGE " COMMAND [ARGS] [--json]", g->about, all, 0, -1};
  static hu_args a; /* large; one command line a process */
  int rc = hu_args_parse(&a, &line1, argc - 1, argv + 1, NULL);
  if (rc == HU_ARGS_HELP && a.npos == 0) {
    group_help(g, stdout);
    return CLI_OK;
  }
  const devcli_sub *s = NULL;
  for (size_t i = 0; a.npos > 0 && i < g->n_subs && !s; i++)
    if (strcmp(a.pos[0], g->subs[i].name) == 0) s = &g->subs[i];
  /* A mistake after the subcommand's name: its own table says it best (pass 2). */
  if (rc == HU_ARGS_EUSAGE && !s) {
    cli_error(g->cmd, "%s", a.err);
    return CLI_USAGE;
  }
  if (a.npos == 0) {
    cli_error(g->cmd, "usage: %s %s (%s)", prog, line1.usage, see);
    return CLI_USAGE;
  }
  if (!s) {
    cli_error(g->cmd, "unknown command '%.40s' (%s)", a.pos[0], see);
    return CLI_USAGE;
  }
  /* Pass 2: the subcommand's own table. */
  static sub_line l;
  int n = make_line(&l, g, s, argc - 1, argv + 1, a.pos[0]);
  if (n < 0) {
    cli_error(g->cmd, "%s: too many arguments", s->name);
    return CLI_USAGE;
  }
  if ((rc = cli_args(&a, &l.cmd, n, l.argv)) >= 0) return rc;
  static devcli_t d;
  memset(&d, 0, sizeof d);
  d.cmd = g->cmd;
  d.role = g->role;
  d.conn.fd = -1;
  d.device = hu_args_get(&a, "device");
  d.keyfile = hu_args_get(&a, "key");
  d.json = hu_args_flag(&a, "json");
  rc = s->run(&d, &a);
  devcli_close(&d);
  for (const char *w = d.warn; *w;) { /* each warning, a line */
    size_t len = strcspn(w, "\n");
    cli_error(g->cmd, "%.*s", (int)len, w);
    w += len + (w[len] == '\n');
  }
  if (rc && d.err[0]) cli_error(g->cmd, "%s", d.err);
  return rc;
}
