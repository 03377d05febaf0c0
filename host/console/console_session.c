/* console_session.c: sessions in memory, keyed by a hash of their token (console_session.h). */
#define _POSIX_C_SOURCE 200809L
#include "console_session.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

int64_t console_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void console_token_make(char *out) {
  unsigned char raw[32];
  randombytes_buf(raw, sizeof raw);
  sodium_bin2base64(out, CONSOLE_TOKEN_CHARS + 1, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
}

int console_token_eq(const char *a, const char *b) {
  size_t n = strlen(a);
  if (n != strlen(b) || n == 0) return 0;
  return sodium_memcmp(a, b, n) == 0;
}

static void token_key(const char *token, unsigned char key[32]) {
  crypto_generichash(key, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

void console_sessions_init(console_sessions *t, unsigned idle_s, unsigned max_s) {
  memset(t->s, 0, sizeof t->s);
  pthread_mutex_init(&t->mu, NULL);
  t->idle_s = idle_s;
  t->max_s = max_s;
}

void console_sessions_free(console_sessions *t) {
  sodium_memzero(t->s, sizeof t->s);
  pthread_mutex_destroy(&t->mu);
}

static int expired(const console_sessions *t, const console_sess *s, int64_t now) {
  return now - s->last_ms >= (int64_t)t->idle_s * 1000 || now - s->start_ms >= (int64_t)t->max_s * 1000;
}

int console_session_new(console_sessions *t, console_who *who, char *token, int64_t now_ms) {
  console_token_make(token);
  console_token_make(who->csrf);
  who->idle_s = t->idle_s;
  pthread_mutex_lock(&t->mu);
  console_sess *slot = NULL, *oldest = &t->s[0];
  for (int i = 0; i < CONSOLE_SESSIONS && !slot; i++) {
    console_sess *s = &t->s[i];
    if (s->used && expired(t, s, now_ms)) s->used = 0;
    if (!s->used) slot = s;
    else if (s->last_ms < oldest->last_ms) oldest = s;
  }
  if (!slot) slot = oldest; /* all taken: the longest idle one goes */
  memset(slot, 0, sizeof *slot);
  token_key(token, slot->key);
  slot->who = *who;
  slot->start_ms = slot->last_ms = now_ms;
  slot->used = 1;
  pthread_mutex_unlock(&t->mu);
  return 0;
}

static console_sess *find(console_sessions *t, const char *token) {
  unsigned char key[32];
  token_key(token, key);
  for (int i = 0; i < CONSOLE_SESSIONS; i++)
    if (t->s[i].used && sodium_memcmp(t->s[i].key, key, sizeof key) == 0) return &t->s[i];
  return NULL;
}

console_sess_state console_session_get(console_sessions *t, const char *token, console_who *who, int64_t now_ms) {
  if (!token || strlen(token) != CONSOLE_TOKEN_CHARS) return CS_NONE;
  pthread_mutex_lock(&t->mu);
  console_sess *s = find(t, token);
  console_sess_state st = CS_NONE;
  if (s && expired(t, s, now_ms)) {
    sodium_memzero(s, sizeof *s);
    st = CS_EXPIRED;
  } else if (s) {
    s->last_ms = now_ms;
    *who = s->who;
    st = CS_OK;
  }
  pthread_mutex_unlock(&t->mu);
  return st;
}

void console_session_end(console_sessions *t, const char *token) {
  if (!token) return;
  pthread_mutex_lock(&t->mu);
  console_sess *s = find(t, token);
  if (s) sodium_memzero(s, sizeof *s);
  pthread_mutex_unlock(&t->mu);
}

void console_session_end_user(console_sessions *t, int64_t user_id) {
  pthread_mutex_lock(&t->mu);
  for (int i = 0; i < CONSOLE_SESSIONS; i++)
    if (t->s[i].used && t->s[i].who.user_id == user_id) sodium_memzero(&t->s[i], sizeof t->s[i]);
  pthread_mutex_unlock(&t->mu);
}
