/* eva_store.c: EVA's entry point for the flash store (formal/frama/parts.txt, row
 * eva-store): the key-value store and the event log (firmware/store) on any bytes of
 * flash (the EVA stub port, eva_port.c, with the device's layout: NM_DEV_KV_PAGES pages
 * of records, the rest the log), mounted, read for any key and any sequence number, then
 * written: what a damaged or tampered flash, or a port returning any status, can make of
 * them. Not built into the firmware. */
#include "eva_any.h"
#include "eva_port.h"
#include "nmod/dev.h"
#include "nmod/store.h"

static nm_kv_t kv;
static nm_log_t lg;
static uint8_t buf[512];

int main(void) {
  const nm_port_t *port = eva_port();
  size_t len = 0;
  uint32_t count = 0, seq = 0;
  if (nm_kv_mount(&kv, port, NM_DEV_KV_FIRST, NM_DEV_KV_PAGES) == NM_OK) {
    nm_kv_health_t h;
    nm_kv_health(&kv, &h);
    (void)nm_kv_key_lost(&h, (uint16_t)Frama_C_interval(0, 65535));
    (void)nm_kv_get(&kv, (uint16_t)Frama_C_interval(0, 65535), buf, sizeof buf, &len);
    EVA_ANY(buf);
    (void)nm_kv_put(&kv, (uint16_t)Frama_C_interval(0, 65535), buf,
                    (size_t)Frama_C_unsigned_int_interval(0, sizeof buf));
    (void)nm_kv_erase_count(&kv, Frama_C_unsigned_int_interval(0, 4294967295u), &count);
  }
  if (nm_log_mount(&lg, port, NM_DEV_LOG_FIRST, port->nvm_pages - NM_DEV_KV_PAGES) == NM_OK) {
    nm_log_health_t h;
    nm_log_health(&lg, &h);
    (void)nm_log_check(&lg);
    (void)nm_log_first_seq(&lg);
    (void)nm_log_next_seq(&lg);
    (void)nm_log_read(&lg, Frama_C_unsigned_int_interval(0, 4294967295u), buf, sizeof buf, &len);
    EVA_ANY(buf);
    (void)nm_log_append(&lg, buf, (size_t)Frama_C_unsigned_int_interval(0, sizeof buf), &seq);
    (void)nm_log_erase_count(&lg, Frama_C_unsigned_int_interval(0, 4294967295u), &count);
  }
  return 0;
}
