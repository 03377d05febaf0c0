/* cmd_plot.c: nmod plot THERAPY.json --out FILE.svg (with --posture: cmd_plot_posture.c)
 *
 * Draws the current on each contact over the first two frames of the output pattern (every
 * running program interleaved, at its programmed amplitude, cycling in its "on" part). The
 * pattern comes from the firmware's planner and is played by the simulated output stage,
 * so the picture is what the device delivers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "dryrun.h"
#include "hu_contact.h"
#include "sim.h"
#include "therapy_file.h"

#define MAX_PHASES (2 * NM_PATTERN_MAX_SLOTS * 2)
#define FRAMES 2

typedef struct {
  sim_phase_t ph[MAX_PHASES];
  int n;
} phases_t;

static void collect(void *user, const sim_phase_t *ph) {
  phases_t *p = user;
  if (p->n < MAX_PHASES) p->ph[p->n++] = *ph;
}


static void svg(FILE *f, const tf_therapy_t *t, const phases_t *ps, uint64_t span_ns) {
  const double left = 70, right = 20, top = 50, row = 56, width = 960;
  uint8_t nodes[NM_NODES], nn = 0;
  int32_t max_ua = 1;
  for (uint8_t n = 0; n < NM_NODES; n++) {
    int used = 0;
    for (int i = 0; i < ps->n; i++) {
      int32_t ua = ps->ph[i].node_ua[n];
      if (ua) used = 1;
      if (ua > max_ua) max_ua = ua;
      if (-ua > max_ua) max_ua = -ua;
    }
    if (used) nodes[nn++] = n;
  }
  double height = top + row * nn + 40;
  double plot_w = width - left - right;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
             "font-family=\"sans-serif\" font-size=\"12\">\n", width, height, width, height);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f, "<text x=\"%.0f\" y=\"20\" font-size=\"14\">%s therapy, lead %s: %u running program(s), %d frame(s) of %.3f ms</text>\n",
          left, t->therapy == NM_THERAPY_SNM ? "SNM" : "SCS", nm_lead_name(t->lead.model),
          (unsigned)__builtin_popcount(t->running_mask), FRAMES, (double)span_ns / FRAMES / 1e6);
  fprintf(f, "<text x=\"%.0f\" y=\"38\" fill=\"#555\">current per contact (cathodic down, recharge up), full scale %.1f mA</text>\n",
          left, (double)max_ua / 1000.0);
  static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};
  for (uint8_t r = 0; r < nn; r++) {
    double base = top + row * r + row / 2;
    char name[8];
    fprintf(f, "<text x=\"10\" y=\"%.1f\">%s</text>\n", base + 4, hu_contact_name(name, sizeof name, nodes[r]));
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\"/>\n", left, base, left + plot_w, base);
    for (int i = 0; i < ps->n; i++) {
      const sim_phase_t *ph = &ps->ph[i];
      int32_t ua = ph->node_ua[nodes[r]];
      if (!ua) continue;
      double x = left + plot_w * (double)ph->start_ns / (double)span_ns;
      double w = plot_w * (double)ph->width_us * 1000.0 / (double)span_ns;
      if (w < 1.5) w = 1.5; /* keep short pulses visible */
      double h = (row / 2 - 4) * (double)(ua < 0 ? -ua : ua) / (double)max_ua;
      /* Cathodic (negative) current is drawn below the line. */
      double y = ua < 0 ? base : base - h;
      fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" opacity=\"%s\"/>\n", x, y, w,
              h, colors[ph->prog % 4], ph->recharge ? "0.45" : "0.9");
    }
  }
  double axis = top + row * nn + 10;
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", left, axis, left + plot_w, axis);
  for (int k = 0; k <= 4; k++) {
    double x = left + plot_w * k / 4.0;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3f ms</text>\n", x, axis + 16,
            (double)span_ns * k / 4.0 / 1e6);
  }
  for (uint8_t i = 0; i < t->n_prog; i++) {
    if (!(t->running_mask & (1u << i))) continue;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">program %u: %s</text>\n", left + 160.0 * (i % 4), height - 4,
            colors[i % 4], i, t->prog[i].name);
  }
  fprintf(f, "</svg>\n");
}

static const hu_opt plot_opts[] = {
    {"out", "FILE.svg", HU_OPT_REQUIRED, "the drawing (required)"},
    {"posture", "TRACE.csv", 0, "draw the closed loop over a posture trace instead (docs/CLOSED-LOOP.md)"},
    {"cord", "MODEL.json", 0, "the cord model for --posture (default: the built-in one)"},
    {"duration", "D", 0, "how much of the posture trace to run (default: all of it)"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd plot_cmd = {"nmod plot",
                                "THERAPY.json [--posture TRACE.csv [--cord MODEL.json] [--duration D]] --out FILE.svg",
                                "draw the waveform on each contact, or the closed loop over a posture trace",
                                plot_opts, 1, 1};

int cmd_plot(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &plot_cmd, argc, argv);
  if (rc >= 0) return rc;
  const char *path = args.pos[0], *out = hu_args_get(&args, "out");
  const char *posture = hu_args_get(&args, "posture"), *cordf = hu_args_get(&args, "cord"),
             *dur = hu_args_get(&args, "duration");
  if (posture) return cmd_plot_posture(path, posture, cordf, dur, out);
  if (cordf || dur) {
    cli_error("plot", "%s needs --posture TRACE.csv", cordf ? "--cord" : "--duration");
    return CLI_USAGE;
  }
  static tf_therapy_t t;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("plot", "%s", err);
    return CLI_USAGE;
  }
  /* Judged and placed by the firmware core, as the device would, before anything is drawn. */
  static dry_dev_t dd;
  static dry_result_t dr;
  if (dry_run(&dd, &t, &dr) != NM_OK) {
    cli_refusal_print("plot", &t, dr.status, &dr.why);
    return CLI_REFUSED;
  }
  const nm_placement_t pl = dd.core.place;
  const nm_prog_t *progs[NM_MAX_RUNNING];
  uint32_t amps[NM_MAX_RUNNING];
  for (uint8_t j = 0; j < pl.n; j++) {
    progs[j] = &dd.core.set.prog[pl.prog[j]];
    amps[j] = dd.core.set.amp_ua[pl.prog[j]];
  }
  static nm_pattern_t pat;
  nm_plan_pattern(&pl, progs, amps, &pat);
  static sim_hw_t hw;
  static phases_t ps;
  sim_init(&hw, &t.lead, t.load.impedance_ohm, t.load.compliance_mv, NULL, 0, 0);
  uint64_t span_ns = (uint64_t)FRAMES * 1000000000u / pl.frame_hz;
  sim_trace(&hw, collect, &ps, 0, span_ns);
  if (pat.n_slot && hw.port.out_load(hw.port.ctx, &pat) != NM_OK) {
    cli_error("plot", "the output stage's limiter refused the pattern");
    return CLI_REFUSED;
  }
  sim_advance(&hw, span_ns);
  FILE *f = fopen(out, "w");
  if (!f) {
    cli_error("plot", "cannot write '%s': %s", out, strerror(errno));
    return CLI_USAGE;
  }
  svg(f, &t, &ps, span_ns);
  if (fclose(f) != 0) {
    cli_error("plot", "writing '%s' failed: %s", out, strerror(errno));
    return CLI_FAIL;
  }
  printf("wrote %s (%d phases over %.3f ms)\n", out, ps.n, (double)span_ns / 1e6);
  return CLI_OK;
}
