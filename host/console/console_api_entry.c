/* console_api_entry.c: the staff's data entry over the API (docs/CONSOLE.md "The API"): a
 * patient's diary days (entered and deleted), visits and SNM lead-placement responses.
 *
 * Each change runs the CLI's own command through clinic_call (`diary add`, `diary delete`,
 * `visit add`, `lead-response add`), so a value passes exactly the validation of the command
 * line, in its transaction, and is audited as console:USER by the tables' triggers with the
 * values before and after. Values go in as `--option=VALUE`, never as a separate argument, so
 * no value can read as an option. A refused value is a 400 (or 409 for a rule) with the
 * clinic's one line, and nothing is stored.
 */
#define _POSIX_C_SOURCE 200809L
#include <string.h>

#include "clinic_int.h"
#include "console_api.h"
#include "console_api_clinic.h"
#include "console_srv.h"

/* An argv for clinic_call with its option strings in one caller-owned buffer. */
typedef struct {
  const char *argv[24];
  int argc;
  char buf[4096];
  size_t used;
} entry_args;

static void args_word(entry_args *a, const char *w) {
  if (a->argc < (int)(sizeof a->argv / sizeof a->argv[0])) a->argv[a->argc++] = w;
}

/* --name=value; 0, or -1 when the buffer is full (the route's body limit keeps it from it). */
static int args_opt(entry_args *a, const char *name, const char *value, console_resp *rs) {
  size_t room = sizeof a->buf - a->used;
  int n = snprintf(a->buf + a->used, room, "--%s=%s", name, value);
  if (n < 0 || (size_t)n >= room || a->argc >= (int)(sizeof a->argv / sizeof a->argv[0])) {
    console_fail(rs, 413, "too_large", "the change holds too many values");
    return -1;
  }
  args_word(a, a->buf + a->used);
  a->used += (size_t)n + 1;
  return 0;
}

/* A value the CLI reads as text: a JSON string, or a number as its literal text ("5", "5.5":
 * the clinic says what is wrong with the latter). */
static const char *value_text(const js_val *v) {
  if (v->type == JS_STR && strlen(v->str) == v->str_len) return v->str;
  if (v->type == JS_NUM) return v->str;
  return NULL;
}

/* POST /patients/{code}/diary {"date": D, FIELD: N...}: `diary add CODE --date=D --FIELD=N`. */
static void api_diary_add(console_req *rq, console_resp *rs) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  entry_args a = {.argc = 0};
  args_word(&a, "diary");
  args_word(&a, "add");
  args_word(&a, code);
  int bad = 0, have_date = 0;
  for (size_t i = 0; !bad && i < b->n; i++) {
    const char *k = b->keys[i];
    const js_val *v = &b->items[i];
    int known = strcmp(k, "date") == 0;
    for (int f = 0; !known && f < CLINIC_DIARY_NFIELDS; f++) known = strcmp(k, clinic_diary_fields[f].name) == 0;
    if (!known) {
      console_fail(rs, 400, "bad_field", "'%.40s' is no diary field: use date, nrs, morning, evening, incontinence, urgency or pads", k);
      bad = 1;
    } else if (v->type != JS_NULL) {
      const char *t = value_text(v);
      if (!t || strlen(t) > 32) {
        console_fail(rs, 400, "bad_field", "\"%s\" must be a whole number (or the date as YYYY-MM-DD)", k);
        bad = 1;
      } else {
        bad = args_opt(&a, k, t, rs) != 0;
        have_date |= strcmp(k, "date") == 0;
      }
    }
  }
  if (!bad && !have_date) console_fail(rs, 400, "missing_field", "\"date\" is needed (YYYY-MM-DD)");
  else if (!bad && console_clinic_json(rq, rs, a.argc, a.argv, 201) == 0)
    console_log("%s entered %s's diary day", rq->who->user, code);
  js_free(b);
}

/* DELETE /patients/{code}/diary/{date}: `diary delete CODE --date=D` (a correction). */
static void api_diary_delete(console_req *rq, console_resp *rs) {
  const char *code = console_patient_code(rq, rs);
  if (!code) return;
  const char *date = console_param(rq, "date");
  entry_args a = {.argc = 0};
  args_word(&a, "diary");
  args_word(&a, "delete");
  args_word(&a, code);
  if (args_opt(&a, "date", date ? date : "", rs) == 0) console_clinic_json(rq, rs, a.argc, a.argv, 200);
}

/* A change that is one CLI command with --options: each member of the body is one option
 * (key: the JSON member, opt: the CLI's option), the first `required` of them needed. */
typedef struct {
  const char *cmd;
  size_t n, required;
  const char *keys[6], *opts[6];
} entry_cmd;

static const entry_cmd visit_cmd = {"visit", 3, 1, {"kind", "date", "note"}, {"kind", "date", "note"}};
static const entry_cmd lead_cmd = {"lead-response", 5, 2, {"contact", "response", "threshold_ma", "date", "note"},
                                   {"contact", "response", "threshold-ma", "date", "note"}};

/* `CMD add CODE --OPT=VALUE...` from the body; an unknown member is a 400, not dropped. */
static void run_cmd(console_req *rq, console_resp *rs, const entry_cmd *ec) {
  const char *code;
  js_val *b = console_patient_body(rq, rs, &code);
  if (!b) return;
  entry_args a = {.argc = 0};
  args_word(&a, ec->cmd);
  args_word(&a, "add");
  args_word(&a, code);
  int bad = 0;
  for (size_t i = 0; !bad && i < b->n; i++) {
    size_t k = 0;
    while (k < ec->n && strcmp(b->keys[i], ec->keys[k]) != 0) k++;
    if (k == ec->n) {
      console_fail(rs, 400, "bad_field", "'%.40s' is not a field of this change", b->keys[i]);
      bad = 1;
    }
  }
  for (size_t k = 0; !bad && k < ec->n; k++) {
    const js_val *v = js_get(b, ec->keys[k]);
    const char *t = v && v->type == JS_NUM ? v->str : console_body_opt(b, ec->keys[k], 1024, rs, &bad);
    if (!bad && !t && k < ec->required) {
      console_fail(rs, 400, "missing_field", "\"%s\" is needed", ec->keys[k]);
      bad = 1;
    }
    if (!bad && t) bad = args_opt(&a, ec->opts[k], t, rs) != 0;
  }
  if (!bad) console_clinic_json(rq, rs, a.argc, a.argv, 201);
  js_free(b);
}

/* POST /patients/{code}/visits {"kind","date","note"}: `visit add`. */
static void api_visit_add(console_req *rq, console_resp *rs) { run_cmd(rq, rs, &visit_cmd); }

/* POST /patients/{code}/lead-responses {"contact","response","threshold_ma","date","note"}:
 * `lead-response add` (SNM, on the day of stage 1 or 2). */
static void api_lead_add(console_req *rq, console_resp *rs) { run_cmd(rq, rs, &lead_cmd); }

const console_route console_routes_entry[CONSOLE_ROUTES_ENTRY_N] = {
    {"POST", "/api/v1/patients/{code}/diary", CP_DIARY_WRITE, 4096, api_diary_add},
    {"DELETE", "/api/v1/patients/{code}/diary/{date}", CP_DIARY_WRITE, 0, api_diary_delete},
    {"POST", "/api/v1/patients/{code}/visits", CP_VISIT_WRITE, 4096, api_visit_add},
    {"POST", "/api/v1/patients/{code}/lead-responses", CP_VISIT_WRITE, 4096, api_lead_add},
};
