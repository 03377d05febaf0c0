/* cmd_longevity.c: nmod longevity THERAPY.json [--profile NAME] [--battery primary|rechargeable]
 *                                [--table] [--json]
 * Years to ERI on a primary cell, or the recharge interval, the charging minutes per day
 * and the years of service on a rechargeable one, for the therapy's running programs at
 * their programmed amplitude on a device profile, from the firmware's own energy and
 * battery models (the simulator drains its cell by its own physics: `nmod simulate
 * --battery`). --table adds the same over amplitude and impedance. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dryrun.h"
#include "hu_fmt.h"
#include "json.h"
#include "longevity.h"

#define MH_PER_YEAR 8766000.0
#define MH_PER_DAY 24000.0

static const uint32_t table_ua[] = {500, 1000, 1500, 2000, 2500, 3000, 4000, 5000};
static const uint32_t table_ohm[] = {500, 750, 1000, 1250, 1500, 2000};
#define N_UA (sizeof table_ua / sizeof table_ua[0])
#define N_OHM (sizeof table_ohm / sizeof table_ohm[0])

/* The headline figure of a longevity: years to ERI (primary) or days per recharge. */
static double headline(const nm_profile_t *pf, const nm_longevity_t *lg) {
  return pf->cell == NM_CELL_RECHARGEABLE ? (double)lg->interval_mh / MH_PER_DAY : (double)lg->eri_mh / MH_PER_YEAR;
}

/* Therapy t with every running program at ua into ohm: its longevity, or 0 when the
 * safety supervisor refuses a program so (nothing to estimate). */
static int at_setting(const tf_therapy_t *t, const nm_profile_t *pf, uint32_t ua, uint32_t ohm, nm_longevity_t *lg) {
  static tf_therapy_t v;
  v = *t;
  v.load.impedance_ohm = ohm;
  for (uint8_t i = 0; i < v.n_prog; i++) {
    if (!(v.running_mask & (1u << i))) continue;
    v.prog[i].amp_ua = ua;
    if (v.prog[i].pt_max_ua < ua) v.prog[i].pt_max_ua = ua;
    if (v.prog[i].pt_min_ua > ua) v.prog[i].pt_min_ua = ua;
    nm_safety_report_t rep;
    if (nm_safety_check(&v.prog[i], &v.lead, &v.load, &rep) == NM_VERDICT_REFUSE) return 0;
  }
  nm_draw_t d;
  lg_draw(&v, pf, &d);
  nm_batt_longevity(pf, &d, lg);
  return 1;
}

static void table_text(const tf_therapy_t *t, const nm_profile_t *pf) {
  printf("\n%s by amplitude (every running program) and impedance; - where the safety supervisor refuses it:\n",
         pf->cell == NM_CELL_RECHARGEABLE ? "days between recharges" : "years to ERI");
  printf("%8s", "mA \\ ohm");
  for (size_t j = 0; j < N_OHM; j++) printf(" %7u", table_ohm[j]);
  printf("\n");
  for (size_t i = 0; i < N_UA; i++) {
    printf("%8.1f", table_ua[i] / 1000.0);
    for (size_t j = 0; j < N_OHM; j++) {
      nm_longevity_t lg;
      if (at_setting(t, pf, table_ua[i], table_ohm[j], &lg)) printf(" %7.2f", headline(pf, &lg));
      else printf(" %7s", "-");
    }
    printf("\n");
  }
}

static void table_json(js_w *w, const tf_therapy_t *t, const nm_profile_t *pf) {
  jw_kv_arr(w, "table");
  for (size_t i = 0; i < N_UA; i++) {
    for (size_t j = 0; j < N_OHM; j++) {
      nm_longevity_t lg;
      if (!at_setting(t, pf, table_ua[i], table_ohm[j], &lg)) continue;
      jw_obj(w);
      jw_kv_fixed(w, "amplitude_ma", table_ua[i], 3);
      jw_kv_uint(w, "impedance_ohm", table_ohm[j]);
      jw_kv_double(w, pf->cell == NM_CELL_RECHARGEABLE ? "recharge_interval_days" : "years_to_eri", headline(pf, &lg), 3);
      jw_obj_end(w);
    }
  }
  jw_arr_end(w);
}

static const hu_opt longevity_opts[] = {
    {"profile", "NAME", 0, "the battery profile"},
    {"battery", "primary|rechargeable", 0, "the cell, when no profile is named"},
    {"table", NULL, 0, "also a table by amplitude and impedance"},
    {"json", NULL, 0, "the estimate as JSON"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd longevity_cmd = {"nmod longevity", "THERAPY.json [--profile NAME] [--battery primary|rechargeable] [--table] [--json]",
                                     "years to ERI (primary) or the recharge interval and years of service (rechargeable)",
                                     longevity_opts, 1, 1};

int cmd_longevity(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &longevity_cmd, argc, argv);
  if (rc >= 0) return rc;
  const char *path = args.pos[0], *profile = hu_args_get(&args, "profile"), *battery = hu_args_get(&args, "battery");
  int json = hu_args_flag(&args, "json"), table = hu_args_flag(&args, "table");
  static tf_therapy_t t;
  char err[512];
  const nm_profile_t *pf = NULL;
  if (lg_pick_profile(profile, battery, NM_THERAPY_SCS, 0, &pf, err, sizeof err) != 0) {
    cli_error("longevity", "%s", err);
    return CLI_USAGE;
  }
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("longevity", "%s", err);
    return CLI_USAGE;
  }
  if (!pf) pf = nm_profile_get(nm_profile_default(t.therapy)); /* neither given: the therapy's default */
  static dry_dev_t dd;
  static dry_result_t dr;
  if (dry_run(&dd, &t, &dr) != NM_OK) { /* the device would not take it: no battery life to tell */
    cli_refusal_print("longevity", &t, dr.status, &dr.why);
    return CLI_REFUSED;
  }
  nm_draw_t d;
  lg_draw(&t, pf, &d);
  nm_longevity_t lg;
  nm_batt_longevity(pf, &d, &lg);
  /* The current shown is at the middle of the cell's voltage curve. */
  uint64_t na = nm_energy_battery_na(pf, &d, nm_ocv_mv(pf->chem, 500u)), fixed = nm_energy_fixed_na(pf);
  double years_eri = (double)lg.eri_mh / MH_PER_YEAR, years_eos = (double)lg.eos_mh / MH_PER_YEAR;
  double interval_days = (double)lg.interval_mh / MH_PER_DAY, service = (double)lg.service_mh / MH_PER_YEAR;
  double hour_days = (double)lg.one_hour_mh / MH_PER_DAY, charge_min = lg.charge_mmin / 1000.0;
  char a[32], b[32];
  if (json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_kv_str(&w, "profile", pf->name);
    jw_kv_str(&w, "battery", pf->cell == NM_CELL_PRIMARY ? "primary" : "rechargeable");
    jw_kv_fixed(&w, "capacity_mah", nm_batt_usable_uah(pf), 3);
    jw_kv_fixed(&w, "average_current_ua", (int64_t)na, 3);
    jw_kv_fixed(&w, "fixed_current_ua", (int64_t)fixed, 3);
    if (pf->cell == NM_CELL_PRIMARY) {
      jw_kv_uint(&w, "hours_to_eri", lg.eri_mh / 1000u);
      jw_kv_double(&w, "years_to_eri", years_eri, 3);
      jw_kv_double(&w, "years_to_eos", years_eos, 3);
    } else {
      jw_kv_double(&w, "recharge_interval_days", interval_days, 3);
      jw_kv_double(&w, "charge_minutes_per_day", charge_min, 1);
      jw_kv_double(&w, "one_hour_charge_days", hour_days, 3);
      jw_kv_double(&w, "years_of_service", service, 2);
      jw_kv_uint(&w, "recharges", lg.recharges);
    }
    if (table) table_json(&w, &t, pf);
    jw_obj_end(&w);
    jw_end(&w);
    return CLI_OK;
  }
  printf("profile %s: %s\n", pf->name, pf->label);
  printf("average battery current %s uA (%s uA of it fixed: quiescent and daily overhead)\n",
         hu_fmt_fixed(a, sizeof a, (int64_t)na, 3, 1), hu_fmt_fixed(b, sizeof b, (int64_t)fixed, 3, 1));
  if (pf->cell == NM_CELL_PRIMARY) {
    printf("primary cell of %u mAh usable: %.2f years to elective replacement (ERI), %.2f years to end of service\n",
           nm_batt_usable_uah(pf) / 1000u, years_eri, years_eos);
  } else {
    printf("rechargeable cell of %s mAh usable: recharge every %.1f days (full to %u %%), %.1f minutes of charging a "
           "day, one hour of charging lasts %.1f days\n",
           hu_fmt_fixed(a, sizeof a, nm_batt_usable_uah(pf), 3, 1), interval_days, pf->low_pm / 10u, charge_min, hour_days);
    printf("service: %.1f years, %u recharges\n", service, lg.recharges);
  }
  if (table) table_text(&t, pf);
  return CLI_OK;
}
