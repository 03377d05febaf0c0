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
#include "duration.h"
#include "hu_contact.h"
#include "hu_fmt.h"
#include "json.h"
#include "report.h"
#include "devinfo.h"
#include "longevity.h"
#include "simdev.h"

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
  printf("%s%s%llu pulses, ECAP deviation from target mean %.2f uV (rms %.2f uV), %.2f %% in the window, "
         "%llu above discomfort, %llu below the ECAP threshold, %llu over a safety limit; amplitude %.2f mA mean "
         "(%.2f-%.2f)\n",
         what, what[0] ? ": " : "", (unsigned long long)f->units, f->mean_dev_uv, f->rms_dev_uv, f->in_window_pct,
         (unsigned long long)f->above_discomfort, (unsigned long long)f->below_threshold,
         (unsigned long long)f->over_limit, f->mean_amp_ua / 1000.0, (f->units ? f->min_amp_ua : 0) / 1000.0,
         f->max_amp_ua / 1000.0);
}

/* A therapy with a closed loop, or any therapy over a posture trace. */
static int simulate_loop(const tf_therapy_t *t, const char *posture, const char *cordf, uint64_t dur_us, uint64_t seed,
                         int compare, const nm_profile_t *pf, const char *trace, uint64_t from_us, uint64_t to_us, const char *win,
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
  r.pf = pf;
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
  dev_refusal_t why;
  int st = cls_run(&r, 0, &cl, &why);
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
    st = cls_run(&r, 1, &ol, &why);
    if (st == NM_EINVAL) {
      char mx[32];
      cli_error("simulate", "--compare-open-loop: no fixed amplitude up to %s mA reaches the target at the first posture",
                hu_fmt_fixed(mx, sizeof mx, NM_AMP_MAX_UA, 3, 1));
      if (posture) pt_free(&tr);
      return CLI_REFUSED;
    }
  }
  if (posture) pt_free(&tr);
  if (st != NM_OK) {
    cli_print_refusal("simulate", t, st, &why);
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
    printf("simulated %s s of therapy in %.3f s of wall time, posture %s\n", hu_fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0),
           cl.wall_s, posture ? posture : "constant");
    printf("program \"%s\": ECAP target %u uV, window %u-%u uV\n", p->name, p->loop.target_uv, p->loop.lo_uv,
           p->loop.hi_uv);
    print_figures("closed loop", &cl);
    if (cl.loop_state != NM_LOOP_RUN) printf("the loop fell back (%s)\n", di_loop_fault(cl.loop_fault));
    if (compare) {
      char b[32];
      printf("open loop at %s mA: ", hu_fmt_fixed(b, sizeof b, ol.fixed_amp_ua, 3, 1));
      print_figures("", &ol);
      if (cl.mean_dev_uv > 0) printf("mean deviation %.1fx lower closed loop\n", ol.mean_dev_uv / cl.mean_dev_uv);
    }
    printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)cl.wakeups, cl.wakeups_per_s);
    if (trace) printf("trace of %s written to %s\n", win ? win : "0s..1s", trace);
  }
  return CLI_OK;
}

static const hu_opt simulate_opts[] = {
    {"duration", "D", HU_OPT_REQUIRED, "virtual time to run: 90s, 30min, 24h, 7d, 2y (at most 100 years)"},
    {"profile", "NAME", 0, "the battery profile"},
    {"battery", "primary|rechargeable", 0, "the cell, when no profile is named"},
    {"trace", "FILE.csv", 0, "write every output sample of the trace window"},
    {"trace-window", "A..B", 0, "the trace's window (default 0s..1s)"},
    {"posture", "TRACE.csv", 0, "run the closed loop over a posture trace (docs/CLOSED-LOOP.md)"},
    {"cord", "MODEL.json", 0, "the cord model for --posture (default: the built-in one)"},
    {"compare-open-loop", NULL, 0, "also run the same trace at a fixed amplitude, for comparison"},
    {"seed", "N", 0, "the seed of the sensing noise (default 1)"},
    {"json", NULL, 0, "the summary as JSON"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd simulate_cmd = {
    "nmod simulate",
    "THERAPY.json --duration 24h [--profile NAME] [--battery primary|rechargeable] [--trace FILE.csv --trace-window 0s..1s] [--posture TRACE.csv [--cord MODEL.json] [--compare-open-loop] [--seed N]] [--json]",
    "run the firmware core on simulated hardware in virtual time and report what was delivered", simulate_opts, 1, 1};

int cmd_simulate(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &simulate_cmd, argc, argv);
  if (rc >= 0) return rc;
  const char *path = args.pos[0], *trace = hu_args_get(&args, "trace"), *dur = hu_args_get(&args, "duration"),
             *win = hu_args_get(&args, "trace-window"), *batt = hu_args_get(&args, "battery"), *prof = hu_args_get(&args, "profile");
  const char *posture = hu_args_get(&args, "posture"), *cordf = hu_args_get(&args, "cord");
  int json = hu_args_flag(&args, "json"), compare = hu_args_flag(&args, "compare-open-loop");
  int has_seed = hu_args_count(&args, "seed") > 0;
  uint64_t dur_us, from_us = 0, to_us = 1000000;
  int dr = dur_parse_us(dur, &dur_us);
  if (dr != 0 || dur_us == 0) {
    cli_error("simulate", "--duration '%s' %s", dur,
              dr == -2 ? "is longer than 100 years" : "is not a duration like 90s, 30min, 24h, 7d or 2y");
    return CLI_USAGE;
  }
  if (win && dur_parse_window_us(win, &from_us, &to_us) != 0) {
    cli_error("simulate", "--trace-window '%s' is not a window like 0s..1s (start before end)", win);
    return CLI_USAGE;
  }
  /* A cell only with --profile or --battery; without, a bench supply (the drain counted). */
  const nm_profile_t *pf = NULL;
  char perr[512];
  if (lg_pick_profile(prof, batt, NM_THERAPY_SCS, 0, &pf, perr, sizeof perr) != 0) {
    cli_error("simulate", "%s", perr);
    return CLI_USAGE;
  }
  int cell = pf ? pf->cell : -1;
  if (win && !trace) {
    cli_error("simulate", "--trace-window needs --trace FILE.csv");
    return CLI_USAGE;
  }
  if ((cordf || compare || has_seed) && !posture) {
    cli_error("simulate", "%s needs --posture TRACE.csv", cordf ? "--cord" : compare ? "--compare-open-loop" : "--seed");
    return CLI_USAGE;
  }
  int64_t seed = 1;
  if (hu_args_num(&args, "seed", 0, 0, INT64_MAX, NULL, &seed) < 0) {
    cli_error("simulate", "%s", args.err);
    return CLI_USAGE;
  }
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("simulate", "%s", err);
    return CLI_USAGE;
  }
  if (posture || cls_loop_slot(&t) >= 0) {
    return simulate_loop(&t, posture, cordf, dur_us, (uint64_t)seed, compare, pf, trace, from_us, to_us, win, json);
  }
  static simdev_t d;
  dev_refusal_t why;
  int st = pf ? simdev_start_profile(&d, &t, pf, &why) : simdev_start(&d, &t, &why);
  if (st != NM_OK) {
    cli_print_refusal("simulate", &t, st, &why);
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
  double gauge_max = 0, gauge_sum = 0;
  uint64_t gauge_n = 0;
  double w0 = wall_now();
  if (cell < 0) {
    sim_run(&d.hw, &d.core, dur_us);
  } else {
    /* In hours, to see when the device's gauge crosses ERI and EOS (1 h resolution) and how
     * far it is from the cell's true charge. */
    for (uint64_t at = 0; at < dur_us;) {
      at = at + 3600000000ull < dur_us ? at + 3600000000ull : dur_us;
      sim_run(&d.hw, &d.core, at);
      if (!eri_at_us && d.core.batt.state >= NM_BATT_ERI) eri_at_us = at;
      if (!eos_at_us && d.core.batt.state == NM_BATT_EOS && cell == NM_CELL_PRIMARY) eos_at_us = at;
      if (d.hw.cell.charging) continue; /* a gauge is judged at rest */
      double e = d.core.batt.soc_pm - sim_batt_true_soc_pm(&d.hw);
      e = e < 0 ? -e : e;
      if (e > gauge_max) gauge_max = e;
      gauge_sum += e;
      gauge_n++;
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
      const sim_cell_t *c = &d.hw.cell;
      jw_key(&w, "battery");
      jw_obj(&w);
      jw_key(&w, "profile");
      jw_str(&w, pf->name);
      jw_key(&w, "cell");
      jw_str(&w, cell == NM_CELL_PRIMARY ? "primary" : "rechargeable");
      jw_key(&w, "capacity_mah");
      jw_fixed(&w, d.core.batt.capacity_uah, 3);
      jw_key(&w, "state");
      jw_str(&w, di_batt_state(d.core.batt.state));
      jw_key(&w, "soc_pct");
      jw_fixed(&w, d.core.batt.soc_pm, 1);
      jw_key(&w, "eri_after_hours"); /* when the device said so */
      if (eri_at_us) jw_uint(&w, eri_at_us / 3600000000ull); else jw_null(&w);
      jw_key(&w, "eos_after_hours");
      if (eos_at_us) jw_uint(&w, eos_at_us / 3600000000ull); else jw_null(&w);
      jw_key(&w, "recharges");
      jw_uint(&w, c->recharges);
      jw_key(&w, "gauge_error_max_pct");
      jw_double(&w, gauge_max / 10.0, 2);
      jw_key(&w, "gauge_error_mean_pct");
      jw_double(&w, gauge_n ? gauge_sum / (double)gauge_n / 10.0 : 0.0, 2);
      /* What the cell's own physics says (the simulated hardware, not the device). */
      jw_key(&w, "physics");
      jw_obj(&w);
      jw_key(&w, "soc_pct");
      jw_double(&w, sim_batt_true_soc_pm(&d.hw) / 10.0, 2);
      if (cell == NM_CELL_PRIMARY) {
        jw_key(&w, "eri_after_hours");
        if (c->eri_ns) jw_double(&w, (double)(c->eri_ns - c->start_ns) / 3.6e12, 2); else jw_null(&w);
        jw_key(&w, "eos_after_hours");
        if (c->eos_ns) jw_double(&w, (double)(c->eos_ns - c->start_ns) / 3.6e12, 2); else jw_null(&w);
      } else {
        jw_key(&w, "recharge_interval_days");
        if (c->first_low_ns) jw_double(&w, (double)(c->first_low_ns - c->start_ns) / 8.64e13, 3); else jw_null(&w);
        jw_key(&w, "charge_minutes_per_day");
        if (c->recharges >= 2 && c->last_low_ns > c->first_low_ns) {
          jw_double(&w, (double)(c->charge_ns_at_low - c->charge_ns_at_first_low) / (double)(c->last_low_ns - c->first_low_ns) * 1440.0, 2);
        } else {
          jw_null(&w);
        }
        jw_key(&w, "one_hour_charge_days");
        if (c->first_low_ns && c->first_run_pc > 0) {
          double run_na = c->first_run_pc / ((double)(c->first_low_ns - c->start_ns) / 1e9) / 1000.0;
          jw_double(&w, c->first_hour_pc / run_na / 3.6e6 / 24.0, 3); /* pC / nA = ms */
        } else {
          jw_null(&w);
        }
      }
      jw_obj_end(&w);
      jw_obj_end(&w);
    }
    jw_key(&w, "contacts");
    jw_arr(&w);
    for (uint8_t n = 0; n < NM_NODES; n++) {
      if (!o->node_pulses[n]) continue;
      jw_obj(&w);
      jw_key(&w, "contact");
      jw_str(&w, hu_contact_name(node, sizeof node, n));
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
    printf("simulated %s s of therapy in %.3f s of wall time\n", hu_fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0), wall);
    printf("pulses delivered: %llu\n", (unsigned long long)o->pulses);
    printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)d.core.wakeups,
           (double)d.core.wakeups / secs);
    printf("battery used: %llu uAh\n", (unsigned long long)sim_batt_used_uah(&d.hw));
    if (cell >= 0) {
      const sim_cell_t *c = &d.hw.cell;
      printf("profile %s, %s cell: the device says %s, %u.%u %% charged (the cell: %.1f %%), %u recharges\n", pf->name,
             cell == NM_CELL_PRIMARY ? "primary" : "rechargeable", di_batt_state(d.core.batt.state),
             d.core.batt.soc_pm / 10u, d.core.batt.soc_pm % 10u, sim_batt_true_soc_pm(&d.hw) / 10.0, c->recharges);
      if (c->eri_ns) printf("the cell reached ERI after %.2f years", (double)(c->eri_ns - c->start_ns) / 3.15576e16);
      if (eri_at_us) printf("%sthe device showed ERI after %.2f years", c->eri_ns ? "; " : "", (double)eri_at_us / 3.15576e13);
      if (c->eos_ns) printf("; the cell reached EOS after %.2f years", (double)(c->eos_ns - c->start_ns) / 3.15576e16);
      if (c->eri_ns || eri_at_us || c->eos_ns) printf("\n");
      if (cell == NM_CELL_RECHARGEABLE && c->first_low_ns) {
        printf("a full charge lasted %.1f days", (double)(c->first_low_ns - c->start_ns) / 8.64e13);
        if (c->recharges >= 2 && c->last_low_ns > c->first_low_ns) {
          printf(", %.1f minutes of charging a day",
                 (double)(c->charge_ns_at_low - c->charge_ns_at_first_low) / (double)(c->last_low_ns - c->first_low_ns) * 1440.0);
        }
        printf("\n");
      }
      printf("fuel gauge against the cell: at most %.2f %% apart, %.2f %% on average (hourly, at rest)\n", gauge_max / 10.0,
             gauge_n ? gauge_sum / (double)gauge_n / 10.0 : 0.0);
    }
    if (o->st.tripped) printf("output stage limiter tripped (code %u)\n", o->st.tripped);
    printf("contact  pulses        net charge (nC)\n");
    for (uint8_t n = 0; n < NM_NODES; n++) {
      if (!o->node_pulses[n]) continue;
      printf("%-7s  %-12llu  %s\n", hu_contact_name(node, sizeof node, n), (unsigned long long)o->node_pulses[n],
             hu_fmt_fixed(a, sizeof a, o->node_net_pc[n], 3, 0));
    }
    if (trace) printf("trace of %s written to %s\n", win ? win : "0s..1s", trace);
  }
  return CLI_OK;
}
