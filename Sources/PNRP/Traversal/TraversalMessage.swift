/// The NAT traversal messages: an extension of PNRP 4.0 that lets a node learn whether strangers can reach
/// it, lets a node behind a NAT be reached through a relay, and lets it ask its relay for a TCP stream relay
/// allocation (`docs/deviations.md`, items X1–X4, X6).
///
/// They share the 12-byte PNRP header ([MS-PNRP] 2.2.1: FieldID 0x0010, Length 12, Identifier 0x51,
/// version 4.0, MessageType, Message ID), with MessageType codes 0x30–0x38 that [MS-PNRP] does not define:
/// a node that implements only the specification drops them as it drops any unknown type. After the header
/// each message has a fixed layout of big-endian fields, reserved bytes zero when sent and ignored on
/// receipt. An answer never has more bytes than the request it answers, and the probe a dial-back sends to
/// the requester's address has fewer bytes than the request, so none of them can amplify a forged source.
public enum TraversalMessage: Hashable, Sendable {
    /// REACH (0x30): asks the receiver which endpoint it sees us at and, with `dialBack`, to have a third
    /// node send a DIAL_PROBE to that endpoint (a test of whether strangers reach us). 56 bytes.
    case reach(nonce: [UInt8], dialBack: Bool)
    /// REACH_ANSWER (0x31): the endpoint the REACH came from, the address of the node asked to send the
    /// DIAL_PROBE (`prober`, nil when none was), whether the answering node is reachable by strangers itself,
    /// and whether it would relay for the asker (it is reachable and has a free relay endpoint). 56 bytes.
    case reachAnswer(ackedMessageID: UInt32, observed: IPv6Endpoint, prober: IPv6Address?, reachable: Bool, relays: Bool)
    /// DIAL_BACK (0x32): from the node that got a REACH to a third node: send a DIAL_PROBE with `nonce` to
    /// `target`. 52 bytes.
    case dialBack(target: IPv6Endpoint, nonce: [UInt8])
    /// DIAL_PROBE (0x33): the probe itself, carrying the REACH's nonce. 32 bytes.
    case dialProbe(nonce: [UInt8])
    /// RELAY_REQUEST (0x34): asks the receiver to relay for us, or to keep doing so (`cookie` echoes the one
    /// its last RELAY_ANSWER gave), or with `release` to stop. 76 bytes.
    case relayRequest(cookie: [UInt8], release: Bool)
    /// RELAY_ANSWER (0x35): the answer to a RELAY_REQUEST.
    case relayAnswer(RelayAnswer)
    /// RELAYED (0x36): a datagram carried between a relay and the node it relays for. To the node
    /// (`fromClient` false): `inner` arrived at the relay endpoint from `peer`. From the node (`fromClient`
    /// true): the relay is to send `inner` to `peer` from the relay endpoint. 32 bytes + `inner`.
    case relayed(peer: IPv6Endpoint, fromClient: Bool, inner: [UInt8])
    /// STREAM_REQUEST (0x37): from a relayed node to its relay: grant a token of the relay's TCP stream relay
    /// (`docs/deviations.md`, item X6). `cookie` is the one the relay's last RELAY_ANSWER gave. 56 bytes.
    case streamRequest(cookie: [UInt8])
    /// STREAM_ANSWER (0x38): the answer to a STREAM_REQUEST. 56 bytes, as many as the request.
    case streamAnswer(StreamAnswer)

    /// The answer to a STREAM_REQUEST. 56 bytes on the wire.
    public struct StreamAnswer: Hashable, Sendable {
        /// What the relay decided.
        public var status: StreamStatus
        /// The STREAM_REQUEST's Message ID.
        public var ackedMessageID: UInt32
        /// Seconds the token stays valid (0 unless granted).
        public var lifetimeSeconds: UInt16
        /// The relay's TCP stream relay endpoint (`::`, port 0 unless granted).
        public var streamEndpoint: IPv6Endpoint
        /// The token both ends present to the stream relay (zeros unless granted).
        public var token: [UInt8]

        /// Builds an answer.
        public init(status: StreamStatus, ackedMessageID: UInt32, lifetimeSeconds: UInt16, streamEndpoint: IPv6Endpoint, token: [UInt8]) {
            (self.status, self.ackedMessageID, self.lifetimeSeconds) = (status, ackedMessageID, lifetimeSeconds)
            (self.streamEndpoint, self.token) = (streamEndpoint, token)
        }
    }

    /// The STREAM_ANSWER status codes.
    public enum StreamStatus: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// A token was granted.
        case granted = 0
        /// The requester holds no relay slot here (or its cookie is not the one given to its endpoint).
        case notRelayed = 1
        /// The requester, or the relay as a whole, has as many live tokens as it allows.
        case busy = 2
        /// The relay runs no stream relay.
        case unavailable = 3

        public var description: String {
            switch self {
            case .granted: "granted"
            case .notRelayed: "the relay does not relay for this node (no relay slot, or an old cookie)"
            case .busy: "the relay has as many stream relay tokens out as it allows; try again later"
            case .unavailable: "the relay runs no stream relay"
            }
        }
    }

    /// The answer to a RELAY_REQUEST. 76 bytes on the wire.
    public struct RelayAnswer: Hashable, Sendable {
        /// What the relay decided.
        public var status: RelayStatus
        /// The RELAY_REQUEST's Message ID.
        public var ackedMessageID: UInt32
        /// Seconds the relaying lasts without a new RELAY_REQUEST (0 unless accepted).
        public var lifetimeSeconds: UInt16
        /// The endpoint other nodes reach us at through the relay (`::`, port 0 unless accepted).
        public var relayEndpoint: IPv6Endpoint
        /// The endpoint the RELAY_REQUEST came from, as the relay saw it.
        public var observed: IPv6Endpoint
        /// The return-routability cookie to echo in the next RELAY_REQUEST.
        public var cookie: [UInt8]

        /// Builds an answer.
        public init(status: RelayStatus, ackedMessageID: UInt32, lifetimeSeconds: UInt16, relayEndpoint: IPv6Endpoint, observed: IPv6Endpoint, cookie: [UInt8]) {
            (self.status, self.ackedMessageID, self.lifetimeSeconds) = (status, ackedMessageID, lifetimeSeconds)
            (self.relayEndpoint, self.observed, self.cookie) = (relayEndpoint, observed, cookie)
        }
    }

    /// The RELAY_ANSWER status codes.
    public enum RelayStatus: UInt8, Hashable, Sendable, CaseIterable {
        /// Relaying: `relayEndpoint` forwards to the requester.
        case accepted = 0
        /// Echo `cookie` in a new RELAY_REQUEST (proves the requester receives at its address).
        case challenge = 1
        /// The relay already serves as many nodes as it allows.
        case full = 2
        /// The receiver does not relay: it is not reachable by strangers itself, or relays for nobody.
        case declined = 3
        /// Relaying stopped, as a release asked.
        case released = 4
    }

    /// MessageType codes of the extension.
    public enum Code: UInt8, Sendable, CaseIterable {
        /// REACH, REACH_ANSWER, DIAL_BACK and DIAL_PROBE: the reachability check (X2).
        case reach = 0x30, reachAnswer = 0x31, dialBack = 0x32, dialProbe = 0x33
        /// RELAY_REQUEST, RELAY_ANSWER and RELAYED: relaying (X3).
        case relayRequest = 0x34, relayAnswer = 0x35, relayed = 0x36
        /// STREAM_REQUEST and STREAM_ANSWER: stream relay tokens (X6).
        case streamRequest = 0x37, streamAnswer = 0x38
    }

    /// Bytes of the cookie of RELAY_REQUEST and RELAY_ANSWER.
    public static let cookieLength = 16
    /// Largest datagram a RELAYED carries.
    public static let maximumInnerBytes = 1400
    /// Bytes of a stream relay token.
    public static let tokenLength = 16
    /// Fixed sizes of the messages (RELAYED: without its inner datagram).
    static let reachBytes = 56, reachAnswerBytes = 56, dialBackBytes = 52, dialProbeBytes = 32
    static let relayRequestBytes = 76, relayAnswerBytes = 76, relayedHeaderBytes = 36
    static let streamRequestBytes = 56, streamAnswerBytes = 56

    /// True when header byte 7 of `datagram` is one of the extension's MessageType codes: the datagram is
    /// decoded with `TraversalMessage(decoding:)`, not as a PNRP message.
    public static func isTraversal(_ datagram: [UInt8]) -> Bool {
        datagram.count > 7 && Code(rawValue: datagram[7]) != nil
    }

    /// The MessageType code of this message.
    public var code: Code {
        switch self {
        case .reach: .reach
        case .reachAnswer: .reachAnswer
        case .dialBack: .dialBack
        case .dialProbe: .dialProbe
        case .relayRequest: .relayRequest
        case .relayAnswer: .relayAnswer
        case .relayed: .relayed
        case .streamRequest: .streamRequest
        case .streamAnswer: .streamAnswer
        }
    }

    /// The datagram: the PNRP header with `messageID`, then the fixed fields. Throws for nonces and cookies of
    /// the wrong size and for a RELAYED whose inner datagram is empty or longer than `maximumInnerBytes`.
    public func encoded(messageID: UInt32) throws(WireError) -> [UInt8] {
        var w = WireWriter(capacity: 80)
        w.writeHeader(type: code.rawValue, messageID: messageID)
        switch self {
        case .reach(let nonce, let dialBack):
            try Self.check(nonce, WireFormat.nonceLength, "REACH nonce")
            w.writeUInt8(dialBack ? 1 : 0)
            w.writeZeros(3)
            w.writeBytes(nonce)
            w.writeZeros(24)
        case .reachAnswer(let acked, let observed, let prober, let reachable, let relays):
            w.writeUInt8((prober != nil ? 1 : 0) | (relays ? 2 : 0) | (reachable ? 4 : 0))
            w.writeZeros(3)
            w.writeUInt32(acked)
            Self.write(observed, into: &w)
            w.writeIPv6Address(prober ?? .unspecified)
        case .dialBack(let target, let nonce):
            try Self.check(nonce, WireFormat.nonceLength, "DIAL_BACK nonce")
            w.writeZeros(4)
            Self.write(target, into: &w)
            w.writeBytes(nonce)
        case .dialProbe(let nonce):
            try Self.check(nonce, WireFormat.nonceLength, "DIAL_PROBE nonce")
            w.writeZeros(4)
            w.writeBytes(nonce)
        case .relayRequest(let cookie, let release):
            try Self.check(cookie, Self.cookieLength, "RELAY_REQUEST cookie")
            w.writeUInt8(release ? 1 : 0)
            w.writeZeros(3)
            w.writeBytes(cookie)
            w.writeZeros(Self.relayRequestBytes - 32)
        case .relayAnswer(let a):
            try Self.check(a.cookie, Self.cookieLength, "RELAY_ANSWER cookie")
            Self.writeAnswerHead(status: a.status.rawValue, lifetime: a.lifetimeSeconds, acked: a.ackedMessageID, into: &w)
            Self.write(a.relayEndpoint, into: &w)
            Self.write(a.observed, into: &w)
            w.writeBytes(a.cookie)
        case .relayed(let peer, let fromClient, let inner):
            guard (1...Self.maximumInnerBytes).contains(inner.count) else {
                throw .unencodable("a RELAYED datagram carries 1 to \(Self.maximumInnerBytes) bytes, not \(inner.count)")
            }
            w.writeUInt8(fromClient ? 1 : 0)
            w.writeZeros(3)
            Self.write(peer, into: &w)
            w.writeBytes(inner)
        case .streamRequest(let cookie):
            try Self.check(cookie, Self.cookieLength, "STREAM_REQUEST cookie")
            w.writeZeros(4)
            w.writeBytes(cookie)
            w.writeZeros(Self.streamRequestBytes - 32)
        case .streamAnswer(let a):
            try Self.check(a.token, Self.tokenLength, "STREAM_ANSWER token")
            Self.writeAnswerHead(status: a.status.rawValue, lifetime: a.lifetimeSeconds, acked: a.ackedMessageID, into: &w)
            Self.write(a.streamEndpoint, into: &w)
            w.writeBytes(a.token)
        }
        return w.bytes
    }

    /// The head RELAY_ANSWER and STREAM_ANSWER share: status (1), reserved (1), lifetime in seconds (2), the
    /// acknowledged Message ID (4).
    static func writeAnswerHead(status: UInt8, lifetime: UInt16, acked: UInt32, into w: inout WireWriter) {
        w.writeUInt8(status)
        w.writeUInt8(0)
        w.writeUInt16(lifetime)
        w.writeUInt32(acked)
    }

    /// Reads the head `writeAnswerHead` writes, for the answer `name` whose statuses are `Status` (`statuses`
    /// names the defined range, for the error).
    static func readAnswerHead<Status: RawRepresentable<UInt8>>(
        _ r: inout WireReader, _: Status.Type, _ name: String, statuses: String
    ) throws(WireError) -> (Status, UInt16, UInt32) {
        let rawStatus = try r.readUInt8("\(name) status")
        guard let status = Status(rawValue: rawStatus) else {
            throw .badValue(field: "\(name) status", reason: "\(rawStatus) is not a defined status (\(statuses))")
        }
        try r.skip(1, "\(name) reserved")
        let lifetime = try r.readUInt16("\(name) lifetime")
        let acked = try r.readUInt32("\(name) acked Message ID")
        return (status, lifetime, acked)
    }

    /// Decodes a datagram whose MessageType is one of the extension's codes, with its header's Message ID.
    /// Every size is exact (RELAYED: at least its fixed part plus one byte, at most `maximumInnerBytes` more);
    /// never traps.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> (messageID: UInt32, message: TraversalMessage) {
        var r = WireReader(bytes)
        try r.require(WireFormat.headerLength, "PNRP header")
        guard try r.readUInt16("PNRP header FieldID") == FieldID.pnrpHeader.rawValue,
            try r.readUInt16("PNRP header Length") == UInt16(WireFormat.headerLength),
            try r.readUInt8("PNRP header Identifier") == WireFormat.identifier,
            try r.readUInt8("PNRP header VersionMajor") == WireFormat.versionMajor,
            try r.readUInt8("PNRP header VersionMinor") == WireFormat.versionMinor
        else { throw .badHeader("not a PNRP 4.0 header") }
        let raw = try r.readUInt8("PNRP header MessageType")
        guard let code = Code(rawValue: raw) else { throw .unknownMessageType(raw) }
        let messageID = try r.readUInt32("PNRP header Message ID")
        let size = bytes.count
        func exact(_ n: Int, _ name: String) throws(WireError) {
            guard size == n else { throw .badLength(field: name, length: size, offset: 0) }
        }
        let message: TraversalMessage
        switch code {
        case .reach:
            try exact(reachBytes, "REACH")
            let flags = try r.readUInt8("REACH flags")
            try r.skip(3, "REACH reserved")
            message = .reach(nonce: try r.readBytes(WireFormat.nonceLength, "REACH nonce"), dialBack: flags & 1 != 0)
        case .reachAnswer:
            try exact(reachAnswerBytes, "REACH_ANSWER")
            let flags = try r.readUInt8("REACH_ANSWER flags")
            try r.skip(3, "REACH_ANSWER reserved")
            let acked = try r.readUInt32("REACH_ANSWER acked Message ID")
            let observed = try readEndpoint(&r, "REACH_ANSWER observed endpoint")
            let prober = try r.readIPv6Address("REACH_ANSWER prober")
            message = .reachAnswer(ackedMessageID: acked, observed: observed, prober: flags & 1 != 0 ? prober : nil, reachable: flags & 4 != 0, relays: flags & 2 != 0)
        case .dialBack:
            try exact(dialBackBytes, "DIAL_BACK")
            try r.skip(4, "DIAL_BACK reserved")
            let target = try readEndpoint(&r, "DIAL_BACK target")
            message = .dialBack(target: target, nonce: try r.readBytes(WireFormat.nonceLength, "DIAL_BACK nonce"))
        case .dialProbe:
            try exact(dialProbeBytes, "DIAL_PROBE")
            try r.skip(4, "DIAL_PROBE reserved")
            message = .dialProbe(nonce: try r.readBytes(WireFormat.nonceLength, "DIAL_PROBE nonce"))
        case .relayRequest:
            try exact(relayRequestBytes, "RELAY_REQUEST")
            let flags = try r.readUInt8("RELAY_REQUEST flags")
            try r.skip(3, "RELAY_REQUEST reserved")
            message = .relayRequest(cookie: try r.readBytes(cookieLength, "RELAY_REQUEST cookie"), release: flags & 1 != 0)
        case .relayAnswer:
            try exact(relayAnswerBytes, "RELAY_ANSWER")
            let (status, lifetime, acked) = try readAnswerHead(&r, RelayStatus.self, "RELAY_ANSWER", statuses: "0-4")
            let relayEndpoint = try readEndpoint(&r, "RELAY_ANSWER relay endpoint")
            let observed = try readEndpoint(&r, "RELAY_ANSWER observed endpoint")
            let cookie = try r.readBytes(cookieLength, "RELAY_ANSWER cookie")
            message = .relayAnswer(RelayAnswer(status: status, ackedMessageID: acked, lifetimeSeconds: lifetime, relayEndpoint: relayEndpoint, observed: observed, cookie: cookie))
        case .relayed:
            guard size > relayedHeaderBytes, size - relayedHeaderBytes <= maximumInnerBytes else {
                throw .badLength(field: "RELAYED", length: size, offset: 0)
            }
            let flags = try r.readUInt8("RELAYED flags")
            try r.skip(3, "RELAYED reserved")
            let peer = try readEndpoint(&r, "RELAYED peer")
            message = .relayed(peer: peer, fromClient: flags & 1 != 0, inner: Array(bytes[relayedHeaderBytes...]))
        case .streamRequest:
            try exact(streamRequestBytes, "STREAM_REQUEST")
            try r.skip(4, "STREAM_REQUEST flags and reserved")
            message = .streamRequest(cookie: try r.readBytes(cookieLength, "STREAM_REQUEST cookie"))
        case .streamAnswer:
            try exact(streamAnswerBytes, "STREAM_ANSWER")
            let (status, lifetime, acked) = try readAnswerHead(&r, StreamStatus.self, "STREAM_ANSWER", statuses: "0-3")
            let endpoint = try readEndpoint(&r, "STREAM_ANSWER stream relay endpoint")
            let token = try r.readBytes(tokenLength, "STREAM_ANSWER token")
            message = .streamAnswer(StreamAnswer(status: status, ackedMessageID: acked, lifetimeSeconds: lifetime, streamEndpoint: endpoint, token: token))
        }
        return (messageID, message)
    }

    private static func check(_ bytes: [UInt8], _ count: Int, _ name: String) throws(WireError) {
        guard bytes.count == count else { throw .unencodable("\(name) must have \(count) bytes, not \(bytes.count)") }
    }

    /// An endpoint as 16 address bytes, a 2-byte port and 2 reserved bytes.
    private static func write(_ e: IPv6Endpoint, into w: inout WireWriter) {
        w.writeIPv6Address(e.address)
        w.writeUInt16(e.port)
        w.writeZeros(2)
    }

    private static func readEndpoint(_ r: inout WireReader, _ name: String) throws(WireError) -> IPv6Endpoint {
        let address = try r.readIPv6Address(name)
        let port = try r.readUInt16(name)
        try r.skip(2, name)
        return IPv6Endpoint(address: address, port: port)
    }
}
