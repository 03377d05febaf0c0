/* therapy_test.c: the nmod-therapy/1 loader and writer.
 *
 * Table-driven: every field's missing / wrong type / negative / too fine / too large /
 * unknown / unit-hint case with its exact message; values that load although the safety
 * supervisor refuses them (the loader judges form, the supervisor judges ranges); the four
 * examples with their exact uA/us/um2 values; the bad files under tests/therapy/bad/.
 * Property (seed=N, NMOD_SEED=N): tf_write -> tf_parse gives back the same structure.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "nmod/safety.h"
#include "therapy_file.h"

#ifndef NMOD_SRC_DIR
#define NMOD_SRC_DIR "."
#endif

static const char *src_dir(void) {
  const char *s = getenv("NMOD_SRC");
  return s && s[0] ? s : NMOD_SRC_DIR;
}

static uint64_t seed_of(const char *test) {
  const char *env = getenv("NMOD_SEED");
  uint64_t s = env ? strtoull(env, NULL, 10) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
  printf("%s: seed=%llu (replay with NMOD_SEED=%llu)\n", test, (unsigned long long)s,
         (unsigned long long)s);
  fflush(stdout);
  return s;
}

static uint64_t rnd(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t *s, uint64_t n) { return n ? rnd(s) % n : 0; }

/* ---- documents built from a base and up to three edits ---------------------------------- */

enum { ROOT = 1, PROG = 2 };

typedef struct {
  int where;       /* ROOT or PROG; 0 = unused */
  const char *key;
  const char *val; /* JSON text; NULL removes the key */
} edit;

static const char *const base_root[][2] = {
    {"format", "\"nmod-therapy/1\""},
    {"therapy", "\"scs\""},
    {"lead", "\"scs-perc-8\""},
    {"programs", NULL}, /* the program below */
};

static const char *const base_prog[][2] = {
    {"name", "\"p\""},         {"waveform", "\"tonic\""}, {"rate_hz", "50"},
    {"width_us", "210"},       {"amplitude_ma", "1.0"},
    {"electrodes", "{\"E0\": -100, \"E1\": 100}"},
};

typedef struct {
  char *s;
  size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *t) {
  size_t l = strlen(t);
  if (b->n + l + 1 > b->cap) {
    b->cap = (b->n + l + 1) * 2;
    b->s = realloc(b->s, b->cap);
    assert_non_null(b->s);
  }
  memcpy(b->s + b->n, t, l + 1);
  b->n += l;
}

/* One object from base pairs and the edits aimed at `where`; `inner` fills a NULL base
 * value (the programs array). */
static void put_obj(sbuf *b, const char *const (*base)[2], size_t nbase, const edit *e,
                    size_t ne, int where, const char *inner) {
  sb_put(b, "{");
  int first = 1;
  for (size_t i = 0; i < nbase; i++) {
    const char *val = base[i][1] ? base[i][1] : inner;
    for (size_t k = 0; k < ne; k++) {
      if (e[k].where == where && strcmp(e[k].key, base[i][0]) == 0) val = e[k].val;
    }
    if (!val) continue;
    sb_put(b, first ? "\n  \"" : ",\n  \"");
    sb_put(b, base[i][0]);
    sb_put(b, "\": ");
    sb_put(b, val);
    first = 0;
  }
  for (size_t k = 0; k < ne; k++) { /* edits that add a key */
    if (e[k].where != where || !e[k].val) continue;
    int in_base = 0;
    for (size_t i = 0; i < nbase; i++) in_base |= strcmp(e[k].key, base[i][0]) == 0;
    if (in_base) continue;
    sb_put(b, first ? "\n  \"" : ",\n  \"");
    sb_put(b, e[k].key);
    sb_put(b, "\": ");
    sb_put(b, e[k].val);
    first = 0;
  }
  sb_put(b, "\n}");
}

static char *make_doc(const edit *e, size_t ne) {
  sbuf prog = {0};
  sb_put(&prog, "[");
  put_obj(&prog, base_prog, sizeof base_prog / sizeof base_prog[0], e, ne, PROG, NULL);
  sb_put(&prog, "]");
  sbuf doc = {0};
  put_obj(&doc, base_root, sizeof base_root / sizeof base_root[0], e, ne, ROOT, prog.s);
  sb_put(&doc, "\n");
  free(prog.s);
  return doc.s;
}

static int parse_doc(const char *doc, tf_therapy_t *t, char *err, size_t cap) {
  return tf_parse(doc, strlen(doc), t, err, cap);
}

/* ---- errors ------------------------------------------------------------------------------ */

typedef struct {
  edit e[3];
  const char *msg;
} err_case;

#define P(k, v) {PROG, k, v}
#define R(k, v) {ROOT, k, v}
#define BURST P("waveform", "\"burst\"")
#define BURST_OK P("burst", "{\"pulses\": 5, \"intra_rate_hz\": 500}")

static const err_case err_cases[] = {
    /* name */
    {{P("name", NULL)}, "programs[0]: missing required field \"name\""},
    {{P("name", "5")}, "programs[0].name: expected a string, got 5"},
    {{P("name", "[\"p\"]")}, "programs[0].name: expected a string, got an array"},
    {{P("name", "\"sixteen-chars-xx\"")},
     "programs[0].name: \"sixteen-chars-xx\" is too long (16 bytes, at most 15)"},
    {{P("name", "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"")},
     "programs[0].name: \"\\xC3\\xA9\\xC3\\xA9\\xC3\\xA9\\xC3\\xA9\\xC3\\xA9\\xC3\\xA9\\xC3"
     "\\xA9\\xC3\\xA9\" is too long (16 bytes, at most 15)"},
    /* waveform */
    {{P("waveform", NULL)}, "programs[0]: missing required field \"waveform\""},
    {{P("waveform", "\"hf\"")},
     "programs[0].waveform: expected \"tonic\", \"burst\" or \"high-frequency\", got \"hf\""},
    {{P("waveform", "\"Tonic\"")},
     "programs[0].waveform: expected \"tonic\", \"burst\" or \"high-frequency\", got \"Tonic\""},
    {{P("waveform", "0")},
     "programs[0].waveform: expected \"tonic\", \"burst\" or \"high-frequency\", got 0"},
    /* rate_hz */
    {{P("rate_hz", NULL)}, "programs[0]: missing required field \"rate_hz\" (the pulse rate)"},
    {{BURST, BURST_OK, P("rate_hz", NULL)},
     "programs[0]: missing required field \"rate_hz\" (the burst rate, for \"waveform\": "
     "\"burst\")"},
    {{P("rate_hz", "\"50\"")}, "programs[0].rate_hz: expected an integer, got a string"},
    {{P("rate_hz", "50.5")}, "programs[0].rate_hz: expected an integer, got 50.5"},
    {{P("rate_hz", "5e-1")}, "programs[0].rate_hz: expected an integer, got 5e-1"},
    {{P("rate_hz", "-1")}, "programs[0].rate_hz: must not be negative, got -1"},
    {{P("rate_hz", "-0.5")}, "programs[0].rate_hz: must not be negative, got -0.5"},
    {{P("rate_hz", "4294967296")},
     "programs[0].rate_hz: 4294967296 is too large (at most 4294967295 Hz)"},
    {{P("rate_hz", "1e100")}, "programs[0].rate_hz: 1e100 is too large (at most 4294967295 Hz)"},
    {{P("rate_hz", "true")}, "programs[0].rate_hz: expected an integer, got true"},
    {{P("rate_hz", "null")}, "programs[0].rate_hz: expected an integer, got null"},
    {{P("rate_hz", "[50]")}, "programs[0].rate_hz: expected an integer, got an array"},
    {{P("rate_hz", "{}")}, "programs[0].rate_hz: expected an integer, got an object"},
    /* burst */
    {{BURST}, "programs[0]: missing required field \"burst\" (required for \"waveform\": "
              "\"burst\")"},
    {{BURST, P("burst", "[5, 500]")},
     "programs[0].burst: expected an object {\"pulses\": N, \"intra_rate_hz\": F}, got an "
     "array"},
    {{BURST, P("burst", "{\"pulses\": 5}")},
     "programs[0].burst: missing required field \"intra_rate_hz\""},
    {{BURST, P("burst", "{\"intra_rate_hz\": 500}")},
     "programs[0].burst: missing required field \"pulses\""},
    {{BURST, P("burst", "{\"pulses\": 5, \"intra_rate_hz\": \"500\"}")},
     "programs[0].burst.intra_rate_hz: expected an integer, got a string"},
    {{BURST, P("burst", "{\"pulses\": -5, \"intra_rate_hz\": 500}")},
     "programs[0].burst.pulses: must not be negative, got -5"},
    {{BURST, P("burst", "{\"pulses\": 5.5, \"intra_rate_hz\": 500}")},
     "programs[0].burst.pulses: expected an integer, got 5.5"},
    {{BURST, P("burst", "{\"pulses\": 5, \"intra_rate_hz\": 5e9}")},
     "programs[0].burst.intra_rate_hz: 5e9 is too large (at most 4294967295 Hz)"},
    {{BURST, P("burst", "{\"pulses\": 5, \"intra_hz\": 500}")},
     "programs[0].burst: unknown field \"intra_hz\" (the rate inside a burst is given in Hz: "
     "\"intra_rate_hz\")"},
    {{BURST, P("burst", "{\"pulses\": 5, \"intra_rate_khz\": 0.5}")},
     "programs[0].burst: unknown field \"intra_rate_khz\" (the rate inside a burst is given "
     "in Hz: \"intra_rate_hz\")"},
    {{BURST, P("burst", "{\"count\": 5, \"intra_rate_hz\": 500}")},
     "programs[0].burst: unknown field \"count\" (the number of pulses is \"pulses\")"},
    {{BURST_OK}, "programs[0].burst: only allowed with \"waveform\": \"burst\""},
    {{P("waveform", "\"high-frequency\""), BURST_OK},
     "programs[0].burst: only allowed with \"waveform\": \"burst\""},
    /* width_us */
    {{P("width_us", NULL)}, "programs[0]: missing required field \"width_us\""},
    {{P("width_us", "210.5")}, "programs[0].width_us: expected an integer, got 210.5"},
    {{P("width_us", "\"210\"")}, "programs[0].width_us: expected an integer, got a string"},
    {{P("width_us", "-210")}, "programs[0].width_us: must not be negative, got -210"},
    {{P("width_us", "4294967296")},
     "programs[0].width_us: 4294967296 is too large (at most 4294967295 us)"},
    /* interphase_us */
    {{P("interphase_us", "\"20\"")},
     "programs[0].interphase_us: expected an integer, got a string"},
    {{P("interphase_us", "-1")}, "programs[0].interphase_us: must not be negative, got -1"},
    {{P("interphase_us", "1.5")}, "programs[0].interphase_us: expected an integer, got 1.5"},
    /* amplitude_ma */
    {{P("amplitude_ma", NULL)}, "programs[0]: missing required field \"amplitude_ma\""},
    {{P("amplitude_ma", "\"3\"")}, "programs[0].amplitude_ma: expected a number, got a string"},
    {{P("amplitude_ma", "false")}, "programs[0].amplitude_ma: expected a number, got false"},
    {{P("amplitude_ma", "-1")}, "programs[0].amplitude_ma: must not be negative, got -1"},
    {{P("amplitude_ma", "-0.0005")},
     "programs[0].amplitude_ma: must not be negative, got -0.0005"},
    {{P("amplitude_ma", "1.0005")},
     "programs[0].amplitude_ma: 1.0005 is finer than the resolution of 0.001 mA"},
    {{P("amplitude_ma", "1e-4")},
     "programs[0].amplitude_ma: 1e-4 is finer than the resolution of 0.001 mA"},
    {{P("amplitude_ma", "5e12")},
     "programs[0].amplitude_ma: 5e12 is too large (at most 4294967.295 mA)"},
    {{P("amplitude_ma", "4294967.296")},
     "programs[0].amplitude_ma: 4294967.296 is too large (at most 4294967.295 mA)"},
    {{P("amplitude_ma", "1e999999999999999999")},
     "programs[0].amplitude_ma: 1e999999999999999999 is too large (at most 4294967.295 mA)"},
    {{P("amplitude_ma", "123456789012345678901234567890123456789")},
     "programs[0].amplitude_ma: 12345678901234567890123456789012... is too large (at most "
     "4294967.295 mA)"},
    /* patient_range_ma */
    {{P("patient_range_ma", "3")},
     "programs[0].patient_range_ma: expected [min, max] in mA, got 3"},
    {{P("patient_range_ma", "{\"min\": 0, \"max\": 3}")},
     "programs[0].patient_range_ma: expected [min, max] in mA, got an object"},
    {{P("patient_range_ma", "[]")},
     "programs[0].patient_range_ma: expected [min, max] in mA, got 0 items"},
    {{P("patient_range_ma", "[1]")},
     "programs[0].patient_range_ma: expected [min, max] in mA, got 1 item"},
    {{P("patient_range_ma", "[0, 1, 2]")},
     "programs[0].patient_range_ma: expected [min, max] in mA, got 3 items"},
    {{P("patient_range_ma", "[0, \"3\"]")},
     "programs[0].patient_range_ma[1]: expected a number, got a string"},
    {{P("patient_range_ma", "[-1, 2]")},
     "programs[0].patient_range_ma[0]: must not be negative, got -1"},
    {{P("patient_range_ma", "[0, 3.0001]")},
     "programs[0].patient_range_ma[1]: 3.0001 is finer than the resolution of 0.001 mA"},
    {{P("patient_range_ma", "[0, 5e9]")},
     "programs[0].patient_range_ma[1]: 5e9 is too large (at most 4294967.295 mA)"},
    /* electrodes */
    {{P("electrodes", NULL)}, "programs[0]: missing required field \"electrodes\""},
    {{P("electrodes", "[-100, 100]")},
     "programs[0].electrodes: expected an object such as {\"E0\": -100, \"E3\": 100}, got an "
     "array"},
    {{P("electrodes", "{\"E0\": -100, \"E16\": 100}")},
     "programs[0].electrodes: unknown electrode \"E16\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"X1\": 100}")},
     "programs[0].electrodes: unknown electrode \"X1\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"E01\": 100}")},
     "programs[0].electrodes: unknown electrode \"E01\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"e0\": 100}")},
     "programs[0].electrodes: unknown electrode \"e0\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"E\": 100}")},
     "programs[0].electrodes: unknown electrode \"E\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"E-1\": 100}")},
     "programs[0].electrodes: unknown electrode \"E-1\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"E1000000000000\": 100}")},
     "programs[0].electrodes: unknown electrode \"E1000000000000\" (contacts are \"E0\" to "
     "\"E15\", or \"case\")"},
    {{P("electrodes", "{\"Case\": 100}")},
     "programs[0].electrodes: unknown electrode \"Case\" (contacts are \"E0\" to \"E15\", or "
     "\"case\")"},
    {{P("electrodes", "{\"E0\": -100, \"E1\": 0}")},
     "programs[0].electrodes.E1: expected a percentage from -100 to 100 (negative = cathode), "
     "not 0, got 0"},
    {{P("electrodes", "{\"E0\": 150}")},
     "programs[0].electrodes.E0: expected a percentage from -100 to 100 (negative = cathode), "
     "not 0, got 150"},
    {{P("electrodes", "{\"E0\": -101}")},
     "programs[0].electrodes.E0: expected a percentage from -100 to 100 (negative = cathode), "
     "not 0, got -101"},
    {{P("electrodes", "{\"E0\": 1e400}")},
     "programs[0].electrodes.E0: expected a percentage from -100 to 100 (negative = cathode), "
     "not 0, got 1e400"},
    {{P("electrodes", "{\"E0\": -100.5}")},
     "programs[0].electrodes.E0: expected an integer percentage, got -100.5"},
    {{P("electrodes", "{\"E0\": \"-100\"}")},
     "programs[0].electrodes.E0: expected an integer percentage, got a string"},
    {{P("electrodes", "{\"case\": null}")},
     "programs[0].electrodes.case: expected an integer percentage, got null"},
    /* cycling */
    {{P("cycling", "30")},
     "programs[0].cycling: expected an object {\"on_s\": N, \"off_s\": N}, got 30"},
    {{P("cycling", "{\"on_s\": 30}")}, "programs[0].cycling: missing required field \"off_s\""},
    {{P("cycling", "{\"off_s\": 30}")}, "programs[0].cycling: missing required field \"on_s\""},
    {{P("cycling", "{\"on_ms\": 30, \"off_s\": 90}")},
     "programs[0].cycling: unknown field \"on_ms\" (cycling times are given in seconds: "
     "\"on_s\")"},
    {{P("cycling", "{\"on_s\": 30, \"off_min\": 90}")},
     "programs[0].cycling: unknown field \"off_min\" (cycling times are given in seconds: "
     "\"off_s\")"},
    {{P("cycling", "{\"on_s\": 1.5, \"off_s\": 2}")},
     "programs[0].cycling.on_s: expected an integer, got 1.5"},
    {{P("cycling", "{\"on_s\": 1, \"off_s\": -2}")},
     "programs[0].cycling.off_s: must not be negative, got -2"},
    /* ramp_s */
    {{P("ramp_s", "\"2\"")}, "programs[0].ramp_s: expected a number, got a string"},
    {{P("ramp_s", "-2")}, "programs[0].ramp_s: must not be negative, got -2"},
    {{P("ramp_s", "0.0005")}, "programs[0].ramp_s: 0.0005 is finer than the resolution of 0.001 s"},
    {{P("ramp_s", "4294968")}, "programs[0].ramp_s: 4294968 is too large (at most 4294967.295 s)"},
    /* running */
    {{P("running", "\"yes\"")}, "programs[0].running: expected true or false, got a string"},
    {{P("running", "1")}, "programs[0].running: expected true or false, got 1"},
    /* unknown program fields and unit hints */
    {{P("amplitude_ua", "1000")},
     "programs[0]: unknown field \"amplitude_ua\" (amplitudes are given in mA: \"amplitude_ma\")"},
    {{P("amplitude", "1")},
     "programs[0]: unknown field \"amplitude\" (amplitudes are given in mA: \"amplitude_ma\")"},
    {{P("width_ms", "0.21")},
     "programs[0]: unknown field \"width_ms\" (pulse widths are given in us: \"width_us\")"},
    {{P("pulse_width_us", "210")},
     "programs[0]: unknown field \"pulse_width_us\" (pulse widths are given in us: "
     "\"width_us\")"},
    {{P("rate", "50")}, "programs[0]: unknown field \"rate\" (rates are given in Hz: \"rate_hz\")"},
    {{P("frequency_hz", "50")},
     "programs[0]: unknown field \"frequency_hz\" (rates are given in Hz: \"rate_hz\")"},
    {{P("ramp_ms", "2000")},
     "programs[0]: unknown field \"ramp_ms\" (ramps are given in seconds: \"ramp_s\")"},
    {{P("gap_us", "20")},
     "programs[0]: unknown field \"gap_us\" (the interphase gap is given in us: "
     "\"interphase_us\")"},
    {{P("patient_range_ua", "[0, 3000]")},
     "programs[0]: unknown field \"patient_range_ua\" (the patient's range is given in mA as "
     "\"patient_range_ma\": [min, max])"},
    {{P("pulses", "5")},
     "programs[0]: unknown field \"pulses\" (burst settings go in \"burst\": {\"pulses\": N, "
     "\"intra_rate_hz\": F})"},
    {{P("on_s", "30")},
     "programs[0]: unknown field \"on_s\" (cycling is given as \"cycling\": {\"on_s\": N, "
     "\"off_s\": N})"},
    {{P("enabled", "true")},
     "programs[0]: unknown field \"enabled\" (use \"running\": true or false)"},
    {{P("widht_us", "210")}, "programs[0]: unknown field \"widht_us\" (did you mean \"width_us\"?)"},
    {{P("Rate_Hz", "210")}, "programs[0]: unknown field \"Rate_Hz\" (did you mean \"rate_hz\"?)"},
    {{P("zzz", "1")},
     "programs[0]: unknown field \"zzz\" (the program fields are: name, waveform, rate_hz, "
     "burst, width_us, interphase_us, amplitude_ma, patient_range_ma, electrodes, cycling, "
     "ramp_s, running, closed_loop)"},
    {{P("x\\ny", "1")},
     "programs[0]: unknown field \"x\\x0Ay\" (the program fields are: name, waveform, rate_hz, "
     "burst, width_us, interphase_us, amplitude_ma, patient_range_ma, electrodes, cycling, "
     "ramp_s, running, closed_loop)"},
    /* the top level */
    {{R("format", NULL)}, "missing required field \"format\" (\"format\": \"nmod-therapy/1\")"},
    {{R("format", "\"nmod-therapy/2\"")},
     "format: expected \"nmod-therapy/1\", got \"nmod-therapy/2\""},
    {{R("format", "\"nmod-therapy/1 \"")},
     "format: expected \"nmod-therapy/1\", got \"nmod-therapy/1 \""},
    {{R("format", "1")}, "format: expected the string \"nmod-therapy/1\", got 1"},
    {{R("therapy", NULL)}, "missing required field \"therapy\" (\"scs\" or \"snm\")"},
    {{R("therapy", "\"dbs\"")}, "therapy: expected \"scs\" or \"snm\", got \"dbs\""},
    {{R("therapy", "\"SCS\"")}, "therapy: expected \"scs\" or \"snm\", got \"SCS\""},
    {{R("therapy", "0")}, "therapy: expected \"scs\" or \"snm\", got 0"},
    {{R("lead", NULL)}, "missing required field \"lead\""},
    {{R("lead", "\"foo\"")},
     "lead: unknown lead \"foo\" (the catalog has \"snm-tined-4\", \"scs-perc-8\" and "
     "\"scs-paddle-16\"; a custom lead is {\"contacts\": N, \"contact_area_mm2\": A})"},
    {{R("lead", "\"custom\"")},
     "lead: unknown lead \"custom\" (the catalog has \"snm-tined-4\", \"scs-perc-8\" and "
     "\"scs-paddle-16\"; a custom lead is {\"contacts\": N, \"contact_area_mm2\": A})"},
    {{R("lead", "4")},
     "lead: expected a catalog lead name or {\"contacts\": N, \"contact_area_mm2\": A}, got 4"},
    {{R("lead", "{}")},
     "lead: missing required field \"contacts\" (a custom lead needs its number of contacts)"},
    {{R("lead", "{\"contacts\": 4}")},
     "lead: missing required field \"contact_area_mm2\" (a custom lead needs the area of one "
     "contact)"},
    {{R("lead", "{\"contacts\": 256, \"contact_area_mm2\": 6}")},
     "lead.contacts: 256 is too large (at most 255 contacts)"},
    {{R("lead", "{\"contacts\": 2.5, \"contact_area_mm2\": 6}")},
     "lead.contacts: expected an integer, got 2.5"},
    {{R("lead", "{\"contacts\": -4, \"contact_area_mm2\": 6}")},
     "lead.contacts: must not be negative, got -4"},
    {{R("lead", "{\"contacts\": 4, \"contact_area_mm2\": \"6\"}")},
     "lead.contact_area_mm2: expected a number, got a string"},
    {{R("lead", "{\"contacts\": 4, \"contact_area_mm2\": 1.0000005}")},
     "lead.contact_area_mm2: 1.0000005 is finer than the resolution of 0.000001 mm2"},
    {{R("lead", "{\"contacts\": 4, \"contact_area_mm2\": 5000}")},
     "lead.contact_area_mm2: 5000 is too large (at most 4294.967295 mm2)"},
    {{R("lead", "{\"contacts\": 4, \"contact_area_um2\": 6000000}")},
     "lead: unknown field \"contact_area_um2\" (contact areas are given in mm2: "
     "\"contact_area_mm2\")"},
    {{R("lead", "{\"n_contacts\": 4, \"contact_area_mm2\": 6}")},
     "lead: unknown field \"n_contacts\" (the number of contacts is \"contacts\")"},
    {{R("impedance_ohm", "\"800\"")}, "impedance_ohm: expected an integer, got a string"},
    {{R("impedance_ohm", "800.5")}, "impedance_ohm: expected an integer, got 800.5"},
    {{R("impedance_ohm", "-800")}, "impedance_ohm: must not be negative, got -800"},
    {{R("impedance_ohm", "1e10")}, "impedance_ohm: 1e10 is too large (at most 4294967295 ohm)"},
    {{R("impedance", "800")},
     "unknown field \"impedance\" (impedances are given in ohm: \"impedance_ohm\")"},
    {{R("impedance_kohm", "0.8")},
     "unknown field \"impedance_kohm\" (impedances are given in ohm: \"impedance_ohm\")"},
    {{R("compliance_v", "0.0001")},
     "compliance_v: 0.0001 is finer than the resolution of 0.001 V"},
    {{R("compliance_v", "-12")}, "compliance_v: must not be negative, got -12"},
    {{R("compliance_v", "\"12 V\"")}, "compliance_v: expected a number, got a string"},
    {{R("compliance_mv", "12000")},
     "unknown field \"compliance_mv\" (the compliance voltage is given in V: \"compliance_v\")"},
    {{R("programs", NULL)}, "missing required field \"programs\""},
    {{R("programs", "{}")}, "programs: expected an array of programs, got an object"},
    {{R("programs", "[]")}, "programs: expected 1 to 8 programs, got none"},
    {{R("programs", "[5]")}, "programs[0]: expected a program object, got 5"},
    {{R("programs", "[[]]")}, "programs[0]: expected a program object, got an array"},
    {{R("amplitude_ma", "1.0")},
     "unknown field \"amplitude_ma\" (program settings go inside \"programs\": [{...}])"},
    {{R("Format", "1")}, "unknown field \"Format\" (did you mean \"format\"?)"},
    {{R("foo", "1")},
     "unknown field \"foo\" (the top level fields are: format, therapy, lead, impedance_ohm, "
     "compliance_v, programs)"},
    {{R("version", "1")},
     "unknown field \"version\" (the version is given as \"format\": \"nmod-therapy/1\")"},
    /* the format is checked before anything else */
    {{R("format", "\"nmod-therapy/2\""), R("foo", "1"), P("rate_hz", NULL)},
     "format: expected \"nmod-therapy/1\", got \"nmod-therapy/2\""},
    /* JSON errors come with their line and column */
    {{P("rate_hz", "050")}, "line 8, column 14: leading zeros are not allowed in numbers"},
    {{P("rate_hz", "50,")}, "line 8, column 17: expected a member name in double quotes, got ','"},
    {{P("width_us", "NaN")},
     "line 9, column 15: expected a value, got 'N' (NaN and Infinity are not JSON numbers)"},
    {{P("name", "\"a\", \"name\": \"b\"")}, "line 6, column 16: duplicate key \"name\""},
};

static void test_errors(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
    const err_case *c = &err_cases[i];
    size_t ne = 0;
    while (ne < 3 && c->e[ne].where) ne++;
    char *doc = make_doc(c->e, ne);
    tf_therapy_t t;
    char err[512];
    memset(err, 'Z', sizeof err);
    int rc = parse_doc(doc, &t, err, sizeof err);
    if (rc != -1) fail_msg("case %zu loaded, expected: %s\n%s", i, c->msg, doc);
    if (strcmp(err, c->msg) != 0) {
      fail_msg("case %zu:\n  got      %s\n  expected %s\n%s", i, err, c->msg, doc);
    }
    assert_null(strchr(err, '\n'));
    free(doc);
  }
}

/* The brief's own example, verbatim. */
static void test_unit_hint_example(void **state) {
  (void)state;
  edit e[] = {P("amplitude_ua", "1000")};
  char *doc = make_doc(e, 1);
  tf_therapy_t t;
  char err[256];
  assert_int_equal(parse_doc(doc, &t, err, sizeof err), -1);
  assert_string_equal(err,
                      "programs[0]: unknown field \"amplitude_ua\" (amplitudes are given in mA: "
                      "\"amplitude_ma\")");
  free(doc);
}

static void test_whole_text_errors(void **state) {
  (void)state;
  static const struct {
    const char *text;
    size_t len;
    const char *msg;
  } cases[] = {
      {"[]", 0, "expected an object at the top level, got an array"},
      {"5", 0, "expected an object at the top level, got 5"},
      {"\"x\"", 0, "expected an object at the top level, got a string"},
      {"null", 0, "expected an object at the top level, got null"},
      {"", 0, "line 1, column 1: empty input: expected a JSON value"},
      {"{}", 0, "missing required field \"format\" (\"format\": \"nmod-therapy/1\")"},
      {"{} {}", 0, "line 1, column 4: unexpected '{' after the JSON value (trailing characters)"},
      {"{\"format\": \"nmod-therapy/1\"\0}", 29, "line 1, column 28: expected ',' or '}' after a "
                                                 "member, got a NUL byte"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tf_therapy_t t;
    char err[256];
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
    assert_int_equal(tf_parse(cases[i].text, len, &t, err, sizeof err), -1);
    if (strcmp(err, cases[i].msg) != 0) {
      fail_msg("case %zu: got [%s] expected [%s]", i, err, cases[i].msg);
    }
  }
  /* Too many programs, duplicate names. */
  sbuf b = {0};
  sb_put(&b, "{\"format\": \"nmod-therapy/1\", \"therapy\": \"scs\", \"lead\": \"scs-perc-8\", "
             "\"programs\": [");
  for (int i = 0; i < 9; i++) {
    char p[200];
    snprintf(p, sizeof p,
             "%s{\"name\": \"p%d\", \"waveform\": \"tonic\", \"rate_hz\": 50, \"width_us\": 210, "
             "\"amplitude_ma\": 1, \"electrodes\": {\"E0\": -100, \"E1\": 100}}",
             i ? ", " : "", i);
    sb_put(&b, p);
  }
  sb_put(&b, "]}");
  tf_therapy_t t;
  char err[256];
  assert_int_equal(parse_doc(b.s, &t, err, sizeof err), -1);
  assert_string_equal(err, "programs: at most 8 programs, got 9");
  /* Eight load; the ninth made a duplicate name of p0 in the last slot fails there. */
  char *last = strstr(b.s, ", {\"name\": \"p8\"");
  assert_non_null(last);
  strcpy(last, "]}");
  assert_int_equal(parse_doc(b.s, &t, err, sizeof err), 0);
  assert_int_equal(t.n_prog, 8);
  assert_int_equal(t.running_mask, 0xFF);
  char *p7 = strstr(b.s, "\"p7\"");
  p7[2] = '3';
  assert_int_equal(parse_doc(b.s, &t, err, sizeof err), -1);
  assert_string_equal(err, "programs[7].name: duplicate name \"p3\" (also programs[3])");
  free(b.s);

  /* Over 1 MiB of text is refused before parsing. */
  size_t big = TF_MAX_BYTES + 1;
  char *text = malloc(big);
  memset(text, ' ', big);
  text[0] = '{';
  text[big - 1] = '}';
  assert_int_equal(tf_parse(text, big, &t, err, sizeof err), -1);
  assert_string_equal(err, "1048577 bytes, more than the 1048576 allowed");
  free(text);

  /* A short or absent error buffer is fine. */
  assert_int_equal(tf_parse("[]", 2, &t, err, 8), -1);
  assert_string_equal(err, "expecte");
  assert_int_equal(tf_parse("[]", 2, &t, NULL, 0), -1);
  assert_int_equal(tf_parse("[]", 2, NULL, err, sizeof err), -1);
}

/* ---- values ---------------------------------------------------------------------------- */

static void load_ok(const edit *e, size_t ne, tf_therapy_t *t) {
  char *doc = make_doc(e, ne);
  char err[512];
  if (parse_doc(doc, t, err, sizeof err) != 0) fail_msg("did not load: %s\n%s", err, doc);
  free(doc);
}

static void test_defaults(void **state) {
  (void)state;
  tf_therapy_t t;
  memset(&t, 0xA5, sizeof t); /* the loader zero-fills */
  load_ok(NULL, 0, &t);
  assert_int_equal(t.therapy, NM_THERAPY_SCS);
  assert_int_equal(t.lead.model, NM_LEAD_SCS_PERC_8);
  assert_int_equal(t.lead.shape, NM_SHAPE_CYLINDER);
  assert_int_equal(t.lead.n_contacts, 8);
  assert_int_equal(t.lead.area_um2, 12252211);
  assert_int_equal(t.load.impedance_ohm, NM_IMPEDANCE_DEFAULT_OHM);
  assert_int_equal(t.load.impedance_ohm, 525);
  assert_int_equal(t.load.compliance_mv, 12000);
  assert_int_equal(t.n_prog, 1);
  assert_int_equal(t.running_mask, 1);
  const nm_prog_t *p = &t.prog[0];
  assert_string_equal(p->name, "p");
  assert_int_equal(p->wave, NM_WAVE_TONIC);
  assert_int_equal(p->rate_hz, 50);
  assert_int_equal(p->burst_pulses, 0);
  assert_int_equal(p->intra_hz, 0);
  assert_int_equal(p->width_us, 210);
  assert_int_equal(p->gap_us, NM_GAP_DEFAULT_US);
  assert_int_equal(p->amp_ua, 1000);
  assert_int_equal(p->pt_min_ua, 0);
  assert_int_equal(p->pt_max_ua, 1000); /* [0, amplitude] */
  assert_int_equal(p->cyc_on_s, 0);
  assert_int_equal(p->cyc_off_s, 0);
  assert_int_equal(p->ramp_ms, 0);
  for (int n = 0; n < NM_NODES; n++) {
    assert_int_equal(p->frac_pct[n], n == 0 ? -100 : n == 1 ? 100 : 0);
  }
  for (int i = 1; i < NM_MAX_PROGRAMS; i++) {
    static const nm_prog_t zero;
    assert_memory_equal(&t.prog[i], &zero, sizeof zero);
  }
  nm_safety_report_t rep;
  assert_int_not_equal(nm_safety_check(p, &t.lead, &t.load, &rep), NM_VERDICT_REFUSE);
}

static void test_values(void **state) {
  (void)state;
  tf_therapy_t t;
  {
    edit e[] = {R("therapy", "\"snm\""), R("impedance_ohm", "800"), R("compliance_v", "12.5")};
    load_ok(e, 3, &t);
    assert_int_equal(t.therapy, NM_THERAPY_SNM);
    assert_int_equal(t.load.impedance_ohm, 800);
    assert_int_equal(t.load.compliance_mv, 12500);
  }
  {
    edit e[] = {R("lead", "{\"contacts\": 4, \"contact_area_mm2\": 6}")};
    load_ok(e, 1, &t);
    assert_int_equal(t.lead.model, NM_LEAD_CUSTOM);
    assert_int_equal(t.lead.shape, NM_SHAPE_CUSTOM);
    assert_int_equal(t.lead.n_contacts, 4);
    assert_int_equal(t.lead.area_um2, 6000000);
  }
  {
    edit e[] = {R("lead", "{\"contact_area_mm2\": 0.000001, \"contacts\": 16}")};
    load_ok(e, 1, &t);
    assert_int_equal(t.lead.n_contacts, 16);
    assert_int_equal(t.lead.area_um2, 1);
  }
  {
    edit e[] = {R("lead", "\"snm-tined-4\"")};
    load_ok(e, 1, &t);
    assert_int_equal(t.lead.model, NM_LEAD_SNM_TINED_4);
    assert_int_equal(t.lead.n_contacts, 4);
    assert_int_equal(t.lead.area_um2, 11969468);
  }
  {
    edit e[] = {R("lead", "\"scs-paddle-16\"")};
    load_ok(e, 1, &t);
    assert_int_equal(t.lead.model, NM_LEAD_SCS_PADDLE_16);
    assert_int_equal(t.lead.shape, NM_SHAPE_FLAT);
    assert_int_equal(t.lead.n_contacts, 16);
    assert_int_equal(t.lead.area_um2, 4000000);
  }
  {
    /* Integers may be spelled with a zero fraction or an exponent; -0 is zero. */
    edit e[] = {P("rate_hz", "1e3"), P("width_us", "210.000"), P("interphase_us", "-0")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].rate_hz, 1000);
    assert_int_equal(t.prog[0].width_us, 210);
    assert_int_equal(t.prog[0].gap_us, 0);
  }
  {
    edit e[] = {P("rate_hz", "4294967295"), P("amplitude_ma", "4294967.295"),
                P("ramp_s", "4294967.295")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].rate_hz, 4294967295u);
    assert_int_equal(t.prog[0].amp_ua, 4294967295u);
    assert_int_equal(t.prog[0].ramp_ms, 4294967295u);
    assert_int_equal(t.prog[0].pt_max_ua, 4294967295u);
  }
  {
    edit e[] = {P("amplitude_ma", "1.001"), P("patient_range_ma", "[0.5, 2.25e0]"),
                P("ramp_s", "0.001")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].amp_ua, 1001);
    assert_int_equal(t.prog[0].pt_min_ua, 500);
    assert_int_equal(t.prog[0].pt_max_ua, 2250);
    assert_int_equal(t.prog[0].ramp_ms, 1);
  }
  {
    edit e[] = {P("electrodes", "{\"E15\": -50, \"E7\": -50, \"case\": 100}"),
                P("running", "false"), P("cycling", "{\"off_s\": 90, \"on_s\": 30}")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].frac_pct[15], -50);
    assert_int_equal(t.prog[0].frac_pct[7], -50);
    assert_int_equal(t.prog[0].frac_pct[NM_NODE_CASE], 100);
    assert_int_equal(t.prog[0].frac_pct[0], 0);
    assert_int_equal(t.running_mask, 0);
    assert_int_equal(t.prog[0].cyc_on_s, 30);
    assert_int_equal(t.prog[0].cyc_off_s, 90);
  }
  {
    edit e[] = {P("waveform", "\"high-frequency\""), P("rate_hz", NULL), P("width_us", "30")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].wave, NM_WAVE_HF);
    assert_int_equal(t.prog[0].rate_hz, 10000);
  }
  {
    edit e[] = {BURST, BURST_OK, P("rate_hz", "40")};
    load_ok(e, 3, &t);
    assert_int_equal(t.prog[0].wave, NM_WAVE_BURST);
    assert_int_equal(t.prog[0].rate_hz, 40);
    assert_int_equal(t.prog[0].burst_pulses, 5);
    assert_int_equal(t.prog[0].intra_hz, 500);
  }
  {
    edit e[] = {P("name", "\"fifteen-chars-x\"")};
    load_ok(e, 1, &t);
    assert_string_equal(t.prog[0].name, "fifteen-chars-x");
  }
}

/* The loader judges form; the supervisor judges ranges and safety, and refuses these. */
static void test_supervisor_refuses_what_loads(void **state) {
  (void)state;
  static const struct {
    edit e[2];
    uint32_t reason;
  } cases[] = {
      {{P("amplitude_ma", "30")}, NM_R_AMP},
      {{P("amplitude_ma", "1.05")}, NM_R_AMP}, /* not a 0.1 mA step */
      {{P("patient_range_ma", "[3, 1]")}, NM_R_PATIENT},
      {{P("name", "\"\"")}, NM_R_NAME},
      {{P("name", "\"tab\\there\"")}, NM_R_NAME},
      {{R("lead", "\"snm-tined-4\""), P("electrodes", "{\"E5\": -100, \"E0\": 100}")},
       NM_R_CONTACT},
      {{P("electrodes", "{}")}, NM_R_FRACTIONS},
      {{P("electrodes", "{\"E0\": -100, \"E1\": 60}")}, NM_R_FRACTIONS},
      {{P("electrodes", "{\"case\": -100, \"E1\": 100}")}, NM_R_CASE_CATHODE},
      {{R("lead", "{\"contacts\": 0, \"contact_area_mm2\": 6}")}, NM_R_LEAD},
      {{R("lead", "{\"contacts\": 17, \"contact_area_mm2\": 6}")}, NM_R_LEAD},
      {{R("lead", "{\"contacts\": 4, \"contact_area_mm2\": 0}")}, NM_R_LEAD},
      {{P("width_us", "5000")}, NM_R_WIDTH},
      {{P("rate_hz", "0")}, NM_R_RATE},
      {{P("ramp_s", "0.05")}, NM_R_RAMP},
      {{P("cycling", "{\"on_s\": 30, \"off_s\": 0}")}, NM_R_CYCLE},
      {{P("interphase_us", "1000")}, NM_R_GAP},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    size_t ne = cases[i].e[1].where ? 2 : 1;
    tf_therapy_t t;
    load_ok(cases[i].e, ne, &t);
    nm_safety_report_t rep;
    nm_verdict v = nm_safety_check(&t.prog[0], &t.lead, &t.load, &rep);
    if (v != NM_VERDICT_REFUSE || !(rep.reasons & cases[i].reason)) {
      fail_msg("case %zu: verdict %d reasons 0x%x, expected a refusal with 0x%x", i, (int)v,
               (unsigned)rep.reasons, (unsigned)cases[i].reason);
    }
  }
}

/* ---- examples and files ----------------------------------------------------------------- */

static void load_example(const char *name, tf_therapy_t *t) {
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/examples/%s", src_dir(), name);
  if (tf_load(path, t, err, sizeof err) != 0) fail_msg("%s", err);
  for (uint8_t i = 0; i < t->n_prog; i++) {
    nm_safety_report_t rep;
    nm_verdict v = nm_safety_check(&t->prog[i], &t->lead, &t->load, &rep);
    if (v == NM_VERDICT_REFUSE) {
      fail_msg("%s: programs[%u] refused by the supervisor, reasons 0x%x", name, i,
               (unsigned)rep.reasons);
    }
  }
}

static void test_examples(void **state) {
  (void)state;
  tf_therapy_t t;
  const nm_prog_t *p = &t.prog[0];

  load_example("snm-default.json", &t);
  assert_int_equal(t.therapy, NM_THERAPY_SNM);
  assert_int_equal(t.lead.model, NM_LEAD_SNM_TINED_4);
  assert_int_equal(t.lead.shape, NM_SHAPE_CYLINDER);
  assert_int_equal(t.lead.n_contacts, 4);
  assert_int_equal(t.lead.area_um2, 11969468);
  assert_int_equal(t.load.impedance_ohm, 525);
  assert_int_equal(t.load.compliance_mv, 12000);
  assert_int_equal(t.n_prog, 1);
  assert_int_equal(t.running_mask, 1);
  assert_string_equal(p->name, "default");
  assert_int_equal(p->wave, NM_WAVE_TONIC);
  assert_int_equal(p->rate_hz, 14);
  assert_int_equal(p->width_us, 210);
  assert_int_equal(p->gap_us, 20);
  assert_int_equal(p->amp_ua, 1000);
  assert_int_equal(p->pt_min_ua, 0);
  assert_int_equal(p->pt_max_ua, 3000);
  assert_int_equal(p->frac_pct[0], -100);
  assert_int_equal(p->frac_pct[3], 100);
  assert_int_equal(p->frac_pct[1] | p->frac_pct[2] | p->frac_pct[NM_NODE_CASE], 0);
  assert_int_equal(p->cyc_on_s | p->cyc_off_s | p->ramp_ms | p->burst_pulses | p->intra_hz, 0);

  load_example("scs-tonic.json", &t);
  assert_int_equal(t.therapy, NM_THERAPY_SCS);
  assert_int_equal(t.lead.model, NM_LEAD_SCS_PERC_8);
  assert_int_equal(t.lead.n_contacts, 8);
  assert_int_equal(t.lead.area_um2, 12252211);
  assert_int_equal(t.load.impedance_ohm, 525);
  assert_int_equal(t.load.compliance_mv, 12000);
  assert_int_equal(t.n_prog, 1);
  assert_int_equal(t.running_mask, 1);
  assert_int_equal(p->wave, NM_WAVE_TONIC);
  assert_int_equal(p->rate_hz, 50);
  assert_int_equal(p->width_us, 300);
  assert_int_equal(p->gap_us, 20);
  assert_int_equal(p->amp_ua, 4000);
  assert_int_equal(p->pt_min_ua, 2000);
  assert_int_equal(p->pt_max_ua, 6000);
  assert_int_equal(p->frac_pct[2], 50);
  assert_int_equal(p->frac_pct[3], -100);
  assert_int_equal(p->frac_pct[4], 50);
  assert_int_equal(p->ramp_ms, 2000);
  assert_int_equal(p->cyc_on_s | p->cyc_off_s, 0);

  load_example("scs-burst.json", &t);
  assert_int_equal(t.therapy, NM_THERAPY_SCS);
  assert_int_equal(t.lead.model, NM_LEAD_SCS_PERC_8);
  assert_int_equal(t.lead.area_um2, 12252211);
  assert_int_equal(t.load.impedance_ohm, 525);
  assert_int_equal(p->wave, NM_WAVE_BURST);
  assert_int_equal(p->rate_hz, 40);
  assert_int_equal(p->burst_pulses, 5);
  assert_int_equal(p->intra_hz, 500);
  assert_int_equal(p->width_us, 1000);
  assert_int_equal(p->gap_us, 20);
  assert_int_equal(p->amp_ua, 600);
  assert_int_equal(p->pt_min_ua, 0);
  assert_int_equal(p->pt_max_ua, 1000);
  assert_int_equal(p->cyc_on_s, 30);
  assert_int_equal(p->cyc_off_s, 90);
  assert_int_equal(p->ramp_ms, 1000);
  assert_int_equal(p->frac_pct[3], -100);
  assert_int_equal(p->frac_pct[4], 100);
  assert_int_equal(t.running_mask, 1);

  load_example("scs-hf10k.json", &t);
  assert_int_equal(t.lead.model, NM_LEAD_SCS_PERC_8);
  assert_int_equal(p->wave, NM_WAVE_HF);
  assert_int_equal(p->rate_hz, 10000);
  assert_int_equal(p->width_us, 30);
  assert_int_equal(p->gap_us, 20);
  assert_int_equal(p->amp_ua, 2000);
  assert_int_equal(p->pt_min_ua, 1000);
  assert_int_equal(p->pt_max_ua, 3500);
  assert_int_equal(p->frac_pct[3], -100);
  assert_int_equal(p->frac_pct[4], 100);
  assert_int_equal(p->cyc_on_s | p->cyc_off_s | p->ramp_ms, 0);
  assert_int_equal(t.running_mask, 1);
}

static void test_bad_files(void **state) {
  (void)state;
  static const struct {
    const char *file;
    const char *msg;
  } cases[] = {
      {"syntax-missing-comma.json",
       "line 4, column 3: expected ',' or '}' after a member, got '\"'"},
      {"amplitude-string.json", "programs[0].amplitude_ma: expected a number, got a string"},
      {"amplitude-ua.json",
       "programs[0]: unknown field \"amplitude_ua\" (amplitudes are given in mA: "
       "\"amplitude_ma\")"},
      {"amplitude-too-fine.json",
       "programs[0].amplitude_ma: 1.0005 is finer than the resolution of 0.001 mA"},
      {"width-fraction.json", "programs[1].width_us: expected an integer, got 210.5"},
      {"electrode-e16.json",
       "programs[0].electrodes: unknown electrode \"E16\" (contacts are \"E0\" to \"E15\", or "
       "\"case\")"},
      {"duplicate-names.json", "programs[2].name: duplicate name \"day\" (also programs[0])"},
      {"wrong-format.json", "format: expected \"nmod-therapy/1\", got \"nmod-therapy/2\""},
      {"root-array.json", "expected an object at the top level, got an array"},
      {"empty-programs.json", "programs: expected 1 to 8 programs, got none"},
      {"nine-programs.json", "programs: at most 8 programs, got 9"},
      {"empty.json", "line 1, column 1: empty input: expected a JSON value"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char path[512], want[1024], err[1024];
    snprintf(path, sizeof path, "%s/tests/therapy/bad/%s", src_dir(), cases[i].file);
    snprintf(want, sizeof want, "%s: %s", path, cases[i].msg);
    tf_therapy_t t;
    assert_int_equal(tf_load(path, &t, err, sizeof err), -1);
    if (strcmp(err, want) != 0) fail_msg("%s:\n  got      %s\n  expected %s", cases[i].file, err, want);
  }
}

static void test_load_files(void **state) {
  (void)state;
  char dir[256], path[320], want[600], err[600];
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/nmod-therapy-XXXXXX", base ? base : "/tmp");
  assert_non_null(mkdtemp(dir));
  tf_therapy_t t;

  snprintf(path, sizeof path, "%s/none.json", dir);
  assert_int_equal(tf_load(path, &t, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: No such file or directory", path);
  assert_string_equal(err, want);

  assert_int_equal(tf_load(dir, &t, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: is a directory", dir);
  assert_string_equal(err, want);

  /* 2 MiB: refused by its size, before reading. */
  snprintf(path, sizeof path, "%s/big.json", dir);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  size_t big = 2u * 1024 * 1024;
  char *data = malloc(big);
  memset(data, ' ', big);
  data[0] = '{';
  data[big - 1] = '}';
  assert_int_equal(fwrite(data, 1, big, f), big);
  fclose(f);
  free(data);
  assert_int_equal(tf_load(path, &t, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: 2097152 bytes, more than the 1048576 allowed", path);
  assert_string_equal(err, want);
  unlink(path);

  /* Exactly 1 MiB of valid text loads. */
  char src[512];
  snprintf(src, sizeof src, "%s/examples/snm-default.json", src_dir());
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(js_read_file(src, TF_MAX_BYTES, &text, &len, err, sizeof err), 0);
  data = malloc(TF_MAX_BYTES);
  memset(data, ' ', TF_MAX_BYTES);
  memcpy(data, text, len);
  free(text);
  snprintf(path, sizeof path, "%s/max.json", dir);
  f = fopen(path, "wb");
  assert_int_equal(fwrite(data, 1, TF_MAX_BYTES, f), TF_MAX_BYTES);
  fclose(f);
  assert_int_equal(tf_load(path, &t, err, sizeof err), 0);
  assert_int_equal(t.prog[0].amp_ua, 1000);
  /* One byte more is refused. */
  f = fopen(path, "ab");
  fputc(' ', f);
  fclose(f);
  assert_int_equal(tf_load(path, &t, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s: 1048577 bytes, more than the 1048576 allowed", path);
  assert_string_equal(err, want);
  unlink(path);
  free(data);
  rmdir(dir);
}

/* ---- writer round trip ------------------------------------------------------------------ */

static void random_therapy(uint64_t *s, tf_therapy_t *t) {
  memset(t, 0, sizeof *t);
  t->therapy = (uint8_t)rnd_below(s, 2);
  uint8_t model = (uint8_t)rnd_below(s, NM_LEAD_COUNT);
  if (model == NM_LEAD_CUSTOM) {
    t->lead.model = NM_LEAD_CUSTOM;
    t->lead.shape = NM_SHAPE_CUSTOM;
    t->lead.n_contacts = (uint8_t)rnd(s);
    t->lead.area_um2 = (uint32_t)rnd(s);
  } else {
    t->lead = *nm_lead_catalog(model);
  }
  t->load.impedance_ohm = (uint32_t)(rnd(s) >> rnd_below(s, 64));
  t->load.compliance_mv = (uint32_t)(rnd(s) >> rnd_below(s, 64));
  t->n_prog = (uint8_t)(1 + rnd_below(s, NM_MAX_PROGRAMS));
  for (uint8_t i = 0; i < t->n_prog; i++) {
    nm_prog_t *p = &t->prog[i];
    size_t nl = (size_t)rnd_below(s, 13);
    for (size_t k = 0; k < nl; k++) p->name[k] = (char)(0x20 + rnd_below(s, 0x5F));
    snprintf(p->name + nl, NM_NAME_LEN - nl, "#%u", i); /* unique */
    p->wave = (uint32_t)rnd_below(s, NM_WAVE_COUNT);
    uint32_t *u[] = {&p->rate_hz, &p->width_us, &p->gap_us, &p->amp_ua, &p->pt_min_ua,
                     &p->pt_max_ua, &p->ramp_ms};
    for (size_t k = 0; k < sizeof u / sizeof u[0]; k++) {
      *u[k] = (uint32_t)(rnd(s) >> rnd_below(s, 64));
    }
    if (p->wave == NM_WAVE_BURST) {
      p->burst_pulses = (uint32_t)(rnd(s) >> rnd_below(s, 64));
      p->intra_hz = (uint32_t)(rnd(s) >> rnd_below(s, 64));
    }
    if (rnd_below(s, 2)) {
      p->cyc_on_s = (uint32_t)(rnd(s) >> rnd_below(s, 64));
      p->cyc_off_s = (uint32_t)(rnd(s) >> rnd_below(s, 64));
    }
    for (int n = 0; n < NM_NODES; n++) {
      if (rnd_below(s, 3) == 0) {
        int v = (int)rnd_below(s, 200) - 100;
        p->frac_pct[n] = (int8_t)(v >= 0 ? v + 1 : v); /* -100..100, not 0 */
      }
    }
    if (rnd_below(s, 2)) t->running_mask = (uint8_t)(t->running_mask | (1u << i));
  }
}

static void test_write_roundtrip(void **state) {
  (void)state;
  uint64_t seed = seed_of("test_write_roundtrip");
  uint64_t start = seed;
  for (int iter = 0; iter < 2000; iter++) {
    tf_therapy_t a, b;
    random_therapy(&seed, &a);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(tf_write(f, &a), 0);
    fflush(f);
    long n = ftell(f);
    char *text = malloc((size_t)n + 1);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    char err[512];
    if (tf_parse(text, (size_t)n, &b, err, sizeof err) != 0) {
      fail_msg("seed=%llu iter %d: %s\n%s", (unsigned long long)start, iter, err, text);
    }
    int same = a.therapy == b.therapy && a.lead.model == b.lead.model &&
               a.lead.shape == b.lead.shape && a.lead.n_contacts == b.lead.n_contacts &&
               a.lead.area_um2 == b.lead.area_um2 &&
               a.load.impedance_ohm == b.load.impedance_ohm &&
               a.load.compliance_mv == b.load.compliance_mv && a.n_prog == b.n_prog &&
               a.running_mask == b.running_mask;
    for (int i = 0; same && i < NM_MAX_PROGRAMS; i++) {
      same = memcmp(&a.prog[i], &b.prog[i], sizeof a.prog[i]) == 0;
    }
    if (!same) fail_msg("seed=%llu iter %d: read back differs\n%s", (unsigned long long)start, iter, text);
    free(text);
  }
  /* What cannot be written is refused. */
  tf_therapy_t t;
  memset(&t, 0, sizeof t);
  FILE *f = tmpfile();
  assert_int_equal(tf_write(f, &t), -1); /* no programs */
  t.n_prog = 1;
  t.prog[0].wave = 7;
  assert_int_equal(tf_write(f, &t), -1);
  t.prog[0].wave = 0;
  memset(t.prog[0].name, 'x', NM_NAME_LEN);
  assert_int_equal(tf_write(f, &t), -1);
  t.prog[0].name[3] = '\0';
  t.therapy = 9;
  assert_int_equal(tf_write(f, &t), -1);
  t.therapy = 0;
  t.lead.model = 200;
  assert_int_equal(tf_write(f, &t), -1);
  t.lead.model = NM_LEAD_CUSTOM;
  assert_int_equal(tf_write(f, &t), 0);
  assert_int_equal(tf_write(NULL, &t), -1);
  fclose(f);
}

/* The examples written back out are read back identically. */
static void test_examples_roundtrip(void **state) {
  (void)state;
  const char *names[] = {"snm-default.json", "scs-tonic.json", "scs-burst.json",
                         "scs-hf10k.json"};
  for (size_t i = 0; i < 4; i++) {
    tf_therapy_t a, b;
    load_example(names[i], &a);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(tf_write(f, &a), 0);
    fclose(f);
    char err[256];
    assert_int_equal(tf_parse(buf, len, &b, err, sizeof err), 0);
    assert_memory_equal(&a.prog, &b.prog, sizeof a.prog);
    assert_int_equal(a.running_mask, b.running_mask);
    assert_int_equal(a.lead.area_um2, b.lead.area_um2);
    free(buf);
  }
}

/* The full example in docs/THERAPY-FORMAT.md loads (the document does not rot). */
static void test_doc_example(void **state) {
  (void)state;
  char path[512], err[512];
  snprintf(path, sizeof path, "%s/docs/THERAPY-FORMAT.md", src_dir());
  char *md = NULL;
  size_t len = 0;
  if (js_read_file(path, TF_MAX_BYTES, &md, &len, err, sizeof err) != 0) fail_msg("%s", err);
  char *at = strstr(md, "A custom lead with two programs");
  assert_non_null(at);
  char *start = strstr(at, "```json\n");
  assert_non_null(start);
  start += 8;
  char *end = strstr(start, "```");
  assert_non_null(end);
  tf_therapy_t t;
  if (tf_parse(start, (size_t)(end - start), &t, err, sizeof err) != 0) fail_msg("%s", err);
  assert_int_equal(t.lead.model, NM_LEAD_CUSTOM);
  assert_int_equal(t.lead.n_contacts, 8);
  assert_int_equal(t.lead.area_um2, 12252211);
  assert_int_equal(t.load.impedance_ohm, 800);
  assert_int_equal(t.load.compliance_mv, 12500);
  assert_int_equal(t.n_prog, 2);
  assert_int_equal(t.running_mask, 1);
  assert_int_equal(t.prog[0].frac_pct[NM_NODE_CASE], 100);
  assert_int_equal(t.prog[0].pt_min_ua, 2000);
  assert_int_equal(t.prog[1].pt_max_ua, 2500);
  assert_int_equal(t.prog[1].ramp_ms, 1500);
  assert_int_equal(t.prog[1].cyc_on_s, 60);
  free(md);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_unit_hint_example),
      cmocka_unit_test(test_whole_text_errors),
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_values),
      cmocka_unit_test(test_supervisor_refuses_what_loads),
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_load_files),
      cmocka_unit_test(test_write_roundtrip),
      cmocka_unit_test(test_examples_roundtrip),
      cmocka_unit_test(test_doc_example),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
