/* sim_cell.c: the simulated cell, its charger and the output stage's draw on it: the
 * hardware's own physics, written apart from the firmware's estimate (firmware/core/
 * energy.c is never called here), from the same datasheet figures (the profile).
 *
 * Each pulse as the output stage delivers it takes I x W x V / eff(V) of energy from the
 * cell, V being the supply the load needs at that moment (I x R + headroom, within floor
 * and compliance), plus the fixed charge of its drivers; a passive recharge takes none.
 * The cell gives that energy at its terminal voltage, the open-circuit voltage of its true
 * state of charge less the drop on its internal resistance, so a fuller cell gives the
 * same energy for less charge. The fixed costs flow as a current. A charger puts its
 * power, less its losses, into the cell until it is full; a rechargeable cell loses the
 * profile's fade of every charge that flows out of it. Arithmetic in double: the hardware
 * is continuous, the firmware counts in integers. Charges in pC (1 uAh = 3.6e9 pC). */
#include <string.h>

#include "sim.h"

#define PC_PER_UAH 3.6e9
#define R_INT_OHM 1.0     /* internal resistance of the cell (assumed) */
#define ADC_LSB_MV 10u    /* the battery voltage is measured in steps of 10 mV (assumed) */

/* ---- the datasheet, in the hardware's terms ------------------------------------------ */

static double ocv_mv(const nm_profile_t *pf, double soc_pm) {
  const uint16_t *c = nm_ocv_curve(pf->chem);
  if (soc_pm <= 0) return c[0];
  if (soc_pm >= 1000) return c[NM_OCV_POINTS - 1u];
  double x = soc_pm / (double)NM_OCV_STEP_PM;
  unsigned i = (unsigned)x;
  return c[i] + (c[i + 1u] - c[i]) * (x - i);
}

static double eff(const nm_profile_t *pf, double mv) {
  const uint16_t *v = pf->eff_mv, *e = pf->eff_pm;
  if (mv <= v[0]) return e[0] / 1000.0;
  for (unsigned i = 0; i + 1u < NM_EFF_POINTS; i++) {
    if (mv <= v[i + 1u] && v[i + 1u] > v[i]) return (e[i] + (e[i + 1u] - e[i]) * (mv - v[i]) / (v[i + 1u] - v[i])) / 1000.0;
  }
  return e[NM_EFF_POINTS - 1u] / 1000.0;
}

/* Energy (fJ) one phase of ua for us takes from the cell. */
static double phase_fj(const sim_hw_t *hw, double ua, double us) {
  const nm_profile_t *pf = hw->cell.prof;
  double v = ua * hw->load_ohm / 1000.0 + pf->headroom_mv;
  if (v < pf->floor_mv) v = pf->floor_mv;
  if (v > hw->compliance_mv) v = hw->compliance_mv;
  return ua * us * v / eff(pf, v);
}

void sim_cell_unit(const sim_hw_t *hw, const nm_chan_t *c, const int32_t node_ua[NM_NODES], double *stim_fj,
                   double *rech_fj) {
  const nm_profile_t *pf = hw->cell.prof;
  double ua = 0;
  for (int n = 0; n < NM_NODES; n++) {
    if (node_ua[n] < 0) ua -= node_ua[n]; /* what the supply sources */
  }
  *stim_fj = phase_fj(hw, ua, c->width_us);
  uint8_t w = c->wave;
  int passive = w < 8u && ((pf->passive >> w) & 1u);
  *rech_fj = passive ? 0 : phase_fj(hw, ua, c->recharge_us);
}

void sim_cell_pulse(const sim_hw_t *hw, const nm_pattern_t *p, uint8_t slot, double *fj, double *fixed_pc) {
  const nm_slot_t *s = &p->slot[slot];
  uint8_t ci = s->chan;
  if (ci >= p->n_chan || ci >= NM_MAX_RUNNING) { /* never: the limiter refused such a slot */
    *fj = 0;
    *fixed_pc = 0;
    return;
  }
  const nm_chan_t *c = &p->chan[ci];
  double stim, rech;
  sim_cell_unit(hw, c, c->node_ua, &stim, &rech);
  *fj = stim + (s->recharge ? rech : 0);
  *fixed_pc = hw->cell.prof->pulse_pc;
}

/* ---- the cell ------------------------------------------------------------------------ */

static double usable_pc(const sim_cell_t *c) {
  return (double)c->prof->rated_uah * c->prof->usable_pm / 1000.0 * PC_PER_UAH * (1.0 + c->tol_pm / 1000.0);
}

/* The capacity now: a rechargeable cell fades with the charge drawn through it. */
static double capacity_pc(const sim_cell_t *c) {
  double cap = usable_pc(c);
  if (c->prof->cell != NM_CELL_RECHARGEABLE) return cap;
  double lost = c->thru_pc * c->prof->fade_ppm / 1e6;
  return lost < cap ? cap - lost : 0;
}

static double soc_pm(const sim_cell_t *c) {
  double cap = capacity_pc(c);
  return cap > 0 ? 1000.0 * c->charge_pc / cap : 0;
}

static double terminal_mv(const sim_cell_t *c) {
  double v = ocv_mv(c->prof, soc_pm(c)) - c->i_na * 1e-9 * R_INT_OHM * 1000.0;
  return v > 1 ? v : 1;
}

void sim_batt_set_profile(sim_hw_t *hw, const nm_profile_t *pf, uint32_t pct) {
  sim_cell_t *c = &hw->cell;
  sim_batt_account(hw); /* what the old supply gave is counted first */
  int32_t tol = c->tol_pm;
  double drawn = c->drawn_pc, fj = c->last_fj, fixed = c->last_fixed_pc;
  memset(c, 0, sizeof *c);
  c->prof = pf ? pf : nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  c->fitted = 1;
  c->tol_pm = tol;
  c->drawn_pc = drawn;
  c->last_fj = fj;
  c->last_fixed_pc = fixed;
  c->last_ns = hw->now_ns;
  c->start_ns = hw->now_ns;
  c->start_drawn_pc = drawn;
  if (pct > 100) pct = 100;
  c->charge_pc = usable_pc(c) * pct / 100.0;
  sim_out_reprice(hw);
}

void sim_batt_set(sim_hw_t *hw, uint8_t cell, uint32_t pct) {
  sim_batt_set_profile(hw, nm_profile_resolve(NM_PROFILE_NONE, cell), pct);
}

void sim_batt_set_tolerance(sim_hw_t *hw, int32_t tol_pm) {
  sim_cell_t *c = &hw->cell;
  double soc = soc_pm(c);
  c->tol_pm = tol_pm;
  c->charge_pc = capacity_pc(c) * soc / 1000.0;
}

void sim_batt_set_charge_pc(sim_hw_t *hw, double used_pc, double thru_pc) {
  sim_cell_t *c = &hw->cell;
  c->thru_pc = thru_pc > 0 ? thru_pc : 0;
  double cap = capacity_pc(c);
  c->charge_pc = used_pc < cap ? cap - used_pc : 0;
}

void sim_batt_autocharge(sim_hw_t *hw, uint32_t low_pm) { hw->cell.auto_low_pm = low_pm; }

void sim_batt_charger(sim_hw_t *hw, int on) {
  sim_batt_account(hw);
  sim_cell_t *c = &hw->cell;
  c->charging = (uint8_t)(on && c->fitted && c->prof->cell == NM_CELL_RECHARGEABLE);
  c->by_patient = 0;
  if (!c->charging) c->full = 0;
}

/* The moments the true charge crosses the profile's thresholds (the physics' ERI and EOS),
 * for reports; t is the end of the step that crossed (steps are at most a minute apart
 * while the core runs). */
static void mark(sim_cell_t *c, uint64_t t) {
  if (c->prof->cell == NM_CELL_RECHARGEABLE) return;
  double left = c->charge_pc * 1000.0 / usable_pc(c); /* of the new usable capacity */
  if (!c->eri_ns && left <= c->prof->eri_left_pm) c->eri_ns = t;
  if (!c->eos_ns && left <= c->prof->eos_left_pm) c->eos_ns = t;
}

/* The simulated patient puts the charger on when the remote asks for it (at LOW): a cycle
 * boundary, where the measurements of the recharge interval and the charging time are
 * taken. */
static void patient_charges(sim_cell_t *c, uint64_t t) {
  c->charging = 1;
  c->by_patient = 1;
  c->full = 0;
  if (c->recharges == 0) {
    c->first_low_ns = t;
    c->first_run_pc = c->drawn_pc - c->start_drawn_pc;
  }
  c->recharges++;
  c->last_low_ns = t;
  c->charge_ns_at_low = c->charge_ns;
  if (c->recharges == 1) c->charge_ns_at_first_low = c->charge_ns;
}

double sim_cell_idle_pc(const nm_profile_t *pf, uint64_t step_ns) {
  double dt_s = (double)step_ns / 1e9;
  /* nA x s = 1000 pC. */
  return ((double)pf->quiescent_na + pf->daily_uah * 1000.0 / 24.0) * dt_s * 1000.0;
}

double sim_cell_bench_mv(const sim_hw_t *hw) { return ocv_mv(hw->cell.prof, 1000); }

/* What sim_cell_draw adds, on a bench supply at mv, with the electronics' idle_pc of the
 * step given (the same operations in the same order: the same doubles); the mean current
 * of the step is not set (sim_ff.c steps the last period with sim_cell_draw). */
void sim_cell_draw_bench(sim_hw_t *hw, double mv, double idle_pc) {
  sim_cell_t *c = &hw->cell;
  double fj = hw->out.supply_fj - c->last_fj, fixed = hw->out.fixed_pc - c->last_fixed_pc;
  c->last_fj = hw->out.supply_fj;
  c->last_fixed_pc = hw->out.fixed_pc;
  c->drawn_pc += fj / mv + fixed + idle_pc;
}

double sim_cell_draw(sim_hw_t *hw, uint64_t step, double *mv_out) {
  sim_cell_t *c = &hw->cell;
  double dt_s = (double)step / 1e9;
  double fj = hw->out.supply_fj - c->last_fj, fixed = hw->out.fixed_pc - c->last_fixed_pc;
  c->last_fj = hw->out.supply_fj;
  c->last_fixed_pc = hw->out.fixed_pc;
  const nm_profile_t *pf = c->prof;
  double mv = c->fitted ? terminal_mv(c) : ocv_mv(pf, 1000); /* a bench supply: steady */
  /* fJ / mV = pC. */
  double out_pc = fj / mv + fixed + sim_cell_idle_pc(pf, step);
  c->i_na = out_pc / dt_s / 1000.0;
  c->drawn_pc += out_pc;
  if (hw->ff && hw->ff->rec) sim_ff_note(hw->ff, SIM_FF_CELL, step, 0, 0);
  *mv_out = mv;
  return out_pc;
}

void sim_batt_account(sim_hw_t *hw) {
  sim_cell_t *c = &hw->cell;
  if (!c->prof) return; /* before sim_init */
  uint64_t t = hw->now_ns;
  if (t <= c->last_ns) return;
  uint64_t step = t - c->last_ns;
  double dt_s = (double)step / 1e9;
  c->last_ns = t;
  const nm_profile_t *pf = c->prof;
  double mv;
  double out_pc = sim_cell_draw(hw, step, &mv);
  if (!c->fitted) return;
  if (hw->ff) hw->ff->bad = 1; /* a cell's physics is not periodic: nothing to replay */
  double in_pc = 0, cap = capacity_pc(c);
  c->charge_na = 0;
  if (c->charging && !c->full) {
    /* Constant power into the cell: uW x eff / mV = mA. It stops the moment the cell is
     * full: only the part of the step until then counts. */
    c->charge_na = pf->charger_uw * (pf->charger_eff_pm / 1000.0) / mv * 1e6;
    in_pc = c->charge_na * dt_s * 1000.0;
    double room = cap - c->charge_pc + out_pc, share = 1.0;
    if (in_pc >= room) {
      share = room > 0 ? room / in_pc : 0;
      in_pc = room > 0 ? room : 0;
      c->full = 1; /* the charger stops; it says so at the next reading */
    }
    uint64_t on_ns = (uint64_t)((double)step * share);
    c->charge_ns += on_ns;
    if (c->recharges == 1 && c->first_hour_ns < 3600000000000ull) {
      uint64_t left = 3600000000000ull - c->first_hour_ns, part = on_ns < left ? on_ns : left;
      /* Stored, net of the draw (as nm_batt_longevity counts it): the charger's part of
       * the step in, the device's part of the step out. */
      c->first_hour_pc += on_ns ? in_pc * (double)part / (double)on_ns - out_pc * (double)part / (double)step : 0;
      c->first_hour_ns += c->full ? left : part; /* a full cell takes no more */
    }
    if (c->full) c->charge_na = 0;
  }
  c->thru_pc += out_pc;
  c->charge_pc += in_pc - out_pc;
  if (c->charge_pc < 0) c->charge_pc = 0;
  if (c->charge_pc > cap) c->charge_pc = cap;
  mark(c, t);
  if (!c->charging && c->auto_low_pm && pf->cell == NM_CELL_RECHARGEABLE && soc_pm(c) <= c->auto_low_pm) {
    patient_charges(c, t);
  }
}

uint32_t sim_batt_soc_pm(sim_hw_t *hw) {
  sim_batt_account(hw);
  double s = soc_pm(&hw->cell);
  return s <= 0 ? 0u : s >= 1000 ? 1000u : (uint32_t)s;
}

void sim_batt_reading(sim_hw_t *hw, nm_batt_reading_t *r) {
  sim_batt_account(hw);
  sim_cell_t *c = &hw->cell;
  memset(r, 0, sizeof *r);
  if (!c->fitted) return; /* a bench supply: no cell to measure */
  double mv = terminal_mv(c);
  if (c->charging && !c->full) mv += c->charge_na * 1e-9 * R_INT_OHM * 1000.0; /* charging lifts it */
  uint32_t q = (uint32_t)mv;
  r->voltage_mv = q - q % ADC_LSB_MV;
  r->charging = c->charging;
  r->full = c->full;
  r->charge_ua = c->charging && !c->full ? (uint32_t)(c->charge_na / 1000.0) : 0;
  if (c->full && c->by_patient) {
    /* The patient takes the charger off once it says the cell is full. */
    c->charging = 0;
    c->full = 0;
    c->by_patient = 0;
  }
}

uint64_t sim_batt_used_pc(const sim_hw_t *hw) { return (uint64_t)hw->cell.drawn_pc; }

uint64_t sim_batt_used_uah(const sim_hw_t *hw) { return (uint64_t)(hw->cell.drawn_pc / PC_PER_UAH); }

double sim_batt_true_soc_pm(const sim_hw_t *hw) { return soc_pm(&hw->cell); }

double sim_batt_missing_pc(const sim_hw_t *hw) {
  double m = capacity_pc(&hw->cell) - hw->cell.charge_pc;
  return m > 0 ? m : 0;
}
