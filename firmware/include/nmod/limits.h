/* nmod/limits.h: every limit and tunable of the firmware core in one place.
 *
 * Each is an #ifndef default so a product build can tighten it. Units are in the names.
 * Sources for the figures: ../../docs/SAFETY.md and shared/reference/device-facts.md.
 */
#ifndef NMOD_LIMITS_H
#define NMOD_LIMITS_H

/* Lead and program storage. */
#ifndef NM_MAX_CONTACTS
#define NM_MAX_CONTACTS 16 /* contacts on one lead (paddle-16 is the largest) */
#endif
#define NM_NODE_CASE NM_MAX_CONTACTS     /* node index of the stimulator case */
#define NM_NODES (NM_MAX_CONTACTS + 1)   /* contacts plus the case */
#ifndef NM_MAX_PROGRAMS
#define NM_MAX_PROGRAMS 8 /* programs stored */
#endif
#ifndef NM_MAX_RUNNING
#define NM_MAX_RUNNING 4 /* programs running at once (SCS "areas") */
#endif
#define NM_NAME_LEN 16 /* program name, including the terminating NUL */

/* Amplitude: 0-25.5 mA in 0.1 mA steps. */
#ifndef NM_AMP_MAX_UA
#define NM_AMP_MAX_UA 25500u
#endif
#define NM_AMP_STEP_UA 100u

/* Pulse width of the stimulating phase. */
#define NM_WIDTH_MIN_US 10u
#define NM_WIDTH_MAX_US 1000u
#define NM_HF_WIDTH_MIN_US 20u
#define NM_HF_WIDTH_MAX_US 60u

/* Rates. */
#define NM_TONIC_RATE_MIN_HZ 2u
#define NM_TONIC_RATE_MAX_HZ 1200u
#define NM_HF_RATE_HZ 10000u
#define NM_BURST_PULSES_MIN 2u
#define NM_BURST_PULSES_MAX 10u
#define NM_BURST_INTRA_MIN_HZ 250u
#define NM_BURST_INTRA_MAX_HZ 1000u
#define NM_BURST_RATE_MIN_HZ 10u
#define NM_BURST_RATE_MAX_HZ 100u

/* Interphase gap between the stimulating and the recharge phase. */
#define NM_GAP_MAX_US 250u
#define NM_GAP_DEFAULT_US 20u

/* Soft start/stop and cycling. */
#define NM_RAMP_MAX_MS 10000u
#define NM_RAMP_TICK_MS 100u /* amplitude steps of a ramp are this far apart */
#define NM_CYCLE_MAX_S 86400u

/* Safety supervisor. Charge density ceiling per phase (Boston Scientific's programming
 * limit) and the Shannon (1992) k < 1.85 criterion. */
#ifndef NM_DENSITY_MAX_NC_CM2
#define NM_DENSITY_MAX_NC_CM2 30000u /* 30 uC/cm2 */
#endif
/* Shannon k of a charge must stay below this, in thousandths (k < 1.85). */
#define NM_SHANNON_K_MAX_MILLI 1850
/* k >= 1.85  <=>  Q^2/A >= 10^1.85 uC^2/cm2  <=>  Q_pc^2 * 1000 >= NM_SHANNON_Q2A * A_um2.
 * NM_SHANNON_Q2A = 10^(NM_SHANNON_K_MAX_MILLI / 1000) * 1e4 * 1e3, truncated: 707945784.38
 * (tests/core/test_safety.c holds the two together). */
#define NM_SHANNON_Q2A 707945784ull
#ifndef NM_COMPLIANCE_DEFAULT_MV
#define NM_COMPLIANCE_DEFAULT_MV 12000u /* compliance voltage of the output stage */
#endif
#define NM_COMPLIANCE_MAX_MV 40000u
#ifndef NM_IMPEDANCE_DEFAULT_OHM
#define NM_IMPEDANCE_DEFAULT_OHM 525u /* Abbott Eterna nominal load (device-facts.md) */
#endif
#define NM_IMPEDANCE_MAX_OHM 100000u

/* Closed loop (docs/CLOSED-LOOP.md). The stage sets amplitudes in steps of
 * NM_LOOP_RES_UA; a clinician's step limit per pulse is a multiple of it, at most
 * NM_LOOP_STEP_MAX_UA. ECAPs are sensed after tonic pulses up to NM_LOOP_RATE_MAX_HZ (the
 * recording window and the artefact's recovery need a few ms after each pulse) and after
 * bursts; not on high-frequency programs (sub-perception, no measurable ECAP). */
#define NM_LOOP_RES_UA 10u
#define NM_LOOP_STEP_MAX_UA 2000u
#define NM_LOOP_RATE_MIN_HZ 20u
#define NM_LOOP_RATE_MAX_HZ 200u
#define NM_LOOP_UV_MAX 2000u /* largest target or window bound (uV) */
/* The patient moves the target in steps of this much (the remote's up/down). */
#define NM_LOOP_TARGET_STEP_UV 5u

/* Output pattern: at most this many pulses in one repeating frame. */
#ifndef NM_PATTERN_MAX_SLOTS
#define NM_PATTERN_MAX_SLOTS 64
#endif

/* Intra-operative test stimulation (lead placement). Axonics' lead-placement scale runs to
 * 12.5 mA; the pulse is 14 Hz, 210 us for SNM and 40 Hz, 210 us for SCS. */
#define NM_TEST_AMP_MAX_UA 12500u
#define NM_TEST_WIDTH_US 210u
#define NM_TEST_RATE_SNM_HZ 14u
#define NM_TEST_RATE_SCS_HZ 40u

/* The core wakes at least this often: watchdog, battery gauge, daily checks. A minute is
 * ample for a battery that lasts years and keeps the core asleep between events. */
#ifndef NM_HOUSEKEEPING_MS
#define NM_HOUSEKEEPING_MS 60000u
#endif

/* Contact area of the case when it is used as an anode (about 10 cm2 of titanium). */
#define NM_CASE_AREA_UM2 1000000000u

#endif
