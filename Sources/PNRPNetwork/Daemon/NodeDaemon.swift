import Foundation
import PNRP

/// The logic behind the control socket of `pnrp node`: it answers control requests with a `PNRPHost`
/// and keeps the names clients registered, by name, until they are unregistered or the node stops.
///
/// ```swift
/// let daemon = NodeDaemon(host: host, stateDirectory: directory)
/// await server.run(handler: daemon)
/// ```
public actor NodeDaemon: ControlHandler {
    /// The host the requests act on.
    public let host: PNRPHost
    /// The state directory the node uses, reported by `status`.
    public let stateDirectory: StateDirectory?
    private let started = ContinuousClock.now
    private var registrations: [String: Registration] = [:]

    /// A daemon acting on `host`.
    public init(host: PNRPHost, stateDirectory: StateDirectory?) {
        (self.host, self.stateDirectory) = (host, stateDirectory)
    }

    /// Names registered through the control socket, sorted.
    public var registeredNames: [String] { registrations.keys.sorted() }

    /// Answers one request.
    public func handle(_ request: ControlRequest) async -> ControlResponse {
        do {
            switch request {
            case .register(let a): return .success(.registered(try await register(a)))
            case .unregister(let a):
                try await unregister(a.name)
                return .success(.unregistered(a))
            case .resolve(let a): return .success(.resolved(try await resolve(a)))
            case .cache: return .success(.cache(try await hostCall { try await host.cacheEntries() }))
            case .clouds: return .success(.clouds(try await hostCall { try await host.clouds() }))
            case .status: return .success(.status(try await status()))
            case .shutdown: return .success(.stopping(pid: getpid()))
            }
        } catch {
            return .failure(error)
        }
    }

    func register(_ a: RegisterArguments) async throws(ControlError) -> RegisteredName {
        let name: PeerName
        do {
            name = a.secured ? try host.identity.securedName(a.name) : try PeerName(a.name)
        } catch {
            throw ControlError(.badInput, "invalid peer name '\(a.name)': \(error.description)")
        }
        let key = name.description
        guard registrations[key] == nil else {
            throw ControlError(.badInput, "\(key) is already registered on this node; run `pnrp unregister \(key)` first")
        }
        var service: (port: UInt16, ipProtocol: UInt16)?
        var endpoints: [IPv6AppEndpoint] = []
        if let port = a.port {
            guard port > 0 else { throw ControlError(.badInput, "the port must be 1-65535") }
            let ipProtocol: UInt16
            switch (a.transport ?? "tcp").lowercased() {
            case "tcp": ipProtocol = 6
            case "udp": ipProtocol = 17
            default: throw ControlError(.badInput, "unknown transport '\(a.transport ?? "")'; write tcp or udp")
            }
            // Each cloud publishes the node's own address in that cloud with this port.
            service = (port, ipProtocol)
            let clouds = try await hostCall { try await host.clouds() }
            endpoints = clouds.compactMap { try? EndpointText($0.endpoint).endpoint.address }.map { IPv6AppEndpoint(address: $0, port: port, ipProtocol: ipProtocol) }
        }
        let registration: Registration
        if let service {
            registration = try await hostCall { try await host.register(name, servicePort: service.port, ipProtocol: service.ipProtocol, comment: a.comment) }
        } else {
            registration = try await hostCall { try await host.register(name, comment: a.comment) }
        }
        if registrations[key] != nil {
            // Another request registered the same name while this one waited: keep the first.
            await registration.cancel()
            throw ControlError(.badInput, "\(key) is already registered on this node; run `pnrp unregister \(key)` first")
        }
        registrations[key] = registration
        return RegisteredName(
            name: key, secured: name.isSecured, p2pID: name.p2pID.description,
            ids: registration.ids.map { .init(cloud: $0.cloud.description, id: $0.id.description) },
            endpoints: endpoints.map(Self.format), comment: a.comment)
    }

    func unregister(_ text: String) async throws(ControlError) {
        let key = (try? PeerName(text).description) ?? text
        guard let registration = registrations.removeValue(forKey: key) else {
            let known = registrations.isEmpty ? "none" : registrations.keys.sorted().joined(separator: ", ")
            throw ControlError(.notFound, "\(text) is not registered on this node (registered: \(known))")
        }
        await registration.cancel()
    }

    func resolve(_ a: ResolveArguments) async throws(ControlError) -> ResolvedRecord {
        let name: PeerName
        do {
            name = try PeerName(a.name)
        } catch {
            throw ControlError(.badInput, "invalid peer name '\(a.name)': \(error.description)")
        }
        let limit = Double(ControlProtocol.maximumResolveTimeout.components.seconds)
        guard a.timeoutSeconds > 0, a.timeoutSeconds <= limit else {
            throw ControlError(.badInput, "the timeout must be more than 0 and at most \(Int(limit)) seconds")
        }
        let cloud = try CloudSelector.scope(a.cloud)
        let clock = ContinuousClock()
        let start = clock.now
        let record = try await hostCall { try await host.resolve(name, cloud: cloud, timeout: .milliseconds(Int64(a.timeoutSeconds * 1000))) }
        let elapsed = clock.now - start
        return ResolvedRecord(
            name: name.description, cloud: record.cloud.description, id: record.id.description,
            nodeEndpoints: record.nodeEndpoints.map { EndpointText.format($0) }, endpoints: record.endpoints.map(Self.format),
            comment: record.comment, hops: record.hops, path: record.path.map { EndpointText.format($0) },
            keyFingerprint: Authority.of(publicKey: record.publicKey).description,
            expiresAt: Int(record.notAfter.unixNanoseconds / 1_000_000_000),
            milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
    }

    func status() async throws(ControlError) -> DaemonStatus {
        let counters = try await hostCall { try await host.counters() }
        let clouds = try await hostCall { try await host.clouds() }
        let nodes = counters.nodes.values
        let traffic = DaemonStatus.Traffic(
            datagramsIn: counters.datagramsIn, datagramsOut: counters.datagramsOut, bytesIn: counters.bytesIn, bytesOut: counters.bytesOut,
            rateLimited: counters.rateLimited, amplificationDropped: counters.amplificationDropped, socketErrors: counters.socketErrors,
            malformed: nodes.reduce(0) { $0 + $1.malformed }, retransmissions: nodes.reduce(0) { $0 + $1.retransmissions },
            timeouts: nodes.reduce(0) { $0 + $1.timeouts }, cpaRejected: nodes.reduce(0) { $0 + $1.cpaRejected })
        let up = ContinuousClock.now - started
        return DaemonStatus(
            pid: getpid(), stateDirectory: stateDirectory?.path ?? "", authority: host.identity.authority.description,
            uptimeSeconds: Double(up.components.seconds) + Double(up.components.attoseconds) / 1e18, registrations: registeredNames,
            clouds: clouds, traffic: traffic)
    }

    /// Runs a host call, turning its errors into control errors.
    private func hostCall<T: Sendable>(_ body: () async throws -> T) async throws(ControlError) -> T {
        do {
            return try await body()
        } catch let error as HostError {
            throw Self.controlError(error)
        } catch {
            throw ControlError(.internal, "\(error)")
        }
    }

    /// The control error a host error becomes.
    public static func controlError(_ error: HostError) -> ControlError {
        switch error {
        case .resolve(.timedOut): ControlError(.timeout, "no answer within the time limit; the name may not be published, or the cloud is slow (try a longer --timeout)")
        case .resolve(.notFound): ControlError(.notFound, "no node in the cloud publishes this name")
        case .resolve(.noValidCPA): ControlError(.notFound, "a node publishes this name but its CPA did not verify (forged or expired)")
        case .resolve(.noNeighbours): ControlError(.notFound, "this node knows no other node yet: it has not joined the cloud (give it a --seed, or wait)")
        case .resolve(.cancelled): ControlError(.internal, "the resolution was cancelled: the node is stopping or has too many resolutions in progress")
        case .registration, .cloudNotOpen: ControlError(.badInput, error.description)
        case .bind, .noCloud, .shutDown: ControlError(.internal, error.description)
        }
    }

    /// `127.0.0.2:8080/tcp`.
    static func format(_ e: IPv6AppEndpoint) -> String {
        let transport = e.ipProtocol == 6 ? "tcp" : e.ipProtocol == 17 ? "udp" : "proto\(e.ipProtocol)"
        return EndpointText.format(IPv6Endpoint(address: e.address, port: e.port)) + "/" + transport
    }
}
