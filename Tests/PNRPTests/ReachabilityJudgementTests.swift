import NetworkLab
import Testing

@testable import PNRP

/// What a reachability check concludes from the endpoints its peers saw and the probes that arrived
/// (`docs/deviations.md`, X2), and who may relay (X3). The simulator's NATs keep the node's address, so the
/// rules that depend on a NAT that changes it are checked here, on one node's check.
@Suite(.onComputeThread) struct ReachabilityJudgementTests {
    static let own = IPv6Endpoint(address: IPv6Address(ipv4: 192, 168, 1, 2), port: 3540)
    static let mapped = IPv6Endpoint(address: IPv6Address(ipv4: 198, 51, 100, 7), port: 3540)
    static let publicOwn = IPv6Endpoint(address: IPv6Address(ipv4: 198, 51, 100, 20), port: 3540)
    /// Two nodes the checking node has sent to, and their dial-back ports.
    static let peerA = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 1), port: 3540)
    static let peerB = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 2), port: 3540)
    static func dialBack(_ e: IPv6Endpoint) -> IPv6Endpoint { IPv6Endpoint(address: e.address, port: 40_001) }
    /// A node it never sent to.
    static let stranger = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 9), port: 41_000)
    static let start = NodeInstant(nanoseconds: 1_800_000_000_000_000_000)

    /// A node at `local` with NAT traversal (and one relay endpoint) that sent to `peerA` and `peerB`.
    static func node(at local: IPv6Endpoint) -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: local, seed: 9)
        configuration.natTraversal = true
        configuration.relayEndpoints = [IPv6Endpoint(address: local.address, port: 40_100)]
        var node = PNRPNode(configuration: configuration, now: start)
        for peer in [peerA, peerB] { node.traversal!.value.recentDestinations[peer] = start }
        return node
    }

    /// Long enough after the node started that no filter state of an earlier process on its port is left in its NAT.
    static let settled = start + PNRPNode.assumedMappingLifetime + .seconds(1)

    /// The verdict of a check whose two answers saw `observed`, whose probers were `probers`, and whose probes
    /// came from `probesFrom`, ending at `end`.
    static func judge(
        at local: IPv6Endpoint, observed: [IPv6Endpoint], probers: [IPv6Address], probesFrom: [IPv6Endpoint], end: NodeInstant = settled
    ) -> PNRPNode {
        var n = node(at: local)
        n.traversal!.value.check = ReachabilityCheck(
            nonce: Array(repeating: 1, count: 16), asked: [:], observed: observed, probers: probers, probesFrom: probesFrom, deadline: end)
        n.finishReachabilityCheck(now: end)
        return n
    }

    @Test("behind a NAT that changes the address, a probe from an address the node sent to proves nothing: an address-restricted NAT lets it in too")
    func probeFromContactedAddressBehindNAT() {
        let n = Self.judge(at: Self.own, observed: [Self.mapped, Self.mapped], probers: [Self.peerA.address], probesFrom: [Self.dialBack(Self.peerA)])
        #expect(n.reachability == .behindNAT(observed: Self.mapped, mappingVaries: false))
    }

    @Test("behind a NAT, a probe from an address the node never sent to, named prober or not, proves strangers get in: reachable at the mapping")
    func probeFromStrangerBehindNAT() {
        let named = Self.judge(at: Self.own, observed: [Self.mapped, Self.mapped], probers: [Self.stranger.address], probesFrom: [Self.stranger])
        #expect(named.reachability == .reachable(observed: Self.mapped))
        #expect(named.advertisedEndpoint == Self.mapped)
        let unnamed = Self.judge(at: Self.own, observed: [Self.mapped, Self.mapped], probers: [Self.peerA.address], probesFrom: [Self.stranger])
        #expect(unnamed.reachability == .reachable(observed: Self.mapped))
    }

    @Test("behind a NAT, a stranger's probe in the node's first mapping lifetime proves nothing (the NAT may still admit the peers of an earlier process on its port); the check after that lifetime decides")
    func strangerProbeWhileAnEarlierProcessFilterMayLast() {
        var n = Self.judge(at: Self.own, observed: [Self.mapped, Self.mapped], probers: [Self.stranger.address], probesFrom: [Self.stranger], end: Self.start + .seconds(6))
        #expect(n.reachability == .behindNAT(observed: Self.mapped, mappingVaries: false))
        let next = n.traversal!.value.nextCheck
        #expect(next > Self.start + PNRPNode.assumedMappingLifetime && next <= Self.start + PNRPNode.assumedMappingLifetime + PNRPNode.reachabilityCheckTime)
        n.traversal!.value.check = ReachabilityCheck(
            nonce: Array(repeating: 2, count: 16), asked: [:], observed: [Self.mapped, Self.mapped], probers: [Self.stranger.address], probesFrom: [Self.stranger], deadline: next)
        n.finishReachabilityCheck(now: next)
        #expect(n.reachability == .reachable(observed: Self.mapped))
        #expect(n.advertisedEndpoint == Self.mapped)
        // Without a NAT the probe counts at once: no earlier process's filter stands in front of the node.
        let open = Self.judge(at: Self.publicOwn, observed: [Self.publicOwn, Self.publicOwn], probers: [Self.stranger.address], probesFrom: [Self.stranger], end: Self.start + .seconds(6))
        #expect(open.reachability == .reachable(observed: Self.publicOwn))
    }

    @Test("without a NAT (peers see the node's own address), a probe from a contacted address at a port never sent to is enough in a small cloud, once two checks in a row found no stranger")
    func probeFromContactedAddressWithoutNAT() {
        var n = Self.node(at: Self.publicOwn)
        var verdicts: [Reachability] = []
        for round in 0...PNRPNode.weakChecksBeforeTrust {
            let at = Self.start + .seconds(UInt64(10 * round))
            n.traversal!.value.check = ReachabilityCheck(
                nonce: Array(repeating: 1, count: 16), asked: [:], observed: [Self.publicOwn, Self.publicOwn], probers: [Self.peerB.address],
                probesFrom: [Self.dialBack(Self.peerB)], deadline: at)
            n.finishReachabilityCheck(now: at)
            verdicts.append(n.reachability)
        }
        // The first checks only ask again (a stranger's probe would settle it); the last takes the weak evidence.
        #expect(verdicts == Array(repeating: .unknown, count: PNRPNode.weakChecksBeforeTrust) + [.reachable(observed: Self.publicOwn)])
        // A probe from an endpoint the node sent to could be an answer its NAT lets in: it is not recorded at all.
        var m = Self.node(at: Self.publicOwn)
        m.traversal!.value.check = ReachabilityCheck(nonce: Array(repeating: 1, count: 16), asked: [:], deadline: Self.start)
        let probe = try! TraversalMessage.dialProbe(nonce: Array(repeating: 1, count: 16)).encoded(messageID: 3)
        m.handle(datagram: probe, from: Self.peerB, now: Self.start)
        #expect(m.traversal!.value.check?.probesFrom.isEmpty == true)
    }

    @Test("two peers that saw two endpoints: a NAT that maps each destination apart, whatever probes came")
    func symmetric() {
        let other = IPv6Endpoint(address: Self.mapped.address, port: 61_000)
        let n = Self.judge(at: Self.own, observed: [Self.mapped, other], probers: [Self.stranger.address], probesFrom: [Self.stranger])
        #expect(n.reachability == .behindNAT(observed: nil, mappingVaries: true))
    }

    @Test("a node reachable only at its NAT's mapping (full cone) declines to relay; one reachable at its own address accepts")
    func fullConeDoesNotRelay() throws {
        let asker = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 50), port: 3540)
        let request = try TraversalMessage.relayRequest(cookie: Array(repeating: 0, count: 16), release: false).encoded(messageID: 21)
        func answer(_ n: inout PNRPNode) -> TraversalMessage.RelayStatus? {
            _ = n.takeEffects()
            n.handle(datagram: request, from: asker, now: Self.start)
            for case .send(let bytes, let to, _) in n.takeEffects() where to == asker {
                if case (_, .relayAnswer(let a))? = try? TraversalMessage.decode(bytes) { return a.status }
            }
            return nil
        }
        var cone = Self.judge(at: Self.own, observed: [Self.mapped, Self.mapped], probers: [Self.stranger.address], probesFrom: [Self.stranger])
        #expect(cone.reachability.isReachable && !cone.offersRelay)
        #expect(answer(&cone) == .declined)
        var open = Self.judge(at: Self.publicOwn, observed: [Self.publicOwn, Self.publicOwn], probers: [Self.stranger.address], probesFrom: [Self.stranger])
        #expect(open.offersRelay)
        #expect(answer(&open) == .challenge)
    }
}
