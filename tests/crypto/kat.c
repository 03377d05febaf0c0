/* kat.c: known-answer tests for the crypto module. Vectors: RFC 8439 (sections 2.1.1,
 * 2.2.1, 2.3.2, 2.4.2, 2.5.2, 2.6.2, 2.8.2 and Appendix A.1-A.5), FIPS 180 SHA-256
 * examples, RFC 4231 HMAC-SHA256 test cases 1-7 and RFC 5869 HKDF test cases 1-3.
 * Each hex string was typed from the RFC and cross-checked against an independent
 * implementation before it went in. */
#include "crypto_test.h"

#include "crypto_internal.h"
#include "nmod/crypto.h"

/* The long RFC 8439 messages, as text (their hex dumps in the RFC decode to these). */
#define NM_T_SUNSCREEN                                                                  \
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " \
  "future, sunscreen would be it."
#define NM_T_IETF                                                                       \
  "Any submission to the IETF intended by the Contributor for publication as all or "   \
  "part of an IETF Internet-Draft or RFC and any statement made within the context of " \
  "an IETF activity is considered an \"IETF Contribution\". Such statements include "   \
  "oral statements in IETF sessions, as well as written and electronic communications " \
  "made at any time or place, which are addressed to"
#define NM_T_JABBER                                                                     \
  "'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy "   \
  "were the borogoves,\nAnd the mome raths outgrabe."
#define NM_T_CFRG "Cryptographic Forum Research Group"
/* A.5 ends in U+201C/U+201D quotes, UTF-8 encoded. */
#define NM_T_DRAFTS                                                                     \
  "Internet-Drafts are draft documents valid for a maximum of six months and may be "   \
  "updated, replaced, or obsoleted by other documents at any time. It is inappropriate " \
  "to use Internet-Drafts as reference material or to cite them other than as "         \
  "/\xe2\x80\x9c" "work in progress./\xe2\x80\x9d"

typedef struct {
  const char *name, *key;
  uint32_t counter;
  const char *nonce, *out;
} nm_t_block_vec;

typedef struct {
  const char *name, *key;
  uint32_t counter;
  const char *nonce, *pt_text, *pt_hex, *ct;
} nm_t_stream_vec;

typedef struct {
  const char *name, *key, *msg_text, *msg_hex, *tag;
} nm_t_mac_vec;

typedef struct {
  const char *name, *key, *nonce, *otk;
} nm_t_keygen_vec;

typedef struct {
  const char *name, *key, *nonce, *aad, *pt_text, *pt_hex, *ct, *tag;
} nm_t_aead_vec;

static const nm_t_block_vec nm_t_blocks[] = {
    {"2.3.2", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     1u, "000000090000004a00000000",
     "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"},
    {"A.1#1", "0000000000000000000000000000000000000000000000000000000000000000",
     0u, "000000000000000000000000",
     "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"},
    {"A.1#2", "0000000000000000000000000000000000000000000000000000000000000000",
     1u, "000000000000000000000000",
     "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
        "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f"},
    {"A.1#3", "0000000000000000000000000000000000000000000000000000000000000001",
     1u, "000000000000000000000000",
     "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
        "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0"},
    {"A.1#4", "00ff000000000000000000000000000000000000000000000000000000000000",
     2u, "000000000000000000000000",
     "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
        "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096"},
    {"A.1#5", "0000000000000000000000000000000000000000000000000000000000000000",
     0u, "000000000000000000000002",
     "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
        "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d"},
};

static const nm_t_stream_vec nm_t_streams[] = {
    {"2.4.2", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     1u, "000000000000004a00000000", NM_T_SUNSCREEN, NULL,
     "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d"},
    {"A.2#1", "0000000000000000000000000000000000000000000000000000000000000000",
     0u, "000000000000000000000000", NULL, "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000",
     "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586"},
    {"A.2#2", "0000000000000000000000000000000000000000000000000000000000000001",
     1u, "000000000000000000000002", NM_T_IETF, NULL,
     "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec"
        "2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d"
        "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950"
        "42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a"
        "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d"
        "c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b"
        "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c"
        "cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b"
        "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f"
        "5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6"
        "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab"
        "7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221"},
    {"A.2#3", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
     42u, "000000000000000000000002", NM_T_JABBER, NULL,
     "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
        "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
        "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
        "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1"},
};

static const nm_t_mac_vec nm_t_polys[] = {
    {"2.5.2", "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
     NM_T_CFRG, NULL,
     "a8061dc1305136c6c22b8baf0c0127a9"},
    {"A.3#1", "0000000000000000000000000000000000000000000000000000000000000000",
     NULL, "0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000",
     "00000000000000000000000000000000"},
    {"A.3#2", "0000000000000000000000000000000036e5f6b5c5e06070f0efca96227a863e",
     NM_T_IETF, NULL,
     "36e5f6b5c5e06070f0efca96227a863e"},
    {"A.3#3", "36e5f6b5c5e06070f0efca96227a863e00000000000000000000000000000000",
     NM_T_IETF, NULL,
     "f3477e7cd95417af89a6b8794c310cf0"},
    {"A.3#4", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
     NM_T_JABBER, NULL,
     "4541669a7eaaee61e708dc7cbcc5eb62"},
    {"A.3#5", "0200000000000000000000000000000000000000000000000000000000000000",
     NULL, "ffffffffffffffffffffffffffffffff",
     "03000000000000000000000000000000"},
    {"A.3#6", "02000000000000000000000000000000ffffffffffffffffffffffffffffffff",
     NULL, "02000000000000000000000000000000",
     "03000000000000000000000000000000"},
    {"A.3#7", "0100000000000000000000000000000000000000000000000000000000000000",
     NULL, "fffffffffffffffffffffffffffffffff0ffffffffffffffffffffffffffffff"
        "11000000000000000000000000000000",
     "05000000000000000000000000000000"},
    {"A.3#8", "0100000000000000000000000000000000000000000000000000000000000000",
     NULL, "fffffffffffffffffffffffffffffffffbfefefefefefefefefefefefefefefe"
        "01010101010101010101010101010101",
     "00000000000000000000000000000000"},
    {"A.3#9", "0200000000000000000000000000000000000000000000000000000000000000",
     NULL, "fdffffffffffffffffffffffffffffff",
     "faffffffffffffffffffffffffffffff"},
    {"A.3#10", "0100000000000000040000000000000000000000000000000000000000000000",
     NULL, "e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000"
        "0000000000000000000000000000000001000000000000000000000000000000",
     "14000000000000005500000000000000"},
    {"A.3#11", "0100000000000000040000000000000000000000000000000000000000000000",
     NULL, "e33594d7505e43b900000000000000003394d7505e4379cd0100000000000000"
        "00000000000000000000000000000000",
     "13000000000000000000000000000000"},
};

static const nm_t_keygen_vec nm_t_keygens[] = {
    {"2.6.2", "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "000000000001020304050607",
     "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646"},
    {"A.4#1", "0000000000000000000000000000000000000000000000000000000000000000", "000000000000000000000000",
     "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"},
    {"A.4#2", "0000000000000000000000000000000000000000000000000000000000000001", "000000000000000000000002",
     "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739"},
    {"A.4#3", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000000000000000002",
     "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae"},
};

static const nm_t_aead_vec nm_t_aeads[] = {
    {"2.8.2", "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", "070000004041424344454647",
     "50515253c0c1c2c3c4c5c6c7", NM_T_SUNSCREEN, NULL,
     "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
        "3ff4def08e4b7a9de576d26586cec64b6116",
     "1ae10b594f09e26a7e902ecbd0600691"},
    {"A.5", "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0", "000000000102030405060708",
     "f33388860000000000004e91", NM_T_DRAFTS, NULL,
     "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
        "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
        "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
        "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
        "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
        "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
        "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
        "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
        "a6ad5cb4022b02709b",
     "eead9d67890cbb22392336fea1851f38"},
};

#define NM_T_MAX 512
#define NM_T_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A message given either as text or as hex. */
static size_t nm_t_msg(const char *text, const char *hex, uint8_t *out, size_t cap) {
  if (text != NULL) {
    size_t n = strlen(text);
    assert_true(n <= cap);
    memcpy(out, text, n);
    return n;
  }
  return th_unhex(hex, out, cap);
}

/* ---- ChaCha20 --------------------------------------------------------------------- */

static void test_quarter_round(void **state) {
  (void)state;
  /* 2.1.1: the quarter round on four words (placed at 0, 1, 2, 3). */
  uint32_t x[16] = {0x11111111u, 0x01020304u, 0x9b8d6f43u, 0x01234567u};
  nm_chacha20_quarter_round(x, 0, 1, 2, 3);
  assert_int_equal(x[0], 0xea2a92f4u);
  assert_int_equal(x[1], 0xcb1cf8ceu);
  assert_int_equal(x[2], 0x4581472eu);
  assert_int_equal(x[3], 0x5881c4bbu);

  /* 2.2.1: QUARTERROUND(2, 7, 8, 13) on a sample state; only those words change. */
  uint32_t s[16] = {0x879531e0u, 0xc5ecf37du, 0x516461b1u, 0xc9a62f8au,
                    0x44c20ef3u, 0x3390af7fu, 0xd9fc690bu, 0x2a5f714cu,
                    0x53372767u, 0xb00a5631u, 0x974c541au, 0x359e9963u,
                    0x5c971061u, 0x3d631689u, 0x2098d9d6u, 0x91dbd320u};
  const uint32_t want[16] = {0x879531e0u, 0xc5ecf37du, 0xbdb886dcu, 0xc9a62f8au,
                             0x44c20ef3u, 0x3390af7fu, 0xd9fc690bu, 0xcfacafd2u,
                             0xe46bea80u, 0xb00a5631u, 0x974c541au, 0x359e9963u,
                             0x5c971061u, 0xccc07c79u, 0x2098d9d6u, 0x91dbd320u};
  nm_chacha20_quarter_round(s, 2, 7, 8, 13);
  for (size_t i = 0; i < 16; i++) {
    assert_int_equal(s[i], want[i]);
  }
}

static void test_chacha20_block(void **state) {
  (void)state;
  for (size_t v = 0; v < NM_T_COUNT(nm_t_blocks); v++) {
    const nm_t_block_vec *t = &nm_t_blocks[v];
    uint8_t key[32], nonce[12], want[64], got[64];
    assert_int_equal(th_unhex(t->key, key, sizeof key), 32);
    assert_int_equal(th_unhex(t->nonce, nonce, sizeof nonce), 12);
    assert_int_equal(th_unhex(t->out, want, sizeof want), 64);
    nm_chacha20_block(key, t->counter, nonce, got);
    th_assert_bytes(got, want, 64, t->name);
    /* The same keystream through the stream cipher, on zeros. */
    memset(got, 0, sizeof got);
    assert_int_equal(nm_chacha20_xor(key, t->counter, nonce, got, got, 64), NM_OK);
    th_assert_bytes(got, want, 64, t->name);
  }
}

static void test_chacha20_encrypt(void **state) {
  (void)state;
  for (size_t v = 0; v < NM_T_COUNT(nm_t_streams); v++) {
    const nm_t_stream_vec *t = &nm_t_streams[v];
    uint8_t key[32], nonce[12], pt[NM_T_MAX], want[NM_T_MAX], got[NM_T_MAX];
    assert_int_equal(th_unhex(t->key, key, sizeof key), 32);
    assert_int_equal(th_unhex(t->nonce, nonce, sizeof nonce), 12);
    size_t n = nm_t_msg(t->pt_text, t->pt_hex, pt, sizeof pt);
    assert_int_equal(th_unhex(t->ct, want, sizeof want), n);

    assert_int_equal(nm_chacha20_xor(key, t->counter, nonce, pt, got, n), NM_OK);
    th_assert_bytes(got, want, n, t->name);
    /* Decryption is the same operation, here in place. */
    assert_int_equal(nm_chacha20_xor(key, t->counter, nonce, got, got, n), NM_OK);
    th_assert_bytes(got, pt, n, t->name);
  }
}

static void test_chacha20_counter_limit(void **state) {
  (void)state;
  uint8_t key[32] = {0}, nonce[12] = {0}, buf[129] = {0}, blk[64];
  /* The last block of the counter space is usable... */
  assert_int_equal(nm_chacha20_xor(key, 0xffffffffu, nonce, buf, buf, 64), NM_OK);
  nm_chacha20_block(key, 0xffffffffu, nonce, blk);
  th_assert_bytes(buf, blk, 64, "block 2^32-1");
  /* ...but a message that would wrap the counter is refused and out is untouched. */
  memset(buf, 0xa5, sizeof buf);
  assert_int_equal(nm_chacha20_xor(key, 0xffffffffu, nonce, buf, buf, 65), NM_EINVAL);
  assert_int_equal(nm_chacha20_xor(key, 0xfffffffeu, nonce, buf, buf, 129), NM_EINVAL);
  for (size_t i = 0; i < sizeof buf; i++) {
    assert_int_equal(buf[i], 0xa5);
  }
  assert_int_equal(nm_chacha20_xor(key, 0xfffffffeu, nonce, buf, buf, 128), NM_OK);
  /* Nothing to do is fine, even with NULL buffers. */
  assert_int_equal(nm_chacha20_xor(key, 0xffffffffu, nonce, NULL, NULL, 0), NM_OK);
}

/* ---- Poly1305 ----------------------------------------------------------------------- */

static void test_poly1305(void **state) {
  (void)state;
  for (size_t v = 0; v < NM_T_COUNT(nm_t_polys); v++) {
    const nm_t_mac_vec *t = &nm_t_polys[v];
    uint8_t key[32], msg[NM_T_MAX], want[16], got[16];
    assert_int_equal(th_unhex(t->key, key, sizeof key), 32);
    size_t n = nm_t_msg(t->msg_text, t->msg_hex, msg, sizeof msg);
    assert_int_equal(th_unhex(t->tag, want, sizeof want), 16);

    nm_poly1305(key, msg, n, got);
    th_assert_bytes(got, want, 16, t->name);

    /* Byte at a time through the incremental interface. */
    nm_poly1305_ctx ctx;
    nm_poly1305_init(&ctx, key);
    for (size_t i = 0; i < n; i++) {
      nm_poly1305_update(&ctx, msg + i, 1);
    }
    nm_poly1305_final(&ctx, got);
    th_assert_bytes(got, want, 16, t->name);
  }
}

static void test_poly1305_keygen(void **state) {
  (void)state;
  for (size_t v = 0; v < NM_T_COUNT(nm_t_keygens); v++) {
    const nm_t_keygen_vec *t = &nm_t_keygens[v];
    uint8_t key[32], nonce[12], want[32], blk[64];
    assert_int_equal(th_unhex(t->key, key, sizeof key), 32);
    assert_int_equal(th_unhex(t->nonce, nonce, sizeof nonce), 12);
    assert_int_equal(th_unhex(t->otk, want, sizeof want), 32);
    /* Section 2.6: the one-time key is the first 32 bytes of block 0. */
    nm_chacha20_block(key, 0, nonce, blk);
    th_assert_bytes(blk, want, 32, t->name);
  }
}

/* ---- AEAD ------------------------------------------------------------------------- */

static void test_aead(void **state) {
  (void)state;
  for (size_t v = 0; v < NM_T_COUNT(nm_t_aeads); v++) {
    const nm_t_aead_vec *t = &nm_t_aeads[v];
    uint8_t key[32], nonce[12], aad[64], pt[NM_T_MAX], ct[NM_T_MAX], tag[16];
    uint8_t got[NM_T_MAX], gtag[16];
    assert_int_equal(th_unhex(t->key, key, sizeof key), 32);
    assert_int_equal(th_unhex(t->nonce, nonce, sizeof nonce), 12);
    size_t aadlen = th_unhex(t->aad, aad, sizeof aad);
    size_t n = nm_t_msg(t->pt_text, t->pt_hex, pt, sizeof pt);
    assert_int_equal(th_unhex(t->ct, ct, sizeof ct), n);
    assert_int_equal(th_unhex(t->tag, tag, sizeof tag), 16);

    assert_int_equal(nm_aead_seal(key, nonce, aad, aadlen, pt, n, got, gtag), NM_OK);
    th_assert_bytes(got, ct, n, t->name);
    th_assert_bytes(gtag, tag, 16, t->name);

    memset(got, 0xee, sizeof got);
    assert_int_equal(nm_aead_open(key, nonce, aad, aadlen, ct, n, tag, got), NM_OK);
    th_assert_bytes(got, pt, n, t->name);

    /* In place both ways. */
    memcpy(got, pt, n);
    assert_int_equal(nm_aead_seal(key, nonce, aad, aadlen, got, n, got, gtag), NM_OK);
    th_assert_bytes(got, ct, n, t->name);
    assert_int_equal(nm_aead_open(key, nonce, aad, aadlen, got, n, gtag, got), NM_OK);
    th_assert_bytes(got, pt, n, t->name);

    /* A wrong tag: NM_EAUTH and a zeroed output. */
    tag[15] ^= 0x80u;
    memset(got, 0xee, sizeof got);
    assert_int_equal(nm_aead_open(key, nonce, aad, aadlen, ct, n, tag, got), NM_EAUTH);
    for (size_t i = 0; i < n; i++) {
      assert_int_equal(got[i], 0);
    }
    assert_int_equal(got[n], 0xee); /* and nothing past ctlen */
  }
}

/* ---- SHA-256 ---------------------------------------------------------------------- */

static void test_sha256(void **state) {
  (void)state;
  static const struct {
    const char *msg, *digest;
  } v[] = {
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  for (size_t i = 0; i < NM_T_COUNT(v); i++) {
    uint8_t want[32], got[32];
    assert_int_equal(th_unhex(v[i].digest, want, sizeof want), 32);
    nm_sha256(v[i].msg, strlen(v[i].msg), got);
    th_assert_bytes(got, want, 32, v[i].msg);
  }
  uint8_t got[32], want[32];
  nm_sha256(NULL, 0, got);
  assert_int_equal(th_unhex(v[1].digest, want, sizeof want), 32);
  th_assert_bytes(got, want, 32, "NULL, 0");
}

static void test_sha256_million_a(void **state) {
  (void)state;
  uint8_t want[32], got[32];
  assert_int_equal(
      th_unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want,
               sizeof want),
      32);
  /* In odd-sized pieces (1000 calls of 1000 bytes would all be block aligned). */
  static uint8_t chunk[1000];
  memset(chunk, 'a', sizeof chunk);
  nm_sha256_ctx ctx;
  nm_sha256_init(&ctx);
  size_t left = 1000000;
  while (left > 0) {
    size_t n = left < 997 ? left : 997;
    nm_sha256_update(&ctx, chunk, n);
    left -= n;
  }
  nm_sha256_final(&ctx, got);
  th_assert_bytes(got, want, 32, "million a");
  /* The final wiped the context. */
  const uint8_t *raw = (const uint8_t *)&ctx;
  for (size_t i = 0; i < sizeof ctx; i++) {
    assert_int_equal(raw[i], 0);
  }
}

/* ---- HMAC-SHA256 (RFC 4231) ------------------------------------------------------- */

static void test_hmac_sha256(void **state) {
  (void)state;
  uint8_t k20_0b[20], k20_aa[20], k25[25], k20_0c[20], k131[131], d50_dd[50], d50_cd[50];
  memset(k20_0b, 0x0b, sizeof k20_0b);
  memset(k20_aa, 0xaa, sizeof k20_aa);
  for (size_t i = 0; i < sizeof k25; i++) {
    k25[i] = (uint8_t)(i + 1);
  }
  memset(k20_0c, 0x0c, sizeof k20_0c);
  memset(k131, 0xaa, sizeof k131);
  memset(d50_dd, 0xdd, sizeof d50_dd);
  memset(d50_cd, 0xcd, sizeof d50_cd);
  static const char case7[] =
      "This is a test using a larger than block-size key and a larger than block-size "
      "data. The key needs to be hashed before being used by the HMAC algorithm.";
  const struct {
    const uint8_t *key;
    size_t keylen;
    const void *msg;
    size_t len;
    const char *mac; /* hex; case 5 is truncated to 128 bits */
  } v[] = {
      {k20_0b, 20, "Hi There", 8,
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {(const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {k20_aa, 20, d50_dd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {k25, 25, d50_cd, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {k20_0c, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b"},
      {k131, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {k131, 131, case7, sizeof case7 - 1,
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t i = 0; i < NM_T_COUNT(v); i++) {
    uint8_t want[32], got[32];
    char name[32];
    snprintf(name, sizeof name, "RFC 4231 case %zu", i + 1);
    size_t n = th_unhex(v[i].mac, want, sizeof want);
    nm_hmac_sha256(v[i].key, v[i].keylen, v[i].msg, v[i].len, got);
    th_assert_bytes(got, want, n, name);
  }
}

/* ---- HKDF-SHA256 (RFC 5869) ------------------------------------------------------- */

static void test_hkdf_sha256(void **state) {
  (void)state;
  uint8_t ikm1[22], salt1[13], info1[10], ikm2[80], salt2[80], info2[80];
  memset(ikm1, 0x0b, sizeof ikm1);
  for (size_t i = 0; i < sizeof salt1; i++) {
    salt1[i] = (uint8_t)i;
  }
  for (size_t i = 0; i < sizeof info1; i++) {
    info1[i] = (uint8_t)(0xf0 + i);
  }
  for (size_t i = 0; i < 80; i++) {
    ikm2[i] = (uint8_t)i;
    salt2[i] = (uint8_t)(0x60 + i);
    info2[i] = (uint8_t)(0xb0 + i);
  }
  const struct {
    const uint8_t *salt;
    size_t saltlen;
    const uint8_t *ikm;
    size_t ikmlen;
    const uint8_t *info;
    size_t infolen;
    const char *prk, *okm;
  } v[] = {
      {salt1, 13, ikm1, 22, info1, 10,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {salt2, 80, ikm2, 80, info2, 80,
       "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       "cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {NULL, 0, ikm1, 22, NULL, 0,
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (size_t i = 0; i < NM_T_COUNT(v); i++) {
    uint8_t prk[32], want_prk[32], okm[96], want[96];
    char name[32];
    snprintf(name, sizeof name, "RFC 5869 case %zu", i + 1);
    assert_int_equal(th_unhex(v[i].prk, want_prk, sizeof want_prk), 32);
    size_t n = th_unhex(v[i].okm, want, sizeof want);

    nm_hkdf_sha256_extract(v[i].salt, v[i].saltlen, v[i].ikm, v[i].ikmlen, prk);
    th_assert_bytes(prk, want_prk, 32, name);
    assert_int_equal(nm_hkdf_sha256_expand(prk, v[i].info, v[i].infolen, okm, n), NM_OK);
    th_assert_bytes(okm, want, n, name);
    memset(okm, 0, sizeof okm);
    assert_int_equal(nm_hkdf_sha256(v[i].salt, v[i].saltlen, v[i].ikm, v[i].ikmlen,
                                    v[i].info, v[i].infolen, okm, n),
                     NM_OK);
    th_assert_bytes(okm, want, n, name);
  }
}

static void test_hkdf_limits(void **state) {
  (void)state;
  static uint8_t out[NM_HKDF_SHA256_MAX_LEN + 1];
  uint8_t prk[32] = {1};
  memset(out, 0x5a, sizeof out);
  assert_int_equal(nm_hkdf_sha256(NULL, 0, "k", 1, NULL, 0, out, sizeof out), NM_EINVAL);
  assert_int_equal(nm_hkdf_sha256_expand(prk, NULL, 0, out, sizeof out), NM_EINVAL);
  for (size_t i = 0; i < sizeof out; i++) {
    assert_int_equal(out[i], 0x5a);
  }
  /* Exactly 255 blocks is allowed; a shorter request is a prefix of a longer one. */
  assert_int_equal(nm_hkdf_sha256_expand(prk, "i", 1, out, NM_HKDF_SHA256_MAX_LEN), NM_OK);
  assert_int_equal(out[NM_HKDF_SHA256_MAX_LEN], 0x5a);
  uint8_t short_out[33];
  assert_int_equal(nm_hkdf_sha256_expand(prk, "i", 1, short_out, sizeof short_out), NM_OK);
  th_assert_bytes(short_out, out, sizeof short_out, "prefix");
  assert_int_equal(nm_hkdf_sha256_expand(prk, "i", 1, NULL, 0), NM_OK);
}

/* ---- utilities -------------------------------------------------------------------- */

static void test_ct_equal_and_wipe(void **state) {
  (void)state;
  uint8_t a[40], b[40];
  for (size_t i = 0; i < sizeof a; i++) {
    a[i] = b[i] = (uint8_t)(i * 7);
  }
  assert_int_equal(nm_ct_equal(a, b, sizeof a), 1);
  assert_int_equal(nm_ct_equal(a, b, 0), 1);
  for (size_t i = 0; i < sizeof a; i++) {
    for (unsigned bit = 0; bit < 8; bit++) {
      b[i] ^= (uint8_t)(1u << bit);
      assert_int_equal(nm_ct_equal(a, b, sizeof a), 0);
      assert_int_equal(nm_ct_equal(a, b, i), 1); /* the prefix still matches */
      b[i] ^= (uint8_t)(1u << bit);
    }
  }
  nm_wipe(a, sizeof a);
  for (size_t i = 0; i < sizeof a; i++) {
    assert_int_equal(a[i], 0);
  }
  nm_wipe(NULL, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quarter_round),   cmocka_unit_test(test_chacha20_block),
      cmocka_unit_test(test_chacha20_encrypt), cmocka_unit_test(test_chacha20_counter_limit),
      cmocka_unit_test(test_poly1305),         cmocka_unit_test(test_poly1305_keygen),
      cmocka_unit_test(test_aead),             cmocka_unit_test(test_sha256),
      cmocka_unit_test(test_sha256_million_a), cmocka_unit_test(test_hmac_sha256),
      cmocka_unit_test(test_hkdf_sha256),      cmocka_unit_test(test_hkdf_limits),
      cmocka_unit_test(test_ct_equal_and_wipe),
  };
  return cmocka_run_group_tests_name("crypto_kat", tests, NULL, NULL);
}
