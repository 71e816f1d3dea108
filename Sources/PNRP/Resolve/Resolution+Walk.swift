/// The iterative walk of [MS-PNRP] 3.1.4.4.2 and 3.1.5.6.1 as a self-contained iterator: the node asks
/// `next(host:)` what to send, reports what it sent (`lookupSent`, `inquireSent`), and feeds back answers
/// (`lookupAnswered`, `takeInquiry` with `inquiryRejected`) and silences (`lookupFailed`, `inquireFailed`).
/// The resolution decides; the node sends, verifies signatures and keeps its cache (`ResolutionHost`).
extension Resolution {
    /// Where one peer stands in this walk.
    enum PeerState: Sendable, Equatable {
        /// Never asked and not queued.
        case unknown
        /// On the NextHopStack, to be asked.
        case queued
        /// Asked; the answer is awaited.
        case waiting(messageID: UInt32)
        /// Answered a LOOKUP (on the resolve path).
        case answered
        /// Its LOOKUP went unanswered after every retransmission.
        case silent
    }

    /// The state of the peer at `endpoint`.
    func state(of endpoint: IPv6Endpoint) -> PeerState {
        if let l = lookups.first(where: { $0.to == endpoint }) { return .waiting(messageID: l.messageID) }
        if let i = inquiry, i.to == endpoint { return .waiting(messageID: i.messageID) }
        if resolvePath.dropFirst().contains(endpoint) { return .answered }
        if unreachable.contains(endpoint) { return .silent }
        if nextHopStack.contains(where: { $0.entry.primaryEndpoint == endpoint }) { return .queued }
        return .unknown
    }

    /// Whether the node `hop` names is being asked already (N31).
    private func isBeingAsked(_ hop: Hop) -> Bool { lookups.contains { hop.entry.hasEndpoint($0.to) } }

    /// The endpoints this walk has had answers from, found silent, or is asking: never where it starts again
    /// (`docs/deviations.md`, items N11, N30).
    private var contacted: Set<IPv6Endpoint> { Set(resolvePath + unreachable + lookups.map(\.to)) }

    /// The Message IDs of the requests in flight.
    var outstandingMessageIDs: [UInt32] { lookups.map(\.messageID) + (inquiry.map { [$0.messageID] } ?? []) }

    /// The first transmission of LOOKUP `messageID` went unanswered. An application's walk then stops
    /// waiting for it: `next(host:)` may send one more LOOKUP, and either answer is taken
    /// (`docs/deviations.md`, item N31). Returns true when the walk may go on.
    mutating func lookupOverdue(messageID: UInt32) -> Bool {
        guard reason == .applicationRequest, let i = lookups.firstIndex(where: { $0.messageID == messageID }), !lookups[i].overdue else { return false }
        lookups[i].overdue = true
        return true
    }

    /// Steps 7–9 of [MS-PNRP] 3.1.4.4.2: INQUIRE a sufficiently close best match, else LOOKUP the next hop,
    /// else finish (or wait, while an overdue LOOKUP may still answer). Takes the hop it returns off the
    /// NextHopStack (and, in a walk with a LOOKUP overdue, drops a hop past the limits or without an endpoint
    /// while it waits).
    mutating func next(host: inout some ResolutionHost) -> ResolutionStep {
        // Nothing goes out while the final INQUIRE or a LOOKUP that is not overdue is in flight; a second LOOKUP
        // may go out while the first is overdue (N31), and an INQUIRE while an overdue LOOKUP is still out.
        guard inquiry == nil, !lookups.contains(where: { !$0.overdue }), lookups.count < Self.maximumLookupsInFlight else { return .wait }
        let cache = host.cache
        if let best = currentBestMatch, isSufficientlyClose(best.id), !cache.isLocal(best.id), let to = best.primaryEndpoint {
            return .inquire(target: best, to: to)
        }
        // An application's walk with no next hop left starts again from the closest cached entry it has not
        // asked yet (`docs/deviations.md`, item N30; N11 does the same after a silent hop): four times, and
        // four more when no LOOKUP of it is in flight (N33).
        if !nextHopStack.contains(where: { !isBeingAsked($0) }), reason == .applicationRequest,
            restarts < Self.maximumRestarts || (restarts < Self.maximumRestartsWhenIdle && lookups.isEmpty),
            let alternative = cache.closest(to: target, excluding: contacted)
        {
            restarts += 1
            nextHopStack.append(.init(entry: alternative, useCount: 0))
        }
        // The newest hop not being asked already (a node re-offered while its LOOKUP is in flight waits: N31).
        let top = nextHopStack.lastIndex { !isBeingAsked($0) }
        let usefulHops = hedged ? Self.maximumUsefulHopsHedged : Self.maximumUsefulHops
        guard let top, case var hop = nextHopStack.remove(at: top), suspiciousCount <= Self.maximumSuspicious, totalUsefulHops <= usefulHops,
            let to = hop.entry.primaryEndpoint
        else {
            // An overdue LOOKUP may still answer with a way on.
            return lookups.isEmpty ? .finished(rejectedCPAs > 0 ? .noValidCPA : .notFound) : .wait
        }
        let lookup = Lookup(
            flags: cache.count < 8 ? .acceptNotCloser : [], precision: precision, criteria: criteria, reasonCode: reason.rawValue, target: target,
            validateID: hop.entry.id, bestMatch: currentBestMatch, flaggedPath: flaggedPath)
        hop.useCount += 1
        currentNextHop = hop
        return .lookup(lookup, to: to)
    }

    /// Puts `hop` on the NextHopStack: on top, as [MS-PNRP] 3.1.5.6.1 does; in a walk that has had two LOOKUPs
    /// in flight, never above a queued hop closer to the target than it: just below the topmost such hop.
    /// Answers from two lines of the walk come in any order, and the latest one's hop is not always the best
    /// (N31).
    mutating func queue(_ hop: Hop) {
        if hedged, let i = nextHopStack.lastIndex(where: { target.isCloser($0.entry.id, than: hop.entry.id) }) {
            nextHopStack.insert(hop, at: i)
        } else {
            nextHopStack.append(hop)
        }
    }

    /// The LOOKUP `next` asked for went out as `messageID`.
    mutating func lookupSent(messageID: UInt32, to: IPv6Endpoint) {
        if !lookups.isEmpty { hedged = true }
        guard let hop = currentNextHop else { return }
        currentNextHop = nil
        lookups.append(InFlightLookup(messageID: messageID, to: to, hop: hop))
    }

    /// The INQUIRE `next` asked for went out as `messageID`, with `nonce`.
    mutating func inquireSent(messageID: UInt32, to: IPv6Endpoint, nonce: [UInt8], target: RouteEntry, signingCookie: [UInt8]? = nil) {
        inquiry = InFlightInquiry(messageID: messageID, to: to, nonce: nonce, target: target, signingCookie: signingCookie)
    }

    /// [MS-PNRP] 3.1.5.6.1: the answer to a LOOKUP in flight (`messageID`), from `source`.
    mutating func lookupAnswered(messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, host: inout some ResolutionHost, now: NodeInstant) -> LookupOutcome {
        guard let index = lookups.firstIndex(where: { $0.messageID == messageID }) else { return .ignored }
        let answered = lookups.remove(at: index)
        let sentTo = answered.to
        // A copy queued while its LOOKUP was in flight (another line offered it) goes: the node has answered, and
        // is asked again, if at all, as N2 and the use count allow (N31).
        if hedged { nextHopStack.removeAll { $0.entry.hasEndpoint(sentTo) } }
        recordVisited(sentTo)
        totalUsefulHops += 1
        if buffer.flags.contains(.leafSet) { suspiciousCount += 1 }
        // A node refused meanwhile (N35) is neither asked again nor a best match.
        var current: Hop? = refusedClaimants.contains(sentTo) ? nil : answered.hop
        if buffer.flags.contains(.notFound), let hop = current {
            host.evict(hop.entry.id, at: source, reason: .notRegistered)
            current = nil
        }
        let responderID = validateID(of: current, fallback: source, cache: host.cache)
        if let hop = current, hop.entry.id != .zero, currentBestMatch.map({ target.isCloser(hop.entry.id, than: $0.id) }) ?? true {
            if inquiry == nil {
                promoteBestMatch(hop.entry)
            } else {
                // The late answer of an overdue hop while the final INQUIRE is out: the best match it asks about
                // stays, and this one comes next should it fail (N31).
                bestMatchStack.append(hop.entry)
            }
        } else if let hop = current, let best = currentBestMatch, hop.entry.id == best.id, !hop.entry.sameLocation(as: best),
            !bestMatchStack.contains(where: { $0.id == hop.entry.id && $0.sameLocation(as: hop.entry) })
        {
            // The best match's ID at another node, which answered: next should the best match fail. Someone else's
            // claim of the exact ID must not hide the node that holds it (`docs/deviations.md`, item N34).
            bestMatchStack.append(hop.entry)
        }
        // A seed asked without knowing its ID (split detection) is asked once.
        if let hop = current, !hop.mayBeAskedAgain || hop.entry.id == .zero { current = nil }
        // A node that had nothing closer to offer is not asked again: its answer could only shrink
        // (`docs/deviations.md`, item N2).
        if buffer.routeEntry == nil { current = nil }
        var pushedBack = false
        var closerHopOffered = false
        if let hop = current {
            queue(hop)
            pushedBack = true
        }
        if var offered = buffer.routeEntry {
            let earlier = Set(resolvePath.dropLast() + flaggedSilent)
            if offered.hasEndpoint(in: earlier) || offered.port <= 1024 || offered.hasEndpoint(host.advertisedEndpoint) || refusedClaimants.contains(source)
                || offered.hasEndpoint(in: refusedClaimants)
                || nextHopStack.contains(where: { $0.entry.id == offered.id && $0.entry.sameLocation(as: offered) })
            {
                // Already asked, or already queued.
            } else {
                offered.addresses = Array(offered.addresses.prefix(RouteEntry.maximumAddresses))
                if responderID.map({ target.isCloser(offered.id, than: $0) }) ?? true || host.cache.count < 8 {
                    queue(.init(entry: offered, useCount: 0, offeredBy: source))
                    if let e = offered.primaryEndpoint, case let key = Offer(id: offered.id, endpoint: e), offerers[key] == nil { offerers[key] = source }
                    closerHopOffered = true
                    host.learn(offered, from: source, now: now)
                } else if pushedBack, let hop = current, let i = nextHopStack.lastIndex(where: { $0.entry.id == hop.entry.id }) {
                    // The hop pushed back just now (on top, unless a closer one is queued: `queue`).
                    nextHopStack.remove(at: i)
                }
            }
        }
        // A cache-maintenance resolve has done its job once an answer lands in the slot it was filling
        // (`docs/deviations.md`, item N19).
        if reason == .cacheMaintenance, let offered = buffer.routeEntry, host.cache.slotKey(of: offered.id) == host.cache.slotKey(of: target) {
            return .done
        }
        // A maintenance walk ends where the greedy descent ends (`docs/deviations.md`, item N20).
        if reason.endsAtClosestNode, !closerHopOffered { return .done }
        return .proceed
    }

    /// The ID of the node that answered (the Validate PNRP ID the LOOKUP carried).
    private func validateID(of hop: Hop?, fallback source: IPv6Endpoint, cache: RouteEntryCache) -> PNRPID? {
        if let hop { return hop.entry.id == .zero ? nil : hop.entry.id }
        if let best = currentBestMatch, best.hasEndpoint(source) { return best.id }
        return cache.id(at: source)
    }

    /// [MS-PNRP] 3.1.6.3: LOOKUP `messageID`, to `destination`, went unanswered; the hop is given up. The
    /// node is checked with one INQUIRE and dropped from the cache only if that fails too (item N13).
    mutating func lookupFailed(messageID: UInt32, to destination: IPv6Endpoint, host: inout some ResolutionHost, now: NodeInstant) {
        let hop = lookups.firstIndex { $0.messageID == messageID }.map { lookups.remove(at: $0).hop }
        unreachable.append(destination)
        if let hop { host.checkLiveness(of: destination, id: hop.entry.id, now: now) }
        // A silent hop is flagged for the rest of the walk unless it matches the target: two lost datagrams
        // must not lose the publisher (`docs/deviations.md`, item N30).
        if let hop, !(hop.entry.id != .zero && isSufficientlyClose(hop.entry.id)) {
            flaggedSilent.append(destination)
            // A copy another line offered while it was being asked goes too (N31).
            if hedged { nextHopStack.removeAll { $0.entry.hasEndpoint(destination) } }
            // The node that offered it may be asked once more: flagged, the silent node is not named again (N37).
            // A silent hop that matches the target stays unflagged, would be named again, and earns nothing.
            if let offerer = hop.offeredBy {
                for i in nextHopStack.indices where nextHopStack[i].entry.hasEndpoint(offerer) { nextHopStack[i].silentOffers += 1 }
                for i in lookups.indices where lookups[i].hop.entry.hasEndpoint(offerer) { lookups[i].hop.silentOffers += 1 }
            }
        }
        // With nothing left to try, fall back on the next-closest entry we know (`docs/deviations.md`, item N11).
        if nextHopStack.isEmpty, let alternative = host.cache.closest(to: target, excluding: contacted) {
            nextHopStack.append(.init(entry: alternative, useCount: 0))
        }
    }

    /// Takes the answer to the outstanding INQUIRE ([MS-PNRP] 3.1.5.6.1.1): what was asked, to be checked
    /// against the CPA; nil when `messageID` is not the outstanding INQUIRE's.
    mutating func takeInquiry(messageID: UInt32) -> (to: IPv6Endpoint, nonce: [UInt8], target: RouteEntry, signingCookie: [UInt8]?)? {
        guard let i = inquiry, i.messageID == messageID else { return nil }
        inquiry = nil
        return (i.to, i.nonce, i.target, i.signingCookie)
    }

    /// The best match's answer, from `claimant` about ID `id`, did not hold (no valid CPA, or another key's): the
    /// previous best match takes its place ([MS-PNRP] 3.1.5.6.1.1). A node that claimed the ID and cannot prove it
    /// has lied once, and so has, or has relayed a lie, the node that offered that claim: the hops either offered
    /// or names are dropped, and neither is followed again in this walk (`docs/deviations.md`, item N35).
    mutating func inquiryRejected(by claimant: IPv6Endpoint, claim id: PNRPID) {
        rejectedCPAs += 1
        demoteBestMatch()
        var refused: Set = [claimant]
        // The node that offered this very claim (this ID at this endpoint) relayed it, or made it up.
        if let offerer = offerers[Offer(id: id, endpoint: claimant)] { refused.insert(offerer) }
        refusedClaimants.formUnion(refused)
        nextHopStack.removeAll { hop in hop.offeredBy.map(refused.contains) == true || hop.entry.hasEndpoint(in: refused) }
        bestMatchStack.removeAll { $0.hasEndpoint(in: refused) }
    }

    /// The outstanding INQUIRE, to `destination`, went unanswered ([MS-PNRP] 3.1.4.4.2 step 7): the best match
    /// is asked again, and after `maximumInquiryRounds` unanswered rounds dropped from the cache (its node left,
    /// or moved behind another relay: `docs/deviations.md`, item X5) and replaced by the previous one.
    mutating func inquireFailed(to destination: IPv6Endpoint, host: inout some ResolutionHost) {
        inquiryRounds += 1
        if inquiryRounds >= Self.maximumInquiryRounds {
            if let best = currentBestMatch { host.evict(best.id, at: destination, reason: .unreachable) }
            demoteBestMatch()
            inquiryRounds = 0
        }
        inquiry = nil
    }
}
