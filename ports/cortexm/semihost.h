/* semihost.h: ARM semihosting, the console and exit status of the test, scenario and bench
 * images under QEMU (-semihosting-config enable=on). The implant image never links it: on a
 * real device without a debugger a semihosting call would fault. */
#ifndef NMOD_CM_SEMIHOST_H
#define NMOD_CM_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Write a NUL-terminated string to the host's console. */
void cm_sh_write0(const char *s);
/* End the emulation with exit status `code` (0..255 reach the host's shell). */
__attribute__((noreturn)) void cm_sh_exit(int code);
/* The command line QEMU was given (-semihosting-config arg=...), NUL-terminated in buf.
 * Returns its length, or -1 when there is none. */
int cm_sh_cmdline(char *buf, size_t cap);
/* Host time: seconds since 1970, and centiseconds since the emulation started. */
uint32_t cm_sh_time(void);
uint32_t cm_sh_clock(void);

#endif
