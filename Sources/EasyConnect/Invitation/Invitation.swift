import PNRP
import PeerCrypto

/// What a User publishes for a Helper: where to connect, whom to expect, and until when. It travels only
/// sealed (`SealedInvitation`) in the extended payload of the rendezvous registration, so the cloud sees
/// neither the endpoints nor the names.
///
/// Plain layout (version 1, integers big-endian):
///
/// | bytes | field |
/// |---|---|
/// | 1 | version = 1 |
/// | 16 | invitation ID (random; binds the PAKE to this invitation) |
/// | 8 | expiry, Unix seconds |
/// | 32 | the User's Ed25519 public key |
/// | 1 + n | display name, UTF-8, n ≤ 64 |
/// | 1 + n | computer name, UTF-8, n ≤ 64 |
/// | 1 | endpoint count, 1…16 |
/// | 22 each | address (16), port (2), scope index (4) |
///
/// Version 2, written only when the User sits behind a NAT, goes on with what a Helper needs to get through it
/// (`docs/deviations.md`, E11):
///
/// | bytes | field |
/// |---|---|
/// | 1 | punch endpoint count, 0…4 |
/// | 22 each | where the User's NAT maps its listener (reachable once the User has connected out from it) |
/// | 1 | 0: no stream relay; 1: one follows |
/// | 22 + 16 | the stream relay's TCP endpoint and the token to join the User's waiting connection |
public struct Invitation: Hashable, Sendable {
    /// Format version this build writes for a User behind a NAT; version 1 (no NAT fields) otherwise.
    public static let version: UInt8 = 2
    /// Most punch endpoints an invitation lists.
    public static let maximumPunchEndpoints = 4
    /// Longest display or computer name, in UTF-8 bytes.
    public static let maximumNameBytes = 64
    /// Most endpoints an invitation lists.
    public static let maximumEndpoints = 16
    /// Length of the invitation ID.
    public static let idByteCount = 16

    /// Random identifier of this invitation.
    public var id: [UInt8]
    /// When the invitation stops being valid, in Unix seconds.
    public var expiresAt: UInt64
    /// The User's long-term public key (their identity for trust records).
    public var userKey: Ed25519PublicKey
    /// How the User calls themself.
    public var displayName: String
    /// The User's machine.
    public var computerName: String
    /// Where the User's session listener waits.
    public var endpoints: [SessionEndpoint]
    /// Where the User's NAT maps the listener's port (its public address with the listener's port): a
    /// Helper connects there while the User connects out to it (TCP simultaneous open), never directly.
    public var punchEndpoints: [SessionEndpoint] = []
    /// The stream relay where the User waits for a Helper: the last resort, and the way a Helper tells
    /// the User where to punch to (`PunchOffer`).
    public var streamRelay: StreamRelayRendezvous?

    /// Builds an invitation; `encoded()` checks the limits.
    public init(
        id: [UInt8], expiresAt: UInt64, userKey: Ed25519PublicKey, displayName: String, computerName: String, endpoints: [SessionEndpoint],
        punchEndpoints: [SessionEndpoint] = [], streamRelay: StreamRelayRendezvous? = nil
    ) {
        self.id = id
        self.expiresAt = expiresAt
        self.userKey = userKey
        self.displayName = displayName
        self.computerName = computerName
        self.endpoints = endpoints
        self.punchEndpoints = punchEndpoints
        self.streamRelay = streamRelay
    }

    /// True when the invitation tells how to get through the User's NAT (written as version 2).
    public var crossesNAT: Bool { !punchEndpoints.isEmpty || streamRelay != nil }

    /// A placeholder for a Helper offering help, replaced by the listener's invitation before any use.
    public static var unknown: Invitation {
        Invitation(id: [UInt8](repeating: 0, count: idByteCount), expiresAt: 0, userKey: try! Ed25519PublicKey(bytes: [UInt8](repeating: 0, count: 32)), displayName: "", computerName: "", endpoints: [])
    }

    /// The plain bytes.
    public func encoded() throws(MessageError) -> [UInt8] {
        guard id.count == Self.idByteCount else { throw .unencodable("invitation ID must have \(Self.idByteCount) bytes") }
        guard (1...Self.maximumEndpoints).contains(endpoints.count) else {
            throw .unencodable("an invitation lists 1 to \(Self.maximumEndpoints) endpoints, not \(endpoints.count)")
        }
        for (field, name) in [("display name", displayName), ("computer name", computerName)] where DisplayText.containsControl(name) {
            throw .unencodable("the \(field) contains control characters")
        }
        guard punchEndpoints.count <= Self.maximumPunchEndpoints else {
            throw .unencodable("an invitation lists at most \(Self.maximumPunchEndpoints) punch endpoints, not \(punchEndpoints.count)")
        }
        if let streamRelay, streamRelay.token.count != StreamRelayRendezvous.tokenByteCount {
            throw .unencodable("a stream relay token has \(StreamRelayRendezvous.tokenByteCount) bytes, not \(streamRelay.token.count)")
        }
        var w = MessageWriter(capacity: 200 + endpoints.count * SessionEndpoint.byteCount)
        w.write(crossesNAT ? Self.version : 1)
        w.write(bytes: id)
        w.write(expiresAt)
        w.write(bytes: userKey.bytes)
        try w.writeShortText(displayName, field: "display name", maximumBytes: Self.maximumNameBytes)
        try w.writeShortText(computerName, field: "computer name", maximumBytes: Self.maximumNameBytes)
        w.write(UInt8(endpoints.count))
        for e in endpoints { e.write(to: &w) }
        if crossesNAT {
            w.write(UInt8(punchEndpoints.count))
            for e in punchEndpoints { e.write(to: &w) }
            if let streamRelay {
                w.write(UInt8(1))
                streamRelay.endpoint.write(to: &w)
                w.write(bytes: streamRelay.token)
            } else {
                w.write(UInt8(0))
            }
        }
        return w.bytes
    }

    /// Decodes plain bytes, refusing anything malformed.
    public init(decoding bytes: [UInt8]) throws(MessageError) {
        var r = MessageReader(bytes)
        let version = try r.readUInt8("version")
        guard version == 1 || version == Self.version else {
            throw .badValue(field: "version", reason: "is \(version); this program reads versions 1 and \(Self.version) (update easy-connect)")
        }
        let id = try r.readBytes(Self.idByteCount, "invitation ID")
        let expiresAt = try r.readUInt64("expiry")
        let key: Ed25519PublicKey
        do {
            key = try Ed25519PublicKey(bytes: try r.readBytes(32, "public key"))
        } catch let e as MessageError {
            throw e
        } catch {
            throw .badValue(field: "public key", reason: "\(error)")
        }
        let displayName = try r.readShortText("display name", maximumBytes: Self.maximumNameBytes)
        let computerName = try r.readShortText("computer name", maximumBytes: Self.maximumNameBytes)
        for (field, name) in [("display name", displayName), ("computer name", computerName)] where DisplayText.containsControl(name) {
            throw .badValue(field: field, reason: "contains control characters")
        }
        let count = Int(try r.readUInt8("endpoint count"))
        guard (1...Self.maximumEndpoints).contains(count) else {
            throw .badValue(field: "endpoint count", reason: "is \(count); it must be 1 to \(Self.maximumEndpoints)")
        }
        var endpoints: [SessionEndpoint] = []
        for i in 0..<count { endpoints.append(try SessionEndpoint(reading: &r, field: "endpoint \(i + 1)")) }
        var punchEndpoints: [SessionEndpoint] = []
        var streamRelay: StreamRelayRendezvous?
        if version == 2 {
            let punchCount = Int(try r.readUInt8("punch endpoint count"))
            guard punchCount <= Self.maximumPunchEndpoints else {
                throw .badValue(field: "punch endpoint count", reason: "is \(punchCount); it must be 0 to \(Self.maximumPunchEndpoints)")
            }
            for i in 0..<punchCount { punchEndpoints.append(try SessionEndpoint(reading: &r, field: "punch endpoint \(i + 1)")) }
            switch try r.readUInt8("stream relay flag") {
            case 0: break
            case 1:
                let endpoint = try SessionEndpoint(reading: &r, field: "stream relay endpoint")
                streamRelay = StreamRelayRendezvous(endpoint: endpoint, token: try r.readBytes(StreamRelayRendezvous.tokenByteCount, "stream relay token"))
            case let flag: throw .badValue(field: "stream relay flag", reason: "is \(flag); it must be 0 or 1")
            }
            guard !punchEndpoints.isEmpty || streamRelay != nil else {
                throw .badValue(field: "version", reason: "is 2 without punch endpoints or a stream relay")
            }
        }
        try r.expectEnd(of: "the invitation")
        self.init(
            id: id, expiresAt: expiresAt, userKey: key, displayName: displayName, computerName: computerName, endpoints: endpoints,
            punchEndpoints: punchEndpoints, streamRelay: streamRelay)
    }

    /// A short public tag of the invitation, sent by the User's listener as its greeting so that a Helper
    /// racing several endpoints knows which one holds this invitation before spending a PAKE attempt.
    public var greetingTag: [UInt8] {
        Array(SHA512.hash(Array("EasyConnect/1 greeting tag".utf8) + id).prefix(16))
    }
}
