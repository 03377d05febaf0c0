/* board.h: what each image supplies to the common startup code. The semihosted images
 * (tests, scenario, bench: sh_board.c) print and exit; the implant (implant.c) stops
 * stimulation and resets. */
#ifndef NMOD_CM_BOARD_H
#define NMOD_CM_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* main returned `status`. */
__attribute__((noreturn)) void cm_halt(int status);
/* An exception nobody handles (exception number `exc`: 3 hard fault, 4-6 memory, bus and
 * usage fault, 16+ an external interrupt). */
__attribute__((noreturn)) void cm_fault(uint32_t exc);

/* The deepest the main stack has been since reset, in bytes (the reset handler paints it;
 * a measurement to hold against tools/stack.py's bound, which must be at least as deep). */
#define CM_STACK_PAINT 0x5AA5C33Cu
size_t cm_stack_high_water(void);

#endif
