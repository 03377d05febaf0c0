/* rig.h: the link benches' test rig: the real device layer on simulated hardware and the
 * real protocol, client and device in one process, every frame counted (so the counts
 * are exact and the same on every run), then sized for BLE and MICS packets with the link
 * model of host/lib/link.c. Header-only: one rig per bench program. */
#ifndef NMOD_BENCH_RIG_H
#define NMOD_BENCH_RIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devlink.h"
#include "link.h"
#include "nmod/dev.h"
#include "nmod/records.h"
#include "sim.h"

#define RIG_PAGES 136u /* as `nmod sim`: 4 pages of settings, 132 of event log */
#define RIG_PAGE 4096u

static uint8_t rig_flash[RIG_PAGES * RIG_PAGE];
static sim_hw_t rig_hw;
static nm_dev_t rig_dev;
static nm_proto_dev_t rig_pdev;
static nm_sess_t rig_sess;
static nm_cli_t rig_cli;
static uint8_t rig_work[2 * NM_CMD_MAX];

/* What crossed the link: frames, their bytes, the air bytes of each model, and the BLE
 * model's time (each frame: its latency plus its bytes at the net rate, no loss). */
typedef struct {
  uint64_t frames, bytes, ble, mics, ble_ms;
} tally_t;

static uint32_t rig_no_loss(void *ctx) {
  (void)ctx;
  return 999u; /* never below a loss rate in per mille */
}

static void rig_count(tally_t *t, size_t len) {
  uint64_t air = 0;
  t->frames++;
  t->bytes += len;
  t->ble += link_air_bytes(link_model(LINK_BLE), len);
  t->mics += link_air_bytes(link_model(LINK_MICS), len);
  t->ble_ms += link_frame_ms(link_model(LINK_BLE), len, rig_no_loss, NULL, &air);
}

static int rig_lookup(void *ctx, const uint8_t id[8], uint8_t *role, uint8_t key[32]) {
  return nm_dev_key_lookup(ctx, id, role, key);
}

/* A new device on blank flash, built for factory (its lead is the hardware's). */
static void rig_boot(const nm_factory_t *factory, uint32_t ohm) {
  memset(rig_flash, 0xFF, sizeof rig_flash);
  nm_lead_t lead = factory->lead;
  sim_init(&rig_hw, &lead, ohm, 12000, NULL, 0, 0);
  sim_attach_nvm(&rig_hw, rig_flash, RIG_PAGE, RIG_PAGES);
  sim_seed_rng(&rig_hw, 7);
  if (nm_dev_boot(&rig_dev, sim_port(&rig_hw), factory) != NM_OK) {
    fprintf(stderr, "bench: the device did not boot\n");
    exit(1);
  }
  nm_pdev_init(&rig_pdev, sim_port(&rig_hw), (const uint8_t *)rig_dev.id.serial, rig_lookup, &rig_dev);
}

/* One frame client -> device -> client, counted. */
static void rig_exchange(tally_t *t, const uint8_t *frame, size_t len, uint8_t *reply, size_t *rlen) {
  rig_count(t, len);
  int rc = nm_dev_radio_rx(&rig_dev, &rig_sess, frame, len, rig_hw.now_ns / 1000u, rig_work, reply, NM_FRAME_MAX, rlen);
  if (rc < 0 || *rlen == 0) {
    fprintf(stderr, "bench: the device rejected a frame (%d)\n", rc);
    exit(1);
  }
  rig_count(t, *rlen);
}

/* A clinician session: HELLO, CHALLENGE, AUTH, AUTH_OK. */
static void rig_handshake(tally_t *t) {
  uint8_t a[NM_FRAME_MAX], b[NM_FRAME_MAX], nonce[16] = {1, 2, 3};
  size_t al, bl;
  nm_sess_init(&rig_sess, &rig_pdev, rig_hw.now_ns / 1000u);
  nm_cli_init(&rig_cli, NM_ROLE_CLINICIAN, rig_dev.id.clin_id, rig_dev.id.clin_key, nonce);
  nm_cli_hello(&rig_cli, a, sizeof a, &al);
  rig_exchange(t, a, al, b, &bl);
  nm_cli_on_challenge(&rig_cli, b, bl, NULL, a, sizeof a, &al);
  rig_exchange(t, a, al, b, &bl);
  if (nm_cli_on_auth_ok(&rig_cli, b, bl) != NM_OK) {
    fprintf(stderr, "bench: handshake failed\n");
    exit(1);
  }
}

static void rig_close(void) { nm_sess_close(&rig_sess); }

/* One sealed request and its response (status byte first, into resp: NM_CMD_MAX bytes). */
static size_t rig_request(tally_t *t, const uint8_t *req, size_t len, uint8_t *resp) {
  uint8_t a[NM_FRAME_MAX], b[NM_FRAME_MAX];
  size_t al, bl, rl = 0;
  nm_cli_seal(&rig_cli, req, len, a, sizeof a, &al);
  rig_exchange(t, a, al, b, &bl);
  if (nm_cli_open(&rig_cli, b, bl, resp, NM_CMD_MAX, &rl) != NM_OK) {
    fprintf(stderr, "bench: bad response\n");
    exit(1);
  }
  return rl;
}

/* The open session as a dev_link_t, counting into the tally ctx: the host tools' own code
 * (hist_read, dev_program_all...) runs over it. */
static int rig_xfer(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len) {
  uint8_t buf[NM_CMD_MAX];
  size_t n = rig_request(ctx, req, req_len, buf);
  if (n > cap) return DEV_ETRANSPORT;
  memcpy(resp, buf, n);
  *resp_len = n;
  return 0;
}

__attribute__((unused)) static void rig_link(dev_link_t *l, tally_t *t) {
  l->xfer = rig_xfer;
  l->ctx = t;
}

#endif
