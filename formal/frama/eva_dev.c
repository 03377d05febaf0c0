/* eva_dev.c: EVA's entry point for the whole device (formal/frama/eva-open.txt, row eva-dev):
 * firmware/core, dev, store, proto and crypto as the implant runs them
 * (ports/cortexm/implant.c), on the EVA stub port (eva_port.c: any flash bytes, any
 * reading). Boot, then any sequence of the device's events, each with inputs of any value:
 * - a timer wake (nm_dev_wake);
 * - a command executed in-process (nm_dev_exec) for any role, of any bytes and any length
 *   up to NM_CMD_MAX;
 * - a radio frame (nm_dev_radio_rx) of any bytes and any length up to NM_FRAME_MAX, at
 *   any time, into the one session (opened and closed as the implant does).
 * Not built into the firmware. */
#include "eva_any.h"
#include "eva_port.h"
#include "nmod/dev.h"
#include "nmod/proto.h"

static nm_dev_t dev;
static nm_proto_dev_t pdev;
static nm_sess_t sess;
static uint8_t rx[NM_FRAME_MAX], tx[NM_FRAME_MAX];
static uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
static uint8_t work[2 * NM_CMD_MAX];

int main(void) {
  const nm_port_t *port = eva_port();
  nm_factory_t factory;
  EVA_ANY(factory);
  if (nm_dev_boot(&dev, port, &factory) != NM_OK) return 1;
  nm_pdev_init(&pdev, port, (const uint8_t *)dev.id.serial, nm_dev_key_lookup, &dev);
  int open = 0;
  uint64_t now_us;
  while (Frama_C_nondet(0, 1)) {
    switch (Frama_C_interval(0, 2)) {
    case 0:
      (void)nm_dev_wake(&dev);
      break;
    case 1: {
      EVA_ANY(req);
      size_t n = (size_t)Frama_C_unsigned_int_interval(0, sizeof req), len = 0;
      (void)nm_dev_exec(&dev, (uint8_t)Frama_C_interval(0, 255), req, n, resp, sizeof resp, &len);
      break;
    }
    default: {
      EVA_ANY(rx);
      EVA_ANY(now_us);
      size_t n = (size_t)Frama_C_unsigned_int_interval(0, sizeof rx), len = 0;
      if (!open) nm_sess_init(&sess, &pdev, now_us), open = 1;
      (void)nm_dev_radio_rx(&dev, &sess, rx, n, now_us, work, tx, sizeof tx, &len);
      if (len) (void)port->radio_send(port->ctx, tx, len);
      if (!nm_sess_alive(&sess)) nm_sess_close(&sess), open = 0;
      break;
    }
    }
  }
  return 0;
}
