/* console_main.c: `nmod console`: cmd_console_serve, or the accounts, or the table of roles. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "clinic_int.h"
#include "console.h"
#include "console_cli.h"
#include "console_perm.h"
#include "console_server.h"

static const char usage[] =
    "usage: nmod console [--db FILE] [--listen ADDRESS:PORT] [OPTIONS]   cmd_console_serve the console (docs/CONSOLE.md)\n"
    "       nmod console user add NAME --role admin|clinician|nurse|viewer [--password-stdin] [--db FILE]\n"
    "       nmod console user list [--json] [--db FILE]\n"
    "       nmod console user disable|enable NAME [--db FILE]\n"
    "       nmod console roles                                          who may do what\n"
    "\n"
    "serving options:\n"
    "  --db FILE                 the clinic database (default as nmod clinic: $NMOD_CLINIC_DB, else\n"
    "                            ~/.local/share/nmod/clinic.db)\n"
    "  --listen ADDRESS:PORT     default 127.0.0.1:8080; port 0 picks a free one; an address other than\n"
    "                            loopback needs --tls-cert and --tls-key\n"
    "  --tls-cert FILE --tls-key FILE   cmd_console_serve HTTPS (PEM; the key file must be mode 0600)\n"
    "  --assets DIR              the front end (default: beside the nmod binary)\n"
    "  --idle-timeout D          a session ends after D without a request (15min)\n"
    "  --session-max D           and after D in all (12h)\n"
    "  --login-max-account N     failed sign-ins per account before it waits (5)\n"
    "  --login-max-address N     failed sign-ins per client address before it waits (20)\n"
    "  --login-window D          how long those failures count (15min)\n"
    "  --max-connections N       connections served at once (64)\n"
    "  --client-timeout D        a client silent this long is dropped (30s)\n"
    "  --threads N               serving threads (4)\n"
    "durations: 30s, 15min, 2h\n";

static const char *const flags[] = {"json", "password-stdin", NULL};

int console_args_done(clinic_args *a, const char *cmd) {
  if (hu_args_done(a, cmd, "nmod console --help") == HU_ARGS_OK) return CL_OK;
  fprintf(stderr, "nmod console: %s\n", a->err);
  return CL_USAGE;
}

int console_db_path(clinic_args *a, char *out, size_t cap) {
  const char *db = clinic_opt_get(a, "db");
  if (db) {
    if (!*db || strlen(db) >= cap) {
      fprintf(stderr, "nmod console: --db needs a file name\n");
      return CL_USAGE;
    }
    snprintf(out, cap, "%s", db);
    return CL_OK;
  }
  clinic_err e = {0};
  return clinic_store_default_path(out, cap, &e) ? clinic_report(&e) : CL_OK;
}

typedef struct {
  const char *name;
  unsigned *out;
  int seconds;
  unsigned lo, hi;
} num_opt;

static int cmd_console_serve(clinic_args *a) {
  console_opts o;
  console_opts_defaults(&o);
  char err[300];
  const char *s;
  if ((s = clinic_opt_get(a, "listen")) && console_listen_parse(&o, s, err, sizeof err) != 0) goto bad;
  o.tls_cert = clinic_opt_get(a, "tls-cert");
  o.tls_key = clinic_opt_get(a, "tls-key");
  o.assets = clinic_opt_get(a, "assets");
  const num_opt nums[] = {
      {"idle-timeout", &o.idle_s, 1, 1, 7 * 86400},
      {"session-max", &o.session_max_s, 1, 1, 30 * 86400},
      {"login-max-account", &o.login_max_account, 0, 1, 1000},
      {"login-max-address", &o.login_max_address, 0, 1, 100000},
      {"login-window", &o.login_window_s, 1, 1, 86400},
      {"max-connections", &o.max_conn, 0, 1, 10000},
      {"client-timeout", &o.client_timeout_s, 1, 1, 3600},
      {"threads", &o.threads, 0, 1, 64},
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    if (!(s = clinic_opt_get(a, nums[i].name))) continue;
    int r = nums[i].seconds ? console_opt_seconds(nums[i].name, s, nums[i].hi, nums[i].out, err, sizeof err)
                            : console_opt_count(nums[i].name, s, nums[i].lo, nums[i].hi, nums[i].out, err, sizeof err);
    if (r != 0) goto bad;
  }
  int rc = console_db_path(a, o.db_path, sizeof o.db_path);
  if (rc) return rc;
  if ((rc = console_args_done(a, "console")) != CL_OK) return rc;
  if (a->npos > 0) {
    fprintf(stderr, "nmod console: unknown command '%s' (see nmod console --help)\n", a->pos[0]);
    return CL_USAGE;
  }
  return console_serve(&o);
bad:
  fprintf(stderr, "nmod console: %s\n", err);
  return CL_USAGE;
}

int console_main(int argc, char **argv) {
  clinic_args a;
  int rc = clinic_args_parse(&a, argc - 1, argv + 1, flags);
  if (rc) return rc;
  if (a.help || (a.npos > 0 && strcmp(a.pos[0], "help") == 0)) {
    fputs(usage, stdout);
    return CL_OK;
  }
  if (a.npos > 0 && strcmp(a.pos[0], "user") == 0) return cmd_console_user(&a);
  if (a.npos > 0 && strcmp(a.pos[0], "roles") == 0) {
    if ((rc = console_args_done(&a, "roles")) != CL_OK) return rc;
    console_perm_markdown(stdout);
    return CL_OK;
  }
  return cmd_console_serve(&a);
}
