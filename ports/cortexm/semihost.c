/* semihost.c: the semihosting calls the port uses (ARM DUI0471, "Semihosting"): r0 holds
 * the operation, r1 its argument or a pointer to an argument block, BKPT 0xAB traps. */
#include "semihost.h"

enum {
  SH_WRITE0 = 0x04,
  SH_CLOCK = 0x10,
  SH_TIME = 0x11,
  SH_GET_CMDLINE = 0x15,
  SH_EXIT_EXTENDED = 0x20
};
#define SH_APPLICATION_EXIT 0x20026u

static int sh_call(uint32_t op, const void *arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return (int)r0;
}

void cm_sh_write0(const char *s) { (void)sh_call(SH_WRITE0, s); }

void cm_sh_exit(int code) {
  /* SYS_EXIT_EXTENDED carries the status; plain SYS_EXIT only says success or not. */
  const uint32_t block[2] = {SH_APPLICATION_EXIT, (uint32_t)code};
  (void)sh_call(SH_EXIT_EXTENDED, block);
  for (;;) {
  }
}

int cm_sh_cmdline(char *buf, size_t cap) {
  if (cap == 0) return -1;
  uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
  if (sh_call(SH_GET_CMDLINE, block) != 0) {
    buf[0] = '\0';
    return -1;
  }
  size_t n = block[1] < cap ? block[1] : cap - 1;
  buf[n] = '\0';
  return (int)n;
}

uint32_t cm_sh_time(void) { return (uint32_t)sh_call(SH_TIME, 0); }

uint32_t cm_sh_clock(void) { return (uint32_t)sh_call(SH_CLOCK, 0); }
