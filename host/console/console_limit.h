/* console_limit.h: log-in rate limits, per account and per address.
 *
 * A key (an account name or a client address) that has failed max times within window_s is
 * refused until window_s after its first failure; a success clears an account's count. Keys
 * live in a fixed table (the entry used longest ago makes room). Thread-safe.
 */
#ifndef NMOD_CONSOLE_LIMIT_H
#define NMOD_CONSOLE_LIMIT_H

#include <pthread.h>
#include <stdint.h>

#define CONSOLE_LIMIT_SLOTS 4096
#define CONSOLE_LIMIT_KEY 80

typedef struct {
  char key[CONSOLE_LIMIT_KEY];
  unsigned fails;
  int64_t first_ms, last_ms;
} console_limit_slot;

typedef struct {
  pthread_mutex_t mu;
  unsigned max, window_s;
  console_limit_slot *slot; /* CONSOLE_LIMIT_SLOTS, heap */
} console_limit;

/* 0, or -1 (out of memory). max 0: no limit. */
int console_limit_init(console_limit *l, unsigned max, unsigned window_s);
void console_limit_free(console_limit *l);
/* 0 when key may try now, else the seconds until it may (>= 1). */
unsigned console_limit_wait(console_limit *l, const char *key, int64_t now_ms);
void console_limit_fail(console_limit *l, const char *key, int64_t now_ms);
void console_limit_clear(console_limit *l, const char *key);

#endif
