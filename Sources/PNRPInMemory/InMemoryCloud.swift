import DequeModule
import PNRP
import PeerCrypto

/// Settings of an in-memory cloud.
public struct InMemoryCloudConfiguration: Sendable {
    /// Seeds every random choice: node generators, latencies, losses, names.
    public var seed: UInt64
    /// Probability that any one datagram is lost, 0...1.
    public var lossRate: Double
    /// One-way latency of each datagram.
    public var latency: LinkLatency
    /// Node settings applied to every node (endpoint and seed are filled in per node).
    public var node: NodeConfiguration
    /// With `node.natTraversal`: relay endpoints each node gets (`fd00::<index+1>`, ports 40000 and up), and
    /// a dial-back endpoint (port 3539).
    public var relaySlots = 0
    /// When set, each node endpoint sits behind the anti-abuse guard that real sockets have (`SourceGuard`,
    /// `docs/deviations.md` D1): a rate limit per source, and no answer to a source not yet validated that is
    /// larger than what it sent (held while a probe validates it). Off by default: it costs memory per node.
    public var sourceGuard: SourceGuard.Limits?

    /// Defaults: no loss, 1–20 ms latency.
    public init(seed: UInt64, lossRate: Double = 0, latency: LinkLatency = .uniform(microseconds: 1_000...20_000), node: NodeConfiguration = NodeConfiguration()) {
        self.seed = seed
        self.lossRate = lossRate
        self.latency = latency
        self.node = node
    }
}

/// How a simulated NAT treats a node's traffic (RFC 4787's mapping and filtering behaviours). The node's
/// external address is its own `fd00::` address; what varies is the port peers see and what the NAT lets in.
public enum NATKind: String, Sendable, CaseIterable {
    /// Endpoint-independent mapping and filtering: while the node sends anything, anyone reaches it.
    case fullCone
    /// Endpoint-independent mapping; lets in what comes from an address the node sent to.
    case addressRestricted
    /// Endpoint-independent mapping; lets in what comes from an endpoint (address and port) the node sent to.
    case portRestricted
    /// A different external port for every destination; lets in only answers from that destination.
    case symmetric
}

/// How long a datagram takes from one node to another.
public enum LinkLatency: Sendable, Equatable {
    /// Uniform over a range of microseconds.
    case uniform(microseconds: ClosedRange<UInt64>)
    /// Each node sits at a random point of the unit square; a datagram takes `base` plus `scale` times
    /// the distance between the two nodes, plus a uniform jitter in 0...`jitter`.
    case coordinates(base: NodeDuration, scale: NodeDuration, jitter: NodeDuration)
}

/// A count per message type code (the header's MessageType byte, [MS-PNRP] 2.2.1).
public struct CountsByMessageType: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: 256)

    /// All counts at zero.
    public init() {}

    /// The count for a message type code.
    public subscript(code: UInt8) -> Int {
        get { counts[Int(code)] }
        set { counts[Int(code)] = newValue }
    }

    /// The count for a message type.
    public subscript(type: MessageType) -> Int {
        get { self[type.rawValue] }
        set { self[type.rawValue] = newValue }
    }

    /// The sum over every type.
    public var total: Int { counts.reduce(0, +) }
}

/// Per-message-type traffic counters.
public struct TrafficCounters: Sendable {
    /// All counters at zero.
    public init() {}

    /// Datagrams sent, by message type.
    public var datagrams = CountsByMessageType()
    /// Bytes sent, by message type.
    public var bytes = CountsByMessageType()
    /// Datagrams dropped by the loss model.
    public var lost = 0
    /// Datagrams addressed to nobody, or to a node that is down.
    public var undeliverable = 0
    /// Datagrams a NAT refused (no mapping for their source).
    public var blockedByNAT = 0
    /// Datagrams a node endpoint's guard dropped (`InMemoryCloudConfiguration.sourceGuard`): received over
    /// their source's rate, or answers beyond what an unvalidated destination may get while others are held.
    public var guardDropped = 0

    /// Datagrams sent in total.
    public var totalDatagrams: Int { datagrams.total }
    /// Bytes sent in total.
    public var totalBytes: Int { bytes.total }
}

/// A whole PNRP cloud in one process, in virtual time: every node is an unmodified `PNRPNode`, every
/// datagram is really encoded, delayed, possibly lost, and decoded by its receiver.
///
/// Deterministic: one seed and one sequence of calls give one trace (see `traceHash`).
public struct InMemoryCloud {
    /// The nodes, in order of creation.
    public private(set) var nodes: [PNRPNode] = []
    /// Current virtual time.
    public private(set) var now: NodeInstant = .virtualEpoch
    /// Traffic so far.
    public private(set) var traffic = TrafficCounters()
    /// A 64-bit digest (word-wise FNV-1a with folding) of every delivered datagram with its time, source and destination.
    public private(set) var traceHash: UInt64 = 0xCBF2_9CE4_8422_2325
    /// The most events kept in `events`; older ones are dropped first.
    public static let maximumKeptEvents = 100_000
    /// Events reported by nodes, oldest first, as (node index, event, virtual time), except the answers that `resolve`
    /// waits for. Cleared by `takeEvents()`; at most `maximumKeptEvents` are kept.
    public private(set) var events: Deque<(node: Int, event: NodeEvent, time: NodeInstant)> = []

    private let configuration: InMemoryCloudConfiguration
    private var random: RandomSource
    private var queue = EventQueue()
    private var scheduledPoll: [NodeInstant?] = []
    private var alive: [Bool] = []
    /// The NAT in front of each node, if any.
    private var natKinds: [NATKind?] = []
    /// For nodes behind address-restricted NATs: when each remote address was last sent to.
    private var natAddresses: [Int: [IPv6Address: NodeInstant]] = [:]
    /// For nodes behind full-cone NATs: when the node last sent anything.
    private var natLastSent: [Int: NodeInstant] = [:]
    /// Nodes whose traffic goes through `tamperer`.
    private var tampered: [Bool] = []
    private var tamperer: (any DatagramTamperer)?
    private var futureTampered = Set<Int>()
    /// For nodes behind NAT: when each remote endpoint was last sent to.
    private var natMappings: [Int: [IPv6Endpoint: NodeInstant]] = [:]
    /// Positions in the unit square, for `LinkLatency.coordinates`.
    private var positions: [(Double, Double)] = []
    /// How long a NAT keeps a mapping open after the last outgoing datagram.
    public static let natMappingLifetime = NodeDuration.seconds(30)
    /// With `configuration.sourceGuard`: the guard of each node endpoint that received or sent something.
    private var guards: [GuardKey: SourceGuard] = [:]
    private var watched: Set<OutcomeKey> = []
    private var outcomes: [OutcomeKey: Result<ResolveResult, ResolveFailure>] = [:]

    /// An empty cloud.
    public init(configuration: InMemoryCloudConfiguration) {
        var configuration = configuration
        // Validated once here, every node made from it shares its settings (`NodeConfiguration.validated()`).
        configuration.node = configuration.node.validated()
        self.configuration = configuration
        self.random = RandomSource(seed: configuration.seed)
    }

    /// Makes room for `count` nodes in all, so that adding them allocates and copies no larger arrays on the
    /// way: a node is about a kilobyte inline, and a million-node cloud grown one node at a time would copy
    /// its node array, at the last doubling, from half a gigabyte into a new one of twice that.
    public mutating func reserveCapacity(nodes count: Int) {
        nodes.reserveCapacity(count)
        scheduledPoll.reserveCapacity(count)
        alive.reserveCapacity(count)
        natKinds.reserveCapacity(count)
        tampered.reserveCapacity(count)
        positions.reserveCapacity(count)
    }

    /// The PNRP endpoint of node `index`: `fd00::<index+1>`, port 3540.
    public static func endpoint(ofNode index: Int) -> IPv6Endpoint {
        IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: UInt64(index) + 1), port: 3540)
    }

    /// The node at `endpoint`, if any: the inverse of `endpoint(ofNode:)`.
    public func nodeIndex(at endpoint: IPv6Endpoint) -> Int? {
        let a = endpoint.address
        guard a.high == 0xFD00_0000_0000_0000, endpoint.port == 3540, a.low >= 1, a.low <= UInt64(nodes.count) else { return nil }
        return Int(a.low - 1)
    }

    /// Creates a node; when `bootstrap` names other nodes, it starts a synchronisation conversation with
    /// them ([MS-PNRP] 3.1.4.3). Returns the node's index.
    @discardableResult
    public mutating func addNode(bootstrap: [Int] = []) -> Int {
        let index = nodes.count
        var cfg = configuration.node
        cfg.localEndpoint = Self.endpoint(ofNode: index)
        cfg.seed = random.next()
        if cfg.natTraversal {
            let address = cfg.localEndpoint.address
            cfg.relayEndpoints = (0..<configuration.relaySlots).map { IPv6Endpoint(address: address, port: 40000 + UInt16($0)) }
            cfg.dialBackEndpoint = IPv6Endpoint(address: address, port: 3539)
        }
        var node = PNRPNode(configuration: cfg, now: now)
        for b in bootstrap { node.synchronize(with: Self.endpoint(ofNode: b), now: now) }
        nodes.append(node)
        scheduledPoll.append(nil)
        alive.append(true)
        natKinds.append(nil)
        tampered.append(futureTampered.contains(index))
        positions.append((Double(random.next() >> 11) * 0x1p-53, Double(random.next() >> 11) * 0x1p-53))
        flush(index)
        return index
    }

    /// Stops delivering to and from node `index` (a crash: no revocation is sent).
    public mutating func crash(_ index: Int) { alive[index] = false }

    /// Brings a crashed node back with the state it had (its cache, registrations and timers); overdue
    /// timers run at once.
    public mutating func revive(_ index: Int) {
        guard !alive[index] else { return }
        alive[index] = true
        scheduledPoll[index] = nil
        flush(index)
    }

    /// Puts node `index` behind a NAT of `kind` (port-restricted unless said): from now on it receives only
    /// what that NAT lets in, and its mappings last `natMappingLifetime` after the last datagram out.
    public mutating func placeBehindNAT(_ index: Int, kind: NATKind = .portRestricted) { natKinds[index] = kind }

    /// The NAT in front of node `index`, if any.
    public func natKind(of index: Int) -> NATKind? { natKinds[index] }

    /// Hands the traffic of nodes `misbehaving` to `tamperer` (see `DatagramTamperer`).
    /// Nodes not created yet join misbehaving when their index is among `misbehaving`.
    public mutating func setTamperer(_ tamperer: any DatagramTamperer, misbehaving: some Sequence<Int>) {
        self.tamperer = tamperer
        futureTampered = Set(misbehaving)
        for i in tampered.indices { tampered[i] = futureTampered.contains(i) }
    }

    /// True when node `index` is behind a NAT.
    public func isBehindNAT(_ index: Int) -> Bool { natKinds[index] != nil }

    /// Delivers `datagram` to node `target` as if node `spoofed` had sent it from its PNRP endpoint: what an
    /// attacker who forges source addresses does (a reflection aimed at `spoofed`). It arrives after the usual
    /// latency (sent `after` from now), past `target`'s NAT and guard like any other datagram, and is not counted
    /// as sent by anyone.
    public mutating func inject(_ datagram: [UInt8], spoofing spoofed: Int, to target: Int, after: NodeDuration = .zero) {
        queue.deliver(
            datagram, from: spoofed, fromPort: Self.endpoint(ofNode: spoofed).port, to: target, toPort: Self.endpoint(ofNode: target).port,
            at: now + after + delay(from: spoofed, to: target))
    }

    /// True unless the node crashed.
    public func isAlive(_ index: Int) -> Bool { alive[index] }

    /// Runs `body` on node `index` at the current time, then sends what it produced.
    @discardableResult
    public mutating func withNode<R>(_ index: Int, _ body: (inout PNRPNode, NodeInstant) throws -> R) rethrows -> R {
        let r = try body(&nodes[index], now)
        flush(index)
        return r
    }

    /// Delivers events in time order until `deadline` or until nothing is scheduled before it.
    public mutating func run(until deadline: NodeInstant) {
        while let event = queue.popFirst(notAfter: deadline) { dispatch(event) }
        now = Swift.max(now, deadline)
    }

    /// Runs for `duration` of virtual time.
    public mutating func run(for duration: NodeDuration) { run(until: now + duration) }

    /// Runs until `predicate` holds after some event, or `limit` virtual time passes. Returns whether it held.
    public mutating func run(atMost limit: NodeDuration, until predicate: (InMemoryCloud) -> Bool) -> Bool {
        let deadline = now + limit
        if predicate(self) { return true }
        while let event = queue.popFirst(notAfter: deadline) {
            dispatch(event)
            if predicate(self) { return true }
        }
        now = Swift.max(now, deadline)
        return predicate(self)
    }

    /// Removes and returns the events reported so far.
    public mutating func takeEvents() -> [(node: Int, event: NodeEvent, time: NodeInstant)] {
        defer { events.removeAll() }
        return Array(events)
    }

    /// Resolves `name` from node `index` and runs the cloud until the answer arrives (at most `limit`).
    public mutating func resolve(from index: Int, name: PeerName, criteria: ResolveCriteria = .anyPeerName, limit: NodeDuration = .seconds(120)) -> Result<ResolveResult, ResolveFailure> {
        resolveConcurrently([(index, name)], criteria: criteria, limit: limit)[0]
    }

    /// Starts every resolution at once, then runs the cloud until all have answered (at most `limit`).
    /// Results come back in request order; one without an answer by then is `.timedOut`.
    public mutating func resolveConcurrently(_ requests: [(from: Int, name: PeerName)], criteria: ResolveCriteria = .anyPeerName, limit: NodeDuration = .seconds(120)) -> [Result<ResolveResult, ResolveFailure>] {
        var keys: [OutcomeKey] = []
        for (index, name) in requests {
            let before = events.count
            let id = withNode(index) { node, now in node.resolve(name: name, criteria: criteria, now: now) }
            let key = OutcomeKey(node: index, id: id)
            keys.append(key)
            watched.insert(key)
            // A resolution can end at once (a local match, no neighbours): its answer is already logged.
            for i in Swift.max(0, Swift.min(before, events.count))..<events.count where events[i].node == index {
                if case .resolved(id, let r) = events[i].event {
                    outcomes[key] = .success(r)
                    events.remove(at: i)
                    break
                }
                if case .resolveFailed(id, let f) = events[i].event {
                    outcomes[key] = .failure(f)
                    events.remove(at: i)
                    break
                }
            }
        }
        var missing = Set(keys.filter { outcomes[$0] == nil })
        _ = run(atMost: limit) { cloud in
            missing = missing.filter { cloud.outcomes[$0] == nil }
            return missing.isEmpty
        }
        defer {
            for key in keys {
                watched.remove(key)
                outcomes.removeValue(forKey: key)
            }
        }
        return keys.map { outcomes[$0] ?? .failure(.timedOut) }
    }

    /// A node endpoint: the node's own port or one of its relay endpoints'.
    private struct GuardKey: Hashable {
        var node: Int
        var port: UInt16
    }

    /// A resolution being waited for by `resolve(from:name:criteria:limit:)`.
    private struct OutcomeKey: Hashable {
        var node: Int
        var id: ResolveID
    }

    // MARK: - Scheduling

    private mutating func dispatch(_ event: EventQueue.Event) {
        switch event {
        case .delivery(let d, let datagram):
            now = Swift.max(now, d.time)
            let from = IPv6Endpoint(address: Self.endpoint(ofNode: Int(d.from)).address, port: d.fromPort), to = Int(d.to)
            guard alive[to] else { traffic.undeliverable += 1; return }
            let main = Self.endpoint(ofNode: to)
            if let kind = natKinds[to] {
                guard natLetsIn(to, kind: kind, from: from, toPort: d.toPort) else {
                    traffic.blockedByNAT += 1
                    return
                }
            }
            mixTrace(datagram, from: from, to: to)
            if tampered[to] { tamperer?.observe(datagram, to: to, from: from, now: now) }
            let port = d.toPort == main.port || natKinds[to] != nil ? main.port : d.toPort
            if configuration.sourceGuard != nil {
                let t = now
                let reception = withGuard(node: to, port: port) { $0.receive(datagram, from: from, now: t) }
                if reception.rateLimited { traffic.guardDropped += 1 }
                for back in reception.toSource { transmit(back, from: to, sourcePort: port, to: from) }
                guard reception.deliver else { return }
            }
            if port == main.port {
                nodes[to].handle(datagram: datagram, from: from, now: now)
            } else {
                nodes[to].handle(datagram: datagram, from: from, to: IPv6Endpoint(address: main.address, port: d.toPort), now: now)
            }
            flush(to)
        case .wakeup(let w):
            now = Swift.max(now, w.time)
            let index = Int(w.node)
            guard scheduledPoll[index] == w.time else { return }  // superseded
            scheduledPoll[index] = nil
            guard alive[index] else { return }
            // A wake-up before the node's deadline does nothing (a request it was waiting on got its answer).
            if let due = nodes[index].nextDeadlineInPlace(), due <= now { nodes[index].poll(now: now) }
            flush(index)
        }
    }

    /// Sends what node `index` produced and schedules its next timer.
    private mutating func flush(_ index: Int) {
        for effect in nodes[index].takeEffects() {
            switch effect {
            case .send(let sent, let to, let kind):
                send(sent, kind: kind, from: index, sourcePort: Self.endpoint(ofNode: index).port, to: to)
            case .sendFrom(let sent, let source, let to, let kind):
                send(sent, kind: kind, from: index, sourcePort: source.port, to: to)
            case .event(let e):
                switch e {
                case .resolved(let id, let r) where watched.contains(OutcomeKey(node: index, id: id)):
                    outcomes[OutcomeKey(node: index, id: id)] = .success(r)
                case .resolveFailed(let id, let f) where watched.contains(OutcomeKey(node: index, id: id)):
                    outcomes[OutcomeKey(node: index, id: id)] = .failure(f)
                default:
                    events.append((index, e, now))
                    if events.count > Self.maximumKeptEvents { events.removeFirst() }
                }
            }
        }
        if let deadline = nodes[index].nextDeadlineInPlace() {
            let at = Swift.max(deadline, now)
            if scheduledPoll[index].map({ at < $0 }) ?? true {
                scheduledPoll[index] = at
                queue.wake(index, at: at)
            }
        }
    }

    /// Sends what node `index` produced from its port `sourcePort`, past that endpoint's guard when there is
    /// one: an answer too large for an unvalidated destination is held, and the guard's probe goes instead.
    private mutating func send(_ sent: [UInt8], kind: OutgoingKind, from index: Int, sourcePort: UInt16, to: IPv6Endpoint) {
        guard configuration.sourceGuard != nil else {
            transmit(sent, from: index, sourcePort: sourcePort, to: to)
            return
        }
        let t = now
        switch withGuard(node: index, port: sourcePort, { $0.outgoing(sent, kind: kind, to: to, now: t) }) {
        case .send: transmit(sent, from: index, sourcePort: sourcePort, to: to)
        case .held(let probe?): transmit(probe, from: index, sourcePort: sourcePort, to: to)
        case .held(nil): break
        case .dropped: traffic.guardDropped += 1
        }
    }

    /// Runs `body` on the guard of node `index`'s endpoint at `port`, made on first use with a generator drawn
    /// from the cloud's (so a run stays the same for a seed).
    private mutating func withGuard<T>(node index: Int, port: UInt16, _ body: (inout SourceGuard) -> T) -> T {
        let key = GuardKey(node: index, port: port)
        if guards[key] == nil, let limits = configuration.sourceGuard {
            guards[key] = SourceGuard(limits: limits, random: NodeRandom(seed: random.next()))
        }
        return body(&guards[key]!)
    }

    /// Sends one datagram of node `index` from its port `sourcePort` through its NAT, if any.
    private mutating func transmit(_ sent: [UInt8], from index: Int, sourcePort: UInt16, to: IPv6Endpoint) {
        var datagram = sent
        if tampered[index], let tamperer {
            guard let replacement = tamperer.tamper(sent, from: index, to: to, now: now) else { return }
            datagram = replacement
        }
        if datagram.count > 7 {
            traffic.datagrams[datagram[7]] += 1
            traffic.bytes[datagram[7]] += datagram.count
        }
        var externalPort = sourcePort
        if let kind = natKinds[index] {
            natMappings[index, default: [:]][to] = now
            switch kind {
            case .fullCone: natLastSent[index] = now
            case .addressRestricted: natAddresses[index, default: [:]][to.address] = now
            case .portRestricted: break
            case .symmetric: externalPort = Self.symmetricPort(of: index, towards: to, from: sourcePort)
            }
        }
        // Nobody listens on other ports than a node's own, its relay endpoints, and a symmetric NAT's mappings.
        guard let target = nodeIndex(address: to.address),
            to.port == Self.endpoint(ofNode: target).port || natKinds[target] != nil
                || nodes[target].configuration.relayEndpoints.contains(where: { $0.port == to.port })
        else {
            traffic.undeliverable += 1
            return
        }
        if configuration.lossRate > 0, Double(random.next() >> 11) * 0x1p-53 < configuration.lossRate {
            traffic.lost += 1
            return
        }
        queue.deliver(datagram, from: index, fromPort: externalPort, to: target, toPort: to.port, at: now + delay(from: index, to: target))
    }

    /// The node with `address`, if any.
    private func nodeIndex(address a: IPv6Address) -> Int? {
        guard a.high == 0xFD00_0000_0000_0000, a.low >= 1, a.low <= UInt64(nodes.count) else { return nil }
        return Int(a.low - 1)
    }

    /// Whether node `index`'s NAT lets in a datagram from `from` to external port `toPort`.
    private func natLetsIn(_ index: Int, kind: NATKind, from: IPv6Endpoint, toPort: UInt16) -> Bool {
        let lifetime = Self.natMappingLifetime
        func fresh(_ t: NodeInstant?) -> Bool { t.map { now - $0 <= lifetime } ?? false }
        let main = Self.endpoint(ofNode: index).port
        switch kind {
        case .fullCone: return toPort == main && fresh(natLastSent[index])
        case .addressRestricted: return toPort == main && fresh(natAddresses[index]?[from.address])
        case .portRestricted: return toPort == main && fresh(natMappings[index]?[from])
        case .symmetric: return toPort == Self.symmetricPort(of: index, towards: from, from: main) && fresh(natMappings[index]?[from])
        }
    }

    /// The external port a symmetric NAT gives node `index`'s port `source` towards `remote`: 20000-59999,
    /// a fixed function of the three (a real NAT picks at random; a function keeps runs reproducible).
    static func symmetricPort(of index: Int, towards remote: IPv6Endpoint, from source: UInt16) -> UInt16 {
        var x = UInt64(index) &* 0x9E37_79B9_7F4A_7C15 ^ remote.address.low ^ UInt64(remote.port) << 48 ^ UInt64(source) << 32
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return UInt16(20000 + x % 40000)
    }

    /// One datagram's latency under the configured model.
    private mutating func delay(from a: Int, to b: Int) -> NodeDuration {
        switch configuration.latency {
        case .uniform(let range):
            let span = range.upperBound &- range.lowerBound
            let us = range.lowerBound &+ (span == .max ? random.next() : random.next() % (span + 1))
            return NodeDuration(nanoseconds: us &* 1000)
        case .coordinates(let base, let scale, let jitter):
            let dx = positions[a].0 - positions[b].0, dy = positions[a].1 - positions[b].1
            let distance = (dx * dx + dy * dy).squareRoot()
            let jitterNs = jitter.nanoseconds == 0 ? 0 : random.next() % (jitter.nanoseconds &+ 1)
            return NodeDuration(nanoseconds: base.nanoseconds &+ UInt64(Double(scale.nanoseconds) * distance) &+ jitterNs)
        }
    }

    /// FNV-1a with a folding step, eight bytes at a time, over the delivery time, the sender's address, the receiver and the
    /// datagram (its length, its whole 8-byte words, then its last bytes).
    private mutating func mixTrace(_ datagram: [UInt8], from: IPv6Endpoint, to: Int) {
        var h = traceHash
        @inline(__always) func mix(_ word: UInt64) {
            h = (h ^ word) &* 0x0000_0100_0000_01B3
            h ^= h >> 32  // carry the high bytes of each word down, which the multiply alone never does
        }
        mix(now.nanoseconds)
        mix(from.address.low)
        mix(UInt64(to))
        mix(UInt64(datagram.count))
        datagram.withUnsafeBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i += 8
            }
            while i < raw.count {
                mix(UInt64(raw[i]))
                i += 1
            }
        }
        traceHash = h
    }
}
