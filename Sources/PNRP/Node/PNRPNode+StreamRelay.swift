/// Stream relay allocations (`docs/deviations.md`, item X6): a node behind a NAT asks the relay that relays
/// its datagrams for a token of the relay's TCP stream relay, which splices two TCP connections that present
/// the same token. The relay grants tokens only to nodes it holds a relay slot for (identified by the source
/// endpoint of their RELAY_REQUESTs and the cookie it gave that endpoint), a few live tokens per node and a
/// bounded number in all, so it is no open proxy and its use is bounded by its relay slots. The tokens are
/// drawn from the node's generator; the driver learns each one from `NodeEvent.streamTokenGranted`.
extension PNRPNode {
    /// Most STREAM_REQUESTs a node has in flight at once.
    static let maximumStreamRequests = 8

    // MARK: - Client side

    /// Asks this node's relay for a stream relay allocation. The answer comes as `.streamRelayAllocated` or
    /// `.streamRelayFailed` (refused, or `.timedOut` after the retransmissions of [MS-PNRP] 3.1.6.3) with the
    /// returned ID. Throws at once when there is nobody to ask: the node runs without NAT traversal, is
    /// reachable directly, has not finished its first reachability check, or has no relay yet.
    public mutating func requestStreamRelay(now: NodeInstant) throws(StreamRelayFailure) -> StreamRequestID {
        guard traversal != nil else { throw .natTraversalOff }
        switch traversal!.value.reachability {
        case .unknown: throw .reachabilityUnknown
        case .reachable(let seen):
            // Reached at one of its own addresses: no NAT. Reached at a NAT's mapping (a full cone): a relay is
            // still what carries a peer's first bytes to the application, whose own TCP port the NAT has not
            // mapped; the node looks for one from now on, without publishing it.
            guard seen.address != localEndpoint.address else { throw .notBehindNAT }
            if !traversal!.value.streamRelayWanted {
                traversal!.value.streamRelayWanted = true
                traversal!.value.relayAttempts = 0
                traversal!.value.nextRelaySearch = now
            }
        case .behindNAT: break
        }
        let t = traversal!.value
        guard let relay = t.relay, relay.relayEndpoint != nil else { throw .noRelay }
        guard t.streamRequests.count < Self.maximumStreamRequests else { throw .tooManyRequests }
        let id = StreamRequestID(rawValue: t.nextStreamRequestID)
        traversal!.value.nextStreamRequestID += 1
        let messageID = sendTraversal(.streamRequest(cookie: relay.cookie), to: relay.server, pendingAs: .streamRequest(id), now: now)
        traversal!.value.streamRequests[messageID] = id
        return id
    }

    /// A STREAM_ANSWER: taken only from the relay the request went to, for a request still in flight.
    mutating func receiveStreamAnswer(_ a: TraversalMessage.StreamAnswer, from source: IPv6Endpoint, now: NodeInstant) {
        guard let request = pending[a.ackedMessageID], case .streamRequest(let id) = request.kind, request.destination == source else {
            statistics.dropped += 1
            return
        }
        pending.remove(a.ackedMessageID)
        traversal!.value.streamRequests.removeValue(forKey: a.ackedMessageID)
        guard a.status == .granted else {
            emit(.streamRelayFailed(id, .refused(a.status)))
            return
        }
        guard a.streamEndpoint.port != 0, a.streamEndpoint.address != .unspecified, a.lifetimeSeconds > 0 else {
            statistics.dropped += 1
            emit(.streamRelayFailed(id, .refused(.unavailable)))
            return
        }
        let expires = now + .seconds(UInt64(a.lifetimeSeconds))
        emit(.streamRelayAllocated(id, StreamAllocation(relayEndpoint: a.streamEndpoint, token: a.token, expires: expires)))
    }

    /// Forgets a request whose answers are no longer wanted (its driver gave up on it).
    mutating func forgetStreamRequest(messageID: UInt32) {
        traversal?.value.streamRequests.removeValue(forKey: messageID)
    }

    // MARK: - Relay side

    /// Live stream relay tokens this node has granted as a relay.
    public var liveStreamTokenCount: Int { traversal?.value.streamTokens.count ?? 0 }

    /// A STREAM_REQUEST: a token for a node that holds one of our relay slots (its endpoint and cookie match),
    /// within the per-node and total bounds of live tokens. The answer has as many bytes as the request.
    mutating func receiveStreamRequest(cookie presented: [UInt8], messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        func answer(_ status: TraversalMessage.StreamStatus, token: LiveStreamToken? = nil) {
            var endpoint = IPv6Endpoint(address: .unspecified, port: 0)
            var lifetime: UInt16 = 0
            if let token, var relay = configuration.streamRelayEndpoint {
                // A stream relay bound to the wildcard address is named by the address strangers reach us at.
                if relay.address == .unspecified, case .reachable(let seen) = traversal!.value.reachability { relay.address = seen.address }
                endpoint = relay
                lifetime = UInt16(clamping: (token.expires - now).nanoseconds / 1_000_000_000)
            }
            if status != .granted { traversal!.value.statistics.streamRequestsRefused += 1 }
            let a = TraversalMessage.StreamAnswer(
                status: status, ackedMessageID: messageID, lifetimeSeconds: lifetime, streamEndpoint: endpoint,
                token: token?.token ?? [UInt8](repeating: 0, count: TraversalMessage.tokenLength))
            sendTraversal(.streamAnswer(a), to: source, now: now)
        }
        guard configuration.streamRelayEndpoint != nil else {
            answer(.unavailable)
            return
        }
        let holdsSlot = traversal!.value.slots.contains { $0.map { $0.client == source && $0.expires > now } ?? false }
        guard holdsSlot, isValidCookie(presented, from: source, now: now) else {
            answer(.notRelayed)
            return
        }
        var t = traversal!.value
        t.streamTokens.removeAll { $0.expires <= now }
        if let again = t.streamTokens.first(where: { $0.client == source && $0.requestMessageID == messageID }) {
            // A retransmitted request: the answer was lost, not the token.
            traversal!.value = t
            answer(.granted, token: again)
            return
        }
        guard t.streamTokens.count < configuration.maximumStreamTokens,
            t.streamTokens.count(where: { $0.client == source }) < configuration.streamTokensPerClient
        else {
            traversal!.value = t
            answer(.busy)
            return
        }
        let granted = LiveStreamToken(
            token: random.bytes(TraversalMessage.tokenLength), client: source, expires: now + configuration.streamTokenLifetime, requestMessageID: messageID)
        t.streamTokens.append(granted)
        t.statistics.streamTokensGranted += 1
        traversal!.value = t
        emit(.streamTokenGranted(StreamGrant(token: granted.token, client: source, expires: granted.expires)))
        answer(.granted, token: granted)
    }

    /// The driver's stream relay spliced a pair with `token`: it serves nobody else, so it no longer counts
    /// against its holder's `streamTokensPerClient` (a User who invites again and again behind one NAT mapping
    /// would otherwise be told "busy" until its used tokens expired).
    public mutating func streamTokenSpent(_ token: [UInt8]) {
        traversal?.value.streamTokens.removeAll { $0.token == token }
    }
}
