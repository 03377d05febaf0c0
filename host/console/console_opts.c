/* console_opts.c: defaults and the checks of `nmod console`'s options (console_opts.h). */
#define _POSIX_C_SOURCE 200809L
#include "console_opts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "hu_dec.h"

void console_opts_defaults(console_opts *o) {
  memset(o, 0, sizeof *o);
  char err[200];
  console_listen_parse(o, "127.0.0.1:8080", err, sizeof err);
  o->idle_s = 15 * 60;
  o->session_max_s = 12 * 3600;
  o->login_max_account = 5;
  o->login_max_address = 20;
  o->login_window_s = 15 * 60;
  o->max_conn = 64;
  o->client_timeout_s = 30;
  o->threads = 4;
}

int console_listen_parse(console_opts *o, const char *s, char *err, size_t cap) {
  char host[100];
  const char *colon;
  if (s[0] == '[') {
    const char *end = strchr(s, ']');
    if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host) goto bad;
    memcpy(host, s + 1, (size_t)(end - s - 1));
    host[end - s - 1] = '\0';
    colon = end + 1;
  } else {
    colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host || colon == s) goto bad;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
  }
  uint64_t port;
  if (hu_dec_urange(colon + 1, 0, 0, 65535, &port) != 0) {
    snprintf(err, cap, "--listen %s: the port must be a number from 0 to 65535", s);
    return -1;
  }
  if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
  memset(&o->sa, 0, sizeof o->sa);
  struct sockaddr_in *v4 = (struct sockaddr_in *)&o->sa;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->sa;
  if (s[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    o->sa_len = sizeof *v4;
    o->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  } else if (s[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    o->sa_len = sizeof *v6;
    o->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
  } else {
    goto bad;
  }
  snprintf(o->listen, sizeof o->listen, "%s", s);
  return 0;
bad:
  snprintf(err, cap, "--listen %.100s: expected ADDRESS:PORT with an IP address (127.0.0.1:8080, [::1]:8080) or localhost:PORT", s);
  return -1;
}

int console_opt_seconds(const char *name, const char *s, unsigned max_s, unsigned *out, char *err, size_t cap) {
  uint64_t us = 0;
  if (dur_parse_us(s, &us) != 0 || us % 1000000 != 0 || us == 0 || us / 1000000 > max_s) {
    snprintf(err, cap, "--%s %.40s: expected a whole number of seconds from 1s to %us, as 30s, 15min or 2h", name, s, max_s);
    return -1;
  }
  *out = (unsigned)(us / 1000000);
  return 0;
}

int console_opt_count(const char *name, const char *s, unsigned lo, unsigned hi, unsigned *out, char *err, size_t cap) {
  uint64_t v;
  if (hu_dec_urange(s, 0, lo, hi, &v) != 0) {
    snprintf(err, cap, "--%s %.40s: expected a whole number from %u to %u", name, s, lo, hi);
    return -1;
  }
  *out = (unsigned)v;
  return 0;
}
