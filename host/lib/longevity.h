/* longevity.h: the longevity of a therapy file's settings on a device profile, from the
 * firmware's own energy and battery models (nmod/energy.h, nmod/battery.h), and the
 * choice of profile the CLI commands share. */
#ifndef NMOD_LONGEVITY_H
#define NMOD_LONGEVITY_H

#include <stddef.h>

#include "nmod/battery.h"
#include "therapy_file.h"

/* The draw of therapy t's running programs at their programmed amplitudes into its load,
 * on profile pf. */
void lg_draw(const tf_therapy_t *t, const nm_profile_t *pf, nm_draw_t *out);
/* The same for a device's programs (interrogated): progs[0..n) with amplitudes; bit i of
 * running_mask runs progs[i]. */
void lg_draw_progs(const nm_prog_t *progs, const uint32_t *amp_ua, uint8_t running_mask, uint8_t n,
                   const nm_load_t *load, const nm_profile_t *pf, nm_draw_t *out);

/* The profile of --profile NAME and --battery primary|rechargeable (either may be NULL):
 * the named one (its cell must match --battery when both are given); else nmod's
 * reference for --battery's cell; else, with neither, nmod's default for `therapy` when
 * `default_ok`, or NULL (no cell). 0, or -1 with a one-line message in err. */
int lg_pick_profile(const char *name, const char *battery, uint8_t therapy, int default_ok, const nm_profile_t **out,
                    char *err, size_t errcap);
/* "nmod-primary, nmod-rechargeable, ...": every profile's name, for messages. */
const char *lg_profile_names(void);

#endif
