import NetworkLab
import Testing

@testable import PNRP

/// A reachability check whose peers do not answer (`docs/deviations.md`, X2): a node that has just joined
/// often caches mostly nodes that have left. The check asks other peers in their place, seeds and other nodes
/// known to be alive first, and a check that nobody answered is run again after 5 s, 10 s, 20 s, then 30 s.
@Suite(.onComputeThread) struct ReachabilityRetryTests {
    static let local = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)
    static let seed = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 2), port: 3540)
    /// Where the seed sees the node: its NAT's mapping.
    static let mapped = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: 7), port: 61_000)
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)

    /// A node doing NAT traversal with `seeds` as its seeds and six cached peers that never answer (they left).
    static func node(seeds: [IPv6Endpoint]) throws -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: local, seed: 11)
        configuration.natTraversal = true
        var node = PNRPNode(configuration: configuration, now: t0)
        node.seedEndpoints = seeds
        try cacheDeparted(&node)
        _ = node.takeEffects()
        return node
    }

    /// Puts the six departed peers in `node`'s cache (again: the node evicts them as they fail to answer, and a
    /// cloud that has not noticed their departure keeps offering them).
    static func cacheDeparted(_ node: inout PNRPNode) throws {
        for i in 0..<6 {
            let departed = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 0x100 + UInt64(i)), port: 3540)
            let id = PNRPID(p2pID: try PeerName("0.departed-\(i)").p2pID, serviceLocation: .forResolution(prefix: departed.address.high))
            _ = node.cache.add(RouteEntry(id: id, port: departed.port, address: departed.address))
        }
    }

    /// The REACHes among `effects`: destination, Message ID, nonce.
    static func reaches(_ effects: [NodeEffect]) -> [(to: IPv6Endpoint, id: UInt32, nonce: [UInt8])] {
        effects.compactMap { effect in
            guard case .send(let bytes, let to, _) = effect, case (let id, .reach(let nonce, _))? = try? TraversalMessage.decode(bytes) else { return nil }
            return (to, id, nonce)
        }
    }

    @Test("both peers of the first check left: a seed is asked in their place, and the node knows its public endpoint within seconds (it waited 30 s for the next check)")
    func silentPeersAreReplacedBySeed() throws {
        var node = try Self.node(seeds: [Self.seed])
        var learnedAt: NodeInstant?
        var reachDestinations: [IPv6Endpoint] = []
        for step in 1...(12 * 4) {
            let now = Self.t0 + .milliseconds(UInt64(step) * 250)
            node.poll(now: now)
            for reach in Self.reaches(node.takeEffects()) {
                reachDestinations.append(reach.to)
                guard reach.to == Self.seed else { continue }
                let answer = try TraversalMessage.reachAnswer(ackedMessageID: reach.id, observed: Self.mapped, prober: nil, reachable: true, relays: false)
                    .encoded(messageID: 99)
                node.handle(datagram: answer, from: Self.seed, now: now)
            }
            if learnedAt == nil, node.traversal!.value.lastObserved == Self.mapped { learnedAt = now }
        }
        let learned = try #require(learnedAt, "no peer the node asked in 12 s answered; asked \(reachDestinations)")
        #expect(learned - Self.t0 <= .seconds(6), "the node learned its public endpoint only after \(learned - Self.t0)")
        // The first check asked two cached peers, not the seed: replacements go to the seed only on silence.
        #expect(reachDestinations.prefix(2).allSatisfy { $0 != Self.seed })
    }

    @Test("a check nobody answered runs again after 5 s, 10 s, 20 s, then 30 s, and each asks at most six peers")
    func unansweredChecksBackOff() throws {
        var node = try Self.node(seeds: [])
        var checks: [(start: NodeInstant, peers: Set<IPv6Endpoint>)] = []
        var nonces: [[UInt8]] = []
        for step in 1...(120 * 4) {
            let now = Self.t0 + .milliseconds(UInt64(step) * 250)
            try Self.cacheDeparted(&node)
            node.poll(now: now)
            for reach in Self.reaches(node.takeEffects()) {
                if let i = nonces.firstIndex(of: reach.nonce) {
                    checks[i].peers.insert(reach.to)
                } else {
                    nonces.append(reach.nonce)
                    checks.append((now, [reach.to]))
                }
            }
        }
        let gaps = zip(checks, checks.dropFirst()).map { ($1.start - $0.start).milliseconds / 1000 }
        // A check lasts 5 s, or up to about 9 s when it asked replacements late (each is waited for 2 s, and a
        // silent one takes 3 s to fail); then the delay.
        let delays: [Double] = [5, 10, 20, 30]
        #expect(gaps.count >= delays.count, "checks began \(checks.map { ($0.start - Self.t0).milliseconds / 1000 }) s after the start")
        for (gap, delay) in zip(gaps, delays) {
            #expect(gap >= 5 + delay - 0.5 && gap <= 9 + delay + 1, "gaps between checks \(gaps) s; expected 5 to 9 s of check plus \(delays)")
        }
        #expect(checks.allSatisfy { $0.peers.count <= 2 + PNRPNode.maximumReachReplacements })
    }
}
