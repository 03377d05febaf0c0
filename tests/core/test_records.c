/* test_records.c: the settings record across its versions. Version 4 (the closed loop)
 * round-trips; versions 1 (no mode), 2 (no fault) and 3 (the fault, no closed loop), as
 * older firmware wrote them, are read with what they lack as none; unknown versions and
 * short records are refused. The old layouts are written out here field by field, apart
 * from records.c, so a change to the reader that breaks an old record fails. */
#include "testdev.h"
#include "nmod/records.h"

/* Two programs: slot 0 tonic with a closed loop, slot 2 burst without. */
static void sample_settings(nm_settings_t *s) {
  memset(s, 0, sizeof *s);
  s->therapy = NM_THERAPY_SCS;
  s->lead = tu_lead(NM_LEAD_SCS_PERC_8);
  s->load.impedance_ohm = 800;
  s->load.compliance_mv = 12000;
  s->valid_mask = 0x05;
  s->running_mask = 0x01;
  s->therapy_on = 1;
  nm_prog_t a = tu_tonic(50, 300, 2700);
  strcpy(a.name, "closed");
  a.frac_pct[0] = 0;
  a.frac_pct[1] = 50;
  a.frac_pct[2] = -100;
  a.frac_pct[3] = 50;
  a.loop.closed = 1;
  a.loop.target_uv = 50;
  a.loop.lo_uv = 25;
  a.loop.hi_uv = 85;
  a.loop.pt_lo_uv = 35;
  a.loop.pt_hi_uv = 65;
  a.loop.max_ua = 9000;
  a.loop.step_ua = 400;
  nm_prog_t b = tu_burst(40, 5, 500, 1000, 1500);
  strcpy(b.name, "burst");
  b.frac_pct[0] = -100;
  b.frac_pct[1] = 100;
  s->prog[0] = a;
  s->prog[2] = b;
  s->amp_ua[0] = 2700;
  s->amp_ua[2] = 1500;
  s->loop_target_uv[0] = 55;
  s->loop_on = 0x01;
}

/* Equal settings: equal version-4 records (the structures have padding, the records none). */
static void assert_same(const nm_settings_t *a, const nm_stored_state_t *sa, const nm_settings_t *b,
                        const nm_stored_state_t *sb) {
  uint8_t ba[1024], bb[1024];
  nm_wr_t wa, wb;
  nm_wr_init(&wa, ba, sizeof ba);
  nm_wr_init(&wb, bb, sizeof bb);
  nm_wire_put_settings(&wa, a, sa);
  nm_wire_put_settings(&wb, b, sb);
  assert_int_equal(wa.err, NM_OK);
  assert_int_equal(wb.err, NM_OK);
  assert_int_equal(wa.len, wb.len);
  assert_memory_equal(ba, bb, wa.len);
}

/* A program as versions 1-3 wrote it: the fields up to the fractions, no loop. */
static void put_old_prog(nm_wr_t *w, const nm_prog_t *p) {
  nm_wr_bytes(w, p->name, NM_NAME_LEN);
  const uint32_t f[] = {p->wave,     p->rate_hz,   p->burst_pulses, p->intra_hz, p->width_us,  p->gap_us,
                        p->amp_ua,   p->pt_min_ua, p->pt_max_ua,    p->cyc_on_s, p->cyc_off_s, p->ramp_ms};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) nm_wr_u32(w, f[i]);
  for (int n = 0; n < NM_NODES; n++) nm_wr_u8(w, (uint8_t)p->frac_pct[n]);
}

/* A whole record of version v (1-3) as the firmware of that version wrote it. */
static size_t put_old(uint8_t *buf, size_t cap, uint8_t v, const nm_settings_t *s, const nm_stored_state_t *st) {
  nm_wr_t w;
  nm_wr_init(&w, buf, cap);
  nm_wr_u8(&w, v);
  nm_wr_u8(&w, s->therapy);
  nm_wr_u8(&w, s->valid_mask);
  nm_wr_u8(&w, s->running_mask);
  nm_wr_u8(&w, s->therapy_on);
  if (v >= 2) {
    nm_wr_u8(&w, st->mode);
    nm_wr_u8(&w, st->mode_before);
  }
  if (v >= 3) {
    nm_wr_u32(&w, st->fault);
    nm_wr_u32(&w, st->fault_detail);
  }
  nm_wire_put_lead(&w, &s->lead, &s->load);
  for (uint8_t i = 0; i < NM_MAX_PROGRAMS; i++) {
    if (!(s->valid_mask & (1u << i))) continue;
    put_old_prog(&w, &s->prog[i]);
    nm_wr_u32(&w, s->amp_ua[i]);
  }
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static void get(const uint8_t *buf, size_t n, nm_settings_t *s, nm_stored_state_t *st, int want_err) {
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
  nm_wire_get_settings(&r, s, st);
  if (want_err) {
    assert_int_not_equal(nm_rd_done(&r), NM_OK);
  } else {
    assert_int_equal(r.err, NM_OK);
    assert_int_equal(nm_rd_done(&r), NM_OK);
  }
}

static void test_v4_round_trip(void **state) {
  (void)state;
  nm_settings_t s, back;
  sample_settings(&s);
  nm_stored_state_t st = {NM_MODE_THERAPY, NM_MODE_OFF, NM_FAULT_LEAD, 7}, stb;
  uint8_t buf[1024];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wire_put_settings(&w, &s, &st);
  assert_int_equal(w.err, NM_OK);
  assert_int_equal(buf[0], 4);
  assert_int_equal(NM_WIRE_SETTINGS_VERSION, 4);
  get(buf, w.len, &back, &stb, 0);
  assert_same(&back, &stb, &s, &st);
  assert_int_equal(back.prog[0].loop.closed, 1);
  assert_int_equal(back.prog[0].loop.max_ua, 9000);
  assert_int_equal(back.prog[0].loop.step_ua, 400);
  assert_int_equal(back.prog[0].loop.pt_hi_uv, 65);
  assert_int_equal(back.loop_target_uv[0], 55);
  assert_int_equal(back.loop_on, 0x01);
  assert_int_equal(stb.fault, NM_FAULT_LEAD);
  assert_int_equal(stb.fault_detail, 7);
  /* Every shorter record is refused. */
  for (size_t n = 0; n < w.len; n++) get(buf, n, &back, &stb, 1);
}

/* What an old record must read as: the settings without any closed loop. */
static void expect_no_loop(const nm_settings_t *got, const nm_stored_state_t *sgot, const nm_settings_t *orig) {
  nm_settings_t want = *orig;
  for (int i = 0; i < NM_MAX_PROGRAMS; i++) {
    memset(&want.prog[i].loop, 0, sizeof want.prog[i].loop);
    want.loop_target_uv[i] = 0;
    assert_int_equal(got->prog[i].loop.closed, 0);
    assert_int_equal(got->prog[i].loop.max_ua, 0);
    assert_int_equal(got->loop_target_uv[i], 0);
  }
  want.loop_on = 0;
  assert_int_equal(got->loop_on, 0);
  assert_same(got, sgot, &want, sgot);
}

static void test_old_versions(void **state) {
  (void)state;
  nm_settings_t s, back;
  sample_settings(&s);
  nm_stored_state_t st = {NM_MODE_MRI, NM_MODE_THERAPY, NM_FAULT_LEAD, 3}, stb;
  uint8_t buf[1024];
  for (uint8_t v = 1; v <= 3; v++) {
    size_t n = put_old(buf, sizeof buf, v, &s, &st);
    get(buf, n, &back, &stb, 0);
    expect_no_loop(&back, &stb, &s);
    assert_int_equal(back.amp_ua[2], 1500);
    assert_string_equal(back.prog[2].name, "burst");
    assert_int_equal(stb.mode, v >= 2 ? NM_MODE_MRI : NM_MODE_OFF);
    assert_int_equal(stb.mode_before, v >= 2 ? NM_MODE_THERAPY : NM_MODE_OFF);
    assert_int_equal(stb.fault, v >= 3 ? NM_FAULT_LEAD : 0);
    assert_int_equal(stb.fault_detail, v >= 3 ? 3u : 0u);
    /* Short old records are refused too; so is an old record read as the new layout. */
    for (size_t k = 0; k < n; k++) get(buf, k, &back, &stb, 1);
    buf[0] = 4;
    get(buf, n, &back, &stb, 1);
  }
}

static void test_unknown_versions(void **state) {
  (void)state;
  nm_settings_t s, back;
  sample_settings(&s);
  nm_stored_state_t st = {0}, stb;
  uint8_t buf[1024];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  nm_wire_put_settings(&w, &s, &st);
  const uint8_t bad[] = {0, 5, 0xFF};
  for (size_t i = 0; i < sizeof bad; i++) {
    buf[0] = bad[i];
    get(buf, w.len, &back, &stb, 1);
    assert_int_equal(back.valid_mask, 0); /* left zeroed */
    assert_int_equal(stb.mode, NM_MODE_OFF);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v4_round_trip),
      cmocka_unit_test(test_old_versions),
      cmocka_unit_test(test_unknown_versions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
