import PNRP
import PNRPInMemory
import PeerCrypto

/// CPU by spoofed datagrams: the attackers send the publishers of the first `targetCount` names, from spoofed
/// source addresses, datagrams that each
/// cost the receiver an Ed25519 operation if it does the expensive work first — in turn an INQUIRE with a
/// fresh nonce asking for the publisher's CPA (a signature for that nonce, [MS-PNRP] 3.2.5.6) and a FLOOD
/// carrying a revocation that verifies, for an ID the receiver does not cache (a signature check, 3.1.5.5,
/// before finding it concerns nothing the receiver holds). The run counts the signatures made and checked by the honest nodes.
/// The defences are `docs/deviations.md` N26: signatures for INQUIREs within a per-second budget, and
/// signature checks after the cheap checks.
final class SignatureFlood: ForgingAttack {
    /// Datagrams each attacker sends per second.
    static let datagramsPerSecondPerAttacker = 500.0
    /// Publishers flooded: the first registered names'.
    static let targetCount = 2

    let ratePerSecond: Double
    /// Registered IDs and their publishers: whom to send to (set by the run: the first `targetCount`).
    var publishers: [(node: Int, id: PNRPID)] = []
    /// The attackers' signing key.
    private let key: Ed25519PrivateKey
    /// The revocation every forged FLOOD carries: genuine (signed once, at the first forgery, valid for a
    /// day), for an unsecured name the attackers registered nowhere.
    private var revocation: CPA?

    /// A flood by `attackers` attackers, whose key is drawn from `seed`.
    init(attackers: Int, seed: UInt64) {
        ratePerSecond = Double(attackers) * Self.datagramsPerSecondPerAttacker
        var random = RandomSource(seed: seed)
        key = try! Ed25519PrivateKey(seed: random.bytes(32))  // 32 bytes by construction
    }

    private func signedRevocation(now: NodeInstant) -> CPA? {
        if let revocation { return revocation }
        let name = try! PeerName(authority: .unsecured, classifier: "signature-flood")  // valid by construction
        let endpoint = InMemoryCloud.endpoint(ofNode: 0)
        let notAfter = (now + .hours(24)).fileTime
        revocation = try? CPA.signed(
            name: name, serviceLocation: ServiceLocation(high: 0, low: 1), serviceAddresses: [endpoint], payload: nil, friendlyName: nil,
            notAfter: notAfter, nonce: CPA.zeroNonce, key: key
        ).revocation(notAfter: notAfter, key: key)
        return revocation
    }

    func forge(in cloud: InMemoryCloud, random: inout RandomSource, now: NodeInstant) -> [ForgedDatagram] {
        guard !publishers.isEmpty, cloud.nodes.count > 1 else { return [] }
        let target = publishers[Int(random.next() % UInt64(publishers.count))]
        let source = cloud.spoofedSource(towards: target.node, random: &random)
        let body: PNRPMessage.Body
        if random.next() & 1 == 0 {
            body = .inquire(Inquire(flags: [.wantCPA], validateID: target.id, nonce: random.bytes(16)))
        } else {
            guard let revocation = signedRevocation(now: now) else { return [] }
            body = .flood(Flood(doNotAck: false, validateID: target.id, revokeCPA: revocation, alreadyFlooded: []))
        }
        guard cloud.isAlive(target.node), let bytes = try? PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: body).encoded()
        else { return [] }
        return [ForgedDatagram(bytes: bytes, source: source, target: target.node)]
    }
}
