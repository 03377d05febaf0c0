/* clinic_cmd_link.c: `diary-link issue|revoke|list PATIENT`: the patient's diary link from the
 * command line, through the library calls the console's API uses (clinic_link.c). */
#include <limits.h>
#include <sodium.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_link.h"
#include "clinic_patient.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "json.h"

#define OPEN_PATH "/api/v1/diary/open?token="

static const char *day_text(int32_t d, char out[11], const char *none) {
  if (d == INT32_MIN || d == INT32_MAX) return none;
  hu_date_fmt(out, HU_DATE_LEN, d);
  return out;
}

static int cmd_link_issue(clinic_ctx *c, clinic_args *a, const clinic_patient *p) {
  const char *base = clinic_opt_get(a, "base");
  int rc = clinic_args_done(a, "diary-link issue");
  if (rc) return rc;
  if (!base) base = "http://127.0.0.1:8080";
  if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
    return clinic_fail(CL_USAGE, "--base '%s' is not a web address: give the console's, such as https://clinic.example:8443", base);
  char token[CLINIC_LINK_TOKEN_CHARS + 1], f[11], t[11];
  clinic_link l;
  clinic_err e = {0};
  if (clinic_link_new(c->db, p, c->today, token, &l, &e) != CLINIC_E_OK) return clinic_report(&e);
  size_t n = strlen(base);
  const char *slash = n && base[n - 1] == '/' ? "" : "/";
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "link");
    clinic_link_json(&w, &l);
    char url[600];
    snprintf(url, sizeof url, "%.400s%s%s%s", base, slash, OPEN_PATH + 1, token);
    jw_kv_str(&w, "url", url);
    sodium_memzero(url, sizeof url);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "%s: diary link %lld issued, valid from %s to %s (%s); earlier links revoked\n", p->code, (long long)l.id,
           day_text(l.from, f, "the start of the baseline"), day_text(l.to, t, "the end of the trial"),
           clinic_link_state_name(l.state));
    fprintf(clinic_stdout(), "give the patient this link (shown once, not stored; revoke it with nmod clinic diary-link revoke %s):\n",
           p->code);
    fprintf(clinic_stdout(), "%s%s%s%s\n", base, slash, OPEN_PATH + 1, token);
  }
  sodium_memzero(token, sizeof token);
  return CL_OK;
}

static int cmd_link_revoke(clinic_ctx *c, clinic_args *a, const clinic_patient *p) {
  const char *ids = clinic_opt_get(a, "id");
  int rc = clinic_args_done(a, "diary-link revoke");
  if (rc) return rc;
  long id = 0;
  if (ids && hu_dec_range(ids, 0, 1, LONG_MAX, &id) != 0) return clinic_fail(CL_USAGE, "--id '%s' is not a link number", ids);
  int n;
  clinic_err e = {0};
  if (clinic_link_end(c->db, p, id, &n, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_int(&w, "revoked", n);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "%s: %d diary link%s revoked\n", p->code, n, n == 1 ? "" : "s");
  }
  return CL_OK;
}

typedef struct {
  int json;
  js_w *w;
} list_ctx;

static int link_row_text(void *ctx, const clinic_link *l) {
  list_ctx *lc = ctx;
  if (lc->json) {
    clinic_link_json(lc->w, l);
    return 0;
  }
  char f[11], t[11];
  fprintf(clinic_stdout(), "%-4lld %-20s %-20s %-24s %-13s %s..%s\n", (long long)l->id, l->issued_at, l->revoked_at[0] ? l->revoked_at : "-",
         l->issued_by, clinic_link_state_name(l->state), day_text(l->from, f, "(baseline)"), day_text(l->to, t, "(trial end)"));
  return 0;
}

static int cmd_link_list(clinic_ctx *c, clinic_args *a, const clinic_patient *p) {
  int rc = clinic_args_done(a, "diary-link list");
  if (rc) return rc;
  js_w w;
  list_ctx lc = {c->json, &w};
  if (c->json)
    clinic_json_list_begin(&w, clinic_stdout(), p->code, "links");
  else
    fprintf(clinic_stdout(), "id   issued               revoked              by                       state         days\n");
  clinic_err e = {0};
  if (clinic_link_list(c->db, p, c->today, link_row_text, &lc, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) clinic_json_list_end(&w);
  return CL_OK;
}

int clinic_cmd_link(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int known = !strcmp(sub, "issue") || !strcmp(sub, "revoke") || !strcmp(sub, "list");
  if (!known || a->npos != 3)
    return clinic_fail(CL_USAGE, "usage: nmod clinic diary-link issue ID [--base URL] | revoke ID [--id N] | list ID");
  clinic_patient p;
  clinic_err e = {0};
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (!strcmp(sub, "issue")) return cmd_link_issue(c, a, &p);
  if (!strcmp(sub, "revoke")) return cmd_link_revoke(c, a, &p);
  return cmd_link_list(c, a, &p);
}
