/* nmod/role.h: who is asking. The protocol authenticates a role; the command layer checks
 * it per op (nmod/ops.h). A leaf header: the protocol and the core both include it. */
#ifndef NMOD_ROLE_H
#define NMOD_ROLE_H

typedef enum { NM_ROLE_NONE = 0, NM_ROLE_PATIENT = 1, NM_ROLE_CLINICIAN = 2, NM_ROLE_COUNT } nm_role;

#endif
