/* console_limit.c: failures per key within a window (console_limit.h). */
#include "console_limit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int console_limit_init(console_limit *l, unsigned max, unsigned window_s) {
  l->max = max;
  l->window_s = window_s;
  l->slot = calloc(CONSOLE_LIMIT_SLOTS, sizeof *l->slot);
  if (!l->slot) return -1;
  pthread_mutex_init(&l->mu, NULL);
  return 0;
}

void console_limit_free(console_limit *l) {
  if (!l->slot) return;
  free(l->slot);
  l->slot = NULL;
  pthread_mutex_destroy(&l->mu);
}

/* The slot of key, or NULL. Caller holds mu. A slot past its window is emptied. */
static console_limit_slot *find(console_limit *l, const char *key, int64_t now) {
  for (int i = 0; i < CONSOLE_LIMIT_SLOTS; i++) {
    console_limit_slot *s = &l->slot[i];
    if (!s->key[0] || strcmp(s->key, key) != 0) continue;
    if (now - s->first_ms >= (int64_t)l->window_s * 1000) {
      memset(s, 0, sizeof *s);
      return NULL;
    }
    return s;
  }
  return NULL;
}

unsigned console_limit_wait(console_limit *l, const char *key, int64_t now_ms) {
  if (l->max == 0) return 0;
  pthread_mutex_lock(&l->mu);
  console_limit_slot *s = find(l, key, now_ms);
  unsigned wait = 0;
  if (s && s->fails >= l->max) {
    int64_t left = s->first_ms + (int64_t)l->window_s * 1000 - now_ms;
    wait = (unsigned)((left + 999) / 1000);
    if (wait == 0) wait = 1;
  }
  pthread_mutex_unlock(&l->mu);
  return wait;
}

void console_limit_fail(console_limit *l, const char *key, int64_t now_ms) {
  if (l->max == 0) return;
  pthread_mutex_lock(&l->mu);
  console_limit_slot *s = find(l, key, now_ms);
  if (!s) {
    /* An empty slot, else the one used longest ago. */
    console_limit_slot *old = &l->slot[0];
    for (int i = 0; i < CONSOLE_LIMIT_SLOTS && !s; i++) {
      console_limit_slot *c = &l->slot[i];
      if (!c->key[0] || now_ms - c->first_ms >= (int64_t)l->window_s * 1000) s = c;
      else if (c->last_ms < old->last_ms) old = c;
    }
    if (!s) s = old;
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s", key);
    s->first_ms = now_ms;
  }
  s->fails++;
  s->last_ms = now_ms;
  pthread_mutex_unlock(&l->mu);
}

void console_limit_clear(console_limit *l, const char *key) {
  if (l->max == 0) return;
  pthread_mutex_lock(&l->mu);
  for (int i = 0; i < CONSOLE_LIMIT_SLOTS; i++)
    if (l->slot[i].key[0] && strcmp(l->slot[i].key, key) == 0) memset(&l->slot[i], 0, sizeof l->slot[i]);
  pthread_mutex_unlock(&l->mu);
}
