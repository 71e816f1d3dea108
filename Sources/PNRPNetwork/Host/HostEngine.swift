import Logging
import NIOCore
import NIOPosix
import PNRP
import PeerCrypto

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The event-loop-confined driver of one host: it owns the `CloudTable` (one sans-IO `PNRPNode` per
/// cloud), feeds it datagrams and timer ticks, and carries out its effects on the sockets. Every method
/// runs on `eventLoop`; `PNRPHost` is the thread-safe face of it.
final class HostEngine {
    let eventLoop: any EventLoop
    let configuration: HostConfiguration
    let identity: NodeIdentity
    let logger: Logger
    let metrics = HostMetrics.shared
    let events: AsyncStream<HostEvent>.Continuation

    var table = CloudTable()
    /// The driver's state of each open cloud.
    var drivers: [CloudScope: CloudDriver] = [:]
    var ssdpListener: (any Channel)?
    var sourceGuard: SourceGuard
    /// Keys the generator of each node (`docs/deviations.md`, item N23).
    var keying: NodeKeying
    var snapshot: CacheSnapshot?
    var lastSave: NodeInstant
    var timer: Scheduled<Void>?
    var timerDeadline: NodeInstant?
    var housekeeping: Scheduled<Void>?
    var resolves: [ResolveKey: PendingResolve] = [:]
    var registrations: [UInt64: [(CloudScope, PNRPID)]] = [:]
    /// The name of each registration, for the operator's log.
    var registrationNames: [UInt64: PeerName] = [:]
    /// Revocations scheduled by registrations made with a lifetime, by handle.
    var expiries: [UInt64: Scheduled<Void>] = [:]
    var nextRegistrationID: UInt64 = 1
    var isShutDown = false
    /// IPv4 broadcast addresses of the machine's interfaces: never a destination (docs/deviations.md, D3).
    var broadcastAddresses: Set<IPv6Address> = []
    /// Destinations the system has a route to (a send without one would close the socket).
    var routes = RouteCheck()
    /// Datagrams dropped by the guard, and those sent and received, for tests and `pnrp clouds`.
    var counters = Counters()
    /// What became of the global cloud's seeds (reported when one cannot help).
    var seedWatch: SeedWatch?
    /// The stream relay of a node that relays for others; it accepts the tokens the node grants.
    var streamRelay: StreamRelayServer?
    /// Stream relay requests of the global cloud's node awaiting their answer.
    var streamRequests: [StreamRequestID: PendingStreamRequest] = [:]

    struct PendingStreamRequest {
        var promise: EventLoopPromise<StreamAllocation>
        var timeout: Scheduled<Void>?
    }

    struct Counters {
        var datagramsIn = 0, datagramsOut = 0, bytesIn = 0, bytesOut = 0
        var rateLimited = 0, amplificationDropped = 0, socketErrors = 0, ssdpIn = 0, undeliverable = 0
    }

    /// What the driver keeps per cloud, besides the node itself.
    struct CloudDriver {
        var socket: (any Channel)?
        /// Sockets of the node's other endpoints (relay endpoints, dial-back endpoint), by endpoint.
        var otherSockets: [IPv6Endpoint: any Channel] = [:]
        /// The anti-abuse guard of each of those sockets (`docs/deviations.md`, D1, X3): what a peer wrote to a
        /// relay endpoint is what the answers sent from it may spend, and a peer is validated there by a probe
        /// from that endpoint, the only one a peer behind a NAT of its own may let in.
        var otherGuards: [IPv6Endpoint: SourceGuard] = [:]
        /// The interface index of a link-local cloud (its IPv6 zone), 0 otherwise.
        var zone: UInt32
        var interface: String?
        var state = CloudState.alone
        /// CloudDiscoverySSDPTargetCount ([MS-PNRP] 3.1.5.1); nil while no search is out.
        var ssdpTargets: Int?
        var nextDiscovery: NodeInstant?
        var discoveryInterval = NodeDuration.seconds(5)
        let gauges: HostMetrics.CloudGauges
    }

    struct ResolveKey: Hashable {
        var cloud: CloudScope
        var id: ResolveID
    }

    struct PendingResolve {
        var promise: EventLoopPromise<PeerRecord>
        var timeout: Scheduled<Void>?
        var started: NodeInstant
    }

    init(eventLoop: any EventLoop, configuration: HostConfiguration, identity: NodeIdentity, logger: Logger, events: AsyncStream<HostEvent>.Continuation) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.identity = identity
        self.logger = logger
        self.events = events
        self.sourceGuard = SourceGuard(limits: configuration.guardLimits, random: Self.guardRandom())
        self.keying = NodeKeying(configuration)
        self.lastSave = HostClock.now()
    }

    /// Return-routability probes sent, from every socket.
    var probesSent: Int {
        sourceGuard.probesSent + drivers.values.reduce(0) { sum, driver in sum + driver.otherGuards.values.reduce(0) { $0 + $1.probesSent } }
    }

    // MARK: - Clouds and sockets

    /// Opens `cloud` with its node listening on `endpoint`, whose datagrams arrive on `channel`.
    /// With NAT traversal, `relays` and `dialBack` are the node's other endpoints and their sockets.
    func attach(
        _ cloud: CloudScope, endpoint: IPv6Endpoint, zone: UInt32, interface: String?, channel: any Channel,
        relays: [(IPv6Endpoint, any Channel)] = [], dialBack: (IPv6Endpoint, any Channel)? = nil, streamRelay: IPv6Endpoint? = nil
    ) throws {
        var node = configuration.node
        node.localEndpoint = endpoint
        if let dialBack {
            node.natTraversal = true
            node.relayEndpoints = relays.map(\.0)
            node.dialBackEndpoint = dialBack.0
            node.streamRelayEndpoint = streamRelay
        }
        keying.key(&node)
        try table.open(cloud, configuration: node, now: HostClock.now())
        var driver = CloudDriver(socket: channel, zone: zone, interface: interface, gauges: HostMetrics.CloudGauges(cloud))
        for (e, c) in relays + (dialBack.map { [$0] } ?? []) {
            driver.otherSockets[e] = c
            driver.otherGuards[e] = SourceGuard(limits: configuration.guardLimits, random: Self.guardRandom())
        }
        drivers[cloud] = driver
    }

    /// A datagram that arrived at one of a cloud's other endpoints (a relay endpoint): rate-limited and
    /// counted like any other by that socket's guard, which answers probes and releases the replies it held
    /// itself; the rest goes to the node, for the node it relays for there.
    func received(_ bytes: [UInt8], from address: SocketAddress?, cloud: CloudScope, atPort port: UInt16) {
        guard !isShutDown, let address, let source = IPv6Endpoint(address), let main = table.node(cloud)?.localEndpoint else { return }
        let local = IPv6Endpoint(address: main.address, port: port)
        let now = HostClock.now()
        guard countIn(bytes, from: source, cloud: cloud) else { return }
        guard let channel = drivers[cloud]?.otherSockets[local], let reception = drivers[cloud]?.otherGuards[local]?.receive(bytes, from: source, now: now) else {
            return
        }
        guard carryOut(reception, to: source.socketAddress(zone: drivers[cloud]?.zone ?? 0), on: channel) else { return }
        try? table.withNode(cloud) { $0.handle(datagram: bytes, from: source, to: local, now: now) }
        flush(now: now)
    }

    /// Starts cloud discovery ([MS-PNRP] 3.1.4.2) in every cloud: endpoints cached by the last run, then
    /// SSDP, then seeds; and the timers.
    func begin(snapshot: CacheSnapshot?) {
        self.snapshot = snapshot
        let now = HostClock.now()
        if table.clouds.contains(.global), !configuration.seeds.isEmpty {
            let watch = SeedWatch(
                seeds: configuration.seeds, local: table.node(.global)?.localEndpoint, patience: NodeDuration(configuration.seedAnswerTimeout), now: now)
            for problem in watch.unusable { warn(problem) }
            seedWatch = watch
            logger.info("joining the global cloud", metadata: ["seeds": "\(configuration.seeds.map(\.description).joined(separator: ", "))"])
        } else if table.clouds.contains(.global) {
            logger.info("joining the global cloud with no seed: through the endpoints cached by the last run and SSDP, or waiting to be found")
        }
        for cloud in table.clouds { discover(cloud, now: now, firstTime: true) }
        flush(now: now)
        scheduleHousekeeping()
    }

    /// One round of cloud discovery for `cloud`.
    func discover(_ cloud: CloudScope, now: NodeInstant, firstTime: Bool) {
        if firstTime, let cached = snapshot?.endpoints(for: cloud), !cached.isEmpty {
            // LocalOOB: the endpoints the last run had cached.
            let own = table.node(cloud)?.localEndpoint
            for text in cached.prefix(8) where text.endpoint != own {
                try? table.withNode(cloud) { $0.synchronize(with: text.endpoint, now: now) }
            }
        }
        if configuration.multicastDiscovery { search(cloud) }
        if cloud == .global {
            for seed in configuration.seeds where seed.endpoint != table.node(cloud)?.localEndpoint {
                try? table.withNode(cloud) { $0.synchronize(with: seed.endpoint, now: now) }
            }
        }
        let interval = drivers[cloud]?.discoveryInterval ?? .seconds(5)
        drivers[cloud]?.nextDiscovery = now + interval
        drivers[cloud]?.discoveryInterval = Swift.min(interval * 2, .seconds(120))
    }

    /// Sends an SSDP M-SEARCH for `cloud` from its socket ([MS-PNRP] 3.1.4.2.2), so answers reach it.
    func search(_ cloud: CloudScope) {
        guard let channel = drivers[cloud]?.socket, let endpoint = table.node(cloud)?.localEndpoint else { return }
        let message = SSDPMessage.search(target: cloud.ssdpSearchTarget).bytes
        // IPv6 only (docs/deviations.md, D4); ff02::c is link-scoped, so it needs an interface's zone.
        guard !endpoint.address.isIPv4Mapped, let zone = drivers[cloud]?.zone, zone != 0,
            let groupAddress = EndpointText.parseAddress(SSDPMessage.ipv6Group)
        else { return }
        let address = IPv6Endpoint(address: groupAddress, port: configuration.ssdpPort).socketAddress(zone: zone)
        drivers[cloud]?.ssdpTargets = 0
        write(message, to: address, on: channel)
    }

    // MARK: - Receiving

    /// Counts a datagram in; false when its source could not be answered (port 0 or privileged, broadcast,
    /// wrong family or scope): it is dropped before anything is sent to it, as a failed send would close the
    /// socket.
    private func countIn(_ bytes: [UInt8], from source: IPv6Endpoint, cloud: CloudScope) -> Bool {
        counters.datagramsIn += 1
        counters.bytesIn += bytes.count
        metrics.bytesIn.increment(by: bytes.count)
        guard let local = table.node(cloud)?.localEndpoint, source.port > 1024,
            Self.canSend(to: source, from: local, cloud: cloud, broadcasts: broadcastAddresses)
        else {
            counters.undeliverable += 1
            return false
        }
        return true
    }

    /// A datagram arrived on `cloud`'s socket.
    func received(_ bytes: [UInt8], from address: SocketAddress, cloud: CloudScope) {
        guard !isShutDown, let source = IPv6Endpoint(address) else { return }
        let now = HostClock.now()
        guard countIn(bytes, from: source, cloud: cloud) else { return }
        if SSDPMessage.looksLikeSSDP(bytes) {
            counters.ssdpIn += 1
            // Answers are taken only while this cloud's search is out, and only from link-local members.
            if case .response(let target, let location)? = SSDPMessage(parsing: bytes), target == cloud.ssdpSearchTarget,
                case .linkLocal = cloud, source.address.isLinkLocal, sourceGuard.admit([], from: source, now: now) != .drop
            {
                ssdpResponse(location: location, cloud: cloud, now: now)
            }
            flush(now: now)
            return
        }
        if cloud == .global, let news = seedWatch?.heard(from: source) { logger.info("\(news)") }
        let zone = (drivers[cloud]?.zone ?? 0)
        guard let channel = drivers[cloud]?.socket else { return }
        guard carryOut(sourceGuard.receive(bytes, from: source, now: now), to: source.socketAddress(zone: zone), on: channel) else { return }
        if let t = DatagramPeek.type(of: bytes) { metrics.received[t]?.increment() }
        let before = table.node(cloud)?.statistics.malformed ?? 0
        try? table.withNode(cloud) { $0.handle(datagram: bytes, from: source, now: now) }
        if (table.node(cloud)?.statistics.malformed ?? 0) > before { metrics.malformed.increment() }
        flush(now: now)
    }

    /// [MS-PNRP] 3.1.5.1: synchronise with the first five members that answer a search.
    func ssdpResponse(location: String, cloud: CloudScope, now: NodeInstant) {
        guard let text = try? EndpointText(location), text.endpoint != table.node(cloud)?.localEndpoint else { return }
        guard let count = drivers[cloud]?.ssdpTargets, count < 5, (table.node(cloud)?.seeds.count ?? 0) < 32 else { return }
        drivers[cloud]?.ssdpTargets = count + 1
        try? table.withNode(cloud) { $0.synchronize(with: text.endpoint, now: now) }
    }

    /// An M-SEARCH arrived on the SSDP listener: a member of the link-local cloud of that interface answers,
    /// to link-local searchers only (they are on the link: the address cannot come from elsewhere), within
    /// their rate limit, and never with more bytes than the search had (docs/deviations.md, D1, D4).
    func ssdpSearch(_ bytes: [UInt8], from address: SocketAddress, on channel: any Channel) {
        guard !isShutDown, case .v6(let v6) = address, let source = IPv6Endpoint(address), source.address.isLinkLocal, source.port > 1024,
            case .search(let target)? = SSDPMessage(parsing: bytes)
        else { return }
        let zone = v6.address.sin6_scope_id
        let now = HostClock.now()
        counters.ssdpIn += 1
        let cloud = CloudScope.linkLocal(zone: zone)
        guard target == cloud.ssdpSearchTarget, drivers[cloud]?.socket != nil, let endpoint = table.node(cloud)?.localEndpoint, endpoint != source,
            sourceGuard.admit([], from: source, now: now) != .drop
        else { return }
        let answer = SSDPMessage.response(target: target, location: EndpointText.format(endpoint)).bytes
        guard answer.count <= bytes.count else { return }
        write(answer, to: address, on: channel)
        channel.flush()
    }

    // MARK: - Timers

    func tick() {
        timer = nil
        timerDeadline = nil
        guard !isShutDown else { return }
        let now = HostClock.now()
        table.poll(now: now)
        flush(now: now)
    }

    /// Arms the timer for the table's next deadline.
    func armTimer(now: NodeInstant) {
        guard !isShutDown, let deadline = table.nextDeadline else { return }
        if let current = timerDeadline, current <= deadline, timer != nil { return }
        timer?.cancel()
        let delay = deadline > now ? (deadline - now).nanoseconds : 0
        timerDeadline = deadline
        timer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(clamping: delay))) { [self] in tick() }
    }

    /// Once a second: discovery rounds for clouds that are not active, guard upkeep, the periodic save.
    func scheduleHousekeeping() {
        housekeeping = eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            guard !isShutDown else { return }
            let now = HostClock.now()
            for cloud in table.clouds {
                if table.node(cloud)?.cloudState == .active {
                    drivers[cloud]?.discoveryInterval = .seconds(5)
                } else if let due = drivers[cloud]?.nextDiscovery, due <= now {
                    discover(cloud, now: now, firstTime: false)
                }
            }
            for problem in seedWatch?.overdue(now: now) ?? [] { warn(problem) }
            sourceGuard.sweep(now: now)
            for cloud in drivers.keys {
                for endpoint in drivers[cloud]?.otherGuards.keys.map({ $0 }) ?? [] { drivers[cloud]?.otherGuards[endpoint]?.sweep(now: now) }
            }
            if now - lastSave >= NodeDuration(configuration.cacheSaveInterval) {
                saveCache(now: now)
            }
            flush(now: now)
            scheduleHousekeeping()
        }
    }

    // MARK: - Effects

    /// Carries out every pending effect, then re-arms the timer. What the node says answers a datagram's
    /// source (`OutgoingKind.Role.answer`) is subject to the socket's anti-amplification budget.
    func flush(now: NodeInstant) {
        for item in table.takeEffects() {
            switch item.effect {
            case .send(let datagram, let destination, let kind):
                guard let channel = drivers[item.cloud]?.socket, let local = table.node(item.cloud)?.localEndpoint else { continue }
                guard Self.canSend(to: destination, from: local, cloud: item.cloud, broadcasts: broadcastAddresses) else {
                    counters.undeliverable += 1
                    continue
                }
                let address = destination.socketAddress(zone: (drivers[item.cloud]?.zone ?? 0))
                guard routes.routable(destination.address, address, now: now) else {
                    counters.undeliverable += 1
                    continue
                }
                guard passes(sourceGuard.outgoing(datagram, kind: kind, to: destination, now: now), probeTo: address, on: channel) else { continue }
                metrics.sent[kind.messageType]?.increment()
                write(datagram, to: address, on: channel)
            case .sendFrom(let datagram, let source, let destination, let kind):
                // From a relay endpoint or the dial-back endpoint, under that socket's guard: a relayed answer
                // (an AUTHORITY, an ACK) to a peer not validated there is held while a probe goes from the same
                // endpoint (docs/deviations.md, D1, X3).
                let address = destination.socketAddress(zone: drivers[item.cloud]?.zone ?? 0)
                guard let channel = drivers[item.cloud]?.otherSockets[source], let local = table.node(item.cloud)?.localEndpoint,
                    Self.canSend(to: destination, from: local, cloud: item.cloud, broadcasts: broadcastAddresses),
                    routes.routable(destination.address, address, now: now)
                else {
                    counters.undeliverable += 1
                    continue
                }
                let verdict = drivers[item.cloud]?.otherGuards[source]?.outgoing(datagram, kind: kind, to: destination, now: now) ?? .send
                guard passes(verdict, probeTo: address, on: channel) else { continue }
                metrics.sent[kind.messageType]?.increment()
                write(datagram, to: address, on: channel)
            case .event(let event):
                handle(event, cloud: item.cloud, now: now)
            }
        }
        for cloud in table.clouds {
            guard let node = table.node(cloud) else { continue }
            let state = node.cloudState
            if drivers[cloud]?.state != state {
                drivers[cloud]?.state = state
                events.yield(.cloudStateChanged(cloud, state))
                logger.info("cloud state", metadata: ["cloud": "\(cloud)", "state": "\(state.rawValue)"])
                drivers[cloud]?.gauges.active.record(state == .active ? 1 : 0)
            }
            drivers[cloud]?.gauges.cacheSize.record(node.cache.count)
            drivers[cloud]?.gauges.registeredNames.record(node.registeredIDs.count)
        }
        for driver in drivers.values {
            driver.socket?.flush()
            for socket in driver.otherSockets.values { socket.flush() }
        }
        ssdpListener?.flush()
        armTimer(now: now)
    }

    /// Carries out a guard's decision on a received datagram: sends what goes back to its source, counts a
    /// rate-limited one; true when the node gets the datagram.
    private func carryOut(_ reception: SourceGuard.Reception, to source: SocketAddress, on channel: any Channel) -> Bool {
        if reception.rateLimited {
            counters.rateLimited += 1
            metrics.rateLimited.increment()
        }
        for d in reception.toSource { write(d, to: source, on: channel) }
        if !reception.deliver, !reception.toSource.isEmpty { channel.flush() }
        return reception.deliver
    }

    /// A generator for a guard's probe Message IDs, keyed from the system's secure source.
    static func guardRandom() -> NodeRandom { NodeRandom(keyMaterial: SecureRandom.bytes(32)) }

    /// Carries out a guard's verdict on an answer: true when it goes out now; a held answer sends the guard's
    /// probe instead (from the same socket), a dropped one is counted (docs/deviations.md, D1).
    private func passes(_ verdict: SourceGuard.Verdict, probeTo address: SocketAddress, on channel: any Channel) -> Bool {
        switch verdict {
        case .send:
            return true
        case .held(let probe):
            if let probe { write(probe, to: address, on: channel) }
            return false
        case .dropped:
            counters.amplificationDropped += 1
            metrics.amplification.increment()
            return false
        }
    }

    /// Whether a datagram to `destination` can leave the socket of `cloud` bound to `local`. Addresses a
    /// peer wrote into a message are not trusted: a destination of the other family, unspecified, multicast,
    /// broadcast, port 0, or of the wrong scope would make the send fail, and a failed send can close a
    /// datagram socket, so such datagrams are dropped and counted instead.
    static func canSend(to destination: IPv6Endpoint, from local: IPv6Endpoint, cloud: CloudScope, broadcasts: Set<IPv6Address> = []) -> Bool {
        let a = destination.address
        guard destination.port != 0, a != .unspecified, !broadcasts.contains(a) else { return false }
        if local.address.isIPv4Mapped {
            guard a.isIPv4Mapped else { return false }
            let v4 = UInt32(truncatingIfNeeded: a.low)
            let localIsLoopback = (UInt32(truncatingIfNeeded: local.address.low) >> 24) == 127
            return v4 != 0xFFFF_FFFF && (v4 >> 28) != 0xE && (v4 >> 24) != 0 && ((v4 >> 24) == 127) == localIsLoopback
        }
        guard !a.isIPv4Mapped, a.high >> 56 != 0xFF else { return false }
        switch cloud {
        case .linkLocal: return a.isLinkLocal
        case .global, .siteLocal: return !a.isLinkLocal && (a == .loopback) == (local.address == .loopback)
        }
    }

    func write(_ bytes: [UInt8], to address: SocketAddress, on channel: any Channel) {
        counters.datagramsOut += 1
        counters.bytesOut += bytes.count
        metrics.bytesOut.increment(by: bytes.count)
        let envelope = AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))
        channel.write(envelope, promise: nil)
    }

    func handle(_ event: NodeEvent, cloud: CloudScope, now: NodeInstant) {
        switch event {
        case .resolved(let rid, let result):
            guard let pending = resolves.removeValue(forKey: ResolveKey(cloud: cloud, id: rid)) else { return }
            pending.timeout?.cancel()
            metrics.resolved.increment()
            metrics.resolveLatency.recordNanoseconds(Int64(clamping: (now - pending.started).nanoseconds))
            pending.promise.succeed(PeerRecord(cloud: cloud, result: result))
        case .resolveFailed(let rid, let failure):
            guard let pending = resolves.removeValue(forKey: ResolveKey(cloud: cloud, id: rid)) else { return }
            pending.timeout?.cancel()
            metrics.resolveFailed.increment()
            pending.promise.fail(HostError.resolve(failure))
        case .registered(let id):
            events.yield(.registered(id, cloud))
        case .synchronized(let peer, let entries):
            events.yield(.synchronized(cloud, with: peer, entries: entries))
        case .streamTokenGranted(let grant):
            streamRelay?.state.value.authorize(grant)
        case .streamRelayAllocated(let id, let allocation):
            guard cloud == .global, let pending = streamRequests.removeValue(forKey: id) else { return }
            pending.timeout?.cancel()
            pending.promise.succeed(allocation)
        case .streamRelayFailed(let id, let failure):
            guard cloud == .global, let pending = streamRequests.removeValue(forKey: id) else { return }
            pending.timeout?.cancel()
            pending.promise.fail(HostError.streamRelay(failure))
        }
    }

    /// The stream relay spliced a pair with `token`: the global cloud's node forgets it.
    func streamTokenSpent(_ token: [UInt8]) {
        try? table.withNode(.global) { node in node.streamTokenSpent(token) }
    }

    /// Asks the global cloud's node's relay for a stream relay allocation; the future fails with a
    /// `HostError` saying why there is none.
    func allocateStreamRelay(timeout: Duration) -> EventLoopFuture<StreamAllocation> {
        let promise = eventLoop.makePromise(of: StreamAllocation.self)
        guard !isShutDown else {
            promise.fail(HostError.shutDown)
            return promise.futureResult
        }
        let now = HostClock.now()
        let id: StreamRequestID
        do {
            id = try table.withNode(.global) { node throws(StreamRelayFailure) in try node.requestStreamRelay(now: now) }
        } catch let failure as StreamRelayFailure {
            promise.fail(HostError.streamRelay(failure))
            return promise.futureResult
        } catch {
            promise.fail(HostError.cloudNotOpen(.global))
            return promise.futureResult
        }
        // The node gives up after its retransmissions; this only bounds the wait should it not.
        let nanos = Int64(clamping: NodeDuration(timeout).nanoseconds)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) { [self] in
            if let pending = streamRequests.removeValue(forKey: id) { pending.promise.fail(HostError.streamRelay(.timedOut)) }
        }
        streamRequests[id] = PendingStreamRequest(promise: promise, timeout: timer)
        flush(now: now)
        return promise.futureResult
    }

    // MARK: - Application requests

    /// Registers `name` in `clouds` (all open clouds when nil) and returns the handle number.
    /// `servicePort` adds, in each cloud, this host's own address in that cloud with that port and protocol.
    /// `key` signs the CPAs and the extended payload (the host identity when nil); with `lifetime`, the
    /// registration is revoked by itself after that long.
    func register(
        _ name: PeerName, endpoints: [IPv6AppEndpoint], servicePort: (port: UInt16, ipProtocol: UInt16)? = nil, comment: String?, clouds: [CloudScope]?,
        key: Ed25519PrivateKey? = nil, extendedPayload: [UInt8]? = nil, lifetime: Duration? = nil
    ) throws -> (UInt64, [(CloudScope, PNRPID)]) {
        guard !isShutDown else { throw HostError.shutDown }
        let now = HostClock.now()
        let targets = clouds ?? table.clouds
        guard !targets.isEmpty else { throw HostError.noCloud }
        var made: [(CloudScope, PNRPID)] = []
        do {
            for cloud in targets {
                guard let local = table.node(cloud)?.localEndpoint else { throw HostError.cloudNotOpen(cloud) }
                var payload = endpoints
                if let service = servicePort { payload.append(IPv6AppEndpoint(address: local.address, port: service.port, ipProtocol: service.ipProtocol)) }
                let id = try table.withNode(cloud) { node throws(RegistrationError) -> PNRPID in
                    try node.register(
                        name: name, key: key ?? identity.key, payload: payload.isEmpty ? nil : payload, friendlyName: comment, extendedPayload: extendedPayload,
                        now: now)
                }
                made.append((cloud, id))
            }
        } catch {
            for (cloud, id) in made { _ = try? table.withNode(cloud) { $0.unregister(id, now: now) } }
            flush(now: now)
            if let e = error as? RegistrationError { throw HostError.registration(e) }
            throw error
        }
        let handle = nextRegistrationID
        nextRegistrationID += 1
        registrations[handle] = made
        registrationNames[handle] = name
        logger.info(
            "registered", metadata: ["name": "\(name)", "clouds": "\(made.map { $0.0.description }.joined(separator: ", "))", "lifetime": "\(lifetime.map { "\($0)" } ?? "until revoked")"])
        if let lifetime {
            let nanos = Int64(clamping: NodeDuration(lifetime).nanoseconds)
            expiries[handle] = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) { [self] in unregister(handle) }
        }
        // A cloud that knows nobody yet is asked again now: the SOLICIT carries the new registration's route
        // entry, so the contacted node learns of it without waiting for the next maintenance tick.
        for (cloud, _) in made where table.node(cloud)?.cache.count == 0 { discover(cloud, now: now, firstTime: false) }
        flush(now: now)
        return (handle, made)
    }

    /// Revokes a registration ([MS-PNRP] 3.2.4.2).
    func unregister(_ handle: UInt64) {
        expiries.removeValue(forKey: handle)?.cancel()
        guard let made = registrations.removeValue(forKey: handle) else { return }
        let name = registrationNames.removeValue(forKey: handle)
        logger.info("revoked", metadata: ["name": "\(name.map { "\($0)" } ?? "?")", "clouds": "\(made.map { $0.0.description }.joined(separator: ", "))"])
        let now = HostClock.now()
        for (cloud, id) in made { _ = try? table.withNode(cloud) { $0.unregister(id, now: now) } }
        flush(now: now)
    }

    /// Starts a resolution; the future completes with the record or a `HostError`.
    func resolve(_ name: PeerName, criteria: ResolveCriteria, cloud: CloudScope, timeout: Duration) -> EventLoopFuture<PeerRecord> {
        startResolve(name, criteria: criteria, cloud: cloud, timeout: timeout).future
    }

    /// Resolves `name` in every open cloud at once ([MS-PNRP] 3.2.4.3 in each cloud): the first verified
    /// record wins and the other resolutions are abandoned. When none succeeds, the failure is the most
    /// telling one: a timeout in any cloud (the answer may still exist), else not found (or no valid CPA),
    /// else the rest (no neighbours: a cloud that knows nobody has no say).
    func resolveInEveryCloud(_ name: PeerName, timeout: Duration) -> EventLoopFuture<PeerRecord> {
        let combined = eventLoop.makePromise(of: PeerRecord.self)
        let clouds = table.clouds
        guard !isShutDown else {
            combined.fail(HostError.shutDown)
            return combined.futureResult
        }
        guard !clouds.isEmpty else {
            combined.fail(HostError.noCloud)
            return combined.futureResult
        }
        let started = clouds.map { startResolve(name, criteria: .anyPeerName, cloud: $0, timeout: timeout) }
        var remaining = started.count
        var failures: [HostError] = []
        var done = false
        for (index, attempt) in started.enumerated() {
            attempt.future.assumeIsolated().whenComplete { [self] result in
                remaining -= 1
                guard !done else { return }
                switch result {
                case .success(let record):
                    done = true
                    for (other, o) in started.enumerated() where other != index { if let key = o.key { abandon(key) } }
                    combined.succeed(record)
                case .failure(let error):
                    failures.append(error as? HostError ?? .resolve(.cancelled))
                    if remaining == 0 {
                        done = true
                        combined.fail(Self.mostTelling(failures))
                    }
                }
            }
        }
        return combined.futureResult
    }

    /// Of the failures of one name in several clouds, the one that says most about the name.
    static func mostTelling(_ failures: [HostError]) -> HostError {
        if failures.contains(.resolve(.timedOut)) { return .resolve(.timedOut) }
        if failures.contains(.resolve(.notFound)) { return .resolve(.notFound) }
        if failures.contains(.resolve(.noValidCPA)) { return .resolve(.noValidCPA) }
        return failures.first ?? .noCloud
    }

    /// Gives up a resolution another cloud answered: the node stops working on it, its promise fails.
    func abandon(_ key: ResolveKey) {
        guard let pending = resolves.removeValue(forKey: key) else { return }
        pending.timeout?.cancel()
        _ = try? table.withNode(key.cloud) { $0.cancelResolve(key.id) }
        pending.promise.fail(HostError.resolve(.cancelled))
        flush(now: HostClock.now())
    }

    /// Starts a resolution in one cloud; returns its key (nil when it could not start) and its future.
    private func startResolve(_ name: PeerName, criteria: ResolveCriteria, cloud: CloudScope, timeout: Duration) -> (key: ResolveKey?, future: EventLoopFuture<PeerRecord>) {
        let promise = eventLoop.makePromise(of: PeerRecord.self)
        guard !isShutDown else {
            promise.fail(HostError.shutDown)
            return (nil, promise.futureResult)
        }
        guard table.node(cloud) != nil else {
            promise.fail(HostError.cloudNotOpen(cloud))
            return (nil, promise.futureResult)
        }
        let now = HostClock.now()
        guard let rid = try? table.withNode(cloud, { $0.resolve(name: name, criteria: criteria, now: now) }) else {
            promise.fail(HostError.cloudNotOpen(cloud))
            return (nil, promise.futureResult)
        }
        let key = ResolveKey(cloud: cloud, id: rid)
        let nanos = Int64(clamping: NodeDuration(timeout).nanoseconds)
        let timer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) { [self] in
            if let pending = resolves.removeValue(forKey: key) {
                // The node stops working on it too, so abandoned resolutions do not fill its slots.
                _ = try? table.withNode(cloud) { $0.cancelResolve(rid) }
                metrics.resolveFailed.increment()
                pending.promise.fail(HostError.resolve(.timedOut))
            }
        }
        resolves[key] = PendingResolve(promise: promise, timeout: timer, started: now)
        // At debug, each conversation: what was asked, in which cloud, how it ended and how long it took.
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            let milliseconds = "\((HostClock.now().nanoseconds &- now.nanoseconds) / 1_000_000)"
            switch result {
            case .success(let record):
                logger.debug("resolved", metadata: ["name": "\(name)", "cloud": "\(cloud)", "ms": "\(milliseconds)", "endpoints": "\(record.endpoints.count)"])
            case .failure(let error):
                logger.debug("resolution ended without a record", metadata: ["name": "\(name)", "cloud": "\(cloud)", "ms": "\(milliseconds)", "reason": "\(error)"])
            }
        }
        flush(now: now)
        return (key, promise.futureResult)
    }

    /// The status of every open cloud.
    func cloudStatuses() -> [CloudStatus] {
        table.clouds.compactMap { cloud in
            guard let node = table.node(cloud) else { return nil }
            let traversal = node.configuration.natTraversal
            let zone = drivers[cloud]?.zone ?? 0
            let likely = node.likelyCloudSize
            return CloudStatus(
                name: cloud.description, interface: drivers[cloud]?.interface, endpoint: EndpointText.format(node.localEndpoint, zone: zone),
                state: node.cloudState.rawValue, cachedEntries: node.cache.count, registrations: node.registeredIDs.count,
                estimatedSize: node.estimatedCloudSize, estimatedSizeLow: likely?.lowerBound, estimatedSizeHigh: likely?.upperBound, reachability: traversal ? Self.describe(node.reachability, zone: zone) : nil,
                publishedEndpoint: traversal && node.advertisedEndpoint != node.localEndpoint ? EndpointText.format(node.advertisedEndpoint, zone: zone) : nil,
                relayedNodes: traversal ? node.relayedNodeCount : nil, relayRefusals: traversal ? node.traversalStatistics.relayRefusals : nil,
                relaysLost: traversal ? node.traversalStatistics.relaysLost : nil)
        }
    }

    /// `Reachability` in words, endpoints as `pnrp` writes them.
    static func describe(_ reachability: Reachability, zone: UInt32) -> String {
        switch reachability {
        case .unknown: "reachability unknown"
        case .reachable(let seen): "reachable at \(EndpointText.format(seen, zone: zone))"
        case .behindNAT(let seen?, false): "behind a NAT (seen at \(EndpointText.format(seen, zone: zone)))"
        case .behindNAT(_, true): "behind a NAT that maps each destination to another port"
        case .behindNAT(nil, false): "behind a NAT"
        }
    }

    /// Every cached route entry.
    func cacheEntries() -> [CacheEntryView] {
        var out: [CacheEntryView] = []
        for cloud in table.clouds {
            guard let node = table.node(cloud) else { continue }
            let cache = node.cache
            for entry in cache.entries {  // in ID order
                out.append(
                    CacheEntryView(
                        cloud: cloud.description, id: entry.id.description, endpoints: entry.endpoints.map { EndpointText.format($0, zone: (drivers[cloud]?.zone ?? 0)) },
                        level: cache.level(of: entry.id), verified: cache.isVerified(entry.id),
                        leaf: cache.isInLeafSet(entry.id)))
            }
        }
        return out
    }

    // MARK: - Persistence and shutdown

    /// Saves the endpoints of every cloud's cache; a cloud whose cache is empty keeps the endpoints loaded
    /// at start, so a node that could not rejoin still knows whom to try next time.
    func saveCache(now: NodeInstant) {
        lastSave = now
        guard let directory = configuration.stateDirectory else { return }
        var clouds: [CacheSnapshot.Cloud] = []
        for cloud in table.clouds {
            guard let node = table.node(cloud) else { continue }
            var endpoints = node.cache.entries.compactMap(\.primaryEndpoint)  // in ID order
            if endpoints.isEmpty { endpoints = snapshot?.endpoints(for: cloud).map(\.endpoint) ?? [] }
            var seen = Set<IPv6Endpoint>()
            endpoints = endpoints.filter { seen.insert($0).inserted && $0 != node.localEndpoint }
            clouds.append(.init(scope: cloud.description, endpoints: endpoints.prefix(64).map { EndpointText.format($0) }))
        }
        let snapshot = CacheSnapshot(savedAt: Int(now.nanoseconds / 1_000_000_000), clouds: clouds)
        do {
            try snapshot.save(to: directory)
        } catch {
            logger.warning("cannot save the cache", metadata: ["error": "\(error)"])
            events.yield(.warning(error.description))
        }
    }

    /// Revokes every registration, saves the cache, fails pending resolutions; the caller closes the sockets.
    func shutDown() {
        guard !isShutDown else { return }
        for expiry in expiries.values { expiry.cancel() }
        expiries = [:]
        let now = HostClock.now()
        for handle in registrations.keys.sorted() { unregister(handle) }
        saveCache(now: now)
        isShutDown = true
        timer?.cancel()
        housekeeping?.cancel()
        for (_, pending) in resolves {
            pending.timeout?.cancel()
            pending.promise.fail(HostError.shutDown)
        }
        resolves = [:]
        for (_, pending) in streamRequests {
            pending.timeout?.cancel()
            pending.promise.fail(HostError.shutDown)
        }
        streamRequests = [:]
        events.finish()
        for channel in drivers.values.compactMap(\.socket) { channel.close(promise: nil) }
        for channel in drivers.values.flatMap(\.otherSockets.values) { channel.close(promise: nil) }
        ssdpListener?.close(promise: nil)
    }

    /// Logs a problem worth an operator's attention and reports it as a host event.
    func warn(_ message: String) {
        logger.warning("\(message)")
        events.yield(.warning(message))
    }

    /// A socket closed while the host runs (sends that could fail are filtered, but a system error can still
    /// close one): it is reported and opened again on the same endpoint, retrying every 5 s.
    func socketClosed(_ cloud: CloudScope?, channel: any Channel) {
        guard !isShutDown else { return }
        guard let cloud else {
            if let listener = ssdpListener, listener === channel { ssdpListener = nil }
            logger.error("the SSDP listener closed unexpectedly; multicast discovery answers stop until restart")
            return
        }
        guard let current = drivers[cloud]?.socket, current === channel else { return }
        drivers[cloud]?.socket = nil
        let message = "the socket of \(cloud) closed unexpectedly; opening it again"
        logger.error("\(message)")
        events.yield(.warning(message))
        reopen(cloud)
    }

    /// One of a cloud's other sockets (a relay endpoint's or the dial-back endpoint's) closed while the host runs:
    /// it is reported and opened again on the same port, retrying every 5 s, as the node keeps handing the
    /// endpoint out.
    func otherSocketClosed(_ cloud: CloudScope, channel: any Channel) {
        guard !isShutDown, let endpoint = drivers[cloud]?.otherSockets.first(where: { $0.value === channel })?.key else { return }
        drivers[cloud]?.otherSockets.removeValue(forKey: endpoint)
        let message = "the socket of \(cloud)'s endpoint \(EndpointText.format(endpoint)) closed unexpectedly; opening it again"
        logger.error("\(message)")
        events.yield(.warning(message))
        reopen(cloud, other: endpoint)
    }

    /// Opens the socket of `cloud` (or of its other endpoint `other`) again in 5 s, and again until it opens.
    private func reopen(_ cloud: CloudScope, other: IPv6Endpoint? = nil) {
        guard let endpoint = other ?? table.node(cloud)?.localEndpoint else { return }
        let address = endpoint.socketAddress(zone: (drivers[cloud]?.zone ?? 0))
        let engine = NIOLoopBound(self, eventLoop: eventLoop)
        let what = other.map { "the socket of \(cloud)'s endpoint \(EndpointText.format($0))" } ?? "the socket of \(cloud)"
        eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { [self] in
            guard !isShutDown else { return }
            DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            DatagramHandler(engine: engine.value, role: other == nil ? .cloud(cloud) : .otherEndpoint(cloud)))
                    }
                }
                .bind(to: address)
                .assumeIsolated()
                .whenComplete { [self] result in
                    switch result {
                    case .success(let channel):
                        if isShutDown {
                            channel.close(promise: nil)
                        } else if let other {
                            drivers[cloud]?.otherSockets[other] = channel
                            logger.warning("\(what) open again")
                        } else {
                            drivers[cloud]?.socket = channel
                            logger.warning("\(what) open again")
                        }
                    case .failure(let error):
                        logger.error("cannot open \(what) again: \(error); retrying")
                        reopen(cloud, other: other)
                    }
                }
        }
    }

    func socketError(_ error: any Error) {
        counters.socketErrors += 1
        logger.debug("socket error", metadata: ["error": "\(error)"])
    }
}

extension PeerRecord {
    init(cloud: CloudScope, result: ResolveResult) {
        self.init(
            cloud: cloud, id: result.id, nodeEndpoints: result.cpa.serviceAddresses, endpoints: result.cpa.payload ?? [],
            comment: result.cpa.friendlyName, publicKey: result.cpa.publicKey, hops: result.hops, path: result.path,
            notAfter: result.cpa.notAfter, extendedPayload: result.extendedPayload)
    }
}

/// The host's clock: wall-clock time, since CPAs carry absolute expiry times ([MS-PNRP] 2.2.3.1), read
/// once and then advanced by the monotonic clock, so that setting the system clock never makes the
/// nodes' timers jump. The Easy Connect driver runs its cores on it too.
public enum HostClock {
    private static let anchor: (wall: UInt64, monotonic: UInt64) = (read(CLOCK_REALTIME), read(CLOCK_MONOTONIC))

    /// Now, in nanoseconds since 1970.
    public static func now() -> NodeInstant {
        NodeInstant(nanoseconds: anchor.wall &+ (read(CLOCK_MONOTONIC) &- anchor.monotonic))
    }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

extension NodeDuration {
    /// A Swift `Duration` as a node duration: negative is zero, too long saturates.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else {
            self.init(nanoseconds: 0)
            return
        }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = whole.addingReportingOverflow(UInt64(max(0, attoseconds / 1_000_000_000)))
        self.init(nanoseconds: overflow || overflow2 ? .max : total)
    }
}
