/* frame.c: frame boundaries and header checks (nmod/proto.h, docs/PROTOCOL.md "Frames").
 *
 * Every type has a fixed size or a size range. The header (4 bytes) is enough to decide
 * whether a frame is acceptable at all, so a bad length is refused before a single body
 * byte is read, and no frame can make the receiver wait for more than NM_FRAME_MAX bytes.
 */
#include "proto_internal.h"

#include <string.h>

#include "nmod/wire.h"

/* Smallest and largest whole frame of a type; 0 for an unknown type. */
/*@ assigns \nothing;
    ensures \result == 0 || NM_FRAME_HDR < \result <= NM_FRAME_MAX; */
static size_t type_min(uint8_t type) {
  switch (type) {
    case NM_FT_HELLO: return NM_FRAME_HDR + NM_HELLO_BODY;
    case NM_FT_CHALLENGE: return NM_FRAME_HDR + NM_CHALLENGE_BODY;
    case NM_FT_AUTH: return NM_FRAME_HDR + NM_AUTH_BODY;
    case NM_FT_AUTH_OK: return NM_FRAME_HDR + NM_AUTH_OK_BODY;
    case NM_FT_DATA: return NM_DATA_OVERHEAD + 1u; /* a request or response has >= 1 byte */
    case NM_FT_ERROR: return NM_FRAME_HDR + NM_ERROR_BODY;
    default: return 0;
  }
}

/*@ assigns \nothing; */
static size_t type_max(uint8_t type) {
  return type == NM_FT_DATA ? NM_DATA_FRAME_MAX : type_min(type);
}

/* Checks the 4-byte header; NM_OK and the whole frame size in *total, or NM_EINVAL. */
/*@ requires \valid_read(buf + (0 .. NM_FRAME_HDR - 1)) && \valid(total);
    assigns *total;
    ensures \result == NM_OK || \result == NM_EINVAL;
    ensures \result == NM_OK ==> NM_FRAME_HDR < *total <= NM_FRAME_MAX; */
static int check_header(const uint8_t *buf, size_t *total) {
  size_t t = ((size_t)buf[0] | ((size_t)buf[1] << 8u)) + 2u;
  uint8_t version = buf[2];
  uint8_t type = buf[3];
  if (t > NM_FRAME_MAX) return NM_EINVAL; /* the cap comes first, whatever the type */
  if (version != NM_PROTO_VERSION) return NM_EINVAL;
  size_t lo = type_min(type);
  if (lo == 0 || t < lo || t > type_max(type)) return NM_EINVAL;
  *total = t;
  return NM_OK;
}

int nm_frame_need(const uint8_t *buf, size_t have, size_t *need) {
  if (have < NM_FRAME_HDR) {
    *need = NM_FRAME_HDR;
    return NM_OK;
  }
  return check_header(buf, need);
}

int nm_frame_parse(const uint8_t *buf, size_t len, nm_frame_t *f) {
  size_t total = 0;
  if (!buf || len < NM_FRAME_HDR) return NM_EINVAL;
  int err = check_header(buf, &total);
  if (err) return err;
  if (total != len) return NM_EINVAL;
  f->version = buf[2];
  f->type = buf[3];
  f->body = buf + NM_FRAME_HDR;
  f->body_len = len - NM_FRAME_HDR;
  return NM_OK;
}

int nm_frame_error(const nm_frame_t *f, int *code, uint32_t *retry_after_ms) {
  if (f->type != NM_FT_ERROR || f->body_len != NM_ERROR_BODY) return NM_EINVAL;
  nm_rd_t r;
  nm_rd_init(&r, f->body, f->body_len);
  int c = (int)(int8_t)nm_rd_u8(&r);
  uint32_t ms = nm_rd_u32(&r);
  if (nm_rd_done(&r) || c >= 0) return NM_EINVAL;
  *code = c;
  *retry_after_ms = ms;
  return NM_OK;
}

int nmp_put_frame(uint8_t type, const uint8_t *body, size_t body_len, uint8_t *out, size_t cap,
                  size_t *out_len) {
  size_t total = NM_FRAME_HDR + body_len;
  if (total > NM_FRAME_MAX || total > cap) return NM_ENOSPC;
  nm_wr_t w;
  nm_wr_init(&w, out, cap);
  nm_wr_u16(&w, (uint16_t)(total - 2u));
  nm_wr_u8(&w, NM_PROTO_VERSION);
  nm_wr_u8(&w, type);
  nm_wr_u8s(&w, body, body_len);
  if (w.err) return w.err;
  *out_len = w.len;
  return NM_OK;
}

int nmp_put_error(int code, uint32_t retry_after_ms, uint8_t *out, size_t cap, size_t *out_len) {
  uint8_t body[NM_ERROR_BODY];
  nm_wr_t w;
  nm_wr_init(&w, body, sizeof body);
  nm_wr_u8(&w, (uint8_t)(int8_t)code);
  nm_wr_u32(&w, retry_after_ms);
  return nmp_put_frame(NM_FT_ERROR, body, sizeof body, out, cap, out_len);
}
