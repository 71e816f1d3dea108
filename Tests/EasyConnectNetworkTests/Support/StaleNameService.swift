import PNRP

/// A name service whose resolutions outlive the names: what a Helper sees when a cache still holds a
/// record its publisher has revoked. Every record found once is handed out again when the inner service
/// no longer finds it.
final class StaleNameService: PeerNameService {
    let inner: any PeerNameService
    private let remembered = Locked<[PeerName: NameRecord]>([:])

    init(_ inner: any PeerNameService) { self.inner = inner }

    var serviceDescription: String { "stale view of \(inner.serviceDescription)" }

    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName { try await inner.publish(publication) }

    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        do {
            let record = try await inner.resolve(name, within: timeout)
            remembered.withLock { $0[name] = record }
            return record
        } catch {
            if let old = remembered.withLock({ $0[name] }) { return old }
            throw error
        }
    }

    func revoke(_ published: PublishedName) async { await inner.revoke(published) }
}
