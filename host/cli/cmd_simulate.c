#define _POSIX_C_SOURCE 200809L
/* cmd_simulate.c: nmod simulate THERAPY.json --duration D [--trace F.csv --trace-window A..B] [--json]
 *                 [--posture TRACE.csv [--cord MODEL.json] [--compare-open-loop] [--seed N]]
 *
 * Runs the firmware core on the simulated hardware in virtual time, as fast as it can, and
 * reports what the output stage delivered. With a posture trace (or for a therapy with a
 * closed loop, a constant posture), the simulated cord responds to every pulse and the run
 * reports the closed-loop figures (host/lib/clsim.h); --compare-open-loop adds them for the
 * same program at a fixed amplitude. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clsim.h"
#include "cord_file.h"
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

static void json_figures(js_w *w, const cls_figures_t *f, int open_loop) {
  jw_obj(w);
  if (open_loop) {
    jw_key(w, "fixed_amp_ma");
    jw_fixed(w, f->fixed_amp_ua, 3);
  }
  jw_key(w, "pulses");
  jw_uint(w, f->units);
  jw_key(w, "mean_deviation_uv");
  jw_double(w, f->mean_dev_uv, 3);
  jw_key(w, "rms_deviation_uv");
  jw_double(w, f->rms_dev_uv, 3);
  jw_key(w, "in_window_pct");
  jw_double(w, f->in_window_pct, 3);
  jw_key(w, "above_discomfort");
  jw_uint(w, f->above_discomfort);
  jw_key(w, "below_ecap_threshold");
  jw_uint(w, f->below_threshold);
  jw_key(w, "over_safety_limit");
  jw_uint(w, f->over_limit);
  jw_key(w, "over_loop_ceiling");
  jw_uint(w, f->over_ceiling);
  jw_key(w, "mean_amp_ma");
  jw_double(w, f->mean_amp_ua / 1000.0, 4);
  jw_key(w, "min_amp_ma");
  jw_fixed(w, f->units ? f->min_amp_ua : 0, 3);
  jw_key(w, "max_amp_ma");
  jw_fixed(w, f->max_amp_ua, 3);
  if (!open_loop) {
    jw_key(w, "loop_running_pct");
    jw_double(w, f->loop_pct, 3);
    jw_key(w, "loop_at_end");
    jw_str(w, f->loop_state == NM_LOOP_RUN ? "on" : "fallback");
    jw_key(w, "fault");
    jw_str(w, di_loop_fault(f->loop_fault));
  }
  jw_key(w, "wakeups");
  jw_uint(w, f->wakeups);
  jw_key(w, "wakeups_per_s");
  jw_double(w, f->wakeups_per_s, 4);
  jw_key(w, "battery_used_uah");
  jw_uint(w, f->battery_used_uah);
  jw_key(w, "wall_s");
  jw_double(w, f->wall_s, 6);
  jw_obj_end(w);
}

static void print_figures(const char *what, const cls_figures_t *f) {
  printf("%s: %llu pulses, ECAP deviation from target mean %.2f uV (rms %.2f uV), %.2f %% in the window, "
         "%llu above discomfort, %llu below the ECAP threshold, %llu over a safety limit; amplitude %.2f mA mean "
         "(%.2f-%.2f)\n",
         what, (unsigned long long)f->units, f->mean_dev_uv, f->rms_dev_uv, f->in_window_pct,
         (unsigned long long)f->above_discomfort, (unsigned long long)f->below_threshold,
         (unsigned long long)f->over_limit, f->mean_amp_ua / 1000.0, (f->units ? f->min_amp_ua : 0) / 1000.0,
         f->max_amp_ua / 1000.0);
}

/* A therapy with a closed loop, or any therapy over a posture trace. */
static int simulate_loop(const tf_therapy_t *t, const char *posture, const char *cordf, uint64_t dur_us, uint64_t seed,
                         int compare, int cell, const char *trace, uint64_t from_us, uint64_t to_us, const char *win,
                         int json) {
  char err[512];
  int slot = cls_loop_slot(t);
  if (slot < 0) {
    cli_error("simulate", "--posture: the therapy has no running program with a \"closed_loop\"");
    return CLI_USAGE;
  }
  cls_run_t r;
  memset(&r, 0, sizeof r);
  r.t = t;
  r.dur_us = dur_us;
  r.seed = seed;
  r.cell = cell;
  sim_cord_defaults(&r.cord);
  if (cordf && cf_load(cordf, &r.cord, err, sizeof err) != 0) {
    cli_error("simulate", "%s", err);
    return CLI_USAGE;
  }
  static pt_trace_t tr;
  static sim_posture_pt_t still;
  if (posture) {
    if (pt_load(posture, &tr, err, sizeof err) != 0) {
      cli_error("simulate", "%s", err);
      return CLI_USAGE;
    }
    if (pt_covers(&tr, dur_us, err, sizeof err) != 0) {
      cli_error("simulate", "%s: %s", posture, err);
      pt_free(&tr);
      return CLI_USAGE;
    }
  } else {
    /* No trace: the patient holds still at the model's reference thickness. */
    still.t_ns = 0;
    still.csf_mm = r.cord.ref_mm;
    tr.pts = &still;
    tr.n = 1;
  }
  r.trace = &tr;
  FILE *tf = NULL;
  static sim_csv_t csv;
  if (trace) {
    tf = fopen(trace, "w");
    if (!tf) {
      cli_error("simulate", "cannot write trace '%s': %s", trace, strerror(errno));
      if (posture) pt_free(&tr);
      return CLI_USAGE;
    }
    sim_trace_csv_header(tf, &t->lead);
    sim_csv_init(&csv, tf, t->lead.n_contacts);
    r.trace_fn = sim_trace_csv;
    r.trace_user = &csv;
    r.trace_from_us = from_us;
    r.trace_to_us = to_us;
  }
  static cls_figures_t cl, ol;
  uint8_t bad;
  nm_safety_report_t rep;
  int st = cls_run(&r, 0, &cl, &bad, &rep);
  if (tf) {
    int werr = sim_csv_flush(&csv) != 0;
    if (fclose(tf) != 0 || werr) {
      cli_error("simulate", "writing trace '%s' failed: %s", trace, strerror(errno));
      if (posture) pt_free(&tr);
      return CLI_FAIL;
    }
  }
  if (st == NM_OK && compare) {
    r.trace_fn = NULL;
    st = cls_run(&r, 1, &ol, &bad, &rep);
    if (st == NM_EINVAL) {
      cli_error("simulate", "--compare-open-loop: no fixed amplitude up to 25.5 mA reaches the target at the first posture");
      if (posture) pt_free(&tr);
      return CLI_REFUSED;
    }
  }
  if (posture) pt_free(&tr);
  if (st != NM_OK) {
    cli_print_refusal("simulate", t, st, bad, &rep);
    return CLI_REFUSED;
  }
  const nm_prog_t *p = &t->prog[slot];
  if (json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "duration_s");
    jw_fixed(&w, (int64_t)dur_us, 6);
    jw_key(&w, "pulses");
    jw_uint(&w, cl.pulses);
    jw_key(&w, "wakeups");
    jw_uint(&w, cl.wakeups);
    jw_key(&w, "wakeups_per_s");
    jw_double(&w, cl.wakeups_per_s, 4);
    jw_key(&w, "wall_s");
    jw_double(&w, cl.wall_s, 6);
    jw_key(&w, "program");
    jw_str(&w, p->name);
    jw_key(&w, "target_uv");
    jw_uint(&w, p->loop.target_uv);
    jw_key(&w, "window_uv");
    jw_arr(&w);
    jw_uint(&w, p->loop.lo_uv);
    jw_uint(&w, p->loop.hi_uv);
    jw_arr_end(&w);
    jw_key(&w, "posture");
    jw_str(&w, posture ? posture : "constant");
    jw_key(&w, "closed_loop");
    json_figures(&w, &cl, 0);
    if (compare) {
      jw_key(&w, "open_loop");
      json_figures(&w, &ol, 1);
      jw_key(&w, "deviation_ratio");
      if (cl.mean_dev_uv > 0) jw_double(&w, ol.mean_dev_uv / cl.mean_dev_uv, 2);
      else jw_null(&w);
    }
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    char a[32];
    printf("simulated %s s of therapy in %.3f s of wall time, posture %s\n", fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0),
           cl.wall_s, posture ? posture : "constant");
    printf("program \"%s\": ECAP target %u uV, window %u-%u uV\n", p->name, p->loop.target_uv, p->loop.lo_uv,
           p->loop.hi_uv);
    print_figures("closed loop", &cl);
    if (cl.loop_state != NM_LOOP_RUN) printf("the loop fell back (%s)\n", di_loop_fault(cl.loop_fault));
    if (compare) {
      char b[32];
      printf("open loop at %s mA: ", fmt_fixed(b, sizeof b, ol.fixed_amp_ua, 3, 1));
      print_figures("", &ol);
      if (cl.mean_dev_uv > 0) printf("mean deviation %.1fx lower closed loop\n", ol.mean_dev_uv / cl.mean_dev_uv);
    }
    printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)cl.wakeups, cl.wakeups_per_s);
    if (trace) printf("trace of %s written to %s\n", win ? win : "0s..1s", trace);
  }
  return CLI_OK;
}

int cmd_simulate(int argc, char **argv) {
  const char *path = NULL, *trace = NULL, *dur = NULL, *win = NULL, *batt = NULL;
  const char *posture = NULL, *cordf = NULL, *seeds = NULL;
  int json = 0, compare = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      json = 1;
    } else if (strcmp(a, "--compare-open-loop") == 0) {
      compare = 1;
    } else if (strcmp(a, "--duration") == 0 || strcmp(a, "--trace") == 0 || strcmp(a, "--trace-window") == 0 ||
               strcmp(a, "--battery") == 0 || strcmp(a, "--posture") == 0 || strcmp(a, "--cord") == 0 ||
               strcmp(a, "--seed") == 0) {
      if (i + 1 >= argc) {
        cli_error("simulate", "%s needs a value", a);
        return CLI_USAGE;
      }
      const char *v = argv[++i];
      if (a[2] == 'd') dur = v;
      else if (a[2] == 'b') batt = v;
      else if (a[2] == 'p') posture = v;
      else if (a[2] == 'c') cordf = v;
      else if (a[2] == 's') seeds = v;
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
    cli_error("simulate", "usage: nmod simulate THERAPY.json --duration 24h [--battery primary|rechargeable] [--trace FILE.csv --trace-window 0s..1s] [--posture TRACE.csv [--cord MODEL.json] [--compare-open-loop] [--seed N]] [--json]");
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
  if ((cordf || compare || seeds) && !posture) {
    cli_error("simulate", "%s needs --posture TRACE.csv", cordf ? "--cord" : compare ? "--compare-open-loop" : "--seed");
    return CLI_USAGE;
  }
  uint64_t seed = 1;
  if (seeds && fmt_parse_fixed(seeds, 0, UINT64_MAX, &seed) != 0) {
    cli_error("simulate", "--seed '%s' is not a whole number", seeds);
    return CLI_USAGE;
  }
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("simulate", "%s", err);
    return CLI_USAGE;
  }
  if (posture || cls_loop_slot(&t) >= 0) {
    return simulate_loop(&t, posture, cordf, dur_us, seed, compare, cell, trace, from_us, to_us, win, json);
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
  static sim_csv_t csv;
  if (trace) {
    tf = fopen(trace, "w");
    if (!tf) {
      cli_error("simulate", "cannot write trace '%s': %s", trace, strerror(errno));
      return CLI_USAGE;
    }
    sim_trace_csv_header(tf, &t.lead);
    sim_csv_init(&csv, tf, t.lead.n_contacts);
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
  int werr = tf && sim_csv_flush(&csv) != 0;
  if (tf && (fclose(tf) != 0 || werr)) {
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
