/* bench_failsafe.c: what the fail-safe device layer (issue 9) moves on the link.
 * 1. `programmer interrogate` of the largest legal state: 8 programs on the 16-contact
 *    paddle (tests/data/scs-paddle16-8progs.json): IDENTITY, the INTERROGATE summary and
 *    one PROG_READ per program, as host/cli/devcli.c sends them.
 * 2. A full event log (the ring has wrapped), read whole against a daily read by time:
 *    `history` and `usage`, all of it and `--since` yesterday (the device seeks; only the
 *    events from yesterday 00:00 UTC on cross the link). The host's own reader (hist_read)
 *    runs over the rig.
 * In process on rig.h: the real device layer and protocol, every frame counted, so the
 * figures are exact and the same on every run. Usage: bench_failsafe SRC. Prints Markdown
 * (run.sh adds the code size). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "rig.h"
#include "therapy_file.h"

static const link_model_t *ble, *mics;

static void head(void) {
  printf("| programmer command | frames | frame bytes | BLE air bytes | BLE model time | MICS air bytes |\n");
  printf("|---|---:|---:|---:|---:|---:|\n");
}

static void row(const char *what, const tally_t *t) {
  printf("| %s | %llu | %llu | %llu | %.2f s | %llu |\n", what, (unsigned long long)t->frames,
         (unsigned long long)t->bytes, (unsigned long long)t->ble, (double)t->ble_ms / 1000.0,
         (unsigned long long)t->mics);
}

static void fail(const char *what) {
  fprintf(stderr, "bench_failsafe: %s\n", what);
  exit(1);
}

static int call(tally_t *t, const uint8_t *req, size_t len, uint8_t *resp, size_t *rl) {
  dev_link_t l;
  rig_link(&l, t);
  return dev_call(&l, req, len, resp, NM_CMD_MAX, rl);
}

static int call_u8(tally_t *t, uint8_t op, uint8_t arg) {
  uint8_t req[2] = {op, arg}, resp[NM_CMD_MAX];
  size_t rl;
  return call(t, req, 2, resp, &rl);
}

/* ---- 1. the largest state ------------------------------------------------------------ */

static void interrogation(const char *src) {
  static tf_therapy_t t;
  char path[600], err[256];
  snprintf(path, sizeof path, "%s/tests/data/scs-paddle16-8progs.json", src);
  if (tf_load(path, &t, err, sizeof err) != 0) fail(err);
  nm_factory_t f = {NM_KIND_INS, NM_THERAPY_SCS, t.lead, 1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};
  rig_boot(&f, t.load.impedance_ohm);
  tally_t setup = {0};
  rig_handshake(&setup);
  dev_link_t l;
  rig_link(&l, &setup);
  dev_refusal_t why;
  if (dev_program_all(&l, &t, &why) != NM_OK || call_u8(&setup, NM_OP_MODE, NM_MODE_OFF) != NM_OK ||
      call_u8(&setup, NM_OP_THERAPY, 1) != NM_OK) {
    fail("the 8 programs were not accepted");
  }
  rig_close();

  tally_t ti = {0};
  rig_handshake(&ti);
  uint8_t op = NM_OP_IDENTITY, resp[NM_CMD_MAX];
  size_t rl, largest = 0;
  if (call(&ti, &op, 1, resp, &rl) != NM_OK) fail("identity");
  op = NM_OP_INTERROGATE;
  if (call(&ti, &op, 1, resp, &rl) != NM_OK) fail("interrogate");
  size_t summary = rl;
  nm_interrog_t in;
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  nm_wire_get_interrog(&r, &in);
  if (nm_rd_done(&r) != NM_OK || in.status.n_prog != t.n_prog) fail("the summary does not hold the 8 programs");
  for (uint8_t i = 0; i < in.status.n_prog; i++) {
    uint8_t req[2] = {NM_OP_PROG_READ, in.status.prog[i].slot};
    if (call(&ti, req, 2, resp, &rl) != NM_OK) fail("program read");
    if (rl > largest) largest = rl;
  }
  rig_close();
  printf("### Interrogation of the largest state\n\n");
  printf("`programmer interrogate` of an implant on `scs-paddle-16` holding 8 programs (4 running; "
         "`tests/data/scs-paddle16-8progs.json`): the session handshake, IDENTITY, the INTERROGATE summary (%zu "
         "bytes) and %u PROG_READ pages (%zu bytes each), every reply within one frame (a command holds at most %u "
         "bytes). Before issue 9 one INTERROGATE reply carried every program: with 8 programs on an 8- or 16-contact "
         "lead it was over that limit and `interrogate` failed with \"no room\". BLE model time: per frame the model's %u ms latency plus its bytes at %u B/s, no "
         "loss (`host/lib/link.c`).\n\n",
         summary, in.status.n_prog, largest, (unsigned)NM_CMD_MAX, ble->latency_ms, ble->net_bytes_per_s);
  head();
  row("interrogate: 8 programs, 16 contacts", &ti);
  printf("\n");
}

/* ---- 2. a full log --------------------------------------------------------------------- */

static void append(uint32_t t_s, nm_event_t *e) {
  uint8_t rec[NM_LOG_PAYLOAD_MAX];
  nm_wr_t w;
  e->t_s = t_s;
  nm_wr_init(&w, rec, sizeof rec);
  nm_event_put(&w, e);
  if (w.err || nm_log_append(&rig_dev.log, rec, w.len, NULL) != NM_OK) fail("log append");
}

/* One day of an SNM patient's log: the day before's usage just after midnight, the daily
 * lead check, therapy off at night and on in the morning, four strength changes. */
static void day_of_events(uint32_t day) {
  uint32_t t0 = day * 86400u;
  nm_event_t e;
  memset(&e, 0, sizeof e);
  e.type = NM_EV_USAGE;
  e.u.usage.therapy_min = 960;
  e.u.usage.adjustments = 4;
  e.u.usage.avg_amp_ua = 1100;
  e.u.usage.mode_changes = 2;
  e.u.usage.soc_pm = 800;
  append(t0 + 27u, &e);
  memset(&e, 0, sizeof e);
  e.type = NM_EV_IMPEDANCE;
  e.u.impedance.auto_check = 1;
  e.u.impedance.mean_ohm = 800;
  append(t0 + 3u * 3600u, &e);
  static const uint8_t modes[2][2] = {{NM_MODE_OFF, NM_MODE_THERAPY}, {NM_MODE_THERAPY, NM_MODE_OFF}};
  static const uint32_t mode_h[2] = {7, 23};
  static const uint32_t amp_h[4] = {8, 12, 16, 20};
  for (int i = 0; i < 4; i++) {
    memset(&e, 0, sizeof e);
    e.type = NM_EV_AMP;
    e.u.amp.amp_ua = i % 2 ? 1000u : 1100u;
    e.u.amp.role = NM_ROLE_PATIENT;
    append(t0 + amp_h[i] * 3600u, &e);
    if (i == 0 || i == 3) {
      int k = i == 0 ? 0 : 1;
      memset(&e, 0, sizeof e);
      e.type = NM_EV_MODE;
      e.u.mode.from = modes[k][0];
      e.u.mode.to = modes[k][1];
      e.u.mode.role = NM_ROLE_PATIENT;
      append(t0 + mode_h[k] * 3600u + (k ? 0u : 1800u), &e);
    }
  }
}

/* Events read, and of them those before `cut_s` (yesterday 00:00). */
typedef struct {
  uint32_t cut_s, n, older;
} counter_t;

static int count_event(void *user, const di_event_t *e) {
  counter_t *c = user;
  c->n++;
  if (e->ev.t_s < c->cut_s) c->older++;
  return 0;
}

/* One read-out: handshake, IDENTITY (both --json forms ask for it), STATUS for usage
 * --since (the mode before the first event read), then the history from since_s. */
static counter_t read_out(tally_t *t, uint32_t since_s, int with_status, uint32_t cut_s) {
  rig_handshake(t);
  uint8_t op = NM_OP_IDENTITY, resp[NM_CMD_MAX];
  size_t rl;
  if (call(t, &op, 1, resp, &rl) != NM_OK) fail("identity");
  op = NM_OP_STATUS;
  if (with_status && call(t, &op, 1, resp, &rl) != NM_OK) fail("status");
  counter_t c = {cut_s, 0, 0};
  dev_link_t l;
  rig_link(&l, t);
  if (hist_read(&l, since_s, count_event, &c) != NM_OK) fail("history");
  rig_close();
  return c;
}

static void full_log(void) {
  nm_lead_t lead = *nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  nm_factory_t f = {NM_KIND_INS, NM_THERAPY_SNM, lead, 1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};
  rig_boot(&f, 525);
  /* Whole days until the ring has wrapped (its oldest pages erased). */
  uint32_t day = 1780000000u / 86400u - 4000u, days = 0;
  while (nm_log_first_seq(&rig_dev.log) < 2u * (RIG_PAGE / 32u)) {
    day_of_events(day++);
    if (++days > 20000u) fail("the log never filled");
  }
  uint32_t today = day - 1u;
  /* The calendar at 23:59 of the last day filled; yesterday starts at 00:00 UTC. */
  int64_t up_s = (int64_t)(rig_hw.now_ns / 1000000000u);
  rig_dev.epoch_offset_s = (int64_t)today * 86400 + 86340 - up_s;
  uint32_t since = (today - 1u) * 86400u;
  uint32_t held = nm_log_next_seq(&rig_dev.log) - nm_log_first_seq(&rig_dev.log);

  tally_t all = {0}, daily = {0}, use_all = {0}, use_daily = {0};
  counter_t ca = read_out(&all, 0, 0, since);
  counter_t cd = read_out(&daily, since, 0, since);
  (void)read_out(&use_all, 0, 0, since);
  counter_t cu = read_out(&use_daily, since, 1, since);
  /* The seek returns every event from then on, and nothing before it. */
  uint32_t recent = ca.n - ca.older;
  if (ca.n != held || cd.n != recent || cd.older != 0 || cu.n != recent) fail("the read by time lost or added events");

  printf("### History by time on a full log\n\n");
  printf("A full log of %u days of an SNM patient (8 events a day: the day's usage record, the daily lead check, "
         "therapy off at night and on in the morning, 4 strength changes), %u events held, the ring wrapped. "
         "`--since` yesterday asks the device for the events from yesterday 00:00 UTC on (`HISTORY` with "
         "`since_s`: the device seeks by time itself, a binary search where times never go back), so %u events "
         "cross the link instead of %u. Each read-out is one session: handshake, IDENTITY (`--json`), for `usage "
         "--since` one STATUS (the mode before the first event), then the history pages (%u events per reply). "
         "Before issue 9 both `--since` forms read the whole log and filtered on the host.\n\n",
         days, held, recent, held, (unsigned)NM_HISTORY_MAX_PER_CALL);
  printf("| read-out | events read | frames | frame bytes | BLE air bytes | BLE model time | MICS air bytes | share of "
         "the full read (frame bytes) |\n");
  printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  const struct {
    const char *what;
    uint32_t n;
    const tally_t *t, *base;
  } rows[] = {
      {"`history --json`, everything", ca.n, &all, &all},
      {"`history --json --since` yesterday", cd.n, &daily, &all},
      {"`usage --json`, everything", ca.n, &use_all, &use_all},
      {"`usage --json --since` yesterday", cu.n, &use_daily, &use_all},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    const tally_t *t = rows[i].t;
    printf("| %s | %u | %llu | %llu | %llu | %.2f s | %llu | %.2f %% |\n", rows[i].what, rows[i].n,
           (unsigned long long)t->frames, (unsigned long long)t->bytes, (unsigned long long)t->ble,
           (double)t->ble_ms / 1000.0, (unsigned long long)t->mics, 100.0 * (double)t->bytes / (double)rows[i].base->bytes);
  }
  printf("\nThe daily read moves %.2f %% of the full read's frame bytes for `history` and %.2f %% for `usage` "
         "(BLE model: %.2f s against %.2f s); the issue asked for under 5 %%.\n\n",
         100.0 * (double)daily.bytes / (double)all.bytes, 100.0 * (double)use_daily.bytes / (double)use_all.bytes,
         (double)daily.ble_ms / 1000.0, (double)all.ble_ms / 1000.0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench_failsafe SRC\n");
    return 2;
  }
  ble = link_model(LINK_BLE);
  mics = link_model(LINK_MICS);
  printf("## Fail-safe device layer (issue 9)\n\n");
  interrogation(argv[1]);
  full_log();
  return 0;
}
