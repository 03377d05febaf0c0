/* console_static.c: the front end's files, from the assets folder built by `make` (web/).
 *
 * Only paths of A-Z a-z 0-9 . _ - / with no empty or dot-first segment are looked up, opened
 * without following symbolic links; a path whose last segment has no extension is a page of
 * the single-page app and gets index.html. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_html.h"
#include "console_srv.h"

#define ASSET_MAX (8u << 20)

static const struct {
  const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},                 {".png", "image/png"},
    {".ico", "image/x-icon"},              {".txt", "text/plain; charset=utf-8"},     {".woff2", "font/woff2"},
    {".webmanifest", "application/manifest+json"}, {".json", "application/json"},
};

static int plain_path(const char *p) {
  size_t n = strlen(p);
  if (n == 0 || n > 200 || p[0] != '/') return 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
             c == '-' || c == '/';
    if (!ok) return 0;
    if (c == '/' && (p[i + 1] == '/' || p[i + 1] == '.')) return 0;
  }
  return 1;
}

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return NULL;
}

/* Read assets/rel into rs: 0, or -1 (not there). */
static int load(const console_srv *srv, const char *rel, console_resp *rs) {
  const char *type = type_of(rel);
  if (!type) return -1;
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", srv->assets, rel);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > ASSET_MAX) {
    close(fd);
    return -1;
  }
  char *buf = malloc((size_t)sb.st_size + 1);
  size_t got = 0;
  while (buf && got < (size_t)sb.st_size) {
    ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (!buf || got != (size_t)sb.st_size) {
    free(buf);
    return -1;
  }
  free(rs->body);
  rs->body = buf;
  rs->len = got;
  rs->status = 200;
  rs->type = type;
  rs->cacheable = 1;
  return 0;
}

void console_static(console_req *rq, console_resp *rs) {
  const char *p = rq->path;
  if (strcmp(p, "/") == 0) p = "/index.html";
  if (plain_path(p)) {
    const char *last = strrchr(p, '/');
    if (!strchr(last, '.')) p = "/index.html";
    if (load(rq->srv, p + 1, rs) == 0) return;
  }
  console_html_not_found(rs, rq->path);
}
