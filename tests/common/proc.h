/* proc.h: run a real process (build/nmod) for end-to-end tests and collect its exit code,
 * stdout and stderr. Bounded: output is capped, and the process is killed after a
 * timeout. Host-only, header-only. */
#ifndef NMOD_PROC_H
#define NMOD_PROC_H

#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_OUT_MAX (1 << 20)

typedef struct {
  int code;        /* exit code, or 128 + signal */
  int signaled;    /* 1 when killed by a signal (a crash unless we killed it) */
  char *out, *err; /* NUL-terminated, malloc'ed */
  size_t out_len, err_len;
} proc_result_t;

static inline double proc_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The nmod binary under test: $NMOD. */
static inline const char *proc_nmod(void) {
  const char *p = getenv("NMOD");
  return p && *p ? p : "build/nmod";
}

/* Run argv (argv[0] is the program path) with stdin from /dev/null. */
static inline int proc_run(char *const argv[], double timeout_s, proc_result_t *r) {
  int po[2], pe[2];
  memset(r, 0, sizeof *r);
  if (pipe(po) || pipe(pe)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int dn = open("/dev/null", O_RDONLY);
    dup2(dn, 0);
    dup2(po[1], 1);
    dup2(pe[1], 2);
    close(po[0]);
    close(pe[0]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  r->out = calloc(1, PROC_OUT_MAX + 1);
  r->err = calloc(1, PROC_OUT_MAX + 1);
  struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
  int open_fds = 2, killed = 0;
  double deadline = proc_now() + timeout_s;
  while (open_fds > 0) {
    int ms = (int)((deadline - proc_now()) * 1000);
    if (ms <= 0) {
      kill(pid, SIGKILL);
      killed = 1;
      break;
    }
    if (poll(fds, 2, ms) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char *buf = i == 0 ? r->out : r->err;
      size_t *len = i == 0 ? &r->out_len : &r->err_len;
      char tmp[4096];
      ssize_t n = read(fds[i].fd, tmp, sizeof tmp);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
        continue;
      }
      size_t room = PROC_OUT_MAX - *len, take = (size_t)n < room ? (size_t)n : room;
      memcpy(buf + *len, tmp, take);
      *len += take;
    }
  }
  for (int i = 0; i < 2; i++) {
    if (fds[i].fd >= 0) close(fds[i].fd);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFSIGNALED(st)) {
    r->signaled = !killed;
    r->code = 128 + WTERMSIG(st);
  } else {
    r->code = WEXITSTATUS(st);
  }
  return killed ? -2 : 0;
}

/* Start argv in the background with its stdout on a pipe (*out_fd, read end) and stderr
 * to err_path (or /dev/null). Returns the pid, or -1. */
static inline pid_t proc_spawn(char *const argv[], int *out_fd, const char *err_path) {
  int po[2];
  if (pipe(po)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int dn = open("/dev/null", O_RDONLY);
    int de = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(dn, 0);
    dup2(po[1], 1);
    dup2(de, 2);
    close(po[0]);
    execv(argv[0], argv);
    _exit(127);
  }
  close(po[1]);
  *out_fd = po[0];
  return pid;
}

/* Read one line from fd within timeout_s into buf. 0 or -1. */
static inline int proc_read_line(int fd, char *buf, size_t cap, double timeout_s) {
  size_t n = 0;
  double deadline = proc_now() + timeout_s;
  while (n + 1 < cap) {
    int ms = (int)((deadline - proc_now()) * 1000);
    if (ms <= 0) return -1;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) continue;
    char c;
    if (read(fd, &c, 1) != 1) return -1;
    if (c == '\n') break;
    buf[n++] = c;
  }
  buf[n] = '\0';
  return 0;
}

/* Stop a background process: sig, then wait (SIGKILL after timeout_s). Exit status. */
static inline int proc_stop(pid_t pid, int sig, double timeout_s) {
  int st = 0;
  kill(pid, sig);
  double deadline = proc_now() + timeout_s;
  while (waitpid(pid, &st, WNOHANG) == 0) {
    if (proc_now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &st, 0);
      break;
    }
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
  }
  return st;
}

static inline void proc_free(proc_result_t *r) {
  free(r->out);
  free(r->err);
  r->out = r->err = NULL;
}

/* Number of lines in s (a final line without newline counts). */
static inline int proc_lines(const char *s) {
  int n = 0;
  for (const char *p = s; *p; p++) n += *p == '\n';
  if (*s && s[strlen(s) - 1] != '\n') n++;
  return n;
}

#endif
