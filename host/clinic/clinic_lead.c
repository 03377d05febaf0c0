/* clinic_lead.c: the response to the test current when the SNM lead is placed (seed 004:
 * "Controle van de juiste ligging is zichtbaar door samentrekking van de spieren in de regio
 * van de bekkenbodem (anus) of van de grote teen"): per contact, the response seen (anal
 * bellows contraction, big-toe flexion, both, or none) and the lowest current that gave it.
 * Command: lead-response add|list. Recorded on the day of stage 1 or of the definitive
 * stage 2, when the lead is tested again. */
#include <limits.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_util.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "hu_fmt.h"
#include "json.h"
#include "nmod/limits.h"

static const char *const responses[] = {"bellows", "toe", "both", "none"};

static const char *response_text(const char *r) {
  return strcmp(r, "bellows") == 0 ? "anal bellows contraction"
         : strcmp(r, "toe") == 0   ? "big-toe flexion"
         : strcmp(r, "both") == 0  ? "anal bellows contraction and big-toe flexion"
                                   : "no response";
}

static int lead_add(clinic_ctx *c, clinic_args *a) {
  const char *contact = clinic_opt_get(a, "contact"), *resp = clinic_opt_get(a, "response"),
             *thr = clinic_opt_get(a, "threshold-ma"), *date = clinic_opt_get(a, "date"), *note = clinic_opt_get(a, "note");
  int rc = clinic_args_done(a, "lead-response add");
  if (rc) return rc;
  if (a->npos != 3 || !contact || !resp)
    return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response add PATIENT --contact E0..E%d --response "
                                 "bellows|toe|both|none [--threshold-ma MA] [--date YYYY-MM-DD] [--note TEXT]",
                       NM_MAX_CONTACTS - 1);
  int ct = hu_contact_parse(contact, HU_CONTACT_NO_CASE);
  if (ct < 0) return clinic_fail(CL_USAGE, "--contact '%s' is not a contact: use E0 to E%d", contact, NM_MAX_CONTACTS - 1);
  int ok = 0;
  for (size_t i = 0; i < sizeof responses / sizeof responses[0]; i++) ok |= strcmp(resp, responses[i]) == 0;
  if (!ok)
    return clinic_fail(CL_USAGE, "--response '%s' is not known: use bellows (anal bellows contraction), toe (big-toe "
                                 "flexion), both or none", resp);
  int64_t ua = -1;
  if (thr) {
    /* mA with up to 2 decimals, 0.01 .. the stimulator's maximum. */
    int64_t c10;
    if (hu_dec_range(thr, 2, INT64_MIN, INT64_MAX, &c10) != 0 || c10 < 1 || c10 * 10 > NM_AMP_MAX_UA)
    {
      char mx[HU_FIXED_LEN];
      return clinic_fail(CL_USAGE, "--threshold-ma '%s' is not a current from 0.01 to %s mA (up to 2 decimals)", thr,
                         hu_fmt_fixed(mx, sizeof mx, NM_AMP_MAX_UA / 10, 2, 2));
    }
    ua = c10 * 10;
  } else if (strcmp(resp, "none") != 0) {
    return clinic_fail(CL_USAGE, "--threshold-ma is needed: the lowest current that gave the %s", response_text(resp));
  }
  if (note && strlen(note) > 200) return clinic_fail(CL_USAGE, "--note is longer than 200 characters");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  if (p.therapy != TH_SNM)
    return clinic_fail(CL_USAGE, "%s is an SCS patient: lead-placement responses (anal bellows, big toe) are recorded "
                                 "for SNM", p.code);
  clinic_path path;
  if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
  int32_t s1 = clinic_path_done(&path, "trial"), s2 = clinic_path_done(&path, "implant");
  if (s1 == INT32_MIN) return clinic_fail(CL_RULE, "%s: stage 1 (the lead placement) is not recorded yet", p.code);
  int32_t d = s1;
  if (date && (rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  if (d != s1 && d != s2) {
    char a1[11], a2[11];
    hu_date_fmt(a1, HU_DATE_LEN, s1);
    if (s2 != INT32_MIN) hu_date_fmt(a2, HU_DATE_LEN, s2);
    return clinic_fail(CL_RULE, "%s: a lead-placement response is recorded on the day of stage 1 (%s)%s%s%s", p.code, a1,
                       s2 != INT32_MIN ? " or of stage 2 (" : "", s2 != INT32_MIN ? a2 : "", s2 != INT32_MIN ? ")" : "");
  }
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, d);
  sqlite3_stmt *st =
      clinic_prep(c->db, "INSERT INTO lead_response(pid, date, contact, response, threshold_ua, note) VALUES (?,?,?,?,?,?)");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, ds, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 3, ct);
  sqlite3_bind_text(st, 4, resp, -1, SQLITE_STATIC);
  if (ua >= 0) sqlite3_bind_int64(st, 5, ua); else sqlite3_bind_null(st, 5);
  if (note && *note) sqlite3_bind_text(st, 6, note, -1, SQLITE_STATIC); else sqlite3_bind_null(st, 6);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return clinic_fail(CL_RULE, "%s already has a response of contact E%d on %s (one per contact and day)", p.code, ct, ds);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "storing a lead-placement response");
  if (c->json) {
    clinic_json_flag("stored", 1);
  } else {
    printf("%s: E%d on %s: %s%s", p.code, ct, ds, response_text(resp), ua >= 0 ? " at " : "\n");
    char ma[HU_FIXED_LEN];
    if (ua >= 0) printf("%s mA\n", hu_fmt_fixed(ma, sizeof ma, ua / 10, 2, 2));
  }
  return CL_OK;
}

static int lead_list(clinic_ctx *c, clinic_args *a) {
  int rc = clinic_args_done(a, "lead-response list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response list PATIENT");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "SELECT date, contact, response, threshold_ua, note FROM lead_response WHERE pid = ? "
                                        "ORDER BY date, contact");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  js_w w;
  if (c->json) clinic_json_list_begin(&w, p.code, "responses");
  int n = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0), *resp = (const char *)sqlite3_column_text(st, 2);
    int ct = sqlite3_column_int(st, 1), has = sqlite3_column_type(st, 3) != SQLITE_NULL;
    int64_t ua = sqlite3_column_int64(st, 3);
    const unsigned char *note = sqlite3_column_text(st, 4);
    char contact[HU_CONTACT_LEN];
    hu_contact_name(contact, sizeof contact, (unsigned)ct);
    n++;
    if (c->json) {
      jw_obj(&w);
      jw_key(&w, "date");
      jw_str(&w, ds);
      jw_key(&w, "contact");
      jw_str(&w, contact);
      jw_key(&w, "response");
      jw_str(&w, resp);
      jw_key(&w, "threshold_ma");
      if (has) jw_fixed(&w, ua / 10, 2); else jw_null(&w);
      if (note) {
        jw_key(&w, "note");
        jw_str(&w, (const char *)note);
      }
      jw_obj_end(&w);
    } else {
      printf("%s  %-3s %-45s", ds, contact, response_text(resp));
      char ma[HU_FIXED_LEN];
      if (has) printf(" %s mA", hu_fmt_fixed(ma, sizeof ma, ua / 10, 2, 2));
      printf("%s%s\n", note ? "  " : "", note ? (const char *)note : "");
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "listing lead-placement responses");
  if (c->json)
    clinic_json_list_end(&w);
  else if (!n) {
    printf("%s: no lead-placement responses recorded\n", p.code);
  }
  return CL_OK;
}

int clinic_cmd_lead(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return lead_add(c, a);
  if (strcmp(sub, "list") == 0) return lead_list(c, a);
  return clinic_fail(CL_USAGE, "usage: nmod clinic lead-response add|list ...");
}
