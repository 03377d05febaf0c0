/* eva_olim.c: EVA's entry point for the output stage's limiter (formal/frama/parts.txt,
 * row eva-limiter), the logic both ports run: ceilings from any bytes of a hardware
 * description, then any bytes of a pattern judged against them. Not built into the
 * firmware. */
#include "eva_any.h"
#include "olim.h"

int main(void) {
  olim_hw_t hw;
  olim_t o;
  EVA_ANY(hw);
  olim_init(&o, &hw);
  nm_pattern_t p;
  EVA_ANY(p);
  olim_trip_t trip;
  return olim_check(&o, &p, &trip) != NM_OUT_TRIP_NONE;
}
