/* keyfile.c: see keyfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "keyfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "nmod/core.h"
#include "nmod/crypto.h"

void kf_hex(char *out, const uint8_t *p, size_t n) {
  static const char h[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = h[p[i] >> 4];
    out[2 * i + 1] = h[p[i] & 15u];
  }
  out[2 * n] = '\0';
}

static int nib(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int kf_unhex(const char *s, uint8_t *p, size_t n) {
  if (strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    int a = nib(s[2 * i]), b = nib(s[2 * i + 1]);
    if (a < 0 || b < 0) return -1;
    p[i] = (uint8_t)(a * 16 + b);
  }
  return 0;
}

int kf_write(const char *path, const kf_key_t *k, char *err, size_t errcap) {
  char id[2 * NM_KEY_ID_LEN + 1], sec[2 * NM_SECRET_LEN + 1];
  kf_hex(id, k->key_id, NM_KEY_ID_LEN);
  kf_hex(sec, k->secret, NM_SECRET_LEN);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    snprintf(err, errcap, "cannot create key file '%s': %s%s", path, strerror(errno),
             errno == EEXIST ? " (it would be replaced: remove it or choose another name)" : "");
    return -1;
  }
  FILE *f = fdopen(fd, "w");
  if (!f) {
    close(fd);
    snprintf(err, errcap, "cannot write key file '%s': %s", path, strerror(errno));
    return -1;
  }
  /* stdio buffers the text in a buffer of ours, so the secret's copy there is wiped too. */
  char fbuf[512];
  setvbuf(f, fbuf, _IOFBF, sizeof fbuf);
  fprintf(f, "{\"format\":\"nmod-key/1\",\"role\":\"%s\",\"serial\":\"%s\",\"key_id\":\"%s\",\"secret\":\"%s\"}\n",
          k->role == NM_ROLE_CLINICIAN ? "clinician" : "patient", k->serial, id, sec);
  nm_wipe(sec, sizeof sec);
  int bad = fflush(f) != 0 || fsync(fd) != 0;
  if (fclose(f) != 0) bad = 1;
  nm_wipe(fbuf, sizeof fbuf);
  if (bad) {
    snprintf(err, errcap, "writing key file '%s' failed: %s", path, strerror(errno));
    unlink(path);
    return -1;
  }
  return 0;
}

static const char *field(const js_val *v, const char *key) {
  const js_val *f = js_get(v, key);
  return f && f->type == JS_STR ? f->str : NULL;
}

/* The JSON reader quotes bits of the text in its messages ('duplicate key "..."'); in a
 * key file that text may be the secret. Replace every run of 8 or more hex digits (a key
 * id is 16, a secret 64) by "[hex]", in place. */
static void redact_hex(char *s) {
  char *w = s;
  for (const char *r = s; *r;) {
    size_t n = 0;
    while (isxdigit((unsigned char)r[n])) n++;
    if (n >= 8) {
      memcpy(w, "[hex]", 5); /* 5 < 8: never longer than what it replaces */
      w += 5;
      r += n;
    } else if (n > 0) {
      memmove(w, r, n);
      w += n;
      r += n;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

/* A device serial: 1..NM_SERIAL_LEN printable ASCII characters (it is printed in one-line
 * messages, so no control characters). */
static int serial_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > NM_SERIAL_LEN) return 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < 0x20 || s[i] > 0x7E) return 0;
  }
  return 1;
}

int kf_parse(const char *text, size_t len, const char *path, kf_key_t *k, char *err, size_t errcap) {
  char jerr[256];
  memset(k, 0, sizeof *k);
  js_val *v = js_parse(text, len, jerr, sizeof jerr);
  if (!v) {
    redact_hex(jerr);
    snprintf(err, errcap, "key file '%s' is not valid: %s", path, jerr);
    return -1;
  }
  const char *fmt = field(v, "format"), *role = field(v, "role"), *serial = field(v, "serial");
  const char *id = field(v, "key_id"), *sec = field(v, "secret");
  int rc = -1;
  if (!fmt || strcmp(fmt, "nmod-key/1") != 0) {
    snprintf(err, errcap, "key file '%s': not an nmod key (\"format\" must be \"nmod-key/1\")", path);
  } else if (!role || (strcmp(role, "clinician") != 0 && strcmp(role, "patient") != 0)) {
    snprintf(err, errcap, "key file '%s': \"role\" must be \"clinician\" or \"patient\"", path);
  } else if (!serial_ok(serial)) {
    snprintf(err, errcap, "key file '%s': \"serial\" must be 1-%u printable ASCII characters (a device serial)", path,
             NM_SERIAL_LEN);
  } else if (!id || kf_unhex(id, k->key_id, NM_KEY_ID_LEN) != 0) {
    snprintf(err, errcap, "key file '%s': \"key_id\" must be %u hex digits", path, 2 * NM_KEY_ID_LEN);
  } else if (!sec || kf_unhex(sec, k->secret, NM_SECRET_LEN) != 0) {
    snprintf(err, errcap, "key file '%s': \"secret\" must be %u hex digits", path, 2 * NM_SECRET_LEN);
  } else {
    k->role = strcmp(role, "clinician") == 0 ? NM_ROLE_CLINICIAN : NM_ROLE_PATIENT;
    snprintf(k->serial, sizeof k->serial, "%s", serial);
    rc = 0;
  }
  if (sec) nm_wipe((char *)sec, strlen(sec));
  js_free(v);
  if (rc) nm_wipe(k, sizeof *k);
  return rc;
}

int kf_read(const char *path, kf_key_t *k, char *err, size_t errcap) {
  struct stat st;
  memset(k, 0, sizeof *k);
  if (stat(path, &st) != 0) {
    snprintf(err, errcap, "key file '%s': %s", path, strerror(errno));
    return -1;
  }
  if (st.st_mode & 077) {
    snprintf(err, errcap, "key file '%s' can be read by others (mode %03o): run 'chmod 600 %s'", path,
             (unsigned)(st.st_mode & 0777), path);
    return -1;
  }
  char *text = NULL, jerr[256];
  size_t len;
  if (js_read_file(path, 4096, &text, &len, jerr, sizeof jerr) != 0) {
    snprintf(err, errcap, "key file %s", jerr);
    return -1;
  }
  int rc = kf_parse(text, len, path, k, err, errcap);
  nm_wipe(text, len);
  free(text);
  return rc;
}
