import PNRP

/// The first bytes of a connection to a stream relay (`docs/deviations.md`, item X6): 24 bytes,
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 4 | magic `PNSR` (0x50 0x4E 0x53 0x52) |
/// | 4 | 1 | version, 1 |
/// | 5 | 1 | role: 1 wait, 2 join |
/// | 6 | 2 | reserved, zero |
/// | 8 | 16 | token |
///
/// The relay answers each hello with one `StreamRelayReply` byte (a waiting connection gets a second one when
/// its partner joins or its token runs out); after `ok`, every byte is the other side's.
public struct StreamRelayHello: Hashable, Sendable {
    /// Which side of the splice a connection is.
    public enum Role: UInt8, Hashable, Sendable, CaseIterable {
        /// The side that holds the allocation (a node behind a NAT): waits for its peer.
        case wait = 1
        /// The peer that learned the relay's endpoint and the token: joins the waiting connection.
        case join = 2
    }

    /// The magic bytes, "PNSR".
    public static let magic: [UInt8] = [0x50, 0x4E, 0x53, 0x52]
    /// The protocol version.
    public static let version: UInt8 = 1
    /// Bytes of a hello.
    public static let length = 24

    /// The side.
    public var role: Role
    /// The token (16 bytes).
    public var token: [UInt8]

    /// A hello for `role` with `token`.
    public init(role: Role, token: [UInt8]) {
        (self.role, self.token) = (role, token)
    }

    /// The 24 bytes. Throws for a token that is not 16 bytes.
    public func encoded() throws(StreamRelayError) -> [UInt8] {
        guard token.count == TraversalMessage.tokenLength else {
            throw .badToken("a stream relay token has \(TraversalMessage.tokenLength) bytes, not \(token.count)")
        }
        return Self.magic + [Self.version, role.rawValue, 0, 0] + token
    }

    /// Decodes the first `length` bytes of `bytes`; the reserved bytes are ignored.
    public init(decoding bytes: some Collection<UInt8>) throws(StreamRelayError) {
        let b = Array(bytes.prefix(Self.length))
        guard b.count == Self.length else { throw .badHello("\(b.count) bytes, a hello has \(Self.length)") }
        guard Array(b[0..<4]) == Self.magic else { throw .badHello("not a stream relay hello (wrong magic)") }
        guard b[4] == Self.version else { throw .badHello("version \(b[4]), this relay speaks \(Self.version)") }
        guard let role = Role(rawValue: b[5]) else { throw .badHello("role \(b[5]) is neither wait (1) nor join (2)") }
        self.init(role: role, token: Array(b[8..<24]))
    }
}

/// The relay's one-byte answers to a hello.
public enum StreamRelayReply: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The two connections are spliced: every following byte is the other side's.
    case ok = 0x01
    /// (Waiting side only) the token is accepted; `ok` follows when the peer joins, `timeout` when the token
    /// runs out first.
    case waiting = 0x02
    /// The token is unknown, expired or already used.
    case unknownToken = 0x03
    /// Another connection already waits for this token, its pair is spliced, or the relay splices as many pairs
    /// as it allows.
    case busy = 0x04
    /// The hello did not arrive within the relay's limit, or nobody joined before the token expired.
    case timeout = 0x05
    /// What arrived is not a hello of this version.
    case badHello = 0x06
    /// A join for a token nobody waits for (yet): the waiting side must connect first.
    case noPartner = 0x07

    public var description: String {
        switch self {
        case .ok: "spliced"
        case .waiting: "waiting for the peer"
        case .unknownToken: "the relay does not know this token (unknown, expired, or already used)"
        case .busy: "busy: another connection already uses this token, or the relay is full"
        case .timeout: "timed out: no hello in time, or nobody joined before the token expired"
        case .badHello: "the relay did not understand the hello"
        case .noPartner: "nobody waits for this token at the relay"
        }
    }
}

/// Why a stream relay connection failed, or a hello could not be made.
public enum StreamRelayError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A malformed hello.
    case badHello(String)
    /// A token of the wrong size.
    case badToken(String)
    /// The relay refused the connection with this reply.
    case refused(StreamRelayReply)
    /// The relay sent a byte that is no reply.
    case badReply(UInt8)
    /// The relay closed the connection before answering.
    case closed

    public var description: String {
        switch self {
        case .badHello(let why): "bad stream relay hello: \(why)"
        case .badToken(let why): why
        case .refused(let reply): "the stream relay refused: \(reply)"
        case .badReply(let b): "the stream relay answered with an unknown byte \(b)"
        case .closed: "the stream relay closed the connection before splicing it"
        }
    }
}
