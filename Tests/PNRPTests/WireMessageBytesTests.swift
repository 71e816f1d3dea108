@testable import PNRP
import NetworkLab
import Testing

/// Byte-exact checks of every message against datagrams written out by hand from [MS-PNRP] 2.2.
/// Each expected datagram is spelled as hex, one element per line; the encoder is never used to build them.
@Suite(.onComputeThread) struct WireMessageBytesTests {
    // Shared hand-written pieces.
    // PNRP ID A: bytes 00..1F, most significant first (docs/deviations.md W3).
    static let idAHex = "000102030405060708090A0B0C0D0E0F 101112131415161718191A1B1C1D1E1F"
    static let idA = PNRPID(0x0001_0203_0405_0607, 0x0809_0A0B_0C0D_0E0F, 0x1011_1213_1415_1617, 0x1819_1A1B_1C1D_1E1F)
    // PNRP ID B: bytes 20..3F.
    static let idBHex = "202122232425262728292A2B2C2D2E2F 303132333435363738393A3B3C3D3E3F"
    static let idB = PNRPID(0x2021_2223_2425_2627, 0x2829_2A2B_2C2D_2E2F, 0x3031_3233_3435_3637, 0x3839_3A3B_3C3D_3E3F)
    // 2001:db8::1 and ::ffff:192.0.2.7.
    static let addr1Hex = "20010DB8 00000000 00000000 00000001"
    static let addr1 = IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1)
    static let addr2Hex = "00000000 00000000 0000FFFF C0000207"
    static let addr2 = IPv6Address(ipv4: 192, 0, 2, 7)
    // IPV6_ENDPOINTs: port (big-endian) then address. 3540 = 0x0DD4, 50000 = 0xC350.
    static let ep1Hex = "0DD4 " + addr1Hex
    static let ep1 = IPv6Endpoint(address: addr1, port: 3540)
    static let ep2Hex = "C350 " + addr2Hex
    static let ep2 = IPv6Endpoint(address: addr2, port: 50000)
    // ROUTING_ENTRY element: Length 4 + 38 + 16 = 58 = 0x3A, then 2 padding bytes.
    static let routeHex = "009A 003A " + idAHex + " 04 00 0DD4 00 01 " + addr1Hex + " 0000"
    static let route = RouteEntry(id: idA, port: 3540, addresses: [addr1])
    // 20-byte hashed nonce 40..53 and 16-byte nonce 60..6F.
    static let hashedNonceHex = "404142434445464748494A4B4C4D4E4F 50515253"
    static let hashedNonce: [UInt8] = Array(0x40...0x53)
    static let nonceHex = "606162636465666768696A6B6C6D6E6F"
    static let nonce: [UInt8] = Array(0x60...0x6F)

    func check(_ message: PNRPMessage, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = try message.encoded()
        #expect(encoded == expected, "encoding differs", sourceLocation: sourceLocation)
        #expect(try PNRPMessage(decoding: expected) == message, "decoding differs", sourceLocation: sourceLocation)
    }

    @Test func solicitWithControlsAndRouteEntry() throws {
        let expected = hex(
            "0010 000C 51 04 00 01 01020304",   // PNRP_HEADER, Length 12, 0x51, 4.0, SOLICIT, Message ID
            "0044 0006 00 01 0000",              // SOLICIT_CONTROLS, Length 6, Reserved, LOCAL, Padding1
            Self.routeHex,                       // ROUTING_ENTRY + 2 padding
            "0092 0018", Self.hashedNonceHex)    // HASHED_NONCE, Length 24
        #expect(expected.count == 36 + 8 + 44 + 16)
        try check(PNRPMessage(messageID: 0x0102_0304, body: .solicit(Solicit(solicitType: .local, routeEntry: Self.route, hashedNonce: Self.hashedNonce))), expected)
    }

    @Test func solicitMinimal() throws {
        let expected = hex("0010 000C 51 04 00 01 FFFFFFFF", "0092 0018", Self.hashedNonceHex)
        #expect(expected.count == 36)
        try check(PNRPMessage(messageID: 0xFFFF_FFFF, body: .solicit(Solicit(hashedNonce: Self.hashedNonce))), expected)
    }

    @Test func advertise() throws {
        let expected = hex(
            "0010 000C 51 04 00 02 00000007",   // header, ADVERTISE
            "0018 0008 A1B2C3D4",                // PNRP_HEADER_ACKED
            "0060 004C 0002 0048 0030 0020",     // PNRP_ID_ARRAY: Length 12+64, N 2, ArrayLength 8+64, PNRP_ID, 32
            Self.idAHex, Self.idBHex,
            "0092 0018", Self.hashedNonceHex)
        #expect(expected.count == 56 + 32 * 2)
        try check(PNRPMessage(messageID: 7, body: .advertise(Advertise(ackedMessageID: 0xA1B2_C3D4, ids: [Self.idA, Self.idB], hashedNonce: Self.hashedNonce))), expected)
    }

    @Test func advertiseTooBusy() throws {
        let expected = hex("0010 000C 51 04 00 02 00000008", "0018 0008 00000001", "0060 000C 0000 0008 0030 0020", "0092 0018", Self.hashedNonceHex)
        try check(PNRPMessage(messageID: 8, body: .advertise(Advertise(ackedMessageID: 1, ids: [], hashedNonce: Self.hashedNonce))), expected)
    }

    @Test func request() throws {
        let expected = hex(
            "0010 000C 51 04 00 03 0000ABCD",   // header, REQUEST
            "0093 0014", Self.nonceHex,          // NONCE, Length 20
            "0060 002C 0001 0028 0030 0020",     // PNRP_ID_ARRAY, Length 44, N 1, ArrayLength 40
            Self.idBHex)
        #expect(expected.count == 44 + 32)
        try check(PNRPMessage(messageID: 0xABCD, body: .request(Request(nonce: Self.nonce, ids: [Self.idB]))), expected)
    }

    @Test func floodWithRouteEntry() throws {
        let expected = hex(
            "0010 000C 51 04 00 04 00000010",   // header, FLOOD
            "0043 0007 0001 5A 00",              // FLOOD_CONTROLS, Length 7, D set, Reserved2 0x5A, Padding1
            "0039 0024", Self.idBHex,            // VALIDATE_PNRP_ID, Length 36
            Self.routeHex,                       // ROUTING_ENTRY + padding
            "009E 001E 0001 001A 009D 0012",     // IPV6_ENDPOINT_ARRAY: Length 12+18, N 1, ArrayLength 26, IPV6_ENDPOINT, 18
            Self.ep2Hex)                         // ... and no padding: the datagram ends at 146 bytes
        #expect(expected.count == 68 + 18 + 44 + 16)
        let flood = Flood(doNotAck: true, reserved2: 0x5A, validateID: Self.idB, routeEntry: Self.route, alreadyFlooded: [Self.ep2])
        try check(PNRPMessage(messageID: 0x10, body: .flood(flood)), expected)
    }

    @Test func floodWithRevocation() throws {
        var g = SplitMix64(seed: 42)
        let cpa = RandomWire.cpa(&g, revoke: true)
        let cpaBytes = cpa.encoded()  // the CPA's own encoding is the CPA codec's business
        let padding = (4 - (4 + cpaBytes.count) % 4) % 4
        var expected = hex(
            "0010 000C 51 04 00 04 00000011",   // header, FLOOD
            "0043 0007 0000 00 00",              // FLOOD_CONTROLS, D clear
            "0039 0024", Self.idAHex)            // VALIDATE_PNRP_ID
        expected += [0x00, 0x9C, UInt8((4 + cpaBytes.count) >> 8), UInt8((4 + cpaBytes.count) & 0xFF)]  // REVOKE_CPA, 4 + CPA Length
        expected += cpaBytes + [UInt8](repeating: 0, count: padding)
        expected += hex("009E 000C 0000 0008 009D 0012")  // empty Already Flooded List
        let flood = Flood(doNotAck: false, validateID: Self.idA, revokeCPA: cpa, alreadyFlooded: [])
        try check(PNRPMessage(messageID: 0x11, body: .flood(flood)), expected)
    }

    @Test func inquire() throws {
        let expected = hex(
            "0010 000C 51 04 00 07 CAFEBABE",   // header, INQUIRE
            "0040 0006 0014 0000",               // FLAGS_FIELD, Length 6, A|C, Padding
            "0039 0024", Self.idAHex,            // VALIDATE_PNRP_ID
            "0093 0014", Self.nonceHex)          // NONCE
        #expect(expected.count == 76)
        try check(PNRPMessage(messageID: 0xCAFE_BABE, body: .inquire(Inquire(flags: [.wantCPA, .wantCertificateChain], validateID: Self.idA, nonce: Self.nonce))), expected)
        let short = hex("0010 000C 51 04 00 07 CAFEBABE", "0040 0006 0008 0000", "0039 0024", Self.idAHex)
        #expect(short.count == 56)
        try check(PNRPMessage(messageID: 0xCAFE_BABE, body: .inquire(Inquire(flags: .wantExtendedPayload, validateID: Self.idA))), short)
    }

    @Test func authority() throws {
        let expected = hex(
            "0010 000C 51 04 00 08 00000020",   // header, AUTHORITY
            "0018 0008 11223344",                // PNRP_HEADER_ACKED
            "0098 0008 0008 0000",               // SPLIT_CONTROLS, Length 8, Size 8, Offset 0
            "0040 0006 0001 0000")               // Buffer: an AUTHORITY_BUFFER with only FLAGS_FIELD, N set
        try check(PNRPMessage(messageID: 0x20, body: .authority(AuthorityFragment(ackedMessageID: 0x1122_3344, bufferSize: 8, offset: 0, fragment: hex("0040 0006 0001 0000")))), expected)
        #expect(try AuthorityBuffer(decoding: hex("0040 0006 0001 0000")) == AuthorityBuffer(flags: .notFound))
    }

    @Test func authorityBuffer() throws {
        let expected = hex(
            "0040 0006 0208 0000",               // FLAGS_FIELD: L|B
            "0080 0007 308201 00",               // CERT_CHAIN: 3 bytes, 1 padding
            "0085 0012 0003 000E 0084 0002",     // CLASSIFIER: Length 12+6, N 3, ArrayLength 14, WCHAR, 2
            "0048 0069 20AC 0000",               // "Hi€" as UTF-16BE, 2 padding
            "005A 0009 0102030405 000000",       // EXTENDED_PAYLOAD: 5 bytes, 3 padding
            Self.routeHex)                       // ROUTING_ENTRY, padded although it is last
        let buffer = AuthorityBuffer(
            flags: [.leafSet, .busy], certificateChain: [0x30, 0x82, 0x01], classifier: "Hi€",
            extendedPayload: [1, 2, 3, 4, 5], routeEntry: Self.route)
        #expect(try buffer.encoded() == expected)
        #expect(try AuthorityBuffer(decoding: expected) == buffer)
    }

    @Test func authorityBufferWithCPA() throws {
        var g = SplitMix64(seed: 7)
        let cpa = RandomWire.cpa(&g)
        let cpaBytes = cpa.encoded()
        var expected = hex("0040 0006 0000 0000")
        expected += [0x00, 0x9B, UInt8((4 + cpaBytes.count) >> 8), UInt8((4 + cpaBytes.count) & 0xFF)] + cpaBytes  // VALIDATE_CPA, unpadded
        let buffer = AuthorityBuffer(flags: [], validateCPA: cpa)
        #expect(try buffer.encoded() == expected)
        #expect(try AuthorityBuffer(decoding: expected) == buffer)
    }

    @Test func ack() throws {
        let withFlags = hex(
            "0010 000C 51 04 00 09 00000030",   // header, ACK
            "0018 0008 DEADBEEF",                // PNRP_HEADER_ACKED
            "0040 0006 0001")                    // FLAGS_FIELD, N set, no padding: 26 bytes
        #expect(withFlags.count == 26)
        try check(PNRPMessage(messageID: 0x30, body: .ack(Ack(ackedMessageID: 0xDEAD_BEEF, flags: .notFound))), withFlags)
        let plain = hex("0010 000C 51 04 00 09 00000031", "0018 0008 DEADBEEF")
        #expect(plain.count == 20)
        try check(PNRPMessage(messageID: 0x31, body: .ack(Ack(ackedMessageID: 0xDEAD_BEEF))), plain)
    }

    @Test func lookup() throws {
        let expected = hex(
            "0010 000C 51 04 00 0B 00000040",   // header, LOOKUP
            "0045 000C 0002 0080 08 01 0000",    // LOOKUP_CONTROLS: A, Precision 128, UPPER_BITS, REGISTRATION, Reserved2
            "0038 0024", Self.idAHex,            // TARGET_PNRP_ID
            "0039 0024", Self.idBHex,            // VALIDATE_PNRP_ID
            Self.routeHex,                       // ROUTING_ENTRY (best match)
            "009E 0030 0002 002C 009D 0012",     // IPV6_ENDPOINT_ARRAY: Length 12+36, N 2, ArrayLength 44
            Self.ep1Hex, Self.ep2Hex)
        #expect(expected.count == 126 + 18 + 60)
        let lookup = Lookup(
            flags: .acceptNotCloser, precision: 128, criteria: .upperBits, reasonCode: ResolveReason.registration.rawValue,
            target: Self.idA, validateID: Self.idB, bestMatch: Self.route, flaggedPath: [Self.ep1, Self.ep2])
        try check(PNRPMessage(messageID: 0x40, body: .lookup(lookup)), expected)
    }

    @Test func lookupMinimalEndsUnaligned() throws {
        let expected = hex(
            "0010 000C 51 04 00 0B 00000041",
            "0045 000C 0000 0000 00 00 0000",    // NONE, APP_REQUEST
            "0039 0024", Self.idBHex,
            "0038 0024", Self.idAHex)
        // Wrong order above (VALIDATE before TARGET) must be refused...
        #expect(messageDecodeError(expected + hex("009E 001E 0001 001A 009D 0012", Self.ep1Hex))?.kind == "unexpectedField")
        // ...and the right order is 126 bytes, not a multiple of 4.
        let good = hex(
            "0010 000C 51 04 00 0B 00000041", "0045 000C 0000 0000 00 00 0000",
            "0038 0024", Self.idAHex, "0039 0024", Self.idBHex, "009E 001E 0001 001A 009D 0012", Self.ep1Hex)
        #expect(good.count == 126)
        try check(PNRPMessage(messageID: 0x41, body: .lookup(Lookup(criteria: .exact, target: Self.idA, validateID: Self.idB, flaggedPath: [Self.ep1]))), good)
    }
}

/// What the decoders refuse, and how.
@Suite(.onComputeThread) struct WireMessageRefusalTests {
    typealias B = WireMessageBytesTests
    static let ackBytes = hex("0010 000C 51 04 00 09 00000030", "0018 0008 DEADBEEF", "0040 0006 0001")
    static let solicitBytes = hex("0010 000C 51 04 00 01 01020304", "0044 0006 00 01 0000", B.routeHex, "0092 0018", B.hashedNonceHex)

    @Test func header() {
        #expect(messageDecodeError([])?.kind == "truncated")
        #expect(messageDecodeError(Array(Self.ackBytes.prefix(11)))?.kind == "truncated")
        var b = Self.ackBytes; b[1] = 0x11
        #expect(messageDecodeError(b)?.kind == "badHeader")
        b = Self.ackBytes; b[3] = 0x0D
        #expect(messageDecodeError(b)?.kind == "badHeader")
        b = Self.ackBytes; b[4] = 0x52
        #expect(messageDecodeError(b)?.kind == "badHeader")
        b = Self.ackBytes; b[5] = 0x05
        #expect(messageDecodeError(b)?.kind == "badHeader")
        b = Self.ackBytes; b[6] = 0x01
        #expect(messageDecodeError(b)?.kind == "badHeader")
        for type: UInt8 in [0x00, 0x05, 0x06, 0x0A, 0x0C, 0xFF] {
            b = Self.ackBytes; b[7] = type
            #expect(messageDecodeError(b) == .unknownMessageType(type))
        }
    }

    @Test func messageEndingElementsHaveNoPadding() {
        // ACK's FLAGS_FIELD ends the message: padding after it is trailing bytes.
        #expect(messageDecodeError(Self.ackBytes + [0, 0]) == .trailingBytes(count: 2, offset: 26))
        // Anything at all after the IPV6_ENDPOINT_ARRAY of a LOOKUP.
        let lookup = hex("0010 000C 51 04 00 0B 00000041", "0045 000C 0000 0000 00 00 0000", "0038 0024", B.idAHex, "0039 0024", B.idBHex, "009E 001E 0001 001A 009D 0012", B.ep1Hex)
        #expect(messageDecodeError(lookup + [0, 0]) == .trailingBytes(count: 2, offset: 126))
        #expect(messageDecodeError(lookup + hex("0093 0014", B.nonceHex))?.kind == "unexpectedField")
    }

    @Test func orderPresenceAndRepetition() {
        // HASHED_NONCE before ROUTING_ENTRY.
        let swapped = hex("0010 000C 51 04 00 01 01020304", "0092 0018", B.hashedNonceHex, B.routeHex)
        #expect(messageDecodeError(swapped)?.kind == "unexpectedField")
        // SOLICIT_CONTROLS twice.
        let twice = hex("0010 000C 51 04 00 01 01020304", "0044 0006 00 01 0000", "0044 0006 00 01 0000", "0092 0018", B.hashedNonceHex)
        #expect(messageDecodeError(twice)?.kind == "unexpectedField")
        // Missing HASHED_NONCE.
        let missing = hex("0010 000C 51 04 00 01 01020304", "0044 0006 00 01 0000")
        #expect(messageDecodeError(missing) == .missingField("HASHED_NONCE", offset: 20))
        // Unknown FieldID where HASHED_NONCE belongs.
        let unknown = hex("0010 000C 51 04 00 01 01020304", "0077 0018", B.hashedNonceHex)
        #expect(messageDecodeError(unknown)?.kind == "unexpectedField")
        // INQUIRE with something other than NONCE at the end.
        let inquire = hex("0010 000C 51 04 00 07 CAFEBABE", "0040 0006 0014 0000", "0039 0024", B.idAHex, "0092 0018", B.hashedNonceHex)
        #expect(messageDecodeError(inquire)?.kind == "unexpectedField")
    }

    @Test func paddingValueIsIgnored() throws {
        var b = Self.solicitBytes
        b[18] = 0xEE; b[19] = 0xFF  // SOLICIT_CONTROLS Padding1
        b[12 + 8 + 58] = 0x01       // ROUTING_ENTRY padding
        b[16] = 0x33                // SOLICIT_CONTROLS Reserved: ignored on receipt
        #expect(try PNRPMessage(decoding: b) == PNRPMessage(decoding: Self.solicitBytes))
    }

    @Test func lengths() {
        var b = Self.solicitBytes
        b[23] = 0x3B  // ROUTING_ENTRY Length 59 instead of 58
        #expect(messageDecodeError(b)?.kind == "badLength")
        b = Self.solicitBytes
        b[15] = 0x07  // SOLICIT_CONTROLS Length 7
        #expect(messageDecodeError(b)?.kind == "badLength")
        b = Self.solicitBytes
        b[b.count - 21] = 0x19  // HASHED_NONCE Length 25
        #expect(messageDecodeError(b)?.kind == "badLength")
        // Element Length overrunning the datagram.
        #expect(messageDecodeError(Array(Self.solicitBytes.dropLast(1)))?.kind == "badLength")
        // A datagram ending inside padding.
        #expect(messageDecodeError(Array(Self.solicitBytes.prefix(12 + 8 + 58)))?.kind == "truncated")
    }

    @Test func arrayHeads() {
        let base = hex("0010 000C 51 04 00 03 0000ABCD", "0093 0014", B.nonceHex, "0060 002C 0001 0028 0030 0020", B.idBHex)
        #expect(messageDecodeError(base) == nil)
        var b = base; b[37] = 0x02   // NumEntries 2 with one entry (the array element starts at 32)
        #expect(messageDecodeError(b)?.kind == "badLength")
        b = base; b[39] = 0x29       // ArrayLength 41
        #expect(messageDecodeError(b)?.kind == "badLength")
        b = base; b[41] = 0x31       // ElementFieldType 0x31
        #expect(messageDecodeError(b)?.kind == "badValue")
        b = base; b[43] = 0x10      // EntryLength 16
        #expect(messageDecodeError(b)?.kind == "badLength")
        b = base; b[36] = 0x80       // NumEntries 0x8001 > 0x7FFF
        #expect(messageDecodeError(b)?.kind == "badValue")
    }

    @Test func endpointBoundsAndPorts() {
        func lookup(_ endpoints: [String]) -> [UInt8] {
            let n = endpoints.count
            return hex("0010 000C 51 04 00 0B 00000041", "0045 000C 0000 0000 00 00 0000", "0038 0024", B.idAHex, "0039 0024", B.idBHex)
                + [0x00, 0x9E] + be16(12 + 18 * n) + be16(n) + be16(8 + 18 * n) + [0x00, 0x9D, 0x00, 0x12]
                + hex(endpoints.joined())
        }
        #expect(messageDecodeError(lookup([B.ep1Hex])) == nil)
        #expect(messageDecodeError(lookup(Array(repeating: B.ep1Hex, count: 22))) == nil)
        #expect(messageDecodeError(lookup([]))?.kind == "badValue")
        #expect(messageDecodeError(lookup(Array(repeating: B.ep1Hex, count: 23)))?.kind == "badValue")
        #expect(messageDecodeError(lookup(["0400 " + B.addr1Hex]))?.kind == "badValue")   // port 1024
        #expect(messageDecodeError(lookup(["0401 " + B.addr1Hex])) == nil)                 // port 1025
        let path = (0..<23).map { _ in B.ep1 }
        let tooLong = PNRPMessage(messageID: 1, body: .lookup(Lookup(criteria: .exact, target: B.idA, validateID: B.idB, flaggedPath: path)))
        #expect(messageEncodeError(tooLong)?.kind == "unencodable")
        let empty = PNRPMessage(messageID: 1, body: .lookup(Lookup(criteria: .exact, target: B.idA, validateID: B.idB, flaggedPath: [])))
        #expect(messageEncodeError(empty)?.kind == "unencodable")
        let flood = PNRPMessage(messageID: 1, body: .flood(Flood(doNotAck: false, validateID: B.idA, alreadyFlooded: path)))
        #expect(messageEncodeError(flood)?.kind == "unencodable")
        let lowPort = PNRPMessage(messageID: 1, body: .flood(Flood(doNotAck: false, validateID: B.idA, alreadyFlooded: [IPv6Endpoint(address: B.addr1, port: 1024)])))
        #expect(messageEncodeError(lowPort)?.kind == "unencodable")
    }

    @Test func routeEntryBounds() {
        func solicit(count: UInt8, port: String = "0DD4", addresses: Int) -> [UInt8] {
            let length = 4 + 38 + 16 * addresses
            return hex("0010 000C 51 04 00 01 01020304") + [0x00, 0x9A, UInt8(length >> 8), UInt8(length & 0xFF)]
                + hex(B.idAHex, "04 00", port, "00") + [count] + hex(String(repeating: B.addr1Hex, count: addresses))
                + [UInt8](repeating: 0, count: (4 - length % 4) % 4) + hex("0092 0018", B.hashedNonceHex)
        }
        #expect(messageDecodeError(solicit(count: 1, addresses: 1)) == nil)
        #expect(messageDecodeError(solicit(count: 20, addresses: 20)) == nil)
        #expect(messageDecodeError(solicit(count: 21, addresses: 21))?.kind == "badValue")
        #expect(messageDecodeError(solicit(count: 2, addresses: 1))?.kind == "badLength")
        #expect(messageDecodeError(solicit(count: 1, port: "0400", addresses: 1))?.kind == "badValue")
        let none = RouteEntry(id: B.idA, port: 3540, addresses: [])
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .solicit(Solicit(routeEntry: none, hashedNonce: B.hashedNonce))))?.kind == "unencodable")
        let many = RouteEntry(id: B.idA, port: 3540, addresses: Array(repeating: B.addr1, count: 21))
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .solicit(Solicit(routeEntry: many, hashedNonce: B.hashedNonce))))?.kind == "unencodable")
        let low = RouteEntry(id: B.idA, port: 1024, addresses: [B.addr1])
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .solicit(Solicit(routeEntry: low, hashedNonce: B.hashedNonce))))?.kind == "unencodable")
    }

    @Test func valuesAndReservedFields() throws {
        // Unknown ResolveCriteria is refused; an unknown ResolveReasonCode is kept.
        func lookup(criteria: String, reason: String) -> [UInt8] {
            hex("0010 000C 51 04 00 0B 00000041", "0045 000C FFFD 1234", criteria, reason, "ABCD", "0038 0024", B.idAHex, "0039 0024", B.idBHex, "009E 001E 0001 001A 009D 0012", B.ep1Hex)
        }
        #expect(messageDecodeError(lookup(criteria: "03", reason: "00"))?.kind == "badValue")
        #expect(messageDecodeError(lookup(criteria: "10", reason: "00"))?.kind == "badValue")
        guard case .lookup(let l) = try PNRPMessage(decoding: lookup(criteria: "02", reason: "77")).body else { Issue.record("not a LOOKUP"); return }
        #expect(l.reasonCode == 0x77)
        #expect(l.criteria == .nearestPeerName)
        #expect(l.precision == 0x1234)
        #expect(l.flags == [])  // reserved bits (0xFFFD) dropped
        // Unknown SolicitType.
        var b = Self.solicitBytes; b[17] = 0x02
        #expect(messageDecodeError(b)?.kind == "badValue")
        // Wrong nonce sizes cannot be encoded.
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .solicit(Solicit(hashedNonce: [1, 2, 3]))))?.kind == "unencodable")
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .request(Request(nonce: Array(repeating: 0, count: 20), ids: []))))?.kind == "unencodable")
        #expect(messageEncodeError(PNRPMessage(messageID: 1, body: .inquire(Inquire(flags: [], validateID: B.idA, nonce: [0]))))?.kind == "unencodable")
        // Reserved flag bits are sent as zero.
        let ack = try PNRPMessage(messageID: 1, body: .ack(Ack(ackedMessageID: 2, flags: AckFlags(rawValue: 0xFFFF)))).encoded()
        #expect(ack.suffix(2) == [0x00, 0x01])
    }

    @Test func authoritySplitControls() {
        func authority(size: String, offset: String, buffer: Int) -> [UInt8] {
            hex("0010 000C 51 04 00 08 00000020", "0018 0008 11223344", "0098 0008", size, offset) + [UInt8](repeating: 0x40, count: buffer)
        }
        #expect(messageDecodeError(authority(size: "07D0", offset: "04A4", buffer: 812)) == nil)   // 2000 bytes, second fragment
        #expect(messageDecodeError(authority(size: "07D0", offset: "04A5", buffer: 812))?.kind == "badValue")  // Offset not a multiple of 1188
        #expect(messageDecodeError(authority(size: "91E5", offset: "0000", buffer: 1188))?.kind == "badValue") // Size 37349
        #expect(messageDecodeError(authority(size: "07D0", offset: "0000", buffer: 1189))?.kind == "badValue") // fragment too long
        #expect(messageDecodeError(authority(size: "07D0", offset: "0000", buffer: 0))?.kind == "badValue")    // empty
        let bad = PNRPMessage(messageID: 1, body: .authority(AuthorityFragment(ackedMessageID: 1, bufferSize: 2000, offset: 1000, fragment: [1])))
        #expect(messageEncodeError(bad)?.kind == "unencodable")
    }

    @Test func authorityBufferRefusals() {
        let flags = "0040 0006 0000 0000"
        #expect(bufferDecodeError(hex(flags)) == nil)
        #expect(bufferDecodeError(hex("0080 0005 30 000000"))?.kind == "unexpectedField")  // FLAGS_FIELD missing
        #expect(bufferDecodeError([])?.kind == "missingField")
        // Out of order: CLASSIFIER before CERT_CHAIN.
        #expect(bufferDecodeError(hex(flags, "0085 000E 0001 000A 0084 0002 0041 0000", "0080 0005 30 000000"))?.kind == "unexpectedField")
        // Repeated EXTENDED_PAYLOAD.
        #expect(bufferDecodeError(hex(flags, "005A 0005 01 000000", "005A 0005 01 000000"))?.kind == "unexpectedField")
        // CLASSIFIER with a lone surrogate.
        #expect(bufferDecodeError(hex(flags, "0085 000E 0001 000A 0084 0002 D800 0000"))?.kind == "badValue")
        // CLASSIFIER with the wrong ElementFieldType.
        #expect(bufferDecodeError(hex(flags, "0085 000E 0001 000A 0030 0002 0041 0000"))?.kind == "badValue")
        // Padding missing after the last padded element.
        #expect(bufferDecodeError(hex(flags, "0080 0005 30"))?.kind == "truncated")
        // Empty CERT_CHAIN.
        #expect(bufferDecodeError(hex(flags, "0080 0004"))?.kind == "badLength")
        // VALIDATE_CPA whose CPA Length does not fill the element.
        var g = SplitMix64(seed: 3)
        let cpa = RandomWire.cpa(&g).encoded()
        let element = [0x00, 0x9B, UInt8((5 + cpa.count) >> 8), UInt8((5 + cpa.count) & 0xFF)] + cpa + [0]
        #expect(bufferDecodeError(hex(flags) + element)?.kind == "badLength")
        // Bytes after VALIDATE_CPA.
        let good = [0x00, 0x9B, UInt8((4 + cpa.count) >> 8), UInt8((4 + cpa.count) & 0xFF)] + cpa
        #expect(bufferDecodeError(hex(flags) + good) == nil)
        #expect(bufferDecodeError(hex(flags) + good + [0, 0])?.kind == "trailingBytes")
        // Larger than 37348 bytes.
        let huge = hex(flags, "0080 FFFF") + [UInt8](repeating: 0x30, count: 0xFFFF - 4 + 1)
        #expect(bufferDecodeError(huge)?.kind == "badLength")
        #expect(throws: WireError.self) { try AuthorityBuffer(flags: [], certificateChain: [UInt8](repeating: 1, count: 40_000)).encoded() }
        #expect(throws: WireError.self) { try AuthorityBuffer(flags: [], certificateChain: []).encoded() }
    }
}
