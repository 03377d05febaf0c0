/* cmd_check.c: nmod check THERAPY.json [--json]
 *
 * Dry-runs the therapy on the firmware core itself (dryrun.h): each program judged by the
 * core's supervisor (CHECK) at the highest amplitude it can reach, then the whole therapy
 * sent as `nmod programmer program` sends it (PROGRAM_ALL), so the verdict, the program
 * refused and why the running set cannot run are the device's. Exit 0 ok/warn, 3 refuse,
 * 2 invalid file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dryrun.h"
#include "hu_fmt.h"
#include "hu_contact.h"
#include "json.h"
#include "report.h"
#include "therapy_file.h"

typedef struct {
  js_w *w;   /* JSON: reasons go into an array */
  int text;  /* text: reasons printed as lines */
} sink_t;

static void reason_line(void *user, const char *line) {
  sink_t *s = user;
  if (s->w) jw_str(s->w, line);
  else printf("  - %s\n", line);
}

static void json_contacts(js_w *w, const nm_safety_report_t *rep) {
  char node[8];
  jw_key(w, "contacts");
  jw_arr(w);
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    jw_obj(w);
    jw_key(w, "contact");
    jw_str(w, hu_contact_name(node, sizeof node, e->node));
    jw_key(w, "fraction_pct");
    jw_int(w, e->frac_pct);
    jw_key(w, "charge_uc");
    jw_fixed(w, e->charge_pc, 6);
    jw_key(w, "density_uc_cm2");
    jw_fixed(w, e->density_nc_cm2, 3);
    jw_key(w, "shannon_k");
    if (e->shannon_k_milli != NM_SHANNON_K_NONE) jw_fixed(w, e->shannon_k_milli, 3); else jw_null(w);
    jw_key(w, "voltage_v");
    jw_fixed(w, e->volt_mv, 3);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void text_contacts(const nm_safety_report_t *rep) {
  char node[8], q[24], v[24], d[24], k[24];
  printf("  contact  fraction  charge/phase  density        Shannon k  voltage\n");
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    printf("  %-7s  %+4d %%    %8s uC   %7s uC/cm2  %9s  %s V\n", hu_contact_name(node, sizeof node, e->node),
           e->frac_pct, hu_fmt_fixed(q, sizeof q, e->charge_pc, 6, 1), report_density(d, sizeof d, e),
           report_k(k, sizeof k, e), hu_fmt_fixed(v, sizeof v, e->volt_mv, 3, 1));
  }
}

static void text_program(const nm_prog_t *p, const nm_safety_report_t *rep) {
  char a[24], b[24], c[24], d[24];
  printf("program \"%s\": %s %u Hz", p->name, nm_wave_name(p->wave), p->rate_hz);
  if (p->wave == NM_WAVE_BURST) printf(" (%u pulses at %u Hz)", p->burst_pulses, p->intra_hz);
  printf(", %u us, %s mA, patient %s-%s mA: %s at %s mA\n", p->width_us, hu_fmt_fixed(a, sizeof a, p->amp_ua, 3, 1),
         hu_fmt_fixed(b, sizeof b, p->pt_min_ua, 3, 1), hu_fmt_fixed(c, sizeof c, p->pt_max_ua, 3, 1),
         report_verdict(rep->verdict), hu_fmt_fixed(d, sizeof d, rep->eval_amp_ua, 3, 1));
}

static const hu_opt check_opts[] = {
    {"json", NULL, 0, "the verdicts as JSON"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd check_cmd = {"nmod check", "THERAPY.json [--json]",
                                 "judge a therapy file against the safety limits, as the stimulator would", check_opts, 1, 1};

int cmd_check(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &check_cmd, argc, argv);
  if (rc >= 0) return rc;
  const char *path = args.pos[0];
  int json = hu_args_flag(&args, "json");
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("check", "%s", err);
    return CLI_USAGE;
  }

  static dry_dev_t dd;
  static dry_result_t dr;
  (void)dry_run(&dd, &t, &dr);
  const nm_safety_report_t *reps = dr.prog;
  uint8_t worst = dr.verdict;
  /* What the device refuses beyond the programs' own reports: the running set, or the
   * therapy as a whole. */
  const char *set_reason = NULL;
  char set_buf[256];
  if (dr.status == NM_EREFUSED && dr.why.slot == 0xFF) {
    set_reason = (dr.why.rep.reasons & NM_R_INTERLEAVE) ? report_set(set_buf, sizeof set_buf, dr.why.set, &t)
                                                         : "the stimulator refuses this therapy for its lead";
  } else if (dr.status == NM_EREFUSED && reps[dr.why.slot].verdict != NM_VERDICT_REFUSE) {
    snprintf(set_buf, sizeof set_buf, "the stimulator refuses program \"%s\"", t.prog[dr.why.slot].name);
    set_reason = set_buf;
  } else if (dr.status != NM_OK && dr.status != NM_EREFUSED && !(reps[0].reasons & NM_R_LEAD)) {
    snprintf(set_buf, sizeof set_buf, "the stimulator refuses this therapy: %s", nm_err_str(dr.status));
    set_reason = set_buf;
  }

  if (json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "verdict");
    jw_str(&w, report_verdict(worst));
    jw_key(&w, "therapy");
    jw_str(&w, t.therapy == NM_THERAPY_SNM ? "snm" : "scs");
    jw_key(&w, "lead");
    jw_str(&w, nm_lead_name(t.lead.model));
    jw_key(&w, "impedance_ohm");
    jw_uint(&w, t.load.impedance_ohm);
    jw_key(&w, "compliance_v");
    jw_fixed(&w, t.load.compliance_mv, 3);
    jw_key(&w, "reasons");
    jw_arr(&w);
    if (set_reason) jw_str(&w, set_reason);
    jw_arr_end(&w);
    cli_json_refusal(&w, &t, dr.status, &dr.why);
    jw_key(&w, "programs");
    jw_arr(&w);
    for (uint8_t i = 0; i < t.n_prog; i++) {
      jw_obj(&w);
      jw_key(&w, "name");
      jw_str(&w, t.prog[i].name);
      jw_key(&w, "verdict");
      jw_str(&w, report_verdict(reps[i].verdict));
      jw_key(&w, "running");
      jw_bool(&w, (t.running_mask & (1u << i)) != 0);
      jw_key(&w, "amplitude_ma");
      jw_fixed(&w, reps[i].eval_amp_ua, 3);
      jw_key(&w, "voltage_v");
      jw_fixed(&w, reps[i].volt_mv, 3);
      jw_key(&w, "reasons");
      jw_arr(&w);
      sink_t s = {&w, 0};
      report_reasons(&t.prog[i], &t.lead, &t.load, &reps[i], reason_line, &s);
      jw_arr_end(&w);
      json_contacts(&w, &reps[i]);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    char a[24], z[24];
    printf("therapy %s on lead %s (%u contacts of %s mm2), load %u ohm, compliance %s V\n",
           t.therapy == NM_THERAPY_SNM ? "snm" : "scs", nm_lead_name(t.lead.model), t.lead.n_contacts,
           hu_fmt_fixed(a, sizeof a, t.lead.area_um2, 6, 1), t.load.impedance_ohm,
           hu_fmt_fixed(z, sizeof z, t.load.compliance_mv, 3, 1));
    for (uint8_t i = 0; i < t.n_prog; i++) {
      text_program(&t.prog[i], &reps[i]);
      sink_t s = {NULL, 1};
      report_reasons(&t.prog[i], &t.lead, &t.load, &reps[i], reason_line, &s);
      if (reps[i].n_nodes) text_contacts(&reps[i]);
    }
    if (set_reason) printf("running programs: refuse\n  - %s\n", set_reason);
    printf("verdict: %s\n", report_verdict(worst));
  }
  return worst == NM_VERDICT_REFUSE ? CLI_REFUSED : CLI_OK;
}
