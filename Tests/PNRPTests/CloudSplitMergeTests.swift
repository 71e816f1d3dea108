import PNRP
import PNRPInMemory
import PeerCrypto
import Testing

/// Drops every datagram between the nodes below `boundary` and the others while `cut` is set: a network
/// partition.
final class Partition: DatagramTamperer {
    let boundary: Int
    var cut = true
    init(boundary: Int) { self.boundary = boundary }
    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {}
    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard cut, destination.address.high == 0xFD00_0000_0000_0000, destination.address.low >= 1 else { return datagram }
        let to = Int(destination.address.low - 1)  // `InMemoryCloud.endpoint(ofNode:)`
        return (node < boundary) == (to < boundary) ? datagram : nil
    }
}

/// Two clouds that formed apart meet through a seed (`docs/deviations.md` N38); a cloud cut in two by the network
/// becomes one again when the network heals (N39).
@Suite(.onComputeThread) struct CloudSplitMergeTests {
    /// Neighbouring registered IDs around the whole circle that are not in each other's leaf sets.
    static func unlinkedPairs(_ cloud: InMemoryCloud, ids: [(node: Int, id: PNRPID)]) -> Int {
        let ring = ids.sorted { $0.id < $1.id }
        var unlinked = 0
        for i in ring.indices {
            let a = ring[i], b = ring[(i + 1) % ring.count]
            let aHoldsB = cloud.nodes[a.node].cache.leafSet(of: a.id)?.contains(b.id) ?? false
            let bHoldsA = cloud.nodes[b.node].cache.leafSet(of: b.id)?.contains(a.id) ?? false
            if !aHoldsB || !bHoldsA { unlinked += 1 }
        }
        return unlinked
    }

    @Test("two clouds that formed apart become one soon after a node of one is given a seed in the other",
        arguments: [(UInt64(1601), 50), (1701, 80)])
    func splitCloudsMergeThroughANewSeed(seed: UInt64, perSide: Int) throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: seed))
        var random = RandomSource(seed: seed + 1)
        var ids: [(node: Int, id: PNRPID)] = []
        for side in 0..<2 {
            let first = side * perSide
            for i in first..<(first + perSide) {
                let bootstrap = i == first ? [] : [first + Int(random.next() % UInt64(i - first))]
                let node = cloud.addNode(bootstrap: bootstrap)
                let id = try cloud.withNode(node) { node, now in
                    try node.register(name: try PeerName("0.split-\(i)"), key: try .init(seed: random.bytes(32)), now: now)
                }
                ids.append((node, id))
                cloud.run(for: .milliseconds(200))
            }
        }
        cloud.run(for: .seconds(120))
        let sides = (ids.prefix(perSide), ids.suffix(perSide))
        let crossing = sides.0.contains { a in sides.1.contains { b in cloud.nodes[a.node].cache.contains(b.id) || cloud.nodes[b.node].cache.contains(a.id) } }
        #expect(!crossing, "the two clouds were not apart")
        let before = Self.unlinkedPairs(cloud, ids: ids)
        #expect(before > 0)
        // One node of the first cloud learns a seed in the second, as a daemon told of one more seed, or a
        // multicast discovery finding a node of another group on its link, would.
        let bridge = Int(random.next() % UInt64(perSide))
        cloud.withNode(bridge) { node, now in node.synchronize(with: InMemoryCloud.endpoint(ofNode: perSide), now: now) }
        // Measured: 1.5-1.9 s. Without the split detection from the new seed, nothing changed in 20 minutes.
        let merged = cloud.run(atMost: .seconds(30)) { Self.unlinkedPairs($0, ids: ids) == 0 }
        #expect(merged, "\(Self.unlinkedPairs(cloud, ids: ids)) of \(ids.count) neighbouring pairs still unlinked (\(before) before the seed)")
        // Names of each cloud resolve from the other.
        for (from, to) in [(0, perSide + 1), (perSide, 1)] {
            let r = cloud.resolve(from: from, name: try PeerName("0.split-\(to)"))
            #expect((try? r.get()) != nil, "from node \(from) to 0.split-\(to): \(r)")
        }
    }

    @Test("a cloud cut in two for ten minutes, its halves interleaved around the circle, is one ring again within 12 minutes of the network healing",
        arguments: [UInt64(1901), 2001])
    func partitionedCloudHeals(seed: UInt64) throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: seed))
        var random = RandomSource(seed: seed + 1)
        let count = 80
        var ids: [(node: Int, id: PNRPID)] = []
        for i in 0..<count {
            let node = cloud.addNode(bootstrap: i == 0 ? [] : [0])
            let id = try cloud.withNode(node) { node, now in
                try node.register(name: try PeerName("0.part-\(i)"), key: try .init(seed: random.bytes(32)), now: now)
            }
            ids.append((node, id))
            cloud.run(for: .milliseconds(200))
        }
        cloud.run(for: .seconds(120))
        #expect(Self.unlinkedPairs(cloud, ids: ids) == 0, "the cloud had not formed")
        let partition = Partition(boundary: count / 2)
        cloud.setTamperer(partition, misbehaving: 0..<count)
        cloud.run(for: .seconds(600))
        let cutPairs = Self.unlinkedPairs(cloud, ids: ids)
        #expect(cutPairs > 0, "the partition did not split the ring")
        partition.cut = false
        // A node that dropped its nearest neighbour of the other half during the cut asks it again 1, 3, 7 and 15
        // minutes after it left (N39): measured, the ring closed 7-8 minutes after the network healed; without
        // that, 25-27 minutes after, at the registrations' announcements.
        let merged = cloud.run(atMost: .seconds(12 * 60)) { Self.unlinkedPairs($0, ids: ids) == 0 }
        #expect(merged, "\(Self.unlinkedPairs(cloud, ids: ids)) of \(ids.count) neighbouring pairs still unlinked (\(cutPairs) when the network healed)")
        for (from, to) in [(1, count - 1), (count - 2, 2)] {
            let r = cloud.resolve(from: from, name: try PeerName("0.part-\(to)"))
            #expect((try? r.get()) != nil, "from node \(from) to 0.part-\(to): \(r)")
        }
    }
}
