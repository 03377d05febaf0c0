/* plan.c: output planning (see nmod/plan.h). Bounded work: at most NM_MAX_RUNNING programs
 * and NM_PATTERN_MAX_SLOTS pulses per frame; runs when the running set changes, never per
 * pulse. */
#include "nmod/plan.h"


/*@ assigns \nothing; */
static uint32_t gcd_u32(uint32_t a, uint32_t b) {
  /*@ loop assigns a, b;
      loop variant b; */
  while (b) {
    uint32_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

uint32_t nm_plan_slots_of(const nm_prog_t *p, uint32_t frame_hz) {
  if (frame_hz == 0) return 0;
  uint32_t occ = p->rate_hz / frame_hz;
  if (p->wave != NM_WAVE_BURST) return occ;
  uint64_t n = (uint64_t)occ * p->burst_pulses;
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* Offset of occurrence i (pulse or burst) of a program from its phase. */
/*@ requires \valid_read(p) && p->rate_hz > 0;
    assigns \nothing; */
static uint32_t occ_offset_ns(const nm_prog_t *p, uint32_t i) {
  return (uint32_t)(((uint64_t)i * 1000000000u) / p->rate_hz);
}

/*@ requires \valid_read(p) && p->intra_hz > 0;
    assigns \nothing; */
static uint32_t burst_offset_ns(const nm_prog_t *p, uint32_t m) {
  return (uint32_t)(((uint64_t)m * 1000000000u) / p->intra_hz);
}

typedef struct {
  uint32_t start, end; /* [start, end) ns */
} span_t;

typedef struct {
  span_t s[NM_PATTERN_MAX_SLOTS];
  uint32_t n;
} spans_t;

/* Index of the first span whose end is after `at` (spans are disjoint and sorted). */
/*@ requires \valid_read(sp) && sp->n <= NM_PATTERN_MAX_SLOTS;
    assigns \nothing;
    ensures \result <= sp->n; */
static uint32_t first_ending_after(const spans_t *sp, uint32_t at) {
  uint32_t lo = 0, hi = sp->n;
  /*@ loop invariant 0 <= lo <= hi <= sp->n;
      loop assigns lo, hi;
      loop variant hi - lo; */
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (sp->s[mid].end <= at) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/*@ requires \valid_read(sp) && sp->n <= NM_PATTERN_MAX_SLOTS;
    assigns \nothing; */
static int overlaps(const spans_t *sp, uint32_t start, uint32_t end) {
  uint32_t i = first_ending_after(sp, start);
  return i < sp->n && sp->s[i].start < end;
}

/*@ requires \valid(sp) && sp->n < NM_PATTERN_MAX_SLOTS;
    assigns sp->n, sp->s[0 .. NM_PATTERN_MAX_SLOTS - 1];
    ensures sp->n == \old(sp->n) + 1; */
static void insert_span(spans_t *sp, uint32_t start, uint32_t end) {
  uint32_t n = sp->n;
  uint32_t i = n;
  /*@ loop invariant 0 <= i <= n;
      loop assigns i, sp->s[0 .. n];
      loop variant i; */
  while (i > 0 && sp->s[i - 1].start > start) {
    sp->s[i].start = sp->s[i - 1].start;
    sp->s[i].end = sp->s[i - 1].end;
    i--;
  }
  sp->s[i].start = start;
  sp->s[i].end = end;
  sp->n = n + 1u;
}

/* 1 when every occurrence of p at phase `ph` is free. */
/*@ requires \valid_read(sp) && sp->n <= NM_PATTERN_MAX_SLOTS && \valid_read(p) && p->rate_hz > 0;
    assigns \nothing; */
static int fits_at(const spans_t *sp, const nm_prog_t *p, uint32_t occ, uint32_t span, uint32_t ph) {
  /*@ loop assigns i;
      loop variant occ - i; */
  for (uint32_t i = 0; i < occ; i++) {
    uint32_t s = ph + occ_offset_ns(p, i);
    if (overlaps(sp, s, s + span)) return 0;
  }
  return 1;
}

static const nm_placement_t zero_placement;

nm_plan_result nm_plan_place(const nm_prog_t *const progs[], const uint8_t prog_slot[], uint8_t n,
                             nm_placement_t *out) {
  *out = zero_placement;
  out->n = 0; /* as in zero_placement; said here for WP, which does not see its zero */
  if (n > NM_MAX_RUNNING) return NM_PLAN_TOO_MANY;
  uint32_t g = 0;
  /*@ loop invariant 0 <= j <= n;
      loop assigns j, g;
      loop variant n - j; */
  for (uint8_t j = 0; j < n; j++) g = gcd_u32(g, progs[j]->rate_hz);
  if (n == 0) return NM_PLAN_OK;
  if (g == 0) return NM_PLAN_FIT;
  uint64_t slots = 0;
  /*@ loop invariant 0 <= j <= n && slots <= NM_PATTERN_MAX_SLOTS;
      loop invariant \forall integer a; 0 <= a < j ==> progs[a]->rate_hz > 0;
      loop assigns j, slots;
      loop variant n - j; */
  for (uint8_t j = 0; j < n; j++) {
    const nm_prog_t *p = progs[j];
    /* A program without a rate, or a burst without its intra-burst rate, has no timing. */
    if (p->rate_hz == 0 || (p->wave == NM_WAVE_BURST && p->burst_pulses > 1 && p->intra_hz == 0)) {
      return NM_PLAN_FIT;
    }
    if (nm_prog_span_ns(p) > nm_prog_period_ns(p)) return NM_PLAN_FIT;
    slots += nm_plan_slots_of(p, g);
    if (slots > NM_PATTERN_MAX_SLOTS) return NM_PLAN_SLOTS;
  }
  out->frame_hz = g;
  out->n = n;
  uint32_t frame_ns = 1000000000u / g;

  /* Largest duty first packs best; ties keep the caller's order. */
  uint8_t order[NM_MAX_RUNNING] = {0}; /* whole arrays set: no entry is ever read unset */
  uint64_t duty[NM_MAX_RUNNING] = {0};
  /*@ loop invariant 0 <= j <= n;
      loop invariant \forall integer a; 0 <= a < j ==> order[a] == a;
      loop assigns j, order[0 .. NM_MAX_RUNNING - 1], duty[0 .. NM_MAX_RUNNING - 1];
      loop variant n - j; */
  for (uint8_t j = 0; j < n; j++) {
    order[j] = j;
    duty[j] = nm_prog_span_ns(progs[j]) * (progs[j]->rate_hz / g);
  }
  /*@ loop invariant 1 <= a <= n;
      loop invariant \forall integer x; 0 <= x < n ==> order[x] < n;
      loop assigns a, order[0 .. NM_MAX_RUNNING - 1];
      loop variant n - a; */
  for (uint8_t a = 1; a < n; a++) {
    /*@ loop invariant 0 <= b <= a;
        loop invariant \forall integer x; 0 <= x < n ==> order[x] < n;
        loop assigns b, order[0 .. NM_MAX_RUNNING - 1];
        loop variant b; */
    for (uint8_t b = a; b > 0 && duty[order[b]] > duty[order[b - 1]]; b--) {
      uint8_t t = order[b];
      order[b] = order[b - 1];
      order[b - 1] = t;
    }
  }

  spans_t sp = {0}; /* every span set: a reader past n finds zeros, not stack bytes */
  /*@ loop invariant 0 <= k <= n && sp.n <= NM_PATTERN_MAX_SLOTS;
      loop invariant out->n == n && out->frame_hz == g;
      loop assigns k, sp, out->phase_ns[0 .. NM_MAX_RUNNING - 1], out->prog[0 .. NM_MAX_RUNNING - 1];
      loop variant n - k; */
  for (uint8_t k = 0; k < n; k++) {
    uint8_t j = order[k];
    const nm_prog_t *p = progs[j];
    uint32_t occ = p->rate_hz / g;
    uint32_t span = (uint32_t)nm_prog_span_ns(p);
    uint32_t last = occ_offset_ns(p, occ - 1);
    uint32_t max_ph = frame_ns - last - span; /* >= 0: the pulse fits its period */
    /* The earliest free phase puts some occurrence right after an existing span (or at 0). */
    uint32_t best = UINT32_MAX;
    if (fits_at(&sp, p, occ, span, 0)) best = 0;
    /*@ loop invariant 0 <= s <= sp.n;
        loop assigns s, best;
        loop variant sp.n - s; */
    for (uint32_t s = 0; s < sp.n && best != 0; s++) {
      /*@ loop assigns i, best;
          loop variant occ - i; */
      for (uint32_t i = 0; i < occ; i++) {
        uint32_t off = occ_offset_ns(p, i);
        if (sp.s[s].end < off) continue;
        uint32_t ph = sp.s[s].end - off;
        if (ph > max_ph || ph >= best) continue;
        if (fits_at(&sp, p, occ, span, ph)) best = ph;
      }
    }
    if (best == UINT32_MAX) return NM_PLAN_OVERLAP;
    /*@ loop invariant sp.n <= NM_PATTERN_MAX_SLOTS;
        loop assigns i, sp;
        loop variant occ - i; */
    for (uint32_t i = 0; i < occ; i++) {
      uint32_t s = best + occ_offset_ns(p, i);
      if (sp.n >= NM_PATTERN_MAX_SLOTS) return NM_PLAN_SLOTS; /* counted above: never */
      insert_span(&sp, s, s + span);
    }
    out->phase_ns[j] = best;
    out->prog[j] = prog_slot[j];
  }
  return NM_PLAN_OK;
}

static const nm_pattern_t zero_pattern;

/* End (ns from the frame start) of a pulse at `off` on channel `ch`: its stimulating phase,
 * and its gap and recharge when it carries one (nm_pattern_slot_end_ns, unsaturated). */
/*@ requires \valid_read(ch);
    assigns \nothing;
    ensures \result == off + ch->width_us * 1000 + (rech != 0 ? (ch->gap_us + ch->recharge_us) * 1000 : 0); */
static uint64_t pulse_end_ns(const nm_chan_t *ch, uint32_t off, uint8_t rech) {
  uint64_t end = (uint64_t)off + (uint64_t)ch->width_us * 1000u;
  if (rech) end += ((uint64_t)ch->gap_us + ch->recharge_us) * 1000u;
  return end;
}

/* 1 when the pattern's pulses are apart: each ends no later than the next one starts and
 * inside the frame, on a channel in range. Read only: it checks what was built. */
/*@ requires \valid_read(out) && out->n_chan <= NM_MAX_RUNNING && out->n_slot <= NM_PATTERN_MAX_SLOTS;
    assigns \nothing;
    ensures \result != 0 ==> nm_pattern_apart(out); */
static int pattern_apart(const nm_pattern_t *out) {
  if (out->n_slot == 0) return 1;
  if (out->frame_hz == 0) return 0;
  uint32_t frame_ns = 1000000000u / out->frame_hz;
  /*@ loop invariant 0 <= i <= out->n_slot;
      loop invariant \forall integer y; 0 <= y < i ==> out->slot[y].chan < out->n_chan;
      loop invariant \forall integer y; 0 <= y < i ==> nm_slot_end(out, y) <= frame_ns;
      loop invariant \forall integer y; 0 <= y < i && y < out->n_slot - 1 ==>
        nm_slot_end(out, y) <= out->slot[y + 1].offset_ns;
      loop assigns i;
      loop variant out->n_slot - i; */
  for (uint8_t i = 0; i < out->n_slot; i++) {
    const nm_slot_t *s = &out->slot[i];
    if (s->chan >= out->n_chan) return 0;
    uint64_t end = pulse_end_ns(&out->chan[s->chan], s->offset_ns, s->recharge);
    if (end > frame_ns) return 0;
    if (i + 1 < out->n_slot && end > out->slot[i + 1].offset_ns) return 0;
  }
  return 1;
}

/* Add the channel of program p at amplitude amp_ua (its node currents, phases and
 * recharge) to the pattern. */
/*@ requires \valid(out) && \valid_read(p) && \separated(out, p);
    requires out->n_chan < NM_MAX_RUNNING;
    assigns out->chan[out->n_chan], out->n_chan;
    ensures out->n_chan == \old(out->n_chan) + 1; */
static void put_chan(nm_pattern_t *out, const nm_prog_t *p, uint32_t amp_ua, uint8_t prog) {
  nm_chan_t ch = zero_pattern.chan[0];
  /*@ loop invariant 0 <= node <= NM_NODES;
      loop assigns node, ch.node_ua[0 .. NM_NODES - 1];
      loop variant NM_NODES - node; */
  for (uint8_t node = 0; node < NM_NODES; node++) ch.node_ua[node] = nm_prog_node_ua(p, node, amp_ua);
  ch.width_us = p->width_us;
  ch.gap_us = p->gap_us;
  ch.recharge_us = nm_prog_recharge_us(p);
  ch.prog = prog;
  ch.wave = (uint8_t)p->wave;
  uint8_t c = out->n_chan;
  out->chan[c] = ch;
  out->n_chan = (uint8_t)(c + 1u);
}

/* nm_plan_pattern into a zeroed `out`: 1, or 0 when the placement or a program is not one
 * nm_plan_place accepts. */
/*@ requires \valid_read(pl) && pl->n <= NM_MAX_RUNNING && \valid(out);
    requires \valid_read(progs + (0 .. pl->n - 1)) && \valid_read(amp_ua + (0 .. pl->n - 1));
    requires \forall integer j; 0 <= j < pl->n ==> \valid_read(progs[j]) && \separated(out, progs[j]);
    requires \separated(out, pl, progs + (0 .. pl->n - 1), amp_ua + (0 .. pl->n - 1));
    requires out->n_chan == 0 && out->n_slot == 0;
    assigns *out;
    ensures out->n_chan <= NM_MAX_RUNNING && out->n_slot <= NM_PATTERN_MAX_SLOTS; */
static int fill_pattern(const nm_placement_t *pl, const nm_prog_t *const progs[],
                        const uint32_t amp_ua[], nm_pattern_t *out) {
  if (pl->frame_hz == 0) return 0; /* not a placement nm_plan_place made */
  out->frame_hz = pl->frame_hz;
  /*@ loop invariant 0 <= j <= pl->n && out->n_chan <= j && out->n_slot <= NM_PATTERN_MAX_SLOTS;
      loop assigns j, out->n_chan, out->chan[0 .. NM_MAX_RUNNING - 1], out->n_slot,
                   out->slot[0 .. NM_PATTERN_MAX_SLOTS - 1];
      loop variant pl->n - j; */
  for (uint8_t j = 0; j < pl->n; j++) {
    const nm_prog_t *p = progs[j];
    if (amp_ua[j] == 0) continue;
    uint32_t per = p->wave == NM_WAVE_BURST ? p->burst_pulses : 1;
    if (p->rate_hz == 0 || (per > 1 && p->intra_hz == 0)) return 0; /* nm_plan_place refuses it */
    uint8_t c = out->n_chan;
    put_chan(out, p, amp_ua[j], pl->prog[j]);
    uint32_t occ = p->rate_hz / pl->frame_hz;
    /*@ loop invariant 0 <= i <= occ && out->n_chan == c + 1 && out->n_slot <= NM_PATTERN_MAX_SLOTS;
        loop assigns i, out->n_slot, out->slot[0 .. NM_PATTERN_MAX_SLOTS - 1];
        loop variant occ - i; */
    for (uint32_t i = 0; i < occ; i++) {
      /*@ loop invariant 0 <= m <= per && out->n_slot <= NM_PATTERN_MAX_SLOTS;
          loop assigns m, out->n_slot, out->slot[0 .. NM_PATTERN_MAX_SLOTS - 1];
          loop variant per - m; */
      for (uint32_t m = 0; m < per; m++) {
        if (out->n_slot >= NM_PATTERN_MAX_SLOTS) return 1; /* placement bounds it */
        uint32_t off = pl->phase_ns[j] + occ_offset_ns(p, i);
        if (per > 1) off += burst_offset_ns(p, m);
        /* Insert in offset order. */
        uint8_t k = out->n_slot++;
        /*@ loop invariant 0 <= k < out->n_slot;
            loop assigns k, out->slot[0 .. out->n_slot - 1];
            loop variant k; */
        while (k > 0 && out->slot[k - 1].offset_ns > off) {
          nm_slot_t prev = out->slot[k - 1]; /* through a copy: two distinct slots */
          out->slot[k] = prev;
          k--;
        }
        out->slot[k].offset_ns = off;
        out->slot[k].chan = c;
        out->slot[k].recharge = (uint8_t)(m + 1 == per);
      }
    }
  }
  return 1;
}

uint8_t nm_plan_pattern(const nm_placement_t *pl, const nm_prog_t *const progs[],
                        const uint32_t amp_ua[], nm_pattern_t *out) {
  *out = zero_pattern;
  out->n_chan = 0; /* as in zero_pattern; said here for WP, which does not see its zero */
  out->n_slot = 0;
  if (!fill_pattern(pl, progs, amp_ua, out) || !pattern_apart(out)) {
    /* Never for a placement nm_plan_place made of these programs: nothing rather than
     * pulses that overlap (the limiter refuses an empty pattern). */
    *out = zero_pattern;
    out->n_chan = 0;
    out->n_slot = 0;
  }
  return out->n_slot;
}
