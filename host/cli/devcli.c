/* devcli.c: see devcli.h. */
#include "devcli.h"

#include <string.h>

#include "cli.h"
#include "hu_date.h"
#include "nmod/crypto.h"

int devcli_args(devcli_t *d, const char *cmd, int argc, char **argv, const char *usage) {
  memset(d, 0, sizeof *d);
  d->cmd = cmd;
  d->conn.fd = -1;
  static char *rest[64];
  int n = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      d->json = 1;
    } else if (strcmp(a, "--device") == 0 || strcmp(a, "--key") == 0) {
      if (i + 1 >= argc) {
        cli_error(cmd, "%s needs a value (%s)", a, usage);
        return CLI_USAGE;
      }
      if (a[2] == 'd') d->device = argv[++i];
      else d->keyfile = argv[++i];
    } else if (n < 63) {
      rest[n++] = argv[i];
    }
  }
  rest[n] = NULL;
  if (!d->device || !d->keyfile || n == 0) {
    cli_error(cmd, "%s", usage);
    return CLI_USAGE;
  }
  d->argc = n;
  d->argv = rest;
  return 0;
}

int devcli_since(devcli_t *d, const char *s, uint32_t *epoch_s) {
  int32_t day;
  int rc = hu_date_parse_in(s, 0, HU_DAY_EPOCH32_MAX, &day);
  if (rc) {
    char why[96];
    cli_error(d->cmd, "--since '%s' %s", s, hu_date_why(why, sizeof why, s, rc, HU_FORM_DATE, 0, HU_DAY_EPOCH32_MAX));
    return CLI_USAGE;
  }
  *epoch_s = (uint32_t)day * 86400u;
  return 0;
}

int devcli_open(devcli_t *d, uint8_t want_role) {
  char err[512];
  if (kf_read(d->keyfile, &d->key, err, sizeof err) != 0) {
    cli_error(d->cmd, "%s", err);
    return CLI_USAGE;
  }
  if (d->key.role != want_role) {
    cli_error(d->cmd, "'%s' is a %s key: the %s needs a %s key", d->keyfile,
              d->key.role == NM_ROLE_CLINICIAN ? "clinician" : "remote", d->cmd,
              want_role == NM_ROLE_CLINICIAN ? "clinician" : "paired remote's");
    return CLI_USAGE;
  }
  int rc = cl_open(&d->conn, d->device, &d->key, 5000);
  nm_wipe(d->key.secret, sizeof d->key.secret);
  if (rc != NM_OK) {
    cli_error(d->cmd, "%s", d->conn.msg);
    return CLI_UNREACHABLE;
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
      cli_error(d->cmd, "%s", d->conn.msg[0] ? d->conn.msg : "the stimulator did not answer");
      return CLI_UNREACHABLE;
    case NM_EPERM:
      cli_error(d->cmd, "%s: not allowed with this key (%s)", what,
                d->key.role == NM_ROLE_PATIENT ? "ask your clinician" : "the device refused the role");
      return CLI_REFUSED;
    case NM_ESTATE:
      cli_error(d->cmd, "%s: not possible in the stimulator's current mode (check 'status' or 'interrogate')", what);
      return CLI_REFUSED;
    case NM_EREFUSED:
      cli_error(d->cmd, "%s: refused by the stimulator (out of the allowed range or unsafe)", what);
      return CLI_REFUSED;
    case NM_ENOENT:
      cli_error(d->cmd, "%s: no such program, contact or record on this stimulator", what);
      return CLI_REFUSED;
    case NM_ENOSPC:
      cli_error(d->cmd, "%s: no room left on the stimulator", what);
      return CLI_REFUSED;
    case NM_EIO:
      cli_error(d->cmd, "%s: not done: the stimulator could not store it (memory fault); nothing changed", what);
      return CLI_REFUSED;
    case NM_ENOTSTORED:
      (void)devcli_in_effect(d, st, what);
      return CLI_OK;
    case NM_EINVAL:
      cli_error(d->cmd, "%s: the stimulator did not understand the request (versions differ?)", what);
      return CLI_REFUSED;
    default:
      cli_error(d->cmd, "%s: %s", what, nm_err_str(st));
      return CLI_REFUSED;
  }
}

int devcli_in_effect(devcli_t *d, int st, const char *what) {
  if (st == NM_OK) return 1;
  if (st != NM_ENOTSTORED) return 0;
  /* Done and in effect; what is not stored yet is the device's memory of it. */
  d->not_stored = 1;
  cli_error(d->cmd,
            "%s: in effect now, but the stimulator could not store it (memory fault); it will be stored when "
            "the memory works again",
            what);
  return 1;
}

int devcli_query(devcli_t *d, uint8_t op, const char *what, uint8_t *resp, nm_rd_t *r) {
  size_t rl;
  int st = devcli_call(d, &op, 1, resp, &rl);
  if (st != NM_OK) return devcli_fail(d, st, what);
  nm_rd_init(r, resp + 1, rl - 1);
  return 0;
}

int devcli_identity(devcli_t *d, di_identity_t *id) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = devcli_query(d, NM_OP_IDENTITY, "identity", resp, &r);
  if (rc) return rc;
  return di_identity(r.buf, r.len, id) == 0 ? 0 : devcli_fail(d, NM_EINVAL, "identity");
}

int devcli_interrogation(devcli_t *d, di_interrogation_t *in) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = devcli_query(d, NM_OP_INTERROGATE, "interrogate", resp, &r);
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

int devcli_status(devcli_t *d, di_status_t *s) {
  uint8_t resp[NM_CMD_MAX];
  nm_rd_t r;
  int rc = devcli_query(d, NM_OP_STATUS, "status", resp, &r);
  if (rc) return rc;
  return di_status(r.buf, r.len, s) == 0 ? 0 : devcli_fail(d, NM_EINVAL, "status");
}
