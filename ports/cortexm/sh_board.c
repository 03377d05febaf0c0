/* sh_board.c: cm_halt and the fault handlers of the semihosted images (tests, scenario,
 * bench): print what happened and end the emulation with a status the host sees. */
#include <stdint.h>

#include "board.h"
#include "console.h"
#include "semihost.h"

void cm_halt(int status) {
  cm_flush();
  cm_sh_exit(status);
}

void cm_fault(uint32_t exc) {
  cm_printf("\nFAULT: unexpected exception %lu\n", (unsigned long)exc);
  cm_halt(3);
}

/* The hard fault handler finds the stacked registers (on the main or process stack) and
 * reports where the fault happened. */
void cm_fault_frame(const uint32_t *frame);
void cm_fault_frame(const uint32_t *frame) {
  cm_printf("\nFAULT: hard fault at pc=0x%08lx lr=0x%08lx r0=0x%08lx hfsr=0x%08lx cfsr=0x%08lx\n",
            (unsigned long)frame[6], (unsigned long)frame[5], (unsigned long)frame[0],
            (unsigned long)*(volatile uint32_t *)0xE000ED2Cu, (unsigned long)*(volatile uint32_t *)0xE000ED28u);
  cm_halt(3);
}

__attribute__((naked)) void cm_isr_hardfault(void) {
  __asm__ volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "b cm_fault_frame\n");
}
