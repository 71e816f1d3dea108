import PNRP
import PeerCrypto
import NetworkLab
import Testing

/// Peer names and P2P IDs against [MS-PNRP] 1.3.1.1, 1.3.1.2, 2.2.4 and 3.1.4.4.1.
@Suite("Identifiers: peer names and P2P IDs", .onComputeThread)
struct IdentifierTests {

    // MARK: - P2P IDs against the independent oracle

    /// One peer name and the P2P ID that `Oracle/p2pid_oracle.py` printed for it.
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let p2pID: String
        var testDescription: String { name.count > 40 ? String(name.prefix(40)) + "…" : name }
    }

    /// Output of `python3 Tests/PNRPTests/Oracle/p2pid_oracle.py` (Python's hashlib, written without reference
    /// to the Swift code), in the script's order. The two 149-unit classifiers are spelt with
    /// `String(repeating:)` rather than pasted.
    static let oracleVectors: [Vector] = [
        Vector(name: "0.printer", p2pID: "1d6d3b63d7dcfd82009e462d7bbfd2c6"),
        Vector(name: "0.MyApplication", p2pID: "7775c82766bfb84e1ca6276fe033d797"),
        Vector(name: "0.", p2pID: "f16650999d995aca3e323e4008a7f4bd"),
        Vector(name: "0.a.b.c", p2pID: "dfb2b174cebba6113b169fd4061fb014"),
        Vector(name: "0. spaced  out ", p2pID: "7cfb2a30f14413c7b70f852ff8231656"),
        Vector(name: "0.caf\u{E9}", p2pID: "f7d2881a7eddc010484397d65b27635f"),
        Vector(name: "0.cafe\u{301}", p2pID: "4b866e0db7b345e336ca3cc1c9566f63"),
        Vector(name: "0.\u{65E5}\u{672C}\u{8A9E}", p2pID: "28827d1135b0cc51f93552993a7de334"),
        Vector(name: "0.\u{1F600} smile", p2pID: "fcafad8da67f5a5669acb555f0145b69"),
        Vector(name: "0." + String(repeating: "x", count: 149), p2pID: "ab4a1b6c8cb6b2617f6a80fb8be0c57c"),
        Vector(name: "0." + String(repeating: "\u{1F600}", count: 74) + "y", p2pID: "a7126ae38c510cf997882edc878dc9ab"),
        Vector(name: "9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat", p2pID: "bcb1bcc81126055eeee7f92ba0663f3e"),
        Vector(name: "e7f6cb0bb589bd248d0a2e4fe2c6bc52cd315720.service.v1", p2pID: "d220581ec7ff2d799ee7185659f89018"),
        Vector(name: "0000000000000000000000000000000000000000.printer", p2pID: "1d6d3b63d7dcfd82009e462d7bbfd2c6"),
        Vector(name: "ffffffffffffffffffffffffffffffffffffffff.\u{1D11E}", p2pID: "b2cffc4fa92e76b59c8f7fc44ace7805"),
    ]

    @Test("P2P ID matches the oracle", arguments: oracleVectors)
    func p2pIDMatchesOracle(_ v: Vector) throws {
        let name = try PeerName(v.name)
        #expect(name.p2pID.description == v.p2pID)
        #expect(hex(name.p2pID.bytes) == v.p2pID)
        #expect(PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0, low: 0)).description == v.p2pID + String(repeating: "0", count: 32))
        // The text form is kept exactly as written and parses back to the same name.
        #expect(name.description == v.name)
        #expect(try PeerName(name.description) == name)
    }

    @Test func oracleVectorsCoverTheEdges() throws {
        let names = try Self.oracleVectors.map { try PeerName($0.name) }
        #expect(names.contains { $0.classifier.isEmpty })
        #expect(names.contains { $0.classifier.utf16.count == PeerName.maximumClassifierLength && $0.classifier.unicodeScalars.count == 149 })
        #expect(names.contains { $0.classifier.utf16.count == PeerName.maximumClassifierLength && $0.classifier.unicodeScalars.count == 75 })
        #expect(names.contains { $0.classifier.unicodeScalars.contains { $0.value > 0xFFFF } })
        #expect(names.filter(\.isSecured).count == 3)
        // Fifteen names, fourteen P2P IDs: only the all-zero authority collides (with "0.printer").
        #expect(Set(names.map(\.p2pID)).count == names.count - 1)
    }

    @Test func p2pIDFromHashesMatchesP2PIDFromName() throws {
        for v in Self.oracleVectors {
            let name = try PeerName(v.name)
            let fromHashes = P2PID(classifierHash: name.classifierHash, binaryAuthority: name.authority.binary)
            #expect(fromHashes == name.p2pID)
        }
    }

    /// The formula written out by hand once more, with the SHA-1 of PeerCrypto, for a few names.
    @Test func p2pIDIsTheSpecFormula() throws {
        for text in ["0.printer", "9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat", "0.\u{1F600}"] {
            let name = try PeerName(text)
            var units = [UInt8]()
            for u in name.classifier.utf16 { units += [UInt8(u & 0xFF), UInt8(u >> 8)] }
            let ch = SHA1.hash(units)
            let digest = SHA1.hash(ch + name.authority.binary + ch + [0x50, 0x4E, 0x52, 0x50])
            #expect(name.p2pID.bytes == Array(digest.prefix(16)))
        }
    }

    @Test func classifierIsHashedAsUTF16LEWithoutTerminator() throws {
        let name = try PeerName("0.A\u{1F600}")
        #expect(name.classifierUTF16LE == [0x41, 0x00, 0x3D, 0xD8, 0x00, 0xDE])
        #expect(name.classifierHash == SHA1.hash([0x41, 0x00, 0x3D, 0xD8, 0x00, 0xDE]))
        #expect(try PeerName("0.").classifierUTF16LE.isEmpty)
    }

    @Test func pnrpIDHalves() throws {
        let p2p = try PeerName("0.printer").p2pID
        let sl = ServiceLocation.forResolution(prefix: 0x2001_0db8_0000_0001)
        let id = PNRPID(p2pID: p2p, serviceLocation: sl)
        #expect(id.p2pID == p2p)
        #expect(id.serviceLocation == sl)
        #expect(sl.low == 0x8000_0000_0000_0000)
        #expect(id.description == "1d6d3b63d7dcfd82009e462d7bbfd2c6" + "20010db800000001" + "8000000000000000")
        #expect(p2p.high == 0x1d6d_3b63_d7dc_fd82 && p2p.low == 0x009e_462d_7bbf_d2c6)
    }

    // MARK: - Valid peer names (2.2.4)

    @Test func unsecuredName() throws {
        let name = try PeerName("0.printer")
        #expect(name.authority == .unsecured)
        #expect(!name.isSecured)
        #expect(name.classifier == "printer")
        #expect(name.authority.binary == [UInt8](repeating: 0, count: 20))
    }

    @Test func securedName() throws {
        let name = try PeerName("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat")
        #expect(name.isSecured)
        #expect(name.authority.binary == [
            0x9f, 0x3c, 0x0e, 0x0b, 0x6f, 0x1a, 0x5b, 0x0d, 0x2f, 0x9b,
            0x8a, 0x3e, 0x0c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3,
        ])
        #expect(name.authority.description == "9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3")
    }

    @Test func authorityOfPublicKeyIsItsSHA1InLowercaseHex() throws {
        let key = Array("example public key".utf8)
        let authority = Authority.of(publicKey: key)
        #expect(authority.description == "e7f6cb0bb589bd248d0a2e4fe2c6bc52cd315720")
        let name = try PeerName(authority: authority, classifier: "service.v1")
        #expect(name.description == "e7f6cb0bb589bd248d0a2e4fe2c6bc52cd315720.service.v1")
        #expect(name.p2pID.description == "d220581ec7ff2d799ee7185659f89018")
        // Small bytes keep their leading zero digit.
        #expect(Authority.secured([UInt8](repeating: 0x0c, count: 20)).description == String(repeating: "0c", count: 20))
    }

    @Test func emptyClassifierIsValid() throws {
        // 2.2.4: classifier = 0*149clchar.
        let name = try PeerName("0.")
        #expect(name.classifier == "")
        #expect(name.description == "0.")
        #expect(try PeerName(authority: .unsecured, classifier: "") == name)
    }

    @Test func classifierKeepsLaterDots() throws {
        let name = try PeerName("0...")
        #expect(name.classifier == "..")
        #expect(try PeerName("0.a.b.c").classifier == "a.b.c")
    }

    @Test func nothingIsTrimmedOrFolded() throws {
        #expect(try PeerName("0. x ").classifier == " x ")
        #expect(try PeerName("0.\t\n\r").classifier == "\t\n\r")
        #expect(try PeerName("0.Printer") != PeerName("0.printer"))
        #expect(try PeerName("0.Printer").p2pID != PeerName("0.printer").p2pID)
    }

    @Test func controlAndSpecialCharactersAreOrdinaryClassifierCharacters() throws {
        // clchar = %x0001-FFFF: everything but NUL.
        for c in ["\u{1}", "\u{7F}", "\u{FEFF}", "\u{FFFF}", "\u{200B}", "/", "\\", "\""] {
            #expect(try PeerName("0.a" + c + "b").classifier == "a" + c + "b")
        }
    }

    @Test func separatorIsTheFirstFullStopScalarEvenBeforeACombiningMark() throws {
        // "." followed by U+0301 is one Swift Character that is not ".", but it is still the separator.
        let name = try PeerName("0.\u{301}x")
        #expect(name.authority == .unsecured)
        #expect(name.classifier.unicodeScalars.map(\.value) == [0x301, 0x78])
        // A combining mark on the authority makes the authority wrong, not the separator missing.
        #expect(throws: PeerNameError.badAuthority("0\u{301}")) { try PeerName("0\u{301}.x") }
    }

    @Test func maximumLengthIsCountedInUTF16CodeUnits() throws {
        #expect(PeerName.maximumClassifierLength == 149)
        _ = try PeerName("0." + String(repeating: "x", count: 149))
        _ = try PeerName("0." + String(repeating: "\u{1F600}", count: 74) + "y")
        #expect(throws: PeerNameError.classifierTooLong(150)) { try PeerName("0." + String(repeating: "\u{1F600}", count: 75)) }
        #expect(throws: PeerNameError.classifierTooLong(150)) { try PeerName("0." + String(repeating: "x", count: 150)) }
        #expect(throws: PeerNameError.classifierTooLong(151)) { try PeerName("0." + String(repeating: "x", count: 149) + "\u{1F600}") }
    }

    @Test func canonicallyEquivalentClassifiersAreDifferentNames() throws {
        let composed = try PeerName("0.caf\u{E9}")
        let decomposed = try PeerName("0.cafe\u{301}")
        #expect(composed.classifier == decomposed.classifier)  // Swift's String equality...
        #expect(composed != decomposed)  // ...is not the spec's: different code units, different names
        #expect(composed.p2pID != decomposed.p2pID)
        let again = try PeerName("0.caf\u{E9}")
        #expect(Set([composed, decomposed]).count == 2)
        #expect(Set([composed, again]).count == 1)
    }

    @Test func allZeroSecureAuthorityIsNotSecured() throws {
        let zeros = String(repeating: "0", count: 40)
        let name = try PeerName(zeros + ".printer")
        #expect(name.authority == .secured([UInt8](repeating: 0, count: 20)))
        #expect(!name.isSecured)
        #expect(name.description == zeros + ".printer")
        let unsecured = try PeerName("0.printer")
        #expect(name != unsecured)
        #expect(name.p2pID == unsecured.p2pID)
    }

    // MARK: - Invalid peer names: one error per rule

    @Test(arguments: [
        ("printer", PeerNameError.missingSeparator),
        ("", .missingSeparator),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3", .missingSeparator),
        (".printer", .badAuthority("")),
        ("00.printer", .badAuthority("00")),
        ("1.printer", .badAuthority("1")),
        (" 0.printer", .badAuthority(" 0")),
        ("0 .printer", .badAuthority("0 ")),
        ("O.printer", .badAuthority("O")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a.x", .badAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a30.x", .badAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a30")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192ag.x", .nonHexAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192ag")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a\u{E9}.x", .nonHexAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a\u{E9}")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192 3.x", .nonHexAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192 3")),
        ("9F3C0E0B6F1A5B0D2F9B8A3E0C4D5E6F708192A3.x", .uppercaseAuthority("9F3C0E0B6F1A5B0D2F9B8A3E0C4D5E6F708192A3")),
        ("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192A3.x", .uppercaseAuthority("9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192A3")),
        ("9F3C0E0B6F1A5B0D2F9B8A3E0C4D5E6F708192AG.x", .nonHexAuthority("9F3C0E0B6F1A5B0D2F9B8A3E0C4D5E6F708192AG")),
        ("0.print\u{0}er", .nulInClassifier),
        ("0.\u{0}", .nulInClassifier),
    ])
    func invalidNames(_ text: String, _ expected: PeerNameError) {
        #expect(throws: expected) { try PeerName(text) }
    }

    @Test func authorityIsCheckedBeforeTheClassifier() {
        #expect(throws: PeerNameError.badAuthority("x")) { try PeerName("x." + String(repeating: "y", count: 200)) }
    }

    @Test func builtNamesAreValidatedToo() {
        #expect(throws: PeerNameError.secureAuthorityByteCount(3)) { try PeerName(authority: .secured([1, 2, 3]), classifier: "x") }
        #expect(throws: PeerNameError.secureAuthorityByteCount(32)) { try PeerName(authority: .secured([UInt8](repeating: 1, count: 32)), classifier: "x") }
        #expect(throws: PeerNameError.classifierTooLong(150)) { try PeerName(authority: .unsecured, classifier: String(repeating: "z", count: 150)) }
        #expect(throws: PeerNameError.nulInClassifier) { try PeerName(authority: .unsecured, classifier: "\u{0}") }
    }

    @Test func errorMessagesAreDistinctAndCiteTheSpec() {
        let errors: [PeerNameError] = [
            .missingSeparator, .badAuthority("1"), .nonHexAuthority("g"), .uppercaseAuthority("AB"),
            .secureAuthorityByteCount(3), .classifierTooLong(150), .nulInClassifier,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        for e in errors { #expect(e.description.contains("MS-PNRP")) }
        #expect(PeerNameError.uppercaseAuthority("9F3C").description.contains("'9f3c'"))
    }

    // MARK: - Helpers

    private func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }
}
