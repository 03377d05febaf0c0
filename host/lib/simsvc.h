/* simsvc.h: `nmod sim`, a simulated stimulator as a long-running service: the device
 * layer and firmware core on simulated hardware, its flash in a file under the state
 * folder (mapped, so a kill -9 loses nothing the device acknowledged), its radio a TCP
 * listener on loopback speaking the secure protocol. */
#ifndef NMOD_SIMSVC_H
#define NMOD_SIMSVC_H

#include <stdint.h>

#include "nmod/core.h"

#define SVC_NVM_PAGE 4096u
#define SVC_NVM_PAGES 136u /* 4 pages of settings, 132 of event log (over 13,000 events) */
#define SVC_MAX_CONN 8

/* What the service says while it runs (a flash fault injected, a request served): one line,
 * without the "nmod sim: " a renderer puts before it. */
typedef void (*svc_log_fn)(void *user, const char *line);

/* The service listens: what it is and where (the CLI prints its one listening line). */
typedef struct {
  const char *serial; /* 16 characters */
  const char *kind, *therapy, *lead; /* "ets"/"ins", "scs"/"snm", the lead's name */
  int new_device;     /* 1: just built (its clinician key is in the state folder); 0: restored */
  uint16_t port;
} svc_ready_t;
typedef void (*svc_ready_fn)(void *user, const svc_ready_t *r);

/* Why the service could not start or went down. */
enum { SVC_OK = 0, SVC_EIO = 1, SVC_EUSAGE = 2 }; /* the same numbers as NMOD_EXIT_IO, _USAGE */
typedef struct {
  int code;      /* SVC_* */
  char msg[512]; /* one line, naming what is wrong; "" on SVC_OK */
} svc_err_t;

typedef struct {
  const char *state_dir;
  const char *listen;         /* HOST:PORT; port 0 picks a free one */
  int kind, therapy;          /* -1 when not given (needed only for a new device) */
  int lead_model;             /* -1 when not given; NM_LEAD_* */
  uint32_t time_scale;        /* virtual seconds per real second, >= 1 */
  uint8_t fault[NM_NODES];    /* SIM_FAULT_* per node, injected at start */
  int battery_pct;            /* -1: as stored */
  int cell;                   /* nm_cell; -1 when not given (a new device gets primary) */
  const char *profile;        /* nmod/profile.h name; NULL when not given (the reference for the cell) */
  int link;                   /* link_kind */
  int quiet;                  /* 1: no per-request log lines */
  svc_log_fn log;             /* NULL: the lines are dropped */
  svc_ready_fn ready;         /* NULL: not told */
  void *user;                 /* for log and ready */
} svc_cfg_t;

/* Run until SIGINT or SIGTERM. SIGUSR1 makes every later flash write and erase fail,
 * SIGUSR2 heals the flash; the fault is kept in STATE/flash-fault while it lasts, so a
 * restart keeps it (docs/DEVICE-HEALTH.md, "Fault injection"). STATE/lock holds the pid.
 * Prints nothing: its lines go to cfg->log, the listening to cfg->ready. Returns SVC_OK after a
 * stop, else the error (also in *err, with its one-line message). */
int svc_run(const svc_cfg_t *cfg, svc_err_t *err);

#endif
