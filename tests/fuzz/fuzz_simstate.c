/* fuzz_simstate.c: libFuzzer target for the files of `nmod sim`'s state folder that
 * describe the hardware (host/lib/simstate.c): hardware.json and battery.json.
 *
 * The first byte picks the file; the rest is its text. Properties (abort on violation):
 * - a failure comes with a one-line message, and never a half-filled struct;
 * - hardware.json: what is accepted is a device the simulator can build: a kind, a therapy
 *   and a cell it knows, a lead from the catalog (nm_lead_catalog is not NULL), a device
 *   profile of that cell;
 *   written back with sst_format_hardware and parsed again it is the same;
 * - battery.json: the numbers accepted are the ones in the text (they are whole numbers
 *   within their types, checked here against the text's digits).
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "json.h"
#include "nmod/battery.h"
#include "nmod/core.h"
#include "nmod/dev.h"
#include "simstate.h"

static void check_err(const char *err) {
  CHECK(err[0] != '\0', "failure without a message");
  CHECK(strchr(err, '\n') == NULL, "message of more than one line");
}

/* The whole number a JSON value's literal spells, by its digits (no exponent), or -1. */
static int64_t literal_u63(const js_val *v) {
  if (!v || v->type != JS_NUM) return -1;
  int64_t x = 0;
  for (const char *s = v->str; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    if (x > (INT64_MAX - 9) / 10) return -1;
    x = x * 10 + (*s - '0');
  }
  return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int which = data[0] & 1;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  char err[512];
  err[0] = '\0';
  if (which == 0) {
    sst_hardware_t hw, back;
    if (sst_parse_hardware(text, len, "hardware.json", &hw, err, sizeof err) != 0) {
      check_err(err);
      CHECK(fz_is_zero(&hw, sizeof hw), "a refused hardware.json left values behind");
      return 0;
    }
    CHECK(hw.kind == NM_KIND_ETS || hw.kind == NM_KIND_INS, "unknown kind accepted");
    CHECK(hw.therapy == NM_THERAPY_SCS || hw.therapy == NM_THERAPY_SNM, "unknown therapy accepted");
    CHECK(hw.cell == NM_CELL_PRIMARY || hw.cell == NM_CELL_RECHARGEABLE, "unknown cell accepted");
    CHECK(hw.lead_model >= 0 && hw.lead_model <= 255 && nm_lead_catalog((uint8_t)hw.lead_model) != NULL,
          "a lead the simulator cannot build accepted");
    const nm_profile_t *pf = hw.profile >= 0 && hw.profile <= 255 ? nm_profile_get((uint8_t)hw.profile) : NULL;
    CHECK(pf != NULL && pf->cell == hw.cell, "a profile the simulator cannot build accepted (or of another cell)");
    char line[256];
    size_t n = sst_format_hardware(&hw, line, sizeof line);
    CHECK(n > 0 && line[n - 1] == '\n', "hardware.json not written");
    CHECK(sst_parse_hardware(line, n, "hardware.json", &back, err, sizeof err) == 0, "hardware.json as written does not read back");
    CHECK(memcmp(&hw, &back, sizeof hw) == 0, "hardware.json reads back different");
  } else {
    sst_battery_t b;
    if (sst_parse_battery(text, len, &b, err, sizeof err) != 0) {
      check_err(err);
      CHECK(fz_is_zero(&b, sizeof b), "a refused battery.json left values behind");
      return 0;
    }
    js_val *v = js_parse(text, len, err, sizeof err);
    CHECK(v != NULL, "accepted text that is not JSON");
    int64_t used = literal_u63(js_get(v, "used_pc")), thr = literal_u63(js_get(v, "throughput_pc"));
    int64_t rec = literal_u63(js_get(v, "recharges"));
    if (used >= 0) CHECK((uint64_t)used == b.used_pc, "used_pc differs from the text");
    if (thr >= 0) CHECK((uint64_t)thr == b.throughput_pc, "throughput_pc differs from the text");
    if (rec >= 0) CHECK((uint64_t)rec == b.recharges, "recharges differs from the text (out of range?)");
    js_free(v);
  }
  return 0;
}
