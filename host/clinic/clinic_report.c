/* clinic_report.c: the report's HTML renderer (of clinic_report_data, computed by
 * clinic_report_data.c) and the `report` command. One self-contained HTML page per patient,
 * made to be printed as a clinical document (A4, the patient's name, ID and birth date and the page number on every page, who
 * produced it for which institution with which nmod): the path, the trial evaluation, an SVG
 * plot of the diary (baseline and trial shaded, the success line drawn at the threshold
 * below the baseline mean), scores with their maximum, visits with read-outs (lead alerts,
 * test-stimulation thresholds), and the plan. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_report.h"
#include "clinic_util.h"
#include "hu_date.h"
#include "hu_fmt.h"
#include "json.h"
#include "nmod_version.h"

static void esc(FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

static void plot(FILE *f, const clinic_patient *p, const clinic_report_point *pt, int n, const clinic_eval *e) {
  const double W = 860, H = 280, L = 50, R = 20, T = 20, B = 40;
  if (n == 0) {
    fputs("<p>No diary days yet.</p>\n", f);
    return;
  }
  int32_t d0 = pt[0].date, d1 = pt[n - 1].date;
  if (d1 == d0) d1 = d0 + 1;
  double ymax = 10;
  if (p->therapy == TH_SNM) {
    ymax = 4;
    for (int i = 0; i < n; i++)
      if (pt[i].value_x2 / 2.0 > ymax) ymax = pt[i].value_x2 / 2.0;
    ymax = (double)((int)ymax + 1);
  }
#define XP(d) (L + (W - L - R) * (double)((d) - d0) / (double)(d1 - d0))
#define YP(v) (T + (H - T - B) * (1.0 - (v) / ymax))
  /* Scaled to the page's width by the style sheet (a fixed width would be cut off in print). */
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"diary plot\">\n", W, H);
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" stroke=\"#999\"/>\n", L, T, W - L - R, H - T - B);
  int32_t ts = e->trial.from, te = e->trial.to;
  if (ts != INT32_MIN) {
    int32_t bs = d0, be = ts - 1 < d0 ? d0 : ts - 1;
    if (be > d1) be = d1;
    if (be >= bs)
      fprintf(f, "<rect class=\"baseline\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cfe3f7\"/>\n", XP(bs), T,
              XP(be) - XP(bs) + 0.5, H - T - B);
    int32_t s = ts + 1 < d0 ? d0 : ts + 1, en = te == INT32_MAX || te > d1 ? d1 : te;
    if (en >= s)
      fprintf(f, "<rect class=\"trial\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fde3c4\"/>\n", XP(s), T,
              XP(en) - XP(s) + 0.5, H - T - B);
  } else {
    fprintf(f, "<rect class=\"baseline\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#cfe3f7\"/>\n", XP(d0), T,
            XP(d1) - XP(d0), H - T - B);
  }
  /* Axis ticks. */
  for (int k = 0; k <= 5; k++) {
    double v = ymax * k / 5.0;
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.1f</text>\n", L - 4, YP(v) + 4, v);
  }
  char a[11], b[11];
  hu_date_fmt(a, HU_DATE_LEN, d0);
  hu_date_fmt(b, HU_DATE_LEN, pt[n - 1].date);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text>\n", L, H - B + 16, a);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n", W - R, H - B + 16, b);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\">%s per day</text>\n", L, H - 6,
          p->therapy == TH_SCS ? "pain NRS" : "incontinence episodes");
  /* The success line: the baseline daily mean times (1 - threshold). */
  if (e->base.days > 0 && e->base.sum > 0) {
    double base_day = (double)e->base.sum / (double)e->base.days / (p->therapy == TH_SCS ? 2.0 : 1.0);
    double line = base_day * (1.0 - e->threshold_bp / 10000.0);
    fprintf(f, "<line class=\"threshold\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#a61b0f\" stroke-dasharray=\"6 4\"/>\n",
            L, W - R, YP(line), YP(line));
    char thr[HU_FIXED_LEN];
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" fill=\"#a61b0f\" text-anchor=\"end\">%s %% below baseline mean (%.2f)</text>\n",
            W - R - 4, YP(line) - 4, hu_fmt_fixed(thr, sizeof thr, e->threshold_bp, 2, 2), line);
    fprintf(f, "<line class=\"baseline-mean\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#2c6fbb\" stroke-dasharray=\"2 3\"/>\n",
            L, W - R, YP(base_day), YP(base_day));
  }
  /* The diary: a polyline broken at gaps of more than one day, and a dot per day. */
  fputs("<g fill=\"none\" stroke=\"#333\" stroke-width=\"1.2\">", f);
  for (int i = 0; i < n;) {
    int j = i;
    fputs("<polyline points=\"", f);
    do {
      fprintf(f, "%.1f,%.1f ", XP(pt[j].date), YP(pt[j].value_x2 / 2.0));
      j++;
    } while (j < n && pt[j].date == pt[j - 1].date + 1);
    fputs("\"/>", f);
    i = j;
  }
  fputs("</g>\n<g fill=\"#333\">", f);
  if (n <= 400)
    for (int i = 0; i < n; i++) fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/>", XP(pt[i].date), YP(pt[i].value_x2 / 2.0));
  fputs("</g>\n</svg>\n", f);
#undef XP
#undef YP
}

/* Text as a CSS string's content: everything but letters, digits and spaces as an escape, so
 * that no name can end the string or the style sheet. */
static void css_str(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *u = (const unsigned char *)s; *u; u++) {
    if ((*u >= 'A' && *u <= 'Z') || (*u >= 'a' && *u <= 'z') || (*u >= '0' && *u <= '9') || *u == ' ' || *u >= 0x80)
      fputc(*u, f);
    else
      fprintf(f, "\\%02x ", *u);
  }
  fputc('"', f);
}

/* Whether step i still applies: a step whose alternative was recorded, or any step of a
 * closed path not recorded, no longer does (shown as such, never as pending). */
static const char *step_status(const clinic_path *path, int i) {
  const clinic_step_rec *r = &path->rec[i];
  if (r->recorded) return r->planned ? "planned" : "done";
  int g = path->def[i].alt_group;
  for (int k = 0; g && k < path->nsteps; k++)
    if (k != i && path->def[k].alt_group == g && path->rec[k].recorded) return "not applicable";
  return clinic_path_closed(path) ? "not applicable" : "pending";
}

/* The print style: A4, the patient on every page, page numbers, table headers repeated, no
 * heading left alone at a page's foot, nothing wider than the page, text contrast of at
 * least 4.5:1 on its background (WCAG 2.1, 1.4.3). */
static void style(FILE *f, const clinic_patient *p, const char *birth, const char *institution, const char *by,
                  const char *today) {
  fputs("<style>\n"
        "@page{size:A4;margin:22mm 15mm 20mm 15mm;"
        "@top-left{content:",
        f);
  char who[300];
  snprintf(who, sizeof who, "%s - ID %s - born %s", p->name, p->code, birth);
  css_str(f, who);
  fputs(";font:9pt sans-serif;color:#222}@top-right{content:", f);
  css_str(f, institution[0] ? institution : "institution not set (nmod clinic config institution NAME)");
  fputs(";font:9pt sans-serif;color:#222}@bottom-left{content:", f);
  char made[300];
  snprintf(made, sizeof made, "nmod %s clinic report, produced by %s on %s", NMOD_VERSION, by, today);
  css_str(f, made);
  fputs(";font:8pt sans-serif;color:#333}"
        "@bottom-right{content:\"page \" counter(page) \" of \" counter(pages);font:9pt sans-serif;color:#222}}\n"
        "html{color:#222;background:#fff}\n"
        "body{font-family:sans-serif;font-size:10pt;line-height:1.35;max-width:180mm;margin:0 auto}\n"
        "h1{font-size:15pt;margin:0 0 4pt}h2{font-size:12pt;margin:14pt 0 4pt}\n"
        "h1,h2,h3{break-after:avoid;page-break-after:avoid}\n"
        "section{break-before:auto}section>h2+*{break-before:avoid;page-break-before:avoid}\n"
        "table{border-collapse:collapse;width:100%;margin:2pt 0 6pt}\n"
        "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}\n"
        "td,th{border:1px solid #767676;padding:2pt 5pt;text-align:left;vertical-align:top;overflow-wrap:break-word}\n"
        "td.d{white-space:nowrap}\n"
        "figure{margin:0;break-inside:avoid;page-break-inside:avoid}figcaption{margin:0 0 2pt}\n"
        "th{background:#eee}\n"
        "svg{width:100%;height:auto;break-inside:avoid}\n"
        ".success{color:#1b6e35}.failure{color:#a61b0f}.insufficient-data{color:#7a4f00}\n"
        ".past,.na{color:#595959}.alert{color:#a61b0f;font-weight:bold}\n"
        "dl.who{display:grid;grid-template-columns:max-content auto;gap:0 10pt;margin:0 0 6pt}dl.who dt{font-weight:bold}"
        "dl.who dd{margin:0}\n"
        "</style>\n",
        f);
}

static void header(FILE *f, const clinic_report_data *d, const char *by, const char *bd, const char *today) {
  const clinic_patient *p = &d->patient;
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>nmod clinic report ", f);
  esc(f, p->code);
  fputs("</title>\n", f);
  style(f, p, bd, d->institution, by, today);
  fputs("</head>\n<body>\n<header>\n<h1>", f);
  esc(f, p->name);
  fputs(" (", f);
  esc(f, p->code);
  fputs(")</h1>\n<dl class=\"who\">\n<dt>Patient</dt><dd>", f);
  esc(f, p->name);
  fputs("</dd>\n<dt>ID</dt><dd>", f);
  esc(f, p->code);
  fprintf(f, "</dd>\n<dt>Born</dt><dd>%s</dd>\n<dt>Therapy</dt><dd>%s</dd>\n<dt>Institution</dt><dd>", bd,
          p->therapy == TH_SCS ? "Spinal cord stimulation (pain clinic)" : "Sacral neuromodulation (surgery)");
  esc(f, d->institution[0] ? d->institution : "not set (nmod clinic config institution NAME)");
  fputs("</dd>\n<dt>Produced by</dt><dd>", f);
  esc(f, by);
  fprintf(f, ", %s, with nmod %s</dd>\n</dl>\n</header>\n<main>\n", today, NMOD_VERSION);
}

static void path_section(FILE *f, const clinic_path *path) {
  fputs("<section>\n<h2>Path</h2>\n<table>\n<thead><tr><th>step</th><th>status</th><th>date</th><th>outcome, note</th></tr></thead>\n<tbody>\n",
        f);
  char ds[HU_DATE_LEN];
  for (int i = 0; i < path->nsteps; i++) {
    const clinic_step_rec *r = &path->rec[i];
    const char *status = step_status(path, i);
    if (r->recorded) hu_date_fmt(ds, HU_DATE_LEN, r->date);
    fprintf(f, "<tr%s><td>%s</td><td>%s</td><td class=\"d\">%s</td><td>", strcmp(status, "not applicable") == 0 ? " class=\"na\"" : "",
            path->def[i].title, status, r->recorded ? ds : "");
    esc(f, r->outcome);
    if (r->note[0]) {
      fputs(r->outcome[0] ? "; " : "", f);
      esc(f, r->note);
    }
    if (r->override[0]) {
      fputs(" override: ", f);
      esc(f, r->override);
      fputs(" (set aside: ", f);
      esc(f, r->override_rule);
      fputs(")", f);
    }
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody>\n</table>\n</section>\n", f);
}

/* A mean in 1/100 units as a table cell, "-" when there is none. */
static void mean_cell(FILE *f, int64_t mean_c) {
  char fx[HU_FIXED_LEN];
  fprintf(f, "<td>%s</td>", mean_c >= 0 ? hu_fmt_fixed(fx, sizeof fx, mean_c, 2, 2) : "-");
}

static void eval_section(FILE *f, const clinic_report_data *d) {
  const clinic_eval *e = &d->eval;
  fputs("<section>\n<h2>Trial evaluation</h2>\n", f);
  fprintf(f, "<p>Verdict: <strong class=\"%s\">%s</strong> (%s).</p>\n", clinic_verdict_name(e->verdict), clinic_verdict_name(e->verdict),
          e->reason);
  if (e->win.trial_day != INT32_MIN) {
    char t1[HU_DATE_LEN], t2[HU_DATE_LEN];
    hu_date_fmt(t1, HU_DATE_LEN, e->win.trial_day + 1);
    hu_date_fmt(t2, HU_DATE_LEN, e->win.trial_to);
    fprintf(f, "<p>Trial days %s to %s", t1, t2);
    if (e->win.extended) {
      fputs(", window extended by override: ", f);
      esc(f, e->ext_reason);
    } else if (e->win.over_limit) {
      fputs(", the trial was recorded past its window without an override: the later days are not used", f);
    }
    fputs(".</p>\n", f);
  }
  fprintf(f, "<table>\n<thead><tr><th>measure</th><th>baseline</th><th>trial</th></tr></thead>\n<tbody>\n<tr><td>%s</td>",
          d->patient.therapy == TH_SCS ? "mean daily pain (NRS 0-10)" : "incontinence episodes per week");
  mean_cell(f, e->base_mean_c);
  mean_cell(f, e->trial_mean_c);
  fprintf(f, "</tr>\n<tr><td>diary days</td><td>%lld</td><td>%lld</td></tr>\n</tbody>\n</table>\n", (long long)e->base.days,
          (long long)e->trial.days);
  if (e->has_reduction) {
    char fx[HU_FIXED_LEN], fy[HU_FIXED_LEN];
    fprintf(f, "<p>Reduction: %s %% (success at &ge; %s %%).</p>\n", hu_fmt_fixed(fx, sizeof fx, e->reduction_bp, 2, 2),
            hu_fmt_fixed(fy, sizeof fy, d->threshold_bp, 2, 2));
  }
  fputs("</section>\n<section>\n<h2>Diary</h2>\n<figure>\n<figcaption>Blue: baseline; orange: trial; dashed red: the success line; "
        "dotted blue: baseline mean.</figcaption>\n",
        f);
  plot(f, &d->patient, d->points, d->npoints, e);
  fputs("</figure>\n</section>\n", f);
}

static void score_section(FILE *f, const clinic_report_data *d) {
  fputs("<section>\n<h2>Scores</h2>\n", f);
  fputs("<table>\n<thead><tr><th>date</th><th>score</th><th>total (of maximum)</th><th>items</th></tr></thead>\n<tbody>\n", f);
  for (int i = 0; i < d->nscores; i++) {
    const clinic_score_rec *r = &d->scores[i];
    char ds[HU_DATE_LEN];
    hu_date_fmt(ds, HU_DATE_LEN, r->date);
    fprintf(f, "<tr><td class=\"d\">%s</td><td>%s</td><td>%d / %d</td><td>", ds,
            r->kind == SC_WEXNER ? "Wexner (Cleveland Clinic)" : r->kind == SC_VAIZEY ? "St Mark's (Vaizey)" : "pain NRS", r->total,
            clinic_score_max(r->kind));
    esc(f, r->items);
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody>\n</table>\n</section>\n", f);
}

static void visit_section(FILE *f, const clinic_report_data *d) {
  fputs("<section>\n<h2>Visits and read-outs</h2>\n<table>\n"
        "<thead><tr><th>date</th><th>visit</th><th>read-out</th><th>lead</th><th>test stimulation</th></tr></thead>\n<tbody>\n",
        f);
  for (int i = 0; i < d->nvisits; i++) {
    const clinic_report_visit *v = &d->visits[i];
    fprintf(f, "<tr><td class=\"d\">%s</td><td>", v->date ? v->date : "");
    esc(f, v->kind);
    if (v->note) {
      fputs(": ", f);
      esc(f, v->note);
    }
    fputs("</td><td>", f);
    if (v->serial) {
      esc(f, v->serial);
      char pct[24];
      if (v->has_battery) fprintf(f, ", battery %s %%", hu_fmt_fixed(pct, sizeof pct, v->battery_pm, 1, 0));
      if (v->battery_state) {
        fputs(" (", f);
        esc(f, v->battery_state);
        fputs(")", f);
      }
    }
    fputs("</td><td>", f);
    if (v->alerts) {
      fputs("<span class=\"alert\">", f);
      esc(f, v->alerts);
      fputs("</span>", f);
    } else if (v->impedance_alerts > 0) {
      fprintf(f, "<span class=\"alert\">%d impedance alert(s)</span>", v->impedance_alerts);
    } else if (v->serial) {
      fputs("no alerts", f);
    }
    fputs("</td><td>", f);
    esc(f, v->thresholds);
    fputs("</td></tr>\n", f);
  }
  fputs("</tbody>\n</table>\n</section>\n", f);
}

static void plan_section(FILE *f, const clinic_plan *pl) {
  fputs("<section>\n<h2>Follow-up plan</h2>\n<table>\n"
        "<thead><tr><th>date</th><th>kind</th><th>what</th></tr></thead>\n<tbody>\n",
        f);
  for (int i = 0; i < pl->n; i++) {
    const clinic_plan_item *it = &pl->items[i];
    char when[48] = "";
    if (it->date == INT32_MIN) {
      snprintf(when, sizeof when, "%.47s", it->when_text);
    } else {
      char x[HU_DATE_LEN], y[HU_DATE_LEN];
      hu_date_fmt(x, HU_DATE_LEN, it->date);
      if (it->date_to != INT32_MIN) {
        hu_date_fmt(y, HU_DATE_LEN, it->date_to);
        snprintf(when, sizeof when, "%s to %s", x, y);
      } else {
        snprintf(when, sizeof when, "%s %s", hu_weekday_name(it->date), x);
      }
    }
    fprintf(f, "<tr%s><td class=\"d\">", it->done ? " class=\"past\"" : "");
    esc(f, when);
    fprintf(f, "%s</td><td>%s</td><td>", it->done ? " (past)" : "", it->kind);
    esc(f, it->what);
    fputs("</td></tr>\n", f);
  }
  if (pl->n == 0) fputs("<tr><td colspan=\"3\">no plan: the path is closed</td></tr>\n", f);
  fputs("</tbody>\n</table>\n</section>\n", f);
}

void clinic_report_html(FILE *f, const clinic_report_data *d, const char *by) {
  char bd[HU_DATE_LEN], today[HU_DATE_LEN];
  hu_date_fmt(bd, HU_DATE_LEN, d->patient.birth);
  hu_date_fmt(today, HU_DATE_LEN, d->today);
  header(f, d, by, bd, today);
  path_section(f, &d->path);
  eval_section(f, d);
  score_section(f, d);
  visit_section(f, d);
  plan_section(f, &d->plan);
  fputs("</main>\n</body>\n</html>\n", f);
}

int clinic_cmd_report(clinic_ctx *c, clinic_args *a) {
  const char *out = clinic_opt_get(a, "out"), *by = clinic_opt_get(a, "by");
  int rc = clinic_args_done(a, "report");
  if (rc) return rc;
  if (a->npos != 2 || !out) return clinic_fail(CL_USAGE, "usage: nmod clinic report PATIENT --out FILE.html [--by NAME]");
  /* Who produced it: --by, else the login name of this process. */
  const struct passwd *pw = by ? NULL : getpwuid(getuid());
  if (!by) by = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "unknown user";
  if (!*by || strlen(by) > 120) return clinic_fail(CL_USAGE, "--by needs a name of 1-120 characters");
  clinic_patient p;
  clinic_err e = {0};
  if (clinic_patient_lookup(c->db, a->pos[1], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  /* Everything is read before the file is begun: a failure leaves no file behind. */
  clinic_report_data d;
  if (clinic_report_load(c->db, &p, c->today, &d, &e) != CLINIC_E_OK) return clinic_report(&e);
  clinic_outfile of;
  if (clinic_out_begin(&of, out, &e) == CLINIC_E_OK) {
    clinic_report_html(of.f, &d, by);
    clinic_out_end(&of, CLINIC_E_OK, &e);
  }
  clinic_report_free(&d);
  if (e.code) return clinic_report(&e);
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "report", out);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    fprintf(clinic_stdout(), "report for %s written to %s\n", p.code, out);
  }
  return CL_OK;
}
