/* mps2.h: the parts of the ARM MPS2 board (FPGA images AN385, Cortex-M3, and AN386,
 * Cortex-M4F) that the nmod port uses, as QEMU models them, plus the few Cortex-M core
 * registers and instructions it needs. Register layouts: ARM DDI0479C (CMSDK timers) and
 * the ARMv7-M Architecture Reference Manual (NVIC, SCB).
 *
 * Timer use (docs/CORTEXM.md):
 *   APB timer 0 (IRQ 8)       the 64-bit microsecond clock (free-running, wraps every 64 s)
 *   APB timer 1 (IRQ 9)       the core's wake-up (one-shot)
 *   dual timer, module 1 (10) the output-stage model's frame interrupt (one-shot per frame)
 */
#ifndef NMOD_CM_MPS2_H
#define NMOD_CM_MPS2_H

#include <stdint.h>

#define CM_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* Every CMSDK timer counts PCLK, 25 MHz on both images: one tick is 40 ns. */
#define CM_PCLK_HZ 25000000u
#define CM_TICK_NS 40u
#define CM_TICKS_PER_US 25u

/* CMSDK APB timer: a 32-bit down counter. It raises its interrupt when it goes from 1 to
 * 0, holds 0 for one tick and reloads from RELOAD; writing RELOAD also sets VALUE. */
#define CM_TIMER0 0x40000000u
#define CM_TIMER1 0x40001000u
#define CM_TIMER_CTRL 0x00u
#define CM_TIMER_VALUE 0x04u
#define CM_TIMER_RELOAD 0x08u
#define CM_TIMER_INT 0x0Cu /* read: pending; write 1: clear */
#define CM_TIMER_CTRL_EN 0x1u
#define CM_TIMER_CTRL_IRQEN 0x8u

/* CMSDK APB dual timer, module 1 (module 2 at +0x20 is unused). */
#define CM_DUAL 0x40002000u
#define CM_DUAL_LOAD 0x00u
#define CM_DUAL_VALUE 0x04u
#define CM_DUAL_CTRL 0x08u
#define CM_DUAL_INTCLR 0x0Cu
#define CM_DUAL_CTRL_ONESHOT 0x01u
#define CM_DUAL_CTRL_32BIT 0x02u
#define CM_DUAL_CTRL_IRQEN 0x20u
#define CM_DUAL_CTRL_PERIODIC 0x40u
#define CM_DUAL_CTRL_EN 0x80u

/* Serial communication controller: its ID register identifies the FPGA image. */
#define CM_SCC_ID 0x4002FFFCu

#define CM_IRQ_TIMER0 8u
#define CM_IRQ_TIMER1 9u
#define CM_IRQ_DUAL 10u
#define CM_IRQS 32u /* external interrupts of the AN385/AN386 NVIC */

/* Cortex-M system control space. */
#define CM_NVIC_ISER 0xE000E100u
#define CM_NVIC_ICER 0xE000E180u
#define CM_NVIC_ICPR 0xE000E280u
#define CM_NVIC_IPR 0xE000E400u /* one byte per interrupt */
#define CM_SCB_VTOR 0xE000ED08u
#define CM_SCB_AIRCR 0xE000ED0Cu
#define CM_SCB_CCR 0xE000ED14u
#define CM_SCB_CPACR 0xE000ED88u

/* Interrupt priorities: the board's devices share one level, so they never nest; a core
 * call masks that level with BASEPRI (cm_core_enter), leaving room above it for a radio. */
#define CM_PRIO_DEVICES 0x80u

static inline void cm_nvic_enable(uint32_t irq, uint8_t prio) {
  ((volatile uint8_t *)(uintptr_t)CM_NVIC_IPR)[irq] = prio;
  CM_REG(CM_NVIC_ICPR) = 1u << irq;
  CM_REG(CM_NVIC_ISER) = 1u << irq;
}

static inline void cm_nvic_disable(uint32_t irq) { CM_REG(CM_NVIC_ICER) = 1u << irq; }

/* Interrupt masking. cm_irq_save/restore nest; cm_wait sleeps until an interrupt is
 * pending (it must be called with PRIMASK set so that no wake-up is lost between the
 * check and the sleep: WFI still wakes on a pending, masked interrupt). */
static inline uint32_t cm_irq_save(void) {
  uint32_t m = 0; /* the asm sets it (the compiler drops this store); Frama-C's EVA does not know */
  __asm__ volatile("mrs %0, primask\n cpsid i" : "=r"(m)::"memory");
  return m;
}

static inline void cm_irq_restore(uint32_t m) { __asm__ volatile("msr primask, %0" ::"r"(m) : "memory"); }

static inline void cm_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }

static inline void cm_wfi(void) { __asm__ volatile("dsb\n wfi" ::: "memory"); }

static inline uint32_t cm_basepri_raise(uint32_t level) {
  uint32_t old;
  __asm__ volatile("mrs %0, basepri\n msr basepri, %1" : "=&r"(old) : "r"(level) : "memory");
  return old;
}

static inline void cm_basepri_set(uint32_t level) { __asm__ volatile("msr basepri, %0" ::"r"(level) : "memory"); }

#endif
