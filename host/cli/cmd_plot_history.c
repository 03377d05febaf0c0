/* cmd_plot_history.c: nmod plot-history HISTORY.json --out FILE.svg
 *
 * Draws a saved `nmod programmer ... history --json` as stacked panels on one date axis:
 * hours of therapy per day (bars), average amplitude (line), patient adjustments per day
 * (bars), battery (line), mean lead impedance (points; checks that found an open or shorted
 * contact in red), with vertical markers for faults, MRI and surgery mode entries and therapy
 * off for pregnancy. The numbers are hist_usage's, the same as `programmer usage` reads out
 * (docs/USAGE.md). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "history.h"
#include "html.h"

#define HISTORY_MAX_BYTES (16u << 20) /* a full event log is a few MB of JSON */

/* Layout, in px. */
#define W 1100.0
#define LEFT 86.0
#define RIGHT 24.0
#define TOP 104.0
#define PANEL_H 104.0
#define PANEL_GAP 34.0
#define N_PANELS 5

#define C_FAULT "#d62728"
#define C_MRI "#1f77b4"
#define C_SURGERY "#9467bd"
#define C_PREGNANCY "#e377c2"

typedef struct {
  FILE *f;
  double x0_s, x1_s; /* the date axis, epoch seconds */
} plot_t;

static double px(const plot_t *p, double t_s) { return LEFT + (W - LEFT - RIGHT) * (t_s - p->x0_s) / (p->x1_s - p->x0_s); }
static double panel_top(int i) { return TOP + i * (PANEL_H + PANEL_GAP); }
static double py(int panel, double v, double vmax) { return panel_top(panel) + PANEL_H * (1.0 - v / vmax); }

/* The smallest 1, 2, 2.5 or 5 x 10^k at or above v (v > 0). */
static double nice_max(double v) {
  if (!(v > 0)) return 1;
  double e = pow(10, floor(log10(v)));
  static const double steps[] = {1, 2, 2.5, 5, 10};
  for (int i = 0; i < 5; i++) {
    if (steps[i] * e >= v * 0.999999) return steps[i] * e;
  }
  return 10 * e;
}

/* A panel's frame, title, y ticks (0, half, max) and unit; a tick that is not a whole
 * number gets one more decimal. */
static void panel(const plot_t *p, int i, const char *title, double vmax, int decimals) {
  FILE *f = p->f;
  double top = panel_top(i), right = W - RIGHT;
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", LEFT, top - 8, title);
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n", LEFT, top,
          right - LEFT, PANEL_H);
  for (int k = 0; k <= 2; k++) {
    double v = vmax * k / 2.0, y = py(i, v, vmax);
    if (k == 1) {
      fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", LEFT, y, right, y);
    }
    int dec = decimals;
    if (fabs(v * pow(10, dec) - round(v * pow(10, dec))) > 1e-9) dec++;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f</text>\n", LEFT - 6, y + 4, dec, v);
  }
}

static void no_data(const plot_t *p, int i, const char *what) {
  fprintf(p->f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#888\">%s</text>\n", (LEFT + W - RIGHT) / 2,
          panel_top(i) + PANEL_H / 2 + 4, what);
}

/* Bars per recorded day (value from get), gaps shaded. */
static void day_bars(const plot_t *p, const hist_usage_t *u, int i, double vmax, double (*get)(const hist_day_t *),
                     const char *color) {
  FILE *f = p->f;
  for (uint32_t day = u->first_day; u->n_days && day <= u->last_day; day++) {
    double x = px(p, day * 86400.0), x2 = px(p, (day + 1.0) * 86400.0);
    double w = x2 - x > 2.5 ? x2 - x - 1.0 : x2 - x;
    const hist_day_t *d = hist_usage_day(u, day);
    if (!d) {
      fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"#eeeeee\"/>\n", x, panel_top(i), x2 - x,
              PANEL_H);
      continue;
    }
    double v = get(d), y = py(i, v, vmax);
    /* A recorded zero is a thin mark on the axis, so it never looks like a gap. */
    if (v <= 0) y = panel_top(i) + PANEL_H - 1.5;
    fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n", x, y, w,
            panel_top(i) + PANEL_H - y, color);
  }
}

static double get_hours(const hist_day_t *d) { return d->therapy_min / 60.0; }
static double get_adjust(const hist_day_t *d) { return d->adjustments; }

/* A polyline through points, broken where `brk` is set. */
typedef struct {
  FILE *f;
  int open;
  int n;
} path_t;

static void path_point(path_t *pa, double x, double y, int brk) {
  if (brk) {
    pa->open = 0;
    return;
  }
  fprintf(pa->f, "%s%.2f %.2f", pa->open ? " L" : (pa->n ? " M" : "M"), x, y);
  pa->open = 1;
  pa->n++;
}

static void amplitude(const plot_t *p, const hist_usage_t *u, int i) {
  uint32_t max_ua = 0;
  for (size_t k = 0; k < u->n_days; k++) {
    if (u->days[k].therapy_min && u->days[k].avg_amp_ua > max_ua) max_ua = u->days[k].avg_amp_ua;
  }
  double vmax = nice_max(max_ua / 1000.0 * 1.1);
  panel(p, i, "Average amplitude (mA) while on, per day", vmax, vmax < 2 ? 2 : 1);
  if (!max_ua) {
    no_data(p, i, "no therapy recorded");
    return;
  }
  FILE *f = p->f;
  fprintf(f, "<path fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1.6\" d=\"");
  path_t pa = {f, 0, 0};
  uint32_t prev = 0;
  for (size_t k = 0; k < u->n_days; k++) {
    const hist_day_t *d = &u->days[k];
    int brk = d->therapy_min == 0;
    if (k && d->day != prev + 1u) pa.open = 0; /* a gap breaks the line */
    prev = d->day;
    path_point(&pa, px(p, (d->day + 0.5) * 86400.0), py(i, d->avg_amp_ua / 1000.0, vmax), brk);
  }
  fprintf(f, "\"/>\n");
  for (size_t k = 0; k < u->n_days; k++) {
    const hist_day_t *d = &u->days[k];
    if (!d->therapy_min) continue;
    fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2\" fill=\"#2ca02c\"/>\n", px(p, (d->day + 0.5) * 86400.0),
            py(i, d->avg_amp_ua / 1000.0, vmax));
  }
}

static void battery(const plot_t *p, const hist_usage_t *u, int i) {
  panel(p, i, "Battery (%): day-end readings and state changes", 100, 0);
  if (!u->n_batt) {
    no_data(p, i, "no battery readings");
    return;
  }
  FILE *f = p->f;
  fprintf(f, "<path fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"1.6\" d=\"");
  path_t pa = {f, 0, 0};
  for (size_t k = 0; k < u->n_batt; k++) {
    /* More than two days between readings: no line across the gap. */
    if (k && u->batt[k].t_s - u->batt[k - 1].t_s > 2u * 86400u) pa.open = 0;
    path_point(&pa, px(p, u->batt[k].t_s), py(i, u->batt[k].soc_pm / 10.0, 100), 0);
  }
  fprintf(f, "\"/>\n");
  for (size_t k = 0; k < u->n_batt; k++) {
    const hist_batt_t *b = &u->batt[k];
    double x = px(p, b->t_s), y = py(i, b->soc_pm / 10.0, 100);
    if (b->from_usage) {
      if (u->n_batt < 120) fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"1.6\" fill=\"#ff7f0e\"/>\n", x, y);
      continue;
    }
    fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"white\" stroke=\"#b34700\" stroke-width=\"1.5\"/>\n", x, y);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"10\" fill=\"#b34700\">%s</text>\n", x + 5, y > panel_top(i) + 14 ? y - 5 : y + 14,
            di_batt_state(b->state));
  }
}

static void impedance(const plot_t *p, const hist_usage_t *u, int i) {
  uint32_t max_ohm = 0;
  for (size_t k = 0; k < u->n_imp; k++) {
    if (u->imp[k].mean_ohm > max_ohm) max_ohm = u->imp[k].mean_ohm;
  }
  double vmax = nice_max(max_ohm * 1.25);
  if (vmax < 100) vmax = 100;
  panel(p, i, "Mean lead impedance (ohm) of the contacts in range, per check", vmax, 0);
  if (!u->n_imp) {
    no_data(p, i, "no lead checks");
    return;
  }
  FILE *f = p->f;
  for (size_t k = 0; k < u->n_imp; k++) {
    const hist_imp_t *m = &u->imp[k];
    double x = px(p, m->t_s);
    int bad = (m->open | m->shrt) != 0;
    /* No contact in range: nothing to average; the mark sits on the axis. */
    double y = m->mean_ohm ? py(i, m->mean_ohm, vmax) : panel_top(i) + PANEL_H - 4;
    const char *color = bad ? C_FAULT : m->jump ? "#ff7f0e" : "#17becf";
    fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%s\" fill=\"%s\"%s/>\n", x, y, bad || m->jump ? "3.5" : "2.2", color,
            m->auto_check ? "" : " stroke=\"black\" stroke-width=\"0.8\"");
  }
}

typedef struct {
  uint32_t t_s;
  const char *color, *label;
} marker_t;

static int marker_cmp(const void *a, const void *b) {
  const marker_t *x = a, *y = b;
  return x->t_s < y->t_s ? -1 : x->t_s > y->t_s;
}

/* Faults, lead stops, MRI and surgery entries, therapy off for pregnancy. */
static size_t markers(const hist_usage_t *u, marker_t *m, size_t cap) {
  size_t n = 0;
  for (size_t k = 0; k < u->n_faults && n < cap; k++) {
    m[n++] = (marker_t){u->faults[k].t_s, C_FAULT, u->faults[k].type == NM_EV_FAULT ? "fault" : "short"};
  }
  for (size_t k = 0; k < u->n_modes && n < cap; k++) {
    const hist_mode_t *md = &u->modes[k];
    if (md->to == NM_MODE_MRI) m[n++] = (marker_t){md->t_s, C_MRI, "MRI"};
    else if (md->to == NM_MODE_SURGERY) m[n++] = (marker_t){md->t_s, C_SURGERY, "surgery"};
    else if (md->to == NM_MODE_OFF && md->reason == NM_REASON_PREGNANCY) m[n++] = (marker_t){md->t_s, C_PREGNANCY, "pregnancy"};
  }
  qsort(m, n, sizeof *m, marker_cmp);
  return n;
}

/* Day ticks: at most about nine, weekly ones on Mondays. grid: the light lines inside the
 * panels (drawn first); else the ticks and dates under the axis at y. */
static void date_axis(const plot_t *p, double y, int grid) {
  FILE *f = p->f;
  double span_days = (p->x1_s - p->x0_s) / 86400.0;
  static const unsigned steps[] = {1, 2, 7, 14, 28, 56, 91, 182, 364, 728, 1456};
  unsigned step = steps[10];
  for (int k = 0; k < 11; k++) {
    if (span_days / steps[k] <= 9) {
      step = steps[k];
      break;
    }
  }
  uint32_t d0 = (uint32_t)(p->x0_s / 86400.0);
  if (step % 7 == 0) d0 += (7u - (d0 + 3u) % 7u) % 7u;
  for (uint32_t d = d0; d * 86400.0 <= p->x1_s; d += step) {
    double x = px(p, d * 86400.0);
    char a[16];
    if (grid) {
      for (int i = 0; i < N_PANELS; i++) {
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>\n", x, panel_top(i), x,
                panel_top(i) + PANEL_H);
      }
      continue;
    }
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"black\"/>\n", x, y, x, y + 5);
    /* The last date may sit on the right edge: end it there. */
    fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n", x, y + 18,
            x > W - RIGHT - 34 ? "end" : "middle", hu_date_fmt(a, sizeof a, (int32_t)(d)));
  }
  if (!grid) {
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">date (UTC); a usage record is drawn on the day it covers</text>\n",
            (LEFT + W - RIGHT) / 2, y + 36);
  }
}

static int draw(FILE *f, const hist_usage_t *u, const char *serial, size_t n_events) {
  plot_t p = {f, 0, 0};
  /* The axis: every day recorded and every event drawn, in whole days. */
  double lo = INFINITY, hi = -INFINITY;
#define SPAN(a, b) (lo = fmin(lo, (a)), hi = fmax(hi, (b)))
  if (u->n_days) SPAN(u->first_day * 86400.0, (u->last_day + 1.0) * 86400.0);
  for (size_t k = 0; k < u->n_batt; k++) SPAN(u->batt[k].t_s, u->batt[k].t_s);
  for (size_t k = 0; k < u->n_imp; k++) SPAN(u->imp[k].t_s, u->imp[k].t_s);
  for (size_t k = 0; k < u->n_faults; k++) SPAN(u->faults[k].t_s, u->faults[k].t_s);
  for (size_t k = 0; k < u->n_modes; k++) SPAN(u->modes[k].t_s, u->modes[k].t_s);
#undef SPAN
  if (!(lo <= hi)) lo = hi = 0;
  p.x0_s = floor(lo / 86400.0) * 86400.0;
  p.x1_s = floor(hi / 86400.0) * 86400.0 + 86400.0;
  if (p.x1_s < hi) p.x1_s += 86400.0;

  double axis_y = panel_top(N_PANELS - 1) + PANEL_H;
  double height = axis_y + 90;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
             "font-family=\"sans-serif\" font-size=\"11\">\n", W, height, W, height);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  char a[16], b[16];
  fprintf(f, "<text x=\"%.1f\" y=\"24\" font-size=\"16\">Usage history", LEFT);
  if (serial[0]) {
    fputs(" of ", f);
    html_escape(f, serial);
  }
  if (u->n_days) {
    fprintf(f, ": %s to %s, %zu of %u days recorded", hu_date_fmt(a, sizeof a, (int32_t)(u->first_day)), hu_date_fmt(b, sizeof b, (int32_t)(u->last_day)),
            u->n_days, u->span_days);
  }
  fprintf(f, "</text>\n");
  fprintf(f, "<text x=\"%.1f\" y=\"42\" fill=\"#555\">%zu events. Days without a usage record are gaps (grey), not zeros; ",
          LEFT, n_events);
  if (u->n_days) {
    fprintf(f, "mean %.1f h of therapy per recorded day, %llu patient adjustments.</text>\n",
            (double)u->therapy_min_total / 60.0 / (double)u->n_days, (unsigned long long)u->adjustments_total);
  } else {
    fprintf(f, "no daily usage record in this history.</text>\n");
  }
  if (u->clock_back) {
    fprintf(f, "<text x=\"%.1f\" y=\"58\" fill=\"%s\">The device's clock went back %u time(s) in this history (a reset "
               "without the clock set again): records of one date are merged and dates may be wrong.</text>\n",
            LEFT, C_FAULT, u->clock_back);
  }

  date_axis(&p, axis_y, 1);
  /* 1. therapy hours per day */
  panel(&p, 0, "Therapy per day (hours)", 24, 0);
  if (u->n_days) day_bars(&p, u, 0, 24, get_hours, "#4c78a8");
  else no_data(&p, 0, "no usage records");
  /* 2. amplitude */
  amplitude(&p, u, 1);
  /* 3. patient adjustments per day */
  uint32_t max_adj = 0;
  for (size_t k = 0; k < u->n_days; k++) {
    if (u->days[k].adjustments > max_adj) max_adj = u->days[k].adjustments;
  }
  double adj_max = max_adj < 4 ? 4 : nice_max(max_adj);
  panel(&p, 2, "Patient adjustments per day (amplitude changes on the remote)", adj_max, 0);
  if (u->n_days) day_bars(&p, u, 2, adj_max, get_adjust, "#9467bd");
  else no_data(&p, 2, "no usage records");
  /* 4, 5 */
  battery(&p, u, 3);
  impedance(&p, u, 4);

  /* Markers over every panel, labelled above the first. Markers closer than 3 px share one
   * line and one label ("short+fault"); labels that would overlap alternate two rows. */
  static marker_t m[512];
  size_t nm = markers(u, m, sizeof m / sizeof m[0]);
  double last_label_x = -1e9;
  int row = 0;
  for (size_t k = 0; k < nm;) {
    double x = px(&p, m[k].t_s);
    char label[64] = "";
    size_t j = k;
    for (; j < nm && px(&p, m[j].t_s) - x < 3.0; j++) {
      if (strstr(label, m[j].label)) continue;
      if (strlen(label) + strlen(m[j].label) + 2 < sizeof label) {
        if (label[0]) strcat(label, "+");
        strcat(label, m[j].label);
      }
    }
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.2\" "
               "stroke-dasharray=\"4 3\" opacity=\"0.85\"/>\n", x, TOP - 4, x, axis_y, m[k].color);
    row = x - last_label_x < 8.0 + 6.0 * (double)strlen(label) ? !row : 0;
    last_label_x = x;
    fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"%s\" fill=\"%s\">%s</text>\n", x,
            TOP - 22 - (row ? 10 : 0), x > W - RIGHT - 40 ? "end" : "middle", m[k].color, label);
    k = j;
  }
  date_axis(&p, axis_y, 0);

  /* Legend. */
  double ly = height - 16;
  struct {
    const char *color, *text;
  } leg[] = {{C_FAULT, "fault / shorted contact (marker); lead check with an open or short (red point)"},
             {C_MRI, "MRI mode"},
             {C_SURGERY, "surgery mode"},
             {C_PREGNANCY, "therapy off for pregnancy"},
             {"#eeeeee", "no usage record"}};
  double lx = LEFT;
  for (size_t k = 0; k < sizeof leg / sizeof leg[0]; k++) {
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"%s\" stroke=\"#999\" stroke-width=\"0.5\"/>\n", lx,
            ly - 9, leg[k].color);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 16, ly, leg[k].text);
    lx += 16 + 6.0 * (double)strlen(leg[k].text) + 18;
  }
  fprintf(f, "</svg>\n");
  return 0;
}

static const hu_opt plot_history_opts[] = {
    {"out", "FILE.svg", HU_OPT_REQUIRED, "the drawing (required)"},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd plot_history_cmd = {"nmod plot-history", "HISTORY.json --out FILE.svg (HISTORY.json from 'nmod programmer ... history --json')",
                                        "draw a saved history: usage, battery, leads", plot_history_opts, 1, 1};

int cmd_plot_history(int argc, char **argv) {
  hu_args args;
  int rc = cli_args(&args, &plot_history_cmd, argc, argv);
  if (rc >= 0) return rc;
  const char *path = args.pos[0], *out = hu_args_get(&args, "out");
  char err[512], serial[64];
  char *text;
  size_t len;
  if (js_read_file(path, HISTORY_MAX_BYTES, &text, &len, err, sizeof err) != 0) {
    cli_error("plot-history", "%s", err);
    return CLI_USAGE;
  }
  js_val *root = js_parse(text, len, err, sizeof err);
  free(text);
  if (!root) {
    cli_error("plot-history", "%s: not JSON: %s", path, err);
    return CLI_USAGE;
  }
  hist_list_t l;
  rc = hist_from_json(root, &l, serial, sizeof serial, err, sizeof err);
  js_free(root);
  if (rc != 0) {
    cli_error("plot-history", "%s: %s", path, err);
    return CLI_USAGE;
  }
  if (l.n == 0) {
    hist_list_free(&l);
    cli_error("plot-history", "%s: no events to draw (events is empty)", path);
    return CLI_USAGE;
  }
  hist_usage_t u;
  if (hist_usage(l.ev, l.n, 0, &u) != 0) {
    hist_list_free(&l);
    cli_error("plot-history", "out of memory");
    return CLI_FAIL;
  }
  size_t n_events = l.n;
  hist_list_free(&l);
  FILE *f = fopen(out, "w");
  if (!f) {
    cli_error("plot-history", "cannot write '%s': %s", out, strerror(errno));
    hist_usage_free(&u);
    return CLI_USAGE;
  }
  draw(f, &u, serial, n_events);
  size_t days = u.n_days;
  hist_usage_free(&u);
  if (fclose(f) != 0) {
    cli_error("plot-history", "writing '%s' failed: %s", out, strerror(errno));
    return CLI_FAIL;
  }
  printf("wrote %s (%zu events, %zu days with a usage record)\n", out, n_events, days);
  return CLI_OK;
}
