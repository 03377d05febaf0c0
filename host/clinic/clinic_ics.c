/* clinic_ics.c: the plan as an iCalendar file (RFC 5545) that an ordinary calendar imports:
 * one all-day VEVENT per dated item, CRLF line ends, text escaped, lines folded at 75
 * octets without splitting a UTF-8 character. Each UID is a version-8 UUID of the patient
 * and what the item is (clinic_ids.c): the same when the item's date moves, so a calendar
 * that imports the new file updates the event instead of adding a second one, and opaque
 * (RFC 7986, 5.3: no patient ID in a UID). A plan without dated items has no event to
 * write, and a calendar needs at least one component (RFC 5545, 3.6): the caller refuses. */
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "clinic_ics.h"
#include "clinic_ids.h"
#include "clinic_patient.h"
#include "clinic_plan.h"
#include "clinic_util.h"
#include "hu_date.h"

/* Write one content line, folded. Returns 0 or -1 on a write error. */
static int line(FILE *f, const char *s) {
  size_t n = strlen(s), col = 0;
  for (size_t i = 0; i < n;) {
    size_t len = 1;
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0xF0) len = 4;
    else if (ch >= 0xE0) len = 3;
    else if (ch >= 0xC0) len = 2;
    if (i + len > n) len = n - i;
    if (col + len > 75) {
      if (fputs("\r\n ", f) == EOF) return -1;
      col = 1;
    }
    if (fwrite(s + i, 1, len, f) != len) return -1;
    col += len;
    i += len;
  }
  return fputs("\r\n", f) == EOF ? -1 : 0;
}

static void esc(clinic_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '\\' || *s == ';' || *s == ',') {
      char e[2] = {'\\', *s};
      clinic_buf_add(b, e, 2);
    } else if (*s == '\n') {
      clinic_buf_puts(b, "\\n");
    } else if ((unsigned char)*s >= 0x20) {
      clinic_buf_add(b, s, 1);
    }
  }
}

/* One content line: the property prefix (formatted) and, when given, a text value escaped
 * after it. Returns 0 or -1 on a write error. */
static int prop(FILE *f, const char *text, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int prop(FILE *f, const char *text, const char *fmt, ...) {
  char head[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  clinic_buf b = {0};
  clinic_buf_puts(&b, head);
  if (text) esc(&b, text);
  int r = line(f, b.s);
  clinic_buf_free(&b);
  return r;
}

static void ymd(int32_t d, char out[9]) {
  char iso[11];
  hu_date_fmt(iso, HU_DATE_LEN, d);
  memcpy(out, iso, 4);
  memcpy(out + 4, iso + 5, 2);
  memcpy(out + 6, iso + 8, 2);
  out[8] = '\0';
}

int clinic_ics_dated(const clinic_plan *plan) {
  int n = 0;
  for (int i = 0; i < plan->n; i++) n += plan->items[i].date != INT32_MIN;
  return n;
}

int clinic_ics_write(FILE *f, const clinic_ids *ids, const clinic_patient *p, const clinic_plan *plan, int32_t today) {
  int bad = 0;
  char stamp[9], d1[9], d2[9];
  ymd(today, stamp);
  bad |= line(f, "BEGIN:VCALENDAR");
  bad |= line(f, "VERSION:2.0");
  bad |= line(f, "PRODID:-//nmod//clinic plan//EN");
  bad |= line(f, "CALSCALE:GREGORIAN");
  bad |= line(f, "METHOD:PUBLISH");
  for (int i = 0; i < plan->n; i++) {
    const clinic_plan_item *it = &plan->items[i];
    if (it->date == INT32_MIN) continue;
    ymd(it->date, d1);
    /* DTEND of an all-day event is exclusive: the day after the last day. */
    ymd((it->date_to != INT32_MIN ? it->date_to : it->date) + 1, d2);
    bad |= line(f, "BEGIN:VEVENT");
    char uid[37];
    const char *parts[3] = {"ics", p->code, it->key};
    clinic_uuid8(ids, parts, 3, uid);
    bad |= prop(f, NULL, "UID:%s", uid);
    bad |= prop(f, NULL, "DTSTAMP:%sT000000Z", stamp);
    bad |= prop(f, NULL, "DTSTART;VALUE=DATE:%s", d1);
    bad |= prop(f, NULL, "DTEND;VALUE=DATE:%s", d2);
    bad |= prop(f, it->what, "SUMMARY:");
    bad |= prop(f, p->code, "DESCRIPTION:%s %s path\\, patient ", p->therapy == TH_SCS ? "SCS" : "SNM", it->kind);
    bad |= prop(f, NULL, "CATEGORIES:%s", it->kind);
    bad |= line(f, "TRANSP:TRANSPARENT");
    bad |= line(f, "END:VEVENT");
  }
  bad |= line(f, "END:VCALENDAR");
  return bad ? -1 : 0;
}
