/* eva_olim.c: EVA's entry point for the output stage's limiter (formal/frama/parts.txt,
 * row eva-limiter), the logic both ports run: ceilings from any bytes of a hardware
 * description, then any bytes of a pattern judged against them. Not built into the
 * firmware. */
#include "__fc_builtin.h"
#include "olim.h"

int main(void) {
  olim_hw_t hw;
  nm_pattern_t p;
  olim_t o;
  olim_trip_t trip;
  Frama_C_make_unknown((char *)&hw, sizeof hw);
  Frama_C_make_unknown((char *)&p, sizeof p);
  olim_init(&o, &hw);
  return olim_check(&o, &p, &trip) != NM_OUT_TRIP_NONE;
}
