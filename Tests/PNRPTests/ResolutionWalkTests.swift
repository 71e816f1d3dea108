import struct NetworkLab.ComputeThreadTrait
import Testing

@testable import PNRP

/// The resolution as an iterator on its own ([MS-PNRP] 3.1.4.4.2, 3.1.5.6.1), message by message: what it
/// asks to send, what it makes of answers and silences, and the state of each peer, against a real route
/// entry cache and a host that records what the node would do.
@Suite(.onComputeThread) struct ResolutionWalkTests {
    /// The node side of a walk: a real cache; evictions, learned entries and liveness checks recorded.
    struct RecordingHost: ResolutionHost {
        var cache: RouteEntryCache
        var advertisedEndpoint: IPv6Endpoint
        var evicted: [(id: PNRPID, at: IPv6Endpoint, reason: PNRPNode.EvictionReason)] = []
        var learned: [RouteEntry] = []
        var checked: [IPv6Endpoint] = []

        mutating func evict(_ id: PNRPID, at endpoint: IPv6Endpoint, reason: PNRPNode.EvictionReason) {
            evicted.append((id, endpoint, reason))
            if cache.entry(id)?.primaryEndpoint == endpoint { cache.remove(id) }
        }
        mutating func learn(_ entry: RouteEntry, from source: IPv6Endpoint, now: NodeInstant) { learned.append(entry) }
        mutating func checkLiveness(of endpoint: IPv6Endpoint, id: PNRPID, now: NodeInstant) { checked.append(endpoint) }
    }

    static let own = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 1), port: 3540)
    static let local = PNRPID(0x1000_0000_0000_0000, 0, 0, 1)
    static let target = PNRPID(0x8000_0000_0000_0000, 0, 0, 0)
    static let now = NodeInstant(nanoseconds: 1_000_000_000)

    static func entry(_ high: UInt64, _ host: UInt8) -> RouteEntry {
        RouteEntry(id: PNRPID(high, 0, 0, 0), port: 3540, address: IPv6Address(ipv4: 10, 0, 0, host))
    }
    /// The endpoints of `far`, `closer` and `publisher`.
    static let farEP = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 2), port: 3540)
    static let closerEP = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 3), port: 3540)
    static let publisherEP = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 4), port: 3540)
    /// Far from the target, the only entry cached at first.
    static let far = entry(0x4000_0000_0000_0000, 2)
    /// Closer, offered by `far`.
    static let closer = entry(0x7000_0000_0000_0000, 3)
    /// The target's own node.
    static let publisher = RouteEntry(id: target, port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 4))

    static func host() -> RecordingHost {
        var cache = RouteEntryCache(center: local)
        cache.addLocal(local)
        _ = cache.add(far)
        return RecordingHost(cache: cache, advertisedEndpoint: own)
    }

    /// A resolution for `target` with `far` as its first next hop, as `PNRPNode.startResolve` builds it.
    static func resolution(reason: ResolveReason = .applicationRequest) -> Resolution {
        var r = Resolution(id: ResolveID(rawValue: 1), target: target, criteria: .exact, precision: 0, reason: reason, localEndpoint: own)
        r.nextHopStack.append(.init(entry: far, useCount: 0))
        return r
    }

    /// A resolution with two hops queued: `far` on top, `closer` below it (the second LOOKUP of a hedged walk).
    static func resolutionWithTwoHops() -> Resolution {
        var r = resolution()
        r.nextHopStack.insert(.init(entry: closer, useCount: 0), at: 0)
        return r
    }

    /// Sends what `next` asks for with `messageID`; returns the step.
    static func step(_ r: inout Resolution, _ host: RecordingHost, messageID: UInt32) -> ResolutionStep {
        var host = host
        let step = r.next(host: &host)
        switch step {
        case .lookup(_, let to): r.lookupSent(messageID: messageID, to: to)
        case .inquire(let target, let to): r.inquireSent(messageID: messageID, to: to, nonce: Array(repeating: UInt8(messageID), count: 16), target: target)
        case .wait, .finished: break
        }
        return step
    }

    @Test("a walk to the publisher: LOOKUPs down the offered hops with the Flagged Path growing, a silent hop flagged and checked, the previous hop asked again, then the final INQUIRE")
    func walkToThePublisher() throws {
        var host = Self.host()
        var r = Self.resolution()

        // 1. LOOKUP to the first hop, which names itself in Validate PNRP ID; only our own endpoint is flagged.
        guard case .lookup(let first, Self.farEP) = Self.step(&r, host, messageID: 10) else { Issue.record("no LOOKUP to the first hop"); return }
        #expect(first.validateID == Self.far.id && first.target == Self.target && first.flaggedPath == [Self.own] && first.bestMatch == nil)
        #expect(r.state(of: Self.farEP) == .waiting(messageID: 10))
        #expect(r.next(host: &host) == .wait, "one request at a time")
        // An answer with another Message ID changes nothing.
        #expect(r.lookupAnswered(messageID: 11, buffer: AuthorityBuffer(flags: [], routeEntry: Self.closer), from: Self.farEP, host: &host, now: Self.now) == .ignored)

        // 2. It offers a closer node: learned, queued, and the answering hop becomes the best match.
        #expect(r.lookupAnswered(messageID: 10, buffer: AuthorityBuffer(flags: [], routeEntry: Self.closer), from: Self.farEP, host: &host, now: Self.now) == .proceed)
        #expect(host.learned == [Self.closer])
        #expect(r.state(of: Self.farEP) == .answered && r.state(of: Self.closerEP) == .queued)
        #expect(r.currentBestMatch == Self.far && r.totalUsefulHops == 1)

        // 3. The closer node is asked, with the first on the Flagged Path, and stays silent: it is checked, flagged,
        // and the walk backtracks to the first hop, asked again for another.
        guard case .lookup(let second, Self.closerEP) = Self.step(&r, host, messageID: 12) else { Issue.record("no LOOKUP to the closer hop"); return }
        #expect(second.flaggedPath == [Self.own, Self.farEP] && second.bestMatch == Self.far)
        r.lookupFailed(messageID: 12, to: Self.closerEP, host: &host, now: Self.now)
        #expect(host.checked == [Self.closerEP] && r.state(of: Self.closerEP) == .silent)
        guard case .lookup(let third, Self.farEP) = Self.step(&r, host, messageID: 13) else { Issue.record("the first hop was not asked again"); return }
        #expect(third.flaggedPath == [Self.own, Self.farEP, Self.closerEP], "the silent hop is flagged so that it is not offered again")

        // 4. It now offers the publisher; its answer to the LOOKUP makes it the best match, which matches: INQUIRE.
        #expect(r.lookupAnswered(messageID: 13, buffer: AuthorityBuffer(flags: [], routeEntry: Self.publisher), from: Self.farEP, host: &host, now: Self.now) == .proceed)
        guard case .lookup(_, Self.publisherEP) = Self.step(&r, host, messageID: 14) else { Issue.record("no LOOKUP to the publisher"); return }
        #expect(r.lookupAnswered(messageID: 14, buffer: AuthorityBuffer(flags: []), from: Self.publisherEP, host: &host, now: Self.now) == .proceed)
        #expect(Self.step(&r, host, messageID: 15) == .inquire(target: Self.publisher, to: Self.publisherEP))
        #expect(r.takeInquiry(messageID: 99) == nil)
        let taken = r.takeInquiry(messageID: 15)
        let asked = try #require(taken)
        #expect(asked.to == Self.publisherEP && asked.target == Self.publisher && asked.nonce == Array(repeating: 15, count: 16))
        #expect(r.totalUsefulHops == 3 && r.resolvePath == [Self.own, Self.farEP, Self.publisherEP])
    }

    @Test("an application's LOOKUP overdue after its first transmission: a second hop is asked at once, the overdue one on the Flagged Path, and either answer is taken; maintenance walks keep one LOOKUP in flight")
    func overdueLookupIsHedged() throws {
        var host = Self.host()
        var r = Self.resolutionWithTwoHops()
        guard case .lookup(_, Self.farEP) = Self.step(&r, host, messageID: 50) else { Issue.record("no LOOKUP"); return }
        #expect(r.next(host: &host) == .wait)
        let overdue = r.lookupOverdue(messageID: 50), again = r.lookupOverdue(messageID: 50)
        #expect(overdue && !again, "overdue once")
        guard case .lookup(let hedge, Self.closerEP) = Self.step(&r, host, messageID: 51) else { Issue.record("no second LOOKUP"); return }
        #expect(hedge.flaggedPath == [Self.own, Self.farEP])
        #expect(r.state(of: Self.farEP) == .waiting(messageID: 50) && r.state(of: Self.closerEP) == .waiting(messageID: 51))
        #expect(r.next(host: &host) == .wait, "two in flight at most")
        // The overdue one answers after all: taken like any answer.
        #expect(r.lookupAnswered(messageID: 50, buffer: AuthorityBuffer(flags: [], routeEntry: Self.publisher), from: Self.farEP, host: &host, now: Self.now) == .proceed)
        #expect(r.state(of: Self.farEP) == .answered && r.outstandingMessageIDs == [51])

        var m = Self.resolution(reason: .registration)
        guard case .lookup = Self.step(&m, host, messageID: 52) else { Issue.record("no LOOKUP"); return }
        let maintenanceOverdue = m.lookupOverdue(messageID: 52)
        #expect(!maintenanceOverdue && m.next(host: &host) == .wait)
    }

    @Test("with two lines in flight, a farther hop offered last goes below the publisher's, which is asked next; a late answer while the INQUIRE is out leaves the best match alone")
    func hedgedWalkKeepsTheClosestHopOnTop() throws {
        var host = Self.host()
        var r = Self.resolutionWithTwoHops()
        guard case .lookup = Self.step(&r, host, messageID: 60) else { Issue.record("no LOOKUP"); return }
        _ = r.lookupOverdue(messageID: 60)
        guard case .lookup(_, Self.closerEP) = Self.step(&r, host, messageID: 61) else { Issue.record("no second LOOKUP"); return }
        #expect(r.hedged)
        // `far` (overdue) answers first with the publisher, then `closer` with a node farther from the target.
        let fartherAway = Self.entry(0x6000_0000_0000_0000, 7)
        #expect(r.lookupAnswered(messageID: 60, buffer: AuthorityBuffer(flags: [], routeEntry: Self.publisher), from: Self.farEP, host: &host, now: Self.now) == .proceed)
        #expect(r.lookupAnswered(messageID: 61, buffer: AuthorityBuffer(flags: [], routeEntry: fartherAway), from: Self.closerEP, host: &host, now: Self.now) == .proceed)
        guard case .lookup(_, Self.publisherEP) = Self.step(&r, host, messageID: 62) else {
            Issue.record("the publisher's hop is not next: \(r.nextHopStack.map(\.entry.id))")
            return
        }
        // The publisher answers its LOOKUP: best match, INQUIRE. A late answer meanwhile (the node farther away,
        // asked as a second line) queues its hop but leaves the best match the INQUIRE asks about.
        #expect(r.lookupAnswered(messageID: 62, buffer: AuthorityBuffer(flags: []), from: Self.publisherEP, host: &host, now: Self.now) == .proceed)
        #expect(Self.step(&r, host, messageID: 63) == .inquire(target: Self.publisher, to: Self.publisherEP))
        r.lookups.append(.init(messageID: 64, to: try #require(fartherAway.primaryEndpoint), hop: .init(entry: fartherAway, useCount: 1), overdue: true))
        _ = r.lookupAnswered(messageID: 64, buffer: AuthorityBuffer(flags: [], routeEntry: Self.entry(0x7F00_0000_0000_0000, 8)), from: try #require(fartherAway.primaryEndpoint), host: &host, now: Self.now)
        #expect(r.currentBestMatch == Self.publisher && r.next(host: &host) == .wait)
        #expect(r.takeInquiry(messageID: 63)?.target == Self.publisher)
    }

    @Test("any registration of the name will do: the publisher answers its overdue LOOKUP late, while the INQUIRE is out to a stale registration; when that INQUIRE fails, the publisher is asked next")
    func lateAnswerBecomesTheNextBestMatch() throws {
        var host = Self.host()
        let p2pHigh: UInt64 = 0x8000_0000_0000_0000
        let target = PNRPID(p2pHigh, 0, 0x8000_0000_0000_0000, 0)
        let live = RouteEntry(id: PNRPID(p2pHigh, 0, 0x8000_0000_0000_0000, 5), port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 30))
        let stale = RouteEntry(id: PNRPID(p2pHigh, 0, 0x1000_0000_0000_0000, 0), port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 31))
        let liveEP = try #require(live.primaryEndpoint), staleEP = try #require(stale.primaryEndpoint)
        var r = Resolution(id: ResolveID(rawValue: 2), target: target, criteria: .anyPeerName, precision: 0, reason: .applicationRequest, localEndpoint: Self.own)
        r.nextHopStack = [.init(entry: stale, useCount: 0), .init(entry: live, useCount: 0)]
        guard case .lookup(_, liveEP) = Self.step(&r, host, messageID: 70) else { Issue.record("no LOOKUP to the publisher"); return }
        _ = r.lookupOverdue(messageID: 70)
        guard case .lookup(_, staleEP) = Self.step(&r, host, messageID: 71) else { Issue.record("no second LOOKUP"); return }
        #expect(r.lookupAnswered(messageID: 71, buffer: AuthorityBuffer(flags: []), from: staleEP, host: &host, now: Self.now) == .proceed)
        #expect(Self.step(&r, host, messageID: 72) == .inquire(target: stale, to: staleEP))
        // The publisher's answer comes now: the INQUIRE's best match stays, the publisher is next in line.
        #expect(r.lookupAnswered(messageID: 70, buffer: AuthorityBuffer(flags: []), from: liveEP, host: &host, now: Self.now) == .proceed)
        #expect(r.currentBestMatch == stale && r.next(host: &host) == .wait)
        r.inquireFailed(to: staleEP, host: &host)
        #expect(Self.step(&r, host, messageID: 73) == .inquire(target: stale, to: staleEP), "a second round")
        r.inquireFailed(to: staleEP, host: &host)
        #expect(Self.step(&r, host, messageID: 74) == .inquire(target: live, to: liveEP))
    }

    @Test("a best match that never answers the INQUIRE: asked again, then dropped from the cache and replaced by the previous best match")
    func silentBestMatch() throws {
        var host = Self.host()
        var r = Self.resolution()
        _ = host.cache.add(Self.publisher)
        r.promoteBestMatch(Self.far)
        r.promoteBestMatch(Self.publisher)
        #expect(Self.step(&r, host, messageID: 20) == .inquire(target: Self.publisher, to: Self.publisherEP))
        r.inquireFailed(to: Self.publisherEP, host: &host)
        #expect(host.evicted.isEmpty && r.currentBestMatch == Self.publisher)
        #expect(Self.step(&r, host, messageID: 21) == .inquire(target: Self.publisher, to: Self.publisherEP), "a second round")
        r.inquireFailed(to: Self.publisherEP, host: &host)
        #expect(host.evicted.map(\.id) == [Self.target] && host.evicted.first?.reason == .unreachable)
        #expect(host.cache.entry(Self.target) == nil && r.currentBestMatch == Self.far)
        guard case .lookup(_, _) = Self.step(&r, host, messageID: 22) else { Issue.record("the walk did not go on"); return }
    }

    @Test("an answer with flag N drops the asked node's entry (at that endpoint only) and does not make it the best match; a CPA refused demotes the best match and the walk ends with 'no valid CPA'")
    func notFoundAndRejected() throws {
        var host = Self.host()
        var r = Self.resolution(reason: .splitDetection)
        guard case .lookup = Self.step(&r, host, messageID: 30) else { Issue.record("no LOOKUP"); return }
        #expect(r.lookupAnswered(messageID: 30, buffer: AuthorityBuffer(flags: [.notFound]), from: Self.farEP, host: &host, now: Self.now) == .done)
        #expect(host.evicted.map(\.id) == [Self.far.id] && host.evicted.first?.reason == .notRegistered)
        #expect(r.currentBestMatch == nil)

        var s = Self.resolution(reason: .splitDetection)
        s.nextHopStack = []
        s.promoteBestMatch(Self.far)
        s.inquiryRejected(by: Self.farEP, claim: Self.far.id)
        #expect(s.currentBestMatch == nil && s.rejectedCPAs == 1)
        #expect(s.next(host: &host) == .finished(.noValidCPA), "nothing left to ask, and a CPA was refused")
        var t = Self.resolution(reason: .splitDetection)
        t.nextHopStack = []
        #expect(t.next(host: &host) == .finished(.notFound))
    }

    @Test("an application's walk with no hop left starts again from the closest cached entry not asked yet, at most four times; a maintenance walk ends at the first answer that offers nothing closer")
    func restartsAndMaintenanceEnd() throws {
        var host = Self.host()
        _ = host.cache.add(Self.closer)
        var r = Self.resolution()
        r.nextHopStack = []
        guard case .lookup(let lookup, let to) = Self.step(&r, host, messageID: 40) else { Issue.record("no restart"); return }
        #expect(to == Self.closer.primaryEndpoint && lookup.validateID == Self.closer.id && r.restarts == 1)

        var m = Self.resolution(reason: .registration)
        guard case .lookup = Self.step(&m, host, messageID: 41) else { Issue.record("no LOOKUP"); return }
        // `far` offers a node farther from the target than itself: the descent is over.
        let fartherStill = Self.entry(0x2000_0000_0000_0000, 9)
        // (With fewer than eight entries cached, a node takes every hop offered: [MS-PNRP] 3.1.5.6.1.)
        for i in 0..<16 { _ = host.cache.add(Self.entry(UInt64(i) << 60 | 0x0123_4567_89AB, UInt8(20 + i))) }
        try #require(host.cache.count >= 8, "\(host.cache.count) entries cached")
        #expect(m.lookupAnswered(messageID: 41, buffer: AuthorityBuffer(flags: [], routeEntry: fartherStill), from: Self.farEP, host: &host, now: Self.now) == .done)
    }

    /// A colluder's claim of the target's exact ID at its own endpoint.
    static let liarEP = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 9), port: 3540)
    static let claim = RouteEntry(id: target, port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 9))

    @Test("an entry for a queued ID at other endpoints is queued too: a claim of the exact ID does not hide its holder")
    func claimDoesNotHideTheHolderWhenOffered() {
        var host = Self.host()
        var r = Self.resolutionWithTwoHops()
        // Two lines: far is asked, goes overdue, and closer is asked too.
        guard case .lookup = Self.step(&r, host, messageID: 10) else { Issue.record("no LOOKUP to far"); return }
        let overdue10 = r.lookupOverdue(messageID: 10)
        #expect(overdue10)
        guard case .lookup(_, Self.closerEP) = Self.step(&r, host, messageID: 11) else { Issue.record("no LOOKUP to closer"); return }
        // far offers the claim, closer the real holder: both are queued.
        _ = r.lookupAnswered(messageID: 10, buffer: AuthorityBuffer(flags: [], routeEntry: Self.claim), from: Self.farEP, host: &host, now: Self.now)
        _ = r.lookupAnswered(messageID: 11, buffer: AuthorityBuffer(flags: [], routeEntry: Self.publisher), from: Self.closerEP, host: &host, now: Self.now)
        #expect(r.state(of: Self.liarEP) == .queued)
        #expect(r.state(of: Self.publisherEP) == .queued, "the holder's entry was dropped as already queued")
    }

    @Test("a node that answered with the best match's ID at another endpoint is asked next when the best match's CPA is refused")
    func claimDoesNotHideTheHolderWhenItAnswers() {
        var host = Self.host()
        var r = Self.resolution()
        r.nextHopStack = [.init(entry: Self.publisher, useCount: 0), .init(entry: Self.claim, useCount: 0)]
        // The claimant is asked, goes overdue; the holder is asked too; both answer with nothing closer, the
        // claimant first: its entry is the best match, the holder's the next.
        guard case .lookup(_, Self.liarEP) = Self.step(&r, host, messageID: 20) else { Issue.record("no LOOKUP to the claimant"); return }
        let overdue20 = r.lookupOverdue(messageID: 20)
        #expect(overdue20)
        guard case .lookup(_, Self.publisherEP) = Self.step(&r, host, messageID: 21) else { Issue.record("no LOOKUP to the holder"); return }
        _ = r.lookupAnswered(messageID: 20, buffer: AuthorityBuffer(flags: []), from: Self.liarEP, host: &host, now: Self.now)
        _ = r.lookupAnswered(messageID: 21, buffer: AuthorityBuffer(flags: []), from: Self.publisherEP, host: &host, now: Self.now)
        #expect(r.currentBestMatch == Self.claim)
        // The claimant's final INQUIRE gets no valid CPA: the holder is asked next.
        guard case .inquire(Self.claim, Self.liarEP) = Self.step(&r, host, messageID: 22) else { Issue.record("no INQUIRE to the claimant"); return }
        let taken = r.takeInquiry(messageID: 22)
        #expect(taken?.target == Self.claim)
        r.inquiryRejected(by: Self.liarEP, claim: Self.target)
        #expect(Self.step(&r, host, messageID: 23) == .inquire(target: Self.publisher, to: Self.publisherEP))
    }

    @Test("a claimant whose CPA is refused has lied: the hop it offered and the node that pointed the walk at it are dropped, and the walk goes on with the honest hop below")
    func refusedClaimantIsNotFollowed() {
        var host = Self.host()
        var r = Self.resolution()
        // An honest hop waits below `far`.
        r.nextHopStack.insert(.init(entry: Self.closer, useCount: 0), at: 0)
        let secondLiarEP = IPv6Endpoint(address: IPv6Address(ipv4: 10, 0, 0, 10), port: 3540)
        let secondClaim = RouteEntry(id: Self.target, port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 10))
        // `far` points at a claim of the exact ID; the claimant, asked, points at another claimant.
        guard case .lookup(_, Self.farEP) = Self.step(&r, host, messageID: 80) else { Issue.record("no LOOKUP to far"); return }
        _ = r.lookupAnswered(messageID: 80, buffer: AuthorityBuffer(flags: [], routeEntry: Self.claim), from: Self.farEP, host: &host, now: Self.now)
        guard case .lookup(_, Self.liarEP) = Self.step(&r, host, messageID: 81) else { Issue.record("no LOOKUP to the claimant"); return }
        _ = r.lookupAnswered(messageID: 81, buffer: AuthorityBuffer(flags: [], routeEntry: secondClaim), from: Self.liarEP, host: &host, now: Self.now)
        #expect(r.state(of: secondLiarEP) == .queued && r.state(of: Self.farEP) == .answered)
        guard case .inquire(Self.claim, Self.liarEP) = Self.step(&r, host, messageID: 82) else { Issue.record("no INQUIRE to the claimant"); return }
        _ = r.takeInquiry(messageID: 82)
        r.inquiryRejected(by: Self.liarEP, claim: Self.target)
        #expect(r.state(of: secondLiarEP) == .unknown, "the refused claimant's hop is still queued")
        #expect(!r.nextHopStack.contains { $0.entry.hasEndpoint(Self.farEP) }, "the node that pointed at the claimant is still to be asked again")
        guard case .lookup(let lookup, Self.closerEP) = Self.step(&r, host, messageID: 83) else { Issue.record("the honest hop was not asked next"); return }
        #expect(lookup.validateID == Self.closer.id && lookup.flaggedPath.contains(Self.liarEP))
    }

    @Test("a colluder that an honest node offered under its own ID, and that then claims the target itself, is refused alone: the honest node is still asked again, and a late answer from the refused node is not followed")
    func honestOffererOfAColluderIsNotBlamed() {
        var host = Self.host()
        var r = Self.resolution()
        // `far` (honest) offers the colluder at its own, real ID.
        let colluder = RouteEntry(id: PNRPID(0x7800_0000_0000_0000, 0, 0, 0), port: 3540, address: IPv6Address(ipv4: 10, 0, 0, 9))
        guard case .lookup(_, Self.farEP) = Self.step(&r, host, messageID: 90) else { Issue.record("no LOOKUP to far"); return }
        _ = r.lookupAnswered(messageID: 90, buffer: AuthorityBuffer(flags: [], routeEntry: colluder), from: Self.farEP, host: &host, now: Self.now)
        // The colluder offers itself as the target; asked again, it has nothing closer, and becomes the best match.
        guard case .lookup(_, Self.liarEP) = Self.step(&r, host, messageID: 91) else { Issue.record("no LOOKUP to the colluder"); return }
        _ = r.lookupAnswered(messageID: 91, buffer: AuthorityBuffer(flags: [], routeEntry: Self.claim), from: Self.liarEP, host: &host, now: Self.now)
        guard case .lookup(_, Self.liarEP) = Self.step(&r, host, messageID: 92) else { Issue.record("the claim was not asked"); return }
        _ = r.lookupAnswered(messageID: 92, buffer: AuthorityBuffer(flags: []), from: Self.liarEP, host: &host, now: Self.now)
        guard case .inquire(Self.claim, Self.liarEP) = Self.step(&r, host, messageID: 93) else { Issue.record("no INQUIRE to the colluder"); return }
        _ = r.takeInquiry(messageID: 93)
        r.inquiryRejected(by: Self.liarEP, claim: Self.target)
        #expect(r.refusedClaimants == [Self.liarEP], "the honest node that offered the colluder's own ID was blamed")
        #expect(r.state(of: Self.farEP) == .answered && r.nextHopStack.contains { $0.entry.hasEndpoint(Self.farEP) }, "far is not asked again")
        #expect(!r.nextHopStack.contains { $0.entry.hasEndpoint(Self.liarEP) } && !r.bestMatchStack.contains { $0.hasEndpoint(Self.liarEP) })
        // An offer naming the refused node, from anyone, is not queued.
        let before = r.nextHopStack.count
        r.lookups.append(.init(messageID: 94, to: Self.farEP, hop: .init(entry: Self.far, useCount: 1)))
        _ = r.lookupAnswered(messageID: 94, buffer: AuthorityBuffer(flags: [], routeEntry: Self.claim), from: Self.farEP, host: &host, now: Self.now)
        #expect(!r.nextHopStack.contains { $0.entry.hasEndpoint(Self.liarEP) }, "an offer of the refused node was queued (\(before) hops before)")
    }

    @Test("a node whose offers do not answer is asked once more for each, up to six times in all; a node whose offers answer is asked three times")
    func nodeWhoseOffersAreSilentIsAskedAgain() {
        var host = Self.host()
        var r = Self.resolution()
        var asked = 0
        var messageID: UInt32 = 100
        // `far` offers a node closer to the target each time; every one of them is silent (it left the cloud).
        while case .lookup(_, let to) = Self.step(&r, host, messageID: messageID), to == Self.farEP, asked < 10 {
            asked += 1
            let silent = Self.entry(0x7000_0000_0000_0000 + UInt64(asked) << 32, 100 + UInt8(asked))
            #expect(r.lookupAnswered(messageID: messageID, buffer: AuthorityBuffer(flags: [], routeEntry: silent), from: Self.farEP, host: &host, now: Self.now) == .proceed)
            messageID += 1
            guard case .lookup(_, let next) = Self.step(&r, host, messageID: messageID), next == silent.primaryEndpoint else {
                Issue.record("the offered node was not asked")
                return
            }
            r.lookupFailed(messageID: messageID, to: next, host: &host, now: Self.now)
            messageID += 1
        }
        #expect(asked == 6, "asked \(asked) times")
        #expect(r.next(host: &host) == .finished(.notFound))

        // Offers that answer (with nothing closer) earn nothing: the offering node is asked three times.
        host = Self.host()
        r = Self.resolution()
        asked = 0
        while case .lookup(_, let to) = Self.step(&r, host, messageID: messageID), to == Self.farEP, asked < 10 {
            asked += 1
            let answering = Self.entry(0x7000_0000_0000_0000 + UInt64(asked) << 32, 100 + UInt8(asked))
            #expect(r.lookupAnswered(messageID: messageID, buffer: AuthorityBuffer(flags: [], routeEntry: answering), from: Self.farEP, host: &host, now: Self.now) == .proceed)
            messageID += 1
            guard case .lookup(_, let next) = Self.step(&r, host, messageID: messageID), let ep = answering.primaryEndpoint, next == ep else {
                Issue.record("the offered node was not asked")
                return
            }
            #expect(r.lookupAnswered(messageID: messageID, buffer: AuthorityBuffer(flags: []), from: ep, host: &host, now: Self.now) == .proceed)
            messageID += 1
        }
        #expect(asked == Resolution.maximumUseCount, "asked \(asked) times")
    }
}
