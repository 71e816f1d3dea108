import NetworkLab
import Testing

@testable import PNRP

/// `cancelResolve` ends a resolution as completely as `finish` does: its requests leave the Pending List.
@Suite(.onComputeThread) struct CancelResolveTests {
    static let local = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)
    static let silentPeer = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 9), port: 3540)
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)

    /// A node that knows one peer (which never answers) and has sent it a LOOKUP for `0.nobody`.
    static func resolving() throws -> (PNRPNode, ResolveID) {
        var node = PNRPNode(configuration: NodeConfiguration(localEndpoint: local, seed: 5), now: t0)
        let peerID = PNRPID(p2pID: try PeerName("0.silent-peer").p2pID, serviceLocation: .forResolution(prefix: silentPeer.address.high))
        _ = node.cache.add(RouteEntry(id: peerID, port: silentPeer.port, address: silentPeer.address))
        _ = node.takeEffects()
        let rid = node.resolve(name: try PeerName("0.nobody"), now: t0)
        #expect(lookups(node.takeEffects()) == 1, "the resolution did not send its LOOKUP")
        return (node, rid)
    }

    /// The resolution's target: `0.nobody` with the service location of a resolution from `local`.
    static var target: PNRPID {
        PNRPID(p2pID: try! PeerName("0.nobody").p2pID, serviceLocation: .forResolution(prefix: local.address.high))
    }

    /// LOOKUPs for the resolution's target among `effects` (the node's own cache maintenance sends others).
    static func lookups(_ effects: [NodeEffect]) -> Int {
        effects.filter { effect in
            guard case .send(let bytes, _, _) = effect, let message = try? PNRPMessage(decoding: bytes),
                case .lookup(let lookup) = message.body
            else { return false }
            return lookup.target == target
        }.count
    }

    /// Polls `node` every 250 ms of virtual time for `seconds` and counts the LOOKUPs it sends.
    static func lookupsWhilePolling(_ node: inout PNRPNode, seconds: UInt64) -> Int {
        var sent = 0
        for step in 1...(seconds * 4) {
            node.poll(now: t0 + .milliseconds(step * 250))
            sent += lookups(node.takeEffects())
        }
        return sent
    }

    @Test("Without a cancel, the unanswered LOOKUP is retransmitted")
    func uncancelledLookupIsRetransmitted() throws {
        var (node, _) = try Self.resolving()
        #expect(Self.lookupsWhilePolling(&node, seconds: 10) >= 1)
    }

    @Test("After cancelResolve, nothing of that resolution stays pending and nothing is retransmitted")
    func cancelledLookupIsNotRetransmitted() throws {
        var (node, rid) = try Self.resolving()
        #expect(node.pending.count == 1)
        let cancelled = node.cancelResolve(rid)
        #expect(cancelled)
        #expect(node.outstandingResolves == 0)
        #expect(node.pending.entries.values.allSatisfy { $0.kind != .lookup(rid) && $0.kind != .inquireForResolve(rid) })
        #expect(Self.lookupsWhilePolling(&node, seconds: 10) == 0)
        let again = node.cancelResolve(rid)
        #expect(!again)
    }
}
