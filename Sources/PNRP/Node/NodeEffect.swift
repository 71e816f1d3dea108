/// What a node asks its driver to do. The driver drains these with `PNRPNode.takeEffects()` after every
/// input ([MS-PNRP] 3.1.5: every reply and request leaves the node as a datagram).
public enum NodeEffect: Hashable, Sendable {
    /// Send `datagram` from the node's endpoint to `destination`; `kind` says what it is.
    case send(datagram: [UInt8], to: IPv6Endpoint, kind: OutgoingKind)
    /// Send `datagram` to `destination` from `source`, one of the node's other endpoints: a relay endpoint
    /// (`NodeConfiguration.relayEndpoints`) or the dial-back endpoint (`NodeConfiguration.dialBackEndpoint`).
    case sendFrom(datagram: [UInt8], source: IPv6Endpoint, to: IPv6Endpoint, kind: OutgoingKind)
    /// Tell the application something happened.
    case event(NodeEvent)
}

/// What a datagram the node sends is, as the node that built it knows: its message type and how it stands to
/// its destination. Drivers decide on it (metrics, the anti-amplification budget of `SourceGuard`) without
/// parsing the datagram.
public struct OutgoingKind: Hashable, Sendable {
    /// How a datagram stands to its destination.
    public enum Role: Hashable, Sendable {
        /// A request the destination answers, echoing its Message ID (SOLICIT, REQUEST, INQUIRE, LOOKUP, a
        /// FLOOD, which is acknowledged, and the extension's REACH, RELAY_REQUEST, STREAM_REQUEST): an answer
        /// proves the destination receives datagrams at that address.
        case request
        /// An answer to a datagram from the destination: sent to its source while handling it (ADVERTISE,
        /// AUTHORITY, ACK, a FLOOD answering a REQUEST, REACH_ANSWER …), or a relayed node's answer leaving
        /// its relay endpoint. A forged source could aim these at a victim: `SourceGuard` budgets them.
        case answer
        /// Sent on the node's own initiative, to a destination it chose: FLOODs to neighbours, probes,
        /// datagrams relayed on, an answer to someone other than the datagram's source.
        case notice
    }

    /// The MessageType ([MS-PNRP] 2.2.1), or a code of the NAT traversal extension (`docs/deviations.md` X1).
    public var messageType: UInt8
    /// How it stands to its destination.
    public var role: Role

    /// A kind.
    public init(messageType: UInt8, role: Role) {
        (self.messageType, self.role) = (messageType, role)
    }

    /// True for the message types that answer a request: ADVERTISE, AUTHORITY, ACK ([MS-PNRP] 2.2.3.2: their
    /// first element is PNRP_HEADER_ACKED) and the extension's REACH_ANSWER, RELAY_ANSWER, STREAM_ANSWER.
    public static func isAnswerType(_ type: UInt8) -> Bool {
        type == MessageType.advertise.rawValue || type == MessageType.authority.rawValue || type == MessageType.ack.rawValue
            || type == TraversalMessage.Code.reachAnswer.rawValue || type == TraversalMessage.Code.relayAnswer.rawValue
            || type == TraversalMessage.Code.streamAnswer.rawValue
    }

    /// True for the message types that ask for an answer (a FLOOD for an ACK, [MS-PNRP] 3.1.5.4).
    public static func isRequestType(_ type: UInt8) -> Bool {
        type == MessageType.solicit.rawValue || type == MessageType.request.rawValue || type == MessageType.inquire.rawValue
            || type == MessageType.lookup.rawValue || type == MessageType.flood.rawValue || type == TraversalMessage.Code.reach.rawValue
            || type == TraversalMessage.Code.relayRequest.rawValue || type == TraversalMessage.Code.streamRequest.rawValue
    }

    /// The kind of `datagram`, built by a node, sent to `destination` while the node handles a datagram from
    /// `answering` (nil on a timer or an application's call).
    static func of(_ datagram: [UInt8], to destination: IPv6Endpoint, answering: IPv6Endpoint?) -> OutgoingKind {
        let type = datagram.count > 7 ? datagram[7] : 0
        let role: Role
        if destination == answering, isAnswerType(type) || type == MessageType.flood.rawValue {
            role = .answer  // a FLOOD to the source answers its REQUEST, or floods its own entry back to it
        } else if isRequestType(type) {
            role = .request
        } else {
            role = .notice
        }
        return OutgoingKind(messageType: type, role: role)
    }
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
