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
    /// Public keys of the CPAs verified for cached entries (leaf-set members need one).
    private var verifiedKeys: [PNRPID: [UInt8]] = [:]

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

    // MARK: Local IDs

    /// Adds a locally registered ID with a leaf set filled from the verified entries already cached.
    /// The first local ID becomes the cache centre.
    public mutating func addLocal(_ id: PNRPID) {
        guard leafSets[id] == nil else { return }
        var set = LeafSet(center: id)
        for other in verifiedKeys.keys { set.insert(other) }
        for other in localIDs { set.insert(other) }
        leafSets[id] = set
        let first = localIDs.isEmpty
        localIDs.append(id)
        // Other local IDs see the new one as a neighbour too.
        for other in localIDs where other != id { leafSets[other]?.insert(id) }
        if first && center != id {
            center = id
            reslot()
        }
    }

    /// Removes a locally registered ID and its leaf set. Entries kept only for that set are dropped.
    public mutating func removeLocal(_ id: PNRPID) {
        guard leafSets.removeValue(forKey: id) != nil else { return }
        localIDs.removeAll { $0 == id }
        for other in localIDs where leafSets[other]?.remove(id) == true { refill(other) }
        for e in Array(entries.keys) where !isRetained(e) { drop(e) }
    }

    // MARK: Remote entries

    /// True when `entry` is worth validating ([MS-PNRP] 3.1.5.11 "submitted to the cache for
    /// consideration"): a new ID that would enter a leaf set or an empty slot, a cached ID at other
    /// addresses, or a cached ID without a verified CPA that now belongs in a leaf set.
    public func wouldAccept(_ entry: RouteEntry) -> Bool {
        if isLocal(entry.id) { return false }
        if let known = entries[entry.id] {
            if !known.sameLocation(as: entry) { return true }
            return verifiedKeys[entry.id] == nil && leafSets.values.contains { $0.wouldInclude(entry.id) }
        }
        if slots[slotKey(of: entry.id)] == nil { return true }
        return leafSets.values.contains { $0.wouldInclude(entry.id) }
    }

    /// True when an ID not cached yet would enter a leaf set or an empty slot (`wouldAccept` for an ID
    /// whose addresses are not known yet).
    public func wouldAccept(id: PNRPID) -> Bool {
        if isLocal(id) || entries[id] != nil { return false }
        return slots[slotKey(of: id)] == nil || leafSets.values.contains { $0.wouldInclude(id) }
    }

    /// True when validating `entry` must include a CPA that verifies: it would enter (or lies within) the
    /// leaf set of a local ID ([MS-PNRP] 3.2.5.1), or it would move a cached ID to other addresses
    /// (`docs/deviations.md`, item N17).
    public func needsCPA(_ entry: RouteEntry) -> Bool {
        if let known = entries[entry.id], !known.sameLocation(as: entry) { return true }
        return leafSets.values.contains { $0.wouldInclude(entry.id) || $0.contains(entry.id) }
    }

    /// Local IDs whose leaf set the target falls within ([MS-PNRP] 3.2.5.2 TargetSuspicious).
    public func leafSetCovers(_ target: PNRPID) -> Bool {
        leafSets.values.contains { $0.covers(target) }
    }

    /// The public key of the verified CPA behind a cached entry, if one was checked.
    public func verifiedKey(of id: PNRPID) -> [UInt8]? { verifiedKeys[id] }

    /// What an `add` changed.
    public struct AddOutcome: Sendable {
        /// True when the entry is now cached.
        public var cached = false
        /// Local IDs whose leaf set gained the entry.
        public var leafSetsJoined: [PNRPID] = []
    }

    /// Adds or refreshes `entry` ([MS-PNRP] 3.1.5.6.1.2, 3.2.5.11). `verifiedKey` is the public key of the
    /// CPA that was checked for it, if any: only such entries enter leaf sets, and only they may move a
    /// cached ID to other addresses.
    @discardableResult
    public mutating func add(_ entry: RouteEntry, verifiedKey: [UInt8]? = nil) -> AddOutcome {
        var outcome = AddOutcome()
        if isLocal(entry.id) { return outcome }
        if let known = entries[entry.id] {
            outcome.cached = true
            if !known.sameLocation(as: entry) {
                guard verifiedKey != nil else { return outcome }
                entries[entry.id] = entry
            }
            guard let verifiedKey, verifiedKeys[entry.id] == nil else {
                if let verifiedKey { verifiedKeys[entry.id] = verifiedKey }
                return outcome
            }
            verifiedKeys[entry.id] = verifiedKey
            outcome.leafSetsJoined = insertIntoLeafSets(entry.id)
            return outcome
        }
        var retained = false
        if let verifiedKey {
            verifiedKeys[entry.id] = verifiedKey
            outcome.leafSetsJoined = insertIntoLeafSets(entry.id)
            retained = !outcome.leafSetsJoined.isEmpty
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
        } else {
            verifiedKeys.removeValue(forKey: entry.id)
        }
        return outcome
    }

    /// Inserts a verified ID into every leaf set it belongs to; members pushed out are dropped unless a
    /// slot or another leaf set keeps them. Returns the local IDs whose set gained it.
    private mutating func insertIntoLeafSets(_ id: PNRPID) -> [PNRPID] {
        var joined: [PNRPID] = []
        var evicted: [PNRPID] = []
        for local in localIDs {
            guard let r = leafSets[local]?.insert(id) else { continue }
            if r.added { joined.append(local) }
            if let e = r.evicted { evicted.append(e) }
        }
        for e in evicted where e != id && !isRetained(e) && !isLocal(e) { drop(e) }
        return joined
    }

    /// Removes the entry for `id` (unreachable, revoked, or reported unregistered). A leaf set that loses a
    /// member takes the nearest other verified entry on that side in its place.
    public mutating func remove(_ id: PNRPID) {
        guard entries[id] != nil else { return }
        drop(id)
        for local in localIDs where leafSets[local]?.remove(id) == true { refill(local) }
    }

    /// Refills the leaf set of `local` from the verified entries and the other local IDs.
    private mutating func refill(_ local: PNRPID) {
        for other in verifiedKeys.keys { leafSets[local]?.insert(other) }
        for other in localIDs where other != local { leafSets[local]?.insert(other) }
    }

    /// The smallest cached ID registered at `endpoint`, if any (smallest, so the choice is the same in
    /// every process whatever the dictionary order).
    public func id(at endpoint: IPv6Endpoint) -> PNRPID? {
        var best: PNRPID?
        for e in entries.values where e.hasEndpoint(endpoint) {
            if best.map({ e.id < $0 }) ?? true { best = e.id }
        }
        return best
    }

    private func isRetained(_ id: PNRPID) -> Bool {
        slotOf[id] != nil || leafSets.values.contains { $0.contains(id) }
    }

    private mutating func drop(_ id: PNRPID) {
        entries.removeValue(forKey: id)
        verifiedKeys.removeValue(forKey: id)
        if let key = slotOf.removeValue(forKey: id) {
            slots.removeValue(forKey: key)
        }
    }

    /// Recomputes every slot after the centre moved. Entries that lose their slot and belong to no leaf set
    /// are dropped.
    private mutating func reslot() {
        slots.removeAll(keepingCapacity: true)
        slotOf.removeAll(keepingCapacity: true)
        for id in entries.keys.sorted() {
            let key = slotKey(of: id)
            if slots[key] == nil {
                slots[key] = id
                slotOf[id] = key
            }
        }
        for id in Array(entries.keys) where !isRetained(id) { drop(id) }
    }

    // MARK: Queries

    /// The cached remote entry closest to `target` whose endpoints are not in `excluded` and, when
    /// `closerThan` is given, that is strictly closer to `target` than that ID ([MS-PNRP] 3.2.5.2).
    public func closest(to target: PNRPID, excluding excluded: Set<IPv6Endpoint> = [], closerThan bound: PNRPID? = nil) -> RouteEntry? {
        var best: RouteEntry?
        for e in entries.values {
            if let bound, !target.isCloser(e.id, than: bound) { continue }
            if !excluded.isEmpty, e.hasEndpoint(in: excluded) { continue }
            if let b = best, !target.isCloser(e.id, than: b.id) { continue }
            best = e
        }
        return best
    }

    /// The cached entry nearest to `id` above it and the one nearest below it (in that order, either may be
    /// missing), skipping `id` itself and entries with an endpoint in `excluded`: the neighbours a flood or a
    /// revocation goes on to ([MS-PNRP] 3.2.5.11, 1.3.3.3).
    public func nearestOnEachSide(of id: PNRPID, excluding excluded: Set<IPv6Endpoint>) -> [RouteEntry] {
        var above: RouteEntry?, below: RouteEntry?
        for e in entries.values where e.id != id && !e.hasEndpoint(in: excluded) {
            let up = e.id.subtracting(id)
            if up <= PNRPID.half {
                if above.map({ up < $0.id.subtracting(id) }) ?? true { above = e }
            } else if below.map({ id.subtracting(e.id) < id.subtracting($0.id) }) ?? true {
                below = e
            }
        }
        return [above, below].compactMap { $0 }
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
