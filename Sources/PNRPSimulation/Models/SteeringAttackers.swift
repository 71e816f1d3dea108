import PNRP
import PNRPInMemory

/// Colluding attackers that steer resolutions to one another ([MS-PNRP] 3.1.4.4 LOOKUP answers are
/// trusted as hints): every LOOKUP an attacker answers gets, instead of its honest next hop, a route
/// entry claiming the exact target ID at another attacker's endpoint. With `replayCPAs`, the claim uses
/// the real ID of a registration of the target's name when the colluders have recorded its CPA, and the
/// attacker then asked for that ID (the resolver's final INQUIRE) answers with that CPA — genuine, but
/// signed for another nonce and naming the publisher's addresses. The resolver must refuse both
/// (3.1.5.7: nonce, ID and addresses) and fall back on honest entries. An attacker asked about an ID it
/// holds itself answers honestly: a replay there would only get it refused from its neighbours' leaf sets.
final class SteeringAttackers: DatagramTamperer {
    private let colluders: [Int]
    private let replayCPAs: Bool
    private var random: RandomSource
    /// Targets of LOOKUPs received by attackers.
    private var lookupTargets: [ReceivedRequest: PNRPID] = [:]
    /// IDs asked for by INQUIREs received by attackers, and whether a CPA was asked for.
    private var inquiredIDs: [ReceivedRequest: (id: PNRPID, wantsCPA: Bool)] = [:]
    /// CPAs the attackers saw, by the ID they speak for (shared among colluders).
    private var recorded: [PNRPID: CPA] = [:]
    /// The ID of a recorded CPA for each peer name (its P2P ID) seen.
    private var recordedIDs: [P2PID: PNRPID] = [:]
    /// LOOKUP answers rewritten, and answers to INQUIREs asking for a CPA given a recorded one (counted once
    /// sent). An INQUIRE that asks for no CPA (a reachability check) is answered "found" as well, and
    /// counted in neither.
    private(set) var steered = 0, replayed = 0
    /// Signatures of the CPAs replayed: an answer carrying one was a replay, whatever its addresses say.
    private(set) var replayedSignatures = Set<[UInt8]>()

    init(colluders: [Int], replayCPAs: Bool, seed: UInt64) {
        self.colluders = colluders
        self.replayCPAs = replayCPAs
        self.random = RandomSource(seed: seed)
    }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard let message = try? PNRPMessage(decoding: datagram) else { return }
        switch message.body {
        case .lookup(let lookup):
            lookupTargets[ReceivedRequest(node: node, peer: source, messageID: message.messageID)] = lookup.target
        case .inquire(let inquire):
            inquiredIDs[ReceivedRequest(node: node, peer: source, messageID: message.messageID)] = (inquire.validateID, inquire.flags.contains(.wantCPA))
        case .authority(let fragment):
            guard replayCPAs, let buffer = AuthorityAnswer.wholeBuffer(fragment), let cpa = buffer.validateCPA, !cpa.isRevocation,
                let id = cpa.pnrpID
            else { return }
            recorded[id] = cpa
            recordedIDs[id.p2pID] = id
        default:
            return
        }
    }

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body else { return datagram }
        let key = ReceivedRequest(node: node, peer: destination, messageID: fragment.ackedMessageID)
        let target = lookupTargets.removeValue(forKey: key), inquired = inquiredIDs.removeValue(forKey: key)
        guard var buffer = AuthorityAnswer.wholeBuffer(fragment) else { return datagram }
        enum Rewrite { case steered, replayed(CPA), claimedReachable(CPA) }
        let rewrite: Rewrite
        if let target {
            let others = colluders.filter { $0 != node }
            guard !others.isEmpty else { return datagram }
            let colluder = others[Int(random.next() % UInt64(others.count))]
            let claimed = replayCPAs ? recordedIDs[target.p2pID] ?? target : target
            buffer.routeEntry = RouteEntry(id: claimed, atNode: colluder)
            buffer.flags.remove(.notFound)
            rewrite = .steered
        } else if let (id, wantsCPA) = inquired, replayCPAs, buffer.flags.contains(.notFound), let cpa = recorded[id] {
            // Only for an ID the attacker does not hold: answering for its own IDs with a replay would only
            // get the attacker refused from its neighbours' leaf sets.
            buffer.flags.remove(.notFound)
            buffer.validateCPA = cpa
            buffer.routeEntry = RouteEntry(id: id, atNode: node)
            rewrite = wantsCPA ? .replayed(cpa) : .claimedReachable(cpa)
        } else {
            return datagram
        }
        guard let out = AuthorityAnswer.encoded(buffer, messageID: message.messageID, ackedMessageID: fragment.ackedMessageID) else { return datagram }
        switch rewrite {
        case .steered: steered += 1
        case .replayed(let cpa):
            replayed += 1
            replayedSignatures.insert(cpa.signature)
        case .claimedReachable(let cpa): replayedSignatures.insert(cpa.signature)
        }
        return out
    }
}
