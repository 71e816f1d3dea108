import DequeModule
import Foundation
import HeapModule
import PNRP
import PNRPInMemory
import PeerCrypto

/// Runs a `Scenario` on an `InMemoryCloud`: the cloud forms through the protocol, then, for the scenario's
/// duration, resolutions arrive as a Poisson process, nodes churn, attackers act, and every report interval
/// a row of metrics is taken. The same scenario and seed give the same result, byte for byte.
public struct SimulationRun {
    /// The scenario being run.
    public let scenario: Scenario
    /// The cloud (exposed for inspection after the run).
    public private(set) var cloud: InMemoryCloud
    private var random: RandomSource
    private var names: [RegisteredName] = []
    /// The link-local clouds, when the scenario groups nodes on links: one in-memory cloud in which each
    /// node joins through a member of its own group, so each group forms a cloud of its own (its link).
    /// Node indices are those of the global cloud.
    public private(set) var linkLocal: InMemoryCloud?
    /// Names registered in the link-local clouds.
    private var linkNames: [RegisteredName] = []
    /// Per group, the members that registered in their link-local cloud (seeds for later members).
    private var linkRegistered: [[Int]] = []
    private var linkOutstanding: [OutstandingKey: Pending] = [:]
    /// The attackers' hands on the wire, in `steer` and `stale` runs.
    private var steeringAttackers: SteeringAttackers?
    /// The reflection and its victim, in `reflect` runs.
    private var reflection: ReflectionAttack?
    /// The liars of `evict` runs.
    private var evictionLiars: EvictionLiars?
    /// The claimants of `displace` runs.
    private var displacement: IDDisplacement?
    /// The flood of `signature-flood` runs.
    private var signatureFlood: SignatureFlood?
    /// The predictors of `predict` runs.
    private var noncePrediction: NoncePrediction?
    /// The attack forging datagrams of its own, and when it forges the next one.
    private var forging: (attack: any ForgingAttack, next: NodeInstant)?
    /// Positions in `names` of the names found lost (see `SimulationResult.registrationsLost`).
    private var lostNames = Set<Int>()
    /// Positions in `names` of the names whose last resolution reported them lost, and that no resolution
    /// found since (see `SimulationResult.registrationsStillLost`).
    private var stillLostNames = Set<Int>()
    /// Positions in `names` of the secured names.
    private var securedNames: [Int] = []
    private var attacker: [Bool] = []
    private var outstanding: [OutstandingKey: Pending] = [:]
    /// When each node last went offline (churn), to tell the resolutions whose publisher left while they ran.
    private var wentDown: [Int: NodeInstant] = [:]
    private var result: SimulationResult
    /// The CPA signature checker shared by every node of the run. It remembers two CPAs per node (a
    /// registration's CPA is checked by every node that takes it into a leaf set, some of them long after
    /// it was signed); with fewer, a million-node run checked ten million CPAs a second time.
    public let signatureCache: SharedCPASignatureCache

    private struct RegisteredName {
        var name: PeerName
        var id: PNRPID
        var node: Int
    }

    private struct OutstandingKey: Hashable {
        var node: Int
        var id: ResolveID
    }

    private struct Pending {
        var started: NodeInstant
        var target: Int
    }

    private enum Event: Comparable {
        case report
        case resolution
        case down(Int)
        case up(Int)
        case forgery

        private var rank: (Int, Int) {
            switch self {
            case .report: (0, 0)
            case .down(let i): (1, i)
            case .up(let i): (2, i)
            case .resolution: (3, 0)
            case .forgery: (4, 0)
            }
        }

        static func < (a: Event, b: Event) -> Bool { a.rank < b.rank }
    }

    private struct Scheduled: Comparable {
        var time: NodeInstant
        var sequence: UInt64
        var event: Event
        static func < (a: Scheduled, b: Scheduled) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
    }

    /// Prepares a run of `scenario`.
    public init(scenario: Scenario) {
        self.scenario = scenario
        signatureCache = SharedCPASignatureCache(capacity: Swift.max(1 << 16, 2 * scenario.nodes))
        var node = NodeConfiguration()
        node.maintenanceDepth = Swift.max(2, Int(log10(Double(Swift.max(scenario.nodes, 10))).rounded(.up)) + 1)
        node.cpaSignatures = signatureCache
        node.leafSetValidationNonce = scenario.protocolChoices.leafSetValidationNonce
        node.natTraversal = scenario.network.runsNATTraversal
        let latency: LinkLatency
        switch scenario.network.latency {
        case .constant(let d):
            let us = d.nanoseconds / 1000
            latency = .uniform(microseconds: us...us)
        case .uniform(let lo, let hi):
            latency = .uniform(microseconds: (lo.nanoseconds / 1000)...(Swift.max(lo, hi).nanoseconds / 1000))
        case .coordinates(let base, let scale, let jitter):
            latency = .coordinates(base: base, scale: scale, jitter: jitter)
        }
        var cloudConfiguration = InMemoryCloudConfiguration(seed: scenario.seed, lossRate: scenario.network.loss, latency: latency, node: node)
        cloudConfiguration.relaySlots = scenario.network.relaySlots
        cloudConfiguration.sourceGuard = scenario.network.sourceGuard ? SourceGuard.Limits() : nil
        self.cloud = InMemoryCloud(configuration: cloudConfiguration)
        cloud.reserveCapacity(nodes: scenario.nodes)
        let groupSize = scenario.network.linkLocalGroupSize
        if groupSize >= 2 {
            self.linkLocal = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: scenario.seed ^ 0x11C4_110C, lossRate: scenario.network.loss, latency: latency, node: node))
            linkLocal!.reserveCapacity(nodes: scenario.nodes)
            linkRegistered = Array(repeating: [], count: (scenario.nodes + groupSize - 1) / groupSize)
        }
        self.random = RandomSource(seed: scenario.seed ^ 0x51A1_0F_5CE7A410)
        self.result = SimulationResult(scenario: scenario)
    }

    /// Runs the whole scenario. `progress` receives the phase and the fraction done (0...1) of it.
    public mutating func run(progress: (String, Double) -> Void = { _, _ in }) -> SimulationResult {
        formCloud(progress: progress)
        measure(progress: progress)
        result.traceHash = cloud.traceHash
        result.traffic = cloud.traffic
        return result
    }

    // MARK: Forming the cloud

    /// Runs every cloud (global and link-local) until `time`.
    private mutating func advance(until time: NodeInstant) {
        while let (attack, next) = forging, next <= time {
            cloud.run(until: next)
            linkLocal?.run(until: next)
            for d in attack.forge(in: cloud, random: &random, now: cloud.now) {
                cloud.inject(d.bytes, spoofing: d.source, to: d.target, after: d.delay)
                result.forgedDatagrams += 1
                result.forgedBytes += d.bytes.count
            }
            startForging(attack)
        }
        cloud.run(until: time)
        linkLocal?.run(until: time)
    }

    /// Schedules `attack`'s next forgery from now (its first, when it starts).
    private mutating func startForging(_ attack: any ForgingAttack) {
        forging = (attack, cloud.now + random.poissonGap(ratePerSecond: attack.ratePerSecond))
    }

    /// How long after joining (the synchronisation with its seed) a node registers its name.
    static let registrationDelay = NodeDuration.milliseconds(150)

    /// A node that joined and registers its name once its synchronisation had time to finish.
    private struct PendingRegistration {
        var time: NodeInstant
        var node: Int
        var key: Ed25519PrivateKey
        var name: PeerName
    }

    private mutating func formCloud(progress: (String, Double) -> Void) {
        let n = scenario.nodes
        let behaviour = scenario.attackers.behaviour
        // Attackers are spread over the join order, never node 0 (the cloud's first node) nor, when joins go
        // through well-known seeds, a seed.
        let firstEligible = behaviour == .solicitFlood ? SolicitFlood.seedCount : 1
        let attackers = Swift.max(0, Swift.min(Int((Double(n) * scenario.attackers.fraction).rounded()), n - firstEligible))
        var isAttacker = [Bool](repeating: false, count: n)
        var chosen = 0
        while chosen < attackers && n > firstEligible {
            let i = firstEligible + Int(random.next() % UInt64(n - firstEligible))
            if !isAttacker[i] { isAttacker[i] = true; chosen += 1 }
        }
        attacker = isAttacker
        names.reserveCapacity(n)
        if [.steer, .stale, .eclipse].contains(scenario.attackers.behaviour) {
            let colluders = (0..<n).filter { isAttacker[$0] }
            let steering = SteeringAttackers(colluders: colluders, replayCPAs: scenario.attackers.behaviour == .stale, seed: random.next())
            cloud.setTamperer(steering, misbehaving: colluders)
            steeringAttackers = steering
        }
        let attackerNodes = (0..<n).filter { isAttacker[$0] }
        switch behaviour {
        case .evict:
            let liars = EvictionLiars()
            cloud.setTamperer(liars, misbehaving: attackerNodes)
            evictionLiars = liars
        case .displace:
            let claimants = IDDisplacement(attackers: attackerNodes, seed: random.next())
            cloud.setTamperer(claimants, misbehaving: attackerNodes)
            displacement = claimants
        case .predict:
            let predictors = NoncePrediction(attackers: attackerNodes)
            cloud.setTamperer(predictors, misbehaving: attackerNodes)
            noncePrediction = predictors
        case .solicitFlood where !attackerNodes.isEmpty:
            startForging(SolicitFlood(attackers: attackerNodes.count))
        default:
            break
        }
        // Node i joins at start + i × interval and registers `registrationDelay` later; joins overlap
        // when the interval is shorter than that. Seeds are nodes that registered already, so the others
        // wait for the first node's registration.
        let start = cloud.now
        var registering = Deque<PendingRegistration>()
        var eclipseColluders = 0
        var registered = 0
        for i in 0..<n {
            let joinAt = i == 0 ? start : start + Self.registrationDelay + scenario.join.interval * UInt64(i)
            while let r = registering.first, r.time <= joinAt {
                registering.removeFirst()
                advance(until: r.time)
                register(r)
                registered += 1
            }
            advance(until: joinAt)
            // Seeds are reachable nodes: a node behind NAT cannot answer a stranger's SOLICIT.
            let pool = behaviour == .solicitFlood ? Swift.min(registered, SolicitFlood.seedCount) : registered
            var seed = pool == 0 ? nil : Int(random.next() % UInt64(pool))
            var tries = 0
            while let s = seed, cloud.isBehindNAT(s), tries < 32 {
                seed = Int(random.next() % UInt64(pool))
                tries += 1
            }
            // Random draws can miss the few reachable nodes of a young cloud: then the first one (node 0 is never
            // behind a NAT). A joiner whose only seed sits behind a NAT never joins.
            if let s = seed, cloud.isBehindNAT(s) { seed = (0..<pool).first { !cloud.isBehindNAT($0) } }
            let index = cloud.addNode(bootstrap: seed.map { [$0] } ?? [])
            if linkLocal != nil {
                // On its link, a node finds a member that already registered there (SSDP, in a real network),
                // or else the group's first member, which it keeps asking until that one has registered.
                let group = index / scenario.network.linkLocalGroupSize
                let members = linkRegistered[group], firstMember = group * scenario.network.linkLocalGroupSize
                let linkSeed = members.isEmpty ? (index == firstMember ? nil : firstMember) : members[Int(random.next() % UInt64(members.count))]
                linkLocal!.addNode(bootstrap: linkSeed.map { [$0] } ?? [])
            }
            // The first node stays reachable: a cloud whose first node is behind a NAT never forms.
            if random.unitInterval() < scenario.network.natFraction, index > 0 {
                cloud.placeBehindNAT(index, kind: scenario.network.natKinds.pick(random.unitInterval()))
            }
            let key = try! Ed25519PrivateKey(seed: random.bytes(32))  // 32 bytes by construction
            // The victim of a displacement holds an unsecured name: a secured one binds its key.
            let secured = random.unitInterval() < scenario.workload.securedFraction && !(behaviour == .displace && index == 0)
            let authority: Authority = secured ? .of(publicKey: key.publicKey.bytes) : .unsecured
            var name = try! PeerName(authority: authority, classifier: "node-\(index)")  // valid by construction
            if scenario.attackers.behaviour == .eclipse, isAttacker[index], eclipseColluders < EclipseAttack.maximumColluders,
                let victim = names.first
            {
                name = EclipseAttack.nameNear(victim.name.p2pID, attacker: index, cloudSize: n)
                eclipseColluders += 1
            }
            registering.append(PendingRegistration(time: joinAt + Self.registrationDelay, node: index, key: key, name: name))
            if (i + 1) % Swift.max(1, n / 100) == 0 { progress("joining", Double(i + 1) / Double(n)) }
        }
        while let r = registering.popFirst() {
            advance(until: r.time)
            register(r)
        }
        advance(until: cloud.now + scenario.join.interval)
        if scenario.attackers.behaviour == .drop {
            for i in 0..<n where isAttacker[i] {
                cloud.crash(i)
                linkLocal?.crash(i)
            }
        }
        progress("settling", 0)
        // In steps, so that progress is reported during a long settling phase too.
        let settleStart = cloud.now, settleEnd = cloud.now + scenario.join.settle
        let step = Swift.max(NodeDuration.seconds(1), NodeDuration(nanoseconds: scenario.join.settle.nanoseconds / 100))
        while cloud.now < settleEnd {
            advance(until: Swift.min(cloud.now + step, settleEnd))
            progress("settling", Double((cloud.now - settleStart).nanoseconds) / Double(Swift.max(1, scenario.join.settle.nanoseconds)))
        }
        _ = cloud.takeEvents()
        _ = linkLocal?.takeEvents()
        progress("settling", 1)
        result.unlinkedNeighboursAfterJoin = unlinkedNeighbours()
        if behaviour == .solicitFlood {
            result.aloneAfterJoin = (0..<cloud.nodes.count).filter { !attacker[$0] && cloud.isAlive($0) && cloud.nodes[$0].cache.count == 0 }.count
        }
    }

    /// Neighbouring registered IDs of honest, online publishers, in ID order around the circle, that do not
    /// hold each other in their leaf sets (`SimulationResult.unlinkedNeighboursAfterJoin`).
    private mutating func unlinkedNeighbours() -> Int? {
        let ring = names.filter { cloud.isAlive($0.node) }.sorted { $0.id < $1.id }
        guard ring.count >= 2 else { return nil }
        var unlinked = 0
        for k in ring.indices {
            let a = ring[k], b = ring[(k + 1) % ring.count]
            let aHoldsB = cloud.nodes[a.node].cache.leafSet(of: a.id)?.contains(b.id) ?? false
            let bHoldsA = cloud.nodes[b.node].cache.leafSet(of: b.id)?.contains(a.id) ?? false
            if !(aHoldsB && bHoldsA) { unlinked += 1 }
        }
        return unlinked
    }

    /// Registers a joined node's name; a forging attacker also publishes a forged copy of an honest
    /// secured name registered earlier.
    private mutating func register(_ r: PendingRegistration) {
        let index = r.node
        if let id = try? cloud.withNode(index, { node, now in try node.register(name: r.name, key: r.key, now: now) }) {
            if !attacker[index] {
                names.append(RegisteredName(name: r.name, id: id, node: index))
                if r.name.isSecured { securedNames.append(names.count - 1) }
                if names.count == 1 {
                    evictionLiars?.victimID = id
                    displacement?.victim = (r.name, id)
                }
            }
        }
        if linkLocal != nil, let id = try? linkLocal!.withNode(index, { node, now in try node.register(name: r.name, key: r.key, now: now) }) {
            let group = index / scenario.network.linkLocalGroupSize
            linkRegistered[group].append(index)
            if !attacker[index] { linkNames.append(RegisteredName(name: r.name, id: id, node: index)) }
        }
        if attacker[index] && scenario.attackers.behaviour == .forge && !securedNames.isEmpty {
            let victim = names[securedNames[Int(random.next() % UInt64(securedNames.count))]]
            _ = try? cloud.withNode(index) { node, now in try node.registerWithoutAuthorityCheck(name: victim.name, key: r.key, now: now) }
        }
    }

    // MARK: The measured phase

    private mutating func measure(progress: (String, Double) -> Void) {
        let start = cloud.now
        let end = start + scenario.duration
        var queue = Heap<Scheduled>()
        var sequence: UInt64 = 0
        func schedule(_ e: Event, at t: NodeInstant) {
            sequence += 1
            queue.insert(Scheduled(time: t, sequence: sequence, event: e))
        }
        schedule(.report, at: start + scenario.report.interval)
        // With a fixed count, arrival times are sorted uniform draws over the duration, made one at a time
        // in increasing order (each next point is the minimum of the remaining uniforms above the last).
        var remaining = scenario.workload.resolutions ?? 0
        var position = 0.0
        func nextFixedArrival() -> NodeInstant {
            position += (1 - position) * (1 - Foundation.pow(random.unitInterval(), 1 / Double(remaining)))
            return start + NodeDuration(nanoseconds: UInt64((Double(scenario.duration.nanoseconds) * Swift.min(1, position)).rounded(.down)))
        }
        if remaining > 0 {
            schedule(.resolution, at: nextFixedArrival())
        } else if scenario.workload.resolutions == nil && scenario.workload.resolutionsPerSecond > 0 {
            schedule(.resolution, at: start + random.poissonGap(ratePerSecond: scenario.workload.resolutionsPerSecond))
        }
        if let session = scenario.churn.session, scenario.churn.downtime != nil {
            for i in 0..<scenario.nodes where !attacker[i] { schedule(.down(i), at: start + session.sample(using: &random)) }
        }
        let forgeryRate = Double(attacker.filter { $0 }.count) * ReflectionAttack.forgedPerSecondPerAttacker
        if scenario.attackers.behaviour == .reflect, forgeryRate > 0 {
            let victim = cloud.addNode()  // joins nobody: no node ever sent to it
            let attack = ReflectionAttack(victim: victim)
            cloud.setTamperer(attack, misbehaving: [victim])
            reflection = attack
            schedule(.forgery, at: start + random.poissonGap(ratePerSecond: forgeryRate))
        }
        if let displacement, !names.isEmpty {
            displacement.neighbours = nearestHonestPublishers(to: names[0], count: 8)
            startForging(displacement)
        }
        if let noncePrediction {
            noncePrediction.publishers = names.map { ($0.node, $0.id) }
            startForging(noncePrediction)
        }
        let attackerCount = attacker.filter { $0 }.count
        var signaturesAtStart = (made: 0, checks: 0)
        if scenario.attackers.behaviour == .signatureFlood {
            signaturesAtStart = honestSignatureOperations()
            if attackerCount > 0 {
                let flood = SignatureFlood(attackers: attackerCount, seed: random.next())
                flood.publishers = names.prefix(SignatureFlood.targetCount).map { ($0.node, $0.id) }
                signatureFlood = flood
                startForging(flood)
            }
        }
        var interval = IntervalCounters(traffic: cloud.traffic, since: start)
        // Progress also between report rows, at least every hundredth of the phase.
        let progressStep = Swift.max(NodeDuration.milliseconds(1), NodeDuration(nanoseconds: scenario.duration.nanoseconds / 100))
        var nextProgress = start + progressStep
        while let next = queue.min, next.time <= end {
            _ = queue.removeMin()
            while nextProgress < next.time {
                advance(until: nextProgress)
                progress("running", Double((nextProgress - start).nanoseconds) / Double(scenario.duration.nanoseconds))
                nextProgress = nextProgress + progressStep
            }
            advance(until: next.time)
            collectOutcomes(into: &interval)
            switch next.event {
            case .report:
                takeReport(&interval, elapsed: cloud.now - start)
                schedule(.report, at: cloud.now + scenario.report.interval)
            case .resolution:
                // With link-local clouds, one resolution in four stays on the resolver's link.
                if linkLocal != nil, random.next() % 4 == 0 { startLinkLocalResolution() } else { startResolution(&interval) }
                if scenario.workload.resolutions != nil {
                    remaining -= 1
                    if remaining > 0 { schedule(.resolution, at: nextFixedArrival()) }
                } else {
                    schedule(.resolution, at: cloud.now + random.poissonGap(ratePerSecond: scenario.workload.resolutionsPerSecond))
                }
            case .down(let i):
                wentDown[i] = cloud.now
                cloud.crash(i)
                linkLocal?.crash(i)
                if let downtime = scenario.churn.downtime { schedule(.up(i), at: cloud.now + downtime.sample(using: &random)) }
            case .up(let i):
                cloud.revive(i)
                linkLocal?.revive(i)
                if let session = scenario.churn.session { schedule(.down(i), at: cloud.now + session.sample(using: &random)) }
            case .forgery:
                forgeInquiry()
                schedule(.forgery, at: cloud.now + random.poissonGap(ratePerSecond: forgeryRate))
            }
        }
        advance(until: end)
        forging = nil  // attacks end with the measured phase
        collectOutcomes(into: &interval)
        // A last interval cut short by the end: a row of its own, its rates over its own length.
        if end > interval.since { takeReport(&interval, elapsed: end - start) }
        // Resolutions still running get the node's own time limit to finish; none are started meanwhile.
        // They count in the summary, not in the time series: a row of stragglers alone would show a dip
        // in success (the slowest resolutions are the ones that fail) that the cloud never had.
        let grace = end + NodeConfiguration().resolveTimeout + .seconds(1)
        advance(until: grace)
        collectOutcomes(into: &interval)
        result.unanswered = outstanding.count
        result.publisherLeft += outstanding.values.filter { publisherLeft(during: $0) }.count
        result.steeredLookups = steeringAttackers?.steered ?? 0
        result.reflection = reflection?.figures
        result.replayedCPAs = steeringAttackers?.replayed ?? 0
        result.registrationsLost = lostNames.count
        result.registrationsStillLost = stillLostNames.filter { cloud.isAlive(names[$0].node) }.count
        result.unlinkedNeighboursAtEnd = unlinkedNeighbours()
        result.attackerClaims = (evictionLiars?.lies ?? 0) + (displacement?.claimsSent ?? 0)
        if let noncePrediction { (result.predictionAttempts, result.predictionsConfirmed) = (noncePrediction.attempts, noncePrediction.predicted) }
        if evictionLiars != nil || displacement != nil || scenario.attackers.behaviour == .eclipse, let victim = names.first {
            let publisher = InMemoryCloud.endpoint(ofNode: victim.node)
            var atPublisher = 0, atAttacker = 0
            for i in 0..<cloud.nodes.count where !attacker[i] && cloud.isAlive(i) && i != victim.node {
                guard let entry = cloud.nodes[i].cache.entry(victim.id) else { continue }
                if entry.endpoints.contains(publisher) { atPublisher += 1 }
                if entry.endpoints.contains(where: { cloud.nodeIndex(at: $0).map { attacker[$0] } ?? false }) { atAttacker += 1 }
            }
            (result.victimCachedAtPublisher, result.victimCachedAtAttacker) = (atPublisher, atAttacker)
        }
        if scenario.attackers.behaviour == .signatureFlood {
            let atEnd = honestSignatureOperations()
            (result.signaturesMade, result.signatureChecks) = (atEnd.made - signaturesAtStart.made, atEnd.checks - signaturesAtStart.checks)
        }
        progress("running", 1)
    }

    /// Signatures made and signature checks started so far by the honest nodes.
    private func honestSignatureOperations() -> (made: Int, checks: Int) {
        var made = 0, checks = 0
        for i in 0..<cloud.nodes.count where !attacker[i] {
            made += cloud.nodes[i].statistics.signaturesMade
            checks += cloud.nodes[i].statistics.signatureChecks
        }
        return (made, checks)
    }

    /// The nodes of the `count` honest registrations whose IDs lie nearest `victim`'s (by distance on the
    /// ring, whichever side).
    private func nearestHonestPublishers(to victim: RegisteredName, count: Int) -> [Int] {
        let ring = names.filter { $0.node != victim.node }.map { (distance: $0.id.distance(to: victim.id), node: $0.node) }
        return ring.sorted { ($0.distance, $0.node) < ($1.distance, $1.node) }.prefix(count).map(\.node)
    }

    /// One forged INQUIRE of a `reflect` run: for a random online publisher's ID, "from" the victim.
    private mutating func forgeInquiry() {
        guard let reflection, !names.isEmpty else { return }
        let target = names[Int(random.next() % UInt64(names.count))]
        guard cloud.isAlive(target.node) else { return }
        let datagram = reflection.forge(for: target.id, messageID: UInt32(truncatingIfNeeded: random.next()), nonce: random.bytes(16))
        cloud.inject(datagram, spoofing: reflection.victim, to: target.node)
    }

    private mutating func startResolution(_ interval: inout IntervalCounters) {
        guard !names.isEmpty else { return }
        // Names whose publisher is online: a name whose only publisher is down cannot resolve, and
        // measuring that would only measure the churn model.
        var target = Int(random.next() % UInt64(names.count))
        // In eclipse, evict, displace and signature-flood runs every other resolution is for the victim's name (the first registered).
        if scenario.attackers.behaviour.targetsFirstName, random.next() & 1 == 0 { target = 0 }
        var targetTries = 0
        while !cloud.isAlive(names[target].node) && targetTries < 32 {
            target = Int(random.next() % UInt64(names.count))
            targetTries += 1
        }
        guard cloud.isAlive(names[target].node) else { return }
        var from = Int(random.next() % UInt64(scenario.nodes))
        var tries = 0
        while (!cloud.isAlive(from) || attacker[from] || from == names[target].node) && tries < 32 {
            from = Int(random.next() % UInt64(scenario.nodes))
            tries += 1
        }
        guard cloud.isAlive(from), !attacker[from] else { return }
        let name = names[target].name
        let id = cloud.withNode(from) { node, now in node.resolve(name: name, now: now) }
        outstanding[OutstandingKey(node: from, id: id)] = Pending(started: cloud.now, target: target)
        if target == 0 { result.victimStarted += 1 }
        interval.started += 1
        result.started += 1
        if name.isSecured { result.securedStarted += 1 }
        collectOutcomes(into: &interval)
    }

    /// A resolution on one link: from a live member of a group for a name registered by another live
    /// member, in the link-local cloud.
    private mutating func startLinkLocalResolution() {
        guard let link = linkLocal, !linkNames.isEmpty else { return }
        let target = Int(random.next() % UInt64(linkNames.count))
        let publisher = linkNames[target].node
        let group = publisher / scenario.network.linkLocalGroupSize
        let size = scenario.network.linkLocalGroupSize
        let first = group * size, count = Swift.min(size, scenario.nodes - first)
        var from = first + Int(random.next() % UInt64(count))
        var tries = 0
        while (from == publisher || !link.isAlive(from) || attacker[from]) && tries < 32 {
            from = first + Int(random.next() % UInt64(count))
            tries += 1
        }
        guard from != publisher, link.isAlive(from), link.isAlive(publisher), !attacker[from] else { return }
        let name = linkNames[target].name
        // Through `linkLocal!` itself: a mutation through the local copy would copy the whole cloud.
        let id = linkLocal!.withNode(from) { node, now in node.resolve(name: name, now: now) }
        linkOutstanding[OutstandingKey(node: from, id: id)] = Pending(started: link.now, target: target)
        result.linkLocalStarted += 1
        collectLinkLocalOutcomes()
    }

    private mutating func collectLinkLocalOutcomes() {
        guard linkLocal != nil else { return }
        for (node, event, _) in linkLocal!.takeEvents() {
            switch event {
            case .resolved(let id, let r):
                guard let p = linkOutstanding.removeValue(forKey: OutstandingKey(node: node, id: id)) else { continue }
                switch verdict(on: r, for: linkNames[p.target]) {
                case .genuine:
                    result.linkLocalSucceeded += 1
                    result.linkLocalHops.record(r.hops)
                case .forged, .misdirected, .otherRegistration:
                    result.linkLocalFailures["answered by another registration", default: 0] += 1
                }
            case .resolveFailed(let id, let failure):
                guard linkOutstanding.removeValue(forKey: OutstandingKey(node: node, id: id)) != nil else { continue }
                result.linkLocalFailures[failure.description, default: 0] += 1
            default:
                continue
            }
        }
    }

    /// How an accepted answer relates to the registration it was asked for, in order of precedence.
    private enum AnswerVerdict {
        /// A secured name answered with a CPA its key does not own.
        case forged
        /// The right ID, but a CPA that does not name the publisher's endpoint or that attackers replayed.
        case misdirected
        /// Another registration of the name.
        case otherRegistration
        /// The publisher's own answer.
        case genuine
    }

    private func verdict(on r: ResolveResult, for target: RegisteredName) -> AnswerVerdict {
        if target.name.isSecured, Authority.of(publicKey: r.cpa.publicKey) != target.name.authority { return .forged }
        guard r.id == target.id else { return .otherRegistration }
        // A publisher behind a NAT names its relay endpoint (`PNRPNode.advertisedEndpoint`) instead of its own.
        if !r.cpa.serviceAddresses.contains(InMemoryCloud.endpoint(ofNode: target.node))
            && !r.cpa.serviceAddresses.contains(cloud.nodes[target.node].advertisedEndpoint)
            || steeringAttackers?.replayedSignatures.contains(r.cpa.signature) == true
        {
            return .misdirected
        }
        return .genuine
    }

    /// True when the publisher of the name resolved went offline after the resolution started.
    private func publisherLeft(during p: Pending) -> Bool { wentDown[names[p.target].node].map { $0 >= p.started } ?? false }

    private mutating func collectOutcomes(into interval: inout IntervalCounters) {
        collectLinkLocalOutcomes()
        for (node, event, time) in cloud.takeEvents() {
            switch event {
            case .resolved(let id, let r):
                guard let p = outstanding.removeValue(forKey: OutstandingKey(node: node, id: id)) else { continue }
                interval.finished += 1
                let left = publisherLeft(during: p)
                if left { result.publisherLeft += 1 }
                let target = names[p.target]
                switch verdict(on: r, for: target) {
                case .forged:
                    result.forgedAccepted += 1
                    interval.failed += 1
                case .misdirected:
                    result.misdirectedAccepted += 1
                    interval.failed += 1
                case .otherRegistration:
                    result.otherRegistration += 1
                    interval.failed += 1
                case .genuine:
                    if p.target == 0 { result.victimSucceeded += 1 }
                    stillLostNames.remove(p.target)
                    if left { result.succeededAfterPublisherLeft += 1 }
                    result.succeeded += 1
                    if target.name.isSecured { result.securedSucceeded += 1 }
                    interval.succeeded += 1
                    result.hops.record(r.hops)
                    result.latency.record(time - p.started)
                }
            case .resolveFailed(let id, let failure):
                guard let p = outstanding.removeValue(forKey: OutstandingKey(node: node, id: id)) else { continue }
                interval.finished += 1
                interval.failed += 1
                result.failures[failure.description, default: 0] += 1
                let left = publisherLeft(during: p)
                if left { result.publisherLeft += 1 }
                // The cloud no longer routes to a name whose publisher is online: that registration is lost.
                if failure == .notFound, !left, cloud.isAlive(names[p.target].node) {
                    stillLostNames.insert(p.target)
                    if lostNames.insert(p.target).inserted { interval.registrationsLost += 1 }
                }
            default:
                continue
            }
        }
    }

    /// Appends the row of the interval that ends now, `elapsed` into the measured phase. Rates per second
    /// are over the interval's own length (shorter than `report.interval` for the last one).
    private mutating func takeReport(_ interval: inout IntervalCounters, elapsed: NodeDuration) {
        let seconds = Double((cloud.now - interval.since).nanoseconds) / 1e9
        let aliveNodes = (0..<scenario.nodes).filter { cloud.isAlive($0) }
        let aliveCount = Double(Swift.max(1, aliveNodes.count))
        var row: [String: Double] = [:]
        row["time_s"] = Double(elapsed.nanoseconds) / 1e9
        row["alive_nodes"] = Double(aliveNodes.count)
        row["resolutions_started"] = Double(interval.started)
        row["resolutions_finished"] = Double(interval.finished)
        row["success_rate"] = interval.finished == 0 ? .nan : Double(interval.succeeded) / Double(interval.finished)
        let t = cloud.traffic
        var totalBytes = 0
        for type in MessageType.allCases {
            let sent = t.datagrams[type] - interval.traffic.datagrams[type]
            row["msgs_per_node_s_\(type)"] = Double(sent) / aliveCount / seconds
            totalBytes += t.bytes[type] - interval.traffic.bytes[type]
        }
        row["bytes_per_node_s"] = Double(totalBytes) / aliveCount / seconds
        // Cache and size estimates from a deterministic sample of at most 1,000 live nodes.
        let step = Swift.max(1, aliveNodes.count / 1000)
        var cacheSum = 0.0, estimateSum = 0.0, sampled = 0.0, estimated = 0.0, close = 0.0, inRange = 0.0
        let truth = Double(aliveNodes.count)
        for i in stride(from: 0, to: aliveNodes.count, by: step) {
            let node = cloud.nodes[aliveNodes[i]]
            cacheSum += Double(node.cache.count)
            sampled += 1
            if let e = node.estimatedCloudSize {
                estimateSum += e
                estimated += 1
                if e >= truth / 1.5 && e <= truth * 1.5 { close += 1 }
                if node.likelyCloudSize?.contains(truth) == true { inRange += 1 }
            }
        }
        row["mean_cache_entries"] = sampled == 0 ? .nan : cacheSum / sampled
        row["estimated_cloud_size"] = estimated == 0 ? .nan : estimateSum / estimated
        row["estimates_within_1_5x"] = estimated == 0 ? .nan : close / estimated
        row["estimates_in_likely_range"] = estimated == 0 ? .nan : inRange / estimated
        row["true_cloud_size"] = Double(aliveNodes.count)
        row["registrations_lost"] = Double(interval.registrationsLost)
        result.rows.append(row)
        interval = IntervalCounters(traffic: t, since: cloud.now)
    }
}

/// Counters of one report interval.
private struct IntervalCounters {
    var traffic: TrafficCounters
    /// When the interval started.
    var since: NodeInstant
    var started = 0
    var finished = 0
    var succeeded = 0
    var failed = 0
    var registrationsLost = 0
}
