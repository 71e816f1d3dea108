extension Dictionary {
    /// Frees the storage of an empty dictionary. Removing elements never shrinks a dictionary, so one that
    /// held many entries for a moment (requests in flight during a burst) would otherwise keep their room
    /// for good — in every node.
    @inline(__always)
    mutating func releaseStorageIfEmpty() {
        if isEmpty && capacity > 0 { self = [:] }
    }
}

extension Set {
    /// Frees the storage of an empty set (see `Dictionary.releaseStorageIfEmpty()`).
    @inline(__always)
    mutating func releaseStorageIfEmpty() {
        if isEmpty && capacity > 0 { self = [] }
    }
}
