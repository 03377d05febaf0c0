/* fuzz_keyfile.c: libFuzzer target for the key file reader (host/lib/keyfile.c, kf_parse:
 * what kf_read does after the permission check and the read).
 *
 * Properties (abort on violation):
 * - a refusal is one line naming the file, leaves the key all zero, and never shows a
 *   secret: no run of 16 or more hex digits (a key id is 16, a secret 64) is in a message;
 * - an accepted key has a role, and a serial of at most NM_SERIAL_LEN printable ASCII
 *   characters (a device serial; it is printed in one-line messages);
 * - written back as kf_write writes it and read again, it is the same key.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "keyfile.h"
#include "nmod/core.h"

static size_t longest_hex_run(const char *s) {
  size_t best = 0, run = 0;
  for (; *s; s++) {
    run = isxdigit((unsigned char)*s) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kf_key_t k, back;
  char err[512] = "";
  if (kf_parse((const char *)data, size, "fuzz.key", &k, err, sizeof err) != 0) {
    CHECK(strncmp(err, "key file 'fuzz.key'", 19) == 0, "a refusal that does not name the file");
    CHECK(strchr(err, '\n') == NULL, "a refusal of more than one line");
    CHECK(longest_hex_run(err) < 16, "a refusal shows what may be a key id or a secret");
    CHECK(fz_is_zero(&k, sizeof k), "a refused key file left key material behind");
    return 0;
  }
  CHECK(k.role == NM_ROLE_CLINICIAN || k.role == NM_ROLE_PATIENT, "a key without a role");
  size_t n = strnlen(k.serial, sizeof k.serial);
  CHECK(n < sizeof k.serial, "serial not terminated");
  for (size_t i = 0; i < n; i++) {
    CHECK(k.serial[i] >= 0x20 && k.serial[i] <= 0x7E, "a serial with a byte that is not printable ASCII");
  }
  /* The text kf_write writes (keyfile.h: nmod-key/1). */
  char id[2 * NM_KEY_ID_LEN + 1], sec[2 * NM_SECRET_LEN + 1], text[512];
  kf_hex(id, k.key_id, NM_KEY_ID_LEN);
  kf_hex(sec, k.secret, NM_SECRET_LEN);
  int len = snprintf(text, sizeof text,
                     "{\"format\":\"nmod-key/1\",\"role\":\"%s\",\"serial\":\"%s\",\"key_id\":\"%s\",\"secret\":\"%s\"}\n",
                     k.role == NM_ROLE_CLINICIAN ? "clinician" : "patient", k.serial, id, sec);
  CHECK(len > 0 && (size_t)len < sizeof text, "key file text");
  CHECK(kf_parse(text, (size_t)len, "fuzz.key", &back, err, sizeof err) == 0, "a key as written does not read back");
  CHECK(memcmp(&k, &back, sizeof k) == 0, "a key reads back different");
  return 0;
}
