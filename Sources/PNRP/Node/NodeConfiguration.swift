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
    /// Endpoints this node may relay on, one relayed node each, all served by the driver as the node's own;
    /// empty (the default): the node relays for nobody. Used only with `natTraversal`, and only while the node
    /// is reachable by strangers itself.
    public var relayEndpoints: [IPv6Endpoint]
    /// The endpoint this node sends DIAL_PROBEs from when another node's reachability check asks it to: a
    /// port nobody else sends to, so that a NAT that only lets in what answers its own traffic drops the
    /// probe. Nil: probes leave from `localEndpoint` (weaker: a NAT whose node recently sent to us lets them in).
    public var dialBackEndpoint: IPv6Endpoint?
    /// Every other setting, kept out of line: the nodes a simulation makes from one configuration share a
    /// single copy of them (a copy is made only when one is changed), so that a million-node cloud does not
    /// hold a million copies of the same values.
    private var shared: CopyOnWriteBox<SharedSettings>
    /// Maintenance Timer period ([MS-PNRP] 3.1.2: 15 s).
    public var maintenanceInterval: NodeDuration {
        get { shared.value.maintenanceInterval }
        set { update(\.maintenanceInterval, to: newValue) }
    }
    /// Message Retransmission Timer period ([MS-PNRP] 3.1.2: 1 s).
    public var retransmitInterval: NodeDuration {
        get { shared.value.retransmitInterval }
        set { update(\.retransmitInterval, to: newValue) }
    }
    /// Shortest Message Retransmission Timer of a resolution's hops, whose timer follows the round trips
    /// measured (`docs/deviations.md`, item N29; at most `retransmitInterval`).
    public var minimumRetransmitInterval: NodeDuration {
        get { shared.value.minimumRetransmitInterval }
        set { update(\.minimumRetransmitInterval, to: newValue) }
    }
    /// Sends per request before it fails ([MS-PNRP] 3.1.4.3 and others: Retry Count 2).
    public var retryCount: Int {
        get { shared.value.retryCount }
        set { update(\.retryCount, to: newValue) }
    }
    /// Conversation Timer ([MS-PNRP] 3.2.2: 15 s).
    public var conversationTimeout: NodeDuration {
        get { shared.value.conversationTimeout }
        set { update(\.conversationTimeout, to: newValue) }
    }
    /// How long a CPA this node signs stays valid ([MS-PNRP] 2.2.3.1: 12 hours to 7 days).
    public var cpaLifetime: NodeDuration {
        get { shared.value.cpaLifetime }
        set { update(\.cpaLifetime, to: newValue) }
    }
    /// Cache levels that maintenance keeps filled (a cloud of n nodes needs about log10(n) + 1).
    public var maintenanceDepth: Int {
        get { shared.value.maintenanceDepth }
        set { update(\.maintenanceDepth, to: newValue) }
    }
    /// First delay before a registration is announced again ([MS-PNRP] 3.2.4.1 announces once); each
    /// announcement doubles it up to `maximumAnnouncementInterval`, and a registration whose leaf set is
    /// full and has stopped changing waits the maximum (`docs/deviations.md`, item N10).
    public var announcementInterval: NodeDuration {
        get { shared.value.announcementInterval }
        set { update(\.announcementInterval, to: newValue) }
    }
    /// Longest delay between two announcements of one registration.
    public var maximumAnnouncementInterval: NodeDuration {
        get { shared.value.maximumAnnouncementInterval }
        set { update(\.maximumAnnouncementInterval, to: newValue) }
    }
    /// Longest delay between cache-maintenance resolves that found nothing new (they back off from
    /// `maintenanceInterval` by doubling).
    public var maximumCacheMaintenanceInterval: NodeDuration {
        get { shared.value.maximumCacheMaintenanceInterval }
        set { update(\.maximumCacheMaintenanceInterval, to: newValue) }
    }
    /// Split detections the whole cloud should run per maintenance interval ([MS-PNRP] 3.2.6.2.1: "roughly
    /// constant over the entire cloud"); each node runs one with probability this / estimated cloud size.
    /// Default 0.5: about two a minute for the whole cloud (`docs/deviations.md`, item N15).
    public var splitDetectionsPerInterval: Double {
        get { shared.value.splitDetectionsPerInterval }
        set { update(\.splitDetectionsPerInterval, to: newValue) }
    }
    /// Longest time a resolution may take before it fails with `.timedOut`.
    public var resolveTimeout: NodeDuration {
        get { shared.value.resolveTimeout }
        set { update(\.resolveTimeout, to: newValue) }
    }
    /// Most resolutions in progress at once; further requests fail at once ([MS-PNRP] 3.1.4.4.2 step 1).
    public var maximumOutstandingResolves: Int {
        get { shared.value.maximumOutstandingResolves }
        set { update(\.maximumOutstandingResolves, to: newValue) }
    }
    /// Most route entries awaiting validation at once ([MS-PNRP] 3.1.5.11).
    public var maximumPendingAdds: Int {
        get { shared.value.maximumPendingAdds }
        set { update(\.maximumPendingAdds, to: newValue) }
    }
    /// Ed25519 signatures per second the node makes at most to answer INQUIREs ([MS-PNRP] 3.2.5.6: a CPA, and
    /// an extended payload, signed for the INQUIRE's nonce); up to one second's worth may be spent at once. An
    /// INQUIRE that would need more goes unanswered, and its sender asks again (`docs/deviations.md`,
    /// item N26). Default 200: about 1 % of a core at 21 µs per signature, two signatures per answer with an
    /// extended payload.
    public var signaturesPerSecond: Double {
        get { shared.value.signaturesPerSecond }
        set { update(\.signaturesPerSecond, to: newValue) }
    }
    /// Checks CPA signatures and hears about the CPAs this node signs (default: `DirectCPASignatureChecker`).
    public var cpaSignatures: any CPASignatureChecker {
        get { shared.value.cpaSignatures }
        set { update(\.cpaSignatures, to: newValue) }
    }
    /// Whether the INQUIRE that validates a route entry entering a leaf set carries a fresh nonce
    /// ([MS-PNRP] 2.2.2.5: optional). Off (the default), the publisher answers with the CPA it signed once
    /// with a zero nonce; on, every validation costs the publisher a signature (`docs/deviations.md`, N9).
    /// The final INQUIRE of a resolution always carries one.
    public var leafSetValidationNonce: Bool {
        get { shared.value.leafSetValidationNonce }
        set { update(\.leafSetValidationNonce, to: newValue) }
    }
    /// Whether the node checks that strangers reach it and, behind a NAT, publishes a relay's endpoint
    /// instead of its own (the NAT traversal extension, `docs/deviations.md`, items X1–X4). Off by default.
    public var natTraversal: Bool {
        get { shared.value.natTraversal }
        set { update(\.natTraversal, to: newValue) }
    }
    /// Bytes per second a relay forwards for one node, both ways together (bursts of four seconds' worth).
    public var relayBytesPerSecond: Int {
        get { shared.value.relayBytesPerSecond }
        set { update(\.relayBytesPerSecond, to: newValue) }
    }
    /// How often a reachable node checks its reachability again.
    public var reachabilityInterval: NodeDuration {
        get { shared.value.reachabilityInterval }
        set { update(\.reachabilityInterval, to: newValue) }
    }
    /// How often a relayed node renews its relaying; well within a NAT's mapping lifetime (30 s and up).
    public var relayRefreshInterval: NodeDuration {
        get { shared.value.relayRefreshInterval }
        set { update(\.relayRefreshInterval, to: newValue) }
    }
    /// The TCP endpoint of the driver's stream relay, which splices two TCP connections that present the same
    /// token (`docs/deviations.md`, item X6); nil (the default): this node answers STREAM_REQUESTs with
    /// "unavailable". Tokens go only to nodes it relays for, so it matters only with `relayEndpoints`.
    public var streamRelayEndpoint: IPv6Endpoint? {
        get { shared.value.streamRelayEndpoint }
        set { update(\.streamRelayEndpoint, to: newValue) }
    }
    /// How long a stream relay token is accepted after it is granted (default 10 minutes).
    public var streamTokenLifetime: NodeDuration {
        get { shared.value.streamTokenLifetime }
        set { update(\.streamTokenLifetime, to: newValue) }
    }
    /// Live (granted, not expired) stream relay tokens one relayed node may hold (default 4).
    public var streamTokensPerClient: Int {
        get { shared.value.streamTokensPerClient }
        set { update(\.streamTokensPerClient, to: newValue) }
    }
    /// Live stream relay tokens this node hands out in all (default 64); the driver splices at most as many
    /// pairs of connections at once.
    public var maximumStreamTokens: Int {
        get { shared.value.maximumStreamTokens }
        set { update(\.maximumStreamTokens, to: newValue) }
    }
    /// TESTING ONLY. Every reachability check concludes that the node is behind a NAT, whatever its probes
    /// showed, so that tests on loopback (where every node reaches every other) can have a node relayed and
    /// ask its relay for a stream relay. Never set on a real network: the node would hide behind a relay it does
    /// not need. Off by default, and no command-line option or config key sets it.
    public var assumeBehindNATForTesting: Bool {
        get { shared.value.assumeBehindNATForTesting }
        set { update(\.assumeBehindNATForTesting, to: newValue) }
    }

    /// This configuration with every value brought into a usable range (intervals of at least 1 ms,
    /// counts of at least 1, depth 0...`RouteEntryCache.maximumLevel`), so no setting can make a node trap.
    /// A configuration that is already validated keeps its shared settings, so that nodes made from it
    /// share them too.
    public func validated() -> NodeConfiguration {
        var c = self
        if c.relayEndpoints.count > Self.maximumRelayEndpoints { c.relayEndpoints = Array(c.relayEndpoints.prefix(Self.maximumRelayEndpoints)) }
        guard !shared.value.isValidated else { return c }
        var s = shared.value
        let ms = NodeDuration.milliseconds(1)
        s.maintenanceInterval = Swift.max(s.maintenanceInterval, ms)
        s.retransmitInterval = Swift.max(s.retransmitInterval, ms)
        s.minimumRetransmitInterval = Swift.min(Swift.max(s.minimumRetransmitInterval, ms), s.retransmitInterval)
        s.conversationTimeout = Swift.max(s.conversationTimeout, ms)
        s.announcementInterval = Swift.max(s.announcementInterval, ms)
        s.maximumAnnouncementInterval = Swift.max(s.maximumAnnouncementInterval, s.announcementInterval)
        s.maximumCacheMaintenanceInterval = Swift.max(s.maximumCacheMaintenanceInterval, s.maintenanceInterval)
        s.resolveTimeout = Swift.max(s.resolveTimeout, ms)
        s.retryCount = Swift.max(s.retryCount, 1)
        s.maintenanceDepth = Swift.min(Swift.max(s.maintenanceDepth, 0), RouteEntryCache.maximumLevel)
        s.maximumOutstandingResolves = Swift.max(s.maximumOutstandingResolves, 1)
        s.maximumPendingAdds = Swift.max(s.maximumPendingAdds, 1)
        s.relayBytesPerSecond = Swift.max(s.relayBytesPerSecond, 1)
        s.reachabilityInterval = Swift.max(s.reachabilityInterval, .seconds(1))
        s.relayRefreshInterval = Swift.max(s.relayRefreshInterval, .seconds(1))
        s.streamTokenLifetime = Swift.min(Swift.max(s.streamTokenLifetime, .seconds(1)), .seconds(65_535))
        s.streamTokensPerClient = Swift.max(s.streamTokensPerClient, 1)
        s.maximumStreamTokens = Self.validatedMaximumStreamTokens(s.maximumStreamTokens)
        if !(s.signaturesPerSecond >= 1) { s.signaturesPerSecond = 1 }
        s.signaturesPerSecond = Swift.min(s.signaturesPerSecond, 1e9)
        if !(s.splitDetectionsPerInterval >= 0) { s.splitDetectionsPerInterval = 0 }
        s.isValidated = true
        c.shared = CopyOnWriteBox(s)
        return c
    }

    /// A configuration with the spec's defaults, listening on `localEndpoint`.
    public init(localEndpoint: IPv6Endpoint = IPv6Endpoint(address: .loopback, port: 3540), seed: UInt64 = 0) {
        self.localEndpoint = localEndpoint
        self.seed = seed
        randomKey = nil
        relayEndpoints = []
        dialBackEndpoint = nil
        shared = CopyOnWriteBox(SharedSettings())
    }

    /// Changes one shared setting: the copy of the settings this configuration holds is no longer validated.
    private mutating func update<Value>(_ setting: WritableKeyPath<SharedSettings, Value>, to value: Value) {
        shared.value[keyPath: setting] = value
        shared.value.isValidated = false
    }

    /// True when this configuration and `other` hold one copy of their shared settings (tests of the memory a
    /// simulated cloud takes).
    func sharesSettings(with other: NodeConfiguration) -> Bool { shared.sharesStorage(with: other.shared) }

    /// `maximumStreamTokens` as a node uses it: at least 1.
    public static func validatedMaximumStreamTokens(_ n: Int) -> Int { Swift.max(n, 1) }

    /// Most relay endpoints a node serves.
    public static let maximumRelayEndpoints = 256
}

/// The settings of `NodeConfiguration` that nodes made from one configuration share, with their defaults
/// (documented on `NodeConfiguration`).
private struct SharedSettings: Sendable {
    var maintenanceInterval = NodeDuration.seconds(15)
    var retransmitInterval = NodeDuration.seconds(1)
    var minimumRetransmitInterval = NodeDuration.milliseconds(250)
    var retryCount = 2
    var conversationTimeout = NodeDuration.seconds(15)
    var cpaLifetime = NodeDuration.hours(24)
    var maintenanceDepth = 4
    var announcementInterval = NodeDuration.seconds(30)
    var maximumAnnouncementInterval = NodeDuration.minutes(30)
    var maximumCacheMaintenanceInterval = NodeDuration.minutes(16)
    var splitDetectionsPerInterval = 0.5
    var resolveTimeout = NodeDuration.seconds(60)
    var maximumOutstandingResolves = 256
    var maximumPendingAdds = 256
    var signaturesPerSecond = 200.0
    var cpaSignatures: any CPASignatureChecker = DirectCPASignatureChecker()
    var leafSetValidationNonce = false
    var natTraversal = false
    var relayBytesPerSecond = 65_536
    var reachabilityInterval = NodeDuration.minutes(10)
    var relayRefreshInterval = NodeDuration.seconds(15)
    var streamRelayEndpoint: IPv6Endpoint? = nil
    var streamTokenLifetime = NodeDuration.minutes(10)
    var streamTokensPerClient = 4
    var maximumStreamTokens = 64
    var assumeBehindNATForTesting = false
    /// True once `NodeConfiguration.validated()` brought these values into range; any change clears it.
    var isValidated = false
}

