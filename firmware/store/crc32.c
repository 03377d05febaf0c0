/* crc32.c: CRC-32 (IEEE 802.3, reflected, zlib convention) for the store.
 *
 * Four bits at a time through a 16-entry table: 64 bytes of constant data instead of
 * the usual 1 KiB, about twice the work of the byte-wise table. The store checks at most
 * a page per call, so the table size matters more than the speed on the implant. */
#include "nmod/store.h"

/* nm_crc32_nib[i] = CRC register after shifting nibble i through the reflected
 * polynomial 0xEDB88320 four times. */
static const uint32_t nm_crc32_nib[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};

uint32_t nm_crc32(uint32_t crc, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  /* zlib convention: the register starts at all ones and the result is complemented, so
   * passing a previous result back in continues the same CRC. */
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= b[i];
    crc = (crc >> 4) ^ nm_crc32_nib[crc & 0xFu];
    crc = (crc >> 4) ^ nm_crc32_nib[crc & 0xFu];
  }
  return ~crc;
}
