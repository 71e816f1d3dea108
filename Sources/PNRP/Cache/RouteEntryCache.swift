/// The Route Entry Cache of one node in one cloud ([MS-PNRP] 3.1.1, 3.2.1.1): the leaf set of every locally
/// registered ID plus a multi-level cache around the node's first ID.
///
/// [MS-PNRP] 3.2.1.1 leaves the organisation to the implementation but requires log10(n) resolution,
/// the leaf sets, and at least ten entries spread around the number space. Here the circle is divided by
/// distance from the cache centre into levels: level L holds IDs at circular distance in
/// [2^255/10^(L+1), 2^255/10^L). Each level is cut into nine digit slots on each side (the leading decimal
/// digit of the scaled distance), and each slot keeps one entry. A LOOKUP answered from this cache therefore
/// gets at least ten times closer to its target per hop, and a node keeps about 18·log10(n) entries plus
/// its leaf sets. See `docs/deviations.md` (item N1).
public struct RouteEntryCache: Sendable {
    /// Deepest level kept (distances below 2^255/10^maximumLevel share the last level).
    public static let maximumLevel = 40

    /// The ID the levels are measured from: the first locally registered ID, or a random ID for a
    /// resolve-only node.
    public private(set) var center: PNRPID
    /// The leaf sets of the locally registered IDs, in registration order.
    public private(set) var leafSets: [LeafSet] = []

    /// Every cached remote entry, in ascending ID order: the entry, its verified key and the slot it holds.
    private var records: [CachedRouteEntry] = []
    /// Verified keys that are not 32 bytes long (none in practice: only Ed25519 keys verify).
    private var otherKeys: [PNRPID: [UInt8]] = [:]

    /// An empty cache centred on `center`.
    public init(center: PNRPID) { self.center = center }

    /// Every cached remote entry, in ascending ID order.
    public var entries: Entries { Entries(records: records) }

    /// Number of remote entries.
    public var count: Int { records.count }

    /// Locally registered IDs in registration order.
    public var localIDs: [PNRPID] { leafSets.map(\.center) }

    /// True when `id` is a locally registered ID.
    public func isLocal(_ id: PNRPID) -> Bool { leafSets.contains { $0.center == id } }

    /// The leaf set of the locally registered ID `id`.
    public func leafSet(of id: PNRPID) -> LeafSet? { leafSets.first { $0.center == id } }

    /// True when `id` is a member of the leaf set of any local ID.
    public func isInLeafSet(_ id: PNRPID) -> Bool { leafSets.contains { $0.contains(id) } }

    /// The cached remote entry for `id`.
    public func entry(_ id: PNRPID) -> RouteEntry? {
        guard let i = index(of: id) else { return nil }
        return records[i].entry
    }

    /// True when a remote entry for `id` is cached.
    public func contains(_ id: PNRPID) -> Bool { index(of: id) != nil }

    /// The position of `id` in `records`, or nil.
    private func index(of id: PNRPID) -> Int? {
        let i = insertionIndex(of: id)
        return i < records.count && records[i].id == id ? i : nil
    }

    /// The first position in `records` whose ID is not less than `id`.
    private func insertionIndex(of id: PNRPID) -> Int {
        var low = 0, high = records.count
        while low < high {
            let mid = (low + high) / 2
            if records[mid].id < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    // MARK: Levels

    /// The (level, side, digit) slot key of `id` relative to the centre, packed into an Int.
    func slotKey(of id: PNRPID) -> Int {
        let forward = id.subtracting(center)
        let upper = forward <= PNRPID.half
        let d = upper ? forward : center.subtracting(id)
        let x = d.approximateValue * 0x1p-255  // (0, 1]
        var bound = 1.0
        var level = 0
        while level < Self.maximumLevel && x < bound / 10 {
            bound /= 10
            level += 1
        }
        let digit = Swift.min(9, Swift.max(1, Int(x / (bound / 10))))
        return level * 20 + (upper ? 10 : 0) + digit
    }

    /// The level of `id` (0 = farthest tenth of the circle).
    public func level(of id: PNRPID) -> Int { slotKey(of: id) / 20 }

    /// True when a cached entry holds the slot `key` (keys are never 0: the digit is at least 1).
    private func isSlotTaken(_ key: Int) -> Bool {
        let k = UInt16(key)
        return records.contains { $0.slot == k }
    }

    // MARK: Local IDs

    /// Adds a locally registered ID with a leaf set filled from the verified entries already cached.
    /// The first local ID becomes the cache centre. A remote entry cached for the same ID is dropped: this
    /// node's own registration is the one it knows (`docs/deviations.md`, item N22).
    public mutating func addLocal(_ id: PNRPID) {
        guard !isLocal(id) else { return }
        if contains(id) { remove(id) }
        var set = LeafSet(center: id)
        for r in records where r.isVerified { set.insert(r.id) }
        for other in leafSets { set.insert(other.center) }
        let first = leafSets.isEmpty
        // Other local IDs see the new one as a neighbour too.
        for i in leafSets.indices { leafSets[i].insert(id) }
        leafSets.append(set)
        if first && center != id {
            center = id
            reslot()
        }
    }

    /// Removes a locally registered ID and its leaf set. Entries kept only for that set are dropped.
    public mutating func removeLocal(_ id: PNRPID) {
        guard let at = leafSets.firstIndex(where: { $0.center == id }) else { return }
        leafSets.remove(at: at)
        for i in leafSets.indices where leafSets[i].remove(id) { refill(i) }
        dropUnretained()
    }

    // MARK: Remote entries

    /// True when `entry` is worth validating ([MS-PNRP] 3.1.5.11 "submitted to the cache for
    /// consideration"): a new ID that would enter a leaf set or an empty slot, a cached ID at other
    /// addresses, or a cached ID without a verified CPA that now belongs in a leaf set.
    public func wouldAccept(_ entry: RouteEntry) -> Bool {
        if isLocal(entry.id) { return false }
        if let i = index(of: entry.id) {
            let known = records[i]
            if !known.entry.sameLocation(as: entry) { return true }
            return !known.isVerified && leafSets.contains { $0.wouldInclude(entry.id) }
        }
        if !isSlotTaken(slotKey(of: entry.id)) { return true }
        return leafSets.contains { $0.wouldInclude(entry.id) }
    }

    /// True when an ID not cached yet would enter a leaf set or an empty slot (`wouldAccept` for an ID
    /// whose addresses are not known yet).
    public func wouldAccept(id: PNRPID) -> Bool {
        if isLocal(id) || contains(id) { return false }
        return !isSlotTaken(slotKey(of: id)) || leafSets.contains { $0.wouldInclude(id) }
    }

    /// True when validating `entry` must include a CPA that verifies: it would enter (or lies within) the
    /// leaf set of a local ID ([MS-PNRP] 3.2.5.1), or it would move a cached ID to other addresses
    /// (`docs/deviations.md`, item N17).
    public func needsCPA(_ entry: RouteEntry) -> Bool {
        if let i = index(of: entry.id), !records[i].entry.sameLocation(as: entry) { return true }
        return leafSets.contains { $0.wouldInclude(entry.id) || $0.contains(entry.id) }
    }

    /// Local IDs whose leaf set the target falls within ([MS-PNRP] 3.2.5.2 TargetSuspicious).
    public func leafSetCovers(_ target: PNRPID) -> Bool {
        leafSets.contains { $0.covers(target) }
    }

    /// The public key of the verified CPA behind a cached entry, if one was checked.
    public func verifiedKey(of id: PNRPID) -> [UInt8]? {
        guard let i = index(of: id) else { return nil }
        switch records[i].keyStorage {
        case .none: return nil
        case .inline: return records[i].inlineKey
        case .sideTable: return otherKeys[id]
        }
    }

    /// True when a CPA was verified for the cached entry `id`.
    public func isVerified(_ id: PNRPID) -> Bool {
        guard let i = index(of: id) else { return false }
        return records[i].isVerified
    }

    /// What an `add` changed.
    public struct AddOutcome: Sendable {
        /// True when the entry is now cached.
        public var cached = false
        /// Local IDs whose leaf set gained the entry.
        public var leafSetsJoined: [PNRPID] = []
        /// True when the ID is cached with a CPA verified under another key: nothing was changed
        /// (`docs/deviations.md`, item N22).
        public var keyConflict = false
    }

    /// Adds or refreshes `entry` ([MS-PNRP] 3.1.5.6.1.2, 3.2.5.11). `verifiedKey` is the public key of the
    /// CPA that was checked for it, if any: only such entries enter leaf sets, and only they may move a
    /// cached ID to other addresses.
    ///
    /// The first key verified for a cached ID stays its key: an entry whose CPA was verified under one key
    /// is refreshed or moved only by a CPA verified under the same key, and `add` with another key changes
    /// nothing and reports `keyConflict`. The PNRP ID of an unsecured name does not bind a key (anyone can
    /// sign a CPA for it, [MS-PNRP] 3.1.5.7), so this is what keeps someone else's CPA for the same ID from
    /// taking the entry over; it goes only when it fails, or by a revocation under its own key
    /// (`docs/deviations.md`, item N22).
    @discardableResult
    public mutating func add(_ entry: RouteEntry, verifiedKey: [UInt8]? = nil) -> AddOutcome {
        var outcome = AddOutcome()
        if isLocal(entry.id) { return outcome }
        if let i = index(of: entry.id) {
            outcome.cached = true
            if let verifiedKey, let known = self.verifiedKey(of: entry.id), known != verifiedKey {
                outcome.keyConflict = true
                return outcome
            }
            if !records[i].entry.sameLocation(as: entry) {
                guard verifiedKey != nil else { return outcome }
                records[i].entry = entry
            }
            guard let verifiedKey else { return outcome }
            let wasVerified = records[i].isVerified
            store(verifiedKey, at: i)
            if !wasVerified { outcome.leafSetsJoined = insertIntoLeafSets(entry.id) }
            return outcome
        }
        var retained = false
        if verifiedKey != nil {
            outcome.leafSetsJoined = insertIntoLeafSets(entry.id)
            retained = !outcome.leafSetsJoined.isEmpty
        }
        var record = CachedRouteEntry(entry: entry)
        let key = slotKey(of: entry.id)
        if !isSlotTaken(key) {
            record.slot = UInt16(key)
            retained = true
        }
        if retained {
            let at = insertionIndex(of: entry.id)
            if records.count == records.capacity { records.reserveCapacity(records.count + Swift.max(4, records.count / 4)) }
            records.insert(record, at: at)
            if let verifiedKey { store(verifiedKey, at: at) }
            outcome.cached = true
        }
        return outcome
    }

    /// Stores `key` as the verified key of `records[i]`.
    private mutating func store(_ key: [UInt8], at i: Int) {
        let id = records[i].id
        if records[i].storeInlineKey(key) {
            if !otherKeys.isEmpty { otherKeys.removeValue(forKey: id) }
        } else {
            records[i].markKeyInSideTable()
            otherKeys[id] = key
        }
    }

    /// Inserts a verified ID into every leaf set it belongs to; members pushed out are dropped unless a
    /// slot or another leaf set keeps them. Returns the local IDs whose set gained it.
    private mutating func insertIntoLeafSets(_ id: PNRPID) -> [PNRPID] {
        var joined: [PNRPID] = []
        var evicted: [PNRPID] = []
        for i in leafSets.indices {
            let r = leafSets[i].insert(id)
            if r.added { joined.append(leafSets[i].center) }
            if let e = r.evicted { evicted.append(e) }
        }
        for e in evicted where e != id && !isRetained(e) && !isLocal(e) { drop(e) }
        return joined
    }

    /// Removes the entry for `id` (unreachable, revoked, or reported unregistered). A leaf set that loses a
    /// member takes the nearest other verified entry on that side in its place.
    public mutating func remove(_ id: PNRPID) {
        guard contains(id) else { return }
        drop(id)
        for i in leafSets.indices where leafSets[i].remove(id) { refill(i) }
    }

    /// Refills `leafSets[i]` from the verified entries and the other local IDs.
    private mutating func refill(_ i: Int) {
        for r in records where r.isVerified { leafSets[i].insert(r.id) }
        for j in leafSets.indices where j != i { leafSets[i].insert(leafSets[j].center) }
    }

    /// The smallest cached ID whose first endpoint (where its requests go) is `endpoint`, if any. An entry
    /// that only lists `endpoint` among other addresses is not one: the node at that endpoint does not answer
    /// for it (`docs/deviations.md`, item N24).
    public func id(at endpoint: IPv6Endpoint) -> PNRPID? {
        records.first { $0.entry.primaryEndpoint == endpoint }?.id
    }

    private func isRetained(_ id: PNRPID) -> Bool {
        if let i = index(of: id), records[i].slot != 0 { return true }
        return isInLeafSet(id)
    }

    private mutating func drop(_ id: PNRPID) {
        guard let i = index(of: id) else { return }
        records.remove(at: i)
        if !otherKeys.isEmpty { otherKeys.removeValue(forKey: id) }
    }

    /// Drops every entry that holds no slot and belongs to no leaf set.
    private mutating func dropUnretained() {
        for id in records.map(\.id) where !isRetained(id) { drop(id) }
    }

    /// Recomputes every slot after the centre moved. Entries that lose their slot and belong to no leaf set
    /// are dropped.
    private mutating func reslot() {
        for i in records.indices { records[i].slot = 0 }
        for i in records.indices {
            let key = slotKey(of: records[i].id)
            if !isSlotTaken(key) { records[i].slot = UInt16(key) }
        }
        dropUnretained()
    }

    // MARK: Queries

    /// The cached remote entry closest to `target` whose endpoints are not in `excluded` and, when
    /// `closerThan` is given, that is strictly closer to `target` than that ID ([MS-PNRP] 3.2.5.2).
    public func closest(to target: PNRPID, excluding excluded: Set<IPv6Endpoint> = [], closerThan bound: PNRPID? = nil) -> RouteEntry? {
        // The records are in ID order around the circle, so the ones not yet visited always form one arc
        // whose distance to `target` rises then falls: the nearer of its two ends is the nearest of all.
        // Walking outwards from `target`'s place visits the records nearest first.
        let n = records.count
        guard n > 0 else { return nil }
        var up = insertionIndex(of: target) % n
        var down = (up + n - 1) % n
        for _ in 0..<n {
            let above = records[up].entry, below = records[down].entry
            let takeAbove = up == down || target.isCloser(above.id, than: below.id)
            let e = takeAbove ? above : below
            if let bound, !target.isCloser(e.id, than: bound) { return nil }  // and so is every later one
            if excluded.isEmpty || !e.hasEndpoint(in: excluded) { return e }
            if takeAbove { up = (up + 1) % n } else { down = (down + n - 1) % n }
        }
        return nil
    }

    /// The cached entry nearest to `id` above it and the one nearest below it (in that order, either may be
    /// missing), skipping `id` itself and entries with an endpoint in `excluded`: the neighbours a flood or a
    /// revocation goes on to ([MS-PNRP] 3.2.5.11, 1.3.3.3). "Above" is up to half the circle away going up.
    public func nearestOnEachSide(of id: PNRPID, excluding excluded: Set<IPv6Endpoint>) -> [RouteEntry] {
        let n = records.count
        guard n > 0 else { return [] }
        let start = insertionIndex(of: id)
        var above: RouteEntry?, below: RouteEntry?
        // Going up from `id`, the distance upwards grows: the first usable record is the nearest, and once
        // one is more than half the circle away, so are all the rest.
        for k in 0..<n {
            let r = records[(start + k) % n]
            if r.id == id || r.entry.hasEndpoint(in: excluded) { continue }
            if r.id.subtracting(id) <= PNRPID.half { above = r.entry }
            break
        }
        for k in 1...n {
            let r = records[(start + n - k) % n]
            if r.id == id || r.entry.hasEndpoint(in: excluded) { continue }
            if r.id.subtracting(id) > PNRPID.half { below = r.entry }
            break
        }
        return [above, below].compactMap { $0 }
    }

    /// Up to `count` entries spread around the circle: one per slot from the coarsest levels first
    /// ([MS-PNRP] 3.2.5.3 "roughly evenly spread around the number space").
    public func spreadSample(count: Int, using random: inout some RandomNumberGenerator) -> [RouteEntry] {
        let slotted = records.filter { $0.slot != 0 }.sorted { $0.slot < $1.slot }
        var picked: [RouteEntry] = []
        // Walk levels coarse to fine; within the first level that overflows, choose at random.
        var byLevel: [[RouteEntry]] = []
        for r in slotted {
            let level = Int(r.slot) / 20
            while byLevel.count <= level { byLevel.append([]) }
            byLevel[level].append(r.entry)
        }
        for var level in byLevel where picked.count < count {
            while !level.isEmpty && picked.count < count {
                let i = Int(random.next() % UInt64(level.count))
                picked.append(level.remove(at: i))
            }
        }
        if picked.count < count {
            for r in records where picked.count < count && !picked.contains(r.entry) { picked.append(r.entry) }
        }
        return picked
    }

    /// Every cached ID in the order a spread sample takes them ([MS-PNRP] 3.2.5.3 "roughly evenly spread around
    /// the number space"): the entries holding a slot, coarsest level first and by `rank` within a level, then
    /// the entries kept only by a leaf set, by `rank`. Under a secret rank the first few are a random spread
    /// sample that can be derived again later: an entry cached in between moves each of them back by one place
    /// at most (`docs/deviations.md`, item N25).
    public func spreadOrder(rank: (PNRPID) -> UInt64) -> [PNRPID] {
        var keyed: [(level: Int, rank: UInt64, id: PNRPID)] = []
        keyed.reserveCapacity(records.count)
        for r in records { keyed.append((r.slot != 0 ? Int(r.slot) / 20 : Int.max, rank(r.id), r.id)) }
        keyed.sort { ($0.level, $0.rank, $0.id) < ($1.level, $1.rank, $1.id) }
        return keyed.map(\.id)
    }

    /// A target inside the coarsest empty slot, for a cache-maintenance resolve ([MS-PNRP] 3.1.6.2), or
    /// nil when every slot down to `depth` is filled.
    public func emptySlotTarget(depth: Int, using random: inout some RandomNumberGenerator) -> PNRPID? {
        for level in 0...Swift.min(depth, Self.maximumLevel) {
            var empty: [Int] = []
            for side in [0, 10] { for digit in 1...9 where !isSlotTaken(level * 20 + side + digit) { empty.append(side + digit) } }
            guard !empty.isEmpty else { continue }
            let pick = empty[Int(random.next() % UInt64(empty.count))]
            // Distance = 2^255 · (digit + 0.5) / 10^(level+1), computed from the 64-bit fraction.
            let fraction = (Double(pick % 10) + 0.5) / pow10(level + 1)
            let d = PNRPID.fromFraction(fraction)
            return pick >= 10 ? center.adding(d) : center.subtracting(d)
        }
        return nil
    }

    private func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n { r *= 10 }
        return r
    }
}

extension PNRPID {
    /// 2^255 · `fraction` for 0 ≤ fraction ≤ 1, with 64 bits of precision below the leading bit.
    static func fromFraction(_ fraction: Double) -> PNRPID {
        guard fraction > 0 else { return .zero }
        var f = Swift.min(fraction, 1)
        // Find the exponent so that f · 2^e is in [2^63, 2^64), then shift into place.
        var shift = 0
        while f < 0.5 && shift < 250 { f *= 2; shift += 1 }
        let mantissa = UInt64(Swift.min(f * 0x1p64, 0x1p64 - 2048))
        // mantissa / 2^64 · 2^-shift · 2^255 = mantissa · 2^(191 - shift)
        let id = PNRPID(0, 0, 0, mantissa)
        let left = 191 - shift
        return left >= 0 ? id.shiftedLeft(left) : id.shiftedRight(-left)
    }

    /// Shifts left by `n` bits (0...256); bits above 2^255 are lost.
    func shiftedLeft(_ n: Int) -> PNRPID {
        if n <= 0 { return self }
        if n >= 256 { return .zero }
        let words = [w0, w1, w2, w3]
        let wordShift = n / 64, bitShift = n % 64
        var out: [UInt64] = [0, 0, 0, 0]
        for i in 0..<(4 - wordShift) {
            let src = i + wordShift
            var v = words[src] << UInt64(bitShift)
            if bitShift > 0 && src + 1 < 4 { v |= words[src + 1] >> UInt64(64 - bitShift) }
            out[i] = v
        }
        return PNRPID(out[0], out[1], out[2], out[3])
    }
}
