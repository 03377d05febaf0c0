/* clinic_export_test.c: the exports checked by third-party validators (installed by
 * scripts/bootstrap.sh; a missing one fails the test, it is never skipped):
 *   FHIR  - the official R4 JSON schema under ajv, plus bundle invariants (tests/validators);
 *   ICS   - Debian's python3-icalendar; UIDs compared across two exports after a date moved;
 *   HTML  - html-validate; the report printed to PDF by headless Chromium, read back with
 *           poppler (pdftotext, pdftoppm): the patient and the page number on every page, no
 *           heading alone at a page's foot, nothing in the right margin; text contrast. */
#include "clinic_testutil.h"

#include <ctype.h>
#include <math.h>
#include <sys/stat.h>

#include "clinic_int.h"
#include "nmod_version.h"

static char val[600]; /* tests/validators */

static int setup(void **st) {
  const char *src = getenv("NMOD_SRC");
  snprintf(val, sizeof val, "%s/tests/validators", src ? src : ".");
  return ct_setup(st);
}

/* Run a shell command in the temp folder; stdout into ct_out, stderr into ct_err. */
static int sh(const char *fmt, ...) {
  char cmd[4096], full[8192], o[320], e[320];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(o, sizeof o, "%s/.sh.out", ct_dir);
  snprintf(e, sizeof e, "%s/.sh.err", ct_dir);
  snprintf(full, sizeof full, "cd '%s' && ( %s ) >'%s' 2>'%s'", ct_dir, cmd, o, e);
  int st = system(full);
  ct_slurp(o, ct_out, sizeof ct_out);
  ct_slurp(e, ct_err, sizeof ct_err);
  return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* A validator the bootstrap installs: its absence fails the test (never a skip). */
static void need(const char *what, const char *check) {
  if (sh("%s", check) != 0) fail_msg("%s is missing (run scripts/bootstrap.sh test): %s", what, ct_err);
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static js_val *parse_file(const char *name) {
  char path[400], err[256], *text;
  size_t len;
  snprintf(path, sizeof path, "%s/%s", ct_dir, name);
  if (js_read_file(path, 1 << 24, &text, &len, err, sizeof err) != 0) fail_msg("%s", err);
  js_val *v = js_parse(text, len, err, sizeof err);
  free(text);
  if (!v) fail_msg("%s: %s", name, err);
  return v;
}

/* A read-out as the programmer writes it (the shared codec): serial, lead, E2 open, a test
 * threshold on E1, a fractional charge. */
static const char *write_readout(const char *name, const char *therapy) {
  static ro_readout_t r;
  memset(&r, 0, sizeof r);
  snprintf(r.serial, RO_TEXT, "INS-%s-1A2B3C4D", strcmp(therapy, "snm") == 0 ? "SNM" : "SCS");
  snprintf(r.kind, RO_TEXT, "ins");
  snprintf(r.therapy, RO_TEXT, "%s", therapy);
  snprintf(r.firmware, RO_TEXT, "0.1.0");
  snprintf(r.lead, RO_TEXT, "%s", strcmp(therapy, "snm") == 0 ? "snm-tined-4" : "scs-perc-8");
  snprintf(r.device_time, RO_TEXT, "2025-06-01 10:00:00");
  snprintf(r.status.mode, RO_TEXT, "therapy");
  r.status.therapy_on = 1;
  snprintf(r.status.fault, RO_TEXT, "none");
  snprintf(r.status.cell, RO_TEXT, "rechargeable");
  snprintf(r.status.batt_state, RO_TEXT, "ok");
  r.status.batt_pm = 868;
  r.status.n_alerts = 1;
  r.status.alerts[0] = (ro_lead_alert_t){2, RO_LEAD_OPEN};
  r.status.n_prog = 2;
  for (int i = 0; i < 2; i++) {
    ro_prog_t *p = &r.status.prog[i];
    p->slot = (uint32_t)i;
    snprintf(p->name, RO_TEXT, "P%d", i + 1);
    p->running = i == 0;
    p->amplitude_ua = 1800u + 400u * (uint32_t)i;
    p->pt_max_ua = 3000;
    snprintf(p->waveform, RO_TEXT, "tonic");
    p->rate_hz = 14;
    p->width_us = 210;
  }
  r.n_thresholds = 1;
  r.thresholds[0] = (ro_threshold_t){1, 800};
  r.impedance_ohm = 525;
  r.compliance_mv = 12000;
  r.capacity_uah = 60000;
  r.remaining_uah = 52080;
  r.voltage_mv = 3900;
  r.recharge_days_c = 2562;
  r.service_years_c = 2000;
  char path[400];
  snprintf(path, sizeof path, "%s/%s", ct_dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(ro_write_doc(f, &r), 0);
  fclose(f);
  static char out[400];
  snprintf(out, sizeof out, "%s", path);
  return out;
}

static void test_fhir(void **st) {
  (void)st;
  char chk[800];
  snprintf(chk, sizeof chk, "node --version && test -d '%s/node_modules/ajv'", val);
  need("node and the npm validators", chk);
  /* A 63-character ID (the longest), and two IDs that differ only in '_' and '-'. */
  char lid[64];
  memset(lid, 'x', 63);
  lid[0] = 'L';
  lid[1] = '_';
  lid[63] = '\0';
  CT_EXPECT(0, "patient add %s --therapy scs --name 'Long ID' --birth 1970-01-01", lid);
  CT_EXPECT(0, "patient add A_1 --therapy snm --name 'A underscore' --birth 1960-01-01");
  CT_EXPECT(0, "patient add A-1 --therapy snm --name 'A dash' --birth 1960-01-01");
  /* 40 SCS days: even days with a whole-day NRS, odd days with only morning and evening. */
  char csv[8192] = "date,nrs,morning,evening\n";
  int me_only = 0;
  for (int d = 1; d <= 40; d++) {
    int m = d <= 31 ? 1 : 2, dd = d <= 31 ? d : d - 31;
    if (d % 2)
      snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "2025-%02d-%02d,,%d,%d\n", m, dd, d % 11, (d + 3) % 11), me_only++;
    else
      snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "2025-%02d-%02d,%d,,\n", m, dd, d % 11);
  }
  /* A diary starts at the referral (docs/CLINIC.md). */
  CT_EXPECT(0, "path step %s referral --date 2024-12-01", lid);
  CT_EXPECT(0, "path step A_1 referral --date 2025-01-01");
  CT_EXPECT(0, "path step A-1 referral --date 2024-12-01");
  CT_EXPECT(0, "diary import %s '%s'", lid, ct_file("l.csv", csv));
  CT_EXPECT(0, "diary import A_1 '%s'", ct_file("a.csv", "date,incontinence,urgency,pads\n2025-01-01,3,,2\n2025-01-02,1,1,\n"));
  CT_EXPECT(0, "diary import A-1 '%s'", ct_file("b.csv", "date,incontinence\n2025-01-01,4\n"));
  CT_EXPECT(0, "score add A_1 wexner --date 2025-01-02 solid=1 liquid=2 gas=3 pad=1 lifestyle=0");
  CT_EXPECT(0, "path step A_1 scores --date 2025-01-02");
  CT_EXPECT(0, "path step A_1 stage1 --date 2025-02-01 --planned");
  CT_EXPECT(0, "visit add A_1 --kind control --date 2025-06-01 --note 'well'");
  CT_EXPECT(0, "import-interrogation A_1 '%s' --date 2025-06-01", write_readout("ro.json", "snm"));
  CT_EXPECT(0, "export %s --fhir --out l.json", lid);
  CT_EXPECT(0, "export A_1 --fhir --out a.json");
  CT_EXPECT(0, "export A-1 --fhir --out b.json");
  if (sh("node '%s/fhir-validate.js' l.json a.json b.json", val) != 0) fail_msg("FHIR validation failed:\n%s%s", ct_out, ct_err);
  /* The validator is not a rubber stamp: a repeated fullUrl (bdl-7) and a bad status fail. */
  assert_int_equal(sh("node -e \"const f=require('fs');const b=JSON.parse(f.readFileSync('a.json'));b.entry.push(b.entry[1]);"
                      "f.writeFileSync('dup.json',JSON.stringify(b));b.entry.pop();b.entry[1].resource.status='weird';"
                      "f.writeFileSync('bad.json',JSON.stringify(b))\""),
                   0);
  assert_int_equal(sh("node '%s/fhir-validate.js' dup.json", val), 1);
  CT_HAS(ct_out, "bdl-7");
  assert_int_equal(sh("node '%s/fhir-validate.js' bad.json", val), 1);
  CT_HAS(ct_out, "schema");

  /* The long ID: every day its own Observation, the morning/evening days with a
   * dataAbsentReason and their components. */
  js_val *v = parse_file("l.json");
  const js_val *entry = js_get(v, "entry");
  int obs = 0, dar = 0;
  for (size_t i = 0; i < entry->n; i++) {
    const js_val *res = js_get(&entry->items[i], "resource");
    const char *url = js_get(&entry->items[i], "fullUrl")->str;
    for (size_t j = 0; j < i; j++) assert_string_not_equal(url, js_get(&entry->items[j], "fullUrl")->str);
    if (strcmp(js_get(res, "resourceType")->str, "Observation") != 0) continue;
    obs++;
    const js_val *d = js_get(res, "dataAbsentReason");
    if (d) {
      dar++;
      assert_string_equal(js_get(&js_get(d, "coding")->items[0], "code")->str, "not-performed");
      assert_null(js_get(res, "valueInteger"));
      assert_int_equal(js_get(res, "component")->n, 2);
    } else {
      assert_non_null(js_get(res, "valueInteger"));
    }
  }
  assert_int_equal(obs, 40);
  assert_int_equal(dar, me_only);
  js_free(v);
  /* A_1 and A-1 are two Patients with different ids. */
  js_val *a = parse_file("a.json"), *b = parse_file("b.json");
  const char *ida = js_get(js_get(&js_get(a, "entry")->items[0], "resource"), "id")->str;
  const char *idb = js_get(js_get(&js_get(b, "entry")->items[0], "resource"), "id")->str;
  assert_string_not_equal(ida, idb);
  /* A_1: UCUM counts, the Device and its lead, the read-out's observations, the visit. */
  entry = js_get(a, "entry");
  int devices = 0, reports = 0, encounters = 0, thresholds = 0, alerts = 0, ucum = 0;
  const char *stim_url = NULL;
  for (size_t i = 0; i < entry->n; i++) {
    const js_val *res = js_get(&entry->items[i], "resource");
    const char *type = js_get(res, "resourceType")->str;
    if (strcmp(type, "Device") == 0) {
      devices++;
      if (js_get(res, "serialNumber")) {
        assert_string_equal(js_get(res, "serialNumber")->str, "INS-SNM-1A2B3C4D");
        stim_url = js_get(&entry->items[i], "fullUrl")->str;
      } else {
        assert_string_equal(js_get(res, "modelNumber")->str, "snm-tined-4");
        assert_non_null(stim_url);
        assert_string_equal(js_get(js_get(res, "parent"), "reference")->str, stim_url);
      }
    } else if (strcmp(type, "DiagnosticReport") == 0) {
      reports++;
      assert_int_equal(js_get(res, "result")->n, 1 + 2 + 1 + 1); /* battery, 2 programs, E2, E1 */
    } else if (strcmp(type, "Encounter") == 0) {
      encounters++;
    } else if (strcmp(type, "Observation") == 0) {
      const char *code = js_get(&js_get(js_get(res, "code"), "coding")->items[0], "code")->str;
      const js_val *q = js_get(res, "valueQuantity");
      if (q) {
        assert_string_equal(js_get(q, "system")->str, "http://unitsofmeasure.org");
        ucum++;
      }
      if (strcmp(code, "test-stimulation-threshold") == 0) {
        thresholds++;
        assert_string_equal(js_get(q, "value")->str, "0.8");
        assert_string_equal(js_get(q, "code")->str, "mA");
      }
      if (strcmp(code, "lead-contact-integrity") == 0) {
        alerts++;
        assert_string_equal(js_get(js_get(res, "valueCodeableConcept"), "text")->str, "E2 open");
      }
      if (strcmp(code, "bowel-diary-day") == 0) assert_string_equal(js_get(q, "code")->str, "{episodes}/d");
      if (strcmp(code, "battery-charge") == 0) assert_string_equal(js_get(q, "value")->str, "86.8");
    }
  }
  assert_int_equal(devices, 2);
  assert_int_equal(reports, 1);
  assert_int_equal(encounters, 1);
  assert_int_equal(thresholds, 1);
  assert_int_equal(alerts, 1);
  assert_true(ucum >= 2 + 1 + 2 + 1);
  js_free(a);
  js_free(b);
  /* The same data gives the same export, byte for byte. */
  CT_EXPECT(0, "export A_1 --fhir");
  char first[sizeof ct_out];
  memcpy(first, ct_out, sizeof first);
  CT_EXPECT(0, "export A_1 --fhir");
  assert_string_equal(first, ct_out);
}

/* "UID DTSTART" lines of a calendar, from python3-icalendar. */
static void ics_events(const char *file, char *out, size_t cap) {
  if (sh("/usr/bin/python3 '%s/ics-validate.py' '%s'", val, file) != 0) fail_msg("%s: %s", file, ct_err);
  snprintf(out, cap, "%s", ct_out);
}

static void test_ics(void **st) {
  (void)st;
  need("python3-icalendar", "/usr/bin/python3 -c 'import icalendar'");
  CT_EXPECT(0, "patient add C1 --therapy snm --name 'C' --birth 1960-01-01");
  /* No dated item yet: no calendar, a clear message, no file. */
  CT_EXPECT(3, "plan C1 --ics c0.ics");
  CT_HAS(ct_err, "no dated items");
  char c0[400];
  snprintf(c0, sizeof c0, "%s/c0.ics", ct_dir);
  assert_int_not_equal(access(c0, F_OK), 0);
  CT_EXPECT(0, "path step C1 referral --date 2025-05-01");
  CT_EXPECT(0, "path step C1 scores --date 2025-05-10");
  CT_EXPECT(0, "path step C1 stage1 --date 2025-07-08 --planned");
  CT_EXPECT(0, "plan C1 --ics c1.ics");
  static char e1[8192], e2[8192];
  ics_events("c1.ics", e1, sizeof e1);
  /* The operation moves a week: the same events (UIDs), other dates. */
  CT_EXPECT(0, "path step C1 stage1 --date 2025-07-15 --planned");
  CT_EXPECT(0, "plan C1 --ics c2.ics");
  ics_events("c2.ics", e2, sizeof e2);
  int n1 = 0, moved = 0;
  for (char *l = e1; *l;) {
    char *nl = strchr(l, '\n');
    assert_non_null(nl);
    *nl = '\0';
    char uid[64], d[32];
    assert_int_equal(sscanf(l, "%63s %31s", uid, d), 2);
    assert_null(strstr(uid, "C1"));
    const char *in2 = strstr(e2, uid);
    if (!in2) fail_msg("UID %s of the first export is not in the second (a re-import would duplicate it):\n%s\n%s", uid, e1, e2);
    char d2[32];
    assert_int_equal(sscanf(in2 + strlen(uid), " %31s", d2), 1);
    moved += strcmp(d, d2) != 0;
    n1++;
    l = nl + 1;
  }
  assert_int_equal(n1, count_lines(e2));
  assert_true(n1 >= 4);
  assert_int_equal(moved, n1); /* every item hangs on the stage 1 date */
  /* Two patients' calendars never share a UID. */
  CT_EXPECT(0, "patient add C2 --therapy snm --name 'D' --birth 1960-01-01");
  CT_EXPECT(0, "path step C2 referral --date 2025-05-01");
  CT_EXPECT(0, "path step C2 scores --date 2025-05-10");
  CT_EXPECT(0, "path step C2 stage1 --date 2025-07-15 --planned");
  CT_EXPECT(0, "plan C2 --ics c3.ics");
  static char e3[8192];
  ics_events("c3.ics", e3, sizeof e3);
  char uid3[64];
  assert_int_equal(sscanf(e3, "%63s", uid3), 1);
  assert_null(strstr(e2, uid3));
}

/* WCAG 2.1 contrast of two #rrggbb colours. */
static double lum(unsigned rgb) {
  double c[3];
  for (int i = 0; i < 3; i++) {
    double s = (double)((rgb >> (16 - 8 * i)) & 0xFF) / 255.0;
    c[i] = s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4);
  }
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
static double contrast(unsigned a, unsigned b) {
  double la = lum(a), lb = lum(b);
  return (fmax(la, lb) + 0.05) / (fmin(la, lb) + 0.05);
}

/* Every text colour of the report against every background it can sit on. */
static void check_contrast(const char *html) {
  static const unsigned backgrounds[] = {0xFFFFFF, 0xEEEEEE, 0xCFE3F7, 0xFDE3C4};
  int seen = 0;
  for (const char *p = html; (p = strstr(p, "color:#")); p++) {
    if (p > html && (p[-1] == '-' || isalpha((unsigned char)p[-1]))) continue; /* background-color */
    unsigned rgb;
    assert_int_equal(sscanf(p + 7, "%6x", &rgb), 1);
    for (int b = 0; b < 2; b++)
      if (contrast(rgb, backgrounds[b]) < 4.5) fail_msg("text colour #%06x on #%06x: %.2f:1", rgb, backgrounds[b], contrast(rgb, backgrounds[b]));
    seen++;
  }
  for (const char *p = html; (p = strstr(p, "<text ")); p++) {
    const char *end = strchr(p, '>'), *fill = strstr(p, "fill=\"#");
    unsigned rgb = 0x000000;
    if (fill && fill < end) assert_int_equal(sscanf(fill + 7, "%6x", &rgb), 1);
    for (int b = 0; b < 4; b++)
      if (contrast(rgb, backgrounds[b]) < 4.5) fail_msg("plot text #%06x on #%06x: %.2f:1", rgb, backgrounds[b], contrast(rgb, backgrounds[b]));
    seen++;
  }
  assert_true(seen >= 10);
}

/* The white strip at the right edge of a page image (P5 PGM): nothing drawn or cut there. */
static void right_margin_white(const char *pgm, int strip_px) {
  FILE *f = fopen(pgm, "rb");
  assert_non_null(f);
  int w, h, max;
  assert_int_equal(fscanf(f, "P5 %d %d %d", &w, &h, &max), 3);
  fgetc(f);
  unsigned char *px = malloc((size_t)w * (size_t)h);
  assert_int_equal(fread(px, 1, (size_t)w * (size_t)h, f), (size_t)w * (size_t)h);
  fclose(f);
  for (int y = 0; y < h; y++)
    for (int x = w - strip_px; x < w; x++)
      if (px[(size_t)y * (size_t)w + (size_t)x] < 250) fail_msg("%s: ink at x=%d y=%d in the right margin (cut off?)", pgm, x, y);
  free(px);
}

static void test_report_print(void **st) {
  (void)st;
  need("headless Chromium", "test -x /usr/bin/chromium");
  need("poppler-utils", "command -v pdftotext && command -v pdftoppm && command -v pdfinfo");
  char chk[800];
  snprintf(chk, sizeof chk, "test -f '%s/node_modules/html-validate/bin/html-validate.mjs'", val);
  need("html-validate", chk);
  const char *name = "A. de Vries-Bakker", *id = "SNM-0042", *birth = "1961-05-12";
  CT_EXPECT(0, "config institution 'Example Hospital, department of surgery'");
  CT_EXPECT(0, "patient add %s --therapy snm --name '%s' --birth %s", id, name, birth);
  CT_EXPECT(0, "path step %s referral --date 2025-01-06", id);
  CT_EXPECT(0, "path step %s scores --date 2025-01-13", id);
  CT_EXPECT(0, "score add %s wexner --date 2025-01-13 solid=3 liquid=4 gas=4 pad=4 lifestyle=3", id);
  CT_EXPECT(0, "score add %s vaizey --date 2025-01-13 solid=3 liquid=4 gas=4 lifestyle=3 pad=yes constipating=no defer=yes", id);
  CT_EXPECT(0, "path step %s stage1 --date 2025-02-04", id);
  char csv[4096] = "date,incontinence,urgency,pads\n";
  for (int d = 20; d <= 31; d++) snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "2025-01-%02d,3,2,3\n", d);
  for (int d = 1; d <= 3; d++) snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "2025-02-%02d,4,1,3\n", d);
  for (int d = 5; d <= 28; d++) snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "2025-02-%02d,%d,0,1\n", d, d % 2);
  CT_EXPECT(0, "diary import %s '%s'", id, ct_file("d.csv", csv));
  CT_EXPECT(0, "path step %s stage2-implant --date 2025-03-04", id);
  for (int m = 3; m <= 6; m++)
    for (int d = 5; d <= 26; d += 7)
      CT_EXPECT(0, "visit add %s --kind control --date 2025-%02d-%02d --note 'a control visit with a note long enough to take two lines in the table of visits'",
                id, m, d);
  CT_EXPECT(0, "import-interrogation %s '%s' --date 2025-06-27", id, write_readout("ro.json", "snm"));
  CT_EXPECT(0, "report %s --out r.html --by 'Dr. J. Smit'", id);
  char html[1 << 18], path[400];
  snprintf(path, sizeof path, "%s/r.html", ct_dir);
  ct_slurp(path, html, sizeof html);
  /* The whole path: the removal no longer applies once the modulator is placed. */
  CT_HAS(html, "<td>stage 2: lead and extension removed</td><td>not applicable</td>");
  CT_HAS(html, "18 / 20");
  CT_HAS(html, "E2 open");
  CT_HAS(html, "nmod " NMOD_VERSION);
  check_contrast(html);
  if (sh("node '%s/node_modules/html-validate/bin/html-validate.mjs' --config '%s/.htmlvalidate.json' r.html", val, val) != 0)
    fail_msg("html-validate:\n%s%s", ct_out, ct_err);
  if (sh("/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
         "--disable-sync --no-first-run --no-pdf-header-footer --user-data-dir=\"$(mktemp -d)\" --print-to-pdf=r.pdf r.html") != 0)
    fail_msg("chromium: %s", ct_err);
  assert_int_equal(sh("pdfinfo r.pdf | sed -n 's/^Pages: *//p'"), 0);
  int pages = atoi(ct_out);
  printf("report: %d pages\n", pages);
  assert_true(pages >= 3);
  static const char *const headings[] = {"Path", "Trial evaluation", "Diary", "Scores", "Visits and read-outs", "Follow-up plan"};
  for (int i = 1; i <= pages; i++) {
    assert_int_equal(sh("pdftotext -layout -f %d -l %d r.pdf -", i, i), 0);
    char want[64];
    snprintf(want, sizeof want, "page %d of %d", i, pages);
    CT_HAS(ct_out, want);
    CT_HAS(ct_out, name);
    CT_HAS(ct_out, "ID SNM-0042");
    CT_HAS(ct_out, "born 1961-05-12");
    CT_HAS(ct_out, "Example Hospital");
    CT_HAS(ct_out, "produced by Dr. J. Smit");
    /* The last line of the body (before the footer) is never a heading. */
    char *footer = strstr(ct_out, "nmod " NMOD_VERSION " clinic report");
    assert_non_null(footer);
    *footer = '\0';
    char *end = footer;
    while (end > ct_out && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\f')) *--end = '\0';
    char *last = strrchr(ct_out, '\n');
    last = last ? last + 1 : ct_out;
    while (*last == ' ') last++;
    for (size_t h = 0; h < sizeof headings / sizeof headings[0]; h++)
      if (strcmp(last, headings[h]) == 0) fail_msg("page %d ends with the heading \"%s\"", i, last);
  }
  /* Nothing drawn in the outer 10 mm of the right margin (15 mm wide) on any page. */
  assert_int_equal(sh("pdftoppm -gray -r 72 r.pdf pg"), 0);
  for (int i = 1; i <= pages; i++) {
    char pgm[320];
    snprintf(pgm, sizeof pgm, "%s/pg-%d.pgm", ct_dir, i);
    if (access(pgm, F_OK) != 0) snprintf(pgm, sizeof pgm, "%s/pg-%02d.pgm", ct_dir, i);
    right_margin_white(pgm, 28);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fhir, setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_ics, setup, ct_teardown),
      cmocka_unit_test_setup_teardown(test_report_print, setup, ct_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
