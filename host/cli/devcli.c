/* devcli.c: see devcli.h. */
#include "devcli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hu_date.h"
#include "nmod/crypto.h"

int devcli_err(devcli_t *d, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->err, sizeof d->err, fmt, ap);
  va_end(ap);
  return code;
}

int devcli_since(devcli_t *d, const char *s, uint32_t *epoch_s) {
  int32_t day;
  int rc = hu_date_parse_in(s, 0, HU_DAY_EPOCH32_MAX, &day);
  if (rc) {
    char why[96];
    return devcli_err(d, CLI_USAGE, "--since '%s' %s", s, hu_date_why(why, sizeof why, s, rc, HU_FORM_DATE, 0, HU_DAY_EPOCH32_MAX));
  }
  *epoch_s = (uint32_t)day * 86400u;
  return 0;
}

int devcli_open(devcli_t *d) {
  uint8_t want_role = d->role;
  char err[512];
  if (kf_read(d->keyfile, &d->key, err, sizeof err) != 0) {
    return devcli_err(d, CLI_USAGE, "%s", err);
  }
  if (d->key.role != want_role) {
    return devcli_err(d, CLI_USAGE, "'%s' is a %s key: the %s needs a %s key", d->keyfile,
                      d->key.role == NM_ROLE_CLINICIAN ? "clinician" : "remote", d->cmd,
                      want_role == NM_ROLE_CLINICIAN ? "clinician" : "paired remote's");
  }
  int rc = cl_open(&d->conn, d->device, &d->key, 5000);
  nm_wipe(d->key.secret, sizeof d->key.secret);
  if (rc != NM_OK) {
    return devcli_err(d, CLI_UNREACHABLE, "%s", d->conn.msg);
  }
  d->conn.check_cmd = want_role == NM_ROLE_CLINICIAN ? "interrogate" : "status";
  cl_link(&d->conn, &d->link);
  d->open = 1;
  return 0;
}

void devcli_close(devcli_t *d) {
  if (d->open) cl_close(&d->conn);
  d->open = 0;
}

int devcli_call(devcli_t *d, const uint8_t *req, size_t len, uint8_t *resp, size_t *resp_len) {
  return dev_call(&d->link, req, len, resp, NM_CMD_MAX, resp_len);
}

int devcli_fail(devcli_t *d, int st, const char *what) {
  switch (st) {
    case DEV_ETRANSPORT: /* the client says what happened and whether to repeat it */
      return devcli_err(d, CLI_UNREACHABLE, "%s", d->conn.msg[0] ? d->conn.msg : "the stimulator did not answer");
    case NM_EPERM:
      return devcli_err(d, CLI_REFUSED, "%s: not allowed with this key (%s)", what,
                        d->key.role == NM_ROLE_PATIENT ? "ask your clinician" : "the device refused the role");
    case NM_ESTATE:
      return devcli_err(d, CLI_REFUSED, "%s: not possible in the stimulator's current mode (check 'status' or 'interrogate')", what);
    case NM_EREFUSED:
      return devcli_err(d, CLI_REFUSED, "%s: refused by the stimulator (out of the allowed range or unsafe)", what);
    case NM_ENOENT:
      return devcli_err(d, CLI_REFUSED, "%s: no such program, contact or record on this stimulator", what);
    case NM_ENOSPC:
      return devcli_err(d, CLI_REFUSED, "%s: no room left on the stimulator", what);
    case NM_EIO:
      return devcli_err(d, CLI_REFUSED, "%s: not done: the stimulator could not store it (memory fault); nothing changed",
                        what);
    case NM_ENOTSTORED:
      (void)devcli_in_effect(d, st, what);
      return CLI_OK;
    case NM_EINVAL:
      return devcli_err(d, CLI_REFUSED, "%s: the stimulator did not understand the request (versions differ?)", what);
    default:
      return devcli_err(d, CLI_REFUSED, "%s: %s", what, nm_err_str(st));
  }
}

int devcli_in_effect(devcli_t *d, int st, const char *what) {
  if (st == NM_OK) return 1;
  if (st != NM_ENOTSTORED) return 0;
  /* Done and in effect; what is not stored yet is the device's memory of it. */
  d->not_stored = 1;
  size_t n = strlen(d->warn); /* one line each */
  snprintf(d->warn + n, sizeof d->warn - n,
           "%s%s: in effect now, but the stimulator could not store it (memory fault); it will be stored when "
           "the memory works again",
           n ? "\n" : "", what);
  return 1;
}

/* A request of just op: 0 and a reader r over the results in resp (NM_CMD_MAX bytes), or the
 * exit code with d->err (what names the action). */
static int query(devcli_t *d, uint8_t op, const char *what, uint8_t *resp, nm_rd_t *r) {
  size_t rl;
  int st = devcli_call(d, &op, 1, resp, &rl);
  if (st != NM_OK) return devcli_fail(d, st, what);
  nm_rd_init(r, resp + 1, rl - 1);
  return 0;
}

/* A request of just op whose results decode reads into out: 0, or an exit code with d->err
 * (a reply that does not decode: the stimulator was not understood). */
static int read_decoded(devcli_t *d, uint8_t op, const char *what, int (*decode)(const uint8_t *, size_t, void *),
                        void *out) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = query(d, op, what, resp, &r);
  if (rc) return rc;
  return decode(r.buf, r.len, out) == 0 ? 0 : devcli_fail(d, NM_EINVAL, what);
}

static int dec_identity(const uint8_t *p, size_t n, void *out) { return di_identity(p, n, out); }
static int dec_status(const uint8_t *p, size_t n, void *out) { return di_status(p, n, out); }
static int dec_impedance(const uint8_t *p, size_t n, void *out) { return di_impedance(p, n, out); }
static int dec_remotes(const uint8_t *p, size_t n, void *out) { return di_remotes(p, n, out); }

int devcli_identity(devcli_t *d, di_identity_t *id) { return read_decoded(d, NM_OP_IDENTITY, "identity", dec_identity, id); }
int devcli_status(devcli_t *d, di_status_t *s) { return read_decoded(d, NM_OP_STATUS, "status", dec_status, s); }
int devcli_impedance(devcli_t *d, const char *what, di_impedance_t *im) {
  return read_decoded(d, NM_OP_IMPEDANCE, what, dec_impedance, im);
}
int devcli_remotes(devcli_t *d, di_remotes_t *rs) { return read_decoded(d, NM_OP_REMOTES, "remotes", dec_remotes, rs); }

int devcli_interrogation(devcli_t *d, di_interrogation_t *in) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = query(d, NM_OP_INTERROGATE, "interrogate", resp, &r);
  if (rc) return rc;
  if (di_interrogation(r.buf, r.len, in) != 0) return devcli_fail(d, NM_EINVAL, "interrogate");
  /* The programs, one page each: every legal state fits (8 programs, 16 contacts). */
  for (uint8_t i = 0; i < in->sum.status.n_prog; i++) {
    uint8_t req[2] = {NM_OP_PROG_READ, in->sum.status.prog[i].slot};
    size_t rl;
    int st = devcli_call(d, req, sizeof req, resp, &rl);
    if (st != NM_OK) return devcli_fail(d, st, "interrogate (program)");
    nm_rd_init(&r, resp + 1, rl - 1);
    nm_wire_get_prog(&r, &in->prog[i]);
    (void)nm_rd_u32(&r); /* the amplitude now: the status has it */
    if (nm_rd_done(&r) != NM_OK) return devcli_fail(d, NM_EINVAL, "interrogate (program)");
  }
  return 0;
}

