/* nmod/battery.h: the battery as the firmware sees it: the fuel gauge, the states (OK,
 * LOW, ERI, EOS) and the longevity arithmetic, all following the device profile
 * (nmod/profile.h: the cell, its thresholds, the energy figures). Every figure and its
 * source: firmware/core/profile.c and docs/DEVICE-HEALTH.md ("Batteries").
 *
 * The gauge. The hardware measures two things: the cell's voltage at rest and, while a
 * charger is on, the current it puts in (and it says when the charge is complete). The
 * charge drawn is the firmware's own count: the output's draw (nmod/energy.h) integrated
 * over time at the events that change it and at each housekeeping wake (no wake of its
 * own), plus the fixed costs. A count drifts, so every reading pulls it into the band of
 * states of charge the measured voltage allows (the profile's curve, +-NM_GAUGE_TOL_MV):
 * where the curve is flat the band is wide and the count rules, where it is steep (a
 * primary cell's knee, a Li-ion cell's ends) the voltage rules. A complete charge resets
 * the count. After a reset the gauge starts from the voltage alone.
 */
#ifndef NMOD_BATTERY_H
#define NMOD_BATTERY_H

#include <stdint.h>

#include "nmod/energy.h"
#include "nmod/port.h"
#include "nmod/profile.h"

/* How far (mV) the cell's resting voltage may sit from the profile's curve: the ADC's
 * resolution plus the spread between cells and the load's small IR drop (assumed). */
#define NM_GAUGE_TOL_MV 20u

typedef enum {
  NM_BATT_OK = 0,
  NM_BATT_LOW = 1, /* rechargeable: recharge now */
  NM_BATT_ERI = 2, /* elective replacement: plan a replacement (primary) or the cell is worn (rechargeable) */
  NM_BATT_EOS = 3  /* end of service (or a depleted rechargeable): stimulation stops, telemetry stays */
} nm_batt_state;

/* What the core knows of its battery after the last reading. */
typedef struct {
  uint8_t cell;
  uint8_t state;          /* nm_batt_state */
  uint16_t soc_pm;        /* state of charge, per mille of the usable capacity now */
  uint32_t capacity_uah;  /* usable capacity now (fades with cycles) */
  uint32_t remaining_uah;
  uint32_t voltage_mv;
  uint8_t charging;
  uint32_t cycles_x100;
} nm_batt_t;

/* The gauge's state (in the core's RAM). */
typedef struct {
  uint64_t used_nc;     /* drawn since full (rechargeable) or new (primary), nC; <= the capacity */
  uint64_t thru_nc;     /* drawn since new: cycles and fade; saturates */
  uint64_t last_us;     /* accounted up to here */
  nm_draw_t draw;       /* what the output draws now */
  uint32_t avg_na;      /* the battery current averaged over about a day */
  uint64_t ema_nc;      /* drawn since the average last moved */
  uint64_t ema_us;      /* when it last moved */
  uint32_t charge_na;   /* the charger's current at the last reading (0: none) */
  uint32_t volt_mv;     /* the last reading's voltage (0: no cell, a bench supply) */
  uint8_t started;
} nm_gauge_t;

/* Start the gauge from a reading (the voltage alone) at now_us. */
void nm_gauge_start(nm_gauge_t *g, const nm_profile_t *pf, const nm_batt_reading_t *r, uint64_t now_us);
/* Count the charge drawn (and charged) up to now_us at the draw in effect since the last
 * call, then make `d` the draw from now on (NULL: keep it). */
void nm_gauge_account(nm_gauge_t *g, const nm_profile_t *pf, uint64_t now_us, const nm_draw_t *d);
/* Count up to now_us, apply a reading (a complete charge, the voltage band), and judge it
 * into *out. prev is the last state (for the depleted/resume hysteresis and a primary
 * cell's EOS, which never comes back). A reading with voltage 0 (no cell) is OK. Returns
 * out->state. */
uint8_t nm_gauge_read(nm_gauge_t *g, const nm_profile_t *pf, const nm_batt_reading_t *r, uint8_t prev,
                      uint64_t now_us, nm_batt_t *out);
/* The present battery current (nA): the draw at the gauge's last voltage, fixed costs in. */
uint64_t nm_gauge_now_na(const nm_gauge_t *g, const nm_profile_t *pf);

/* How many periods, each drawing used_step nC (thru_step through the cell), the gauge g can
 * be moved on by adding the steps (nmod/ff.h) and stay exactly what counting them one by
 * one gives: on a bench supply only (no voltage read, no charger: nothing judged), the
 * count short of the capacity it saturates at, and a capacity that does not fade. */
uint64_t nm_gauge_ff_room(const nm_gauge_t *g, const nm_profile_t *pf, uint64_t used_step, uint64_t thru_step);

/* Judge a state of charge (the gauge's, or any): the state of used_uah drawn from a cell of
 * capacity_uah (usable now) whose current is avg_na averaged over a day. */
uint8_t nm_batt_judge(const nm_profile_t *pf, uint32_t capacity_uah, uint32_t used_uah, uint64_t avg_na,
                      uint8_t prev);

/* Longevity of a draw d from a new cell (batt_life.c). Times in milli-hours. */
typedef struct {
  uint64_t eri_mh;         /* primary: new cell to ERI */
  uint64_t eos_mh;         /* primary: new cell to EOS */
  uint64_t interval_mh;    /* rechargeable: full to LOW, new cell */
  uint64_t one_hour_mh;    /* rechargeable: what one hour of charging lasts */
  uint64_t charge_h_mh;    /* rechargeable: charging from LOW to full takes this long */
  uint32_t charge_mmin;    /* rechargeable: charging minutes per day, x 1000 */
  uint64_t service_mh;     /* rechargeable: new cell to ERI or EOS, whichever first */
  uint32_t recharges;      /* rechargeable: recharges over the service life */
} nm_longevity_t;

void nm_batt_longevity(const nm_profile_t *pf, const nm_draw_t *d, nm_longevity_t *out);
/* Milli-hours for a cell of capacity_uah (usable) to go from from_pm down to to_pm of
 * charge at draw d, along the profile's voltage curve; 0 when from_pm <= to_pm. */
uint64_t nm_batt_mh_between(const nm_profile_t *pf, const nm_draw_t *d, uint32_t capacity_uah, uint32_t from_pm,
                            uint32_t to_pm);
/* The usable capacity of a new cell, uAh. */
uint32_t nm_batt_usable_uah(const nm_profile_t *pf);

#endif
