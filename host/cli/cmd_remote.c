/* cmd_remote.c: nmod remote --device HOST:PORT --key FILE CMD [--json]
 * The patient's remote: status, on/off, strength within the clinician's range, choosing a
 * stored program, MRI and surgery modes. It holds a paired remote's key, so the device
 * gives it the patient role: nothing of the clinician's is reachable with it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "devcli.h"
#include "hu_fmt.h"
#include "hu_dec.h"
#include "nmod/limits.h"
#include "nmod/ops.h"
#include "nmod/wire.h"

/* A program's closed loop, for the patient: on and holding its target, fallen back (and
 * why), or off. */
static void loop_print(const di_prog_status_t *p) {
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

static int cmd_remote_status(devcli_t *d, hu_args *args) {
  (void)args;
  di_identity_t id;
  di_status_t s;
  int rc = devcli_open(d);
  if (!rc) rc = devcli_identity(d, &id);
  if (!rc) rc = devcli_status(d, &s);
  if (rc) return rc;
  char a[32], b[32], c[32];
  if (d->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_kv_str(&w, "serial", id.serial);
    jw_kv_str(&w, "therapy", di_therapy(id.id.therapy));
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
    loop_print(p);
  }
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (!(di_running(&s, s.prog[i].slot))) printf("also stored: program \"%s\"\n", s.prog[i].name);
  }
  return CLI_OK;
}

/* After a change: the new state in one line (or JSON). */
static int cmd_remote_done(devcli_t *d, const char *what) {
  di_status_t s;
  int rc = devcli_status(d, &s);
  if (rc) return rc;
  if (d->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_kv_str(&w, "done", what);
    jw_kv_bool(&w, "stored", !d->not_stored);
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

static int cmd_remote_amp(devcli_t *d, hu_args *args) {
  const char *how = args->pos[0];
  int set = strcmp(how, "set") == 0, step = strcmp(how, "up") == 0 || strcmp(how, "down") == 0;
  if (!set && !step) {
    cli_error(d->cmd, "amp '%.40s': use up, down or set MA", how);
    return CLI_USAGE;
  }
  if (set != (args->npos == 2)) {
    cli_error(d->cmd, set ? "amp set needs the strength in mA (amp set MA)" : "amp %s takes nothing more", how);
    return CLI_USAGE;
  }
  uint64_t ua = 0;
  if (set && hu_dec_urange(args->pos[1], 3, 0, NM_AMP_MAX_UA, &ua) != 0) {
    cli_error(d->cmd, "amp set '%.40s': a number of mA such as 1.5", args->pos[1]);
    return CLI_USAGE;
  }
  di_status_t s;
  int rc = devcli_open(d);
  if (!rc) rc = devcli_status(d, &s);
  if (rc) return rc;
  char a[32], b[32], c[32];
  if (step) {
    int up = how[0] == 'u';
    int st = dev_amp_step(&d->link, 0xFF, up ? 1 : -1);
    if (st == NM_EREFUSED) {
      for (uint8_t i = 0; i < s.n_prog; i++) {
        if (!(di_running(&s, s.prog[i].slot))) continue;
        cli_error(d->cmd, "amp %s: \"%s\" is at %s mA, the %s of the range your clinician set (%s-%s mA)", how,
                  s.prog[i].name, hu_fmt_fixed(a, sizeof a, s.prog[i].amp_ua, 3, 1), up ? "top" : "bottom",
                  hu_fmt_fixed(b, sizeof b, s.prog[i].pt_min_ua, 3, 1), hu_fmt_fixed(c, sizeof c, s.prog[i].pt_max_ua, 3, 1));
        return CLI_REFUSED;
      }
    }
    if (st == NM_ENOENT) {
      cli_error(d->cmd, "amp %s: no program is selected on the stimulator", how);
      return CLI_REFUSED;
    }
    if (!devcli_in_effect(d, st, up ? "amp up" : "amp down")) return devcli_fail(d, st, up ? "amp up" : "amp down");
    return cmd_remote_done(d, up ? "amp up" : "amp down");
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
    cli_error(d->cmd, "amp set %s: outside the range your clinician set (%s-%s mA, in %s mA steps)", args->pos[1],
              hu_fmt_fixed(a, sizeof a, s.prog[slot].pt_min_ua, 3, 1), hu_fmt_fixed(b, sizeof b, s.prog[slot].pt_max_ua, 3, 1),
              hu_fmt_fixed(st_b, sizeof st_b, NM_AMP_STEP_UA, 3, 1));
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, "amp set")) return devcli_fail(d, st, "amp set");
  return cmd_remote_done(d, "amp set");
}

/* loop on|off: every running program with a closed loop. */
static int cmd_remote_loop(devcli_t *d, hu_args *args) {
  const char *onoff = args->pos[0];
  int on = strcmp(onoff, "on") == 0;
  if (!on && strcmp(onoff, "off") != 0) {
    cli_error(d->cmd, "loop '%.40s': use on or off", onoff);
    return CLI_USAGE;
  }
  int rc = devcli_open(d);
  if (rc) return rc;
  uint8_t req[3] = {NM_OP_LOOP, 0xFF, (uint8_t)on}, resp[NM_CMD_MAX];
  size_t rl;
  int st = dev_call(&d->link, req, sizeof req, resp, sizeof resp, &rl);
  if (st == NM_ENOENT) {
    cli_error(d->cmd, "loop %s: no running program has automatic strength (a closed loop)%s", onoff,
              on ? ", or this stimulator cannot run one" : "");
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, on ? "loop on" : "loop off")) return devcli_fail(d, st, on ? "loop on" : "loop off");
  return cmd_remote_done(d, on ? "loop on" : "loop off");
}

/* target up|down|set UV: the closed loop's target, inside the range the clinician set. */
static int cmd_remote_target(devcli_t *d, hu_args *args) {
  const char *how = args->pos[0];
  int set = strcmp(how, "set") == 0;
  if (!set && strcmp(how, "up") != 0 && strcmp(how, "down") != 0) {
    cli_error(d->cmd, "target '%.40s': use up, down or set UV", how);
    return CLI_USAGE;
  }
  if (set != (args->npos == 2)) {
    cli_error(d->cmd, "target up | target down | target set UV");
    return CLI_USAGE;
  }
  uint64_t uv = 0;
  if (set && hu_dec_urange(args->pos[1], 0, 0, UINT16_MAX, &uv) != 0) {
    cli_error(d->cmd, "target set '%.40s': a whole number of uV such as 50", args->pos[1]);
    return CLI_USAGE;
  }
  di_status_t s;
  int rc = devcli_open(d);
  if (!rc) rc = devcli_status(d, &s);
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
  if (how[0] == 'u') uv = (uint64_t)p->loop.target_uv + NM_LOOP_TARGET_STEP_UV;
  else if (how[0] == 'd') uv = p->loop.target_uv > NM_LOOP_TARGET_STEP_UV ? p->loop.target_uv - NM_LOOP_TARGET_STEP_UV : 0;
  uint8_t req[4] = {NM_OP_LOOP_TARGET, p->slot, (uint8_t)(uv & 0xFFu), (uint8_t)(uv >> 8)}, resp[NM_CMD_MAX];
  size_t rl;
  int st = uv > UINT16_MAX ? NM_EREFUSED : dev_call(&d->link, req, sizeof req, resp, sizeof resp, &rl);
  if (st == NM_EREFUSED) {
    cli_error(d->cmd, "target %s: %llu uV is outside the range your clinician set (%u-%u uV)", how,
              (unsigned long long)uv, p->loop.pt_lo_uv, p->loop.pt_hi_uv);
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, "target")) return devcli_fail(d, st, "target");
  return cmd_remote_done(d, "target");
}

static int cmd_remote_program(devcli_t *d, hu_args *args) {
  const char *name = args->pos[0];
  di_status_t s;
  int rc = devcli_open(d);
  if (!rc) rc = devcli_status(d, &s);
  if (rc) return rc;
  for (uint8_t i = 0; i < s.n_prog; i++) {
    if (strcmp(s.prog[i].name, name) != 0) continue;
    int st = dev_op_u8(&d->link, NM_OP_SELECT, (uint8_t)(1u << s.prog[i].slot));
    if (!devcli_in_effect(d, st, "program")) return devcli_fail(d, st, "program");
    return cmd_remote_done(d, "program");
  }
  cli_error(d->cmd, "program '%s': no such program on the stimulator (see 'status')", name);
  return CLI_REFUSED;
}

static int cmd_remote_mode(devcli_t *d, uint8_t which, const char *onoff, const char *what) {
  int on = strcmp(onoff, "on") == 0;
  if (!on && strcmp(onoff, "off") != 0) {
    cli_error(d->cmd, "%s '%.40s': use on or off", what, onoff);
    return CLI_USAGE;
  }
  int rc0 = devcli_open(d);
  if (rc0) return rc0;
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
  return cmd_remote_done(d, on ? (which == NM_MODE_MRI ? "mri on" : "surgery on") : (which == NM_MODE_MRI ? "mri off" : "surgery off"));
}

static int cmd_remote_on_off(devcli_t *d, hu_args *args, int on) {
  const char *why = hu_args_get(args, "reason");
  if (why && strcmp(why, "pregnancy") != 0) {
    cli_error(d->cmd, "off --reason '%.40s': the remote records 'pregnancy'", why);
    return CLI_USAGE;
  }
  uint8_t reason = why ? NM_REASON_PREGNANCY : 0;
  int rc = devcli_open(d);
  if (rc) return rc;
  uint8_t req[3] = {NM_OP_THERAPY, (uint8_t)on, reason}, resp[NM_CMD_MAX];
  size_t rl;
  const char *sub = on ? "on" : "off";
  int st = dev_call(&d->link, req, reason ? 3u : 2u, resp, sizeof resp, &rl);
  if (st == NM_ESTATE) {
    cli_error(d->cmd, "%s: not possible now (MRI or surgery mode, or not activated): see 'status'", sub);
    return CLI_REFUSED;
  }
  if (st == NM_EPERM) {
    cli_error(d->cmd, "on: stimulation was stopped by a fault: only your clinician can restart it");
    return CLI_REFUSED;
  }
  if (!devcli_in_effect(d, st, on ? "therapy on" : "therapy off")) return devcli_fail(d, st, sub);
  return cmd_remote_done(d, sub);
}

static int cmd_remote_on(devcli_t *d, hu_args *args) { return cmd_remote_on_off(d, args, 1); }
static int cmd_remote_off(devcli_t *d, hu_args *args) { return cmd_remote_on_off(d, args, 0); }
static int cmd_remote_mri(devcli_t *d, hu_args *args) { return cmd_remote_mode(d, NM_MODE_MRI, args->pos[0], "mri"); }
static int cmd_remote_surgery(devcli_t *d, hu_args *args) { return cmd_remote_mode(d, NM_MODE_SURGERY, args->pos[0], "surgery"); }

static const hu_opt reason_opt[] = {{"reason", "pregnancy", 0, "record why (pregnancy: switch on again after delivery)"},
                                    {NULL, NULL, 0, NULL}};

static const devcli_sub remote_subs[] = {
    {"status", "", "the stimulator's state, battery and programs", NULL, 0, 0, cmd_remote_status},
    {"on", "", "stimulation on", NULL, 0, 0, cmd_remote_on},
    {"off", "[--reason pregnancy]", "stimulation off", reason_opt, 0, 0, cmd_remote_off},
    {"amp", "up|down|set MA", "stronger or weaker, within your clinician's range", NULL, 1, 2, cmd_remote_amp},
    {"loop", "on|off", "automatic strength (a closed loop) on or off", NULL, 1, 1, cmd_remote_loop},
    {"target", "up|down|set UV", "the automatic strength's target, within your clinician's range", NULL, 1, 2, cmd_remote_target},
    {"program", "NAME", "run another stored program", NULL, 1, 1, cmd_remote_program},
    {"mri", "on|off", "MRI mode (stimulation, sensing and automatic checks off)", NULL, 1, 1, cmd_remote_mri},
    {"surgery", "on|off", "surgery mode (stimulation off)", NULL, 1, 1, cmd_remote_surgery},
};

static const devcli_group remote = {"remote", "the patient's remote", "the paired remote's key", NM_ROLE_PATIENT, remote_subs,
                                    sizeof remote_subs / sizeof remote_subs[0]};

int cmd_remote(int argc, char **argv) { return devcli_main(&remote, argc, argv); }
