import PeerCrypto

/// One PNRP node in one cloud, as a sans-IO state machine ([MS-PNRP] 3.1, 3.2).
///
/// Inputs: `handle(datagram:from:now:)` for every datagram received, `poll(now:)` when `nextDeadline`
/// arrives, and the API calls `synchronize`, `register`, `unregister`, `resolve`. Outputs: the effects
/// drained with `takeEffects()` — datagrams to send and events for the application. The node reads no
/// clock, opens no socket and draws randomness only from the generator seeded by its configuration.
///
/// A process in several clouds (the global cloud, one link-local cloud per interface) runs one node per
/// cloud, each with its own cache: [MS-PNRP] 1.3.3 "communication between nodes never crosses from one
/// cloud to another".
public struct PNRPNode: Sendable {
    /// The settings.
    public let configuration: NodeConfiguration
    /// The Route Entry Cache.
    public internal(set) var cache: RouteEntryCache
    /// Protocol counters, for metrics and tests.
    public internal(set) var statistics = NodeStatistics()

    /// Every random value the node draws (`docs/deviations.md`, item N23).
    var random: NodeRandom
    var outbox: [NodeEffect] = []
    var nextResolveID: UInt64 = 1
    var pending = PendingList()
    var registrations = LocalRegistrationList()
    var resolutions: [ResolveID: Resolution] = [:]
    /// Pending Route Entry Add List, keyed by InquireMessageId ([MS-PNRP] 3.1.1).
    var pendingAdds: [UInt32: PendingAdd] = [:]
    /// IDs with a validation in flight, so one entry is not inquired twice at once.
    var pendingAddIDs: Set<PNRPID> = []
    /// Outgoing synchronisation conversations: SOLICIT message ID → state ([MS-PNRP] 3.1.1).
    var conversationsOut: [UInt32: OutgoingConversation] = [:]
    /// The key of the keyed hash that chooses the IDs offered to a SOLICIT, so that a REQUEST can be checked
    /// against them without a Conversation Table entry ([MS-PNRP] 3.2.1; `docs/deviations.md`, item N25).
    let conversationKey: (UInt64, UInt64, UInt64, UInt64)
    /// Signing time left: nanoseconds of the signing budget not yet spent, at most one second's worth
    /// (`NodeConfiguration.signaturesPerSecond`; `docs/deviations.md`, item N26).
    var signingCredit: UInt64
    /// When `signingCredit` was last topped up.
    var signingCreditAt: NodeInstant
    /// Signing time kept for INQUIREs that echo a valid SIGNING_COOKIE, one share per bucket of source
    /// addresses (`signingCookieBuckets`); empty until the first such INQUIRE (`docs/deviations.md`, item N32).
    var cookieSigningCredits: [UInt64] = []
    /// When `cookieSigningCredits` were last topped up.
    var cookieSigningCreditsAt: NodeInstant
    /// While an unsolicited datagram is handled: its source and the bytes it still allows the node to send to
    /// other endpoints not known to answer (`docs/deviations.md`, item N27).
    var thirdPartyAllowance: ThirdPartyAllowance?
    /// While a datagram is handled: its source, to which answers go (`OutgoingKind.Role.answer`).
    var answering: IPv6Endpoint?
    var reassembler = AuthorityReassembler()
    /// Round trips of the requests answered at their first transmission (`docs/deviations.md`, item N29).
    var roundTrip = RoundTripEstimate()
    var nextMaintenance: NodeInstant
    /// When the next cache-maintenance resolve may start, and the current back-off.
    var nextCacheMaintenance: NodeInstant
    var cacheMaintenanceInterval: NodeDuration
    var seedEndpoints: [IPv6Endpoint] = []
    /// The last few distinct endpoints that sent us a request: live members of the cloud that split
    /// detection can start from when they are not cached (`docs/deviations.md`, item N15).
    var recentPeers: [IPv6Endpoint] = []
    /// Set when an eviction may have made room in a leaf set for an entry cached without a CPA.
    var leafCandidatesDue = false
    /// True once the node knows a member of a seed's cloud (an advertised ID it caches, or an entry a seed
    /// flooded it that entered its cache), or a seed offered nothing the cache would take: until then the node
    /// keeps asking its seeds, even if other nodes have found it meanwhile (`docs/deviations.md`, item N12).
    var hasSynchronized = false
    /// The NAT traversal extension's state, nil without it (`docs/deviations.md`, items X1–X4).
    var traversal: CopyOnWriteBox<NATTraversal>?

    /// Route entry awaiting its INQUIRE answer ([MS-PNRP] 3.1.5.11).
    struct PendingAdd: Sendable {
        var entry: RouteEntry
        var needCPA: Bool
        var nonce: [UInt8]?
        var alreadyFlooded: [IPv6Endpoint]?
        var floodSource: IPv6Endpoint?
        /// True when this validates an entry already cached without a CPA, because another route entry named
        /// its ID at other addresses: the entry goes if its node cannot show a CPA (`docs/deviations.md`, N22).
        var incumbent = false
        /// True once the INQUIRE went again with the SIGNING_COOKIE of a busy answer (`docs/deviations.md`, N32).
        var echoedCookie = false
    }

    struct OutgoingConversation: Sendable {
        var nonce: [UInt8]
        var peer: IPv6Endpoint
        /// A LOCAL solicitation refreshing a leaf set (does not count as joining the cloud).
        var local = false
        var requestMessageID: UInt32?
        var expected: Int = 0
    }

    /// What the datagram being handled may still make the node send to endpoints other than its source.
    struct ThirdPartyAllowance: Sendable {
        var source: IPv6Endpoint
        var bytes: Int
    }

    /// A node with an empty cache. `now` starts the Maintenance Timer ([MS-PNRP] 3.1.4.1).
    public init(configuration: NodeConfiguration, now: NodeInstant) {
        let configuration = configuration.validated()
        self.configuration = configuration
        var random = NodeRandom(configuration: configuration)
        self.cache = RouteEntryCache(center: random.pnrpID())
        self.nextMaintenance = now + NodeDuration(nanoseconds: random.next() % configuration.maintenanceInterval.nanoseconds + 1)
        self.nextCacheMaintenance = now
        self.cacheMaintenanceInterval = configuration.maintenanceInterval
        self.conversationKey = (random.next(), random.next(), random.next(), random.next())
        self.signingCredit = Self.signingWindow
        self.signingCreditAt = now
        self.cookieSigningCreditsAt = now
        self.traversal = Self.makeTraversal(configuration, random: &random, now: now)
        self.random = random
    }

    /// The endpoint this node listens on.
    public var localEndpoint: IPv6Endpoint { configuration.localEndpoint }

    /// IDs this node has registered.
    public var registeredIDs: [PNRPID] { cache.localIDs }

    /// True when every registration has been announced, that is, has reported `.registered`
    /// ([MS-PNRP] 3.2.4.1: its registration resolve reached another node).
    public var registrationsAnnounced: Bool { registrations.values.allSatisfy(\.announced) }

    /// True when the registration of `id` has been announced: its registration resolve reached another node
    /// ([MS-PNRP] 3.2.4.1), as `.registered(id)` reported. False for an ID not registered here.
    public func isAnnounced(_ id: PNRPID) -> Bool { registrations[id]?.announced ?? false }

    /// Number of resolutions in progress.
    public var outstandingResolves: Int { resolutions.count }

    /// Removes and returns the effects produced since the last call.
    public mutating func takeEffects() -> [NodeEffect] {
        var out: [NodeEffect] = []
        swap(&out, &outbox)
        return out
    }

    /// When the driver must call `poll(now:)` next.
    public var nextDeadline: NodeInstant? {
        Self.earliestTimer(nextMaintenance: nextMaintenance, pending: pending, resolutions: resolutions, traversal: traversal, localAddress: localEndpoint.address)
    }

    /// `nextDeadline`, read in place. Called from another module on a node kept in an array
    /// (`nodes[i].nextDeadline`), the getter is passed a copy of the whole node, about a kilobyte; a mutating
    /// call is passed the element's address, and this is what a driver calls after every datagram.
    public mutating func nextDeadlineInPlace() -> NodeInstant? {
        Self.earliestTimer(nextMaintenance: nextMaintenance, pending: pending, resolutions: resolutions, traversal: traversal, localAddress: localEndpoint.address)
    }

    /// The earliest of the node's timers, from the fields that hold them (a static function: a method on `self`
    /// would make a mutating caller copy the whole node first).
    private static func earliestTimer(
        nextMaintenance: NodeInstant, pending: PendingList, resolutions: [ResolveID: Resolution], traversal: CopyOnWriteBox<NATTraversal>?,
        localAddress: IPv6Address
    ) -> NodeInstant {
        var t = nextMaintenance
        if let p = pending.nextDeadline, p < t { t = p }
        for r in resolutions.values {
            if r.deadline < t { t = r.deadline }
            if let s = r.secondWalkAt, s < t { t = s }
        }
        if let d = traversal?.value.deadline(localAddress: localAddress), d < t { t = d }
        return t
    }

    // MARK: - Sending

    /// A random Message ID not in use by a pending request: an off-path host cannot guess the ID to forge
    /// an answer with ([MS-PNRP] 2.2.1 only asks that IDs be unlikely to repeat), nor work it out from the
    /// IDs and nonces it has seen (`NodeRandom`, `docs/deviations.md`, items N18, N23).
    mutating func freshMessageID() -> UInt32 {
        var id = UInt32(truncatingIfNeeded: random.next())
        while pending.contains(id) { id = UInt32(truncatingIfNeeded: random.next()) }
        return id
    }

    /// Encodes and queues `body`; returns the message ID. Messages built by this node always encode; one
    /// that does not is counted and dropped rather than trapping.
    @discardableResult
    mutating func send(_ body: PNRPMessage.Body, to destination: IPv6Endpoint, messageID: UInt32? = nil, pendingAs kind: PendingList.Kind? = nil, transmissions: Int? = nil, now: NodeInstant) -> UInt32 {
        let id = messageID ?? freshMessageID()
        let message = PNRPMessage(messageID: id, body: body)
        guard let bytes = try? message.encoded() else {
            statistics.encodeFailures += 1
            return id
        }
        statistics.sent[message.type.rawValue, default: 0] += 1
        statistics.bytesSent += bytes.count
        statistics.bytesSentByType[message.type.rawValue, default: 0] += bytes.count
        if case .lookup(let l) = body { statistics.lookupBytesByReason[l.reasonCode, default: 0] += bytes.count }
        output(bytes, to: destination, now: now)
        if let kind { awaitAnswer(id, to: bytes, sentTo: destination, as: kind, transmissions: transmissions, now: now) }
        return id
    }

    /// Puts a request just sent in the Pending List ([MS-PNRP] 3.1.6.3): retransmitted when its timer (the
    /// round-trip estimate's or the fixed one, `followsRoundTripEstimate`) runs out, until `transmissions`
    /// (`retryCount` by default) were sent, then failed.
    mutating func awaitAnswer(_ id: UInt32, to bytes: [UInt8], sentTo destination: IPv6Endpoint, as kind: PendingList.Kind, transmissions: Int? = nil, now: NodeInstant) {
        let interval = Self.followsRoundTripEstimate(kind, resolutions: resolutions)
            ? roundTrip.retransmissionTimeout(minimum: configuration.minimumRetransmitInterval, maximum: configuration.retransmitInterval)
            : configuration.retransmitInterval
        pending.add(
            id, .init(datagram: bytes, destination: destination, retriesLeft: transmissions ?? configuration.retryCount, deadline: now + interval, kind: kind, sentAt: now, interval: interval))
    }

    /// Sends a request that the datagram being handled made necessary (a route entry it carried, validated
    /// with an INQUIRE, [MS-PNRP] 3.1.5.11). When the destination is neither that datagram's source nor the
    /// first endpoint of a cached entry (a node that answered us before), the request and its retransmissions
    /// must fit in what remains of the bytes that datagram carried: it is sent as many times as fit, up to the
    /// Retry Count, and not at all when once does not fit (`docs/deviations.md`, item N27). Returns nil when
    /// nothing was sent. Outside the handling of an unsolicited datagram it is `send`.
    mutating func sendCausedByDatagram(_ body: PNRPMessage.Body, to destination: IPv6Endpoint, pendingAs kind: PendingList.Kind, now: NodeInstant) -> UInt32? {
        guard var allowance = thirdPartyAllowance, destination != allowance.source, cache.id(at: destination) == nil else {
            return send(body, to: destination, pendingAs: kind, now: now)
        }
        guard let size = try? PNRPMessage(messageID: 0, body: body).encoded().count, size > 0 else {
            statistics.encodeFailures += 1
            return nil
        }
        let transmissions = Swift.min(configuration.retryCount, allowance.bytes / size)
        guard transmissions > 0 else {
            statistics.thirdPartyRequestsRefused += 1
            return nil
        }
        allowance.bytes -= transmissions * size
        thirdPartyAllowance = allowance
        return send(body, to: destination, pendingAs: kind, transmissions: transmissions, now: now)
    }

    mutating func emit(_ event: NodeEvent) { outbox.append(.event(event)) }

    // MARK: - Receiving

    /// Processes one received datagram ([MS-PNRP] 3.1.5.2). Malformed datagrams, datagrams from ports
    /// ≤ 1024 and unsolicited answers are counted and dropped; nothing a peer sends can make this trap.
    public mutating func handle(datagram: [UInt8], from source: IPv6Endpoint, now: NodeInstant) {
        statistics.datagramsReceived += 1
        guard source.port > 1024 else {
            statistics.dropped += 1
            return
        }
        let outer = answering  // a relayed datagram is handled inside the RELAYED that carried it
        answering = source
        defer { answering = outer }
        if traversal != nil, TraversalMessage.isTraversal(datagram) {
            receiveTraversal(datagram, from: source, now: now)
            return
        }
        let message: PNRPMessage
        do {
            message = try PNRPMessage(decoding: datagram)
        } catch {
            statistics.malformed += 1
            return
        }
        statistics.received[message.type.rawValue, default: 0] += 1
        switch message.type {
        case .solicit, .request, .lookup, .inquire, .flood:
            rememberPeer(source)
            // A datagram that answers none of our requests may make the node send other endpoints at most as
            // many bytes as it carried (`docs/deviations.md`, item N27).
            thirdPartyAllowance = ThirdPartyAllowance(source: source, bytes: datagram.count)
        default: break
        }
        defer { thirdPartyAllowance = nil }
        switch message.body {
        case .solicit(let m): receiveSolicit(m, messageID: message.messageID, from: source, now: now)
        case .advertise(let m): receiveAdvertise(m, from: source, now: now)
        case .request(let m): receiveRequest(m, messageID: message.messageID, from: source, now: now)
        case .flood(let m): receiveFlood(m, messageID: message.messageID, from: source, now: now)
        case .inquire(let m): receiveInquire(m, messageID: message.messageID, from: source, now: now)
        case .authority(let m): receiveAuthority(m, messageID: message.messageID, from: source, now: now)
        case .ack(let m): receiveAck(m, from: source, now: now)
        case .lookup(let m): receiveLookup(m, messageID: message.messageID, from: source, now: now)
        }
    }

    /// Processes one datagram that arrived at `destination`, one of the node's endpoints: its own
    /// (`localEndpoint`, as `handle(datagram:from:now:)`) or one of its relay endpoints
    /// (`NodeConfiguration.relayEndpoints`), whose datagrams go to the node relayed there. Datagrams for any
    /// other endpoint are counted and dropped.
    public mutating func handle(datagram: [UInt8], from source: IPv6Endpoint, to destination: IPv6Endpoint, now: NodeInstant) {
        if destination == localEndpoint {
            handle(datagram: datagram, from: source, now: now)
        } else if let slot = configuration.relayEndpoints.firstIndex(of: destination) {
            statistics.datagramsReceived += 1
            receiveAtRelayEndpoint(datagram, slot: slot, from: source, now: now)
        } else {
            statistics.datagramsReceived += 1
            statistics.dropped += 1
        }
    }

    // MARK: - Timers

    /// Runs the timers that are due: retransmissions ([MS-PNRP] 3.1.6.3) and the Maintenance Timer
    /// ([MS-PNRP] 3.1.6.2). Inbound conversations keep no state, so they have no timer to expire
    /// (`docs/deviations.md`, item N25).
    public mutating func poll(now: NodeInstant) {
        if now > nextMaintenance + configuration.maintenanceInterval * Self.pauseIntervals { resumeAfterPause(now: now) }
        for messageID in pending.due(at: now) {
            guard var entry = pending[messageID] else { continue }
            entry.retriesLeft -= 1
            if entry.retriesLeft > 0 {
                entry.deadline = now + entry.interval
                entry.retransmitted = true
                pending.add(messageID, entry)
                statistics.retransmissions += 1
                statistics.bytesSent += entry.datagram.count
                if entry.datagram.count > 7 { statistics.bytesSentByType[entry.datagram[7], default: 0] += entry.datagram.count }
                if case .lookup(let rid) = entry.kind, let reason = resolutions[rid]?.reason {
                    statistics.lookupBytesByReason[reason.rawValue, default: 0] += entry.datagram.count
                }
                output(entry.datagram, to: entry.destination, now: now)
                // An application's walk stops waiting for an overdue hop (`docs/deviations.md`, item N31).
                if case .lookup(let rid) = entry.kind, var r = resolutions[rid], r.lookupOverdue(messageID: messageID) {
                    resolutions[rid] = r
                    advance(rid, now: now)
                }
            } else {
                pending.remove(messageID)
                requestFailed(messageID: messageID, entry: entry, now: now)
            }
        }
        if resolutions.values.contains(where: { $0.secondWalkAt.map { $0 <= now } ?? false }) { startSecondWalks(now: now) }
        if resolutions.values.contains(where: { $0.deadline <= now }) {
            for (rid, r) in resolutions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where r.deadline <= now {
                finish(rid, failure: .timedOut, now: now)
            }
        }
        if nextMaintenance <= now {
            nextMaintenance = now + configuration.maintenanceInterval
            maintain(now: now)
        }
        if traversal != nil { pollTraversal(now: now) }
    }

    /// True for the requests whose retransmission timer follows the round-trip estimate: the LOOKUPs of a
    /// resolution an application asked for (`docs/deviations.md`, item N29). The others, whose silence removes
    /// a route entry, a best match or ends a maintenance walk, keep the fixed Message Retransmission Timer.
    /// (A static function: a method on `self` would make its mutating callers copy the whole node first.)
    static func followsRoundTripEstimate(_ kind: PendingList.Kind, resolutions: [ResolveID: Resolution]) -> Bool {
        guard case .lookup(let rid) = kind else { return false }
        return resolutions[rid]?.reason == .applicationRequest
    }

    /// Maintenance intervals the Maintenance Timer may be overdue before the node takes it that it was paused.
    static let pauseIntervals: UInt64 = 3

    /// The node's timers ran more than `pauseIntervals` maintenance intervals late: the host slept, was
    /// stopped or lost its network for that long. Meanwhile its neighbours found it silent and dropped it
    /// from their caches, so its registrations are announced again at once, as if new, from the node's own cache;
    /// their leaf sets are noted afresh (`docs/deviations.md`, item N28). Requests overdue are
    /// retransmitted or given up by the same poll, which clears the entries of neighbours that left meanwhile.
    mutating func resumeAfterPause(now: NodeInstant) {
        statistics.resumes += 1
        let interval = configuration.announcementInterval, probeInterval = configuration.maintenanceInterval
        for i in registrations.values.indices {
            registrations.modify(at: i) {
                $0.nextAnnouncement = now
                $0.announcementInterval = interval
                $0.notedLeafSet = nil
                $0.leafSetNoteDue = false
                $0.nextNeighbourProbe = now
                $0.neighbourProbeInterval = probeInterval
            }
        }
        nextCacheMaintenance = now
        cacheMaintenanceInterval = configuration.maintenanceInterval
        // Whoever of the leaf set is still there takes us back at once, and floods us on (N40).
        for reg in registrations.values { floodToLeafSet(reg, at: advertisedEndpoint, now: now) }
    }

    /// Sends `registration`'s route entry, at `endpoint`, to every member of its leaf set in a FLOOD
    /// ([MS-PNRP] 3.2.5.11): each member validates it with an INQUIRE and keeps it, and one that does not
    /// answer is checked and removed (N13). Used when the entry changed (a new published endpoint, X4) and
    /// when the node comes back from a pause (`docs/deviations.md`, item N40).
    mutating func floodToLeafSet(_ registration: LocalRegistration, at endpoint: IPv6Endpoint, now: NodeInstant) {
        guard let set = cache.leafSet(of: registration.id) else { return }
        let mine = registration.routeEntry(at: endpoint)
        for member in set.upper + set.lower {
            guard let ep = cache.entry(member)?.primaryEndpoint else { continue }
            send(.flood(Flood(doNotAck: false, validateID: member, routeEntry: mine, alreadyFlooded: [endpoint])), to: ep, pendingAs: .flood(validateID: member), now: now)
        }
    }

    /// Follow-up when a request got no answer after its last retransmission.
    mutating func requestFailed(messageID: UInt32, entry: PendingList.Entry, now: NodeInstant) {
        statistics.timeouts += 1
        if entry.datagram.count > 7 { statistics.timeoutsByType[entry.datagram[7], default: 0] += 1 }
        reassembler.discard(messageID: messageID, from: entry.destination)
        switch entry.kind {
        case .solicit:
            conversationsOut.removeValue(forKey: messageID)
            conversationsOut.releaseStorageIfEmpty()
        case .request:
            conversationsOut = conversationsOut.filter { $0.value.requestMessageID != messageID }
            conversationsOut.releaseStorageIfEmpty()
        case .flood(let validateID):
            // [MS-PNRP] 3.2.6.3 removes the route at once; we first check the node with one INQUIRE, so two
            // lost datagrams do not cut a live neighbour out of a leaf set (`docs/deviations.md`, item N13).
            checkLiveness(of: entry.destination, id: validateID, now: now)
        case .neighbourProbe(let id):
            // A lost datagram must not cut a live neighbour out: checked once more first (N36, N13).
            checkLiveness(of: entry.destination, id: id, now: now)
        case .inquireForLiveness(let id):
            // The silence of an endpoint speaks for the entries whose requests go there, that is, whose first
            // endpoint it is; an address merely listed in another entry says nothing of that entry's node
            // (`docs/deviations.md`, item N24).
            if id != .zero { evict(id, at: entry.destination, reason: .unreachable) }
            for e in cache.entries where e.primaryEndpoint == entry.destination { evict(e.id, reason: .unreachable) }
        case .lookup(let rid):
            // [MS-PNRP] 3.1.6.3 (`Resolution.lookupFailed`).
            guard var r = resolutions[rid] else { return }
            r.lookupFailed(messageID: messageID, to: entry.destination, host: &self, now: now)
            resolutions[rid] = r
            advance(rid, now: now)
        case .inquireForResolve(let rid):
            // [MS-PNRP] 3.1.4.4.2 step 7 (`Resolution.inquireFailed`).
            guard var r = resolutions[rid] else { return }
            r.inquireFailed(to: entry.destination, host: &self)
            resolutions[rid] = r
            advance(rid, now: now)
        case .reach:
            reachFailed(messageID: messageID, now: now)
        case .relayRequest:
            relayRequestFailed(to: entry.destination, now: now)
        case .streamRequest(let id):
            forgetStreamRequest(messageID: messageID)
            emit(.streamRelayFailed(id, .timedOut))
        case .inquireForAdd:
            if let add = pendingAdds.removeValue(forKey: messageID) {
                pendingAddIDs.remove(add.entry.id)
                pendingAdds.releaseStorageIfEmpty()
                pendingAddIDs.releaseStorageIfEmpty()
                if add.incumbent { evict(add.entry.id, at: entry.destination, reason: .unreachable) }
            }
        }
    }

    /// Why a route entry left the cache.
    public enum EvictionReason: String, Sendable, CaseIterable {
        /// The node answered that it no longer registers the ID (N flag).
        case notRegistered
        /// The node answered neither a request nor the INQUIRE that checked it.
        case unreachable
        /// Its CPA failed validation.
        case invalidCPA
        /// A valid Revoke CPA arrived.
        case revoked
    }

    /// Removes a route entry and counts why.
    mutating func evict(_ id: PNRPID, reason: EvictionReason) {
        guard cache.contains(id) else { return }
        statistics.countEviction(reason)
        cache.remove(id)
        revalidateLeafCandidates(now: nil)
    }

    /// Removes the route entry of `id` when `endpoint` is its first endpoint, the one its requests go to: what a
    /// node answers about an ID, or its silence, speaks for the entry cached at that node only, not for the
    /// same ID cached at other addresses (`docs/deviations.md`, item N22), nor for an entry that merely lists
    /// the node's address among others (item N24). A verified leaf-set member is thus removed on its own
    /// node's word only, or by a revocation under its key.
    mutating func evict(_ id: PNRPID, at endpoint: IPv6Endpoint, reason: EvictionReason) {
        guard cache.entry(id)?.primaryEndpoint == endpoint else { return }
        evict(id, reason: reason)
    }

    /// Cached entries that now belong in a leaf set but were cached without a CPA are validated again,
    /// with one ([MS-PNRP] 3.2.5.1). `now` nil defers the INQUIREs to the next maintenance tick.
    mutating func revalidateLeafCandidates(now: NodeInstant?) {
        guard let now else {
            leafCandidatesDue = true
            return
        }
        leafCandidatesDue = false
        let candidates = cache.entries.filter { !cache.isVerified($0.id) && cache.wouldAccept($0) }  // in ID order
        for entry in candidates { consider(entry, learnedFrom: entry.primaryEndpoint ?? localEndpoint, now: now) }
    }

    /// Keeps `endpoint` among the last eight distinct requesters.
    mutating func rememberPeer(_ endpoint: IPv6Endpoint) {
        if let i = recentPeers.firstIndex(of: endpoint) { recentPeers.remove(at: i) }
        // Make room first, so the list never grows past eight (nor its storage past eight places).
        if recentPeers.count == 8 { recentPeers.removeFirst() }
        recentPeers.append(endpoint)
    }

    /// Sends one return-routability INQUIRE to a cached node that failed to answer; it is removed from the
    /// cache only if this fails too or says the ID is gone.
    mutating func checkLiveness(of endpoint: IPv6Endpoint, id: PNRPID, now: NodeInstant) {
        let cachedID = id != .zero && cache.entry(id)?.primaryEndpoint == endpoint ? id : cache.id(at: endpoint)
        guard let cachedID, !pending.entries.values.contains(where: { $0.kind == .inquireForLiveness(cachedID) }) else { return }
        send(.inquire(Inquire(flags: [], validateID: cachedID)), to: endpoint, pendingAs: .inquireForLiveness(cachedID), now: now)
    }

    /// Maintenance Timer expiry ([MS-PNRP] 3.1.6.2, 3.2.6.2): rediscover the cloud when the cache is empty,
    /// announce registrations that are due, and resolve a target in the coarsest
    /// empty cache slot (REASON_CACHE_MAINTENANCE) so that the cache stays spread around the number space.
    /// Announcements and cache-maintenance resolves back off once the registration is stable or they find
    /// nothing new (`docs/deviations.md`, item N10).
    mutating func maintain(now: NodeInstant) {
        let soliciting = pending.entries.values.contains { $0.kind == .solicit }
        if (cache.count == 0 || !hasSynchronized) && !soliciting {
            for seed in seedEndpoints { synchronize(with: seed, now: now) }
        }
        if cache.count == 0 { return }
        if leafCandidatesDue { revalidateLeafCandidates(now: now) }
        detectSplit(now: now)
        for localSet in cache.leafSets {  // a snapshot: the loop body may change the cache
            let id = localSet.center
            guard let at = registrations.index(of: id) else { continue }
            // The leaf set is noted one tick after an announcement, once its LOCAL conversations are over.
            if registrations.values[at].leafSetNoteDue {
                let noted = cache.leafSet(of: id)
                registrations.modify(at: at) {
                    $0.leafSetNoteDue = false
                    $0.notedLeafSet = noted
                }
            }
            probeNearestNeighbours(of: id, at: at, now: now)
            guard registrations.values[at].nextAnnouncement <= now || !registrations.values[at].announced, !announcementsHeld(now: now) else { continue }
            var reg = registrations.values[at]
            let target = id.adding(PNRPID(0, 0, 0, 1))
            guard !resolutions.values.contains(where: { $0.reason == .registration && $0.target == target }) else { continue }
            // A registration whose leaf set is full and unchanged since it was last noted is stable: the
            // next announcement waits the longest interval, and no LOCAL solicitation goes out
            // (`docs/deviations.md`, items N10, N14).
            let set = cache.leafSet(of: id)
            let stable = set.map { $0.isFull && $0.hasSameMembers(as: reg.notedLeafSet) } ?? false
            reg.notedLeafSet = set
            reg.leafSetNoteDue = !stable
            reg.nextAnnouncement = now + (stable ? configuration.maximumAnnouncementInterval : reg.announcementInterval)
            reg.announcementInterval = Swift.min(reg.announcementInterval * 2, configuration.maximumAnnouncementInterval)
            // The first announcement after the registration's own walks from a far node, so that it can
            // reach the other strand of a ring that formed interleaved (`docs/deviations.md`, item N10).
            let start = reg.announced && !reg.announcedFromAfar ? farStartingPoint() : nil
            if start != nil { reg.announcedFromAfar = true }
            registrations[id] = reg
            startResolve(
                target: target, criteria: .exact, precision: 0, reason: .registration, initialBestMatch: reg.routeEntry(at: advertisedEndpoint),
                initialNextHop: start, now: now)
            // Ask the nearest neighbour on each side for the IDs around ours (`docs/deviations.md`, item N14).
            if !stable, let set {
                for neighbour in [set.upper.first, set.lower.first].compactMap({ $0 }) {
                    if let ep = cache.entry(neighbour)?.primaryEndpoint { solicit(ep, around: id, now: now) }
                }
            }
        }
        guard nextCacheMaintenance <= now, !resolutions.values.contains(where: { $0.reason == .cacheMaintenance }) else { return }
        if let target = cache.emptySlotTarget(depth: configuration.maintenanceDepth, using: &random) {
            nextCacheMaintenance = now + cacheMaintenanceInterval
            startResolve(target: target, criteria: .exact, precision: 0, reason: .cacheMaintenance, initialBestMatch: nil, now: now)
        }
    }
}

extension PNRPNode {
    /// Split detection ([MS-PNRP] 3.2.6.2.1): with a probability inversely proportional to the estimated
    /// cloud size (so the whole cloud runs about `splitDetectionsPerInterval` of them per maintenance
    /// interval), resolve a local ID + 1 starting from a far-away node. Answers from the other side of a split
    /// enter our leaf sets and are flooded on, which joins the two parts again. The walk starts from a random
    /// cached entry outside our leaf sets, a seed, or a node that recently sent us a request, and ends at the
    /// nearest node it reaches (`docs/deviations.md`, items N15, N20).
    mutating func detectSplit(now: NodeInstant) {
        guard !cache.localIDs.isEmpty, !resolutions.values.contains(where: { $0.reason == .splitDetection }) else { return }
        let size = Swift.max(1, splitDetectionCloudSize ?? 1)
        let chance = Swift.min(1, configuration.splitDetectionsPerInterval / size)
        guard Double(random.next() >> 11) * 0x1p-53 < chance else { return }
        let local = cache.localIDs[Int(random.next() % UInt64(cache.localIDs.count))]
        guard let start = farStartingPoint() else { return }
        startSplitDetection(of: local, from: start, now: now)
    }

    /// Resolves `local` + 1 with REASON_SPLIT_DETECTION, the walk starting at `start` ([MS-PNRP] 3.2.6.2.1).
    mutating func startSplitDetection(of local: PNRPID, from start: RouteEntry, now: NodeInstant) {
        startResolve(
            target: local.adding(PNRPID(0, 0, 0, 1)), criteria: .exact, precision: 0, reason: .splitDetection,
            initialBestMatch: nil, initialNextHop: start, now: now)
    }

    /// Split detection from `seed`, now, for every local ID (`docs/deviations.md` N38): the walks start at the
    /// seed with a zero ID, as [MS-PNRP] 3.2.6.2.1 starts from a seed server. None when the node has no
    /// local ID or a split detection of that ID is already under way.
    mutating func detectSplit(from seed: IPv6Endpoint, now: NodeInstant) {
        let start = RouteEntry(id: .zero, port: seed.port, address: seed.address)
        for local in cache.localIDs {
            let target = local.adding(PNRPID(0, 0, 0, 1))
            guard !resolutions.values.contains(where: { $0.reason == .splitDetection && $0.target == target }) else { continue }
            startSplitDetection(of: local, from: start, now: now)
        }
    }

    /// Where a walk that must not follow our own cache starts (`docs/deviations.md`, items N10, N15): a random
    /// cached entry outside our leaf sets, a seed, or one of the last nodes that sent us a request (the last
    /// two with a zero ID, as [MS-PNRP] 3.2.6.2.1 starts from a seed). Nil when there is none.
    mutating func farStartingPoint() -> RouteEntry? {
        var candidates = cache.entries.filter { !cache.isInLeafSet($0.id) }  // in ID order
        let cachedEndpoints = Set(cache.entries.compactMap(\.primaryEndpoint))
        for ep in seedEndpoints + recentPeers where !cachedEndpoints.contains(ep) {
            candidates.append(RouteEntry(id: .zero, port: ep.port, address: ep.address))
        }
        guard !candidates.isEmpty else { return nil }
        return candidates[Int(random.next() % UInt64(candidates.count))]
    }
}
