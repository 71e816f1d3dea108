import PNRP

/// The embedded host as a `PeerNameService`: publications go into every open cloud, resolutions run in
/// every open cloud at once ([MS-PNRP] 3.2.4.1, 3.2.4.3).
extension PNRPHost: PeerNameService {
    /// Publishes in every open cloud, signed with the publication's key; with a lifetime, the host revokes
    /// the name by itself when it ends.
    public func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName {
        if let problem = publication.problem { throw .refused(problem) }
        let engine = self.engine
        do {
            let (handle, ids) = try await eventLoop.submit {
                try engine.value.register(
                    publication.name, endpoints: publication.endpoints, comment: publication.comment, clouds: nil, key: publication.key,
                    extendedPayload: publication.extendedPayload, lifetime: publication.lifetime)
            }.get()
            return PublishedName(name: publication.name, handle: handle, ids: ids.map(\.1))
        } catch let error as HostError {
            throw Self.nameServiceError(error)
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// Resolves in the global cloud and every link-local cloud at once; the first verified record wins.
    /// `notFound` only when every cloud that knows other nodes says so; `timedOut` when one could not answer.
    public func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        let engine = self.engine
        do {
            let record = try await eventLoop.flatSubmit { engine.value.resolveInEveryCloud(name, timeout: timeout) }.get()
            return NameRecord(
                name: name, id: record.id, cloud: record.cloud.description, endpoints: record.endpoints, extendedPayload: record.extendedPayload,
                publicKey: record.publicKey, notAfter: record.notAfter, hops: record.hops)
        } catch let error as HostError {
            throw Self.nameServiceError(error)
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// Revokes the publication in every cloud it was made in ([MS-PNRP] 3.2.4.2).
    public func revoke(_ published: PublishedName) async {
        let engine = self.engine
        let handle = published.handle
        try? await eventLoop.submit { engine.value.unregister(handle) }.get()
    }

    /// The name-service error a host error becomes.
    static func nameServiceError(_ error: HostError) -> NameServiceError {
        switch error {
        case .resolve(.notFound), .resolve(.noValidCPA): .notFound
        case .resolve(.timedOut): .timedOut
        case .resolve(.noNeighbours): .unavailable("this node knows no other node in any open cloud yet: it has not joined (give it a seed, or wait)")
        case .resolve(.cancelled): .unavailable("the resolution was cancelled: the node is stopping or has too many resolutions in progress")
        case .registration(let e): .refused(e.description)
        case .noCloud, .cloudNotOpen: .noCloud(error.description)
        case .shutDown: .unavailable(error.description)
        case .bind, .streamRelay: .unavailable(error.description)
        }
    }
}
