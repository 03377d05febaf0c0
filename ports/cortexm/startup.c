/* startup.c: the vector table and the reset handler of every image (implant, scenario,
 * bench, tests). The reset handler enables the FPU on the Cortex-M4F (AN386), copies .data
 * from flash, clears .bss, runs main and hands its status to cm_halt().
 *
 * Every exception handler is called cm_isr_<name>: tools/stack.py takes those as the
 * interrupt entry points of the worst-case stack. */
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "mps2.h"

extern uint32_t __stack_top, __stack_bottom;
extern uint32_t __data_start, __data_end, __data_load;
extern uint32_t __bss_start, __bss_end;

int main(void);
void cm_isr_reset(void);

/* Unused exceptions and interrupts land here. */
void cm_isr_default(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  cm_fault(ipsr & 0x1FFu);
}

#define WEAK_ISR(name) void name(void) __attribute__((weak, alias("cm_isr_default")))
WEAK_ISR(cm_isr_nmi);
WEAK_ISR(cm_isr_hardfault);
WEAK_ISR(cm_isr_memfault);
WEAK_ISR(cm_isr_busfault);
WEAK_ISR(cm_isr_usagefault);
WEAK_ISR(cm_isr_svc);
WEAK_ISR(cm_isr_pendsv);
WEAK_ISR(cm_isr_systick);
WEAK_ISR(cm_isr_timer0);
WEAK_ISR(cm_isr_timer1);
WEAK_ISR(cm_isr_dualtimer);

typedef void (*cm_vector_t)(void);

__attribute__((section(".vectors"), used)) const cm_vector_t cm_vectors[16 + CM_IRQS] = {
    (cm_vector_t)(uintptr_t)&__stack_top,
    cm_isr_reset,
    cm_isr_nmi,
    cm_isr_hardfault,
    cm_isr_memfault,
    cm_isr_busfault,
    cm_isr_usagefault,
    0,
    0,
    0,
    0,
    cm_isr_svc,
    cm_isr_default, /* debug monitor */
    0,
    cm_isr_pendsv,
    cm_isr_systick,
    [16 + 0] = cm_isr_default, /* UART 0 RX; every external interrupt the port does not use */
    [16 + 1] = cm_isr_default,
    [16 + 2] = cm_isr_default,
    [16 + 3] = cm_isr_default,
    [16 + 4] = cm_isr_default,
    [16 + 5] = cm_isr_default,
    [16 + 6] = cm_isr_default,
    [16 + 7] = cm_isr_default,
    [16 + CM_IRQ_TIMER0] = cm_isr_timer0,
    [16 + CM_IRQ_TIMER1] = cm_isr_timer1,
    [16 + CM_IRQ_DUAL] = cm_isr_dualtimer,
    [16 + 11] = cm_isr_default,
    [16 + 12] = cm_isr_default,
    [16 + 13] = cm_isr_default,
    [16 + 14] = cm_isr_default,
    [16 + 15] = cm_isr_default,
    [16 + 16] = cm_isr_default,
    [16 + 17] = cm_isr_default,
    [16 + 18] = cm_isr_default,
    [16 + 19] = cm_isr_default,
    [16 + 20] = cm_isr_default,
    [16 + 21] = cm_isr_default,
    [16 + 22] = cm_isr_default,
    [16 + 23] = cm_isr_default,
    [16 + 24] = cm_isr_default,
    [16 + 25] = cm_isr_default,
    [16 + 26] = cm_isr_default,
    [16 + 27] = cm_isr_default,
    [16 + 28] = cm_isr_default,
    [16 + 29] = cm_isr_default,
    [16 + 30] = cm_isr_default,
    [16 + 31] = cm_isr_default,
};

size_t cm_stack_high_water(void) {
  const uint32_t *p = &__stack_bottom;
  while (p < &__stack_top && *p == CM_STACK_PAINT) p++;
  return (size_t)((uintptr_t)&__stack_top - (uintptr_t)p);
}

void cm_isr_reset(void) {
#if defined(__ARM_FP)
  /* Cortex-M4F: give the FPU full access (CP10 and CP11) before any floating-point
   * instruction runs; the C library's soft-float helpers are not used on this build. */
  CM_REG(CM_SCB_CPACR) |= 0xFu << 20;
  __asm__ volatile("dsb\n isb" ::: "memory");
#endif
  /* Trap an integer division by zero (the hardware would return 0 and go on). */
  CM_REG(CM_SCB_CCR) |= 1u << 4;
  /* Paint the stack below this frame, for cm_stack_high_water(). */
  for (volatile uint32_t *p = &__stack_bottom; p < (uint32_t *)__builtin_frame_address(0) - 16; p++) *p = CM_STACK_PAINT;
  size_t data = (size_t)((uintptr_t)&__data_end - (uintptr_t)&__data_start);
  memcpy(&__data_start, &__data_load, data);
  memset(&__bss_start, 0, (size_t)((uintptr_t)&__bss_end - (uintptr_t)&__bss_start));
  cm_halt(main());
}
