/* eva_simout.c: EVA's entry point for the sim port's output stage (ports/sim/sim_out.c, row
 * eva-simout in formal/frama/parts.txt): the stage built for any lead, then any sequence
 * of the port calls the core makes (load any pattern bytes, stop, status, reset, the loop's
 * status of any program) at any time from then on, each counting what was delivered up to
 * then (sim_out_account). No cord model, no trace (both off, as sim_init leaves them); the
 * cell's profile is the bench supply's, as sim_init sets it. Not built into the simulator. */
#include "eva_any.h"
#include "nmod/profile.h"
#include "sim.h"

/* The port functions (ctx = sim_hw_t), declared in sim_out.c itself. */
int sim_out_load(void *ctx, const nm_pattern_t *p);
void sim_out_stop(void *ctx);
void sim_out_status(void *ctx, nm_out_status_t *st);
void sim_out_reset(void *ctx);

static sim_hw_t hw;
static nm_pattern_t pat;

int main(void) {
  EVA_ANY(hw.lead);
  sim_out_init(&hw.out, &hw.lead);
  hw.cell.prof = nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  uint64_t now = 0;
  while (Frama_C_nondet(0, 1)) {
    now = Frama_C_unsigned_long_long_interval(now, 18446744073709551615ull);
    hw.now_ns = now;
    switch (Frama_C_interval(0, 4)) {
    case 0:
      EVA_ANY(pat);
      (void)sim_out_load(&hw, &pat);
      break;
    case 1:
      sim_out_stop(&hw);
      break;
    case 2: {
      nm_out_status_t st;
      sim_out_status(&hw, &st);
      break;
    }
    case 3:
      sim_out_reset(&hw);
      break;
    default: {
      nm_loop_status_t ls;
      sim_out_loop(&hw, (uint8_t)Frama_C_interval(0, 255), &ls);
      break;
    }
    }
  }
  return 0;
}
