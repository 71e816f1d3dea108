import PeerCrypto

extension PNRPNode {
    /// Starts a synchronisation conversation with `peer` ([MS-PNRP] 3.1.4.3): SOLICIT → ADVERTISE →
    /// REQUEST → ACK + one FLOOD per ID. The peer is remembered as a seed for rediscovery.
    public mutating func synchronize(with peer: IPv6Endpoint, now: NodeInstant) {
        if !seedEndpoints.contains(peer) { seedEndpoints.append(peer) }
        solicit(peer, around: nil, now: now)
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

    /// [MS-PNRP] 3.2.5.3: answer with about five IDs spread around the number space.
    mutating func receiveSolicit(_ m: Solicit, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        var ids: [PNRPID] = []
        // A node still trying to reach its own seeds answers "too busy" (an empty ADVERTISE): a joiner that
        // synchronised with it would otherwise start a separate cloud (`docs/deviations.md`, item N12).
        let joined = hasSynchronized || seedEndpoints.isEmpty
        let key = ConversationKey(peer: source, hashedNonce: m.hashedNonce)
        if joined, conversationsIn[key] != nil || conversationsIn.count < configuration.maximumConversations {
            if m.solicitType == .local, let center = m.routeEntry?.id {
                ids = nearestIDs(around: center)
            } else {
                ids = cache.spreadSample(count: 5, using: &random).map(\.id)
                if ids.count < 5 { ids += cache.localIDs.prefix(5 - ids.count) }
            }
            conversationsIn[key] = IncomingConversation(advertised: ids, expires: now + configuration.conversationTimeout)
        }
        send(.advertise(Advertise(ackedMessageID: messageID, ids: ids, hashedNonce: m.hashedNonce)), to: source, now: now)
        if let entry = m.routeEntry { consider(entry, learnedFrom: source, now: now) }
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
        if !convo.local { hasSynchronized = true }
        // A LOCAL conversation refreshes leaf sets: only IDs the cache would keep are requested
        // (`docs/deviations.md`, item N14).
        let wanted = m.ids.filter { !cache.isLocal($0) && !cache.contains($0) && (!convo.local || cache.wouldAccept(id: $0)) }
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
    mutating func receiveRequest(_ m: Request, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        // The conversation is found by the SHA-1 of the nonce the REQUEST reveals ([MS-PNRP] 3.2.5.4).
        let key = ConversationKey(peer: source, hashedNonce: SHA1.hash(m.nonce))
        guard let convo = conversationsIn.removeValue(forKey: key) else {
            statistics.dropped += 1
            return
        }
        conversationsIn.releaseStorageIfEmpty()
        send(.ack(Ack(ackedMessageID: messageID)), to: source, now: now)
        // Only IDs we advertised in this conversation, each once: a REQUEST cannot make us send more.
        var answered = Set<PNRPID>()
        for id in m.ids where convo.advertised.contains(id) && answered.insert(id).inserted {
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
