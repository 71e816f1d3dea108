extension PNRPNode {
    /// Checks that the nearest leaf-set member on each side of registration `id` (at `index` in the registration
    /// list) still answers, with one INQUIRE each, while nodes are leaving: once the node has found a cached node
    /// silent and a member of this leaf set has left the cache, every maintenance interval, then at doubling
    /// intervals up to the longest announcement interval while that does not happen again. When a nearest member
    /// has left that way, the registration is announced again at once (`docs/deviations.md`, item N36), and the
    /// member that left is asked again 1, 3, 7 and 15 minutes later, in case it comes back not knowing us (N39).
    /// A quiet cloud sends no such checks.
    mutating func probeNearestNeighbours(of id: PNRPID, at index: Int, now: NodeInstant) {
        guard let set = cache.leafSet(of: id) else { return }
        let nearest = (upper: set.upper.first, lower: set.lower.first)
        let silent = statistics.evictionCount(.unreachable)
        // The usual tick, in a cloud where nobody left: nothing but the leaf set to note (read and written in place,
        // not through a copy of the registration).
        if registrations.values[index].silentEvictionsSeen == silent, registrations.values[index].probedNeighbours == nearest,
            registrations.values[index].departedNeighbours.isEmpty, registrations.values[index].nextNeighbourProbe > now
        {
            registrations.modify(at: index) { $0.neighboursSeen = set }
            return
        }
        var reg = registrations.values[index]
        // Cached nodes found silent since the last tick, and a member of this leaf set gone from the cache: nodes are
        // leaving here. Check at the shortest interval while they do.
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
                // It is asked again later, in case it comes back not knowing us (N39).
                // One per side, the nearest: when several leave in a row (a cut through an interleaved ring),
                // the first to go is the one that belongs next to us.
                let noted = [(reg.probedNeighbours.upper, reg.probedNeighbourEndpoints.upper, true), (reg.probedNeighbours.lower, reg.probedNeighbourEndpoints.lower, false)]
                for case let (goneID?, ep?, above) in noted where !set.contains(goneID) && !cache.contains(goneID) {
                    func distance(_ other: PNRPID) -> PNRPID { above ? other.subtracting(id) : id.subtracting(other) }
                    if let kept = reg.departedNeighbours.first(where: { $0.above == above }), distance(kept.entry.id) < distance(goneID) { continue }
                    reg.departedNeighbours.removeAll { $0.above == above }
                    let wait = configuration.announcementInterval * 2
                    let gone = RouteEntry(id: goneID, port: ep.port, address: ep.address)
                    reg.departedNeighbours.append(DepartedNeighbour(entry: gone, above: above, departed: now, nextCheck: now + wait, interval: wait))
                }
            }
            reg.probedNeighbours = nearest
            reg.probedNeighbourEndpoints = (nearest.upper.flatMap { cache.entry($0)?.primaryEndpoint }, nearest.lower.flatMap { cache.entry($0)?.primaryEndpoint })
        }
        var recheck: [RouteEntry] = []
        reg.departedNeighbours.removeAll { d in
            d.departed + configuration.maximumAnnouncementInterval < now || cache.contains(d.entry.id)
        }
        for i in reg.departedNeighbours.indices where reg.departedNeighbours[i].nextCheck <= now {
            recheck.append(reg.departedNeighbours[i].entry)
            reg.departedNeighbours[i].interval = reg.departedNeighbours[i].interval * 2
            reg.departedNeighbours[i].nextCheck = now + reg.departedNeighbours[i].interval
        }
        let due = reg.nextNeighbourProbe <= now
        if due {
            reg.nextNeighbourProbe = now + reg.neighbourProbeInterval
            reg.neighbourProbeInterval = Swift.min(reg.neighbourProbeInterval * 2, configuration.maximumAnnouncementInterval)
        }
        registrations.modify(at: index) { $0 = reg }
        // A departed member that answers with a CPA that verifies enters the leaf set again, and is flooded to
        // the neighbours as any new member is (3.2.5.11).
        for entry in recheck { consider(entry, learnedFrom: entry.primaryEndpoint ?? localEndpoint, now: now) }
        guard due else { return }
        for n in [nearest.upper, nearest.lower].compactMap({ $0 }) {
            guard let ep = cache.entry(n)?.primaryEndpoint,
                !pending.entries.values.contains(where: { $0.kind == .neighbourProbe(n) || $0.kind == .inquireForLiveness(n) })
            else { continue }
            send(.inquire(Inquire(flags: [], validateID: n)), to: ep, pendingAs: .neighbourProbe(n), now: now)
        }
    }
}
