/* eva_port.h: a port written for EVA (formal/frama/eva_dev.c): every reading it gives is any
 * value of its type (the clock, the output stage's status and loop, impedances, the
 * battery, the random bytes, every status a call returns) and every byte it reads from the
 * flash is any byte, as a damaged or tampered flash could hold. The geometry is the
 * Cortex-M port's (64 pages of 4096 bytes). Not built into the firmware. */
#ifndef NMOD_EVA_PORT_H
#define NMOD_EVA_PORT_H
#include "nmod/port.h"
/* The port, set up once. */
const nm_port_t *eva_port(void);
#endif
