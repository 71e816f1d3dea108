/// A place where names are published and found: the real PNRP host, a running daemon, or an in-memory
/// cloud ([MS-PNRP] 3.2.4: the API a higher-layer protocol sees).
///
/// Every implementation hands back only verified records: the CPA checked as [MS-PNRP] 3.1.5.7 says, and the
/// extended payload as 3.1.5.8 says, under the CPA's key (`docs/deviations.md` C8, W10).
public protocol PeerNameService: Sendable {
    /// Publishes `publication` in every cloud the service has open ([MS-PNRP] 3.2.4.1); the handle revokes it.
    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName
    /// Finds a publisher of `name` ([MS-PNRP] 3.2.4.3): tries every open cloud at once, returns the first
    /// verified record, or fails after `timeout`. (Labelled `within:` so that it never competes with
    /// `PNRPHost.resolve(_:criteria:cloud:timeout:)`, which returns the host's richer `PeerRecord`.)
    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord
    /// Revokes a publication ([MS-PNRP] 3.2.4.2). Revoking twice is harmless.
    func revoke(_ published: PublishedName) async
    /// What the service is, for messages ("pnrp node at /path/control.sock", "embedded node on
    /// 192.0.2.1:3540", "in-memory cloud node 7").
    var serviceDescription: String { get }
}
