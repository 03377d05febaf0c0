/* bench_link.c: the secure link.
 * 1. Bytes on the air for a programmer's interrogate, program, and read-out of 10,000
 *    history events: the real device layer and protocol in this process (deterministic),
 *    every frame counted, then sized for BLE and MICS packets with host/lib/link.c (rig.h).
 * 2. Round-trip times of 1,000 remote commands against a real `nmod sim` on loopback.
 * Usage: bench_link NMOD SRC. Prints a Markdown section. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "rig.h"
#include "therapy_file.h"

static void row(const char *what, const tally_t *t) {
  const link_model_t *ble = link_model(LINK_BLE), *mics = link_model(LINK_MICS);
  printf("| %s | %llu | %llu | %llu | %.2f s | %llu | %.2f s |\n", what, (unsigned long long)t->frames,
         (unsigned long long)t->bytes, (unsigned long long)t->ble, (double)t->bytes / ble->net_bytes_per_s,
         (unsigned long long)t->mics, (double)t->bytes / mics->net_bytes_per_s);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int run(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: bench_link NMOD SRC\n");
    return 2;
  }
  const char *nmod = argv[1], *src = argv[2];
  /* ---- 1. bytes on the air, in process ---- */
  nm_lead_t lead = *nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  nm_factory_t f = {NM_KIND_INS, NM_THERAPY_SNM, lead, 1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};
  rig_boot(&f, 525);
  uint8_t resp[NM_CMD_MAX];
  static tf_therapy_t t;
  char path[600], err[256];
  snprintf(path, sizeof path, "%s/examples/snm-default.json", src);
  if (tf_load(path, &t, err, sizeof err) != 0) {
    fprintf(stderr, "bench_link: %s\n", err);
    return 1;
  }
  printf("## Secure link\n\n");
  printf("Frames of the programmer's commands through the real device layer and protocol (in process, so the "
         "counts are exact), including the session handshake (HELLO, CHALLENGE, AUTH, AUTH_OK: 4 frames, 150 "
         "bytes). Bytes on the air add the link layer's per-packet overhead (`host/lib/link.h`: BLE 20-byte "
         "packets + 17 bytes, at the 2.5 kB/s Abbott Proclaim figure; MICS 64-byte packets + 12 bytes at an "
         "assumed 25 kB/s); the times are payload bytes at those net rates, without retransmissions.\n\n");
  printf("| programmer command | frames | frame bytes | BLE air bytes | BLE time | MICS air bytes | MICS time |\n");
  printf("|---|---:|---:|---:|---:|---:|---:|\n");
  tally_t ti = {0};
  rig_handshake(&ti);
  uint8_t op = NM_OP_IDENTITY;
  rig_request(&ti, &op, 1, resp);
  op = NM_OP_INTERROGATE;
  rig_request(&ti, &op, 1, resp);
  rig_close();
  row("interrogate (identity + interrogation)", &ti);

  tally_t tp = {0};
  rig_handshake(&tp);
  op = NM_OP_IDENTITY;
  rig_request(&tp, &op, 1, resp);
  op = NM_OP_STATUS;
  rig_request(&tp, &op, 1, resp);
  uint8_t req[NM_CMD_MAX];
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, &t.lead, &t.load, t.running_mask, t.n_prog, t.prog);
  rig_request(&tp, req, w.len, resp);
  uint8_t mode[2] = {NM_OP_MODE, NM_MODE_OFF};
  rig_request(&tp, mode, 2, resp);
  rig_close();
  row("program examples/snm-default.json", &tp);

  /* 10,000 events in the log, then a full read-out. */
  uint32_t first_new = nm_log_next_seq(&rig_dev.log);
  for (int i = 0; i < 10000; i++) {
    nm_event_t e;
    memset(&e, 0, sizeof e);
    e.t_s = nm_dev_epoch_s(&rig_dev);
    e.type = NM_EV_AMP;
    e.u.amp.amp_ua = (uint32_t)i * 100u;
    e.u.amp.role = NM_ROLE_PATIENT;
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    nm_wr_t ew;
    nm_wr_init(&ew, rec, sizeof rec);
    nm_event_put(&ew, &e);
    if (nm_log_append(&rig_dev.log, rec, ew.len, NULL) != NM_OK) return 1;
  }
  tally_t th = {0};
  rig_handshake(&th);
  uint32_t from = first_new, got = 0;
  for (;;) {
    nm_wr_init(&w, req, sizeof req);
    nm_wr_u8(&w, NM_OP_HISTORY);
    nm_wr_u32(&w, from);
    nm_wr_u8(&w, NM_HISTORY_MAX_PER_CALL);
    size_t rl = rig_request(&th, req, w.len, resp);
    nm_rd_t r;
    nm_rd_init(&r, resp + 1, rl - 1);
    (void)nm_rd_u32(&r);
    uint32_t next = nm_rd_u32(&r);
    from = nm_rd_u32(&r); /* where the next page starts */
    uint8_t k = nm_rd_u8(&r);
    for (uint8_t i = 0; i < k; i++) {
      (void)nm_rd_u32(&r);
      uint8_t len = nm_rd_u8(&r);
      r.pos += len;
      got++;
    }
    if (from == next) break;
  }
  rig_close();
  if (got != 10000) {
    fprintf(stderr, "bench_link: read %u events, not 10000\n", got);
    return 1;
  }
  row("history: read-out of 10,000 events", &th);

  /* ---- 2. round trips against a real nmod sim ---- */
  char dir[] = "/tmp/nmod-bench-XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "'%s' sim --kind ets --therapy snm --lead snm-tined-4 --state '%s/d' --listen 127.0.0.1:0 --quiet "
           "> '%s/out' 2>/dev/null & echo $! > '%s/pid'",
           nmod, dir, dir, dir);
  if (run(cmd) != 0) return 1;
  char portf[700];
  snprintf(portf, sizeof portf, "%s/d/port", dir);
  int port = 0;
  for (int i = 0; i < 200 && port == 0; i++) {
    FILE *pf = fopen(portf, "r");
    if (pf) {
      if (fscanf(pf, "%d", &port) != 1) port = 0;
      fclose(pf);
    }
    if (!port) usleep(20000);
  }
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
  snprintf(cmd, sizeof cmd,
           "'%s' programmer --device %s --key '%s/d/clinician.key' program '%s/examples/snm-default.json' >/dev/null && "
           "'%s' programmer --device %s --key '%s/d/clinician.key' therapy on >/dev/null && "
           "'%s' programmer --device %s --key '%s/d/clinician.key' pair-remote --out '%s/remote.key' >/dev/null",
           nmod, addr, dir, src, nmod, addr, dir, nmod, addr, dir, dir);
  if (port == 0 || run(cmd) != 0) {
    fprintf(stderr, "bench_link: could not set up the simulated device\n");
    return 1;
  }
  kf_key_t key;
  snprintf(path, sizeof path, "%s/remote.key", dir);
  if (kf_read(path, &key, err, sizeof err) != 0) return 1;
  enum { N = 1000 };
  static double full[N], req_only[N];
  int busy = 0;
  for (int i = 0; i < N; i++) {
    cl_conn_t c;
    double t0 = now_s();
    int rc;
    while ((rc = cl_open(&c, addr, &key, 5000)) == NM_EBUSY) busy++;
    if (rc != NM_OK) {
      fprintf(stderr, "bench_link: %s\n", c.msg);
      return 1;
    }
    dev_link_t l;
    cl_link(&c, &l);
    double t1 = now_s();
    uint8_t step[3] = {NM_OP_AMP_STEP, 0xFF, (uint8_t)(i % 2 ? 0xFF : 1)};
    size_t rl;
    if (dev_call(&l, step, 3, resp, sizeof resp, &rl) != NM_OK) {
      fprintf(stderr, "bench_link: remote command %d failed\n", i);
      return 1;
    }
    double t2 = now_s();
    cl_close(&c);
    full[i] = (t2 - t0) * 1e3;
    req_only[i] = (t2 - t1) * 1e3;
  }
  FILE *pf = NULL;
  snprintf(path, sizeof path, "%s/pid", dir);
  pf = fopen(path, "r");
  int pid = 0;
  if (pf) {
    if (fscanf(pf, "%d", &pid) != 1) pid = 0;
    fclose(pf);
  }
  if (pid > 0) kill(pid, SIGTERM);
  usleep(200000);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  (void)run(cmd);
  qsort(full, N, sizeof full[0], cmp);
  qsort(req_only, N, sizeof req_only[0], cmp);
  printf("\n%d remote commands (`amp up`/`amp down` alternating) against a real `nmod sim` on 127.0.0.1, no link model, "
         "each as the remote runs it: connect, mutual authentication, one sealed request and its response.\n\n", N);
  printf("| round trip | p50 | p99 | max |\n|---|---:|---:|---:|\n");
  printf("| whole command (connect + handshake + request) | %.3f ms | %.3f ms | %.3f ms |\n", full[N / 2],
         full[N * 99 / 100], full[N - 1]);
  printf("| the request alone, in an open session | %.3f ms | %.3f ms | %.3f ms |\n", req_only[N / 2],
         req_only[N * 99 / 100], req_only[N - 1]);
  printf("\n(%d handshakes met a busy device and were retried.) Reproduce: `make bench`.\n\n", busy);
  return 0;
}
