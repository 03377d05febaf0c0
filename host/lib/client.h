/* client.h: a host tool's secure session with a device: TCP connect, the protocol's
 * mutual authentication (nm_cli_), then sealed request/response round trips. Used by the
 * programmer and the remote as a dev_link_t. */
#ifndef NMOD_CLIENT_H
#define NMOD_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "devlink.h"
#include "keyfile.h"
#include "nmod/proto.h"

typedef struct {
  int fd;
  nm_cli_t cli;
  int timeout_ms;
  uint64_t tx_bytes, rx_bytes; /* frame bytes sent and received, handshake included */
  uint32_t requests;
  char serial[NM_SERIAL_LEN + 1];
  const char *check_cmd;        /* the command that shows the device's state ("status"), named
                                 * when an answer is lost; set by the caller after cl_open */
  int last_err;                 /* nm_err of the last failure, or DEV_ETRANSPORT */
  char msg[256];                /* and its explanation */
} cl_conn_t;

/* Connect to addr ("HOST:PORT") and authenticate with key. Returns NM_OK, or: DEV_ETRANSPORT
 * (unreachable, closed, timed out), NM_EAUTH (the key is not accepted, or the device is not
 * the one the key is for), NM_EBUSY (another controller is connected). c->msg says what to do. */
int cl_open(cl_conn_t *c, const char *addr, const kf_key_t *key, int timeout_ms);
/* A dev_link_t over the open connection. Each request waits up to timeout_ms for its
 * sealed response, past any ERROR or unauthenticated frame (hints only); with no response
 * by then the link fails and c->msg says whether the request may have been applied. */
void cl_link(cl_conn_t *c, dev_link_t *l);
void cl_close(cl_conn_t *c);

#endif
