import Foundation
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Join flooding: SOLICITs with fresh hashed nonces from forged sources must not leave real joiners with "too busy"
// answers (`docs/deviations.md`, item N25).

@Suite(.onComputeThread) struct JoinFloodTests {
    /// Forged SOLICITs of 36 bytes (no route entry, a fresh Hashed Nonce each) reach the seed at
    /// `bytesPerSecond` while the cloud runs for `duration`, in 10 ms steps.
    static func flood(_ cloud: inout InMemoryCloud, seed: Int, bytesPerSecond: Double, for duration: NodeDuration, random: inout RandomSource, owed: inout Double) throws {
        let steps = Int(duration.nanoseconds / 10_000_000)
        for _ in 0..<steps {
            cloud.run(for: .milliseconds(10))
            owed += bytesPerSecond / 100
            while owed >= 36 {
                owed -= 36
                let forged = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: random.next()), port: UInt16(1025 + random.next() % 60_000))
                let solicit = try PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: .solicit(Solicit(hashedNonce: random.bytes(20)))).encoded()
                #expect(solicit.count == 36)
                cloud.withNode(seed) { node, now in node.handle(datagram: solicit, from: forged, now: now) }
            }
        }
    }

    @Test("nodes joining through a seed flooded with forged SOLICITs (840 B/s as observed, and 8.4 kB/s) all join", arguments: [840.0, 8_400.0])
    func joinersJoinThroughAFloodedSeed(bytesPerSecond: Double) throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 4242))
        var random = RandomSource(seed: 77)
        let seed = cloud.addNode()
        for i in 1...3 {
            cloud.addNode(bootstrap: [seed])
            cloud.run(for: .seconds(1))
            _ = try cloud.withNode(i) { node, now in try node.register(name: try PeerName("0.member-\(i)"), key: try .init(seed: random.bytes(32)), now: now) }
        }
        cloud.run(for: .seconds(30))
        var owed = 0.0
        // The flood has been running for a while (longer than a conversation lasts) when the joiners come.
        try Self.flood(&cloud, seed: seed, bytesPerSecond: bytesPerSecond, for: .seconds(20), random: &random, owed: &owed)
        _ = cloud.takeEvents()
        let seedEP = InMemoryCloud.endpoint(ofNode: seed)
        // Joiners come one every 7 seconds, for longer than a conversation lasts twice over; each must have
        // synchronised with the seed 3 seconds after it came (its SOLICIT, the retransmission, the conversation).
        var joiners: [Int] = []
        for _ in 0..<5 {
            let j = cloud.addNode(bootstrap: [seed])
            joiners.append(j)
            try Self.flood(&cloud, seed: seed, bytesPerSecond: bytesPerSecond, for: .seconds(3), random: &random, owed: &owed)
            let synchronized = cloud.takeEvents().contains { e in
                if e.node == j, case .synchronized(let with, let entries) = e.event { with == seedEP && entries > 0 } else { false }
            }
            #expect(synchronized, "joiner \(j) got no IDs from the seed")
            #expect(cloud.nodes[j].cache.count >= 3, "joiner \(j) caches \(cloud.nodes[j].cache.count) entries")
            try Self.flood(&cloud, seed: seed, bytesPerSecond: bytesPerSecond, for: .seconds(4), random: &random, owed: &owed)
        }
        print("join flood at \(Int(bytesPerSecond)) B/s: \(joiners.filter { cloud.nodes[$0].cache.count >= 3 }.count)/\(joiners.count) joiners joined, the seed received \(cloud.nodes[seed].statistics.received[MessageType.solicit.rawValue] ?? 0) SOLICITs")
    }
}
