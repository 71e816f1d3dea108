import PeerCrypto
import Testing

@testable import PNRP
@testable import PNRPInMemory

/// Nodes behind simulated NATs of every kind in an in-memory cloud: what the reachability check concludes,
/// and names published behind a NAT resolved through a relay (`docs/deviations.md`, items X1–X4).
@Suite struct NATTraversalCloudTests {
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
        let kinds: [NATKind] = [.fullCone, .addressRestricted, .portRestricted, .symmetric]
        let cloud = Self.cloud(publicNodes: 12, kinds: kinds)
        for i in 0..<12 { #expect(cloud.nodes[i].reachability.isReachable, "public node \(i): \(cloud.nodes[i].reachability)") }
        #expect(cloud.nodes[12].reachability.isReachable, "full cone: \(cloud.nodes[12].reachability)")
        for i in 13...14 {
            #expect(cloud.nodes[i].reachability == .behindNAT(observed: InMemoryCloud.endpoint(ofNode: i), mappingVaries: false), "\(kinds[i - 12]): \(cloud.nodes[i].reachability)")
        }
        #expect(cloud.nodes[15].reachability == .behindNAT(observed: nil, mappingVaries: true), "symmetric: \(cloud.nodes[15].reachability)")
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
@Suite struct RelayLimitTests {
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
@Suite struct TraversalMessageTests {
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
