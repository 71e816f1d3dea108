import NetworkLab
import PeerCrypto
import Testing

@testable import PNRP

/// Every datagram a node sends says what it is (`NodeEffect.send`'s `OutgoingKind`), so that drivers budget
/// answers without parsing them (`docs/deviations.md`, D1).
@Suite(.onComputeThread) struct OutgoingKindTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static let local = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)
    static let asker = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 7), port: 3540)
    static let neighbour = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 8), port: 3540)

    /// The kinds of the datagrams among `effects`, with their destinations.
    static func kinds(_ effects: [NodeEffect]) -> [(IPv6Endpoint, OutgoingKind)] {
        effects.compactMap { if case .send(_, let to, let kind) = $0 { (to, kind) } else { nil } }
    }

    @Test("an INQUIRE's AUTHORITY is an answer to its source; the node's own LOOKUP is a request; neither is read from the bytes by the driver")
    func answersAndRequests() throws {
        var node = PNRPNode(configuration: NodeConfiguration(localEndpoint: Self.local, seed: 3), now: Self.t0)
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x44, count: 32))
        let id = try node.register(name: try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "kinds"), key: key, now: Self.t0)
        _ = node.takeEffects()
        let inquire = Inquire(flags: [.wantCPA], validateID: id, nonce: [UInt8](repeating: 3, count: 16))
        node.handle(datagram: try PNRPMessage(messageID: 77, body: .inquire(inquire)).encoded(), from: Self.asker, now: Self.t0)
        let answers = Self.kinds(node.takeEffects())
        #expect(!answers.isEmpty && answers.allSatisfy { $0.0 == Self.asker && $0.1 == OutgoingKind(messageType: MessageType.authority.rawValue, role: .answer) }, "\(answers)")

        let peerID = PNRPID(p2pID: try PeerName("0.neighbour").p2pID, serviceLocation: .forResolution(prefix: Self.neighbour.address.high))
        _ = node.cache.add(RouteEntry(id: peerID, port: Self.neighbour.port, address: Self.neighbour.address))
        _ = node.resolve(name: try PeerName("0.somebody"), now: Self.t0)
        let requests = Self.kinds(node.takeEffects())
        #expect(requests.contains { $0.0 == Self.neighbour && $0.1 == OutgoingKind(messageType: MessageType.lookup.rawValue, role: .request) }, "\(requests)")
        #expect(!requests.contains { $0.1.role == .answer }, "nothing answered anybody on an application's call: \(requests)")
    }

    @Test("the classification: answer types and FLOODs to the datagram's source are answers; request types are requests; an answer type to anyone else is a notice")
    func classification() {
        let authority = [UInt8](repeating: 0, count: 7) + [MessageType.authority.rawValue, 0, 0, 0, 1]
        let flood = [UInt8](repeating: 0, count: 7) + [MessageType.flood.rawValue, 0, 0, 0, 1]
        let probe = [UInt8](repeating: 0, count: 7) + [TraversalMessage.Code.dialProbe.rawValue, 0, 0, 0, 1]
        #expect(OutgoingKind.of(authority, to: Self.asker, answering: Self.asker).role == .answer)
        #expect(OutgoingKind.of(authority, to: Self.neighbour, answering: Self.asker).role == .notice)
        #expect(OutgoingKind.of(authority, to: Self.asker, answering: nil).role == .notice)
        #expect(OutgoingKind.of(flood, to: Self.asker, answering: Self.asker).role == .answer)
        #expect(OutgoingKind.of(flood, to: Self.neighbour, answering: Self.asker).role == .request)
        #expect(OutgoingKind.of(probe, to: Self.asker, answering: nil) == OutgoingKind(messageType: TraversalMessage.Code.dialProbe.rawValue, role: .notice))
    }
}
