/* console_session.h: signed-in sessions, in the server's memory (a restart signs everyone out).
 *
 * A session is a random 32-byte token (the cookie, base64url) of which only a BLAKE2b hash is
 * kept, so a memory dump holds no usable cookie; a CSRF token of its own; the user; and the
 * times of its start and last use. It ends after idle_s without a request, after max_s in all,
 * on sign-out, and when its account is disabled. Thread-safe; a fixed number of slots (the
 * oldest idle session makes room when all are taken).
 */
#ifndef NMOD_CONSOLE_SESSION_H
#define NMOD_CONSOLE_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "console_http.h"

#define CONSOLE_SESSIONS 1024

typedef struct {
  unsigned char key[32]; /* BLAKE2b-256 of the token */
  console_who who;
  int64_t start_ms, last_ms;
  int used;
} console_sess;

typedef struct {
  pthread_mutex_t mu;
  unsigned idle_s, max_s;
  console_sess s[CONSOLE_SESSIONS];
} console_sessions;

void console_sessions_init(console_sessions *t, unsigned idle_s, unsigned max_s);
void console_sessions_free(console_sessions *t);
/* A new session for who (its csrf filled here); token[CONSOLE_TOKEN_CHARS + 1] gets the
 * cookie value. 0, or -1 (no randomness). */
int console_session_new(console_sessions *t, console_who *who, char *token, int64_t now_ms);
typedef enum { CS_OK, CS_NONE, CS_EXPIRED } console_sess_state;
/* Look the cookie up; CS_OK touches it and copies its user into *who. An expired session is
 * removed (CS_EXPIRED). */
console_sess_state console_session_get(console_sessions *t, const char *token, console_who *who, int64_t now_ms);
void console_session_end(console_sessions *t, const char *token);
/* End every session of user_id (disabled, or changed role). */
void console_session_end_user(console_sessions *t, int64_t user_id);
/* Constant-time comparison of two NUL-terminated tokens: 1 equal. */
int console_token_eq(const char *a, const char *b);
/* 32 random bytes as base64url into out[CONSOLE_TOKEN_CHARS + 1]. */
void console_token_make(char *out);
/* CLOCK_MONOTONIC in ms. */
int64_t console_now_ms(void);

#endif
