/* session.pml: the secure link's sessions and handshake as the C does them
 * (firmware/proto/sess.c on the device, cli.c on the client, keys.c; docs/PROTOCOL.md),
 * against an attacker on the link, for SPIN. Run by formal/spin/run.sh;
 * docs/assurance/spin.md states the properties and what a complete search covers.
 *
 * Abstraction:
 * - The attacker is the network (Dolev-Yao): every frame an honest party sends is the
 *   attacker's, and a frame arrives only when the attacker delivers it, to any connection
 *   or client, any number of times, in any order: it injects, replays, reorders, drops and
 *   cross-wires connections. Key ids, roles and the serial are public: it builds any
 *   HELLO, CHALLENGE and ERROR frame, and junk of any type. It holds no credential secret
 *   but one: a patient's (a stolen or malicious remote), with which it may run sessions
 *   of its own, claiming either role.
 * - Cryptography is perfect and symbolic: a MAC or a sealed DATA frame stands for what
 *   its key was derived from (key id, claimed role, client nonce, device nonce), with,
 *   for DATA, its direction and counter. Nobody without the secret makes a new one, so the
 *   attacker has only those it saw, and a frame opens only under the same derivation.
 * - Nonces: a device nonce is fresh for each connection (connection i draws nonce i:
 *   NSESS values, none repeated, as 128 random bits are with overwhelming probability);
 *   each honest client makes one handshake with a fresh nonce of its own.
 * - A HELLO is an honest client's (key id, role and nonce as that client sent them), the
 *   attacker's with the patient key it holds (its own nonce, claiming either role), or
 *   any other; any other derives keys no one holds (a stand-in secret for an unknown key,
 *   or a nonce no client used), so all of those behave alike and are told apart only by
 *   the role they claim (hh below). A HELLO claiming a role that is not its key's gets
 *   the stand-in secret too (sess.c on_hello, doomed).
 * - Bounds: NSESS device connections in all, one clinician and one patient client with
 *   one session each, request counters 1..CMAX per session (the C's 32-bit counters with
 *   the same checks; a client stops at its last counter, as nm_cli_seal at 2^32 - 1).
 * - Time is not modelled: every deadline (handshake 5 s, idle 30 s, the tarpit's back-off)
 *   and the close after 8 rejected frames in a row are one action, "the connection
 *   closes", that may happen to any connection at any time. A rejected frame that does
 *   not close the connection changes nothing else (sess.c reject()): not a step here.
 * - Executing a request is one event (nm_dev_exec for the session's role; modes.pml
 *   models what it does); its response is sealed with the request's counter.
 * - What the attacker saw and can no longer use (a closed connection's frames once no
 *   client can accept them, a closed client's frames once no connection can) is
 *   forgotten, so that equal situations are one state.
 */

/* ---- bounds ------------------------------------------------------------------------- */
#define NSESS 3 /* device connections in all */
#define CMAX 2  /* request counters per session */

/* ---- the C's constants (checked by tests/formal/test_model_sync.c) ------------------- */
/* device session states (nmod/proto.h) */
#define SST_HELLO 0
#define SST_AUTH 1
#define SST_OPEN 2
#define SST_TARPIT 3
#define SST_CLOSED 4
/* client states */
#define CST_INIT 0
#define CST_HELLO 1
#define CST_AUTH 2
#define CST_OPEN 3
#define CST_CLOSED 4
/* frame types */
#define FT_HELLO 1
#define FT_CHALLENGE 2
#define FT_AUTH 3
#define FT_AUTH_OK 4
#define FT_DATA 5
#define FT_ERROR 6
/* roles (nmod/role.h) */
#define ROLE_NONE 0
#define ROLE_PATIENT 1
#define ROLE_CLINICIAN 2

/* ---- the model's own names -------------------------------------------------------------- */
/* Clients: c holds its own key and claims role c + 1. */
#define C_PAT 0
#define C_CLIN 1
/* The HELLO a connection got (hh): none, an honest client's (H_HONEST + c), the
 * attacker's with the patient key claiming a patient or a clinician, or any other
 * claiming a patient or a clinician. */
#define H_NONE 0
#define H_HONEST 1
#define H_EVIL_PAT 3
#define H_EVIL_CLIN 4
#define H_OTHER_PAT 5
#define H_OTHER_CLIN 6
#define NONE 255

/* ---- state ------------------------------------------------------------------------------ */
/* The device: its connections (nm_sess_t) and the controller slot (nm_proto_dev_t). */
byte st[NSESS];     /* SST_ */
byte hh[NSESS];     /* the HELLO it got */
byte rx[NSESS];     /* last counter accepted */
bit seen_ok[NSESS]; /* it sent AUTH_OK (the attacker has it) */
byte resp[NSESS];   /* responses it sealed: bit n for counter n */
byte controller = NONE;
/* The honest clients (nm_cli_t). */
byte cst[2];      /* CST_ */
byte cdn[2];      /* the device nonce of the CHALLENGE it answered */
byte ctx[2];      /* last counter sealed: every counter up to it was sent */
byte cout[2];     /* the request outstanding, 0 = none */
byte crx[2];      /* last response counter accepted */
bit cauth[2];     /* its AUTH was sent (the attacker has it) */
bit cverified[2]; /* ghost: it checked the device's AUTH_OK */
byte executed[2]; /* ghost: its requests the device executed, bit n for counter n */

/* Property names, always 0: an assertion that fails shows its name. */
bit P_exec_auth, P_no_replay, P_resp_bound, P_one_controller, P_clin_preempts, P_claim_no_preempt,
    P_tarpit;
#define PROP(name, e) assert(name || (e))

#define CLAIM(h) ((h == H_HONEST + C_PAT || h == H_EVIL_PAT || h == H_OTHER_PAT) -> ROLE_PATIENT : ROLE_CLINICIAN)
/* The key's role is not the claimed one, or the key is unknown: the stand-in secret. */
#define DOOMED(i) (hh[i] == H_EVIL_CLIN || hh[i] >= H_OTHER_PAT)
/* The attacker can make this connection's AUTH and DATA (it holds the patient key). */
#define EVIL(i) (hh[i] == H_EVIL_PAT || hh[i] == H_EVIL_CLIN)
/* Connection i's keys are those of client c's handshake. */
#define KEYS_OF(i, c) (hh[i] == H_HONEST + c && cdn[c] == i)
#define ALIVE(i) (st[i] <= SST_OPEN)
#define N_OPEN ((st[0] == SST_OPEN) + (st[1] == SST_OPEN) + (st[2] == SST_OPEN))

/* After every step of the device: one controller at a time, and it is the open session. */
#define CHECK_CONTROLLER \
  PROP(P_one_controller, N_OPEN <= 1 && (controller == NONE -> N_OPEN == 0 : st[controller] == SST_OPEN))

/* nm_sess_close of connection x (a variable, never controller itself). */
inline sess_close(x) {
  if
  :: controller == x -> controller = NONE
  :: else -> skip
  fi;
  st[x] = SST_CLOSED;
  rx[x] = 0
}

/* Forget what no one can use any more (see the abstraction). */
inline forget_conn(x) {
  if
  :: !ALIVE(x) && !((hh[x] == H_HONEST + C_PAT && cdn[C_PAT] == x &&
                     (cst[C_PAT] == CST_AUTH || cst[C_PAT] == CST_OPEN)) ||
                    (hh[x] == H_HONEST + C_CLIN && cdn[C_CLIN] == x &&
                     (cst[C_CLIN] == CST_AUTH || cst[C_CLIN] == CST_OPEN))) ->
     hh[x] = H_NONE; seen_ok[x] = 0; resp[x] = 0
  :: else -> skip
  fi
}
inline forget_client(y) {
  if
  :: cst[y] == CST_CLOSED && !(ALIVE(cdn[y]) && hh[cdn[y]] == H_HONEST + y) ->
     cdn[y] = 0; ctx[y] = 0; cout[y] = 0; crx[y] = 0; cauth[y] = 0; cverified[y] = 0; executed[y] = 0
  :: else -> skip
  fi
}
#define FORGET \
  forget_conn(0); forget_conn(1); forget_conn(2); forget_client(C_PAT); forget_client(C_CLIN)

#define PICK_CONN(x) if :: x = 0 :: x = 1 :: x = 2 fi
#define PICK_CLIENT(x) if :: x = C_PAT :: x = C_CLIN fi
/* The same among those in state s: not executable when there is none (a guard). */
#define PICK_CONN_IN(x, s) if :: st[0] == s -> x = 0 :: st[1] == s -> x = 1 :: st[2] == s -> x = 2 fi
#define PICK_CLIENT_IN(x, s) if :: cst[C_PAT] == s -> x = C_PAT :: cst[C_CLIN] == s -> x = C_CLIN fi
#define PICK_CTR(x) if :: x = 1 :: x = 2 fi

active proctype link() {
  byte i, j, c, n, h, old;
  bit ok, was;

  /* Each step: the attacker picks what arrives where (a choice that cannot happen is a
   * step that changes nothing), then what no one can use is forgotten and the scratch
   * variables are cleared. With every connection and client closed nothing is left to
   * do: a valid end. */
end:
  do
  /* ---- a connection receives a HELLO: an honest client's, or any other ---- */
  :: atomic {
       PICK_CONN_IN(i, SST_HELLO);
       if
       :: h = H_HONEST + C_PAT
       :: h = H_HONEST + C_CLIN
       :: h = H_EVIL_PAT
       :: h = H_EVIL_CLIN
       :: h = H_OTHER_PAT
       :: h = H_OTHER_CLIN
       fi;
       old = controller;
       if
       :: st[i] != SST_HELLO -> skip
       :: st[i] == SST_HELLO && controller != NONE &&
          (CLAIM(h) == ROLE_PATIENT || CLAIM(hh[controller]) != ROLE_PATIENT) ->
          sess_close(i) /* busy: one controller at a time */
       :: st[i] == SST_HELLO && (controller == NONE ||
                                 (CLAIM(h) != ROLE_PATIENT && CLAIM(hh[controller]) == ROLE_PATIENT)) ->
          hh[i] = h; /* the key lookup decides the keys; CHALLENGE with nonce i */
          st[i] = SST_AUTH
       fi;
       /* Property claim_no_preempt: a HELLO (a claimed role) never takes the slot. */
       PROP(P_claim_no_preempt, controller == old);
       CHECK_CONTROLLER;
       FORGET;
       h = 0; old = 0; i = 0
     }

  /* ---- an honest client sends its HELLO (the attacker delivers it, or not) ---- */
  :: atomic {
       PICK_CLIENT_IN(c, CST_INIT);
       cst[c] = CST_HELLO;
       c = 0
     }

  /* ---- a client receives a CHALLENGE with any device nonce, or an ERROR ---- */
  :: atomic {
       PICK_CLIENT_IN(c, CST_HELLO);
       PICK_CONN(j);
       if
       :: cst[c] == CST_HELLO -> cdn[c] = j; cauth[c] = 1; cst[c] = CST_AUTH /* derives keys, sends AUTH */
       :: cst[c] == CST_HELLO -> cst[c] = CST_CLOSED                         /* ERROR: the client closes */
       :: else -> skip
       fi;
       FORGET;
       c = 0; j = 0
     }

  /* ---- a connection receives an AUTH: one the attacker saw, or any other ---- */
  :: atomic {
       PICK_CONN_IN(i, SST_AUTH);
       if
       :: cauth[C_PAT] -> ok = KEYS_OF(i, C_PAT)   /* the patient's */
       :: cauth[C_CLIN] -> ok = KEYS_OF(i, C_CLIN) /* the clinician's */
       :: EVIL(i) -> ok = !DOOMED(i)               /* the attacker's, with the patient key */
       :: ok = 0                                  /* any other MAC */
       fi;
       old = controller;
       was = (st[i] == SST_AUTH);
       if
       :: st[i] != SST_AUTH -> skip
       :: st[i] == SST_AUTH && !ok ->
          /* a failed authentication: the tarpit, silent until the connection closes */
          st[i] = SST_TARPIT;
          /* Property tarpit: a failed authentication leaves the connection in the tarpit
           * and the controller as it was. */
          PROP(P_tarpit, controller == old && controller != i)
       :: st[i] == SST_AUTH && ok && controller != NONE &&
          (CLAIM(hh[i]) != ROLE_CLINICIAN || CLAIM(hh[controller]) != ROLE_PATIENT) ->
          sess_close(i) /* busy */
       :: st[i] == SST_AUTH && ok &&
          (controller == NONE || (CLAIM(hh[i]) == ROLE_CLINICIAN && CLAIM(hh[controller]) == ROLE_PATIENT)) ->
          if
          :: controller != NONE ->
             /* Property claim_no_preempt: only the authenticated clinician preempts, and
              * only a patient. */
             PROP(P_claim_no_preempt, hh[i] == H_HONEST + C_CLIN && CLAIM(hh[controller]) == ROLE_PATIENT);
             j = controller;
             sess_close(j);
             j = 0
          :: else -> skip
          fi;
          controller = i;
          st[i] = SST_OPEN;
          rx[i] = 0;
          seen_ok[i] = 1 /* AUTH_OK sent */
       fi;
       /* Property clin_preempts: the clinician's correct AUTH opens its session whenever
        * the slot is free or a patient holds it. */
       PROP(P_clin_preempts, !(was && ok && hh[i] == H_HONEST + C_CLIN &&
                               (old == NONE || CLAIM(hh[old]) == ROLE_PATIENT)) ||
                             (st[i] == SST_OPEN && controller == i));
       CHECK_CONTROLLER;
       FORGET;
       ok = 0; was = 0; old = 0; i = 0
     }

  /* ---- a client receives an AUTH_OK the attacker saw, or junk, or an ERROR ---- */
  :: atomic {
       PICK_CLIENT_IN(c, CST_AUTH);
       PICK_CONN(j);
       if
       :: cst[c] == CST_AUTH && seen_ok[j] && KEYS_OF(j, c) ->
          cst[c] = CST_OPEN; cverified[c] = 1 /* the device proved it holds the key */
       :: cst[c] == CST_AUTH -> cst[c] = CST_CLOSED /* another MAC (NM_EAUTH), junk or ERROR */
       :: else -> skip
       fi;
       FORGET;
       c = 0; j = 0
     }

  /* ---- an open client seals its next request ---- */
  :: atomic {
       PICK_CLIENT_IN(c, CST_OPEN);
       if
       :: cst[c] == CST_OPEN && ctx[c] < CMAX ->
          ctx[c]++;
          cout[c] = ctx[c] /* an earlier one without its response is abandoned */
       :: else -> skip
       fi;
       c = 0
     }

  /* ---- a connection receives a DATA frame the attacker saw: client c's n-th ---- */
  :: atomic {
       PICK_CONN_IN(i, SST_OPEN);
       PICK_CLIENT(c);
       PICK_CTR(n);
       if
       :: st[i] == SST_OPEN && n <= ctx[c] && n > rx[i] && KEYS_OF(i, c) ->
          rx[i] = n;
          /* Property exec_auth: a request runs only in the controller's open session,
           * authenticated both ways with its sender's key, for that key's role. */
          PROP(P_exec_auth, st[i] == SST_OPEN && controller == i && hh[i] == H_HONEST + c && !DOOMED(i) &&
                            CLAIM(hh[i]) == c + 1 && cverified[c]);
          /* Property no_replay: each request runs at most once, and in the order it was
           * sent: no replayed or reordered frame runs. */
          PROP(P_no_replay, executed[c] < (1 << n));
          executed[c] = executed[c] | (1 << n);
          resp[i] = resp[i] | (1 << n) /* its response carries n */
       :: else -> skip /* an old counter, or another session's keys: rejected */
       fi;
       CHECK_CONTROLLER;
       c = 0; n = 0; i = 0
     }

  /* ---- the attacker's own request, in a session it opened with the patient key ---- */
  :: atomic {
       PICK_CONN_IN(i, SST_OPEN);
       if
       :: EVIL(i) ->
          /* Property exec_auth: it runs for the patient role only, in the controller's
           * session. */
          PROP(P_exec_auth, controller == i && !DOOMED(i) && CLAIM(hh[i]) == ROLE_PATIENT)
       :: else -> skip
       fi;
       i = 0
     }

  /* ---- a client receives a response the attacker saw: connection j's n-th ---- */
  :: atomic {
       PICK_CLIENT_IN(c, CST_OPEN);
       PICK_CONN(j);
       PICK_CTR(n);
       if
       :: cst[c] == CST_OPEN && (resp[j] & (1 << n)) != 0 && KEYS_OF(j, c) && n == cout[c] && n > crx[c] ->
          /* Property resp_bound: a response is taken only for the request outstanding,
           * from the session that executed that very request. */
          PROP(P_resp_bound, (executed[c] & (1 << n)) != 0 && cdn[c] == j && n == ctx[c]);
          crx[c] = n;
          cout[c] = 0
       :: else -> skip /* NM_EAUTH: nothing changes */
       fi;
       c = 0; j = 0; n = 0
     }

  /* ---- a connection closes: a deadline, the tarpit's end, 8 rejections in a row, junk
   *      or a frame of another type during the handshake, a drop ---- */
  :: atomic {
       if
       :: st[0] != SST_CLOSED -> i = 0
       :: st[1] != SST_CLOSED -> i = 1
       :: st[2] != SST_CLOSED -> i = 2
       fi;
       sess_close(i);
       CHECK_CONTROLLER;
       FORGET;
       i = 0
     }

  /* ---- a client gives up ---- */
  :: atomic {
       if
       :: cst[C_PAT] != CST_CLOSED -> c = C_PAT
       :: cst[C_CLIN] != CST_CLOSED -> c = C_CLIN
       fi;
       cst[c] = CST_CLOSED;
       cout[c] = 0;
       FORGET;
       c = 0
     }
  od
}

/* Property one_controller: never two open sessions. */
ltl one_controller {
  [] (!(st[0] == SST_OPEN && st[1] == SST_OPEN) && !(st[0] == SST_OPEN && st[2] == SST_OPEN) &&
      !(st[1] == SST_OPEN && st[2] == SST_OPEN))
}
