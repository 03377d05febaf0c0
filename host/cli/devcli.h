/* devcli.h: what the programmer and the remote share: option parsing for --device, --key
 * and --json, opening the secure session, and turning device statuses into exit codes and
 * one-line messages that say what to do. */
#ifndef NMOD_DEVCLI_H
#define NMOD_DEVCLI_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "devinfo.h"
#include "keyfile.h"
#include "nmod/wire.h"

typedef struct {
  const char *cmd;     /* "programmer" or "remote" */
  const char *device;  /* --device HOST:PORT */
  const char *keyfile; /* --key FILE */
  int json;            /* --json */
  int argc;            /* what is left: the subcommand and its arguments */
  char **argv;
  kf_key_t key;
  cl_conn_t conn;
  dev_link_t link;
  int open;
  int not_stored;      /* 1 once a change was answered NM_ENOTSTORED (in effect, not stored) */
} devcli_t;

/* Parse the shared options out of argv (anywhere on the line). Returns 0, or an exit code. */
int devcli_args(devcli_t *d, const char *cmd, int argc, char **argv, const char *usage);
/* A --since DATE (YYYY-MM-DD, 0 h UTC, the device's calendar) as device seconds, on a day the
 * device's clock can hold (1970-01-01..2106-02-07). 0, or CLI_USAGE after one line naming it. */
int devcli_since(devcli_t *d, const char *s, uint32_t *epoch_s);
/* Read the key (it must be of role want_role) and open the session. 0 or an exit code. */
int devcli_open(devcli_t *d, uint8_t want_role);
void devcli_close(devcli_t *d);
/* One request. Returns the device status (>= -99) or DEV_ETRANSPORT; nothing printed (a
 * failure goes to devcli_fail, which says why). */
int devcli_call(devcli_t *d, const uint8_t *req, size_t len, uint8_t *resp, size_t *resp_len);
/* A request of just `op`: on success 0 and a reader r over the results in resp (which the
 * caller owns, NM_CMD_MAX bytes); else the exit code, reported (what names the action). */
int devcli_query(devcli_t *d, uint8_t op, const char *what, uint8_t *resp, nm_rd_t *r);
/* The exit code for a device status, after printing why (what = the action, e.g. "amp up").
 * NM_EIO: not done, nothing changed (exit 3). NM_ENOTSTORED: done (exit 0) with the warning
 * of devcli_in_effect; a caller that can print its usual output uses devcli_in_effect. */
int devcli_fail(devcli_t *d, int st, const char *what);
/* 1 when a change request's status means the change is in effect: NM_OK, or NM_ENOTSTORED
 * (in effect now but not stored: one warning line on stderr, d->not_stored set; the exit
 * code stays 0, see README "Exit codes"). 0 otherwise (pass st to devcli_fail). */
int devcli_in_effect(devcli_t *d, int st, const char *what);
/* Identity and status, each one request. 0 or an exit code (reported). */
int devcli_identity(devcli_t *d, di_identity_t *id);
/* INTERROGATE and each stored program (PROG_READ). */
int devcli_interrogation(devcli_t *d, di_interrogation_t *in);
int devcli_status(devcli_t *d, di_status_t *st);

#endif
