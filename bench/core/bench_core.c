/* bench_core.c: the firmware core on simulated hardware, per example therapy: wall time
 * per simulated pulse and core wake-ups per therapy second. Prints a Markdown section.
 * Usage: bench_core EXAMPLE.json... (a benchmark, never a test: timings are this
 * machine's). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simdev.h"

#define RUNS 5
#define DAYS 365ull

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall time, and this process's CPU time (what a shared machine does not inflate). */
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  static tf_therapy_t t;
  static simdev_t d;
  printf("## Firmware core on simulated hardware\n\n");
  printf("`nmod simulate` of each example over %llu virtual days, median of %d runs (release build). "
         "The core wakes for ramp steps, cycling edges, commands and a housekeeping tick every 60 s, never per "
         "pulse, so wake-ups per therapy second do not depend on the pulse rate, and neither does the time. CPU time is "
         "the process's own (a shared machine does not inflate it); wall time waits for the machine too.\n\n", DAYS, RUNS);
  printf("| example | pulses | core wake-ups per therapy second | pattern loads | CPU time | wall time | CPU time per pulse | "
         "CPU time, every wake stepped | periods fast-forwarded | wake-ups with the cell and its fuel gauge (profile) |\n");
  printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (int i = 1; i < argc; i++) {
    char err[512];
    if (tf_load(argv[i], &t, err, sizeof err) != 0) {
      fprintf(stderr, "bench_core: %s\n", err);
      return 1;
    }
    double wall[RUNS], cpu[RUNS], step_cpu[RUNS];
    uint64_t pulses = 0, wakeups = 0, skipped = 0;
    uint32_t loads = 0;
    /* Fast-forwarded (the default: sim_ff.c skips the periods that repeat), then every
     * wake stepped (--no-fast-forward), which must end the same. */
    for (int ff = 1; ff >= 0; ff--) {
      for (int r = 0; r < RUNS; r++) {
        dev_refusal_t why;
        if (simdev_start(&d, &t, &why) != NM_OK) {
          fprintf(stderr, "bench_core: %s refused\n", argv[i]);
          return 1;
        }
        if (!ff) sim_ff_attach(&d.hw, NULL);
        double t0 = now_s(), c0 = cpu_s();
        sim_run(&d.hw, &d.core, DAYS * 86400ull * 1000000ull);
        double w = now_s() - t0, c = cpu_s() - c0;
        if (!ff) {
          step_cpu[r] = c;
          if (d.hw.out.pulses != pulses || d.core.wakeups != wakeups || d.core.loads != loads) {
            fprintf(stderr, "bench_core: %s: the fast-forward changed the result\n", argv[i]);
            return 1;
          }
          continue;
        }
        wall[r] = w;
        cpu[r] = c;
        pulses = d.hw.out.pulses;
        wakeups = d.core.wakeups;
        loads = d.core.loads;
        skipped = d.ff.periods_skipped;
      }
    }
    qsort(wall, RUNS, sizeof wall[0], cmp);
    qsort(cpu, RUNS, sizeof cpu[0], cmp);
    qsort(step_cpu, RUNS, sizeof step_cpu[0], cmp);
    /* The same year on the therapy's default profile with its cell: the energy accounting
     * and the gauge run at the wakes there are anyway, so the count must not change. */
    dev_refusal_t why;
    const nm_profile_t *pf = nm_profile_get(nm_profile_default(t.therapy));
    if (simdev_start_profile(&d, &t, pf, &why) != NM_OK) {
      fprintf(stderr, "bench_core: %s refused\n", argv[i]);
      return 1;
    }
    sim_run(&d.hw, &d.core, DAYS * 86400ull * 1000000ull);
    const char *name = strrchr(argv[i], '/');
    printf("| %s | %llu | %.4f | %u | %.3f s | %.3f s | %.4f ps | %.3f s | %llu | %.4f (%s, %+lld) |\n", name ? name + 1 : argv[i],
           (unsigned long long)pulses, (double)wakeups / (double)(DAYS * 86400ull), loads, cpu[RUNS / 2],
           wall[RUNS / 2], pulses ? cpu[RUNS / 2] * 1e12 / (double)pulses : 0.0, step_cpu[RUNS / 2],
           (unsigned long long)skipped, (double)d.core.wakeups / (double)(DAYS * 86400ull),
           pf->name, (long long)d.core.wakeups - (long long)wakeups);
  }
  printf("\nThe last column runs the same year on the therapy's default device profile with its cell (a rechargeable one "
         "recharged at LOW): the energy accounting and the fuel gauge add no wake-up (the difference in brackets).\n");
  printf("\nscs-burst cycles (30 s on, 90 s off), so its core wakes for every ramp step and edge: its year took 1.03 s "
         "on issue 15's machine, against about 0.04 s for tonic. The simulator now fast-forwards the periods that "
         "repeat (ports/sim/sim_ff.c, docs/CLOSED-LOOP.md): the CPU time is with it, the column \"every wake stepped\" "
         "without it (`nmod simulate --no-fast-forward`), the same result either way. A period is the housekeeping "
         "minute and every running cycle (scs-burst: 120 s); the fast-forward starts once two periods in a row repeat "
         "bit for bit. With a cell fitted (the last column) nothing is skipped: the cell's physics is not periodic.\n");
  printf("\nReproduce: `make bench` (or `build/bench/core/bench_core examples/*.json`).\n\n");
  return 0;
}
