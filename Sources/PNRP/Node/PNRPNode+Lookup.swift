extension PNRPNode {
    /// [MS-PNRP] 3.2.5.2: answer one hop of someone's resolution with the closest entry we know that is not
    /// on the flagged path and (unless the A flag is set) closer to the target than we are.
    mutating func receiveLookup(_ m: Lookup, messageID: UInt32, from source: IPv6Endpoint, now: NodeInstant) {
        if let entry = m.bestMatch { consider(entry, learnedFrom: source, now: now) }
        let validateNotLocal = m.validateID != .zero && !cache.isLocal(m.validateID)
        let flagged = Set(m.flaggedPath)
        // A zero Validate PNRP ID (split detection through a seed, [MS-PNRP] 3.2.6.2.1) names no ID to beat.
        let bound: PNRPID? = m.flags.contains(.acceptNotCloser) || m.validateID == .zero ? nil : m.validateID

        var closestLocal: PNRPID?
        if !flagged.contains(localEndpoint), !flagged.contains(advertisedEndpoint) {
            for id in cache.localIDs {
                if !validateNotLocal, m.validateID != .zero, !m.target.isCloser(id, than: m.validateID) { continue }
                if closestLocal.map({ m.target.isCloser(id, than: $0) }) ?? true { closestLocal = id }
            }
        }
        let closestRemote = cache.closest(to: m.target, excluding: flagged, closerThan: bound)
        let suspicious = closestRemote == nil && cache.leafSetCovers(m.target)

        var answer: RouteEntry? = closestRemote
        if let local = closestLocal, answer.map({ m.target.isCloser(local, than: $0.id) }) ?? true,
            let mine = registrations.routeEntry(of: local, at: advertisedEndpoint)
        {
            answer = mine
        }
        var flags: AuthorityFlags = []
        if validateNotLocal { flags.insert(.notFound) }
        if suspicious { flags.insert(.leafSet) }
        sendAuthority(AuthorityBuffer(flags: flags, routeEntry: answer), answering: messageID, to: source, lookupReason: m.reasonCode, now: now)
    }
}
