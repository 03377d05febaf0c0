/* scenario.c: a scripted session with the firmware on the emulated Cortex-M. Every action
 * is a request through nm_cmd_exec (cm_cmd), the bytes a programmer sends over the radio;
 * time runs on the board's timers (accelerated by QEMU's -icount sleep=off), and the output
 * stage model counts what was delivered.
 *
 * Output: one line per step, "STEP <name> key=value ...", holding only what must not change
 * (statuses, modes, exact pulse counts over exact windows, net charges); lines starting with
 * '#' carry times and costs for people. tools/check_scenario.py compares the STEP lines with
 * scenario.expect.
 *
 * Pulse windows are exact: a window starts at a frame boundary of the pattern being
 * delivered and lasts whole frames, and the model's marks snapshot its counters at exactly
 * those instants, however late the CPU gets there.
 */
#include <string.h>

#include "board.h"
#include "cloop_fe.h"
#include "cm_port.h"
#include "console.h"
#include "nmod/cmd.h"
#include "nmod/dev.h"
#include "nmod/lead.h"
#include "nmod/wire.h"
#include "progs.h"

#define NS_PER_S 1000000000ull
#define US_PER_S 1000000ull

/* The device under test: a bare core (the SNM and SCS parts), or the whole device layer
 * (the last part), whose core is then dev.core. */
static nm_core_t core;
static nm_dev_t dev;
static nm_core_t *cur = &core;
static nm_dev_t *cur_dev;
static uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
static size_t resp_len;

static const char *st_name(int st) {
  switch (st) {
    case NM_OK: return "ok";
    case NM_EINVAL: return "EINVAL";
    case NM_EREFUSED: return "EREFUSED";
    case NM_EPERM: return "EPERM";
    case NM_ENOSPC: return "ENOSPC";
    case NM_EIO: return "EIO";
    case NM_ECORRUPT: return "ECORRUPT";
    case NM_EBUSY: return "EBUSY";
    case NM_EAUTH: return "EAUTH";
    case NM_ESTATE: return "ESTATE";
    case NM_ENOENT: return "ENOENT";
    case NM_EFAULT: return "EFAULT";
    default: return "E?";
  }
}

static const char *fault_name(uint32_t f) {
  switch (f) {
    case NM_FAULT_NONE: return "none";
    case NM_FAULT_LIMITER: return "limiter";
    case NM_FAULT_ASSERT: return "assert";
    case NM_FAULT_OUTPUT: return "output";
    case NM_FAULT_BATTERY: return "battery";
    case NM_FAULT_LEAD: return "lead";
    default: return "?";
  }
}

static const char *trip_name(uint32_t t) {
  switch (t) {
    case NM_OUT_TRIP_NONE: return "none";
    case NM_OUT_TRIP_CHARGE: return "charge";
    case NM_OUT_TRIP_BALANCE: return "balance";
    case NM_OUT_TRIP_SHAPE: return "shape";
    default: return "?";
  }
}

/* ---- requests ------------------------------------------------------------------------ */

static int send(uint8_t role, size_t len) {
  int st;
  if (cur_dev) {
    cm_span_t sp = cm_core_enter();
    st = nm_dev_exec(cur_dev, role, req, len, resp, sizeof resp, &resp_len);
    cm_stats.cmd_ticks += cm_core_exit(sp);
    cm_stats.cmds++;
  } else {
    st = cm_cmd(cur, role, req, len, resp, sizeof resp, &resp_len);
  }
  if (resp_len < 1 || (int8_t)resp[0] != st) cm_printf("# response status byte does not match the return value\n");
  return st;
}

static int op0(uint8_t role, uint8_t op) {
  req[0] = op;
  return send(role, 1);
}

static int op_u8(uint8_t role, uint8_t op, uint8_t v) {
  req[0] = op;
  req[1] = v;
  return send(role, 2);
}

static int op_amp_step(uint8_t role, uint8_t slot, int8_t dir) {
  req[0] = NM_OP_AMP_STEP;
  req[1] = slot;
  req[2] = (uint8_t)dir;
  return send(role, 3);
}

static int op_amp_set(uint8_t role, uint8_t slot, uint32_t amp_ua) {
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wr_u8(&w, NM_OP_AMP_SET);
  nm_wr_u8(&w, slot);
  nm_wr_u32(&w, amp_ua);
  return send(role, w.len);
}

static int op_program_all(const nm_lead_t *lead, uint8_t running, uint8_t n, const nm_prog_t progs[]) {
  nm_load_t load = {NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV};
  size_t len = cm_req_program_all(req, sizeof req, lead, &load, running, n, progs);
  return send(NM_ROLE_CLINICIAN, len);
}

/* The device's state. Mode, therapy switch and fault come from NM_OP_STATUS (the first
 * fields of its response, which have not moved); the stored and running programs, their
 * amplitudes and levels are read from the core itself, because the rest of the STATUS
 * layout is still growing (battery, lead integrity) and this check should not break each
 * time it does. Every change is still made through nm_cmd_exec. */
typedef struct {
  int st;
  uint8_t mode, therapy, therapy_on, valid, running;
  uint32_t fault, detail;
  uint32_t amp_ua[NM_MAX_PROGRAMS], level_ua[NM_MAX_PROGRAMS];
} status_t;

static status_t status(void) {
  status_t s;
  memset(&s, 0, sizeof s);
  s.st = op0(NM_ROLE_CLINICIAN, NM_OP_STATUS);
  if (s.st != NM_OK) return s;
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, resp_len - 1);
  s.mode = nm_rd_u8(&r);
  s.therapy = nm_rd_u8(&r);
  s.therapy_on = nm_rd_u8(&r);
  s.fault = nm_rd_u32(&r);
  s.detail = nm_rd_u32(&r);
  if (r.err) cm_printf("# STATUS response too short\n");
  s.valid = cur->set.valid_mask;
  s.running = cur->set.running_mask;
  uint64_t now = cm_now_us();
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    s.amp_ua[i] = cur->set.amp_ua[i];
    s.level_ua[i] = nm_core_level_ua(cur, i, now);
  }
  return s;
}

/* ---- time and the output stage --------------------------------------------------------- */

/* Run the device until the clock reaches until_us, waking it whenever it is due. */
static void run_to_us(uint64_t until_us) {
  if (!cur_dev) {
    cm_run(cur, until_us);
    return;
  }
  while (cm_wait(until_us) == CM_EV_WAKE) {
    cm_span_t sp = cm_core_enter();
    (void)nm_dev_wake(cur_dev);
    cm_stats.wake_ticks += cm_core_exit(sp);
    cm_stats.wakes++;
  }
}

static void run_for_us(uint64_t us) { run_to_us(cm_now_us() + us); }

static void run_until_ns(uint64_t t_ns) { run_to_us((t_ns + 999u) / 1000u); }

/* Let a pattern change or stop requested earlier take effect (it waits for the end of the
 * frame being delivered). */
static void settle(void) {
  for (int i = 0; i < 1000; i++) {
    cm_out_info_t in;
    cm_out_info(&in);
    if (!in.change_pending) return;
    run_for_us(1000);
  }
  cm_printf("# the output stage never took the change\n");
}

static cm_out_count_t counts_at(uint64_t t_ns) {
  cm_out_count_t c;
  memset(&c, 0, sizeof c);
  if (!cm_out_mark(t_ns)) cm_printf("# mark at %llu ns armed too late\n", (unsigned long long)t_ns);
  run_until_ns(t_ns);
  if (!cm_out_mark_read(&c)) cm_printf("# mark at %llu ns not taken\n", (unsigned long long)t_ns);
  return c;
}

static void print_delta(const cm_out_count_t *a, const cm_out_count_t *b) {
  cm_printf(" pulses=%llu", (unsigned long long)(b->pulses - a->pulses));
  for (uint8_t n = 0; n < NM_NODES; n++) {
    uint64_t p = b->node_pulses[n] - a->node_pulses[n];
    int64_t q = b->node_net_pc[n] - a->node_net_pc[n];
    if (p == 0 && q == 0) continue;
    if (n == NM_NODE_CASE) cm_printf(" case=");
    else cm_printf(" E%u=", n);
    cm_printf("%llu/%lldpC", (unsigned long long)p, (long long)q);
  }
}

/* Deliver `frames` whole frames from the next frame boundary and print what went out. */
static void deliver_frames(const char *step, uint32_t frames) {
  settle();
  cm_out_info_t in;
  cm_out_info(&in);
  if (!in.running) {
    cm_printf("STEP %s out=stopped\n", step);
    return;
  }
  uint64_t w = cm_out_boundary_after(cm_now_ns() + 1000000u); /* 1 ms to arm the mark */
  uint64_t k = ((w - in.start_ns) * in.frame_hz + NS_PER_S - 1u) / NS_PER_S;
  uint64_t e = in.start_ns + (k + frames) * NS_PER_S / in.frame_hz;
  cm_out_count_t a = counts_at(w);
  cm_out_count_t b = counts_at(e);
  cm_printf("STEP %s frames=%lu frame_hz=%lu", step, (unsigned long)frames, (unsigned long)in.frame_hz);
  print_delta(&a, &b);
  cm_printf("\n# %s: window [%llu, %llu) us\n", step, (unsigned long long)(w / 1000u), (unsigned long long)(e / 1000u));
}

/* What went out during the next `seconds` (for windows where nothing should). */
static void deliver_seconds(const char *step, uint32_t seconds) {
  uint64_t w = cm_now_ns() + 1000000u;
  cm_out_count_t a = counts_at(w);
  cm_out_count_t b = counts_at(w + seconds * NS_PER_S);
  cm_printf("STEP %s seconds=%lu", step, (unsigned long)seconds);
  print_delta(&a, &b);
  cm_printf("\n");
}

static void print_out(void) {
  cm_out_info_t in;
  cm_out_info(&in);
  if (!in.running) {
    cm_printf(" out=stopped");
    return;
  }
  cm_printf(" out=running frame_hz=%lu slots=%u out_ua=", (unsigned long)in.frame_hz, in.n_slot);
  for (uint8_t c = 0; c < in.n_chan; c++) cm_printf("%s%ld", c ? "," : "", (long)in.chan_ua[c]);
}

/* STEP line: the request's status, the device's mode and fault, and the output stage. */
static void step(const char *name, int st) {
  status_t s = status();
  cm_printf("STEP %s st=%s mode=%s therapy_on=%u fault=%s", name, st_name(st), nm_mode_name(s.mode), s.therapy_on,
            fault_name(s.fault));
  if (s.fault == NM_FAULT_LIMITER) cm_printf("/%s", trip_name(s.detail));
  if (s.fault == NM_FAULT_LEAD) cm_printf("/E%lu", (unsigned long)s.detail);
  cm_printf(" running=0x%02x amp_ua=", s.running);
  int first = 1;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s.valid & (1u << i))) continue;
    cm_printf("%s%lu", first ? "" : ",", (unsigned long)s.amp_ua[i]);
    first = 0;
  }
  if (first) cm_printf("-");
  cm_printf(" level_ua=");
  first = 1;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s.running & (1u << i))) continue;
    cm_printf("%s%lu", first ? "" : ",", (unsigned long)s.level_ua[i]);
    first = 0;
  }
  if (first) cm_printf("-");
  settle();
  print_out();
  cm_printf("\n# %s at t=%llu us\n", name, (unsigned long long)cm_now_us());
}

static void boot(const char *name, uint8_t therapy, uint8_t model) {
  cur = &core;
  cur_dev = NULL;
  const nm_lead_t *lead = nm_lead_catalog(model);
  const nm_port_t *port = cm_port_init(lead, NM_IMPEDANCE_DEFAULT_OHM);
  int err = nm_core_init(&core, port, therapy, lead);
  cm_printf("STEP %s therapy=%s lead=%s init=%s", name, therapy == NM_THERAPY_SNM ? "snm" : "scs", nm_lead_name(model),
            st_name(err));
  status_t s = status();
  cm_printf(" mode=%s\n", nm_mode_name(s.mode));
}

/* ---- the SNM device -------------------------------------------------------------------- */

static void snm(void) {
  boot("snm-boot", NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  step("snm-patient-activate", op_u8(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_OFF));
  step("snm-activate", op_u8(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF));
  const cm_therapy_t *t = &cm_examples[0]; /* snm-default: 14 Hz, 210 us, 1.0 mA, E0- E3+ */
  step("snm-program", op_program_all(nm_lead_catalog(t->lead_model), 0x01, t->n, t->prog));
  step("snm-therapy-on", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1));
  deliver_frames("snm-deliver-10s", 140);
  int a = op_amp_step(NM_ROLE_PATIENT, 0, +1);
  int b = op_amp_step(NM_ROLE_PATIENT, 0, +1);
  step(a == NM_OK ? "snm-amp-up-2" : "snm-amp-up-2-failed", b);
  deliver_frames("snm-deliver-2s", 28);
  step("snm-amp-set-max", op_amp_set(NM_ROLE_PATIENT, 0, 3000));
  step("snm-amp-over-max", op_amp_step(NM_ROLE_PATIENT, 0, +1));
  step("snm-amp-set-back", op_amp_set(NM_ROLE_PATIENT, 0, 1000));
  step("snm-mri-on", op_u8(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_MRI));
  deliver_seconds("snm-mri-10s", 10);
  step("snm-mri-off", op_u8(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_RESUME));
  deliver_frames("snm-deliver-after-mri", 140);
  step("snm-therapy-off", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 0));
  deliver_seconds("snm-off-5s", 5);
}

/* ---- the SCS device -------------------------------------------------------------------- */

static void scs_programs(nm_prog_t p[3], uint8_t burst_cathode, uint8_t burst_anode) {
  /* Two areas at 40 and 60 Hz (they share a 20 Hz frame of 2 + 3 pulses), and a burst
   * program with cycling 30 s on / 90 s off and a 1 s ramp (scs-burst.json). */
  p[0] = cm_prog("area-40", NM_WAVE_TONIC, 40, 0, 0, 300, 3000, 1000, 5000);
  p[0].ramp_ms = 500;
  p[0].frac_pct[1] = -100;
  p[0].frac_pct[2] = 100;
  p[1] = cm_prog("area-60", NM_WAVE_TONIC, 60, 0, 0, 200, 2000, 1000, 4000);
  p[1].frac_pct[5] = -100;
  p[1].frac_pct[6] = 100;
  p[2] = cm_examples[2].prog[0];
  memset(p[2].frac_pct, 0, sizeof p[2].frac_pct);
  p[2].frac_pct[burst_cathode] = -100;
  p[2].frac_pct[burst_anode] = 100;
}

static void scs(void) {
  boot("scs-boot", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8);
  const nm_lead_t *lead = nm_lead_catalog(NM_LEAD_SCS_PERC_8);
  step("scs-activate", op_u8(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF));
  nm_prog_t p[3];
  scs_programs(p, 3, 4);
  step("scs-program", op_program_all(lead, 0x03, 3, p));
  step("scs-therapy-on", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1));
  run_for_us(1 * US_PER_S); /* past the 0.5 s soft start of area-40 */
  step("scs-ramped", NM_OK);
  deliver_frames("scs-deliver-10s", 200);
  step("scs-amp-up-all", op_amp_step(NM_ROLE_PATIENT, 0xFF, +1));
  deliver_frames("scs-deliver-1s", 20);

  /* Cycling: select the burst program; cycles run from the moment it starts. */
  step("scs-select-burst", op_u8(NM_ROLE_CLINICIAN, NM_OP_SELECT, 0x04));
  uint64_t t0 = cur->run_start_us;
  run_to_us(t0 + 10 * US_PER_S);
  step("scs-burst-on-10s", NM_OK);
  deliver_frames("scs-burst-deliver-1s", 40);
  run_to_us(t0 + 31 * US_PER_S);
  step("scs-cycle-off-31s", NM_OK);
  deliver_seconds("scs-cycle-off-deliver", 85);
  run_to_us(t0 + 122 * US_PER_S);
  step("scs-cycle-on-122s", NM_OK);
  deliver_frames("scs-cycle-on-deliver-1s", 40);

  /* MRI mode: output off at once, no soft stop; resume starts the cycle over. */
  step("scs-mri-on", op_u8(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_MRI));
  deliver_seconds("scs-mri-10s", 10);
  step("scs-mri-off", op_u8(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_RESUME));
  run_for_us(2 * US_PER_S);
  deliver_frames("scs-deliver-after-mri", 40);

  /* The output stage's own current monitor sees an over-current on E3, the burst's cathode
   * (a failing contact or driver): it trips at the next E3 pulse; the core, woken by the
   * trip, goes to its safe state; only the clinician may restart, and while the fault is
   * there it trips again; moved off E3, therapy runs. (A short, which the current sources
   * ride through, is the device's lead check's to find: the last part.) */
  cm_out_overcurrent(3, 1);
  run_for_us(1 * US_PER_S);
  step("scs-overcurrent-e3", NM_OK);
  step("scs-patient-restart", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1));
  step("scs-clinician-restart-faulty", op_u8(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1));
  run_for_us(1 * US_PER_S);
  step("scs-trips-again", NM_OK);
  scs_programs(p, 5, 4); /* the burst on E5- E4+ */
  step("scs-reprogram-off-e3", op_program_all(lead, 0x04, 3, p));
  cm_out_overcurrent(3, 0);
  step("scs-clinician-restart", op_u8(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1));
  run_for_us(2 * US_PER_S);
  deliver_frames("scs-deliver-after-short", 40);
  step("scs-therapy-off", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 0)); /* ramps down over 1 s */
  run_for_us(2 * US_PER_S);
  step("scs-stopped", NM_OK);
  deliver_seconds("scs-off-5s", 5);
}

/* ---- the whole device ------------------------------------------------------------------ */

/* The device layer (firmware/dev) as the implant runs it: its settings, mode and event log
 * live in the store on the emulated NOR flash, so a reset does not lose an acknowledged
 * command. */
static void whole_device(void) {
  const nm_lead_t *lead = nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  nm_factory_t factory;
  memset(&factory, 0, sizeof factory);
  factory.kind = NM_KIND_INS;
  factory.therapy = NM_THERAPY_SNM;
  factory.lead = *lead;
  cur_dev = &dev;
  cur = &dev.core;
  const nm_port_t *port = cm_port_init(lead, NM_IMPEDANCE_DEFAULT_OHM); /* blank flash */
  int err = nm_dev_boot(&dev, port, &factory);
  cm_printf("STEP dev-boot-new st=%s provisioned=%u\n", st_name(err), dev.provisioned_now);
  step("dev-activate", op_u8(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF));
  const cm_therapy_t *t = &cm_examples[0];
  step("dev-program", op_program_all(lead, 0x01, t->n, t->prog));
  step("dev-therapy-on", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1));
  step("dev-amp-up", op_amp_step(NM_ROLE_PATIENT, 0, +1));
  deliver_frames("dev-deliver-10s", 140);

  /* A reset: RAM is lost, the flash is not. */
  port = cm_port_reboot(lead, NM_IMPEDANCE_DEFAULT_OHM);
  memset(&dev, 0x5A, sizeof dev); /* nothing may survive in RAM */
  err = nm_dev_boot(&dev, port, &factory);
  cm_printf("STEP dev-boot-again st=%s provisioned=%u\n", st_name(err), dev.provisioned_now);
  step("dev-after-reset", NM_OK);
  run_for_us(1 * US_PER_S);
  deliver_frames("dev-deliver-after-reset", 140);

  /* A short on E3, the anode. The current sources ride through it (the output stage goes
   * on delivering); the device's lead check finds it (the daily one, or the clinician's
   * NM_OP_IMPEDANCE now, the same check) and stops the programs that use E3. */
  cm_node_fault(3, CM_NODE_SHORT);
  deliver_frames("dev-short-unseen-1s", 14);
  step("dev-lead-check", op0(NM_ROLE_CLINICIAN, NM_OP_IMPEDANCE));
  cm_printf("STEP dev-lead-alerts short=0x%04x open=0x%04x\n", cur->lead_short, cur->lead_open);
  deliver_seconds("dev-stopped-5s", 5);
  step("dev-patient-restart", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1));
  nm_prog_t moved = t->prog[0];
  moved.frac_pct[3] = 0;
  moved.frac_pct[2] = 100; /* E0- E2+ */
  step("dev-reprogram-off-e3", op_program_all(lead, 0x01, 1, &moved));
  step("dev-clinician-restart", op_u8(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1));
  deliver_frames("dev-deliver-after-short", 140);
  step("dev-therapy-off", op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 0));
}

/* ---- the closed loop ------------------------------------------------------------------ */

static const char *loop_state_name(uint8_t st) {
  switch (st) {
    case NM_LOOP_OFF: return "off";
    case NM_LOOP_RUN: return "run";
    case NM_LOOP_FALLBACK: return "fallback";
    default: return "?";
  }
}

static const char *loop_fault_name(uint8_t f) {
  switch (f) {
    case NM_LOOP_F_NONE: return "none";
    case NM_LOOP_F_CONTACT: return "contact";
    case NM_LOOP_F_SATURATED: return "saturated";
    case NM_LOOP_F_NOISE: return "noise";
    case NM_LOOP_F_NO_RESPONSE: return "no-response";
    default: return "?";
  }
}

static const char *yes(int c) { return c ? "yes" : "NO"; }

static int op_loop(uint8_t role, uint8_t slot, uint8_t on) {
  req[0] = NM_OP_LOOP;
  req[1] = slot;
  req[2] = on;
  return send(role, 3);
}

#define CL_CEIL_UA 9000u

/* STEP line of the closed-loop device: the request's status, the mode, the core's loop
 * switch and the fault it last logged, and the loop as the output stage reports it. The
 * loop's amplitudes follow the front end's model, so the line holds what the rules fix:
 * while it runs, every amplitude within the ceiling in the stage's 10 uA steps and the
 * window's share of the units since `since` (at least 95 %); after a fallback, the
 * program's fixed amplitude not above the last good one nor the last delivered, and the
 * output stage delivering exactly it. */
static void loop_step(const char *name, int st, const nm_loop_status_t *since, const nm_loop_status_t *before_off) {
  settle();
  status_t s = status();
  nm_loop_status_t ls;
  cm_out_loop(NULL, 0, &ls);
  cm_printf("STEP %s st=%s mode=%s therapy_on=%u fault=%s loop_on=%u logged=%s loop=%s", name, st_name(st),
            nm_mode_name(s.mode), s.therapy_on, fault_name(s.fault), (unsigned)(cur->set.loop_on & 1u),
            loop_fault_name(cur->loop_fault[0]), loop_state_name(ls.state));
  cm_out_info_t in;
  cm_out_info(&in);
  if (ls.state == NM_LOOP_RUN) {
    uint64_t units = ls.units - (since ? since->units : 0);
    uint64_t inw = ls.in_window - (since ? since->in_window : 0);
    cm_printf(" amp_in_bounds=%s in_window_95=%s", yes(ls.amp_ua <= CL_CEIL_UA && ls.amp_ua % CLOOP_RES_UA == 0),
              yes(units > 0 && inw * 100u >= units * 95u));
    cm_printf("\n# %s: %llu of %llu units in the window, last %lu uA, ECAP %ld uV", name, (unsigned long long)inw,
              (unsigned long long)units, (unsigned long)ls.amp_ua, (long)ls.last_uv);
  } else if (before_off) {
    uint32_t a = s.amp_ua[0];
    cm_printf(" fixed_le_last=%s out_at_fixed=%s", yes(a <= before_off->amp_ua),
              yes(in.running && in.chan_ua[0] == (int32_t)a));
    cm_printf("\n# %s: fixed at %lu uA, the loop's last %lu uA", name, (unsigned long)a,
              (unsigned long)before_off->amp_ua);
  } else {
    nm_loop_status_t fb;
    cm_out_last_fallback(&fb);
    uint32_t a = s.amp_ua[0];
    cm_printf(" stage_fault=%s fixed_le_last_good=%s fixed_le_last=%s out_at_fixed=%s", loop_fault_name(fb.fault),
              yes(a <= fb.last_good_ua), yes(a <= fb.amp_ua), yes(in.running && in.chan_ua[0] == (int32_t)a));
    cm_printf("\n# %s: fixed at %lu uA; the loop fell back at %lu uA, last good %lu uA", name, (unsigned long)a,
              (unsigned long)fb.fallback_ua, (unsigned long)fb.last_good_ua);
  }
  cm_printf(" (t=%llu us)\n", (unsigned long long)cm_now_us());
}

/* A sensor fault while the loop runs: the loop falls back, the core fixes the amplitude
 * and logs it; with the fault gone, the patient turns the loop on again. */
static void loop_fault(const char *fault_step, const char *fixed_step, const char *again_step, uint8_t fe_fault) {
  cm_out_sense_fault(fe_fault);
  run_for_us(2 * US_PER_S);
  loop_step(fault_step, NM_OK, NULL, NULL);
  deliver_frames(fixed_step, 50);
  cm_out_sense_fault(CFE_OK);
  int st = op_loop(NM_ROLE_PATIENT, 0, 1);
  run_for_us(3 * US_PER_S);
  nm_loop_status_t a;
  settle();
  cm_out_loop(NULL, 0, &a);
  run_for_us(5 * US_PER_S);
  loop_step(again_step, st, &a, NULL);
}

/* The closed-loop example (scs-closed-loop.json) on the Cortex-M's output stage: the loop
 * runs per unit in the ASIC's model on its sensing front end's ECAP (a cord that moves), and
 * each sensor fault falls back. */
static void closed_loop(void) {
  boot("cl-boot", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8);
  const cm_therapy_t *t = &cm_examples[CM_EXAMPLE_LOOP];
  step("cl-activate", op_u8(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF));
  step("cl-program", op_program_all(nm_lead_catalog(t->lead_model), 0x01, t->n, t->prog));
  int st = op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 1);
  run_for_us(5 * US_PER_S); /* past the 2 s soft start; the loop finds its target */
  nm_loop_status_t a;
  cm_out_loop(NULL, 0, &a);
  run_for_us(20 * US_PER_S); /* one movement of the model cord, down and back */
  loop_step("cl-therapy-on", st, &a, NULL);
  deliver_frames("cl-deliver-10s", 500);
  loop_fault("cl-contact-lost", "cl-contact-lost-deliver-1s", "cl-loop-on-again", CFE_LEADOFF);
  loop_fault("cl-saturated", "cl-saturated-deliver-1s", "cl-loop-on-after-saturation", CFE_CLIP);
  loop_fault("cl-noise-burst", "cl-noise-burst-deliver-1s", "cl-loop-on-after-noise", CFE_NOISE);
  loop_fault("cl-no-response", "cl-no-response-deliver-1s", "cl-loop-on-after-no-response", CFE_DEAD);
  uint32_t m = cm_irq_save(); /* no unit between the stage's report and the request */
  cm_out_loop(NULL, 0, &a);
  st = op_loop(NM_ROLE_PATIENT, 0, 0);
  cm_irq_restore(m);
  loop_step("cl-loop-off", st, NULL, &a);
  deliver_frames("cl-loop-off-deliver-1s", 50);
  st = op_u8(NM_ROLE_PATIENT, NM_OP_THERAPY, 0);
  run_for_us(3 * US_PER_S); /* past the 2 s soft stop */
  status_t s = status();
  cm_printf("STEP cl-therapy-off st=%s mode=%s therapy_on=%u\n", st_name(st), nm_mode_name(s.mode), s.therapy_on);
  deliver_seconds("cl-off-5s", 5);
}

int main(void) {
  cm_printf("# nmod scenario on the emulated Cortex-M (%s)\n",
#if defined(__ARM_FP)
            "Cortex-M4F, mps2-an386"
#else
            "Cortex-M3, mps2-an385"
#endif
  );
  snm();
  scs();
  closed_loop();
  whole_device();
  cm_printf("STEP done\n");
  cm_printf("# stack high-water mark: %lu bytes\n", (unsigned long)cm_stack_high_water());
  cm_printf("# core: %llu wakes, %llu commands\n", (unsigned long long)cm_stats.wakes,
            (unsigned long long)cm_stats.cmds);
  return 0;
}
