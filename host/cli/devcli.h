/* devcli.h: what the programmer and the remote share: option parsing for --device, --key
 * and --json, opening the secure session, and turning device statuses into exit codes and
 * one-line messages that say what to do. */
#ifndef NMOD_DEVCLI_H
#define NMOD_DEVCLI_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "devinfo.h"
#include "hu_args.h"
#include "keyfile.h"
#include "nmod/wire.h"

typedef struct {
  const char *cmd;     /* "programmer" or "remote" */
  const char *device;  /* --device HOST:PORT */
  const char *keyfile; /* --key FILE */
  int json;            /* --json */
  uint8_t role;        /* the role the key must have (NM_ROLE_*) */
  kf_key_t key;
  cl_conn_t conn;
  dev_link_t link;
  int open;
  int not_stored;      /* 1 once a change was answered NM_ENOTSTORED (in effect, not stored) */
  /* What the command ends by saying, as values: the devcli_* calls below fill err when they
   * return an exit code, and warn when a change is in effect but not stored; devcli_main
   * says each once, on stderr, after the subcommand ran. */
  char err[640];
  char warn[960]; /* a line a warning */
} devcli_t;

/* A subcommand: its line (after its name, without the shared options) and what runs it. The
 * runner checks its arguments, then opens the session (devcli_open), so a bad line never
 * needs a device. Positionals are those after the subcommand's name: a->pos[0] is the first. */
typedef struct devcli_sub {
  const char *name;     /* "interrogate" */
  const char *usage;    /* "[--out READOUT.json]" */
  const char *about;    /* one line for --help */
  const hu_opt *opts;   /* its own options, ended by {NULL}; NULL: none */
  int min_pos, max_pos; /* positionals after the name */
  int (*run)(devcli_t *d, hu_args *a);
} devcli_sub;

/* nmod programmer / nmod remote: the options every subcommand shares (--device, --key,
 * --json; anywhere on the line) and the subcommands. */
typedef struct {
  const char *cmd;    /* "programmer" */
  const char *about;  /* one line for --help */
  const char *key;    /* the help of --key: which key */
  uint8_t role;       /* NM_ROLE_* the key must have */
  const devcli_sub *subs;
  size_t n_subs;
} devcli_group;

/* The whole command: parse argv (argv[0] the command's name) with the one parser, the
 * subcommand's table made of the shared options and its own, then run it. `--help` on the
 * command lists the subcommands; on a subcommand, its own help. Every bad line is one error
 * line and CLI_USAGE. Returns the exit code. */
int devcli_main(const devcli_group *g, int argc, char **argv);
/* The error a subcommand ends with: d->err from fmt, and code returned (an exit code). */
__attribute__((format(printf, 3, 4))) int devcli_err(devcli_t *d, int code, const char *fmt, ...);
/* A --since DATE (YYYY-MM-DD, 0 h UTC, the device's calendar) as device seconds, on a day the
 * device's clock can hold (1970-01-01..2106-02-07). 0, or CLI_USAGE with d->err naming it. */
int devcli_since(devcli_t *d, const char *s, uint32_t *epoch_s);
/* Read the key (it must be of role d->role) and open the session. 0 or an exit code (d->err). */
int devcli_open(devcli_t *d);
void devcli_close(devcli_t *d);
/* One request. Returns the device status (>= -99) or DEV_ETRANSPORT; nothing printed (a
 * failure goes to devcli_fail, which puts why in d->err). */
int devcli_call(devcli_t *d, const uint8_t *req, size_t len, uint8_t *resp, size_t *resp_len);
/* The exit code for a device status, with why in d->err (what = the action, e.g. "amp up").
 * NM_EIO: not done, nothing changed (exit 3). NM_ENOTSTORED: done (exit 0) with the warning
 * of devcli_in_effect; a caller that can print its usual output uses devcli_in_effect. */
int devcli_fail(devcli_t *d, int st, const char *what);
/* 1 when a change request's status means the change is in effect: NM_OK, or NM_ENOTSTORED
 * (in effect now but not stored: the warning in d->warn, d->not_stored set; the exit
 * code stays 0, see README "Exit codes"). 0 otherwise (pass st to devcli_fail). */
int devcli_in_effect(devcli_t *d, int st, const char *what);
/* Identity and status, each one request. 0 or an exit code (d->err). */
int devcli_identity(devcli_t *d, di_identity_t *id);
/* INTERROGATE and each stored program (PROG_READ). */
int devcli_interrogation(devcli_t *d, di_interrogation_t *in);
int devcli_status(devcli_t *d, di_status_t *st);
/* The lead's impedances (what names the action) and the paired remotes, each one request. */
int devcli_impedance(devcli_t *d, const char *what, di_impedance_t *im);
int devcli_remotes(devcli_t *d, di_remotes_t *rs);

#endif
