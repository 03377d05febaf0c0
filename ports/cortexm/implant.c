/* implant.c: the implant firmware image: the whole device (firmware/dev: core, store,
 * event log, keyring) on the Cortex-M port, with the secure protocol on the radio path, and
 * nothing for testing (no semihosting, no console). `make size` measures this image
 * against the budgets, and tools/stack.py its worst-case stack.
 *
 * The image is built for one device kind (CM_THERAPY and CM_LEAD: an implanted SNM device
 * by default). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "board.h"
#include "cm_port.h"
#include "mps2.h"
#include "nmod/dev.h"
#include "nmod/proto.h"

#ifndef CM_THERAPY
#define CM_THERAPY NM_THERAPY_SNM
#endif
#ifndef CM_LEAD
#define CM_LEAD NM_LEAD_SNM_TINED_4
#endif

/* Everything is static: the caller owns the structs (no heap), and the stack stays small. */
static nm_dev_t dev;
static nm_proto_dev_t pdev;
static nm_sess_t sess;
static uint8_t sess_open;
static uint8_t rx[NM_FRAME_MAX], tx[NM_FRAME_MAX];
static uint8_t work[2 * NM_CMD_MAX];

/* Reset the MCU (SYSRESETREQ). */
__attribute__((noreturn)) static void reset(void) {
  __asm__ volatile("dsb" ::: "memory");
  CM_REG(CM_SCB_AIRCR) = 0x05FA0004u;
  for (;;) {
  }
}

/* A fault nobody handles: output off at once, then reset; the device boots again from its
 * flash (settings, mode and the event log survive). */
void cm_fault(uint32_t exc) {
  (void)exc;
  cm_out_kill();
  reset();
}

void cm_halt(int status) {
  (void)status;
  reset();
}

static void radio_frame(void) {
  size_t n = cm_radio_rx(rx, sizeof rx);
  if (n == 0) return;
  if (!sess_open) {
    nm_sess_init(&sess, &pdev, cm_now_us());
    sess_open = 1;
  }
  size_t len = 0;
  cm_span_t s = cm_core_enter();
  (void)nm_dev_radio_rx(&dev, &sess, rx, n, cm_now_us(), work, tx, sizeof tx, &len);
  cm_stats.cmd_ticks += cm_core_exit(s);
  cm_stats.cmds++;
  if (len) (void)dev.port->radio_send(dev.port->ctx, tx, len);
  if (!nm_sess_alive(&sess)) {
    nm_sess_close(&sess);
    sess_open = 0;
  }
}

int main(void) {
  const nm_lead_t *lead = nm_lead_catalog(CM_LEAD);
  const nm_port_t *port = cm_port_init(lead, NM_IMPEDANCE_DEFAULT_OHM);
  nm_factory_t factory;
  memset(&factory, 0, sizeof factory); /* fields added later default to 0 */
  factory.kind = NM_KIND_INS;
  factory.therapy = CM_THERAPY;
  factory.lead = *lead;
  if (nm_dev_boot(&dev, port, &factory) != NM_OK) reset();
  nm_pdev_init(&pdev, port, (const uint8_t *)dev.id.serial, nm_dev_key_lookup, &dev);
  for (;;) {
    cm_event ev = cm_wait(sess_open ? nm_sess_deadline_us(&sess) : CM_NEVER);
    if (ev == CM_EV_WAKE) {
      cm_span_t s = cm_core_enter();
      (void)nm_dev_wake(&dev);
      cm_stats.wake_ticks += cm_core_exit(s);
      cm_stats.wakes++;
    } else if (ev == CM_EV_RADIO) {
      radio_frame();
    } else if (sess_open) {
      nm_sess_close(&sess); /* the session's deadline passed */
      sess_open = 0;
    }
  }
}
