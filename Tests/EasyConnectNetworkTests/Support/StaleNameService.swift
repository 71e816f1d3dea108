import PNRP

/// A name service whose resolutions outlive the names: what a Helper sees when a cache still holds a
/// record its publisher has revoked. Every record found once (or handed to `remember`) is handed out
/// again when the inner service no longer finds it.
final class StaleNameService: PeerNameService {
    let inner: any PeerNameService
    private let remembered = Locked<[PeerName: NameRecord]>([:])

    init(_ inner: any PeerNameService) { self.inner = inner }

    var serviceDescription: String { "stale view of \(inner.serviceDescription)" }

    /// Keeps `record` as if it had been resolved.
    func remember(_ record: NameRecord) { remembered.withLock { $0[record.name] = record } }

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

/// Publishes through `inner` and hands each publication, as the record a resolution would return, to a
/// stale cache: the cache knows the invitation from the moment it is published, however slow the test.
final class RecordingNameService: PeerNameService {
    let inner: any PeerNameService
    let cache: StaleNameService

    init(_ inner: any PeerNameService, into cache: StaleNameService) { (self.inner, self.cache) = (inner, cache) }

    var serviceDescription: String { inner.serviceDescription }

    func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName {
        let published = try await inner.publish(publication)
        if let id = published.ids.first {
            cache.remember(
                NameRecord(
                    name: publication.name, id: id, cloud: "Global_", endpoints: publication.endpoints, extendedPayload: publication.extendedPayload,
                    publicKey: publication.key.publicKey.bytes, notAfter: FileTime(unixNanoseconds: 0), hops: 1))
        }
        return published
    }

    func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord { try await inner.resolve(name, within: timeout) }

    func revoke(_ published: PublishedName) async { await inner.revoke(published) }
}
