/* eva_any.h: for the EVA drivers (formal/frama/eva_*.c): EVA_ANY(x) makes every byte of
 * object x any value, as an attacker's frame or a damaged flash could leave it. */
#ifndef NMOD_EVA_ANY_H
#define NMOD_EVA_ANY_H
#include "__fc_builtin.h"
#define EVA_ANY(x) Frama_C_make_unknown((char *)&(x), sizeof(x))
#endif
