import Foundation
import NIOCore
import NIOPosix
import PNRP
import PeerCrypto

/// A running `pnrp node`, reached through its control socket, as a `PeerNameService`.
///
/// Publications go over one control session kept open for as long as the service has publications: each
/// is registered with `untilDisconnect`, under the publication's own key (sent as `keySeed` over the 0600
/// socket, `ControlProtocol`), so the node revokes every one of them when this process ends, however it
/// ends. Resolutions use a connection each, so that they run side by side.
///
/// ```swift
/// guard let service = try await DaemonNameService.connect(stateDirectory: try StateDirectory()) else { … }
/// let published = try await service.publish(NamePublication(name: name, key: key, extendedPayload: invitation))
/// let record = try await service.resolve(other, within: .seconds(5))
/// ```
public actor DaemonNameService: PeerNameService {
    /// Path of the node's control socket.
    public nonisolated let socketPath: String
    let group: any EventLoopGroup
    private var session: ControlSession?
    /// The name each live publication was registered under, by handle.
    private var published: [UInt64: String] = [:]
    private var nextHandle: UInt64 = 1
    /// Publications being registered now (the session must stay open for them).
    private var publishing = 0

    /// "pnrp node at PATH".
    public nonisolated var serviceDescription: String { "pnrp node at \(socketPath)" }

    /// A service for the node listening on `socketPath`; nothing is sent until it is used.
    public init(socketPath: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socketPath = socketPath
        self.group = group
    }

    /// The service of the node whose state directory is `stateDirectory`, or nil when no node answers there.
    /// Throws `.unavailable` when something answers but not like a working node.
    public static func connect(
        stateDirectory: StateDirectory, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(NameServiceError) -> DaemonNameService? {
        let path = ControlProtocol.socketPath(in: stateDirectory)
        do {
            _ = try await ControlClient(socketPath: path, group: group).status()
        } catch {
            if error.kind == .noDaemon { return nil }
            throw Self.nameServiceError(error)
        }
        return DaemonNameService(socketPath: path, group: group)
    }

    /// Publishes through the node: registered with `untilDisconnect` on this service's session, signed with
    /// the publication's key, revoked by the node itself after `lifetime` when one is given.
    public func publish(_ publication: NamePublication) async throws(NameServiceError) -> PublishedName {
        if let problem = publication.problem { throw .refused(problem) }
        var seed = publication.key.exportSeed()
        let seedText = Data(seed).base64EncodedString()
        ConstantTime.wipe(&seed)
        let lifetime = publication.lifetime.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        let arguments = RegisterArguments(
            name: publication.name.description, comment: publication.comment, endpoints: publication.endpoints.map(AppEndpointText.format),
            extendedPayload: publication.extendedPayload.map { Data($0).base64EncodedString() }, keySeed: seedText, lifetimeSeconds: lifetime,
            untilDisconnect: true)
        publishing += 1
        defer { publishing -= 1 }
        do {
            let registered = try await openSession().register(arguments)
            let handle = nextHandle
            nextHandle += 1
            published[handle] = registered.name
            let ids = registered.ids.compactMap { NodeIdentity.hexBytes($0.id).flatMap { PNRPID(bytes: $0) } }
            return PublishedName(name: publication.name, handle: handle, ids: ids)
        } catch {
            throw Self.nameServiceError(error)
        }
    }

    /// Resolves in every cloud the node has open, at once; the first verified record wins. `notFound` only
    /// when every cloud says so; `timedOut` when one could not answer in time.
    public func resolve(_ name: PeerName, within timeout: Duration) async throws(NameServiceError) -> NameRecord {
        let client = ControlClient(socketPath: socketPath, group: group)
        let seconds = min(Double(ControlProtocol.maximumResolveTimeout.components.seconds), max(0.001, Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18))
        let clouds: [String]
        do {
            clouds = try await client.clouds().map(\.name)
        } catch {
            throw Self.nameServiceError(error)
        }
        guard !clouds.isEmpty else { throw .noCloud("the node has no cloud open; see `pnrp clouds`") }
        let outcome: Result<ResolvedRecord, ControlError> = await withTaskGroup(of: Result<ResolvedRecord, ControlError>.self) { group in
            for cloud in clouds {
                group.addTask {
                    do throws(ControlError) {
                        return .success(try await client.resolve(ResolveArguments(name: name.description, timeoutSeconds: seconds, cloud: cloud)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var failures: [ControlError] = []
            for await result in group {
                switch result {
                case .success:
                    group.cancelAll()
                    return result
                case .failure(let error):
                    failures.append(error)
                }
            }
            let kinds: [ControlError.Kind] = [.timeout, .notFound, .noDaemon, .badInput, .internal]
            let telling = kinds.lazy.compactMap { kind in failures.first { $0.kind == kind } }.first
            return .failure(telling ?? ControlError(.internal, "no cloud answered"))
        }
        switch outcome {
        case .success(let record):
            guard let value = Self.nameRecord(record, name: name) else {
                throw .unavailable("the node's answer could not be read (is it the same pnrp version?)")
            }
            return value
        case .failure(let error):
            throw Self.nameServiceError(error)
        }
    }

    /// Revokes the publication through the node ([MS-PNRP] 3.2.4.2); nothing happens when it is gone already.
    public func revoke(_ published: PublishedName) async {
        guard let name = self.published.removeValue(forKey: published.handle) else { return }
        try? await session?.unregister(name)
        if self.published.isEmpty, publishing == 0, let session {
            // Nothing left that ends with the session: let it go rather than hold a connection slot.
            self.session = nil
            await session.close()
        }
    }

    /// Returns once the control session holding this service's publications has closed (at once when there
    /// is none): the node stopped or was killed, the last publication was revoked, or `close()` was called.
    /// Whatever was published through it is gone from the cloud then.
    public func waitUntilPublicationsEnd() async {
        await session?.waitUntilClosed()
    }

    /// Closes the session: the node revokes every publication made through this service.
    public func close() async {
        published = [:]
        await session?.close()
        session = nil
    }

    /// The open session, or a new one when there is none or the node closed it (a session that closed took
    /// its publications with it).
    private func openSession() async throws(ControlError) -> ControlSession {
        if let session, session.isOpen { return session }
        if session != nil { published = [:] }
        let fresh = try await ControlSession.open(socketPath: socketPath, group: group)
        session = fresh
        return fresh
    }

    /// The record a control answer describes, in the service's terms; nil when a field cannot be read.
    static func nameRecord(_ r: ResolvedRecord, name: PeerName) -> NameRecord? {
        guard let idBytes = NodeIdentity.hexBytes(r.id), let id = PNRPID(bytes: idBytes) else { return nil }
        var endpoints: [IPv6AppEndpoint] = []
        for text in r.endpoints {
            guard let e = try? AppEndpointText.parse(text) else { return nil }
            endpoints.append(e)
        }
        var payload: [UInt8]?
        if let text = r.extendedPayload {
            guard let data = Data(base64Encoded: text) else { return nil }
            payload = Array(data)
        }
        let key = r.publicKey.flatMap(NodeIdentity.hexBytes) ?? []
        return NameRecord(
            name: name, id: id, cloud: r.cloud, endpoints: endpoints, extendedPayload: payload, publicKey: key,
            notAfter: FileTime(unixNanoseconds: UInt64(max(0, r.expiresAt)) * 1_000_000_000), hops: r.hops)
    }

    /// The name-service error a control error becomes.
    static func nameServiceError(_ error: ControlError) -> NameServiceError {
        switch error.kind {
        case .notFound: .notFound
        case .timeout: .timedOut
        case .noDaemon: .unavailable("\(error.message); start one with `pnrp node`")
        case .badInput: .refused(error.message)
        case .internal: .unavailable(error.message)
        }
    }
}
