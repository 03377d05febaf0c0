/* nmod/battery.h: batteries, in one documented place: the cells, every default figure and
 * its source, the states (OK, LOW, ERI, EOS) and the longevity arithmetic. The simulated
 * hardware drains its cell with nmod/energy.h and the longevity estimate integrates the
 * same functions, so the two agree by construction (docs/DEVICE-HEALTH.md).
 *
 * Figures (device-facts.md "Batteries"; "assumed" = no primary source, a reasonable default):
 *   primary cell    Li/CFx-SVO, 3.2 V nominal (assumed). Capacity 900 mAh, calibrated so that
 *                   the mean SNM setting of RELAX-OAB (14 Hz, 210 us, 1.8 mA) reaches ERI after
 *                   4.4 years, the mean longevity of non-rechargeable SNM stimulators
 *                   (repub.eur.nl/pub/113769). ERI at 10 % left (months of service remain,
 *                   as Medtronic's ERI gives), EOS at 1 % left (assumed).
 *   rechargeable    Li-ion, 3.7 V nominal. 60 mAh (assumed); charger 50 mA, so an hour of
 *                   charging gives weeks at nominal settings (Abbott Eterna: 1 h -> >= 3 weeks).
 *                   Capacity fades 0.03 % per equivalent full cycle (assumed: 80 % after ~740
 *                   cycles). LOW (the remote asks for a recharge) at 25 %; depleted at 2 %:
 *                   stimulation stops, telemetry stays (Axium MN0700 p. 38), until recharged
 *                   over 10 %. ERI when a full charge would last less than a day at the current
 *                   settings (Abbott: "charge more than once a day"); EOS when the capacity has
 *                   faded below 60 % of rated, or after 20 years (Axonics R20: 20 years).
 *   both            quiescent current 6 uA (assumed: sleep + MICS/BLE sniffing); output stage
 *                   efficiency 70 %, current-source headroom 1 V, supply floor 3 V (assumed).
 */
#ifndef NMOD_BATTERY_H
#define NMOD_BATTERY_H

#include <stdint.h>

#include "nmod/energy.h"
#include "nmod/port.h"

typedef enum { NM_CELL_PRIMARY = 0, NM_CELL_RECHARGEABLE = 1 } nm_cell;

typedef enum {
  NM_BATT_OK = 0,
  NM_BATT_LOW = 1, /* rechargeable: recharge now */
  NM_BATT_ERI = 2, /* elective replacement: plan a replacement (primary) or the cell is worn (rechargeable) */
  NM_BATT_EOS = 3  /* end of service (or a depleted rechargeable): stimulation stops, telemetry stays */
} nm_batt_state;

typedef struct {
  uint8_t cell;               /* nm_cell */
  uint32_t rated_uah;         /* capacity when new */
  uint32_t nominal_mv;        /* cell voltage used by the energy model */
  uint32_t eri_left_pm;       /* primary: ERI when this much (per mille) is left */
  uint32_t eos_left_pm;       /* primary: EOS when this much is left */
  uint32_t low_pm;            /* rechargeable: LOW at or below this state of charge */
  uint32_t depleted_pm;       /* rechargeable: stimulation stops at or below this */
  uint32_t resume_pm;         /* rechargeable: ...and may resume above this */
  uint32_t eri_interval_h;    /* rechargeable: ERI when a full charge lasts less */
  uint32_t eos_capacity_pm;   /* rechargeable: EOS when capacity falls below this of rated */
  uint32_t fade_ppm_per_cycle;/* rechargeable: capacity lost per equivalent full cycle, ppm */
  uint32_t charge_ua;         /* rechargeable: charger current */
  uint32_t life_years;        /* rechargeable: calendar service life */
  nm_energy_cfg_t energy;     /* quiescent current, efficiency, headroom, supply floor */
} nm_batt_cfg_t;

/* The defaults above for a cell type. */
void nm_batt_defaults(nm_batt_cfg_t *cfg, uint8_t cell);

/* What the core knows of its battery after the last reading. */
typedef struct {
  uint8_t cell;
  uint8_t state;          /* nm_batt_state */
  uint16_t soc_pm;        /* state of charge, per mille of the capacity now */
  uint32_t capacity_uah;  /* full-charge capacity now */
  uint32_t remaining_uah;
  uint32_t voltage_mv;
  uint8_t charging;
  uint32_t cycles_x100;
} nm_batt_t;

/* Judge a fuel-gauge reading. prev is the last state (for the depleted/resume hysteresis);
 * avg_na the device's average current at its current settings (for the rechargeable ERI).
 * Fills out and returns its state. A reading with capacity 0 (no gauge) is OK. */
uint8_t nm_batt_eval(const nm_batt_cfg_t *cfg, const nm_batt_reading_t *r, uint8_t prev, uint64_t avg_na,
                     nm_batt_t *out);

/* Longevity at a constant average current avg_na (quiescent included), from a new cell. */
typedef struct {
  uint64_t hours_to_eri;        /* primary: new cell to ERI */
  uint64_t hours_to_eos;        /* primary: new cell to EOS */
  uint64_t recharge_interval_h; /* rechargeable: full charge to LOW, new cell (x 1000 in _mh) */
  uint64_t recharge_interval_mh;/* the same in milli-hours */
  uint64_t service_hours;       /* rechargeable: new cell to ERI or EOS, whichever first */
  uint32_t recharges;           /* rechargeable: recharges over the service life */
} nm_longevity_t;

void nm_batt_longevity(const nm_batt_cfg_t *cfg, uint64_t avg_na, nm_longevity_t *out);
/* Hours from a reading's remaining charge to ERI at avg_na (primary), 0 when past it. */
uint64_t nm_batt_hours_to_eri(const nm_batt_cfg_t *cfg, uint32_t remaining_uah, uint32_t capacity_uah,
                              uint64_t avg_na);

#endif
