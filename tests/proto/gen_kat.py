#!/usr/bin/env python3
"""gen_kat.py: the nmod/1 known-answer handshake vector, computed from docs/PROTOCOL.md
with Python's hmac/hashlib and the `cryptography` package's ChaCha20Poly1305, independent
of the firmware code and of libsodium. Prints the values pasted into docs/PROTOCOL.md
("Known-answer vector") and tests/proto/test_proto_oracle.c."""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

secret = bytes(range(0x00, 0x20))
role = 2  # clinician
key_id = b"clin-001"
client_nonce = bytes(range(0xA0, 0xB0))
serial = b"NMOD-0000-000001"
device_nonce = bytes(range(0xB0, 0xC0))
request = bytes([0x01])            # NM_OP_STATUS
response = bytes([0x00, 0x2A])     # a status byte and one result byte


def frame(ftype, body):
    return struct.pack("<HBB", len(body) + 2, 1, ftype) + body


def hkdf(salt, ikm, info, n):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:n]


def data(key, label, ctr, pt):
    hdr = struct.pack("<HBB", 4 + len(pt) + 16 + 2, 1, 5) + struct.pack("<I", ctr)
    nonce = label + b"\0" + struct.pack("<Q", ctr)
    sealed = ChaCha20Poly1305(key).encrypt(nonce, pt, hdr)  # ciphertext || tag
    return hdr + sealed


hello = bytes([role]) + key_id + client_nonce
challenge = serial + device_nonce
okm = hkdf(client_nonce + device_nonce, secret, b"nmod/1 session" + bytes([role]) + key_id + serial, 96)
k_auth, k_c2d, k_d2c = okm[:32], okm[32:64], okm[64:]
auth = hmac.new(k_auth, b"nmod/1 client" + hello + challenge, hashlib.sha256).digest()
auth_ok = hmac.new(k_auth, b"nmod/1 device" + hello + challenge, hashlib.sha256).digest()

for name, val in [
    ("HELLO", frame(1, hello)),
    ("CHALLENGE", frame(2, challenge)),
    ("k_auth", k_auth),
    ("k_c2d", k_c2d),
    ("k_d2c", k_d2c),
    ("AUTH", frame(3, auth)),
    ("AUTH_OK", frame(4, auth_ok)),
    ("DATA c2d #1", data(k_c2d, b"c2d", 1, request)),
    ("DATA d2c #1", data(k_d2c, b"d2c", 1, response)),
]:
    print(f"{name:12s} {val.hex()}")
