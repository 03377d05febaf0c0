/* eva_boot.c: EVA's entry point for the device's boot (formal/frama/parts.txt, row
 * eva-boot): nm_dev_boot on any bytes of flash (the EVA stub port, eva_port.c), from any
 * factory data, then one timer wake (nm_dev_wake). eva_dev.c goes on from there with any
 * sequence of events. Not built into the firmware. */
#include "eva_any.h"
#include "eva_port.h"
#include "nmod/dev.h"

static nm_dev_t dev;

int main(void) {
  nm_factory_t factory;
  EVA_ANY(factory);
  if (nm_dev_boot(&dev, eva_port(), &factory) != NM_OK) return 1;
  (void)nm_dev_wake(&dev);
  return 0;
}
