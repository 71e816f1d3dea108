#!/usr/bin/env python3
"""Key confirmation tags for CPaceTestVectorTests.swift, computed independently of the Swift code.

draft-irtf-cfrg-cpace-21 section 10.4 suggests, for explicit key confirmation,
    mac_key = H.hash(b"CPaceMac" || sid || ISK)
    Ta = MAC(mac_key, lv_cat(Ya, ADa)),  Tb = MAC(mac_key, lv_cat(Yb, ADb))
with an HMAC; for CPACE-RISTR255-SHA512 that is SHA-512 and HMAC-SHA-512. The draft publishes no vectors for
the tags, so this script derives them from its appendix B.3 vectors (sid, Ya, ADa, Yb, ADb and ISK_IR), with
only the standard library. It also recomputes ISK_IR from B.3's K and the transcript as a check on the inputs.

Usage:
    python3 cpace_confirmation_oracle.py    # prints mac_key, Ta and Tb in hex

The Swift tests hold the printed values as literals and never run this script.
"""
import hashlib
import hmac


def prepend_len(data: bytes) -> bytes:
    length, encoded = len(data), b""
    while True:
        encoded += bytes([length & 0x7F | (0x80 if length >= 128 else 0)])
        length >>= 7
        if length == 0:
            return encoded + data


def lv_cat(*parts: bytes) -> bytes:
    return b"".join(prepend_len(p) for p in parts)


# draft-irtf-cfrg-cpace-21, appendix B.3 (ristretto255, SHA-512)
SID = bytes.fromhex("7e4b4791d6a8ef019b936c79fb7f2c57")
YA = bytes.fromhex("d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157")
YB = bytes.fromhex("3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258")
ADA, ADB = b"ADa", b"ADb"
K = bytes.fromhex("80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f")
ISK_IR = bytes.fromhex(
    "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd"
    "2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447"
)


def main() -> None:
    isk = hashlib.sha512(lv_cat(b"CPaceRistretto255_ISK", SID, K) + lv_cat(YA, ADA) + lv_cat(YB, ADB)).digest()
    assert isk == ISK_IR
    mac_key = hashlib.sha512(b"CPaceMac" + SID + ISK_IR).digest()
    print("mac_key", mac_key.hex())
    print("Ta", hmac.new(mac_key, lv_cat(YA, ADA), hashlib.sha512).hexdigest())
    print("Tb", hmac.new(mac_key, lv_cat(YB, ADB), hashlib.sha512).hexdigest())


if __name__ == "__main__":
    main()
