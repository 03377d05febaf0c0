/* clinic_ids.c: ids that leave the database (FHIR resource ids and fullUrls, calendar UIDs):
 * unique by construction, stable across exports, and opaque.
 *
 * A UUID of version 8 (RFC 9562, section 5.8; its appendix B.2 shows the SHA-256 name-based
 * form) from SHA-256 over the database's random export key (setting export_id_key, made by
 * migration 3) and a name built from length-prefixed parts, so that no two names share a
 * byte string ("A_1" and "A-1", or ("ab","c") and ("a","bc"), are different names). The key
 * makes the id unguessable from the patient's ID (RFC 7986, 5.3: a UID must not carry
 * privacy-sensitive data); the same data in the same database always gives the same id.
 */
#include <string.h>

#include <sodium.h>

#include "clinic_ids.h"
#include "clinic_err.h"
#include "clinic_store.h"

int clinic_ids_load(sqlite3 *db, clinic_ids *ids, clinic_err *e) {
  memset(ids, 0, sizeof *ids);
  char hex[80];
  int rc = clinic_store_setting(db, "export_id_key", hex, sizeof hex, e);
  if (rc) return rc;
  size_t n = 0;
  if (strlen(hex) != 64 || sodium_hex2bin(ids->key, sizeof ids->key, hex, 64, NULL, &n, NULL) != 0 || n != sizeof ids->key)
    return clinic_err_set(e, CLINIC_E_IO, "database %s: the export id key is missing or damaged; see nmod clinic check-db",
                          sqlite3_db_filename(db, "main"));
  return CLINIC_E_OK;
}

void clinic_uuid8(const clinic_ids *ids, const char *const *parts, int n, char out[37]) {
  crypto_hash_sha256_state st;
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, ids->key, sizeof ids->key);
  for (int i = 0; i < n; i++) {
    size_t len = strlen(parts[i]);
    unsigned char be[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
    crypto_hash_sha256_update(&st, be, 4);
    crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], len);
  }
  crypto_hash_sha256_final(&st, h);
  h[6] = (unsigned char)((h[6] & 0x0F) | 0x80); /* version 8 */
  h[8] = (unsigned char)((h[8] & 0x3F) | 0x80); /* variant 10 */
  static const char hexd[] = "0123456789abcdef";
  size_t k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[k++] = '-';
    out[k++] = hexd[h[i] >> 4];
    out[k++] = hexd[h[i] & 15];
  }
  out[k] = '\0';
}
