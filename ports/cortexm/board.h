/* board.h: what each image supplies to the common startup code. The semihosted images
 * (tests, scenario, bench: sh_board.c) print and exit; the implant (implant.c) stops
 * stimulation and resets. */
#ifndef NMOD_CM_BOARD_H
#define NMOD_CM_BOARD_H

#include <stdint.h>

/* main returned `status`. */
__attribute__((noreturn)) void cm_halt(int status);
/* An exception nobody handles (exception number `exc`: 3 hard fault, 4-6 memory, bus and
 * usage fault, 16+ an external interrupt). */
__attribute__((noreturn)) void cm_fault(uint32_t exc);

#endif
