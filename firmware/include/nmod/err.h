/* nmod/err.h: errors as values. Every function that can fail returns nm_err (0 = ok,
 * negative = what went wrong); callers check every one. */
#ifndef NMOD_ERR_H
#define NMOD_ERR_H

typedef enum {
  NM_OK = 0,
  NM_EINVAL = -1,   /* malformed input (frame, record, argument) */
  NM_EREFUSED = -2, /* well-formed but refused by the safety supervisor or a rule */
  NM_EPERM = -3,    /* the caller's role may not do this */
  NM_ENOSPC = -4,   /* no room (buffer, slot, memory page) */
  NM_EIO = -5,      /* the hardware (port) failed */
  NM_ECORRUPT = -6, /* stored data failed its check */
  NM_EBUSY = -7,    /* another controller holds the session, or a mode forbids it */
  NM_EAUTH = -8,    /* authentication failed */
  NM_ESTATE = -9,   /* not possible in the current mode */
  NM_ENOENT = -10,  /* no such program, contact or record */
  NM_EFAULT = -11,  /* an internal check failed: the core went to its safe state */
  NM_ENOTSTORED = -12 /* a lowering is in effect now but could not be stored (memory fault);
                         the device keeps it in RAM and stores it when a write works again */
} nm_err;

/* Short English name of an error, for logs and messages. Never NULL. */
const char *nm_err_str(int err);

#endif
