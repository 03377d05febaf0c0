/* console.h: `nmod console`, the clinic in a browser (docs/CONSOLE.md).
 *
 * The CLI wires `nmod console ...` to console_main(): argv[0] is "console". It serves the JSON
 * API under /api/v1 and the front end, or manages the console's accounts (`user add|list|
 * disable|enable`), or prints the table of who may do what (`roles`). Returns an exit code of
 * nmod_exit.h.
 */
#ifndef NMOD_CONSOLE_H
#define NMOD_CONSOLE_H

int console_main(int argc, char **argv);

#endif
