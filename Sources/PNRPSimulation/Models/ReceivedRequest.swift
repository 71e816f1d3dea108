import PNRP

/// A request an attacker's node received: which node, from whom, with which Message ID — the key under which
/// its answer (an AUTHORITY acking that Message ID, sent back to that peer) is recognised.
struct ReceivedRequest: Hashable {
    var node: Int
    var peer: IPv6Endpoint
    var messageID: UInt32
}
