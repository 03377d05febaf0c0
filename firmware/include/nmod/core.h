/* nmod/core.h: the firmware core. One nm_core_t per stimulator, owned by the caller (the
 * port's main loop); no heap, no globals, no floating point.
 *
 * The core sleeps between events. It is woken by its timer (nm_core_wake) and by commands
 * (nm_cmd_exec); each wake recomputes the amplitude of every running program (ramps,
 * cycling), hands the output stage a new pattern when something changed, and sets the
 * timer for the next event. Between events the output stage repeats the pattern alone.
 */
#ifndef NMOD_CORE_H
#define NMOD_CORE_H

#include <stdint.h>
#include "nmod/battery.h"
#include "nmod/err.h"
#include "nmod/event.h"
#include "nmod/lead.h"
#include "nmod/plan.h"
#include "nmod/port.h"
#include "nmod/program.h"
#include "nmod/role.h"
#include "nmod/safety.h"

typedef enum { NM_THERAPY_SCS = 0, NM_THERAPY_SNM = 1 } nm_therapy;

typedef enum {
  NM_MODE_SHELF = 0,   /* as shipped: output off, waits for the clinician */
  NM_MODE_OFF = 1,     /* stimulation off, telemetry on */
  NM_MODE_THERAPY = 2, /* the running programs are delivered */
  NM_MODE_TEST = 3,    /* intra-operative test stimulation, one contact at a time */
  NM_MODE_MRI = 4,     /* stimulation, sensing and automatic checks off for a scan */
  NM_MODE_SURGERY = 5, /* stimulation off for electrocautery */
  NM_MODE_COUNT
} nm_mode;
/* For nm_core_mode: leave MRI or surgery mode for the mode that was on before it. */
#define NM_MODE_RESUME 0xFFu

/* Why the core went to its safe state (stimulation off), 0 when it did not. */
typedef enum {
  NM_FAULT_NONE = 0,
  NM_FAULT_LIMITER = 1, /* the output stage's charge limiter tripped */
  NM_FAULT_ASSERT = 2,  /* an internal check failed */
  NM_FAULT_OUTPUT = 3,  /* the output stage refused a pattern or failed */
  NM_FAULT_BATTERY = 4, /* end of service or a depleted cell: stimulation stopped */
  NM_FAULT_LEAD = 5,    /* a shorted contact stopped the programs that use it */
  NM_FAULT_SETTINGS = 6, /* the stored settings were refused at boot (detail: slot << 24 | reasons;
                            slot 0xFF: the lead or the running set) */
  NM_FAULT_STORE = 7,   /* the memory cannot be written at boot: therapy off until it can */
  NM_FAULT_DAMAGE = 8   /* flash damage rolled the settings back or lost them (detail: NM_DAMAGE_*) */
} nm_fault;

/* Alerts the device layer raises about its memory, for the read-outs (status). */
enum {
  NM_ALERT_STORE = 1u << 0,    /* writes fail now: a lowering is in effect but not stored */
  NM_ALERT_DAMAGE = 1u << 1,   /* flash damage was found at boot (NM_EV_DAMAGE says what) */
  NM_ALERT_SETTINGS = 1u << 2, /* the stored settings were refused at boot (NM_FAULT_SETTINGS) */
  NM_ALERT_IDENTITY = 1u << 3, /* one copy of the identity is damaged; the other is in use */
  NM_ALERT_REMOTES = 1u << 4   /* remote pairings were rolled back or lost by damage */
};

/* Events not yet in the device's log. The core queues what it changes, as it changes it
 * (mode, running set, amplitude, fault, programs, test thresholds, shorted contacts,
 * battery), with t_s 0 and mode.reason NM_REASON_NONE; the device layer stamps them, adds
 * its own, and writes them out (firmware/dev). A queue, not a callback: nothing in the
 * core calls up into the layer above. When full, new events are counted and dropped. */
#ifndef NM_CORE_EVQ_LEN
#define NM_CORE_EVQ_LEN 12u
#endif

/* Why a set of programs cannot run together (nm_core_program_all, nm_core_select), on the
 * wire after a refused PROGRAM_ALL's report. */
typedef enum {
  NM_SET_OK = 0,
  NM_SET_NONE = 1,     /* no program is to run */
  NM_SET_EMPTY = 2,    /* a running slot holds no program */
  NM_SET_TOO_MANY = 3, /* more than NM_MAX_RUNNING */
  NM_SET_SNM_ONE = 4,  /* an SNM stimulator runs one program at a time */
  NM_SET_SLOTS = 5,    /* their common frame would hold more than NM_PATTERN_MAX_SLOTS pulses */
  NM_SET_OVERLAP = 6,  /* their pulses cannot be interleaved without overlapping */
  NM_SET_FIT = 7,      /* a program's own pulse does not fit its period */
  NM_SET_COUNT
} nm_set_why;

/* Everything the stimulator must remember across a power cycle. */
typedef struct {
  uint8_t therapy;                  /* nm_therapy */
  uint8_t valid_mask;               /* bit i: program slot i holds a program */
  uint8_t running_mask;             /* bit i: program i runs in therapy mode */
  uint8_t therapy_on;               /* 1: therapy mode is the chosen state */
  nm_lead_t lead;
  nm_load_t load;
  nm_prog_t prog[NM_MAX_PROGRAMS];
  uint32_t amp_ua[NM_MAX_PROGRAMS]; /* amplitude now (the patient moves it in range); for a
                                       program whose loop is on: where the loop starts */
  uint16_t loop_target_uv[NM_MAX_PROGRAMS]; /* closed loop: the target now (the patient moves it) */
  uint8_t loop_on;                  /* bit i: program i's closed loop is on (else it runs at amp_ua) */
} nm_settings_t;

/* Intra-operative test stimulation state. */
typedef struct {
  uint8_t node;                              /* contact under test */
  uint32_t amp_ua;                           /* amplitude now */
  uint32_t step_ua;                          /* step per nm_core_test_step() */
  uint32_t threshold_ua[NM_MAX_CONTACTS];    /* marked response per contact, 0 = none */
  nm_prog_t prog;                            /* the test pulse */
  nm_placement_t place;
} nm_test_t;

typedef struct nm_core {
  const nm_port_t *port;
  nm_lead_t hw_lead;     /* the lead the core was set up with: the hardware's, never changed */
  nm_settings_t set;
  uint8_t mode;          /* nm_mode */
  uint8_t mode_before;   /* mode to return to after MRI or surgery mode */
  uint32_t fault;        /* nm_fault; the last reason stimulation was forced off */
  uint32_t fault_detail; /* output-stage trip code or assert line */
  /* Therapy timing: ramps and cycles run from run_start_us. */
  uint64_t run_start_us;
  uint64_t stop_start_us;
  uint8_t stopping;      /* soft stop in progress */
  nm_placement_t place;  /* placement of the running programs */
  uint32_t out_amp_ua[NM_MAX_RUNNING]; /* amplitudes in the output stage now */
  uint8_t out_loaded;    /* 1 when a pattern is loaded */
  nm_pattern_t scratch;  /* pattern being built */
  nm_test_t test;
  uint64_t next_hk_us;   /* next housekeeping */
  uint64_t next_wake_us;
  uint64_t wakeups;      /* times the core woke (timer and commands) */
  uint32_t loads;        /* patterns handed to the output stage */
  const nm_profile_t *prof; /* the hardware's profile: its cell and energy figures (never NULL) */
  nm_gauge_t gauge;      /* the fuel gauge (nmod/battery.h) */
  nm_batt_t batt;        /* the last fuel-gauge reading, judged */
  uint16_t lead_open;    /* contacts found open by the last impedance check (bit per contact) */
  uint16_t lead_short;   /* contacts found shorted */
  uint16_t alerts;       /* NM_ALERT_*, kept by the device layer */
  /* Output held: while set, nothing the core changes reaches the output stage (a raising
   * request waits until it is stored); nm_core_release() applies it. Stops never wait. */
  uint8_t hold;
  /* Closed loops: the sensor fault each last fell back on (0: none since it was turned on),
   * and a note for the device layer that a fallback changed the settings by itself. */
  uint8_t loop_fault[NM_MAX_PROGRAMS];
  uint8_t self_changed;
  uint8_t out_stale;     /* the loop's bounds changed: reload even at the same amplitudes */
  nm_event_t evq[NM_CORE_EVQ_LEN]; /* oldest first */
  uint8_t evq_n;          /* events queued */
  uint8_t evq_stamped;    /* of them, stamped by the device layer */
  uint16_t evq_dropped;   /* events lost to a full queue since the last report */
} nm_core_t;

/* Queue an event (see evq above). */
void nm_core_event(nm_core_t *c, const nm_event_t *e);
/* An event of TYPE with every other field zero, to fill in and pass to nm_core_event. */
void nm_core_ev_init(nm_event_t *e, uint8_t type);

/* Set up a core on `port` (kept by pointer; must outlive the core). Starts in shelf mode
 * with default settings: no programs, the given therapy kind, lead and default load. */
int nm_core_init(nm_core_t *c, const nm_port_t *port, uint8_t therapy, const nm_lead_t *lead);
/* What a reset must keep besides the settings, stored in the same record: the mode (test
 * stored as off), the mode to resume after MRI or surgery, and the fault that stopped
 * stimulation (so what only the clinician could restart stays so after a reset). */
typedef struct {
  uint8_t mode, mode_before;
  uint32_t fault, fault_detail;
} nm_stored_state_t;

/* Replace the settings and mode wholesale (after loading them from memory). Nothing in
 * memory is trusted: the settings must name the lead the core was set up with (the
 * hardware's), every stored program is judged again against it and the load, and the
 * running set must place. Settings that fail are refused (NM_EREFUSED, or NM_EINVAL for a
 * lead or mode that is not valid) and the core stays as it was; *bad_slot names the
 * program (0xFF: the lead, the load or the running set) and *reasons why. Restored MRI and
 * surgery modes keep the output off; test mode comes back as off. */
int nm_core_restore(nm_core_t *c, const nm_settings_t *s, const nm_stored_state_t *st, uint8_t *bad_slot,
                    uint32_t *reasons);
/* The state as it is stored: test mode as off (a reset never resumes a test). */
void nm_core_stored_state(const nm_core_t *c, nm_stored_state_t *out);
/* Hold the output (see nm_core_t.hold) / release it and bring the output in line. */
void nm_core_hold(nm_core_t *c);
void nm_core_release(nm_core_t *c);

/* The timer fired: do what is due and set the next wake. Returns the next wake time. */
uint64_t nm_core_wake(nm_core_t *c);

/* Lead and load; only when stimulation is off. The lead must be the hardware's (the one
 * given to nm_core_init) and every stored program must pass, else NM_EREFUSED and nothing
 * changes. */
int nm_core_set_lead(nm_core_t *c, const nm_lead_t *lead, const nm_load_t *load);
/* Store program `p` in `slot` after the safety check (report in `rep`, may be NULL).
 * NM_EREFUSED leaves everything as it was. A running program can be rewritten only while
 * therapy is off. */
int nm_core_prog_write(nm_core_t *c, uint8_t slot, const nm_prog_t *p, nm_safety_report_t *rep);
int nm_core_prog_erase(nm_core_t *c, uint8_t slot);
/* Replace lead, load, every program (slots 0..n-1; the rest emptied) and the running set
 * in one step: all are judged first, and either all take effect or nothing changes. A
 * lead that is not the hardware's is refused (NM_R_LEAD, *bad_slot 0xFF).
 * Only while stimulation is off. On NM_EREFUSED, *bad_slot is the refused program (0xFF
 * when the running set or the lead is what failed) and rep says why; *set_why (nm_set_why)
 * says why the running set cannot run (NM_R_INTERLEAVE), NM_SET_OK otherwise. */
int nm_core_program_all(nm_core_t *c, const nm_lead_t *lead, const nm_load_t *load, uint8_t n,
                        const nm_prog_t progs[], uint8_t running_mask, uint8_t *bad_slot,
                        nm_safety_report_t *rep, uint8_t *set_why);
/* Choose the running programs (bit mask) for `role`. Refused when a slot is empty, too many
 * run, SNM runs more than one, or they cannot be interleaved. */
int nm_core_select(nm_core_t *c, uint8_t role, uint8_t mask);
/* Therapy on or off (off ramps down softly; in test mode, off ends the test: stop always
 * wins). After a fault forced stimulation off, only the clinician can turn therapy on
 * again (which clears the fault and the limiter). */
int nm_core_therapy(nm_core_t *c, uint8_t role, int on);
/* Amplitude of program `slot`. The patient stays within the program's patient range; the
 * clinician may go anywhere the safety supervisor accepts. */
int nm_core_amp_set(nm_core_t *c, uint8_t role, uint8_t slot, uint32_t amp_ua);
/* One 0.1 mA step up (dir > 0) or down of program `slot`, or every running program when
 * slot is 0xFF. */
int nm_core_amp_step(nm_core_t *c, uint8_t role, uint8_t slot, int dir);
/* Closed loop of program `slot` (0xFF: every running program that has one) on or off. Off
 * fixes the amplitude at the last one the loop delivered (in 0.1 mA steps, rounded down),
 * never above it. NM_ENOENT when no such program has a loop, and for on where the output
 * stage runs no loop (port.out_loop NULL: it would deliver the ceiling); there a program
 * with a loop always runs open loop at its amplitude. */
int nm_core_loop(nm_core_t *c, uint8_t role, uint8_t slot, int on);
/* Move the loop's target: the patient within the program's patient_target range, the
 * clinician anywhere inside the window. */
int nm_core_loop_target(nm_core_t *c, uint8_t role, uint8_t slot, uint32_t target_uv);
/* The amplitude program `slot` delivers now: a loop's last unit as the stage reports it,
 * else its level (ramps, cycling). */
uint32_t nm_core_amp_now_ua(const nm_core_t *c, uint8_t slot);
/* What AMP_SET and AMP_STEP change from: amp_ua, or for a program whose loop is on, the
 * loop's last amplitude rounded down to 0.1 mA (a manual amplitude turns the loop off). */
uint32_t nm_core_amp_base_ua(const nm_core_t *c, uint8_t slot);

/* Change mode (off, therapy, MRI, surgery, shelf; test mode through nm_core_test_*). Off
 * from MRI or surgery is off for good: therapy_on is cleared, so a reset does not bring
 * stimulation back. Off, MRI and surgery end a test first (stop always wins). */
int nm_core_mode(nm_core_t *c, uint8_t role, uint8_t mode);

/* Test stimulation: contact `node` as cathode against the case, from start_ua in steps
 * of step_ua; mark records the amplitude now as that contact's response threshold. */
int nm_core_test_start(nm_core_t *c, uint8_t node, uint32_t start_ua, uint32_t step_ua);
int nm_core_test_step(nm_core_t *c);
int nm_core_test_mark(nm_core_t *c);
int nm_core_test_stop(nm_core_t *c);

/* A shorted contact: stop every running program that uses `node` (the others go on);
 * with none left, therapy stops with NM_FAULT_LEAD. Returns the programs stopped (mask). */
uint8_t nm_core_drop_node(nm_core_t *c, uint8_t node);

/* The hardware's profile (nmod/profile.h; NULL: nmod's primary reference); restarts the
 * fuel gauge from the cell's voltage and judges it. */
void nm_core_set_profile(nm_core_t *c, const nm_profile_t *pf);
/* nmod's reference profile for a cell type (nm_cell). */
void nm_core_set_cell(nm_core_t *c, uint8_t cell);
/* Read and judge the battery now (also done at every housekeeping wake); at EOS the
 * core stops stimulation (NM_FAULT_BATTERY) and telemetry stays. */
void nm_core_battery(nm_core_t *c);
/* Battery current (nA) at the present output, fixed costs included. */
uint64_t nm_core_avg_na(const nm_core_t *c);

/* Amplitude program i (slot) delivers at `now_us` given ramps and cycling, uA. */
uint32_t nm_core_level_ua(const nm_core_t *c, uint8_t slot, uint64_t now_us);
/* Put the core in its safe state: output off, mode off, `fault` recorded. */
void nm_core_safe_state(nm_core_t *c, uint32_t fault, uint32_t detail);

/* Check a firmware invariant; on failure go to the safe state and return NM_EFAULT from
 * the enclosing function. */
#define NM_ASSERT(core, cond)                                   \
  do {                                                          \
    if (!(cond)) {                                              \
      nm_core_safe_state((core), NM_FAULT_ASSERT, __LINE__);    \
      return NM_EFAULT;                                         \
    }                                                           \
  } while (0)

const char *nm_mode_name(uint8_t mode);
const char *nm_wave_name(uint32_t wave);

#endif
