import PNRP

/// What misbehaving nodes do to their traffic in adversarial runs: the cloud shows a tamperer every
/// datagram such a node receives and lets it replace, or suppress, every datagram the node sends. The
/// node itself runs the unmodified core; only the wire between it and the others is in the attacker's
/// hands, as it would be for a modified implementation.
public protocol DatagramTamperer: AnyObject {
    /// Sees a datagram arriving at misbehaving node `node` (before its endpoint's guard, when it has one).
    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant)
    /// What misbehaving node `node` sends instead of `datagram` to `destination`; nil sends nothing.
    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]?
}
