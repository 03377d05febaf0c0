/* err.c: names of nm_err values. */
#include "nmod/err.h"

const char *nm_err_str(int err) {
  switch (err) {
    case NM_OK: return "ok";
    case NM_EINVAL: return "malformed input";
    case NM_EREFUSED: return "refused";
    case NM_EPERM: return "not permitted for this role";
    case NM_ENOSPC: return "no room";
    case NM_EIO: return "hardware error";
    case NM_ECORRUPT: return "stored data corrupt";
    case NM_EBUSY: return "busy";
    case NM_EAUTH: return "authentication failed";
    case NM_ESTATE: return "not possible in this mode";
    case NM_ENOENT: return "no such item";
    case NM_EFAULT: return "internal fault";
    case NM_ENOTSTORED: return "in effect, not stored";
    default: return "unknown error";
  }
}
