/// A registration's nearest leaf-set member that left the cache without a word, kept so that it can be asked
/// again (`docs/deviations.md`, item N39): a node cut off by the network, or away for a while, that comes back
/// with the same ID may no longer know this node, and nothing else would tell it before the next announcement.
struct DepartedNeighbour: Sendable {
    /// The member's route entry as it was cached.
    let entry: RouteEntry
    /// True when it was the nearest member above the registration's ID, false below.
    let above: Bool
    /// When it was found gone.
    let departed: NodeInstant
    /// When it is next asked, and the wait after that, which doubles.
    var nextCheck: NodeInstant
    var interval: NodeDuration
}
