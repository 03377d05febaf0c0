/* test_proto_oracle.c: the spec (docs/PROTOCOL.md) and the code agree.
 *
 * - The known-answer handshake vector printed in docs/PROTOCOL.md (computed from the
 *   document by tests/proto/gen_kat.py with Python's hmac and the `cryptography`
 *   package): every frame byte and every session key.
 * - libsodium as an oracle: for random credentials, nonces and messages, the session keys
 *   are derived again with libsodium's HMAC-SHA256 following the documented HKDF, the
 *   handshake MACs are recomputed, every DATA frame in both directions is opened with
 *   crypto_aead_chacha20poly1305_ietf_decrypt using the documented nonce and AAD, and
 *   frames sealed by libsodium the same way are accepted by our device and client.
 */
#include <sodium.h>

#include "proto_test.h"
#include "proto_internal.h"

/* ---- known-answer vector --------------------------------------------------------- */

static size_t unhex(const char *s, uint8_t *out) {
  size_t n = 0;
  for (; s[0] && s[1]; s += 2) {
    unsigned v;
    assert_int_equal(sscanf(s, "%2x", &v), 1);
    out[n++] = (uint8_t)v;
  }
  return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *hex) {
  uint8_t want[NM_FRAME_MAX];
  size_t n = unhex(hex, want);
  assert_int_equal(len, n);
  assert_memory_equal(got, want, n);
}

/* The vector (docs/PROTOCOL.md, "Known-answer vector"). */
#define KAT_HELLO "1b00010102636c696e2d303031a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
#define KAT_CHALLENGE \
  "220001024e4d4f442d303030302d303030303031b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define KAT_K_AUTH "ed971f3e701a348143f6b712aa4c834ce223265ec09618c5a2d77525b250f364"
#define KAT_K_C2D "0e05f4fec2a4c8b06932887aa00ad40ce1611548c006a5be55d92450dd23670d"
#define KAT_K_D2C "7846fb7ca3f4419303e4fc2d28b73e7b39227bcba24a22adac71252cc986424b"
#define KAT_AUTH "2200010356b09de88e435c845912d3be784d47058df042c19017f6fbf5ac926ef3f6a0cc"
#define KAT_AUTH_OK "220001048c57fd088d5d5ba1231a4a1d2f417766d018e62f4000b7201f42ef0cf572181b"
#define KAT_DATA_C2D "1700010501000000da6a006ee6d8a3484d4f49575b5aa85b53"
#define KAT_DATA_D2C "180001050100000068743f68f933f5ce5173d764f67d891d3449"

typedef struct {
  uint8_t bytes[64];
  size_t pos;
} script_rng_t;

/* An RNG that plays back fixed bytes: the device nonce of the vector first. */
static int script_rng(void *ctx, uint8_t *buf, size_t len) {
  script_rng_t *r = ctx;
  for (size_t i = 0; i < len; i++) buf[i] = r->bytes[(r->pos++) % sizeof r->bytes];
  return NM_OK;
}

static int kat_lookup(void *ctx, const uint8_t id[8], uint8_t *role, uint8_t key[32]) {
  (void)ctx;
  if (memcmp(id, "clin-001", 8) != 0) return NM_ENOENT;
  *role = NM_ROLE_CLINICIAN;
  for (int i = 0; i < 32; i++) key[i] = (uint8_t)i;
  return NM_OK;
}

static void test_known_answer(void **state) {
  (void)state;
  script_rng_t rng;
  for (int i = 0; i < 64; i++) rng.bytes[i] = (uint8_t)(0xB0 + i);
  rng.pos = 0;
  nm_port_t port;
  memset(&port, 0, sizeof port);
  port.ctx = &rng;
  port.rng = script_rng;
  const uint8_t serial[16] = {'N', 'M', 'O', 'D', '-', '0', '0', '0',
                              '0', '-', '0', '0', '0', '0', '0', '1'};
  nm_proto_dev_t d;
  nm_pdev_init(&d, &port, serial, kat_lookup, NULL);
  uint8_t secret[32], cn[16];
  for (int i = 0; i < 32; i++) secret[i] = (uint8_t)i;
  for (int i = 0; i < 16; i++) cn[i] = (uint8_t)(0xA0 + i);

  nm_cli_t c;
  nm_sess_t s;
  uint8_t f[NM_FRAME_MAX], out[NM_FRAME_MAX], req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t n, on, rq, rl;
  assert_int_equal(nm_cli_init(&c, NM_ROLE_CLINICIAN, (const uint8_t *)"clin-001", secret, cn), NM_OK);
  nm_sess_init(&s, &d, 0);
  assert_int_equal(nm_cli_hello(&c, f, sizeof f, &n), NM_OK);
  assert_hex(f, n, KAT_HELLO);
  assert_int_equal(nm_sess_rx(&s, f, n, 0, req, sizeof req, &rq, out, sizeof out, &on), NM_SESS_REPLY);
  assert_hex(out, on, KAT_CHALLENGE);

  nmp_keys_t k;
  nmp_derive(secret, f + 4, out + 4, &k);
  assert_hex(k.k_auth, 32, KAT_K_AUTH);
  assert_hex(k.k_c2d, 32, KAT_K_C2D);
  assert_hex(k.k_d2c, 32, KAT_K_D2C);
  assert_hex(s.k_c2d, 32, KAT_K_C2D);
  assert_hex(s.k_d2c, 32, KAT_K_D2C);

  assert_int_equal(nm_cli_on_challenge(&c, out, on, serial, f, sizeof f, &n), NM_OK);
  assert_hex(f, n, KAT_AUTH);
  assert_hex(c.k_c2d, 32, KAT_K_C2D);
  assert_int_equal(nm_sess_rx(&s, f, n, 0, req, sizeof req, &rq, out, sizeof out, &on), NM_SESS_REPLY);
  assert_hex(out, on, KAT_AUTH_OK);
  assert_int_equal(nm_cli_on_auth_ok(&c, out, on), NM_OK);

  const uint8_t status_req[1] = {NM_OP_STATUS};
  const uint8_t status_resp[2] = {0x00, 0x2A};
  assert_int_equal(nm_cli_seal(&c, status_req, 1, f, sizeof f, &n), NM_OK);
  assert_hex(f, n, KAT_DATA_C2D);
  assert_int_equal(nm_sess_rx(&s, f, n, 0, req, sizeof req, &rq, out, sizeof out, &on), NM_SESS_REQUEST);
  assert_int_equal(rq, 1);
  assert_int_equal(req[0], NM_OP_STATUS);
  assert_int_equal(nm_sess_seal(&s, status_resp, 2, out, sizeof out, &on), NM_OK);
  assert_hex(out, on, KAT_DATA_D2C);
  assert_int_equal(nm_cli_open(&c, out, on, resp, sizeof resp, &rl), NM_OK);
  assert_int_equal(rl, 2);
  assert_memory_equal(resp, status_resp, 2);
}

/* ---- libsodium oracle ------------------------------------------------------------ */

static void hmac(const uint8_t *key, size_t keylen, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, const uint8_t *c, size_t clen, uint8_t out[32]) {
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key, keylen);
  crypto_auth_hmacsha256_update(&st, a, alen);
  if (blen) crypto_auth_hmacsha256_update(&st, b, blen);
  if (clen) crypto_auth_hmacsha256_update(&st, c, clen);
  crypto_auth_hmacsha256_final(&st, out);
}

/* docs/PROTOCOL.md "Handshake", written again on libsodium's HMAC. */
static void oracle_keys(const uint8_t secret[32], const uint8_t hello[25], const uint8_t chal[32],
                        uint8_t k_auth[32], uint8_t k_c2d[32], uint8_t k_d2c[32]) {
  uint8_t salt[32], info[39], prk[32], t[32], ctr;
  memcpy(salt, hello + 9, 16);
  memcpy(salt + 16, chal + 16, 16);
  memcpy(info, "nmod/1 session", 14);
  memcpy(info + 14, hello, 9);      /* role, key id */
  memcpy(info + 23, chal, 16);      /* serial */
  hmac(salt, 32, secret, 32, NULL, 0, NULL, 0, prk);
  ctr = 1;
  hmac(prk, 32, info, sizeof info, &ctr, 1, NULL, 0, t);
  memcpy(k_auth, t, 32);
  ctr = 2;
  hmac(prk, 32, t, 32, info, sizeof info, &ctr, 1, t);
  memcpy(k_c2d, t, 32);
  ctr = 3;
  hmac(prk, 32, t, 32, info, sizeof info, &ctr, 1, t);
  memcpy(k_d2c, t, 32);
}

static void oracle_nonce(const char *dir, uint32_t ctr, uint8_t nonce[12]) {
  memcpy(nonce, dir, 3);
  nonce[3] = 0;
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)((uint64_t)ctr >> (8 * i));
}

/* Open a DATA frame with libsodium: 0 and the plaintext, or -1. */
static int oracle_open(const uint8_t key[32], const char *dir, const uint8_t *f, size_t n,
                       uint8_t *pt, unsigned long long *pt_len) {
  uint32_t ctr = (uint32_t)f[4] | ((uint32_t)f[5] << 8) | ((uint32_t)f[6] << 16) | ((uint32_t)f[7] << 24);
  uint8_t nonce[12];
  oracle_nonce(dir, ctr, nonce);
  size_t want = (size_t)f[0] | ((size_t)f[1] << 8);
  assert_int_equal(want + 2, n);
  assert_int_equal(f[2], 1);
  assert_int_equal(f[3], NM_FT_DATA);
  return crypto_aead_chacha20poly1305_ietf_decrypt(pt, pt_len, NULL, f + 8, n - 8, f, 8, nonce, key);
}

/* Seal a DATA frame with libsodium, as a third-party implementation would. */
static size_t oracle_seal(const uint8_t key[32], const char *dir, uint32_t ctr, const uint8_t *pt,
                          size_t len, uint8_t *f) {
  size_t total = 24 + len;
  f[0] = (uint8_t)(total - 2);
  f[1] = (uint8_t)((total - 2) >> 8);
  f[2] = 1;
  f[3] = NM_FT_DATA;
  for (int i = 0; i < 4; i++) f[4 + i] = (uint8_t)(ctr >> (8 * i));
  uint8_t nonce[12];
  oracle_nonce(dir, ctr, nonce);
  unsigned long long clen = 0;
  assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(f + 8, &clen, pt, len, f, 8, NULL, nonce, key), 0);
  assert_int_equal(clen, len + 16);
  return total;
}

static size_t pick_len(uint64_t *rs) {
  static const size_t edge[] = {1, 2, 15, 16, 17, 63, 64, 65, 1023, 1024};
  if (tu_range(rs, 0, 1)) return edge[tu_range(rs, 0, 9)];
  return tu_range(rs, 1, NM_CMD_MAX);
}

static void test_libsodium_oracle(void **state) {
  (void)state;
  assert_true(sodium_init() >= 0);
  uint64_t seed = tu_seed("t_proto_oracle");
  uint64_t rs = seed;
  pt_setup(seed);
  unsigned frames = 0;
  for (int sess = 0; sess < 300; sess++) {
    /* A random credential in slot PT_CLIN or PT_PAT. */
    int slot = (int)tu_range(&rs, 0, 1);
    pt_key_t *key = &pw.ring.keys[slot];
    for (int i = 0; i < 8; i++) key->id[i] = (uint8_t)tu_rand(&rs);
    for (int i = 0; i < 32; i++) key->secret[i] = (uint8_t)tu_rand(&rs);
    for (int i = 0; i < 16; i++) pw.pd.serial[i] = (uint8_t)tu_rand(&rs);

    nm_sess_t s;
    nm_cli_t c;
    uint8_t hello[NM_FRAME_MAX], chal[NM_FRAME_MAX], auth[NM_FRAME_MAX], f[NM_FRAME_MAX];
    size_t hn, cn, an, n;
    pt_cli(&c, key->role, key->id, key->secret);
    nm_sess_init(&s, &pw.pd, pw.now_us);
    assert_int_equal(nm_cli_hello(&c, hello, sizeof hello, &hn), NM_OK);
    assert_int_equal(pt_rx(&s, hello, hn), NM_SESS_REPLY);
    memcpy(chal, pw.out, pw.out_len);
    cn = pw.out_len;
    assert_int_equal(cn, 36);
    assert_memory_equal(chal + 4, pw.pd.serial, 16);
    assert_int_equal(nm_cli_on_challenge(&c, chal, cn, pw.pd.serial, auth, sizeof auth, &an), NM_OK);

    uint8_t k_auth[32], k_c2d[32], k_d2c[32], mac[32];
    oracle_keys(key->secret, hello + 4, chal + 4, k_auth, k_c2d, k_d2c);
    assert_memory_equal(c.k_c2d, k_c2d, 32);
    assert_memory_equal(c.k_d2c, k_d2c, 32);
    assert_memory_equal(s.k_c2d, k_c2d, 32);
    assert_memory_equal(s.k_d2c, k_d2c, 32);
    hmac(k_auth, 32, (const uint8_t *)"nmod/1 client", 13, hello + 4, 25, chal + 4, 32, mac);
    assert_int_equal(an, 36);
    assert_memory_equal(auth + 4, mac, 32);
    assert_int_equal(pt_rx(&s, auth, an), NM_SESS_REPLY);
    hmac(k_auth, 32, (const uint8_t *)"nmod/1 device", 13, hello + 4, 25, chal + 4, 32, mac);
    assert_memory_equal(pw.out + 4, mac, 32);
    assert_int_equal(nm_cli_on_auth_ok(&c, pw.out, pw.out_len), NM_OK);

    uint8_t msg[NM_CMD_MAX], got[NM_CMD_MAX + 16], resp[NM_CMD_MAX];
    unsigned long long got_len = 0;
    size_t rl;
    int reqs = (int)tu_range(&rs, 1, 6);
    for (int r = 0; r < reqs; r++) {
      size_t len = pick_len(&rs);
      for (size_t i = 0; i < len; i++) msg[i] = (uint8_t)tu_rand(&rs);
      if (tu_range(&rs, 0, 3) == 0) {
        /* A request sealed by libsodium, with a counter that skips ahead. */
        uint32_t ctr = c.tx_ctr + tu_range(&rs, 1, 1000);
        n = oracle_seal(k_c2d, "c2d", ctr, msg, len, f);
        c.tx_ctr = ctr;
        c.outstanding = ctr;
      } else {
        assert_int_equal(nm_cli_seal(&c, msg, len, f, sizeof f, &n), NM_OK);
        assert_int_equal(oracle_open(k_c2d, "c2d", f, n, got, &got_len), 0);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, msg, len);
        /* And the same frame opened with the other direction's key or label fails. */
        assert_int_equal(oracle_open(k_d2c, "c2d", f, n, got, &got_len), -1);
        assert_int_equal(oracle_open(k_c2d, "d2c", f, n, got, &got_len), -1);
      }
      assert_int_equal(pt_rx(&s, f, n), NM_SESS_REQUEST);
      assert_int_equal(pw.req_len, len);
      assert_memory_equal(pw.req, msg, len);
      /* The response: a random one, sealed by the device or by libsodium. */
      len = pick_len(&rs);
      for (size_t i = 0; i < len; i++) msg[i] = (uint8_t)tu_rand(&rs);
      if (tu_range(&rs, 0, 3) == 0) {
        n = oracle_seal(k_d2c, "d2c", s.req_ctr, msg, len, f);
        s.pending = 0;
      } else {
        assert_int_equal(nm_sess_seal(&s, msg, len, f, sizeof f, &n), NM_OK);
        assert_int_equal(oracle_open(k_d2c, "d2c", f, n, got, &got_len), 0);
        assert_int_equal(got_len, len);
        assert_memory_equal(got, msg, len);
      }
      assert_int_equal(nm_cli_open(&c, f, n, resp, sizeof resp, &rl), NM_OK);
      assert_int_equal(rl, len);
      assert_memory_equal(resp, msg, len);
      frames += 2;
    }
    nm_sess_close(&s);
    nm_cli_close(&c);
  }
  printf("oracle: 300 sessions, %u DATA frames agree with libsodium\n", frames);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known_answer),
      cmocka_unit_test(test_libsodium_oracle),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
