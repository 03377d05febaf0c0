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

static void reason_text(void *user, const char *line) {
  sink_t *s = user;
  if (s->w) jw_str(s->w, line);
  else printf("  - %s\n", line);
}

static void json_contacts(js_w *w, const nm_safety_report_t *rep) {
  char node[8];
  jw_kv_arr(w, "contacts");
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    jw_obj(w);
    jw_kv_str(w, "contact", hu_contact_name(node, sizeof node, e->node));
    jw_kv_int(w, "fraction_pct", e->frac_pct);
    jw_kv_fixed(w, "charge_uc", e->charge_pc, 6);
    jw_kv_fixed(w, "density_uc_cm2", e->density_nc_cm2, 3);
    jw_kv_fixed_opt(w, "shannon_k", e->shannon_k_milli != NM_SHANNON_K_NONE, e->shannon_k_milli, 3);
    jw_kv_fixed(w, "voltage_v", e->volt_mv, 3);
    jw_obj_end(w);
  }
  jw_arr_end(w);
}

static void contacts_text(const nm_safety_report_t *rep) {
  char node[8], q[24], v[24], d[24], k[24];
  printf("  contact  fraction  charge/phase  density        Shannon k  voltage\n");
  for (uint8_t i = 0; i < rep->n_nodes; i++) {
    const nm_node_eval_t *e = &rep->node[i];
    printf("  %-7s  %+4d %%    %8s uC   %7s uC/cm2  %9s  %s V\n", hu_contact_name(node, sizeof node, e->node),
           e->frac_pct, hu_fmt_fixed(q, sizeof q, e->charge_pc, 6, 1), report_density(d, sizeof d, e),
           report_k(k, sizeof k, e), hu_fmt_fixed(v, sizeof v, e->volt_mv, 3, 1));
  }
}

static void program_text(const nm_prog_t *p, const nm_safety_report_t *rep) {
  char a[24], b[24], c[24], d[24];
  printf("program \"%s\": %s %u Hz", p->name, nm_wave_name(p->wave), p->rate_hz);
  if (p->wave == NM_WAVE_BURST) printf(" (%u pulses at %u Hz)", p->burst_pulses, p->intra_hz);
  printf(", %u us, %s mA, patient %s-%s mA: %s at %s mA\n", p->width_us, hu_fmt_fixed(a, sizeof a, p->amp_ua, 3, 1),
         hu_fmt_fixed(b, sizeof b, p->pt_min_ua, 3, 1), hu_fmt_fixed(c, sizeof c, p->pt_max_ua, 3, 1),
         report_verdict(rep->verdict), hu_fmt_fixed(d, sizeof d, rep->eval_amp_ua, 3, 1));
}

/* What the device refuses beyond the programs' own reports (the running set, or the
 * therapy as a whole), as one line into buf; NULL when nothing. */
static const char *set_refusal(const tf_therapy_t *t, const dry_result_t *dr, char *buf, size_t cap) {
  const nm_safety_report_t *reps = dr->prog;
  if (dr->status == NM_EREFUSED && dr->why.slot == 0xFF) {
    return (dr->why.rep.reasons & NM_R_INTERLEAVE) ? report_set(buf, cap, dr->why.set, t)
                                                   : "the stimulator refuses this therapy for its lead";
  }
  if (dr->status == NM_EREFUSED && reps[dr->why.slot].verdict != NM_VERDICT_REFUSE) {
    snprintf(buf, cap, "the stimulator refuses program \"%s\"", t->prog[dr->why.slot].name);
    return buf;
  }
  if (dr->status != NM_OK && dr->status != NM_EREFUSED && !(reps[0].reasons & NM_R_LEAD)) {
    snprintf(buf, cap, "the stimulator refuses this therapy: %s", nm_err_str(dr->status));
    return buf;
  }
  return NULL;
}

/* The renderers of one dry run: its therapy, result and set refusal (NULL: none). */
static void check_json(const tf_therapy_t *t, const dry_result_t *dr, const char *set_reason) {
  const nm_safety_report_t *reps = dr->prog;
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
  jw_kv_str(&w, "verdict", report_verdict(dr->verdict));
  jw_kv_str(&w, "therapy", t->therapy == NM_THERAPY_SNM ? "snm" : "scs");
  jw_kv_str(&w, "lead", nm_lead_name(t->lead.model));
  jw_kv_uint(&w, "impedance_ohm", t->load.impedance_ohm);
  jw_kv_fixed(&w, "compliance_v", t->load.compliance_mv, 3);
  jw_kv_arr(&w, "reasons");
  if (set_reason) jw_str(&w, set_reason);
  jw_arr_end(&w);
  cli_json_refusal(&w, t, dr->status, &dr->why);
  jw_kv_arr(&w, "programs");
  for (uint8_t i = 0; i < t->n_prog; i++) {
    jw_obj(&w);
    jw_kv_str(&w, "name", t->prog[i].name);
    jw_kv_str(&w, "verdict", report_verdict(reps[i].verdict));
    jw_kv_bool(&w, "running", (t->running_mask & (1u << i)) != 0);
    jw_kv_fixed(&w, "amplitude_ma", reps[i].eval_amp_ua, 3);
    jw_kv_fixed(&w, "voltage_v", reps[i].volt_mv, 3);
    jw_kv_arr(&w, "reasons");
    sink_t s = {&w, 0};
    report_reasons(&t->prog[i], &t->lead, &t->load, &reps[i], reason_text, &s);
    jw_arr_end(&w);
    json_contacts(&w, &reps[i]);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

static void check_text(const tf_therapy_t *t, const dry_result_t *dr, const char *set_reason) {
  const nm_safety_report_t *reps = dr->prog;
  char a[24], z[24];
  printf("therapy %s on lead %s (%u contacts of %s mm2), load %u ohm, compliance %s V\n",
         t->therapy == NM_THERAPY_SNM ? "snm" : "scs", nm_lead_name(t->lead.model), t->lead.n_contacts,
         hu_fmt_fixed(a, sizeof a, t->lead.area_um2, 6, 1), t->load.impedance_ohm,
         hu_fmt_fixed(z, sizeof z, t->load.compliance_mv, 3, 1));
  for (uint8_t i = 0; i < t->n_prog; i++) {
    program_text(&t->prog[i], &reps[i]);
    sink_t s = {NULL, 1};
    report_reasons(&t->prog[i], &t->lead, &t->load, &reps[i], reason_text, &s);
    if (reps[i].n_nodes) contacts_text(&reps[i]);
  }
  if (set_reason) printf("running programs: refuse\n  - %s\n", set_reason);
  printf("verdict: %s\n", report_verdict(dr->verdict));
}

static const hu_opt check_opts[] = {{"json", NULL, 0, "the verdicts as JSON"}, {NULL, NULL, 0, NULL}};
static const hu_cmd check_cmd = {"nmod check", "THERAPY.json [--json]",
                                 "judge a therapy file against the safety limits, as the stimulator would", check_opts, 1, 1};

int cmd_check(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &check_cmd, argc, argv);
  if (rc >= 0) return rc;
  static tf_therapy_t t;
  char err[512];
  if (tf_load(args.pos[0], &t, err, sizeof err) != 0) {
    cli_error("check", "%s", err);
    return CLI_USAGE;
  }
  static dry_dev_t dd;
  static dry_result_t dr;
  (void)dry_run(&dd, &t, &dr); /* its status is in dr: the verdict and the refusal */
  char buf[256];
  const char *set_reason = set_refusal(&t, &dr, buf, sizeof buf);
  if (hu_args_flag(&args, "json")) check_json(&t, &dr, set_reason);
  else check_text(&t, &dr, set_reason);
  return dr.verdict == NM_VERDICT_REFUSE ? CLI_REFUSED : CLI_OK;
}
