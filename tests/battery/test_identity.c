/* test_identity.c: the hardware's profile in the identity record (version 3), and the
 * older records still read: version 2 and firmware 0.1's version 1 carry no profile and
 * boot on nmod's reference for their cell. */
#include "testutil.h"
#include "dev_internal.h"
#include "sim.h"

#define PAGES 40u
#define PAGE 4096u

static uint8_t flash[PAGES * PAGE];
static sim_hw_t hw;
static nm_dev_t dev;

static int boot(const nm_factory_t *f) {
  nm_lead_t lead = f->lead;
  sim_init(&hw, &lead, 800, 12000, NULL, 0, 0);
  sim_attach_nvm(&hw, flash, PAGE, PAGES);
  sim_seed_rng(&hw, 7);
  sim_batt_set_profile(&hw, nm_profile_resolve(f->profile, f->cell), 100);
  return nm_dev_boot(&dev, sim_port(&hw), f);
}

/* An identity record of firmware before profiles: version 2 (a version byte) or version 1
 * (none), the same fields in the same order, written into both copies. */
static void put_old(const nm_identity_t *id, int version) {
  uint8_t buf[128];
  nm_wr_t w;
  nm_wr_init(&w, buf, sizeof buf);
  if (version == 2) nm_wr_u8(&w, 2);
  nm_wr_bytes(&w, id->serial, NM_SERIAL_LEN);
  nm_wr_u8(&w, id->kind);
  nm_wr_u8(&w, id->therapy);
  nm_wr_u8(&w, id->cell);
  nm_wr_u8(&w, id->lead.model);
  nm_wr_u8(&w, id->lead.shape);
  nm_wr_u8(&w, id->lead.n_contacts);
  nm_wr_u32(&w, id->lead.area_um2);
  nm_wr_bytes(&w, id->clin_id, NM_KEY_ID_LEN);
  nm_wr_bytes(&w, id->clin_key, NM_SECRET_LEN);
  assert_int_equal(w.err, 0);
  assert_int_equal(nm_kv_put(&dev.kv, DEV_KEY_IDENTITY, buf, w.len), NM_OK);
  assert_int_equal(nm_kv_put(&dev.kv, DEV_KEY_IDENTITY_B, buf, w.len), NM_OK);
}

static void test_profile_in_identity(void **state) {
  (void)state;
  memset(flash, 0xFF, sizeof flash);
  nm_factory_t f;
  memset(&f, 0, sizeof f);
  f.kind = NM_KIND_INS;
  f.therapy = NM_THERAPY_SNM;
  f.lead = *nm_lead_catalog(NM_LEAD_SNM_TINED_4);
  f.epoch_s = 1780000000u;
  f.cell = NM_CELL_RECHARGEABLE;
  f.profile = NM_PROFILE_R20;
  assert_int_equal(boot(&f), NM_OK);
  assert_true(dev.provisioned_now);
  assert_int_equal(dev.id.profile, NM_PROFILE_R20);
  assert_int_equal(dev.core.prof->id, NM_PROFILE_R20);
  /* It survives a reboot (the factory data is not used again). */
  nm_identity_t id = dev.id;
  f.profile = NM_PROFILE_NONE;
  assert_int_equal(boot(&f), NM_OK);
  assert_false(dev.provisioned_now);
  assert_memory_equal(&id, &dev.id, sizeof id);
  assert_int_equal(dev.core.prof->id, NM_PROFILE_R20);
  /* The interrogation carries it, for the programmer's longevity. */
  nm_interrog_t it;
  nm_interrog_of(&dev.core, &it);
  assert_int_equal(it.profile, NM_PROFILE_R20);
  /* Versions 2 and 1: read, with no profile: the reference for the cell. */
  for (int version = 2; version >= 1; version--) {
    put_old(&id, version);
    nm_identity_t old;
    assert_int_equal(dev_load_identity(&dev, DEV_KEY_IDENTITY, &old), NM_OK);
    assert_int_equal(old.profile, NM_PROFILE_NONE);
    assert_memory_equal(old.serial, id.serial, NM_SERIAL_LEN);
    assert_memory_equal(old.clin_key, id.clin_key, NM_SECRET_LEN);
    assert_int_equal(old.cell, NM_CELL_RECHARGEABLE);
    assert_int_equal(boot(&f), NM_OK);
    assert_false(dev.provisioned_now); /* the same device, not a new one */
    assert_memory_equal(dev.id.serial, id.serial, NM_SERIAL_LEN);
    assert_int_equal(dev.core.prof->id, NM_PROFILE_NMOD_RECHARGEABLE);
  }
  /* A version-2 length with another version byte is not an identity. */
  uint8_t junk[1 + NM_SERIAL_LEN + 10 + NM_KEY_ID_LEN + NM_SECRET_LEN];
  memset(junk, 0x33, sizeof junk);
  junk[0] = 9;
  assert_int_equal(nm_kv_put(&dev.kv, DEV_KEY_IDENTITY, junk, sizeof junk), NM_OK);
  nm_identity_t bad;
  assert_int_equal(dev_load_identity(&dev, DEV_KEY_IDENTITY, &bad), NM_ECORRUPT);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_profile_in_identity)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
