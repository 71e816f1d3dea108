import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// A joiner whose seed's answer was lost must not become the seed of a separate cloud
// (`docs/deviations.md`, item N12).

/// Drops the first FLOOD a node sends to `victim` with the D flag set: the route entry answering a
/// REQUEST of the victim's synchronisation conversation ([MS-PNRP] 3.2.5.4), lost on the wire after its ACK
/// got through.
final class FirstRequestAnswerLoss: DatagramTamperer {
    let victim: IPv6Endpoint
    private(set) var dropped = 0

    init(victim: IPv6Endpoint) { self.victim = victim }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {}

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard dropped == 0, destination == victim, let message = try? PNRPMessage(decoding: datagram),
            case .flood(let flood) = message.body, flood.doNotAck
        else { return datagram }
        dropped += 1
        return nil
    }
}

@Suite(.onComputeThread) struct LostBootstrapTests {
    @Test("a joiner whose seed's FLOOD was lost keeps soliciting the seed instead of starting a cloud of its own with later joiners",
        arguments: [UInt64(1201), 7, 99, 31337], [false, true])
    func lostRequestAnswerDoesNotSplitTheCloud(seed: UInt64, laterRegistersFirst: Bool) throws {
        var configuration = InMemoryCloudConfiguration(seed: seed)
        // Split detection would mend a split in a three-node cloud within minutes: this is about not making one.
        configuration.node.splitDetectionsPerInterval = 0
        var cloud = InMemoryCloud(configuration: configuration)
        var random = RandomSource(seed: seed + 1)
        func register(_ i: Int) throws -> PNRPID {
            try cloud.withNode(i) { node, now in try node.register(name: try PeerName("0.joiner-\(i)"), key: try .init(seed: random.bytes(32)), now: now) }
        }
        let first = cloud.addNode()
        let firstID = try register(first)
        cloud.run(for: .seconds(1))
        let loss = FirstRequestAnswerLoss(victim: InMemoryCloud.endpoint(ofNode: cloud.nodes.count))
        cloud.setTamperer(loss, misbehaving: [first])
        let joiner = cloud.addNode(bootstrap: [first])
        cloud.run(for: .milliseconds(300))
        #expect(loss.dropped == 1, "the seed's FLOOD to the joiner was not dropped")
        #expect(!cloud.nodes[joiner].cache.contains(firstID) && !cloud.nodes[joiner].hasSynchronized)
        let joinerID = try register(joiner)
        // A later node joins through the joiner before the joiner's next maintenance tick (registered at once, or
        // once it has asked).
        let later = cloud.addNode(bootstrap: [joiner])
        let laterRegisteredFirst = laterRegistersFirst ? try register(later) : nil
        cloud.run(for: .milliseconds(300))
        // Until the joiner knows a member of its seed's cloud, it has nothing to offer ("too busy").
        if !laterRegistersFirst {
            #expect(!cloud.nodes[later].cache.contains(joinerID) || cloud.nodes[joiner].hasSynchronized,
                "the later node synchronised with a joiner that had not reached its own seed")
        }
        let laterRegistered = try laterRegisteredFirst ?? register(later)
        // Two maintenance intervals (15 s): the joiner solicits its seed again, then the later node the joiner.
        let joined = cloud.run(atMost: .seconds(45)) { c in
            c.nodes[joiner].cache.contains(firstID) && c.nodes[later].cache.contains(firstID)
                && c.nodes[first].cache.contains(joinerID) && c.nodes[first].cache.contains(laterRegistered)
        }
        #expect(joined, "the three nodes did not form one cloud: the joiner caches \(cloud.nodes[joiner].cache.count), the first node \(cloud.nodes[first].cache.count)")
        // And the cloud answers: the first node's name from the later node, and the reverse.
        let forward = cloud.resolve(from: later, name: try PeerName("0.joiner-0"))
        let backward = cloud.resolve(from: first, name: try PeerName("0.joiner-2"))
        #expect((try? forward.get()) != nil, "\(forward)")
        #expect((try? backward.get()) != nil, "\(backward)")
    }

    @Test("a seed that publishes no name and knows only the joiner has nothing more to give: the joiner counts as joined, and later nodes join through it")
    func seedWithoutNamesStillLetsTheJoinerJoin() throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 1301))
        var random = RandomSource(seed: 1302)
        // A daemon started without names: it answers SOLICITs with the IDs it caches, and only those.
        let seed = cloud.addNode()
        cloud.run(for: .seconds(1))
        let member = cloud.addNode(bootstrap: [seed])
        let memberID = try cloud.withNode(member) { node, now in try node.register(name: try PeerName("0.member"), key: try .init(seed: random.bytes(32)), now: now) }
        // The member's announcement makes the seed cache it; the member's next solicitation is answered with its own ID.
        let memberJoined = cloud.run(atMost: .seconds(40)) { $0.nodes[member].hasSynchronized }
        #expect(memberJoined, "a member whose seed offers only the member's own ID never counts as joined")
        let later = cloud.addNode(bootstrap: [member])
        let learned = cloud.run(atMost: .seconds(40)) { $0.nodes[later].cache.contains(memberID) && $0.nodes[later].hasSynchronized }
        #expect(learned, "a node joining through the member was kept waiting: the member caches \(cloud.nodes[member].cache.count)")
    }

    @Test("nodes that all start at once, each the seed of the others (a link found by multicast), still form one cloud")
    func nodesSeedingEachOtherFormOneCloud() throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 1401))
        var random = RandomSource(seed: 1402)
        let count = 4
        for i in 0..<count { _ = cloud.addNode(bootstrap: (0..<count).filter { $0 != i }) }
        var ids: [PNRPID] = []
        for i in 0..<count {
            ids.append(try cloud.withNode(i) { node, now in try node.register(name: try PeerName("0.peer-\(i)"), key: try .init(seed: random.bytes(32)), now: now) })
        }
        // Every node answers the others "too busy" at first: none has joined a seed's cloud yet.
        let linked = cloud.run(atMost: .seconds(90)) { c in
            (0..<count).allSatisfy { i in ids.indices.allSatisfy { j in i == j || c.nodes[i].cache.contains(ids[j]) } }
        }
        #expect(linked, "caches: \((0..<count).map { cloud.nodes[$0].cache.count })")
        for i in 0..<count {
            let r = cloud.resolve(from: i, name: try PeerName("0.peer-\((i + 1) % count)"))
            #expect((try? r.get()) != nil, "node \(i): \(r)")
        }
    }
}
