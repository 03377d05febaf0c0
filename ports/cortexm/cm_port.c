/* cm_port.c: the Cortex-M port: clock, wake timer, the wait of the main loop, the
 * measurement of core calls, and the simple devices (impedance, battery, external flash, rng, watchdog, radio).
 * The output stage is cm_out.c. */
#include "cm_port.h"

#include <string.h>

#include "mps2.h"
#include "nmod/battery.h"
#include "nmod/err.h"
#include "nmod/limits.h"

/* ---- clock --------------------------------------------------------------------------- */

/* APB timer 0 counts down from CLK_PERIOD - 1 and wraps: position p of a period (ticks
 * since the interrupt that started it) is 0 while the counter holds 0, else PERIOD - v.
 * 1.6e9 ticks is 64 s: a whole number of microseconds, so the microsecond clock needs
 * no 64-bit division. */
#define CLK_PERIOD 1600000000u
#define CLK_PERIOD_US (CLK_PERIOD / CM_TICKS_PER_US)

static volatile uint32_t clk_wraps;

/* Wraps (including one that is pending but not yet handled) and position, read
 * consistently: the pending flag must be the same before and after the counter read. */
static void clk_read(uint32_t *wraps, uint32_t *pos) {
  uint32_t m = cm_irq_save();
  uint32_t p1, v, p2;
  do {
    p1 = CM_REG(CM_TIMER0 + CM_TIMER_INT) & 1u;
    v = CM_REG(CM_TIMER0 + CM_TIMER_VALUE);
    p2 = CM_REG(CM_TIMER0 + CM_TIMER_INT) & 1u;
  } while (p1 != p2);
  *wraps = clk_wraps + p1;
  *pos = v ? CLK_PERIOD - v : 0u;
  cm_irq_restore(m);
}

uint64_t cm_ticks(void) {
  uint32_t w, p;
  clk_read(&w, &p);
  return (uint64_t)w * CLK_PERIOD + p;
}

uint64_t cm_now_ns(void) { return cm_ticks() * CM_TICK_NS; }

uint64_t cm_now_us(void) {
  uint32_t w, p;
  clk_read(&w, &p);
  return (uint64_t)w * CLK_PERIOD_US + p / CM_TICKS_PER_US;
}

void cm_isr_timer0(void);
void cm_isr_timer0(void) {
  CM_REG(CM_TIMER0 + CM_TIMER_INT) = 1u;
  clk_wraps = clk_wraps + 1u;
}

static void clock_start(void) {
  CM_REG(CM_TIMER0 + CM_TIMER_CTRL) = 0;
  CM_REG(CM_TIMER0 + CM_TIMER_INT) = 1u;
  clk_wraps = 0;
  CM_REG(CM_TIMER0 + CM_TIMER_RELOAD) = CLK_PERIOD - 1u; /* also loads the counter */
  CM_REG(CM_TIMER0 + CM_TIMER_CTRL) = CM_TIMER_CTRL_EN | CM_TIMER_CTRL_IRQEN;
  cm_nvic_enable(CM_IRQ_TIMER0, CM_PRIO_DEVICES);
}

/* ---- the wake timer ------------------------------------------------------------------ */

static struct {
  uint64_t wake_at_us;   /* the core's request (timer_at) */
  uint64_t armed_ticks;  /* what timer 1 is set for, CM_NEVER when off */
  uint32_t node_ohm[NM_NODES];
  uint8_t node_fault[NM_NODES];
  uint8_t n_contacts;
  nm_batt_reading_t batt;
  uint64_t rng_state;
  uint64_t wdt_kicks;
  uint64_t radio_frames;
  nm_port_t port;
} hw;

void cm_isr_timer1(void);
void cm_isr_timer1(void) {
  CM_REG(CM_TIMER1 + CM_TIMER_CTRL) = 0;
  CM_REG(CM_TIMER1 + CM_TIMER_INT) = 1u;
  hw.armed_ticks = CM_NEVER;
}

/* Interrupt when the clock reaches at_us (CM_NEVER: not at all). Beyond 171 s the timer
 * fires early and the main loop sets it again. */
static void wake_timer_arm(uint64_t at_us) {
  if (at_us == CM_NEVER || at_us >= CM_NEVER / CM_TICKS_PER_US) {
    if (hw.armed_ticks != CM_NEVER) {
      CM_REG(CM_TIMER1 + CM_TIMER_CTRL) = 0;
      CM_REG(CM_TIMER1 + CM_TIMER_INT) = 1u;
      hw.armed_ticks = CM_NEVER;
    }
    return;
  }
  uint64_t at = at_us * CM_TICKS_PER_US;
  if (at == hw.armed_ticks) return;
  uint32_t m = cm_irq_save();
  uint64_t now = cm_ticks();
  uint64_t d = at > now ? at - now : 1u;
  if (d > 0xFFFFFFF0u) d = 0xFFFFFFF0u;
  CM_REG(CM_TIMER1 + CM_TIMER_CTRL) = 0;
  CM_REG(CM_TIMER1 + CM_TIMER_INT) = 1u;
  CM_REG(CM_TIMER1 + CM_TIMER_RELOAD) = (uint32_t)d; /* interrupts d ticks from now */
  CM_REG(CM_TIMER1 + CM_TIMER_CTRL) = CM_TIMER_CTRL_EN | CM_TIMER_CTRL_IRQEN;
  hw.armed_ticks = at;
  cm_irq_restore(m);
}

/* ---- the main loop and its measurement ----------------------------------------------- */

cm_stats_t cm_stats;

void cm_stats_reset(void) {
  uint64_t oh = cm_stats.overhead_ticks;
  memset(&cm_stats, 0, sizeof cm_stats);
  cm_stats.overhead_ticks = oh;
}

uint64_t cm_ticks_to_insns(uint64_t ticks, unsigned shift) {
  uint64_t ns = ticks * CM_TICK_NS;
  uint64_t unit = 1ull << shift;
  return (ns + unit / 2u) / unit;
}

static volatile uint8_t radio_pending;

/* The measurement's own cost: the same bracket around an empty call. */
__attribute__((noinline)) static void empty_call(void) { __asm__ volatile("" ::: "memory"); }

static void calibrate(void) {
  uint64_t best = CM_NEVER;
  for (int i = 0; i < 4; i++) {
    cm_span_t s = cm_core_enter();
    empty_call();
    uint64_t t = cm_core_exit(s);
    if (t < best) best = t;
  }
  cm_stats.overhead_ticks = best;
}

cm_event cm_wait(uint64_t until_us) {
  for (;;) {
    uint64_t now = cm_now_us();
    if (cm_out_take_event() || now >= hw.wake_at_us) return CM_EV_WAKE;
    if (radio_pending) return CM_EV_RADIO;
    if (now >= until_us) return CM_EV_TIME;
    uint64_t target = hw.wake_at_us < until_us ? hw.wake_at_us : until_us;
    wake_timer_arm(target);
    /* Sleep unless something became due meanwhile; a masked pending interrupt still ends
     * the WFI, and runs as soon as the mask is lifted. */
    uint32_t m = cm_irq_save();
    if (!cm_out_event_pending() && !radio_pending && cm_now_us() < target) cm_wfi();
    cm_irq_restore(m);
  }
}

/* ---- devices ------------------------------------------------------------------------- */

static uint64_t p_now_us(void *ctx) {
  (void)ctx;
  return cm_now_us();
}

static void p_timer_at(void *ctx, uint64_t at_us) {
  (void)ctx;
  hw.wake_at_us = at_us; /* the main loop arms timer 1 before it sleeps */
}

static int node_on_lead(uint8_t n) { return n == NM_NODE_CASE || n < hw.n_contacts; }

/* A pair's impedance: the two contacts' own, in series. A broken conductor (open) makes
 * any pair with it read very high; a conductor touching another (short) makes any pair
 * with it read very low. */
static int p_imp_measure(void *ctx, uint8_t a, uint8_t b, uint32_t *ohm) {
  (void)ctx;
  if (a >= NM_NODES || b >= NM_NODES || a == b) return NM_EINVAL;
  if (!node_on_lead(a) || !node_on_lead(b)) return NM_ENOENT;
  uint8_t fa = hw.node_fault[a], fb = hw.node_fault[b];
  if (fa == CM_NODE_OPEN || fb == CM_NODE_OPEN) *ohm = 50000u;
  else if (fa == CM_NODE_SHORT || fb == CM_NODE_SHORT) *ohm = 10u;
  else *ohm = hw.node_ohm[a] + hw.node_ohm[b];
  return NM_OK;
}

static int p_batt_read(void *ctx, nm_batt_reading_t *r) {
  (void)ctx;
  *r = hw.batt;
  return NM_OK;
}

/* External NOR flash: 64 pages of 4 KiB in SSRAM (the .extflash section), erased at power
 * on. Programming ANDs bits in, as NOR flash does; only an erase sets them again. */
#define NVM_PAGE_SIZE 4096u
#define NVM_PAGES 64u
static uint8_t nvm[NVM_PAGES * NVM_PAGE_SIZE] __attribute__((section(".extflash")));

static int nvm_range(uint32_t addr, size_t len) {
  return addr <= sizeof nvm && len <= sizeof nvm - addr;
}

static int p_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len) {
  (void)ctx;
  if (!nvm_range(addr, len)) return NM_EINVAL;
  memcpy(buf, &nvm[addr], len);
  return NM_OK;
}

static int p_nvm_prog(void *ctx, uint32_t addr, const void *buf, size_t len) {
  (void)ctx;
  if (!nvm_range(addr, len)) return NM_EINVAL;
  const uint8_t *src = buf;
  for (size_t i = 0; i < len; i++) nvm[addr + i] &= src[i];
  return NM_OK;
}

static int p_nvm_erase(void *ctx, uint32_t page) {
  (void)ctx;
  if (page >= NVM_PAGES) return NM_EINVAL;
  memset(&nvm[page * NVM_PAGE_SIZE], 0xFF, NVM_PAGE_SIZE);
  return NM_OK;
}

static int p_radio_send(void *ctx, const uint8_t *buf, size_t len) {
  (void)ctx;
  (void)buf;
  (void)len;
  hw.radio_frames++; /* the MPS2 board has no radio: frames are counted and dropped */
  return NM_OK;
}

/* NOT a true random number generator: splitmix64 seeded from the board's SCC ID
 * register, so every run of an image sees the same bytes (what the tests want). A device
 * must use its hardware TRNG here: session keys and nonces depend on it. */
static int p_rng(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) {
    uint64_t z = (hw.rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    buf[i] = (uint8_t)(z ^ (z >> 31));
  }
  return NM_OK;
}

static void p_wdt_kick(void *ctx) {
  (void)ctx;
  hw.wdt_kicks++;
}

static const nm_port_t *power_on(const nm_lead_t *lead, uint32_t load_ohm, int erase_flash) {
  cm_irq_save();
  CM_REG(CM_TIMER1 + CM_TIMER_CTRL) = 0;
  memset(&hw, 0, sizeof hw);
  hw.wake_at_us = CM_NEVER;
  hw.armed_ticks = CM_NEVER;
  hw.n_contacts = lead->n_contacts;
  for (uint8_t n = 0; n < NM_NODES; n++) hw.node_ohm[n] = load_ohm / 2u;
  /* A new primary cell of the core's default profile: its voltage when full. */
  hw.batt.voltage_mv = nm_ocv_mv(nm_profile_get(NM_PROFILE_NMOD_PRIMARY)->chem, 1000u);
  hw.rng_state = 0x6E6D6F64ull ^ ((uint64_t)CM_REG(CM_SCC_ID) << 32);
  if (erase_flash) memset(nvm, 0xFF, sizeof nvm);
  clock_start();
  CM_REG(CM_TIMER1 + CM_TIMER_INT) = 1u;
  cm_nvic_enable(CM_IRQ_TIMER1, CM_PRIO_DEVICES);
  cm_out_init(lead);
  memset(&cm_stats, 0, sizeof cm_stats);
  radio_pending = 0;
  cm_irq_enable();
  calibrate();

  nm_port_t *p = &hw.port;
  p->ctx = &hw;
  p->now_us = p_now_us;
  p->timer_at = p_timer_at;
  p->out_load = cm_out_load;
  p->out_stop = cm_out_stop;
  p->out_status = cm_out_status;
  p->out_reset = cm_out_reset;
  p->out_loop = cm_out_loop;
  p->imp_measure = p_imp_measure;
  p->batt_read = p_batt_read;
  p->nvm_page_size = NVM_PAGE_SIZE;
  p->nvm_pages = NVM_PAGES;
  p->nvm_read = p_nvm_read;
  p->nvm_prog = p_nvm_prog;
  p->nvm_erase = p_nvm_erase;
  p->radio_send = p_radio_send;
  p->rng = p_rng;
  p->wdt_kick = p_wdt_kick;
  return p;
}

const nm_port_t *cm_port_init(const nm_lead_t *lead, uint32_t load_ohm) { return power_on(lead, load_ohm, 1); }

const nm_port_t *cm_port_reboot(const nm_lead_t *lead, uint32_t load_ohm) { return power_on(lead, load_ohm, 0); }

void cm_node_fault(uint8_t node, uint8_t fault) {
  if (node < NM_NODES) hw.node_fault[node] = fault;
}

void cm_batt_set(const nm_batt_reading_t *r) { hw.batt = *r; }

uint64_t cm_wdt_kicks(void) { return hw.wdt_kicks; }

int cm_radio_pending(void) { return radio_pending; }

size_t cm_radio_rx(uint8_t *buf, size_t cap) {
  (void)buf;
  (void)cap;
  radio_pending = 0;
  return 0; /* no radio on the MPS2 board: nothing ever arrives */
}
