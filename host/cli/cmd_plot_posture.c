/* cmd_plot_posture.c: nmod plot THERAPY.json --posture TRACE.csv [--cord MODEL.json]
 * [--duration D] --out FILE.svg
 *
 * The closed loop over a posture trace (docs/CLOSED-LOOP.md), as the simulated device
 * delivers it: three panels over time, the distance from the lead to the cord (the CSF
 * thickness), the amplitude the loop set, and the true ECAP with its window and target.
 * Each pixel column shows the range of its pulses (min to max), so a cough is not averaged
 * away. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "clsim.h"
#include "cord_file.h"
#include "duration.h"
#include "hu_fmt.h"
#include "posture.h"

#define COLS 900
#define PANEL_H 150
#define TOP 30
#define LEFT 70
#define GAP 40

typedef struct {
  double lo[3][COLS], hi[3][COLS]; /* per column: csf mm, amplitude mA, ECAP uV */
  uint8_t seen[COLS];
  uint64_t dur_ns;
} cols_t;

static void on_unit(void *user, const sim_unit_t *u) {
  cols_t *c = user;
  uint64_t k = u->t_ns >= c->dur_ns ? COLS - 1u : u->t_ns * COLS / c->dur_ns;
  double v[3] = {u->csf_mm, u->amp_ua / 1000.0, u->ecap_uv};
  for (int p = 0; p < 3; p++) {
    if (!c->seen[k] || v[p] < c->lo[p][k]) c->lo[p][k] = v[p];
    if (!c->seen[k] || v[p] > c->hi[p][k]) c->hi[p][k] = v[p];
  }
  c->seen[k] = 1;
}

/* One panel: the min-max band of its columns, its scale, and (for the ECAP) the window. */
static void panel(FILE *f, const cols_t *c, int p, const char *title, const char *unit, double win_lo, double win_hi,
                  double target) {
  double lo = 0, hi = 0;
  int any = 0;
  for (int k = 0; k < COLS; k++) {
    if (!c->seen[k]) continue;
    if (!any || c->lo[p][k] < lo) lo = c->lo[p][k];
    if (!any || c->hi[p][k] > hi) hi = c->hi[p][k];
    any = 1;
  }
  if (target > 0 && win_hi > hi) hi = win_hi;
  if (target > 0) lo = 0;
  if (hi <= lo) hi = lo + 1.0;
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  int y0 = TOP + p * (PANEL_H + GAP);
#define Y(v) ((double)y0 + (double)PANEL_H * (1.0 - ((v) - lo) / (hi - lo)))
  fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\">%s (%s)</text>\n", LEFT, y0 - 8, title, unit);
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n", LEFT, y0, COLS,
          PANEL_H);
  fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.2f</text>\n", LEFT - 4, Y(hi) + 10, hi);
  fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.2f</text>\n", LEFT - 4, Y(lo), lo);
  if (target > 0) {
    fprintf(f, "<rect class=\"window\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#d8f0d8\"/>\n", LEFT,
            Y(win_hi), COLS, Y(win_lo) - Y(win_hi));
    fprintf(f, "<line class=\"target\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#2a7\" stroke-dasharray=\"4 3\"/>\n",
            LEFT, LEFT + COLS, Y(target), Y(target));
  }
  fprintf(f, "<path class=\"band\" fill=\"none\" stroke=\"#236\" d=\"");
  for (int k = 0; k < COLS; k++) {
    if (!c->seen[k]) continue;
    double a = Y(c->hi[p][k]), b = Y(c->lo[p][k]);
    if (b - a < 1.0) b = a + 1.0;
    fprintf(f, "M%d %.1fV%.1f", LEFT + k, a, b);
  }
  fprintf(f, "\"/>\n");
#undef Y
}

int cmd_plot_posture(const char *path, const char *posture, const char *cordf, const char *dur, const char *out) {
  static tf_therapy_t t;
  static pt_trace_t tr;
  static cols_t cols;
  char err[512];
  if (tf_load(path, &t, err, sizeof err) != 0) {
    cli_error("plot", "%s", err);
    return CLI_USAGE;
  }
  int slot = cls_loop_slot(&t);
  if (slot < 0) {
    cli_error("plot", "--posture: the therapy has no running program with a \"closed_loop\"");
    return CLI_USAGE;
  }
  cls_run_t r;
  memset(&r, 0, sizeof r);
  sim_cord_defaults(&r.cord);
  if (cordf && cf_load(cordf, &r.cord, err, sizeof err) != 0) {
    cli_error("plot", "%s", err);
    return CLI_USAGE;
  }
  if (pt_load(posture, &tr, err, sizeof err) != 0) {
    cli_error("plot", "%s", err);
    return CLI_USAGE;
  }
  uint64_t dur_us = pt_end_ns(&tr) / 1000u;
  if (dur && dur_parse_us(dur, &dur_us) != 0) {
    cli_error("plot", "--duration '%s' is not a duration like 90s or 10min", dur);
    pt_free(&tr);
    return CLI_USAGE;
  }
  if (dur_us == 0 || pt_covers(&tr, dur_us, err, sizeof err) != 0) {
    cli_error("plot", "%s: %s", posture, dur_us ? err : "the trace has no length to draw (give --duration)");
    pt_free(&tr);
    return CLI_USAGE;
  }
  memset(&cols, 0, sizeof cols);
  cols.dur_ns = dur_us * 1000u;
  r.t = &t;
  r.trace = &tr;
  r.dur_us = dur_us;
  r.seed = 1;
  r.pf = NULL;
  r.unit_fn = on_unit;
  r.unit_user = &cols;
  cls_figures_t fig;
  dev_refusal_t why;
  int st = cls_run(&r, 0, &fig, &why);
  pt_free(&tr);
  if (st != NM_OK) {
    cli_refusal_print("plot", &t, st, &why);
    return CLI_REFUSED;
  }
  FILE *f = fopen(out, "w");
  if (!f) {
    cli_error("plot", "cannot write '%s': %s", out, strerror(errno));
    return CLI_USAGE;
  }
  const nm_loop_cfg_t *l = &t.prog[slot].loop;
  int w = LEFT + COLS + 20, h = TOP + 3 * (PANEL_H + GAP);
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
             "font-family=\"sans-serif\">\n", w, h, w, h);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  panel(f, &cols, 0, "distance to the cord (dorsal CSF)", "mm", 0, 0, 0);
  panel(f, &cols, 1, "amplitude the loop set", "mA", 0, 0, 0);
  panel(f, &cols, 2, "ECAP, window and target", "uV", l->lo_uv, l->hi_uv, l->target_uv);
  char a[32];
  fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">0 s</text>\n", LEFT, h - 14);
  fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s s</text>\n", LEFT + COLS, h - 14,
          hu_fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0));
  fprintf(f, "</svg>\n");
  if (fclose(f) != 0) {
    cli_error("plot", "writing '%s' failed: %s", out, strerror(errno));
    return CLI_FAIL;
  }
  printf("wrote %s (%llu pulses over %s s: mean ECAP deviation %.2f uV, %.2f %% in the window, %llu above discomfort)\n",
         out, (unsigned long long)fig.units, hu_fmt_fixed(a, sizeof a, (int64_t)dur_us, 6, 0), fig.mean_dev_uv,
         fig.in_window_pct, (unsigned long long)fig.above_discomfort);
  return CLI_OK;
}
