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
} svc_cfg_t;

/* Run until SIGINT or SIGTERM. SIGUSR1 makes every later flash write and erase fail,
 * SIGUSR2 heals the flash; the fault is kept in STATE/flash-fault while it lasts, so a
 * restart keeps it (docs/DEVICE-HEALTH.md, "Fault injection"). STATE/lock holds the pid.
 * Returns the process exit code; prints one-line errors. */
int svc_run(const svc_cfg_t *cfg);

#endif
