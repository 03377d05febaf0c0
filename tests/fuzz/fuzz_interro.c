/* fuzz_interro.c: libFuzzer target for the read-out reader of `nmod clinic
 * import-interrogation` (host/clinic/clinic_interro.c), without the database: the input is
 * the file, parsed as the command parses it, then checked by clinic_interro_parse.
 *
 * clinic_fail (the clinic's one-line error printer) is replaced here by one that counts and
 * keeps the line. Properties (abort on violation):
 * - a refusal is CL_USAGE with exactly one one-line message naming the file; an acceptance
 *   prints nothing;
 * - what is accepted is what the database columns promise: strings of 1-64 bytes, kind
 *   ets|ins, therapy scs|snm, battery 0-100 % and 0-10000 mV, state ok|eri|eos, the
 *   program and impedance counts equal to the arrays' lengths, alerts at most the
 *   impedances, the highest amplitude 0-100000 uA (-1 for absent throughout).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "clinic_int.h"

static int fails;
static char last[1024];

int clinic_fail(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(last, sizeof last, fmt, ap);
  va_end(ap);
  fails++;
  return code;
}

static void check_str(const char *s, const char *a, const char *b, const char *c) {
  if (!s) return;
  size_t n = strlen(s);
  CHECK(n >= 1 && n <= 64, "an accepted string is not 1-64 bytes");
  if (a) CHECK(strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0), "an accepted name is not one of its values");
}

static int64_t arr_len(const js_val *root, const char *key) {
  const js_val *v = js_get(root, key);
  return v && v->type == JS_ARR ? (int64_t)v->n : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[256];
  js_val *root = js_parse((const char *)data, size, err, sizeof err);
  if (!root) return 0; /* the command stops at the JSON reader (fuzz_json's part) */
  clinic_interro it;
  fails = 0;
  last[0] = '\0';
  int rc = clinic_interro_parse("readout.json", root, &it);
  if (rc != CL_OK) {
    CHECK(rc == CL_USAGE, "a refusal that is not CL_USAGE");
    CHECK(fails == 1, "a refusal without exactly one message");
    CHECK(strncmp(last, "readout.json", 12) == 0, "a refusal that does not name the file");
    CHECK(strchr(last, '\n') == NULL, "a refusal of more than one line");
  } else {
    CHECK(fails == 0, "an acceptance that printed an error");
    CHECK(it.serial != NULL, "accepted without a serial");
    check_str(it.serial, NULL, NULL, NULL);
    check_str(it.kind, "ets", "ins", NULL);
    check_str(it.therapy, "scs", "snm", NULL);
    check_str(it.firmware, NULL, NULL, NULL);
    check_str(it.mode, NULL, NULL, NULL);
    check_str(it.bstate, "ok", "eri", "eos");
    CHECK(it.bpct >= -1 && it.bpct <= 100, "battery pct out of range");
    CHECK(it.bmv >= -1 && it.bmv <= 10000, "battery voltage out of range");
    CHECK(it.programs == arr_len(root, "programs"), "program count is not the array's length");
    CHECK(it.imps == arr_len(root, "impedances"), "impedance count is not the array's length");
    CHECK(it.alerts >= -1 && it.alerts <= (it.imps < 0 ? 0 : it.imps) && (it.imps < 0) == (it.alerts < 0),
          "alerts out of range");
    CHECK(it.max_ua >= -1 && it.max_ua <= 100000, "highest amplitude out of range");
  }
  js_free(root);
  return 0;
}
