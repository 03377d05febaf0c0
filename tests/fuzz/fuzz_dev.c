/* fuzz_dev.c: libFuzzer target for the whole device command path: nm_dev_boot, nm_dev_exec
 * and nm_dev_wake on simulated hardware (ports/sim), with reboots from a flash the input
 * has damaged in between.
 *
 * The input is a script. Its first bytes pick the hardware (one of the three catalog
 * leads, the cell) and a starting world built once at start-up through the same API:
 * blank flash (the script's flash damage lands before the first boot, which provisions),
 * a programmed device with therapy on, or one with a paired remote, history and therapy
 * off. Then up to MAX_STEPS steps, each one of:
 *   exec    a request from any role 0..255 (mostly the real ones) with a response capacity
 *           of NM_CMD_MAX or anything below; either raw bytes (any op, any length) or a
 *           well-formed request of one of the ops of nmod/cmd.h and nmod/dev.h with fuzzed
 *           arguments, sometimes cut short or lengthened;
 *   wake    virtual time moves on (milliseconds to days), the device woken at every timer;
 *   reboot  fresh hardware (clock from 0) on the same flash, nm_dev_boot again;
 *   flip    bits of the flash change under the device (bit rot, a bad cell);
 *   record  a stored record is rewritten with a valid CRC but damaged content (a record
 *           flash holds is not trusted because its CRC checks), then a reboot;
 *   cut     power to the flash fails after n more program/erase operations (a torn write,
 *           then every write fails until the next reboot);
 *   stuck   the flash refuses every write and erase (a worn or disconnected chip) until
 *           healed; it is hardware, so it stays across reboots;
 *   fault   a contact goes open, shorted or back to normal (or the charger goes on/off).
 *
 * Invariants (check_* below; any violation prints INVARIANT and aborts):
 * - Every pattern handed to the output stage is within the limits, judged here on its
 *   own (double arithmetic, the lead's geometry from lead.c's comment, not its table):
 *   per stimulating phase and contact, density <= 30 uC/cm2 and Shannon k < 1.85 with
 *   the real hardware lead's contact area; current on contacts of that lead only, summing
 *   to zero, at most 25.5 mA a contact. (docs/SAFETY.md)
 * - A response never exceeds the capacity, starts with the status returned, and a
 *   clinician's read-only request with the full NM_CMD_MAX never fails for want of room
 *   (every device state can be read out).
 * - A request refused (status != NM_OK) changes neither the settings nor the output,
 *   except that a fault the device finds meanwhile (a depleted cell) may stop it.
 * - NM_ENOTSTORED (the fail-safe rule, docs/SAFETY.md: a lowering in effect in RAM, not
 *   stored) never leaves the device stimulating more than before the request.
 * - After a reboot the device is never stimulating more than before it: therapy off stays
 *   off; therapy on comes back with the same programs (or fewer), none higher; with the
 *   flash stuck at boot, therapy is off. Left out: the one window SAFETY.md documents (a
 *   lowering only in RAM when the write fault heals across the reset). A device that
 *   booted before keeps its identity (never provisioned again).
 * The checks are in one place: check_pattern, check_exec and check_reboot.
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "nmod/dev.h"
#include "nmod/records.h"
#include "nmod/wire.h"
#include "sim.h"

#define PAGE 4096u /* as nmod sim and the Cortex-M port */
#define PAGES (NM_DEV_KV_PAGES + 4u)
#define FLASH_BYTES (PAGE * PAGES)
#define MAX_STEPS 48
#define WAKE_BUDGET 4000 /* device wakes per input: keeps one run in milliseconds */

/* ---- the hardware, described here independently of firmware/core ------------------- */

/* Contact geometry of the catalog leads, from the products in lead.c's comment (the
 * supervisor uses lead.c's integer table; this is the judge's own arithmetic). */
typedef struct {
  uint8_t model, n_contacts, therapy;
  double area_mm2;
} hw_lead_t;
static const hw_lead_t HW_LEADS[3] = {
    {NM_LEAD_SNM_TINED_4, 4, NM_THERAPY_SNM, 3.14159265358979 * 1.27 * 3.0},
    {NM_LEAD_SCS_PERC_8, 8, NM_THERAPY_SCS, 3.14159265358979 * 1.30 * 3.0},
    {NM_LEAD_SCS_PADDLE_16, 16, NM_THERAPY_SCS, 4.0 * 1.0},
};
#define CASE_AREA_MM2 1000.0  /* the titanium case, about 10 cm2 */
#define LIMIT_UC_CM2 30.0     /* density per phase (Boston Scientific) */
#define LIMIT_K 1.85          /* Shannon 1992 */
#define LIMIT_CONTACT_UA 25500 /* the output stage's range, 25.5 mA */

typedef struct {
  int active;       /* a pattern is being delivered (loaded, not stopped since) */
  nm_pattern_t pat; /* the last one loaded */
  uint32_t loads, stops;
} out_track_t;

typedef struct {
  uint8_t flash[FLASH_BYTES];
  sim_hw_t hw;
  nm_port_t shim; /* the port the device sees: the sim's, with the output stage watched */
  nm_dev_t dev;
  int booted;
  out_track_t out;
  nm_factory_t factory;
  const hw_lead_t *lead;
  uint8_t cell, cell_pct;
  int stuck; /* the flash refuses every write and erase (a worn or disconnected chip): hardware, kept across reboots */
  int wakes;
} world_t;

static world_t W; /* the working copy; everything points into it, so it stays put */
static world_t saved[3][3];  /* [lead][start] */
static int saved_ok[3][3];
static int ready;
static int trace; /* FUZZ_DEV_TRACE=1: print each step (to replay one input) */
#define TRACE(...) \
  do {             \
    if (trace) fprintf(stderr, __VA_ARGS__); \
  } while (0)

/* ---- invariant checks ------------------------------------------------------------------ */

static double node_area_mm2(uint8_t node) {
  if (node == NM_NODE_CASE) return CASE_AREA_MM2;
  return node < W.lead->n_contacts ? W.lead->area_mm2 : 0.0;
}

/* A pattern the device hands to the output stage. */
static void check_pattern(const nm_pattern_t *p) {
  CHECK(p->n_chan <= NM_MAX_RUNNING && p->n_slot <= NM_PATTERN_MAX_SLOTS, "pattern: too many channels or slots");
  for (uint8_t s = 0; s < p->n_slot; s++) CHECK(p->slot[s].chan < p->n_chan, "pattern: slot names no channel");
  for (uint8_t c = 0; c < p->n_chan; c++) {
    const nm_chan_t *ch = &p->chan[c];
    int64_t sum = 0;
    for (uint8_t n = 0; n < NM_NODES; n++) {
      int32_t ua = ch->node_ua[n];
      sum += ua;
      if (ua == 0) continue;
      double area_mm2 = node_area_mm2(n);
      CHECK(area_mm2 > 0, "pattern: current on a contact the hardware lead does not have");
      double mag_ua = fabs((double)ua);
      CHECK(mag_ua <= LIMIT_CONTACT_UA, "pattern: more than 25.5 mA on a contact");
      double q_uc = mag_ua * (double)ch->width_us * 1e-6; /* 1 uA x 1 us = 1 pC */
      double d_uc_cm2 = q_uc / (area_mm2 * 0.01);
      if (d_uc_cm2 > LIMIT_UC_CM2 * (1 + 1e-12)) {
        fprintf(stderr, "node %u: %d uA x %u us = %.4f uC on %.4f mm2: %.4f uC/cm2\n", n, ua, ch->width_us, q_uc,
                area_mm2, d_uc_cm2);
      }
      CHECK(d_uc_cm2 <= LIMIT_UC_CM2 * (1 + 1e-12), "pattern: charge density over 30 uC/cm2");
      double k = log10(d_uc_cm2) + log10(q_uc);
      if (k >= LIMIT_K) {
        fprintf(stderr, "node %u: %d uA x %u us = %.4f uC on %.4f mm2: k = %.5f\n", n, ua, ch->width_us, q_uc,
                area_mm2, k);
      }
      CHECK(k < LIMIT_K, "pattern: Shannon k >= 1.85");
    }
    CHECK(sum == 0, "pattern: currents of a phase do not sum to zero");
  }
}

static int shim_load(void *ctx, const nm_pattern_t *p) {
  check_pattern(p);
  W.out.pat = *p;
  W.out.active = 1;
  W.out.loads++;
  return W.hw.port.out_load(ctx, p);
}

static void shim_stop(void *ctx) {
  W.out.active = 0;
  W.out.stops++;
  W.hw.port.out_stop(ctx);
}

static int pattern_same(const nm_pattern_t *a, const nm_pattern_t *b) {
  if (a->frame_hz != b->frame_hz || a->n_chan != b->n_chan || a->n_slot != b->n_slot) return 0;
  for (uint8_t c = 0; c < a->n_chan; c++) {
    const nm_chan_t *x = &a->chan[c], *y = &b->chan[c];
    if (memcmp(x->node_ua, y->node_ua, sizeof x->node_ua) != 0 || x->width_us != y->width_us ||
        x->gap_us != y->gap_us || x->recharge_us != y->recharge_us) {
      return 0;
    }
  }
  for (uint8_t s = 0; s < a->n_slot; s++) {
    if (a->slot[s].offset_ns != b->slot[s].offset_ns || a->slot[s].chan != b->slot[s].chan ||
        a->slot[s].recharge != b->slot[s].recharge) {
      return 0;
    }
  }
  return 1;
}

/* What the checks compare: the device's state as its public struct shows it. */
typedef struct {
  int booted, delivering, provisioned;
  int dirty; /* a lowering is in effect in RAM but not stored (the fail-safe rule) */
  uint8_t mode, therapy_on, running;
  uint32_t fault;
  uint8_t set_bytes[NM_CMD_MAX]; /* the settings, in their stored encoding */
  size_t set_len;
  nm_prog_t prog[NM_MAX_PROGRAMS];
  uint32_t amp_ua[NM_MAX_PROGRAMS];
  char serial[NM_SERIAL_LEN];
  uint8_t clin_id[NM_KEY_ID_LEN];
  int out_active;
  nm_pattern_t out_pat;
} snap_t;

static void observe(snap_t *s) {
  memset(s, 0, sizeof *s);
  s->booted = W.booted;
  s->out_active = W.out.active;
  s->out_pat = W.out.pat;
  if (!W.booted) return;
  const nm_core_t *c = &W.dev.core;
  s->mode = c->mode;
  s->dirty = W.dev.dirty != 0;
  s->fault = c->fault;
  s->provisioned = W.dev.provisioned_now;
  s->therapy_on = c->set.therapy_on;
  s->running = c->set.running_mask;
  s->delivering = c->mode == NM_MODE_THERAPY && c->set.therapy_on && c->set.running_mask != 0;
  nm_wr_t w;
  nm_wr_init(&w, s->set_bytes, sizeof s->set_bytes);
  nm_stored_state_t sst;
  nm_core_stored_state(c, &sst);
  sst.mode = c->mode; /* the state as it is, test included (a comparison, not a record) */
  nm_wire_put_settings(&w, &c->set, &sst);
  s->set_len = w.err ? 0 : w.len;
  memcpy(s->prog, c->set.prog, sizeof s->prog);
  memcpy(s->amp_ua, c->set.amp_ua, sizeof s->amp_ua);
  memcpy(s->serial, W.dev.id.serial, sizeof s->serial);
  memcpy(s->clin_id, W.dev.id.clin_id, sizeof s->clin_id);
}

/* The pulse a program makes, without its amplitudes (the programmed one and the
 * patient's range may move with AMP_SET; what is delivered is the amplitude now). */
static int same_pulse(const nm_prog_t *a, const nm_prog_t *b) {
  nm_prog_t x = *a, y = *b;
  x.amp_ua = y.amp_ua = x.pt_min_ua = y.pt_min_ua = x.pt_max_ua = y.pt_max_ua = 0;
  return memcmp(&x, &y, sizeof x) == 0;
}

/* b is not more stimulating than a: when both deliver, b runs no program a did not, each
 * the same pulse at the same or a lower amplitude. */
static int not_more(const snap_t *a, const snap_t *b) {
  if (!a->delivering || !b->delivering) return 1;
  if (b->running & (uint8_t)~a->running) return 0;
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(b->running & (1u << i))) continue;
    if (!same_pulse(&b->prog[i], &a->prog[i]) || b->amp_ua[i] > a->amp_ua[i]) return 0;
  }
  return 1;
}

static int read_only_op(uint8_t op) {
  return op == NM_OP_STATUS || op == NM_OP_INTERROGATE || op == NM_OP_PROG_READ || op == NM_OP_IDENTITY ||
         op == NM_OP_HEALTH || op == NM_OP_REMOTES || op == NM_OP_HISTORY;
}

/* The first byte where two records differ (the shorter length when one is a prefix). */
static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t na, size_t nb) {
  size_t n = na < nb ? na : nb, i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

/* After one nm_dev_exec. well_formed: the request is a correct encoding of its op. */
static void check_exec(const snap_t *before, uint8_t role, const uint8_t *req, size_t req_len, int well_formed,
                       int st, const uint8_t *resp, size_t cap, size_t resp_len) {
  CHECK(resp_len <= cap, "response longer than the capacity");
  if (cap >= 1) {
    CHECK(resp_len >= 1, "no status byte");
    CHECK((int8_t)resp[0] == st, "status byte differs from the status returned");
  }
  CHECK(st <= 0, "status is not an nm_err");
  if (well_formed && role == NM_ROLE_CLINICIAN && cap == NM_CMD_MAX && req_len >= 1 && read_only_op(req[0])) {
    CHECK(st != NM_ENOSPC, "a read-out does not fit NM_CMD_MAX: this device state cannot be read");
  }
  snap_t after;
  observe(&after);
  if (st != NM_OK && (trace || after.set_len != before->set_len ||
                      memcmp(after.set_bytes, before->set_bytes, after.set_len) != 0)) {
    TRACE("  refused; before: mode %u therapy_on %u running 0x%02x amp0 %u; after: mode %u therapy_on %u running "
          "0x%02x amp0 %u\n", before->mode, before->therapy_on, before->running, before->amp_ua[0], after.mode,
          after.therapy_on, after.running, after.amp_ua[0]);
  }
  /* The fail-safe rule: NM_ENOTSTORED is a lowering in effect, only not stored. It is
   * never more stimulating than before (docs/SAFETY.md). */
  if (st == NM_ENOTSTORED) {
    CHECK(!after.delivering || before->delivering, "a request not stored started stimulation");
    CHECK(not_more(before, &after), "a request not stored raised stimulation");
    return;
  }
  /* A fault the device found during the request (a depleted cell, a limiter trip) stops
   * stimulation whatever the request was: that change is the fault's, not the request's. */
  if (st != NM_OK && after.fault == before->fault) {
    if (after.out_active != before->out_active ||
        (after.out_active && !pattern_same(&after.out_pat, &before->out_pat))) {
      fprintf(stderr, "output before: active %d, %u chan, E0..E3 %d %d %d %d; after: active %d, %u chan, E0..E3 %d %d %d %d\n",
              before->out_active, before->out_pat.n_chan, before->out_pat.chan[0].node_ua[0],
              before->out_pat.chan[0].node_ua[1], before->out_pat.chan[0].node_ua[2], before->out_pat.chan[0].node_ua[3],
              after.out_active, after.out_pat.n_chan, after.out_pat.chan[0].node_ua[0], after.out_pat.chan[0].node_ua[1],
              after.out_pat.chan[0].node_ua[2], after.out_pat.chan[0].node_ua[3]);
    }
    if (after.set_len != before->set_len || memcmp(after.set_bytes, before->set_bytes, after.set_len) != 0) {
      fprintf(stderr, "settings record before (%zu bytes) and after (%zu bytes), first difference at byte %zu\n",
              before->set_len, after.set_len, first_diff(before->set_bytes, after.set_bytes, before->set_len, after.set_len));
    }
    CHECK(after.set_len == before->set_len && memcmp(after.set_bytes, before->set_bytes, after.set_len) == 0,
          "a refused request changed the settings");
    CHECK(after.mode == before->mode, "a refused request changed the mode");
    CHECK(after.out_active == before->out_active &&
              (!after.out_active || pattern_same(&after.out_pat, &before->out_pat)),
          "a refused request changed the output");
  }
}

/* After a reboot: never more stimulating than before, never a new identity. rewritten: a
 * record was rewritten with a valid CRC before it (step_record); the device then runs what
 * that record says, within the limits (check_pattern), so only the identity rules apply. */
static void check_reboot(const snap_t *before, const snap_t *after, int rewritten, int stuck) {
  /* A flash that cannot be written at boot: the device boots with therapy off. */
  if (stuck) CHECK(!after->delivering, "a device whose flash fails at boot stimulates");
  /* The one window (docs/SAFETY.md): a lowering only in RAM (dirty) is lost when the write
   * fault heals across the reset, as a power cut's does here; the device boots from the
   * older stored state. It is bounded by the retry every NM_DEV_RETRY_MS, which a reset at
   * the moment of healing always beats, so it is left out here. */
  int window = before->dirty && !stuck;
  if (!rewritten && !window) {
    if (!before->delivering) CHECK(!after->delivering, "therapy was off before the reboot and is on after it");
    CHECK(not_more(before, after), "more stimulation after the reboot than before it");
  }
  if (!after->booted) CHECK(!after->out_active, "a device that did not boot stimulates");
  if (before->booted && after->booted) {
    CHECK(!after->provisioned, "a device that had an identity provisioned itself again");
    CHECK(memcmp(before->serial, after->serial, sizeof before->serial) == 0 &&
              memcmp(before->clin_id, after->clin_id, sizeof before->clin_id) == 0,
          "the device has a new identity after the reboot");
  }
}

/* ---- driving the device ------------------------------------------------------------- */

typedef struct {
  const uint8_t *p;
  size_t n;
} in_t;

static uint8_t u8(in_t *in) {
  if (!in->n) return 0;
  in->n--;
  return *in->p++;
}
static uint16_t u16(in_t *in) { return (uint16_t)(u8(in) | u8(in) << 8); }
static uint32_t u32(in_t *in) { return (uint32_t)u16(in) | (uint32_t)u16(in) << 16; }

/* Power on: fresh hardware (clock from 0) on the flash as it is, and boot. */
static int power_on(uint64_t rng_seed) {
  nm_lead_t lead = W.factory.lead;
  sim_init(&W.hw, &lead, NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV, NULL, 0, 0);
  sim_attach_nvm(&W.hw, W.flash, PAGE, PAGES);
  sim_seed_rng(&W.hw, rng_seed);
  if (W.cell) sim_batt_set(&W.hw, (uint8_t)(W.cell - 1u), W.cell_pct);
  if (W.stuck) sim_nvm_set_fault(&W.hw, 1);
  W.shim = W.hw.port;
  W.shim.out_load = shim_load;
  W.shim.out_stop = shim_stop;
  memset(&W.out, 0, sizeof W.out);
  W.booted = nm_dev_boot(&W.dev, &W.shim, &W.factory) == NM_OK;
  return W.booted;
}

static void reboot(uint64_t seed, int rewritten) {
  snap_t before, after;
  observe(&before);
  power_on(seed);
  observe(&after);
  TRACE("reboot -> %s; mode %u therapy_on %u running 0x%02x (before: mode %u therapy_on %u running 0x%02x)\n",
        W.booted ? "booted" : "no boot", after.mode, after.therapy_on, after.running, before.mode, before.therapy_on,
        before.running);
  check_reboot(&before, &after, rewritten, W.stuck);
}

/* Move virtual time on by dt_us, waking the device at each timer it set. */
static void run_for(uint64_t dt_us) {
  if (ready) TRACE("wake for %llu us\n", (unsigned long long)dt_us);
  uint64_t end_us = W.hw.now_ns / 1000u + dt_us;
  while (W.booted && W.hw.timer_at_us <= end_us) {
    if (W.wakes++ >= WAKE_BUDGET) return; /* time stops here for this input */
    uint64_t at = W.hw.timer_at_us;
    W.hw.timer_at_us = UINT64_MAX;
    if (at * 1000u > W.hw.now_ns) sim_advance(&W.hw, at * 1000u);
    (void)nm_dev_wake(&W.dev);
  }
  sim_advance(&W.hw, end_us * 1000u);
}

static int exec_req(uint8_t role, const uint8_t *req, size_t len, size_t cap, int well_formed, uint8_t *out,
                    size_t *out_len) {
  if (!W.booted) return NM_EIO;
  snap_t before;
  observe(&before);
  /* Exact-size heap copies, so a read or write one byte past either end is caught. */
  uint8_t *q = malloc(len ? len : 1), *resp = malloc(cap ? cap : 1);
  CHECK(q && resp, "out of memory");
  if (len) memcpy(q, req, len);
  size_t rl = 0;
  if (trace && ready) {
    fprintf(stderr, "exec role %u op 0x%02x len %zu cap %zu%s", role, len ? q[0] : 0u, len, cap,
            well_formed ? "" : " (not well-formed)");
    for (size_t i = 1; i < len && i < 16; i++) fprintf(stderr, "%s%02x", i == 1 ? " args " : "", q[i]);
    fprintf(stderr, "%s", len > 16 ? "..." : "");
  }
  int st = nm_dev_exec(&W.dev, role, q, len, resp, cap, &rl);
  if (ready) TRACE(" -> %d (%zu bytes)\n", st, rl);
  check_exec(&before, role, q, len, well_formed, st, resp, cap, rl);
  if (out && out_len) {
    *out_len = rl <= NM_CMD_MAX ? rl : 0;
    memcpy(out, resp, *out_len);
  }
  free(q);
  free(resp);
  return st;
}

/* A program from a few input bytes: mostly within the supervisor's ranges, so requests get
 * past it and reach the output; sometimes anything. */
static void gen_prog(in_t *in, nm_prog_t *p) {
  memset(p, 0, sizeof *p);
  uint8_t k = u8(in);
  snprintf(p->name, sizeof p->name, "fz%u", (unsigned)(k & 15u));
  p->wave = k >> 6 == 3 ? u8(in) : (uint32_t)(k >> 6) % NM_WAVE_COUNT;
  uint8_t r = u8(in), wdt = u8(in), a = u8(in);
  switch (p->wave) {
    case NM_WAVE_BURST:
      p->rate_hz = 10u + r % 91u;
      p->burst_pulses = 2u + (uint32_t)(k & 7u);
      p->intra_hz = 250u + (uint32_t)u8(in) * 3u;
      break;
    case NM_WAVE_HF: p->rate_hz = NM_HF_RATE_HZ; break;
    default: p->rate_hz = 2u + (uint32_t)r * 4u;
  }
  p->width_us = p->wave == NM_WAVE_HF ? 20u + wdt % 41u : 10u + (uint32_t)wdt * 4u;
  p->gap_us = NM_GAP_DEFAULT_US;
  p->amp_ua = (uint32_t)a * NM_AMP_STEP_UA;
  p->pt_min_ua = 0;
  p->pt_max_ua = p->amp_ua + (uint32_t)(u8(in) % 16u) * NM_AMP_STEP_UA;
  uint8_t cyc = u8(in);
  if (cyc & 1u) {
    p->cyc_on_s = 1u + cyc % 30u;
    p->cyc_off_s = 1u + u8(in) % 30u;
  }
  p->ramp_ms = (uint32_t)(u8(in) % 20u) * NM_RAMP_TICK_MS;
  uint8_t cath = u8(in), anod = u8(in);
  uint8_t nc = W.lead->n_contacts;
  uint8_t cn = cath % nc, an = anod & 0x80 ? NM_NODE_CASE : (uint8_t)(anod % nc);
  if (an == cn) an = NM_NODE_CASE;
  p->frac_pct[cn] = -100;
  p->frac_pct[an] = 100;
  if (k & 0x20) { /* a split cathode */
    uint8_t c2 = (uint8_t)((cn + 1u) % nc);
    if (c2 != an) {
      p->frac_pct[cn] = -60;
      p->frac_pct[c2] = -40;
    }
  }
  if ((k & 0x10) && u8(in) < 16) { /* now and then a raw value in one of the twelve u32 */
    uint32_t v = u32(in);
    memcpy((uint8_t *)p + offsetof(nm_prog_t, wave) + 4u * (u8(in) % 12u), &v, sizeof v);
  }
}

static void gen_lead(in_t *in, nm_lead_t *lead, nm_load_t *load) {
  *lead = W.factory.lead;
  load->impedance_ohm = 200u + (uint32_t)u8(in) * 20u;
  load->compliance_mv = NM_COMPLIANCE_DEFAULT_MV;
  uint8_t k = u8(in);
  if (k < 32) { /* another lead: the device must refuse it */
    lead->model = (uint8_t)(k % 5u);
    lead->shape = u8(in) % 3u;
    lead->n_contacts = (uint8_t)(1u + u8(in) % 16u);
    lead->area_um2 = u32(in);
  }
}

static const uint8_t OPS[] = {NM_OP_STATUS,     NM_OP_INTERROGATE, NM_OP_PROG_WRITE, NM_OP_PROG_READ,
                              NM_OP_PROG_ERASE, NM_OP_SELECT,      NM_OP_LEAD_SET,   NM_OP_CHECK,
                              NM_OP_PROGRAM_ALL, NM_OP_THERAPY,    NM_OP_AMP_SET,    NM_OP_AMP_STEP,
                              NM_OP_MODE,       NM_OP_TEST_START,  NM_OP_TEST_STEP,  NM_OP_TEST_MARK,
                              NM_OP_TEST_STOP,  NM_OP_IDENTITY,    NM_OP_TIME_SET,   NM_OP_HEALTH,
                              NM_OP_PAIR,       NM_OP_REVOKE,      NM_OP_REMOTES,    NM_OP_HISTORY,
                              NM_OP_IMPEDANCE};

/* A well-formed request of op with fuzzed arguments. */
static void gen_request(in_t *in, uint8_t op, nm_wr_t *w) {
  nm_prog_t p;
  nm_lead_t lead;
  nm_load_t load;
  nm_wr_u8(w, op);
  switch (op) {
    case NM_OP_PROG_WRITE:
      nm_wr_u8(w, u8(in) % 10u);
      gen_prog(in, &p);
      nm_wire_put_prog(w, &p);
      break;
    case NM_OP_CHECK:
      gen_prog(in, &p);
      nm_wire_put_prog(w, &p);
      break;
    case NM_OP_PROG_READ:
    case NM_OP_PROG_ERASE: nm_wr_u8(w, u8(in) % 10u); break;
    case NM_OP_SELECT: nm_wr_u8(w, u8(in)); break;
    case NM_OP_LEAD_SET:
      gen_lead(in, &lead, &load);
      nm_wire_put_lead(w, &lead, &load);
      break;
    case NM_OP_PROGRAM_ALL: {
      nm_prog_t progs[NM_MAX_PROGRAMS];
      uint8_t n = (uint8_t)(1u + u8(in) % NM_MAX_PROGRAMS);
      for (uint8_t i = 0; i < n; i++) gen_prog(in, &progs[i]);
      uint8_t run = u8(in);
      if (run < 128) run = (uint8_t)(1u << (run % n));
      gen_lead(in, &lead, &load);
      w->len = 0;
      nm_wire_put_program_all(w, &lead, &load, run, n, progs);
      break;
    }
    case NM_OP_THERAPY: {
      uint8_t on = u8(in);
      nm_wr_u8(w, on % 3u == 2u ? on : on % 2u);
      if (on & 0x40) nm_wr_u8(w, u8(in) % 5u); /* a reason, now and then an unknown one */
      break;
    }
    case NM_OP_AMP_SET: {
      uint8_t slot = u8(in), k = u8(in);
      nm_wr_u8(w, slot % 10u);
      nm_wr_u32(w, k < 240 ? (uint32_t)k * NM_AMP_STEP_UA : u32(in));
      break;
    }
    case NM_OP_AMP_STEP: {
      uint8_t slot = u8(in);
      nm_wr_u8(w, slot & 0x80 ? 0xFFu : slot % 10u);
      uint8_t d = u8(in);
      nm_wr_u8(w, d < 120 ? 1u : d < 240 ? 0xFFu : d);
      break;
    }
    case NM_OP_MODE: {
      uint8_t m = u8(in);
      nm_wr_u8(w, m < 200 ? (uint8_t)(m % NM_MODE_COUNT) : m < 228 ? NM_MODE_RESUME : m);
      if (m & 0x10) nm_wr_u8(w, u8(in) % 5u); /* a reason, now and then an unknown one */
      break;
    }
    case NM_OP_TEST_START:
      nm_wr_u8(w, u8(in) % 18u);
      nm_wr_u32(w, (uint32_t)u8(in) * NM_AMP_STEP_UA);
      nm_wr_u32(w, (uint32_t)(u8(in) % 20u) * NM_AMP_STEP_UA);
      break;
    case NM_OP_TIME_SET: {
      uint8_t k = u8(in);
      nm_wr_u64(w, k < 200 ? 1780000000ull + (uint64_t)u32(in) % 400000000u : (uint64_t)u32(in) << (k % 33u));
      break;
    }
    case NM_OP_REVOKE: {
      uint8_t id[NM_KEY_ID_LEN];
      uint8_t k = u8(in);
      if (k < 128 && W.dev.remotes[k % NM_MAX_REMOTES].used) memcpy(id, W.dev.remotes[k % NM_MAX_REMOTES].id, sizeof id);
      else for (size_t i = 0; i < sizeof id; i++) id[i] = u8(in);
      nm_wr_bytes(w, id, sizeof id);
      break;
    }
    case NM_OP_HISTORY: {
      uint8_t k = u8(in);
      uint32_t first = nm_log_first_seq(&W.dev.log), next = nm_log_next_seq(&W.dev.log);
      uint32_t from = k < 64 ? first : k < 128 ? first + u8(in) : k < 192 ? next - u8(in) % 8u : u32(in);
      nm_wr_u32(w, from);
      nm_wr_u8(w, u8(in) % 40u);
      if (k & 1u) nm_wr_u32(w, nm_dev_epoch_s(&W.dev) - u32(in) % 200000u); /* since_s: seek by time */
      break;
    }
    default: break; /* no arguments */
  }
}

static void step_exec(in_t *in) {
  uint8_t sel = u8(in);
  uint8_t role = sel < 200 ? (uint8_t)(sel % 3u) : u8(in);
  uint8_t c = u8(in);
  size_t cap = c < 224 ? NM_CMD_MAX : (size_t)(u16(in) % (NM_CMD_MAX + 1u));
  uint8_t req[NM_CMD_MAX + 8];
  size_t len;
  uint8_t kind = u8(in);
  int well_formed = 0;
  if (kind % 4u == 0) { /* raw: any op byte, any length */
    len = u8(in);
    if (kind & 0x80) len += (size_t)u8(in) * 4u;
    if (len > sizeof req) len = sizeof req;
    for (size_t i = 0; i < len; i++) req[i] = u8(in);
  } else {
    nm_wr_t w;
    nm_wr_init(&w, req, NM_CMD_MAX);
    gen_request(in, OPS[(kind >> 2) % sizeof OPS], &w);
    len = w.err ? NM_CMD_MAX : w.len;
    well_formed = !w.err;
    if (kind % 4u == 3) { /* cut short or lengthened */
      uint8_t d = u8(in);
      if (d & 1u) len = len > d / 2u % 8u ? len - d / 2u % 8u : 0;
      else for (uint8_t i = 0; i < d / 2u % 8u && len < sizeof req; i++) req[len++] = u8(in);
      well_formed = 0;
    }
  }
  (void)exec_req(role, req, len, cap, well_formed, NULL, NULL);
}

/* Rewrite a stored record with a valid CRC and damaged content, then reboot. The identity
 * record (the one that starts with the serial) is left alone: it is the device's only
 * knowledge of its hardware and keys, so a rewrite with a valid CRC cannot be told from
 * the truth; bit flips (CRC failures) reach it like every other record. */
static void step_record(in_t *in) {
  nm_kv_t kv;
  uint16_t key = (uint16_t)(1u + u8(in) % 8u);
  uint8_t n_edits = u8(in) % 8u;
  if (nm_kv_mount(&kv, &W.hw.port, NM_DEV_KV_FIRST, NM_DEV_KV_PAGES) == NM_OK) {
    uint8_t val[NM_KV_VALUE_MAX];
    size_t len = 0;
    if (nm_kv_get(&kv, key, val, sizeof val, &len) == NM_OK && len > 0 &&
        !memmem(val, len, W.dev.id.serial, NM_SERIAL_LEN)) {
      nm_settings_t set;
      nm_stored_state_t sst;
      nm_rd_t r;
      nm_rd_init(&r, val, len);
      nm_wire_get_settings(&r, &set, &sst);
      if (nm_rd_done(&r) == NM_OK && (n_edits & 1u)) {
        /* The settings record: edit what it means (another lead, a program, the state),
         * not just its bytes, and encode it again. */
        uint8_t what = u8(in);
        uint8_t slot = (uint8_t)(u8(in) % NM_MAX_PROGRAMS);
        switch (what % 4u) {
          case 0:
            set.lead.model = NM_LEAD_CUSTOM;
            set.lead.shape = NM_SHAPE_CUSTOM;
            set.lead.area_um2 = NM_LEAD_AREA_MIN_UM2 + u32(in) % (NM_LEAD_AREA_MAX_UM2 - NM_LEAD_AREA_MIN_UM2);
            break;
          case 1: set.amp_ua[slot] = (uint32_t)u8(in) * NM_AMP_STEP_UA; break;
          case 2: gen_prog(in, &set.prog[slot]); break;
          default:
            set.therapy_on = u8(in) & 1u;
            set.running_mask = u8(in);
            sst.mode = u8(in);
            sst.mode = sst.mode < 200 ? (uint8_t)(sst.mode % NM_MODE_COUNT) : sst.mode;
            if (u8(in) & 1u) sst.fault = u8(in) % 10u;
        }
        nm_wr_t w;
        nm_wr_init(&w, val, sizeof val);
        nm_wire_put_settings(&w, &set, &sst);
        len = w.err ? 0 : w.len;
      } else {
        for (uint8_t i = 0; i < n_edits; i++) {
          uint16_t at = u16(in);
          uint8_t x = u8(in);
          if (at & 0x8000u) len = at % (len + 1u); /* truncated */
          else if (len) val[at % len] ^= x ? x : 1u;
        }
      }
      (void)nm_kv_put(&kv, key, val, len);
      TRACE("record %u rewritten (%zu bytes, %u edits)\n", key, len, n_edits);
    }
  }
  reboot(u8(in), 1);
}

static void run_script(in_t *in) {
  for (int step = 0; step < MAX_STEPS && in->n; step++) {
    uint8_t op = u8(in);
    switch (op % 12u) {
      case 0: case 1: case 2: case 3: case 4: step_exec(in); break;
      case 5: {
        uint8_t k = u8(in);
        uint64_t unit = k % 3u == 0 ? 1000u : k % 3u == 1 ? 1000000u : 3600000000u;
        run_for((uint64_t)(u8(in) + 1u) * unit);
        break;
      }
      case 6: reboot(u8(in), 0); break;
      case 7: {
        uint32_t at = u16(in);
        uint8_t x = u8(in);
        W.flash[at % FLASH_BYTES] ^= x ? x : 1u;
        TRACE("flip flash byte %u (page %u) by 0x%02x\n", at % FLASH_BYTES, at % FLASH_BYTES / PAGE, x ? x : 1u);
        break;
      }
      case 8: step_record(in); break;
      case 9: {
        uint8_t n = u8(in) % 24u;
        TRACE("flash power cut after %u more operations\n", n);
        sim_nvm_cut_after(&W.hw, n);
        break;
      }
      case 10: {
        uint8_t node = (uint8_t)(u8(in) % W.lead->n_contacts), f = u8(in) % 3u;
        TRACE("contact E%u fault %u\n", node, f);
        sim_set_fault(&W.hw, node, f);
        break;
      }
      default: {
        uint8_t k = u8(in);
        if (k & 2u) { /* the flash: stuck (every write and erase fails) or healed */
          W.stuck = k & 1u;
          TRACE("flash %s\n", W.stuck ? "stuck: every write and erase fails" : "healed");
          sim_nvm_set_fault(&W.hw, W.stuck);
        } else {
          sim_batt_charger(&W.hw, k & 1u);
        }
      }
    }
  }
}

/* ---- the starting worlds ------------------------------------------------------------ */

static void must(int st, const char *what) { CHECK(st == NM_OK, what); }

static int exec_simple(uint8_t role, const uint8_t *req, size_t len) {
  return exec_req(role, req, len, NM_CMD_MAX, 1, NULL, NULL);
}

static nm_prog_t default_prog(void) {
  nm_prog_t p;
  memset(&p, 0, sizeof p);
  strcpy(p.name, "default");
  p.wave = NM_WAVE_TONIC;
  p.rate_hz = W.lead->therapy == NM_THERAPY_SNM ? 14u : 50u;
  p.width_us = W.lead->therapy == NM_THERAPY_SNM ? 210u : 300u;
  p.gap_us = NM_GAP_DEFAULT_US;
  p.amp_ua = 1500;
  p.pt_max_ua = 3000;
  p.ramp_ms = 1000;
  p.frac_pct[0] = -100;
  p.frac_pct[W.lead->n_contacts - 1u] = 100;
  return p;
}

static void build_world(int li, int start) {
  memset(&W, 0, sizeof W);
  W.lead = &HW_LEADS[li];
  const nm_lead_t *cat = nm_lead_catalog(W.lead->model);
  CHECK(cat && cat->n_contacts == W.lead->n_contacts, "catalog lead");
  nm_factory_t f = {NM_KIND_INS, W.lead->therapy, *cat, 1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};
  W.factory = f;
  memset(W.flash, 0xFF, sizeof W.flash);
  if (start == 0) return; /* blank flash, booted by the script */
  CHECK(power_on(1), "boot of blank flash");
  uint8_t rq[NM_CMD_MAX];
  uint8_t mode_off[2] = {NM_OP_MODE, NM_MODE_OFF};
  must(exec_simple(NM_ROLE_CLINICIAN, mode_off, 2), "activate");
  nm_prog_t p[2] = {default_prog(), default_prog()};
  strcpy(p[1].name, "second");
  p[1].rate_hz = W.lead->therapy == NM_THERAPY_SNM ? 21u : 40u;
  nm_lead_t lead = W.factory.lead;
  nm_load_t load = {NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV};
  nm_wr_t w;
  nm_wr_init(&w, rq, sizeof rq);
  nm_wire_put_program_all(&w, &lead, &load, 1, 2, p);
  must(exec_simple(NM_ROLE_CLINICIAN, rq, w.len), "program");
  uint8_t on[2] = {NM_OP_THERAPY, 1};
  must(exec_simple(NM_ROLE_CLINICIAN, on, 2), "therapy on");
  run_for(5000000u);
  if (start == 2) {
    uint8_t pair = NM_OP_PAIR, up[3] = {NM_OP_AMP_STEP, 0xFF, 1}, off[3] = {NM_OP_THERAPY, 0, NM_REASON_PATIENT};
    must(exec_simple(NM_ROLE_CLINICIAN, &pair, 1), "pair");
    must(exec_simple(NM_ROLE_PATIENT, up, 3), "amp up");
    run_for(90000000u);
    must(exec_simple(NM_ROLE_PATIENT, off, 3), "therapy off");
    run_for(3600000000u);
  }
  W.wakes = 0;
}

static void setup(void) {
  trace = getenv("FUZZ_DEV_TRACE") != NULL;
  for (int li = 0; li < 3; li++) {
    for (int s = 0; s < 3; s++) {
      build_world(li, s);
      saved[li][s] = W;
      saved_ok[li][s] = 1;
    }
  }
  ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!ready) setup();
  in_t in = {data, size};
  uint8_t b0 = u8(&in), b1 = u8(&in);
  int li = b0 % 3, start = (b0 / 3) % 3;
  if (!saved_ok[li][start]) return 0;
  W = saved[li][start];
  TRACE("lead %u, start %d (%s), cell %u\n", W.lead->model, start,
        start == 0 ? "blank flash" : start == 1 ? "therapy on" : "remote paired, therapy off", b1 % 3u);
  W.cell = b1 % 3u;
  W.cell_pct = (uint8_t)(u8(&in) % 101u);
  if (start == 0) {
    /* Blank flash: leading flip steps damage it before the first boot. */
    while (in.n >= 4 && in.p[0] % 12u == 7u) {
      in.p++;
      in.n--;
      uint32_t at = u16(&in);
      uint8_t x = u8(&in);
      W.flash[at % FLASH_BYTES] ^= x ? x : 1u;
      TRACE("before the first boot: flip flash byte %u by 0x%02x\n", at % FLASH_BYTES, x ? x : 1u);
    }
    power_on(u8(&in));
    TRACE("first boot -> %s\n", W.booted ? "booted" : "no boot");
  } else if (W.cell) {
    sim_batt_set(&W.hw, (uint8_t)(W.cell - 1u), W.cell_pct);
  }
  run_script(&in);
  return 0;
}
