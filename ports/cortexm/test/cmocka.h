/* cmocka.h for the Cortex-M target: the subset of the cmocka API (https://cmocka.org)
 * that the project's portable tests use, so the very same test sources (tests/core,
 * tests/crypto) run on the emulated Cortex-M. Output goes to the semihosting console in
 * cmocka's format; a failed assertion ends its test (longjmp) and the group goes on; the
 * group returns the number of failed tests, which main returns as the exit status.
 *
 * Compiled with -DNM_TARGET=1: a test may use it to shorten a loop that is too slow
 * under emulation (none needs it so far).
 */
#ifndef NMOD_CM_CMOCKA_H
#define NMOD_CM_CMOCKA_H

#include <stddef.h>
#include <stdint.h>

typedef uintmax_t LargestIntegralType;
#define cast_to_largest_integral_type(v) ((LargestIntegralType)(v))
#define cast_ptr_to_largest_integral_type(v) ((LargestIntegralType)(uintptr_t)(v))

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
  const char *name;
  CMUnitTestFunction test_func;
  CMFixtureFunction setup_func;
  CMFixtureFunction teardown_func;
  void *initial_state;
};

#define cmocka_unit_test(f) {#f, f, NULL, NULL, NULL}
#define cmocka_unit_test_setup(f, setup) {#f, f, setup, NULL, NULL}
#define cmocka_unit_test_teardown(f, teardown) {#f, f, NULL, teardown, NULL}
#define cmocka_unit_test_setup_teardown(f, setup, teardown) {#f, f, setup, teardown, NULL}
#define cmocka_unit_test_prestate(f, state) {#f, f, NULL, NULL, state}

#define cmocka_run_group_tests(tests, setup, teardown) \
  _cm_run_group(#tests, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)
#define cmocka_run_group_tests_name(name, tests, setup, teardown) \
  _cm_run_group(name, tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown)

int _cm_run_group(const char *name, const struct CMUnitTest tests[], size_t n, CMFixtureFunction setup,
                  CMFixtureFunction teardown);

/* The checks. Each records file and line; a failure prints why and ends the test. */
void _cm_check(int ok, const char *what, const char *file, int line);
void _cm_check_int(LargestIntegralType a, LargestIntegralType b, int want_equal, const char *ea, const char *eb,
                   const char *file, int line);
void _cm_check_range(LargestIntegralType v, LargestIntegralType lo, LargestIntegralType hi, int want_in,
                     const char *ev, const char *file, int line);
void _cm_check_mem(const void *a, const void *b, size_t n, int want_equal, const char *ea, const char *eb,
                   const char *file, int line);
void _cm_check_str(const char *a, const char *b, int want_equal, const char *file, int line);
__attribute__((noreturn)) void _cm_fail(const char *file, int line);
__attribute__((noreturn, format(printf, 3, 4))) void _cm_fail_msg(const char *file, int line, const char *fmt,
                                                                 ...);
__attribute__((noreturn)) void _cm_skip(const char *file, int line);
__attribute__((format(printf, 1, 2))) void print_message(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void print_error(const char *fmt, ...);

#define assert_true(c) _cm_check(!!(c), #c, __FILE__, __LINE__)
#define assert_false(c) _cm_check(!(c), "!(" #c ")", __FILE__, __LINE__)
#define assert_non_null(p) _cm_check((p) != NULL, #p " != NULL", __FILE__, __LINE__)
#define assert_null(p) _cm_check((p) == NULL, #p " == NULL", __FILE__, __LINE__)
#define assert_ptr_equal(a, b) _cm_check((const void *)(a) == (const void *)(b), #a " == " #b, __FILE__, __LINE__)
#define assert_ptr_not_equal(a, b) \
  _cm_check((const void *)(a) != (const void *)(b), #a " != " #b, __FILE__, __LINE__)
#define assert_int_equal(a, b) \
  _cm_check_int(cast_to_largest_integral_type(a), cast_to_largest_integral_type(b), 1, #a, #b, __FILE__, __LINE__)
#define assert_int_not_equal(a, b) \
  _cm_check_int(cast_to_largest_integral_type(a), cast_to_largest_integral_type(b), 0, #a, #b, __FILE__, __LINE__)
#define assert_return_code(rc, error) assert_true((rc) >= 0)
#define assert_in_range(v, lo, hi)                                                                          \
  _cm_check_range(cast_to_largest_integral_type(v), cast_to_largest_integral_type(lo),                     \
                  cast_to_largest_integral_type(hi), 1, #v, __FILE__, __LINE__)
#define assert_not_in_range(v, lo, hi)                                                                      \
  _cm_check_range(cast_to_largest_integral_type(v), cast_to_largest_integral_type(lo),                     \
                  cast_to_largest_integral_type(hi), 0, #v, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n) _cm_check_mem((a), (b), (n), 1, #a, #b, __FILE__, __LINE__)
#define assert_memory_not_equal(a, b, n) _cm_check_mem((a), (b), (n), 0, #a, #b, __FILE__, __LINE__)
#define assert_string_equal(a, b) _cm_check_str((a), (b), 1, __FILE__, __LINE__)
#define assert_string_not_equal(a, b) _cm_check_str((a), (b), 0, __FILE__, __LINE__)
#define fail() _cm_fail(__FILE__, __LINE__)
#define fail_msg(...) _cm_fail_msg(__FILE__, __LINE__, __VA_ARGS__)
#define skip() _cm_skip(__FILE__, __LINE__)

#endif
