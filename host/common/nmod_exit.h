/* nmod_exit.h: the exit codes of every nmod command, as one list: the CLI's enum (cli.h), the
 * clinic's (clinic_int.h), every usage text and the docs (README.md) say the same. */
#ifndef NMOD_EXIT_H
#define NMOD_EXIT_H

#define NMOD_EXIT_OK 0          /* done (a check with warnings included) */
#define NMOD_EXIT_IO 1          /* I/O or database failure (a damaged database included) */
#define NMOD_EXIT_USAGE 2       /* usage or invalid input */
#define NMOD_EXIT_REFUSED 3     /* refused: safety, permission, range, a clinic rule; or not done by
                                   the stimulator (a memory fault: nothing changed) */
#define NMOD_EXIT_UNREACHABLE 4 /* device unreachable, authentication failed, or no answer in time */

#define NMOD_EXIT_CODES                                                                            \
  "exit codes: 0 done, 1 I/O or database failure, 2 usage or invalid input, 3 refused (safety, "   \
  "permission, range, a clinic rule) or not done by the stimulator (memory fault, nothing changed), " \
  "4 device unreachable, authentication failed, or no answer in time"

#endif
