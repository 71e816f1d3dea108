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
    /// Every cached remote entry by ID.
    public private(set) var entries: [PNRPID: RouteEntry] = [:]
    /// Leaf sets by locally registered ID.
    public private(set) var leafSets: [PNRPID: LeafSet] = [:]
    /// Locally registered IDs in registration order.
    public private(set) var localIDs: [PNRPID] = []

    private var slots: [Int: PNRPID] = [:]
    private var slotOf: [PNRPID: Int] = [:]

    /// An empty cache centred on `center`.
    public init(center: PNRPID) { self.center = center }

    /// Number of remote entries.
    public var count: Int { entries.count }

    /// True when `id` is a locally registered ID.
    public func isLocal(_ id: PNRPID) -> Bool { leafSets[id] != nil }

    // MARK: Levels

    /// The (level, side, digit) slot key of `id` relative to the centre, packed into an Int.
    func slotKey(of id: PNRPID) -> Int {
        let forward = id.subtracting(center)
        let upper = forward <= PNRPID.powerOfTwo(255)
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

    // MARK: Local IDs

    /// Adds a locally registered ID with an empty leaf set, filled from the entries already cached.
    /// The first local ID becomes the cache centre.
    public mutating func addLocal(_ id: PNRPID) {
        guard leafSets[id] == nil else { return }
        if localIDs.isEmpty && center != id {
            center = id
            reslot()
        }
        localIDs.append(id)
        var set = LeafSet(center: id)
        for other in entries.keys { set.insert(other) }
        for other in localIDs where other != id { set.insert(other) }
        leafSets[id] = set
        // Other local IDs see the new one as a neighbour too.
        for other in localIDs where other != id { leafSets[other]?.insert(id) }
    }

    /// Removes a locally registered ID and its leaf set. Entries kept only for that set are dropped.
    public mutating func removeLocal(_ id: PNRPID) {
        guard leafSets.removeValue(forKey: id) != nil else { return }
        localIDs.removeAll { $0 == id }
        for other in localIDs { leafSets[other]?.remove(id) }
        for e in Array(entries.keys) where !isRetained(e) { drop(e) }
    }

    // MARK: Remote entries

    /// True when adding `entry` would change the cache: a new ID that enters a leaf set or an empty slot,
    /// or a known ID at new addresses ([MS-PNRP] 3.1.5.11 "submitted to the cache for consideration").
    public func wouldAccept(_ entry: RouteEntry) -> Bool {
        if isLocal(entry.id) { return false }
        if let known = entries[entry.id] { return known != entry }
        if slots[slotKey(of: entry.id)] == nil { return true }
        return leafSets.values.contains { $0.wouldInclude(entry.id) }
    }

    /// True when `id` would enter (or lies within) the leaf set of a local ID; such entries need a verified
    /// CPA before they are cached ([MS-PNRP] 3.2.5.1).
    public func fallsInLeafSet(_ id: PNRPID) -> Bool {
        leafSets.values.contains { $0.wouldInclude(id) || $0.contains(id) }
    }

    /// Local IDs whose leaf set the target falls within ([MS-PNRP] 3.2.5.2 TargetSuspicious).
    public func leafSetCovers(_ target: PNRPID) -> Bool {
        leafSets.values.contains { $0.covers(target) }
    }

    /// What an `add` changed.
    public struct AddOutcome: Sendable {
        /// True when the entry is now cached.
        public var cached = false
        /// Local IDs whose leaf set gained the entry.
        public var leafSetsJoined: [PNRPID] = []
    }

    /// Adds or refreshes `entry` ([MS-PNRP] 3.1.5.6.1.2, 3.2.5.11).
    @discardableResult
    public mutating func add(_ entry: RouteEntry) -> AddOutcome {
        var outcome = AddOutcome()
        if isLocal(entry.id) { return outcome }
        if entries[entry.id] != nil {
            entries[entry.id] = entry
            outcome.cached = true
            return outcome
        }
        var retained = false
        var evicted: [PNRPID] = []
        for local in localIDs {
            guard let r = leafSets[local]?.insert(entry.id) else { continue }
            if r.added {
                outcome.leafSetsJoined.append(local)
                retained = true
            }
            if let e = r.evicted { evicted.append(e) }
        }
        let key = slotKey(of: entry.id)
        if slots[key] == nil {
            slots[key] = entry.id
            slotOf[entry.id] = key
            retained = true
        }
        if retained {
            entries[entry.id] = entry
            outcome.cached = true
        }
        for e in evicted where !isRetained(e) { drop(e) }
        return outcome
    }

    /// Removes the entry for `id` (unreachable, revoked, or reported unregistered). A leaf set that loses a
    /// member takes the nearest other cached entry on that side in its place.
    public mutating func remove(_ id: PNRPID) {
        guard entries[id] != nil else { return }
        drop(id)
        for local in localIDs where leafSets[local]?.remove(id) == true {
            // Refill the gap from what is cached, so the set keeps its nearest known members.
            for other in entries.keys { leafSets[local]?.insert(other) }
        }
    }

    /// Removes every entry that lists `endpoint` (a node that stopped answering).
    public mutating func remove(endpoint: IPv6Endpoint) {
        for (id, e) in entries where e.port == endpoint.port && e.addresses.contains(endpoint.address) { remove(id) }
    }

    private func isRetained(_ id: PNRPID) -> Bool {
        slotOf[id] != nil || leafSets.values.contains { $0.contains(id) }
    }

    private mutating func drop(_ id: PNRPID) {
        entries.removeValue(forKey: id)
        if let key = slotOf.removeValue(forKey: id) {
            slots.removeValue(forKey: key)
        }
    }

    private mutating func reslot() {
        slots.removeAll(keepingCapacity: true)
        slotOf.removeAll(keepingCapacity: true)
        var dropped: [PNRPID] = []
        for id in entries.keys.sorted() {
            let key = slotKey(of: id)
            if slots[key] == nil {
                slots[key] = id
                slotOf[id] = key
            } else if !leafSets.values.contains(where: { $0.contains(id) }) {
                dropped.append(id)
            }
        }
        for id in dropped where leafSets.values.allSatisfy({ !$0.wouldInclude(id) }) { entries.removeValue(forKey: id) }
    }

    // MARK: Queries

    /// The cached remote entry closest to `target` whose endpoints are not in `excluded` and, when
    /// `closerThan` is given, that is strictly closer to `target` than that ID ([MS-PNRP] 3.2.5.2).
    public func closest(to target: PNRPID, excluding excluded: Set<IPv6Endpoint> = [], closerThan bound: PNRPID? = nil) -> RouteEntry? {
        var best: RouteEntry?
        for e in entries.values {
            if let bound, !target.isCloser(e.id, than: bound) { continue }
            if !excluded.isEmpty, e.endpoints.contains(where: excluded.contains) { continue }
            if let b = best, !target.isCloser(e.id, than: b.id) { continue }
            best = e
        }
        return best
    }

    /// Up to `count` entries spread around the circle: one per slot from the coarsest levels first
    /// ([MS-PNRP] 3.2.5.3 "roughly evenly spread around the number space").
    public func spreadSample(count: Int, using random: inout RandomSource) -> [RouteEntry] {
        let keys = slots.keys.sorted()
        var picked: [RouteEntry] = []
        // Walk levels coarse to fine; within the first level that overflows, choose at random.
        var byLevel: [[PNRPID]] = []
        for k in keys {
            let level = k / 20
            while byLevel.count <= level { byLevel.append([]) }
            byLevel[level].append(slots[k]!)
        }
        for var level in byLevel where picked.count < count {
            while !level.isEmpty && picked.count < count {
                let i = Int(random.next() % UInt64(level.count))
                if let e = entries[level.remove(at: i)] { picked.append(e) }
            }
        }
        if picked.count < count {
            for e in entries.values.sorted(by: { $0.id < $1.id }) where picked.count < count && !picked.contains(e) { picked.append(e) }
        }
        return picked
    }

    /// A target inside the coarsest empty slot, for a cache-maintenance resolve ([MS-PNRP] 3.1.6.2), or
    /// nil when every slot down to `depth` is filled.
    public func emptySlotTarget(depth: Int, using random: inout RandomSource) -> PNRPID? {
        for level in 0...Swift.min(depth, Self.maximumLevel) {
            var empty: [Int] = []
            for side in [0, 10] { for digit in 1...9 where slots[level * 20 + side + digit] == nil { empty.append(side + digit) } }
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
