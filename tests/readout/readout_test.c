/* readout_test.c: the read-out codec shared by `nmod programmer interrogate --json` and
 * `nmod clinic import-interrogation`. */
#define _GNU_SOURCE
#include "testutil.h"

#include "devinfo.h"
#include "readout.h"

/* Write r as the programmer does; returns a malloc'ed NUL-terminated document. */
static char *write_doc(const ro_readout_t *r, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  assert_non_null(f);
  ro_write_doc(f, r);
  fclose(f);
  return buf;
}

static void rand_text(uint64_t *s, char out[RO_TEXT], const char *alphabet) {
  size_t n = tu_range(s, 1, RO_TEXT - 1), k = strlen(alphabet);
  for (size_t i = 0; i < n; i++) out[i] = alphabet[tu_rand(s) % k];
  out[n] = '\0';
}

static void rand_readout(uint64_t *s, ro_readout_t *r) {
  static const char *const words[] = {"ets", "ins", "scs", "snm", "primary", "rechargeable", "ok", "low", "eri", "eos"};
  const char *printable = " !#$%&'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~\"";
  memset(r, 0, sizeof *r);
  rand_text(s, r->serial, printable);
  strcpy(r->kind, words[tu_range(s, 0, 1)]);
  strcpy(r->therapy, words[tu_range(s, 2, 3)]);
  rand_text(s, r->firmware, printable);
  rand_text(s, r->lead, printable);
  snprintf(r->device_time, RO_TEXT, "%04u-%02u-%02u %02u:%02u:%02u", tu_range(s, 2000, 2199), tu_range(s, 1, 12),
           tu_range(s, 1, 28), tu_range(s, 0, 23), tu_range(s, 0, 59), tu_range(s, 0, 59));
  r->resets = (uint32_t)tu_rand(s);
  r->rejected_frames = (uint32_t)tu_rand(s);
  r->failed_authentications = tu_range(s, 0, 5);
  ro_status_t *st = &r->status;
  rand_text(s, st->mode, "abcdefghijklmnopqrstuvwxyz-");
  st->therapy_on = (int)tu_range(s, 0, 1);
  rand_text(s, st->fault, printable);
  strcpy(st->cell, words[tu_range(s, 4, 5)]);
  strcpy(st->batt_state, words[tu_range(s, 6, 9)]);
  st->batt_pm = tu_range(s, 0, 1000);
  st->charging = (int)tu_range(s, 0, 1);
  st->n_mem_alerts = (int)tu_range(s, 0, 3);
  for (int i = 0; i < st->n_mem_alerts; i++) rand_text(s, st->mem_alerts[i], "abcdefghijklmnopqrstuvwxyz-");
  for (uint8_t c = 0; c < RO_MAX_CONTACTS; c++)
    for (uint8_t k = 0; k < 2; k++)
      if (tu_range(s, 0, 9) == 0) st->alerts[st->n_alerts++] = (ro_lead_alert_t){c, k};
  st->n_prog = (int)tu_range(s, 0, RO_MAX_PROGRAMS);
  for (int i = 0; i < st->n_prog; i++) {
    ro_prog_t *p = &st->prog[i];
    p->slot = tu_range(s, 0, RO_MAX_PROGRAMS - 1);
    rand_text(s, p->name, printable);
    p->running = (int)tu_range(s, 0, 1);
    p->amplitude_ua = tu_range(s, 0, 100000);
    p->pt_min_ua = tu_range(s, 0, 50000);
    p->pt_max_ua = tu_range(s, p->pt_min_ua, 100000);
    p->delivered_ua = tu_range(s, 0, 100000);
    rand_text(s, p->waveform, "abcdefghijklmnopqrstuvwxyz-");
    p->rate_hz = (uint32_t)tu_rand(s);
    p->width_us = tu_range(s, 1, 2000);
  }
  for (uint8_t c = 0; c < RO_MAX_CONTACTS; c++)
    if (tu_range(s, 0, 7) == 0) r->thresholds[r->n_thresholds++] = (ro_threshold_t){c, tu_range(s, 1, 100000)};
  r->impedance_ohm = (uint32_t)tu_rand(s);
  r->compliance_mv = (uint32_t)tu_rand(s);
  r->uptime_s = tu_rand(s) >> 2;
  r->frame_bytes = (uint32_t)tu_rand(s);
  r->capacity_uah = (uint32_t)tu_rand(s);
  r->remaining_uah = (uint32_t)tu_rand(s);
  r->voltage_mv = tu_range(s, 0, 5000);
  r->avg_current_nua = (uint32_t)tu_rand(s);
  r->primary_longevity = strcmp(st->cell, "primary") == 0;
  if (r->primary_longevity) {
    r->years_to_eri_milli = (uint32_t)tu_rand(s);
  } else {
    r->recharge_days_c = (uint32_t)tu_rand(s);
    r->service_years_c = (uint32_t)tu_rand(s);
  }
}

/* Property: for random read-outs, read(write(r)) == r and write(read(doc)) == doc. */
static void test_round_trip(void **st) {
  (void)st;
  uint64_t seed = tu_seed("readout round trip");
  static ro_readout_t r, back;
  for (int i = 0; i < 400; i++) {
    rand_readout(&seed, &r);
    size_t len, len2;
    char *doc = write_doc(&r, &len), err[300];
    if (ro_read_text(doc, len, &back, err, sizeof err) != 0) fail_msg("case %d: %s\n%s", i, err, doc);
    assert_memory_equal(&r, &back, sizeof r);
    char *again = write_doc(&back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(doc, again, len);
    free(doc);
    free(again);
  }
}

/* What a device's status turns into: the programmer writes through the same codec. */
static void test_from_device(void **st) {
  (void)st;
  di_status_t s;
  memset(&s, 0, sizeof s);
  s.mode = 2;
  s.cell = NM_CELL_RECHARGEABLE;
  s.soc_pm = 868;
  s.lead_open = 1u << 2;
  s.lead_short = 1u << 15;
  s.n_prog = 1;
  s.running_mask = 1;
  strcpy(s.prog[0].name, "P1");
  s.prog[0].amp_ua = 2250;
  s.prog[0].pt_max_ua = 3000;
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  di_json_status(&w, &s);
  jw_obj_end(&w);
  jw_end(&w);
  fclose(f);
  assert_non_null(strstr(buf, "\"pct\":86.8"));
  assert_non_null(strstr(buf, "\"lead_alerts\":[\"E2 open\",\"E15 short\"]"));
  assert_non_null(strstr(buf, "\"amplitude_ma\":2.25"));
  free(buf);
}

/* A valid document to break, one field at a time. */
static const char good[] =
    "{\"serial\":\"INS-SNM-1\",\"kind\":\"ins\",\"therapy\":\"snm\",\"firmware\":\"0.1.0\",\"lead\":\"snm-tined-4\","
    "\"device_time\":\"2026-12-01 19:52:11\",\"resets\":1,\"rejected_frames\":0,\"failed_authentications\":0,"
    "\"mode\":\"therapy\",\"therapy_on\":true,\"fault\":\"none\",\"alerts\":[\"memory-damage\"],\"battery\":{\"cell\":\"rechargeable\",\"state\":\"ok\","
    "\"pct\":86.8,\"charging\":false},\"lead_alerts\":[\"E2 open\"],\"programs\":[{\"slot\":0,\"name\":\"default\","
    "\"running\":true,\"amplitude_ma\":1,\"patient_range_ma\":[0,3],\"delivered_ma\":1}],\"impedance_ohm\":525,"
    "\"compliance_v\":12,\"program_settings\":[{\"name\":\"default\",\"waveform\":\"tonic\",\"rate_hz\":14,"
    "\"width_us\":210}],\"test_thresholds_ma\":{\"E1\":0.8},\"uptime_s\":1,\"frame_bytes\":1798,\"battery_detail\":{\"capacity_mah\":60,"
    "\"remaining_mah\":52.08,\"voltage_v\":3.9,\"average_current_ua\":6,\"recharge_interval_days\":25.62,"
    "\"years_of_service\":20}}\n";

static char *replaced(const char *from, const char *to) {
  const char *at = strstr(good, from);
  assert_non_null(at);
  size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
  char *s = malloc(n);
  snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
  return s;
}

static void test_programmer_shapes(void **st) {
  (void)st;
  static ro_readout_t r;
  char err[300];
  assert_int_equal(ro_read_text(good, strlen(good), &r, err, sizeof err), 0);
  assert_int_equal(r.status.batt_pm, 868);
  assert_int_equal(r.status.n_alerts, 1);
  assert_int_equal(r.status.alerts[0].contact, 2);
  assert_int_equal(r.status.alerts[0].state, RO_LEAD_OPEN);
  assert_int_equal(r.n_thresholds, 1);
  assert_int_equal(r.thresholds[0].threshold_ua, 800);
  assert_int_equal(r.remaining_uah, 52080);
  assert_int_equal(r.status.n_mem_alerts, 1);
  assert_string_equal(r.status.mem_alerts[0], "memory-damage");
  assert_int_equal(r.frame_bytes, 1798);
  /* The document written back is the one read. */
  size_t len;
  char *doc = write_doc(&r, &len);
  assert_string_equal(doc, good);
  free(doc);
  static const struct {
    const char *from, *to, *msg;
  } bad[] = {
      {"\"pct\":86.8", "\"pct\":86.85", "battery.pct must be a number from 0 with at most 1 decimal to 100"},
      {"\"pct\":86.8", "\"pct\":100.1", "battery.pct"},
      {"\"pct\":86.8", "\"pct\":\"86\"", "battery.pct"},
      {"\"E2 open\"", "\"E2 broken\"", "lead_alerts[0] must be"},
      {"\"E2 open\"", "\"E2 open\",\"E2 open\"", "lead_alerts[1] is given twice"},
      {"\"E2 open\"", "\"E02 open\"", "lead_alerts[0]"},
      {"\"E1\":0.8", "\"E1\":0", "test_thresholds_ma.E1 must be above 0"},
      {"\"memory-damage\"", "\"Memory Damage\"", "alerts[0] must be an alert name"},
      {"\"frame_bytes\":1798,", "", "has no \"frame_bytes\""},
      {"\"E1\":0.8", "\"X1\":0.8", "test_thresholds_ma.X1 is not a contact"},
      {"\"kind\":\"ins\"", "\"kind\":\"pacemaker\"", "kind must be one of \"ets\", \"ins\""},
      {"\"serial\":\"INS-SNM-1\",", "", "has no \"serial\""},
      {"\"uptime_s\":1,", "\"uptime_s\":1,\"impedances\":[],", "impedances is not a field of a read-out"},
      {"\"amplitude_ma\":1,", "\"amplitude_ma\":1.0001,", "programs[0].amplitude_ma"},
      {"\"patient_range_ma\":[0,3]", "\"patient_range_ma\":[3,0]", "min <= max"},
      {"\"name\":\"default\",\"waveform\"", "\"name\":\"other\",\"waveform\"", "program_settings[0] does not name"},
      {"\"years_of_service\":20", "\"years_to_eri\":20", "battery_detail has no \"years_of_service\""},
      {"2026-12-01 19:52:11", "2026-12-01T19:52:11", "device_time must be"},
      {"\"battery\":{", "\"battery\":{\"x\":1,", "battery.x is not a field"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *doc2 = replaced(bad[i].from, bad[i].to);
    int rc = ro_read_text(doc2, strlen(doc2), &r, err, sizeof err);
    if (rc == 0 || !strstr(err, bad[i].msg)) fail_msg("case %zu: rc %d, message \"%s\", expected \"%s\"", i, rc, err, bad[i].msg);
    assert_non_null(strstr(err, "line 1, column "));
    free(doc2);
  }
  assert_int_not_equal(ro_read_text("[1]", 3, &r, err, sizeof err), 0);
  assert_non_null(strstr(err, "one JSON object"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_from_device),
      cmocka_unit_test(test_programmer_shapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
