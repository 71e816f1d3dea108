import PNRP
import PNRPInMemory
import PeerCrypto

/// ID displacement: the attackers claim the exact PNRP ID of one victim's unsecured registration (the first
/// registered name, unsecured in these runs). An unsecured name binds no key ([MS-PNRP] 3.1.5.7), so a CPA
/// for that ID signed with an attacker's own key and listing its own endpoint verifies. Each attacker FLOODs
/// a route entry naming the ID at its endpoint to one of the victim's nearest neighbours every 5 s on
/// average, and answers
/// every INQUIRE about the ID — the neighbours' validation of that entry, or a resolver's final INQUIRE — with
/// such a CPA (for the INQUIRE's nonce). A node that moves a cached entry, and replaces its key, on any CPA
/// that verifies sends the victim's resolvers to an attacker and then refuses the victim's own revocation.
/// The defence is `docs/deviations.md` N22: the first key verified for a cached ID stays its key.
///
/// The attackers are given the victim's neighbours (`neighbours`), which real ones would find by resolving
/// IDs near the victim's. They do not answer LOOKUPs with the claim: a resolver that asks an attacker first
/// could not tell its CPA from the publisher's (nothing authenticates an unsecured name); only what the claim
/// does to the caches of others is measured.
final class IDDisplacement: DatagramTamperer, ForgingAttack {
    /// FLOODs each attacker sends per second.
    static let floodsPerSecondPerAttacker = 0.2

    /// The victim's registration, once it has registered.
    var victim: (name: PeerName, id: PNRPID)?
    /// Honest nodes whose IDs lie nearest the victim's: where the claim is pushed.
    var neighbours: [Int] = []
    private let attackers: [Int]
    private var random: RandomSource
    /// Each attacker's signing key, made when first needed.
    private var keys: [Int: Ed25519PrivateKey] = [:]
    /// INQUIREs about the victim's ID received by attackers, with their nonce.
    private var inquiries: [ReceivedRequest: [UInt8]] = [:]
    /// CPAs for the victim's ID signed with an attacker's key and sent.
    private(set) var claimsSent = 0

    /// Claimants `attackers`, whose signing keys are drawn from `seed`.
    init(attackers: [Int], seed: UInt64) {
        self.attackers = attackers
        self.random = RandomSource(seed: seed)
    }

    var ratePerSecond: Double { Double(attackers.count) * Self.floodsPerSecondPerAttacker }

    /// Attacker `node`'s signing key, drawn when first needed.
    private func key(of node: Int) -> Ed25519PrivateKey {
        if let key = keys[node] { return key }
        let key = try! Ed25519PrivateKey(seed: random.bytes(32))  // 32 bytes by construction
        keys[node] = key
        return key
    }

    func forge(in cloud: InMemoryCloud, random: inout RandomSource, now: NodeInstant) -> [ForgedDatagram] {
        guard let victim, !attackers.isEmpty, !neighbours.isEmpty else { return [] }
        let attacker = attackers[Int(random.next() % UInt64(attackers.count))]
        let target = neighbours[Int(random.next() % UInt64(neighbours.count))]
        guard cloud.isAlive(attacker), cloud.isAlive(target) else { return [] }
        let flood = Flood(doNotAck: false, validateID: .zero, routeEntry: RouteEntry(id: victim.id, atNode: attacker), alreadyFlooded: [])
        guard let bytes = try? PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: .flood(flood)).encoded() else { return [] }
        return [ForgedDatagram(bytes: bytes, source: attacker, target: target)]
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard let victim, let message = try? PNRPMessage(decoding: datagram), case .inquire(let m) = message.body, m.validateID == victim.id
        else { return }
        inquiries[ReceivedRequest(node: node, peer: source, messageID: message.messageID)] = m.nonce ?? CPA.zeroNonce
    }

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard let victim, let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body,
            let nonce = inquiries.removeValue(forKey: ReceivedRequest(node: node, peer: destination, messageID: fragment.ackedMessageID)),
            let cpa = try? CPA.signed(
                name: victim.name, serviceLocation: victim.id.serviceLocation, serviceAddresses: [InMemoryCloud.endpoint(ofNode: node)],
                payload: nil, friendlyName: nil, notAfter: (now + .hours(24)).fileTime, nonce: nonce, key: key(of: node)),
            let out = AuthorityAnswer.encoded(
                AuthorityBuffer(flags: [], routeEntry: RouteEntry(id: victim.id, atNode: node), validateCPA: cpa), messageID: message.messageID,
                ackedMessageID: fragment.ackedMessageID)
        else { return datagram }
        claimsSent += 1
        return out
    }
}
