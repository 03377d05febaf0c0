/* pattern.c: structural facts about an output pattern, shared by the planner (which must
 * produce valid ones) and the output stages (which check every pattern they are given). */
#include "nmod/pattern.h"

#include "nmod/err.h"

uint32_t nm_pattern_slot_end_ns(const nm_pattern_t *p, uint8_t i) {
  const nm_slot_t *s = &p->slot[i];
  uint8_t ch = s->chan; /* read once: the check and the index are the same byte */
  if (ch >= NM_MAX_RUNNING) return UINT32_MAX; /* no such channel: past any frame */
  const nm_chan_t *c = &p->chan[ch];
  uint64_t end = (uint64_t)s->offset_ns + (uint64_t)c->width_us * 1000u;
  if (s->recharge) end += ((uint64_t)c->gap_us + c->recharge_us) * 1000u;
  return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}

int nm_pattern_validate(const nm_pattern_t *p) {
  if (p->frame_hz == 0 || p->n_chan > NM_MAX_RUNNING || p->n_slot > NM_PATTERN_MAX_SLOTS) {
    return NM_EINVAL;
  }
  uint32_t frame_ns = 1000000000u / p->frame_hz;
  /* Stimulating phases of each channel since its last recharge. */
  uint32_t open[NM_MAX_RUNNING] = {0};
  for (uint8_t c = 0; c < p->n_chan; c++) {
    int64_t sum = 0; /* NM_NODES x INT32 range: no overflow */
    /*@ loop unroll NM_NODES; */
    for (uint8_t n = 0; n < NM_NODES; n++) sum += p->chan[c].node_ua[n];
    if (sum != 0 || p->chan[c].width_us == 0) return NM_EINVAL;
  }
  for (uint8_t i = 0; i < p->n_slot; i++) {
    const nm_slot_t *s = &p->slot[i];
    uint8_t ch = s->chan; /* read once: checked, then the index */
    if (ch >= p->n_chan) return NM_EINVAL;
    uint32_t end = nm_pattern_slot_end_ns(p, i);
    if (end > frame_ns) return NM_EINVAL;
    if (i + 1 < p->n_slot && end > p->slot[i + 1].offset_ns) return NM_EINVAL;
    const nm_chan_t *c = &p->chan[ch];
    open[ch]++;
    if (s->recharge) {
      /* Charge balance: the recharge carries the charge of every stimulating phase
       * since the last recharge, at the same current. */
      if ((uint64_t)open[ch] * c->width_us != c->recharge_us) return NM_EINVAL;
      open[ch] = 0;
    }
  }
  for (uint8_t c = 0; c < p->n_chan; c++) {
    if (open[c] != 0) return NM_EINVAL; /* a frame must not end with charge unbalanced */
  }
  return NM_OK;
}
