import PeerCrypto

/// What to publish under a peer name ([MS-PNRP] 3.2.4.1): the name, the key that signs its CPAs and extended
/// payload, the application endpoints (the CPA's PAYLOAD, 2.2.3.1.2), binary data (the EXTENDED_PAYLOAD,
/// 2.2.3.3), a comment (the CPA's friendly name) and, optionally, how long it stays published.
public struct NamePublication: Sendable {
    /// The name. A secured name must be `key`'s: its authority is the SHA-1 of the key's public key.
    public var name: PeerName
    /// Signs the CPAs and the extended payload. A fresh key per publication keeps an unsecured name's
    /// publisher unlinkable to its other names.
    public var key: Ed25519PrivateKey
    /// Application endpoints, at most 10 ([MS-PNRP] 2.2.3.1.2).
    public var endpoints: [IPv6AppEndpoint]
    /// 1...4096 bytes published as the EXTENDED_PAYLOAD, or nil ([MS-PNRP] 2.2.3.3).
    public var extendedPayload: [UInt8]?
    /// Text published as the CPA's friendly name: 1...78 bytes of UTF-8, no NUL ([MS-PNRP] 2.2.3.1).
    public var comment: String?
    /// How long the name stays published (1 second to 7 days); nil until it is revoked or the service stops.
    public var lifetime: Duration?

    /// Builds a publication.
    public init(
        name: PeerName, key: Ed25519PrivateKey, endpoints: [IPv6AppEndpoint] = [], extendedPayload: [UInt8]? = nil, comment: String? = nil,
        lifetime: Duration? = nil
    ) {
        self.name = name
        self.key = key
        self.endpoints = endpoints
        self.extendedPayload = extendedPayload
        self.comment = comment
        self.lifetime = lifetime
    }

    /// Shortest and longest `lifetime` accepted.
    public static let lifetimeRange: ClosedRange<Duration> = .seconds(1) ... .seconds(7 * 86_400)

    /// Why no service can publish this, in a sentence a person can act on; nil when it can be published.
    /// Checks what [MS-PNRP] 2.2.3.1 and 2.2.3.3 bound: the key owns a secured name, 0...10 endpoints, a
    /// 1...4096-byte payload, a 1...78-byte comment without NUL, and a lifetime of 1 second to 7 days.
    public var problem: String? {
        if name.isSecured, Authority.of(publicKey: key.publicKey.bytes) != name.authority {
            return "\(name) is a secured name whose authority is not the SHA-1 of the given key's public key; sign with the key the name was made from"
        }
        if endpoints.count > CPA.maximumPayloadEndpoints {
            return "\(endpoints.count) endpoints; a CPA carries at most \(CPA.maximumPayloadEndpoints)"
        }
        if let extendedPayload, !(1...ExtendedPayload.maximumBinaryBytes).contains(extendedPayload.count) {
            return "the extended payload has \(extendedPayload.count) bytes; it must have 1 to \(ExtendedPayload.maximumBinaryBytes)"
        }
        if let comment, !(1...CPA.maximumFriendlyNameBytes).contains(comment.utf8.count) || comment.utf8.contains(0) {
            return "the comment must have 1 to \(CPA.maximumFriendlyNameBytes) bytes of UTF-8 and no NUL character"
        }
        if let lifetime, !Self.lifetimeRange.contains(lifetime) {
            return "the lifetime must be from 1 second to 7 days"
        }
        return nil
    }
}
