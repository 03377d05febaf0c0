/* eva_port.c: the EVA stub port (eva_port.h). Each reading is any value of its type; each
 * call's status is any int (the firmware must survive a port returning anything). */
#include "eva_any.h"
#include "eva_port.h"

static int any_int(void) {
  int v;
  EVA_ANY(v);
  return v;
}

static uint64_t now_us(void *ctx) {
  (void)ctx;
  uint64_t v;
  EVA_ANY(v);
  return v;
}
static void timer_at(void *ctx, uint64_t at_us) { (void)ctx, (void)at_us; }
static int out_load(void *ctx, const nm_pattern_t *p) {
  (void)ctx;
  volatile uint8_t seen = *(const volatile uint8_t *)p; /* the port reads what it loads */
  (void)seen;
  return any_int();
}
static void out_stop(void *ctx) { (void)ctx; }
static void out_status(void *ctx, nm_out_status_t *st) {
  (void)ctx;
  EVA_ANY(*st);
}
static void out_reset(void *ctx) { (void)ctx; }
static void out_loop(void *ctx, uint8_t prog, nm_loop_status_t *st) {
  (void)ctx, (void)prog;
  EVA_ANY(*st);
}
static int imp_measure(void *ctx, uint8_t a, uint8_t b, uint32_t *ohm) {
  (void)ctx, (void)a, (void)b;
  EVA_ANY(*ohm);
  return any_int();
}
static int batt_read(void *ctx, nm_batt_reading_t *out) {
  (void)ctx;
  EVA_ANY(*out);
  return any_int();
}
static int nvm_read(void *ctx, uint32_t addr, void *buf, size_t len) {
  (void)ctx, (void)addr;
  Frama_C_make_unknown((char *)buf, len);
  return any_int();
}
static int nvm_prog(void *ctx, uint32_t addr, const void *buf, size_t len) {
  (void)ctx, (void)addr;
  if (len) {
    volatile uint8_t seen = ((const volatile uint8_t *)buf)[len - 1]; /* all of buf is read */
    (void)seen;
  }
  return any_int();
}
static int nvm_erase(void *ctx, uint32_t page) {
  (void)ctx, (void)page;
  return any_int();
}
static int radio_send(void *ctx, const uint8_t *buf, size_t len) {
  (void)ctx;
  if (len) {
    volatile uint8_t seen = buf[len - 1];
    (void)seen;
  }
  return any_int();
}
static int rng(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  Frama_C_make_unknown((char *)buf, len);
  return any_int();
}
static void wdt_kick(void *ctx) { (void)ctx; }

static nm_port_t port;

const nm_port_t *eva_port(void) {
  port.ctx = 0;
  port.now_us = now_us;
  port.timer_at = timer_at;
  port.out_load = out_load;
  port.out_stop = out_stop;
  port.out_status = out_status;
  port.out_reset = out_reset;
  port.out_loop = out_loop;
  port.imp_measure = imp_measure;
  port.batt_read = batt_read;
  port.nvm_page_size = 4096u;
  port.nvm_pages = 64u;
  port.nvm_read = nvm_read;
  port.nvm_prog = nvm_prog;
  port.nvm_erase = nvm_erase;
  port.radio_send = radio_send;
  port.rng = rng;
  port.wdt_kick = wdt_kick;
  return &port;
}
