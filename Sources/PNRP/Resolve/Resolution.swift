/// One entry of the Outstanding Resolves Table ([MS-PNRP] 3.1.1): the state of an iterative resolution.
///
/// The node drives it: `PNRPNode` sends the LOOKUP or INQUIRE it asks for and feeds back the answers.
struct Resolution: Sendable {
    /// A NextHopStack entry: a node to ask and how often it was asked.
    struct Hop: Sendable {
        var entry: RouteEntry
        var useCount: Int
        /// The node whose LOOKUP answer offered it; nil for an entry taken from our own cache.
        var offeredBy: IPv6Endpoint? = nil
        /// How many of the entries this node offered did not answer: each lets it be asked once more, up to
        /// `maximumExtraUses` (`docs/deviations.md`, item N37).
        var silentOffers = 0
        /// Whether the walk may ask this node again after an answer.
        var mayBeAskedAgain: Bool { useCount < Resolution.maximumUseCount + Swift.min(silentOffers, Resolution.maximumExtraUses) }
    }

    /// A LOOKUP sent and not yet answered.
    struct InFlightLookup: Sendable {
        var messageID: UInt32
        var to: IPv6Endpoint
        var hop: Hop
        /// Its first transmission went unanswered: the walk no longer waits for it (`docs/deviations.md`, N31).
        var overdue = false
    }

    /// The final INQUIRE sent and not yet answered.
    struct InFlightInquiry: Sendable {
        var messageID: UInt32
        var to: IPv6Endpoint
        var nonce: [UInt8]
        var target: RouteEntry
        /// The SIGNING_COOKIE it echoes, when the publisher had handed one out (`docs/deviations.md`, N32).
        var signingCookie: [UInt8]?
    }

    let id: ResolveID
    let target: PNRPID
    let criteria: ResolveCriteria
    let precision: UInt16
    let reason: ResolveReason
    /// Endpoints already asked (the Flagged Path sent in every LOOKUP), starting with our own.
    var resolvePath: [IPv6Endpoint]
    var nextHopStack: [Hop] = []
    var bestMatchStack: [RouteEntry] = []
    var currentBestMatch: RouteEntry?
    /// The hop `next(host:)` popped, until `lookupSent` records its LOOKUP.
    var currentNextHop: Hop?
    var suspiciousCount = 0
    var totalUsefulHops = 0
    /// LOOKUPs in flight: none, one, or two while the first is overdue (`maximumLookupsInFlight`); an overdue one
    /// may also be out beside the final INQUIRE.
    var lookups: [InFlightLookup] = []
    /// Set once a second LOOKUP went out while one was in flight: the walk then orders its NextHopStack (N31).
    var hedged = false
    var inquiry: InFlightInquiry?
    /// When the resolution gives up.
    var deadline = NodeInstant(nanoseconds: .max)
    /// Unanswered INQUIRE rounds sent to the current best match.
    var inquiryRounds = 0
    /// Those of `unreachable` that the Flagged Path lists: all but the hops matching the target
    /// (`docs/deviations.md`, item N30).
    var flaggedSilent: [IPv6Endpoint] = []
    /// Endpoints whose LOOKUP went unanswered during this resolution.
    var unreachable: [IPv6Endpoint] = []
    /// Cache size when the resolution started (cache maintenance backs off when it learns nothing).
    var cacheCountAtStart = 0
    /// Times the walk started again from our own cache when it had no next hop left
    /// (`docs/deviations.md`, item N30).
    var restarts = 0
    /// True for the second walk of an application's resolution, the first having found nothing after meeting
    /// silent nodes (`docs/deviations.md`, item N41).
    var isSecondWalk = false
    /// When that second walk starts; nil once it has started, or for a first walk.
    var secondWalkAt: NodeInstant?
    /// CPAs that failed validation during this resolution.
    var rejectedCPAs = 0
    /// Nodes that claimed a matching ID and then answered the final INQUIRE with a CPA that did not hold: what
    /// they offer is not followed (`docs/deviations.md`, item N35).
    var refusedClaimants: Set<IPv6Endpoint> = []
    /// A route entry offered to the walk, as an ID at an endpoint.
    struct Offer: Hashable, Sendable {
        var id: PNRPID
        var endpoint: IPv6Endpoint
    }
    /// The node that first offered each entry queued: the one blamed, with its claimant, when the entry's CPA
    /// is refused (N35).
    var offerers: [Offer: IPv6Endpoint] = [:]
    /// True when the application asked for this resolution (an answer is reported).
    var reportsResult: Bool { reason == .applicationRequest }

    /// Limits of [MS-PNRP] 3.1.4.4.2 step 8; the useful hops twice the spec's 22, which a walk through a
    /// cloud where half the cached nodes have left used up (`docs/deviations.md`, item N30).
    static let maximumSuspicious = 6
    static let maximumUsefulHops = 44
    /// The useful hops of a walk that has had two LOOKUPs in flight: both lines' answers count, and such a walk
    /// met silent nodes, so 99 (`docs/deviations.md`, items N31, N33).
    static let maximumUsefulHopsHedged = 99
    /// Restarts from our own cache of an application's resolution that ran out of next hops (item N30).
    static let maximumRestarts = 4
    /// Restarts allowed in all when no LOOKUP of the walk is in flight (`docs/deviations.md`, item N33).
    static let maximumRestartsWhenIdle = 8
    /// Unanswered INQUIRE rounds (each of `retryCount` transmissions) before a best match is given up.
    static let maximumInquiryRounds = 2
    /// A node is asked at most this many times ([MS-PNRP] 3.1.5.6.1), plus one for each entry it offered that
    /// did not answer, up to `maximumExtraUses` more (`docs/deviations.md`, item N37).
    static let maximumUseCount = 3
    /// The most asks a node's silent offers can add to `maximumUseCount` (`docs/deviations.md`, item N37).
    static let maximumExtraUses = 3
    /// How long after a first walk found nothing, having met silent nodes, the second walk starts
    /// (`docs/deviations.md`, item N41).
    static let secondWalkDelay = NodeDuration.seconds(3)
    /// LOOKUPs an application's resolution keeps in flight at most: a second goes out when the first is
    /// overdue (`docs/deviations.md`, item N31).
    static let maximumLookupsInFlight = 2

    init(id: ResolveID, target: PNRPID, criteria: ResolveCriteria, precision: UInt16, reason: ResolveReason, localEndpoint: IPv6Endpoint) {
        self.id = id
        self.target = target
        self.criteria = criteria
        self.precision = precision
        self.reason = reason
        self.resolvePath = [localEndpoint]
    }

    /// The second walk of this resolution, to start at `at`: the same target, criteria, reason and deadline,
    /// nothing else kept (its Flagged Path, NextHopStack and counters start empty; `docs/deviations.md`, N41).
    func secondWalk(at: NodeInstant, localEndpoint: IPv6Endpoint) -> Resolution {
        var again = Resolution(id: id, target: target, criteria: criteria, precision: precision, reason: reason, localEndpoint: localEndpoint)
        again.deadline = deadline
        again.cacheCountAtStart = cacheCountAtStart
        again.isSecondWalk = true
        again.secondWalkAt = at
        return again
    }

    /// True when this walk, finished with nothing found, gets a second one: an application's first walk that
    /// met silent nodes, with time left for the delay (`docs/deviations.md`, item N41).
    func mayWalkAgain(after failure: ResolveFailure, now: NodeInstant) -> Bool {
        failure == .notFound && reason == .applicationRequest && !isSecondWalk && !unreachable.isEmpty
            && now + Self.secondWalkDelay < deadline
    }

    /// True when `id` matches the target as far as the criteria require ([MS-PNRP] 2.2.2.8, 3.1.4.4.2).
    func isSufficientlyClose(_ id: PNRPID) -> Bool {
        Self.matches(id, target: target, criteria: criteria, precision: precision)
    }

    /// The ResolveCriteria test on its own.
    static func matches(_ id: PNRPID, target: PNRPID, criteria: ResolveCriteria, precision: UInt16) -> Bool {
        switch criteria {
        case .exact: id == target
        case .anyPeerName, .nearestPeerName: id.p2pID == target.p2pID
        case .nearest64PeerName: id.commonPrefixLength(with: target) >= 192
        case .upperBits: id.commonPrefixLength(with: target) >= Int(precision)
        }
    }

    /// The Flagged Path for the next LOOKUP: the resolve path, the endpoints that did not answer (but for hops
    /// matching the target) and a node still being asked (item N31), at most 22 endpoints (our own kept first,
    /// then the most recent). A node asked again then offers the next entry rather than the silent one again
    /// (`docs/deviations.md`, item N30).
    var flaggedPath: [IPv6Endpoint] {
        let limit = 22
        var path = flaggedSilent.isEmpty ? resolvePath : resolvePath + flaggedSilent
        // A node being asked is not to be offered again by another (N31).
        for l in lookups where !path.contains(l.to) { path.append(l.to) }
        if path.count <= limit { return path }
        return [path[0]] + path.suffix(limit - 1)
    }

    /// Appends `endpoint` to the resolve path unless already there.
    mutating func recordVisited(_ endpoint: IPv6Endpoint) {
        if !resolvePath.contains(endpoint) { resolvePath.append(endpoint) }
    }

    /// Makes `entry` the current best match, keeping the previous one on the stack ([MS-PNRP] 3.1.5.6.1).
    mutating func promoteBestMatch(_ entry: RouteEntry) {
        if let b = currentBestMatch { bestMatchStack.append(b) }
        currentBestMatch = entry
        inquiryRounds = 0
    }

    /// Replaces a best match whose CPA failed with the previous one ([MS-PNRP] 3.1.5.6.1.1).
    mutating func demoteBestMatch() {
        currentBestMatch = bestMatchStack.popLast()
    }
}

extension ResolveReason {
    /// True for the maintenance walks — announcing a registration ([MS-PNRP] 3.2.4.1), split detection
    /// (3.2.6.2.1) and cache maintenance (3.2.6.2) — which look for the node nearest their target rather than
    /// for a match (their targets, a local ID + 1 or a point in an empty cache slot, are held by nobody). Such a
    /// walk ends at the first answer that offers no node closer than the one that answered: it has then
    /// reached the nearest node that the part of the cloud it walked through knows, and backtracking
    /// through the NextHopStack (3.1.5.6.1) could only revisit nodes farther away (`docs/deviations.md`,
    /// item N20).
    var endsAtClosestNode: Bool {
        switch self {
        case .registration, .splitDetection, .cacheMaintenance: true
        case .applicationRequest: false
        }
    }
}
