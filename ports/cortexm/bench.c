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
 * One line per program: "BENCH <file> key=value ..."; the closed-loop example runs its loop
 * in the output stage's model, in the frame interrupt (isr_ticks). Then that loop alone
 * (ports/loop/cloop.c) on this CPU: the channel and bounds its core loaded (50 uV target,
 * 25-85 uV window, 0.4 mA step, 9.0 mA ceiling, a tripole) fed the sensing front end
 * model's ECAP after every unit (ports/loop/cloop_fe.c, counted apart), as the stage does;
 * its ticks per unit (choosing the amplitude, scaling the channel, judging the sample) on
 * one line, "BENCHLOOP key=value".
 */
#include <string.h>

#include "cloop.h"
#include "cloop_fe.h"
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

#define LOOP_UNITS 20000u

static cloop_t loop;
static cloop_chan_t chan;
static cfe_t fe;

/* The closed-loop example's channel and bounds as its device's core gave them to the
 * output stage (currents at the ceiling), after its bench run. */
static int loop_chan(nm_chan_t *ch) {
  nm_pattern_t p;
  if (!cm_out_pattern(&p)) return 0;
  for (uint8_t c = 0; c < p.n_chan; c++) {
    if (!p.chan[c].loop.on) continue;
    *ch = p.chan[c];
    return 1;
  }
  return 0;
}

static void bench_loop(void) {
  nm_chan_t ch;
  if (!loop_chan(&ch)) {
    cm_printf("BENCHLOOP error=1\n");
    return;
  }
  cloop_chan_of(&ch, &chan);
  cloop_start(&loop, 0, &ch.loop, chan.ceil_ua);
  cfe_init(&fe);
  uint32_t m = cm_irq_save();
  uint64_t ticks = 0, t;
  int32_t out[NM_NODES];
  uint64_t sum_ua = 0;
  for (uint32_t u = 0; u < LOOP_UNITS; u++) {
    t = cm_ticks();
    uint32_t amp = cloop_scale(&chan, cloop_amp(&loop), out);
    ticks += cm_ticks() - t;
    cloop_sample_t smp;
    cfe_measure(&fe, amp, &smp); /* the front end's work, not the loop's: counted apart */
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
  for (int i = 0; i < CM_EXAMPLES; i++) {
    bench(&cm_examples[i]);
    if (i == CM_EXAMPLE_LOOP) bench_loop(); /* while its pattern is loaded */
  }
  cm_printf("BENCH done\n");
  return 0;
}
