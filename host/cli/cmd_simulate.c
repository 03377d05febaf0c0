#define _POSIX_C_SOURCE 200809L
/* cmd_simulate.c: nmod simulate THERAPY.json --duration D [--trace F.csv --trace-window A..B] [--json]
 *
 * Runs the firmware core on the simulated hardware in virtual time, as fast as it can, and
 * reports what the output stage delivered. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "duration.h"
#include "hu_contact.h"
#include "hu_fmt.h"
#include "json.h"
#include "report.h"
#include "devinfo.h"
#include "longevity.h"
#include "simdev.h"
#include "simrun.h"

static const hu_opt simulate_opts[] = {
    {"duration", "D", HU_OPT_REQUIRED, "virtual time to run: 90s, 30min, 24h, 7d, 2y (at most 100 years)"},
    {"profile", "NAME", 0, "the battery profile"},
    {"battery", "primary|rechargeable", 0, "the cell, when no profile is named"},
    {"trace", "FILE.csv", 0, "write every output sample of the trace window"},
    {"trace-window", "A..B", 0, "the trace's window (default 0s..1s)"},
    {"json", NULL, 0, "the summary as JSON"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd simulate_cmd = {
    "nmod simulate",
    "THERAPY.json --duration 24h [--profile NAME] [--battery primary|rechargeable] [--trace FILE.csv --trace-window 0s..1s] [--json]",
    "run the firmware core on simulated hardware in virtual time and report what was delivered", simulate_opts, 1, 1};

/* What the command line asks for, checked. */
typedef struct {
  const char *path, *trace, *win;
  int json;
  uint64_t dur_us, from_us, to_us;
  const nm_profile_t *pf; /* NULL: a bench supply */
} sim_opts_t;

static int parse(hu_args *args, sim_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->path = args->pos[0];
  o->trace = hu_args_get(args, "trace");
  o->win = hu_args_get(args, "trace-window");
  o->json = hu_args_flag(args, "json");
  o->to_us = 1000000;
  const char *dur = hu_args_get(args, "duration");
  int dr = dur_parse_us(dur, &o->dur_us);
  if (dr != 0 || o->dur_us == 0) {
    cli_error("simulate", "--duration '%s' %s", dur,
              dr == -2 ? "is longer than 100 years" : "is not a duration like 90s, 30min, 24h, 7d or 2y");
    return CLI_USAGE;
  }
  if (o->win && dur_parse_window_us(o->win, &o->from_us, &o->to_us) != 0) {
    cli_error("simulate", "--trace-window '%s' is not a window like 0s..1s (start before end)", o->win);
    return CLI_USAGE;
  }
  /* A cell only with --profile or --battery; without, a bench supply (the drain counted). */
  char perr[512];
  if (lg_pick_profile(hu_args_get(args, "profile"), hu_args_get(args, "battery"), NM_THERAPY_SCS, 0, &o->pf, perr, sizeof perr) != 0) {
    cli_error("simulate", "%s", perr);
    return CLI_USAGE;
  }
  if (o->win && !o->trace) {
    cli_error("simulate", "--trace-window needs --trace FILE.csv");
    return CLI_USAGE;
  }
  return -1;
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

static void text_battery(const simdev_t *d, const nm_profile_t *pf, const sr_result_t *r) {
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
  if (r->cell >= 0) text_battery(d, pf, r);
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
  if ((rc = parse(&args, &op)) >= 0) return rc;
  static tf_therapy_t t;
  char err[512];
  if (tf_load(op.path, &t, err, sizeof err) != 0) {
    cli_error("simulate", "%s", err);
    return CLI_USAGE;
  }
  static simdev_t d;
  dev_refusal_t why;
  int st = op.pf ? simdev_start_profile(&d, &t, op.pf, &why) : simdev_start(&d, &t, &why);
  if (st != NM_OK) {
    cli_print_refusal("simulate", &t, st, &why);
    return CLI_REFUSED;
  }
  /* The trace: a requested output file, every sample of the window. */
  FILE *tf = NULL;
  sim_csv_t csv;
  if (op.trace) {
    tf = fopen(op.trace, "w");
    if (!tf) {
      cli_error("simulate", "cannot write trace '%s': %s", op.trace, strerror(errno));
      return CLI_USAGE;
    }
    sim_trace_csv_header(tf, &t.lead);
    csv.f = tf;
    csv.n_contacts = t.lead.n_contacts;
    sim_trace(&d.hw, sim_trace_csv, &csv, op.from_us * 1000u, op.to_us * 1000u);
  }
  sr_result_t r;
  sr_run(&d, op.pf ? op.pf->cell : -1, op.dur_us, &r);
  if (tf && fclose(tf) != 0) {
    cli_error("simulate", "writing trace '%s' failed: %s", op.trace, strerror(errno));
    return CLI_FAIL;
  }
  if (op.json) render_json(&d, op.pf, &r);
  else render_text(&d, op.pf, &r, &op);
  return CLI_OK;
}
