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

/// A PNRP node on the real network: one UDP socket per cloud (the global cloud and a link-local cloud per
/// interface), driven by SwiftNIO, around the sans-IO `PNRPNode` core.
///
/// ```swift
/// let host = try await PNRPHost.start(configuration)
/// let registration = try await host.register(try host.identity.securedName("printer"), endpoints: [app])
/// let record = try await host.resolve(try PeerName("0.printer"), timeout: .seconds(5))
/// await registration.cancel()
/// await host.shutdown()
/// ```
///
/// All methods may be called from any task; the node itself lives on one event loop.
public final class PNRPHost: Sendable {
    /// The event loop the node runs on.
    public let eventLoop: any EventLoop
    /// The identity that signs this host's registrations.
    public let identity: NodeIdentity
    /// Things that happen in the host (cloud state changes, announcements, warnings). Finishes at shutdown.
    /// Read it continuously to see every event: only the newest 16 unread ones are kept.
    public let events: AsyncStream<HostEvent>
    /// "embedded node on ENDPOINT" (the global cloud's endpoint, else the first cloud's), for messages.
    public let serviceDescription: String
    /// The stream relay this host runs for the nodes it relays for (`docs/deviations.md`, X6): with NAT
    /// traversal and relay slots, unless its TCP port could not be opened (a warning says so).
    public let streamRelay: StreamRelayServer?
    let engine: NIOLoopBound<HostEngine>
    let channels: [any Channel]

    private init(
        eventLoop: any EventLoop, identity: NodeIdentity, events: AsyncStream<HostEvent>, engine: NIOLoopBound<HostEngine>, channels: [any Channel],
        streamRelay: StreamRelayServer?, serviceDescription: String
    ) {
        self.eventLoop = eventLoop
        self.identity = identity
        self.events = events
        self.engine = engine
        self.channels = channels
        self.streamRelay = streamRelay
        self.serviceDescription = serviceDescription
    }

    /// Opens the clouds `configuration` asks for, binds their sockets and starts cloud discovery.
    /// Throws `HostError.bind` when the global cloud's socket cannot be opened; a link-local cloud or the
    /// SSDP listener that cannot be opened is reported as a `.warning` event and skipped.
    public static func start(
        _ configuration: HostConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "pnrp")
    ) async throws -> PNRPHost {
        let loop = group.next()
        var warnings: [String] = []
        let identity: NodeIdentity
        if let given = configuration.identity {
            identity = given
        } else if let directory = configuration.stateDirectory, let loaded = try NodeIdentity.load(from: directory, createIfMissing: true, warnings: &warnings) {
            identity = loaded
        } else {
            identity = NodeIdentity(key: Ed25519PrivateKey())
        }
        let snapshot = configuration.stateDirectory.flatMap { CacheSnapshot.load(from: $0, warnings: &warnings) }
        let plan = try CloudPlan.make(configuration)
        guard !plan.items.isEmpty else { throw HostError.noCloud }
        let (stream, continuation) = AsyncStream<HostEvent>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let engine = try await loop.submit {
            NIOLoopBound(
                HostEngine(eventLoop: loop, configuration: configuration, identity: identity, logger: logger, events: continuation),
                eventLoop: loop)
        }.get()

        for name in plan.missingInterfaces {
            warnings.append("no link-local cloud on interface \(name): it does not exist or has no IPv6 link-local address")
        }
        let broadcasts = plan.broadcasts
        try await loop.submit { engine.value.broadcastAddresses = broadcasts }.get()
        var channels: [any Channel] = []
        var streamRelay: StreamRelayServer?
        do {
            for item in plan.items {
                let address = item.endpoint.socketAddress(zone: item.zone)
                let channel: any Channel
                do {
                    channel = try await DatagramBootstrap(group: loop)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(DatagramHandler(engine: engine.value, role: .cloud(item.cloud)))
                            }
                        }
                        .bind(to: address).get()
                } catch {
                    if item.cloud == .global { throw HostError.bind(EndpointText.format(item.endpoint), "\(error)") }
                    warnings.append("link-local cloud on \(item.interface ?? "?") not opened: cannot bind \(EndpointText.format(item.endpoint, zone: item.zone)): \(error)")
                    continue
                }
                channels.append(channel)
                // NAT traversal (global cloud): relay endpoints and the dial-back endpoint, on ports the
                // system chooses at the same address.
                var relays: [(IPv6Endpoint, any Channel)] = []
                var dialBack: (IPv6Endpoint, any Channel)?
                if configuration.natTraversal, item.cloud == .global {
                    for index in 0...Swift.max(0, configuration.relaySlots) {
                        let other = IPv6Endpoint(address: item.endpoint.address, port: 0)
                        let cloud = item.cloud
                        let extra = try await DatagramBootstrap(group: loop)
                            .channelInitializer { channel in
                                channel.eventLoop.makeCompletedFuture {
                                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(engine: engine.value, role: .otherEndpoint(cloud)))
                                }
                            }
                            .bind(to: other.socketAddress(zone: 0)).get()
                        channels.append(extra)
                        guard let port = extra.localAddress?.port, let port = UInt16(exactly: port) else { continue }
                        let pinned = IPv6Endpoint(address: item.endpoint.address, port: port)
                        if index == 0 { dialBack = (pinned, extra) } else { relays.append((pinned, extra)) }
                    }
                }
                // The stream relay (TCP) of a node that relays for others; without it, STREAM_REQUESTs are
                // answered "unavailable".
                if configuration.natTraversal, configuration.relaySlots > 0, item.cloud == .global {
                    var limits = configuration.streamRelayLimits
                    limits.maximumPairs = NodeConfiguration.validatedMaximumStreamTokens(configuration.node.maximumStreamTokens)
                    let tcp = IPv6Endpoint(address: item.endpoint.address, port: configuration.streamRelayPort ?? item.endpoint.port)
                    do {
                        streamRelay = try await StreamRelayServer.start(on: tcp, zone: item.zone, limits: limits, eventLoop: loop, logger: logger)
                    } catch {
                        warnings.append("stream relay disabled: cannot listen on TCP \(EndpointText.format(tcp)): \(error)")
                    }
                }
                let (relayEndpoints, dialBackEndpoint) = (relays, dialBack)
                let streamEndpoint = item.cloud == .global ? streamRelay?.endpoint : nil
                try await loop.submit {
                    try engine.value.attach(
                        item.cloud, endpoint: item.endpoint, zone: item.zone, interface: item.interface, channel: channel, relays: relayEndpoints,
                        dialBack: dialBackEndpoint, streamRelay: streamEndpoint)
                }.get()
            }
            if configuration.multicastDiscovery, !plan.multicastInterfaces.isEmpty {
                do {
                    let listener = try await openSSDPListener(configuration: configuration, plan: plan, engine: engine, loop: loop)
                    channels.append(listener)
                    try await loop.submit { engine.value.ssdpListener = listener }.get()
                } catch {
                    warnings.append("SSDP discovery disabled: cannot listen on port \(configuration.ssdpPort): \(error)")
                }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            await streamRelay?.close()
            continuation.finish()
            throw error
        }
        if let streamRelay {
            try await loop.submit {
                engine.value.streamRelay = streamRelay
                // A token spliced is used up: the node stops counting it against its holder's share at once.
                streamRelay.state.value.onSpent = { token in engine.value.streamTokenSpent(token) }
            }.get()
        }
        for warning in warnings {
            logger.warning("\(warning)")
            continuation.yield(.warning(warning))
        }
        try await loop.submit { engine.value.begin(snapshot: snapshot) }.get()
        let shown = plan.items.first { $0.cloud == .global } ?? plan.items[0]
        return PNRPHost(
            eventLoop: loop, identity: identity, events: stream, engine: engine, channels: channels, streamRelay: streamRelay,
            serviceDescription: "embedded node on \(EndpointText.format(shown.endpoint, zone: shown.zone))")
    }

    private static func openSSDPListener(configuration: HostConfiguration, plan: CloudPlan, engine: NIOLoopBound<HostEngine>, loop: any EventLoop) async throws -> any Channel {
        let any = try SocketAddress(ipAddress: "::", port: Int(configuration.ssdpPort))
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(engine: engine.value, role: .ssdpListener))
                }
            }
            .bind(to: any).get()
        guard let multicast = channel as? any MulticastChannel else { return channel }
        let group = try SocketAddress(ipAddress: SSDPMessage.ipv6Group, port: Int(configuration.ssdpPort))
        do {
            for device in plan.multicastInterfaces {
                try await multicast.joinGroup(group, device: device).get()
            }
        } catch {
            try? await channel.close()
            throw error
        }
        return channel
    }

    /// Publishes `name` in every open cloud (or in `clouds`) with `endpoints` and `comment` in its signed
    /// CPA ([MS-PNRP] 3.2.4.1). The CPAs are signed with `key`, or with `identity`'s key when nil; a secured
    /// name must be the key's (its authority is the SHA-1 of the key's public key). `extendedPayload`
    /// (1...4096 bytes) is published as the registration's EXTENDED_PAYLOAD, signed with the same key
    /// ([MS-PNRP] 2.2.3.3). The registration lasts until the handle is cancelled or the host shuts down.
    ///
    /// Throws `HostError.registration` when the key does not own a secured name or the payload's size is
    /// out of range.
    public func register(
        _ name: PeerName, endpoints: [IPv6AppEndpoint] = [], comment: String? = nil, clouds: [CloudScope]? = nil, key: Ed25519PrivateKey? = nil,
        extendedPayload: [UInt8]? = nil
    ) async throws -> Registration {
        try await register(name, endpoints: endpoints, servicePort: nil, comment: comment, clouds: clouds, key: key, extendedPayload: extendedPayload)
    }

    /// Publishes `name` with, in each cloud, this host's own address in that cloud and `port` (a service
    /// this machine offers): a link-local cloud publishes the link-local address, the global cloud the
    /// global one. `key` and `extendedPayload` as in `register(_:endpoints:comment:clouds:key:extendedPayload:)`.
    public func register(
        _ name: PeerName, servicePort port: UInt16, ipProtocol: UInt16 = 6, comment: String? = nil, clouds: [CloudScope]? = nil,
        key: Ed25519PrivateKey? = nil, extendedPayload: [UInt8]? = nil
    ) async throws -> Registration {
        try await register(name, endpoints: [], servicePort: (port, ipProtocol), comment: comment, clouds: clouds, key: key, extendedPayload: extendedPayload)
    }

    /// Both kinds of endpoints at once: `endpoints` as given, plus this host's address in each cloud with
    /// `servicePort` (for the daemon, whose clients may send both).
    func register(
        _ name: PeerName, endpoints: [IPv6AppEndpoint], servicePort: (port: UInt16, ipProtocol: UInt16)?, comment: String?, clouds: [CloudScope]?,
        key: Ed25519PrivateKey?, extendedPayload: [UInt8]?
    ) async throws -> Registration {
        let engine = self.engine
        let (handle, ids) = try await eventLoop.submit {
            try engine.value.register(name, endpoints: endpoints, servicePort: servicePort, comment: comment, clouds: clouds, key: key, extendedPayload: extendedPayload)
        }.get()
        return Registration(host: self, handle: handle, name: name, ids: ids.map { .init(cloud: $0.0, id: $0.1) })
    }

    /// Resolves `name` in `cloud` ([MS-PNRP] 3.2.4.3): the verified record of a publisher, or a
    /// `HostError.resolve` saying why not (not found, timed out, no valid CPA, no neighbours).
    public func resolve(_ name: PeerName, criteria: ResolveCriteria = .anyPeerName, cloud: CloudScope = .global, timeout: Duration = .seconds(10)) async throws -> PeerRecord {
        let engine = self.engine
        return try await eventLoop.flatSubmit { engine.value.resolve(name, criteria: criteria, cloud: cloud, timeout: timeout) }.get()
    }

    /// The open clouds and their state.
    public func clouds() async throws -> [CloudStatus] {
        let engine = self.engine
        return try await eventLoop.submit { engine.value.cloudStatuses() }.get()
    }

    /// The global cloud's seeds that cannot help, one sentence each: of the other address family than
    /// the cloud's socket, or silent for `HostConfiguration.seedAnswerTimeout`. Empty when all answered.
    public func seedProblems() async throws -> [String] {
        let engine = self.engine
        return try await eventLoop.submit { engine.value.seedWatch?.problems ?? [] }.get()
    }

    /// Every cached route entry of every cloud.
    public func cacheEntries() async throws -> [CacheEntryView] {
        let engine = self.engine
        return try await eventLoop.submit { engine.value.cacheEntries() }.get()
    }

    /// Traffic and guard counters.
    public func counters() async throws -> HostCounters {
        let engine = self.engine
        return try await eventLoop.submit {
            let e = engine.value
            let c = e.counters
            var stats: [String: NodeStatistics] = [:]
            for cloud in e.table.clouds { stats[cloud.description] = e.table.node(cloud)?.statistics }
            return HostCounters(
                datagramsIn: c.datagramsIn, datagramsOut: c.datagramsOut, bytesIn: c.bytesIn, bytesOut: c.bytesOut,
                rateLimited: c.rateLimited, amplificationDropped: c.amplificationDropped, probesSent: e.probesSent,
                socketErrors: c.socketErrors, trackedSources: e.sourceGuard.trackedSources, nodes: stats,
                streamRelay: e.streamRelay?.state.value.counters)
        }.get()
    }

    /// Asks the relay of this host's global-cloud node, which must be behind a NAT and relayed
    /// (`pnrp node --nat-traversal`), for a stream relay allocation (`docs/deviations.md`, X6): the relay's
    /// TCP endpoint and a fresh token it accepts until `expires`. Connect there and wait with the token
    /// (`StreamRelayHello.Role.wait`, or `StreamRelayClientHandler`); hand the endpoint and the token, sealed,
    /// to the one peer that is to join.
    ///
    /// Throws `HostError.streamRelay` saying why there is none: `.natTraversalOff`, `.reachabilityUnknown`,
    /// `.notBehindNAT` (connect directly instead), `.noRelay`, `.refused(status)` or `.timedOut`;
    /// `HostError.cloudNotOpen(.global)` without a global cloud, `HostError.shutDown` after shutdown.
    public func allocateStreamRelay(timeout: Duration = .seconds(10)) async throws -> StreamAllocation {
        let engine = self.engine
        return try await eventLoop.flatSubmit { engine.value.allocateStreamRelay(timeout: timeout) }.get()
    }

    /// Revokes every registration, saves the cache, then closes the sockets. Pending resolutions fail with
    /// `HostError.shutDown`. Safe to call twice.
    public func shutdown() async {
        let engine = self.engine
        try? await eventLoop.submit { engine.value.shutDown() }.get()
        for channel in channels { try? await channel.close() }
        await streamRelay?.close()
    }
}

/// Traffic counters of a host.
public struct HostCounters: Sendable, Hashable {
    /// Datagrams and bytes through the sockets, SSDP included.
    public var datagramsIn: Int, datagramsOut: Int, bytesIn: Int, bytesOut: Int
    /// Datagrams dropped for exceeding a source's rate.
    public var rateLimited: Int
    /// Replies dropped because an unvalidated source had too many held.
    public var amplificationDropped: Int
    /// Return-routability probes sent.
    public var probesSent: Int
    /// Socket errors seen.
    public var socketErrors: Int
    /// Sources the anti-abuse guard keeps state for.
    public var trackedSources: Int
    /// Each cloud's protocol counters.
    public var nodes: [String: NodeStatistics]
    /// The stream relay's counters, when the host runs one.
    public var streamRelay: StreamRelayCounters? = nil
}

/// A live registration. Cancel it to revoke the name ([MS-PNRP] 3.2.4.2).
public final class Registration: Sendable {
    /// One cloud's registered ID.
    public struct Entry: Sendable, Hashable {
        /// The cloud.
        public var cloud: CloudScope
        /// The PNRP ID published there.
        public var id: PNRPID
    }

    /// The name.
    public let name: PeerName
    /// Where it is published.
    public let ids: [Entry]
    private let host: PNRPHost
    private let handle: UInt64

    init(host: PNRPHost, handle: UInt64, name: PeerName, ids: [Entry]) {
        (self.host, self.handle, self.name, self.ids) = (host, handle, name, ids)
    }

    /// Revokes the name in every cloud it was published in.
    public func cancel() async {
        let engine = host.engine
        let handle = self.handle
        try? await host.eventLoop.submit { engine.value.unregister(handle) }.get()
    }
}
