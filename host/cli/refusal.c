/* refusal.c: a stimulator's refusal of a therapy (dev_refusal_t), in words on stderr and as
 * one JSON object: the same for nmod check's dry run, the programmer and simulate. */
#include <stdio.h>

#include "cli.h"
#include "report.h"

static void print_line(void *user, const char *line) {
  (void)user;
  fprintf(stderr, "  - %s\n", line);
}

void cli_print_refusal(const char *cmd, const tf_therapy_t *t, int st, const dev_refusal_t *why) {
  char set[256];
  if (st == NM_EREFUSED && why->slot < t->n_prog) {
    cli_error(cmd, "program \"%s\" refused by the safety supervisor (run 'nmod check' for details):", t->prog[why->slot].name);
    report_reasons(&t->prog[why->slot], &t->lead, &t->load, &why->rep, print_line, NULL);
  } else if (st == NM_EREFUSED && (why->rep.reasons & NM_R_INTERLEAVE)) {
    cli_error(cmd, "the running programs cannot run together: %s", report_set(set, sizeof set, why->set, t));
  } else {
    cli_error(cmd, "the device refused the therapy: %s", nm_err_str(st));
  }
}

void cli_json_refusal(js_w *w, const tf_therapy_t *t, int st, const dev_refusal_t *why) {
  jw_key(w, "refusal");
  if (st == NM_OK) {
    jw_null(w);
    return;
  }
  jw_obj(w);
  jw_key(w, "status");
  jw_str(w, nm_err_str(st));
  jw_key(w, "program");
  if (st == NM_EREFUSED && why->slot < t->n_prog) jw_str(w, t->prog[why->slot].name);
  else jw_null(w);
  jw_key(w, "reason_bits");
  jw_uint(w, st == NM_EREFUSED ? why->rep.reasons : 0u);
  jw_key(w, "running_set");
  jw_str(w, report_set_code(st == NM_EREFUSED ? why->set : (uint8_t)NM_SET_OK));
  jw_obj_end(w);
}
