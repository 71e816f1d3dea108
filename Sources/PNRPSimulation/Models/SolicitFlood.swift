import PNRP
import PNRPInMemory

/// Join flooding: the attackers send the cloud's seed nodes SOLICITs ([MS-PNRP] 2.2.2.1) with fresh hashed
/// nonces and source addresses of other nodes (spoofed), from the first join to the end of the measured phase. A seed
/// that keeps a conversation per SOLICIT until it expires fills its table and answers real joiners "too
/// busy" (an empty ADVERTISE), so they stay alone. The defence is `docs/deviations.md` N25: inbound
/// synchronisation conversations keep no state.
///
/// In these runs every node joins through one of the first `seedCount` nodes (the cloud's well-known seeds,
/// which the attackers cannot be), not through a random earlier node.
final class SolicitFlood: ForgingAttack {
    /// The seeds: nodes 0..<seedCount.
    static let seedCount = 4
    /// SOLICITs each attacker sends per second (36 bytes each: about 720 B/s).
    static let solicitsPerSecondPerAttacker = 20.0

    let ratePerSecond: Double

    /// A flood by `attackers` attackers.
    init(attackers: Int) { ratePerSecond = Double(attackers) * Self.solicitsPerSecondPerAttacker }

    func forge(in cloud: InMemoryCloud, random: inout RandomSource, now: NodeInstant) -> [ForgedDatagram] {
        let seeds = Swift.min(Self.seedCount, cloud.nodes.count)
        guard seeds > 0, cloud.nodes.count > 1 else { return [] }
        let target = Int(random.next() % UInt64(seeds))
        let source = cloud.spoofedSource(towards: target, random: &random)
        let solicit = Solicit(hashedNonce: random.bytes(20))
        guard cloud.isAlive(target), let bytes = try? PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: .solicit(solicit)).encoded()
        else { return [] }
        return [ForgedDatagram(bytes: bytes, source: source, target: target)]
    }
}
