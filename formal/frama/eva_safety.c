/* eva_safety.c: EVA's entry point for the supervisor (formal/frama/parts.txt, row
 * eva-safety). The program, lead and load are any bytes at all, as a frame or a damaged
 * flash record could carry them: the supervisor must judge every one without a run-time
 * error. Not built into the firmware. */
#include "eva_any.h"
#include "nmod/safety.h"

int main(void) {
  nm_prog_t p;
  nm_lead_t lead;
  nm_load_t load;
  EVA_ANY(p), EVA_ANY(lead), EVA_ANY(load);
  nm_safety_report_t out;
  return nm_safety_check(&p, &lead, &load, &out) == NM_VERDICT_REFUSE;
}
