/* fuzz_history.c: libFuzzer target for the input of `nmod plot-history` (a saved
 * `programmer ... history --json`): the command itself (host/cli/cmd_plot_history.c) on the
 * input as a file, and under it hist_from_json and hist_usage (host/lib/history.c), whose
 * statistics `programmer usage` prints too.
 *
 * Properties (abort on violation):
 * - the command exits 0 or 2 (bad input), and 2 with exactly one one-line error;
 * - on 0 the SVG is whole (<svg ... </svg>) and holds no nan or inf;
 * - the statistics of an accepted history are consistent: one record per day, days in
 *   order inside the span, span = days + gaps, at most 1440 min of therapy a day, the
 *   totals the sums of the days, weeks of 1-7 days each starting on or before their days,
 *   battery readings in time order, and every recorded day found by hist_usage_day.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "cli.h"
#include "history.h"

static int errors;
static char last_error[1024];

/* The CLI's one-line error printer (host/cli/main.c), counting and keeping the line. */
void cli_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(last_error, sizeof last_error, "nmod %s: ", cmd);
  vsnprintf(last_error + n, sizeof last_error - (size_t)n, fmt, ap);
  va_end(ap);
  errors++;
}

static int in_fd = -1, out_fd = -1;

static void check_usage(const hist_usage_t *u) {
  uint64_t total = 0, adj = 0;
  for (size_t i = 0; i < u->n_days; i++) {
    const hist_day_t *d = &u->days[i];
    CHECK(i == 0 || d->day > u->days[i - 1].day, "days not in order or one day twice");
    CHECK(d->day >= u->first_day && d->day <= u->last_day, "a day outside the span");
    CHECK(d->therapy_min <= 1440, "more than 24 h of therapy in a day");
    CHECK(hist_usage_day(u, d->day) == d, "hist_usage_day does not find a recorded day");
    total += d->therapy_min;
    adj += d->adjustments;
  }
  if (u->n_days) {
    CHECK(u->span_days == u->last_day - u->first_day + 1u, "span");
    CHECK(u->gap_days + u->n_days == u->span_days, "span is not days + gaps");
    CHECK(u->therapy_min_total == total && u->adjustments_total == adj, "totals are not the sums of the days");
    CHECK(u->therapy_min_min <= u->therapy_min_max, "minimum above maximum");
    CHECK(u->zero_days <= u->n_days && u->restarted_days <= u->n_days, "day counts");
  }
  size_t week_days = 0;
  for (size_t i = 0; i < u->n_weeks; i++) {
    const hist_week_t *w = &u->weeks[i];
    CHECK(w->days >= 1 && w->days <= 7 && w->week >= 1 && w->week <= 53, "a week of more than 7 days");
    week_days += w->days;
  }
  CHECK(week_days == u->n_days, "weeks do not cover the days");
  for (size_t i = 0, k = 0; i < u->n_weeks; i++) {
    for (uint8_t j = 0; j < u->weeks[i].days; j++, k++) {
      uint32_t day = u->days[k].day;
      CHECK(u->weeks[i].first_day <= day && day - u->weeks[i].first_day < 7u, "a day outside its ISO week");
    }
  }
  for (size_t i = 1; i < u->n_batt; i++) CHECK(u->batt[i].t_s >= u->batt[i - 1].t_s, "battery readings out of order");
}

/* The SVG's markup only (what is inside <...>): the numbers are there, while the text of
 * the elements may hold anything the history did ("pregnancy", a serial "F00inf19"). */
static void markup_only(char *svg) {
  char *w = svg;
  int in_tag = 0;
  for (const char *r = svg; *r; r++) {
    if (*r == '<') in_tag = 1;
    if (in_tag) *w++ = *r;
    if (*r == '>') in_tag = 0;
  }
  *w = '\0';
}

static void check_svg(void) {
  off_t n = lseek(out_fd, 0, SEEK_END);
  CHECK(n > 0, "no SVG written");
  char *svg = malloc((size_t)n + 1);
  CHECK(svg && pread(out_fd, svg, (size_t)n, 0) == n, "reading the SVG back");
  svg[n] = '\0';
  CHECK(strncmp(svg, "<svg ", 5) == 0, "the SVG does not start with <svg");
  CHECK(n >= 7 && strcmp(svg + n - 7, "</svg>\n") == 0, "the SVG does not end with </svg>");
  markup_only(svg);
  CHECK(!strcasestr(svg, "nan") && !strcasestr(svg, "inf"), "nan or inf in the SVG");
  free(svg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (in_fd < 0) {
    in_fd = memfd_create("history.json", 0);
    out_fd = memfd_create("history.svg", 0);
    CHECK(in_fd >= 0 && out_fd >= 0, "memfd_create");
    CHECK(freopen("/dev/null", "w", stdout) != NULL, "stdout");
  }
  CHECK(ftruncate(in_fd, 0) == 0 && ftruncate(out_fd, 0) == 0, "ftruncate");
  CHECK(pwrite(in_fd, data, size, 0) == (ssize_t)size, "pwrite");
  char in_path[64], out_path[64];
  snprintf(in_path, sizeof in_path, "/proc/self/fd/%d", in_fd);
  snprintf(out_path, sizeof out_path, "/proc/self/fd/%d", out_fd);
  char *argv[] = {"plot-history", in_path, "--out", out_path, NULL};
  errors = 0;
  int rc = cmd_plot_history(4, argv);
  if (rc == CLI_OK) {
    CHECK(errors == 0, "success with an error line");
    check_svg();
  } else {
    CHECK(rc == CLI_USAGE, "plot-history failed with something else than bad input");
    CHECK(errors == 1, "a refusal without exactly one error line");
    CHECK(strchr(last_error, '\n') == NULL, "an error of more than one line");
  }

  /* The statistics under it, also with a start date (usage --since). */
  char err[512];
  js_val *root = js_parse((const char *)data, size, err, sizeof err);
  if (!root) return 0;
  hist_list_t l;
  char serial[64];
  if (hist_from_json(root, &l, serial, sizeof serial, err, sizeof err) == 0) {
    CHECK(rc == CLI_OK || l.n == 0, "plot-history refused a history hist_from_json reads");
    hist_usage_t u;
    uint32_t since = l.n ? l.ev[l.n / 2].ev.t_s : 0;
    for (int pass = 0; pass < 2; pass++) {
      CHECK(hist_usage(l.ev, l.n, pass ? since : 0, &u) == 0, "hist_usage");
      check_usage(&u);
      hist_usage_free(&u);
    }
    hist_list_free(&l);
  } else {
    CHECK(err[0] && !strchr(err, '\n'), "hist_from_json refused without a one-line message");
  }
  js_free(root);
  return 0;
}
