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
        arguments: [UInt64(1201), 7, 99, 31337])
    func lostRequestAnswerDoesNotSplitTheCloud(seed: UInt64) throws {
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
        let loss = FirstRequestAnswerLoss(victim: InMemoryCloud.endpoint(ofNode: 1))
        cloud.setTamperer(loss, misbehaving: [first])
        let joiner = cloud.addNode(bootstrap: [first])
        cloud.run(for: .milliseconds(300))
        #expect(loss.dropped == 1, "the seed's FLOOD to the joiner was not dropped")
        #expect(!cloud.nodes[joiner].cache.contains(firstID))
        let joinerID = try register(joiner)
        // A later node joins through the joiner before the joiner's next maintenance tick.
        let later = cloud.addNode(bootstrap: [joiner])
        cloud.run(for: .milliseconds(300))
        // Until the joiner knows a member of its seed's cloud, it has nothing to offer ("too busy").
        #expect(!cloud.nodes[later].cache.contains(joinerID) || cloud.nodes[joiner].cache.contains(firstID),
            "the later node synchronised with a joiner that had not reached its own seed")
        let laterID = try register(later)
        // Two maintenance intervals (15 s): the joiner solicits its seed again, then the later node the joiner.
        let joined = cloud.run(atMost: .seconds(40)) { c in
            c.nodes[joiner].cache.contains(firstID) && c.nodes[later].cache.contains(firstID)
                && c.nodes[first].cache.contains(joinerID) && c.nodes[first].cache.contains(laterID)
        }
        #expect(joined, "the three nodes did not form one cloud: the joiner caches \(cloud.nodes[joiner].cache.count), the first node \(cloud.nodes[first].cache.count)")
        // And the cloud answers: the first node's name from the later node, and the reverse.
        let forward = cloud.resolve(from: later, name: try PeerName("0.joiner-0"))
        let backward = cloud.resolve(from: first, name: try PeerName("0.joiner-2"))
        #expect((try? forward.get()) != nil, "\(forward)")
        #expect((try? backward.get()) != nil, "\(backward)")
    }
}
