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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
#include "simrun.h"

static void json_figures(js_w *w, const cls_figures_t *f, int open_loop) {
  jw_obj(w);
  if (open_loop) {
    jw_kv_fixed(w, "fixed_amp_ma", f->fixed_amp_ua, 3);
  }
  jw_kv_uint(w, "pulses", f->units);
  jw_kv_double(w, "mean_deviation_uv", f->mean_dev_uv, 3);
  jw_kv_double(w, "rms_deviation_uv", f->rms_dev_uv, 3);
  jw_kv_double(w, "in_window_pct", f->in_window_pct, 3);
  jw_kv_uint(w, "above_discomfort", f->above_discomfort);
  jw_kv_uint(w, "below_ecap_threshold", f->below_threshold);
  jw_kv_uint(w, "over_safety_limit", f->over_limit);
  jw_kv_uint(w, "over_loop_ceiling", f->over_ceiling);
  jw_kv_double(w, "mean_amp_ma", f->mean_amp_ua / 1000.0, 4);
  jw_kv_fixed(w, "min_amp_ma", f->units ? f->min_amp_ua : 0, 3);
  jw_kv_fixed(w, "max_amp_ma", f->max_amp_ua, 3);
  if (!open_loop) {
    jw_kv_double(w, "loop_running_pct", f->loop_pct, 3);
    jw_kv_str(w, "loop_at_end", f->loop_state == NM_LOOP_RUN ? "on" : "fallback");
    jw_kv_str(w, "fault", di_loop_fault(f->loop_fault));
  }
  jw_kv_uint(w, "wakeups", f->wakeups);
  jw_kv_double(w, "wakeups_per_s", f->wakeups_per_s, 4);
  jw_kv_uint(w, "battery_used_uah", f->battery_used_uah);
  jw_kv_double(w, "wall_s", f->wall_s, 6);
  jw_obj_end(w);
}

static void figures_print(const char *what, const cls_figures_t *f) {
  printf("%s%s%llu pulses, ECAP deviation from target mean %.2f uV (rms %.2f uV), %.2f %% in the window, "
         "%llu above discomfort, %llu below the ECAP threshold, %llu over a safety limit; amplitude %.2f mA mean "
         "(%.2f-%.2f)\n",
         what, what[0] ? ": " : "", (unsigned long long)f->units, f->mean_dev_uv, f->rms_dev_uv, f->in_window_pct,
         (unsigned long long)f->above_discomfort, (unsigned long long)f->below_threshold,
         (unsigned long long)f->over_limit, f->mean_amp_ua / 1000.0, (f->units ? f->min_amp_ua : 0) / 1000.0,
         f->max_amp_ua / 1000.0);
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
    {"no-fast-forward", NULL, 0, "step every core wake (no skipping of repeating periods: the same result, slower)"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd simulate_cmd = {
    "nmod simulate",
    "THERAPY.json --duration 24h [--profile NAME] [--battery primary|rechargeable] [--trace FILE.csv --trace-window 0s..1s] [--posture TRACE.csv [--cord MODEL.json] [--compare-open-loop] [--seed N]] [--json] [--no-fast-forward]",
    "run the firmware core on simulated hardware in virtual time and report what was delivered", simulate_opts, 1, 1};

/* What the command line asks for, checked. */
typedef struct {
  const char *path, *trace, *win;
  const char *posture, *cordf; /* the closed loop's posture trace and cord model, or NULL */
  int json, compare, no_ff;
  int64_t seed;
  uint64_t dur_us, from_us, to_us;
  const nm_profile_t *pf; /* NULL: a bench supply */
} sim_opts_t;

/* Why a run could not be done: an exit code, and a line in err, or (err empty, CLI_REFUSED)
 * the device's refusal st/why. */
typedef struct {
  char err[600];
  int st;
  dev_refusal_t why;
} sim_fail_t;

static int fail(sim_fail_t *f, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(sim_fail_t *f, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(f->err, sizeof f->err, fmt, ap);
  va_end(ap);
  return code;
}

/* The options: -1 (go on), or an exit code with f->err. */
static int parse(hu_args *args, sim_opts_t *o, sim_fail_t *f) {
  memset(o, 0, sizeof *o);
  o->path = args->pos[0];
  o->trace = hu_args_get(args, "trace");
  o->win = hu_args_get(args, "trace-window");
  o->json = hu_args_flag(args, "json");
  o->posture = hu_args_get(args, "posture");
  o->cordf = hu_args_get(args, "cord");
  o->compare = hu_args_flag(args, "compare-open-loop");
  o->no_ff = hu_args_flag(args, "no-fast-forward");
  o->to_us = 1000000;
  const char *dur = hu_args_get(args, "duration");
  int dr = dur_parse_us(dur, &o->dur_us);
  if (dr != 0 || o->dur_us == 0)
    return fail(f, CLI_USAGE, "--duration '%s' %s", dur,
                dr == -2 ? "is longer than 100 years" : "is not a duration like 90s, 30min, 24h, 7d or 2y");
  if (o->win && dur_parse_window_us(o->win, &o->from_us, &o->to_us) != 0)
    return fail(f, CLI_USAGE, "--trace-window '%s' is not a window like 0s..1s (start before end)", o->win);
  /* A cell only with --profile or --battery; without, a bench supply (the drain counted). */
  if (lg_pick_profile(hu_args_get(args, "profile"), hu_args_get(args, "battery"), NM_THERAPY_SCS, 0, &o->pf, f->err,
                      sizeof f->err) != 0)
    return CLI_USAGE;
  if (o->win && !o->trace) return fail(f, CLI_USAGE, "--trace-window needs --trace FILE.csv");
  if ((o->cordf || o->compare || hu_args_count(args, "seed") > 0) && !o->posture)
    return fail(f, CLI_USAGE, "%s needs --posture TRACE.csv",
                o->cordf ? "--cord" : o->compare ? "--compare-open-loop" : "--seed");
  o->seed = 1;
  if (hu_args_num(args, "seed", 0, 0, INT64_MAX, NULL, &o->seed) < 0) return fail(f, CLI_USAGE, "%s", args->err);
  return -1;
}

/* The trace file of --trace: its CSV writer over the file. */
typedef struct {
  FILE *f;
  sim_csv_t csv;
} trace_out_t;

static int trace_open(trace_out_t *o, const char *path, const nm_lead_t *lead, sim_fail_t *f) {
  o->f = fopen(path, "w");
  if (!o->f) return fail(f, CLI_USAGE, "cannot write trace '%s': %s", path, strerror(errno));
  sim_trace_csv_header(o->f, lead);
  sim_csv_init(&o->csv, o->f, lead->n_contacts);
  return CLI_OK;
}

/* The rows still buffered, then the file closed: CLI_OK, or CLI_FAIL with f->err. */
static int trace_close(trace_out_t *o, const char *path, sim_fail_t *f) {
  if (!o->f) return CLI_OK;
  int werr = sim_csv_flush(&o->csv) != 0;
  int cerr = fclose(o->f) != 0;
  o->f = NULL;
  return werr || cerr ? fail(f, CLI_FAIL, "writing trace '%s' failed: %s", path, strerror(errno)) : CLI_OK;
}

/* The closed-loop figures of a run (and of its open-loop twin with --compare-open-loop). */
typedef struct {
  const nm_prog_t *p; /* the program with the loop */
  cls_figures_t cl, ol;
} loop_result_t;

/* A therapy with a closed loop, or any therapy over a posture trace: CLI_OK with res, or an
 * exit code with f. */
static int loop_run(const sim_opts_t *o, const tf_therapy_t *t, loop_result_t *res, sim_fail_t *f) {
  memset(res, 0, sizeof *res);
  int slot = cls_loop_slot(t);
  if (slot < 0) return fail(f, CLI_USAGE, "--posture: the therapy has no running program with a \"closed_loop\"");
  res->p = &t->prog[slot];
  cls_run_t r = {.t = t, .dur_us = o->dur_us, .seed = (uint64_t)o->seed, .pf = o->pf};
  sim_cord_defaults(&r.cord);
  if (o->cordf && cf_load(o->cordf, &r.cord, f->err, sizeof f->err) != 0) return CLI_USAGE;
  static pt_trace_t tr;
  static sim_posture_pt_t still;
  if (o->posture) {
    char err[512];
    if (pt_load(o->posture, &tr, f->err, sizeof f->err) != 0) return CLI_USAGE;
    if (pt_covers(&tr, o->dur_us, err, sizeof err) != 0) {
      pt_free(&tr);
      return fail(f, CLI_USAGE, "%s: %s", o->posture, err);
    }
  } else {
    /* No trace: the patient holds still at the model's reference thickness. */
    still.t_ns = 0;
    still.csf_mm = r.cord.ref_mm;
    tr.pts = &still;
    tr.n = 1;
  }
  r.trace = &tr;
  static trace_out_t tf;
  int rc = CLI_OK;
  if (o->trace && (rc = trace_open(&tf, o->trace, &t->lead, f)) == CLI_OK) {
    r.trace_fn = sim_trace_csv;
    r.trace_user = &tf.csv;
    r.trace_from_us = o->from_us;
    r.trace_to_us = o->to_us;
  }
  if (rc == CLI_OK) {
    f->st = cls_run(&r, 0, &res->cl, &f->why);
    rc = trace_close(&tf, o->trace, f);
  }
  if (rc == CLI_OK && f->st == NM_OK && o->compare) {
    r.trace_fn = NULL;
    f->st = cls_run(&r, 1, &res->ol, &f->why);
    if (f->st == NM_EINVAL) {
      char mx[32];
      rc = fail(f, CLI_REFUSED, "--compare-open-loop: no fixed amplitude up to %s mA reaches the target at the first posture",
                hu_fmt_fixed(mx, sizeof mx, NM_AMP_MAX_UA, 3, 1));
    }
  }
  if (o->posture) pt_free(&tr);
  if (rc == CLI_OK && f->st != NM_OK) rc = CLI_REFUSED; /* the device's refusal, in f->st and f->why */
  return rc;
}

static void loop_json(const loop_result_t *res, const sim_opts_t *o) {
  const nm_prog_t *p = res->p;
  const cls_figures_t *cl = &res->cl, *ol = &res->ol;
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
  jw_kv_fixed(&w, "duration_s", (int64_t)o->dur_us, 6);
  jw_kv_uint(&w, "pulses", cl->pulses);
  jw_kv_uint(&w, "wakeups", cl->wakeups);
  jw_kv_double(&w, "wakeups_per_s", cl->wakeups_per_s, 4);
  jw_kv_double(&w, "wall_s", cl->wall_s, 6);
  jw_kv_str(&w, "program", p->name);
  jw_kv_uint(&w, "target_uv", p->loop.target_uv);
  jw_kv_arr(&w, "window_uv");
  jw_uint(&w, p->loop.lo_uv);
  jw_uint(&w, p->loop.hi_uv);
  jw_arr_end(&w);
  jw_kv_str(&w, "posture", o->posture ? o->posture : "constant");
  jw_key(&w, "closed_loop");
  json_figures(&w, cl, 0);
  if (o->compare) {
    jw_key(&w, "open_loop");
    json_figures(&w, ol, 1);
    jw_kv_double_opt(&w, "deviation_ratio", cl->mean_dev_uv > 0, cl->mean_dev_uv > 0 ? ol->mean_dev_uv / cl->mean_dev_uv : 0.0, 2);
  }
  jw_obj_end(&w);
  jw_end(&w);
}

static void loop_text(const loop_result_t *res, const sim_opts_t *o) {
  const nm_prog_t *p = res->p;
  const cls_figures_t *cl = &res->cl, *ol = &res->ol;
  char a[32];
  printf("simulated %s s of therapy in %.3f s of wall time, posture %s\n", hu_fmt_fixed(a, sizeof a, (int64_t)o->dur_us, 6, 0),
         cl->wall_s, o->posture ? o->posture : "constant");
  printf("program \"%s\": ECAP target %u uV, window %u-%u uV\n", p->name, p->loop.target_uv, p->loop.lo_uv, p->loop.hi_uv);
  figures_print("closed loop", cl);
  if (cl->loop_state != NM_LOOP_RUN) printf("the loop fell back (%s)\n", di_loop_fault(cl->loop_fault));
  if (o->compare) {
    char b[32];
    printf("open loop at %s mA: ", hu_fmt_fixed(b, sizeof b, ol->fixed_amp_ua, 3, 1));
    figures_print("", ol);
    if (cl->mean_dev_uv > 0) printf("mean deviation %.1fx lower closed loop\n", ol->mean_dev_uv / cl->mean_dev_uv);
  }
  printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)cl->wakeups, cl->wakeups_per_s);
  if (o->trace) printf("trace of %s written to %s\n", o->win ? o->win : "0s..1s", o->trace);
}

/* Why the command failed, on stderr (f->err, or the device's refusal); returns rc. */
static int fail_print(int rc, const sim_fail_t *f, const tf_therapy_t *t) {
  if (f->err[0]) cli_error("simulate", "%s", f->err);
  else cli_refusal_print("simulate", t, f->st, &f->why);
  return rc;
}

static void json_battery(js_w *w, const simdev_t *d, const nm_profile_t *pf, const sr_result_t *r) {
  const sim_cell_t *c = &d->hw.cell;
 jw_kv_obj(w, "battery");
 jw_kv_str(w, "profile", pf->name);
 jw_kv_str(w, "cell", r->cell == NM_CELL_PRIMARY ? "primary" : "rechargeable");
 jw_kv_fixed(w, "capacity_mah", d->core.batt.capacity_uah, 3);
 jw_kv_str(w, "state", di_batt_state(d->core.batt.state));
 jw_kv_fixed(w, "soc_pct", d->core.batt.soc_pm, 1);
 jw_kv_uint_opt(w, "eri_after_hours", r->eri_at_us != 0, r->eri_at_us / 3600000000ull); /* when the device said so */
 jw_kv_uint_opt(w, "eos_after_hours", r->eos_at_us != 0, r->eos_at_us / 3600000000ull);
 jw_kv_uint(w, "recharges", c->recharges);
 jw_kv_double(w, "gauge_error_max_pct", r->gauge_max_pm / 10.0, 2);
 jw_kv_double(w, "gauge_error_mean_pct", r->gauge_mean_pm / 10.0, 2);
  /* What the cell's own physics says (the simulated hardware, not the device). */
 jw_kv_obj(w, "physics");
 jw_kv_double(w, "soc_pct", sim_batt_true_soc_pm(&d->hw) / 10.0, 2);
  if (r->cell == NM_CELL_PRIMARY) {
  jw_kv_double_opt(w, "eri_after_hours", r->cell_eri_ns != 0, (double)r->cell_eri_ns / 3.6e12, 2);
  jw_kv_double_opt(w, "eos_after_hours", r->cell_eos_ns != 0, (double)r->cell_eos_ns / 3.6e12, 2);
  } else {
  jw_kv_double_opt(w, "recharge_interval_days", r->first_low_ns != 0, (double)r->first_low_ns / 8.64e13, 3);
  jw_kv_double_opt(w, "charge_minutes_per_day", r->have_charge_min, r->charge_min_per_day, 2);
  jw_kv_double_opt(w, "one_hour_charge_days", r->have_one_hour, r->one_hour_charge_days, 3);
  }
  jw_obj_end(w);
  jw_obj_end(w);
}

static void render_json(const simdev_t *d, const nm_profile_t *pf, const sr_result_t *r) {
  const sim_out_t *o = &d->hw.out;
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
 jw_kv_fixed(&w, "duration_s", (int64_t)r->dur_us, 6);
 jw_kv_uint(&w, "pulses", o->pulses);
 jw_kv_uint(&w, "wakeups", d->core.wakeups);
 jw_kv_double(&w, "wakeups_per_s", (double)d->core.wakeups / ((double)r->dur_us / 1e6), 4);
 jw_kv_double(&w, "wall_s", r->wall_s, 6);
 jw_kv_uint(&w, "battery_used_uah", sim_batt_used_uah(&d->hw));
 jw_kv_bool(&w, "limiter_tripped", o->st.tripped != 0);
  if (r->cell >= 0) json_battery(&w, d, pf, r);
 jw_kv_arr(&w, "contacts");
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (!o->node_pulses[n]) continue;
    char node[HU_CONTACT_LEN];
    jw_obj(&w);
  jw_kv_str(&w, "contact", hu_contact_name(node, sizeof node, n));
  jw_kv_uint(&w, "pulses", o->node_pulses[n]);
  jw_kv_fixed(&w, "net_charge_nc", o->node_net_pc[n], 3);
  jw_kv_fixed(&w, "max_phase_charge_uc", o->node_max_pc[n], 6);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

static void battery_text(const simdev_t *d, const nm_profile_t *pf, const sr_result_t *r) {
  const sim_cell_t *c = &d->hw.cell;
  printf("profile %s, %s cell: the device says %s, %u.%u %% charged (the cell: %.1f %%), %u recharges\n", pf->name,
         r->cell == NM_CELL_PRIMARY ? "primary" : "rechargeable", di_batt_state(d->core.batt.state), d->core.batt.soc_pm / 10u,
         d->core.batt.soc_pm % 10u, sim_batt_true_soc_pm(&d->hw) / 10.0, c->recharges);
  if (r->cell_eri_ns) printf("the cell reached ERI after %.2f years", (double)r->cell_eri_ns / 3.15576e16);
  if (r->eri_at_us) printf("%sthe device showed ERI after %.2f years", r->cell_eri_ns ? "; " : "", (double)r->eri_at_us / 3.15576e13);
  if (r->cell_eos_ns) printf("; the cell reached EOS after %.2f years", (double)r->cell_eos_ns / 3.15576e16);
  if (r->cell_eri_ns || r->eri_at_us || r->cell_eos_ns) printf("\n");
  if (r->cell == NM_CELL_RECHARGEABLE && r->first_low_ns) {
    printf("a full charge lasted %.1f days", (double)r->first_low_ns / 8.64e13);
    if (r->have_charge_min) printf(", %.1f minutes of charging a day", r->charge_min_per_day);
    printf("\n");
  }
  printf("fuel gauge against the cell: at most %.2f %% apart, %.2f %% on average (hourly, at rest)\n", r->gauge_max_pm / 10.0,
         r->gauge_mean_pm / 10.0);
}

static void render_text(const simdev_t *d, const nm_profile_t *pf, const sr_result_t *r, const sim_opts_t *op) {
  const sim_out_t *o = &d->hw.out;
  char node[HU_CONTACT_LEN], a[32];
  printf("simulated %s s of therapy in %.3f s of wall time\n", hu_fmt_fixed(a, sizeof a, (int64_t)r->dur_us, 6, 0), r->wall_s);
  printf("pulses delivered: %llu\n", (unsigned long long)o->pulses);
  printf("core wake-ups: %llu (%.3f per therapy second)\n", (unsigned long long)d->core.wakeups,
         (double)d->core.wakeups / ((double)r->dur_us / 1e6));
  printf("battery used: %llu uAh\n", (unsigned long long)sim_batt_used_uah(&d->hw));
  if (r->cell >= 0) battery_text(d, pf, r);
  if (o->st.tripped) printf("output stage limiter tripped (code %u)\n", o->st.tripped);
  printf("contact  pulses        net charge (nC)\n");
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (!o->node_pulses[n]) continue;
    printf("%-7s  %-12llu  %s\n", hu_contact_name(node, sizeof node, n), (unsigned long long)o->node_pulses[n],
           hu_fmt_fixed(a, sizeof a, o->node_net_pc[n], 3, 0));
  }
  if (op->trace) printf("trace of %s written to %s\n", op->win ? op->win : "0s..1s", op->trace);
}

int cmd_simulate(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &simulate_cmd, argc, argv);
  if (rc >= 0) return rc;
  sim_opts_t op;
  static sim_fail_t f;
  memset(&f, 0, sizeof f);
  static tf_therapy_t t;
  if ((rc = parse(&args, &op, &f)) >= 0) return fail_print(rc, &f, &t);
  if (tf_load(op.path, &t, f.err, sizeof f.err) != 0) return fail_print(CLI_USAGE, &f, &t);
  if (op.posture || cls_loop_slot(&t) >= 0) {
    static loop_result_t lr;
    if ((rc = loop_run(&op, &t, &lr, &f)) != CLI_OK) return fail_print(rc, &f, &t);
    if (op.json) loop_json(&lr, &op);
    else loop_text(&lr, &op);
    return CLI_OK;
  }
  static simdev_t d;
  f.st = op.pf ? simdev_start_profile(&d, &t, op.pf, &f.why) : simdev_start(&d, &t, &f.why);
  if (f.st != NM_OK) return fail_print(CLI_REFUSED, &f, &t);
  if (op.no_ff) sim_ff_attach(&d.hw, NULL);
  /* The trace: a requested output file, every sample of the window. */
  static trace_out_t tf;
  if (op.trace) {
    if ((rc = trace_open(&tf, op.trace, &t.lead, &f)) != CLI_OK) return fail_print(rc, &f, &t);
    sim_trace(&d.hw, sim_trace_csv, &tf.csv, op.from_us * 1000u, op.to_us * 1000u);
  }
  sr_result_t r;
  sr_run(&d, op.pf ? op.pf->cell : -1, op.dur_us, &r);
  if ((rc = trace_close(&tf, op.trace, &f)) != CLI_OK) return fail_print(rc, &f, &t);
  if (op.json) render_json(&d, op.pf, &r);
  else render_text(&d, op.pf, &r, &op);
  return CLI_OK;
}
