import Foundation
import PNRP
import PeerCrypto

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
    private var registrations: [String: Entry] = [:]
    private var nextToken: UInt64 = 1

    /// A name registered through the control socket, and what ends it besides `unregister`.
    private struct Entry {
        var registration: Registration
        /// Tells this registration from a later one of the same name.
        var token: UInt64
        /// Set for `untilDisconnect`: the connection whose closing revokes the name.
        var connection: ControlConnectionID?
        /// Set for `lifetimeSeconds`: sleeps, then revokes the name.
        var expiry: Task<Void, Never>?
    }

    /// A daemon acting on `host`.
    public init(host: PNRPHost, stateDirectory: StateDirectory?) {
        (self.host, self.stateDirectory) = (host, stateDirectory)
    }

    /// Names registered through the control socket, sorted.
    public var registeredNames: [String] { registrations.keys.sorted() }

    /// Answers one request that arrived outside any connection (tests, embedding).
    public func handle(_ request: ControlRequest) async -> ControlResponse {
        await handle(request, on: nil)
    }

    /// Answers one request that arrived on `connection`.
    public func handle(_ request: ControlRequest, on connection: ControlConnectionID) async -> ControlResponse {
        await handle(request, on: Optional(connection))
    }

    /// Revokes every name registered with `untilDisconnect` on `connection` ([MS-PNRP] 3.2.4.2).
    public func connectionClosed(_ connection: ControlConnectionID) async {
        let names = registrations.filter { $0.value.connection == connection }.map(\.key).sorted()
        for name in names { await revoke(name) }
    }

    private func handle(_ request: ControlRequest, on connection: ControlConnectionID?) async -> ControlResponse {
        do throws(ControlError) {
            switch request {
            case .register(let a): return .success(.registered(try await register(a, on: connection)))
            case .unregister(let a):
                try await unregister(a.name)
                return .success(.unregistered(a))
            case .resolve(let a): return .success(.resolved(try await resolve(a)))
            case .cache: return .success(.cache(try await hostCall { try await host.cacheEntries() }))
            case .clouds: return .success(.clouds(try await hostCall { try await host.clouds() }))
            case .status: return .success(.status(try await status()))
            case .shutdown: return .success(.stopping(pid: getpid()))
            case .reachability:
                return .success(.reachability(ReachabilityView(await host.globalReachability(), observed: await host.globalObservedEndpoint())))
            case .streamRelay(let a):
                guard a.timeoutSeconds.isFinite, (1...60).contains(a.timeoutSeconds) else {
                    throw ControlError(.badInput, "stream-relay timeoutSeconds must be 1 to 60 (got \(a.timeoutSeconds))")
                }
                let allocation = try await hostCall { try await host.allocateStreamRelay(timeout: .milliseconds(Int64(a.timeoutSeconds * 1000))) }
                return .success(.streamRelay(StreamRelayView(allocation, now: HostClock.now())))
            }
        } catch {
            return .failure(error)
        }
    }

    /// The largest `lifetimeSeconds` accepted: 7 days, the longest a CPA may be valid ([MS-PNRP] 2.2.3.1).
    public static let maximumLifetimeSeconds: Double = 7 * 86_400

    func register(_ a: RegisterArguments, on connection: ControlConnectionID?) async throws(ControlError) -> RegisteredName {
        let options = try Self.checkedOptions(a, hasConnection: connection != nil)
        // The signing key: the caller's seed, a fresh key, or the node's identity. The decoded seed is wiped by
        // `Ed25519PrivateKey(seed:)` and here; the key lives only in the registration, and goes with it.
        let key: Ed25519PrivateKey?
        if let text = a.keySeed {
            guard var seed = Data(base64Encoded: text).map(Array.init) else {
                throw ControlError(.badInput, "keySeed is not valid base64; send the 32-byte Ed25519 seed in base64")
            }
            defer { ConstantTime.wipe(&seed) }
            guard seed.count == 32 else { throw ControlError(.badInput, "keySeed has \(seed.count) bytes; an Ed25519 seed has 32") }
            do {
                key = try Ed25519PrivateKey(seed: seed)
            } catch {
                throw ControlError(.badInput, "keySeed is not a usable Ed25519 seed: \(error)")
            }
        } else if a.ephemeralKey {
            key = Ed25519PrivateKey()
        } else {
            key = nil
        }
        let name: PeerName
        do {
            if a.secured {
                name = try key.map { try PeerName(authority: .of(publicKey: $0.publicKey.bytes), classifier: a.name) } ?? host.identity.securedName(a.name)
            } else {
                name = try PeerName(a.name)
            }
        } catch {
            throw ControlError(.badInput, "invalid peer name '\(a.name)': \(error)")
        }
        let text = name.description
        guard registrations[text] == nil else {
            throw ControlError(.badInput, "\(text) is already registered on this node; run `pnrp unregister \(text)` first")
        }
        var endpoints = options.endpoints
        var service: (port: UInt16, ipProtocol: UInt16)?
        if let port = a.port {
            let ipProtocol = options.transport
            // Each cloud publishes the node's own address in that cloud with this port.
            service = (port, ipProtocol)
            let clouds = try await hostCall { try await host.clouds() }
            endpoints += clouds.compactMap { try? EndpointText($0.endpoint).endpoint.address }.map { IPv6AppEndpoint(address: $0, port: port, ipProtocol: ipProtocol) }
        }
        guard endpoints.count <= CPA.maximumPayloadEndpoints else {
            throw ControlError(.badInput, "\(endpoints.count) application endpoints; a CPA carries at most \(CPA.maximumPayloadEndpoints)")
        }
        let registration = try await hostCall {
            try await host.register(
                name, endpoints: options.endpoints, servicePort: service, comment: a.comment, clouds: nil, key: key, extendedPayload: options.extendedPayload)
        }
        if registrations[text] != nil {
            // Another request registered the same name while this one waited: keep the first.
            await registration.cancel()
            throw ControlError(.badInput, "\(text) is already registered on this node; run `pnrp unregister \(text)` first")
        }
        let token = nextToken
        nextToken += 1
        var entry = Entry(registration: registration, token: token, connection: a.untilDisconnect ? connection : nil)
        if let seconds = a.lifetimeSeconds {
            entry.expiry = Task { [weak self] in
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                guard !Task.isCancelled else { return }
                await self?.expire(text, token: token)
            }
        }
        registrations[text] = entry
        return RegisteredName(
            name: text, secured: name.isSecured, p2pID: name.p2pID.description,
            ids: registration.ids.map { .init(cloud: $0.cloud.description, id: $0.id.description) },
            endpoints: endpoints.map(AppEndpointText.format), comment: a.comment)
    }

    /// What the new register fields ask for, checked: every refusal is `badInput` with what to change, and
    /// none repeats the key seed.
    static func checkedOptions(_ a: RegisterArguments, hasConnection: Bool) throws(ControlError) -> (endpoints: [IPv6AppEndpoint], transport: UInt16, extendedPayload: [UInt8]?) {
        var transport: UInt16 = 6
        if let port = a.port {
            guard port > 0 else { throw ControlError(.badInput, "the port must be 1-65535") }
            switch (a.transport ?? "tcp").lowercased() {
            case "tcp": transport = 6
            case "udp": transport = 17
            default: throw ControlError(.badInput, "unknown transport '\(a.transport ?? "")'; write tcp or udp")
            }
        }
        var endpoints: [IPv6AppEndpoint] = []
        for text in a.endpoints ?? [] {
            do { endpoints.append(try AppEndpointText.parse(text)) } catch { throw ControlError(.badInput, error.description) }
        }
        var payload: [UInt8]?
        if let text = a.extendedPayload {
            guard let bytes = Data(base64Encoded: text).map(Array.init) else {
                throw ControlError(.badInput, "extendedPayload is not valid base64")
            }
            guard (1...ExtendedPayload.maximumBinaryBytes).contains(bytes.count) else {
                throw ControlError(.badInput, "extendedPayload has \(bytes.count) bytes; it must have 1 to \(ExtendedPayload.maximumBinaryBytes)")
            }
            payload = bytes
        }
        if a.keySeed != nil && a.ephemeralKey {
            throw ControlError(.badInput, "keySeed and ephemeralKey exclude each other: send your key, or let the node make a fresh one")
        }
        if let seconds = a.lifetimeSeconds {
            guard seconds >= 1, seconds <= maximumLifetimeSeconds else {
                throw ControlError(.badInput, "lifetimeSeconds must be from 1 to \(Int(maximumLifetimeSeconds)) (7 days)")
            }
        }
        if a.untilDisconnect && !hasConnection {
            throw ControlError(.badInput, "untilDisconnect needs a control connection to watch; send the request over the control socket")
        }
        return (endpoints, transport, payload)
    }

    func unregister(_ text: String) async throws(ControlError) {
        let key = (try? PeerName(text).description) ?? text
        guard registrations[key] != nil else {
            let known = registrations.isEmpty ? "none" : registrations.keys.sorted().joined(separator: ", ")
            throw ControlError(.notFound, "\(text) is not registered on this node (registered: \(known))")
        }
        await revoke(key)
    }

    /// Revokes `name`'s registration, if it is still the one `token` made.
    private func expire(_ name: String, token: UInt64) async {
        guard registrations[name]?.token == token else { return }
        await revoke(name)
    }

    /// Removes and revokes `name`'s registration ([MS-PNRP] 3.2.4.2).
    private func revoke(_ name: String) async {
        guard let entry = registrations.removeValue(forKey: name) else { return }
        entry.expiry?.cancel()
        await entry.registration.cancel()
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
        let deadline = start + .milliseconds(Int64(a.timeoutSeconds * 1000))
        try await waitForJoin(cloud, until: deadline, timeoutSeconds: a.timeoutSeconds)
        let record = try await hostCall { try await host.resolve(name, cloud: cloud, timeout: deadline - clock.now) }
        let elapsed = clock.now - start
        return ResolvedRecord(
            name: name.description, cloud: record.cloud.description, id: record.id.description,
            nodeEndpoints: record.nodeEndpoints.map { EndpointText.format($0) }, endpoints: record.endpoints.map(AppEndpointText.format),
            comment: record.comment, hops: record.hops, path: record.path.map { EndpointText.format($0) },
            keyFingerprint: Authority.of(publicKey: record.publicKey).description,
            expiresAt: Int(record.notAfter.unixNanoseconds / 1_000_000_000),
            milliseconds: Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15,
            extendedPayload: record.extendedPayload.map { Data($0).base64EncodedString() },
            publicKey: Hex.encode(record.publicKey))
    }

    /// How often a resolution waiting for its cloud's join checks again.
    static let joinPollInterval = Duration.milliseconds(50)

    /// Waits while `cloud` is still joining (synchronising with the nodes it knows of, its cache still
    /// empty): until then the node knows nobody to ask, and "nobody publishes the name" would be a guess.
    /// Throws a timeout saying so when the join has not finished by `deadline`.
    func waitForJoin(_ cloud: CloudScope, until deadline: ContinuousClock.Instant, timeoutSeconds: Double) async throws(ControlError) {
        let name = cloud.description
        while try await hostCall({ try await host.clouds() }).first(where: { $0.name == name })?.state == CloudState.synchronizing.rawValue {
            guard ContinuousClock.now + Self.joinPollInterval < deadline else {
                let seconds = timeoutSeconds == timeoutSeconds.rounded() ? String(Int(timeoutSeconds)) : String(timeoutSeconds)
                throw ControlError(
                    .timeout,
                    "the node is still joining the \(name) cloud (synchronizing with its seeds) and did not finish within \(seconds) s; try again with a longer --timeout, and check `pnrp clouds` and the node's --seed nodes")
            }
            try? await Task.sleep(for: Self.joinPollInterval)
        }
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
        let problems = try await hostCall { try await host.seedProblems() }
        let up = ContinuousClock.now - started
        return DaemonStatus(
            pid: getpid(), stateDirectory: stateDirectory?.path ?? "", authority: host.identity.authority.description,
            uptimeSeconds: Double(up.components.seconds) + Double(up.components.attoseconds) / 1e18, registrations: registeredNames,
            clouds: clouds, traffic: traffic, seedProblems: problems.isEmpty ? nil : problems, streamRelay: counters.streamRelay)
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
        case .streamRelay(let failure):
            ControlError(failure == .timedOut ? .timeout : .badInput, error.description, code: StreamRelayView.failureCode(failure))
        }
    }

}
