/* dryrun.c: see dryrun.h. */
#include "dryrun.h"

#include <string.h>

/* The port: a clock that stands still, no output stage (a load is refused, so even a core
 * gone wrong could not deliver), no gauge, no memory, no radio. */
static uint64_t no_clock(void *ctx) {
  (void)ctx;
  return 0;
}
static void no_timer(void *ctx, uint64_t at_us) {
  (void)ctx;
  (void)at_us;
}
static int no_load(void *ctx, const nm_pattern_t *p) {
  (void)ctx;
  (void)p;
  return NM_EIO;
}
static void no_stop(void *ctx) { (void)ctx; }
static void no_status(void *ctx, nm_out_status_t *st) {
  (void)ctx;
  memset(st, 0, sizeof *st);
}

int dry_run(dry_dev_t *d, const tf_therapy_t *t, dry_result_t *out) {
  memset(d, 0, sizeof *d);
  memset(out, 0, sizeof *out);
  out->why.slot = 0xFF;
  out->verdict = NM_VERDICT_REFUSE;
  d->port.now_us = no_clock;
  d->port.timer_at = no_timer;
  d->port.out_load = no_load;
  d->port.out_stop = no_stop;
  d->port.out_status = no_status;
  d->port.out_reset = no_stop;
  /* A new device of the therapy's kind on the therapy's lead, as the device it is for. A
   * lead that is not valid is on no device: PROGRAM_ALL is malformed (NM_EINVAL) for it,
   * and each program's report is the supervisor's, which says so (NM_R_LEAD). */
  if (nm_core_init(&d->core, &d->port, t->therapy, &t->lead) != NM_OK) {
    for (uint8_t i = 0; i < t->n_prog; i++) (void)nm_safety_check(&t->prog[i], &t->lead, &t->load, &out->prog[i]);
    out->status = NM_EINVAL;
    return out->status;
  }
  dev_local_link(&d->link, &d->local, &d->core, NM_ROLE_CLINICIAN);
  /* Each program on the therapy's lead and load first (a device with no programs takes any
   * load: the supervisor judges the load with each program), then the therapy in one
   * request, exactly as the programmer sends it. */
  out->status = dev_lead_set(&d->link, &t->lead, &t->load);
  if (out->status != NM_OK) return out->status;
  uint8_t worst = NM_VERDICT_OK;
  for (uint8_t i = 0; i < t->n_prog; i++) {
    int st = dev_check(&d->link, &t->prog[i], &out->prog[i]);
    if (st != NM_OK && st != NM_EREFUSED) return out->status = st;
    if (out->prog[i].verdict > worst) worst = out->prog[i].verdict;
  }
  out->status = dev_program_all(&d->link, t, &out->why);
  if (out->status == NM_OK) out->verdict = worst;
  return out->status;
}
