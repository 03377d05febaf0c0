/* simsvc.c: see simsvc.h. One thread, one poll loop: the listener, up to SVC_MAX_CONN
 * connections (one may be the authenticated controller), the device's timer. */
#define _GNU_SOURCE
#include "simsvc.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "keyfile.h"
#include "link.h"
#include "longevity.h"
#include "net.h"
#include "nmod/crypto.h"
#include "nmod/dev.h"
#include "nmod/proto.h"
#include "sim.h"
#include "simstate.h"

#define NEVER UINT64_MAX
#define QMAX 4

typedef struct {
  uint64_t due_us;  /* real time */
  uint8_t outbound; /* 1: send to the client; 0: a received frame to process */
  size_t len;
  uint8_t buf[NM_FRAME_MAX];
} qitem_t;

typedef struct {
  int fd;
  nm_sess_t sess;
  uint8_t in[NM_FRAME_MAX];
  size_t have;
  int reading; /* 0 once the session stops listening (tarpit, closing) */
  qitem_t q[QMAX];
  int nq;
  uint64_t air_bytes;
} conn_t;

typedef struct {
  const svc_cfg_t *cfg;
  sim_hw_t hw;
  nm_dev_t dev;
  nm_proto_dev_t pdev;
  conn_t conn[SVC_MAX_CONN];
  uint8_t *nvm;
  uint64_t real0_us;
  const link_model_t *link;
  uint64_t rng;
  uint8_t work[2 * NM_CMD_MAX], out[NM_FRAME_MAX];
} svc_t;

static svc_t S;
static volatile sig_atomic_t stop_flag;
/* The flash fault the signals ask for: 1 after SIGUSR1, 0 after SIGUSR2 (the last one
 * wins). The poll loop makes the hardware follow it (flash_fault_follow). */
static volatile sig_atomic_t flash_want;

static void on_signal(int sig) {
  if (sig == SIGUSR1) flash_want = 1;
  else if (sig == SIGUSR2) flash_want = 0;
  else stop_flag = 1;
}

static uint64_t real_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "nmod sim: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* ---- virtual time ------------------------------------------------------------------- */

static uint64_t virtual_us(void) { return (real_us() - S.real0_us) * S.cfg->time_scale; }

/* Bring the simulated device up to now: every due timer wake, in order. */
static void advance(void) {
  uint64_t target = virtual_us();
  while (S.hw.timer_at_us != NEVER && S.hw.timer_at_us <= target) {
    uint64_t at = S.hw.timer_at_us;
    S.hw.timer_at_us = NEVER;
    sim_advance(&S.hw, at * 1000u);
    nm_dev_wake(&S.dev);
  }
  sim_advance(&S.hw, target * 1000u);
}

/* ---- state folder ------------------------------------------------------------------- */

static int lock_dir(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s/lock", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    say("cannot use state folder '%s': %s", dir, strerror(errno));
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    say("another nmod sim is running with state folder '%s': stop it first", dir);
    close(fd);
    return -1;
  }
  /* The holder's process id, for whoever wants to signal it (kill -USR1 $(cat DIR/lock)). */
  char pid[24];
  int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) say("cannot write the process id into '%s'", path);
  return fd;
}

static const char *kind_name(int k) { return k == NM_KIND_INS ? "ins" : "ets"; }
static const char *therapy_name(int t) { return t == NM_THERAPY_SNM ? "snm" : "scs"; }

/* hardware.json: what the device is (written when it is built, checked on every start). */
static int hardware(const svc_cfg_t *cfg, int *kind, int *therapy, int *lead, int *cell, int *profile) {
  char path[1024], err[256];
  snprintf(path, sizeof path, "%s/hardware.json", cfg->state_dir);
  char *text;
  size_t len;
  const nm_profile_t *want = cfg->profile ? nm_profile_by_name(cfg->profile) : NULL;
  if (js_read_file(path, 4096, &text, &len, err, sizeof err) == 0) {
    sst_hardware_t hw;
    int rc = sst_parse_hardware(text, len, path, &hw, err, sizeof err);
    free(text);
    if (rc != 0) {
      say("%s", err);
      return -1;
    }
    *kind = hw.kind;
    *therapy = hw.therapy;
    *lead = hw.lead_model;
    *cell = hw.cell;
    *profile = hw.profile;
    if ((cfg->kind >= 0 && cfg->kind != *kind) || (cfg->therapy >= 0 && cfg->therapy != *therapy) ||
        (cfg->lead_model >= 0 && cfg->lead_model != *lead) || (cfg->cell >= 0 && cfg->cell != *cell) ||
        (want && want->id != *profile)) {
      say("the state folder holds an %s %s stimulator with lead %s and a %s battery (profile %s): leave out "
          "--kind/--therapy/--lead/--battery/--profile or use another folder",
          kind_name(*kind), therapy_name(*therapy), nm_lead_name((uint8_t)*lead),
          *cell == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary", nm_profile_get((uint8_t)*profile)->name);
      return -1;
    }
    return 0;
  }
  if (errno != ENOENT && access(path, F_OK) == 0) {
    say("%s", err);
    return -1;
  }
  if (cfg->kind < 0 || cfg->therapy < 0 || cfg->lead_model < 0) {
    say("a new device needs --kind ets|ins, --therapy scs|snm and --lead MODEL ('%s' holds none yet)", cfg->state_dir);
    return -1;
  }
  if (cfg->profile && !want) {
    say("--profile '%s' is not a profile nmod knows: use one of %s", cfg->profile, lg_profile_names());
    return -1;
  }
  if (want && cfg->cell >= 0 && want->cell != cfg->cell) {
    say("--profile %s has a %s cell: leave out --battery or make it agree", want->name,
        want->cell == NM_CELL_RECHARGEABLE ? "rechargeable" : "primary");
    return -1;
  }
  *kind = cfg->kind;
  *therapy = cfg->therapy;
  *lead = cfg->lead_model;
  *cell = want ? want->cell : cfg->cell >= 0 ? cfg->cell : NM_CELL_PRIMARY;
  *profile = want ? want->id : nm_profile_reference((uint8_t)*cell);
  sst_hardware_t hw = {*kind, *therapy, *lead, *cell, *profile};
  char line[256];
  size_t n = sst_format_hardware(&hw, line, sizeof line);
  FILE *f = fopen(path, "w");
  if (!f) {
    say("cannot write '%s': %s", path, strerror(errno));
    return -1;
  }
  int bad = n == 0 || fwrite(line, 1, n, f) != n;
  return fclose(f) == 0 && !bad ? 0 : -1;
}

static uint8_t *map_nvm(const char *dir) {
  char path[1024];
  size_t size = (size_t)SVC_NVM_PAGE * SVC_NVM_PAGES;
  snprintf(path, sizeof path, "%s/nvm.bin", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    say("cannot open '%s': %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    return NULL;
  }
  if (st.st_size == 0) {
    /* A new flash chip: every byte erased. */
    static uint8_t ff[SVC_NVM_PAGE];
    memset(ff, 0xFF, sizeof ff);
    for (uint32_t i = 0; i < SVC_NVM_PAGES; i++) {
      if (write(fd, ff, sizeof ff) != (ssize_t)sizeof ff) {
        say("cannot write '%s': %s", path, strerror(errno));
        close(fd);
        return NULL;
      }
    }
  } else if ((size_t)st.st_size != size) {
    say("'%s' has %lld bytes, not %zu: it is not this simulator's flash", path, (long long)st.st_size, size);
    close(fd);
    return NULL;
  }
  uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    say("cannot map '%s': %s", path, strerror(errno));
    return NULL;
  }
  return p;
}

/* The cell's state lives in battery.json beside the flash (the hardware's own state, not
 * the device's memory): written every few seconds and at exit, read at start. */
static void battery_save(void) {
  char path[1024], tmp[1100];
  snprintf(path, sizeof path, "%s/battery.json", S.cfg->state_dir);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  sim_batt_account(&S.hw);
  const sim_cell_t *c = &S.hw.cell;
  /* used_pc: the charge missing from full, as before profiles (the same meaning). */
  fprintf(f, "{\"used_pc\":%.0f,\"throughput_pc\":%.0f,\"recharges\":%u}\n", sim_batt_missing_pc(&S.hw), c->thru_pc,
          c->recharges);
  if (fclose(f) == 0) rename(tmp, path);
}

static void battery_load(void) {
  char path[1024], err[256], *text;
  size_t len;
  snprintf(path, sizeof path, "%s/battery.json", S.cfg->state_dir);
  if (js_read_file(path, 4096, &text, &len, err, sizeof err) != 0) return;
  sst_battery_t b;
  int rc = sst_parse_battery(text, len, &b, err, sizeof err);
  free(text);
  if (rc != 0) return;
  sim_batt_set_charge_pc(&S.hw, (double)b.used_pc, (double)b.throughput_pc);
  S.hw.cell.recharges = b.recharges;
}

/* The injected flash fault (SIGUSR1 on, SIGUSR2 off) is the hardware's, like the cell: it
 * lasts while the file flash-fault exists in the state folder, so it survives a restart
 * of the sim, and it is on before the device boots. */
static void flash_fault_path(char *path, size_t cap) { snprintf(path, cap, "%s/flash-fault", S.cfg->state_dir); }

/* 1 when the state folder holds the fault, 0 when not, -1 (said why) when it cannot tell. */
static int flash_fault_load(void) {
  char path[1024];
  struct stat st;
  flash_fault_path(path, sizeof path);
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return 0;
    say("cannot read '%s': %s", path, strerror(errno));
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    say("'%s' is not a regular file: remove it (it marks an injected flash fault)", path);
    return -1;
  }
  return 1;
}

/* Make the simulated flash follow flash_want: on, every later write and erase fails. */
static void flash_fault_follow(void) {
  int on = flash_want ? 1 : 0;
  if (on == (int)S.hw.nvm.stuck) return;
  char path[1024];
  flash_fault_path(path, sizeof path);
  sim_nvm_set_fault(&S.hw, on);
  if (on) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    static const char note[] = "flash writes and erases fail until nmod sim gets SIGUSR2\n";
    int ok = fd >= 0 && write(fd, note, sizeof note - 1) == (ssize_t)(sizeof note - 1);
    if (fd >= 0 && close(fd) != 0) ok = 0;
    if (ok) say("flash fault injected: every flash write and erase fails until SIGUSR2");
    else say("flash fault injected, but not kept in '%s' (%s): it ends when this sim stops", path, strerror(errno));
  } else {
    if (unlink(path) == 0 || errno == ENOENT) say("flash fault healed: flash writes and erases work again");
    else say("flash fault healed, but '%s' stays (%s): it comes back at the next start", path, strerror(errno));
  }
}

/* A device that cannot boot on its stuck flash stays down (like hardware resetting in a
 * loop) until the fault is healed or the sim is stopped. Returns 1 once healed. */
static int wait_for_heal(void) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGUSR2);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  while (!stop_flag && flash_want) sigsuspend(&old);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (stop_flag) return 0;
  flash_fault_follow();
  return 1;
}

/* ---- connections -------------------------------------------------------------------- */

static uint32_t rnd(void *ctx) {
  uint64_t *s = ctx;
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 32);
}

static void conn_close(conn_t *c) {
  if (c->fd < 0) return;
  nm_sess_close(&c->sess);
  close(c->fd);
  c->fd = -1;
  c->nq = 0;
  c->have = 0;
}

/* Queue a frame: to send (outbound) or to process; the link model decides when. */
static void enqueue(conn_t *c, int outbound, const uint8_t *buf, size_t len) {
  if (c->nq == QMAX || len > NM_FRAME_MAX) return; /* a flood of frames: drop the excess */
  qitem_t *q = &c->q[c->nq++];
  uint32_t ms = 0;
  if (S.link) ms = link_frame_ms(S.link, len, rnd, &S.rng, &c->air_bytes);
  uint64_t after = real_us();
  for (int i = 0; i < c->nq - 1; i++) {
    if (c->q[i].due_us > after) after = c->q[i].due_us; /* the air carries one frame at a time */
  }
  q->due_us = after + (uint64_t)ms * 1000u;
  q->outbound = (uint8_t)outbound;
  q->len = len;
  memcpy(q->buf, buf, len);
}

static void handle_frame(conn_t *c, const uint8_t *frame, size_t len) {
  size_t out_len = 0;
  advance();
  int rc = nm_dev_radio_rx(&S.dev, &c->sess, frame, len, real_us(), S.work, S.out, sizeof S.out, &out_len);
  if (out_len) {
    enqueue(c, 1, S.out, out_len);
    if (rc == NM_SESS_REQUEST && !S.cfg->quiet) {
      say("%s: op 0x%02x -> %s, %zu + %zu frame bytes", c->sess.role == NM_ROLE_CLINICIAN ? "clinician" : "remote",
          S.work[0], nm_err_str((int8_t)S.work[NM_CMD_MAX]), len, out_len);
      if (S.link) {
        say("  %llu bytes on the air (%s) in this session so far", (unsigned long long)c->air_bytes, S.link->name);
      }
    }
  }
  if (rc == NM_SESS_TARPIT || rc == NM_SESS_CLOSE || !nm_sess_alive(&c->sess)) c->reading = 0;
}

/* Read what the socket has; hand complete frames on (through the link model). */
static void conn_read(conn_t *c) {
  ssize_t n = recv(c->fd, c->in + c->have, sizeof c->in - c->have, MSG_DONTWAIT);
  if (n <= 0) {
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    conn_close(c);
    return;
  }
  c->have += (size_t)n;
  while (c->reading && c->have > 0) {
    size_t need;
    if (nm_frame_need(c->in, c->have, &need) != NM_OK) {
      /* A header the protocol refuses: the session counts it, then the stream is over. */
      handle_frame(c, c->in, c->have);
      c->reading = 0;
      c->have = 0;
      break;
    }
    if (c->have < need) break;
    if (S.link) enqueue(c, 0, c->in, need);
    else handle_frame(c, c->in, need);
    memmove(c->in, c->in + need, c->have - need);
    c->have -= need;
  }
}

static void conn_service_queue(conn_t *c) {
  uint64_t now = real_us();
  while (c->fd >= 0 && c->nq > 0 && c->q[0].due_us <= now) {
    qitem_t item = c->q[0];
    memmove(&c->q[0], &c->q[1], sizeof(qitem_t) * (size_t)(c->nq - 1));
    c->nq--;
    if (item.outbound) {
      if (net_send_all(c->fd, item.buf, item.len, 2000) != 0) conn_close(c);
    } else {
      handle_frame(c, item.buf, item.len);
    }
  }
  /* A session that stopped listening closes once its last frame is out and its
   * deadline (the tarpit's back-off) has passed. */
  if (c->fd >= 0 && !c->reading && c->nq == 0 && (c->sess.st != NM_SST_TARPIT || now >= c->sess.close_at_us)) {
    conn_close(c);
  }
  if (c->fd >= 0 && c->reading && now >= nm_sess_deadline_us(&c->sess)) conn_close(c);
}

static void accept_conn(int lfd) {
  int fd = accept(lfd, NULL, NULL);
  if (fd < 0) return;
  for (int i = 0; i < SVC_MAX_CONN; i++) {
    conn_t *c = &S.conn[i];
    if (c->fd >= 0) continue;
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->reading = 1;
    nm_sess_init(&c->sess, &S.pdev, real_us());
    return;
  }
  /* Every slot taken: make room by closing the oldest connection that has not
   * authenticated (or sits in a back-off). A flood of idle or failing connections can
   * then delay the device's own clients by a handshake at most, never lock them out. */
  conn_t *victim = NULL;
  for (int i = 0; i < SVC_MAX_CONN; i++) {
    conn_t *c = &S.conn[i];
    if (c->sess.st == NM_SST_OPEN) continue;
    if (!victim || c->sess.start_us < victim->sess.start_us) victim = c;
  }
  if (!victim) {
    close(fd);
    return;
  }
  conn_close(victim);
  memset(victim, 0, sizeof *victim);
  victim->fd = fd;
  victim->reading = 1;
  nm_sess_init(&victim->sess, &S.pdev, real_us());
}

/* ---- the service -------------------------------------------------------------------- */

static int proto_lookup(void *ctx, const uint8_t key_id[8], uint8_t *role, uint8_t key[32]) {
  return nm_dev_key_lookup(ctx, key_id, role, key);
}

int svc_run(const svc_cfg_t *cfg) {
  memset(&S, 0, sizeof S);
  S.cfg = cfg;
  for (int i = 0; i < SVC_MAX_CONN; i++) S.conn[i].fd = -1;
  if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST) {
    say("cannot create state folder '%s': %s", cfg->state_dir, strerror(errno));
    return 2;
  }
  int lock = lock_dir(cfg->state_dir);
  if (lock < 0) return 2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigfillset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  int kind, therapy, lead_model, cell, profile;
  if (hardware(cfg, &kind, &therapy, &lead_model, &cell, &profile) != 0) return 2;
  struct sockaddr_in addr;
  char err[256];
  if (net_parse_addr(cfg->listen, &addr, err, sizeof err) != 0) {
    say("--listen %s", err);
    return 2;
  }
  S.nvm = map_nvm(cfg->state_dir);
  if (!S.nvm) return 1;
  const nm_lead_t *lead = nm_lead_catalog((uint8_t)lead_model);
  sim_init(&S.hw, lead, NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV, NULL, 0, 0);
  sim_attach_nvm(&S.hw, S.nvm, SVC_NVM_PAGE, SVC_NVM_PAGES);
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (cfg->fault[n]) sim_set_fault(&S.hw, n, cfg->fault[n]);
  }
  const nm_profile_t *hwp = nm_profile_get((uint8_t)profile);
  sim_batt_set_profile(&S.hw, hwp, cfg->battery_pct >= 0 ? (uint32_t)cfg->battery_pct : 100u);
  if (cfg->battery_pct < 0) battery_load();
  /* The simulated patient recharges when the remote asks for it. */
  if (cell == NM_CELL_RECHARGEABLE) sim_batt_autocharge(&S.hw, hwp->low_pm);
  S.real0_us = real_us();
  S.rng = S.real0_us;
  S.link = link_model((link_kind)cfg->link);
  int stuck = flash_fault_load();
  if (stuck < 0) return 2;
  if (stuck) {
    flash_want = 1;
    sim_nvm_set_fault(&S.hw, 1);
    say("flash fault on (kept in the state folder): every flash write and erase fails until SIGUSR2");
  }
  nm_factory_t factory = {(uint8_t)kind, (uint8_t)therapy, *lead, (uint32_t)time(NULL), (uint8_t)cell, (uint8_t)profile};
  int rc;
  while ((rc = nm_dev_boot(&S.dev, sim_port(&S.hw), &factory)) != NM_OK) {
    const char *why = S.dev.boot_fail == NM_BOOTF_NO_IDENTITY
                          ? " (its identity was lost to flash damage: it stays off and unreachable; a new one is never made)"
                      : S.dev.boot_fail == NM_BOOTF_STORE ? " (its memory is damaged beyond use: nothing was written)"
                      : S.hw.nvm.stuck ? " (its flash is stuck: send SIGUSR2 to heal it and boot)"
                                       : "";
    say("the device in '%s' does not boot: %s%s", cfg->state_dir, nm_err_str(rc), why);
    if (!S.hw.nvm.stuck || S.dev.boot_fail != NM_BOOTF_NONE || !wait_for_heal()) return 1;
  }
  if (S.dev.core.alerts & NM_ALERT_STORE) say("its flash cannot be written: booted with therapy off until it can");
  if (S.dev.core.alerts & NM_ALERT_DAMAGE) say("flash damage found at boot: see 'programmer history' (damage event)");
  char keypath[1024];
  snprintf(keypath, sizeof keypath, "%s/clinician.key", cfg->state_dir);
  /* The manufacturer's key service: a new device's key, or a key file that a kill cut off
   * between provisioning and writing it. */
  if (S.dev.provisioned_now || access(keypath, F_OK) != 0) {
    kf_key_t k;
    memset(&k, 0, sizeof k);
    k.role = NM_ROLE_CLINICIAN;
    memcpy(k.serial, S.dev.id.serial, NM_SERIAL_LEN);
    memcpy(k.key_id, S.dev.id.clin_id, NM_KEY_ID_LEN);
    memcpy(k.secret, S.dev.id.clin_key, NM_SECRET_LEN);
    char path[1024];
    snprintf(path, sizeof path, "%s/clinician.key", cfg->state_dir);
    unlink(path); /* a key of an earlier device in this folder is void now */
    if (kf_write(path, &k, err, sizeof err) != 0) {
      say("%s", err);
      nm_wipe(&k, sizeof k);
      return 1;
    }
    nm_wipe(&k, sizeof k);
  }
  S.hw.load_ohm = S.dev.core.set.load.impedance_ohm;
  sim_out_reprice(&S.hw);
  uint8_t serial[NM_SERIAL_LEN];
  memcpy(serial, S.dev.id.serial, NM_SERIAL_LEN);
  nm_pdev_init(&S.pdev, sim_port(&S.hw), serial, proto_lookup, &S.dev);
  uint16_t port;
  int lfd = net_listen(&addr, &port, err, sizeof err);
  if (lfd < 0) {
    say("%s", err);
    return 2;
  }
  char pf[1024];
  snprintf(pf, sizeof pf, "%s/port", cfg->state_dir);
  FILE *f = fopen(pf, "w");
  if (f) {
    fprintf(f, "%u\n", port);
    fclose(f);
  }
  printf("nmod sim: %.16s, %s %s, lead %s, %s; listening on 127.0.0.1:%u\n", S.dev.id.serial, kind_name(kind),
         therapy_name(therapy), nm_lead_name((uint8_t)lead_model),
         S.dev.provisioned_now ? "new device (clinician key in the state folder)" : "restored from its flash", port);
  fflush(stdout);

  uint64_t saved_at = real_us();
  while (!stop_flag) {
    flash_fault_follow();
    advance();
    if (real_us() - saved_at > 5000000u) {
      battery_save();
      saved_at = real_us();
    }
    struct pollfd pfd[1 + SVC_MAX_CONN];
    int idx[1 + SVC_MAX_CONN], np = 0;
    pfd[np].fd = lfd;
    pfd[np].events = POLLIN;
    idx[np++] = -1;
    uint64_t now = real_us(), wake = now + 1000000u;
    for (int i = 0; i < SVC_MAX_CONN; i++) {
      conn_t *c = &S.conn[i];
      if (c->fd < 0) continue;
      if (c->reading) {
        pfd[np].fd = c->fd;
        pfd[np].events = POLLIN | POLLRDHUP;
        idx[np++] = i;
      }
      if (c->nq > 0 && c->q[0].due_us < wake) wake = c->q[0].due_us;
      uint64_t dl = c->reading ? nm_sess_deadline_us(&c->sess) : c->sess.close_at_us;
      if (dl < wake) wake = dl;
    }
    if (S.hw.timer_at_us != NEVER) {
      uint64_t v = virtual_us();
      uint64_t real_at = S.hw.timer_at_us > v ? now + (S.hw.timer_at_us - v) / cfg->time_scale : now;
      if (real_at < wake) wake = real_at;
    }
    int ms = wake > now ? (int)((wake - now + 999u) / 1000u) : 0;
    int n = poll(pfd, (nfds_t)np, ms);
    if (n < 0 && errno != EINTR) break;
    /* A signal sent before a request arrived is in effect before the request is read. */
    flash_fault_follow();
    /* Closed connections first, so a controller that just left frees its slot before a
     * new one's HELLO is read in the same round. */
    for (int k = 1; n > 0 && k < np; k++) {
      if (pfd[k].revents & (POLLRDHUP | POLLHUP | POLLERR)) conn_read(&S.conn[idx[k]]);
    }
    for (int k = 0; n > 0 && k < np; k++) {
      if (!(pfd[k].revents & POLLIN) || (k > 0 && (pfd[k].revents & (POLLRDHUP | POLLHUP | POLLERR)))) continue;
      if (idx[k] < 0) accept_conn(lfd);
      else if (S.conn[idx[k]].fd >= 0) conn_read(&S.conn[idx[k]]);
    }
    for (int i = 0; i < SVC_MAX_CONN; i++) {
      if (S.conn[i].fd >= 0) conn_service_queue(&S.conn[i]);
    }
  }
  for (int i = 0; i < SVC_MAX_CONN; i++) conn_close(&S.conn[i]);
  close(lfd);
  battery_save();
  msync(S.nvm, (size_t)SVC_NVM_PAGE * SVC_NVM_PAGES, MS_SYNC);
  munmap(S.nvm, (size_t)SVC_NVM_PAGE * SVC_NVM_PAGES);
  close(lock);
  say("stopped");
  return 0;
}
