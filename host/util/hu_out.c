/* hu_out.c: see hu_out.h. */
#define _POSIX_C_SOURCE 200809L
#include "hu_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hu_out_begin(hu_out *o, const char *path, char *err, size_t cap) {
  memset(o, 0, sizeof *o);
  o->path = path;
  int n = snprintf(o->tmp, sizeof o->tmp, "%s.tmp-XXXXXX", path);
  if (n < 0 || (size_t)n >= sizeof o->tmp) {
    snprintf(err, cap, "output path %s is too long", path);
    return HU_OUT_PATH;
  }
  int fd = mkstemp(o->tmp); /* 0600 whatever the umask */
  if (fd < 0) {
    snprintf(err, cap, "cannot write %s: %s (check the folder exists and is writable)", path, strerror(errno));
    return HU_OUT_IO;
  }
  o->f = fdopen(fd, "wb");
  if (!o->f) {
    int e = errno;
    close(fd);
    unlink(o->tmp);
    snprintf(err, cap, "cannot write %s: %s", path, strerror(e));
    return HU_OUT_IO;
  }
  return HU_OUT_OK;
}

int hu_out_end(hu_out *o, int keep, char *err, size_t cap) {
  if (!o->f) return HU_OUT_OK;
  int e = 0;
  if (fflush(o->f) != 0 || ferror(o->f) || (keep && fsync(fileno(o->f)) != 0)) e = errno ? errno : EIO;
  if (fclose(o->f) != 0 && !e) e = errno ? errno : EIO;
  o->f = NULL;
  if (keep && !e) {
    if (rename(o->tmp, o->path) == 0) return HU_OUT_OK;
    e = errno;
  }
  unlink(o->tmp);
  if (!keep) return HU_OUT_OK;
  snprintf(err, cap, "writing %s failed: %s; the file was not changed", o->path, strerror(e));
  return HU_OUT_IO;
}
