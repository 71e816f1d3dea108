extension PNRPNode {
    /// Abandons a resolution started with `resolve`: no event will report it, and its slot among the
    /// `maximumOutstandingResolves` is free at once. Answers still in flight are dropped as unsolicited.
    /// Returns false when it had already finished.
    @discardableResult
    public mutating func cancelResolve(_ id: ResolveID) -> Bool {
        resolutions.removeValue(forKey: id) != nil
    }
}
