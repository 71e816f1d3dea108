/// Whether nodes that never heard from this node can send it a datagram, as its last reachability check
/// found (`docs/deviations.md`, item X2).
public enum Reachability: Hashable, Sendable, CustomStringConvertible {
    /// Not checked yet, or no peer answered the check.
    case unknown
    /// Strangers reach this node at `observed`: it has a public address, or a NAT that forwards anything
    /// sent to its mapping (full cone).
    case reachable(observed: IPv6Endpoint)
    /// Only nodes it has sent to reach it. `observed` is the endpoint a peer saw (nil when peers disagreed);
    /// `mappingVaries` is true when two peers saw different ports (an endpoint-dependent, "symmetric" NAT).
    case behindNAT(observed: IPv6Endpoint?, mappingVaries: Bool)

    /// True for `.reachable`.
    public var isReachable: Bool {
        if case .reachable = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .reachable(let e): "reachable at \(e)"
        case .behindNAT(let e?, false): "behind a NAT (seen at \(e))"
        case .behindNAT(_, true): "behind a NAT that maps each destination to another port"
        case .behindNAT(nil, false): "behind a NAT"
        }
    }
}

/// One reachability check in progress: REACH messages sent to a few peers; the answers tell the endpoint
/// they saw, and third nodes send DIAL_PROBEs with the check's nonce to that endpoint.
struct ReachabilityCheck: Sendable {
    /// The nonce every DIAL_PROBE of this check carries.
    var nonce: [UInt8]
    /// The peers asked, by the REACH's Message ID.
    var asked: [UInt32: IPv6Endpoint]
    /// Endpoints the answers saw.
    var observed: [IPv6Endpoint] = []
    /// Addresses of the nodes asked to send DIAL_PROBEs.
    var probers: [IPv6Address] = []
    /// Endpoints DIAL_PROBEs with the nonce came from.
    var probesFrom: [IPv6Endpoint] = []
    /// When the check is evaluated.
    var deadline: NodeInstant
    /// Peers asked in place of ones that did not answer (`PNRPNode.maximumReachReplacements`).
    var replacements = 0
}

/// This node's side of being relayed: the relay it asked, and what it answered.
struct RelayAssociation: Sendable {
    /// The relay's PNRP endpoint (where RELAY_REQUESTs go and RELAYED datagrams come from).
    var server: IPv6Endpoint
    /// The endpoint the relay forwards to us from; nil until accepted.
    var relayEndpoint: IPv6Endpoint?
    /// The cookie to echo.
    var cookie: [UInt8]
    /// When the next RELAY_REQUEST (refresh) is due.
    var nextRefresh: NodeInstant
}

/// One endpoint this node relays on, and the node it relays for (`NodeConfiguration.relayEndpoints`).
struct RelaySlot: Sendable {
    /// The endpoint the relayed node was seen at: RELAYED datagrams go there.
    var client: IPv6Endpoint
    /// When the slot is freed unless refreshed.
    var expires: NodeInstant
    /// Peers that sent to the slot, and when last: the only endpoints a reply from the client may go to.
    var permissions: [IPv6Endpoint: NodeInstant] = [:]
    /// Token bucket of bytes forwarded either way.
    var tokens: Double
    var refilled: NodeInstant
}

/// Everything a node with NAT traversal keeps (`NodeConfiguration.natTraversal`).
struct NATTraversal: Sendable {
    var reachability: Reachability = .unknown
    /// When the node started: announcements wait for the first check, at most `announcementHold`.
    var started: NodeInstant
    var check: ReachabilityCheck?
    var nextCheck: NodeInstant
    /// The relay this node uses while behind a NAT.
    var relay: RelayAssociation?
    /// The REACH sent to a new relay endpoint through the relay: the endpoint is published once it is answered.
    var relayTest: UInt32?
    /// The RELAY_REQUEST in flight, by Message ID, and the relay it went to.
    var relayRequest: (messageID: UInt32, server: IPv6Endpoint)?
    /// Relays that refused or did not answer, and until when they are not asked again (`declineMemory` for one
    /// that declined or was full, `refusalMemory` for one that failed).
    var refusedRelays: [IPv6Endpoint: NodeInstant] = [:]
    /// When the next relay search may start (after every candidate refused).
    var nextRelaySearch: NodeInstant
    /// The slots of `NodeConfiguration.relayEndpoints`, nil when free.
    var slots: [RelaySlot?]
    /// Key of the RELAY_REQUEST cookies (a MAC of the requester's endpoint and a time bucket).
    var cookieKey: [UInt8]
    /// Token bucket of the DIAL_PROBEs this node sends for others.
    var dialBackTokens: Double
    var dialBackRefilled: NodeInstant
    /// When this node last sent a datagram (a NAT keeps a mapping only while it is used).
    var lastSent: NodeInstant
    /// Endpoints this node sent to lately, and when: a DIAL_PROBE from one of them proves nothing (a NAT
    /// lets answers to its node's own traffic in). At most `maximumRecentDestinations`.
    var recentDestinations: [IPv6Endpoint: NodeInstant] = [:]
    /// When `recentDestinations` last had to forget an endpoint that was still recent.
    var destinationsOverflowed: NodeInstant?
    /// RELAY_REQUESTs refused in a row in the current search.
    var relayAttempts = 0
    /// Nodes whose REACH_ANSWER said strangers reach them: the third nodes this node asks to send probes.
    var knownReachable: [IPv6Endpoint] = []
    /// Checks in a row that no peer answered: the next one comes sooner while they are few
    /// (`PNRPNode.retryDelay(afterUnansweredChecks:)`).
    var unansweredChecks = 0
    /// Checks in a row that found only weak evidence (`PNRPNode.weakChecksBeforeTrust`).
    var weakChecks = 0
    /// The endpoint the last REACH_ANSWER of a check saw (its address is the NAT's even when its ports vary).
    var lastObserved: IPv6Endpoint?
    /// Set when a reachable node's last check found it unreachable: a second check in a row decides.
    var downgradePending = false
    /// Nodes whose REACH_ANSWER said they relay and have room.
    var relayCandidates: [IPv6Endpoint] = []
    /// An application asked for a stream relay while strangers reach this node through a NAT that forwards
    /// anything sent to its mapping (full cone): the node then keeps a relay for stream relay allocations only,
    /// and does not publish its relay endpoint (`docs/deviations.md`, X6).
    var streamRelayWanted = false
    /// Set while handling a datagram a relay forwarded: replies to this peer go back through the relay.
    var replyingTo: IPv6Endpoint?

    /// The endpoint this node publishes in its route entries and CPAs, when not `localEndpoint`.
    var advertised: IPv6Endpoint?
    /// As a relay: the stream relay tokens granted and not yet expired (`docs/deviations.md`, item X6).
    var streamTokens: [LiveStreamToken] = []
    /// As a relayed node: the STREAM_REQUESTs in flight, by Message ID.
    var streamRequests: [UInt32: StreamRequestID] = [:]
    var nextStreamRequestID: UInt64 = 1
    /// Counters.
    var statistics = TraversalStatistics()

    /// Whether the node looks for and keeps a relay, for a node whose socket is bound to `localAddress`: behind a
    /// NAT; or reached through a NAT that forwards anything (a full cone) while an application wants stream relay
    /// allocations (`streamRelayWanted`).
    func wantsRelay(localAddress: IPv6Address) -> Bool {
        switch reachability {
        case .behindNAT: return true
        case .reachable(let seen): return streamRelayWanted && seen.address != localAddress
        case .unknown: return false
        }
    }

    /// When the extension's timers next need `PNRPNode.pollTraversal`: the running check's end or the next check,
    /// the relay's renewal, the next relay search, the next keep-alive.
    func deadline(localAddress: IPv6Address) -> NodeInstant {
        var d = check?.deadline ?? nextCheck
        if let r = relay, r.nextRefresh < d { d = r.nextRefresh }
        if wantsRelay(localAddress: localAddress), relay == nil, relayRequest == nil, nextRelaySearch < d { d = nextRelaySearch }
        let keepalive = lastSent + PNRPNode.keepaliveInterval
        if reachability.isReachable, keepalive < d { d = keepalive }
        return d
    }
}

/// Counters of the NAT traversal extension, for metrics and tests.
public struct TraversalStatistics: Hashable, Sendable {
    /// Datagrams a relay endpoint received and forwarded to its relayed node.
    public var relayedToClient = 0
    /// Replies of relayed nodes sent on from their relay endpoint.
    public var relayedFromClient = 0
    /// Datagrams dropped by the relay: for a free or expired slot, beyond the byte budget, to a peer that
    /// never wrote to the relay endpoint, or too long.
    public var relayDropped = 0
    /// Nodes accepted for relaying.
    public var relayClientsAccepted = 0
    /// RELAY_REQUESTs answered "full".
    public var relayRefusals = 0
    /// Relays this node used that stopped answering.
    public var relaysLost = 0
    /// Times the reachability changed.
    public var reachabilityChanges = 0
    /// Stream relay tokens granted (STREAM_ANSWERs with a new token).
    public var streamTokensGranted = 0
    /// STREAM_REQUESTs refused (not relayed here, busy, or no stream relay).
    public var streamRequestsRefused = 0

    /// No counts.
    public init() {}
}
