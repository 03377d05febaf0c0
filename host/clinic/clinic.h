/* clinic.h: the clinic side of nmod (patients, the two-stage path of SCS and SNM, diaries,
 * scores, trial evaluation, follow-up plan, brochure rules), kept in one SQLite file.
 *
 * The CLI wires `nmod clinic ...` to clinic_main(): argv[0] is "clinic", argv[1..] the rest.
 * The return value is the process exit code, one of nmod_exit.h's:
 *   0 done, 1 I/O or database failure (a damaged database included), 2 usage or invalid
 *   input, 3 refused by a rule (step out of order, duplicate diary day, ...).
 * Every error is one line on stderr naming what is wrong and what to do.
 */
#ifndef NMOD_CLINIC_H
#define NMOD_CLINIC_H

int clinic_main(int argc, char **argv);

#endif
