/* longevity.h: the longevity of a therapy file's settings on a cell, from the firmware's
 * own energy and battery models (nmod/energy.h, nmod/battery.h). */
#ifndef NMOD_LONGEVITY_H
#define NMOD_LONGEVITY_H

#include "nmod/battery.h"
#include "therapy_file.h"

/* Average battery current (nA) of therapy t's running programs at their programmed
 * amplitudes, on cell cfg, quiescent included. */
uint64_t lg_avg_na(const tf_therapy_t *t, const nm_batt_cfg_t *cfg);
/* The same for a device's programs (interrogated): progs[0..n) with amplitudes. */
uint64_t lg_avg_na_progs(const nm_prog_t *progs, const uint32_t *amp_ua, uint8_t running_mask, uint8_t n,
                         const nm_load_t *load, const nm_batt_cfg_t *cfg);

#endif
