import PNRP

/// Settings of a `PNRPHost`: which clouds it joins, on which sockets, how it finds other nodes, and where it
/// keeps its state.
public struct HostConfiguration: Sendable {
    /// Which link-local clouds to open ([MS-PNRP] 1.3.3: one per interface).
    public enum LinkLocalClouds: Sendable, Hashable {
        /// None.
        case none
        /// One on every up, multicast-capable interface with an IPv6 link-local address (loopback excluded).
        case automatic
        /// One on each named interface.
        case interfaces([String])
    }

    /// Address of the global cloud's socket: IPv4 (`127.0.0.2`) or IPv6 (`::1`, `2001:db8::5`). Nil picks
    /// the first global IPv6 address of an interface, else the first non-loopback IPv4, else `::1`.
    public var address: String?
    /// UDP port of every cloud ([MS-PNRP] 3.1.4.1: 3540 unless configured).
    public var port: UInt16 = 3540
    /// Whether to open the global cloud.
    public var global = true
    /// Link-local clouds to open.
    public var linkLocal = LinkLocalClouds.automatic
    /// Seed nodes of the global cloud ([MS-PNRP] 3.1.4.2.1), tried after the cached endpoints and SSDP.
    public var seeds: [EndpointText] = []
    /// A seed that sends nothing back within this time is reported (a warning in the log, a problem in
    /// `seedProblems()`); a seed of the other address family than the global cloud is reported at start.
    public var seedAnswerTimeout = Duration.seconds(10)
    /// Where the identity and the cache persist; nil keeps nothing.
    public var stateDirectory: StateDirectory?
    /// Multicast cloud discovery over SSDP ([MS-PNRP] 3.1.4.2.2): searching and answering.
    public var multicastDiscovery = true
    /// Port of the SSDP group (1900; tests may use another).
    public var ssdpPort: UInt16 = SSDPMessage.port
    /// Rate limits and the anti-amplification budget.
    public var guardLimits = SourceGuard.Limits()
    /// Protocol timers and bounds; the endpoint and the random seed are set per cloud.
    public var node = NodeConfiguration()
    /// Seed of the nodes' random generators, for runs that must repeat (benchmarks, tests): it makes every
    /// Message ID and nonce predictable to whoever knows it. Nil (the default) keys each node's generator
    /// with 32 bytes from the system's secure generator (`docs/deviations.md`, item N23).
    public var randomSeed: UInt64?
    /// The identity that signs registrations; nil loads or creates the state directory's (or a fresh one
    /// when there is no state directory).
    public var identity: NodeIdentity?
    /// How often the cache snapshot is saved while running (and always at shutdown).
    public var cacheSaveInterval = Duration.seconds(300)
    /// Runs the NAT traversal extension in the global cloud (`docs/deviations.md`, X1-X5): the node checks
    /// whether strangers reach it and, behind a NAT, publishes a relay's endpoint. The driver then opens
    /// `relaySlots` more UDP sockets on the global cloud's address (ports chosen by the system), one per node
    /// it may relay for, and one for the probes it sends for others' checks.
    public var natTraversal = false
    /// Nodes this node relays for at most, with `natTraversal` (0: it relays for nobody).
    public var relaySlots = 8
    /// TCP port of the stream relay (`docs/deviations.md`, X6) on the global cloud's address, which splices
    /// TCP connections for the nodes this node relays for: it runs with `natTraversal` and `relaySlots` > 0.
    /// Nil (the default): the global cloud's UDP port number; 0: a port the system picks.
    public var streamRelayPort: UInt16?
    /// Limits of the stream relay. Its most pairs at once is always `node.maximumStreamTokens`, the most
    /// tokens the node hands out.
    public var streamRelayLimits = StreamRelayLimits()

    /// Defaults: port 3540, global cloud on an automatic address, link-local clouds on every interface.
    public init() {}
}
