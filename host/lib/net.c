/* net.c: see net.h. */
#define _POSIX_C_SOURCE 200809L
#include "net.h"

#include "hu_dec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nmod/proto.h"

uint64_t net_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int net_parse_addr(const char *s, struct sockaddr_in *out, char *err, size_t errcap) {
  const char *colon = strrchr(s, ':');
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  if (!colon || colon == s || (size_t)(colon - s) >= 64) {
    snprintf(err, errcap, "'%s' is not HOST:PORT (for example 127.0.0.1:7400)", s);
    return -1;
  }
  char host[64];
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  uint64_t port;
  if (hu_dec_urange(colon + 1, 0, 0, 65535, &port) != 0) {
    snprintf(err, errcap, "'%s': the port must be a number from 0 to 65535", s);
    return -1;
  }
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  if (inet_pton(AF_INET, host, &out->sin_addr) != 1) {
    snprintf(err, errcap, "'%s': '%s' is not an IPv4 address", s, host);
    return -1;
  }
  out->sin_port = htons((uint16_t)port);
  return 0;
}

int net_listen(const struct sockaddr_in *a, uint16_t *port, char *err, size_t errcap) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errcap, "socket: %s", strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  if (bind(fd, (const struct sockaddr *)a, sizeof *a) != 0 || listen(fd, 16) != 0) {
    snprintf(err, errcap, "cannot listen on %s:%u: %s", host, ntohs(a->sin_port), strerror(errno));
    close(fd);
    return -1;
  }
  struct sockaddr_in b;
  socklen_t bl = sizeof b;
  getsockname(fd, (struct sockaddr *)&b, &bl);
  *port = ntohs(b.sin_port);
  return fd;
}

int net_connect(const struct sockaddr_in *a, int timeout_ms, char *err, size_t errcap) {
  char host[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errcap, "socket: %s", strerror(errno));
    return -1;
  }
  int fl = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, fl | O_NONBLOCK);
  int rc = connect(fd, (const struct sockaddr *)a, sizeof *a);
  if (rc != 0 && errno == EINPROGRESS) {
    struct pollfd p = {fd, POLLOUT, 0};
    rc = poll(&p, 1, timeout_ms);
    if (rc == 1) {
      int e = 0;
      socklen_t el = sizeof e;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
      errno = e;
      rc = e ? -1 : 0;
    } else {
      errno = rc == 0 ? ETIMEDOUT : errno;
      rc = -1;
    }
  }
  if (rc != 0) {
    snprintf(err, errcap, "cannot reach the device at %s:%u: %s (is 'nmod sim' running there?)", host,
             ntohs(a->sin_port), strerror(errno));
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fl);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static int wait_fd(int fd, short ev, uint64_t deadline_ms) {
  for (;;) {
    uint64_t now = net_now_ms();
    if (now >= deadline_ms) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct pollfd p = {fd, ev, 0};
    int rc = poll(&p, 1, (int)(deadline_ms - now));
    if (rc > 0) return 0;
    if (rc < 0 && errno != EINTR) return -1;
  }
}

int net_send_all(int fd, const uint8_t *buf, size_t len, int timeout_ms) {
  uint64_t deadline = net_now_ms() + (uint64_t)timeout_ms;
  size_t off = 0;
  while (off < len) {
    if (wait_fd(fd, POLLOUT, deadline) != 0) return -1;
    ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    off += (size_t)n;
  }
  return 0;
}

int net_recv_frame(int fd, uint8_t *buf, size_t cap, size_t *len, int timeout_ms) {
  uint64_t deadline = net_now_ms() + (uint64_t)timeout_ms;
  size_t have = 0, need = NM_FRAME_HDR;
  *len = 0;
  for (;;) {
    if (have >= NM_FRAME_HDR || have == need) {
      if (nm_frame_need(buf, have, &need) != NM_OK || need > cap) {
        errno = EINVAL;
        return -1;
      }
      if (have >= need) break;
    }
    if (wait_fd(fd, POLLIN, deadline) != 0) return -1;
    ssize_t n = recv(fd, buf + have, need - have, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = 0;
      return -1;
    }
    have += (size_t)n;
  }
  *len = need;
  return 0;
}
