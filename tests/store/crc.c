/* crc.c (t_store_crc): nm_crc32 known answers (the IEEE 802.3 / zlib check value and
 * other published vectors), chaining in pieces, and agreement with a bit-at-a-time
 * reference over random inputs. */
#include "store_test.h"

/* The textbook definition, one bit at a time: the reference the table version must match. */
static uint32_t ref_crc32(const uint8_t *p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int b = 0; b < 8; b++) {
      c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
  }
  return ~c;
}

static void test_known_answers(void **state) {
  (void)state;
  assert_int_equal(nm_crc32(0, "123456789", 9), 0xCBF43926u);
  assert_int_equal(nm_crc32(0, NULL, 0), 0u);
  assert_int_equal(nm_crc32(0, "a", 1), 0xE8B7BE43u);
  assert_int_equal(nm_crc32(0, "abc", 3), 0x352441C2u);
  assert_int_equal(nm_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
  static const uint8_t zeros[32] = {0};
  assert_int_equal(nm_crc32(0, zeros, sizeof zeros), 0x190A55ADu);
  uint8_t ones[32];
  memset(ones, 0xFF, sizeof ones);
  assert_int_equal(nm_crc32(0, ones, sizeof ones), 0xFF6CAB0Bu);
}

static void test_chaining(void **state) {
  (void)state;
  const char *s = "123456789";
  for (size_t cut = 0; cut <= 9; cut++) {
    uint32_t c = nm_crc32(0, s, cut);
    c = nm_crc32(c, s + cut, 9 - cut);
    assert_int_equal(c, 0xCBF43926u);
  }
  /* Feeding nothing leaves the value unchanged. */
  assert_int_equal(nm_crc32(0xCBF43926u, NULL, 0), 0xCBF43926u);
}

static void test_random_against_reference(void **state) {
  (void)state;
  uint64_t seed = tu_seed("t_store_crc");
  uint8_t buf[300];
  for (int t = 0; t < 2000; t++) {
    size_t n = tu_range(&seed, 0, sizeof buf);
    for (size_t i = 0; i < n; i++) {
      buf[i] = (uint8_t)tu_rand(&seed);
    }
    size_t cut = n ? tu_range(&seed, 0, (uint32_t)n) : 0;
    uint32_t whole = nm_crc32(0, buf, n);
    assert_int_equal(whole, ref_crc32(buf, n));
    assert_int_equal(nm_crc32(nm_crc32(0, buf, cut), buf + cut, n - cut), whole);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answers),
      cmocka_unit_test(test_chaining),
      cmocka_unit_test(test_random_against_reference),
  };
  return cmocka_run_group_tests_name("store_crc", tests, NULL, NULL);
}
