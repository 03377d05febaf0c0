/* eva_cmout.c: EVA's entry point for the Cortex-M port's output stage
 * (ports/cortexm/cm_out.c: the ASIC model with its limiter and its closed loops), behind a
 * model of the board's registers (docs/ASSURANCE.md, "EVA"):
 * - the registers: cm_out.c reaches the dual timer and the NVIC through CM_REG, a volatile
 *   access at the board's absolute addresses (ports/cortexm/mps2.h); EVA runs with those
 *   addresses valid (-absolute-valid-range in the row) and reads every volatile location as
 *   any value of its type, so every register read is any value;
 * - interrupt masking (cm_irq_save/restore, inline assembly): EVA gives an asm's outputs
 *   any value;
 * - the clock (cm_ticks, ports/cortexm/cm_port.c): any time, never going backwards (the
 *   board's free-running counter).
 * Then any sequence of the port's calls with any arguments: the core's (load any bytes of
 * a pattern, stop, status, reset, a loop's status), the frame interrupt at any time, and
 * the test hooks (an over-current at any node, any sensor fault). Not built into the
 * firmware. */
#include "__fc_builtin.h"
#include "cm_port.h"
#include "eva_any.h"

void cm_isr_dualtimer(void); /* the frame interrupt (cm_out.c; the vector table names it) */

static uint64_t ticks;

/* The board's free-running clock: monotone, any step. */
uint64_t cm_ticks(void) {
  ticks += Frama_C_unsigned_int_interval(0u, 0xFFFFFFFFu);
  return ticks;
}

int main(void) {
  nm_lead_t lead;
  EVA_ANY(lead);
  cm_out_init(&lead);
  while (Frama_C_nondet(0, 1)) {
    switch (Frama_C_interval(0, 8)) {
    case 0: {
      nm_pattern_t p;
      EVA_ANY(p);
      (void)cm_out_load(NULL, &p);
      break;
    }
    case 1:
      cm_isr_dualtimer();
      break;
    case 2:
      cm_out_stop(NULL);
      break;
    case 3: {
      nm_out_status_t st;
      cm_out_status(NULL, &st);
      break;
    }
    case 4:
      cm_out_reset(NULL);
      break;
    case 5: {
      nm_loop_status_t ls;
      cm_out_loop(NULL, (uint8_t)Frama_C_interval(0, 255), &ls);
      break;
    }
    case 6:
      cm_out_overcurrent((uint8_t)Frama_C_interval(0, 255), Frama_C_nondet(0, 1));
      break;
    case 7:
      cm_out_sense_fault((uint8_t)Frama_C_interval(0, 255));
      break;
    default:
      (void)cm_out_take_event();
      break;
    }
  }
  return 0;
}
