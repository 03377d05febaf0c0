/* sodium.c: differential tests against libsodium, the oracle (never linked into the
 * firmware). Thousands of random keys, nonces and messages of 0..2000 bytes, half of the
 * lengths on the block edges. Our seal must open in libsodium and libsodium's seal must
 * open here; a single flipped bit anywhere in ciphertext, tag or AAD must make open
 * fail with NM_EAUTH and a zeroed output.
 *
 * Seed: NMOD_SEED if set, else the clock; printed as seed=N. */
#include "crypto_test.h"

#include <sodium.h>

#include "nmod/crypto.h"

#define NM_T_MAXLEN 2000
#define NM_T_ITERS 6000

static uint8_t msg[NM_T_MAXLEN], out_a[NM_T_MAXLEN + 16], out_b[NM_T_MAXLEN + 16];

/* Random bytes, or with probability 1/4 a run of one extreme byte value: all-ones data
 * and keys drive the Poly1305 carries and the final reduction hardest. */
static void nm_t_fill(uint8_t *p, size_t n) {
  switch (th_below(8)) {
    case 0:
      memset(p, 0xff, n);
      break;
    case 1:
      memset(p, 0x00, n);
      break;
    default:
      th_fill(p, n);
      break;
  }
}

static void test_sha256_vs_sodium(void **state) {
  (void)state;
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t a[32], b[32];
    nm_t_fill(msg, n);
    nm_sha256(msg, n, a);
    crypto_hash_sha256(b, msg, n);
    th_assert_bytes(a, b, 32, "sha256");
  }
}

static void test_hmac_vs_sodium(void **state) {
  (void)state;
  uint8_t key[300];
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t a[32], b[32];
    nm_t_fill(msg, n);

    /* The fixed 32-byte-key API. */
    th_fill(key, 32);
    nm_hmac_sha256(key, 32, msg, n, a);
    crypto_auth_hmacsha256(b, msg, n, key);
    th_assert_bytes(a, b, 32, "hmac 32-byte key");
    assert_int_equal(crypto_auth_hmacsha256_verify(a, msg, n, key), 0);

    /* Any key length, around the 64-byte block where the key starts being hashed. */
    size_t klen = th_below(4) == 0 ? 60 + th_below(10) : th_below(sizeof key + 1);
    th_fill(key, klen);
    crypto_auth_hmacsha256_state st;
    nm_hmac_sha256(key, klen, msg, n, a);
    crypto_auth_hmacsha256_init(&st, key, klen);
    crypto_auth_hmacsha256_update(&st, msg, n);
    crypto_auth_hmacsha256_final(&st, b);
    th_assert_bytes(a, b, 32, "hmac any key");
  }
}

/* HKDF written straight from RFC 5869 section 2 on top of libsodium's HMAC (1.0.18 has
 * no HKDF of its own). */
static void nm_t_sodium_hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
                             size_t ikmlen, const uint8_t *info, size_t infolen,
                             uint8_t *out, size_t outlen) {
  uint8_t prk[32], t[32];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, salt, saltlen);
  crypto_auth_hmacsha256_update(&st, ikm, ikmlen);
  crypto_auth_hmacsha256_final(&st, prk);
  for (size_t done = 0, i = 1; done < outlen; i++) {
    uint8_t c = (uint8_t)i;
    crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
    if (i > 1) {
      crypto_auth_hmacsha256_update(&st, t, sizeof t);
    }
    crypto_auth_hmacsha256_update(&st, info, infolen);
    crypto_auth_hmacsha256_update(&st, &c, 1);
    crypto_auth_hmacsha256_final(&st, t);
    size_t take = outlen - done < 32 ? outlen - done : 32;
    memcpy(out + done, t, take);
    done += take;
  }
}

static void test_hkdf_vs_sodium(void **state) {
  (void)state;
  static uint8_t a[NM_HKDF_SHA256_MAX_LEN], b[NM_HKDF_SHA256_MAX_LEN];
  uint8_t salt[100], ikm[100], info[100];
  for (int it = 0; it < 300; it++) {
    size_t saltlen = th_below(sizeof salt + 1), ikmlen = th_below(sizeof ikm + 1);
    size_t infolen = th_below(sizeof info + 1);
    size_t outlen = th_below(8) == 0 ? NM_HKDF_SHA256_MAX_LEN - th_below(40) : th_len(200);
    th_fill(salt, saltlen);
    th_fill(ikm, ikmlen);
    th_fill(info, infolen);
    assert_int_equal(nm_hkdf_sha256(salt, saltlen, ikm, ikmlen, info, infolen, a, outlen),
                     NM_OK);
    nm_t_sodium_hkdf(salt, saltlen, ikm, ikmlen, info, infolen, b, outlen);
    th_assert_bytes(a, b, outlen, "hkdf");
  }
}

static void test_chacha20_vs_sodium(void **state) {
  (void)state;
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t key[32], nonce[12];
    th_fill(key, sizeof key);
    th_fill(nonce, sizeof nonce);
    nm_t_fill(msg, n);
    /* Any counter that leaves room for the message: libsodium aborts on a wrap. Now and
     * then the very last blocks of the counter space. */
    uint32_t blocks = (uint32_t)((n + 63) / 64);
    uint32_t counter = (uint32_t)th_rand64();
    if (th_below(8) == 0 || counter > 0xffffffffu - blocks) {
      counter = 0xffffffffu - blocks + (blocks != 0);
    }
    assert_int_equal(nm_chacha20_xor(key, counter, nonce, msg, out_a, n), NM_OK);
    crypto_stream_chacha20_ietf_xor_ic(out_b, msg, n, nonce, counter, key);
    th_assert_bytes(out_a, out_b, n, "chacha20");
    /* In place gives the same. */
    memcpy(out_b, msg, n);
    assert_int_equal(nm_chacha20_xor(key, counter, nonce, out_b, out_b, n), NM_OK);
    th_assert_bytes(out_b, out_a, n, "chacha20 in place");
  }
}

static void test_poly1305_vs_sodium(void **state) {
  (void)state;
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t key[32], a[16], b[16];
    nm_t_fill(key, 16); /* r: all-ones (after clamping) is the hardest case */
    nm_t_fill(key + 16, 16);
    nm_t_fill(msg, n);
    nm_poly1305(key, msg, n, a);
    crypto_onetimeauth_poly1305(b, msg, n, key);
    th_assert_bytes(a, b, 16, "poly1305");
  }
}

static void test_aead_vs_sodium(void **state) {
  (void)state;
  uint8_t aad[300];
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    size_t aadlen = th_len(sizeof aad);
    uint8_t key[32], nonce[12], tag[16];
    unsigned long long outlen = 0;
    th_fill(key, sizeof key);
    th_fill(nonce, sizeof nonce);
    nm_t_fill(msg, n);
    th_fill(aad, aadlen);
    const uint8_t *ad = aadlen != 0 ? aad : NULL;

    /* Ours seals, libsodium opens: the ct || tag layout is what libsodium expects. */
    assert_int_equal(nm_aead_seal(key, nonce, ad, aadlen, msg, n, out_a, tag), NM_OK);
    memcpy(out_a + n, tag, 16);
    assert_int_equal(crypto_aead_chacha20poly1305_ietf_decrypt(out_b, &outlen, NULL, out_a,
                                                               n + 16, ad, aadlen, nonce,
                                                               key),
                     0);
    assert_int_equal(outlen, n);
    th_assert_bytes(out_b, msg, n, "sodium opens ours");

    /* libsodium seals, ours opens; both ciphertexts must be identical anyway. */
    assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(out_b, &outlen, msg, n, ad,
                                                               aadlen, NULL, nonce, key),
                     0);
    assert_int_equal(outlen, n + 16);
    th_assert_bytes(out_b, out_a, n + 16, "same ct || tag");
    assert_int_equal(nm_aead_open(key, nonce, ad, aadlen, out_b, n, out_b + n, out_a), NM_OK);
    th_assert_bytes(out_a, msg, n, "ours opens sodium's");
  }
}

/* Flip one bit of frame (ct, tag or aad) and check open refuses it. */
static void nm_t_expect_reject(const uint8_t key[32], const uint8_t nonce[12],
                               const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                               size_t n, const uint8_t tag[16]) {
  memset(out_a, 0xee, n);
  assert_int_equal(nm_aead_open(key, nonce, aad, aadlen, ct, n, tag, out_a), NM_EAUTH);
  for (size_t i = 0; i < n; i++) {
    if (out_a[i] != 0) {
      fail_msg("plaintext byte %zu not zeroed after a failed open", i);
    }
  }
}

static void test_aead_bit_flips(void **state) {
  (void)state;
  uint8_t aad[64], ct[NM_T_MAXLEN], tag[16];
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    size_t aadlen = th_len(sizeof aad);
    uint8_t key[32], nonce[12];
    th_fill(key, sizeof key);
    th_fill(nonce, sizeof nonce);
    th_fill(msg, n);
    th_fill(aad, aadlen);
    assert_int_equal(nm_aead_seal(key, nonce, aad, aadlen, msg, n, ct, tag), NM_OK);

    size_t total_bits = 8 * (n + 16 + aadlen);
    size_t bit = th_below(total_bits);
    uint8_t *where;
    if (bit < 8 * n) {
      where = &ct[bit / 8];
    } else if (bit < 8 * (n + 16)) {
      bit -= 8 * n;
      where = &tag[bit / 8];
    } else {
      bit -= 8 * (n + 16);
      where = &aad[bit / 8];
    }
    *where ^= (uint8_t)(1u << (bit % 8));
    nm_t_expect_reject(key, nonce, aad, aadlen, ct, n, tag);
    *where ^= (uint8_t)(1u << (bit % 8));

    /* A different nonce, a longer or shorter aad, or a truncated ct fail as well. */
    uint8_t other[12];
    memcpy(other, nonce, 12);
    other[th_below(12)] ^= (uint8_t)(1u << th_below(8));
    nm_t_expect_reject(key, other, aad, aadlen, ct, n, tag);
    if (aadlen < sizeof aad) {
      nm_t_expect_reject(key, nonce, aad, aadlen + 1, ct, n, tag);
    }
    if (n > 0) {
      nm_t_expect_reject(key, nonce, aad, aadlen, ct, n - 1, tag);
    }
    /* Unchanged, it still opens. */
    assert_int_equal(nm_aead_open(key, nonce, aad, aadlen, ct, n, tag, out_a), NM_OK);
    th_assert_bytes(out_a, msg, n, "reopen");
  }
}

/* Every single bit of one short frame: 24 bytes of ct, the tag and 12 bytes of aad. */
static void test_aead_every_bit(void **state) {
  (void)state;
  uint8_t key[32], nonce[12], aad[12], ct[24], tag[16];
  th_fill(key, sizeof key);
  th_fill(nonce, sizeof nonce);
  th_fill(aad, sizeof aad);
  th_fill(msg, sizeof ct);
  assert_int_equal(nm_aead_seal(key, nonce, aad, sizeof aad, msg, sizeof ct, ct, tag), NM_OK);
  uint8_t *parts[3] = {ct, tag, aad};
  size_t lens[3] = {sizeof ct, sizeof tag, sizeof aad};
  for (size_t p = 0; p < 3; p++) {
    for (size_t bit = 0; bit < 8 * lens[p]; bit++) {
      parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
      nm_t_expect_reject(key, nonce, aad, sizeof aad, ct, sizeof ct, tag);
      parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
  }
  assert_int_equal(nm_aead_open(key, nonce, aad, sizeof aad, ct, sizeof ct, tag, out_a), NM_OK);
  th_assert_bytes(out_a, msg, sizeof ct, "reopen");
}

int main(void) {
  th_seed();
  if (sodium_init() < 0) {
    fprintf(stderr, "sodium_init failed\n");
    return 1;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_vs_sodium),   cmocka_unit_test(test_hmac_vs_sodium),
      cmocka_unit_test(test_hkdf_vs_sodium),     cmocka_unit_test(test_chacha20_vs_sodium),
      cmocka_unit_test(test_poly1305_vs_sodium), cmocka_unit_test(test_aead_vs_sodium),
      cmocka_unit_test(test_aead_bit_flips),     cmocka_unit_test(test_aead_every_bit),
  };
  return cmocka_run_group_tests_name("crypto_sodium", tests, NULL, NULL);
}
