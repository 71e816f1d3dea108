extension PNRPNode {
    /// Checks that the nearest leaf-set member on each side of registration `id` (at `index` in the registration
    /// list) still answers, with one INQUIRE each, while nodes are leaving: once the node has found a cached node
    /// silent and a member of this leaf set has left the cache, every maintenance interval, then at doubling
    /// intervals up to the longest announcement interval while that does not happen again. When a nearest member
    /// has left that way, the registration is announced again at once (`docs/deviations.md`, item N36). A quiet
    /// cloud sends no such checks.
    mutating func probeNearestNeighbours(of id: PNRPID, at index: Int, now: NodeInstant) {
        guard let set = cache.leafSet(of: id) else { return }
        let nearest = (upper: set.upper.first, lower: set.lower.first)
        var reg = registrations.values[index]
        // Cached nodes found silent since the last tick, and a member of this leaf set gone from the cache: nodes are
        // leaving here. Check at the shortest interval while they do.
        let silent = statistics.evictionCount(.unreachable)
        let foundSilent = silent != reg.silentEvictionsSeen && (reg.neighboursSeen?.members.contains { !cache.contains($0) } ?? false)
        reg.silentEvictionsSeen = silent
        reg.neighboursSeen = set
        if foundSilent {
            reg.neighbourProbeInterval = configuration.maintenanceInterval
            reg.nextNeighbourProbe = Swift.min(reg.nextNeighbourProbe, now + configuration.maintenanceInterval)
        }
        if nearest != reg.probedNeighbours {
            let previous = [reg.probedNeighbours.upper, reg.probedNeighbours.lower].compactMap { $0 }
            if foundSilent, previous.contains(where: { !set.contains($0) }) {
                // A neighbour left without a word: the announcement's walk and LOCAL solicitations find the nearest
                // live nodes, and the new nearest members are checked at once.
                reg.nextAnnouncement = now
                reg.announcementInterval = configuration.announcementInterval
                reg.neighbourProbeInterval = configuration.maintenanceInterval
                reg.nextNeighbourProbe = now
            }
            reg.probedNeighbours = nearest
        }
        let due = reg.nextNeighbourProbe <= now
        if due {
            reg.nextNeighbourProbe = now + reg.neighbourProbeInterval
            reg.neighbourProbeInterval = Swift.min(reg.neighbourProbeInterval * 2, configuration.maximumAnnouncementInterval)
        }
        registrations.modify(at: index) { $0 = reg }
        guard due else { return }
        for n in [nearest.upper, nearest.lower].compactMap({ $0 }) {
            guard let ep = cache.entry(n)?.primaryEndpoint,
                !pending.entries.values.contains(where: { $0.kind == .neighbourProbe(n) || $0.kind == .inquireForLiveness(n) })
            else { continue }
            send(.inquire(Inquire(flags: [], validateID: n)), to: ep, pendingAs: .neighbourProbe(n), now: now)
        }
    }
}
