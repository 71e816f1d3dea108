import PeerCrypto

/// The NAT traversal extension (`docs/deviations.md`, items X1–X4): reachability checks, relaying for
/// nodes behind NATs, and being relayed.
///
/// A node checks whether strangers reach it by sending REACH to two peers: each answers with the endpoint it
/// saw and asks a third node to send a DIAL_PROBE there from a port nobody sends to. Probes that arrive from
/// endpoints this node never sent to prove that strangers get through; different endpoints seen by the two
/// peers reveal a NAT that maps each destination apart. A node behind a NAT asks a reachable node to relay
/// for it: the relay gives it one of its relay endpoints, forwards whatever arrives there wrapped in a
/// RELAYED, and sends the node's RELAYED replies from that endpoint, to peers that wrote to it only. The
/// node then publishes the relay endpoint in its route entries and CPAs, so that every PNRP message for it,
/// from any node (one that knows nothing of this extension included), reaches it through the relay.
extension PNRPNode {
    /// How long a reachability check waits for answers and probes.
    static let reachabilityCheckTime = NodeDuration.seconds(5)
    /// Delay before a check that got no answer runs again, once several in a row got none (the first ones
    /// are retried sooner: `retryDelay(afterUnansweredChecks:)`).
    static let reachabilityRetry = NodeDuration.seconds(30)
    /// How often a node that has no peers to check with yet looks again, before its first check: a node
    /// starts with an empty cache, and an Easy Connect Helper waits for the first answer to offer a hole punch.
    static let firstCheckPoll = NodeDuration.seconds(1)
    /// Peers a check asks in place of ones whose REACH went unanswered.
    static let maximumReachReplacements = 4
    /// How long a check waits, at least, for the answer of a peer asked in place of a silent one.
    static let replacementWait = NodeDuration.seconds(2)
    /// How long a NAT is assumed to keep a mapping that is not used (the shortest common UDP timeout).
    static let assumedMappingLifetime = NodeDuration.minutes(2)
    /// A reachable node with nothing else to send sends a REACH this often, so a NAT mapping stays open.
    static let keepaliveInterval = NodeDuration.seconds(20)
    /// Checks in a row whose only evidence came from probers at addresses we had sent to, after which such
    /// evidence is taken (a cloud too small to have strangers).
    static let weakChecksBeforeTrust = 2
    /// Endpoints remembered as recently sent to.
    static let maximumRecentDestinations = 1024
    /// Peers a relay slot remembers as allowed destinations of the relayed node's replies.
    static let maximumPermissions = 64
    /// How long a peer that wrote to a relay endpoint may be answered through it.
    static let permissionLifetime = NodeDuration.seconds(60)
    /// A relay that stopped answering or could not be reached at its relay endpoint is not asked again for
    /// this long.
    static let refusalMemory = NodeDuration.minutes(5)
    /// A node that declined to relay, or was full, is asked again after this long: both are states that pass (a
    /// node declines until its own first reachability check, 5 s, ends, the rule rather than the exception
    /// while a cloud forms; a slot frees when its node leaves).
    static let declineMemory = NodeDuration.seconds(10)
    /// Refusals in a row before a relay search pauses.
    static let maximumRelayAttempts = 12
    /// DIAL_BACK / DIAL_PROBE datagrams this node sends for others per second (bursts of twice that).
    static let dialBacksPerSecond = 10.0

    // MARK: - State

    /// Whether strangers reach this node, as the last check found (`.unknown` without NAT traversal).
    public var reachability: Reachability { traversal?.value.reachability ?? .unknown }

    /// Whether this node looks for and keeps a relay (`NATTraversal.wantsRelay(localAddress:)`).
    var wantsRelay: Bool { traversal?.value.wantsRelay(localAddress: localEndpoint.address) ?? false }

    /// The endpoint peers see this node at: the last check's, else the last answer of any check, one still
    /// running included (known a round trip after the first check starts, seconds before its verdict). Behind a
    /// NAT that maps each destination to another port, only its address means anything. Nil when no peer has said.
    public var observedEndpoint: IPv6Endpoint? {
        guard let t = traversal?.value else { return nil }
        switch t.reachability {
        case .reachable(let seen): return seen
        case .behindNAT(let seen?, _): return seen
        default: return t.lastObserved
        }
    }

    /// The endpoint this node publishes in its route entries and CPAs: its own, the endpoint peers see it at
    /// when that differs and strangers reach it there, or its relay endpoint while it is relayed.
    public var advertisedEndpoint: IPv6Endpoint { traversal?.value.advertised ?? localEndpoint }

    /// The relay endpoint this node is reached through, if a relay accepted it.
    public var relayEndpoint: IPv6Endpoint? { traversal?.value.relay?.relayEndpoint }

    /// The extension's counters (zero without NAT traversal).
    public var traversalStatistics: TraversalStatistics { traversal?.value.statistics ?? TraversalStatistics() }

    /// Number of nodes this node relays for now.
    public var relayedNodeCount: Int { traversal?.value.slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) } ?? 0 }

    /// The traversal state of a new node, nil without NAT traversal.
    static func makeTraversal(_ configuration: NodeConfiguration, random: inout NodeRandom, now: NodeInstant) -> CopyOnWriteBox<NATTraversal>? {
        guard configuration.natTraversal else { return nil }
        return CopyOnWriteBox(
            NATTraversal(
                started: now, nextCheck: now, nextRelaySearch: now, slots: Array(repeating: nil, count: configuration.relayEndpoints.count),
                cookieKey: random.bytes(32), dialBackTokens: 2 * dialBacksPerSecond, dialBackRefilled: now, lastSent: now))
    }

    /// Longest time a new node holds back announcing its registrations while it finds out which endpoint to
    /// publish.
    static let announcementHold = NodeDuration.seconds(60)

    /// True while a new node does not know yet which endpoint to publish: its reachability is being checked,
    /// or it is behind a NAT and its relay endpoint not yet confirmed. Announcing before would spread route
    /// entries that strangers cannot use.
    func announcementsHeld(now: NodeInstant) -> Bool {
        guard let t = traversal?.value, now - t.started < Self.announcementHold else { return false }
        switch t.reachability {
        case .unknown: return true
        case .reachable: return false
        case .behindNAT: return t.advertised == nil
        }
    }

    // MARK: - Output

    /// Hands `bytes` for `destination` to the driver. While a relayed datagram is being answered, what goes
    /// to its sender goes back through the relay, so that it comes from the endpoint the sender wrote to.
    mutating func output(_ bytes: [UInt8], to destination: IPv6Endpoint, now: NodeInstant) {
        guard traversal != nil else {
            outbox.append(.send(datagram: bytes, to: destination, kind: .of(bytes, to: destination, answering: answering)))
            return
        }
        if let peer = traversal!.value.replyingTo, peer == destination, let server = traversal!.value.relay?.server,
            let wrapped = try? TraversalMessage.relayed(peer: peer, fromClient: true, inner: bytes).encoded(messageID: freshMessageID())
        {
            countSent(wrapped)
            outbox.append(.send(datagram: wrapped, to: server, kind: .of(wrapped, to: server, answering: answering)))
            noteSent(to: server, now: now)
            return
        }
        outbox.append(.send(datagram: bytes, to: destination, kind: .of(bytes, to: destination, answering: answering)))
        noteSent(to: destination, now: now)
    }

    /// Records that a datagram left for `destination` (NAT mappings and keep-alives depend on it).
    private mutating func noteSent(to destination: IPv6Endpoint, now: NodeInstant) {
        traversal!.value.lastSent = now
        var t = traversal!.value
        if t.recentDestinations.count >= Self.maximumRecentDestinations, t.recentDestinations[destination] == nil {
            t.recentDestinations = t.recentDestinations.filter { now - $0.value < Self.assumedMappingLifetime }
            if t.recentDestinations.count >= Self.maximumRecentDestinations {
                t.destinationsOverflowed = now
                t.recentDestinations.removeAll(keepingCapacity: true)
            }
        }
        t.recentDestinations[destination] = now
        traversal!.value = t
    }

    /// Counts a datagram of the extension as sent.
    private mutating func countSent(_ bytes: [UInt8]) {
        statistics.sent[bytes[7], default: 0] += 1
        statistics.bytesSent += bytes.count
        statistics.bytesSentByType[bytes[7], default: 0] += bytes.count
    }

    /// Encodes and sends a message of the extension; returns its Message ID.
    @discardableResult
    mutating func sendTraversal(_ message: TraversalMessage, to destination: IPv6Endpoint, messageID: UInt32? = nil, pendingAs kind: PendingList.Kind? = nil, now: NodeInstant) -> UInt32 {
        let id = messageID ?? freshMessageID()
        guard let bytes = try? message.encoded(messageID: id) else {
            statistics.encodeFailures += 1
            return id
        }
        countSent(bytes)
        output(bytes, to: destination, now: now)
        if let kind { awaitAnswer(id, to: bytes, sentTo: destination, as: kind, now: now) }
        return id
    }

    /// Sends `bytes` from one of the node's other endpoints. What leaves a relay endpoint answers the peer
    /// that wrote there (a relayed node's answer, or the relay's own "not found"), whatever datagram the node
    /// is handling.
    private mutating func sendFrom(_ source: IPv6Endpoint, _ bytes: [UInt8], to destination: IPv6Endpoint) {
        countSent(bytes)
        outbox.append(.sendFrom(datagram: bytes, source: source, to: destination, kind: .of(bytes, to: destination, answering: destination)))
    }

    // MARK: - Input

    /// A datagram of the extension that arrived at the node's own endpoint.
    mutating func receiveTraversal(_ datagram: [UInt8], from source: IPv6Endpoint, now: NodeInstant) {
        guard traversal != nil, let (messageID, message) = try? TraversalMessage.decode(datagram) else {
            statistics.malformed += 1
            return
        }
        statistics.received[message.code.rawValue, default: 0] += 1
        switch message {
        case .reach(let nonce, let dialBack): receiveReach(nonce: nonce, dialBack: dialBack, messageID: messageID, from: source, now: now)
        case .reachAnswer(let acked, let observed, let prober, let reachable, let relays):
            receiveReachAnswer(acked: acked, observed: observed, prober: prober, reachable: reachable, relays: relays, from: source, now: now)
        case .dialBack(let target, let nonce): receiveDialBack(target: target, nonce: nonce, now: now)
        case .dialProbe(let nonce): receiveDialProbe(nonce: nonce, from: source)
        case .relayRequest(let cookie, let release): receiveRelayRequest(cookie: cookie, release: release, messageID: messageID, from: source, now: now)
        case .relayAnswer(let answer): receiveRelayAnswer(answer, from: source, now: now)
        case .relayed(let peer, let fromClient, let inner):
            if fromClient { forwardFromClient(inner, to: peer, from: source, now: now) } else { receiveRelayed(inner, from: peer, relay: source, now: now) }
        case .streamRequest(let cookie): receiveStreamRequest(cookie: cookie, messageID: messageID, from: source, now: now)
        case .streamAnswer(let answer): receiveStreamAnswer(answer, from: source, now: now)
        }
    }

    /// A datagram that arrived at relay endpoint number `slot`: forwarded to the node relayed there.
    mutating func receiveAtRelayEndpoint(_ datagram: [UInt8], slot index: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard traversal != nil, index < traversal!.value.slots.count, source.port > 1024 else { return }
        guard var slot = traversal!.value.slots[index], slot.expires > now, datagram.count <= TraversalMessage.maximumInnerBytes else {
            traversal!.value.statistics.relayDropped += 1
            answerForFormerClient(datagram, at: configuration.relayEndpoints[index], from: source, now: now)
            return
        }
        guard Self.take(Double(datagram.count + TraversalMessage.relayedHeaderBytes), from: &slot, rate: configuration.relayBytesPerSecond, now: now) else {
            traversal!.value.slots[index] = slot
            traversal!.value.statistics.relayDropped += 1
            return
        }
        if slot.permissions[source] == nil, slot.permissions.count >= Self.maximumPermissions,
            let oldest = slot.permissions.min(by: { ($0.value, $0.key.port) < ($1.value, $1.key.port) })?.key
        {
            slot.permissions.removeValue(forKey: oldest)
        }
        slot.permissions[source] = now
        traversal!.value.slots[index] = slot
        traversal!.value.statistics.relayedToClient += 1
        sendTraversal(.relayed(peer: source, fromClient: false, inner: datagram), to: slot.client, now: now)
    }

    /// A LOOKUP or INQUIRE for a relay endpoint nobody holds any more is answered "not found" (an AUTHORITY
    /// with flag N, 36 bytes, never more than the question), so that the asker drops the route entry that
    /// still names the endpoint instead of waiting for answers that cannot come.
    private mutating func answerForFormerClient(_ datagram: [UInt8], at endpoint: IPv6Endpoint, from source: IPv6Endpoint, now: NodeInstant) {
        guard datagram.count > 7, datagram[7] == MessageType.lookup.rawValue || datagram[7] == MessageType.inquire.rawValue,
            let message = try? PNRPMessage(decoding: datagram),
            let buffer = try? AuthorityBuffer(flags: .notFound).encoded(),
            let fragments = try? AuthorityFragment.fragments(of: buffer, ackedMessageID: message.messageID), fragments.count == 1,
            let bytes = try? PNRPMessage(messageID: freshMessageID(), body: .authority(fragments[0])).encoded(), bytes.count <= datagram.count
        else { return }
        sendFrom(endpoint, bytes, to: source)
    }

    /// Takes `bytes` tokens from a slot's bucket, refilled at `rate` bytes per second up to four seconds' worth.
    private static func take(_ bytes: Double, from slot: inout RelaySlot, rate: Int, now: NodeInstant) -> Bool {
        let elapsed = Double((now - slot.refilled).nanoseconds) / 1e9
        slot.tokens = Swift.min(Double(rate) * 4, slot.tokens + elapsed * Double(rate))
        slot.refilled = now
        guard slot.tokens >= bytes else { return false }
        slot.tokens -= bytes
        return true
    }

    // MARK: - Reachability

    private mutating func receiveReach(nonce: [UInt8], dialBack: Bool, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        var prober: IPv6Address?
        if dialBack, takeDialBackToken(now: now) {
            // A third node that is not the requester sends the probe: one known to be reachable when we know
            // some (a node behind a NAT would never get the DIAL_BACK), else any cached node.
            let known = traversal!.value.knownReachable
            for attempt in 0..<6 {
                let q: IPv6Endpoint
                if attempt < 3, !known.isEmpty {
                    q = known[Int(random.next() % UInt64(known.count))]
                } else {
                    guard cache.count > 0, let ep = cache.entries[Int(random.next() % UInt64(cache.count))].primaryEndpoint else { break }
                    q = ep
                }
                guard q.address != source.address, q != localEndpoint else { continue }
                sendTraversal(.dialBack(target: source, nonce: nonce), to: q, now: now)
                prober = q.address
                break
            }
        }
        sendTraversal(
            .reachAnswer(ackedMessageID: messageID, observed: source, prober: prober, reachable: traversal!.value.reachability.isReachable, relays: offersRelay),
            to: source, now: now)
    }

    /// True when this node would accept a new node to relay for.
    var offersRelay: Bool {
        guard let t = traversal?.value else { return false }
        return canRelay && t.slots.contains { $0 == nil }
    }

    /// True when strangers reach this node at its own address, where its relay endpoints are. A node reached
    /// through a full-cone NAT is reachable at its mapping only: the NAT maps no port of a relay endpoint, which
    /// never sent anything, so a node relayed there could not be reached.
    var canRelay: Bool {
        guard case .reachable(let seen) = traversal?.value.reachability else { return false }
        return seen.address == localEndpoint.address || localEndpoint.address == .unspecified
    }

    private mutating func takeDialBackToken(now: NodeInstant) -> Bool {
        var t = traversal!.value
        let elapsed = Double((now - t.dialBackRefilled).nanoseconds) / 1e9
        t.dialBackTokens = Swift.min(2 * Self.dialBacksPerSecond, t.dialBackTokens + elapsed * Self.dialBacksPerSecond)
        t.dialBackRefilled = now
        let ok = t.dialBackTokens >= 1
        if ok { t.dialBackTokens -= 1 }
        traversal!.value = t
        return ok
    }

    private mutating func receiveReachAnswer(acked: UInt32, observed: IPv6Endpoint, prober: IPv6Address?, reachable: Bool, relays: Bool, from source: IPv6Endpoint, now: NodeInstant) {
        guard let request = pending[acked], request.kind == .reach, request.destination == source else {
            statistics.dropped += 1
            return
        }
        pending.remove(acked)
        if acked == traversal!.value.relayTest {
            // Our REACH went round through the relay endpoint: strangers reach us there.
            traversal!.value.relayTest = nil
            if let endpoint = traversal!.value.relay?.relayEndpoint, endpoint == source { setAdvertised(endpoint, now: now) }
            return
        }
        var t = traversal!.value
        if reachable, !t.knownReachable.contains(source) {
            if t.knownReachable.count >= 16 { t.knownReachable.removeFirst() }
            t.knownReachable.append(source)
        } else if !reachable, let i = t.knownReachable.firstIndex(of: source) {
            t.knownReachable.remove(at: i)
        }
        if relays, !t.relayCandidates.contains(source) {
            if t.relayCandidates.count >= 8 { t.relayCandidates.removeFirst() }
            t.relayCandidates.append(source)
        }
        if var check = t.check, check.asked[acked] != nil {
            check.observed.append(observed)
            t.lastObserved = observed
            if let prober { check.probers.append(prober) }
            t.check = check
        } else if case .reachable(let seen) = t.reachability, seen != observed {
            t.nextCheck = now  // a keep-alive saw us elsewhere: the mapping changed
        }
        traversal!.value = t
    }

    private mutating func receiveDialBack(target: IPv6Endpoint, nonce: [UInt8], now: NodeInstant) {
        guard target.port > 1024, target != localEndpoint, takeDialBackToken(now: now),
            let bytes = try? TraversalMessage.dialProbe(nonce: nonce).encoded(messageID: freshMessageID())
        else { return }
        if let from = configuration.dialBackEndpoint { sendFrom(from, bytes, to: target) } else { output(bytes, to: target, now: now) }
    }

    private mutating func receiveDialProbe(nonce: [UInt8], from source: IPv6Endpoint) {
        guard var t = traversal?.value, var check = t.check, ConstantTime.equal(nonce, check.nonce), check.probesFrom.count < 8 else { return }
        // A probe from an endpoint we sent to could be an answer our NAT lets in: it proves nothing.
        if t.recentDestinations[source] == nil { check.probesFrom.append(source) }
        t.check = check
        traversal!.value = t
    }

    /// The endpoint of a cached entry drawn at random (one draw of `random` when the cache is not empty), unless
    /// the entry has none or it is this node's own.
    mutating func randomCachedPeer() -> IPv6Endpoint? {
        guard cache.count > 0, let ep = cache.entries[Int(random.next() % UInt64(cache.count))].primaryEndpoint, ep != localEndpoint else { return nil }
        return ep
    }

    /// Starts a reachability check: REACH with dial-back to two peers.
    mutating func startReachabilityCheck(now: NodeInstant) {
        var peers: [IPv6Endpoint] = []
        for _ in 0..<8 where peers.count < 2 {
            if let ep = randomCachedPeer(), !peers.contains(ep) { peers.append(ep) }
        }
        guard !peers.isEmpty else {
            traversal!.value.nextCheck = now + waitForPeersToCheck
            return
        }
        let nonce = random.bytes(WireFormat.nonceLength)
        var asked: [UInt32: IPv6Endpoint] = [:]
        for peer in peers {
            let id = sendTraversal(.reach(nonce: nonce, dialBack: true), to: peer, pendingAs: .reach, now: now)
            asked[id] = peer
        }
        traversal!.value.check = ReachabilityCheck(nonce: nonce, asked: asked, deadline: now + Self.reachabilityCheckTime)
    }

    /// How long a node that found no peers to check with waits before looking again.
    var waitForPeersToCheck: NodeDuration {
        traversal?.value.reachability == .unknown ? Self.firstCheckPoll : Self.reachabilityCheckTime
    }

    /// The wait before the next check after `count` checks in a row that nobody answered: 5 s, 10 s, 20 s, then
    /// `reachabilityRetry`. A node that has just joined often knows mostly nodes that left (a cache fills from
    /// its seed's, which lags departures); until a check is answered it does not know its public address, which
    /// an Easy Connect Helper needs within seconds to offer a hole punch.
    static func retryDelay(afterUnansweredChecks count: Int) -> NodeDuration {
        guard count >= 1, count <= 3 else { return reachabilityRetry }
        return Swift.min(reachabilityRetry, reachabilityCheckTime * UInt64(1 << (count - 1)))
    }

    /// A REACH went unanswered (after its retransmissions). The relay test's: that relay is given up. One of a
    /// running check's: another peer is asked in its place, with the check's nonce, up to
    /// `maximumReachReplacements` times, and the check waits `replacementWait` at least for it. The peer is one
    /// known to be alive when there is any (a seed, a node that answered a check, a recent requester), so that
    /// a cache of departed nodes does not leave the check without an answer.
    mutating func reachFailed(messageID: UInt32, now: NodeInstant) {
        guard let t = traversal?.value else { return }
        if t.relayTest == messageID {
            relayTestFailed(messageID: messageID, now: now)
            return
        }
        guard var check = t.check, check.asked[messageID] != nil, check.observed.count < 2, check.replacements < Self.maximumReachReplacements
        else { return }
        let asked = Set(check.asked.values)
        let alive = (t.knownReachable + seedEndpoints + recentPeers).filter { $0 != localEndpoint && !asked.contains($0) }
        var peer: IPv6Endpoint?
        if !alive.isEmpty {
            peer = alive[Int(random.next() % UInt64(alive.count))]
        } else {
            for _ in 0..<8 where peer == nil {
                if let ep = randomCachedPeer(), !asked.contains(ep) { peer = ep }
            }
        }
        guard let peer else { return }
        check.replacements += 1
        let id = sendTraversal(.reach(nonce: check.nonce, dialBack: true), to: peer, pendingAs: .reach, now: now)
        check.asked[id] = peer
        check.deadline = Swift.max(check.deadline, now + Self.replacementWait)
        traversal!.value.check = check
    }

    /// Decides what the check found ([MS-PNRP] has no such step: `docs/deviations.md`, item X2).
    mutating func finishReachabilityCheck(now: NodeInstant) {
        guard var t = traversal?.value, let check = t.check else { return }
        t.check = nil
        if let overflowed = t.destinationsOverflowed, now - overflowed > Self.assumedMappingLifetime { t.destinationsOverflowed = nil }
        let distinct = Set(check.observed)
        let before = t.reachability
        if distinct.isEmpty {
            t.unansweredChecks += 1
            t.nextCheck = now + Self.retryDelay(afterUnansweredChecks: t.unansweredChecks)
        } else {
            t.unansweredChecks = 0
            let varies = distinct.count > 1
            // A probe from an address we never sent to proves that strangers get through; one from an address we
            // sent to (but a port we did not) only that the NAT does not filter by port. One probe of the
            // strongest kind available must have arrived (a prober may itself sit behind a NAT that drops the
            // DIAL_BACK, so one missing probe proves nothing).
            //
            // Behind a NAT (peers see another address than ours) a probe from an address we sent to does not
            // settle it: an address-restricted NAT lets it in and still drops strangers, so only a probe from an
            // address we never sent to (a named prober's or any other with the check's nonce) counts there.
            //
            // A NAT may also still hold the filter state an earlier process on this port left (one that ran here
            // less than a mapping's lifetime ago): it lets in that process's peers, strangers to this one. So
            // behind a NAT no probe counts until the node has run for `assumedMappingLifetime`, and the check
            // after that comes as soon as the NAT has forgotten (`docs/deviations.md`, X2).
            let sentTo = Set(t.recentDestinations.keys.map(\.address))
            let behindNAT = distinct.contains { $0.address != localEndpoint.address } && localEndpoint.address != .unspecified
            let inheritedFilter = behindNAT && now - t.started <= Self.assumedMappingLifetime
            let known = t.destinationsOverflowed == nil && !inheritedFilter
            let strangers = check.probers.filter { !sentTo.contains($0) }
            let judged = known ? (strangers.isEmpty && !behindNAT ? check.probers : strangers) : []
            let fromStranger = known && check.probesFrom.contains { !sentTo.contains($0.address) }
            let arrived = judged.contains { a in check.probesFrom.contains { $0.address == a } } || fromStranger
            if !configuration.assumeBehindNATForTesting, !varies, arrived, !fromStranger, t.weakChecks < Self.weakChecksBeforeTrust {
                // Only probers we had sent to got through: an address-restricted NAT would let them in too.
                // Ask again (other peers, other probers) before taking it for reachability.
                t.weakChecks += 1
                t.nextCheck = now + Self.reachabilityCheckTime
                traversal!.value = t
                return
            }
            t.weakChecks = 0
            if !configuration.assumeBehindNATForTesting, !varies, arrived, let seen = distinct.first {
                t.reachability = .reachable(observed: seen)
                t.downgradePending = false
            } else if t.reachability.isReachable, !varies, !t.downgradePending {
                // One check that found no way in does not take a reachable node's relays away: a second, soon,
                // decides.
                t.downgradePending = true
                t.nextCheck = now + Self.reachabilityRetry
                traversal!.value = t
                return
            } else {
                t.downgradePending = false
                t.reachability = .behindNAT(observed: varies ? nil : distinct.first, mappingVaries: varies)
            }
            t.nextCheck = now + configuration.reachabilityInterval
            if inheritedFilter, !varies, !check.probesFrom.isEmpty {
                // A probe came in that may have passed only an earlier process's filter: look again once it is gone.
                t.nextCheck = Swift.min(t.nextCheck, t.started + Self.assumedMappingLifetime + Self.reachabilityCheckTime)
            }
        }
        traversal!.value = t
        if t.reachability != before { reachabilityChanged(now: now) }
    }

    /// Brings the next maintenance tick, which announces the registrations, forward to now when nothing holds
    /// them back any more: a node that has just found out what to publish (its first check ended, its relay
    /// endpoint was confirmed) would otherwise wait up to `maintenanceInterval` before announcing its names
    /// beyond its leaf set.
    mutating func announceSoon(now: NodeInstant) {
        guard !registrations.values.isEmpty, nextMaintenance > now, !announcementsHeld(now: now) else { return }
        nextMaintenance = now
    }

    /// Publishes the endpoint that now works, and starts or stops looking for a relay.
    mutating func reachabilityChanged(now: NodeInstant) {
        traversal!.value.statistics.reachabilityChanges += 1
        switch traversal!.value.reachability {
        case .reachable(let observed):
            // A relay kept for stream relays stays while the node is still reached through a NAT.
            if !wantsRelay {
                if let relay = traversal!.value.relay { release(relay, now: now) }
                traversal!.value.relay = nil
            } else if traversal!.value.relay == nil {
                traversal!.value.relayAttempts = 0
                traversal!.value.nextRelaySearch = now
            }
            // A node behind a NAT that strangers reach anyway publishes its mapping.
            setAdvertised(observed.address == localEndpoint.address || observed.port <= 1024 ? localEndpoint : observed, now: now)
        case .behindNAT:
            traversal!.value.relayAttempts = 0
            traversal!.value.nextRelaySearch = now
            // A relay kept for stream relays only becomes the published one, once a REACH through it returns.
            if let endpoint = traversal!.value.relay?.relayEndpoint, advertisedEndpoint != endpoint, traversal!.value.relayTest == nil {
                traversal!.value.relayTest = sendTraversal(.reach(nonce: random.bytes(WireFormat.nonceLength), dialBack: false), to: endpoint, pendingAs: .reach, now: now)
            }
        case .unknown:
            break
        }
        announceSoon(now: now)
    }

    // MARK: - Being relayed

    /// Asks one more candidate to relay for us; pauses the search when none is left.
    mutating func seekRelay(now: NodeInstant) {
        var t = traversal!.value
        guard t.relayRequest == nil else { return }
        t.refusedRelays = t.refusedRelays.filter { $0.value > now }
        var candidate: IPv6Endpoint?
        while let c = t.relayCandidates.popLast() {
            if t.refusedRelays[c] == nil {
                candidate = c
                break
            }
        }
        if candidate == nil, cache.count > 0, t.relayAttempts < Self.maximumRelayAttempts {
            for _ in 0..<8 {
                if let ep = randomCachedPeer(), ep != t.advertised, t.refusedRelays[ep] == nil {
                    candidate = ep
                    break
                }
            }
        }
        guard let server = candidate else {
            // After `maximumRelayAttempts` refusals in a row the search pauses for `reachabilityRetry`. Before,
            // every candidate at hand refused lately: the search goes on when the first refusal is forgotten (a
            // node that declined may have finished its own check by then).
            if t.relayAttempts >= Self.maximumRelayAttempts || t.refusedRelays.isEmpty {
                t.nextRelaySearch = now + Self.reachabilityRetry
                t.relayAttempts = 0
            } else {
                let firstForgotten = t.refusedRelays.values.min() ?? now + Self.reachabilityRetry
                t.nextRelaySearch = Swift.min(now + Self.reachabilityRetry, Swift.max(now + .seconds(1), firstForgotten))
            }
            traversal!.value = t
            return
        }
        t.relayAttempts += 1
        traversal!.value = t
        let id = sendTraversal(.relayRequest(cookie: Self.noCookie, release: false), to: server, pendingAs: .relayRequest, now: now)
        traversal!.value.relayRequest = (id, server)
    }

    static let noCookie = [UInt8](repeating: 0, count: TraversalMessage.cookieLength)

    private mutating func receiveRelayAnswer(_ a: TraversalMessage.RelayAnswer, from source: IPv6Endpoint, now: NodeInstant) {
        guard let request = pending[a.ackedMessageID], request.kind == .relayRequest, request.destination == source,
            let asked = traversal!.value.relayRequest, asked.messageID == a.ackedMessageID
        else {
            statistics.dropped += 1
            return
        }
        pending.remove(a.ackedMessageID)
        traversal!.value.relayRequest = nil
        switch a.status {
        case .challenge:
            let id = sendTraversal(.relayRequest(cookie: a.cookie, release: false), to: source, pendingAs: .relayRequest, now: now)
            traversal!.value.relayRequest = (id, source)
        case .accepted:
            guard a.relayEndpoint.port > 1024, wantsRelay else { return }
            if let old = traversal!.value.relay, old.server != source { release(old, now: now) }
            let renewal = traversal!.value.relay?.relayEndpoint == a.relayEndpoint
            traversal!.value.relay = RelayAssociation(server: source, relayEndpoint: a.relayEndpoint, cookie: a.cookie, nextRefresh: now + configuration.relayRefreshInterval)
            traversal!.value.relayAttempts = 0
            if case .behindNAT(let seen?, false) = traversal!.value.reachability, seen != a.observed { traversal!.value.nextCheck = now }
            // A new relay endpoint is published only once a REACH sent to it came back through the relay: a
            // relay behind a NAT of its own may accept and still be unreachable there. A node strangers reach
            // keeps its relay for stream relays only, and publishes its own mapping.
            if case .behindNAT = traversal!.value.reachability, !renewal || advertisedEndpoint != a.relayEndpoint {
                traversal!.value.relayTest = sendTraversal(.reach(nonce: random.bytes(WireFormat.nonceLength), dialBack: false), to: a.relayEndpoint, pendingAs: .reach, now: now)
            }
        case .full, .declined:
            traversal!.value.refusedRelays[source] = now + Self.declineMemory
            if a.status == .full { takeReferral(a.relayEndpoint) }
            if traversal!.value.relay?.server == source { traversal!.value.relay = nil }
            seekRelay(now: now)
        case .released:
            break
        }
    }

    /// Tells a relay we no longer need it.
    private mutating func release(_ relay: RelayAssociation, now: NodeInstant) {
        sendTraversal(.relayRequest(cookie: relay.cookie, release: true), to: relay.server, now: now)
    }

    /// A datagram our relay forwarded from `peer`: handled as if it came from there; replies go back
    /// through the relay.
    private mutating func receiveRelayed(_ inner: [UInt8], from peer: IPv6Endpoint, relay: IPv6Endpoint, now: NodeInstant) {
        guard traversal!.value.relay?.server == relay, traversal!.value.replyingTo == nil, peer.port > 1024,
            !(inner.count > 7 && inner[7] == TraversalMessage.Code.relayed.rawValue)
        else {
            statistics.dropped += 1
            return
        }
        traversal!.value.replyingTo = peer
        handle(datagram: inner, from: peer, now: now)
        traversal?.value.replyingTo = nil
    }

    /// The REACH through a new relay endpoint got no answer: the relay is given up for another.
    mutating func relayTestFailed(messageID: UInt32, now: NodeInstant) {
        guard traversal?.value.relayTest == messageID, let relay = traversal!.value.relay else { return }
        traversal!.value.relayTest = nil
        traversal!.value.refusedRelays[relay.server] = now + Self.refusalMemory
        release(relay, now: now)
        traversal!.value.relay = nil
        seekRelay(now: now)
    }

    /// A RELAY_REQUEST or a keep-alive timed out.
    mutating func relayRequestFailed(to server: IPv6Endpoint, now: NodeInstant) {
        guard traversal != nil else { return }
        traversal!.value.relayRequest = nil
        traversal!.value.refusedRelays[server] = now + Self.refusalMemory
        if traversal!.value.relay?.server == server {
            // The relay is gone: find another (the route entries keep naming the old one until then).
            traversal!.value.relay = nil
            traversal!.value.statistics.relaysLost += 1
            traversal!.value.relayAttempts = 0
            traversal!.value.nextRelaySearch = now
        }
        if wantsRelay { seekRelay(now: now) }
    }

    /// Publishes `endpoint` in our route entries and CPAs: CPAs are signed again, and every leaf-set member
    /// is sent the new route entry (they check it with an INQUIRE there, [MS-PNRP] 3.2.5.1); a maintenance
    /// tick brought forward to now announces each registration again.
    mutating func setAdvertised(_ endpoint: IPv6Endpoint, now: NodeInstant) {
        guard advertisedEndpoint != endpoint else { return }
        traversal!.value.advertised = endpoint == localEndpoint ? nil : endpoint
        for (i, reg) in registrations.values.enumerated() {
            registrations.modify(at: i) {
                $0.cachedCPA = nil
                $0.cachedExtendedPayload = nil
                $0.nextAnnouncement = now
                $0.notedLeafSet = nil
            }
            floodToLeafSet(reg, at: endpoint, now: now)
        }
        announceSoon(now: now)
    }

    // MARK: - Relaying for others

    /// The cookie a RELAY_REQUEST from `client` must echo during time bucket `bucket` (minutes).
    func cookie(for client: IPv6Endpoint, bucket: UInt64) -> [UInt8] {
        var message = client.address.bytes
        message += [UInt8(client.port >> 8), UInt8(client.port & 0xFF)]
        for i in 0..<8 { message.append(UInt8(truncatingIfNeeded: bucket >> (8 * UInt64(i)))) }
        return Array(HMACSHA512.authenticationCode(key: traversal!.value.cookieKey, message: message).prefix(TraversalMessage.cookieLength))
    }

    private mutating func receiveRelayRequest(cookie presented: [UInt8], release: Bool, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        let bucket = now.nanoseconds / 60_000_000_000
        let current = cookie(for: source, bucket: bucket)
        func answer(_ status: TraversalMessage.RelayStatus, slot: Int? = nil) {
            var endpoint = slot.map { configuration.relayEndpoints[$0] } ?? IPv6Endpoint(address: .unspecified, port: 0)
            // A full relay names another node to ask in the relay endpoint field (`docs/deviations.md`, X3).
            if status == .full, let referral = relayReferral(for: source) { endpoint = referral }
            // A relay endpoint bound to the wildcard address is published at the address strangers reach us at.
            if slot != nil, endpoint.address == .unspecified, case .reachable(let seen) = traversal!.value.reachability {
                endpoint.address = seen.address
            }
            let lifetime = slot == nil ? 0 : UInt16(Swift.min(65_535, relayLifetime.nanoseconds / 1_000_000_000))
            let a = TraversalMessage.RelayAnswer(status: status, ackedMessageID: messageID, lifetimeSeconds: lifetime, relayEndpoint: endpoint, observed: source, cookie: current)
            sendTraversal(.relayAnswer(a), to: source, now: now)
        }
        guard !configuration.relayEndpoints.isEmpty, canRelay else {
            answer(.declined)
            return
        }
        guard isValidCookie(presented, from: source, now: now) else {
            answer(.challenge)
            return
        }
        var slots = traversal!.value.slots
        for i in slots.indices where slots[i].map({ $0.expires <= now }) ?? false { slots[i] = nil }
        let existing = slots.firstIndex { $0?.client == source }
        if release {
            if let i = existing { slots[i] = nil }
            traversal!.value.slots = slots
            answer(.released)
            return
        }
        if let i = existing {
            slots[i]!.expires = now + relayLifetime
            traversal!.value.slots = slots
            answer(.accepted, slot: i)
        } else if let i = slots.firstIndex(where: { $0 == nil }) {
            slots[i] = RelaySlot(client: source, expires: now + relayLifetime, tokens: Double(configuration.relayBytesPerSecond) * 4, refilled: now)
            traversal!.value.slots = slots
            traversal!.value.statistics.relayClientsAccepted += 1
            answer(.accepted, slot: i)
        } else {
            traversal!.value.slots = slots
            traversal!.value.statistics.relayRefusals += 1
            answer(.full)
        }
    }

    /// The node a full relay names to `client` in its RELAY_ANSWER, nil when it knows none: one that said it
    /// relays and had room (REACH_ANSWER flag R), else one that said strangers reach it, else any cached peer.
    /// A relay that joined early is cached by most nodes and fills first; the nodes that joined late are found
    /// through it (`docs/deviations.md`, X3).
    mutating func relayReferral(for client: IPv6Endpoint) -> IPv6Endpoint? {
        let t = traversal!.value
        for list in [t.relayCandidates, t.knownReachable] {
            let usable = list.filter { $0 != client && $0 != localEndpoint }
            if !usable.isEmpty { return usable[Int(random.next() % UInt64(usable.count))] }
        }
        guard let peer = randomCachedPeer(), peer != client else { return nil }
        return peer
    }

    /// Keeps the node a full relay named as the next relay to ask, unless it is us or was refused lately.
    mutating func takeReferral(_ referral: IPv6Endpoint) {
        var t = traversal!.value
        guard referral.port > 1024, referral.address != .unspecified, referral != localEndpoint, referral != t.advertised,
            t.refusedRelays[referral] == nil, !t.relayCandidates.contains(referral)
        else { return }
        if t.relayCandidates.count >= 8 { t.relayCandidates.removeFirst() }
        t.relayCandidates.append(referral)
        traversal!.value = t
    }

    /// True when `presented` is the cookie given to `source` in this minute or the one before.
    func isValidCookie(_ presented: [UInt8], from source: IPv6Endpoint, now: NodeInstant) -> Bool {
        let bucket = now.nanoseconds / 60_000_000_000
        return ConstantTime.equal(presented, cookie(for: source, bucket: bucket))
            || (bucket > 0 && ConstantTime.equal(presented, cookie(for: source, bucket: bucket - 1)))
    }

    /// How long a relay keeps a slot without a RELAY_REQUEST.
    var relayLifetime: NodeDuration { configuration.relayRefreshInterval * 4 }

    /// A relayed node's reply: sent from its relay endpoint to a peer that wrote there lately, within the
    /// slot's byte budget; anything else is dropped (no relay forwards to an endpoint that did not ask).
    private mutating func forwardFromClient(_ inner: [UInt8], to peer: IPv6Endpoint, from source: IPv6Endpoint, now: NodeInstant) {
        guard let index = traversal!.value.slots.firstIndex(where: { $0?.client == source }), var slot = traversal!.value.slots[index],
            slot.expires > now, let allowed = slot.permissions[peer], now - allowed <= Self.permissionLifetime
        else {
            traversal!.value.statistics.relayDropped += 1
            return
        }
        guard Self.take(Double(inner.count), from: &slot, rate: configuration.relayBytesPerSecond, now: now) else {
            traversal!.value.slots[index] = slot
            traversal!.value.statistics.relayDropped += 1
            return
        }
        traversal!.value.slots[index] = slot
        traversal!.value.statistics.relayedFromClient += 1
        let from = configuration.relayEndpoints[index]
        if peer == from {
            traversal!.value.statistics.relayDropped += 1
            return
        }
        sendFrom(from, inner, to: peer)
    }

    // MARK: - Timers

    /// Runs the extension's timers: checks, relay renewals and searches, keep-alives, slot expiry.
    mutating func pollTraversal(now: NodeInstant) {
        guard traversal != nil else { return }
        if let check = traversal!.value.check {
            if check.deadline <= now { finishReachabilityCheck(now: now) }
        } else if traversal!.value.nextCheck <= now {
            if cache.count >= 2 {
                startReachabilityCheck(now: now)
            } else {
                traversal!.value.nextCheck = now + waitForPeersToCheck
            }
        }
        if let relay = traversal!.value.relay, relay.nextRefresh <= now {
            traversal!.value.relay!.nextRefresh = now + configuration.relayRefreshInterval
            if traversal!.value.relayRequest == nil {
                let id = sendTraversal(.relayRequest(cookie: relay.cookie, release: false), to: relay.server, pendingAs: .relayRequest, now: now)
                traversal!.value.relayRequest = (id, relay.server)
            }
        }
        if wantsRelay, traversal!.value.relay == nil, traversal!.value.relayRequest == nil, traversal!.value.nextRelaySearch <= now {
            seekRelay(now: now)
        }
        if traversal!.value.reachability.isReachable, traversal!.value.lastSent + Self.keepaliveInterval <= now, cache.count > 0 {
            if let ep = randomCachedPeer() {
                sendTraversal(.reach(nonce: random.bytes(WireFormat.nonceLength), dialBack: false), to: ep, pendingAs: .reach, now: now)
            } else {
                traversal!.value.lastSent = now
            }
        }
    }
}
