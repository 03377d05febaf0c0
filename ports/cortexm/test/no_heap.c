/* no_heap.c: the negative check of the no-heap rule. This image calls malloc, so linking
 * it with the firmware's flags must fail (Makefile target check-noheap). */
#include <stdlib.h>

#include "board.h"

void cm_halt(int status) {
  (void)status;
  for (;;) {
  }
}

void cm_fault(uint32_t exc) {
  (void)exc;
  for (;;) {
  }
}

int main(void) {
  char *p = malloc(64);
  if (!p) return 1;
  p[0] = 1;
  free(p);
  return 0;
}
