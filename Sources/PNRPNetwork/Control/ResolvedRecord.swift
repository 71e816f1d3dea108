/// A record found by a `resolve` request: the publisher's verified CPA and how it was reached, in text
/// form for people and scripts.
public struct ResolvedRecord: Sendable, Hashable, Codable {
    /// The name asked for.
    public var name: String
    /// The cloud it was found in.
    public var cloud: String
    /// The 64 hex digits of the PNRP ID found.
    public var id: String
    /// Where the publisher's PNRP node listens (`127.0.0.2:3540`).
    public var nodeEndpoints: [String]
    /// The application endpoints the publisher registered (`127.0.0.2:8080/tcp`).
    public var endpoints: [String]
    /// The text published with the name.
    public var comment: String?
    /// LOOKUP hops the resolution took.
    public var hops: Int
    /// Every node asked, in order, ending with the publisher.
    public var path: [String]
    /// SHA-1 of the publisher's public key in hex: for a secured name it equals the name's authority.
    public var keyFingerprint: String
    /// When the CPA expires, in seconds since 1970.
    public var expiresAt: Int
    /// How long the resolution took inside the daemon, in milliseconds.
    public var milliseconds: Double
    /// Base64 of the publisher's extended payload, verified under its CPA's key ([MS-PNRP] 3.1.5.8,
    /// `docs/deviations.md` W10); absent when it publishes none.
    public var extendedPayload: String?
    /// The publisher's raw 32-byte Ed25519 public key in hex (its SHA-1 is `keyFingerprint`).
    public var publicKey: String?

    /// Builds the value.
    public init(
        name: String, cloud: String, id: String, nodeEndpoints: [String], endpoints: [String], comment: String?, hops: Int, path: [String],
        keyFingerprint: String, expiresAt: Int, milliseconds: Double, extendedPayload: String? = nil, publicKey: String? = nil
    ) {
        self.extendedPayload = extendedPayload
        self.publicKey = publicKey
        self.name = name
        self.cloud = cloud
        self.id = id
        self.nodeEndpoints = nodeEndpoints
        self.endpoints = endpoints
        self.comment = comment
        self.hops = hops
        self.path = path
        self.keyFingerprint = keyFingerprint
        self.expiresAt = expiresAt
        self.milliseconds = milliseconds
    }
}
