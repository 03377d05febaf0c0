/* nmod_version.h: the version every tool prints (nmod --version, reports, exports). */
#ifndef NMOD_VERSION_H
#define NMOD_VERSION_H

#define NMOD_VERSION "0.1.0"

#endif
