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

    var random: RandomSource
    var outbox: [NodeEffect] = []
    var nextMessageID: UInt32
    var nextResolveID: UInt64 = 1
    var pending = PendingList()
    var registrations: [PNRPID: LocalRegistration] = [:]
    var resolutions: [ResolveID: Resolution] = [:]
    /// LastSentMessageID → resolution.
    var resolutionByMessage: [UInt32: ResolveID] = [:]
    /// Pending Route Entry Add List, keyed by InquireMessageId ([MS-PNRP] 3.1.1).
    var pendingAdds: [UInt32: PendingAdd] = [:]
    /// IDs with a validation in flight, so one entry is not inquired twice at once.
    var pendingAddIDs: Set<PNRPID> = []
    /// Outgoing synchronisation conversations: SOLICIT message ID → state ([MS-PNRP] 3.1.1).
    var conversationsOut: [UInt32: OutgoingConversation] = [:]
    /// Incoming synchronisation conversations by peer ([MS-PNRP] 3.2.1).
    var conversationsIn: [IPv6Endpoint: IncomingConversation] = [:]
    var reassembler = AuthorityReassembler()
    var nextMaintenance: NodeInstant
    var seedEndpoints: [IPv6Endpoint] = []

    /// Route entry awaiting its INQUIRE answer ([MS-PNRP] 3.1.5.11).
    struct PendingAdd: Sendable {
        var entry: RouteEntry
        var needCPA: Bool
        var nonce: [UInt8]?
        var alreadyFlooded: [IPv6Endpoint]?
        var floodSource: IPv6Endpoint?
    }

    struct OutgoingConversation: Sendable {
        var nonce: [UInt8]
        var peer: IPv6Endpoint
        var requestMessageID: UInt32?
        var expected: Int = 0
    }

    struct IncomingConversation: Sendable {
        var hashedNonce: [UInt8]
        var expires: NodeInstant
    }

    /// A node with an empty cache. `now` starts the Maintenance Timer ([MS-PNRP] 3.1.4.1).
    public init(configuration: NodeConfiguration, now: NodeInstant) {
        self.configuration = configuration
        var random = RandomSource(seed: configuration.seed)
        self.cache = RouteEntryCache(center: random.pnrpID())
        self.nextMessageID = UInt32(truncatingIfNeeded: random.next())
        self.nextMaintenance = now + NodeDuration(nanoseconds: random.next() % configuration.maintenanceInterval.nanoseconds + 1)
        self.random = random
    }

    /// The endpoint this node listens on.
    public var localEndpoint: IPv6Endpoint { configuration.localEndpoint }

    /// IDs this node has registered.
    public var registeredIDs: [PNRPID] { cache.localIDs }

    /// Number of resolutions in progress.
    public var outstandingResolves: Int { resolutions.count }

    /// Removes and returns the effects produced since the last call.
    public mutating func takeEffects() -> [NodeEffect] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    /// When the driver must call `poll(now:)` next.
    public var nextDeadline: NodeInstant? {
        var t = nextMaintenance
        if let p = pending.nextDeadline, p < t { t = p }
        return t
    }

    // MARK: - Sending

    mutating func freshMessageID() -> UInt32 {
        nextMessageID &+= 1
        return nextMessageID
    }

    /// Encodes and queues `body`; returns the message ID. Messages built by this node always encode; one
    /// that does not is counted and dropped rather than trapping.
    @discardableResult
    mutating func send(_ body: PNRPMessage.Body, to destination: IPv6Endpoint, messageID: UInt32? = nil, pendingAs kind: PendingList.Kind? = nil, now: NodeInstant) -> UInt32 {
        let id = messageID ?? freshMessageID()
        let message = PNRPMessage(messageID: id, body: body)
        guard let bytes = try? message.encoded() else {
            statistics.encodeFailures += 1
            return id
        }
        statistics.sent[message.type.rawValue, default: 0] += 1
        statistics.bytesSent += bytes.count
        outbox.append(.send(datagram: bytes, to: destination))
        if let kind {
            pending.add(id, .init(datagram: bytes, destination: destination, retriesLeft: configuration.retryCount, deadline: now + configuration.retransmitInterval, kind: kind))
        }
        return id
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
        let message: PNRPMessage
        do {
            message = try PNRPMessage(decoding: datagram)
        } catch {
            statistics.malformed += 1
            return
        }
        statistics.received[message.type.rawValue, default: 0] += 1
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

    // MARK: - Timers

    /// Runs the timers that are due: retransmissions ([MS-PNRP] 3.1.6.3), conversation expiry
    /// ([MS-PNRP] 3.2.2) and the Maintenance Timer ([MS-PNRP] 3.1.6.2).
    public mutating func poll(now: NodeInstant) {
        for messageID in pending.due(at: now) {
            guard var entry = pending[messageID] else { continue }
            entry.retriesLeft -= 1
            if entry.retriesLeft > 0 {
                entry.deadline = now + configuration.retransmitInterval
                pending.add(messageID, entry)
                statistics.retransmissions += 1
                statistics.bytesSent += entry.datagram.count
                outbox.append(.send(datagram: entry.datagram, to: entry.destination))
            } else {
                pending.remove(messageID)
                requestFailed(messageID: messageID, entry: entry, now: now)
            }
        }
        if nextMaintenance <= now {
            nextMaintenance = now + configuration.maintenanceInterval
            maintain(now: now)
        }
    }

    /// Follow-up when a request got no answer after its last retransmission.
    mutating func requestFailed(messageID: UInt32, entry: PendingList.Entry, now: NodeInstant) {
        statistics.timeouts += 1
        reassembler.discard(messageID: messageID, from: entry.destination)
        switch entry.kind {
        case .solicit:
            conversationsOut.removeValue(forKey: messageID)
        case .request:
            conversationsOut = conversationsOut.filter { $0.value.requestMessageID != messageID }
        case .flood:
            cache.remove(endpoint: entry.destination)
        case .lookup(let rid):
            resolutionByMessage.removeValue(forKey: messageID)
            cache.remove(endpoint: entry.destination)
            guard var r = resolutions[rid] else { return }
            r.currentNextHop = nil
            r.outstanding = .none
            resolutions[rid] = r
            advance(rid, now: now)
        case .inquireForResolve(let rid):
            resolutionByMessage.removeValue(forKey: messageID)
            cache.remove(endpoint: entry.destination)
            guard var r = resolutions[rid] else { return }
            r.demoteBestMatch()
            r.outstanding = .none
            resolutions[rid] = r
            advance(rid, now: now)
        case .inquireForAdd:
            if let add = pendingAdds.removeValue(forKey: messageID) { pendingAddIDs.remove(add.entry.id) }
        }
    }

    /// Maintenance Timer expiry ([MS-PNRP] 3.1.6.2): rediscover the cloud when the cache is empty, expire
    /// conversations, and resolve a target in the coarsest empty cache slot so that the cache stays
    /// spread around the number space (REASON_CACHE_MAINTENANCE).
    mutating func maintain(now: NodeInstant) {
        conversationsIn = conversationsIn.filter { $0.value.expires > now }
        if cache.count == 0 {
            for seed in seedEndpoints { synchronize(with: seed, now: now) }
            return
        }
        let maintenanceRunning = resolutions.values.contains { $0.reason == .cacheMaintenance }
        if !maintenanceRunning, let target = cache.emptySlotTarget(depth: configuration.maintenanceDepth, using: &random) {
            _ = startResolve(target: target, criteria: .exact, precision: 0, reason: .cacheMaintenance, initialBestMatch: nil, now: now)
        }
        // Registrations whose announcement resolve is over re-announce if their leaf set is still thin.
        for id in cache.localIDs {
            guard let set = cache.leafSets[id], set.upper.isEmpty || set.lower.isEmpty, registrations[id]?.announced == true else { continue }
            let running = resolutions.values.contains { $0.reason == .registration && $0.target == id.adding(PNRPID(0, 0, 0, 1)) }
            if !running, let reg = registrations[id] {
                _ = startResolve(target: id.adding(PNRPID(0, 0, 0, 1)), criteria: .exact, precision: 0, reason: .registration, initialBestMatch: reg.routeEntry(at: localEndpoint), now: now)
            }
        }
    }
}

/// Protocol counters of one node.
public struct NodeStatistics: Sendable, Hashable {
    /// Datagrams received, valid or not.
    public var datagramsReceived = 0
    /// Datagrams that failed to decode.
    public var malformed = 0
    /// Datagrams dropped for their source port or as unsolicited answers.
    public var dropped = 0
    /// Messages received by MessageType raw value.
    public var received: [UInt8: Int] = [:]
    /// Messages sent by MessageType raw value (first transmissions).
    public var sent: [UInt8: Int] = [:]
    /// Bytes sent, retransmissions included.
    public var bytesSent = 0
    /// Retransmissions.
    public var retransmissions = 0
    /// Requests that failed after their last retransmission.
    public var timeouts = 0
    /// CPAs that failed validation.
    public var cpaRejected = 0
    /// Messages this node built but could not encode (always 0 unless there is a bug).
    public var encodeFailures = 0
}
