import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Resolution under churn: a node back from a pause announces itself again (`docs/deviations.md`, item N28),
// resolution hops wait for the round trips measured (N29), and a walk skips the silent nodes it met (N30).

@Suite struct RoundTripEstimateTests {
    @Test("before any sample the timeout is the maximum; samples give SRTT + 4·RTTVAR within the bounds")
    func estimator() {
        var e = RoundTripEstimate()
        let minimum = NodeDuration.milliseconds(250), maximum = NodeDuration.seconds(1)
        #expect(e.retransmissionTimeout(minimum: minimum, maximum: maximum) == maximum)
        // First sample R: SRTT = R, RTTVAR = R/2, so the timeout is 3R.
        e.add(.milliseconds(100))
        #expect(e.smoothed == .milliseconds(100))
        #expect(e.retransmissionTimeout(minimum: minimum, maximum: maximum) == .milliseconds(300))
        // Steady 40 ms round trips: the timeout falls to the minimum.
        for _ in 0..<100 { e.add(.milliseconds(40)) }
        #expect(e.retransmissionTimeout(minimum: minimum, maximum: maximum) == minimum)
        #expect(e.smoothed.map { $0 < .milliseconds(45) } == true)
        // A slow path: the timeout grows, never beyond the maximum.
        for _ in 0..<100 { e.add(.seconds(3)) }
        #expect(e.retransmissionTimeout(minimum: minimum, maximum: maximum) == maximum)
    }
}

@Suite(.onComputeThread) struct ChurnResilienceTests {
    static func settledCloud(nodes: Int, seed: UInt64) -> ScenarioRunner {
        var runner = ScenarioRunner(scenario: CloudScenario(nodeCount: nodes, settleTime: .minutes(3), cloud: InMemoryCloudConfiguration(seed: seed)))
        runner.join()
        runner.settle()
        return runner
    }

    @Test("a node paused for ten minutes, which every other node found silent meanwhile, is resolvable again within 10 s of its return")
    func pausedNodeAnnouncesItselfAgain() throws {
        var runner = Self.settledCloud(nodes: 40, seed: 2801)
        let paused = runner.names[7]
        #expect(runner.cloud.resolve(from: 20, name: paused.name).map(\.id) == .success(paused.id))
        runner.cloud.crash(paused.node)
        // While it is away, resolutions of its name from every other node find it silent: each drops it.
        let others = (0..<runner.cloud.nodes.count).filter { $0 != paused.node }
        _ = runner.cloud.resolveConcurrently(others.map { ($0, paused.name) })
        runner.cloud.run(for: .minutes(10))
        let holders = others.filter { runner.cloud.nodes[$0].cache.contains(paused.id) }
        #expect(holders.isEmpty, "still cached by \(holders)")
        runner.cloud.revive(paused.node)
        runner.cloud.run(for: .seconds(10))
        #expect(runner.cloud.nodes[paused.node].statistics.resumes == 1)
        let outcomes = runner.cloud.resolveConcurrently([(3, paused.name), (25, paused.name), (33, paused.name)], limit: .seconds(30))
        for outcome in outcomes { #expect((try? outcome.get())?.id == paused.id, "\(outcome)") }
        // A node whose timers run on time never takes itself for paused.
        #expect(others.allSatisfy { runner.cloud.nodes[$0].statistics.resumes == 0 })
    }

    @Test("a node back from a pause, whose cache names many nodes that left meanwhile, is held again by every live member of its leaf set within a second")
    func pausedNodeIsTakenBackByItsLeafSet() throws {
        var runner = Self.settledCloud(nodes: 60, seed: 4001)
        let paused = runner.names[9]
        let set = try #require(runner.cloud.nodes[paused.node].cache.leafSet(of: paused.id))
        let memberIDs = set.upper + set.lower
        let members = memberIDs.compactMap { id in runner.names.first { $0.id == id } }
        try #require(members.count == 2 * LeafSet.sideCapacity)
        runner.cloud.crash(paused.node)
        // Every other node outside its leaf set leaves meanwhile: the cache it comes back with is half dead.
        let keep = Set(members.map(\.node) + [paused.node])
        let others = (0..<runner.cloud.nodes.count).filter { !keep.contains($0) }
        for (i, node) in others.enumerated() where i % 2 == 0 { runner.cloud.crash(node) }
        // Its leaf-set members resolve its name while it is away, find it silent and drop it.
        _ = runner.cloud.resolveConcurrently(members.map { ($0.node, paused.name) })
        runner.cloud.run(for: .minutes(5))
        func holders() -> [Int] { members.filter { runner.cloud.nodes[$0.node].cache.leafSet(of: $0.id)?.contains(paused.id) == true }.map(\.node) }
        try #require(holders().isEmpty, "still held by \(holders())")
        runner.cloud.revive(paused.node)
        runner.cloud.run(for: .seconds(1))
        #expect(runner.cloud.nodes[paused.node].statistics.resumes == 1)
        #expect(holders().count == members.count, "held again by \(holders().count) of \(members.count) members after 1 s")
    }

    @Test("a resolution hop to a node that left is given up after two round-trip timeouts (250 ms each here), not two seconds, and the walk still succeeds")
    func silentHopCostsRoundTripTimeouts() throws {
        var runner = Self.settledCloud(nodes: 60, seed: 2901)
        // Cache entries of nodes that left: crash a third of the cloud without telling anyone.
        let crashed = Set(stride(from: 1, to: 60, by: 3))
        for i in crashed { runner.cloud.crash(i) }
        let targets = runner.names.filter { !crashed.contains($0.node) }
        var before = runner.cloud.now
        var slowest = NodeDuration.zero
        var succeeded = 0
        for (k, target) in targets.prefix(20).enumerated() {
            var from = (target.node + 1 + k) % 60
            while crashed.contains(from) || from == target.node { from = (from + 1) % 60 }
            before = runner.cloud.now
            if case .success(let r) = runner.cloud.resolve(from: from, name: target.name), r.id == target.id { succeeded += 1 }
            slowest = Swift.max(slowest, runner.cloud.now - before)
        }
        #expect(succeeded == 20)
        let timeouts = (0..<60).filter { !crashed.contains($0) }.map { runner.cloud.nodes[$0].statistics.timeoutsByType[MessageType.lookup.rawValue, default: 0] }.reduce(0, +)
        print("20 resolutions with a third of the cloud gone: \(timeouts) LOOKUPs unanswered, slowest \(slowest)")
        #expect(timeouts > 0, "no resolution met a node that left: the test proves nothing")
        // Every resolver measured round trips of 2-40 ms: its hop timeout is the 250 ms minimum.
        for i in 0..<60 where !crashed.contains(i) {
            let rto = runner.cloud.nodes[i].roundTrip.retransmissionTimeout(minimum: .milliseconds(250), maximum: .seconds(1))
            #expect(rto == .milliseconds(250))
        }
    }
}

@Suite struct SilentHopFlaggedPathTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static func endpoint(_ n: UInt64) -> IPv6Endpoint { IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: n), port: 3540) }
    static let resolverEP = endpoint(1), helperEP = endpoint(2)
    static let target = try! PeerName("0.sought")  // valid by construction
    static let helperEntry = RouteEntry(
        id: PNRPID(p2pID: try! PeerName("0.helper").p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 2)), port: 3540,
        address: helperEP.address)

    /// A resolver whose cache holds the helper only, resolving `target`: its first LOOKUP, to the helper,
    /// is answered with `offered`.
    static func resolverAskingHelper(seed: UInt64, offered: RouteEntry) throws -> (node: ScriptedNode, first: (message: PNRPMessage, to: IPv6Endpoint)) {
        var r = ScriptedNode(endpoint: resolverEP, seed: seed, now: t0)
        try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: helperEntry, alreadyFlooded: [])), from: helperEP)
        try r.answer(try r.inquire(about: helperEntry.id, to: helperEP), with: AuthorityBuffer(flags: [], routeEntry: helperEntry))
        _ = r.node.resolve(name: target, now: r.now)
        try r.collect()
        let first = try r.lookup(validating: helperEntry.id, to: helperEP)
        try r.answer(first, with: AuthorityBuffer(flags: [], routeEntry: offered))
        return (r, first)
    }

    @Test("a node asked again after the hop it offered stayed silent gets that hop's endpoint in the Flagged Path, so it offers another")
    func silentHopIsFlagged() throws {
        let (resolverEP, helperEP, goneEP) = (Self.resolverEP, Self.helperEP, Self.endpoint(3))
        let targetID = PNRPID(p2pID: Self.target.p2pID, serviceLocation: .forResolution(prefix: resolverEP.address.high))
        // A node much closer to the target than the helper, that has left the cloud.
        let goneEntry = RouteEntry(id: targetID.adding(PNRPID(0, 1, 0, 0)), port: 3540, address: goneEP.address)
        var (r, first) = try Self.resolverAskingHelper(seed: 30, offered: goneEntry)
        _ = try r.lookup(validating: goneEntry.id, to: goneEP)
        // The gone node answers nothing: its LOOKUP fails, and the helper is asked again.
        try r.wait(seconds: 3)
        let second = try r.lookup(validating: Self.helperEntry.id, to: helperEP)
        #expect(second.message.messageID != first.message.messageID)
        guard case .lookup(let lookup) = second.message.body else { throw ScriptedNode.Missing(description: "not a LOOKUP") }
        #expect(lookup.flaggedPath.contains(goneEP), "flagged path \(lookup.flaggedPath)")
        #expect(lookup.flaggedPath.contains(resolverEP) && lookup.flaggedPath.contains(helperEP))
    }

    @Test("a hop that matches the target and misses its LOOKUP twice is not flagged: offered again, it is asked again, and the resolution succeeds")
    func matchingHopIsNotFlagged() throws {
        let (helperEP, publisherEP, target) = (Self.helperEP, Self.endpoint(3), Self.target)
        let publisherKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x3C, count: 32))
        let publisherID = PNRPID(p2pID: target.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 9))
        let publisherEntry = RouteEntry(id: publisherID, port: 3540, address: publisherEP.address)
        var (r, first) = try Self.resolverAskingHelper(seed: 31, offered: publisherEntry)
        let lost = try r.lookup(validating: publisherID, to: publisherEP)
        // The first transmission of the LOOKUP to the publisher is lost: the helper is asked again at once, with the
        // publisher, still being asked, on the Flagged Path (`docs/deviations.md`, N31).
        try r.wait(seconds: 1)
        let again = try r.lookup(validating: Self.helperEntry.id, to: helperEP)
        #expect(again.message.messageID != first.message.messageID)
        guard case .lookup(let hedge) = again.message.body else { return }
        #expect(hedge.flaggedPath.contains(publisherEP), "\(hedge.flaggedPath)")
        // The second is lost too: the publisher's LOOKUP fails, and the publisher is not flagged.
        try r.wait(seconds: 1)
        let walk = try #require(r.node.resolutions.values.first)
        #expect(walk.state(of: publisherEP) == .silent)
        #expect(!walk.flaggedPath.contains(publisherEP), "the publisher was flagged after two lost datagrams: \(walk.flaggedPath)")
        try r.answer(again, with: AuthorityBuffer(flags: [], routeEntry: publisherEntry))
        let retried = try r.lookup(validating: publisherID, to: publisherEP)
        #expect(retried.message.messageID != lost.message.messageID)
        try r.answer(retried, with: AuthorityBuffer(flags: [], routeEntry: nil))
        try Self.publisherAnswersFinalInquiry(&r, entry: publisherEntry, key: publisherKey)
        #expect(r.events.contains { if case .resolved(_, let result) = $0 { result.id == publisherID } else { false } }, "\(r.events)")
    }

    /// The publisher at `entry` answers the resolver's final INQUIRE (the last one with a nonce about its ID) with
    /// a CPA for `target` signed for that nonce.
    static func publisherAnswersFinalInquiry(_ r: inout ScriptedNode, entry: RouteEntry, key: Ed25519PrivateKey) throws {
        let endpoint = try #require(entry.primaryEndpoint)
        let final = r.sent.last { request in
            if case .inquire(let q) = request.message.body { q.validateID == entry.id && q.nonce != nil && request.to == endpoint } else { false }
        }
        let inquire = try #require(final, "no final INQUIRE reached the publisher")
        guard case .inquire(let q) = inquire.message.body, let nonce = q.nonce else { return }
        let cpa = try CPA.signed(
            name: target, serviceLocation: entry.id.serviceLocation, serviceAddresses: [endpoint], payload: nil, friendlyName: nil,
            notAfter: (t0 + .hours(24)).fileTime, nonce: nonce, key: key)
        try r.answer(inquire, with: AuthorityBuffer(flags: [], routeEntry: entry, validateCPA: cpa))
    }

    /// Answers every LOOKUP the resolver sent to the helper and has not had answered, with nothing closer; at most
    /// `rounds` times, a second apart.
    static func helperKnowsNothingMore(_ r: inout ScriptedNode, rounds: Int) throws {
        var answered = Set<UInt32>()
        for _ in 0..<rounds {
            for request in r.sent where request.to == helperEP && !answered.contains(request.message.messageID) {
                if case .lookup = request.message.body {
                    answered.insert(request.message.messageID)
                    try r.answer(request, with: AuthorityBuffer(flags: [], routeEntry: nil))
                }
            }
            try r.wait(seconds: 1)
        }
    }

    @Test("an application's walk that found nothing after meeting a silent node walks again 3 s later, from its own cache, and finds the name then; one that met none fails at once")
    func walkAgainAfterSilence() throws {
        let (helperEP, goneEP, target) = (Self.helperEP, Self.endpoint(3), Self.target)
        let targetID = PNRPID(p2pID: target.p2pID, serviceLocation: .forResolution(prefix: Self.resolverEP.address.high))
        let goneEntry = RouteEntry(id: targetID.adding(PNRPID(0, 1, 0, 0)), port: 3540, address: goneEP.address)
        var (r, _) = try Self.resolverAskingHelper(seed: 32, offered: goneEntry)
        _ = try r.lookup(validating: goneEntry.id, to: goneEP)
        // The gone node never answers; the helper knows nobody closer. The first walk ends with nothing found...
        try Self.helperKnowsNothingMore(&r, rounds: 3)
        #expect(!r.events.contains { if case .resolveFailed = $0 { true } else { false } }, "the resolution failed after its first walk: \(r.events)")
        let waiting = try #require(r.node.resolutions.values.first)
        let due = try #require(waiting.secondWalkAt, "no second walk is due")
        #expect(waiting.isSecondWalk && waiting.flaggedSilent.isEmpty && waiting.unreachable.isEmpty)
        let lookupsBefore = r.sent.filter { if case .lookup = $0.message.body { true } else { false } }.count
        // ... and the second starts 3 s after the first ended, from the resolver's own cache: the helper again.
        while r.now < due { try r.wait(seconds: 1) }
        let lookups = r.sent.filter { if case .lookup = $0.message.body { true } else { false } }
        #expect(lookups.count == lookupsBefore + 1)
        let again = try #require(lookups.last)
        #expect(again.to == helperEP)
        // The helper has meanwhile learned the publisher: the second walk reaches it.
        let publisherEP = Self.endpoint(4)
        let publisherKey = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x4D, count: 32))
        let publisherID = PNRPID(p2pID: target.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 4))
        let publisherEntry = RouteEntry(id: publisherID, port: 3540, address: publisherEP.address)
        try r.answer(again, with: AuthorityBuffer(flags: [], routeEntry: publisherEntry))
        let asked = try r.lookup(validating: publisherID, to: publisherEP)
        try r.answer(asked, with: AuthorityBuffer(flags: [], routeEntry: nil))
        try Self.publisherAnswersFinalInquiry(&r, entry: publisherEntry, key: publisherKey)
        #expect(r.events.contains { if case .resolved(_, let result) = $0 { result.id == publisherID } else { false } }, "\(r.events)")

        // A walk that met no silent node: the helper alone, knowing nothing closer. It fails without a second walk.
        var calm = ScriptedNode(endpoint: Self.resolverEP, seed: 33, now: Self.t0)
        try calm.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: Self.helperEntry, alreadyFlooded: [])), from: helperEP)
        try calm.answer(try calm.inquire(about: Self.helperEntry.id, to: helperEP), with: AuthorityBuffer(flags: [], routeEntry: Self.helperEntry))
        _ = calm.node.resolve(name: target, now: calm.now)
        try calm.collect()
        try Self.helperKnowsNothingMore(&calm, rounds: 2)
        #expect(calm.events.contains { if case .resolveFailed(_, .notFound) = $0 { true } else { false } }, "\(calm.events)")
    }
}

/// A registration's nearest leaf-set neighbours are checked for liveness (`docs/deviations.md`, item N36).
@Suite(.onComputeThread) struct NeighbourProbeTests {
    @Test("once a nearest neighbour has left, the next one to leave without a word is found silent within a minute, the registration is announced again, and the next live node on that side and the publisher hold each other")
    func silentNeighbourIsReplaced() throws {
        var runner = ChurnResilienceTests.settledCloud(nodes: 30, seed: 3601)
        let publisher = runner.names[4]
        func nearestUpper() -> PNRPID? { runner.cloud.nodes[publisher.node].cache.leafSet(of: publisher.id)?.upper.first }
        func registrationLookupBytes() -> Int { runner.cloud.nodes[publisher.node].statistics.lookupBytesByReason[ResolveReason.registration.rawValue, default: 0] }
        // Quiet minutes: the registrations' leaf sets stable, announcements and checks far apart.
        runner.cloud.run(for: .minutes(10))
        // A first neighbour leaves; in a quiet cloud it may take up to the longest interval to notice.
        let first = try #require(runner.names.first { $0.id == nearestUpper() })
        runner.cloud.crash(first.node)
        for _ in 0..<32 where nearestUpper() == first.id { runner.cloud.run(for: .minutes(1)) }
        try #require(nearestUpper() != first.id, "the first neighbour that left is still the nearest after 32 minutes")
        runner.cloud.run(for: .seconds(30))
        // Now the neighbourhood has lost a node: the next to leave is noticed at once.
        let second = try #require(runner.names.first { $0.id == nearestUpper() })
        let crashed = [first.node, second.node]
        let above = try #require(
            runner.names.filter { !crashed.contains($0.node) && $0.node != publisher.node }.min {
                $0.id.subtracting(publisher.id) < $1.id.subtracting(publisher.id)
            })
        let announced = registrationLookupBytes()
        runner.cloud.crash(second.node)
        runner.cloud.run(for: .seconds(60))
        #expect(nearestUpper() == above.id, "the nearest upper member is \(String(describing: nearestUpper())), not the next live node \(above.id)")
        #expect(runner.cloud.nodes[above.node].cache.leafSet(of: above.id)?.contains(publisher.id) == true)
        #expect(registrationLookupBytes() > announced, "no announcement after the neighbour left")
    }
}
