/* link.h: a model of the implant's radio for `nmod sim --link`: how long a frame takes on
 * the air, how often it must be sent again, and how many bytes the air carries for it.
 * Figures (device-facts.md, "Telemetry and security"):
 *   ble:  Abbott Proclaim over BLE: about 2.5 kB/s net, 20-byte packets (up to 4 per key
 *         press); per-packet overhead 17 bytes (BLE 4.x: preamble 1, access address 4,
 *         header 2, L2CAP 4, ATT 3, CRC 3); latency and loss: assumed (unconfirmed),
 *         15 ms and 1 %.
 *   mics: MedRadio 402-405 MHz, 10 channels of 300 kHz with listen-before-talk; the net
 *         rate, packet size, latency and loss below are assumed (unconfirmed): 25 kB/s,
 *         64-byte packets with 12 bytes of overhead, 10 ms, 2 %. */
#ifndef NMOD_LINK_H
#define NMOD_LINK_H

#include <stddef.h>
#include <stdint.h>

typedef enum { LINK_NONE = 0, LINK_BLE = 1, LINK_MICS = 2 } link_kind;

typedef struct {
  const char *name;
  uint32_t net_bytes_per_s; /* payload rate */
  uint32_t packet_payload;  /* bytes of frame per packet */
  uint32_t packet_overhead; /* bytes on the air per packet besides the payload */
  uint32_t latency_ms;
  uint32_t loss_permille;   /* chance a packet must be sent again */
} link_model_t;

/* The model for kind, or NULL for LINK_NONE. */
const link_model_t *link_model(link_kind kind);
/* Parse "ble" / "mics"; -1 when neither. */
int link_parse(const char *s);
/* Bytes on the air for one frame of len bytes sent once. */
uint64_t link_air_bytes(const link_model_t *m, size_t len);
/* Time on the air (ms) for one frame, and the retransmissions drawn with `rnd` (a uniform
 * random 32-bit value per packet, from the caller). Adds the retransmitted bytes to
 * *air_bytes. */
uint32_t link_frame_ms(const link_model_t *m, size_t len, uint32_t (*rnd)(void *), void *rctx, uint64_t *air_bytes);

#endif
