@testable import PNRP
import PeerCrypto
import PropertyBased
import NetworkLab
import Testing

// MARK: - Fixtures

/// RFC 8032 section 7.1 TEST 1 key: its public key is published, and OpenSSL 3 (`openssl pkeyutl -sign
/// -rawin`) produced the signature spelled out below, so the expected bytes do not come from our code.
private let rfcSeed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
private let rfcPublicKey = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
private let ownerKey = try! Ed25519PrivateKey(seed: rfcSeed)
private let otherKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 0x42, count: 32))

private let notAfter = FileTime(rawValue: 0x01D9_8765_4321_0FED)
/// Twelve hours before `notAfter`.
private let now = notAfter.subtracting(seconds: 12 * 3600)
/// Bytes 00 01 … 1f, most significant first.
private let fixedID = PNRPID(0x0001_0203_0405_0607, 0x0809_0A0B_0C0D_0E0F, 0x1011_1213_1415_1617, 0x1819_1A1B_1C1D_1E1F)
private let fixedNonce: [UInt8] = Array(0xA0...0xAF)

private func fixedPayload(_ content: ExtendedPayloadContent = .binary(Array("PNRP!".utf8)), key: Ed25519PrivateKey = ownerKey) throws(ExtendedPayloadError) -> ExtendedPayload {
    try ExtendedPayload.signed(pnrpID: fixedID, nonce: fixedNonce, notAfter: notAfter, content: content, key: key)
}

/// The error decoding `bytes` throws, or nil when it decodes.
private func decodeError(_ bytes: [UInt8]) -> WireError? {
    do { _ = try ExtendedPayload(decoding: bytes); return nil } catch { return error }
}

/// Sets the little-endian 16-bit value at `offset`.
private func setLE16(_ bytes: inout [UInt8], _ offset: Int, _ value: Int) {
    bytes[offset] = UInt8(truncatingIfNeeded: value)
    bytes[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
}

/// Expects `body` to throw exactly `expected`.
private func expectPayloadError(_ expected: ExtendedPayloadError, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(ExtendedPayloadError) -> Void) {
    do {
        try body()
        Issue.record("expected \(expected), nothing was thrown", sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
    }
}

// MARK: - Byte layout

@Suite(.onComputeThread) struct ExtendedPayloadEncodingTests {
    /// Every byte, written from [MS-PNRP] 2.2.3.3 and docs/deviations.md C8, not from the encoder.
    @Test func fixedBinaryPayloadMatchesHandWrittenBytes() throws {
        let expected = hex(
            "9700",  // Length 151 (LE)
            "00 02",  // minor 0, major 2
            "0000",  // Reserved
            "4f00",  // Signature Offset 79 = 64 + Total Payload Bytes 15
            "ed0f2143 6587d901",  // Not After 0x01D98765_43210FED (LE)
            "1f1e1d1c1b1a1918 1716151413121110 0f0e0d0c0b0a0908 0706050403020100",  // PNRP ID, least significant byte first
            "a0a1a2a3a4a5a6a7 a8a9aaabacadaeaf",  // Nonce
            "0100",  // Number of Payloads 1
            "0f00",  // Total Payload Bytes 15 = 10 + Payload Length
            "03000080",  // Payload Type 0x80000003, binary
            "0500",  // Payload Length 5
            "504e525021",  // "PNRP!"
            "4800 4000 45643235",  // SIGNATURE: Field Length 72, Signature Length 64, ALG_ID 0x35326445 ("Ed25")
            "71cd177ba978f55c5f3bfae4908dfcebdf305b7c03932c68a0b6dcf9907cc320",  // Ed25519 R
            "a258b6747ba8174856d8c0879a7af88e28e59e65a51e2d700fae270f95480405")  // Ed25519 S
        let payload = try fixedPayload()
        let wire = payload.encoded()
        #expect(wire.count == 151)
        #expect(payload.encodedCount == 151)
        #expect(payload.signatureOffset == 79)
        #expect(wire == expected)
        #expect(payload.signedBytes == Array(expected.prefix(79)))
        #expect(try Ed25519PublicKey(bytes: rfcPublicKey).isValidSignature(payload.signature, for: payload.signedBytes))
        #expect(ExtendedPayload.encodedCount(binaryBytes: 5) == 151)
        #expect(ExtendedPayload.encodedCount(binaryBytes: 4096) == 4242)
        let decoded = try ExtendedPayload(decoding: expected)
        #expect(decoded == payload)
        #expect(decoded.pnrpID == fixedID)
        #expect(decoded.content.data == Array("PNRP!".utf8))
        try decoded.verify(now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
    }

    @Test func stringPayloadsInBothEncodings() throws {
        // UTF-8 "hé" + NUL: String Type 1, Payload Length 2 + 4.
        let utf8 = try fixedPayload(.string(.utf8, ExtendedPayload.stringBytes("hé", type: .utf8)))
        let w8 = utf8.encoded()
        #expect(Array(w8[64..<80]) == hex("0100 1000 02000080 0600 0100 68c3a900"))
        #expect(utf8.content.text == "hé")
        #expect(utf8.content.data == Array("hé".utf8))
        // UTF-16LE "Ω𝄞" + NUL: String Type 0; the clef is a surrogate pair.
        let utf16 = try fixedPayload(.string(.utf16, ExtendedPayload.stringBytes("Ω𝄞", type: .utf16)))
        let w16 = utf16.encoded()
        #expect(Array(w16[64..<84]) == hex("0100 1400 02000080 0a00 0000 a903 34d8 1edd 0000"))
        #expect(utf16.content.text == "Ω𝄞")
        #expect(utf16.content.data == Array("Ω𝄞".utf8))
        for p in [utf8, utf16] {
            let decoded = try ExtendedPayload(decoding: p.encoded())
            #expect(decoded == p)
            #expect(decoded.encoded() == p.encoded())
            try decoded.verify(now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        }
    }

    @Test func roundTripsAreExactAtTheBounds() throws {
        var g = SplitMix64(seed: 7)
        let contents: [ExtendedPayloadContent] = [
            .binary([0]), .binary(RandomWire.bytes(4096, &g)),
            .string(.utf8, Array("abc".utf8) + [0]), .string(.utf8, [UInt8](repeating: 0x61, count: 4095) + [0]),
            .string(.utf16, [0x61, 0, 0, 0]), .string(.utf16, [UInt8](repeating: 0x62, count: 4094).enumerated().map { $0.offset % 2 == 1 ? 0 : $0.element } + [0, 0]),
        ]
        for content in contents {
            let p = try fixedPayload(content)
            let wire = p.encoded()
            #expect(Int(wire[0]) | Int(wire[1]) << 8 == wire.count)
            let decoded = try ExtendedPayload(decoding: wire)
            #expect(decoded == p)
            #expect(decoded.encoded() == wire)
            let padded = [0xEE] + wire + [0xFF]
            #expect(try ExtendedPayload(decoding: padded[1..<(padded.count - 1)]) == p)
        }
    }

    @Test func reservedIsKeptSoTheSignatureStillCoversIt() throws {
        var wire = try fixedPayload().encoded()
        wire[4] = 0x5A
        wire[5] = 0xA5
        let decoded = try ExtendedPayload(decoding: wire)
        #expect(decoded.reserved == 0xA55A)
        #expect(decoded.encoded() == wire)
        // The publisher signed zeros: a bad signature, not a malformed payload.
        expectPayloadError(.badSignature) { () throws(ExtendedPayloadError) in
            try decoded.verify(now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        }
    }

    @Test func signedRefusesWhatTheSyntaxForbids() {
        let bad: [(ExtendedPayloadContent, [UInt8], String)] = [
            (.binary([]), fixedNonce, "binary payload has 0 bytes"),
            (.binary([UInt8](repeating: 1, count: 4097)), fixedNonce, "binary payload has 4097 bytes"),
            (.binary([1]), Array(fixedNonce.prefix(15)), "nonce has 15 bytes"),
            (.string(.utf8, Array("ab".utf8) + [0]), fixedNonce, "string payload has 3 bytes"),
            (.string(.utf8, Array("abcd".utf8)), fixedNonce, "must end with a NUL"),
            (.string(.utf16, [0x61, 0, 0x62]), fixedNonce, "string payload has 3 bytes"),
            (.string(.utf16, [0x61, 0, 0x62, 0, 0]), fixedNonce, "odd number of bytes"),
        ]
        for (content, nonce, reason) in bad {
            do {
                _ = try ExtendedPayload.signed(pnrpID: fixedID, nonce: nonce, notAfter: notAfter, content: content, key: ownerKey)
                Issue.record("\(content) was signed")
            } catch {
                guard case .malformed(let why) = error else {
                    Issue.record("\(error) is not .malformed")
                    continue
                }
                #expect(why.contains(reason), "\(why)")
            }
        }
    }
}

// MARK: - Refusals

@Suite(.onComputeThread) struct ExtendedPayloadRefusalTests {
    static let good = try! fixedPayload().encoded()
    static let goodString = try! fixedPayload(.string(.utf8, Array("text".utf8) + [0])).encoded()

    /// One mutation of a valid payload and the refusal it must cause: the error kind and a word of its text.
    @Test func binaryRefusals() {
        let cases: [(String, (inout [UInt8]) -> Void, String, String)] = [
            ("Length larger than the input", { setLE16(&$0, 0, $0.count + 1) }, "truncated", "Length"),
            ("Length smaller than the input", { $0.append(0) }, "trailingBytes", "after"),
            ("minor version 1", { $0[2] = 1 }, "badValue", "version"),
            ("major version 1", { $0[3] = 1 }, "badValue", "version"),
            ("Signature Offset off by one", { setLE16(&$0, 6, 80) }, "badLength", "Signature Offset"),
            ("no payload", { setLE16(&$0, 64, 0) }, "badValue", "Number of Payloads"),
            ("two payloads", { setLE16(&$0, 64, 2) }, "badValue", "Number of Payloads"),
            ("Total Payload Bytes off", { setLE16(&$0, 66, 16) }, "badLength", "Total Payload Bytes"),
            ("Payload Length off", { setLE16(&$0, 72, 4) }, "badLength", "Payload Length"),
            ("unknown Payload Type", { $0[68] = 0x01 }, "badValue", "Payload Type"),
            ("Payload Type 1 of a CPA PAYLOAD", { $0.replaceSubrange(68..<72, with: [1, 0, 0, 0]) }, "badValue", "Payload Type"),
            ("SIGNATURE Field Length 136", { setLE16(&$0, 79, 136) }, "badLength", "SIGNATURE Field Length"),
            ("Signature Length 128", { setLE16(&$0, 81, 128) }, "badLength", "Signature Length"),
            ("ALG_ID CALG_SHA1", { $0.replaceSubrange(83..<87, with: [0x04, 0x80, 0, 0]) }, "badValue", "ALG_ID"),
            ("cut inside the signature", { $0.removeLast(10); setLE16(&$0, 0, $0.count) }, "badLength", "Signature Offset"),
            ("one byte", { $0 = [0x97] }, "truncated", "Length"),
        ]
        for (name, mutate, kind, word) in cases {
            var b = Self.good
            mutate(&b)
            guard let error = decodeError(b) else {
                Issue.record("\(name): accepted")
                continue
            }
            #expect(error.kind == kind, "\(name): \(error)")
            #expect(error.description.contains(word), "\(name): \(error)")
        }
    }

    /// Sizes out of range, with every length field kept consistent so that the range check itself refuses.
    @Test func sizesOutOfRange() {
        func binary(_ n: Int) -> [UInt8] {
            var p = try! fixedPayload()
            p.content = .binary([UInt8](repeating: 7, count: n))
            return p.encoded()
        }
        #expect(decodeError(binary(0))?.description.contains("binary: 1...4096") == true)
        #expect(decodeError(binary(4097))?.description.contains("binary: 1...4096") == true)
        #expect(decodeError(binary(4096)) == nil)
        func string(_ bytes: [UInt8], _ type: ExtendedPayloadStringType = .utf8) -> [UInt8] {
            var p = try! fixedPayload()
            p.content = .string(type, bytes)
            return p.encoded()
        }
        #expect(decodeError(string([0x61, 0x62, 0]))?.description.contains("string: 6...4098") == true)
        #expect(decodeError(string([UInt8](repeating: 0x61, count: 4096) + [0]))?.description.contains("string: 6...4098") == true)
        #expect(decodeError(string([UInt8](repeating: 0x61, count: 4095) + [0])) == nil)
    }

    @Test func badStrings() {
        func refusal(_ type: UInt16, _ bytes: [UInt8]) -> WireError? {
            var p = try! fixedPayload(.string(.utf8, Array("text".utf8) + [0]))
            p.content = .string(.utf8, bytes)
            var wire = p.encoded()
            setLE16(&wire, 74, Int(type))
            return decodeError(wire)
        }
        #expect(refusal(2, Array("abc".utf8) + [0])?.description.contains("String Type") == true)
        #expect(refusal(0xFFFF, Array("abc".utf8) + [0])?.description.contains("String Type") == true)
        #expect(refusal(1, Array("abcd".utf8))?.description.contains("must end with a NUL") == true)
        #expect(refusal(1, Array("a\u{0}bc".utf8) + [0])?.description.contains("NUL before its terminator") == true)
        #expect(refusal(1, [0x61, 0xC3, 0x28, 0])?.description.contains("not well-formed UTF-8") == true)
        #expect(refusal(0, [0x61, 0, 0x62, 0, 0])?.description.contains("odd number") == true)
        #expect(refusal(0, [0x61, 0, 0x62, 0])?.description.contains("must end with a NUL") == true)
        #expect(refusal(0, [0, 0, 0x62, 0, 0, 0])?.description.contains("NUL before its terminator") == true)
        #expect(refusal(0, [0x00, 0xD8, 0x61, 0, 0, 0])?.description.contains("not well-formed UTF-16LE") == true)
        #expect(refusal(1, Array("abc".utf8) + [0]) == nil)
        #expect(refusal(0, [0x61, 0, 0x62, 0, 0, 0]) == nil)
        #expect(decodeError(Self.goodString) == nil)
    }
}

// MARK: - Verification ([MS-PNRP] 3.1.5.8)

@Suite(.onComputeThread) struct ExtendedPayloadVerificationTests {
    @Test func aGoodPayloadVerifiesAtItsBounds() throws {
        let p = try fixedPayload()
        try p.verify(now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        try p.verify(now: notAfter, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        try p.verify(now: notAfter.subtracting(seconds: 7 * 86_400 + 3_600), expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        let verified = try ExtendedPayload.verified(p.encoded(), now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
        #expect(verified == p)
    }

    @Test func eachCheckHasItsOwnError() throws {
        let p = try fixedPayload()
        func check(_ p: ExtendedPayload, now: FileTime = now, id: PNRPID = fixedID, nonce: [UInt8] = fixedNonce, key: [UInt8] = rfcPublicKey) throws(ExtendedPayloadError) {
            try p.verify(now: now, expectedID: id, expectedNonce: nonce, publicKey: key)
        }
        let late = notAfter.adding(seconds: 1)
        expectPayloadError(.expired(notAfter: notAfter, now: late)) { () throws(ExtendedPayloadError) in try check(p, now: late) }
        let early = notAfter.subtracting(seconds: 7 * 86_400 + 3_601)
        expectPayloadError(.validityTooLong(notAfter: notAfter, latestAccepted: early.adding(seconds: 7 * 86_400 + 3_600))) { () throws(ExtendedPayloadError) in
            try check(p, now: early)
        }
        let otherID = fixedID.adding(PNRPID(0, 0, 0, 1))
        expectPayloadError(.wrongID(expected: otherID, actual: fixedID)) { () throws(ExtendedPayloadError) in try check(p, id: otherID) }
        expectPayloadError(.nonceMismatch) { () throws(ExtendedPayloadError) in try check(p, nonce: CPA.zeroNonce) }
        expectPayloadError(.badSignature) { () throws(ExtendedPayloadError) in try check(p, key: otherKey.publicKey.bytes) }
        expectPayloadError(.unsupportedKey("Ed25519 public key has 31 bytes; it must have 32.")) { () throws(ExtendedPayloadError) in
            try check(p, key: Array(rfcPublicKey.prefix(31)))
        }
        // A payload byte changed after signing.
        var tampered = p
        tampered.content = .binary(Array("PNRP?".utf8))
        expectPayloadError(.badSignature) { () throws(ExtendedPayloadError) in try check(tampered) }
        // Re-signed by another key: valid structure, wrong signer.
        expectPayloadError(.badSignature) { () throws(ExtendedPayloadError) in try check(try fixedPayload(key: otherKey)) }
        // Hand-assembled with a short signature.
        var short = p
        short.signature.removeLast()
        expectPayloadError(.malformed("signature has 63 bytes; it must have 64")) { () throws(ExtendedPayloadError) in try check(short) }
        // Bytes that do not decode.
        var wire = p.encoded()
        wire[3] = 3
        do {
            _ = try ExtendedPayload.verified(wire, now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)
            Issue.record("a version-3 payload verified")
        } catch {
            guard case .undecodable(let e) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(e.kind == "badValue")
        }
    }

    /// The cheap checks come before the signature (3.1.5.8's order): a replayed payload is refused for its
    /// nonce even when its signature is also wrong.
    @Test func checksRunInTheDocumentedOrder() throws {
        var p = try fixedPayload()
        p.signature = [UInt8](repeating: 0, count: 64)
        expectPayloadError(.nonceMismatch) { () throws(ExtendedPayloadError) in
            try p.verify(now: now, expectedID: fixedID, expectedNonce: CPA.zeroNonce, publicKey: rfcPublicKey)
        }
        let otherID = PNRPID.zero
        expectPayloadError(.wrongID(expected: otherID, actual: fixedID)) { () throws(ExtendedPayloadError) in
            try p.verify(now: now, expectedID: otherID, expectedNonce: CPA.zeroNonce, publicKey: rfcPublicKey)
        }
        let late = notAfter.adding(seconds: 10)
        expectPayloadError(.expired(notAfter: notAfter, now: late)) { () throws(ExtendedPayloadError) in
            try p.verify(now: late, expectedID: otherID, expectedNonce: CPA.zeroNonce, publicKey: rfcPublicKey)
        }
    }
}

// MARK: - Properties and fuzzing

@Suite(.onComputeThread) struct ExtendedPayloadPropertyTests {
    /// Any payload `signed` builds encodes, decodes to an equal value, re-encodes to the same bytes and verifies.
    @Test func signedPayloadsRoundTripAndVerify() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...2), Gen.int(in: 1...4096), Gen.int(in: 0...Int.max)) { kind, size, seed in
            var g = SplitMix64(seed: UInt64(seed))
            let key = try Ed25519PrivateKey(seed: RandomWire.bytes(32, &g))
            let content: ExtendedPayloadContent
            switch kind {
            case 0: content = .binary(RandomWire.bytes(size, &g))
            case 1: content = .string(.utf8, (0..<max(3, size - 1)).map { _ in UInt8.random(in: 0x20...0x7E, using: &g) } + [0])
            default:
                let units = max(1, size / 2 - 1)
                content = .string(.utf16, (0..<units).flatMap { _ in [UInt8.random(in: 0x20...0x7E, using: &g), UInt8.random(in: 0x00...0x4F, using: &g)] } + [0, 0])
            }
            let id = RandomWire.id(&g)
            let nonce = RandomWire.bytes(16, &g)
            let start = FileTime(rawValue: FileTime.unixEpochOffset + g.next() % (1 << 60))
            let validity = start.adding(seconds: g.next() % (7 * 86_400))
            let payload = try ExtendedPayload.signed(pnrpID: id, nonce: nonce, notAfter: validity, content: content, key: key)
            let wire = payload.encoded()
            #expect(wire.count == payload.encodedCount)
            let decoded = try ExtendedPayload(decoding: wire)
            #expect(decoded == payload)
            #expect(decoded.encoded() == wire)
            try decoded.verify(now: start, expectedID: id, expectedNonce: nonce, publicKey: key.publicKey.bytes)
        }
    }

    /// Random bytes never trap the decoder; what decodes re-encodes to the same bytes.
    @Test func randomBytesNeverTrap() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...300)) { bytes in
            var b = bytes
            if b.count >= 2 { setLE16(&b, 0, b.count) }  // reach past the Length check half the time
            for input in [bytes, b] {
                if let p = try? ExtendedPayload(decoding: input) { #expect(p.encoded() == input) }
            }
        }
    }

    /// 50,000 mutations of valid payloads (binary and string, small and large): never a trap, and whatever is
    /// accepted re-encodes byte for byte and fails verification unless it is the original.
    @Test func mutationsNeverTrap() throws {
        var g = SplitMix64(seed: 2_038)
        let seeds = [
            try fixedPayload().encoded(), try fixedPayload(.binary(RandomWire.bytes(4096, &g))).encoded(),
            try fixedPayload(.string(.utf8, Array("string payload".utf8) + [0])).encoded(),
            try fixedPayload(.string(.utf16, ExtendedPayload.stringBytes("wide ☕", type: .utf16))).encoded(),
        ]
        var accepted = 0
        for i in 0..<50_000 {
            let original = seeds[i % seeds.count]
            var b = WireFuzzTests.mutate(original, &g)
            if Bool.random(using: &g), b.count >= 2, b.count <= 0xFFFF { setLE16(&b, 0, b.count) }
            guard let p = try? ExtendedPayload(decoding: b) else { continue }
            accepted += 1
            #expect(p.encoded() == b)
            if b != original {
                #expect((try? p.verify(now: now, expectedID: fixedID, expectedNonce: fixedNonce, publicKey: rfcPublicKey)) == nil)
            }
        }
        #expect(accepted > 0)
    }
}
