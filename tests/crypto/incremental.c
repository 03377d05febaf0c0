/* incremental.c: feeding a message through init/update/final in random pieces (empty
 * pieces included) gives the same result as the one-shot function, for SHA-256,
 * HMAC-SHA256 and Poly1305. Seed: NMOD_SEED if set, else the clock; printed as seed=N. */
#include "crypto_test.h"

#include "nmod/crypto.h"

#define NM_T_MAXLEN 2000
#define NM_T_ITERS 4000

static uint8_t msg[NM_T_MAXLEN];

/* Cuts [0, n) into random pieces and calls feed on each, in order. */
typedef void (*nm_t_feed)(void *ctx, const uint8_t *p, size_t len);

static void nm_t_feed_split(void *ctx, nm_t_feed feed, const uint8_t *p, size_t n) {
  size_t pos = 0;
  while (pos < n) {
    size_t piece;
    switch (th_below(4)) {
      case 0:
        piece = 0; /* an empty update must change nothing */
        break;
      case 1:
        piece = 1 + th_below(3);
        break;
      case 2:
        piece = 60 + th_below(10); /* around a SHA-256 block */
        break;
      default:
        piece = th_below(n - pos + 1);
        break;
    }
    if (piece > n - pos) {
      piece = n - pos;
    }
    feed(ctx, p + pos, piece);
    pos += piece;
  }
  if (th_below(2) == 0) {
    feed(ctx, p + n, 0); /* a trailing empty update */
  }
}

static void nm_t_sha_feed(void *ctx, const uint8_t *p, size_t len) {
  nm_sha256_update((nm_sha256_ctx *)ctx, p, len);
}

static void nm_t_hmac_feed(void *ctx, const uint8_t *p, size_t len) {
  nm_hmac_sha256_update((nm_hmac_sha256_ctx *)ctx, p, len);
}

static void nm_t_poly_feed(void *ctx, const uint8_t *p, size_t len) {
  nm_poly1305_update((nm_poly1305_ctx *)ctx, p, len);
}

static void test_sha256_split(void **state) {
  (void)state;
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t a[32], b[32];
    th_fill(msg, n);
    nm_sha256(msg, n, a);
    nm_sha256_ctx ctx;
    nm_sha256_init(&ctx);
    nm_t_feed_split(&ctx, nm_t_sha_feed, msg, n);
    nm_sha256_final(&ctx, b);
    th_assert_bytes(b, a, 32, "sha256 split");
  }
}

static void test_hmac_split(void **state) {
  (void)state;
  uint8_t key[200];
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    size_t klen = th_below(sizeof key + 1);
    uint8_t a[32], b[32];
    th_fill(msg, n);
    th_fill(key, klen);
    nm_hmac_sha256(key, klen, msg, n, a);
    nm_hmac_sha256_ctx ctx;
    nm_hmac_sha256_init(&ctx, key, klen);
    nm_t_feed_split(&ctx, nm_t_hmac_feed, msg, n);
    nm_hmac_sha256_final(&ctx, b);
    th_assert_bytes(b, a, 32, "hmac split");
    /* final wiped the context, key pads included */
    const uint8_t *raw = (const uint8_t *)&ctx;
    for (size_t i = 0; i < sizeof ctx; i++) {
      assert_int_equal(raw[i], 0);
    }
  }
}

static void test_poly1305_split(void **state) {
  (void)state;
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t key[32], a[16], b[16];
    th_fill(msg, n);
    th_fill(key, sizeof key);
    nm_poly1305(key, msg, n, a);
    nm_poly1305_ctx ctx;
    nm_poly1305_init(&ctx, key);
    nm_t_feed_split(&ctx, nm_t_poly_feed, msg, n);
    nm_poly1305_final(&ctx, b);
    th_assert_bytes(b, a, 16, "poly1305 split");
    const uint8_t *raw = (const uint8_t *)&ctx;
    for (size_t i = 0; i < sizeof ctx; i++) {
      assert_int_equal(raw[i], 0);
    }
  }
}

/* The stream cipher has no context, but a message cut at block boundaries and
 * encrypted piece by piece with the right counters equals the whole. */
static void test_chacha20_split(void **state) {
  (void)state;
  static uint8_t a[NM_T_MAXLEN], b[NM_T_MAXLEN];
  for (int it = 0; it < NM_T_ITERS; it++) {
    size_t n = th_len(NM_T_MAXLEN);
    uint8_t key[32], nonce[12];
    uint32_t counter = (uint32_t)th_below(1000);
    th_fill(msg, n);
    th_fill(key, sizeof key);
    th_fill(nonce, sizeof nonce);
    assert_int_equal(nm_chacha20_xor(key, counter, nonce, msg, a, n), NM_OK);
    size_t pos = 0;
    while (pos < n) {
      size_t piece = 64 * th_below(5);
      if (piece > n - pos) {
        piece = n - pos;
      }
      assert_int_equal(
          nm_chacha20_xor(key, counter + (uint32_t)(pos / 64), nonce, msg + pos, b + pos, piece),
          NM_OK);
      pos += piece;
    }
    th_assert_bytes(b, a, n, "chacha20 split");
  }
}

int main(void) {
  th_seed();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_split),
      cmocka_unit_test(test_hmac_split),
      cmocka_unit_test(test_poly1305_split),
      cmocka_unit_test(test_chacha20_split),
  };
  return cmocka_run_group_tests_name("crypto_incremental", tests, NULL, NULL);
}
