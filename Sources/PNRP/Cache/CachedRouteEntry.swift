/// One remote entry of a `RouteEntryCache`, stored in 96 bytes without a heap allocation in the common
/// case: the route entry (one address inline), the public key of the verified CPA behind it (32 bytes
/// inline), and the cache slot it holds.
struct CachedRouteEntry: Sendable {
    /// How the verified key is stored.
    enum KeyStorage: UInt8, Sendable {
        /// No CPA was verified for the entry.
        case none
        /// A 32-byte key, in `key`.
        case inline
        /// A key of another length, in the cache's side table.
        case sideTable
    }

    /// The 32-byte verified key, most significant byte first, when `keyStorage` is `.inline`.
    private var key: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// The cached route entry.
    var entry: RouteEntry
    /// Where the verified key is.
    private(set) var keyStorage = KeyStorage.none
    /// The slot key (`RouteEntryCache.slotKey(of:)`) of the slot this entry holds, 0 when it holds none.
    var slot: UInt16 = 0

    init(entry: RouteEntry) { self.entry = entry }

    /// The entry's ID.
    @inline(__always) var id: PNRPID { entry.id }

    /// True when a CPA was verified for the entry.
    @inline(__always) var isVerified: Bool { keyStorage != .none }

    /// Stores `bytes` as the verified key; returns false (storing nothing) unless it is 32 bytes long.
    mutating func storeInlineKey(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 32 else { return false }
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for b in bytes[(i * 8)..<(i * 8 + 8)] { w = w << 8 | UInt64(b) }
            return w
        }
        key = (word(0), word(1), word(2), word(3))
        keyStorage = .inline
        return true
    }

    /// Marks the verified key as kept in the cache's side table.
    mutating func markKeyInSideTable() {
        key = (0, 0, 0, 0)
        keyStorage = .sideTable
    }

    /// The inline key's 32 bytes, or nil when the key is not stored inline.
    var inlineKey: [UInt8]? {
        guard keyStorage == .inline else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for w in [key.0, key.1, key.2, key.3] {
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) }
        }
        return out
    }
}
