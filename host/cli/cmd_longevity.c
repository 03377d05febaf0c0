/* cmd_longevity.c: nmod longevity THERAPY.json --battery primary|rechargeable [--json]
 * Expected years to ERI on a primary cell, or the recharge interval and years of service
 * on a rechargeable one, for the therapy's running programs at their programmed amplitude,
 * from the same energy model the simulator drains its battery with. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fmt.h"
#include "json.h"
#include "longevity.h"

int cmd_longevity(int argc, char **argv) {
  const char *path = NULL;
  int json = 0, cell = -1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--battery") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      cell = strcmp(v, "primary") == 0 ? NM_CELL_PRIMARY : strcmp(v, "rechargeable") == 0 ? NM_CELL_RECHARGEABLE : -2;
      if (cell < 0) {
        cli_error("longevity", "--battery '%s': use primary or rechargeable", v);
        return CLI_USAGE;
      }
    } else if (argv[i][0] == '-' || path) {
      cli_error("longevity", "unexpected '%s' (usage: nmod longevity THERAPY.json --battery primary|rechargeable [--json])",
                argv[i]);
      return CLI_USAGE;
    } else {
      path = argv[i];
    }
  }
  if (!path || cell < 0) {
    cli_error("longevity", "usage: nmod longevity THERAPY.json --battery primary|rechargeable [--json]");
    return CLI_USAGE;
  }
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("longevity", "%s", err);
    return CLI_USAGE;
  }
  for (uint8_t i = 0; i < t.n_prog; i++) {
    nm_safety_report_t rep;
    if (nm_safety_check(&t.prog[i], &t.lead, &t.load, &rep) == NM_VERDICT_REFUSE) {
      cli_print_refusal("longevity", &t, NM_EREFUSED, i, &rep);
      return CLI_REFUSED;
    }
  }
  nm_batt_cfg_t cfg;
  nm_batt_defaults(&cfg, (uint8_t)cell);
  uint64_t na = lg_avg_na(&t, &cfg);
  nm_longevity_t lg;
  nm_batt_longevity(&cfg, na, &lg);
  double years_eri = (double)lg.hours_to_eri / 8766.0, years_eos = (double)lg.hours_to_eos / 8766.0;
  double interval_days = (double)lg.recharge_interval_mh / 1000.0 / 24.0, service = (double)lg.service_hours / 8766.0;
  char a[32];
  if (json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "battery");
    jw_str(&w, cell == NM_CELL_PRIMARY ? "primary" : "rechargeable");
    jw_key(&w, "capacity_mah");
    jw_fixed(&w, cfg.rated_uah, 3);
    jw_key(&w, "average_current_ua");
    jw_fixed(&w, (int64_t)na, 3);
    if (cell == NM_CELL_PRIMARY) {
      jw_key(&w, "hours_to_eri");
      jw_uint(&w, lg.hours_to_eri);
      jw_key(&w, "years_to_eri");
      jw_double(&w, years_eri, 3);
      jw_key(&w, "years_to_eos");
      jw_double(&w, years_eos, 3);
    } else {
      jw_key(&w, "recharge_interval_days");
      jw_double(&w, interval_days, 2);
      jw_key(&w, "years_of_service");
      jw_double(&w, service, 2);
      jw_key(&w, "recharges");
      jw_uint(&w, lg.recharges);
    }
    jw_obj_end(&w);
    jw_end(&w);
    return CLI_OK;
  }
  printf("average battery current %s uA (stimulation and %s uA quiescent)\n", fmt_fixed(a, sizeof a, (int64_t)na, 3, 1),
         fmt_fixed(a + 16, 16, cfg.energy.quiescent_na, 3, 1));
  if (cell == NM_CELL_PRIMARY) {
    printf("primary cell of %u mAh: %.2f years to elective replacement (ERI), %.2f years to end of service\n",
           cfg.rated_uah / 1000u, years_eri, years_eos);
  } else {
    printf("rechargeable cell of %u mAh: recharge every %.1f days (full to %u %%), %.1f years of service, %u recharges\n",
           cfg.rated_uah / 1000u, interval_days, cfg.low_pm / 10u, service, lg.recharges);
  }
  return CLI_OK;
}
