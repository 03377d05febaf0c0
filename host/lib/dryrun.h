/* dryrun.h: a therapy judged by the firmware core itself, with no hardware: the requests
 * `nmod programmer program` sends (devlink's encoders) executed by a core in this process
 * (the device's command path: op table, decoders, handlers, placement and supervisor), and
 * the verdict taken from its responses. The core's port has no output, radio or memory, so
 * nothing can stimulate. */
#ifndef NMOD_DRYRUN_H
#define NMOD_DRYRUN_H

#include <stdint.h>

#include "devlink.h"
#include "therapy_file.h"

/* A core on a port with no hardware; caller-owned (a few kB: keep it static). */
typedef struct {
  nm_port_t port;
  nm_core_t core;
  dev_local_t local;
  dev_link_t link; /* clinician role */
} dry_dev_t;

typedef struct {
  /* The core's answer to the therapy (NM_OP_PROGRAM_ALL on a new device of its kind and
   * lead): NM_OK, NM_EREFUSED with `why`, NM_EINVAL for a lead that is not valid. */
  int status;
  dev_refusal_t why;
  /* Each program's report (NM_OP_CHECK on the therapy's lead and load), in file order. */
  nm_safety_report_t prog[NM_MAX_PROGRAMS];
  /* The worst verdict: of the programs, and refuse when the therapy is refused. */
  uint8_t verdict;
} dry_result_t;

/* Dry-run therapy t on d. Returns out->status. */
int dry_run(dry_dev_t *d, const tf_therapy_t *t, dry_result_t *out);

#endif
