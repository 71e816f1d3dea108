import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP

/// STREAM_REQUEST and STREAM_ANSWER (`docs/deviations.md`, item X6), message by message in virtual time: a
/// relay grants stream relay tokens only to the nodes it relays for, within its bounds, and a relayed node
/// asks its relay and hears the answer (or its absence).
@Suite(.onComputeThread) struct StreamRelayNodeMessageTests {
    static let relayMain = RelayNodeMessageTests.relayMain
    static let slotEndpoints = RelayNodeMessageTests.slotEndpoints
    static let client = RelayNodeMessageTests.client
    static let stranger = RelayNodeMessageTests.stranger
    static let streamEndpoint = IPv6Endpoint(address: relayMain.address, port: 3540)
    static let epoch = NodeInstant.virtualEpoch

    /// A reachable relay with two slots and a stream relay (or none).
    static func relay(seed: UInt64 = 5, stream: Bool = true, perClient: Int = 4, total: Int = 64) -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: relayMain, seed: seed)
        configuration.natTraversal = true
        configuration.relayEndpoints = slotEndpoints
        configuration.streamRelayEndpoint = stream ? streamEndpoint : nil
        configuration.streamTokensPerClient = perClient
        configuration.maximumStreamTokens = total
        var node = PNRPNode(configuration: configuration, now: epoch)
        node.traversal!.value.reachability = .reachable(observed: relayMain)
        _ = node.takeEffects()
        return node
    }

    /// Gives `who` a relay slot on `node` through the cookie exchange; returns the cookie to echo.
    static func takeSlot(_ node: inout PNRPNode, for who: IPv6Endpoint, now: NodeInstant = epoch) throws -> [UInt8] {
        let challenge = try #require(RelayNodeMessageTests.answer(&node, cookie: PNRPNode.noCookie, from: who, id: 900, now: now))
        let accepted = try #require(RelayNodeMessageTests.answer(&node, cookie: challenge.cookie, from: who, id: 901, now: now))
        try #require(accepted.status == .accepted)
        return accepted.cookie
    }

    /// Sends a STREAM_REQUEST to `node`; returns the events and the STREAM_ANSWERs it produced, in order.
    static func request(_ node: inout PNRPNode, cookie: [UInt8], from source: IPv6Endpoint, id: UInt32, now: NodeInstant = epoch) throws -> (
        grants: [StreamGrant], answers: [TraversalMessage.StreamAnswer], order: [String]
    ) {
        node.handle(datagram: try TraversalMessage.streamRequest(cookie: cookie).encoded(messageID: id), from: source, now: now)
        var grants: [StreamGrant] = [], answers: [TraversalMessage.StreamAnswer] = [], order: [String] = []
        for effect in node.takeEffects() {
            switch effect {
            case .event(.streamTokenGranted(let g)):
                grants.append(g)
                order.append("grant")
            case .send(let bytes, let to, _):
                if to == source, let m = try? TraversalMessage.decode(bytes), case .streamAnswer(let a) = m.message {
                    #expect(bytes.count == 56)
                    answers.append(a)
                    order.append("answer")
                }
            default: break
            }
        }
        return (grants, answers, order)
    }

    @Test("a token goes only to the node holding a relay slot, with the cookie given to its endpoint; the grant reaches the driver before the answer leaves")
    func grantsOnlyToSlotHolders() throws {
        var node = Self.relay()
        // Nobody holds a slot yet: not even a cookie the relay made for the client opens the stream relay.
        let early = try Self.request(&node, cookie: node.cookie(for: Self.client, bucket: Self.epoch.nanoseconds / 60_000_000_000), from: Self.client, id: 1)
        #expect(early.answers.map(\.status) == [.notRelayed] && early.grants.isEmpty)
        let cookie = try Self.takeSlot(&node, for: Self.client)
        // A stranger echoing the client's cookie, and the client with a wrong cookie: refused.
        #expect(try Self.request(&node, cookie: cookie, from: Self.stranger, id: 2).answers.map(\.status) == [.notRelayed])
        #expect(try Self.request(&node, cookie: PNRPNode.noCookie, from: Self.client, id: 3).answers.map(\.status) == [.notRelayed])
        let granted = try Self.request(&node, cookie: cookie, from: Self.client, id: 4)
        #expect(granted.order == ["grant", "answer"])
        let grant = try #require(granted.grants.first)
        let answer = try #require(granted.answers.first)
        #expect(answer.status == .granted && answer.ackedMessageID == 4 && answer.streamEndpoint == Self.streamEndpoint && answer.lifetimeSeconds == 600)
        #expect(answer.token == grant.token && grant.token.count == 16 && grant.client == Self.client)
        #expect(grant.expires == Self.epoch + .minutes(10))
        #expect(node.liveStreamTokenCount == 1 && node.traversalStatistics.streamTokensGranted == 1)
        #expect(node.traversalStatistics.streamRequestsRefused == 3)
        // Refusals carry no endpoint and no token.
        let refusal = try #require(try Self.request(&node, cookie: cookie, from: Self.stranger, id: 5).answers.first)
        #expect(refusal.streamEndpoint.port == 0 && refusal.token == [UInt8](repeating: 0, count: 16) && refusal.lifetimeSeconds == 0)
    }

    @Test("tokens come from the node's generator: one seed, one token; another seed, another")
    func tokensFromNodeRandom() throws {
        func firstToken(seed: UInt64) throws -> [UInt8] {
            var node = Self.relay(seed: seed)
            let cookie = try Self.takeSlot(&node, for: Self.client)
            return try #require(try Self.request(&node, cookie: cookie, from: Self.client, id: 7).grants.first).token
        }
        #expect(try firstToken(seed: 11) == firstToken(seed: 11))
        #expect(try firstToken(seed: 11) != firstToken(seed: 12))
    }

    @Test("live tokens are bounded per relayed node and in all, and free again when they expire; a retransmitted request gets its token again")
    func bounds() throws {
        var node = Self.relay(perClient: 2, total: 3)
        let cookie = try Self.takeSlot(&node, for: Self.client)
        let other = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 9), port: 3540)
        let otherCookie = try Self.takeSlot(&node, for: other)
        var statuses: [TraversalMessage.StreamStatus] = []
        for id in UInt32(10)..<13 { statuses += try Self.request(&node, cookie: cookie, from: Self.client, id: id).answers.map(\.status) }
        #expect(statuses == [.granted, .granted, .busy])
        // The same request again (its answer was lost): the same token, no second grant.
        let first = try #require(try Self.request(&node, cookie: cookie, from: Self.client, id: 10).answers.first)
        let again = try Self.request(&node, cookie: cookie, from: Self.client, id: 10)
        #expect(again.grants.isEmpty && again.answers.first?.token == first.token && again.answers.first?.status == .granted)
        // The other node gets the third token of the relay; a fourth is refused.
        statuses = []
        for id in UInt32(20)..<22 { statuses += try Self.request(&node, cookie: otherCookie, from: other, id: id).answers.map(\.status) }
        #expect(statuses == [.granted, .busy])
        #expect(node.liveStreamTokenCount == 3)
        // Ten minutes later the tokens have expired (the slots were renewed meanwhile).
        let later = Self.epoch + .minutes(10) + .seconds(1)
        let renewed = try Self.takeSlot(&node, for: Self.client, now: later)
        #expect(try Self.request(&node, cookie: renewed, from: Self.client, id: 30, now: later).answers.map(\.status) == [.granted])
        #expect(node.liveStreamTokenCount == 1)
    }

    @Test("a node whose slot expired, a relay without a stream relay, and a node without NAT traversal refuse or ignore the request")
    func refusals() throws {
        var node = Self.relay()
        let cookie = try Self.takeSlot(&node, for: Self.client)
        let later = Self.epoch + .seconds(61)  // the slot (60 s) was not renewed; the cookie is still of the last minute
        #expect(try Self.request(&node, cookie: cookie, from: Self.client, id: 1, now: later).answers.map(\.status) == [.notRelayed])
        var noStream = Self.relay(stream: false)
        let c2 = try Self.takeSlot(&noStream, for: Self.client)
        #expect(try Self.request(&noStream, cookie: c2, from: Self.client, id: 2).answers.map(\.status) == [.unavailable])
        var plain = PNRPNode(configuration: NodeConfiguration(localEndpoint: Self.relayMain, seed: 1), now: Self.epoch)
        let result = try Self.request(&plain, cookie: c2, from: Self.client, id: 3)
        #expect(result.answers.isEmpty && result.grants.isEmpty)
    }

    /// A node behind a NAT relayed by `relayMain` (slot 0), with `cookie`.
    static func relayedClient(cookie: [UInt8] = Array(repeating: 0xC0, count: 16)) -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: client, seed: 6)
        configuration.natTraversal = true
        var node = PNRPNode(configuration: configuration, now: epoch)
        node.traversal!.value.reachability = .behindNAT(observed: client, mappingVaries: false)
        node.traversal!.value.relay = RelayAssociation(server: relayMain, relayEndpoint: slotEndpoints[0], cookie: cookie, nextRefresh: epoch + .seconds(15))
        _ = node.takeEffects()
        return node
    }

    static func sentStreamRequests(_ node: inout PNRPNode) -> [(messageID: UInt32, cookie: [UInt8], to: IPv6Endpoint)] {
        node.takeEffects().compactMap { effect in
            guard case .send(let bytes, let to, _) = effect, let m = try? TraversalMessage.decode(bytes), case .streamRequest(let cookie) = m.message else { return nil }
            return (m.messageID, cookie, to)
        }
    }

    static func answerBytes(_ status: TraversalMessage.StreamStatus, acked: UInt32, token: [UInt8] = Array(1...16), lifetime: UInt16 = 600) throws -> [UInt8] {
        try TraversalMessage.streamAnswer(.init(status: status, ackedMessageID: acked, lifetimeSeconds: lifetime, streamEndpoint: streamEndpoint, token: token))
            .encoded(messageID: 77)
    }

    @Test("a node asks only when it is behind a NAT and relayed, and says why not otherwise")
    func clientPreconditions() throws {
        var off = PNRPNode(configuration: NodeConfiguration(localEndpoint: Self.client, seed: 1), now: Self.epoch)
        #expect(throws: StreamRelayFailure.natTraversalOff) { try off.requestStreamRelay(now: Self.epoch) }
        var configuration = NodeConfiguration(localEndpoint: Self.client, seed: 1)
        configuration.natTraversal = true
        var node = PNRPNode(configuration: configuration, now: Self.epoch)
        #expect(throws: StreamRelayFailure.reachabilityUnknown) { try node.requestStreamRelay(now: Self.epoch) }
        node.traversal!.value.reachability = .reachable(observed: Self.client)
        #expect(throws: StreamRelayFailure.notBehindNAT) { try node.requestStreamRelay(now: Self.epoch) }
        node.traversal!.value.reachability = .behindNAT(observed: nil, mappingVaries: true)
        #expect(throws: StreamRelayFailure.noRelay) { try node.requestStreamRelay(now: Self.epoch) }
        // Asked, not yet accepted: still no relay.
        node.traversal!.value.relay = RelayAssociation(server: Self.relayMain, relayEndpoint: nil, cookie: PNRPNode.noCookie, nextRefresh: Self.epoch)
        #expect(throws: StreamRelayFailure.noRelay) { try node.requestStreamRelay(now: Self.epoch) }
        #expect(Self.sentStreamRequests(&node).isEmpty)
        // At most eight in flight.
        var relayed = Self.relayedClient()
        for _ in 0..<8 { _ = try relayed.requestStreamRelay(now: Self.epoch) }
        #expect(throws: StreamRelayFailure.tooManyRequests) { try relayed.requestStreamRelay(now: Self.epoch) }
    }

    @Test("the request goes to the relay with its cookie; only the relay's answer to it counts, and becomes the allocation")
    func clientAllocation() throws {
        let cookie = [UInt8](repeating: 0xC0, count: 16)
        var node = Self.relayedClient(cookie: cookie)
        let id = try node.requestStreamRelay(now: Self.epoch)
        let sent = Self.sentStreamRequests(&node)
        #expect(sent.count == 1 && sent[0].cookie == cookie && sent[0].to == Self.relayMain)
        let messageID = sent[0].messageID
        // From a stranger, or answering another Message ID: dropped.
        node.handle(datagram: try Self.answerBytes(.granted, acked: messageID), from: Self.stranger, now: Self.epoch)
        node.handle(datagram: try Self.answerBytes(.granted, acked: messageID &+ 1), from: Self.relayMain, now: Self.epoch)
        #expect(node.takeEffects().isEmpty)
        let at = Self.epoch + .milliseconds(300)
        node.handle(datagram: try Self.answerBytes(.granted, acked: messageID), from: Self.relayMain, now: at)
        let allocation = StreamAllocation(relayEndpoint: Self.streamEndpoint, token: Array(1...16), expires: at + .seconds(600))
        #expect(node.takeEffects() == [.event(.streamRelayAllocated(id, allocation))])
        // A second copy of the answer finds nothing waiting.
        node.handle(datagram: try Self.answerBytes(.granted, acked: messageID), from: Self.relayMain, now: at)
        #expect(node.takeEffects().isEmpty)
    }

    @Test("a refusal is reported with its reason; an unanswered request is sent again, then reported as timed out")
    func clientRefusalAndTimeout() throws {
        var node = Self.relayedClient()
        let refusedID = try node.requestStreamRelay(now: Self.epoch)
        let first = try #require(Self.sentStreamRequests(&node).first)
        node.handle(datagram: try Self.answerBytes(.busy, acked: first.messageID, token: Array(repeating: 0, count: 16), lifetime: 0), from: Self.relayMain, now: Self.epoch)
        #expect(node.takeEffects() == [.event(.streamRelayFailed(refusedID, .refused(.busy)))])
        // A "granted" answer without an endpoint is no allocation.
        let brokenID = try node.requestStreamRelay(now: Self.epoch)
        let broken = try #require(Self.sentStreamRequests(&node).first)
        node.handle(datagram: try Self.answerBytes(.granted, acked: broken.messageID, lifetime: 0), from: Self.relayMain, now: Self.epoch)
        #expect(node.takeEffects() == [.event(.streamRelayFailed(brokenID, .refused(.unavailable)))])

        let lostID = try node.requestStreamRelay(now: Self.epoch)
        let original = try #require(Self.sentStreamRequests(&node).first)
        var resent: [UInt32] = []
        var failures: [NodeEvent] = []
        var now = Self.epoch
        for _ in 0..<5 {
            now = now + .seconds(1)
            node.poll(now: now)
            for effect in node.takeEffects() {
                if case .send(let bytes, _, _) = effect, let m = try? TraversalMessage.decode(bytes), case .streamRequest = m.message { resent.append(m.messageID) }
                if case .event(let e) = effect { failures.append(e) }
            }
        }
        #expect(resent == [original.messageID])  // Retry Count 2: one retransmission, same Message ID
        #expect(failures == [.streamRelayFailed(lostID, .timedOut)])
    }

    @Test("a relayed node and its relay back to back: the allocation the node gets is the token the relay's driver was told to accept")
    func backToBack() throws {
        var relay = Self.relay()
        let cookie = try Self.takeSlot(&relay, for: Self.client)
        var node = Self.relayedClient(cookie: cookie)
        let id = try node.requestStreamRelay(now: Self.epoch)
        var grants: [StreamGrant] = []
        var allocations: [StreamAllocation] = []
        // Deliver whatever each sends to the other, a few rounds.
        for _ in 0..<3 {
            for effect in node.takeEffects() {
                if case .send(let bytes, let to, _) = effect, to == Self.relayMain { relay.handle(datagram: bytes, from: Self.client, now: Self.epoch) }
                if case .event(.streamRelayAllocated(let got, let allocation)) = effect, got == id { allocations.append(allocation) }
            }
            for effect in relay.takeEffects() {
                if case .send(let bytes, let to, _) = effect, to == Self.client { node.handle(datagram: bytes, from: Self.relayMain, now: Self.epoch) }
                if case .event(.streamTokenGranted(let g)) = effect { grants.append(g) }
            }
        }
        let grant = try #require(grants.first)
        let allocation = try #require(allocations.first)
        #expect(grants.count == 1 && allocations.count == 1)
        #expect(allocation.token == grant.token && allocation.expires == grant.expires && allocation.relayEndpoint == Self.streamEndpoint)
    }

    @Test("the testing knob makes a reachability check that proves a node reachable conclude it is behind a NAT")
    func assumeBehindNATForTesting() {
        func judged(knob: Bool) -> Reachability {
            var configuration = NodeConfiguration(localEndpoint: Self.client, seed: 3)
            configuration.natTraversal = true
            configuration.assumeBehindNATForTesting = knob
            var node = PNRPNode(configuration: configuration, now: Self.epoch)
            let prober = IPv6Address(high: 0xFD00_0000_0000_0000, low: 77)
            // Both peers saw the node at its own endpoint, and a probe came from a prober it never sent to.
            node.traversal!.value.check = ReachabilityCheck(
                nonce: Array(repeating: 1, count: 16), asked: [:], observed: [Self.client, Self.client], probers: [prober],
                probesFrom: [IPv6Endpoint(address: prober, port: 4000)], deadline: Self.epoch)
            node.finishReachabilityCheck(now: Self.epoch)
            return node.reachability
        }
        #expect(judged(knob: false) == .reachable(observed: Self.client))
        #expect(judged(knob: true) == .behindNAT(observed: Self.client, mappingVaries: false))
    }
}
