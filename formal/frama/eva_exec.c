/* eva_exec.c: EVA's entry point for command execution on the whole device (formal/frama/
 * eva-open.txt, row eva-exec): nm_dev_boot on any bytes of flash and any factory data (as
 * eva_boot.c), one timer wake, then one command executed (nm_dev_exec) for any role, of any
 * bytes and any length up to NM_CMD_MAX: every op's decoder, judge and effect on the state
 * any flash restores. eva_dev.c goes on to any sequence of events. Not built into the
 * firmware. */
#include "eva_any.h"
#include "eva_port.h"
#include "nmod/dev.h"

static nm_dev_t dev;
static uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];

int main(void) {
  nm_factory_t factory;
  EVA_ANY(factory);
  if (nm_dev_boot(&dev, eva_port(), &factory) != NM_OK) return 1;
  (void)nm_dev_wake(&dev);
  EVA_ANY(req);
  size_t n = (size_t)Frama_C_unsigned_int_interval(0, sizeof req), len = 0;
  (void)nm_dev_exec(&dev, (uint8_t)Frama_C_interval(0, 255), req, n, resp, sizeof resp, &len);
  return 0;
}
