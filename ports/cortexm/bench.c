/* bench.c: what the core costs on the target, for each example program (progs.c).
 *
 * Each program runs on a fresh device: activated, programmed and turned on through the
 * command layer, then left alone. After a warm-up past its soft start, the bench counts
 * over a window of whole burst cycles and housekeeping periods the clock ticks spent in
 * core wakes (timer, housekeeping,
 * ramps, cycling, pattern builds and loads); the core runs with the board's interrupts
 * masked, so the output-stage model's own frame interrupt is not in it (it is reported
 * apart). Under QEMU's -icount every instruction advances the clock by the same time, so
 * ticks are instructions (tools/bench_report.py converts them).
 *
 * One line per program: "BENCH <file> key=value ...". Then the closed loop the output
 * stage runs per pulse (ports/loop/cloop.c), on this CPU: the loop of the closed-loop
 * example (50 uV target, 25-85 uV window, 0.4 mA step, 9.0 mA ceiling, a tripole) fed a
 * measured ECAP after every unit, as the stage does; its ticks per unit (choosing the
 * amplitude, scaling the channel, judging the sample) on one line, "BENCHLOOP key=value".
 */
#include <string.h>

#include "cloop.h"
#include "cm_port.h"
#include "console.h"
#include "nmod/cmd.h"
#include "progs.h"

#define US_PER_S 1000000ull
#define WARMUP_S 10u
#define CYCLE_MS 120000u /* the burst program's 30 s on / 90 s off */

/* The window: whole cycles of the burst program and whole housekeeping periods, so that
 * every program's figure is its steady average. */
static uint64_t window_ms(void) {
  uint64_t a = CYCLE_MS, b = NM_HOUSEKEEPING_MS;
  while (b) {
    uint64_t t = a % b;
    a = b;
    b = t;
  }
  return (uint64_t)CYCLE_MS / a * NM_HOUSEKEEPING_MS;
}

static nm_core_t core;
static uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];

static int cmd(uint8_t role, size_t len) {
  size_t n;
  return cm_cmd(&core, role, req, len, resp, sizeof resp, &n);
}

static void bench(const cm_therapy_t *t) {
  const nm_lead_t *lead = nm_lead_catalog(t->lead_model);
  const nm_port_t *port = cm_port_init(lead, t->load.impedance_ohm);
  int err = nm_core_init(&core, port, t->therapy, lead);
  req[0] = NM_OP_MODE;
  req[1] = NM_MODE_OFF;
  if (!err) err = cmd(NM_ROLE_CLINICIAN, 2);
  uint8_t running = (uint8_t)((1u << t->n) - 1u);
  size_t len = cm_req_program_all(req, sizeof req, lead, &t->load, running, t->n, t->prog);
  if (!err) err = cmd(NM_ROLE_CLINICIAN, len);
  uint64_t cmd_ticks = cm_stats.cmd_ticks;
  req[0] = NM_OP_THERAPY;
  req[1] = 1;
  if (!err) err = cmd(NM_ROLE_PATIENT, 2);
  uint64_t on_ticks = cm_stats.cmd_ticks - cmd_ticks;
  if (err) {
    cm_printf("BENCH %s error=%d\n", t->file, err);
    return;
  }
  uint64_t t0 = core.run_start_us;
  cm_run(&core, t0 + WARMUP_S * US_PER_S);
  cm_stats_reset();
  cm_out_info_t a, b;
  cm_out_count_t ca, cb;
  cm_out_info(&a);
  cm_out_counts(&ca);
  uint32_t loads0 = core.loads;
  uint64_t win_ms = window_ms();
  cm_run(&core, t0 + WARMUP_S * US_PER_S + win_ms * 1000u);
  cm_out_info(&b);
  cm_out_counts(&cb);
  cm_printf("BENCH %s window_ms=%llu hk_ms=%lu wakes=%llu wake_ticks=%llu overhead_ticks=%llu loads=%lu pulses=%llu "
            "frame_irqs=%llu isr_ticks=%llu frame_hz=%lu on_cmd_ticks=%llu model_calls=%llu model_call_ticks=%llu\n",
            t->file, (unsigned long long)win_ms, (unsigned long)NM_HOUSEKEEPING_MS, (unsigned long long)cm_stats.wakes, (unsigned long long)cm_stats.wake_ticks,
            (unsigned long long)cm_stats.overhead_ticks, (unsigned long)(core.loads - loads0),
            (unsigned long long)(cb.pulses - ca.pulses), (unsigned long long)(b.frame_irqs - a.frame_irqs),
            (unsigned long long)(b.isr_ticks - a.isr_ticks), (unsigned long)b.frame_hz,
            (unsigned long long)on_ticks, (unsigned long long)(b.calls - a.calls),
            (unsigned long long)(b.call_ticks - a.call_ticks));
}

/* A sample stream like the simulator's: the ECAP the amplitude evokes on a cord that moves
 * (its threshold going up and down by a third over 20 s), with noise of a few uV. Integer
 * and cheap, and counted apart from the loop. */
static int32_t ecap_of(uint32_t amp_ua, uint32_t unit, uint32_t *rng) {
  uint32_t phase = unit % 1000u;
  uint32_t tri = phase < 500u ? phase : 1000u - phase;
  uint32_t thr_ua = 2000u + tri * 2u; /* 2.0-3.0 mA */
  *rng = *rng * 1664525u + 1013904223u;
  int32_t noise = (int32_t)(*rng >> 29) - 4; /* -4..3 uV */
  if (amp_ua <= thr_ua) return noise;
  return (int32_t)((amp_ua - thr_ua) / 20u) + noise; /* 50 uV at 1 mA above threshold */
}

#define LOOP_UNITS 20000u

static cloop_t loop;
static cloop_chan_t chan;

static void bench_loop(void) {
  nm_chan_t ch;
  memset(&ch, 0, sizeof ch);
  ch.node_ua[2] = 4500;
  ch.node_ua[3] = -9000;
  ch.node_ua[4] = 4500;
  nm_loop_bounds_t b;
  memset(&b, 0, sizeof b);
  b.on = 1;
  b.target_uv = 50;
  b.lo_uv = 25;
  b.hi_uv = 85;
  b.step_ua = 400;
  b.start_ua = 2700;
  cloop_chan_of(&ch, &chan);
  cloop_start(&loop, 0, &b, chan.ceil_ua);
  uint32_t rng = 1, m = cm_irq_save();
  uint64_t ticks = 0, t;
  int32_t out[NM_NODES];
  uint64_t sum_ua = 0;
  for (uint32_t u = 0; u < LOOP_UNITS; u++) {
    t = cm_ticks();
    uint32_t amp = cloop_scale(&chan, cloop_amp(&loop), out);
    ticks += cm_ticks() - t;
    cloop_sample_t smp = {ecap_of(amp, u, &rng), 0};
    sum_ua += amp;
    t = cm_ticks();
    cloop_sample(&loop, &smp);
    ticks += cm_ticks() - t;
  }
  /* The cost of reading the clock twice, to take out. */
  t = cm_ticks();
  uint64_t t2 = cm_ticks();
  uint64_t clock_ticks = t2 - t;
  cm_irq_restore(m);
  cm_printf("BENCHLOOP units=%lu ticks=%llu clock_ticks=%llu state=%u mean_ua=%llu\n", (unsigned long)LOOP_UNITS,
            (unsigned long long)ticks, (unsigned long long)clock_ticks, (unsigned)loop.state,
            (unsigned long long)(sum_ua / LOOP_UNITS));
}

int main(void) {
  for (int i = 0; i < CM_EXAMPLES; i++) bench(&cm_examples[i]);
  bench_loop();
  cm_printf("BENCH done\n");
  return 0;
}
