/* link.c: see link.h. */
#include "link.h"

#include <string.h>

static const link_model_t models[] = {
    {"ble", 2500, 20, 17, 15, 10},
    {"mics", 25000, 64, 12, 10, 20},
};

const link_model_t *link_model(link_kind kind) {
  if (kind == LINK_BLE) return &models[0];
  if (kind == LINK_MICS) return &models[1];
  return NULL;
}

int link_parse(const char *s) {
  if (strcmp(s, "ble") == 0) return LINK_BLE;
  if (strcmp(s, "mics") == 0) return LINK_MICS;
  return -1;
}

static uint64_t packets(const link_model_t *m, size_t len) {
  return len ? (len + m->packet_payload - 1u) / m->packet_payload : 1u;
}

uint64_t link_air_bytes(const link_model_t *m, size_t len) {
  return (uint64_t)len + packets(m, len) * m->packet_overhead;
}

uint32_t link_frame_ms(const link_model_t *m, size_t len, uint32_t (*rnd)(void *), void *rctx, uint64_t *air_bytes) {
  uint64_t np = packets(m, len), sent = np;
  for (uint64_t i = 0; i < np; i++) {
    /* A lost packet is sent again (and may be lost again, at most 8 times). */
    for (int k = 0; k < 8 && rnd(rctx) % 1000u < m->loss_permille; k++) sent++;
  }
  uint64_t bytes = link_air_bytes(m, len) + (sent - np) * (m->packet_payload + m->packet_overhead);
  *air_bytes += bytes;
  uint64_t payload_bytes = (uint64_t)len + (sent - np) * m->packet_payload;
  return m->latency_ms + (uint32_t)(payload_bytes * 1000u / m->net_bytes_per_s);
}
