/* keyfile.h: credential files (nmod-key/1, JSON): the clinician key a device hands out at
 * provisioning, and the remote keys made by pairing. A key file is a secret: it is written
 * with mode 0600 and refused when others can read it (as ssh does). */
#ifndef NMOD_KEYFILE_H
#define NMOD_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "nmod/proto.h"

typedef struct {
  uint8_t role;                    /* NM_ROLE_CLINICIAN or NM_ROLE_PATIENT */
  char serial[NM_SERIAL_LEN + 1];  /* the device it belongs to */
  uint8_t key_id[NM_KEY_ID_LEN];
  uint8_t secret[NM_SECRET_LEN];
} kf_key_t;

/* Write k to path, mode 0600; refuses to replace an existing file. 0 or -1 + message. */
int kf_write(const char *path, const kf_key_t *k, char *err, size_t errcap);
/* Read and check a key file. 0 or -1 + a message naming the file and the problem. */
int kf_read(const char *path, kf_key_t *k, char *err, size_t errcap);
/* Check and decode the text of a key file (text[0..len), named path in messages). 0 or -1 +
 * a message that never holds the secret; on -1, k is all zero. kf_read is stat + read +
 * this. */
int kf_parse(const char *text, size_t len, const char *path, kf_key_t *k, char *err, size_t errcap);
/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void kf_hex(char *out, const uint8_t *p, size_t n);
/* Parse exactly 2n hex digits. 0 or -1. */
int kf_unhex(const char *s, uint8_t *p, size_t n);

#endif
