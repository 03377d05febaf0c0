/* cmd_remote.c: nmod remote --device HOST:PORT --key FILE CMD [--json]
 * The patient's remote: status, on/off, strength within the clinician's range, choosing a
 * stored program, MRI and surgery modes. It holds a paired remote's key, so the device
 * gives it the patient role: nothing of the clinician's is reachable with it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "devcli.h"
#include "nmod/limits.h"
#include "nmod/ops.h"
#include "hu_fmt.h"
#include "hu_dec.h"
#include "nmod/wire.h"

#define USAGE                                                                                      \
  "usage: nmod remote --device HOST:PORT --key FILE CMD [--json], CMD one of: status | on | off [--reason pregnancy] | " \
  "amp up|down|set MA | loop on|off | target up|down|set UV | program NAME | mri on|off | surgery on|off"

/* A program's closed loop, for the patient: on and holding its target, fallen back (and
 * why), or off. */
static void print_loop(const di_prog_status_t *p) {
  if (!p->loop.closed) return;
  char a[32];
  if (p->loop.on && p->loop.state != NM_LOOP_FALLBACK) {
    printf("  automatic strength (closed loop) on: holding %u uV (you can set %u to %u uV), now %s mA\n",
           p->loop.target_uv, p->loop.pt_lo_uv, p->loop.pt_hi_uv, hu_fmt_fixed(a, sizeof a, p->level_ua, 3, 1));
  } else if (p->loop.fault) {
    printf("  automatic strength fell back to a fixed %s mA: %s (turn it on again with 'loop on'; if it keeps "
           "happening, contact your clinic)\n",
           hu_fmt_fixed(a, sizeof a, p->loop.state == NM_LOOP_FALLBACK ? p->level_ua : p->amp_ua, 3, 1),
           di_loop_fault(p->loop.fault));
  } else {
    printf("  automatic strength (closed loop) off: fixed at %s mA (turn it on with 'loop on')\n",
           hu_fmt_fixed(a, sizeof a, p->amp_ua, 3, 1));
  }
}

static int print_status(devcli_t *d) {
  di_identity_t id;
  di_status_t s;
  int rc = devcli_identity(d, &id);
  if (!rc) rc = devcli_status(d, &s);
  if (rc) return rc;
  char a[32], b[32], c[32];
  if (d->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "serial");
    jw_str(&w, id.serial);
    jw_key(&w, "therapy");
    jw_str(&w, di_therapy(id.id.therapy));
    di_json_status(&w, &s);
    jw_obj_end(&w);
    jw_end(&w);
    return CLI_OK;
  }
  printf("stimulator %s: %s", id.serial,
         s.mode == NM_MODE_THERAPY ? "on" : s.mode == NM_MODE_MRI ? "MRI mode (off)"
         : s.mode == NM_MODE_SURGERY ? "surgery mode (off)" : s.mode == NM_MODE_SHELF ? "not yet activated" : "off");
  printf("\n");
  if (s.fault) printf("stimulation was stopped by a fault (%s): contact your clinic\n", di_fault(s.fault));
  /* The memory alerts, each line once (two alerts may say the same to the patient). */
  const char *said[16];
  int n_said = 0;
  for (unsigned bit = 0; bit < 16; bit++) {
    if (!(s.alerts & (1u << bit))) continue;
    const char *line = di_alert((uint16_t)(1u << bit), DI_ALERT_PATIENT);
    int dup = 0;
    for (int i = 0; i < n_said; i++) dup |= strcmp(said[i], line) == 0;
    if (dup) continue;
    said[n_said++] = line;
    printf("%s\n", line);
  }
  printf("battery %u %%%s", s.soc_pm / 10u, s.charging ? " (charging)" : "");
  switch (s.batt_state) {
    case NM_BATT_LOW: printf(": LOW, recharge your stimulator now\n"); break;
    case NM_BATT_ERI: printf(": ERI, the stimulator needs replacing soon: contact your clinic\n"); break;
    case NM_BATT_EOS: printf(": EOS, stimulation has stopped: contact your clinic (or recharge)\n"); break;
    default: printf("\n");
  }
  for (uint8_t n = 0; n < NM_MAX_CONTACTS; n++) {
    if (s.lead_open & (1u << n)) printf("lead contact E%u is open: contact your clinic\n", n);
    if (s.lead_short & (1u << n)) printf("lead contact E%u is shorted, stimulation on it stopped: contact your clinic\n", n);
  }
  for (uint8_t i = 0; i < s.n_prog; i++) {
    const di_prog_status_t *p = &s.prog[i];
    if (!di_running(&s, p->slot)) continue;
    printf("program \"%s\": strength %s mA (you can set %s to %s mA)\n", p->name, hu_fmt_fixed(a, sizeof a, p->amp_ua, 3, 1),
           hu_fmt_fixed(b, sizeof b, p->pt_min_ua, 3, 1), hu_fmt_fixed(c, sizeof c, p->pt_max_ua, 3, 1));
    print_loop(p);
  }
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (!(di_running(&s, s.prog[i].slot))) printf("also stored: program \"%s\"\n", s.prog[i].name);
  }
  return CLI_OK;
}

/* After a change: the new state in one line (or JSON). */
static int done(devcli_t *d, const char *what) {
  di_status_t s;
  int rc = devcli_status(d, &s);
  if (rc) return rc;
  if (d->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "done");
    jw_str(&w, what);
    jw_key(&w, "stored");
    jw_bool(&w, !d->not_stored);
    di_json_status(&w, &s);
    jw_obj_end(&w);
    jw_end(&w);
    return CLI_OK;
  }
  char a[32];
  printf("%s: stimulator %s", what, nm_mode_name(s.mode));
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (di_running(&s, s.prog[i].slot)) printf(", \"%s\" at %s mA", s.prog[i].name, hu_fmt_fixed(a, sizeof a, s.prog[i].amp_ua, 3, 1));
  }
  printf("\n");
  return CLI_OK;
}

static int amp(devcli_t *d, int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "set") == 0 ? argc != 3 : argc != 2)) {
    cli_error(d->cmd, "amp up | amp down | amp set MA");
    return CLI_USAGE;
  }
  di_status_t s;
  int rc = devcli_status(d, &s);
  if (rc) return rc;
  char a[32], b[32], c[32];
  if (strcmp(argv[1], "up") == 0 || strcmp(argv[1], "down") == 0) {
    int up = argv[1][0] == 'u';
    int st = dev_amp_step(&d->link, 0xFF, up ? 1 : -1);
    if (st == NM_EREFUSED) {
      for (uint8_t i = 0; i < s.n_prog; i++) {
        if (!(di_running(&s, s.prog[i].slot))) continue;
        cli_error(d->cmd, "amp %s: \"%s\" is at %s mA, the %s of the range your clinician set (%s-%s mA)", argv[1],
                  s.prog[i].name, hu_fmt_fixed(a, sizeof a, s.prog[i].amp_ua, 3, 1), up ? "top" : "bottom",
                  hu_fmt_fixed(b, sizeof b, s.prog[i].pt_min_ua, 3, 1), hu_fmt_fixed(c, sizeof c, s.prog[i].pt_max_ua, 3, 1));
        return CLI_REFUSED;
      }
    }
    if (st == NM_ENOENT) {
      cli_error(d->cmd, "amp %s: no program is selected on the stimulator", argv[1]);
      return CLI_REFUSED;
    }
    if (!devcli_in_effect(d, st, up ? "amp up" : "amp down")) return devcli_fail(d, st, up ? "amp up" : "amp down");
    return done(d, up ? "amp up" : "amp down");
  }
  if (strcmp(argv[1], "set") != 0) {
    cli_error(d->cmd, "amp '%s': use up, down or set MA", argv[1]);
    return CLI_USAGE;
  }
  uint64_t ua;
  if (hu_dec_urange(argv[2], 3, 0, NM_AMP_MAX_UA, &ua) != 0) {
    cli_error(d->cmd, "amp set '%s': a number of mA such as 1.5", argv[2]);
    return CLI_USAGE;
  }
  int slot = -1, n = 0;
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (di_running(&s, s.prog[i].slot)) {
      slot = i;
      n++;
    }
  }
  if (n != 1) {
    cli_error(d->cmd, "amp set: %s program is running: use amp up/down, which move all of them",
              n == 0 ? "no" : "more than one");
    return CLI_REFUSED;
  }
  int st = dev_amp_set(&d->link, s.prog[slot].slot, (uint32_t)ua);
  if (st == NM_EREFUSED) {
    char st_b[HU_FIXED_LEN];
    cli_error(d->cmd, "amp set %s: outside the range your clinician set (%s-%s mA, in %s mA steps)", argv[2],
              hu_fmt_fixed(a, sizeof a, s.prog[slot].pt_min_ua, 3, 1), hu_fmt_fixed(b, sizeof b, s.prog[slot].pt_max_ua, 3, 1),
              hu_fmt_fixed(st_b, sizeof st_b, NM_AMP_STEP_UA, 3, 1));
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, "amp set")) return devcli_fail(d, st, "amp set");
  return done(d, "amp set");
}

/* loop on|off: every running program with a closed loop. */
static int loop_cmd(devcli_t *d, const char *onoff) {
  int on = strcmp(onoff, "on") == 0;
  if (!on && strcmp(onoff, "off") != 0) {
    cli_error(d->cmd, "loop '%s': use on or off", onoff);
    return CLI_USAGE;
  }
  uint8_t req[3] = {NM_OP_LOOP, 0xFF, (uint8_t)on}, resp[NM_CMD_MAX];
  size_t rl;
  int st = dev_call(&d->link, req, sizeof req, resp, sizeof resp, &rl);
  if (st == NM_ENOENT) {
    cli_error(d->cmd, "loop %s: no running program has automatic strength (a closed loop)%s", onoff,
              on ? ", or this stimulator cannot run one" : "");
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, on ? "loop on" : "loop off")) return devcli_fail(d, st, on ? "loop on" : "loop off");
  return done(d, on ? "loop on" : "loop off");
}

/* target up|down|set UV: the closed loop's target, inside the range the clinician set. */
static int target_cmd(devcli_t *d, int argc, char **argv) {
  if (argc < 2 || (strcmp(argv[1], "set") == 0 ? argc != 3 : argc != 2)) {
    cli_error(d->cmd, "target up | target down | target set UV");
    return CLI_USAGE;
  }
  di_status_t s;
  int rc = devcli_status(d, &s);
  if (rc) return rc;
  const di_prog_status_t *p = NULL;
  int n = 0;
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (di_running(&s, s.prog[i].slot) && s.prog[i].loop.closed) {
      p = &s.prog[i];
      n++;
    }
  }
  if (n != 1) {
    cli_error(d->cmd, "target: %s running program has automatic strength (a closed loop)", n ? "more than one" : "no");
    return CLI_REFUSED;
  }
  uint64_t uv;
  if (strcmp(argv[1], "up") == 0) uv = (uint64_t)p->loop.target_uv + NM_LOOP_TARGET_STEP_UV;
  else if (strcmp(argv[1], "down") == 0) uv = p->loop.target_uv > NM_LOOP_TARGET_STEP_UV ? p->loop.target_uv - NM_LOOP_TARGET_STEP_UV : 0;
  else if (strcmp(argv[1], "set") != 0) {
    cli_error(d->cmd, "target '%s': use up, down or set UV", argv[1]);
    return CLI_USAGE;
  } else if (hu_dec_urange(argv[2], 0, 0, UINT16_MAX, &uv) != 0) {
    cli_error(d->cmd, "target set '%s': a whole number of uV such as 50", argv[2]);
    return CLI_USAGE;
  }
  uint8_t req[4] = {NM_OP_LOOP_TARGET, p->slot, (uint8_t)(uv & 0xFFu), (uint8_t)(uv >> 8)}, resp[NM_CMD_MAX];
  size_t rl;
  int st = uv > UINT16_MAX ? NM_EREFUSED : dev_call(&d->link, req, sizeof req, resp, sizeof resp, &rl);
  if (st == NM_EREFUSED) {
    cli_error(d->cmd, "target %s: %llu uV is outside the range your clinician set (%u-%u uV)", argv[1],
              (unsigned long long)uv, p->loop.pt_lo_uv, p->loop.pt_hi_uv);
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, "target")) return devcli_fail(d, st, "target");
  return done(d, "target");
}

static int program(devcli_t *d, const char *name) {
  di_status_t s;
  int rc = devcli_status(d, &s);
  if (rc) return rc;
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (strcmp(s.prog[i].name, name) != 0) continue;
    int st = dev_op_u8(&d->link, NM_OP_SELECT, (uint8_t)(1u << s.prog[i].slot));
    if (!devcli_in_effect(d, st, "program")) return devcli_fail(d, st, "program");
    return done(d, "program");
  }
  cli_error(d->cmd, "program '%s': no such program on the stimulator (see 'status')", name);
  return CLI_REFUSED;
}

static int mode(devcli_t *d, uint8_t which, const char *onoff, const char *what) {
  int on = strcmp(onoff, "on") == 0;
  if (!on && strcmp(onoff, "off") != 0) {
    cli_error(d->cmd, "%s '%s': use on or off", what, onoff);
    return CLI_USAGE;
  }
  if (!on) {
    di_status_t s;
    int rc = devcli_status(d, &s);
    if (rc) return rc;
    if (s.mode != which) {
      cli_error(d->cmd, "%s off: the stimulator is not in %s mode (it is %s)", what, what, nm_mode_name(s.mode));
      return CLI_REFUSED;
    }
  }
  int st = dev_op_u8(&d->link, NM_OP_MODE, on ? which : NM_MODE_RESUME);
  if (!devcli_in_effect(d, st, what)) return devcli_fail(d, st, what);
  if (on && which == NM_MODE_SURGERY && !d->json) {
    printf("surgery mode: stimulation off. Tell the surgical team to use bipolar diathermy.\n");
  }
  return done(d, on ? (which == NM_MODE_MRI ? "mri on" : "surgery on") : (which == NM_MODE_MRI ? "mri off" : "surgery off"));
}

int cmd_remote(int argc, char **argv) {
  devcli_t d;
  int rc = devcli_args(&d, "remote", argc, argv, USAGE);
  if (rc) return rc;
  const char *sub = d.argv[0];
  int want = strcmp(sub, "status") == 0 || strcmp(sub, "on") == 0 || strcmp(sub, "off") == 0 ? 1
             : strcmp(sub, "amp") == 0 || strcmp(sub, "target") == 0                          ? -1
             : strcmp(sub, "loop") == 0                                                       ? 2
             : strcmp(sub, "program") == 0 || strcmp(sub, "mri") == 0 || strcmp(sub, "surgery") == 0 ? 2
                                                                                                    : 0;
  if (want == 0) {
    cli_error("remote", "unknown command '%s' (%s)", sub, USAGE);
    return CLI_USAGE;
  }
  uint8_t reason = 0;
  if (strcmp(sub, "off") == 0 && d.argc == 3 && strcmp(d.argv[1], "--reason") == 0) {
    if (strcmp(d.argv[2], "pregnancy") != 0) {
      cli_error("remote", "off --reason '%s': the remote records 'pregnancy'", d.argv[2]);
      return CLI_USAGE;
    }
    reason = NM_REASON_PREGNANCY;
    d.argc = 1;
  }
  if (want > 0 && d.argc != want) {
    cli_error("remote", "%s: wrong number of arguments (%s)", sub, USAGE);
    return CLI_USAGE;
  }
  if ((rc = devcli_open(&d, NM_ROLE_PATIENT)) != 0) return rc;
  if (strcmp(sub, "status") == 0) rc = print_status(&d);
  else if (strcmp(sub, "on") == 0 || strcmp(sub, "off") == 0) {
    int on = sub[1] == 'n';
    uint8_t req[3] = {NM_OP_THERAPY, (uint8_t)on, reason}, resp[NM_CMD_MAX];
    size_t rl;
    int st = dev_call(&d.link, req, reason ? 3u : 2u, resp, sizeof resp, &rl);
    if (st == NM_ESTATE) {
      cli_error("remote", "%s: not possible now (MRI or surgery mode, or not activated): see 'status'", sub);
      rc = CLI_REFUSED;
    } else if (st == NM_EPERM) {
      cli_error("remote", "on: stimulation was stopped by a fault: only your clinician can restart it");
      rc = CLI_REFUSED;
    } else if (!devcli_in_effect(&d, st, on ? "therapy on" : "therapy off")) {
      rc = devcli_fail(&d, st, sub);
    } else {
      rc = done(&d, on ? "on" : "off");
    }
  } else if (strcmp(sub, "amp") == 0) rc = amp(&d, d.argc, d.argv);
  else if (strcmp(sub, "loop") == 0) rc = loop_cmd(&d, d.argv[1]);
  else if (strcmp(sub, "target") == 0) rc = target_cmd(&d, d.argc, d.argv);
  else if (strcmp(sub, "program") == 0) rc = program(&d, d.argv[1]);
  else if (strcmp(sub, "mri") == 0) rc = mode(&d, NM_MODE_MRI, d.argv[1], "mri");
  else rc = mode(&d, NM_MODE_SURGERY, d.argv[1], "surgery");
  devcli_close(&d);
  return rc;
}
