/// A verified record found by `PeerNameService.resolve` ([MS-PNRP] 3.2.4.3): what the publisher signed, in
/// the terms an application uses.
public struct NameRecord: Sendable, Hashable {
    /// The name asked for.
    public var name: PeerName
    /// The PNRP ID found.
    public var id: PNRPID
    /// The cloud it was found in (`Global_`, `LinkLocal_2`, `in-memory`).
    public var cloud: String
    /// The application endpoints of the CPA's PAYLOAD ([MS-PNRP] 2.2.3.1.2).
    public var endpoints: [IPv6AppEndpoint]
    /// The extended payload, verified under the CPA's key ([MS-PNRP] 3.1.5.8, `docs/deviations.md` W10); nil
    /// when the publisher published none.
    public var extendedPayload: [UInt8]?
    /// The publisher's raw 32-byte Ed25519 public key: for a secured name its SHA-1 is the name's authority.
    public var publicKey: [UInt8]
    /// When the CPA expires ([MS-PNRP] 2.2.3.1 Not After).
    public var notAfter: FileTime
    /// LOOKUP hops the resolution took (0: published by the service's own node).
    public var hops: Int

    /// Builds the value.
    public init(
        name: PeerName, id: PNRPID, cloud: String, endpoints: [IPv6AppEndpoint], extendedPayload: [UInt8]?, publicKey: [UInt8], notAfter: FileTime,
        hops: Int
    ) {
        self.name = name
        self.id = id
        self.cloud = cloud
        self.endpoints = endpoints
        self.extendedPayload = extendedPayload
        self.publicKey = publicKey
        self.notAfter = notAfter
        self.hops = hops
    }
}
