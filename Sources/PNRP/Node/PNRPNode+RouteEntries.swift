import PeerCrypto

extension PNRPNode {
    /// Submits a route entry learned from a message to the cache ([MS-PNRP] 3.1.5.11, 3.2.5.1): entries the
    /// cache would keep are first tested for return routability with an INQUIRE, and entries that would
    /// enter a leaf set must also return a CPA that verifies. An INQUIRE to another endpoint than the source of
    /// the datagram being handled is sent only within the bytes that datagram carried (`docs/deviations.md`,
    /// item N27).
    ///
    /// A route entry naming a cached ID at other addresses must return a CPA under the key already verified
    /// for the ID (`completeAdd`). When the ID is cached without a verified CPA, its node is asked for its CPA
    /// instead, so the key the ID is held under is that of the node it was cached at
    /// (`docs/deviations.md`, item N22).
    mutating func consider(_ entry: RouteEntry, learnedFrom source: IPv6Endpoint, alreadyFlooded: [IPv6Endpoint]? = nil, viaFlood: Bool = false, now: NodeInstant) {
        guard entry.port > 1024, let destination = entry.primaryEndpoint, destination != localEndpoint, destination != advertisedEndpoint,
            !pendingAddIDs.contains(entry.id), pendingAdds.count < configuration.maximumPendingAdds,
            cache.wouldAccept(entry)
        else { return }
        if let cached = cache.entry(entry.id), !cached.sameLocation(as: entry), !cache.isVerified(entry.id) {
            validateIncumbent(cached, now: now)
            return
        }
        let needCPA = cache.needsCPA(entry)
        let nonce: [UInt8]? = needCPA && configuration.leafSetValidationNonce ? random.bytes(16) : nil
        let inquire = Inquire(flags: needCPA ? Self.validationInquiryFlags : [], validateID: entry.id, nonce: nonce)
        // A route entry naming another node than the one that sent it is validated only within the bytes
        // the datagram carried (`docs/deviations.md`, item N27).
        guard let id = sendCausedByDatagram(.inquire(inquire), to: destination, pendingAs: .inquireForAdd, now: now) else { return }
        pendingAdds[id] = PendingAdd(entry: entry, needCPA: needCPA, nonce: nonce, alreadyFlooded: alreadyFlooded, floodSource: viaFlood ? source : nil)
        pendingAddIDs.insert(entry.id)
    }

    /// What an INQUIRE validating a route entry asks for when it needs the CPA: the CPA and the certificate
    /// chain ([MS-PNRP] 3.1.5.11, 3.2.5.1).
    static let validationInquiryFlags: InquireFlags = [.wantCPA, .wantCertificateChain]

    /// Asks the node of an entry cached without a CPA for one (as 3.2.5.1 asks a leaf-set entry for it), because
    /// another route entry named its ID at other addresses. The entry then holds the key its CPA verifies
    /// under; it goes if the node answers that it no longer holds the ID, shows no valid CPA, or does not
    /// answer (`docs/deviations.md`, item N22).
    mutating func validateIncumbent(_ cached: RouteEntry, now: NodeInstant) {
        guard let destination = cached.primaryEndpoint, destination != localEndpoint else { return }
        let nonce: [UInt8]? = configuration.leafSetValidationNonce ? random.bytes(16) : nil
        let inquire = Inquire(flags: Self.validationInquiryFlags, validateID: cached.id, nonce: nonce)
        let id = send(.inquire(inquire), to: destination, pendingAs: .inquireForAdd, now: now)
        pendingAdds[id] = PendingAdd(entry: cached, needCPA: true, nonce: nonce, alreadyFlooded: nil, floodSource: nil, incumbent: true)
        pendingAddIDs.insert(cached.id)
    }

    /// [MS-PNRP] 3.2.5.6: answer an INQUIRE about one of our IDs, with a CPA when asked: signed for the
    /// INQUIRE's nonce, or, without one (or with a zero one), the CPA signed once with a zero nonce. When the
    /// INQUIRE asks for the extended payload (flag X) and the registration has one, the buffer carries an
    /// EXTENDED_PAYLOAD signed for the same nonce (3.2.5.8), cached the same way for the zero nonce.
    ///
    /// Signatures come out of the signing budget (`NodeConfiguration.signaturesPerSecond`; `docs/deviations.md`,
    /// item N26). Answering with a CPA that was not signed for the INQUIRE's nonce would only get our entry
    /// removed from the asker's cache as an invalid CPA (3.1.5.6.1.1), so an INQUIRE whose answer would need
    /// more than is left gets a busy AUTHORITY carrying a SIGNING_COOKIE for its source instead (N32): sent
    /// again with it, the INQUIRE is answered from time kept for senders that receive at their address, which
    /// forged INQUIREs cannot take, each source address spending from its bucket's share (busy without a
    /// cookie when that is spent; nothing for a cookie that is not valid).
    mutating func receiveInquire(_ m: Inquire, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        // The registration is read field by field where it is kept: a copy of it would cost more than the answer.
        guard let at = registrations.index(of: m.validateID) else {
            sendAuthority(AuthorityBuffer(flags: .notFound), answering: messageID, to: source, now: now)
            return
        }
        var buffer = AuthorityBuffer(flags: [], routeEntry: registrations.values[at].routeEntry(at: advertisedEndpoint))
        let nonce = m.nonce ?? CPA.zeroNonce
        let freshAfter = (now + .hours(1)).fileTime
        let cachedCPA = nonce == CPA.zeroNonce ? registrations.values[at].cachedCPA.flatMap { $0.notAfter > freshAfter ? $0 : nil } : nil
        let cachedPayload =
            nonce == CPA.zeroNonce ? registrations.values[at].cachedExtendedPayload.flatMap { $0.notAfter > freshAfter ? $0 : nil } : nil
        let wantsPayload = m.flags.contains(.wantExtendedPayload) && registrations.values[at].extendedPayload != nil
        let signatures = (m.flags.contains(.wantCPA) && cachedCPA == nil ? 1 : 0) + (wantsPayload && cachedPayload == nil ? 1 : 0)
        if signatures > 0 {
            switch signingTime(signatures, for: m, from: source, now: now) {
            case .granted:
                break
            case .budgetSpent:
                statistics.inquiriesOverSigningBudget += 1
                if let nonce = m.nonce {
                    let cookie = signingCookie(for: source, inquiring: m.validateID, flags: m.flags, nonce: nonce, period: signingCookiePeriod(at: now))
                    sendAuthority(AuthorityBuffer(flags: .busy, signingCookie: cookie), answering: messageID, to: source, now: now)
                    statistics.signingCookiesSent += 1
                }
                return
            case .shareSpent:
                statistics.inquiriesOverSigningBudget += 1
                sendAuthority(AuthorityBuffer(flags: .busy), answering: messageID, to: source, now: now)
                return
            case .cookieRefused:
                statistics.signingCookiesRefused += 1
                return
            }
        }
        if m.flags.contains(.wantCPA) {
            if let cached = cachedCPA {
                buffer.validateCPA = cached
            } else if let cpa = try? signedCPA(for: registrations.values[at], nonce: nonce, now: now) {
                buffer.validateCPA = cpa
                if nonce == CPA.zeroNonce { registrations.modify(at: at) { $0.cachedCPA = cpa } }
            }
        }
        if wantsPayload {
            if let cached = cachedPayload {
                buffer.extendedPayload = cached.encoded()
            } else if let payload = signedExtendedPayload(for: registrations.values[at], nonce: nonce, now: now) {
                buffer.extendedPayload = payload.encoded()
                if nonce == CPA.zeroNonce { registrations.modify(at: at) { $0.cachedExtendedPayload = payload } }
            }
        }
        sendAuthority(buffer, answering: messageID, to: source, now: now)
    }

    /// Longest signing credit: one second of the signing budget (`docs/deviations.md`, item N26).
    static let signingWindow: UInt64 = 1_000_000_000

    /// Takes the time of `count` signatures out of the signing budget, after topping it up for the time
    /// passed (at `NodeConfiguration.signaturesPerSecond`, never beyond one second's worth); false, taking
    /// nothing, when not that much is left (`docs/deviations.md`, item N26).
    mutating func spendSigningBudget(_ count: Int, now: NodeInstant) -> Bool {
        if now > signingCreditAt {
            signingCredit = Swift.min(Self.signingWindow, signingCredit + Self.signingTimeElapsed(since: signingCreditAt, now: now))
            signingCreditAt = now
        }
        let cost = Self.signingCost(count, signaturesPerSecond: configuration.signaturesPerSecond)
        guard signingCredit >= cost else { return false }
        signingCredit -= cost
        return true
    }

    /// The signing time earned from `since` to `now` (nanoseconds, at most `signingWindow`).
    static func signingTimeElapsed(since: NodeInstant, now: NodeInstant) -> UInt64 { Swift.min((now - since).nanoseconds, signingWindow) }

    /// The signing time `count` signatures take from one of `shares` equal shares of `signaturesPerSecond`
    /// (nanoseconds).
    static func signingCost(_ count: Int, signaturesPerSecond: Double, shares: Int = 1) -> UInt64 {
        UInt64((1e9 * Double(shares) / signaturesPerSecond).rounded(.up)) * UInt64(Swift.max(count, 0))
    }

    /// Builds and signs the EXTENDED_PAYLOAD of a registration for `nonce` ([MS-PNRP] 3.2.5.8), with the key
    /// that signs its CPA and the CPA's lifetime; nil when it has none.
    mutating func signedExtendedPayload(for reg: LocalRegistration, nonce: [UInt8], now: NodeInstant) -> ExtendedPayload? {
        guard let data = reg.extendedPayload else { return nil }
        statistics.signaturesMade += 1
        return try? ExtendedPayload.signed(
            pnrpID: reg.id, nonce: nonce, notAfter: (now + configuration.cpaLifetime).fileTime, content: .binary(data), key: reg.key)
    }

    /// Builds and signs the CPA of a registration ([MS-PNRP] 3.2.5.7).
    mutating func signedCPA(for reg: LocalRegistration, nonce: [UInt8], now: NodeInstant) throws(CPAError) -> CPA {
        statistics.signaturesMade += 1
        let cpa =
            reg.forged
            ? forgedCPA(for: reg, nonce: nonce, now: now)
            : try CPA.signed(
                name: reg.name, serviceLocation: reg.id.serviceLocation, serviceAddresses: [advertisedEndpoint],
                payload: reg.payload, friendlyName: reg.friendlyName, notAfter: (now + configuration.cpaLifetime).fileTime,
                nonce: nonce, key: reg.key, hasExtendedPayload: reg.extendedPayload != nil)
        configuration.cpaSignatures.didSign(cpa)
        return cpa
    }

    /// What a forger serves: a CPA claiming a secured name's authority, signed with a key that does not
    /// hash to it. Only `registerWithoutAuthorityCheck` (adversarial runs and tests) creates such registrations; every verifier must reject it.
    func forgedCPA(for reg: LocalRegistration, nonce: [UInt8], now: NodeInstant) -> CPA {
        var cpa = CPA(
            flags: reg.extendedPayload == nil ? [.binaryAuthority, .classifierHash] : [.binaryAuthority, .classifierHash, .extendedPayload], notAfter: (now + configuration.cpaLifetime).fileTime,
            serviceLocation: reg.id.serviceLocation, nonce: nonce, binaryAuthority: reg.name.authority.binary,
            classifierHash: reg.name.classifierHash, friendlyName: nil, serviceAddresses: [advertisedEndpoint],
            payload: reg.payload, publicKey: reg.key.publicKey.bytes, signature: [UInt8](repeating: 0, count: 64))
        cpa.signature = reg.key.signature(for: cpa.signedBytes)
        return cpa
    }

    /// Sends an AUTHORITY_BUFFER in one or more AUTHORITY fragments ([MS-PNRP] 3.2.5.10).
    /// `lookupReason`, when it answers a LOOKUP, counts the bytes under that reason.
    mutating func sendAuthority(_ buffer: AuthorityBuffer, answering requestID: UInt32, to destination: IPv6Endpoint, lookupReason: UInt8? = nil, now: NodeInstant) {
        guard let bytes = try? buffer.encoded(), let fragments = try? AuthorityFragment.fragments(of: bytes, ackedMessageID: requestID) else {
            statistics.encodeFailures += 1
            return
        }
        let headerID = freshMessageID()
        let before = statistics.bytesSent
        for f in fragments { send(.authority(f), to: destination, messageID: headerID, now: now) }
        if let lookupReason { statistics.lookupBytesByReason[lookupReason, default: 0] += statistics.bytesSent - before }
    }

    /// [MS-PNRP] 3.1.5.6: match an AUTHORITY with the request it answers, reassemble, and dispatch.
    mutating func receiveAuthority(_ m: AuthorityFragment, messageID headerID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        guard let request = pending[m.ackedMessageID], request.destination == source, request.kind.isAnsweredByAuthority else {
            statistics.dropped += 1
            return
        }
        let bytes: [UInt8]
        if m.isWholeBuffer {
            bytes = m.fragment
        } else {
            do {
                guard let complete = try reassembler.receive(m, messageID: headerID, from: source, now: now.nanoseconds) else { return }
                bytes = complete
            } catch {
                statistics.malformed += 1
                return
            }
        }
        guard let buffer = try? AuthorityBuffer(decoding: bytes) else {
            statistics.malformed += 1
            return
        }
        pending.remove(m.ackedMessageID)
        if !request.retransmitted { roundTrip.add(now - request.sentAt) }
        switch request.kind {
        case .lookup(let rid): lookupAnswered(rid, messageID: m.ackedMessageID, buffer: buffer, from: source, now: now)
        case .inquireForResolve(let rid): inquireAnswered(rid, messageID: m.ackedMessageID, buffer: buffer, from: source, now: now)
        case .inquireForAdd: completeAdd(messageID: m.ackedMessageID, buffer: buffer, from: source, now: now)
        case .inquireForLiveness(let id), .neighbourProbe(let id): if buffer.flags.contains(.notFound) { evict(id, at: source, reason: .notRegistered) }
        case .solicit, .request, .flood, .reach, .relayRequest, .streamRequest: break  // excluded by the guard above
        }
    }

    /// [MS-PNRP] 3.1.5.6.1.2 and 3.2.5.11: finish validating a route entry, cache it, and flood it on when
    /// it joined a leaf set. A CPA under another key than the one already verified for its ID is refused and
    /// counted, and the cached entry stays as it was (`docs/deviations.md`, item N22). The signature is checked
    /// last, once the cache still wants the entry and every cheaper check has passed (item N26). An entry
    /// validated without a CPA is cached at the endpoint that answered only (item N24).
    mutating func completeAdd(messageID: UInt32, buffer: AuthorityBuffer, from source: IPv6Endpoint, now: NodeInstant) {
        guard let add = pendingAdds.removeValue(forKey: messageID) else { return }
        pendingAddIDs.remove(add.entry.id)
        pendingAdds.releaseStorageIfEmpty()
        pendingAddIDs.releaseStorageIfEmpty()
        if buffer.flags.contains(.notFound) {
            if add.incumbent { evict(add.entry.id, at: source, reason: .notRegistered) }
            return
        }
        if add.needCPA, buffer.flags.contains(.busy), buffer.validateCPA == nil {
            // The node had no signing time for our nonce (`docs/deviations.md`, item N32): once, the same INQUIRE
            // again with its cookie. Otherwise the candidate is dropped and an incumbent stays: its node answered.
            if !add.echoedCookie, let cookie = buffer.signingCookie, let nonce = add.nonce {
                let inquire = Inquire(flags: Self.validationInquiryFlags, validateID: add.entry.id, nonce: nonce, signingCookie: cookie)
                let id = send(.inquire(inquire), to: source, pendingAs: .inquireForAdd, now: now)
                var again = add
                again.echoedCookie = true
                pendingAdds[id] = again
                pendingAddIDs.insert(add.entry.id)
            }
            return
        }
        var verifiedKey: [UInt8]?
        if add.needCPA {
            guard let cpa = buffer.validateCPA else {
                if add.incumbent { evict(add.entry.id, at: source, reason: .invalidCPA) }
                return
            }
            // Cheap checks first: the cache must still want the entry, and the CPA must speak for its ID and our
            // nonce (an INQUIRE without one asks for a CPA signed with a zero one, [MS-PNRP] 3.2.5.6), be in date,
            // list the entry's endpoints and not bear another key than the one verified for the ID.
            guard add.incumbent || cache.wouldAccept(add.entry) else { return }
            let nonce = add.nonce ?? CPA.zeroNonce
            guard !cpa.isRevocation, cpa.passesChecksBeforeSignature(now: now.fileTime, expectedID: add.entry.id, expectedNonce: nonce),
                add.entry.endpoints.allSatisfy({ cpa.serviceAddresses.contains($0) })
            else {
                statistics.cpaRejected += 1
                if add.incumbent { evict(add.entry.id, at: source, reason: .invalidCPA) }
                return
            }
            if let known = cache.verifiedKey(of: add.entry.id), known != cpa.publicKey {
                statistics.cpaRejected += 1
                statistics.keyConflicts += 1
                return
            }
            do {
                statistics.signatureChecks += 1
                try cpa.verify(now: now.fileTime, expectedID: add.entry.id, expectedNonce: nonce, signatures: configuration.cpaSignatures)
            } catch {
                statistics.cpaRejected += 1
                if add.incumbent { evict(add.entry.id, at: source, reason: .invalidCPA) }
                return
            }
            verifiedKey = cpa.publicKey
        }
        var entry = add.entry
        if verifiedKey == nil, entry.addressCount > 1, let answered = entry.primaryAddress { entry.addresses = [answered] }
        let outcome = cache.add(entry, verifiedKey: verifiedKey)
        if outcome.keyConflict {
            statistics.cpaRejected += 1
            statistics.keyConflicts += 1
            return
        }
        // An entry a seed flooded us: the node now knows a member of the seed's cloud (`docs/deviations.md`, N12).
        if !hasSynchronized, outcome.cached, let seed = add.floodSource, seedEndpoints.contains(seed) { hasSynchronized = true }
        if let local = outcome.leafSetsJoined.first {
            floodNewNeighbour(entry, joinedLeafSetOf: local, alreadyFlooded: add.alreadyFlooded ?? [], floodSource: add.floodSource, now: now)
        }
    }

    /// [MS-PNRP] 3.2.5.11: tell the nearest cached IDs on either side of a new leaf-set member about it, and
    /// the sender of the FLOOD about us. The new member is also sent our own entry when it reached us through
    /// a third node, so that both ends of the link know each other (`docs/deviations.md`, item N3).
    mutating func floodNewNeighbour(_ entry: RouteEntry, joinedLeafSetOf local: PNRPID, alreadyFlooded: [IPv6Endpoint], floodSource: IPv6Endpoint?, now: NodeInstant) {
        var excluded = Set(alreadyFlooded)
        excluded.formUnion(entry.endpoints)
        excluded.insert(localEndpoint)
        excluded.insert(advertisedEndpoint)
        let targets = cache.nearestOnEachSide(of: entry.id, excluding: excluded)
        var list = alreadyFlooded
        for t in targets { if let ep = t.primaryEndpoint, !list.contains(ep) { list.append(ep) } }
        if list.count > WireFormat.maximumAlreadyFlooded { list = Array(list.suffix(WireFormat.maximumAlreadyFlooded)) }
        for t in targets {
            guard let ep = t.primaryEndpoint else { continue }
            let flood = Flood(doNotAck: false, validateID: t.id, routeEntry: entry, alreadyFlooded: list)
            send(.flood(flood), to: ep, pendingAs: .flood(validateID: t.id), now: now)
        }
        guard let mine = registrations.routeEntry(of: local, at: advertisedEndpoint) else { return }
        if let src = floodSource, !entry.hasEndpoint(src) {
            send(.flood(Flood(doNotAck: false, validateID: .zero, routeEntry: mine, alreadyFlooded: [advertisedEndpoint])), to: src, pendingAs: .flood(validateID: .zero), now: now)
        }
        if let ep = entry.primaryEndpoint, ep != floodSource {
            send(.flood(Flood(doNotAck: false, validateID: entry.id, routeEntry: mine, alreadyFlooded: [advertisedEndpoint])), to: ep, pendingAs: .flood(validateID: entry.id), now: now)
        }
    }

    /// [MS-PNRP] 3.1.5.5, 3.2.5.5: ACK unless D is set, consider the route entry, apply a revocation.
    mutating func receiveFlood(_ m: Flood, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        if !m.doNotAck {
            let notHere = m.validateID != .zero && !cache.isLocal(m.validateID)
            send(.ack(Ack(ackedMessageID: messageID, flags: notHere ? .notFound : nil)), to: source, now: now)
        }
        if let entry = m.routeEntry {
            consider(entry, learnedFrom: source, alreadyFlooded: m.alreadyFlooded, viaFlood: true, now: now)
        }
        if let revoke = m.revokeCPA { applyRevocation(revoke, from: source, alreadyFlooded: m.alreadyFlooded, now: now) }
    }

    /// [MS-PNRP] 3.1.5.5, 1.3.3.3: a valid Revoke CPA removes its ID; when the ID was in one of our leaf sets
    /// the revocation goes on to the nearest members on either side. The revocation must be signed by the
    /// key whose CPA we verified for the entry (CPA C7: anyone can sign for an unsecured name); for an entry
    /// cached without a CPA we only check that the node still holds the ID. Its signature is checked last:
    /// a revocation of an ID we do not cache, or under another key than the cached one, costs no Ed25519
    /// verification (`docs/deviations.md`, item N26).
    mutating func applyRevocation(_ cpa: CPA, from source: IPv6Endpoint, alreadyFlooded: [IPv6Endpoint], now: NodeInstant) {
        guard cpa.isRevocation, let id = cpa.pnrpID, let entry = cache.entry(id) else { return }
        guard let key = cache.verifiedKey(of: id) else {
            // The liveness check is the proof here, whatever the revocation is worth.
            if let ep = entry.primaryEndpoint { checkLiveness(of: ep, id: id, now: now) }
            return
        }
        guard ConstantTime.equal(key, cpa.publicKey), cpa.passesChecksBeforeSignature(now: now.fileTime) else {
            statistics.cpaRejected += 1
            return
        }
        statistics.signatureChecks += 1
        do { try cpa.verify(now: now.fileTime, signatures: configuration.cpaSignatures) } catch {
            statistics.cpaRejected += 1
            return
        }
        let wasNeighbour = cache.isInLeafSet(id)
        evict(id, reason: .revoked)
        guard wasNeighbour else { return }
        var list = alreadyFlooded
        if !list.contains(source) { list.append(source) }
        if !list.contains(advertisedEndpoint) { list.append(advertisedEndpoint) }
        let excluded = Set(list)
        for t in cache.nearestOnEachSide(of: id, excluding: excluded) {
            guard let ep = t.primaryEndpoint, list.count < WireFormat.maximumAlreadyFlooded else { continue }
            list.append(ep)
            send(.flood(Flood(doNotAck: false, validateID: t.id, revokeCPA: cpa, alreadyFlooded: list)), to: ep, pendingAs: .flood(validateID: t.id), now: now)
        }
    }
}
