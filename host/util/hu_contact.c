/* hu_contact.c: see hu_contact.h. */
#include "hu_contact.h"

#include <stdio.h>
#include <string.h>

_Static_assert(NM_MAX_CONTACTS <= 100, "contact names have at most two digits");

int hu_contact_parse_n(const char *s, size_t len, int allow_case) {
  if (!s) return -1;
  if (len == 4 && memcmp(s, "case", 4) == 0) return allow_case ? NM_NODE_CASE : -1;
  /* "E", then 1 or 2 digits without a leading zero. */
  if (len < 2 || len > 3 || s[0] != 'E') return -1;
  unsigned n = 0;
  for (size_t i = 1; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    n = n * 10u + (unsigned)(s[i] - '0');
  }
  if (len == 3 && s[1] == '0') return -1;
  return n < NM_MAX_CONTACTS ? (int)n : -1;
}

int hu_contact_parse(const char *s, int allow_case) { return s ? hu_contact_parse_n(s, strlen(s), allow_case) : -1; }

char *hu_contact_name(char *buf, size_t cap, unsigned node) {
  if (node == NM_NODE_CASE) snprintf(buf, cap, "case");
  else snprintf(buf, cap, "E%u", node);
  return buf;
}

const char *hu_contact_range(void) {
  static char range[16];
  if (!range[0]) snprintf(range, sizeof range, "E0..E%u", (unsigned)NM_MAX_CONTACTS - 1u);
  return range;
}
