import PNRP
import PNRPInMemory

/// Reflection (amplification) through the cloud: attackers forge INQUIREs that ask publishers for their CPA,
/// with the source address of a victim, a host outside the cloud that never spoke to it. A node answers with
/// an AUTHORITY carrying its CPA, several times the INQUIRE's size, aimed at the victim — unless the guard of
/// real sockets (`network.sourceGuard`, `docs/deviations.md` D1) holds answers to unvalidated sources within
/// what they sent. The victim is a node added after the cloud formed that joins nobody and sends nothing
/// (it answers no probe either); every byte that reaches it is the reflection's.
final class ReflectionAttack: DatagramTamperer, @unchecked Sendable {
    /// Forged INQUIREs each attacker sends per second.
    static let forgedPerSecondPerAttacker = 5.0

    /// The victim's node index.
    let victim: Int
    /// What was forged and what reached the victim so far.
    private(set) var figures = ReflectionFigures(forgedBytes: 0, forgedDatagrams: 0, victimBytes: 0, victimDatagrams: 0)

    init(victim: Int) { self.victim = victim }

    /// One forged INQUIRE for `id` with a fresh nonce, asking for the CPA (the largest answer a node gives
    /// anybody without an extended payload).
    func forge(for id: PNRPID, messageID: UInt32, nonce: [UInt8]) -> [UInt8] {
        let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain], validateID: id, nonce: nonce)
        let bytes = (try? PNRPMessage(messageID: messageID, body: .inquire(inquire)).encoded()) ?? []
        figures.forgedBytes += bytes.count
        figures.forgedDatagrams += 1
        return bytes
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        figures.victimBytes += datagram.count
        figures.victimDatagrams += 1
    }

    /// The victim sends nothing: it is no PNRP node.
    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? { nil }
}
