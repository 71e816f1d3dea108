import Testing

@testable import PNRP
import PNRPInMemory

/// The compact forms of per-node state read and write like the collections they replace.
struct CompactStorageTests {
    @Test("CodeCounters behaves like [UInt8: Int], inline and overflow codes alike")
    func codeCountersMatchADictionary() {
        var counters = CodeCounters()
        var reference: [UInt8: Int] = [:]
        var random = RandomSource(seed: 5)
        for _ in 0..<2_000 {
            let code = UInt8(truncatingIfNeeded: random.next() % 16 == 0 ? random.next() : random.next() % 12)
            let n = Int(random.next() % 1_000)
            counters[code, default: 0] += n
            reference[code, default: 0] += n
        }
        counters[200] = nil
        reference[200] = nil
        for code in UInt8.min...UInt8.max { #expect(counters[code] == reference[code]) }
        #expect(counters.count == reference.count)
        #expect(counters.map(\.key) == reference.keys.sorted())
        #expect(counters.map(\.value) == reference.sorted { $0.key < $1.key }.map(\.value))
        var copy = CodeCounters()
        for (k, v) in reference { copy[k] = v }
        #expect(copy == counters)
        #expect(copy.hashValue == counters.hashValue)
        copy[3, default: 0] += 1
        #expect(copy != counters)
        // Values beyond 32 bits, or negative, are kept exactly.
        copy[1] = Int(UInt32.max)
        copy[1, default: 0] += 1
        #expect(copy[1] == Int(UInt32.max) + 1)
        copy[2] = -5
        #expect(copy[2] == -5)
        copy[1] = 9
        copy[2] = 10
        #expect(copy[1] == 9 && copy[2] == 10)
        #expect(copy.filter { $0.key == 1 || $0.key == 2 }.map(\.value) == [9, 10])
        #expect(CodeCounters()[4] == nil)
        #expect(([7: 0] as CodeCounters)[7] == 0)
    }

    @Test("NodeStatistics.evictions reads and writes like a dictionary")
    func evictionsRoundTrip() {
        var s = NodeStatistics()
        #expect(s.evictions.isEmpty)
        s.countEviction(.revoked)
        s.countEviction(.revoked)
        s.countEviction(.unreachable)
        #expect(s.evictions == ["revoked": 2, "unreachable": 1])
        s.evictions["invalidCPA", default: 0] += 3
        s.evictions["other"] = 4
        s.evictions["notRegistered"] = 0
        #expect(s.evictions == ["revoked": 2, "unreachable": 1, "invalidCPA": 3, "other": 4, "notRegistered": 0])
        s.evictions = [:]
        #expect(s.evictions.isEmpty)
        #expect(s == NodeStatistics())
    }

    @Test("a route entry with one address and one with several compare and encode as before")
    func routeEntryAddresses() throws {
        let a = IPv6Address(high: 0x2001_0DB8_0000_0000, low: 1), b = IPv6Address(high: 0x2001_0DB8_0000_0000, low: 2)
        let id = PNRPID(1, 2, 3, 4)
        var one = RouteEntry(id: id, port: 3540, addresses: [a])
        #expect(one == RouteEntry(id: id, port: 3540, address: a))
        #expect(one.addresses == [a] && one.addressCount == 1 && one.primaryAddress == a)
        one.addresses.append(b)
        #expect(one.addresses == [a, b] && one.addressCount == 2)
        #expect(one.hasEndpoint(IPv6Endpoint(address: b, port: 3540)))
        #expect(!one.hasEndpoint(IPv6Endpoint(address: b, port: 3541)))
        #expect(!one.sameLocation(as: RouteEntry(id: id, port: 3540, address: a)))
        one.addresses = [a]
        #expect(one == RouteEntry(id: id, port: 3540, address: a))
        let none = RouteEntry(id: id, port: 3540, addresses: [])
        #expect(none.addresses.isEmpty && none.primaryEndpoint == nil && none.addressCount == 0)
        #expect(none != RouteEntry(id: id, port: 3540, address: IPv6Address(high: 0, low: 0)))
        for entry in [one, RouteEntry(id: id, port: 3540, addresses: [a, b])] {
            var w = WireWriter()
            try w.writeRouteEntry(entry)
            var r = WireReader(w.bytes)
            #expect(try r.readRouteEntry(elementOffset: 0) == entry)
        }
    }

    @Test("the cache keeps verified keys of any length and forgets them with their entry")
    func cacheKeys() {
        var cache = RouteEntryCache(center: PNRPID(0, 0, 0, 0))
        cache.addLocal(PNRPID(0, 0, 0, 0))
        let near = RouteEntry(id: PNRPID(0, 0, 0, 5), port: 3540, address: IPv6Address(high: 1, low: 1))
        let other = RouteEntry(id: PNRPID(0, 0, 0, 6), port: 3540, address: IPv6Address(high: 1, low: 2))
        let key32 = (0..<32).map { UInt8($0 * 7 & 0xFF) }, key5: [UInt8] = [1, 2, 3, 4, 5]
        #expect(cache.add(near, verifiedKey: key32).leafSetsJoined == [PNRPID(0, 0, 0, 0)])
        #expect(cache.add(other, verifiedKey: key5).cached)
        #expect(cache.verifiedKey(of: near.id) == key32)
        #expect(cache.verifiedKey(of: other.id) == key5)
        #expect(cache.isVerified(near.id) && cache.isInLeafSet(other.id))
        #expect(cache.entries.map(\.id) == [near.id, other.id])
        // The first key verified for an ID stays its key: another one changes nothing (N22); the same one refreshes.
        #expect(cache.add(other, verifiedKey: key32).keyConflict)
        #expect(cache.verifiedKey(of: other.id) == key5)
        #expect(!cache.add(other, verifiedKey: key5).keyConflict)
        #expect(cache.verifiedKey(of: other.id) == key5)
        cache.remove(near.id)
        #expect(cache.entry(near.id) == nil && cache.verifiedKey(of: near.id) == nil && cache.count == 1)
        cache.remove(other.id)
        #expect(cache.verifiedKey(of: other.id) == nil && cache.count == 0)
    }

    @Test("closest and nearestOnEachSide find what a scan of every entry finds")
    func cacheSearchesMatchAFullScan() {
        var random = RandomSource(seed: 77)
        func randomID(near base: PNRPID? = nil) -> PNRPID {
            let id = PNRPID(random.next(), random.next(), random.next(), random.next())
            guard let base else { return id }
            let step = id.shiftedRight(Int(random.next() % 250) + 3)
            return random.next() % 2 == 0 ? base.adding(step) : base.subtracting(step)  // close to `base`, either side
        }
        for trial in 0..<400 {
            let center = randomID()
            var cache = RouteEntryCache(center: center)
            cache.addLocal(center)
            let clustered = trial % 2 == 0
            for k in 0..<Int(random.next() % 80) + 1 {
                let id = clustered ? randomID(near: center) : randomID()
                cache.add(RouteEntry(id: id, port: 3540, address: IPv6Address(high: 1, low: UInt64(k))), verifiedKey: nil)
            }
            let entries = Array(cache.entries)
            var targets = [randomID(), randomID(near: center), center, center.adding(PNRPID.half)]
            if entries.count >= 2 {
                let a = entries[0].id, b = entries[entries.count - 1].id
                targets += [a, a.adding(b.subtracting(a).shiftedRight(1)), b.adding(a.subtracting(b).shiftedRight(1))]  // ties
            }
            for target in targets {
                let excluded = Set(entries.filter { _ in random.next() % 3 == 0 }.compactMap(\.primaryEndpoint))
                let bounds: [PNRPID?] = [nil, randomID(), entries.randomElement(using: &random)?.id]
                for bound in bounds {
                    var expected: RouteEntry?
                    for e in entries {
                        if let bound, !target.isCloser(e.id, than: bound) { continue }
                        if e.hasEndpoint(in: excluded) { continue }
                        if let b = expected, !target.isCloser(e.id, than: b.id) { continue }
                        expected = e
                    }
                    #expect(cache.closest(to: target, excluding: excluded, closerThan: bound) == expected)
                }
                var above: RouteEntry?, below: RouteEntry?
                for e in entries where e.id != target && !e.hasEndpoint(in: excluded) {
                    let up = e.id.subtracting(target)
                    if up <= PNRPID.half {
                        if above.map({ up < $0.id.subtracting(target) }) ?? true { above = e }
                    } else if below.map({ target.subtracting(e.id) < target.subtracting($0.id) }) ?? true {
                        below = e
                    }
                }
                #expect(cache.nearestOnEachSide(of: target, excluding: excluded) == [above, below].compactMap { $0 })
            }
        }
    }
}

/// Nodes made from one configuration share its settings, and the configuration still behaves as a value.
struct SharedNodeSettingsTests {
    @Test("Copies share the settings until one is changed, and a change never reaches another copy")
    func copiesAreValues() {
        let original = NodeConfiguration()
        var copy = original
        #expect(copy.sharesSettings(with: original))
        copy.retryCount = 7
        copy.maintenanceInterval = .seconds(3)
        #expect(!copy.sharesSettings(with: original))
        #expect(original.retryCount == 2 && original.maintenanceInterval == .seconds(15))
        #expect(copy.retryCount == 7 && copy.maintenanceInterval == .seconds(3))
        // Per-node values live inline: changing them keeps the settings shared.
        var other = original
        other.localEndpoint = IPv6Endpoint(address: .loopback, port: 4000)
        other.seed = 99
        #expect(other.sharesSettings(with: original))
    }

    @Test("validated() brings a changed value into range even after an earlier validation")
    func validationAfterAChange() {
        var c = NodeConfiguration().validated()
        #expect(c.validated().sharesSettings(with: c))
        c.retryCount = 0
        c.maintenanceDepth = 1_000
        let v = c.validated()
        #expect(v.retryCount == 1)
        #expect(v.maintenanceDepth == RouteEntryCache.maximumLevel)
        #expect(c.retryCount == 0)
    }

    @Test("Every node of an in-memory cloud holds the same settings")
    func cloudNodesShareSettings() {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 3))
        let a = cloud.addNode(), b = cloud.addNode(bootstrap: [a])
        #expect(cloud.nodes[a].configuration.sharesSettings(with: cloud.nodes[b].configuration))
        #expect(cloud.nodes[a].localEndpoint != cloud.nodes[b].localEndpoint)
    }
}
