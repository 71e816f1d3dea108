import PNRP
import PNRPInMemory

/// Eviction by lying: every LOOKUP an attacker answers gets, in place of its honest next hop, a route entry
/// naming one victim's PNRP ID (the first registered name's) at the attacker's own endpoint; asked about that
/// ID, the attacker's unmodified node then says, truthfully, that it does not hold it ("not found",
/// [MS-PNRP] 3.2.5.6). A node that drops the ID from its cache on that answer — whatever endpoint the
/// entry it holds names — loses the victim's real entry, in leaf sets too, and nodes near the victim, which
/// validate such an entry before caching it, lose it most. The defence is `docs/deviations.md` N24: an answer
/// speaks only for the entry cached at the endpoint that gave it.
final class EvictionLiars: DatagramTamperer {
    /// The ID offered in every answer, once the victim has registered.
    var victimID: PNRPID?
    /// LOOKUPs the attackers received, not yet answered.
    private var lookups: Set<ReceivedRequest> = []
    /// LOOKUP answers rewritten to offer the victim's ID at the attacker.
    private(set) var lies = 0

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {
        guard victimID != nil, let message = try? PNRPMessage(decoding: datagram), case .lookup = message.body else { return }
        lookups.insert(ReceivedRequest(node: node, peer: source, messageID: message.messageID))
    }

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard let victimID, let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body,
            lookups.remove(ReceivedRequest(node: node, peer: destination, messageID: fragment.ackedMessageID)) != nil,
            var buffer = AuthorityAnswer.wholeBuffer(fragment)
        else { return datagram }
        buffer.routeEntry = RouteEntry(id: victimID, atNode: node)
        buffer.flags.remove(.notFound)
        guard let out = AuthorityAnswer.encoded(buffer, messageID: message.messageID, ackedMessageID: fragment.ackedMessageID) else { return datagram }
        lies += 1
        return out
    }
}
