/* cmd_programmer.c: nmod programmer --device HOST:PORT --key FILE CMD [ARGS] [--json]
 * The clinician programmer: interrogate, program, therapy, test stimulation, impedance,
 * history, remote pairing, modes. Every command opens an authenticated session with the
 * clinician key, sends one or more requests, and prints a result (one JSON object with
 * --json). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "devcli.h"
#include "cmd_usage.h"
#include "hu_fmt.h"
#include "hu_contact.h"
#include "hu_dec.h"
#include "hu_out.h"
#include "history.h"
#include "nmod/crypto.h"
#include "nmod/wire.h"
#include "report.h"
#include "longevity.h"
#include "mri.h"
#include "therapy_file.h"

static const char *imp_class(uint8_t c) {
  static const char *const n[] = {"normal", "high", "open", "short", "error"};
  return c < 5 ? n[c] : "?";
}

static void line_print(void *user, const char *line) {
  (void)user;
  fprintf(stderr, "  - %s\n", line);
}

/* ---- interrogate -------------------------------------------------------------------- */

static const char *batt_words(uint8_t state) {
  switch (state) {
    case NM_BATT_LOW: return "LOW: recharge";
    case NM_BATT_ERI: return "ERI: elective replacement indicated";
    case NM_BATT_EOS: return "EOS: end of service, stimulation stopped";
    default: return "ok";
  }
}

static void longevity_text(const di_interrogation_t *in) {
  lg_now_t l;
  lg_device(in, &l);
  if (l.pf->cell == NM_CELL_PRIMARY) {
    printf("longevity at these settings (profile %s): %.2f years to ERI from now, %.2f from new\n", l.pf->name,
           (double)l.eri_mh / 8766000.0, (double)l.lg.eri_mh / 8766000.0);
  } else {
    printf("at these settings (profile %s): a full charge lasts %.1f days (to %u %%), %.1f minutes of charging a day; "
           "service life %.1f years from new\n",
           l.pf->name, (double)l.lg.interval_mh / 24000.0, l.pf->low_pm / 10u, l.lg.charge_mmin / 1000.0,
           (double)l.lg.service_mh / 8766000.0);
  }
}

/* --out FILE: written whole or not at all, 0600 (the read-out goes into a patient's record). */
/* The read-out to out, whole or not at all (hu_out: 0600, renamed when complete). */
static int save_readout(devcli_t *d, const char *out, const ro_readout_t *ro) {
  hu_out o;
  char err[sizeof d->err];
  if (hu_out_begin(&o, out, err, sizeof err) != HU_OUT_OK) return devcli_err(d, CLI_FAIL, "read-out: %s", err);
  int bad = ro_write_doc(o.f, ro) != 0;
  if (hu_out_end(&o, !bad, err, sizeof err) != HU_OUT_OK) return devcli_err(d, CLI_FAIL, "read-out: %s", err);
  if (bad) return devcli_err(d, CLI_FAIL, "read-out: writing %s failed; the file was not changed", out);
  return CLI_OK;
}

static void interrogate_text(const di_identity_t *id, const di_interrogation_t *in) {
  char a[32], b[32], c[32], t[32];
  printf("device %s: %s %s stimulator, firmware %u.%u.%u, lead %s\n", id->serial, id->id.kind == NM_KIND_INS ? "implanted" : "external trial",
         di_therapy(id->id.therapy), id->id.fw[0], id->id.fw[1], id->id.fw[2], nm_lead_name(id->id.lead.model));
  printf("device time %s UTC, up %llu s, %u resets, %u rejected frames, %u failed authentications\n",
         hu_time_fmt(t, sizeof t, id->id.epoch_s), (unsigned long long)(in->sum.uptime_us / 1000000u), id->id.resets, id->id.rejected,
         id->id.auth_failures);
  printf("mode %s, therapy %s%s%s\n", nm_mode_name(in->sum.status.mode), in->sum.status.therapy_on ? "on" : "off",
         in->sum.status.fault ? ", fault: " : "", in->sum.status.fault ? di_fault(in->sum.status.fault) : "");
  for (unsigned bit = 0; bit < 16; bit++) {
    uint16_t al = (uint16_t)(1u << bit);
    if (in->sum.status.alerts & al) printf("ALERT %s: %s\n", di_alert(al, DI_ALERT_NAME), di_alert(al, DI_ALERT_CLINICIAN));
  }
  printf("load %u ohm, compliance %s V\n", in->sum.load.impedance_ohm, hu_fmt_fixed(a, sizeof a, in->sum.load.compliance_mv, 3, 1));
  char pct[HU_FIXED_LEN];
  printf("battery: %s cell, %s, %s %% (%s of %s mAh, %s V)%s, drawing %s uA\n", di_cell(in->sum.status.cell),
         batt_words(in->sum.status.batt_state), hu_fmt_fixed(pct, sizeof pct, in->sum.status.soc_pm, 1, 1),
         hu_fmt_fixed(a, sizeof a, in->sum.remaining_uah, 3, 1), hu_fmt_fixed(b, sizeof b, in->sum.capacity_uah, 3, 1),
         hu_fmt_fixed(c, sizeof c, in->sum.voltage_mv, 3, 1), in->sum.status.charging ? ", charging" : "",
         hu_fmt_fixed(t, sizeof t, in->sum.avg_na, 3, 1));
  longevity_text(in);
  if (in->sum.status.lead_open || in->sum.status.lead_short) {
    for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
      if (in->sum.status.lead_open & (1u << n)) printf("LEAD: E%u is open (last impedance check)\n", n);
      if (in->sum.status.lead_short & (1u << n)) printf("LEAD: E%u is shorted: programs using it were stopped\n", n);
    }
  }
  for (uint8_t i = 0; i < in->sum.status.n_prog; i++) {
    const di_prog_status_t *s = &in->sum.status.prog[i];
    const nm_prog_t *p = &in->prog[i];
    printf("program %u \"%s\"%s: %s %u Hz, %u us, %s mA (patient %s-%s mA), delivering %s mA\n", s->slot, s->name,
           di_running(&in->sum.status, s->slot) ? " (running)" : "", nm_wave_name(p->wave), p->rate_hz, p->width_us,
           hu_fmt_fixed(a, sizeof a, s->amp_ua, 3, 1), hu_fmt_fixed(b, sizeof b, s->pt_min_ua, 3, 1),
           hu_fmt_fixed(c, sizeof c, s->pt_max_ua, 3, 1), hu_fmt_fixed(t, sizeof t, s->level_ua, 3, 1));
  }
  for (uint8_t n = 0; n < in->sum.n_contacts; n++) {
    if (in->sum.threshold_ua[n]) printf("test-stimulation response on E%u at %s mA\n", n, hu_fmt_fixed(a, sizeof a, in->sum.threshold_ua[n], 3, 1));
  }
}

static int cmd_programmer_interrogate(devcli_t *d, hu_args *args) {
  const char *out = hu_args_get(args, "out");
  int rc = devcli_open(d);
  if (rc) return rc;
  di_identity_t id;
  rc = devcli_identity(d, &id);
  if (rc) return rc;
  static di_interrogation_t in;
  if ((rc = devcli_interrogation(d, &in)) != 0) return rc;
  static ro_readout_t ro;
  di_readout(&id, &in, &ro);
  lg_device_readout(&in, &ro);
  ro.frame_bytes = (uint32_t)(d->conn.tx_bytes + d->conn.rx_bytes);
  if (out && (rc = save_readout(d, out, &ro)) != CLI_OK) return rc;
  if (d->json) return ro_write_doc(stdout, &ro) == 0 ? CLI_OK : CLI_FAIL;
  interrogate_text(&id, &in);
  return CLI_OK;
}

/* ---- program ------------------------------------------------------------------------ */

static int cmd_programmer_program(devcli_t *d, hu_args *args) {
  const char *path = args->pos[0];
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error(d->cmd, "%s", err);
    return CLI_USAGE;
  }
  int rc = devcli_open(d);
  if (rc) return rc;
  di_identity_t id;
  rc = devcli_identity(d, &id);
  if (rc) return rc;
  if (id.id.therapy != t.therapy) {
    cli_error(d->cmd, "'%s' is an %s therapy but %s is an %s stimulator", path, di_therapy(t.therapy), id.serial,
              di_therapy(id.id.therapy));
    return CLI_REFUSED;
  }
  di_status_t s;
  if ((rc = devcli_status(d, &s)) != 0) return rc;
  if (s.mode == NM_MODE_THERAPY) {
    cli_error(d->cmd, "stimulation is on: turn it off first ('nmod programmer ... therapy off'), then program");
    return CLI_REFUSED;
  }
  dev_refusal_t why;
  int st = dev_program_all(&d->link, &t, &why);
  if (st == DEV_ETRANSPORT) return devcli_fail(d, st, "program");
  if (st == NM_EREFUSED) {
    char set[256];
    if (why.slot < t.n_prog) {
      cli_error(d->cmd, "program \"%s\" refused by the stimulator's safety supervisor:", t.prog[why.slot].name);
      report_reasons(&t.prog[why.slot], &t.lead, &t.load, &why.rep, line_print, NULL);
    } else if (why.rep.reasons & NM_R_LEAD) {
      cli_error(d->cmd, "'%s' is for lead %s but %s has lead %s", path, nm_lead_name(t.lead.model), id.serial,
                nm_lead_name(id.id.lead.model));
    } else {
      cli_error(d->cmd, "the running programs cannot run together: %s", report_set(set, sizeof set, why.set, &t));
    }
    if (d->json) { /* the refusal as nmod check --json gives it */
      js_w w;
      jw_init(&w, stdout);
      jw_obj(&w);
      jw_kv_uint(&w, "programmed", 0);
      cli_json_refusal(&w, &t, st, &why);
      jw_obj_end(&w);
      jw_end(&w);
    }
    return CLI_REFUSED;
  }
  if (st != NM_OK) return devcli_fail(d, st, "program");
  int activated = 0;
  if (s.mode == NM_MODE_SHELF) {
    st = dev_op_u8(&d->link, NM_OP_MODE, NM_MODE_OFF);
    if (!devcli_in_effect(d, st, "activate")) return devcli_fail(d, st, "activate");
    activated = 1;
  }
  if (d->json) {
    printf("{\"programmed\":%u,\"running_mask\":%u,\"activated\":%s,\"frame_bytes\":%llu}\n", t.n_prog, t.running_mask,
           activated ? "true" : "false", (unsigned long long)(d->conn.tx_bytes + d->conn.rx_bytes));
  } else {
    printf("programmed %u program(s) into %s%s; therapy is off until 'therapy on'\n", t.n_prog, id.serial,
           activated ? " and activated it (it left shelf mode)" : "");
  }
  return CLI_OK;
}

/* ---- simple commands ---------------------------------------------------------------- */

static int cmd_programmer_op(devcli_t *d, uint8_t op, uint8_t arg, const char *what, const char *done) {
  int rc = devcli_open(d);
  if (rc) return rc;
  int st = dev_op_u8(&d->link, op, arg);
  if (!devcli_in_effect(d, st, what)) return devcli_fail(d, st, what);
  if (d->json) printf("{\"done\":\"%s\",\"stored\":%s}\n", what, d->not_stored ? "false" : "true");
  else printf("%s\n", done);
  return CLI_OK;
}

static int cmd_programmer_mode(devcli_t *d, hu_args *args) {
  const char *m = args->pos[0];
  if (strcmp(m, "mri") == 0) return cmd_programmer_op(d, NM_OP_MODE, NM_MODE_MRI, "mode mri", "MRI mode: stimulation, sensing and automatic checks are off");
  if (strcmp(m, "surgery") == 0) {
    return cmd_programmer_op(d, NM_OP_MODE, NM_MODE_SURGERY, "mode surgery",
                 "surgery mode: stimulation is off; the surgical team should use bipolar diathermy");
  }
  if (strcmp(m, "normal") == 0) return cmd_programmer_op(d, NM_OP_MODE, NM_MODE_RESUME, "mode normal", "back to the mode before");
  cli_error(d->cmd, "mode '%s': use normal, mri or surgery", m);
  return CLI_USAGE;
}

static void impedance_text(const di_impedance_t *im) {
  char a[HU_CONTACT_LEN], b[HU_CONTACT_LEN];
  printf("contact  impedance to case\n");
  for (uint8_t i = 0; i < im->n; i++) {
    const di_imp_contact_t *c = &im->contact[i];
    printf("%-7s  %6u ohm  %s\n", hu_contact_name(a, sizeof a, c->node), c->ohm, imp_class(c->cls));
  }
  if (im->m) printf("program  pair      impedance\n");
  for (uint8_t i = 0; i < im->m; i++) {
    const di_imp_pair_t *q = &im->pair[i];
    printf("%-7u  %s-%-5s  %6u ohm  %s\n", q->slot, hu_contact_name(a, sizeof a, q->cathode), hu_contact_name(b, sizeof b, q->anode),
           q->ohm, imp_class(q->cls));
  }
  for (uint8_t i = 0; i < NM_MAX_CONTACTS; i++) {
    if (im->jump & (1u << i)) printf("E%u: impedance jumped since the last check: possible lead migration (check the effect, X-ray)\n", i);
  }
}

static void impedance_json(const di_impedance_t *im) {
  char a[HU_CONTACT_LEN], b[HU_CONTACT_LEN];
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
  jw_kv_arr(&w, "contacts");
  for (uint8_t i = 0; i < im->n; i++) {
    const di_imp_contact_t *c = &im->contact[i];
    jw_obj(&w);
    jw_kv_str(&w, "contact", hu_contact_name(a, sizeof a, c->node));
    jw_kv_uint(&w, "ohm", c->ohm);
    jw_kv_str(&w, "class", imp_class(c->cls));
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_arr(&w, "programs");
  for (uint8_t i = 0; i < im->m; i++) {
    const di_imp_pair_t *q = &im->pair[i];
    jw_obj(&w);
    jw_kv_uint(&w, "slot", q->slot);
    jw_kv_str(&w, "cathode", hu_contact_name(a, sizeof a, q->cathode));
    jw_kv_str(&w, "anode", hu_contact_name(b, sizeof b, q->anode));
    jw_kv_uint(&w, "ohm", q->ohm);
    jw_kv_str(&w, "class", imp_class(q->cls));
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_arr(&w, "possible_migration");
  for (uint8_t i = 0; i < NM_MAX_CONTACTS; i++) {
    if (im->jump & (1u << i)) jw_str(&w, hu_contact_name(a, sizeof a, i));
  }
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

static int cmd_programmer_impedance(devcli_t *d, hu_args *args) {
  (void)args;
  int rc = devcli_open(d);
  di_impedance_t im;
  if (!rc) rc = devcli_impedance(d, "impedance", &im);
  if (rc) return rc;
  if (d->json) impedance_json(&im);
  else impedance_text(&im);
  return CLI_OK;
}

typedef struct {
  devcli_t *d;
  js_w w;
  uint32_t count;
} event_printer_t;

static int event_print(void *user, const di_event_t *e) {
  event_printer_t *hp = user;
  hp->count++;
  if (hp->d->json) {
    di_json_event(&hp->w, e);
  } else {
    char t[32], text[160];
    printf("%6u  %s  %s\n", e->seq, hu_time_fmt(t, sizeof t, e->ev.t_s), di_event_text(e, text, sizeof text));
  }
  return 0;
}

static int cmd_programmer_history(devcli_t *d, hu_args *args) {
  uint32_t since = 0;
  const char *since_arg = hu_args_get(args, "since");
  int rc0 = since_arg ? devcli_since(d, since_arg, &since) : 0;
  if (!rc0) rc0 = devcli_open(d);
  if (rc0) return rc0;
  event_printer_t hp = {d, {0}, 0};
  if (d->json) {
    di_identity_t id;
    int rc = devcli_identity(d, &id);
    if (rc) return rc;
    jw_init(&hp.w, stdout);
    jw_obj(&hp.w);
    jw_kv_str(&hp.w, "serial", id.serial);
    jw_kv_arr(&hp.w, "events");
  }
  int st = hist_read(&d->link, since, event_print, &hp);
  if (st != NM_OK) return devcli_fail(d, st, "history");
  if (d->json) {
    jw_arr_end(&hp.w);
    jw_kv_uint(&hp.w, "count", hp.count);
    jw_kv_uint(&hp.w, "frame_bytes", d->conn.tx_bytes + d->conn.rx_bytes);
    jw_obj_end(&hp.w);
    jw_end(&hp.w);
  } else if (hp.count == 0) {
    printf("no events%s\n", since ? " since that date" : "");
  }
  return CLI_OK;
}

static int cmd_programmer_pair(devcli_t *d, hu_args *args) {
  const char *out = hu_args_get(args, "out");
  if (access(out, F_OK) == 0) {
    cli_error(d->cmd, "'%s' exists: remove it or choose another name (a key is never overwritten)", out);
    return CLI_USAGE;
  }
  int rc0 = devcli_open(d);
  if (rc0) return rc0;
  uint8_t req = NM_OP_PAIR, resp[NM_CMD_MAX];
  size_t rl;
  int st = devcli_call(d, &req, 1, resp, &rl);
  if (st == NM_ENOSPC) {
    cli_error(d->cmd, "pair-remote: all %u remote slots are taken: revoke one first ('remotes', 'revoke-remote ID')",
              NM_MAX_REMOTES);
    return CLI_REFUSED;
  }
  if (st != NM_OK) return devcli_fail(d, st, "pair-remote");
  if (rl != 2u + NM_KEY_ID_LEN + NM_SECRET_LEN) {
    nm_wipe(resp, sizeof resp); /* it may hold part of a secret */
    return devcli_fail(d, NM_EINVAL, "pair-remote");
  }
  kf_key_t k;
  memset(&k, 0, sizeof k);
  k.role = NM_ROLE_PATIENT;
  memcpy(k.serial, d->conn.serial, NM_SERIAL_LEN);
  memcpy(k.key_id, resp + 2, NM_KEY_ID_LEN);
  memcpy(k.secret, resp + 2 + NM_KEY_ID_LEN, NM_SECRET_LEN);
  nm_wipe(resp, sizeof resp);
  char err[512], id[2 * NM_KEY_ID_LEN + 1];
  kf_hex(id, k.key_id, NM_KEY_ID_LEN);
  int rc = kf_write(out, &k, err, sizeof err);
  nm_wipe(&k, sizeof k);
  if (rc != 0) {
    /* The device holds a pairing nobody has the key of: take it back. */
    uint8_t rev[1 + NM_KEY_ID_LEN] = {NM_OP_REVOKE};
    kf_unhex(id, rev + 1, NM_KEY_ID_LEN);
    if (devcli_call(d, rev, sizeof rev, resp, &rl) == NM_OK) cli_error(d->cmd, "%s (the pairing was undone)", err);
    else cli_error(d->cmd, "%s (and undoing the pairing failed: 'revoke-remote %s')", err, id);
    return CLI_FAIL;
  }
  if (d->json) printf("{\"remote_id\":\"%s\",\"key_file\":\"%s\"}\n", id, out);
  else printf("remote %s paired; its key is in %s (give it to the patient's remote)\n", id, out);
  return CLI_OK;
}

static int cmd_programmer_revoke(devcli_t *d, hu_args *args) {
  const char *arg = args->pos[0];
  uint8_t req[1 + NM_KEY_ID_LEN] = {NM_OP_REVOKE}, resp[NM_CMD_MAX];
  size_t rl;
  if (kf_unhex(arg, req + 1, NM_KEY_ID_LEN) != 0) {
    kf_key_t k;
    char err[512];
    if (access(arg, F_OK) != 0) {
      cli_error(d->cmd, "revoke-remote '%s': give the remote's id (16 hex digits, see 'remotes') or its key file", arg);
      return CLI_USAGE;
    }
    if (kf_read(arg, &k, err, sizeof err) != 0) {
      cli_error(d->cmd, "%s", err);
      return CLI_USAGE;
    }
    memcpy(req + 1, k.key_id, NM_KEY_ID_LEN);
    nm_wipe(&k, sizeof k);
  }
  int rc0 = devcli_open(d);
  if (rc0) return rc0;
  int st = devcli_call(d, req, sizeof req, resp, &rl);
  if (st == NM_ENOENT) {
    cli_error(d->cmd, "revoke-remote: no remote with that id is paired (see 'remotes')");
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, "revoke-remote")) return devcli_fail(d, st, "revoke-remote");
  if (d->json) printf("{\"revoked\":true,\"stored\":%s}\n", d->not_stored ? "false" : "true");
  else printf("remote revoked: its key no longer opens a session\n");
  return CLI_OK;
}

static int cmd_programmer_remotes(devcli_t *d, hu_args *args) {
  (void)args;
  int rc = devcli_open(d);
  di_remotes_t rs;
  if (!rc) rc = devcli_remotes(d, &rs);
  if (rc) return rc;
  uint8_t n = rs.n;
  if (d->json) printf("{\"remotes\":[");
  for (uint8_t i = 0; i < n; i++) {
    char hex[2 * NM_KEY_ID_LEN + 1], t[32];
    kf_hex(hex, rs.r[i].id, NM_KEY_ID_LEN);
    if (d->json) printf("%s{\"id\":\"%s\",\"paired\":\"%s\"}", i ? "," : "", hex, hu_time_fmt(t, sizeof t, rs.r[i].paired_s));
    else printf("%s  paired %s UTC\n", hex, hu_time_fmt(t, sizeof t, rs.r[i].paired_s));
  }
  if (d->json) printf("]}\n");
  else if (n == 0) printf("no remotes paired\n");
  return CLI_OK;
}

static int cmd_programmer_test_stim(devcli_t *d, hu_args *args) {
  int node = hu_contact_parse(args->pos[0], HU_CONTACT_NO_CASE);
  if (node < 0) {
    cli_error(d->cmd, "test-stim '%.40s': CONTACT is %s", args->pos[0], hu_contact_range());
    return CLI_USAGE;
  }
  int64_t start = 0, step = 0, steps = 0;
  if (hu_args_num(args, "start-ma", 3, 0, NM_TEST_AMP_MAX_UA, "mA", &start) < 0 ||
      hu_args_num(args, "step-ma", 3, NM_AMP_STEP_UA, 1000, "mA", &step) < 0 || hu_args_num(args, "steps", 0, 0, 125, NULL, &steps) < 0) {
    cli_error(d->cmd, "%s", args->err);
    return CLI_USAGE;
  }
  int mark = hu_args_flag(args, "mark"), stop = hu_args_flag(args, "stop");
  int rc = devcli_open(d);
  if (rc) return rc;
  int st = dev_test_start(&d->link, (uint8_t)node, (uint32_t)start, (uint32_t)step);
  if (st == NM_EREFUSED) {
    char a[HU_FIXED_LEN], b[HU_FIXED_LEN];
    cli_error(d->cmd, "test-stim: refused: amplitudes must be %s mA steps, at most %s mA, within the safety limits",
              hu_fmt_fixed(a, sizeof a, NM_AMP_STEP_UA, 3, 1), hu_fmt_fixed(b, sizeof b, NM_TEST_AMP_MAX_UA, 3, 1));
    return CLI_REFUSED;
  }
  if (st != NM_OK) return devcli_fail(d, st, "test-stim");
  uint32_t amp = (uint32_t)start;
  char a[32];
  int interactive = steps == 0 && !mark && !stop && isatty(0);
  if (!d->json) printf("test stimulation on E%d at %s mA\n", node, hu_fmt_fixed(a, sizeof a, amp, 3, 1));
  for (int64_t i = 0; i < steps || interactive; i++) {
    if (interactive) {
      printf("[Enter] step up, [m] mark the response, [q] stop: ");
      fflush(stdout);
      char line[16];
      if (!fgets(line, sizeof line, stdin) || line[0] == 'q') {
        stop = 1;
        break;
      }
      if (line[0] == 'm') {
        mark = 1;
        break;
      }
    }
    st = dev_simple(&d->link, NM_OP_TEST_STEP);
    if (st == NM_EREFUSED) {
      if (!d->json) printf("at the limit: %s mA is as far as test stimulation goes here\n", hu_fmt_fixed(a, sizeof a, amp, 3, 1));
      break;
    }
    if (st != NM_OK) return devcli_fail(d, st, "test-stim step");
    amp += (uint32_t)step;
    if (!d->json) printf("  %s mA\n", hu_fmt_fixed(a, sizeof a, amp, 3, 1));
  }
  if (mark) {
    st = dev_simple(&d->link, NM_OP_TEST_MARK);
    if (st != NM_OK) return devcli_fail(d, st, "test-stim mark");
  }
  if (stop) {
    st = dev_simple(&d->link, NM_OP_TEST_STOP);
    if (!devcli_in_effect(d, st, "test-stim stop")) return devcli_fail(d, st, "test-stim stop");
  }
  /* Axonics' lead-placement scale: green 0-2 mA, yellow 2-3 mA, red above. */
  const char *rating = amp <= 2000 ? "green" : amp <= 3000 ? "yellow" : "red";
  if (d->json) {
    printf("{\"contact\":\"E%d\",\"amplitude_ma\":%s,\"marked\":%s,\"rating\":\"%s\",\"stopped\":%s,\"stored\":%s}\n",
           node, hu_fmt_fixed(a, sizeof a, amp, 3, 1), mark ? "true" : "false", rating, stop ? "true" : "false",
           d->not_stored ? "false" : "true");
  } else if (mark) {
    printf("response on E%d marked at %s mA (%s on the lead-placement scale)\n", node, hu_fmt_fixed(a, sizeof a, amp, 3, 1), rating);
  }
  return CLI_OK;
}

/* ---- MRI readiness ------------------------------------------------------------------ */

static void mri_text(const char *serial, const mri_verdict_t *v) {
  printf("MRI check of %s for a %s scan: %s\n", serial, v->full_body ? "full-body" : "head", v->eligible ? "ELIGIBLE" : "NOT eligible");
  for (int i = 0; i < v->n; i++) printf("  - %s\n", v->reason[i]);
}

static void mri_json(const char *serial, const mri_verdict_t *v, const char *out) {
  js_w w;
  jw_init(&w, stdout);
  jw_obj(&w);
  jw_kv_str(&w, "serial", serial);
  jw_kv_str(&w, "scan", v->full_body ? "full-body" : "head");
  jw_kv_bool(&w, "eligible", v->eligible);
  jw_kv_arr(&w, "reasons");
  for (int i = 0; i < v->n; i++) jw_str(&w, v->reason[i]);
  jw_arr_end(&w);
  jw_kv_str_opt(&w, "statement", v->eligible ? out : NULL);
  jw_obj_end(&w);
  jw_end(&w);
}

static int cmd_programmer_mri_check(devcli_t *d, hu_args *args) {
  const char *scan = hu_args_get(args, "scan"), *out = hu_args_get(args, "out");
  if (strcmp(scan, "head") != 0 && strcmp(scan, "full-body") != 0) {
    cli_error(d->cmd, "mri-check --scan '%.40s': use head or full-body", scan);
    return CLI_USAGE;
  }
  int rc = devcli_open(d);
  di_identity_t id;
  if (!rc) rc = devcli_identity(d, &id);
  /* A fresh lead check: the statement must rest on what the lead is now. */
  di_impedance_t im;
  if (!rc) rc = devcli_impedance(d, "mri-check (impedance)", &im);
  if (rc) return rc;
  di_status_t s;
  if ((rc = devcli_status(d, &s)) != 0) return rc;
  mri_verdict_t v;
  mri_check(&id, &im, &s, strcmp(scan, "full-body") == 0, &v);
  if (d->json) mri_json(id.serial, &v, out);
  else mri_text(id.serial, &v);
  if (!v.eligible) return CLI_REFUSED;
  if (!out) return CLI_OK;
  char date[HU_DATE_LEN];
  hu_date_fmt(date, sizeof date, hu_utc_today());
  /* Patient data: 0600, whole or not at all (hu_out). */
  hu_out o;
  char err[sizeof d->err];
  if (hu_out_begin(&o, out, err, sizeof err) != HU_OUT_OK) return devcli_err(d, CLI_FAIL, "statement: %s", err);
  int bad = mri_statement(o.f, date, &id, &s, &v) != 0;
  if (hu_out_end(&o, !bad, err, sizeof err) != HU_OUT_OK) return devcli_err(d, CLI_FAIL, "statement: %s", err);
  if (bad) return devcli_err(d, CLI_FAIL, "statement: writing %s failed; the file was not changed", out);
  if (!d->json) printf("statement for radiology written to %s\n", out);
  return CLI_OK;
}

static int reason_code(const char *s) {
  if (strcmp(s, "pregnancy") == 0) return NM_REASON_PREGNANCY;
  if (strcmp(s, "patient") == 0) return NM_REASON_PATIENT;
  if (strcmp(s, "clinical") == 0) return NM_REASON_CLINICAL;
  return -1;
}

static int cmd_programmer_therapy(devcli_t *d, hu_args *args) {
  const char *onoff = args->pos[0], *why = hu_args_get(args, "reason");
  int on = strcmp(onoff, "on") == 0, reason = why ? reason_code(why) : 0;
  if (!on && strcmp(onoff, "off") != 0) {
    cli_error(d->cmd, "therapy '%.40s': use on or off", onoff);
    return CLI_USAGE;
  }
  if (reason < 0) {
    cli_error(d->cmd, "--reason '%.40s': use pregnancy, patient or clinical", why);
    return CLI_USAGE;
  }
  int rc = devcli_open(d);
  if (rc) return rc;
  uint8_t req[3] = {NM_OP_THERAPY, (uint8_t)on, (uint8_t)reason}, resp[NM_CMD_MAX];
  size_t rl;
  int st = devcli_call(d, req, reason ? 3u : 2u, resp, &rl);
  if (!devcli_in_effect(d, st, on ? "therapy on" : "therapy off")) return devcli_fail(d, st, on ? "therapy on" : "therapy off");
  if (d->json) printf("{\"done\":\"therapy %s\",\"stored\":%s}\n", on ? "on" : "off", d->not_stored ? "false" : "true");
  else printf("%s\n", on ? "therapy on (soft start)" : reason == NM_REASON_PREGNANCY ? "therapy off (pregnancy: switch on again after delivery)" : "therapy off");
  return CLI_OK;
}

static const hu_opt out_readout[] = {{"out", "READOUT.json", 0, "also write the read-out there (0600, whole or not at all)"}, {NULL, NULL, 0, NULL}};
static const hu_opt since_opt[] = {{"since", "YYYY-MM-DD", 0, "from that day on (0 h UTC)"}, {NULL, NULL, 0, NULL}};
static const hu_opt reason_opt[] = {{"reason", "pregnancy|patient|clinical", 0, "why it is switched off (recorded)"}, {NULL, NULL, 0, NULL}};
static const hu_opt pair_opts[] = {{"out", "FILE", HU_OPT_REQUIRED, "where the remote's key is written (never overwritten)"}, {NULL, NULL, 0, NULL}};
static const hu_opt mri_opts[] = {
    {"scan", "head|full-body", HU_OPT_REQUIRED, "the scan planned"},
    {"out", "STATEMENT.txt", 0, "write the statement for radiology there (when eligible)"},
    {NULL, NULL, 0, NULL}};
static const hu_opt test_stim_opts[] = {
    {"start-ma", "X", HU_OPT_REQUIRED, "the amplitude to start at (mA)"},
    {"step-ma", "Y", HU_OPT_REQUIRED, "the step up (mA)"},
    {"steps", "N", 0, "step up N times (0: interactive on a terminal)"},
    {"mark", NULL, 0, "mark the response at the last amplitude"},
    {"stop", NULL, 0, "stop test stimulation at the end"},
    {NULL, NULL, 0, NULL}};

static const devcli_sub programmer_subs[] = {
    {"interrogate", "[--out READOUT.json]", "read the device: identity, status, battery, programs", out_readout, 0, 0, cmd_programmer_interrogate},
    {"program", "THERAPY.json", "store a therapy file's programs (therapy must be off)", NULL, 1, 1, cmd_programmer_program},
    {"therapy", "on|off [--reason pregnancy|patient|clinical]", "switch stimulation on or off", reason_opt, 1, 1, cmd_programmer_therapy},
    {"test-stim", "CONTACT --start-ma X --step-ma Y [--steps N] [--mark] [--stop]", "intra-operative test stimulation on one contact",
     test_stim_opts, 1, 1, cmd_programmer_test_stim},
    {"impedance", "", "measure every contact and program pair", NULL, 0, 0, cmd_programmer_impedance},
    {"history", "[--since YYYY-MM-DD]", "the device's event log", since_opt, 0, 0, cmd_programmer_history},
    {"usage", "[--since YYYY-MM-DD]", "usage, adjustments, modes, faults, battery and leads from the event log", since_opt, 0, 0,
     cmd_programmer_usage},
    {"pair-remote", "--out FILE", "pair a patient remote; its key is written to FILE", pair_opts, 0, 0, cmd_programmer_pair},
    {"revoke-remote", "ID|KEYFILE", "take a remote's pairing back", NULL, 1, 1, cmd_programmer_revoke},
    {"remotes", "", "the paired remotes", NULL, 0, 0, cmd_programmer_remotes},
    {"mode", "normal|mri|surgery", "MRI or surgery mode, or back to the mode before", NULL, 1, 1, cmd_programmer_mode},
    {"mri-check", "--scan head|full-body [--out STATEMENT.txt]", "MRI readiness, and a statement for radiology", mri_opts, 0, 0,
     cmd_programmer_mri_check},
};

static const devcli_group programmer = {"programmer", "the clinician programmer: one authenticated session a command",
                                        "the clinician key", NM_ROLE_CLINICIAN, programmer_subs,
                                        sizeof programmer_subs / sizeof programmer_subs[0]};

int cmd_programmer(int argc, char **argv) { return devcli_main(&programmer, argc, argv); }
