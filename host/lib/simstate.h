/* simstate.h: the files of `nmod sim`'s state folder that describe the simulated hardware
 * (not the device's memory, which is nvm.bin): hardware.json, what the device is, written
 * when it is built and checked on every start; battery.json, the cell's state, written
 * every few seconds and at exit. Parsing is pure (bytes in, a struct or a one-line error
 * out), so it is tested and fuzzed without a process around it. */
#ifndef NMOD_SIMSTATE_H
#define NMOD_SIMSTATE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int kind;       /* nm_kind */
  int therapy;    /* nm_therapy */
  int lead_model; /* nm_lead_model */
  int cell;       /* nm_cell */
  int profile;    /* NM_PROFILE_* (nmod/profile.h), of that cell */
} sst_hardware_t;

typedef struct {
  uint64_t used_pc;       /* charge missing from the cell now */
  uint64_t throughput_pc; /* charge drawn since new */
  uint32_t recharges;
} sst_battery_t;

/* hardware.json: {"kind":"ets"|"ins","therapy":"scs"|"snm","lead":NAME,"battery":
 * "primary"|"rechargeable","profile":PROFILE}, NAME a lead of the catalog, PROFILE a device
 * profile of that battery's cell. "profile" may be missing (a folder from before
 * profiles): nmod's reference for the cell. 0, or -1 with a one-line message naming path
 * (and the field, for a value missing or not known) in err. */
int sst_parse_hardware(const char *text, size_t len, const char *path, sst_hardware_t *out, char *err, size_t errcap);
/* The hardware.json text of hw (one line with its newline) into buf; its length, or 0 when
 * cap is too small. */
size_t sst_format_hardware(const sst_hardware_t *hw, char *buf, size_t cap);

/* battery.json: {"used_pc":N,"throughput_pc":N,"recharges":N}, whole numbers >= 0. 0, or
 * -1 with a one-line message in err. */
int sst_parse_battery(const char *text, size_t len, sst_battery_t *out, char *err, size_t errcap);

#endif
