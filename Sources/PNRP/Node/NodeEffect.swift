/// What a node asks its driver to do. The driver drains these with `PNRPNode.takeEffects()` after every
/// input ([MS-PNRP] 3.1.5: every reply and request leaves the node as a datagram).
public enum NodeEffect: Hashable, Sendable {
    /// Send `datagram` from the node's endpoint to `destination`.
    case send(datagram: [UInt8], to: IPv6Endpoint)
    /// Send `datagram` to `destination` from `source`, one of the node's other endpoints: a relay endpoint
    /// (`NodeConfiguration.relayEndpoints`) or the dial-back endpoint (`NodeConfiguration.dialBackEndpoint`).
    case sendFrom(datagram: [UInt8], source: IPv6Endpoint, to: IPv6Endpoint)
    /// Tell the application something happened.
    case event(NodeEvent)
}

/// Identifies one resolution started with `PNRPNode.resolve`.
public struct ResolveID: Hashable, Sendable, CustomStringConvertible {
    /// A per-node counter.
    public var rawValue: UInt64
    /// Wraps a counter value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "resolve#\(rawValue)" }
}

/// The answer to a resolution ([MS-PNRP] 3.1.5.6.1.1).
public struct ResolveResult: Hashable, Sendable {
    /// The PNRP ID found.
    public var id: PNRPID
    /// Its verified CPA: endpoints, payload, key.
    public var cpa: CPA
    /// LOOKUP messages answered on the way (TotalUsefulHops).
    public var hops: Int
    /// Every endpoint asked, in order (the ResolvePath), ending with the publisher's.
    public var path: [IPv6Endpoint]
    /// The publisher's extended payload, when its CPA announced one (flag X): the payload data only, and
    /// only after the EXTENDED_PAYLOAD verified under the CPA's key for this resolution's INQUIRE
    /// ([MS-PNRP] 3.1.5.8). Binary data as published; a string payload as its UTF-8 text without the NUL
    /// (`docs/deviations.md` W10).
    public var extendedPayload: [UInt8]?

    /// Builds a result.
    public init(id: PNRPID, cpa: CPA, hops: Int, path: [IPv6Endpoint], extendedPayload: [UInt8]? = nil) {
        (self.id, self.cpa, self.hops, self.path, self.extendedPayload) = (id, cpa, hops, path, extendedPayload)
    }
}

/// Why a resolution returned no record.
public enum ResolveFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The cache is empty: the node knows nobody in the cloud yet.
    case noNeighbours
    /// The search ended without reaching a node registering a matching ID ([MS-PNRP] 3.1.4.4.2 step 8).
    case notFound
    /// The best match did not return a CPA that verifies (forged, expired, wrong ID) and no other remained.
    case noValidCPA
    /// The node was stopped, or had too many resolutions in progress to start this one.
    case cancelled
    /// No answer within the resolution's time limit (`NodeConfiguration.resolveTimeout`).
    case timedOut

    public var description: String {
        switch self {
        case .noNeighbours: "no neighbours known: the node has not joined a cloud yet (add a seed node)"
        case .notFound: "no node registers a matching PNRP ID"
        case .noValidCPA: "the publisher's CPA did not verify"
        case .cancelled: "cancelled"
        case .timedOut: "no answer within the time limit"
        }
    }
}

/// Events a node reports to its application.
public enum NodeEvent: Hashable, Sendable {
    /// A resolution finished with a verified record.
    case resolved(ResolveID, ResolveResult)
    /// A resolution finished without one.
    case resolveFailed(ResolveID, ResolveFailure)
    /// A registration has found its neighbours and been flooded to its leaf set.
    case registered(PNRPID)
    /// A synchronisation conversation with a neighbour finished ([MS-PNRP] 3.1.4.3).
    case synchronized(with: IPv6Endpoint, entries: Int)
    /// As a relay, this node granted a stream relay token to a node it relays for: the driver's TCP stream
    /// relay must accept it until it expires (`docs/deviations.md`, item X6).
    case streamTokenGranted(StreamGrant)
    /// A stream relay request (`PNRPNode.requestStreamRelay(now:)`) got its allocation from the relay.
    case streamRelayAllocated(StreamRequestID, StreamAllocation)
    /// A stream relay request failed: refused by the relay, or unanswered.
    case streamRelayFailed(StreamRequestID, StreamRelayFailure)
}
