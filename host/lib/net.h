/* net.h: TCP on loopback standing in for the implant's radio. Bounded: every wait has a
 * timeout, every read a cap. */
#ifndef NMOD_NET_H
#define NMOD_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Parse "HOST:PORT" (an IPv4 address or "localhost"; port 0-65535). 0 or -1 + message. */
int net_parse_addr(const char *s, struct sockaddr_in *out, char *err, size_t errcap);
/* Listen on a; the port actually bound (a may ask for 0) in *port. fd or -1 + message. */
int net_listen(const struct sockaddr_in *a, uint16_t *port, char *err, size_t errcap);
/* Connect within timeout_ms. fd or -1 + message. */
int net_connect(const struct sockaddr_in *a, int timeout_ms, char *err, size_t errcap);
/* Send all of buf within timeout_ms. 0 or -1. */
int net_send_all(int fd, const uint8_t *buf, size_t len, int timeout_ms);
/* Receive exactly one protocol frame (reassembled with nm_frame_need) within timeout_ms.
 * 0 with *len; -1 on close, timeout or error (errno says which: 0 for an orderly close,
 * ETIMEDOUT, EINVAL for a bad frame header). */
int net_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, int timeout_ms);
/* Milliseconds of a monotonic clock. */
uint64_t net_now_ms(void);

#endif
