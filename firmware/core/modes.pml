/* modes.pml: the device's mode machine and the fail-safe rule as the C does them
 * (firmware/core/core.c and ops.c; firmware/dev/dev_ops.c, dev_store.c, dev_boot.c,
 * dev_wake.c, dev_lead.c), for SPIN. Run by formal/spin/run.sh; docs/assurance/spin.md
 * states the properties and what a complete search of this model covers.
 *
 * Abstraction:
 * - One device, one request at a time (the port's main loop is single-threaded). Each C
 *   function of the core is one atomic step. A power cut can come between any two steps
 *   of a request, of a wake and of the boot (a cut inside a core function is a cut before
 *   or after it: the core never writes the flash): RAM is lost, the boot starts from what
 *   the flash holds.
 * - The running programs are one abstract running set: runs (the running mask is not
 *   empty) and lvl, its amplitude in levels 0..AMAX, a monotone measure of the charge it
 *   delivers. A request that changes programs or amplitudes moves lvl only as far as its
 *   effect allows (a lowering: to any level at or below; a new program or set: to any
 *   level). Programs that do not run are not modelled: they change nothing delivered.
 * - out is the output stage's envelope, the level of the pattern it is handed (ramps and
 *   cycling only scale it down in time, so the envelope is the worst case). A soft stop
 *   (stopping) keeps the envelope until it ends at a wake. Test stimulation is tamp,
 *   0..TMAX; test mode is never stored (as in the C).
 * - The safety supervisor's verdicts and argument checks depend on data the model does
 *   not have: a request they may refuse is refused or not, nondeterministically, and a
 *   refusal changes nothing (as in the C). Modes and roles are modelled exactly.
 * - Faults: the output stage may refuse any pattern it is handed, and its limiter may trip
 *   on any pattern it runs (the safe state; only the clinician restarts therapy); at a
 *   wake a depleted cell may stop stimulation (the patient may restart once it is
 *   recharged); the daily lead check and IMPEDANCE may find a short (some programs stop,
 *   or the safe state when none is left).
 * - The flash holds the settings record (settings, mode and fault in one record: stored
 *   mode, mode before, therapy_on, runs, lvl, fault). Every write succeeds or fails,
 *   independently and nondeterministically, so the memory fails and heals at any point; a
 *   write that works
 *   is the new record, one that fails may have landed or not (a cut commit word counts,
 *   docs/STORAGE.md). What the device believes is stored (saved_crc) is kept apart from
 *   what the flash holds: s_kind. The event log is a write that may fail: a raising whose
 *   events are not written is not done, and a raising may find events still waiting (both
 *   NM_EIO). Flash damage and the identity are not modelled (damage leaves the device off
 *   with a fault: dev_boot.c); the other records (meta, remotes, lead check) are writes
 *   that may fail.
 * - The core's own safe state (a trip, a refused pattern, a depleted cell) is stored like a
 *   lowering: after a wake that changed mode, therapy_on or the fault, after a raising's
 *   release, at the end of the boot. The boot holds the output until its store decision. A
 *   cut inside a request, a wake or the boot (before its writes) is judged against the
 *   state before that step: a fault the step raised and did not store yet counts as not
 *   raised.
 * - The op table is the C's: tests/formal/test_model_sync.c checks the codes, roles and
 *   classes below against firmware/core/ops.c, the modes against nmod/core.h. Ops the
 *   model cannot tell apart share one code after decoding (the reads; PAIR and TIME_SET;
 *   AMP_SET, AMP_STEP, LOOP and LOOP_TARGET), to keep the state space small. The closed
 *   loop (docs/CLOSED-LOOP.md) is a level too: turning it on or raising its target may
 *   raise the output (up to the ceiling the supervisor judged), turning it off or lowering
 *   the target never does; its fallback on a sensor fault is a lowering the core does by
 *   itself, stored like the others (dev_wake.c), and is the AMP_SET lowering here.
 */

/* ---- bounds ------------------------------------------------------------------------- */
#define AMAX 2 /* amplitude levels of the running set: 0..AMAX */
#define TMAX 1 /* test stimulation levels: 0..TMAX */

/* ---- the C's constants (checked by tests/formal/test_model_sync.c) ------------------- */
/* nm_mode (nmod/core.h) */
#define MODE_SHELF 0
#define MODE_OFF 1
#define MODE_THERAPY 2
#define MODE_TEST 3
#define MODE_MRI 4
#define MODE_SURGERY 5
#define MODE_COUNT 6
#define MODE_RESUME 255
/* nm_role (nmod/role.h) */
#define ROLE_NONE 0
#define ROLE_PATIENT 1
#define ROLE_CLINICIAN 2
/* nm_op_cls (nmod/ops.h) */
#define OPC_READ 0
#define OPC_LOWER 1
#define OPC_RAISE 2
#define OPC_MIXED 3
/* Role masks, 1 << nm_role. */
#define R_P 2
#define R_C 4
#define R_PC 6

/* The op table (firmware/core/ops.c): OP_ code (decimal), ROLES_ who may, CLS_ class. */
#define OP_STATUS 1
#define ROLES_STATUS R_PC
#define CLS_STATUS OPC_READ
#define OP_INTERROGATE 2
#define ROLES_INTERROGATE R_C
#define CLS_INTERROGATE OPC_READ
#define OP_IDENTITY 3
#define ROLES_IDENTITY R_PC
#define CLS_IDENTITY OPC_READ
#define OP_TIME_SET 4
#define ROLES_TIME_SET R_C
#define CLS_TIME_SET OPC_RAISE
#define OP_HEALTH 5
#define ROLES_HEALTH R_C
#define CLS_HEALTH OPC_READ
#define OP_PROG_WRITE 16
#define ROLES_PROG_WRITE R_C
#define CLS_PROG_WRITE OPC_RAISE
#define OP_PROG_READ 17
#define ROLES_PROG_READ R_C
#define CLS_PROG_READ OPC_READ
#define OP_PROG_ERASE 18
#define ROLES_PROG_ERASE R_C
#define CLS_PROG_ERASE OPC_LOWER
#define OP_SELECT 19
#define ROLES_SELECT R_PC
#define CLS_SELECT OPC_MIXED
#define OP_LEAD_SET 20
#define ROLES_LEAD_SET R_C
#define CLS_LEAD_SET OPC_RAISE
#define OP_CHECK 21
#define ROLES_CHECK R_C
#define CLS_CHECK OPC_READ
#define OP_PROGRAM_ALL 22
#define ROLES_PROGRAM_ALL R_C
#define CLS_PROGRAM_ALL OPC_RAISE
#define OP_THERAPY 32
#define ROLES_THERAPY R_PC
#define CLS_THERAPY OPC_MIXED
#define OP_AMP_SET 33
#define ROLES_AMP_SET R_PC
#define CLS_AMP_SET OPC_MIXED
#define OP_AMP_STEP 34
#define ROLES_AMP_STEP R_PC
#define CLS_AMP_STEP OPC_MIXED
#define OP_MODE 35
#define ROLES_MODE R_PC
#define CLS_MODE OPC_MIXED
#define OP_LOOP 36
#define ROLES_LOOP R_PC
#define CLS_LOOP OPC_MIXED
#define OP_LOOP_TARGET 37
#define ROLES_LOOP_TARGET R_PC
#define CLS_LOOP_TARGET OPC_MIXED
#define OP_TEST_START 48
#define ROLES_TEST_START R_C
#define CLS_TEST_START OPC_RAISE
#define OP_TEST_STEP 49
#define ROLES_TEST_STEP R_C
#define CLS_TEST_STEP OPC_RAISE
#define OP_TEST_MARK 50
#define ROLES_TEST_MARK R_C
#define CLS_TEST_MARK OPC_LOWER
#define OP_TEST_STOP 51
#define ROLES_TEST_STOP R_C
#define CLS_TEST_STOP OPC_LOWER
#define OP_PAIR 64
#define ROLES_PAIR R_C
#define CLS_PAIR OPC_RAISE
#define OP_REVOKE 65
#define ROLES_REVOKE R_C
#define CLS_REVOKE OPC_LOWER
#define OP_REMOTES 66
#define ROLES_REMOTES R_C
#define CLS_REMOTES OPC_READ
#define OP_HISTORY 80
#define ROLES_HISTORY R_C
#define CLS_HISTORY OPC_READ
#define OP_IMPEDANCE 96
#define ROLES_IMPEDANCE R_C
#define CLS_IMPEDANCE OPC_READ

/* How nm_op_class resolves the mixed ops, per kind of request. */
#define MIX_THERAPY_ON OPC_RAISE          /* THERAPY on */
#define MIX_THERAPY_OFF OPC_LOWER         /* THERAPY off */
#define MIX_AMP_UP OPC_RAISE              /* AMP_SET above the amplitude now; AMP_STEP +1 */
#define MIX_AMP_DOWN OPC_LOWER            /* AMP_SET at or below it; AMP_STEP -1 */
#define MIX_LOOP_ON OPC_RAISE             /* LOOP on: the loop may raise up to its ceiling */
#define MIX_LOOP_OFF OPC_LOWER            /* LOOP off: fixed, never above the loop's last */
#define MIX_TARGET_UP OPC_RAISE           /* LOOP_TARGET above a named loop's target now */
#define MIX_TARGET_DOWN OPC_LOWER         /* LOOP_TARGET at or below every named one's */
#define MIX_SELECT_SUBSET OPC_LOWER       /* SELECT of a non-empty part of the running set */
#define MIX_SELECT_OTHER OPC_RAISE        /* SELECT of any other set */
#define MIX_MODE_THERAPY OPC_RAISE        /* MODE therapy */
#define MIX_MODE_RESUME_THERAPY OPC_RAISE /* MODE resume with therapy the mode before */
#define MIX_MODE_RESUME_OFF OPC_LOWER     /* MODE resume with any other mode before */
#define MIX_MODE_STOP OPC_LOWER           /* MODE off, MRI, surgery, shelf, and invalid ones */

/* ---- the model's own names ------------------------------------------------------------ */
#define FAULT_NONE 0
#define FAULT_CLIN 1 /* only the clinician restarts therapy (limiter, output, lead, memory) */
#define FAULT_BATT 2 /* a depleted cell: the patient may restart once it is recharged */

/* Statuses (nm_err, merged where the model does not tell them apart). */
#define S_OK 0
#define S_NO 1        /* NM_EINVAL, NM_EREFUSED, NM_ENOENT, NM_ENOSPC: nothing changed */
#define S_PERM 2      /* NM_EPERM */
#define S_STATE 3     /* NM_ESTATE */
#define S_IO 4        /* NM_EIO: a raising not done, not stored */
#define S_NOTSTORED 5 /* NM_ENOTSTORED: a lowering in effect, not stored */

/* ---- state ---------------------------------------------------------------------------- */
/* RAM, the core (nm_core_t) */
byte mode = MODE_SHELF;
byte before = MODE_OFF; /* mode_before */
bit on;                 /* set.therapy_on */
bit runs;               /* set.running_mask != 0 */
byte lvl;               /* the running set's amplitude level */
byte tamp;              /* test amplitude level (0 outside test mode) */
byte out;               /* the output stage's envelope */
bit stopping;           /* a soft stop is in progress */
byte fault;
bit hold;               /* output held while a raising request waits for its store */
/* RAM, the device (nm_dev_t) */
bit sdirty; /* NM_DIRTY_SETTINGS */
/* The flash, and what the device believes it holds: 0 the flash's record, 1 the record
 * as the boot restored it, 3 nothing known (saved_crc 0, after a write that failed: the
 * next write is done whatever). */
byte f_mode = MODE_SHELF, f_before = MODE_OFF, f_lvl, f_fault;
bit f_on, f_run;
byte s_kind;
/* The request (or wake) in progress, and the state before it (d->undo for a raising). */
byte role, op, arg, cls, st, tv;
bit sched; /* the core function asks for schedule() at its end */
byte u_mode, u_before, u_lvl, u_fault, u_tamp;
bit u_on, u_runs, u_stopping, u_sticky;
bit wok;     /* the last write worked */
bit in_req;  /* a request or a wake is in progress */
bit in_boot; /* the boot is in progress, before its writes (the output held) */
bit stopreq; /* the request is a stop: therapy off, mode off, MRI, surgery */
/* Ghosts: the state before the last reset, for the boot's properties. */
bit undone_stored; /* a raising was refused (its events not written) after its record was
                    * written, and that record is still in the flash */
bit sticky; /* a fault only the clinician may clear was not cleared by the clinician yet
             * (a reset keeps it: the fault is stored, docs/assurance/spin.md) */
byte g_lvl;
bit g_ther, g_lat, g_sdirty, g_wok, g_undone;

/* Property names, always 0: an assertion that fails shows its name (formal/spin/run.sh
 * counts them). */
bit P_stop_wins, P_stop_any_mode, P_raise_stored, P_raise_held, P_lowering_stored, P_reset_not_more,
    P_boot_output, P_boot_stuck_off, P_fault_clinician;
#define PROP(name, e) assert(name || (e))

/* ---- derived state ---------------------------------------------------------------------- */
#define SMODE (mode == MODE_TEST -> MODE_OFF : mode) /* nm_core_stored_mode */
#define LIVE (mode == MODE_THERAPY || stopping)
#define STIM_OFF_MODE (mode == MODE_SHELF || mode == MODE_OFF || mode == MODE_MRI || mode == MODE_SURGERY)
/* nm_core_restore's view of a record (m, b, o, r, f): its mode and mode before (a stored
 * fault keeps stimulation off: "stim" is therapy_on, a running set and no fault). */
#define STIM(o, r, f) (o && r && f == FAULT_NONE)
#define NMODE(m, o, r, f) (m == MODE_TEST -> MODE_OFF : ((m == MODE_THERAPY && !STIM(o, r, f)) -> MODE_OFF : m))
#define NBEFORE(m, b, o, r, f) ((((m == MODE_MRI || m == MODE_SURGERY) && b == MODE_THERAPY && STIM(o, r, f))) -> MODE_THERAPY : MODE_OFF)
#define FN_MODE NMODE(f_mode, f_on, f_run, f_fault)
#define FN_BEFORE NBEFORE(f_mode, f_before, f_on, f_run, f_fault)
#define FN_ON (FN_MODE == MODE_THERAPY || FN_BEFORE == MODE_THERAPY)
/* The RAM's record equals (m, b, o, r, l, f). */
#define REC_IS(m, b, o, r, l, f) (SMODE == m && before == b && on == o && runs == r && lvl == l && fault == f)
#define RAM_IS_SAVED ((s_kind == 0 && REC_IS(f_mode, f_before, f_on, f_run, f_lvl, f_fault)) || \
                      (s_kind == 1 && REC_IS(FN_MODE, FN_BEFORE, FN_ON, f_run, f_lvl, f_fault)))
/* A reset now would restore what the RAM holds, its fault too. */
#define DURABLE (FN_MODE == NMODE(SMODE, on, runs, fault) && FN_BEFORE == NBEFORE(SMODE, before, on, runs, fault) && \
                 f_run == runs && f_lvl == lvl && f_fault == fault)
/* "More stimulating": therapy at a higher level > therapy > everything else; MRI or
 * surgery with therapy to resume counts as therapy waiting at its level. */
#define THER (mode == MODE_THERAPY)
#define LAT ((mode == MODE_MRI || mode == MODE_SURGERY) && before == MODE_THERAPY && on && runs)
/* The output stage's envelope a state gives (between requests, out is this). */
#define ENV_OF(m, l, t, s) (m == MODE_TEST -> t : ((m == MODE_THERAPY || s) -> l : 0))
#define U_OUT ENV_OF(u_mode, u_lvl, u_tamp, u_stopping)
#define U_THER (u_mode == MODE_THERAPY)
#define U_LAT ((u_mode == MODE_MRI || u_mode == MODE_SURGERY) && u_before == MODE_THERAPY && u_on && u_runs)
#define NOT_MORE(t, a, l) ((!THER || (t && lvl <= l)) && (!LAT || ((t || a) && lvl <= l)))
#define F_THER (FN_MODE == MODE_THERAPY)
#define F_LAT (FN_BEFORE == MODE_THERAPY)

/* ---- what the C does not do: the findings (docs/assurance/spin.md) ---------------------
 * Some properties hold for the C only with an exception, named here. -DSTRICT_F2 (F6), or
 * -DSTRICT for all of them, checks the property without it: formal/spin/run.sh --findings
 * prints each counterexample. When the C changes, drop what it no longer needs. F1, F3,
 * F4, F5 and F7 were fixed in the C (352f062): their exceptions are gone. */
#if defined(STRICT) || defined(STRICT_F2)
#define EXC_F2 0
#elif defined(STRICT_F6)
#define EXC_F2 (g_sdirty && g_wok && !g_undone)
#else
/* F2 (by design, dev.h NM_DEV_RETRY_MS): a lowering not yet stored is lost to a reset when
 * the memory works again at boot: the device comes back as stored (a fault that was not
 * stored with it too). */
#define EXC_F2 (g_sdirty && g_wok)
#endif
/* F6 (inside F2's exception; -DSTRICT_F6 takes it out): a raising whose settings write
 * worked but whose events could not be written is answered NM_EIO and undone in RAM; the
 * undone state is written back at once, and when that write fails too, the raising's
 * record stays in the flash until the retry: a reset before the retry, with a memory that
 * works at boot, brings the refused raising back. */

/* ---- the flash ---------------------------------------------------------------------------- */

/* put_settings: write the record when it differs from what is believed stored. */
inline put_settings() {
  if
  :: RAM_IS_SAVED -> /* nothing to write (what is believed stored may not be what is) */
     wok = 1;
     if
     :: DURABLE -> undone_stored = 0
     :: else -> skip
     fi
  :: else ->
     if
     :: wok = 1; undone_stored = 0; s_kind = 0;
        f_mode = SMODE; f_before = before; f_on = on; f_run = runs; f_lvl = lvl; f_fault = fault
     :: wok = 0; s_kind = 3; printf("    the settings write fails\n")
     :: wok = 0; s_kind = 3; undone_stored = 0; printf("    the settings write fails, but lands\n");
        f_mode = SMODE; f_before = before; f_on = on; f_run = runs; f_lvl = lvl; f_fault = fault
     fi
  fi
}

/* dev_store(d, NM_DIRTY_SETTINGS) */
inline store_settings() {
  put_settings();
  sdirty = !wok
}

/* A write of another record (meta, remotes, lead check). Their own dirty bits are not
 * modelled: what they change is a raising refused (NM_EIO), which changes nothing, and
 * every raising of the model may be refused anyway. */
inline store_other() {
  if
  :: wok = 1
  :: wok = 0
  fi
}

/* ---- the core ------------------------------------------------------------------------------ */

/* nm_core_safe_state: output off (never held), therapy and test mode to off. A depleted
 * cell never replaces a fault only the clinician may clear. */
inline safe_state(k) {
  out = 0;
  stopping = 0;
  if
  :: mode == MODE_THERAPY || mode == MODE_TEST -> mode = MODE_OFF
  :: else -> skip
  fi;
  on = 0;
  tamp = 0;
  if
  :: k == FAULT_BATT && fault == FAULT_CLIN -> skip
  :: else -> fault = k
  fi;
  if
  :: fault == FAULT_CLIN -> sticky = 1
  :: else -> skip
  fi;
  printf("    safe state: fault=%d mode=%d\n", fault, mode)
}

/* out_update: hand the stage a pattern at level v; it may refuse it or trip at once. */
inline load(v) {
  if
  :: v == 0 -> out = 0
  :: v != 0 && v == out -> skip
  :: v != 0 && v != out ->
     if
     :: out = v
     :: safe_state(FAULT_CLIN)
     fi
  fi
}

/* refresh: the output in line with the mode. */
inline refresh() {
  if
  :: mode == MODE_TEST -> tv = tamp
  :: mode == MODE_THERAPY -> tv = lvl
  :: mode != MODE_TEST && mode != MODE_THERAPY && stopping && lvl > 0 -> tv = lvl
  :: else -> tv = 0; stopping = 0 /* off, or a soft stop that has reached 0 */
  fi;
  load(tv);
  tv = 0
}

/* schedule: nothing reaches the output while it is held. */
inline schedule() {
  if
  :: hold -> skip
  :: else -> refresh()
  fi
}

/* nm_core_restore of the record (m0, b0, on0, run0, lvl0, f0): never more than it says;
 * its fault stays. */
inline restore(m0, b0, on0, run0, lvl0, f0) {
  out = 0;
  stopping = 0;
  tamp = 0;
  runs = run0;
  lvl = lvl0;
  fault = f0;
  mode = NMODE(m0, on0, run0, f0);
  before = NBEFORE(m0, b0, on0, run0, f0);
  on = (mode == MODE_THERAPY || before == MODE_THERAPY);
  schedule()
}

/* dev_undo: restore the state before the request, keeping its timing (a soft stop goes
 * on) and its test (an undone step goes back to the level before, still under test). The
 * ghost too: a fault the undone request cleared is back. */
inline undo() {
  restore(u_mode, u_before, u_on, u_runs, u_lvl, u_fault);
  sticky = u_sticky;
  stopping = u_stopping;
  if
  :: u_mode == MODE_TEST -> mode = MODE_TEST; tamp = u_tamp
  :: else -> skip
  fi
}

/* The running set's level: at or below the level now, at or above it, or any. Without a
 * running set nothing delivered changes. */
inline lvl_down() {
  if
  :: runs && lvl > 0 -> lvl--
  :: runs && lvl > 1 -> lvl = 0
  :: skip
  fi
}
inline lvl_up() {
  if
  :: runs && lvl < AMAX -> lvl++
  :: runs && lvl + 1 < AMAX -> lvl = AMAX
  :: skip
  fi
}
inline lvl_any() {
  if
  :: lvl = 0
  :: lvl = 1
  :: lvl = AMAX
  fi
}

/* nm_core_therapy(c, role, onreq) */
inline core_therapy(onreq) {
  if
  :: !onreq && mode == MODE_TEST -> /* off ends a test: stop always wins */
     tamp = 0; mode = MODE_OFF; on = 0; sched = 1; st = S_OK
  :: (onreq || mode != MODE_TEST) && mode != MODE_OFF && mode != MODE_THERAPY -> st = S_STATE
  :: else ->
     if
     :: onreq && !runs -> st = S_NO /* NM_ENOENT */
     :: onreq && runs -> st = S_STATE /* a depleted cell */
     :: onreq && runs && fault != FAULT_NONE && fault != FAULT_BATT && role != ROLE_CLINICIAN -> st = S_PERM
     :: onreq && runs && (fault == FAULT_NONE || fault == FAULT_BATT || role == ROLE_CLINICIAN) ->
        /* Property fault_clinician: after a fault that only the clinician may clear, the
         * patient never turns therapy on again before the clinician has. */
        PROP(P_fault_clinician, role == ROLE_CLINICIAN || !sticky);
        sticky = (role != ROLE_CLINICIAN && sticky);
        fault = FAULT_NONE;
        if
        :: mode != MODE_THERAPY || stopping -> out = 0; stopping = 0
        :: else -> skip
        fi;
        mode = MODE_THERAPY;
        on = 1;
        sched = 1;
        st = S_OK
     :: !onreq ->
        if
        :: mode == MODE_THERAPY && out > 0 -> stopping = 1 /* a pattern is loaded: soft stop */
        :: else -> skip                                 /* or nothing loaded (cycling off) */
        fi;
        mode = MODE_OFF;
        on = 0;
        sched = 1;
        st = S_OK
     fi
  fi
}

/* nm_core_mode(c, role, m) */
inline core_mode(m) {
  if
  :: m == MODE_RESUME ->
     if
     :: mode != MODE_MRI && mode != MODE_SURGERY -> st = S_STATE
     :: else ->
        mode = MODE_OFF;
        if
        :: before == MODE_THERAPY && runs -> core_therapy(1)
        :: else -> on = 0; sched = 1; st = S_OK
        fi
     fi
  :: m == MODE_OFF || m == MODE_THERAPY ->
     st = S_OK;
     if
     :: mode == MODE_SHELF && role != ROLE_CLINICIAN -> st = S_PERM
     :: mode == MODE_SHELF && role == ROLE_CLINICIAN -> mode = MODE_OFF /* activation */
     :: mode == MODE_MRI || mode == MODE_SURGERY -> mode = MODE_OFF; on = 0
     :: mode == MODE_TEST && m == MODE_THERAPY -> st = S_STATE
     :: mode == MODE_TEST && m == MODE_OFF -> tamp = 0; mode = MODE_OFF /* off ends the test */
     :: mode == MODE_OFF || mode == MODE_THERAPY -> skip
     fi;
     if
     :: st != S_OK -> skip
     :: st == S_OK && m == MODE_THERAPY -> core_therapy(1)
     :: st == S_OK && m != MODE_THERAPY && mode == MODE_THERAPY -> core_therapy(0)
     :: st == S_OK && m != MODE_THERAPY && mode != MODE_THERAPY -> sched = 1
     fi
  :: m == MODE_MRI || m == MODE_SURGERY ->
     if
     :: mode == MODE_SHELF -> st = S_STATE
     :: else ->
        if
        :: mode == MODE_TEST -> tamp = 0; mode = MODE_OFF /* a scan or an operation ends the test */
        :: else -> skip
        fi;
        if
        :: mode != MODE_MRI && mode != MODE_SURGERY -> before = mode
        :: else -> skip
        fi;
        mode = m;
        stopping = 0;
        out = 0;
        sched = 1;
        st = S_OK
     fi
  :: m == MODE_SHELF ->
     if
     :: role != ROLE_CLINICIAN -> st = S_PERM
     :: role == ROLE_CLINICIAN && mode != MODE_OFF -> st = S_STATE
     :: role == ROLE_CLINICIAN && mode == MODE_OFF -> stopping = 0; mode = MODE_SHELF; sched = 1; st = S_OK
     fi
  :: else -> st = S_NO /* test mode only through TEST_*, unknown modes: NM_EINVAL */
  fi
}

/* nm_dev_lead_check: a short stops the programs that use it (a lowering), then stores. */
inline lead_check() {
  if
  :: skip
  :: runs -> /* some go on */
     printf("    lead check: a short stops programs\n");
     lvl_down();
     if
     :: mode == MODE_THERAPY -> out = 0 /* new timing: a soft start */
     :: else -> skip
     fi;
     schedule()
  :: runs -> /* none left */
     printf("    lead check: a short stops every program\n");
     safe_state(FAULT_CLIN);
     runs = 0;
     lvl = 0
  fi;
  store_settings();
  store_other()
}

/* ---- one request (nm_dev_exec) ------------------------------------------------------------ */

/* The handler of a core op (def->run) for role. */
inline core_op() {
  if
  :: op == OP_THERAPY -> core_therapy(arg)
  :: op == OP_MODE -> core_mode(arg)
  :: op == OP_AMP_SET ->
     if
     :: st = S_NO
     :: cls == OPC_RAISE -> lvl_up(); sched = 1; st = S_OK
     :: cls == OPC_LOWER -> lvl_down(); sched = 1; st = S_OK
     fi
  :: op == OP_SELECT ->
     if
     :: st = S_NO
     :: cls == OPC_LOWER -> /* a part of the running set */
        lvl_down();
        if
        :: mode == MODE_THERAPY -> out = 0 /* new timing: a soft start */
        :: else -> skip
        fi;
        sched = 1;
        st = S_OK
     :: cls == OPC_RAISE -> /* another set that places */
        runs = 1;
        lvl_any();
        if
        :: mode == MODE_THERAPY -> out = 0
        :: else -> skip
        fi;
        sched = 1;
        st = S_OK
     fi
  :: op == OP_PROG_WRITE ->
     if
     :: st = S_NO /* refused, a bad slot, or a running one while live */
     :: st = S_OK /* a slot that does not run */
     :: !LIVE && runs -> lvl_any(); st = S_OK /* a running program rewritten while off */
     fi
  :: op == OP_PROG_ERASE ->
     if
     :: st = S_NO /* no such program, or a running one while live */
     :: st = S_OK /* a slot that does not run */
     :: !LIVE && runs -> lvl_down(); st = S_OK
     :: !LIVE && runs -> runs = 0; lvl = 0; st = S_OK /* the last running one */
     fi
  :: op == OP_LEAD_SET ->
     if
     :: !STIM_OFF_MODE || stopping -> st = S_STATE
     :: else ->
        if
        :: st = S_NO
        :: st = S_OK /* the same lead, another load: nothing delivered changes */
        fi
     fi
  :: op == OP_PROGRAM_ALL ->
     if
     :: !STIM_OFF_MODE || stopping -> st = S_STATE
     :: else ->
        if
        :: st = S_NO
        :: runs = 1; lvl_any(); st = S_OK
        fi
     fi
  :: op == OP_TEST_START ->
     if
     :: (mode != MODE_OFF && mode != MODE_SHELF && mode != MODE_TEST) || stopping -> st = S_STATE
     :: else ->
        if
        :: st = S_NO
        :: st = S_OK;
           if
           :: tamp = 0
           :: tamp = TMAX
           fi;
           mode = MODE_TEST;
           out = 0; /* a new contact: never the last one's pattern */
           sched = 1
        fi
     fi
  :: op == OP_TEST_STEP ->
     if
     :: mode != MODE_TEST -> st = S_STATE
     :: else ->
        if
        :: st = S_NO
        :: tamp < TMAX -> tamp++; sched = 1; st = S_OK
        fi
     fi
  :: op == OP_TEST_MARK ->
     if
     :: mode != MODE_TEST || tamp == 0 -> st = S_STATE
     :: else -> tamp = 0; sched = 1; st = S_OK
     fi
  :: op == OP_TEST_STOP ->
     if
     :: mode != MODE_TEST -> st = S_STATE
     :: else -> tamp = 0; mode = MODE_OFF; sched = 1; st = S_OK
     fi
  :: else -> st = S_OK /* the reads */
  fi
}

#define DEV_OP (op == OP_TIME_SET || op == OP_REVOKE || op == OP_IMPEDANCE)

/* A device op (dev_op): its own record, never the settings (IMPEDANCE: a lead check). */
inline dev_op() {
  if
  :: op == OP_TIME_SET -> /* and PAIR: a raising, undone when its write fails */
     if
     :: st = S_NO
     :: wok = 1; st = S_OK
     :: wok = 0; st = S_IO
     fi
  :: op == OP_REVOKE -> /* a lowering: in effect at once, stored when it can */
     if
     :: st = S_NO
     :: store_other(); st = (wok -> S_OK : S_NOTSTORED)
     fi
  :: op == OP_IMPEDANCE -> lead_check(); st = S_OK
  fi
}

/* Property lowering_stored, checked whenever the device is idle: the RAM and the flash
 * differ only while a change waits to be stored. */
#define IDLE_CHECK PROP(P_lowering_stored, DURABLE || sdirty)

/* A power cut may come here. */
#define MAYBE_RESET if :: goto reset :: skip fi

active proctype device() {
  goto boot;

reset:
  /* ---- a power cut: RAM is lost ---- */
  printf("RESET: mode=%d out=%d lvl=%d dirty=%d\n", mode, out, lvl, sdirty);
  atomic {
    /* The state before: now or, when the cut comes inside a request or a wake, before
     * it, whichever is the more stimulating. A cut inside the boot before its writes (the
     * output held, the flash as the last reset left it: the next boot starts from the
     * same record) is a cut before that boot: the state before the last reset stays. */
    if
    :: in_boot -> in_boot = 0
    :: else ->
       g_ther = THER || (in_req && U_THER);
       g_lat = LAT || (in_req && U_LAT);
       g_lvl = ((in_req && u_lvl > lvl) -> u_lvl : lvl);
       g_sdirty = sdirty;
       g_undone = undone_stored
    fi;
    /* The fault is stored, so a reset keeps it; but a fault the interrupted request or
     * wake raised and did not store yet is as if it never came (a cut before that step). */
    sticky = sticky && (!in_req || u_sticky || f_fault == FAULT_CLIN);
    in_req = 0; stopreq = 0;
    role = 0; op = 0; arg = 0; cls = 0; st = 0; wok = 0;
    u_mode = 0; u_before = 0; u_on = 0; u_runs = 0; u_lvl = 0; u_fault = 0; u_stopping = 0; u_tamp = 0;
    u_sticky = 0
  }
boot:
  /* ---- nm_dev_boot ---- */
  atomic {
    in_boot = 1;
    /* nm_core_init: shelf mode */
    mode = MODE_SHELF; before = MODE_OFF; on = 0; runs = 0; lvl = 0; tamp = 0; out = 0;
    stopping = 0; fault = FAULT_NONE; sdirty = 0; undone_stored = 0;
    /* nm_core_hold: nothing reaches the output until the boot's store decision */
    hold = 1;
    /* load_settings: restore (held: no pattern yet), and remember what is stored */
    restore(f_mode, f_before, f_on, f_run, f_lvl, f_fault);
    if
    :: REC_IS(f_mode, f_before, f_on, f_run, f_lvl, f_fault) -> s_kind = 0
    :: else -> s_kind = 1
    fi;
    /* nm_core_set_cell: a depleted cell stops stimulation */
    if
    :: mode == MODE_THERAPY -> safe_state(FAULT_BATT)
    :: skip
    fi
  }
  printf("boot: flash mode=%d on=%d lvl=%d; restored mode=%d out=%d lvl=%d\n", f_mode, f_on, f_lvl, mode, out, lvl);
  /* Property boot_output: before the boot knows that the memory works, the output is
   * not more than before the reset. */
  PROP(P_boot_output, out == 0 || (g_ther && out <= g_lvl));
  MAYBE_RESET;
  atomic {
    /* The boot's writes: the settings when they differ, and the meta record always. */
    put_settings();
    if
    :: wok -> store_other()
    :: else -> skip
    fi;
    g_wok = wok;
    if
    :: wok -> sdirty = 0
    :: else ->
       /* The memory cannot be written: boot with therapy off and a fault only the
        * clinician clears, unless one is there (saved_crc stays as the settings write
        * left it). */
       if
       :: mode == MODE_THERAPY || on || before == MODE_THERAPY || fault != FAULT_CLIN ->
          before = MODE_OFF;
          safe_state(FAULT_CLIN)
       :: else -> skip
       fi;
       sdirty = 1
    fi;
    /* F2: a fault that was not stored yet (its lowering waited) is lost with it. */
    if
    :: sticky && fault != FAULT_CLIN && EXC_F2 -> sticky = 0
    :: else -> skip
    fi
  }
  printf("  boot write ok=%d: mode=%d before=%d on=%d out=%d lvl=%d fault=%d\n", g_wok, mode, before, on, out, lvl, fault);
  /* Property reset_not_more: after a reset the device is never more stimulating than
   * before it, and never in test mode. */
  PROP(P_reset_not_more, mode != MODE_TEST && (NOT_MORE(g_ther, g_lat, g_lvl) || EXC_F2));
  /* Property boot_stuck_off: on a memory that cannot be written, therapy is off and
   * nothing waits to resume it. */
  PROP(P_boot_stuck_off, g_wok || (!THER && !LAT && !on));
  atomic { in_boot = 0; g_ther = 0; g_lat = 0; g_lvl = 0; g_sdirty = 0; g_wok = 0; g_undone = 0 }
  /* nm_core_release, then the store of what releasing may have tripped (one step: a cut
   * between them leaves the flash as a cut before the release does). */
  atomic { hold = 0; schedule(); store_settings() }
  printf("  boot released: mode=%d out=%d lvl=%d fault=%d dirty=%d\n", mode, out, lvl, fault, sdirty);
  IDLE_CHECK;

  do
  :: /* ---- a request ---- */
     atomic {
       in_req = 1;
       /* between requests the output is what the state says (the model's own check) */
       assert(out == ENV_OF(mode, lvl, tamp, stopping));
       u_mode = mode; u_before = before; u_on = on; u_runs = runs; u_lvl = lvl; u_fault = fault;
       u_stopping = stopping; u_tamp = tamp; u_sticky = sticky;
       if
       :: role = ROLE_PATIENT
       :: role = ROLE_CLINICIAN
       fi;
       if
       :: op = OP_STATUS; arg = ROLES_STATUS; cls = CLS_STATUS
       :: op = OP_INTERROGATE; arg = ROLES_INTERROGATE; cls = CLS_INTERROGATE
       :: op = OP_IDENTITY; arg = ROLES_IDENTITY; cls = CLS_IDENTITY
       :: op = OP_TIME_SET; arg = ROLES_TIME_SET; cls = CLS_TIME_SET
       :: op = OP_HEALTH; arg = ROLES_HEALTH; cls = CLS_HEALTH
       :: op = OP_PROG_WRITE; arg = ROLES_PROG_WRITE; cls = CLS_PROG_WRITE
       :: op = OP_PROG_READ; arg = ROLES_PROG_READ; cls = CLS_PROG_READ
       :: op = OP_PROG_ERASE; arg = ROLES_PROG_ERASE; cls = CLS_PROG_ERASE
       :: op = OP_SELECT; arg = ROLES_SELECT; cls = CLS_SELECT
       :: op = OP_LEAD_SET; arg = ROLES_LEAD_SET; cls = CLS_LEAD_SET
       :: op = OP_CHECK; arg = ROLES_CHECK; cls = CLS_CHECK
       :: op = OP_PROGRAM_ALL; arg = ROLES_PROGRAM_ALL; cls = CLS_PROGRAM_ALL
       :: op = OP_THERAPY; arg = ROLES_THERAPY; cls = CLS_THERAPY
       :: op = OP_AMP_SET; arg = ROLES_AMP_SET; cls = CLS_AMP_SET
       :: op = OP_AMP_STEP; arg = ROLES_AMP_STEP; cls = CLS_AMP_STEP
       :: op = OP_MODE; arg = ROLES_MODE; cls = CLS_MODE
       :: op = OP_LOOP; arg = ROLES_LOOP; cls = CLS_LOOP
       :: op = OP_LOOP_TARGET; arg = ROLES_LOOP_TARGET; cls = CLS_LOOP_TARGET
       :: op = OP_TEST_START; arg = ROLES_TEST_START; cls = CLS_TEST_START
       :: op = OP_TEST_STEP; arg = ROLES_TEST_STEP; cls = CLS_TEST_STEP
       :: op = OP_TEST_MARK; arg = ROLES_TEST_MARK; cls = CLS_TEST_MARK
       :: op = OP_TEST_STOP; arg = ROLES_TEST_STOP; cls = CLS_TEST_STOP
       :: op = OP_PAIR; arg = ROLES_PAIR; cls = CLS_PAIR
       :: op = OP_REVOKE; arg = ROLES_REVOKE; cls = CLS_REVOKE
       :: op = OP_REMOTES; arg = ROLES_REMOTES; cls = CLS_REMOTES
       :: op = OP_HISTORY; arg = ROLES_HISTORY; cls = CLS_HISTORY
       :: op = OP_IMPEDANCE; arg = ROLES_IMPEDANCE; cls = CLS_IMPEDANCE
       fi;
       /* nm_op_decode: a role the op does not allow never reaches a handler (arg holds
        * the op's roles until here). */
       st = ((arg & (1 << role)) == 0 -> S_PERM : S_OK);
       arg = 0;
       /* The mixed ops' arguments, and nm_op_class. */
       if
       :: op == OP_THERAPY ->
          if
          :: arg = 1; cls = MIX_THERAPY_ON
          :: arg = 0; cls = MIX_THERAPY_OFF
          fi
       :: op == OP_AMP_SET || op == OP_AMP_STEP ->
          if
          :: cls = MIX_AMP_UP
          :: cls = MIX_AMP_DOWN
          fi
       :: op == OP_LOOP ->
          if
          :: arg = 1; cls = MIX_LOOP_ON
          :: arg = 0; cls = MIX_LOOP_OFF
          fi
       :: op == OP_LOOP_TARGET ->
          if
          :: cls = MIX_TARGET_UP
          :: cls = MIX_TARGET_DOWN
          fi
       :: op == OP_SELECT ->
          if
          :: runs -> cls = MIX_SELECT_SUBSET
          :: cls = MIX_SELECT_OTHER
          fi
       :: op == OP_MODE ->
          if
          :: arg = MODE_SHELF
          :: arg = MODE_OFF
          :: arg = MODE_THERAPY
          :: arg = MODE_TEST
          :: arg = MODE_MRI
          :: arg = MODE_SURGERY
          :: arg = MODE_RESUME
          fi;
          if
          :: arg == MODE_THERAPY -> cls = MIX_MODE_THERAPY
          :: arg == MODE_RESUME && before == MODE_THERAPY -> cls = MIX_MODE_RESUME_THERAPY
          :: arg == MODE_RESUME && before != MODE_THERAPY -> cls = MIX_MODE_RESUME_OFF
          :: else -> cls = MIX_MODE_STOP
          fi
       :: else -> skip
       fi;
       stopreq = (op == OP_THERAPY && arg == 0) ||
                 (op == OP_MODE && (arg == MODE_OFF || arg == MODE_MRI || arg == MODE_SURGERY));
       /* Ops the model does not tell apart share a code from here on. */
       if
       :: cls == OPC_READ && op != OP_IMPEDANCE -> op = OP_STATUS
       :: op == OP_PAIR -> op = OP_TIME_SET
       :: op == OP_AMP_STEP || op == OP_LOOP || op == OP_LOOP_TARGET -> op = OP_AMP_SET
       :: else -> skip
       fi;
       if
       :: st == S_PERM -> cls = OPC_READ /* nothing happens */
       :: else -> skip
       fi
     }
     printf("request op=%d role=%d arg=%d class=%d\n", op, role, arg, cls);
     /* A raising waits for what is not yet stored (records or events): retried first,
      * refused if anything still waits (the events' write is a write that may fail). */
     if
     :: cls == OPC_RAISE -> /* dev_pending: retried first */
        atomic {
          if
          :: sdirty -> store_settings() /* dev_retry */
          :: else -> skip
          fi;
          if
          :: sdirty -> st = S_IO; cls = OPC_READ /* nothing more happens */
          :: !sdirty -> skip
          :: !sdirty -> st = S_IO; cls = OPC_READ /* events wait and the log cannot take them */
          fi
        }
        MAYBE_RESET
     :: else -> skip
     fi;
     atomic {
       if
       :: cls == OPC_RAISE -> hold = 1 /* u_ keeps the state before it (dev_keep_undo) */
       :: else -> skip
       fi;
       if
       :: st == S_OK && DEV_OP -> dev_op()
       :: st == S_OK && !DEV_OP -> core_op()
       :: else -> skip /* refused before its handler */
       fi;
       if
       :: sched -> sched = 0; schedule()
       :: else -> skip
       fi
     }
     /* Property raise_held: until a raising request is stored, the output is not above
      * what it was before the request. */
     PROP(P_raise_held, cls != OPC_RAISE || out <= U_OUT);
     MAYBE_RESET;
     atomic {
       if
       :: !DEV_OP && cls != OPC_READ ->
          store_settings();
          /* A raising is stored when its events are written too (the log may fail). */
          if
          :: wok && cls == OPC_RAISE ->
             /* The events' write fails: the settings landed. Not done: back to before the
              * request, and the undone state written back at once (when that fails too,
              * the settings stay dirty and the raising's record in the flash: F6). */
             printf("    the events' write fails\n");
             sdirty = 1; s_kind = 3;
             undone_stored = !REC_IS(u_mode, u_before, u_on, u_runs, u_lvl, u_fault);
             undo();
             store_settings();
             st = S_IO
          :: wok && cls == OPC_RAISE && st == S_OK -> skip
          :: wok && cls == OPC_RAISE && st != S_OK ->
             /* Refused: a raising that fails changes nothing, even halfway. */
             undo();
             store_settings()
          :: !wok && cls == OPC_RAISE ->
             /* Not stored, so not done: back to before the request; the settings stay
              * dirty (the failed write may have landed): the retry writes them back. */
             undo();
             st = S_IO
          :: !wok && cls != OPC_RAISE && st == S_OK -> st = S_NOTSTORED
          :: else -> skip
          fi
       :: else -> skip
       fi
     }
     PROP(P_raise_held, cls != OPC_RAISE || out <= U_OUT);
     MAYBE_RESET;
     atomic {
       if
       :: cls == OPC_RAISE -> /* nm_core_release, then the store of what releasing tripped (one
                                * step: a cut between them leaves the flash as one before) */
          hold = 0; schedule(); store_settings()
       :: else -> skip
       fi
     }
     /* Activation checks the lead at once. */
     if
     :: u_mode == MODE_SHELF && mode != MODE_SHELF ->
        MAYBE_RESET;
        atomic { lead_check() }
     :: else -> skip
     fi;
     printf("  status=%d: mode=%d out=%d lvl=%d dirty=%d; flash mode=%d on=%d lvl=%d\n", st, mode, out, lvl, sdirty,
            f_mode, f_on, f_lvl);
     /* Property stop_wins: a lowering is never refused for the memory and never raises the
      * output; an accepted stop leaves no output (therapy off and mode off from therapy:
      * a soft stop that ends at a wake), MRI and surgery none at once. */
     PROP(P_stop_wins, (cls != OPC_LOWER || (st != S_IO && out <= U_OUT)) &&
                       (!stopreq || !(st == S_OK || st == S_NOTSTORED) || out == 0 ||
                        (stopping && mode == MODE_OFF && !(op == OP_MODE && (arg == MODE_MRI || arg == MODE_SURGERY)))));
     /* Property stop_any_mode: a stop request, from either role in any mode, leaves no
      * output (or a soft stop). */
     PROP(P_stop_any_mode, !stopreq || out == 0 || (stopping && mode == MODE_OFF));
     /* Property raise_stored: a raising in effect is stored (a reset now would not take
      * it back); one not stored is not in effect (no more than before it). */
     PROP(P_raise_stored, cls != OPC_RAISE ||
                          (st == S_OK -> NOT_MORE(F_THER, F_LAT, f_lvl) : (NOT_MORE(U_THER, U_LAT, u_lvl) && out <= U_OUT)));
     atomic {
       in_req = 0; stopreq = 0;
       role = 0; op = 0; arg = 0; cls = 0; st = 0; wok = 0;
       u_mode = 0; u_before = 0; u_on = 0; u_runs = 0; u_lvl = 0; u_fault = 0; u_stopping = 0; u_tamp = 0;
       u_sticky = 0
     }
     IDLE_CHECK
  :: /* ---- the timer (nm_dev_wake) ---- */
     atomic {
       in_req = 1;
       u_mode = mode; u_before = before; u_on = on; u_runs = runs; u_lvl = lvl; u_fault = fault;
       u_sticky = sticky;
       /* nm_core_wake: the limiter may have tripped, the cell may be depleted */
       if
       :: out > 0 -> safe_state(FAULT_CLIN)
       :: mode == MODE_THERAPY || mode == MODE_TEST || stopping -> safe_state(FAULT_BATT)
       :: skip
       fi;
       /* a soft stop ends with its ramp */
       if
       :: stopping -> stopping = 0; out = 0
       :: skip
       fi;
       schedule()
     }
     MAYBE_RESET;
     /* what the core did by itself (its safe state) is a lowering: stored now, or dirty */
     atomic {
       if
       :: mode != u_mode || on != u_on || fault != u_fault -> store_settings()
       :: else -> skip
       fi
     }
     MAYBE_RESET;
     /* the daily lead check (not in MRI or shelf mode) */
     if
     :: mode != MODE_MRI && mode != MODE_SHELF ->
        atomic { lead_check() }
        MAYBE_RESET
     :: skip
     fi;
     /* retry what waits to be stored, when its time has come */
     atomic {
       if
       :: sdirty -> store_settings() /* dev_retry */
       :: skip
       fi;
       in_req = 0; wok = 0;
       u_mode = 0; u_before = 0; u_on = 0; u_runs = 0; u_lvl = 0; u_fault = 0; u_sticky = 0
     }
     printf("wake: mode=%d out=%d lvl=%d fault=%d dirty=%d; flash mode=%d on=%d lvl=%d\n", mode, out, lvl, fault,
            sdirty, f_mode, f_on, f_lvl);
     IDLE_CHECK
  :: /* ---- a power cut between requests ---- */
     goto reset
  od
}

/* Property mri_no_output: in MRI or surgery mode there is never any output. */
ltl mri_no_output { [] ((mode == MODE_MRI || mode == MODE_SURGERY) -> out == 0) }
