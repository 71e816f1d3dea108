import PeerCrypto

extension PNRPNode {
    /// Registers `name` in this cloud ([MS-PNRP] 3.2.4.1) and returns its new PNRP ID.
    ///
    /// The ID is the name's P2P ID followed by a service location made of `serviceLocationPrefix` (default:
    /// the upper 64 bits of our address) and 64 bits of SHA-1 over the key, our endpoint and a random salt.
    /// The node then resolves ID + 1 (REASON_REGISTRATION) carrying its own route entry, so that the nodes
    /// around the new ID learn it and flood it through their leaf sets; `.registered(id)` follows.
    ///
    /// With `extendedPayload` (1...4096 bytes of binary data), the registration's CPAs carry flag X, and an
    /// INQUIRE that asks for it (flag X) is answered with an EXTENDED_PAYLOAD signed by `key` for that
    /// INQUIRE's nonce ([MS-PNRP] 2.2.3.3, 3.2.5.6, 3.2.5.8).
    ///
    /// - Throws: `RegistrationError.notAuthority` when a secured name's authority is not the SHA-1 of
    ///   `key`'s public key; `.extendedPayloadSize` when `extendedPayload` is empty or longer than 4096 bytes.
    public mutating func register(name: PeerName, key: Ed25519PrivateKey, payload: [IPv6AppEndpoint]? = nil, friendlyName: String? = nil, extendedPayload: [UInt8]? = nil, serviceLocationPrefix: UInt64? = nil, now: NodeInstant) throws(RegistrationError) -> PNRPID {
        if name.isSecured, Authority.of(publicKey: key.publicKey.bytes) != name.authority { throw .notAuthority(name) }
        return try registerWithoutAuthorityCheck(
            name: name, key: key, payload: payload, friendlyName: friendlyName, extendedPayload: extendedPayload, serviceLocationPrefix: serviceLocationPrefix,
            now: now)
    }

    /// `register` without the authority check: what a node forging someone else's secured name does. For
    /// adversarial simulations and tests only — the node then serves a CPA claiming the name's authority but
    /// signed with `key`, which every honest verifier rejects ([MS-PNRP] 3.1.5.7). Applications use
    /// `register`.
    public mutating func registerWithoutAuthorityCheck(name: PeerName, key: Ed25519PrivateKey, payload: [IPv6AppEndpoint]? = nil, friendlyName: String? = nil, extendedPayload: [UInt8]? = nil, serviceLocationPrefix: UInt64? = nil, now: NodeInstant) throws(RegistrationError) -> PNRPID {
        if let extendedPayload, !(1...ExtendedPayload.maximumBinaryBytes).contains(extendedPayload.count) {
            throw .extendedPayloadSize(extendedPayload.count)
        }
        let location = ServiceLocation.forRegistration(
            prefix: serviceLocationPrefix ?? localEndpoint.address.high, publicKey: key.publicKey.bytes,
            serviceAddresses: [localEndpoint], salt: random.bytes(8))
        let id = PNRPID(p2pID: name.p2pID, serviceLocation: location)
        var reg = LocalRegistration(
            name: name, id: id, key: key, payload: payload, friendlyName: friendlyName, extendedPayload: extendedPayload,
            nextAnnouncement: now + configuration.announcementInterval, announcementInterval: configuration.announcementInterval * 2)
        reg.forged = name.isSecured && Authority.of(publicKey: key.publicKey.bytes) != name.authority
        do {
            reg.cachedCPA = try signedCPA(for: reg, nonce: CPA.zeroNonce, now: now)
        } catch {
            throw .cpa(error)
        }
        registrations[id] = reg
        cache.addLocal(id)
        revalidateLeafCandidates(now: now)
        // With NAT traversal, a new node first learns which endpoint to publish (maintenance announces it then).
        if !announcementsHeld(now: now) {
            startResolve(target: id.adding(PNRPID(0, 0, 0, 1)), criteria: .exact, precision: 0, reason: .registration, initialBestMatch: reg.routeEntry(at: advertisedEndpoint), now: now)
        }
        return id
    }

    /// Unregisters `id` ([MS-PNRP] 3.2.4.2): a signed Revoke CPA goes to the nearest leaf-set member on
    /// each side, and each edge of the leaf set is told about the neighbour on the other side. Returns
    /// false when `id` is not registered here.
    @discardableResult
    public mutating func unregister(_ id: PNRPID, now: NodeInstant) -> Bool {
        guard let reg = registrations.removeValue(forKey: id), let set = cache.leafSet(of: id) else { return false }
        if let cpa = reg.cachedCPA ?? (try? signedCPA(for: reg, nonce: CPA.zeroNonce, now: now)),
            let revoke = try? cpa.revocation(notAfter: (now + configuration.cpaLifetime).fileTime, key: reg.key)
        {
            statistics.signaturesMade += 1
            configuration.cpaSignatures.didSign(revoke)
            for neighbour in [set.upper.first, set.lower.first].compactMap({ $0 }) {
                guard let entry = cache.entry(neighbour), let ep = entry.primaryEndpoint else { continue }
                let flood = Flood(doNotAck: false, validateID: neighbour, revokeCPA: revoke, alreadyFlooded: [advertisedEndpoint])
                send(.flood(flood), to: ep, pendingAs: .flood(validateID: neighbour), now: now)
            }
        }
        // Introduce the nearest neighbour on one side to the farthest member on the other ([MS-PNRP] 3.2.4.2).
        let pairs: [(PNRPID?, PNRPID?)] = [(set.upper.first, set.lower.last), (set.lower.first, set.upper.last)]
        for case let (carried?, destination?) in pairs where carried != destination {
            guard let entry = cache.entry(carried), let dest = cache.entry(destination), let ep = dest.primaryEndpoint else { continue }
            let flood = Flood(doNotAck: false, validateID: destination, routeEntry: entry, alreadyFlooded: [advertisedEndpoint])
            send(.flood(flood), to: ep, pendingAs: .flood(validateID: destination), now: now)
        }
        cache.removeLocal(id)
        return true
    }
}
