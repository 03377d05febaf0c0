/* test_model_sync.c: the SPIN models name what the C has, with the C's values, so that
 * the two cannot drift apart unnoticed (docs/assurance/spin.md):
 * - firmware/core/modes.pml: every mode of nm_mode (nmod/core.h); every op of the op table
 *   (firmware/core/ops.c, through nm_op_find) with its code, roles and fail-safe class,
 *   and modelled (chosen as a request); how nm_op_class resolves each mixed op;
 * - firmware/proto/session.pml: the session states, client states, frame types and roles
 *   of nmod/proto.h and nmod/role.h.
 * Names come from the headers' text, values from the compiled C. A failure names what to
 * add or change, and where. */
#include <ctype.h>

#include "testutil.h"
#include "nmod/ops.h"
#include "nmod/proto.h"

/* ---- reading files ------------------------------------------------------------------ */

#define MAX_DEFS 400
#define NAME_MAX_LEN 48
#define VAL_MAX_LEN 48

typedef struct {
  char name[NAME_MAX_LEN];
  char val[VAL_MAX_LEN];
} def_t;

typedef struct {
  const char *path; /* relative to the source root */
  def_t defs[MAX_DEFS];
  int n;
  char *text; /* the whole file */
} model_t;

static model_t modes, session;
static char *core_h, *ops_h, *proto_h, *role_h;
static int failures;

static const char *src_root(void) {
  const char *s = getenv("NMOD_SRC");
  return s && *s ? s : ".";
}

static char *slurp(const char *rel) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", src_root(), rel);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail_msg("cannot read %s (NMOD_SRC is the source root)", path);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  assert_true(n >= 0);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = 0;
  fclose(f);
  return buf;
}

/* Every "#define NAME VALUE" (VALUE one token) of a model. */
static void load_model(model_t *m, const char *rel) {
  m->path = rel;
  m->text = slurp(rel);
  m->n = 0;
  for (const char *p = m->text; *p;) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    char line[512];
    if (len >= sizeof line) len = sizeof line - 1;
    memcpy(line, p, len);
    line[len] = 0;
    char name[NAME_MAX_LEN], val[VAL_MAX_LEN];
    if (sscanf(line, " #define %47[A-Za-z0-9_] %47[A-Za-z0-9_]", name, val) == 2) {
      assert_true(m->n < MAX_DEFS);
      strcpy(m->defs[m->n].name, name);
      strcpy(m->defs[m->n].val, val);
      m->n++;
    }
    p = eol ? eol + 1 : p + len;
  }
}

static const def_t *find_def(const model_t *m, const char *name) {
  for (int i = 0; i < m->n; i++) {
    if (strcmp(m->defs[i].name, name) == 0) return &m->defs[i];
  }
  return NULL;
}

/* The value of a model's name (through other names), or -1 when it has none. */
static long value_of(const model_t *m, const char *name) {
  for (int depth = 0; depth < 8; depth++) {
    const def_t *d = find_def(m, name);
    if (!d) return -1;
    if (isdigit((unsigned char)d->val[0])) return strtol(d->val, NULL, 10);
    name = d->val;
  }
  return -1;
}

#define MISMATCH(...)              \
  do {                             \
    print_error(__VA_ARGS__);      \
    print_error("\n");             \
    failures++;                    \
  } while (0)

/* Names NM_<prefix><NAME> = <number> in a header's text: calls fn(NAME, value). */
static void header_enum(const char *text, const char *prefix, void (*fn)(const char *, long, void *), void *ctx) {
  size_t pl = strlen(prefix);
  for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix)) {
    if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) continue;
    const char *q = p + pl;
    char name[NAME_MAX_LEN];
    size_t n = 0;
    while ((isalnum((unsigned char)*q) || *q == '_') && n + 1 < sizeof name) name[n++] = *q++;
    name[n] = 0;
    while (*q == ' ') q++;
    if (n == 0 || *q != '=') continue;
    q++;
    while (*q == ' ') q++;
    if (!isdigit((unsigned char)*q)) continue;
    fn(name, strtol(q, NULL, 0), ctx);
  }
}

/* ---- the same names, both ways ---------------------------------------------------------- */

typedef struct {
  const model_t *m;
  const char *c_prefix; /* "NM_SST_" */
  const char *m_prefix; /* "SST_" */
  const char *c_file;
  int seen;
} enum_ctx_t;

static void check_one(const char *name, long v, void *vctx) {
  enum_ctx_t *e = vctx;
  if (strcmp(name, "COUNT") == 0) return;
  char mname[NAME_MAX_LEN * 2];
  snprintf(mname, sizeof mname, "%s%s", e->m_prefix, name);
  long mv = value_of(e->m, mname);
  e->seen++;
  if (mv < 0) {
    MISMATCH("%s%s = %ld (%s) is not in %s: add #define %s %ld, and model it", e->c_prefix, name, v, e->c_file,
             e->m->path, mname, v);
  } else if (mv != v) {
    MISMATCH("%s in %s is %ld, but %s%s is %ld (%s): change it to %ld", mname, e->m->path, mv, e->c_prefix, name, v,
             e->c_file, v);
  }
}

/* Every NM_<c_prefix> name of the header is <m_prefix> in the model with the same value,
 * and the model has no <m_prefix> name the header lacks (except those in `extra`). */
static void same_enum(const model_t *m, const char *text, const char *c_file, const char *c_prefix,
                      const char *m_prefix, const char *const extra[]) {
  enum_ctx_t e = {m, c_prefix, m_prefix, c_file, 0};
  header_enum(text, c_prefix, check_one, &e);
  if (e.seen == 0) MISMATCH("no %s names found in %s", c_prefix, c_file);
  size_t ml = strlen(m_prefix);
  for (int i = 0; i < m->n; i++) {
    const char *name = m->defs[i].name;
    if (strncmp(name, m_prefix, ml) != 0) continue;
    int ok = 0;
    for (int k = 0; extra && extra[k]; k++) ok |= strcmp(name + ml, extra[k]) == 0;
    char cname[NAME_MAX_LEN * 2];
    snprintf(cname, sizeof cname, "%s%s ", c_prefix, name + ml);
    char cname_eq[NAME_MAX_LEN * 2];
    snprintf(cname_eq, sizeof cname_eq, "%s%s=", c_prefix, name + ml);
    if (!ok && !strstr(text, cname) && !strstr(text, cname_eq)) {
      MISMATCH("%s (%s) names %s%s, which %s does not have: remove it or bring the C's back", name, m->path, c_prefix,
               name + ml, c_file);
    }
  }
}

/* ---- modes.pml ------------------------------------------------------------------------------ */

static void test_modes(void **state) {
  (void)state;
  failures = 0;
  static const char *const extra[] = {"COUNT", "RESUME", NULL};
  same_enum(&modes, core_h, "firmware/include/nmod/core.h", "NM_MODE_", "MODE_", extra);
  if (value_of(&modes, "MODE_COUNT") != NM_MODE_COUNT) {
    MISMATCH("MODE_COUNT in %s is %ld, NM_MODE_COUNT is %d: the C has another set of modes; model each", modes.path,
             value_of(&modes, "MODE_COUNT"), NM_MODE_COUNT);
  }
  if (value_of(&modes, "MODE_RESUME") != NM_MODE_RESUME) {
    MISMATCH("MODE_RESUME in %s is %ld, NM_MODE_RESUME is %u", modes.path, value_of(&modes, "MODE_RESUME"),
             (unsigned)NM_MODE_RESUME);
  }
  /* The compiled names agree with the values (nm_mode_name is the C's own list). */
  for (uint8_t i = 0; i < NM_MODE_COUNT; i++) {
    char mname[NAME_MAX_LEN];
    const char *cn = nm_mode_name(i);
    size_t k = 0;
    for (; cn[k] && k + 6 < sizeof mname; k++) mname[5 + k] = (char)toupper((unsigned char)cn[k]);
    memcpy(mname, "MODE_", 5);
    mname[5 + k] = 0;
    if (value_of(&modes, mname) != i) {
      MISMATCH("mode %u is \"%s\" in the C (nm_mode_name): %s has %s = %ld", i, cn, modes.path, mname,
               value_of(&modes, mname));
    }
  }
  static const char *const no_extra[] = {NULL};
  same_enum(&modes, role_h, "firmware/include/nmod/role.h", "NM_ROLE_", "ROLE_", no_extra);
  if (value_of(&modes, "OPC_READ") != NM_OPC_READ || value_of(&modes, "OPC_LOWER") != NM_OPC_LOWER ||
      value_of(&modes, "OPC_RAISE") != NM_OPC_RAISE || value_of(&modes, "OPC_MIXED") != NM_OPC_MIXED) {
    MISMATCH("the OPC_ classes of %s are not nm_op_cls's (nmod/ops.h)", modes.path);
  }
  assert_int_equal(failures, 0);
}

/* The op's name in nmod/ops.h ("PROG_WRITE" for NM_OP_PROG_WRITE = 0x10), or NULL. */
typedef struct {
  long code;
  char name[NAME_MAX_LEN];
} opname_ctx_t;

static void find_op_name(const char *name, long v, void *vctx) {
  opname_ctx_t *o = vctx;
  if (v == o->code && !o->name[0]) snprintf(o->name, sizeof o->name, "%s", name);
}

static const char *cls_name(uint8_t c) {
  switch (c) {
    case NM_OPC_READ: return "OPC_READ";
    case NM_OPC_LOWER: return "OPC_LOWER";
    case NM_OPC_RAISE: return "OPC_RAISE";
    case NM_OPC_MIXED: return "OPC_MIXED";
    default: return "?";
  }
}

static const char *roles_name(uint8_t r) {
  uint8_t p = 1u << NM_ROLE_PATIENT, c = 1u << NM_ROLE_CLINICIAN;
  if (r == (p | c)) return "R_PC";
  if (r == p) return "R_P";
  if (r == c) return "R_C";
  return "?";
}

static void test_ops(void **state) {
  (void)state;
  failures = 0;
  int n_ops = 0;
  for (int code = 0; code < 256; code++) {
    const nm_op_def_t *d = nm_op_find((uint8_t)code);
    if (!d) continue;
    n_ops++;
    opname_ctx_t o = {code, ""};
    header_enum(ops_h, "NM_OP_", find_op_name, &o);
    if (!o.name[0]) {
      MISMATCH("op 0x%02x is in the op table but has no NM_OP_ name in nmod/ops.h", code);
      continue;
    }
    char op[NAME_MAX_LEN * 2], roles[NAME_MAX_LEN * 2], cls[NAME_MAX_LEN * 2], chosen[NAME_MAX_LEN * 3];
    snprintf(op, sizeof op, "OP_%s", o.name);
    snprintf(roles, sizeof roles, "ROLES_%s", o.name);
    snprintf(cls, sizeof cls, "CLS_%s", o.name);
    snprintf(chosen, sizeof chosen, "op = OP_%s;", o.name);
    long mv = value_of(&modes, op);
    if (mv < 0) {
      MISMATCH("op NM_OP_%s (0x%02x, roles %s, class %s) is in the op table (firmware/core/ops.c) but not in %s: "
               "add #define %s %d, #define %s %s and #define %s %s, offer it as a request (%s) and model what it "
               "does (core_op or dev_op)",
               o.name, code, roles_name(d->roles), cls_name(d->cls), modes.path, op, code, roles, roles_name(d->roles),
               cls, cls_name(d->cls), chosen);
      continue;
    }
    if (mv != code) MISMATCH("%s in %s is %ld, the C's is %d (0x%02x)", op, modes.path, mv, code, code);
    if (value_of(&modes, roles) != d->roles) {
      MISMATCH("%s in %s is %ld, the op table's roles are %u (%s): change it to %s", roles, modes.path,
               value_of(&modes, roles), d->roles, roles_name(d->roles), roles_name(d->roles));
    }
    if (value_of(&modes, cls) != d->cls) {
      MISMATCH("%s in %s is %ld, the op table's class is %s (%u): change it to %s, and check what the model does "
               "with the op",
               cls, modes.path, value_of(&modes, cls), cls_name(d->cls), d->cls, cls_name(d->cls));
    }
    if (!strstr(modes.text, chosen)) {
      MISMATCH("%s defines %s but never offers it as a request (%s)", modes.path, op, chosen);
    }
  }
  assert_true(n_ops > 0);
  /* And nothing the C no longer has. */
  for (int i = 0; i < modes.n; i++) {
    const char *name = modes.defs[i].name;
    if (strncmp(name, "OP_", 3) != 0) continue;
    long v = value_of(&modes, name);
    if (v < 0 || v > 255 || !nm_op_find((uint8_t)v)) {
      MISMATCH("%s (%s) is %ld, which is no op of the op table (firmware/core/ops.c): remove it", name, modes.path, v);
    }
  }
  assert_int_equal(failures, 0);
}

/* ---- how nm_op_class resolves the mixed ops ----------------------------------------------- */

static nm_core_t core;

static uint8_t cls_of(uint8_t op, const nm_args_t *a) {
  const nm_op_def_t *d = nm_op_find(op);
  assert_non_null(d);
  return nm_op_class(d, &core, a);
}

/* The model's MIX_ name, resolved; every case of it must give the C's class. */
static void mix(const char *name, uint8_t c_cls, const char *what) {
  long v = value_of(&modes, name);
  if (v < 0) {
    MISMATCH("%s has no %s (%s): add #define %s %s", modes.path, name, what, name, cls_name(c_cls));
  } else if (v != c_cls) {
    MISMATCH("%s in %s is %s, nm_op_class gives %s for %s: change it, and what the model does then", name, modes.path,
             cls_name((uint8_t)v), cls_name(c_cls), what);
  }
}

static void test_mixed(void **state) {
  (void)state;
  failures = 0;
  nm_args_t a;
  memset(&core, 0, sizeof core);
  memset(&a, 0, sizeof a);

  a.therapy.on = 1;
  mix("MIX_THERAPY_ON", cls_of(NM_OP_THERAPY, &a), "THERAPY on");
  a.therapy.on = 0;
  mix("MIX_THERAPY_OFF", cls_of(NM_OP_THERAPY, &a), "THERAPY off");

  core.set.amp_ua[0] = 2000;
  a.amp.slot = 0;
  a.amp.amp_ua = 2100;
  mix("MIX_AMP_UP", cls_of(NM_OP_AMP_SET, &a), "AMP_SET above the amplitude now");
  a.step.slot = 0;
  a.step.dir = 1;
  mix("MIX_AMP_UP", cls_of(NM_OP_AMP_STEP, &a), "AMP_STEP +1");
  a.amp.slot = 0;
  a.amp.amp_ua = 2000;
  mix("MIX_AMP_DOWN", cls_of(NM_OP_AMP_SET, &a), "AMP_SET at the amplitude now");
  a.amp.amp_ua = 100;
  mix("MIX_AMP_DOWN", cls_of(NM_OP_AMP_SET, &a), "AMP_SET below it");
  a.step.slot = 0;
  a.step.dir = -1;
  mix("MIX_AMP_DOWN", cls_of(NM_OP_AMP_STEP, &a), "AMP_STEP -1");

  /* The closed loop: program 0 has one (target 50 uV), program 1 none. */
  core.set.prog[0].loop.closed = 1;
  core.set.loop_target_uv[0] = 50;
  core.set.running_mask = 0x03;
  a.loop.slot = 0;
  a.loop.on = 1;
  mix("MIX_LOOP_ON", cls_of(NM_OP_LOOP, &a), "LOOP on");
  a.loop.slot = 0xFF;
  mix("MIX_LOOP_ON", cls_of(NM_OP_LOOP, &a), "LOOP on, every running program");
  a.loop.on = 0;
  mix("MIX_LOOP_OFF", cls_of(NM_OP_LOOP, &a), "LOOP off, every running program");
  a.loop.slot = 0;
  mix("MIX_LOOP_OFF", cls_of(NM_OP_LOOP, &a), "LOOP off");
  a.target.slot = 0;
  a.target.target_uv = 55;
  mix("MIX_TARGET_UP", cls_of(NM_OP_LOOP_TARGET, &a), "LOOP_TARGET above the target now");
  a.target.slot = 0xFF;
  mix("MIX_TARGET_UP", cls_of(NM_OP_LOOP_TARGET, &a), "LOOP_TARGET above it, every running program");
  a.target.slot = 0;
  a.target.target_uv = 50;
  mix("MIX_TARGET_DOWN", cls_of(NM_OP_LOOP_TARGET, &a), "LOOP_TARGET at the target now");
  a.target.target_uv = 45;
  mix("MIX_TARGET_DOWN", cls_of(NM_OP_LOOP_TARGET, &a), "LOOP_TARGET below it");
  a.target.slot = 1;
  a.target.target_uv = 55;
  mix("MIX_TARGET_DOWN", cls_of(NM_OP_LOOP_TARGET, &a), "LOOP_TARGET of a program without a loop");
  memset(&core.set.prog[0].loop, 0, sizeof core.set.prog[0].loop);
  core.set.loop_target_uv[0] = 0;
  memset(&a, 0, sizeof a);

  a.mask = 0x01;
  mix("MIX_SELECT_SUBSET", cls_of(NM_OP_SELECT, &a), "SELECT of a part of the running set");
  a.mask = 0x03;
  mix("MIX_SELECT_SUBSET", cls_of(NM_OP_SELECT, &a), "SELECT of the running set");
  a.mask = 0x04;
  mix("MIX_SELECT_OTHER", cls_of(NM_OP_SELECT, &a), "SELECT of another set");
  a.mask = 0x05;
  mix("MIX_SELECT_OTHER", cls_of(NM_OP_SELECT, &a), "SELECT adding a program");
  a.mask = 0;
  mix("MIX_SELECT_OTHER", cls_of(NM_OP_SELECT, &a), "SELECT of no program");
  core.set.running_mask = 0;
  a.mask = 0x01;
  mix("MIX_SELECT_OTHER", cls_of(NM_OP_SELECT, &a), "SELECT with nothing running");

  for (int before = 0; before < 2; before++) {
    core.mode_before = before ? NM_MODE_THERAPY : NM_MODE_OFF;
    a.mode.mode = NM_MODE_THERAPY;
    mix("MIX_MODE_THERAPY", cls_of(NM_OP_MODE, &a), "MODE therapy");
    a.mode.mode = NM_MODE_RESUME;
    if (before) mix("MIX_MODE_RESUME_THERAPY", cls_of(NM_OP_MODE, &a), "MODE resume, therapy before");
    else mix("MIX_MODE_RESUME_OFF", cls_of(NM_OP_MODE, &a), "MODE resume, off before");
    static const uint8_t stops[] = {NM_MODE_OFF, NM_MODE_MRI, NM_MODE_SURGERY, NM_MODE_SHELF, NM_MODE_TEST, 6, 200};
    for (size_t i = 0; i < sizeof stops; i++) {
      a.mode.mode = stops[i];
      mix("MIX_MODE_STOP", cls_of(NM_OP_MODE, &a), "MODE off, MRI, surgery, shelf or an invalid mode");
    }
  }
  core.mode_before = NM_MODE_MRI;
  a.mode.mode = NM_MODE_RESUME;
  mix("MIX_MODE_RESUME_OFF", cls_of(NM_OP_MODE, &a), "MODE resume, MRI before");

  /* Every mixed op of the C is one whose cases are checked here. */
  for (int code = 0; code < 256; code++) {
    const nm_op_def_t *d = nm_op_find((uint8_t)code);
    if (!d || d->cls != NM_OPC_MIXED) continue;
    if (code != NM_OP_THERAPY && code != NM_OP_AMP_SET && code != NM_OP_AMP_STEP && code != NM_OP_SELECT &&
        code != NM_OP_MODE && code != NM_OP_LOOP && code != NM_OP_LOOP_TARGET) {
      MISMATCH("op 0x%02x is mixed (nm_op_class decides per request): add its cases as MIX_ names to %s, use them in "
               "its request, and check them here (tests/formal/test_model_sync.c, test_mixed)",
               code, modes.path);
    }
  }
  /* And the model resolves nothing the C does not. */
  for (int i = 0; i < modes.n; i++) {
    static const char *const known[] = {"MIX_THERAPY_ON",          "MIX_THERAPY_OFF",     "MIX_AMP_UP",
                                        "MIX_AMP_DOWN",            "MIX_SELECT_SUBSET",   "MIX_SELECT_OTHER",
                                        "MIX_MODE_THERAPY",        "MIX_MODE_RESUME_THERAPY", "MIX_MODE_RESUME_OFF",
                                        "MIX_MODE_STOP",           "MIX_LOOP_ON",         "MIX_LOOP_OFF",
                                        "MIX_TARGET_UP",           "MIX_TARGET_DOWN",     NULL};
    const char *name = modes.defs[i].name;
    if (strncmp(name, "MIX_", 4) != 0) continue;
    int ok = 0;
    for (int k = 0; known[k]; k++) ok |= strcmp(name, known[k]) == 0;
    if (!ok) MISMATCH("%s (%s) is a case this test does not check against nm_op_class: add it to test_mixed", name,
                      modes.path);
  }
  assert_int_equal(failures, 0);
}

/* ---- session.pml ------------------------------------------------------------------------- */

static void test_session(void **state) {
  (void)state;
  failures = 0;
  static const char *const no_extra[] = {NULL};
  same_enum(&session, proto_h, "firmware/include/nmod/proto.h", "NM_SST_", "SST_", no_extra);
  same_enum(&session, proto_h, "firmware/include/nmod/proto.h", "NM_CST_", "CST_", no_extra);
  same_enum(&session, proto_h, "firmware/include/nmod/proto.h", "NM_FT_", "FT_", no_extra);
  same_enum(&session, role_h, "firmware/include/nmod/role.h", "NM_ROLE_", "ROLE_", no_extra);
  /* The compiled values, for the names the test knows. */
  if (value_of(&session, "SST_HELLO") != NM_SST_HELLO || value_of(&session, "SST_AUTH") != NM_SST_AUTH ||
      value_of(&session, "SST_OPEN") != NM_SST_OPEN || value_of(&session, "SST_TARPIT") != NM_SST_TARPIT ||
      value_of(&session, "SST_CLOSED") != NM_SST_CLOSED) {
    MISMATCH("the SST_ states of %s are not the compiled NM_SST_ values", session.path);
  }
  if (value_of(&session, "ROLE_PATIENT") != NM_ROLE_PATIENT || value_of(&session, "ROLE_CLINICIAN") != NM_ROLE_CLINICIAN) {
    MISMATCH("the roles of %s are not the compiled NM_ROLE_ values", session.path);
  }
  assert_int_equal(failures, 0);
}

/* The check itself finds what it must: a model without an op, or with a wrong class. */
static void test_detects(void **state) {
  (void)state;
  model_t saved = modes;
  /* drop PROG_ERASE from the model */
  for (int i = 0; i < modes.n; i++) {
    if (strcmp(modes.defs[i].name, "OP_PROG_ERASE") == 0) strcpy(modes.defs[i].name, "OP_GONE");
  }
  int before = failures = 0;
  for (int code = 0; code < 256 && !failures; code++) {
    const nm_op_def_t *d = nm_op_find((uint8_t)code);
    if (!d) continue;
    opname_ctx_t o = {code, ""};
    header_enum(ops_h, "NM_OP_", find_op_name, &o);
    char op[NAME_MAX_LEN * 2];
    snprintf(op, sizeof op, "OP_%s", o.name);
    if (value_of(&modes, op) < 0) failures++;
  }
  assert_int_equal(failures, before + 1);
  modes = saved;
  /* a class changed */
  for (int i = 0; i < modes.n; i++) {
    if (strcmp(modes.defs[i].name, "CLS_PROG_ERASE") == 0) strcpy(modes.defs[i].val, "OPC_RAISE");
  }
  assert_int_not_equal(value_of(&modes, "CLS_PROG_ERASE"), nm_op_find(NM_OP_PROG_ERASE)->cls);
  modes = saved;
  failures = 0;
}

static int setup(void **state) {
  (void)state;
  load_model(&modes, "firmware/core/modes.pml");
  load_model(&session, "firmware/proto/session.pml");
  core_h = slurp("firmware/include/nmod/core.h");
  ops_h = slurp("firmware/include/nmod/ops.h");
  proto_h = slurp("firmware/include/nmod/proto.h");
  role_h = slurp("firmware/include/nmod/role.h");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  free(modes.text);
  free(session.text);
  free(core_h);
  free(ops_h);
  free(proto_h);
  free(role_h);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_modes),   cmocka_unit_test(test_ops),     cmocka_unit_test(test_mixed),
      cmocka_unit_test(test_session), cmocka_unit_test(test_detects),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
