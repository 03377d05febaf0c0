/* fuzz_replies.c: libFuzzer target for the client's decoders of device replies
 * (host/lib/devinfo.c: status, identity, interrogation, impedance, remotes, a history page;
 * host/lib/history.c: hist_read over a stream of pages) and for what the host makes of them
 * (text, JSON, and a saved history read back).
 *
 * The first byte picks the decoder; the rest is the reply after its status byte (for
 * hist_read: replies of u16 length + bytes, status included, served in turn). Properties
 * (abort on violation):
 * - decoders never read past the bytes and keep their counts within their arrays;
 * - a status that decodes encodes again (nm_wire_put_status) to one that decodes the same;
 * - every JSON the host writes of a reply (status, events, the read-out of an identity or
 *   an interrogation) is valid JSON, and
 *   every event text is one NUL-terminated line;
 * - the JSON history the host writes of a page (as 'programmer history --json') reads back
 *   with hist_from_json whenever every event is one the device writes, and the events the
 *   statistics use come back with the same bytes;
 * - hist_read ends (bounded) on any stream of replies, and hands on at most the events the
 *   replies held.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "devinfo.h"
#include "devlink.h"
#include "history.h"
#include "nmod/records.h"
#include "nmod/wire.h"

/* What fn(w, arg) writes (inside an object when as_object), parsed: the host's JSON of a
 * reply must always be JSON. Free the tree with js_free. */
typedef void (*json_fn)(js_w *w, const void *arg);
static js_val *written_json(json_fn fn, const void *arg, int as_object) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CHECK(f, "open_memstream");
  js_w w;
  jw_init(&w, f);
  if (as_object) jw_obj(&w);
  fn(&w, arg);
  if (as_object) jw_obj_end(&w);
  jw_end(&w);
  fclose(f);
  char err[256];
  js_val *v = js_parse(buf, len, err, sizeof err);
  if (!v) fprintf(stderr, "%.*s\n%s\n", (int)len, buf, err);
  CHECK(v != NULL, "the host wrote invalid JSON of a reply");
  free(buf);
  return v;
}

static void check_json(json_fn fn, const void *arg, int as_object) { js_free(written_json(fn, arg, as_object)); }

static void j_status(js_w *w, const void *a) { di_json_status(w, a); }
static void j_readout(js_w *w, const void *a) { ro_json_readout(w, a); }
static void j_event(js_w *w, const void *a) { di_json_event(w, a); }

static void check_event(const di_event_t *e) {
  CHECK(!e->known || (e->ev.type >= 1 && e->ev.type < NM_EV_TYPE_COUNT), "an event of an unknown type decoded as known");
  char text[160];
  memset(text, 'x', sizeof text);
  di_event_text(e, text, sizeof text);
  CHECK(memchr(text, '\0', sizeof text) != NULL, "event text not terminated");
  CHECK(strchr(text, '\n') == NULL, "event text of more than one line");
  check_json(j_event, e, 0);
}

/* An event as the device writes it (nmod/event.h): known, and the fields the statistics
 * read within what the device writes. Only these must survive a saved history. */
static int device_like(const di_event_t *e) {
  if (!e->known) return 0;
  const nm_event_t *v = &e->ev;
  switch (v->type) {
    case NM_EV_USAGE: return v->u.usage.therapy_min <= 1440 && v->u.usage.soc_pm <= 1000;
    case NM_EV_BATTERY: return v->u.battery.state < 4 && v->u.battery.soc_pm <= 1000;
    case NM_EV_IMPEDANCE: return v->u.impedance.auto_check <= 1;
    case NM_EV_MODE:
      return v->u.mode.from < NM_MODE_COUNT && v->u.mode.to < NM_MODE_COUNT && v->u.mode.role < 3 &&
             v->u.mode.reason < NM_REASON_COUNT;
    case NM_EV_LEAD_STOP: return v->u.lead_stop.node < NM_MAX_CONTACTS;
    case NM_EV_AMP: return v->u.amp.slot < NM_MAX_PROGRAMS && v->u.amp.role < 3;
    default: return 1;
  }
}

static int statistics_type(uint8_t t) {
  return t == NM_EV_USAGE || t == NM_EV_BATTERY || t == NM_EV_IMPEDANCE || t == NM_EV_MODE || t == NM_EV_FAULT ||
         t == NM_EV_LEAD_STOP || t == NM_EV_AMP || t == NM_EV_BOOT;
}

/* An event's record bytes, as the device writes it (nm_event_put). */
static size_t record_of(const nm_event_t *e, uint8_t *buf, size_t cap) {
  nm_wr_t w;
  nm_wr_init(&w, buf, cap);
  nm_event_put(&w, e);
  return w.err ? 0 : w.len;
}

/* The page as `programmer history --json` writes it, read back as plot-history reads it. */
/* The document `programmer history --json` writes of a page (its events). */
static void j_saved(js_w *w, const void *a) {
  const di_history_t *h = a;
  jw_key(w, "serial");
  jw_str(w, "INS-SNM-00000000");
  jw_key(w, "events");
  jw_arr(w);
  for (uint8_t i = 0; i < h->n; i++) di_json_event(w, &h->ev[i]);
  jw_arr_end(w);
}

static void check_saved_history(const di_history_t *h) {
  int all_like = 1;
  for (uint8_t i = 0; i < h->n; i++) all_like &= device_like(&h->ev[i]);
  js_val *root = written_json(j_saved, h, 1);
  char err[512];
  hist_list_t l;
  int rc = hist_from_json(root, &l, NULL, 0, err, sizeof err);
  if (rc != 0) {
    if (all_like) fprintf(stderr, "%s\n", err);
    CHECK(!all_like, "a saved history of device events does not read back");
    CHECK(err[0] && !strchr(err, '\n'), "refused without a one-line message");
  } else {
    CHECK(l.n == h->n, "a saved history reads back with other events");
    for (size_t i = 0; i < l.n; i++) {
      const di_event_t *a = &h->ev[i], *b = &l.ev[i];
      CHECK(a->seq == b->seq && a->ev.t_s == b->ev.t_s, "an event reads back at another time");
      if (!device_like(a)) continue;
      CHECK(a->ev.type == b->ev.type, "an event reads back as another type");
      if (statistics_type(a->ev.type)) {
        uint8_t x[64], y[64];
        size_t nx = record_of(&a->ev, x, sizeof x), ny = record_of(&b->ev, y, sizeof y);
        CHECK(b->known && nx == ny && memcmp(x, y, nx) == 0, "an event reads back with other data");
      }
    }
    hist_list_free(&l);
  }
  js_free(root);
}

/* hist_read's device: the replies in the input, one per request, then a dead link. */
typedef struct {
  const uint8_t *p;
  size_t n;
  int calls;
  size_t events_served;
} stream_t;

static int stream_xfer(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp, size_t cap, size_t *resp_len) {
  stream_t *s = ctx;
  CHECK((req_len == 6 || req_len == 10) && req[0] == NM_OP_HISTORY, "hist_read sent something else than HISTORY");
  s->calls++;
  if (s->n < 2) return DEV_ETRANSPORT;
  size_t len = (size_t)(s->p[0] | s->p[1] << 8) % (NM_CMD_MAX + 1u);
  s->p += 2;
  s->n -= 2;
  if (len > s->n) len = s->n;
  if (len > cap) len = cap;
  memcpy(resp, s->p, len);
  *resp_len = len;
  if (len >= 14) s->events_served += resp[13]; /* status, first, next, cont, then the count */
  s->p += len;
  s->n -= len;
  return 0;
}

static int count_cb(void *user, const di_event_t *e) {
  check_event(e);
  (*(size_t *)user)++;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint8_t sel = data[0] % 7u;
  /* An exact-size copy: a read one byte past the reply is caught. */
  size_t n = size - 1;
  uint8_t *p = malloc(n ? n : 1);
  CHECK(p, "malloc");
  memcpy(p, data + 1, n);
  switch (sel) {
    case 0: {
      di_status_t s, t;
      if (di_status(p, n, &s) != 0) break;
      CHECK(s.n_prog <= NM_MAX_PROGRAMS, "status: too many programs");
      uint8_t buf[NM_CMD_MAX];
      nm_wr_t w;
      nm_wr_init(&w, buf, sizeof buf);
      nm_wire_put_status(&w, &s);
      CHECK(!w.err && di_status(buf, w.len, &t) == 0, "a decoded status does not encode again");
      CHECK(memcmp(&s, &t, sizeof s) == 0, "a status decodes differently once encoded again");
      check_json(j_status, &s, 1);
      break;
    }
    case 1: {
      di_identity_t id;
      if (di_identity(p, n, &id) != 0) break;
      CHECK(memchr(id.serial, '\0', sizeof id.serial) != NULL, "identity: serial not terminated");
      static di_interrogation_t none;
      static ro_readout_t ro;
      di_readout(&id, &none, &ro);
      check_json(j_readout, &ro, 1);
      break;
    }
    case 2: {
      static di_interrogation_t in;
      if (di_interrogation(p, n, &in) != 0) break;
      CHECK(in.sum.status.n_prog <= NM_MAX_PROGRAMS && in.sum.n_contacts <= NM_MAX_CONTACTS, "interrogation counts");
      check_json(j_status, &in.sum.status, 1);
      static di_identity_t id;
      static ro_readout_t ro;
      di_readout(&id, &in, &ro);
      check_json(j_readout, &ro, 1);
      break;
    }
    case 3: {
      di_impedance_t im;
      if (di_impedance(p, n, &im) != 0) break;
      CHECK(im.n <= NM_MAX_CONTACTS && im.m <= NM_MAX_PROGRAMS, "impedance counts");
      break;
    }
    case 4: {
      di_remotes_t rs;
      if (di_remotes(p, n, &rs) != 0) break;
      CHECK(rs.n <= NM_MAX_REMOTES, "remotes count");
      break;
    }
    case 5: {
      static di_history_t h;
      if (di_history(p, n, &h) != 0) break;
      CHECK(h.n <= NM_HISTORY_MAX_PER_CALL, "history count");
      for (uint8_t i = 0; i < h.n; i++) check_event(&h.ev[i]);
      check_saved_history(&h);
      break;
    }
    default: {
      stream_t s = {p, n, 0, 0};
      dev_link_t l = {stream_xfer, &s};
      size_t got = 0;
      (void)hist_read(&l, n ? p[0] : 0, count_cb, &got);
      CHECK(got <= s.events_served, "hist_read handed on more events than the replies held");
      CHECK(s.calls <= 100001, "hist_read did not stop");
    }
  }
  free(p);
  return 0;
}
