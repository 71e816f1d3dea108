@testable import PNRP

/// SplitMix64: a tiny seeded generator, so every random wire test reproduces from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bytes from hex text; spaces are ignored. Each argument is one commented line of a hand-written datagram.
func hex(_ lines: String...) -> [UInt8] {
    let digits = lines.joined().filter { !$0.isWhitespace }
    var out: [UInt8] = []
    var pending: UInt8?
    for c in digits {
        guard let v = c.hexDigitValue else { fatalError("not a hex digit: \(c)") }
        if let high = pending { out.append(high << 4 | UInt8(v)); pending = nil } else { pending = UInt8(v) }
    }
    precondition(pending == nil, "odd number of hex digits")
    return out
}

/// Two bytes, big-endian.
func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }

extension WireError {
    /// The case name, for asserting which kind of refusal a decoder produced.
    var kind: String {
        switch self {
        case .truncated: "truncated"
        case .badHeader: "badHeader"
        case .unknownMessageType: "unknownMessageType"
        case .unexpectedField: "unexpectedField"
        case .missingField: "missingField"
        case .badLength: "badLength"
        case .badValue: "badValue"
        case .trailingBytes: "trailingBytes"
        case .unencodable: "unencodable"
        }
    }
}

/// The error `PNRPMessage(decoding:)` throws for `bytes`, or nil when it decodes.
func messageDecodeError(_ bytes: [UInt8]) -> WireError? {
    do { _ = try PNRPMessage(decoding: bytes); return nil } catch { return error }
}

/// The error `AuthorityBuffer(decoding:)` throws for `bytes`, or nil when it decodes.
func bufferDecodeError(_ bytes: [UInt8]) -> WireError? {
    do { _ = try AuthorityBuffer(decoding: bytes); return nil } catch { return error }
}

/// The error `encoded()` throws for `message`, or nil when it encodes.
func messageEncodeError(_ message: PNRPMessage) -> WireError? {
    do { _ = try message.encoded(); return nil } catch { return error }
}

/// Random wire values, all valid for their encoders.
enum RandomWire {
    static func bytes(_ n: Int, _ g: inout SplitMix64) -> [UInt8] { (0..<n).map { _ in UInt8.random(in: .min ... .max, using: &g) } }
    static func id(_ g: inout SplitMix64) -> PNRPID { PNRPID(g.next(), g.next(), g.next(), g.next()) }
    static func address(_ g: inout SplitMix64) -> IPv6Address {
        switch Int.random(in: 0..<4, using: &g) {
        case 0: IPv6Address(ipv4: UInt8.random(in: 0...255, using: &g), 0, 2, UInt8.random(in: 0...255, using: &g))
        case 1: .loopback
        default: IPv6Address(high: g.next(), low: g.next())
        }
    }
    static func port(_ g: inout SplitMix64) -> UInt16 {
        Bool.random(using: &g) ? 3540 : UInt16.random(in: WireFormat.minimumPort ... .max, using: &g)
    }
    static func endpoint(_ g: inout SplitMix64) -> IPv6Endpoint { IPv6Endpoint(address: address(&g), port: port(&g)) }
    static func endpoints(_ range: ClosedRange<Int>, _ g: inout SplitMix64) -> [IPv6Endpoint] {
        (0..<Int.random(in: range, using: &g)).map { _ in endpoint(&g) }
    }
    static func routeEntry(_ g: inout SplitMix64) -> RouteEntry {
        let n = Int.random(in: 0..<4, using: &g) == 0 ? Int.random(in: 1...20, using: &g) : Int.random(in: 1...3, using: &g)
        return RouteEntry(
            id: id(&g), port: port(&g), addresses: (0..<n).map { _ in address(&g) },
            versionMajor: Bool.random(using: &g) ? 4 : UInt8.random(in: 0...255, using: &g), versionMinor: Bool.random(using: &g) ? 0 : UInt8.random(in: 0...255, using: &g),
            flags: Bool.random(using: &g) ? 0 : UInt8.random(in: 0...255, using: &g))
    }
    static func maybe<T>(_ g: inout SplitMix64, _ make: (inout SplitMix64) -> T) -> T? { Bool.random(using: &g) ? make(&g) : nil }
    static func ids(_ g: inout SplitMix64) -> [PNRPID] {
        (0..<(Int.random(in: 0..<8, using: &g) == 0 ? Int.random(in: 0...40, using: &g) : Int.random(in: 0...6, using: &g))).map { _ in id(&g) }
    }

    /// A CPA that the CPA codec accepts (structure only; the signature bytes are random).
    static func cpa(_ g: inout SplitMix64, revoke: Bool = false) -> CPA {
        var flags: CPAFlags = [.classifierHash]
        let secured = Bool.random(using: &g)
        if secured { flags.insert(.binaryAuthority) }
        if revoke { flags.insert(.revoke) }
        let name: String? = Bool.random(using: &g) ? "node \(UInt16.random(in: 0 ... .max, using: &g))" : nil
        if name != nil { flags.formUnion([.friendlyName, .friendlyNameUTF8]) }
        let payload: [IPv6AppEndpoint]? = revoke || Bool.random(using: &g) ? nil : (0..<Int.random(in: 1...3, using: &g)).map { _ in
            IPv6AppEndpoint(address: address(&g), port: UInt16.random(in: 1 ... .max, using: &g), ipProtocol: Bool.random(using: &g) ? 6 : 17)
        }
        return CPA(
            flags: flags, notAfter: FileTime(rawValue: g.next() >> 2), serviceLocation: ServiceLocation(high: g.next(), low: g.next()),
            nonce: revoke ? [UInt8](repeating: 0, count: 16) : bytes(16, &g),
            binaryAuthority: secured ? bytes(20, &g) : nil, classifierHash: bytes(20, &g), friendlyName: name,
            serviceAddresses: endpoints(1...4, &g), payload: payload, publicKey: bytes(32, &g), signature: bytes(64, &g))
    }

    static func solicit(_ g: inout SplitMix64) -> Solicit {
        Solicit(solicitType: maybe(&g) { Bool.random(using: &$0) ? .any : .local }, routeEntry: maybe(&g, routeEntry), hashedNonce: bytes(20, &g))
    }
    static func advertise(_ g: inout SplitMix64) -> Advertise {
        Advertise(ackedMessageID: UInt32.random(in: 0 ... .max, using: &g), ids: ids(&g), hashedNonce: bytes(20, &g))
    }
    static func request(_ g: inout SplitMix64) -> Request { Request(nonce: bytes(16, &g), ids: ids(&g)) }
    static func flood(_ g: inout SplitMix64) -> Flood {
        Flood(
            doNotAck: Bool.random(using: &g), reserved2: UInt8.random(in: 0 ... .max, using: &g), validateID: id(&g),
            revokeCPA: Int.random(in: 0..<4, using: &g) == 0 ? cpa(&g, revoke: true) : nil,
            routeEntry: maybe(&g, routeEntry), alreadyFlooded: endpoints(0...22, &g))
    }
    static func inquire(_ g: inout SplitMix64) -> Inquire {
        Inquire(flags: InquireFlags(rawValue: UInt16.random(in: 0 ... .max, using: &g) & 0x001C), validateID: id(&g), nonce: maybe(&g) { bytes(16, &$0) })
    }
    static func authorityFragment(_ g: inout SplitMix64) -> AuthorityFragment {
        let size = Int.random(in: 1...WireFormat.maximumAuthorityBufferSize, using: &g)
        let slots = (size + 1187) / 1188
        let offset = Int.random(in: 0..<slots, using: &g) * 1188
        return AuthorityFragment(
            ackedMessageID: UInt32.random(in: 0 ... .max, using: &g), bufferSize: UInt16(size), offset: UInt16(offset),
            fragment: bytes(min(1188, size - offset), &g))
    }
    static func ack(_ g: inout SplitMix64) -> Ack {
        Ack(ackedMessageID: UInt32.random(in: 0 ... .max, using: &g), flags: maybe(&g) { Bool.random(using: &$0) ? .notFound : [] })
    }
    static func lookup(_ g: inout SplitMix64) -> Lookup {
        Lookup(
            flags: Bool.random(using: &g) ? .acceptNotCloser : [], precision: UInt16.random(in: 0 ... .max, using: &g),
            criteria: ResolveCriteria.allCases.randomElement(using: &g) ?? .exact, reasonCode: UInt8.random(in: 0 ... .max, using: &g),
            target: id(&g), validateID: id(&g), bestMatch: maybe(&g, routeEntry), flaggedPath: endpoints(1...22, &g))
    }
    static func classifier(_ g: inout SplitMix64) -> String {
        let pool: [Character] = ["a", "Z", "0", ".", " ", "é", "€", "漢", "😀", "\u{1}", "-"]
        return String((0..<Int.random(in: 0...40, using: &g)).map { _ in pool.randomElement(using: &g) ?? "a" })
    }
    static func authorityBuffer(_ g: inout SplitMix64) -> AuthorityBuffer {
        AuthorityBuffer(
            flags: AuthorityFlags(rawValue: UInt16.random(in: 0 ... .max, using: &g) & 0x0209),
            certificateChain: maybe(&g) { bytes(Int.random(in: 1...300, using: &$0), &$0) },
            classifier: maybe(&g, classifier),
            extendedPayload: maybe(&g) { bytes(Int.random(in: 1...200, using: &$0), &$0) },
            routeEntry: maybe(&g, routeEntry),
            validateCPA: maybe(&g) { cpa(&$0) })
    }

    static func message(_ g: inout SplitMix64) -> PNRPMessage {
        let id = UInt32.random(in: 0 ... .max, using: &g)
        let body: PNRPMessage.Body = switch MessageType.allCases.randomElement(using: &g) ?? .ack {
        case .solicit: .solicit(solicit(&g))
        case .advertise: .advertise(advertise(&g))
        case .request: .request(request(&g))
        case .flood: .flood(flood(&g))
        case .inquire: .inquire(inquire(&g))
        case .authority: .authority(authorityFragment(&g))
        case .ack: .ack(ack(&g))
        case .lookup: .lookup(lookup(&g))
        }
        return PNRPMessage(messageID: id, body: body)
    }
}
