/* sim_nvm.c: simulated NOR flash with power-cut and stuck-flash injection.
 *
 * Erase sets a page to 0xFF; programming ANDs bytes in (it can only clear bits), as NOR
 * flash does. A power cut tears the operation in progress: a program writes only a prefix
 * of its bytes, an erase leaves part of the page erased and part as it was. Every later
 * operation fails (NM_EIO) until sim_nvm_power_restore(), like a device without power.
 * A stuck flash (sim_nvm_set_fault) refuses every program and erase whole, before it
 * touches a byte or counts towards a power cut, and keeps reading. */
#include <string.h>

#include "nmod/err.h"
#include "sim.h"

int sim_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len);
int sim_nvm_prog(void *ctx, uint32_t addr, const void *buf, size_t len);
int sim_nvm_erase(void *ctx, uint32_t page);

static uint64_t next_rand(sim_nvm_t *n) {
  n->seed = n->seed * 6364136223846793005ull + 1442695040888963407ull;
  return n->seed >> 33;
}

static int in_range(const sim_nvm_t *n, uint32_t addr, size_t len) {
  uint64_t size = (uint64_t)n->page_size * n->pages;
  return n->mem && (uint64_t)addr + len <= size;
}

/* Returns 1 when this operation is the one the power cut tears. */
static int cut_now(sim_nvm_t *n) {
  if (n->cut_after < 0) return 0;
  if (n->cut_after == 0) {
    n->cut = 1;
    n->cut_after = -1;
    return 1;
  }
  n->cut_after--;
  return 0;
}

int sim_nvm_read(void *ctx, uint32_t addr, void *buf, size_t len) {
  sim_nvm_t *n = &((sim_hw_t *)ctx)->nvm;
  if (n->cut) return NM_EIO;
  if (!in_range(n, addr, len)) return NM_EINVAL;
  memcpy(buf, n->mem + addr, len);
  return NM_OK;
}

int sim_nvm_prog(void *ctx, uint32_t addr, const void *buf, size_t len) {
  sim_nvm_t *n = &((sim_hw_t *)ctx)->nvm;
  const uint8_t *src = buf;
  if (n->cut) return NM_EIO;
  if (!in_range(n, addr, len)) return NM_EINVAL;
  if (n->stuck) {
    n->stuck_refused++;
    return NM_EIO;
  }
  size_t upto = len;
  int torn = cut_now(n);
  if (torn) upto = len ? (size_t)(next_rand(n) % len) : 0;
  for (size_t i = 0; i < upto; i++) n->mem[addr + i] &= src[i];
  n->progs++;
  return torn ? NM_EIO : NM_OK;
}

int sim_nvm_erase(void *ctx, uint32_t page) {
  sim_nvm_t *n = &((sim_hw_t *)ctx)->nvm;
  if (n->cut) return NM_EIO;
  if (page >= n->pages || !n->mem) return NM_EINVAL;
  if (n->stuck) {
    n->stuck_refused++;
    return NM_EIO;
  }
  uint8_t *p = n->mem + (size_t)page * n->page_size;
  if (cut_now(n)) {
    /* A torn erase: a random part of the page is erased, the rest keeps old bytes. */
    for (uint32_t i = 0; i < n->page_size; i++) {
      if (next_rand(n) & 1u) p[i] = 0xFF;
    }
    n->erases++;
    return NM_EIO;
  }
  memset(p, 0xFF, n->page_size);
  n->erases++;
  return NM_OK;
}

void sim_nvm_cut_after(sim_hw_t *hw, int64_t ops) {
  hw->nvm.cut_after = ops;
  hw->nvm.cut = 0;
}

void sim_nvm_power_restore(sim_hw_t *hw) {
  hw->nvm.cut = 0;
  hw->nvm.cut_after = -1;
}

void sim_nvm_set_fault(sim_hw_t *hw, int on) { hw->nvm.stuck = on ? 1u : 0u; }
