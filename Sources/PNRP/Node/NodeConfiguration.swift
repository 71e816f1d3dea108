/// Settings of one node in one cloud. Defaults follow the SHOULD values of [MS-PNRP] 3.1.2 and 3.2.2.
public struct NodeConfiguration: Sendable {
    /// The endpoint this node listens on for this cloud (its Local Endpoint List, [MS-PNRP] 3.1.1).
    public var localEndpoint: IPv6Endpoint
    /// Seeds the node's random generator (`NodeRandom`: message IDs, nonces, choices) when `randomKey` is
    /// nil: simulations and tests take it from the scenario seed, so one seed gives one run.
    public var seed: UInt64
    /// Key material of the node's generator (`NodeRandom`), used instead of `seed` when set. Real-network
    /// drivers set 32 bytes from the system's secure generator, so that nobody can work out the node's
    /// Message IDs and nonces from the ones it has seen (`docs/deviations.md`, item N23).
    public var randomKey: [UInt8]?
    /// Maintenance Timer period ([MS-PNRP] 3.1.2: 15 s).
    public var maintenanceInterval: NodeDuration
    /// Message Retransmission Timer period ([MS-PNRP] 3.1.2: 1 s).
    public var retransmitInterval: NodeDuration
    /// Shortest Message Retransmission Timer of a resolution's hops, whose timer follows the round trips
    /// measured (`docs/deviations.md`, item N29; at most `retransmitInterval`).
    public var minimumRetransmitInterval: NodeDuration
    /// Sends per request before it fails ([MS-PNRP] 3.1.4.3 and others: Retry Count 2).
    public var retryCount: Int
    /// Conversation Timer ([MS-PNRP] 3.2.2: 15 s).
    public var conversationTimeout: NodeDuration
    /// How long a CPA this node signs stays valid ([MS-PNRP] 2.2.3.1: 12 hours to 7 days).
    public var cpaLifetime: NodeDuration
    /// Cache levels that maintenance keeps filled (a cloud of n nodes needs about log10(n) + 1).
    public var maintenanceDepth: Int
    /// First delay before a registration is announced again ([MS-PNRP] 3.2.4.1 announces once); each
    /// announcement doubles it up to `maximumAnnouncementInterval`, and a registration whose leaf set is
    /// full and has stopped changing waits the maximum (`docs/deviations.md`, item N10).
    public var announcementInterval: NodeDuration
    /// Longest delay between two announcements of one registration.
    public var maximumAnnouncementInterval: NodeDuration
    /// Longest delay between cache-maintenance resolves that found nothing new (they back off from
    /// `maintenanceInterval` by doubling).
    public var maximumCacheMaintenanceInterval: NodeDuration
    /// Split detections the whole cloud should run per maintenance interval ([MS-PNRP] 3.2.6.2.1: "roughly
    /// constant over the entire cloud"); each node runs one with probability this / estimated cloud size.
    /// Default 0.5: about two a minute for the whole cloud (`docs/deviations.md`, item N15).
    public var splitDetectionsPerInterval: Double
    /// Longest time a resolution may take before it fails with `.timedOut`.
    public var resolveTimeout: NodeDuration
    /// Most resolutions in progress at once; further requests fail at once ([MS-PNRP] 3.1.4.4.2 step 1).
    public var maximumOutstandingResolves: Int
    /// Most route entries awaiting validation at once ([MS-PNRP] 3.1.5.11).
    public var maximumPendingAdds: Int
    /// Ed25519 signatures per second the node makes at most to answer INQUIREs ([MS-PNRP] 3.2.5.6: a CPA, and
    /// an extended payload, signed for the INQUIRE's nonce); up to one second's worth may be spent at once. An
    /// INQUIRE that would need more goes unanswered, and its sender asks again (`docs/deviations.md`,
    /// item N26). Default 200: about 1 % of a core at 21 µs per signature, two signatures per answer with an
    /// extended payload.
    public var signaturesPerSecond: Double
    /// Checks CPA signatures and hears about the CPAs this node signs (default: `DirectCPASignatureChecker`).
    public var cpaSignatures: any CPASignatureChecker
    /// Whether the INQUIRE that validates a route entry entering a leaf set carries a fresh nonce
    /// ([MS-PNRP] 2.2.2.5: optional). Off (the default), the publisher answers with the CPA it signed once
    /// with a zero nonce; on, every validation costs the publisher a signature (`docs/deviations.md`, N9).
    /// The final INQUIRE of a resolution always carries one.
    public var leafSetValidationNonce: Bool
    /// Whether the node checks that strangers reach it and, behind a NAT, publishes a relay's endpoint
    /// instead of its own (the NAT traversal extension, `docs/deviations.md`, items X1–X4). Off by default.
    public var natTraversal: Bool
    /// Endpoints this node may relay on, one relayed node each, all served by the driver as the node's own;
    /// empty (the default): the node relays for nobody. Used only with `natTraversal`, and only while the node
    /// is reachable by strangers itself.
    public var relayEndpoints: [IPv6Endpoint]
    /// The endpoint this node sends DIAL_PROBEs from when another node's reachability check asks it to: a
    /// port nobody else sends to, so that a NAT that only lets in what answers its own traffic drops the
    /// probe. Nil: probes leave from `localEndpoint` (weaker: a NAT whose node recently sent to us lets them in).
    public var dialBackEndpoint: IPv6Endpoint?
    /// Bytes per second a relay forwards for one node, both ways together (bursts of four seconds' worth).
    public var relayBytesPerSecond: Int
    /// How often a reachable node checks its reachability again.
    public var reachabilityInterval: NodeDuration
    /// How often a relayed node renews its relaying; well within a NAT's mapping lifetime (30 s and up).
    public var relayRefreshInterval: NodeDuration
    /// The TCP endpoint of the driver's stream relay, which splices two TCP connections that present the same
    /// token (`docs/deviations.md`, item X6); nil (the default): this node answers STREAM_REQUESTs with
    /// "unavailable". Tokens go only to nodes it relays for, so it matters only with `relayEndpoints`.
    public var streamRelayEndpoint: IPv6Endpoint?
    /// How long a stream relay token is accepted after it is granted (default 10 minutes).
    public var streamTokenLifetime: NodeDuration
    /// Live (granted, not expired) stream relay tokens one relayed node may hold (default 4).
    public var streamTokensPerClient: Int
    /// Live stream relay tokens this node hands out in all (default 64); the driver splices at most as many
    /// pairs of connections at once.
    public var maximumStreamTokens: Int
    /// TESTING ONLY. Every reachability check concludes that the node is behind a NAT, whatever its probes
    /// showed, so that tests on loopback (where every node reaches every other) can have a node relayed and
    /// ask its relay for a stream relay. Never set on a real network: the node would hide behind a relay it does
    /// not need. Off by default, and no command-line option or config key sets it.
    public var assumeBehindNATForTesting: Bool

    /// This configuration with every value brought into a usable range (intervals of at least 1 ms,
    /// counts of at least 1, depth 0...`RouteEntryCache.maximumLevel`), so no setting can make a node trap.
    public func validated() -> NodeConfiguration {
        var c = self
        let ms = NodeDuration.milliseconds(1)
        c.maintenanceInterval = Swift.max(c.maintenanceInterval, ms)
        c.retransmitInterval = Swift.max(c.retransmitInterval, ms)
        c.minimumRetransmitInterval = Swift.min(Swift.max(c.minimumRetransmitInterval, ms), c.retransmitInterval)
        c.conversationTimeout = Swift.max(c.conversationTimeout, ms)
        c.announcementInterval = Swift.max(c.announcementInterval, ms)
        c.maximumAnnouncementInterval = Swift.max(c.maximumAnnouncementInterval, c.announcementInterval)
        c.maximumCacheMaintenanceInterval = Swift.max(c.maximumCacheMaintenanceInterval, c.maintenanceInterval)
        c.resolveTimeout = Swift.max(c.resolveTimeout, ms)
        c.retryCount = Swift.max(c.retryCount, 1)
        c.maintenanceDepth = Swift.min(Swift.max(c.maintenanceDepth, 0), RouteEntryCache.maximumLevel)
        c.maximumOutstandingResolves = Swift.max(c.maximumOutstandingResolves, 1)
        c.maximumPendingAdds = Swift.max(c.maximumPendingAdds, 1)
        c.relayBytesPerSecond = Swift.max(c.relayBytesPerSecond, 1)
        c.reachabilityInterval = Swift.max(c.reachabilityInterval, .seconds(1))
        c.relayRefreshInterval = Swift.max(c.relayRefreshInterval, .seconds(1))
        c.streamTokenLifetime = Swift.min(Swift.max(c.streamTokenLifetime, .seconds(1)), .seconds(65_535))
        c.streamTokensPerClient = Swift.max(c.streamTokensPerClient, 1)
        c.maximumStreamTokens = Self.validatedMaximumStreamTokens(c.maximumStreamTokens)
        if c.relayEndpoints.count > Self.maximumRelayEndpoints { c.relayEndpoints = Array(c.relayEndpoints.prefix(Self.maximumRelayEndpoints)) }
        if !(c.signaturesPerSecond >= 1) { c.signaturesPerSecond = 1 }
        c.signaturesPerSecond = Swift.min(c.signaturesPerSecond, 1e9)
        if !(c.splitDetectionsPerInterval >= 0) { c.splitDetectionsPerInterval = 0 }
        return c
    }

    /// A configuration with the spec's defaults, listening on `localEndpoint`.
    public init(localEndpoint: IPv6Endpoint = IPv6Endpoint(address: .loopback, port: 3540), seed: UInt64 = 0) {
        self.localEndpoint = localEndpoint
        self.seed = seed
        randomKey = nil
        maintenanceInterval = .seconds(15)
        retransmitInterval = .seconds(1)
        minimumRetransmitInterval = .milliseconds(250)
        retryCount = 2
        conversationTimeout = .seconds(15)
        cpaLifetime = .hours(24)
        maintenanceDepth = 4
        announcementInterval = .seconds(30)
        maximumAnnouncementInterval = .minutes(30)
        maximumCacheMaintenanceInterval = .minutes(16)
        splitDetectionsPerInterval = 0.5
        resolveTimeout = .seconds(60)
        maximumOutstandingResolves = 256
        maximumPendingAdds = 256
        signaturesPerSecond = 200
        cpaSignatures = DirectCPASignatureChecker()
        leafSetValidationNonce = false
        natTraversal = false
        relayEndpoints = []
        dialBackEndpoint = nil
        relayBytesPerSecond = 65_536
        reachabilityInterval = .minutes(10)
        relayRefreshInterval = .seconds(15)
        streamRelayEndpoint = nil
        streamTokenLifetime = .minutes(10)
        streamTokensPerClient = 4
        maximumStreamTokens = 64
        assumeBehindNATForTesting = false
    }

    /// `maximumStreamTokens` as a node uses it: at least 1.
    public static func validatedMaximumStreamTokens(_ n: Int) -> Int { Swift.max(n, 1) }

    /// Most relay endpoints a node serves.
    public static let maximumRelayEndpoints = 256
}
