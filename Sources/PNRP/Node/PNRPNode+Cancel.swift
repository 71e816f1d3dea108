extension PNRPNode {
    /// Abandons a resolution started with `resolve`: no event will report it, and its slot among the
    /// `maximumOutstandingResolves` is free at once. Its requests leave the Pending List, as when it
    /// finishes, so none is retransmitted; answers still in flight are dropped as unsolicited.
    /// Returns false when it had already finished.
    @discardableResult
    public mutating func cancelResolve(_ id: ResolveID) -> Bool {
        guard let r = resolutions.removeValue(forKey: id) else { return false }
        resolutions.releaseStorageIfEmpty()
        for mid in r.outstandingMessageIDs { pending.remove(mid) }
        // Any other request sent for it (none is expected: the resolution lists every one in flight).
        for (mid, entry) in pending.entries where entry.kind == .lookup(id) || entry.kind == .inquireForResolve(id) {
            pending.remove(mid)
        }
        return true
    }
}
