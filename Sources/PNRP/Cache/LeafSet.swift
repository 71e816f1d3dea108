/// The leaf set of one locally registered PNRP ID ([MS-PNRP] 3.2.1): the route entries of the five
/// numerically closest IDs below it and the five above it on the circle.
public struct LeafSet: Sendable {
    /// Entries kept on each side ([MS-PNRP] 3.2.1: five).
    public static let sideCapacity = 5

    /// The local ID this set surrounds.
    public let center: PNRPID
    /// IDs greater than `center` (clockwise), nearest first.
    public private(set) var upper: [PNRPID] = []
    /// IDs less than `center` (anticlockwise), nearest first.
    public private(set) var lower: [PNRPID] = []

    /// An empty leaf set around `center`.
    public init(center: PNRPID) { self.center = center }

    /// True when `id` lies above `center` on the shorter arc (clockwise).
    @inline(__always)
    public func isUpper(_ id: PNRPID) -> Bool { id.subtracting(center) <= PNRPID.half }

    /// Clockwise offset of `id` from the centre (for ordering the upper side).
    @inline(__always) private func upOffset(_ id: PNRPID) -> PNRPID { id.subtracting(center) }
    /// Anticlockwise offset of `id` from the centre (for ordering the lower side).
    @inline(__always) private func downOffset(_ id: PNRPID) -> PNRPID { center.subtracting(id) }

    /// True when `id` would be among the five nearest on its side, i.e. adding it changes the set
    /// ([MS-PNRP] 3.2.5.1 "falls within one of the node's Leaf Sets").
    public func wouldInclude(_ id: PNRPID) -> Bool {
        if id == center { return false }
        if isUpper(id) {
            if upper.contains(id) { return false }
            return upper.count < Self.sideCapacity || upOffset(id) < upOffset(upper[upper.count - 1])
        } else {
            if lower.contains(id) { return false }
            return lower.count < Self.sideCapacity || downOffset(id) < downOffset(lower[lower.count - 1])
        }
    }

    /// True when `id` lies within the span the set covers (between its outermost members), or the set is
    /// not yet full on that side: a target there "would have fallen within" the leaf set ([MS-PNRP] 3.2.5.2).
    public func covers(_ id: PNRPID) -> Bool {
        if id == center { return true }
        if isUpper(id) {
            return upper.count < Self.sideCapacity || upOffset(id) <= upOffset(upper[upper.count - 1])
        } else {
            return lower.count < Self.sideCapacity || downOffset(id) <= downOffset(lower[lower.count - 1])
        }
    }

    /// Inserts `id`; returns the ID pushed out (the farthest on that side) when the side was full, and
    /// whether `id` was added ([MS-PNRP] 3.2.5.11).
    @discardableResult
    public mutating func insert(_ id: PNRPID) -> (added: Bool, evicted: PNRPID?) {
        guard wouldInclude(id) else { return (false, nil) }
        // A full side drops its farthest member before the insert (which then lands before it), so a side
        // never holds more than `sideCapacity` IDs and its storage is allocated once, at that size.
        var evicted: PNRPID?
        if isUpper(id) {
            let key = upOffset(id)
            let at = upper.firstIndex { upOffset($0) > key } ?? upper.count
            if upper.count == Self.sideCapacity { evicted = upper.removeLast() }
            if upper.capacity < Self.sideCapacity { upper.reserveCapacity(Self.sideCapacity) }
            upper.insert(id, at: at)
        } else {
            let key = downOffset(id)
            let at = lower.firstIndex { downOffset($0) > key } ?? lower.count
            if lower.count == Self.sideCapacity { evicted = lower.removeLast() }
            if lower.capacity < Self.sideCapacity { lower.reserveCapacity(Self.sideCapacity) }
            lower.insert(id, at: at)
        }
        return (true, evicted)
    }

    /// Removes `id`; returns whether it was a member.
    @discardableResult
    public mutating func remove(_ id: PNRPID) -> Bool {
        if let i = upper.firstIndex(of: id) { upper.remove(at: i); return true }
        if let i = lower.firstIndex(of: id) { lower.remove(at: i); return true }
        return false
    }

    /// True when `id` is a member.
    public func contains(_ id: PNRPID) -> Bool { upper.contains(id) || lower.contains(id) }

    /// True when `other` has the same members on each side, in the same order.
    public func hasSameMembers(as other: LeafSet?) -> Bool {
        guard let other else { return false }
        return upper == other.upper && lower == other.lower
    }

    /// All members, upper side first.
    public var members: [PNRPID] { upper + lower }

    /// True when both sides hold `sideCapacity` members.
    public var isFull: Bool { upper.count == Self.sideCapacity && lower.count == Self.sideCapacity }
}
