/* hu_contact.h: the names of a lead's contacts, as every host tool reads and writes them:
 * "E0".."E<NM_MAX_CONTACTS-1>" (nmod/limits.h), and "case" for the stimulator's case (node
 * NM_NODE_CASE, which may serve as an anode). Exactly these texts: no leading zero ("E01"),
 * no lower case, no spaces. */
#ifndef NMOD_HU_CONTACT_H
#define NMOD_HU_CONTACT_H

#include <stddef.h>

#include "nmod/limits.h"

/* Buffer size of a name, with the NUL ("E15", "case"). */
#define HU_CONTACT_LEN 8

#define HU_CONTACT_NO_CASE 0 /* only contacts of the lead */
#define HU_CONTACT_OR_CASE 1 /* contacts, and "case" for NM_NODE_CASE */

/* The node of name s[0..len): 0..NM_MAX_CONTACTS-1, NM_NODE_CASE for "case" when allowed;
 * -1 when it is no such name. */
int hu_contact_parse_n(const char *s, size_t len, int allow_case);
/* The same for a C string (NULL: -1). */
int hu_contact_parse(const char *s, int allow_case);
/* "E3", or "case" for NM_NODE_CASE, into buf (cap bytes); returns buf. */
char *hu_contact_name(char *buf, size_t cap, unsigned node);
/* "E0..E15": the names there are, for messages. */
const char *hu_contact_range(void);

#endif
