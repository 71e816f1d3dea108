#!/usr/bin/env python3
"""Reference values for the PeerCrypto tests that have no published vector, computed independently of the
Swift code and of libsodium.

    HKDF-SHA-512   RFC 5869 written out with the standard library's hmac module, checked against the
                   `cryptography` package's HKDF (pip: cryptography) on the same inputs.
    HMAC-SHA-512   RFC 4231 test cases 1-4, 6 and 7 recomputed with the standard library's hmac module
                   (a check that the literals copied from the RFC are right).
    Deterministic  randombytes_buf_deterministic's stream is ChaCha20 (IETF: 32-bit block counter, 96-bit
    entropy        nonce b"LibsodiumDRG") keyed by the seed, from block 0; computed here with the
                   `cryptography` package's ChaCha20 (OpenSSL's, not libsodium's), including the point where
                   DeterministicEntropy's counter wraps and the nonce's last four bytes get the wrap count.
    Argon2id       the argon2-cffi package (pip: argon2-cffi), whose bindings build the reference C
                   implementation of Argon2 (not libsodium's). libsodium fixes parallelism at 1 and uses
                   memlimit // 1024 KiB, so memory_cost below is in KiB and parallelism is 1.

Usage:
    python3 peercrypto_oracle.py     # prints every value, one line each: <name> <hex>

The Swift tests hold the printed values as literals and never run this script. The published vectors the
tests also use (FIPS 180 SHA-512 "abc", Wycheproof HKDF-SHA-512, RFC 9496 ristretto255,
draft-irtf-cfrg-xchacha) are quoted in the test files themselves.
"""
import hashlib
import hmac


def hkdf_sha512(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt or bytes(64), ikm, hashlib.sha512).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha512).digest()
        okm += block
        counter += 1
    return okm[:length]


def hkdf_sha512_cryptography(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA512(), length=length, salt=salt or None, info=info).derive(ikm)


HKDF_CASES = {
    # name: (ikm, salt, info, length)
    "hkdf_empty_ikm": (b"", b"salt", b"info", 42),
    "hkdf_all_empty": (b"", b"", b"", 64),
    "hkdf_long_output": (bytes(range(80)), bytes(range(0x60, 0xB0)), bytes(range(0xB0, 0x100)), 300),
}

RFC4231 = [
    # (case, key, data): the RFC's own inputs for HMAC-SHA-512
    (1, bytes([0x0B] * 20), b"Hi There"),
    (2, b"Jefe", b"what do ya want for nothing?"),
    (3, bytes([0xAA] * 20), bytes([0xDD] * 50)),
    (4, bytes(range(1, 26)), bytes([0xCD] * 50)),
    (6, bytes([0xAA] * 131), b"Test Using Larger Than Block-Size Key - Hash Key First"),
    (7, bytes([0xAA] * 131),
     b"This is a test using a larger than block-size key and a larger than block-size data. "
     b"The key needs to be hashed before being used by the HMAC algorithm."),
]

ARGON2ID_CASES = {
    # name: (password, salt, passes, memory KiB, output length)
    "argon2id_t2_m64k": (b"password", b"0123456789abcdef", 2, 64, 32),
    "argon2id_min": (b"", bytes([2] * 16), 1, 8, 16),
    "argon2id_t3_m256k": (bytes(range(64)), bytes(range(16, 32)), 3, 256, 64),
}


def chacha20_keystream(key: bytes, nonce12: bytes, counter: int, length: int) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

    nonce16 = counter.to_bytes(4, "little") + nonce12
    return Cipher(algorithms.ChaCha20(key, nonce16), mode=None).encryptor().update(bytes(length))


DRG_NONCE = b"LibsodiumDRG"
SEED32 = bytes(range(32))
SEED_42 = (42).to_bytes(8, "little") + bytes(24)  # DeterministicEntropy(seed: 42)


def main() -> None:
    print("drg_seed32_200", chacha20_keystream(SEED32, DRG_NONCE, 0, 200).hex())
    print("drg_seed42_100", chacha20_keystream(SEED_42, DRG_NONCE, 0, 100).hex())
    wrapped_nonce = DRG_NONCE[:8] + bytes(a ^ b for a, b in zip(DRG_NONCE[8:], (1).to_bytes(4, "little")))
    across_wrap = chacha20_keystream(SEED32, DRG_NONCE, 0xFFFFFFFF, 64) + chacha20_keystream(SEED32, wrapped_nonce, 0, 64)
    print("drg_seed32_across_wrap_128", across_wrap.hex())
    for name, (ikm, salt, info, length) in HKDF_CASES.items():
        ours = hkdf_sha512(ikm, salt, info, length)
        assert ours == hkdf_sha512_cryptography(ikm, salt, info, length), name
        print(name, ours.hex())
    for case, key, data in RFC4231:
        print("hmac_sha512_rfc4231_%d" % case, hmac.new(key, data, hashlib.sha512).hexdigest())
    from argon2.low_level import Type, hash_secret_raw

    for name, (password, salt, passes, kib, length) in ARGON2ID_CASES.items():
        out = hash_secret_raw(password, salt, time_cost=passes, memory_cost=kib, parallelism=1,
                              hash_len=length, type=Type.ID, version=19)
        print(name, out.hex())


if __name__ == "__main__":
    main()
