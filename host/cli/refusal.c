/* refusal.c: a stimulator's refusal of a therapy (dev_refusal_t), in words on stderr and as
 * one JSON object: the same for nmod check's dry run, the programmer and simulate. */
#include <stdio.h>

#include "cli.h"
#include "report.h"

static void line_print(void *user, const char *line) {
  (void)user;
  fprintf(stderr, "  - %s\n", line);
}

void cli_refusal_print(const char *cmd, const tf_therapy_t *t, int st, const dev_refusal_t *why) {
  char set[256];
  if (st == NM_EREFUSED && why->slot < t->n_prog) {
    cli_error(cmd, "program \"%s\" refused by the safety supervisor (run 'nmod check' for details):", t->prog[why->slot].name);
    report_reasons(&t->prog[why->slot], &t->lead, &t->load, &why->rep, line_print, NULL);
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
  jw_kv_str(w, "status", nm_err_str(st));
  jw_kv_str_opt(w, "program", st == NM_EREFUSED && why->slot < t->n_prog ? t->prog[why->slot].name : NULL);
  jw_kv_uint(w, "reason_bits", st == NM_EREFUSED ? why->rep.reasons : 0u);
  jw_kv_str(w, "running_set", report_set_code(st == NM_EREFUSED ? why->set : (uint8_t)NM_SET_OK));
  jw_obj_end(w);
}
