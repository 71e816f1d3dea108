import PNRP
import PeerCrypto
import PropertyBased
import NetworkLab
import Testing

// MARK: - Fixtures

/// Bytes from a hex string; spaces and newlines are ignored.
private func bytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter { $0.isHexDigit }
    var out = [UInt8]()
    var i = digits.startIndex
    while i < digits.endIndex {
        let j = digits.index(i, offsetBy: 2)
        out.append(UInt8(digits[i..<j], radix: 16)!)
        i = j
    }
    return out
}

/// RFC 8032 section 7.1 TEST 1 key pair: the public key is known, so the expected bytes below are independent
/// of our code.
private let rfcSeed = bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
private let rfcPublicKeyHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
/// SHA-1 of that public key (computed with an independent tool), i.e. the authority of its secured names.
private let rfcAuthorityHex = "5b27aa5589179770e47575b162a1ded97b8bfc6d"

private let ownerKey = try! Ed25519PrivateKey(seed: rfcSeed)
private let otherKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))

private let securedName = try! PeerName("\(rfcAuthorityHex).printer")
private let unsecuredName = try! PeerName("0.printer")

private let notAfter = FileTime(rawValue: 0x01D9_8765_4321_0FED)
/// Twelve hours before `notAfter`: a normal moment to verify.
private let now = notAfter.subtracting(seconds: 12 * 3600)
private let inquireNonce: [UInt8] = Array(0...15)
private let location = ServiceLocation(high: 0x2001_0DB8_0000_0001, low: 0x0123_4567_89AB_CDEF)
private let addresses = [
    IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1), port: 3540),
    IPv6Endpoint(address: IPv6Address(ipv4: 192, 0, 2, 7), port: 50000),
]
private let appEndpoints = [IPv6AppEndpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: 2), port: 8080, ipProtocol: 6)]

private func securedCPA(key: Ed25519PrivateKey = ownerKey) throws(CPAError) -> CPA {
    try CPA.signed(
        name: securedName, serviceLocation: location, serviceAddresses: addresses, payload: appEndpoints,
        friendlyName: "Hall", notAfter: notAfter, nonce: inquireNonce, key: key)
}

private func unsecuredCPA(key: Ed25519PrivateKey = otherKey, nonce: [UInt8] = [UInt8](repeating: 0, count: 16)) throws(CPAError) -> CPA {
    try CPA.signed(
        name: unsecuredName, serviceLocation: location, serviceAddresses: [addresses[0]], payload: nil,
        friendlyName: nil, notAfter: notAfter, nonce: nonce, key: key)
}

/// Expects `body` to throw exactly `expected`.
private func expectCPAError(_ expected: CPAError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(CPAError) -> Void) {
    do {
        try body()
        Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
    }
}

/// Decoding `input` must fail with a WireError; returns it.
@discardableResult
private func expectDecodeFailure(_ input: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> WireError? {
    do {
        _ = try CPA(decoding: input)
        Issue.record("decoding succeeded, a WireError was expected", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}


// MARK: - Byte layout

@Suite(.onComputeThread) struct CPAEncodingTests {
    /// Every field before the signature, written from [MS-PNRP] 2.2.3.1 and docs/deviations.md, not from the encoder.
    @Test func fixedSecuredCPAMatchesHandWrittenBytes() throws {
        let expectedSigned = bytes("""
            2001                                        CPA Length 288 (LE)
            00 02 00 04                                 CPA minor/major, PNRP minor/major
            1e                                          flags F|C|A|U
            00                                          reserved
            ed0f214365 87d901                           Not After 0x01D987654321 0FED (LE)
            efcdab8967452301 01000000b80d0120           Service Location, least significant byte first
            000102030405060708090a0b0c0d0e0f            Nonce
            6dfc8b7bd9dea162b17575e47097178955aa275b    BinaryAuthority = SHA-1(public key), reversed
            550b2e5cc86dfc4c9359413e63f63c6f1322399a    ClassifierHash = SHA-1("printer" as UTF-16LE)
            0400 48616c6c                               FriendlyName Len 4, "Hall" (UTF-8)
            0200 1200                                   NumServiceAddresses 2, ServiceAddressLength 18
            0dd4 20010db8000000000000000000000001       port 3540 (BE), 2001:db8::1
            c350 00000000000000000000ffffc0000207       port 50000 (BE), ::ffff:192.0.2.7
            0100 1e00                                   NumPayloads 1, Total Bytes 30
            01000000 1400                               PAYLOAD Type 1, DataLength 20
            20010db8000000000000000000000002 1f90 0600  2001:db8::2, port 8080 (BE), protocol 6 (LE)
            3400 0b00 0000 2000 00                      Public Key: Field Length 52, OID length 11, reserved, cbData 32, unused
            312e332e3130312e313132                      "1.3.101.112"
            \(rfcPublicKeyHex)
            """.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).prefix { $0.allSatisfy(\.isHexDigit) }.joined() }.joined())
        let signatureHead = bytes("4800 4000 45643235")  // Field Length 72, Signature Length 64, ALG_ID "Ed25"

        let cpa = try securedCPA()
        let wire = cpa.encoded()
        #expect(wire.count == 288)
        #expect(cpa.encodedCount == 288)
        #expect(expectedSigned.count == 288 - 72)
        #expect(Array(wire.prefix(216)) == expectedSigned)
        #expect(Array(wire[216..<224]) == signatureHead)
        #expect(Array(wire.suffix(64)) == cpa.signature)
        #expect(cpa.signedBytes == expectedSigned)
        // The signature is an ordinary Ed25519 signature of those bytes under the RFC 8032 key.
        let pk = try Ed25519PublicKey(bytes: bytes(rfcPublicKeyHex))
        #expect(pk.isValidSignature(cpa.signature, for: expectedSigned))
        // Ed25519 is deterministic: the same inputs give the same bytes.
        #expect(try securedCPA().encoded() == wire)
    }

    @Test func unsecuredMinimalCPAIs218Bytes() throws {
        let cpa = try unsecuredCPA()
        let wire = cpa.encoded()
        #expect(wire.count == 218)
        #expect(wire[6] == 0x08)  // C only
        #expect(cpa.binaryAuthority == nil)
        // Nonce, then the classifier hash immediately (no authority).
        #expect(Array(wire[32..<48]) == [UInt8](repeating: 0, count: 16))
        #expect(Array(wire[48..<68]) == bytes("550b2e5cc86dfc4c9359413e63f63c6f1322399a"))
        // NumPayloads 0, Total Bytes 4.
        #expect(Array(wire[68 + 4 + 18..<68 + 4 + 18 + 4]) == [0, 0, 4, 0])
    }

    @Test func roundTripIsExact() throws {
        for cpa in [try securedCPA(), try unsecuredCPA()] {
            let wire = cpa.encoded()
            let decoded = try CPA(decoding: wire)
            #expect(decoded == cpa)
            #expect(decoded.encoded() == wire)
            // Decoding from a slice (non-zero start index) and from a non-contiguous collection.
            let padded = [0xAA] + wire + [0xBB]
            #expect(try CPA(decoding: padded[1..<(padded.count - 1)]) == cpa)
            #expect(try CPA(decoding: wire.lazy.map { $0 }.reversed().reversed()) == cpa)
        }
    }

    @Test func utf16FriendlyNameRoundTripsAndVerifies() throws {
        var cpa = try unsecuredCPA()
        cpa.flags.insert(.friendlyName)
        cpa.friendlyName = "Café ☕ 𝄞"
        cpa.signature = otherKey.signature(for: cpa.signedBytes)
        let wire = cpa.encoded()
        // UTF-16LE: "C" = 43 00; 𝄞 is a surrogate pair.
        #expect(Array(wire[68..<72]) == [18, 0, 0x43, 0x00])
        let decoded = try CPA(decoding: wire)
        #expect(decoded.friendlyName == "Café ☕ 𝄞")
        try decoded.verify(now: now)
    }

    @Test func reservedFieldsArePreservedSoTheSignatureStillHolds() throws {
        var wire = try unsecuredCPA().encoded()
        wire[6] |= 0xC0  // reserved flag bits
        wire[7] = 0x5A  // reserved byte
        var cpa = try CPA(decoding: wire)
        #expect(cpa.reserved.afterFlags == 0x5A)
        #expect(cpa.encoded() == wire)
        // The sender signed different bytes: rejected as a bad signature, not as malformed.
        expectCPAError(.badSignature) { () throws(CPAError) in try cpa.verify(now: now) }
        cpa.signature = otherKey.signature(for: cpa.signedBytes)
        try CPA(decoding: cpa.encoded()).verify(now: now)
    }

    @Test func fileTimeDescription() {
        #expect(FileTime(rawValue: FileTime.unixEpochOffset).description == "1970-01-01T00:00:00.0000000Z")
        #expect(FileTime(rawValue: 0).description == "1601-01-01T00:00:00.0000000Z")
        // 2000-02-29T12:34:56.5Z = 946_684_800 + 59 days + 45_296.5 s after the Unix epoch.
        let t = FileTime(unixNanoseconds: (946_684_800 + 59 * 86_400 + 45_296) * 1_000_000_000 + 500_000_000)
        #expect(t.description == "2000-02-29T12:34:56.5000000Z")
    }
}

// MARK: - Verification

@Suite(.onComputeThread) struct CPAVerificationTests {
    @Test func securedCPAVerifiesAndSpeaksForItsName() throws {
        let cpa = try CPA(decoding: try securedCPA().encoded())
        #expect(cpa.isSecured)
        #expect(!cpa.isRevocation)
        #expect(cpa.p2pID == securedName.p2pID)
        let id = PNRPID(p2pID: securedName.p2pID, serviceLocation: location)
        #expect(cpa.pnrpID == id)
        try cpa.verify(now: now, expectedID: id, expectedNonce: inquireNonce)
        // Boundaries: valid at exactly Not After, and when Not After is exactly 7 days + 1 hour ahead.
        try cpa.verify(now: notAfter)
        try cpa.verify(now: notAfter.subtracting(seconds: 7 * 86_400 + 3_600))
    }

    @Test func unsecuredCPAVerifiesWithoutAuthority() throws {
        let cpa = try CPA(decoding: try unsecuredCPA().encoded())
        #expect(!cpa.isSecured)
        #expect(cpa.binaryAuthority == nil)
        #expect(cpa.p2pID == unsecuredName.p2pID)
        try cpa.verify(now: now, expectedID: PNRPID(p2pID: unsecuredName.p2pID, serviceLocation: location), expectedNonce: [UInt8](repeating: 0, count: 16))
    }

    @Test func securedNameCannotBeSignedByAnotherKey() throws {
        expectCPAError(.authorityMismatch) { () throws(CPAError) in _ = try securedCPA(key: otherKey) }
    }

    @Test func forgedAuthorityIsRejected() throws {
        // A forger copies the owner's CPA, puts in its own key and signs correctly with it.
        var forged = try securedCPA()
        forged.publicKey = otherKey.publicKey.bytes
        forged.signature = otherKey.signature(for: forged.signedBytes)
        let received = try CPA(decoding: forged.encoded())
        expectCPAError(.authorityMismatch) { () throws(CPAError) in try received.verify(now: now) }
    }

    @Test func tamperedBytesBreakTheSignature() throws {
        let wire = try securedCPA().encoded()
        // Service address port, Not After, nonce, payload protocol, a signature byte.
        for offset in [99, 9, 40, 162, 250] {
            var t = wire
            t[offset] ^= 0x01
            let cpa = try CPA(decoding: t)
            expectCPAError(.badSignature) { () throws(CPAError) in try cpa.verify(now: now) }
        }
    }

    @Test func keySwapWithoutResigningIsABadSignature() throws {
        var cpa = try unsecuredCPA()
        cpa.publicKey = ownerKey.publicKey.bytes
        expectCPAError(.badSignature) { () throws(CPAError) in try cpa.verify(now: now) }
    }

    @Test func expiredCPAIsRejected() throws {
        let cpa = try securedCPA()
        let later = FileTime(rawValue: notAfter.rawValue + 1)
        expectCPAError(.expired(notAfter: notAfter, now: later)) { () throws(CPAError) in try cpa.verify(now: later) }
    }

    @Test func notAfterTooFarAheadIsRejected() throws {
        let cpa = try securedCPA()
        let early = FileTime(rawValue: notAfter.subtracting(seconds: 7 * 86_400 + 3_600).rawValue - 1)
        let latest = early.adding(seconds: 7 * 86_400 + 3_600)
        expectCPAError(.validityTooLong(notAfter: notAfter, latestAccepted: latest)) { () throws(CPAError) in try cpa.verify(now: early) }
    }

    @Test func wrongIDIsRejected() throws {
        let cpa = try securedCPA()
        let right = PNRPID(p2pID: securedName.p2pID, serviceLocation: location)
        let otherLocation = PNRPID(p2pID: securedName.p2pID, serviceLocation: ServiceLocation(high: location.high, low: location.low ^ 1))
        let otherName = PNRPID(p2pID: unsecuredName.p2pID, serviceLocation: location)
        for wrong in [otherLocation, otherName] {
            expectCPAError(.wrongID(expected: wrong, actual: right)) { () throws(CPAError) in try cpa.verify(now: now, expectedID: wrong) }
        }
    }

    @Test func wrongNonceIsRejected() throws {
        let cpa = try securedCPA()
        var other = inquireNonce
        other[15] ^= 0xFF
        expectCPAError(.nonceMismatch) { () throws(CPAError) in try cpa.verify(now: now, expectedNonce: other) }
        expectCPAError(.nonceMismatch) { () throws(CPAError) in try cpa.verify(now: now, expectedNonce: [UInt8](repeating: 0, count: 16)) }
    }

    @Test func checksRunInTheDocumentedOrder() throws {
        // Tampered and expired: the signature check comes first.
        var wire = try securedCPA().encoded()
        wire[40] ^= 1
        let tampered = try CPA(decoding: wire)
        expectCPAError(.badSignature) { () throws(CPAError) in try tampered.verify(now: FileTime(rawValue: notAfter.rawValue + 1)) }
        // Expired and wrong nonce: expiry first.
        let cpa = try securedCPA()
        let later = FileTime(rawValue: notAfter.rawValue + 1)
        expectCPAError(.expired(notAfter: notAfter, now: later)) { () throws(CPAError) in try cpa.verify(now: later, expectedNonce: [UInt8](repeating: 9, count: 16)) }
    }

    @Test func malformedStructuresAreRejected() throws {
        let good = try securedCPA()
        func expectMalformed(_ label: Comment, sourceLocation: SourceLocation = #_sourceLocation, _ change: (inout CPA) -> Void) {
            var c = good
            change(&c)
            do {
                try c.verify(now: now)
                Issue.record("\(label): accepted", sourceLocation: sourceLocation)
            } catch {
                guard case .malformed = error else {
                    Issue.record("\(label): \(error)", sourceLocation: sourceLocation)
                    return
                }
            }
        }
        expectMalformed("no A or C") { $0.flags = [.friendlyName, .friendlyNameUTF8]; $0.binaryAuthority = nil; $0.classifierHash = nil }
        expectMalformed("U without F") { $0.flags.remove(.friendlyName); $0.friendlyName = nil }
        expectMalformed("A without authority") { $0.binaryAuthority = nil }
        expectMalformed("authority without A") { $0.flags.remove(.binaryAuthority) }
        expectMalformed("short classifier hash") { $0.classifierHash = Array($0.classifierHash!.prefix(19)) }
        expectMalformed("no address, not revoking") { $0.serviceAddresses = [] }
        expectMalformed("five addresses") { $0.serviceAddresses = Array(repeating: addresses[0], count: 5) }
        expectMalformed("port 1024") { $0.serviceAddresses[0].port = 1024 }
        expectMalformed("15-byte nonce") { $0.nonce.removeLast() }
        expectMalformed("revoke with nonce") { $0.flags.insert(.revoke) }
        expectMalformed("empty payload") { $0.payload = [] }
        expectMalformed("11 payload endpoints") { $0.payload = Array(repeating: appEndpoints[0], count: 11) }
        expectMalformed("79-byte friendly name") { $0.friendlyName = String(repeating: "x", count: 79) }
        expectMalformed("empty friendly name") { $0.friendlyName = "" }
        expectMalformed("NUL in friendly name") { $0.friendlyName = "a\u{0}b" }
        expectMalformed("short signature") { $0.signature.removeLast() }
        var shortKey = good
        shortKey.publicKey.removeLast()
        expectCPAError(.unsupportedKeyAlgorithm("public key has 31 bytes")) { () throws(CPAError) in try shortKey.verify(now: now) }
        // signed() refuses what it cannot encode.
        #expect(throws: CPAError.self) {
            try CPA.signed(name: unsecuredName, serviceLocation: location, serviceAddresses: [], payload: nil, friendlyName: nil, notAfter: notAfter, nonce: inquireNonce, key: otherKey)
        }
        #expect(throws: CPAError.self) {
            try CPA.signed(name: unsecuredName, serviceLocation: location, serviceAddresses: addresses, payload: nil, friendlyName: nil, notAfter: notAfter, nonce: [1, 2, 3], key: otherKey)
        }
    }

    @Test func errorsDescribeTheProblem() {
        #expect(CPAError.badSignature.description.contains("signature"))
        #expect(CPAError.expired(notAfter: FileTime(rawValue: FileTime.unixEpochOffset), now: FileTime(rawValue: FileTime.unixEpochOffset + 1)).description.contains("1970-01-01"))
    }
}

// MARK: - Revocation

@Suite(.onComputeThread) struct CPARevocationTests {
    @Test func revocationRoundTripAndVerifies() throws {
        let registration = try securedCPA()
        let revokeUntil = notAfter.adding(seconds: 3600)
        let revocation = try registration.revocation(notAfter: revokeUntil, key: ownerKey)
        #expect(revocation.isRevocation)
        #expect(revocation.nonce == [UInt8](repeating: 0, count: 16))
        #expect(revocation.payload == nil)
        #expect(revocation.pnrpID == registration.pnrpID)
        let wire = revocation.encoded()
        #expect(wire[6] & 0x01 == 0x01)
        let decoded = try CPA(decoding: wire)
        #expect(decoded == revocation)
        #expect(decoded.encoded() == wire)
        try decoded.verify(now: now, expectedID: registration.pnrpID)
        #expect(decoded.revokes(registration))
        #expect(!registration.revokes(decoded))
    }

    @Test func revocationWithoutAddressesIsWellFormed() throws {
        var registration = try unsecuredCPA()
        registration.serviceAddresses = []
        registration.flags.insert(.revoke)
        registration.signature = otherKey.signature(for: registration.signedBytes)
        try CPA(decoding: registration.encoded()).verify(now: now)
    }

    @Test func onlyTheOwnerCanRevokeASecuredName() throws {
        let registration = try securedCPA()
        expectCPAError(.authorityMismatch) { () throws(CPAError) in _ = try registration.revocation(notAfter: notAfter, key: otherKey) }
        // An unsecured name's revocation by another key is valid on its own but does not revoke the registration.
        let unsecured = try unsecuredCPA()
        let stranger = try unsecured.revocation(notAfter: notAfter, key: ownerKey)
        try stranger.verify(now: now)
        #expect(!stranger.revokes(unsecured))
    }
}

// MARK: - Decoding robustness

@Suite(.onComputeThread) struct CPADecodingTests {
    @Test func lengthMustMatchInput() throws {
        let wire = try unsecuredCPA().encoded()
        #expect(expectDecodeFailure(Array(wire.dropLast())) == .badLength(field: "CPA Length", length: wire.count, offset: 0))
        expectDecodeFailure(wire + [0])
        expectDecodeFailure([])
        expectDecodeFailure([0x02])
        expectDecodeFailure([0x02, 0x00])
    }

    @Test func structuralRulesAreEnforced() throws {
        let wire = try securedCPA().encoded()
        func mutated(_ change: (inout [UInt8]) -> Void) -> [UInt8] {
            var w = wire
            change(&w)
            return w
        }
        expectDecodeFailure(mutated { $0[3] = 0x01 })  // CPA major version
        expectDecodeFailure(mutated { $0[5] = 0x03 })  // PNRP major version
        expectDecodeFailure(mutated { $0[6] = 0x10 })  // F only: neither A nor C
        expectDecodeFailure(mutated { $0[6] &= ~0x10 })  // U without F
        expectDecodeFailure(mutated { $0[6] |= 0x01 })  // R with a nonzero nonce
        expectDecodeFailure(mutated { $0[88] = 0 })  // FriendlyName Len 0
        expectDecodeFailure(mutated { $0[88] = 79 })  // FriendlyName Len 79
        expectDecodeFailure(mutated { $0[90] = 0xFF })  // invalid UTF-8
        expectDecodeFailure(mutated { $0[94] = 5 })  // NumServiceAddresses 5
        expectDecodeFailure(mutated { $0[96] = 16 })  // ServiceAddressLength 16
        expectDecodeFailure(mutated { $0[98] = 0x04; $0[99] = 0x00 })  // port 1024
        expectDecodeFailure(mutated { $0[134] = 2 })  // NumPayloads 2
        expectDecodeFailure(mutated { $0[136] = 31 })  // Total Bytes
        expectDecodeFailure(mutated { $0[138] = 2 })  // PAYLOAD Type 2
        expectDecodeFailure(mutated { $0[142] = 21 })  // DataLength 21
        expectDecodeFailure(mutated { $0[164] = 53 })  // Public Key Field Length
        expectDecodeFailure(mutated { $0[170] = 33 })  // cbData
        expectDecodeFailure(mutated { $0[173] = UInt8(ascii: "2") })  // OID 2.3.101.112
        expectDecodeFailure(mutated { $0[216] = 0x88 })  // SIGNATURE Field Length
        expectDecodeFailure(mutated { $0[218] = 0x80 })  // Signature Length
        expectDecodeFailure(mutated { $0[220] = 0x04; $0[221] = 0x80; $0[222] = 0; $0[223] = 0 })  // ALG_ID CALG_SHA1
    }

    @Test func rsaKeyStructureIsRefusedWithAClearError() throws {
        // A Windows-style CPA Public Key head: Field Length 169, OID length 20, cbData 140, "1.2.840.113549.1.1.1".
        let wire = try unsecuredCPA().encoded()
        var rsa = Array(wire.prefix(94))
        rsa += [169, 0, 20, 0, 0, 0, 140, 0, 0] + Array("1.2.840.113549.1.1.1".utf8) + [UInt8](repeating: 0x30, count: 140)
        rsa += [0x88, 0, 0x80, 0, 0x04, 0x80, 0, 0] + [UInt8](repeating: 0, count: 128)
        rsa[0] = UInt8(rsa.count & 0xFF)
        rsa[1] = UInt8(rsa.count >> 8)
        let error = expectDecodeFailure(rsa)
        #expect(error?.description.contains("1.2.840.113549.1.1.1") == true)
    }

    /// 100,000 seeded mutations of valid CPAs: decoding never traps, and whatever it accepts re-encodes to
    /// exactly the input bytes.
    @Test func mutatedInputsNeverTrap() throws {
        let seeds = [try securedCPA().encoded(), try unsecuredCPA().encoded(), try securedCPA().revocation(notAfter: notAfter, key: ownerKey).encoded()]
        var rng = SplitMix64(seed: 0x5EED_CAFE)
        var accepted = 0
        for i in 0..<100_000 {
            var w = seeds[i % seeds.count]
            switch rng.next() % 6 {
            case 0:  // flip 1-4 random bytes
                for _ in 0...(rng.next() % 4) { w[Int(rng.next() % UInt64(w.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            case 1:  // truncate
                w.removeLast(Int(rng.next() % UInt64(w.count)) + 1)
            case 2:  // insert random bytes
                let at = Int(rng.next() % UInt64(w.count + 1))
                w.insert(contentsOf: (0..<(1 + rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
            case 3:  // overwrite a 16-bit field with a boundary value
                let at = Int(rng.next() % UInt64(w.count - 1))
                let v: UInt16 = [0, 1, 4, 18, 20, 78, 79, 0x7FFF, 0xFFFF][Int(rng.next() % 9)]
                w[at] = UInt8(v & 0xFF); w[at + 1] = UInt8(v >> 8)
            case 4:  // delete a range
                let at = Int(rng.next() % UInt64(w.count))
                w.removeSubrange(at..<min(w.count, at + 1 + Int(rng.next() % 24)))
            default:  // random garbage of a plausible size
                w = (0..<(rng.next() % 400)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
            // Half the time keep CPA Length consistent so the mutation reaches the inner fields.
            if rng.next() % 2 == 0, w.count >= 2, w.count <= 0xFFFF {
                w[0] = UInt8(w.count & 0xFF); w[1] = UInt8(w.count >> 8)
            }
            if let cpa = try? CPA(decoding: w) {
                accepted += 1
                #expect(cpa.encoded() == w)
                _ = try? cpa.verify(now: now)
            }
        }
        #expect(accepted > 0)  // some mutations (flag bits, reserved bytes, values) stay decodable
    }
}

// MARK: - Properties

@Suite(.onComputeThread) struct CPAPropertyTests {
    /// Any CPA `signed` builds encodes, decodes to an equal value, re-encodes to the same bytes and verifies.
    @Test func signedCPAsRoundTripAndVerify() async {
        await propertyCheck(
            count: 200,
            input: Gen.int(in: 1...4), Gen.int(in: 0...10), Gen.int(in: 0...26), Gen.int(in: 0...1), Gen.int(in: 0...Int.max)
        ) { addressCount, payloadCount, nameLength, secured, seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let key = try Ed25519PrivateKey(seed: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            let authority: Authority = secured == 1 ? .of(publicKey: key.publicKey.bytes) : .unsecured
            let name = try PeerName(authority: authority, classifier: "svc-\(rng.next() % 1000)")
            let endpoints = (0..<addressCount).map { _ in
                IPv6Endpoint(address: IPv6Address(high: rng.next(), low: rng.next()), port: UInt16(1025 + rng.next() % 64_000))
            }
            let payload: [IPv6AppEndpoint]? = payloadCount == 0 ? nil : (0..<payloadCount).map { _ in
                IPv6AppEndpoint(address: IPv6Address(high: rng.next(), low: rng.next()), port: UInt16(truncatingIfNeeded: rng.next()), ipProtocol: UInt16(truncatingIfNeeded: rng.next()))
            }
            // Up to 26 characters of 1-3 UTF-8 bytes each: at most 78 bytes.
            let alphabet: [Character] = ["a", "Z", "7", " ", "é", "ß", "☕", "中"]
            let friendly: String? = nameLength == 0 ? nil : String((0..<nameLength).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            let nonce = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let start = FileTime(rawValue: FileTime.unixEpochOffset + rng.next() % (1 << 60))
            let validity = start.adding(seconds: 43_200 + rng.next() % (7 * 86_400 - 43_200))
            let location = ServiceLocation(high: rng.next(), low: rng.next())

            let cpa = try CPA.signed(
                name: name, serviceLocation: location, serviceAddresses: endpoints, payload: payload,
                friendlyName: friendly, notAfter: validity, nonce: nonce, key: key)
            let wire = cpa.encoded()
            #expect(wire.count == cpa.encodedCount)
            #expect(Int(wire[0]) | Int(wire[1]) << 8 == wire.count)
            let decoded = try CPA(decoding: wire)
            #expect(decoded == cpa)
            #expect(decoded.encoded() == wire)
            #expect(decoded.p2pID == name.p2pID)
            try decoded.verify(now: start, expectedID: PNRPID(p2pID: name.p2pID, serviceLocation: location), expectedNonce: nonce)
        }
    }
}
