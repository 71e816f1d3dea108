extension RouteEntryCache {
    /// The cached remote entries in ascending ID order, as a collection that shares the cache's storage.
    public struct Entries: RandomAccessCollection, Sendable {
        let records: [CachedRouteEntry]

        /// The position of the first entry.
        public var startIndex: Int { 0 }
        /// The position after the last entry.
        public var endIndex: Int { records.count }
        /// The entry at `position`.
        public subscript(position: Int) -> RouteEntry { records[position].entry }
        /// The IDs, in ascending order.
        public var ids: LazyMapCollection<Entries, PNRPID> { lazy.map(\.id) }
    }
}
