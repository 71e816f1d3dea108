import PeerCrypto
import struct NetworkLab.ComputeThreadTrait
import Testing

@testable import PNRP
@testable import PNRPInMemory

/// Nodes behind simulated NATs of every kind in an in-memory cloud: what the reachability check concludes,
/// and names published behind a NAT resolved through a relay (`docs/deviations.md`, items X1–X4).
@Suite(.onComputeThread) struct NATTraversalCloudTests {
    /// A cloud of `publicNodes` reachable nodes, then one node behind each NAT in `kinds`; every node
    /// registers an unsecured name `node-<index>`. Returns the cloud after `settle`.
    static func cloud(publicNodes: Int, kinds: [NATKind], relaySlots: Int = 4, seed: UInt64 = 7, settle: NodeDuration = .minutes(3)) -> InMemoryCloud {
        var configuration = InMemoryCloudConfiguration(seed: seed)
        configuration.node.natTraversal = true
        configuration.relaySlots = relaySlots
        var cloud = InMemoryCloud(configuration: configuration)
        for i in 0..<(publicNodes + kinds.count) {
            let index = cloud.addNode(bootstrap: i == 0 ? [] : [Int(UInt64(i * 7919) % UInt64(Swift.min(i, publicNodes)))])
            if i >= publicNodes { cloud.placeBehindNAT(index, kind: kinds[i - publicNodes]) }
            cloud.run(for: .milliseconds(300))
            let key = try! Ed25519PrivateKey(seed: [UInt8](repeating: UInt8(i & 0xFF), count: 32))
            let name = try! PeerName(authority: .unsecured, classifier: "node-\(i)")
            _ = cloud.withNode(index) { node, now in try? node.register(name: name, key: key, now: now) }
            cloud.run(for: .milliseconds(200))
        }
        cloud.run(for: settle)
        return cloud
    }

    static func name(_ i: Int) -> PeerName { try! PeerName(authority: .unsecured, classifier: "node-\(i)") }

    @Test("the reachability check tells public nodes and full cones from restricted and symmetric NATs")
    func reachabilityByKind() {
        // 40 public nodes: enough that a node behind an address-restricted NAT has not sent to every prober's
        // address, so a stranger's probe can show that its NAT filters by address (item X2).
        let kinds: [NATKind] = [.fullCone, .addressRestricted, .portRestricted, .symmetric]
        let publicNodes = 40
        let cloud = Self.cloud(publicNodes: publicNodes, kinds: kinds, settle: .minutes(1))
        for i in 0..<publicNodes { #expect(cloud.nodes[i].reachability.isReachable, "public node \(i): \(cloud.nodes[i].reachability)") }
        #expect(cloud.nodes[publicNodes].reachability.isReachable, "full cone: \(cloud.nodes[publicNodes].reachability)")
        for i in (publicNodes + 1)...(publicNodes + 2) {
            #expect(cloud.nodes[i].reachability == .behindNAT(observed: InMemoryCloud.endpoint(ofNode: i), mappingVaries: false), "\(kinds[i - publicNodes]): \(cloud.nodes[i].reachability)")
        }
        #expect(cloud.nodes[publicNodes + 3].reachability == .behindNAT(observed: nil, mappingVaries: true), "symmetric: \(cloud.nodes[publicNodes + 3].reachability)")
    }

    @Test("a name published behind each kind of NAT resolves from every other node, through a relay where needed")
    func namesBehindNATsResolve() {
        // No address-restricted NAT here: in a cloud this small its node has sent to every address, so no
        // stranger can probe it and the check cannot tell it from a full cone (item X2).
        let kinds: [NATKind] = [.fullCone, .portRestricted, .portRestricted, .symmetric, .portRestricted, .symmetric]
        var cloud = Self.cloud(publicNodes: 12, kinds: kinds)
        for i in 13..<18 {
            let relay = cloud.nodes[i].relayEndpoint
            #expect(relay != nil, "node \(i) (\(kinds[i - 12])) found no relay")
            #expect(cloud.nodes[i].advertisedEndpoint == relay)
        }
        var failures: [String] = []
        for target in 12..<18 {
            for from in [0, 5, 11, 12, 13, 14, 15, 16, 17] where from != target {
                switch cloud.resolve(from: from, name: Self.name(target), limit: .seconds(30)) {
                case .success(let r):
                    if r.cpa.serviceAddresses != [cloud.nodes[target].advertisedEndpoint] { failures.append("\(from)→\(target): addresses \(r.cpa.serviceAddresses)") }
                case .failure(let f):
                    failures.append("\(from)→\(target) (\(kinds[target - 12])): \(f)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        let relayed = (0..<12).reduce(0) { $0 + cloud.nodes[$1].traversalStatistics.relayedFromClient }
        #expect(relayed > 0)
    }
}

/// Relays on the wire: their limits, and what they refuse to forward.
@Suite(.onComputeThread) struct RelayLimitTests {
    @Test("a relay with one endpoint takes one node; the second is told it is full and finds another relay")
    func fullRelayRefusesAndTheRefusedNodeFindsAnother() {
        // Relays with one slot each: the port-restricted nodes must spread over several relays.
        let cloud = NATTraversalCloudTests.cloud(publicNodes: 10, kinds: [.portRestricted, .portRestricted, .portRestricted, .symmetric], relaySlots: 1)
        let relays = (10..<14).compactMap { cloud.nodes[$0].relayEndpoint }
        #expect(relays.count == 4, "\((10..<14).map { cloud.nodes[$0].relayEndpoint as Any })")
        #expect(Set(relays.map(\.address)).count == relays.count, "two nodes share a one-slot relay: \(relays)")
        for i in 0..<10 { #expect(cloud.nodes[i].relayedNodeCount <= 1) }
        #expect((0..<10).reduce(0) { $0 + cloud.nodes[$1].traversalStatistics.relayRefusals } > 0, "no relay was ever asked once full")
    }

    @Test("a relay forwards nothing to a peer that never wrote to the relay endpoint, nor for a node it does not relay for")
    func relayForwardsOnlyToPeersThatAsked() throws {
        var cloud = NATTraversalCloudTests.cloud(publicNodes: 8, kinds: [.portRestricted])
        guard let relayEndpoint = cloud.nodes[8].relayEndpoint, let relay = cloud.nodeIndex(at: IPv6Endpoint(address: relayEndpoint.address, port: 3540)) else {
            Issue.record("no relay")
            return
        }
        let victim = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: 0x99), port: 4444)
        let before = cloud.nodes[relay].traversalStatistics
        let inner = try PNRPMessage(messageID: 77, body: .ack(Ack(ackedMessageID: 1, flags: nil))).encoded()
        // The relayed node itself asks to send to a stranger; another node claims to be relayed.
        let fromClient = try TraversalMessage.relayed(peer: victim, fromClient: true, inner: inner).encoded(messageID: 5)
        cloud.withNode(relay) { node, now in
            node.handle(datagram: fromClient, from: InMemoryCloud.endpoint(ofNode: 8), now: now)
            node.handle(datagram: fromClient, from: InMemoryCloud.endpoint(ofNode: 3), now: now)
            // A datagram for a relay endpoint nobody holds.
            node.handle(datagram: inner, from: InMemoryCloud.endpoint(ofNode: 4), to: IPv6Endpoint(address: relayEndpoint.address, port: 40003), now: now)
        }
        let after = cloud.nodes[relay].traversalStatistics
        #expect(after.relayDropped == before.relayDropped + 3)
        #expect(after.relayedFromClient == before.relayedFromClient)
    }
}

/// The extension's messages: exact sizes, round trips, and hostile bytes.
@Suite(.onComputeThread) struct TraversalMessageTests {
    static let endpoint = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0001, low: 0x42), port: 50_000)
    static let messages: [TraversalMessage] = [
        .reach(nonce: Array(0..<16), dialBack: true),
        .reach(nonce: Array(16..<32), dialBack: false),
        .reachAnswer(ackedMessageID: 0xDEAD_BEEF, observed: endpoint, prober: IPv6Address(high: 1, low: 2), reachable: true, relays: true),
        .reachAnswer(ackedMessageID: 1, observed: endpoint, prober: nil, reachable: false, relays: false),
        .dialBack(target: endpoint, nonce: Array(repeating: 7, count: 16)),
        .dialProbe(nonce: Array(repeating: 9, count: 16)),
        .relayRequest(cookie: Array(repeating: 0, count: 16), release: false),
        .relayRequest(cookie: Array(repeating: 3, count: 16), release: true),
        .relayAnswer(.init(status: .accepted, ackedMessageID: 12, lifetimeSeconds: 60, relayEndpoint: endpoint, observed: endpoint, cookie: Array(repeating: 5, count: 16))),
        .relayed(peer: endpoint, fromClient: true, inner: [1, 2, 3]),
        .relayed(peer: endpoint, fromClient: false, inner: Array(repeating: 0xAB, count: TraversalMessage.maximumInnerBytes)),
        .streamRequest(cookie: Array(repeating: 6, count: 16)),
        .streamAnswer(.init(status: .granted, ackedMessageID: 0xCAFE_F00D, lifetimeSeconds: 600, streamEndpoint: endpoint, token: Array(100..<116))),
        .streamAnswer(.init(status: .busy, ackedMessageID: 3, lifetimeSeconds: 0, streamEndpoint: IPv6Endpoint(address: .unspecified, port: 0), token: Array(repeating: 0, count: 16))),
    ]

    @Test("every message decodes to itself, with its Message ID, and answers are never larger than their requests")
    func roundTrips() throws {
        for m in Self.messages {
            let bytes = try m.encoded(messageID: 0x0102_0304)
            #expect(TraversalMessage.isTraversal(bytes))
            let decoded = try TraversalMessage.decode(bytes)
            #expect(decoded.messageID == 0x0102_0304)
            #expect(decoded.message == m)
        }
        func size(_ m: TraversalMessage) throws -> Int { try m.encoded(messageID: 0).count }
        #expect(try size(Self.messages[2]) <= size(Self.messages[0]))  // REACH_ANSWER ≤ REACH
        #expect(try size(Self.messages[5]) < size(Self.messages[0]))  // DIAL_PROBE < REACH
        #expect(try size(Self.messages[8]) <= size(Self.messages[6]))  // RELAY_ANSWER ≤ RELAY_REQUEST
        #expect(try size(Self.messages[12]) <= size(Self.messages[11]))  // STREAM_ANSWER ≤ STREAM_REQUEST
    }

    @Test("STREAM_REQUEST and STREAM_ANSWER byte for byte (docs/deviations.md X6)")
    func streamMessageBytes() throws {
        let header: (UInt8) -> [UInt8] = { [0x00, 0x10, 0x00, 0x0C, 0x51, 0x04, 0x00, $0, 0x01, 0x02, 0x03, 0x04] }
        let request = try TraversalMessage.streamRequest(cookie: Array(1...16)).encoded(messageID: 0x0102_0304)
        #expect(request == header(0x37) + [0, 0, 0, 0] + Array(1...16) + Array(repeating: 0, count: 24))
        let endpoint = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: 5), port: 3540)
        let answer = try TraversalMessage.streamAnswer(.init(status: .granted, ackedMessageID: 0xA1B2_C3D4, lifetimeSeconds: 600, streamEndpoint: endpoint, token: Array(101...116)))
            .encoded(messageID: 0x0102_0304)
        let address: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [5]
        #expect(answer == header(0x38) + [0, 0, 0x02, 0x58, 0xA1, 0xB2, 0xC3, 0xD4] + address + [0x0D, 0xD4, 0, 0] + Array(101...116))
        // Reserved bytes are ignored on receipt; an unknown status and a wrong-sized token are refused.
        var noisy = request
        for i in [12, 13, 14, 15, 40, 55] { noisy[i] = 0xFF }
        #expect(try TraversalMessage.decode(noisy).message == .streamRequest(cookie: Array(1...16)))
        var badStatus = answer
        badStatus[12] = 4
        #expect(throws: WireError.self) { try TraversalMessage.decode(badStatus) }
        #expect(throws: WireError.self) {
            try TraversalMessage.streamAnswer(.init(status: .granted, ackedMessageID: 1, lifetimeSeconds: 1, streamEndpoint: endpoint, token: [1])).encoded(messageID: 1)
        }
        #expect(throws: WireError.self) { try TraversalMessage.streamRequest(cookie: [1, 2]).encoded(messageID: 1) }
    }

    @Test("truncated, lengthened and bit-flipped datagrams are refused or decoded, never trapped on")
    func hostileBytes() throws {
        var generator = NodeRandom(seed: 99)
        for m in Self.messages {
            let bytes = try m.encoded(messageID: 7)
            // A RELAYED stays whole down to one inner byte: its inner datagram has no length of its own.
            let shortest: Int
            if case .relayed = m { shortest = TraversalMessage.relayedHeaderBytes + 1 } else { shortest = bytes.count }
            for cut in 0..<shortest { #expect(throws: WireError.self) { try TraversalMessage.decode(Array(bytes.prefix(cut))) } }
            if case .relayed = m {} else { #expect(throws: WireError.self) { try TraversalMessage.decode(bytes + [0]) } }
            for _ in 0..<200 {
                var b = bytes
                b[Int(generator.next() % UInt64(b.count))] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                _ = try? TraversalMessage.decode(b)
            }
        }
        #expect(throws: WireError.self) { try TraversalMessage.relayed(peer: Self.endpoint, fromClient: true, inner: []).encoded(messageID: 1) }
        #expect(throws: WireError.self) { try TraversalMessage.reach(nonce: [1], dialBack: true).encoded(messageID: 1) }
    }
}

/// One relay node, message by message: the cookie exchange, the slots, and what it forwards.
@Suite(.onComputeThread) struct RelayNodeMessageTests {
    static let relayMain = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)
    static let slotEndpoints = (0..<2).map { IPv6Endpoint(address: relayMain.address, port: 40000 + UInt16($0)) }
    static let client = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 2), port: 3540)
    static let stranger = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 3), port: 5000)

    /// A node with two relay endpoints that has found itself reachable.
    static func relay() -> PNRPNode {
        var configuration = NodeConfiguration(localEndpoint: relayMain, seed: 5)
        configuration.natTraversal = true
        configuration.relayEndpoints = slotEndpoints
        var node = PNRPNode(configuration: configuration, now: .virtualEpoch)
        node.traversal!.value.reachability = .reachable(observed: relayMain)
        _ = node.takeEffects()
        return node
    }

    /// The extension's messages `node` sent, with their destinations and the source endpoint when not its own.
    static func sent(_ node: inout PNRPNode) -> [(TraversalMessage, IPv6Endpoint)] {
        node.takeEffects().compactMap { effect in
            guard case .send(let bytes, let to, _) = effect, TraversalMessage.isTraversal(bytes), let m = try? TraversalMessage.decode(bytes) else { return nil }
            return (m.message, to)
        }
    }

    static func answer(_ node: inout PNRPNode, cookie: [UInt8], from source: IPv6Endpoint, id: UInt32, now: NodeInstant = .virtualEpoch) -> TraversalMessage.RelayAnswer? {
        node.handle(datagram: try! TraversalMessage.relayRequest(cookie: cookie, release: false).encoded(messageID: id), from: source, now: now)
        for (m, to) in sent(&node) where to == source { if case .relayAnswer(let a) = m { return a } }
        return nil
    }

    @Test("a slot goes only to a requester that echoes the cookie sent to its address; a third is told the relay is full")
    func cookieAndSlots() throws {
        var node = Self.relay()
        let first = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: Self.client, id: 1))
        #expect(first.status == .challenge && first.ackedMessageID == 1 && first.observed == Self.client)
        // A forged source echoing a cookie made for another address gets a new challenge, no slot.
        let forged = try #require(Self.answer(&node, cookie: first.cookie, from: Self.stranger, id: 2))
        #expect(forged.status == .challenge)
        #expect(node.relayedNodeCount == 0)
        let accepted = try #require(Self.answer(&node, cookie: first.cookie, from: Self.client, id: 3))
        #expect(accepted.status == .accepted && Self.slotEndpoints.contains(accepted.relayEndpoint) && accepted.lifetimeSeconds == 60)
        #expect(node.relayedNodeCount == 1)
        // Renewal keeps the same slot.
        let renewed = try #require(Self.answer(&node, cookie: accepted.cookie, from: Self.client, id: 4))
        #expect(renewed.relayEndpoint == accepted.relayEndpoint && node.relayedNodeCount == 1)
        // Two more requesters: one gets the second slot, the next is refused.
        let others = (10..<12).map { IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: UInt64($0)), port: 3540) }
        var statuses: [TraversalMessage.RelayStatus] = []
        for (i, other) in others.enumerated() {
            let c = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: other, id: UInt32(20 + i)))
            statuses.append(try #require(Self.answer(&node, cookie: c.cookie, from: other, id: UInt32(30 + i))).status)
        }
        #expect(statuses == [.accepted, .full])
        // The slot is freed when the relayed node stops renewing it.
        let later = NodeInstant.virtualEpoch + .seconds(61)
        let c = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: others[1], id: 40, now: later))
        #expect(try #require(Self.answer(&node, cookie: c.cookie, from: others[1], id: 41, now: later)).status == .accepted)
    }

    @Test("what arrives at a slot goes to its node wrapped; replies go only to peers that wrote, from the slot")
    func forwarding() throws {
        var node = Self.relay()
        let challenge = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: Self.client, id: 1))
        let slot = try #require(Self.answer(&node, cookie: challenge.cookie, from: Self.client, id: 2)).relayEndpoint
        let inquire = try PNRPMessage(messageID: 99, body: .inquire(Inquire(flags: [.wantCPA], validateID: PNRPID(1, 2, 3, 4)))).encoded()
        node.handle(datagram: inquire, from: Self.stranger, to: slot, now: .virtualEpoch)
        let forwarded = Self.sent(&node)
        #expect(forwarded.count == 1)
        if case .relayed(let peer, false, let inner)? = forwarded.first?.0 {
            #expect(peer == Self.stranger && inner == inquire && forwarded[0].1 == Self.client)
        } else {
            Issue.record("expected a RELAYED to the client, got \(forwarded)")
        }
        let reply = try PNRPMessage(messageID: 5, body: .ack(Ack(ackedMessageID: 99, flags: nil))).encoded()
        // To the peer that wrote: sent from the slot. To anyone else, or from anyone but the client: nothing.
        for (to, from) in [(Self.stranger, Self.client), (Self.relayMain, Self.client), (Self.stranger, Self.stranger)] {
            node.handle(datagram: try TraversalMessage.relayed(peer: to, fromClient: true, inner: reply).encoded(messageID: 7), from: from, now: .virtualEpoch)
        }
        let out = node.takeEffects()
        #expect(out.count == 1)
        // The relayed node's ACK leaves the relay endpoint as an answer to the peer that wrote there: the
        // endpoint's guard budgets it (docs/deviations.md D1).
        #expect(out.first == .sendFrom(datagram: reply, source: slot, to: Self.stranger, kind: OutgoingKind(messageType: MessageType.ack.rawValue, role: .answer)))
        #expect(node.traversalStatistics.relayDropped == 2)
    }

    @Test("a relayed node takes RELAYED datagrams only from its relay, and never one inside another")
    func relayedNodeRefusesStrangers() throws {
        var configuration = NodeConfiguration(localEndpoint: Self.client, seed: 6)
        configuration.natTraversal = true
        var node = PNRPNode(configuration: configuration, now: .virtualEpoch)
        node.traversal!.value.reachability = .behindNAT(observed: Self.client, mappingVaries: false)
        node.traversal!.value.relay = RelayAssociation(server: Self.relayMain, relayEndpoint: Self.slotEndpoints[0], cookie: PNRPNode.noCookie, nextRefresh: .virtualEpoch + .seconds(15))
        _ = node.takeEffects()
        let inquire = try PNRPMessage(messageID: 99, body: .inquire(Inquire(flags: [], validateID: PNRPID(1, 2, 3, 4)))).encoded()
        let wrapped = try TraversalMessage.relayed(peer: Self.stranger, fromClient: false, inner: inquire).encoded(messageID: 1)
        let nested = try TraversalMessage.relayed(peer: Self.stranger, fromClient: false, inner: wrapped).encoded(messageID: 2)
        node.handle(datagram: wrapped, from: Self.stranger, now: .virtualEpoch)  // not from the relay
        node.handle(datagram: nested, from: Self.relayMain, now: .virtualEpoch)  // a RELAYED inside a RELAYED
        #expect(node.takeEffects().isEmpty)
        // From the relay: answered (not registered here: flag N), back through the relay.
        node.handle(datagram: wrapped, from: Self.relayMain, now: .virtualEpoch)
        let out = Self.sent(&node)
        #expect(out.count == 1)
        if case .relayed(let peer, true, let inner)? = out.first?.0, let m = try? PNRPMessage(decoding: inner), case .authority = m.body {
            #expect(peer == Self.stranger && out[0].1 == Self.relayMain)
        } else {
            Issue.record("expected the AUTHORITY back through the relay, got \(out)")
        }
    }

    /// Fills both slots of `node` and returns the answer to a third requester, `requester`.
    static func fullAnswer(_ node: inout PNRPNode, to requester: IPv6Endpoint) throws -> TraversalMessage.RelayAnswer {
        for (i, low) in [UInt64(20), 21].enumerated() {
            let other = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: low), port: 3540)
            let c = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: other, id: UInt32(50 + i)))
            #expect(try #require(Self.answer(&node, cookie: c.cookie, from: other, id: UInt32(60 + i))).status == .accepted)
        }
        let c = try #require(Self.answer(&node, cookie: PNRPNode.noCookie, from: requester, id: 70))
        return try #require(Self.answer(&node, cookie: c.cookie, from: requester, id: 71))
    }

    @Test("a full relay names another node to ask: one that said it relays, else one that said strangers reach it; never the requester, zeros when it knows nobody")
    func fullRelayRefers() throws {
        let willRelay = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 30), port: 3540)
        let reachable = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 31), port: 3540)
        var knowsNobody = Self.relay()
        let none = try Self.fullAnswer(&knowsNobody, to: Self.client)
        #expect(none.status == .full && none.relayEndpoint == IPv6Endpoint(address: .unspecified, port: 0))

        var knowsOne = Self.relay()
        knowsOne.traversal!.value.knownReachable = [Self.client, reachable]
        let second = try Self.fullAnswer(&knowsOne, to: Self.client)
        #expect(second.status == .full && second.relayEndpoint == reachable)

        var knowsBoth = Self.relay()
        knowsBoth.traversal!.value.knownReachable = [reachable]
        knowsBoth.traversal!.value.relayCandidates = [willRelay]
        let first = try Self.fullAnswer(&knowsBoth, to: Self.client)
        #expect(first.status == .full && first.relayEndpoint == willRelay)
    }

    @Test("a node told by a full relay whom to ask next asks that node, and only a plausible one")
    func refusedNodeFollowsTheReferral() throws {
        let full = Self.relayMain
        let referred = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 40), port: 3540)
        func seeker() -> PNRPNode {
            var configuration = NodeConfiguration(localEndpoint: Self.client, seed: 8)
            configuration.natTraversal = true
            var node = PNRPNode(configuration: configuration, now: .virtualEpoch)
            node.traversal!.value.reachability = .behindNAT(observed: Self.client, mappingVaries: false)
            node.traversal!.value.relayCandidates = [full]
            _ = node.takeEffects()
            return node
        }
        func requestAnswered(by referral: IPv6Endpoint) throws -> [IPv6Endpoint] {
            var node = seeker()
            node.seekRelay(now: .virtualEpoch)
            let asked = Self.sent(&node)
            let id = try #require(node.traversal!.value.relayRequest?.messageID)
            #expect(asked.count == 1 && asked.first?.1 == full)
            let answer = TraversalMessage.RelayAnswer(status: .full, ackedMessageID: id, lifetimeSeconds: 0, relayEndpoint: referral, observed: Self.client, cookie: PNRPNode.noCookie)
            node.handle(datagram: try TraversalMessage.relayAnswer(answer).encoded(messageID: 9), from: full, now: .virtualEpoch + .milliseconds(20))
            return Self.sent(&node).compactMap { m, to in
                if case .relayRequest = m { return to }
                return nil
            }
        }
        #expect(try requestAnswered(by: referred) == [referred])
        // Itself, the relay that just refused, the unspecified address or a low port: nobody to ask (the node's
        // cache is empty).
        for bogus in [Self.client, full, IPv6Endpoint(address: .unspecified, port: 0), IPv6Endpoint(address: referred.address, port: 80)] {
            #expect(try requestAnswered(by: bogus).isEmpty, "\(bogus)")
        }
    }
}

