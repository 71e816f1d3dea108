import PeerCrypto

extension PNRPNode {
    /// True when the node may offer its cache to a synchronising peer: it has joined the cloud of one of its
    /// seeds, or it has none (the first node of a cloud). Until then it answers "too busy" (`docs/deviations.md`,
    /// item N12).
    var mayAnswerAsMember: Bool { hasSynchronized || seedEndpoints.isEmpty }

    /// Starts a synchronisation conversation with `peer` ([MS-PNRP] 3.1.4.3): SOLICIT → ADVERTISE →
    /// REQUEST → ACK + one FLOOD per ID. The peer is remembered as a seed for rediscovery.
    ///
    /// A node that has already joined a cloud and is given a seed it did not have also runs split detection
    /// from it at once ([MS-PNRP] 3.2.6.2.1, `docs/deviations.md` N38): the new seed may belong to another
    /// part of the cloud, which the SOLICIT alone would not join to ours.
    public mutating func synchronize(with peer: IPv6Endpoint, now: NodeInstant) {
        let newSeed = !seedEndpoints.contains(peer)
        if newSeed { seedEndpoints.append(peer) }
        solicit(peer, around: nil, now: now)
        if newSeed, hasSynchronized, peer != localEndpoint { detectSplit(from: peer, now: now) }
    }

    /// Sends a SOLICIT ([MS-PNRP] 2.2.2.1, 3.1.4.3). With `around`, it is of type LOCAL and carries that
    /// registration's route entry: the peer then offers the IDs nearest to it, which refreshes a leaf set.
    mutating func solicit(_ peer: IPv6Endpoint, around localID: PNRPID?, now: NodeInstant) {
        let nonce = random.bytes(16)
        let local = (localID ?? cache.leafSets.first?.center).flatMap { registrations.routeEntry(of: $0, at: advertisedEndpoint) }
        let solicit = Solicit(solicitType: localID == nil ? nil : .local, routeEntry: local, hashedNonce: SHA1.hash(nonce))
        let id = send(.solicit(solicit), to: peer, pendingAs: .solicit, now: now)
        conversationsOut[id] = OutgoingConversation(nonce: nonce, peer: peer, local: localID != nil)
    }

    /// [MS-PNRP] 3.2.5.3: answer with about five IDs spread around the number space, or, to a SOLICIT of
    /// type LOCAL, with the IDs nearest to its route entry.
    ///
    /// No Conversation Table entry is created (`docs/deviations.md`, item N25): the spread sample is ordered by
    /// a rank keyed by a keyed hash of the peer, the Hashed Nonce and the current conversation period, so the
    /// REQUEST that follows can be checked against it without any state kept per SOLICIT, and forged
    /// SOLICITs, however many, cannot leave a real joiner "too busy" answers.
    mutating func receiveSolicit(_ m: Solicit, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        var ids: [PNRPID] = []
        // A node still trying to reach its own seeds answers "too busy" (an empty ADVERTISE): a joiner that
        // synchronised with it would otherwise start a separate cloud (`docs/deviations.md`, item N12).
        if mayAnswerAsMember {
            if m.solicitType == .local, let center = m.routeEntry?.id {
                ids = nearestIDs(around: center)
            } else {
                ids = Array(offerOrder(to: source, hashedNonce: m.hashedNonce, period: conversationPeriod(at: now)).prefix(Self.offeredIDCount))
            }
        }
        send(.advertise(Advertise(ackedMessageID: messageID, ids: ids, hashedNonce: m.hashedNonce)), to: source, now: now)
        if let entry = m.routeEntry { consider(entry, learnedFrom: source, now: now) }
    }

    /// IDs offered to a SOLICIT of type ANY ([MS-PNRP] 3.2.5.3: five).
    static let offeredIDCount = 5
    /// Places an offered ID may have moved back by when its REQUEST arrives, because entries were cached in
    /// between (`docs/deviations.md`, item N25).
    static let offeredIDSlack = 5

    /// The conversation period `now` falls in: Conversation Timer lengths ([MS-PNRP] 3.2.2) since the epoch.
    func conversationPeriod(at now: NodeInstant) -> UInt64 {
        now.nanoseconds / Swift.max(configuration.conversationTimeout.nanoseconds, 1)
    }

    /// HMAC-SHA-512 of `message` under the node's conversation key (the key's copy wiped after use): what
    /// inbound conversations (N25) and signing cookies (N32) are derived from.
    func conversationMAC(_ message: [UInt8]) -> [UInt8] {
        var key = withUnsafeBytes(of: conversationKey) { Array($0) }
        defer { ConstantTime.wipe(&key) }
        return HMACSHA512.authenticationCode(key: key, message: message)
    }

    /// Appends `peer`'s address (high, low), `period` and `peer`'s port, big-endian: how a keyed hash names
    /// its peer and period.
    static func append(_ peer: IPv6Endpoint, period: UInt64, to message: inout [UInt8]) {
        for word in [peer.address.high, peer.address.low, period] { withUnsafeBytes(of: word.bigEndian) { message += $0 } }
        withUnsafeBytes(of: peer.port.bigEndian) { message += $0 }
    }

    /// The IDs a SOLICIT of type ANY from `peer` with `hashedNonce` in `period` is offered, best first: the
    /// cache's spread order (`RouteEntryCache.spreadOrder`, [MS-PNRP] 3.2.5.3) under a rank keyed by
    /// HMAC-SHA-512, under the node's conversation key, of the peer, the Hashed Nonce and the period; then our
    /// own IDs, for a cache of fewer than five entries. The first `offeredIDCount` are offered; the same inputs
    /// give the same order again (`docs/deviations.md`, item N25).
    func offerOrder(to peer: IPv6Endpoint, hashedNonce: [UInt8], period: UInt64) -> [PNRPID] {
        var message: [UInt8] = []
        message.reserveCapacity(26 + hashedNonce.count)
        Self.append(peer, period: period, to: &message)
        message += hashedNonce
        var mac = conversationMAC(message)
        let k = mac.withUnsafeBytes { raw in (0..<5).map { raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self) } }
        ConstantTime.wipe(&mac)
        let mix = SplitMix64.mix
        let order = cache.spreadOrder { id in mix(mix(mix(mix(k[0] ^ id.w0) ^ k[1] ^ id.w1) ^ k[2] ^ id.w2) ^ k[3] ^ id.w3) ^ k[4] }
        return order + cache.localIDs
    }

    /// True when `ids` (at most a leaf set's worth, each one we know) could be the answer to a SOLICIT of type
    /// LOCAL: they lie within one run of consecutive IDs we know, as long as `nearestIDs(around:)` of some
    /// centre (`docs/deviations.md`, item N25).
    func couldBeNearestIDs(_ ids: [PNRPID]) -> Bool {
        guard !ids.isEmpty, ids.count <= 2 * LeafSet.sideCapacity else { return false }
        var known = Array(cache.entries.ids)
        known.append(contentsOf: cache.localIDs)
        known.sort()
        var positions: [Int] = []
        for id in ids {
            var low = 0, high = known.count
            while low < high {
                let mid = (low + high) / 2
                if known[mid] < id { low = mid + 1 } else { high = mid }
            }
            guard low < known.count, known[low] == id else { return false }
            positions.append(low)
        }
        positions.sort()
        // The shortest run around the circle holding every position leaves out its largest gap.
        var largestGap = positions[0] + known.count - positions[positions.count - 1]
        for i in 1..<positions.count { largestGap = Swift.max(largestGap, positions[i] - positions[i - 1]) }
        // Five below and five above a centre: ten IDs, eleven places when the centre is one we know.
        return known.count - largestGap + 1 <= 2 * LeafSet.sideCapacity + 1
    }

    /// The IDs we know nearest to `center` (ours included): up to a leaf set's worth on each side.
    func nearestIDs(around center: PNRPID) -> [PNRPID] {
        var set = LeafSet(center: center)
        for id in cache.entries.ids { set.insert(id) }
        for id in cache.localIDs { set.insert(id) }
        return set.members
    }

    /// [MS-PNRP] 3.1.5.3: request every advertised ID.
    mutating func receiveAdvertise(_ m: Advertise, from source: IPv6Endpoint, now: NodeInstant) {
        guard pending[m.ackedMessageID]?.kind == .solicit, var convo = conversationsOut[m.ackedMessageID], convo.peer == source,
            ConstantTime.equal(SHA1.hash(convo.nonce), m.hashedNonce)
        else {
            statistics.dropped += 1
            return
        }
        pending.remove(m.ackedMessageID)
        conversationsOut.removeValue(forKey: m.ackedMessageID)
        conversationsOut.releaseStorageIfEmpty()
        // An empty list means "too busy" ([MS-PNRP] 3.1.5.3): try again at the next maintenance.
        guard !m.ids.isEmpty else { return }
        // A LOCAL conversation refreshes leaf sets: only IDs the cache would keep are requested
        // (`docs/deviations.md`, item N14).
        let wanted = m.ids.filter { !cache.isLocal($0) && !cache.contains($0) && (!convo.local || cache.wouldAccept(id: $0)) }
        // Joined once the node knows a member of the seed's cloud: already, or when an entry the seed floods us
        // enters the cache (`completeAdd`); a lost FLOOD leaves the node soliciting its seeds (N12). A
        // seed that offers nothing the cache would take (our own IDs, IDs cached, places already filled) has
        // nothing more to give: joined too.
        if !convo.local && (m.ids.contains(where: cache.contains) || !wanted.contains(where: { cache.wouldAccept(id: $0) })) {
            hasSynchronized = true
        }
        guard !wanted.isEmpty else {
            emit(.synchronized(with: source, entries: 0))
            return
        }
        let requestID = send(.request(Request(nonce: convo.nonce, ids: wanted)), to: source, pendingAs: .request, now: now)
        convo.requestMessageID = requestID
        convo.expected = wanted.count
        conversationsOut[requestID] = convo
    }

    /// [MS-PNRP] 3.2.5.4: check the nonce, ACK, then FLOOD (D set) the route entry of each requested ID.
    ///
    /// Without a Conversation Table entry (`docs/deviations.md`, item N25), the REQUEST is checked against what
    /// we could have offered its sender: the first IDs of `offerOrder` for the SHA-1 of the nonce it reveals,
    /// in this conversation period or the previous one (five, and five places more for entries cached since),
    /// or, for a LOCAL conversation, IDs as close together as `nearestIDs(around:)` gives. Only those are
    /// answered, each once, at most a leaf set's worth: a REQUEST cannot make us send more than a conversation
    /// could.
    mutating func receiveRequest(_ m: Request, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        guard mayAnswerAsMember else {
            statistics.dropped += 1
            return
        }
        var requested: [PNRPID] = []
        for id in m.ids where !requested.contains(id) && requested.count < 2 * LeafSet.sideCapacity { requested.append(id) }
        let known = requested.filter { cache.contains($0) || cache.isLocal($0) }
        let answered: [PNRPID]
        if known.count == requested.count, couldBeNearestIDs(known) {
            answered = known
        } else {
            // The conversation is found by the SHA-1 of the nonce the REQUEST reveals ([MS-PNRP] 3.2.5.4).
            let hashedNonce = SHA1.hash(m.nonce)
            let period = conversationPeriod(at: now)
            let places = Self.offeredIDCount + Self.offeredIDSlack
            var offered = Set(offerOrder(to: source, hashedNonce: hashedNonce, period: period).prefix(places))
            if period > 0 { offered.formUnion(offerOrder(to: source, hashedNonce: hashedNonce, period: period - 1).prefix(places)) }
            answered = known.filter { offered.contains($0) }
        }
        guard !answered.isEmpty else {
            statistics.dropped += 1
            return
        }
        send(.ack(Ack(ackedMessageID: messageID)), to: source, now: now)
        for id in answered {
            let entry: RouteEntry? = cache.entry(id) ?? registrations.routeEntry(of: id, at: advertisedEndpoint)
            guard let entry else { continue }
            let flood = Flood(doNotAck: true, validateID: .zero, routeEntry: entry, alreadyFlooded: [])
            send(.flood(flood), to: source, now: now)
        }
    }

    /// [MS-PNRP] 3.1.5.4, 3.2.5.5: an ACK ends a REQUEST or a FLOOD; N on a FLOOD's ACK means the
    /// destination no longer holds the Validate PNRP ID.
    mutating func receiveAck(_ m: Ack, from source: IPv6Endpoint, now: NodeInstant) {
        // Only a REQUEST or a FLOOD is acknowledged by an ACK ([MS-PNRP] 3); an ACK naming anything else
        // is dropped and leaves the request waiting for its real answer.
        guard let entry = pending[m.ackedMessageID], entry.destination == source, entry.kind.isAcknowledgedByAck else {
            statistics.dropped += 1
            return
        }
        pending.remove(m.ackedMessageID)
        switch entry.kind {
        case .request:
            if let convo = conversationsOut.removeValue(forKey: m.ackedMessageID) {
                conversationsOut.releaseStorageIfEmpty()
                emit(.synchronized(with: source, entries: convo.expected))
            }
        case .flood(let validateID):
            if m.flags?.contains(.notFound) == true, validateID != .zero { evict(validateID, at: source, reason: .notRegistered) }
        default:
            break
        }
    }
}
