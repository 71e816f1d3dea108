/// Identifies one stream relay request started with `PNRPNode.requestStreamRelay(now:)`.
public struct StreamRequestID: Hashable, Sendable, CustomStringConvertible {
    /// A per-node counter.
    public var rawValue: UInt64
    /// Wraps a counter value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "stream-request#\(rawValue)" }
}

/// A stream relay allocation, as the relayed node receives it (`docs/deviations.md`, item X6): connect to
/// `relayEndpoint` over TCP and say "wait for `token`"; the peer that learned both (from an invitation the
/// node sealed for it) connects there and says "join `token`", and the relay splices the two connections.
public struct StreamAllocation: Hashable, Sendable {
    /// The relay's TCP stream relay endpoint.
    public var relayEndpoint: IPv6Endpoint
    /// The token, 16 random bytes drawn by the relay. Whoever knows it may join the waiting connection:
    /// hand it only to the intended peer, inside something sealed for it.
    public var token: [UInt8]
    /// When the relay stops accepting the token (a connection already spliced with it goes on).
    public var expires: NodeInstant

    /// Builds an allocation.
    public init(relayEndpoint: IPv6Endpoint, token: [UInt8], expires: NodeInstant) {
        (self.relayEndpoint, self.token, self.expires) = (relayEndpoint, token, expires)
    }
}

/// A token this node, as a relay, granted to a node it relays for: the driver's TCP stream relay accepts it
/// until `expires` (`NodeEvent.streamTokenGranted`).
public struct StreamGrant: Hashable, Sendable {
    /// The token.
    public var token: [UInt8]
    /// The relayed node it was granted to, at the endpoint its RELAY_REQUESTs come from.
    public var client: IPv6Endpoint
    /// When it stops being accepted.
    public var expires: NodeInstant

    /// Builds a grant.
    public init(token: [UInt8], client: IPv6Endpoint, expires: NodeInstant) {
        (self.token, self.client, self.expires) = (token, client, expires)
    }
}

/// Why a node got no stream relay allocation.
public enum StreamRelayFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The node runs without the NAT traversal extension, so it has no relay to ask.
    case natTraversalOff
    /// The node's first reachability check has not finished: whether it needs a relay is not known yet.
    case reachabilityUnknown
    /// Strangers reach the node directly: peers can connect to it without a relay.
    case notBehindNAT
    /// The node is behind a NAT but no relay has accepted it (yet).
    case noRelay
    /// As many requests are in flight as the node allows.
    case tooManyRequests
    /// The relay answered with a refusal.
    case refused(TraversalMessage.StreamStatus)
    /// The relay did not answer.
    case timedOut

    public var description: String {
        switch self {
        case .natTraversalOff: "this node does not run NAT traversal, so it has no relay: start it with --nat-traversal"
        case .reachabilityUnknown: "this node is still checking whether it is behind a NAT; try again in a few seconds"
        case .notBehindNAT: "this node is reachable directly: peers can connect to it without a stream relay"
        case .noRelay: "this node is behind a NAT but no relay has accepted it yet; try again in a few seconds, or add reachable nodes that relay (pnrp node --nat-traversal) to the cloud"
        case .tooManyRequests: "too many stream relay requests are in flight; wait for their answers"
        case .refused(let status): "the relay refused: \(status)"
        case .timedOut: "the relay did not answer the stream relay request"
        }
    }
}

/// A token granted by this node as a relay, until it expires.
struct LiveStreamToken: Sendable {
    var token: [UInt8]
    var client: IPv6Endpoint
    var expires: NodeInstant
    /// The STREAM_REQUEST it answered: a retransmission of that request gets the same token again.
    var requestMessageID: UInt32
}
