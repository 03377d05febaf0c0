/* cmd_programmer.c: nmod programmer --device HOST:PORT --key FILE CMD [ARGS] [--json]
 * The clinician programmer: interrogate, program, therapy, test stimulation, impedance,
 * history, remote pairing, modes. Every command opens an authenticated session with the
 * clinician key, sends one or more requests, and prints a result (one JSON object with
 * --json). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
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
#include "history.h"
#include "nmod/crypto.h"
#include "nmod/wire.h"
#include "report.h"
#include "longevity.h"
#include "therapy_file.h"

#define USAGE                                                                                                  \
  "usage: nmod programmer --device HOST:PORT --key FILE CMD [--json], CMD one of: interrogate [--out READOUT.json] | program "      \
  "THERAPY.json | therapy on|off | test-stim CONTACT --start-ma X --step-ma Y [--steps N] [--mark] | impedance | " \
  "therapy off --reason pregnancy | history [--since YYYY-MM-DD] | usage [--since YYYY-MM-DD] | pair-remote --out FILE | revoke-remote ID|KEYFILE | remotes | mode "          \
  "normal|mri|surgery | mri-check --scan head|full-body [--out FILE]"

static const char *imp_class(uint8_t c) {
  static const char *const n[] = {"normal", "high", "open", "short", "error"};
  return c < 5 ? n[c] : "?";
}

static void print_line(void *user, const char *line) {
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

/* Longevity at the present settings and the charge left, computed here from the read-out
 * with the firmware's own functions (the device's profile comes in the interrogation). */
typedef struct {
  const nm_profile_t *pf;
  nm_longevity_t lg; /* from a new cell */
  uint64_t eri_mh;   /* primary: from the charge left now to ERI */
} lg_now_t;

static void longevity_of(const di_interrogation_t *in, lg_now_t *out) {
  out->pf = nm_profile_resolve(in->sum.profile, in->sum.status.cell);
  uint32_t amps[NM_MAX_PROGRAMS];
  nm_prog_t progs[NM_MAX_PROGRAMS];
  memset(progs, 0, sizeof progs);
  uint8_t mask = 0;
  for (uint8_t i = 0; i < in->sum.status.n_prog; i++) {
    progs[i] = in->prog[i];
    amps[i] = in->sum.status.prog[i].amp_ua;
    if (di_running(&in->sum.status, in->sum.status.prog[i].slot) && in->sum.status.mode == NM_MODE_THERAPY) mask |= (uint8_t)(1u << i);
  }
  nm_draw_t d;
  lg_draw_progs(progs, amps, mask, in->sum.status.n_prog, &in->sum.load, out->pf, &d);
  nm_batt_longevity(out->pf, &d, &out->lg);
  out->eri_mh = 0;
  if (out->pf->cell == NM_CELL_PRIMARY && in->sum.capacity_uah) {
    uint32_t new_uah = nm_batt_usable_uah(out->pf);
    uint32_t eri_pm = (uint32_t)((uint64_t)new_uah * out->pf->eri_left_pm / in->sum.capacity_uah);
    out->eri_mh = nm_batt_mh_between(out->pf, &d, in->sum.capacity_uah, in->sum.status.soc_pm, eri_pm);
  }
}

static void longevity_text(const di_interrogation_t *in) {
  lg_now_t l;
  longevity_of(in, &l);
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

/* The longevity figures of the read-out, in the codec's fixed-point units (the read-out
 * codec is strict and shared with the clinic: the profile and the charging minutes are in
 * the text form). */
static void longevity_readout(const di_interrogation_t *in, ro_readout_t *ro) {
  lg_now_t l;
  longevity_of(in, &l);
  ro->primary_longevity = l.pf->cell == NM_CELL_PRIMARY;
  if (ro->primary_longevity) {
    ro->years_to_eri_milli = (uint32_t)llround((double)l.eri_mh / 8766000.0 * 1000.0);
  } else {
    ro->recharge_days_c = (uint32_t)llround((double)l.lg.interval_mh / 24000.0 * 100.0);
    ro->service_years_c = (uint32_t)llround((double)l.lg.service_mh / 8766000.0 * 100.0);
  }
}

/* --out FILE: written whole or not at all, 0600 (the read-out goes into a patient's record). */
static int save_readout(devcli_t *d, const char *out, const ro_readout_t *ro) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
  int fd = mkstemp(tmp);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  if (!f) {
    if (fd >= 0) close(fd);
    cli_error(d->cmd, "cannot write the read-out '%s': %s", out, strerror(errno));
    return CLI_FAIL;
  }
  int bad = ro_write_doc(f, ro) != 0 || fsync(fileno(f)) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, out) != 0) {
    cli_error(d->cmd, "writing the read-out '%s' failed: %s", out, strerror(errno));
    unlink(tmp);
    return CLI_FAIL;
  }
  return CLI_OK;
}

static int do_interrogate(devcli_t *d, int argc, char **argv) {
  const char *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else {
      cli_error(d->cmd, "interrogate: unexpected '%s' (interrogate [--out READOUT.json])", argv[i]);
      return CLI_USAGE;
    }
  }
  di_identity_t id;
  int rc = devcli_identity(d, &id);
  if (rc) return rc;
  static di_interrogation_t in;
  if ((rc = devcli_interrogation(d, &in)) != 0) return rc;
  char a[32], b[32], c[32], t[32];
  static ro_readout_t ro;
  di_readout(&id, &in, &ro);
  longevity_readout(&in, &ro);
  ro.frame_bytes = (uint32_t)(d->conn.tx_bytes + d->conn.rx_bytes);
  if (out && (rc = save_readout(d, out, &ro)) != CLI_OK) return rc;
  if (d->json) return ro_write_doc(stdout, &ro) == 0 ? CLI_OK : CLI_FAIL;
  printf("device %s: %s %s stimulator, firmware %u.%u.%u, lead %s\n", id.serial, id.id.kind == NM_KIND_INS ? "implanted" : "external trial",
         di_therapy(id.id.therapy), id.id.fw[0], id.id.fw[1], id.id.fw[2], nm_lead_name(id.id.lead.model));
  printf("device time %s UTC, up %llu s, %u resets, %u rejected frames, %u failed authentications\n",
         hu_time_fmt(t, sizeof t, id.id.epoch_s), (unsigned long long)(in.sum.uptime_us / 1000000u), id.id.resets, id.id.rejected,
         id.id.auth_failures);
  printf("mode %s, therapy %s%s%s\n", nm_mode_name(in.sum.status.mode), in.sum.status.therapy_on ? "on" : "off",
         in.sum.status.fault ? ", fault: " : "", in.sum.status.fault ? di_fault(in.sum.status.fault) : "");
  for (unsigned bit = 0; bit < 16; bit++) {
    uint16_t al = (uint16_t)(1u << bit);
    if (in.sum.status.alerts & al) printf("ALERT %s: %s\n", di_alert(al, DI_ALERT_NAME), di_alert(al, DI_ALERT_CLINICIAN));
  }
  printf("load %u ohm, compliance %s V\n", in.sum.load.impedance_ohm, hu_fmt_fixed(a, sizeof a, in.sum.load.compliance_mv, 3, 1));
  char pct[HU_FIXED_LEN];
  printf("battery: %s cell, %s, %s %% (%s of %s mAh, %s V)%s, drawing %s uA\n", di_cell(in.sum.status.cell),
         batt_words(in.sum.status.batt_state), hu_fmt_fixed(pct, sizeof pct, in.sum.status.soc_pm, 1, 1),
         hu_fmt_fixed(a, sizeof a, in.sum.remaining_uah, 3, 1), hu_fmt_fixed(b, sizeof b, in.sum.capacity_uah, 3, 1),
         hu_fmt_fixed(c, sizeof c, in.sum.voltage_mv, 3, 1), in.sum.status.charging ? ", charging" : "",
         hu_fmt_fixed(t, sizeof t, in.sum.avg_na, 3, 1));
  longevity_text(&in);
  if (in.sum.status.lead_open || in.sum.status.lead_short) {
    for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
      if (in.sum.status.lead_open & (1u << n)) printf("LEAD: E%u is open (last impedance check)\n", n);
      if (in.sum.status.lead_short & (1u << n)) printf("LEAD: E%u is shorted: programs using it were stopped\n", n);
    }
  }
  for (uint8_t i = 0; i < in.sum.status.n_prog; i++) {
    const di_prog_status_t *s = &in.sum.status.prog[i];
    const nm_prog_t *p = &in.prog[i];
    printf("program %u \"%s\"%s: %s %u Hz, %u us, %s mA (patient %s-%s mA), delivering %s mA\n", s->slot, s->name,
           di_running(&in.sum.status, s->slot) ? " (running)" : "", nm_wave_name(p->wave), p->rate_hz, p->width_us,
           hu_fmt_fixed(a, sizeof a, s->amp_ua, 3, 1), hu_fmt_fixed(b, sizeof b, s->pt_min_ua, 3, 1),
           hu_fmt_fixed(c, sizeof c, s->pt_max_ua, 3, 1), hu_fmt_fixed(t, sizeof t, s->level_ua, 3, 1));
  }
  for (uint8_t n = 0; n < in.sum.n_contacts; n++) {
    if (in.sum.threshold_ua[n]) printf("test-stimulation response on E%u at %s mA\n", n, hu_fmt_fixed(a, sizeof a, in.sum.threshold_ua[n], 3, 1));
  }
  return CLI_OK;
}

/* ---- program ------------------------------------------------------------------------ */

static int do_program(devcli_t *d, const char *path) {
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error(d->cmd, "%s", err);
    return CLI_USAGE;
  }
  di_identity_t id;
  int rc = devcli_identity(d, &id);
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
      report_reasons(&t.prog[why.slot], &t.lead, &t.load, &why.rep, print_line, NULL);
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
      jw_key(&w, "programmed");
      jw_uint(&w, 0);
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

static int do_op(devcli_t *d, uint8_t op, uint8_t arg, const char *what, const char *done) {
  int st = dev_op_u8(&d->link, op, arg);
  if (!devcli_in_effect(d, st, what)) return devcli_fail(d, st, what);
  if (d->json) printf("{\"done\":\"%s\",\"stored\":%s}\n", what, d->not_stored ? "false" : "true");
  else printf("%s\n", done);
  return CLI_OK;
}

static int do_mode(devcli_t *d, const char *m) {
  if (strcmp(m, "mri") == 0) return do_op(d, NM_OP_MODE, NM_MODE_MRI, "mode mri", "MRI mode: stimulation, sensing and automatic checks are off");
  if (strcmp(m, "surgery") == 0) {
    return do_op(d, NM_OP_MODE, NM_MODE_SURGERY, "mode surgery",
                 "surgery mode: stimulation is off; the surgical team should use bipolar diathermy");
  }
  if (strcmp(m, "normal") == 0) return do_op(d, NM_OP_MODE, NM_MODE_RESUME, "mode normal", "back to the mode before");
  cli_error(d->cmd, "mode '%s': use normal, mri or surgery", m);
  return CLI_USAGE;
}

static int do_impedance(devcli_t *d) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = devcli_query(d, NM_OP_IMPEDANCE, "impedance", resp, &r);
  if (rc) return rc;
  di_impedance_t im;
  if (di_impedance(r.buf, r.len, &im) != 0) return devcli_fail(d, NM_EINVAL, "impedance");
  js_w w;
  char a[8], b[8];
  if (d->json) {
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "contacts");
    jw_arr(&w);
  } else {
    printf("contact  impedance to case\n");
  }
  for (uint8_t i = 0; i < im.n; i++) {
    const di_imp_contact_t *c = &im.contact[i];
    if (d->json) {
      jw_obj(&w);
      jw_key(&w, "contact");
      jw_str(&w, hu_contact_name(a, sizeof a, c->node));
      jw_key(&w, "ohm");
      jw_uint(&w, c->ohm);
      jw_key(&w, "class");
      jw_str(&w, imp_class(c->cls));
      jw_obj_end(&w);
    } else {
      printf("%-7s  %6u ohm  %s\n", hu_contact_name(a, sizeof a, c->node), c->ohm, imp_class(c->cls));
    }
  }
  if (d->json) {
    jw_arr_end(&w);
    jw_key(&w, "programs");
    jw_arr(&w);
  } else if (im.m) {
    printf("program  pair      impedance\n");
  }
  for (uint8_t i = 0; i < im.m; i++) {
    const di_imp_pair_t *q = &im.pair[i];
    if (d->json) {
      jw_obj(&w);
      jw_key(&w, "slot");
      jw_uint(&w, q->slot);
      jw_key(&w, "cathode");
      jw_str(&w, hu_contact_name(a, sizeof a, q->cathode));
      jw_key(&w, "anode");
      jw_str(&w, hu_contact_name(b, sizeof b, q->anode));
      jw_key(&w, "ohm");
      jw_uint(&w, q->ohm);
      jw_key(&w, "class");
      jw_str(&w, imp_class(q->cls));
      jw_obj_end(&w);
    } else {
      printf("%-7u  %s-%-5s  %6u ohm  %s\n", q->slot, hu_contact_name(a, sizeof a, q->cathode), hu_contact_name(b, sizeof b, q->anode),
             q->ohm, imp_class(q->cls));
    }
  }
  uint16_t jump = im.jump;
  if (d->json) {
    jw_arr_end(&w);
    jw_key(&w, "possible_migration");
    jw_arr(&w);
    for (uint8_t i = 0; i < NM_MAX_CONTACTS; i++) {
      if (jump & (1u << i)) jw_str(&w, hu_contact_name(a, sizeof a, i));
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    for (uint8_t i = 0; i < NM_MAX_CONTACTS; i++) {
      if (jump & (1u << i)) {
        printf("E%u: impedance jumped since the last check: possible lead migration (check the effect, X-ray)\n", i);
      }
    }
  }
  return CLI_OK;
}

typedef struct {
  devcli_t *d;
  js_w w;
  uint32_t count;
} event_printer_t;

static int print_event(void *user, const di_event_t *e) {
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

static int do_history(devcli_t *d, int argc, char **argv) {
  uint32_t since = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
      int rc = devcli_since(d, argv[++i], &since);
      if (rc) return rc;
    } else {
      cli_error(d->cmd, "history: unexpected '%s' (history [--since YYYY-MM-DD])", argv[i]);
      return CLI_USAGE;
    }
  }
  event_printer_t hp = {d, {0}, 0};
  if (d->json) {
    di_identity_t id;
    int rc = devcli_identity(d, &id);
    if (rc) return rc;
    jw_init(&hp.w, stdout);
    jw_obj(&hp.w);
    jw_key(&hp.w, "serial");
    jw_str(&hp.w, id.serial);
    jw_key(&hp.w, "events");
    jw_arr(&hp.w);
  }
  int st = hist_read(&d->link, since, print_event, &hp);
  if (st != NM_OK) return devcli_fail(d, st, "history");
  if (d->json) {
    jw_arr_end(&hp.w);
    jw_key(&hp.w, "count");
    jw_uint(&hp.w, hp.count);
    jw_key(&hp.w, "frame_bytes");
    jw_uint(&hp.w, d->conn.tx_bytes + d->conn.rx_bytes);
    jw_obj_end(&hp.w);
    jw_end(&hp.w);
  } else if (hp.count == 0) {
    printf("no events%s\n", since ? " since that date" : "");
  }
  return CLI_OK;
}

static int do_pair(devcli_t *d, int argc, char **argv) {
  const char *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out = argv[++i];
    else {
      cli_error(d->cmd, "pair-remote: unexpected '%s' (pair-remote --out FILE)", argv[i]);
      return CLI_USAGE;
    }
  }
  if (!out) {
    cli_error(d->cmd, "pair-remote needs --out FILE (where the remote's key is written)");
    return CLI_USAGE;
  }
  if (access(out, F_OK) == 0) {
    cli_error(d->cmd, "'%s' exists: remove it or choose another name (a key is never overwritten)", out);
    return CLI_USAGE;
  }
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

static int do_revoke(devcli_t *d, const char *arg) {
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

static int do_remotes(devcli_t *d) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = devcli_query(d, NM_OP_REMOTES, "remotes", resp, &r);
  if (rc) return rc;
  di_remotes_t rs;
  if (di_remotes(r.buf, r.len, &rs) != 0) return devcli_fail(d, NM_EINVAL, "remotes");
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

static int do_test_stim(devcli_t *d, int argc, char **argv) {
  if (argc < 2) {
    cli_error(d->cmd, "test-stim CONTACT --start-ma X --step-ma Y [--steps N] [--mark] [--stop]");
    return CLI_USAGE;
  }
  int node = hu_contact_parse(argv[1], HU_CONTACT_NO_CASE);
  uint64_t start = 0, step = 0, steps = 0;
  int have_start = 0, have_step = 0, mark = 0, stop = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--start-ma") == 0 && i + 1 < argc) {
      have_start = hu_dec_urange(argv[++i], 3, 0, NM_TEST_AMP_MAX_UA, &start) == 0;
      if (!have_start) {
        cli_error(d->cmd, "--start-ma '%s': a number of mA from 0 to 12.5", argv[i]);
        return CLI_USAGE;
      }
    } else if (strcmp(argv[i], "--step-ma") == 0 && i + 1 < argc) {
      have_step = hu_dec_urange(argv[++i], 3, 0, 1000, &step) == 0 && step > 0;
      if (!have_step) {
        cli_error(d->cmd, "--step-ma '%s': a number of mA from 0.1 to 1.0", argv[i]);
        return CLI_USAGE;
      }
    } else if (strcmp(argv[i], "--steps") == 0 && i + 1 < argc) {
      if (hu_dec_urange(argv[++i], 0, 0, 125, &steps) != 0) {
        cli_error(d->cmd, "--steps '%s': a whole number from 0 to 125", argv[i]);
        return CLI_USAGE;
      }
    } else if (strcmp(argv[i], "--mark") == 0) {
      mark = 1;
    } else if (strcmp(argv[i], "--stop") == 0) {
      stop = 1;
    } else {
      cli_error(d->cmd, "test-stim: unexpected '%s'", argv[i]);
      return CLI_USAGE;
    }
  }
  if (node < 0 || !have_start || !have_step) {
    cli_error(d->cmd, "test-stim CONTACT --start-ma X --step-ma Y: CONTACT is %s, both amplitudes are needed", hu_contact_range());
    return CLI_USAGE;
  }
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
  for (uint64_t i = 0; i < steps || interactive; i++) {
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

/* The MRI conditions of nmod's leads (our system's labelling; brochures: SNM head only). */
static const char *lead_mri(uint8_t model) {
  switch (model) {
    case NM_LEAD_SNM_TINED_4: return "head";
    case NM_LEAD_SCS_PERC_8: return "full-body";
    case NM_LEAD_SCS_PADDLE_16: return "head";
    default: return "none";
  }
}

static int do_mri_check(devcli_t *d, int argc, char **argv) {
  const char *scan = NULL, *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--scan") == 0 && i + 1 < argc) scan = argv[++i];
    else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) out = argv[++i];
    else {
      cli_error(d->cmd, "mri-check: unexpected '%s' (mri-check --scan head|full-body [--out STATEMENT.txt])", argv[i]);
      return CLI_USAGE;
    }
  }
  if (!scan || (strcmp(scan, "head") != 0 && strcmp(scan, "full-body") != 0)) {
    cli_error(d->cmd, "mri-check needs --scan head or --scan full-body");
    return CLI_USAGE;
  }
  int full = strcmp(scan, "full-body") == 0;
  di_identity_t id;
  int rc = devcli_identity(d, &id);
  if (rc) return rc;
  /* A fresh lead check: the statement must rest on what the lead is now. */
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  if ((rc = devcli_query(d, NM_OP_IMPEDANCE, "mri-check (impedance)", resp, &r)) != 0) return rc;
  di_impedance_t im;
  if (di_impedance(r.buf, r.len, &im) != 0) return devcli_fail(d, NM_EINVAL, "mri-check (impedance)");
  uint8_t n = im.n;
  uint32_t ohm[NM_MAX_CONTACTS] = {0};
  uint8_t cls[NM_MAX_CONTACTS] = {0};
  for (uint8_t i = 0; i < n; i++) {
    ohm[i] = im.contact[i].ohm;
    cls[i] = im.contact[i].cls;
  }
  di_status_t s;
  if ((rc = devcli_status(d, &s)) != 0) return rc;

  char reasons[12][200];
  int nr = 0;
  if (id.id.kind == NM_KIND_ETS) {
    snprintf(reasons[nr++], sizeof reasons[0],
             "this is an external trial stimulator with a lead through the skin: no MRI during the trial");
  }
  const char *allowed = lead_mri(id.id.lead.model);
  if (id.id.therapy == NM_THERAPY_SNM && full) {
    snprintf(reasons[nr++], sizeof reasons[0],
             "SNM: an MRI is in principle not possible; only a head MRI may be made, under conditions");
  }
  if (strcmp(allowed, "none") == 0) {
    snprintf(reasons[nr++], sizeof reasons[0], "lead %s has no MRI conditions", nm_lead_name(id.id.lead.model));
  } else if (full && strcmp(allowed, "head") == 0 && id.id.therapy != NM_THERAPY_SNM) {
    snprintf(reasons[nr++], sizeof reasons[0], "lead %s allows head scans only", nm_lead_name(id.id.lead.model));
  }
  static const char *const cname[] = {"normal", "high", "open", "short", "unreadable"};
  for (uint8_t i = 0; i < n && i < NM_MAX_CONTACTS && nr < 10; i++) {
    if (cls[i] != NM_IMP_NORMAL) {
      snprintf(reasons[nr++], sizeof reasons[0], "lead contact E%u is %s (%u ohm): all parts must be intact", i,
               cls[i] < 5 ? cname[cls[i]] : "?", ohm[i]);
    }
  }
  if (s.batt_state == NM_BATT_EOS) {
    snprintf(reasons[nr++], sizeof reasons[0], "the battery is at end of service");
  }
  if (s.fault != NM_FAULT_NONE && nr < 12) {
    snprintf(reasons[nr++], sizeof reasons[0], "an open fault: %s", di_fault(s.fault));
  }
  int eligible = nr == 0;
  char date[HU_DATE_LEN];
  hu_date_fmt(date, sizeof date, hu_utc_today());
  if (d->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "serial");
    jw_str(&w, id.serial);
    jw_key(&w, "scan");
    jw_str(&w, scan);
    jw_key(&w, "eligible");
    jw_bool(&w, eligible);
    jw_key(&w, "reasons");
    jw_arr(&w);
    for (int i = 0; i < nr; i++) jw_str(&w, reasons[i]);
    jw_arr_end(&w);
    jw_key(&w, "statement");
    if (eligible && out) jw_str(&w, out); else jw_null(&w);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("MRI check of %s for a %s scan: %s\n", id.serial, scan, eligible ? "ELIGIBLE" : "NOT eligible");
    for (int i = 0; i < nr; i++) printf("  - %s\n", reasons[i]);
  }
  if (!eligible) return CLI_REFUSED;
  if (out) {
    FILE *f = fopen(out, "w");
    if (!f) {
      cli_error(d->cmd, "cannot write the statement '%s': %s", out, strerror(errno));
      return CLI_FAIL;
    }
    fprintf(f,
            "MRI STATEMENT FOR RADIOLOGY\n"
            "===========================\n\n"
            "Date of the check:   %s (valid for this scan only; check again before another)\n"
            "Stimulator:          %s, %s %s stimulator, firmware %u.%u.%u\n"
            "Lead:                %s, all %u contacts intact (impedance checked today)\n"
            "Battery:             %s, %u %%\n"
            "Scan allowed:        %s MRI%s\n\n"
            "Conditions (nmod's labelling for this system; follow the manufacturer's when it differs):\n"
            "  - 1.5 T closed-bore scanner; normal operating mode; head SAR at most 3.2 W/kg%s\n"
            "  - no transmit coil over the stimulator\n\n"
            "Before the scan:\n"
            "  - put the stimulator in MRI mode (patient remote: 'mri on'; or the clinician programmer)\n"
            "  - confirm on the remote that it says MRI mode: stimulation, sensing and automatic checks are off\n\n"
            "After the scan:\n"
            "  - leave MRI mode ('mri off'); stimulation returns as it was\n"
            "  - if the effect has changed, or the remote reports a lead alert, contact the pain clinic\n"
            "    (or for SNM the surgical outpatient clinic) for a read-out\n\n"
            "Checked with the clinician programmer by the implanting clinic.\n",
            date, id.serial, id.id.kind == NM_KIND_INS ? "implanted" : "external", di_therapy(id.id.therapy), id.id.fw[0],
            id.id.fw[1], id.id.fw[2], nm_lead_name(id.id.lead.model), n, di_batt_state(s.batt_state), s.soc_pm / 10u, scan,
            id.id.therapy == NM_THERAPY_SNM ? " (SNM: head only)" : "", full ? ", whole-body SAR at most 2 W/kg" : "");
    if (fclose(f) != 0) {
      cli_error(d->cmd, "writing the statement '%s' failed: %s", out, strerror(errno));
      return CLI_FAIL;
    }
    if (!d->json) printf("statement for radiology written to %s\n", out);
  }
  return CLI_OK;
}

static int reason_code(const char *s) {
  if (strcmp(s, "pregnancy") == 0) return NM_REASON_PREGNANCY;
  if (strcmp(s, "patient") == 0) return NM_REASON_PATIENT;
  if (strcmp(s, "clinical") == 0) return NM_REASON_CLINICAL;
  return -1;
}

int cmd_programmer(int argc, char **argv) {
  devcli_t d;
  int rc = devcli_args(&d, "programmer", argc, argv, USAGE);
  if (rc) return rc;
  const char *sub = d.argv[0];
  static const char *const known[] = {"interrogate", "program", "therapy", "test-stim", "impedance", "history", "usage",
                                      "pair-remote", "revoke-remote", "remotes", "mode", "mri-check"};
  int ok = 0;
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) ok |= strcmp(sub, known[i]) == 0;
  if (!ok) {
    cli_error("programmer", "unknown command '%s' (%s)", sub, USAGE);
    return CLI_USAGE;
  }
  /* Check the arguments that need no device before connecting. */
  if ((strcmp(sub, "program") == 0 || strcmp(sub, "mode") == 0 || strcmp(sub, "revoke-remote") == 0 ||
       (strcmp(sub, "therapy") == 0 && !(d.argc == 4 && strcmp(d.argv[2], "--reason") == 0))) &&
      d.argc != 2) {
    cli_error("programmer", "%s needs exactly one argument (%s)", sub, USAGE);
    return CLI_USAGE;
  }
  int reason = 0;
  if (strcmp(sub, "therapy") == 0 && d.argc == 4 && strcmp(d.argv[2], "--reason") == 0) {
    reason = reason_code(d.argv[3]);
    if (reason < 0) {
      cli_error("programmer", "--reason '%s': use pregnancy, patient or clinical", d.argv[3]);
      return CLI_USAGE;
    }
    d.argc = 2;
  }
  if (strcmp(sub, "therapy") == 0 && strcmp(d.argv[1], "on") != 0 && strcmp(d.argv[1], "off") != 0) {
    cli_error("programmer", "therapy '%s': use on or off", d.argv[1]);
    return CLI_USAGE;
  }
  if ((rc = devcli_open(&d, NM_ROLE_CLINICIAN)) != 0) return rc;
  if (strcmp(sub, "interrogate") == 0) rc = do_interrogate(&d, d.argc, d.argv);
  else if (strcmp(sub, "program") == 0) rc = do_program(&d, d.argv[1]);
  else if (strcmp(sub, "therapy") == 0) {
    int on = strcmp(d.argv[1], "on") == 0;
    uint8_t req[3] = {NM_OP_THERAPY, (uint8_t)on, (uint8_t)reason}, resp[NM_CMD_MAX];
    size_t rl;
    int st = devcli_call(&d, req, reason ? 3u : 2u, resp, &rl);
    if (!devcli_in_effect(&d, st, on ? "therapy on" : "therapy off")) {
      rc = devcli_fail(&d, st, on ? "therapy on" : "therapy off");
    } else {
      rc = CLI_OK;
      if (d.json) printf("{\"done\":\"therapy %s\",\"stored\":%s}\n", on ? "on" : "off", d.not_stored ? "false" : "true");
      else printf("%s\n", on ? "therapy on (soft start)" : reason == NM_REASON_PREGNANCY
                                                                   ? "therapy off (pregnancy: switch on again after delivery)"
                                                                   : "therapy off");
    }
  } else if (strcmp(sub, "test-stim") == 0) rc = do_test_stim(&d, d.argc, d.argv);
  else if (strcmp(sub, "impedance") == 0) rc = do_impedance(&d);
  else if (strcmp(sub, "history") == 0) rc = do_history(&d, d.argc, d.argv);
  else if (strcmp(sub, "usage") == 0) rc = cmd_programmer_usage(&d, d.argc, d.argv);
  else if (strcmp(sub, "pair-remote") == 0) rc = do_pair(&d, d.argc, d.argv);
  else if (strcmp(sub, "revoke-remote") == 0) rc = do_revoke(&d, d.argv[1]);
  else if (strcmp(sub, "remotes") == 0) rc = do_remotes(&d);
  else if (strcmp(sub, "mri-check") == 0) rc = do_mri_check(&d, d.argc, d.argv);
  else rc = do_mode(&d, d.argv[1]);
  devcli_close(&d);
  return rc;
}
