/* progs.c: the example therapies in C and the PROGRAM_ALL encoder (see progs.h). */
#include "progs.h"

#include <string.h>

#include "nmod/cmd.h"
#include "nmod/records.h"

nm_prog_t cm_prog(const char *name, uint32_t wave, uint32_t rate_hz, uint32_t burst_pulses, uint32_t intra_hz,
                  uint32_t width_us, uint32_t amp_ua, uint32_t pt_min_ua, uint32_t pt_max_ua) {
  nm_prog_t p;
  memset(&p, 0, sizeof p);
  strncpy(p.name, name, NM_NAME_LEN - 1);
  p.wave = wave;
  p.rate_hz = rate_hz;
  p.burst_pulses = burst_pulses;
  p.intra_hz = intra_hz;
  p.width_us = width_us;
  p.gap_us = NM_GAP_DEFAULT_US;
  p.amp_ua = amp_ua;
  p.pt_min_ua = pt_min_ua;
  p.pt_max_ua = pt_max_ua;
  return p;
}

#define LOAD {NM_IMPEDANCE_DEFAULT_OHM, NM_COMPLIANCE_DEFAULT_MV}

const cm_therapy_t cm_examples[CM_EXAMPLES] = {
    /* snm-default.json: 14 Hz, 210 us, 1.0 mA (patient 0-3 mA), E0- E3+. */
    {"snm-default.json", NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4, LOAD, 1,
     {{.name = "default", .wave = NM_WAVE_TONIC, .rate_hz = 14, .width_us = 210, .gap_us = NM_GAP_DEFAULT_US,
       .amp_ua = 1000, .pt_min_ua = 0, .pt_max_ua = 3000, .frac_pct = {[0] = -100, [3] = 100}}}},
    /* scs-tonic.json: 50 Hz, 300 us, 4.0 mA (patient 2-6 mA), E2+50 E3-100 E4+50, 2 s ramp. */
    {"scs-tonic.json", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, LOAD, 1,
     {{.name = "tonic", .wave = NM_WAVE_TONIC, .rate_hz = 50, .width_us = 300, .gap_us = NM_GAP_DEFAULT_US,
       .amp_ua = 4000, .pt_min_ua = 2000, .pt_max_ua = 6000, .ramp_ms = 2000,
       .frac_pct = {[2] = 50, [3] = -100, [4] = 50}}}},
    /* scs-burst.json: 40 Hz bursts of 5 pulses at 500 Hz, 1000 us, 0.6 mA (patient 0-1 mA),
     * E3- E4+, cycling 30 s on / 90 s off, 1 s ramp. */
    {"scs-burst.json", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, LOAD, 1,
     {{.name = "burst", .wave = NM_WAVE_BURST, .rate_hz = 40, .burst_pulses = 5, .intra_hz = 500,
       .width_us = 1000, .gap_us = NM_GAP_DEFAULT_US, .amp_ua = 600, .pt_min_ua = 0, .pt_max_ua = 1000,
       .cyc_on_s = 30, .cyc_off_s = 90, .ramp_ms = 1000, .frac_pct = {[3] = -100, [4] = 100}}}},
    /* scs-hf10k.json: 10 kHz, 30 us, 2.0 mA (patient 1-3.5 mA), E3- E4+. */
    {"scs-hf10k.json", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, LOAD, 1,
     {{.name = "hf10k", .wave = NM_WAVE_HF, .rate_hz = 10000, .width_us = 30, .gap_us = NM_GAP_DEFAULT_US,
       .amp_ua = 2000, .pt_min_ua = 1000, .pt_max_ua = 3500, .frac_pct = {[3] = -100, [4] = 100}}}},
    /* scs-closed-loop.json: scs-tonic's 50 Hz, 300 us tripole at 2.7 mA (patient 1-4 mA), 2 s
     * ramp, with a closed loop: target 50 uV (patient 35-65), window 25-85 uV, ceiling
     * 9.0 mA, step 0.4 mA. */
    {"scs-closed-loop.json", NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, LOAD, 1,
     {{.name = "closed-loop", .wave = NM_WAVE_TONIC, .rate_hz = 50, .width_us = 300, .gap_us = NM_GAP_DEFAULT_US,
       .amp_ua = 2700, .pt_min_ua = 1000, .pt_max_ua = 4000, .ramp_ms = 2000,
       .frac_pct = {[2] = 50, [3] = -100, [4] = 50},
       .loop = {.closed = 1, .target_uv = 50, .lo_uv = 25, .hi_uv = 85, .pt_lo_uv = 35, .pt_hi_uv = 65,
                .max_ua = 9000, .step_ua = 400}}}},
};

size_t cm_req_program_all(uint8_t *buf, size_t cap, const nm_lead_t *lead, const nm_load_t *load, uint8_t running,
                          uint8_t n, const nm_prog_t progs[]) {
  nm_wr_t w;
  nm_wr_init(&w, buf, cap);
  nm_wire_put_program_all(&w, lead, load, running, n, progs);
  return w.err ? 0 : w.len;
}
