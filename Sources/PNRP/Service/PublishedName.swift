/// A publication made by a `PeerNameService`: hand it back to `revoke` to withdraw the name
/// ([MS-PNRP] 3.2.4.2).
public struct PublishedName: Sendable, Hashable {
    /// The name published.
    public var name: PeerName
    /// The service's handle of the publication (meaningful only to the service that made it).
    public var handle: UInt64
    /// The PNRP IDs registered, one per cloud ([MS-PNRP] 3.2.4.1).
    public var ids: [PNRPID]

    /// Builds the value.
    public init(name: PeerName, handle: UInt64, ids: [PNRPID]) {
        (self.name, self.handle, self.ids) = (name, handle, ids)
    }
}
