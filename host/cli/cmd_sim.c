/* cmd_sim.c: nmod sim --kind ets|ins --therapy scs|snm --lead MODEL --state DIR
 *                     --listen 127.0.0.1:PORT [--time-scale N] [--lead-fault E2=open|short]
 *                     [--battery primary|rechargeable] [--profile NAME] [--battery-pct N]
 *                     [--link ble|mics] [--quiet]
 * A simulated stimulator as a service (see host/lib/simsvc.h). SIGUSR1 / SIGUSR2: a stuck
 * flash on / healed. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hu_contact.h"
#include "hu_dec.h"
#include "link.h"
#include "longevity.h"
#include "simsvc.h"
#include "sim.h"

/* The device's kind, therapy, lead, clock and charge may be given again: the last one counts
 * (scripts and the e2e harness add to a base line). */
static const hu_opt sim_opts[] = {
    {"kind", "ets|ins", HU_OPT_MANY, "external trial stimulator or implanted"},
    {"therapy", "scs|snm", HU_OPT_MANY, "spinal cord or sacral neuromodulation"},
    {"lead", "MODEL", HU_OPT_MANY, "snm-tined-4, scs-perc-8 or scs-paddle-16"},
    {"state", "DIR", 0, "where the device keeps its memory and keys (required)"},
    {"listen", "127.0.0.1:PORT", 0, "the loopback address to serve (required; port 0: any)"},
    {"battery", "primary|rechargeable", 0, "the cell"},
    {"profile", "NAME", 0, "the battery profile"},
    {"time-scale", "N", HU_OPT_MANY, "virtual seconds per second (1 to 1000000)"},
    {"lead-fault", "E2=open|short", HU_OPT_MANY, "a broken or shorted contact (repeatable)"},
    {"battery-pct", "N", HU_OPT_MANY, "the charge at start (0 to 100)"},
    {"link", "ble|mics", 0, "the radio link"},
    {"quiet", NULL, 0, "print only the listening line"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd sim_cmd = {
    "nmod sim",
    "--kind ets|ins --therapy scs|snm --lead MODEL --state DIR --listen 127.0.0.1:PORT [--battery primary|rechargeable] "
    "[--profile NAME] [--time-scale N] [--lead-fault E2=open|short] [--battery-pct N] [--link ble|mics] [--quiet]",
    "a simulated stimulator as a service on loopback (SIGUSR1/SIGUSR2: a stuck flash on/healed)", sim_opts, 0, 0};

/* The service's renderers: its log on stderr, its listening line on stdout (scripts wait for
 * it, so it goes out at once). */
static void sim_log_print(void *user, const char *line) {
  (void)user;
  cli_error("sim", "%s", line);
}

static void sim_ready_print(void *user, const svc_ready_t *r) {
  (void)user;
  printf("nmod sim: %s, %s %s, lead %s, %s; listening on 127.0.0.1:%u\n", r->serial, r->kind, r->therapy, r->lead,
         r->new_device ? "new device (clinician key in the state folder)" : "restored from its flash", r->port);
  fflush(stdout);
}

int cmd_sim(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &sim_cmd, argc, argv);
  if (rc >= 0) return rc;
  svc_cfg_t cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.kind = cfg.therapy = cfg.lead_model = cfg.battery_pct = cfg.cell = -1;
  cfg.time_scale = 1;
  cfg.quiet = hu_args_flag(&args, "quiet");
  /* Each option with a value, in the table's order (--lead-fault may repeat). */
  for (const hu_opt *o = sim_opts; o->name; o++) {
    const char *a = o->name, *v;
    for (int k = 0; o->arg && (v = hu_args_nth(&args, a, k)) != NULL; k++) {
      uint64_t u;
      if (strcmp(a, "kind") == 0) {
        cfg.kind = strcmp(v, "ets") == 0 ? 0 : strcmp(v, "ins") == 0 ? 1 : -2;
        if (cfg.kind < 0) {
          cli_error("sim", "--kind '%s': use ets (external trial stimulator) or ins (implanted)", v);
          return CLI_USAGE;
        }
      } else if (strcmp(a, "therapy") == 0) {
        cfg.therapy = strcmp(v, "scs") == 0 ? NM_THERAPY_SCS : strcmp(v, "snm") == 0 ? NM_THERAPY_SNM : -2;
        if (cfg.therapy < 0) {
          cli_error("sim", "--therapy '%s': use scs or snm", v);
          return CLI_USAGE;
        }
      } else if (strcmp(a, "lead") == 0) {
        cfg.lead_model = nm_lead_by_name(v);
        if (cfg.lead_model == NM_LEAD_CUSTOM) {
          cli_error("sim", "--lead '%s': use snm-tined-4, scs-perc-8 or scs-paddle-16", v);
          return CLI_USAGE;
        }
      } else if (strcmp(a, "state") == 0) {
        cfg.state_dir = v;
      } else if (strcmp(a, "listen") == 0) {
        cfg.listen = v;
      } else if (strcmp(a, "time-scale") == 0) {
        if (hu_dec_urange(v, 0, 1, 1000000, &u) != 0) {
          cli_error("sim", "--time-scale '%s': a whole number from 1 to 1000000 (virtual seconds per second)", v);
          return CLI_USAGE;
        }
        cfg.time_scale = (uint32_t)u;
      } else if (strcmp(a, "battery") == 0) {
        cfg.cell = strcmp(v, "primary") == 0 ? NM_CELL_PRIMARY : strcmp(v, "rechargeable") == 0 ? NM_CELL_RECHARGEABLE : -2;
        if (cfg.cell < 0) {
          cli_error("sim", "--battery '%s': use primary or rechargeable", v);
          return CLI_USAGE;
        }
      } else if (strcmp(a, "profile") == 0) {
        if (!nm_profile_by_name(v)) {
          cli_error("sim", "--profile '%s' is not a profile nmod knows: use one of %s", v, lg_profile_names());
          return CLI_USAGE;
        }
        cfg.profile = v;
      } else if (strcmp(a, "battery-pct") == 0) {
        if (hu_dec_urange(v, 0, 0, 100, &u) != 0) {
          cli_error("sim", "--battery-pct '%s': a whole number from 0 to 100", v);
          return CLI_USAGE;
        }
        cfg.battery_pct = (int)u;
      } else if (strcmp(a, "link") == 0) {
        cfg.link = link_parse(v);
        if (cfg.link < 0) {
          cli_error("sim", "--link '%s': use ble or mics", v);
          return CLI_USAGE;
        }
      } else if (strcmp(a, "lead-fault") == 0) {
        const char *eq = strchr(v, '=');
        int n = eq ? hu_contact_parse_n(v, (size_t)(eq - v), HU_CONTACT_NO_CASE) : -1;
        uint8_t f = eq && strcmp(eq + 1, "open") == 0 ? SIM_FAULT_OPEN : eq && strcmp(eq + 1, "short") == 0 ? SIM_FAULT_SHORT : 0;
        if (n < 0 || !f) {
          cli_error("sim", "--lead-fault '%s': use CONTACT=open or CONTACT=short, for example E2=open", v);
          return CLI_USAGE;
        }
        cfg.fault[n] = f;
      }
    }
  }
  if (!cfg.state_dir || !cfg.listen) {
    cli_error("sim", "--state DIR and --listen HOST:PORT are required (usage: %s %s)", sim_cmd.prog, sim_cmd.usage);
    return CLI_USAGE;
  }
  cfg.log = sim_log_print;
  cfg.ready = sim_ready_print;
  svc_err_t err;
  rc = svc_run(&cfg, &err);
  if (rc != SVC_OK) cli_error("sim", "%s", err.msg);
  return rc == SVC_OK ? CLI_OK : rc == SVC_EUSAGE ? CLI_USAGE : CLI_FAIL;
}
