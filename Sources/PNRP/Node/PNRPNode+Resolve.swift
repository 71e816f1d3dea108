import PeerCrypto

extension PNRPNode {
    /// Resolves a peer name ([MS-PNRP] 3.1.4.4): the target is the name's P2P ID with service location
    /// `prefix ‖ 0x8000000000000000` (prefix: the upper 64 bits of our address unless given). The answer
    /// arrives later as `.resolved` or `.resolveFailed` with the returned ID.
    ///
    /// With `includeLocal`, a matching name registered on this node answers at once
    /// (PickBestMatchFromLocalIds).
    public mutating func resolve(name: PeerName, criteria: ResolveCriteria = .anyPeerName, precision: UInt16 = 0, serviceLocationPrefix: UInt64? = nil, includeLocal: Bool = true, now: NodeInstant) -> ResolveID {
        let target = PNRPID(p2pID: name.p2pID, serviceLocation: .forResolution(prefix: serviceLocationPrefix ?? localEndpoint.address.high))
        if includeLocal {
            let local = cache.localIDs.filter { Resolution.matches($0, target: target, criteria: criteria, precision: precision) }
                .min { target.isCloser($0, than: $1) }
            if let local, let reg = registrations[local], let cpa = try? signedCPA(for: reg, nonce: CPA.zeroNonce, now: now) {
                let rid = ResolveID(rawValue: nextResolveID)
                nextResolveID += 1
                emit(.resolved(rid, ResolveResult(id: local, cpa: cpa, hops: 0, path: [localEndpoint], extendedPayload: reg.extendedPayload)))
                return rid
            }
        }
        return startResolve(target: target, criteria: criteria, precision: precision, reason: .applicationRequest, initialBestMatch: nil, now: now)
    }

    /// Creates an Outstanding Resolves entry and sends its first message ([MS-PNRP] 3.1.4.4.2).
    @discardableResult
    mutating func startResolve(target: PNRPID, criteria: ResolveCriteria, precision: UInt16, reason: ResolveReason, initialBestMatch: RouteEntry?, initialNextHop: RouteEntry? = nil, now: NodeInstant) -> ResolveID {
        let rid = ResolveID(rawValue: nextResolveID)
        nextResolveID += 1
        guard resolutions.count < configuration.maximumOutstandingResolves else {
            if reason == .applicationRequest { emit(.resolveFailed(rid, .cancelled)) }
            return rid
        }
        var r = Resolution(id: rid, target: target, criteria: criteria, precision: precision, reason: reason, localEndpoint: localEndpoint)
        r.currentBestMatch = initialBestMatch
        r.cacheCountAtStart = cache.count
        r.deadline = now + configuration.resolveTimeout
        if let first = initialNextHop ?? cache.closest(to: target) {
            r.nextHopStack.append(.init(entry: first, useCount: 0))
        } else if initialBestMatch == nil {
            if reason == .applicationRequest { emit(.resolveFailed(rid, .noNeighbours)) }
            return rid
        }
        resolutions[rid] = r
        advance(rid, now: now)
        return rid
    }

    /// Steps 7–9 of [MS-PNRP] 3.1.4.4.2: INQUIRE a sufficiently close best match, else LOOKUP the next hop,
    /// else finish.
    mutating func advance(_ rid: ResolveID, now: NodeInstant) {
        guard var r = resolutions[rid] else { return }
        if let best = r.currentBestMatch, r.isSufficientlyClose(best.id), !cache.isLocal(best.id), let to = best.primaryEndpoint {
            let nonce = random.bytes(16)
            let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain, .wantExtendedPayload], validateID: best.id, nonce: nonce)
            let mid = send(.inquire(inquire), to: to, pendingAs: .inquireForResolve(rid), now: now)
            r.outstanding = .inquire(messageID: mid, to: to, nonce: nonce, target: best)
            resolutions[rid] = r
            return
        }
        // An application's walk with no next hop left starts again from the closest cached entry it has not
        // asked yet (`docs/deviations.md`, item N30; N11 does the same after a silent hop).
        if r.nextHopStack.isEmpty, r.reason == .applicationRequest, r.restarts < Resolution.maximumRestarts,
            let alternative = cache.closest(to: r.target, excluding: Set(r.resolvePath + r.unreachable))
        {
            r.restarts += 1
            r.nextHopStack.append(.init(entry: alternative, useCount: 0))
        }
        guard var hop = r.nextHopStack.popLast(), r.suspiciousCount <= Resolution.maximumSuspicious,
            r.totalUsefulHops <= Resolution.maximumUsefulHops, let to = hop.entry.primaryEndpoint
        else {
            finish(rid, failure: r.rejectedCPAs > 0 ? .noValidCPA : .notFound, now: now)
            return
        }
        let lookup = Lookup(
            flags: cache.count < 8 ? .acceptNotCloser : [], precision: r.precision, criteria: r.criteria,
            reasonCode: r.reason.rawValue, target: r.target, validateID: hop.entry.id, bestMatch: r.currentBestMatch,
            flaggedPath: r.flaggedPath)
        let mid = send(.lookup(lookup), to: to, pendingAs: .lookup(rid), now: now)
        hop.useCount += 1
        r.currentNextHop = hop
        r.outstanding = .lookup(messageID: mid, to: to)
        resolutions[rid] = r
    }

    /// [MS-PNRP] 3.1.5.6.1: the answer to a LOOKUP.
    mutating func lookupAnswered(_ rid: ResolveID, messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, now: NodeInstant) {
        guard var r = resolutions[rid], case .lookup(messageID, let sentTo) = r.outstanding else { return }
        r.outstanding = .none
        r.recordVisited(sentTo)
        r.totalUsefulHops += 1
        if buffer.flags.contains(.leafSet) { r.suspiciousCount += 1 }
        var current = r.currentNextHop
        r.currentNextHop = nil
        if buffer.flags.contains(.notFound), let hop = current {
            evict(hop.entry.id, at: source, reason: .notRegistered)
            current = nil
        }
        let responderID = lookupValidateID(of: current, fallback: source, in: r)
        if let hop = current, hop.entry.id != .zero, r.currentBestMatch.map({ r.target.isCloser(hop.entry.id, than: $0.id) }) ?? true {
            r.promoteBestMatch(hop.entry)
        }
        // A seed asked without knowing its ID (split detection) is asked once.
        if let hop = current, hop.useCount >= Resolution.maximumUseCount || hop.entry.id == .zero { current = nil }
        // A node that had nothing closer to offer is not asked again: its answer could only shrink
        // (`docs/deviations.md`, item N2).
        if buffer.routeEntry == nil { current = nil }
        var pushedBack = false
        var closerHopOffered = false
        if let hop = current {
            r.nextHopStack.append(hop)
            pushedBack = true
        }
        if var next = buffer.routeEntry {
            let earlier = Set(r.resolvePath.dropLast() + r.flaggedSilent)
            if next.hasEndpoint(in: earlier) || next.port <= 1024 || next.hasEndpoint(advertisedEndpoint) || r.nextHopStack.contains(where: { $0.entry.id == next.id }) {
                // Already asked, or already queued.
            } else {
                next.addresses = Array(next.addresses.prefix(RouteEntry.maximumAddresses))
                if responderID.map({ r.target.isCloser(next.id, than: $0) }) ?? true || cache.count < 8 {
                    r.nextHopStack.append(.init(entry: next, useCount: 0))
                    closerHopOffered = true
                    consider(next, learnedFrom: source, now: now)
                } else if pushedBack {
                    r.nextHopStack.removeLast()
                }
            }
        }
        resolutions[rid] = r
        // A cache-maintenance resolve has done its job once an answer lands in the slot it was filling
        // (`docs/deviations.md`, item N19).
        if r.reason == .cacheMaintenance, let next = buffer.routeEntry, cache.slotKey(of: next.id) == cache.slotKey(of: r.target) {
            finish(rid, now: now)
            return
        }
        // A maintenance walk ends where the greedy descent ends (`docs/deviations.md`, item N20).
        if r.reason.endsAtClosestNode, !closerHopOffered {
            finish(rid, now: now)
            return
        }
        advance(rid, now: now)
    }

    /// The ID of the node that answered (the Validate PNRP ID the LOOKUP carried).
    private func lookupValidateID(of hop: Resolution.Hop?, fallback source: IPv6Endpoint, in r: Resolution) -> PNRPID? {
        if let hop { return hop.entry.id == .zero ? nil : hop.entry.id }
        if let best = r.currentBestMatch, best.hasEndpoint(source) { return best.id }
        return cache.id(at: source)
    }

    /// [MS-PNRP] 3.1.5.6.1.1: the publisher's answer to the final INQUIRE; its CPA must verify (3.1.5.7), and
    /// when the CPA has flag X the buffer must carry an EXTENDED_PAYLOAD that verifies under the CPA's key for
    /// this INQUIRE's ID and nonce (3.1.5.8). Either failure makes the whole answer invalid. So does a CPA
    /// under another key than the one already verified for the ID in our cache: someone else's CPA for that
    /// PNRP ID (`docs/deviations.md`, item N22); the cached entry stays. Signatures are checked last, once the
    /// cheaper checks have passed (item N26).
    mutating func inquireAnswered(_ rid: ResolveID, messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, now: NodeInstant) {
        guard var r = resolutions[rid], case .inquire(messageID, let sentTo, let nonce, let target) = r.outstanding else { return }
        r.outstanding = .none
        // Cheap checks before any signature check (`docs/deviations.md`, item N26): the CPA must speak for the ID
        // and the nonce asked about and be in date, and bear the key already verified for the ID, if any.
        let claim = buffer.validateCPA.flatMap { cpa in
            !buffer.flags.contains(.notFound) && !cpa.isRevocation
                && cpa.passesChecksBeforeSignature(now: now.fileTime, expectedID: target.id, expectedNonce: nonce) ? cpa : nil
        }
        if let claim, let known = cache.verifiedKey(of: target.id), known != claim.publicKey {
            statistics.cpaRejected += 1
            statistics.keyConflicts += 1
            r.rejectedCPAs += 1
            r.demoteBestMatch()
            resolutions[rid] = r
            advance(rid, now: now)
            return
        }
        if let cpa = claim, countedSignatureCheck(),
            (try? cpa.verify(now: now.fileTime, expectedID: target.id, expectedNonce: nonce, signatures: configuration.cpaSignatures)) != nil,
            countedSignatureCheck(if: cpa.flags.contains(.extendedPayload) && buffer.extendedPayload != nil),
            case .success(let extendedPayload) = Self.verifiedExtendedPayload(of: cpa, in: buffer, id: target.id, nonce: nonce, now: now)
        {
            r.recordVisited(sentTo)
            resolutions[rid] = r
            let result = ResolveResult(
                id: target.id, cpa: cpa, hops: r.totalUsefulHops, path: Array(r.resolvePath.dropFirst()), extendedPayload: extendedPayload?.content.data)
            finish(rid, result: result, now: now)
            return
        }
        statistics.cpaRejected += 1
        r.rejectedCPAs += 1
        evict(target.id, at: sentTo, reason: .invalidCPA)
        r.demoteBestMatch()
        resolutions[rid] = r
        advance(rid, now: now)
    }

    /// Counts a signature check about to start (`NodeStatistics.signatureChecks`) when `condition` holds;
    /// always true, so that it can sit in a condition list just before the check it counts.
    mutating func countedSignatureCheck(if condition: Bool = true) -> Bool {
        if condition { statistics.signatureChecks += 1 }
        return true
    }

    /// The extended payload that comes with a verified `cpa` ([MS-PNRP] 3.1.5.7, 3.1.5.8): nil when the CPA
    /// does not announce one (flag X clear; a payload sent anyway is ignored, never handed on); the verified
    /// payload when it does; a failure when it is missing or does not verify under the CPA's key for `id`
    /// and `nonce`.
    static func verifiedExtendedPayload(of cpa: CPA, in buffer: AuthorityBuffer, id: PNRPID, nonce: [UInt8], now: NodeInstant) -> Result<ExtendedPayload?, ExtendedPayloadError> {
        guard cpa.flags.contains(.extendedPayload) else { return .success(nil) }
        guard let bytes = buffer.extendedPayload else { return .failure(.missing) }
        do {
            return .success(try ExtendedPayload.verified(bytes, now: now.fileTime, expectedID: id, expectedNonce: nonce, publicKey: cpa.publicKey))
        } catch {
            return .failure(error)
        }
    }

    /// Ends a resolution and reports it.
    mutating func finish(_ rid: ResolveID, result: ResolveResult? = nil, failure: ResolveFailure = .notFound, now: NodeInstant) {
        guard let r = resolutions.removeValue(forKey: rid) else { return }
        resolutions.releaseStorageIfEmpty()
        switch r.outstanding {
        case .lookup(let mid, _), .inquire(let mid, _, _, _):
            pending.remove(mid)
        case .none: break
        }
        switch r.reason {
        case .registration:
            let id = r.target.subtracting(PNRPID(0, 0, 0, 1))
            if var reg = registrations[id], !reg.announced, r.totalUsefulHops > 0 {
                reg.announced = true
                registrations[id] = reg
                emit(.registered(id))
            }
        case .cacheMaintenance:
            // Learned something: keep the pace; learned nothing: back off.
            if cache.count > r.cacheCountAtStart {
                cacheMaintenanceInterval = configuration.maintenanceInterval
            } else {
                cacheMaintenanceInterval = Swift.min(cacheMaintenanceInterval * 2, configuration.maximumCacheMaintenanceInterval)
            }
            nextCacheMaintenance = now + cacheMaintenanceInterval
        default:
            break
        }
        guard r.reportsResult else { return }
        if let result { emit(.resolved(rid, result)) } else { emit(.resolveFailed(rid, failure)) }
    }

}
