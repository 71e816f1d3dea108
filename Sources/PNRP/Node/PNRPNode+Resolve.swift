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

    /// Steps 7–9 of [MS-PNRP] 3.1.4.4.2: sends what the resolution asks for next (`Resolution.next(host:)`), or
    /// finishes it.
    mutating func advance(_ rid: ResolveID, now: NodeInstant) {
        guard var r = resolutions[rid] else { return }
        switch r.next(host: &self) {
        case .inquire(let best, let to):
            let nonce = random.bytes(16)
            let inquire = Inquire(flags: Self.finalInquiryFlags, validateID: best.id, nonce: nonce)
            let mid = send(.inquire(inquire), to: to, pendingAs: .inquireForResolve(rid), now: now)
            r.inquireSent(messageID: mid, to: to, nonce: nonce, target: best)
            resolutions[rid] = r
        case .lookup(let lookup, let to):
            let mid = send(.lookup(lookup), to: to, pendingAs: .lookup(rid), now: now)
            r.lookupSent(messageID: mid, to: to)
            resolutions[rid] = r
        case .wait:
            resolutions[rid] = r
        case .finished(let failure) where r.mayWalkAgain(after: failure, now: now):
            // Nothing found after silent nodes: a second walk in a moment, from a cache that has dropped them,
            // through neighbourhoods that have had time to mend (`docs/deviations.md`, item N41).
            resolutions[rid] = r.secondWalk(at: now + Resolution.secondWalkDelay, localEndpoint: localEndpoint)
        case .finished(let failure):
            resolutions[rid] = r
            finish(rid, failure: failure, now: now)
        }
    }

    /// Starts the second walks that are due (`docs/deviations.md`, item N41).
    mutating func startSecondWalks(now: NodeInstant) {
        for (rid, r) in resolutions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) where r.secondWalkAt.map({ $0 <= now }) ?? false {
            var walk = r
            walk.secondWalkAt = nil
            guard let first = cache.closest(to: walk.target) else {
                resolutions[rid] = walk
                finish(rid, failure: .notFound, now: now)
                continue
            }
            walk.nextHopStack.append(.init(entry: first, useCount: 0))
            resolutions[rid] = walk
            advance(rid, now: now)
        }
    }

    /// [MS-PNRP] 3.1.5.6.1: the answer to a LOOKUP.
    mutating func lookupAnswered(_ rid: ResolveID, messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, now: NodeInstant) {
        guard var r = resolutions[rid] else { return }
        let outcome = r.lookupAnswered(messageID: messageID, buffer: buffer, from: source, host: &self, now: now)
        guard outcome != .ignored else { return }
        resolutions[rid] = r
        if outcome == .done {
            finish(rid, now: now)
        } else {
            advance(rid, now: now)
        }
    }

    /// [MS-PNRP] 3.1.5.6.1.1: the publisher's answer to the final INQUIRE; its CPA must verify (3.1.5.7), and
    /// when the CPA has flag X the buffer must carry an EXTENDED_PAYLOAD that verifies under the CPA's key for
    /// this INQUIRE's ID and nonce (3.1.5.8). Either failure makes the whole answer invalid. So does a CPA
    /// under another key than the one already verified for the ID in our cache: someone else's CPA for that
    /// PNRP ID (`docs/deviations.md`, item N22); the cached entry stays. Signatures are checked last, once the
    /// cheaper checks have passed (item N26).
    ///
    /// A busy answer without a CPA is the publisher short of signing time, not a refusal: with a SIGNING_COOKIE
    /// the same INQUIRE goes again at once with the cookie (item N32); without one, or to a cookie already
    /// echoed, it counts as an unanswered round (`Resolution.inquireFailed`).
    mutating func inquireAnswered(_ rid: ResolveID, messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, now: NodeInstant) {
        guard var r = resolutions[rid], let (sentTo, nonce, target, echoed) = r.takeInquiry(messageID: messageID) else { return }
        if buffer.flags.contains(.busy), !buffer.flags.contains(.notFound), buffer.validateCPA == nil {
            if echoed == nil, let cookie = buffer.signingCookie {
                let inquire = Inquire(flags: Self.finalInquiryFlags, validateID: target.id, nonce: nonce, signingCookie: cookie)
                let mid = send(.inquire(inquire), to: sentTo, pendingAs: .inquireForResolve(rid), now: now)
                r.inquireSent(messageID: mid, to: sentTo, nonce: nonce, target: target, signingCookie: cookie)
            } else {
                r.inquireFailed(to: sentTo, host: &self)
            }
            resolutions[rid] = r
            advance(rid, now: now)
            return
        }
        // Cheap checks before any signature check (`docs/deviations.md`, item N26): the CPA must speak for the ID
        // and the nonce asked about and be in date, and bear the key already verified for the ID, if any.
        let claim = buffer.validateCPA.flatMap { cpa in
            !buffer.flags.contains(.notFound) && !cpa.isRevocation
                && cpa.passesChecksBeforeSignature(now: now.fileTime, expectedID: target.id, expectedNonce: nonce) ? cpa : nil
        }
        if let claim, let known = cache.verifiedKey(of: target.id), known != claim.publicKey {
            statistics.cpaRejected += 1
            statistics.keyConflicts += 1
            r.inquiryRejected(by: sentTo, claim: target.id)
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
        evict(target.id, at: sentTo, reason: .invalidCPA)
        r.inquiryRejected(by: sentTo, claim: target.id)
        resolutions[rid] = r
        advance(rid, now: now)
    }

    /// What a resolution's final INQUIRE asks for: the CPA, the certificate chain and the extended payload
    /// ([MS-PNRP] 3.1.4.4.2 step 9).
    static let finalInquiryFlags: InquireFlags = [.wantCPA, .wantCertificateChain, .wantExtendedPayload]

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
        for mid in r.outstandingMessageIDs { pending.remove(mid) }
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
