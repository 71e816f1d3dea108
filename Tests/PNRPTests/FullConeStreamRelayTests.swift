import NetworkLab
import PeerCrypto
import Testing

@testable import PNRP

/// A node that strangers reach through a NAT that forwards anything sent to its mapping (a full cone) has no
/// relay of its own, yet an application behind the same NAT needs one for stream relay allocations: the NAT
/// maps the node's UDP port, not the application's TCP port (`docs/deviations.md`, X6). Message by message in
/// virtual time, against a real relay node.
@Suite(.onComputeThread) struct FullConeStreamRelayTests {
    typealias M = StreamRelayNodeMessageTests
    /// Where peers see the node: its NAT's public address.
    static let mapping = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 40), port: 3540)

    static func fullConeNode() -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: M.client, seed: 8)
        configuration.natTraversal = true
        var node = PNRPNode(configuration: configuration, now: M.epoch)
        node.traversal!.value.reachability = .reachable(observed: mapping)
        node.traversal!.value.advertised = mapping
        node.traversal!.value.relayCandidates = [M.relayMain]
        _ = node.takeEffects()
        return node
    }

    /// Delivers what `node` and `relay` send each other, `rounds` times; returns the node's events.
    static func exchange(_ node: inout PNRPNode, _ relay: inout PNRPNode, rounds: Int = 4, now: NodeInstant) -> [NodeEvent] {
        var events: [NodeEvent] = []
        for _ in 0..<rounds {
            for effect in node.takeEffects() {
                if case .send(let bytes, let to, _) = effect, to == M.relayMain { relay.handle(datagram: bytes, from: M.client, now: now) }
                if case .event(let e) = effect { events.append(e) }
            }
            for effect in relay.takeEffects() {
                if case .send(let bytes, let to, _) = effect, to == M.client { node.handle(datagram: bytes, from: M.relayMain, now: now) }
            }
        }
        return events
    }

    @Test("asked for a stream relay, a full-cone node finds a relay it does not publish, then gets allocations; reached at its own address it still says no NAT")
    func fullConeNodeGetsARelayOnDemand() throws {
        var node = Self.fullConeNode()
        var relay = M.relay()
        // Not asked: the node needs no relay and looks for none.
        node.pollTraversal(now: M.epoch + .seconds(1))
        #expect(Self.exchange(&node, &relay, now: M.epoch + .seconds(1)).isEmpty)
        #expect(node.traversal!.value.relay == nil)

        // Asked: no relay yet, and the search starts at the next poll.
        #expect(throws: StreamRelayFailure.noRelay) { try node.requestStreamRelay(now: M.epoch + .seconds(2)) }
        let at = M.epoch + .seconds(2)
        node.pollTraversal(now: at)
        _ = Self.exchange(&node, &relay, now: at)
        let association = try #require(node.traversal!.value.relay, "the relay's acceptance was kept")
        #expect(association.server == M.relayMain && association.relayEndpoint != nil)
        // Strangers reach the node at its mapping: that stays what it publishes, and no REACH tests the relay.
        #expect(node.advertisedEndpoint == Self.mapping)
        #expect(node.traversal!.value.relayTest == nil)

        let id = try node.requestStreamRelay(now: at)
        let events = Self.exchange(&node, &relay, now: at)
        let allocated = events.compactMap { event -> StreamAllocation? in
            if case .streamRelayAllocated(let got, let allocation) = event, got == id { return allocation }
            return nil
        }
        #expect(allocated.count == 1 && allocated.first?.relayEndpoint == M.streamEndpoint && allocated.first?.token.count == 16)

        // A node reached at its own address has no NAT to get through.
        var open = Self.fullConeNode()
        open.traversal!.value.reachability = .reachable(observed: M.client)
        #expect(throws: StreamRelayFailure.notBehindNAT) { try open.requestStreamRelay(now: M.epoch) }
        #expect(open.traversal!.value.streamRelayWanted == false)
    }

    @Test("a full-cone node that never asked ignores a relay's acceptance; one that asked and then finds itself behind a NAT tests the relay endpoint to publish it")
    func acceptanceAndDowngrade() throws {
        var idle = Self.fullConeNode()
        var relay = M.relay()
        // A RELAY_REQUEST it never sent would be dropped anyway; even a genuine exchange started by hand is not kept.
        idle.traversal!.value.relayCandidates = [M.relayMain]
        idle.seekRelay(now: M.epoch)
        _ = Self.exchange(&idle, &relay, now: M.epoch)
        #expect(idle.traversal!.value.relay == nil, "a node that needs no relay keeps none")

        var node = Self.fullConeNode()
        _ = try? node.requestStreamRelay(now: M.epoch)
        node.pollTraversal(now: M.epoch)
        _ = Self.exchange(&node, &relay, now: M.epoch)
        let endpoint = try #require(node.traversal!.value.relay?.relayEndpoint)
        // The next check finds the node unreachable (twice: a reachable node is downgraded by a second check).
        node.traversal!.value.reachability = .behindNAT(observed: Self.mapping, mappingVaries: false)
        node.reachabilityChanged(now: M.epoch + .seconds(1))
        let reaches = node.takeEffects().compactMap { effect -> IPv6Endpoint? in
            guard case .send(let bytes, let to, _) = effect, let m = try? TraversalMessage.decode(bytes), case .reach = m.message else { return nil }
            return to
        }
        #expect(reaches == [endpoint], "a REACH through the relay endpoint, to publish it once it returns")
    }
}
