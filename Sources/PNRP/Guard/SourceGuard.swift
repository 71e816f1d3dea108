/// Anti-abuse bookkeeping of one socket, as a value type driven by whoever carries a node's datagrams (no
/// I/O, time and randomness as inputs): the network driver for real sockets, `InMemoryCloud` for the
/// simulator when a scenario turns it on, so that both run the same decisions:
///
/// - **Rate limit.** Each source address gets a token bucket (`ratePerSecond`, `burst`); datagrams beyond
///   it are dropped before decoding.
/// - **No amplification.** Until a source is *validated* — it answered one of our requests, echoing its
///   random Message ID, which proves it receives datagrams at that address — the bytes we send it in reply
///   never exceed the bytes it sent us. A reply that does not fit is held, and a 56-byte return-routability
///   probe (an INQUIRE for PNRP ID 0, answered by any PNRP node with a 36-byte AUTHORITY) is sent instead
///   when it fits the budget; the held replies go out when the probe's answer arrives.
/// - **Bounded state.** At most `maximumSources` sources are tracked; the least recently seen are forgotten.
///
/// Deliberate addition to [MS-PNRP], listed in `docs/deviations.md` (item D1).
public struct SourceGuard: Sendable {
    /// Settings.
    public struct Limits: Sendable, Hashable {
        /// Datagrams per second a source may send on average.
        public var ratePerSecond: Double = 200
        /// Datagrams a source may send at once.
        public var burst: Double = 400
        /// Sources tracked at most.
        public var maximumSources = 8192
        /// Replies held per unvalidated source while its probe is out.
        public var maximumHeld = 8
        /// How long a held reply waits for the probe's answer.
        public var holdTime = NodeDuration.seconds(3)
        /// How long a validation lasts without traffic.
        public var validationLifetime = NodeDuration.minutes(30)
        /// Defaults suited to a public node.
        public init() {}
    }

    /// What to do with an outgoing reply.
    public enum Verdict: Equatable, Sendable {
        /// Send it now.
        case send
        /// Held; send `probe` (an encoded INQUIRE) to validate the source, if not nil.
        case held(probe: [UInt8]?)
        /// Dropped: the source has too many replies held already.
        case dropped
    }

    /// What is kept per source: 44 bytes inline, no heap allocation. Times are milliseconds on the guard's
    /// own 32-bit clock (differences stay right across its wrap-around every 49 days). Sources with replies
    /// held also have a `Probe` record.
    struct Source: Sendable {
        var lastSeen: UInt32
        /// When the validation ends; equal to `lastSeen`-or-earlier when not validated.
        var validatedUntil: UInt32
        var tokens: Float
        var bytesIn: UInt32 = 0
        /// Bytes of replies (and probes) sent to it.
        var bytesOut: UInt32 = 0
        /// Bytes of the datagram being handled not yet spent on replies to it: a reply that fits is sent
        /// even while others are held, so an answer never larger than its question always goes out.
        var credit: UInt32 = 0
        /// Message IDs of our last four requests to this source (the echo that validates it).
        var recentRequestIDs: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
        var nextRequestSlot: UInt8 = 0

        init(tokens: Double, now: UInt32) {
            (self.tokens, self.lastSeen, self.validatedUntil) = (Float(tokens), now, now)
        }

        func sentRequest(_ id: UInt32) -> Bool {
            id != 0 && (recentRequestIDs.0 == id || recentRequestIDs.1 == id || recentRequestIDs.2 == id || recentRequestIDs.3 == id)
        }

        mutating func rememberRequest(_ id: UInt32) {
            switch nextRequestSlot {
            case 0: recentRequestIDs.0 = id
            case 1: recentRequestIDs.1 = id
            case 2: recentRequestIDs.2 = id
            default: recentRequestIDs.3 = id
            }
            nextRequestSlot = (nextRequestSlot + 1) % 4
        }

        func isValidated(at now: UInt32) -> Bool { Int32(bitPattern: validatedUntil &- now) > 0 }
    }

    /// Replies held for a source until it is validated, and the probe sent to validate it.
    struct Probe: Sendable {
        var id: UInt32?
        var sentAt: NodeInstant?
        var held: [(datagram: [UInt8], until: NodeInstant)] = []
    }

    /// The settings in force.
    public let limits: Limits
    private var sources: [IPv6Endpoint: Source] = [:]
    private var probes: [IPv6Endpoint: Probe] = [:]
    /// The instant the guard's millisecond clock counts from.
    private var epoch: NodeInstant?
    private var latest = NodeInstant(nanoseconds: 0)
    /// Where probe Message IDs come from: on a real network a generator keyed from the system's secure source
    /// (the ID is the return-routability secret), in a simulation one seeded from the scenario.
    private var random: NodeRandom

    /// Milliseconds since the epoch, modulo 2^32.
    private mutating func tick(_ now: NodeInstant) -> UInt32 {
        let start = epoch ?? now
        epoch = start
        if latest < now { latest = now }
        return UInt32(truncatingIfNeeded: (now - start).nanoseconds / 1_000_000)
    }

    private func tickValue(_ now: NodeInstant) -> UInt32 {
        guard let epoch else { return 0 }
        return UInt32(truncatingIfNeeded: (now - epoch).nanoseconds / 1_000_000)
    }

    private static func milliseconds(_ d: NodeDuration) -> UInt32 { UInt32(clamping: d.nanoseconds / 1_000_000) }

    /// Counters for metrics.
    public private(set) var rateLimited = 0
    /// Replies held for validation, and those that expired unsent.
    public private(set) var heldReplies = 0, expiredReplies = 0
    /// Probes sent.
    public private(set) var probesSent = 0

    /// A guard with `limits`, drawing probe Message IDs from `random` (key it from a secure source on a real
    /// network: an attacker who predicts a probe's ID can forge its answer from a victim's address).
    public init(limits: Limits = Limits(), random: NodeRandom) {
        self.limits = limits
        self.random = random
    }

    /// Number of sources tracked.
    public var trackedSources: Int { sources.count }

    /// Whether `source` is validated at `now`.
    public func isValidated(_ source: IPv6Endpoint, now: NodeInstant) -> Bool {
        sources[source]?.isValidated(at: tickValue(now)) ?? false
    }

    /// What to do with a received datagram.
    public enum Admission: Equatable, Sendable {
        /// Hand it to the node, after sending `release` (replies held until the source was validated, which
        /// this datagram just did by answering one of our requests).
        case deliver(release: [[UInt8]])
        /// Over the source's rate: drop it.
        case drop
        /// It answers our probe, which the node knows nothing of: send `release` and drop it.
        case probeAnswered(release: [[UInt8]])
        /// It is another node's probe: send `answer` (smaller than the probe, so never an amplification)
        /// instead of handing it to the node.
        case answerProbe([UInt8])
    }

    /// Admits one datagram from `source`.
    public mutating func admit(_ datagram: [UInt8], from source: IPv6Endpoint, now: NodeInstant) -> Admission {
        let t = tick(now)
        var s = sources[source] ?? Source(tokens: limits.burst, now: t)
        let elapsed = Double(t &- s.lastSeen) / 1000
        s.tokens = Float(Swift.min(limits.burst, Double(s.tokens) + elapsed * limits.ratePerSecond))
        s.lastSeen = t
        guard s.tokens >= 1 else {
            rateLimited += 1
            store(source, s)
            return .drop
        }
        s.tokens -= 1
        if datagram.count == Self.probeLength, let answer = Self.probeAnswer(to: datagram) {
            store(source, s)
            return .answerProbe(answer)
        }
        s.bytesIn.addSaturating(UInt32(clamping: datagram.count))
        s.credit = UInt32(clamping: datagram.count)
        var result = Admission.deliver(release: [])
        if let acked = DatagramPeek.ackedMessageID(of: datagram) {
            let probe = probes[source]
            let wasProbe = probe?.id != nil && acked == probe?.id && DatagramPeek.type(of: datagram) == MessageType.authority.rawValue
            if wasProbe || s.sentRequest(acked) {
                // It received a datagram we sent to this address: validated. Held replies go out now.
                s.validatedUntil = t &+ Self.milliseconds(limits.validationLifetime)
                let held = probes.removeValue(forKey: source)?.held ?? []
                let release = held.filter { $0.until > now }.map(\.datagram)
                expiredReplies += held.count - release.count
                s.bytesOut.addSaturating(UInt32(clamping: release.reduce(0) { $0 + $1.count }))
                result = wasProbe ? .probeAnswered(release: release) : .deliver(release: release)
            }
        }
        store(source, s)
        return result
    }

    /// What a driver does with a received datagram: send `toSource` back to its source now (replies held until
    /// it was validated, a probe's answer, a probe that became due), and hand it to the node when `deliver`.
    public struct Reception: Equatable, Sendable {
        /// Whether the node gets the datagram.
        public var deliver: Bool
        /// Datagrams for the source, to send from the socket the datagram arrived at.
        public var toSource: [[UInt8]]
        /// True when the source was over its rate (the datagram is dropped).
        public var rateLimited: Bool
    }

    /// Admits one datagram from `source` and says what to do, in the terms both drivers act on (`admit`, then
    /// the probe that more bytes from the source may have made affordable).
    public mutating func receive(_ datagram: [UInt8], from source: IPv6Endpoint, now: NodeInstant) -> Reception {
        switch admit(datagram, from: source, now: now) {
        case .drop:
            return Reception(deliver: false, toSource: [], rateLimited: true)
        case .probeAnswered(let release):
            return Reception(deliver: false, toSource: release, rateLimited: false)
        case .answerProbe(let answer):
            return Reception(deliver: false, toSource: [answer], rateLimited: false)
        case .deliver(let release):
            var out = release
            if let probe = probeIfDue(for: source, now: now) { out.append(probe) }
            return Reception(deliver: true, toSource: out, rateLimited: false)
        }
    }

    /// Decides on a datagram a node sends, by what the node says it is (`NodeEffect.send`'s kind): an answer to
    /// the datagram's source is held to the reply budget (`reply`); anything else the node chose to send (a
    /// request, a flood, a retransmission, a probe) goes out, not charged to the budget (the node chose the
    /// address: nobody can make it send these by forging a source), a request's Message ID remembered for the
    /// echo that validates its destination.
    public mutating func outgoing(_ datagram: [UInt8], kind: OutgoingKind, to destination: IPv6Endpoint, now: NodeInstant) -> Verdict {
        if kind.role == .answer { return reply(datagram, to: destination, now: now) }
        let t = tick(now)
        var s = sources[destination] ?? Source(tokens: limits.burst, now: t)
        if kind.role == .request, let id = DatagramPeek.messageID(of: datagram) { s.rememberRequest(id) }
        store(destination, s)
        return .send
    }

    /// Decides on a datagram produced in answer to one from `destination`.
    public mutating func reply(_ datagram: [UInt8], to destination: IPv6Endpoint, now: NodeInstant) -> Verdict {
        let t = tick(now)
        var s = sources[destination] ?? Source(tokens: limits.burst, now: t)
        defer { store(destination, s) }
        if s.isValidated(at: t) { return .send }
        let size = UInt32(clamping: datagram.count)
        var probe = probes[destination] ?? Probe()
        if size <= s.credit || (probe.held.isEmpty && UInt64(s.bytesOut) + UInt64(size) <= UInt64(s.bytesIn)) {
            s.credit = s.credit > size ? s.credit - size : 0
            s.bytesOut.addSaturating(size)
            return .send
        }
        guard probe.held.count < limits.maximumHeld else {
            expiredReplies += 1
            return .dropped
        }
        probe.held.append((datagram, now + limits.holdTime))
        heldReplies += 1
        let sent = makeProbe(&s, &probe, now: now)
        probes[destination] = probe
        return .held(probe: sent)
    }

    /// A probe for `source` when it has replies held, no recent probe out, and the probe fits its budget
    /// (called when more bytes arrive from it).
    public mutating func probeIfDue(for source: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard var s = sources[source], var probe = probes[source], !probe.held.isEmpty else { return nil }
        defer {
            sources[source] = s
            probes[source] = probe
        }
        return makeProbe(&s, &probe, now: now)
    }

    private mutating func makeProbe(_ s: inout Source, _ probe: inout Probe, now: NodeInstant) -> [UInt8]? {
        // One probe per hold time, and only when the probe itself fits the budget.
        let probeDue = probe.sentAt.map { now - $0 >= limits.holdTime } ?? true
        guard probeDue, UInt64(s.bytesOut) + UInt64(Self.probeLength) <= UInt64(s.bytesIn) else { return nil }
        // The probe's Message ID is the return-routability secret: drawn from a generator keyed from the
        // system's secure source on a real network, so an attacker cannot predict it and forge the answer.
        var id = UInt32(truncatingIfNeeded: random.next())
        if id == 0 { id = 1 }
        probe.id = id
        probe.sentAt = now
        s.bytesOut.addSaturating(UInt32(Self.probeLength))
        probesSent += 1
        return Self.probe(messageID: id)
    }

    /// How long an unvalidated source with nothing held is remembered without traffic.
    static let idleLifetime = NodeDuration.minutes(10)

    /// Drops held replies past their time, forgets sources idle for 10 minutes whose validation has
    /// ended, and the least recently seen beyond the bound.
    public mutating func sweep(now: NodeInstant) {
        for (key, var probe) in probes {
            let kept = probe.held.filter { $0.until > now }
            expiredReplies += probe.held.count - kept.count
            if kept.isEmpty, probe.sentAt.map({ now - $0 >= limits.holdTime }) ?? true {
                probes.removeValue(forKey: key)
            } else if kept.count != probe.held.count {
                probe.held = kept
                probes[key] = probe
            }
        }
        let t = tickValue(now)
        let idle = Self.milliseconds(Self.idleLifetime)
        func keep(_ key: IPv6Endpoint, _ s: Source) -> Bool {
            s.isValidated(at: t) || probes[key] != nil || t &- s.lastSeen < idle
        }
        if sources.contains(where: { !keep($0.key, $0.value) }) { sources = sources.filter { keep($0.key, $0.value) } }
        if sources.count > limits.maximumSources {
            let excess = sources.count - limits.maximumSources
            // Oldest first: the largest time since last seen.
            for key in sources.sorted(by: { (t &- $0.value.lastSeen, $1.key) > (t &- $1.value.lastSeen, $0.key) }).prefix(excess).map(\.key) {
                sources.removeValue(forKey: key)
                probes.removeValue(forKey: key)
            }
        }
    }

    private mutating func store(_ key: IPv6Endpoint, _ s: Source) {
        sources[key] = s
        if sources.count > limits.maximumSources + limits.maximumSources / 8 { sweep(now: latest) }
    }

    /// The 36-byte answer to a probe: AUTHORITY with the N flag ([MS-PNRP] 3.2.5.9), or nil when
    /// `datagram` is not a probe.
    static func probeAnswer(to datagram: [UInt8]) -> [UInt8]? {
        guard let message = try? PNRPMessage(decoding: datagram), case .inquire(let inquire) = message.body,
            inquire.validateID == .zero, inquire.nonce == nil, inquire.flags.isEmpty,
            let buffer = try? AuthorityBuffer(flags: .notFound).encoded(),
            let fragment = try? AuthorityFragment.fragments(of: buffer, ackedMessageID: message.messageID).first
        else { return nil }
        return try? PNRPMessage(messageID: message.messageID, body: .authority(fragment)).encoded()
    }

    /// Bytes of the probe.
    static let probeLength = 56

    /// The probe: INQUIRE for PNRP ID 0 without nonce ([MS-PNRP] 2.2.2.5); every node answers it with an
    /// AUTHORITY whose N flag is set (3.2.5.9).
    static func probe(messageID: UInt32) -> [UInt8] {
        let message = PNRPMessage(messageID: messageID, body: .inquire(Inquire(flags: [], validateID: .zero)))
        return (try? message.encoded()) ?? []
    }
}

extension UInt32 {
    /// Adds without wrapping: byte counts stop at the maximum.
    fileprivate mutating func addSaturating(_ n: UInt32) {
        let (sum, overflow) = addingReportingOverflow(n)
        self = overflow ? .max : sum
    }
}
