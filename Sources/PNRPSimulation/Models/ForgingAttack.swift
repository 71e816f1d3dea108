import PNRP
import PNRPInMemory

/// An attack that puts datagrams of its own making on the wire, at a steady average rate (a Poisson process
/// the run draws from the scenario's generator), with whatever source address it claims. The run injects each
/// one (`InMemoryCloud.inject`) and counts it in `SimulationResult.forgedDatagrams` and `forgedBytes`.
protocol ForgingAttack: AnyObject {
    /// Datagrams forged per second, all attackers together.
    var ratePerSecond: Double { get }
    /// The next forgery: one datagram, or a burst sent at once, or nothing when there is nobody to send it to
    /// at the moment.
    func forge(in cloud: InMemoryCloud, random: inout RandomSource, now: NodeInstant) -> [ForgedDatagram]
}

extension InMemoryCloud {
    /// A node whose endpoint a forged datagram to `target` claims as its source: any node but the target.
    func spoofedSource(towards target: Int, random: inout RandomSource) -> Int {
        let source = Int(random.next() % UInt64(nodes.count))
        return source == target ? (source + 1) % nodes.count : source
    }
}

/// One datagram an attack forged: its bytes, the node whose PNRP endpoint it claims as source, its target, and
/// how long after the forgery it is sent.
struct ForgedDatagram {
    var bytes: [UInt8]
    var source: Int
    var target: Int
    var delay = NodeDuration.zero
}
