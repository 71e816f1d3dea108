import PeerCrypto

/// The cleartext messages that open an Easy Connect connection, before the channel is encrypted
/// (`docs/easy-connect.md`, "Connection"). Each travels as one record: type (1 byte), then its fields.
///
/// | type | message | direction | fields |
/// |---|---|---|---|
/// | 0x01 | greeting | User → Helper, on accept | magic `ECv1` (4), greeting tag (16) |
/// | 0x02 | helperHello | Helper → User | session ID (16), proof of the invitation (16), CPace share Ya (32) |
/// | 0x03 | userHello | User → Helper | CPace share Yb (32), confirmation tag (64), secretstream header User→Helper (24) |
/// | 0x04 | helperFinish | Helper → User | confirmation tag (64), secretstream header Helper→User (24) |
/// | 0x05 | refusal | either | code (1), reason (2-byte length + UTF-8, ≤ 512) |
/// | 0x06 | offerGreeting | User → Helper, on accept, offer listeners only | magic `ECv1` (4), the invitation in clear (rest) |
public enum HandshakeMessage: Hashable, Sendable {
    /// The listener's first words: which invitation it holds (a public tag, not the invitation ID).
    case greeting(tag: [UInt8])
    /// The Helper's CPace share for a session it names, with proof that it opened the invitation
    /// (`HandshakeMessage.invitationProof`): without it the User spends no PAKE attempt.
    case helperHello(sessionID: [UInt8], proof: [UInt8], share: [UInt8])
    /// The User's CPace share, its key confirmation, and the header of its encrypted stream.
    case userHello(share: [UInt8], confirmation: [UInt8], streamHeader: [UInt8])
    /// The Helper's key confirmation and the header of its encrypted stream.
    case helperFinish(confirmation: [UInt8], streamHeader: [UInt8])
    /// A refusal, with a reason the other side shows to its person.
    case refusal(Refusal)
    /// An offer listener's first words (msra `/offerRA`): its standing invitation, in clear — the Helper
    /// offering help has none to open. It proves nothing: the User's identity signature does, later.
    case offerGreeting(invitation: [UInt8])

    /// The four bytes every greeting starts with.
    public static let magic: [UInt8] = Array("ECv1".utf8)
    static let shareBytes = 32, sessionIDBytes = 16, tagBytes = 16, proofBytes = 16, confirmationBytes = 64, headerBytes = 24
    /// Longest refusal text.
    public static let maximumReasonBytes = 512

    /// What a Helper sends to show it opened the invitation (it knows the invitation ID, which only the
    /// sealed invitation carries): `HMAC-SHA-512(key: invitation ID, "EasyConnect/1 helper proof" ‖ sid)`,
    /// first 16 bytes. A stranger who found the listener cannot make the User spend one of its three
    /// attempts.
    public static func invitationProof(invitationID: [UInt8], sessionID: [UInt8]) -> [UInt8] {
        Array(HMACSHA512.authenticationCode(key: invitationID, message: Array("EasyConnect/1 helper proof".utf8) + sessionID).prefix(proofBytes))
    }

    /// The record body.
    public func encoded() throws(MessageError) -> [UInt8] {
        var w = MessageWriter(capacity: 128)
        switch self {
        case .greeting(let tag):
            w.write(UInt8(0x01)); w.write(bytes: Self.magic); w.write(bytes: tag)
        case .helperHello(let sid, let proof, let share):
            w.write(UInt8(0x02)); w.write(bytes: sid); w.write(bytes: proof); w.write(bytes: share)
        case .userHello(let share, let confirmation, let header):
            w.write(UInt8(0x03)); w.write(bytes: share); w.write(bytes: confirmation); w.write(bytes: header)
        case .helperFinish(let confirmation, let header):
            w.write(UInt8(0x04)); w.write(bytes: confirmation); w.write(bytes: header)
        case .refusal(let r):
            w.write(UInt8(0x05)); w.write(r.code.rawValue)
            try w.writeText(r.reason, field: "refusal reason", maximumBytes: Self.maximumReasonBytes)
        case .offerGreeting(let invitation):
            w.write(UInt8(0x06)); w.write(bytes: Self.magic); w.write(bytes: invitation)
        }
        return w.bytes
    }

    /// Decodes a record body; every malformed one is a `MessageError`.
    public init(decoding body: [UInt8]) throws(MessageError) {
        var r = MessageReader(body)
        let type = try r.readUInt8("handshake message type")
        switch type {
        case 0x01:
            guard try r.readBytes(4, "greeting magic") == Self.magic else {
                throw .badValue(field: "greeting", reason: "does not start with ECv1: this is not an Easy Connect listener of this version")
            }
            self = .greeting(tag: try r.readBytes(Self.tagBytes, "greeting tag"))
        case 0x02:
            self = .helperHello(
                sessionID: try r.readBytes(Self.sessionIDBytes, "session ID"), proof: try r.readBytes(Self.proofBytes, "invitation proof"),
                share: try r.readBytes(Self.shareBytes, "CPace share"))
        case 0x03:
            self = .userHello(
                share: try r.readBytes(Self.shareBytes, "CPace share"), confirmation: try r.readBytes(Self.confirmationBytes, "confirmation tag"),
                streamHeader: try r.readBytes(Self.headerBytes, "stream header"))
        case 0x04:
            self = .helperFinish(confirmation: try r.readBytes(Self.confirmationBytes, "confirmation tag"), streamHeader: try r.readBytes(Self.headerBytes, "stream header"))
        case 0x05:
            let raw = try r.readUInt8("refusal code")
            let code = Refusal.Code(rawValue: raw) ?? .other
            let reason = try r.readText("refusal reason", maximumBytes: Self.maximumReasonBytes)
            self = .refusal(Refusal(code: code, reason: reason))
        case 0x06:
            guard try r.readBytes(4, "greeting magic") == Self.magic else {
                throw .badValue(field: "greeting", reason: "does not start with ECv1: this is not an Easy Connect listener of this version")
            }
            self = .offerGreeting(invitation: r.readRest())
        default:
            throw .badValue(field: "handshake message type", reason: "is 0x\(String(type, radix: 16)), which no handshake message has")
        }
        try r.expectEnd(of: "the handshake message")
    }
}

/// Why one side will not go on, as it tells the other.
public struct Refusal: Hashable, Sendable {
    /// What kind of refusal: drives the other side's exit status.
    public enum Code: UInt8, Sendable, Hashable {
        /// Not a refusal: the session ended normally (used by `SessionMessage.disconnect`).
        case normal = 0
        /// The PAKE failed: the password does not match this invitation.
        case passwordMismatch = 1
        /// Too many wrong passwords: the User withdrew the invitation; a new one is needed.
        case invitationWithdrawn = 2
        /// The listener holds no such invitation (any more).
        case noSuchInvitation = 3
        /// The User declined the Helper.
        case declined = 4
        /// The User did not answer the consent question in time.
        case consentTimedOut = 5
        /// Another Helper is connected or was accepted.
        case busy = 6
        /// The invitation has expired.
        case expired = 7
        /// The other side does not speak this version.
        case unsupportedVersion = 8
        /// The other side broke the protocol.
        case protocolViolation = 9
        /// The other side proved a key that is not the one its contact record holds.
        case keyMismatch = 10
        /// The User's settings do not accept this Helper (offers not allowed, or not from this Helper).
        case notAllowed = 11
        /// Anything else (a code this build does not know).
        case other = 255
    }

    /// The kind.
    public var code: Code
    /// The text shown to the person on the other side.
    public var reason: String

    /// Builds a refusal.
    public init(code: Code, reason: String) { (self.code, self.reason) = (code, reason) }
}
