#define _POSIX_C_SOURCE 200809L
/* cmd_simulate.c: nmod simulate THERAPY.json --duration D [--trace F.csv --trace-window A..B] [--json]
 *
 * Runs the firmware core on the simulated hardware in virtual time, as fast as it can, and
 * reports what the output stage delivered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fmt.h"
#include "json.h"
#include "report.h"
#include "devinfo.h"
#include "simdev.h"

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_line(void *user, const char *line) {
  (void)user;
  fprintf(stderr, "  - %s\n", line);
}

void cli_print_refusal(const char *cmd, const tf_therapy_t *t, int st, uint8_t bad, const nm_safety_report_t *rep) {
  if (st == NM_EREFUSED && bad < t->n_prog) {
    cli_error(cmd, "program \"%s\" refused by the safety supervisor (run 'nmod check' for details):", t->prog[bad].name);
    report_reasons(&t->prog[bad], &t->lead, &t->load, rep, print_line, NULL);
  } else if (st == NM_EREFUSED) {
    cli_error(cmd, "the running programs cannot run together (run 'nmod check' for details)");
  } else {
    cli_error(cmd, "the device refused the therapy: %s", nm_err_str(st));
  }
}

int cmd_simulate(int argc, char **argv) {
  const char *path = NULL, *trace = NULL, *dur = NULL, *win = NULL, *batt = NULL;
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--duration") == 0 || strcmp(a, "--trace") == 0 || strcmp(a, "--trace-window") == 0 ||
               strcmp(a, "--battery") == 0) {
      if (i + 1 >= argc) {
        cli_error("simulate", "%s needs a value", a);
        return CLI_USAGE;
      }
      const char *v = argv[++i];
      if (a[2] == 'd') dur = v;
      else if (a[2] == 'b') batt = v;
      else if (strcmp(a, "--trace") == 0) trace = v;
      else win = v;
    } else if (a[0] == '-' && a[1] != '\0') {
      cli_error("simulate", "unknown option '%s'", a);
      return CLI_USAGE;
    } else if (!path) {
      path = a;
    } else {
      cli_error("simulate", "one therapy file at a time (got '%s' and '%s')", path, a);
      return CLI_USAGE;
    }
  }
  if (!path || !dur) {
    cli_error("simulate", "usage: nmod simulate THERAPY.json --duration 24h [--battery primary|rechargeable] [--trace FILE.csv --trace-window 0s..1s] [--json]");
    return CLI_USAGE;
  }
  uint64_t dur_us, from_us = 0, to_us = 1000000;
  int dr = fmt_parse_duration_us(dur, &dur_us);
  if (dr != 0 || dur_us == 0) {
    cli_error("simulate", "--duration '%s' %s", dur,
              dr == -2 ? "is longer than 100 years" : "is not a duration like 90s, 30min, 24h, 7d or 2y");
    return CLI_USAGE;
  }
  if (win && fmt_parse_window_us(win, &from_us, &to_us) != 0) {
    cli_error("simulate", "--trace-window '%s' is not a window like 0s..1s (start before end)", win);
    return CLI_USAGE;
  }
  int cell = -1;
  if (batt) {
    cell = strcmp(batt, "primary") == 0 ? NM_CELL_PRIMARY : strcmp(batt, "rechargeable") == 0 ? NM_CELL_RECHARGEABLE : -2;
    if (cell < 0) {
      cli_error("simulate", "--battery '%s': use primary or rechargeable", batt);
      return CLI_USAGE;
    }
  }
  if (win && !trace) {
    cli_error("simulate", "--trace-window needs --trace FILE.csv");
    return CLI_USAGE;
  }
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("simulate", "%s", err);
    return CLI_USAGE;
  }
  static simdev_t d;
  uint8_t bad;
  nm_safety_report_t rep;
  int st = cell >= 0 ? simdev_start_cell(&d, &t, (uint8_t)cell, &bad, &rep) : simdev_start(&d, &t, &bad, &rep);
  if (st != NM_OK) {
    cli_print_refusal("simulate", &t, st, bad, &rep);
    return CLI_REFUSED;
  }
  FILE *tf = NULL;
  sim_csv_t csv;
  if (trace) {
    tf = fopen(trace, "w");
    if (!tf) {
      cli_error("simulate", "cannot write trace '%s': %s", trace, strerror(errno));
      return CLI_USAGE;
    }
    sim_trace_csv_header(tf, &t.lead);
    csv.f = tf;
    csv.n_contacts = t.lead.n_contacts;
    sim_trace(&d.hw, sim_trace_csv, &csv, from_us * 1000u, to_us * 1000u);
  }
  uint64_t eri_at_us = 0, eos_at_us = 0;
  double w0 = wall_now();
  if (cell < 0) {
    sim_run(&d.hw, &d.core, dur_us);
  } else {
    /* In hours, to see when the fuel gauge crosses ERI and EOS (1 h resolution). */
    for (uint64_t at = 0; at < dur_us;) {
      at = at + 3600000000ull < dur_us ? at + 3600000000ull : dur_us;
      sim_run(&d.hw, &d.core, at);
      if (!eri_at_us && d.core.batt.state >= NM_BATT_ERI) eri_at_us = at;
      if (!eos_at_us && d.core.batt.state == NM_BATT_EOS && cell == NM_CELL_PRIMARY) eos_at_us = at;
    }
  }
  double wall = wall_now() - w0;
  if (tf && fclose(tf) != 0) {
    cli_error("simulate", "writing trace '%s' failed: %s", trace, strerror(errno));
    return CLI_FAIL;
  }

  const sim_out_t *o = &d.hw.out;
  char node[8], a[32];
  double secs = (double)dur_us / 1e6;
  if (json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "duration_s");
    jw_fixed(&w, (int64_t)dur_us, 6);
    jw_key(&w, "pulses");
    jw_uint(&w, o->pulses);
    jw_key(&w, "wakeups");
    jw_uint(&w, d.core.wakeups);
    jw_key(&w, "wakeups_per_s");
    jw_double(&w, (double)d.core.wakeups / secs, 4);
    jw_key(&w, "wall_s");
    jw_double(&w, wall, 6);
    jw_key(&w, "battery_used_uah");
    jw_uint(&w, sim_batt_used_uah(&d.hw));
    jw_key(&w, "limiter_tripped");
    jw_bool(&w, o->st.tripped != 0);
    if (cell >= 0) {
      jw_key(&w, "battery");
      jw_obj(&w);
      jw_key(&w, "cell");
      jw_str(&w, cell == NM_CELL_PRIMARY ? "primary" : "rechargeable");
      jw_key(&w, "capacity_mah");
      jw_fixed(&w, d.core.batt.capacity_uah, 3);
      jw_key(&w, "state");
      jw_str(&w, di_batt_state(d.core.batt.state));
      jw_key(&w, "soc_pct");
      jw_fixed(&w, d.core.batt.soc_pm, 1);
      jw_key(&w, "eri_after_hours");
      if (eri_at_us) jw_uint(&w, eri_at_us / 3600000000ull); else jw_null(&w);
      jw_key(&w, "eos_after_hours");
      if (eos_at_us) jw_uint(&w, eos_at_us / 3600000000ull); else jw_null(&w);
      jw_key(&w, "recharges");
      jw_uint(&w, d.hw.cell.recharges);
      jw_obj_end(&w);
    }
    jw_key(&w, "contacts");
    jw_arr(&w);
    for (uint8_t n = 0; n < NM_NODES; n++) {
      if (!o->node_pulses[n]) continue;
      jw_obj(&w);
      jw_key(&w, "contact");
      jw_str(&w, fmt_node(node, sizeof node, n));
      jw_key(&w, "pulses");
      jw_uint(&w, o->node_pulses[n]);
      jw_key(&w, "net_charge_nc");
      jw_fixed(&w, o->node_net_pc[n], 3);
      jw_key(&w, "max_phase_charge_uc");
      jw_fixed(&w, o->node_max_pc[n], 6);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("simulated %s s of therapy in %.3f s of wall time\n", fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0), wall);
    printf("pulses delivered: %llu\n", (unsigned long long)o->pulses);
    printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)d.core.wakeups,
           (double)d.core.wakeups / secs);
    printf("battery used: %llu uAh\n", (unsigned long long)sim_batt_used_uah(&d.hw));
    if (cell >= 0) {
      printf("%s cell: state %s, %u.%u %% charged, %u recharges", cell == NM_CELL_PRIMARY ? "primary" : "rechargeable",
             di_batt_state(d.core.batt.state), d.core.batt.soc_pm / 10u, d.core.batt.soc_pm % 10u, d.hw.cell.recharges);
      if (eri_at_us) printf(", ERI after %.2f years", (double)eri_at_us / 3.15576e13);
      if (eos_at_us) printf(", EOS after %.2f years", (double)eos_at_us / 3.15576e13);
      printf("\n");
    }
    if (o->st.tripped) printf("output stage limiter tripped (code %u)\n", o->st.tripped);
    printf("contact  pulses        net charge (nC)\n");
    for (uint8_t n = 0; n < NM_NODES; n++) {
      if (!o->node_pulses[n]) continue;
      printf("%-7s  %-12llu  %s\n", fmt_node(node, sizeof node, n), (unsigned long long)o->node_pulses[n],
             fmt_fixed(a, sizeof a, o->node_net_pc[n], 3, 0));
    }
    if (trace) printf("trace of %s written to %s\n", win ? win : "0s..1s", trace);
  }
  return CLI_OK;
}
