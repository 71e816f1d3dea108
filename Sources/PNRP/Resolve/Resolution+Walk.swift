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
        switch outstanding {
        case .lookup(let mid, endpoint), .inquire(let mid, endpoint, _, _): return .waiting(messageID: mid)
        default: break
        }
        if resolvePath.dropFirst().contains(endpoint) { return .answered }
        if unreachable.contains(endpoint) { return .silent }
        if nextHopStack.contains(where: { $0.entry.primaryEndpoint == endpoint }) { return .queued }
        return .unknown
    }

    /// The Message ID of the request outstanding, if any.
    var outstandingMessageID: UInt32? {
        switch outstanding {
        case .lookup(let mid, _), .inquire(let mid, _, _, _): mid
        case .none: nil
        }
    }

    /// Steps 7–9 of [MS-PNRP] 3.1.4.4.2: INQUIRE a sufficiently close best match, else LOOKUP the next hop,
    /// else finish. Pops the next hop it returns.
    mutating func next(host: some ResolutionHost) -> ResolutionStep {
        guard case .none = outstanding else { return .wait }
        let cache = host.cache
        if let best = currentBestMatch, isSufficientlyClose(best.id), !cache.isLocal(best.id), let to = best.primaryEndpoint {
            return .inquire(target: best, to: to)
        }
        // An application's walk with no next hop left starts again from the closest cached entry it has not
        // asked yet (`docs/deviations.md`, item N30; N11 does the same after a silent hop).
        if nextHopStack.isEmpty, reason == .applicationRequest, restarts < Self.maximumRestarts,
            let alternative = cache.closest(to: target, excluding: Set(resolvePath + unreachable))
        {
            restarts += 1
            nextHopStack.append(.init(entry: alternative, useCount: 0))
        }
        guard var hop = nextHopStack.popLast(), suspiciousCount <= Self.maximumSuspicious, totalUsefulHops <= Self.maximumUsefulHops,
            let to = hop.entry.primaryEndpoint
        else {
            return .finished(rejectedCPAs > 0 ? .noValidCPA : .notFound)
        }
        let lookup = Lookup(
            flags: cache.count < 8 ? .acceptNotCloser : [], precision: precision, criteria: criteria, reasonCode: reason.rawValue, target: target,
            validateID: hop.entry.id, bestMatch: currentBestMatch, flaggedPath: flaggedPath)
        hop.useCount += 1
        currentNextHop = hop
        return .lookup(lookup, to: to)
    }

    /// The LOOKUP `next` asked for went out as `messageID`.
    mutating func lookupSent(messageID: UInt32, to: IPv6Endpoint) {
        outstanding = .lookup(messageID: messageID, to: to)
    }

    /// The INQUIRE `next` asked for went out as `messageID`, with `nonce`.
    mutating func inquireSent(messageID: UInt32, to: IPv6Endpoint, nonce: [UInt8], target: RouteEntry) {
        outstanding = .inquire(messageID: messageID, to: to, nonce: nonce, target: target)
    }

    /// [MS-PNRP] 3.1.5.6.1: the answer to the outstanding LOOKUP, from `source`.
    mutating func lookupAnswered(messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, host: inout some ResolutionHost, now: NodeInstant) -> LookupOutcome {
        guard case .lookup(messageID, let sentTo) = outstanding else { return .ignored }
        outstanding = .none
        recordVisited(sentTo)
        totalUsefulHops += 1
        if buffer.flags.contains(.leafSet) { suspiciousCount += 1 }
        var current = currentNextHop
        currentNextHop = nil
        if buffer.flags.contains(.notFound), let hop = current {
            host.evict(hop.entry.id, at: source, reason: .notRegistered)
            current = nil
        }
        let responderID = validateID(of: current, fallback: source, cache: host.cache)
        if let hop = current, hop.entry.id != .zero, currentBestMatch.map({ target.isCloser(hop.entry.id, than: $0.id) }) ?? true {
            promoteBestMatch(hop.entry)
        }
        // A seed asked without knowing its ID (split detection) is asked once.
        if let hop = current, hop.useCount >= Self.maximumUseCount || hop.entry.id == .zero { current = nil }
        // A node that had nothing closer to offer is not asked again: its answer could only shrink
        // (`docs/deviations.md`, item N2).
        if buffer.routeEntry == nil { current = nil }
        var pushedBack = false
        var closerHopOffered = false
        if let hop = current {
            nextHopStack.append(hop)
            pushedBack = true
        }
        if var offered = buffer.routeEntry {
            let earlier = Set(resolvePath.dropLast() + flaggedSilent)
            if offered.hasEndpoint(in: earlier) || offered.port <= 1024 || offered.hasEndpoint(host.advertisedEndpoint)
                || nextHopStack.contains(where: { $0.entry.id == offered.id })
            {
                // Already asked, or already queued.
            } else {
                offered.addresses = Array(offered.addresses.prefix(RouteEntry.maximumAddresses))
                if responderID.map({ target.isCloser(offered.id, than: $0) }) ?? true || host.cache.count < 8 {
                    nextHopStack.append(.init(entry: offered, useCount: 0))
                    closerHopOffered = true
                    host.learn(offered, from: source, now: now)
                } else if pushedBack {
                    nextHopStack.removeLast()
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

    /// [MS-PNRP] 3.1.6.3: the outstanding LOOKUP, to `destination`, went unanswered; the hop is given up. The
    /// node is checked with one INQUIRE and dropped from the cache only if that fails too (item N13).
    mutating func lookupFailed(to destination: IPv6Endpoint, host: inout some ResolutionHost, now: NodeInstant) {
        outstanding = .none
        unreachable.append(destination)
        if let hop = currentNextHop { host.checkLiveness(of: destination, id: hop.entry.id, now: now) }
        // A silent hop is flagged for the rest of the walk unless it matches the target: two lost datagrams
        // must not lose the publisher (`docs/deviations.md`, item N30).
        if let hop = currentNextHop, !(hop.entry.id != .zero && isSufficientlyClose(hop.entry.id)) {
            flaggedSilent.append(destination)
        }
        currentNextHop = nil
        // With nothing left to try, fall back on the next-closest entry we know (`docs/deviations.md`, item N11).
        if nextHopStack.isEmpty, let alternative = host.cache.closest(to: target, excluding: Set(resolvePath + unreachable)) {
            nextHopStack.append(.init(entry: alternative, useCount: 0))
        }
    }

    /// Takes the answer to the outstanding INQUIRE ([MS-PNRP] 3.1.5.6.1.1): what was asked, to be checked
    /// against the CPA; nil when `messageID` is not the outstanding INQUIRE's.
    mutating func takeInquiry(messageID: UInt32) -> (to: IPv6Endpoint, nonce: [UInt8], target: RouteEntry)? {
        guard case .inquire(messageID, let to, let nonce, let target) = outstanding else { return nil }
        outstanding = .none
        return (to, nonce, target)
    }

    /// The best match's answer did not hold (no valid CPA, or another key's): the previous best match takes
    /// its place ([MS-PNRP] 3.1.5.6.1.1).
    mutating func inquiryRejected() {
        rejectedCPAs += 1
        demoteBestMatch()
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
        outstanding = .none
    }
}
