/* nmod/profile.h: device profiles, the battery and energy figures of one kind of hardware.
 *
 * A profile describes behaviour fitted to public figures (docs/DEVICE-HEALTH.md,
 * "Batteries"); it is never a claim about how a vendor built its device. Each one names its
 * cell (chemistry, rated capacity, the usable share of it, fade), its supply and output
 * stage (the converter's efficiency against the supply voltage a pulse needs, the headroom
 * of the current sources, a fixed charge per pulse), its fixed costs (quiescent current and
 * a daily overhead for telemetry, housekeeping and sensing), which waveforms recharge
 * passively, its charger, and its ERI and EOS definitions. firmware/core/profile.c says
 * where every number comes from; tests/data/battery_calibration.json holds the published
 * points the fitted ones reproduce (tests/battery/test_calibration.c).
 *
 * The firmware estimates its drain from the profile (nmod/energy.h, nmod/battery.h); the
 * simulated hardware drains its cell by its own physics from the same datasheet figures
 * (ports/sim/sim_cell.c). Integers only: the table lives in flash.
 */
#ifndef NMOD_PROFILE_H
#define NMOD_PROFILE_H

#include <stdint.h>

typedef enum { NM_CELL_PRIMARY = 0, NM_CELL_RECHARGEABLE = 1 } nm_cell;

/* Cell chemistries, each with its open-circuit voltage curve (nm_ocv_mv). */
typedef enum { NM_CHEM_CFX_SVO = 0, NM_CHEM_LI_ION = 1, NM_CHEM_COUNT } nm_chem;

/* The stimulation supply. Both follow the voltage a pulse needs (I x R + headroom) down to
 * their floor; what differs is their efficiency curve: a step-down runs from the cell and
 * switches to a charge pump (less efficient) above it, a boost is flatter and never goes
 * below a floor above the cell. */
typedef enum { NM_CONV_STEPDOWN = 0, NM_CONV_BOOST = 1 } nm_conv;

/* Profile ids, as stored in the identity record and named in hardware.json. 0 is "none
 * given": a device or state folder that names none runs on nmod's reference for its cell. */
enum {
  NM_PROFILE_NONE = 0,
  NM_PROFILE_NMOD_PRIMARY = 1,
  NM_PROFILE_NMOD_RECHARGEABLE = 2,
  NM_PROFILE_INTERSTIM2 = 3,
  NM_PROFILE_F15 = 4,
  NM_PROFILE_RSNM = 5,
  NM_PROFILE_R20 = 6,
  NM_PROFILE_ETERNA = 7,
  NM_PROFILE_SENZA = 8,
  NM_PROFILE_PROCLAIM_XR = 9,
  NM_PROFILE_COUNT
};

#define NM_EFF_POINTS 4u
#define NM_OCV_POINTS 9u     /* at 0, 125, ..., 1000 per mille of the usable capacity */
#define NM_OCV_STEP_PM 125u

typedef struct {
  uint8_t id;               /* NM_PROFILE_* */
  uint8_t cell;             /* nm_cell */
  uint8_t chem;             /* nm_chem */
  uint8_t conv;             /* nm_conv */
  const char *name;         /* short name: --profile, hardware.json */
  const char *label;        /* what it is, for people */
  /* The cell. */
  uint32_t rated_uah;       /* capacity when new */
  uint16_t usable_pm;       /* share of it between full and the device's cut-off, per mille */
  uint16_t fade_ppm;        /* rechargeable: usable capacity lost per equivalent full cycle, ppm */
  uint16_t life_years;      /* rechargeable: calendar service life */
  /* Supply and output stage. */
  uint16_t floor_mv;        /* the supply never runs below this */
  uint16_t headroom_mv;     /* the current sources need this above the load's I x R */
  uint16_t eff_mv[NM_EFF_POINTS]; /* converter efficiency against the supply voltage: points */
  uint16_t eff_pm[NM_EFF_POINTS]; /* in ascending mV, linear between, flat outside; >= 100 */
  uint32_t pulse_pc;        /* fixed battery charge per stimulating phase (drivers, switches) */
  uint8_t passive;          /* bit w: waveform w (nm_wave) recharges passively (costs nothing) */
  /* Fixed costs. */
  uint32_t quiescent_na;    /* asleep, telemetry listening */
  uint32_t daily_uah;       /* telemetry sessions, housekeeping, sensing, per day */
  /* Charger (rechargeable): power the implant's coil receives, and the share of it that
   * reaches the cell. Constant power: the charge current is uw x eff / cell voltage. */
  uint32_t charger_uw;
  uint16_t charger_eff_pm;
  /* ERI and EOS, per mille of the usable capacity now. */
  uint16_t eri_left_pm;     /* primary: ERI when this much is left */
  uint16_t eos_left_pm;     /* primary: EOS (stimulation stops) when this much is left */
  uint16_t low_pm;          /* rechargeable: LOW (recharge now) at or below this charge */
  uint16_t depleted_pm;     /* rechargeable: stimulation stops at or below this */
  uint16_t resume_pm;       /* rechargeable: ...and may resume above this */
  uint16_t eri_interval_h;  /* rechargeable: ERI when a full charge lasts less than this */
  uint16_t eos_capacity_pm; /* rechargeable: EOS when the capacity fades below this of new */
} nm_profile_t;

/* The profile with this id; NULL for NM_PROFILE_NONE or an unknown id. */
const nm_profile_t *nm_profile_get(uint8_t id);
/* By short name ("interstim2-like"); NULL when none has it (or name is NULL). */
const nm_profile_t *nm_profile_by_name(const char *name);
/* nmod's own reference hardware for a cell type (anything but rechargeable: primary). */
uint8_t nm_profile_reference(uint8_t cell);
/* The default profile of a therapy (nm_therapy: SCS rechargeable, SNM primary). */
uint8_t nm_profile_default(uint8_t therapy);
/* The profile to use for `id` on a device with cell type `cell`: id itself when it is a
 * known profile of that cell type, else the reference for the cell. Never NULL. */
const nm_profile_t *nm_profile_resolve(uint8_t id, uint8_t cell);

/* The chemistry's open-circuit voltage (mV) at a state of charge (per mille of the usable
 * capacity, clamped to 0..1000), and the state of charge at a voltage (clamped to the
 * curve's ends; the curves rise strictly). An unknown chemistry reads as NM_CHEM_CFX_SVO. */
uint32_t nm_ocv_mv(uint8_t chem, uint32_t soc_pm);
uint32_t nm_ocv_soc_pm(uint8_t chem, uint32_t mv);
/* The curve's points, for code that models the cell itself (the simulated hardware). */
const uint16_t *nm_ocv_curve(uint8_t chem);

#endif
