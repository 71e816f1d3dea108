#!/usr/bin/env python3
"""Reference P2P IDs for IdentifierTests.swift, computed independently of the Swift code.

[MS-PNRP] 3.1.4.4.1 (and 1.3.1.2):
    ClassifierHash = SHA-1(Classifier)
    P2PID          = first 16 bytes of SHA-1(ClassifierHash | BinaryAuthority | ClassifierHash | "PNRP")
BinaryAuthority is the 160-bit number written by the 40 hex digits of the authority, or 160 zero bits
for the unsecured authority "0" (1.3.1.2). The classifier is hashed as the WCHAR string Windows uses
(UTF-16LE code units, no terminator), the same encoding the AUTHORITY_BUFFER Classifier field carries
(2.2.2.6.1: "a non-NULL-terminated Unicode string" of WCHAR entries).

Usage:
    python3 p2pid_oracle.py            # the built-in vectors, one line each: <swift literal> <p2p id>
    python3 p2pid_oracle.py NAME ...   # the P2P ID of each NAME

Only the standard library is used. The Swift tests hold the printed values as literals and never run
this script.
"""
import hashlib
import sys


def p2p_id(peer_name: str) -> str:
    authority, sep, classifier = peer_name.partition(".")
    if not sep:
        raise ValueError("no '.' in %r" % peer_name)
    if authority == "0":
        binary_authority = bytes(20)
    else:
        if len(authority) != 40 or any(c not in "0123456789abcdef" for c in authority):
            raise ValueError("bad authority %r" % authority)
        binary_authority = bytes.fromhex(authority)
    units = classifier.encode("utf-16-le")
    if len(units) // 2 > 149 or b"\x00\x00" in [units[i:i + 2] for i in range(0, len(units), 2)]:
        raise ValueError("bad classifier %r" % classifier)
    classifier_hash = hashlib.sha1(units).digest()
    digest = hashlib.sha1(classifier_hash + binary_authority + classifier_hash + b"PNRP").digest()
    return digest[:16].hex()


def swift_literal(s: str) -> str:
    out = []
    for ch in s:
        cp = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= cp < 0x7F:
            out.append(ch)
        else:
            out.append("\\u{%X}" % cp)
    return '"' + "".join(out) + '"'


KEY_AUTHORITY = hashlib.sha1(b"example public key").hexdigest()

VECTORS = [
    "0.printer",
    "0.MyApplication",                                   # the example of 1.3.1.1
    "0.",                                                # classifier = 0*149clchar: empty is allowed
    "0.a.b.c",                                           # dots after the first belong to the classifier
    "0. spaced  out ",                                   # whitespace is an ordinary clchar
    "0.caf\u00e9",                                       # precomposed e-acute
    "0.cafe\u0301",                                      # decomposed: same text to a human, other bytes
    "0.\u65e5\u672c\u8a9e",                              # CJK, BMP
    "0.\U0001F600 smile",                                # outside the BMP: a surrogate pair
    "0." + "x" * 149,                                    # longest classifier
    "0." + "\U0001F600" * 74 + "y",                      # longest, counted in UTF-16 code units
    "9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat",
    KEY_AUTHORITY + ".service.v1",
    "0" * 40 + ".printer",                               # syntactically secure, all-zero authority
    "f" * 40 + ".\U0001D11E",                            # musical symbol G clef, outside the BMP
]


def main(argv):
    names = argv[1:] or VECTORS
    for name in names:
        print(swift_literal(name), p2p_id(name))


if __name__ == "__main__":
    main(sys.argv)
