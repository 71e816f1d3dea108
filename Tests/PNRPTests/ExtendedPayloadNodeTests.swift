import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// MARK: - One node answering INQUIREs ([MS-PNRP] 3.2.5.6, 3.2.5.8)

@Suite(.onComputeThread) struct ExtendedPayloadPublisherTests {
    static let publisherEndpoint = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)
    static let askerEndpoint = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 2), port: 3540)
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)

    /// A node that registered `name` with `data` as its extended payload.
    static func publisher(_ name: PeerName, key: Ed25519PrivateKey, data: [UInt8]?) throws -> (PNRPNode, PNRPID) {
        var node = PNRPNode(configuration: NodeConfiguration(localEndpoint: publisherEndpoint, seed: 1), now: t0)
        let id = try node.register(name: name, key: key, extendedPayload: data, now: t0)
        _ = node.takeEffects()
        return (node, id)
    }

    /// Sends `inquire` to `node` and returns the AUTHORITY datagrams it answers with and the reassembled buffer.
    static func ask(_ node: inout PNRPNode, _ inquire: Inquire, messageID: UInt32 = 0x1234_5678) throws -> (datagrams: [[UInt8]], buffer: AuthorityBuffer) {
        let datagram = try PNRPMessage(messageID: messageID, body: .inquire(inquire)).encoded()
        node.handle(datagram: datagram, from: askerEndpoint, now: t0)
        var reassembler = AuthorityReassembler()
        var datagrams: [[UInt8]] = []
        var complete: [UInt8]?
        for effect in node.takeEffects() {
            guard case .send(let bytes, let to, _) = effect, to == askerEndpoint else { continue }
            datagrams.append(bytes)
            let message = try PNRPMessage(decoding: bytes)
            guard case .authority(let fragment) = message.body else { continue }
            #expect(fragment.ackedMessageID == messageID)
            if let whole = try reassembler.receive(fragment, messageID: message.messageID, from: publisherEndpoint, now: 0) { complete = whole }
        }
        let bytes = try #require(complete)
        return (datagrams, try AuthorityBuffer(decoding: bytes))
    }

    @Test func aFourKilobytePayloadTravelsInFragmentsSignedForTheNonce() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "blob")
        let data = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var (node, id) = try Self.publisher(name, key: key, data: data)
        let nonce = Array(UInt8(1)...16)
        let (datagrams, buffer) = try Self.ask(&node, Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: id, nonce: nonce))
        // 4096 bytes of data: the buffer (about 4.5 KB) is cut into 1188-byte fragments and a shorter last one.
        #expect(datagrams.count == 4)
        #expect(datagrams.allSatisfy { $0.count <= WireFormat.authorityOverhead + WireFormat.fragmentLength })
        #expect(datagrams.dropLast().allSatisfy { $0.count == 1216 })
        let cpa = try #require(buffer.validateCPA)
        #expect(cpa.flags.contains(.extendedPayload))
        try cpa.verify(now: Self.t0.fileTime, expectedID: id, expectedNonce: nonce)
        let epBytes = try #require(buffer.extendedPayload)
        #expect(epBytes.count == ExtendedPayload.encodedCount(binaryBytes: 4096))
        let payload = try ExtendedPayload.verified(epBytes, now: Self.t0.fileTime, expectedID: id, expectedNonce: nonce, publicKey: cpa.publicKey)
        #expect(payload.content == .binary(data))
        #expect(payload.notAfter == cpa.notAfter)
        // The node's own resolver side accepts the answer for that nonce, and only for it.
        #expect(try PNRPNode.verifiedExtendedPayload(of: cpa, in: buffer, id: id, nonce: nonce, now: Self.t0).get()?.content == .binary(data))
        #expect(throws: ExtendedPayloadError.nonceMismatch) {
            try PNRPNode.verifiedExtendedPayload(of: cpa, in: buffer, id: id, nonce: CPA.zeroNonce, now: Self.t0).get()
        }
    }

    @Test func onlyAnInquireWithFlagXGetsThePayload() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 4, count: 32))
        let name = try PeerName("0.small")
        var (node, id) = try Self.publisher(name, key: key, data: Array("hello".utf8))
        // Leaf-set validation: A (and C) without X, no nonce: the zero-nonce CPA, flag X set, no payload.
        let plain = try Self.ask(&node, Inquire(flags: [.wantCPA, .wantCertificateChain], validateID: id))
        #expect(plain.buffer.extendedPayload == nil)
        #expect(plain.buffer.validateCPA?.flags.contains(.extendedPayload) == true)
        try #require(plain.buffer.validateCPA).verify(now: Self.t0.fileTime, expectedID: id, expectedNonce: CPA.zeroNonce)
        // X without a nonce: signed for the zero nonce once, then served from the cache.
        let first = try Self.ask(&node, Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: id))
        let second = try Self.ask(&node, Inquire(flags: [.wantExtendedPayload], validateID: id), messageID: 9)
        #expect(first.buffer.extendedPayload != nil)
        #expect(first.buffer.extendedPayload == second.buffer.extendedPayload)
        #expect(second.buffer.validateCPA == nil)
        _ = try ExtendedPayload.verified(
            try #require(first.buffer.extendedPayload), now: Self.t0.fileTime, expectedID: id, expectedNonce: CPA.zeroNonce, publicKey: key.publicKey.bytes)
        // A registration without a payload: X asked, nothing to send, and its CPA has no flag X.
        var (bare, bareID) = try Self.publisher(try PeerName("0.bare"), key: key, data: nil)
        let none = try Self.ask(&bare, Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: bareID, nonce: Array(repeating: 9, count: 16)))
        #expect(none.buffer.extendedPayload == nil)
        #expect(none.buffer.validateCPA?.flags.contains(.extendedPayload) == false)
        #expect(try PNRPNode.verifiedExtendedPayload(of: try #require(none.buffer.validateCPA), in: none.buffer, id: bareID, nonce: Array(repeating: 9, count: 16), now: Self.t0).get() == nil)
    }

    @Test func registrationRefusesPayloadsOutsideOneTo4096Bytes() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 5, count: 32))
        var node = PNRPNode(configuration: NodeConfiguration(localEndpoint: Self.publisherEndpoint, seed: 1), now: Self.t0)
        let name = try PeerName("0.sized")
        #expect(throws: RegistrationError.extendedPayloadSize(0)) { try node.register(name: name, key: key, extendedPayload: [], now: Self.t0) }
        #expect(throws: RegistrationError.extendedPayloadSize(4097)) {
            try node.register(name: name, key: key, extendedPayload: [UInt8](repeating: 0, count: 4097), now: Self.t0)
        }
        #expect(RegistrationError.extendedPayloadSize(4097).description.contains("1 to 4096 bytes"))
        #expect(node.registeredIDs.isEmpty)
        _ = try node.register(name: name, key: key, extendedPayload: [0], now: Self.t0)
        _ = try node.register(name: try PeerName("0.sized-max"), key: key, extendedPayload: [UInt8](repeating: 1, count: 4096), now: Self.t0)
        #expect(node.registeredIDs.count == 2)
    }

    @Test func aRevocationHasNoFlagX() throws {
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 6, count: 32))
        var (node, id) = try Self.publisher(try PeerName("0.revoked"), key: key, data: [1, 2, 3])
        let answer = try Self.ask(&node, Inquire(flags: [.wantCPA], validateID: id))
        let cpa = try #require(answer.buffer.validateCPA)
        let revocation = try cpa.revocation(notAfter: cpa.notAfter, key: key)
        #expect(!revocation.flags.contains(.extendedPayload))
        #expect(revocation.revokes(cpa))
        try revocation.verify(now: Self.t0.fileTime)
    }
}

// MARK: - Many nodes

/// Rewrites the extended payload in the AUTHORITY answers a misbehaving publisher sends.
final class ExtendedPayloadTamperer: DatagramTamperer {
    enum Mode: CaseIterable {
        case none, flipPayloadByte, wrongNonce, wrongID, otherSigner, dropPayload
    }

    var mode = Mode.none
    let key: Ed25519PrivateKey
    let otherKey = try! Ed25519PrivateKey(seed: [UInt8](repeating: 0xEE, count: 32))  // 32 bytes
    private(set) var rewritten = 0

    init(key: Ed25519PrivateKey) { self.key = key }

    func observe(_ datagram: [UInt8], to node: Int, from source: IPv6Endpoint, now: NodeInstant) {}

    func tamper(_ datagram: [UInt8], from node: Int, to destination: IPv6Endpoint, now: NodeInstant) -> [UInt8]? {
        guard mode != .none, let message = try? PNRPMessage(decoding: datagram), case .authority(let fragment) = message.body,
            fragment.isWholeBuffer, var buffer = try? AuthorityBuffer(decoding: fragment.fragment), let bytes = buffer.extendedPayload,
            var payload = try? ExtendedPayload(decoding: bytes)
        else { return datagram }
        switch mode {
        case .none: break
        case .flipPayloadByte:
            if case .binary(var data) = payload.content {
                data[0] ^= 1
                payload.content = .binary(data)
            }
        case .wrongNonce:
            payload.nonce = [UInt8](repeating: 0x77, count: 16)
            payload.signature = key.signature(for: payload.signedBytes)
        case .wrongID:
            payload.pnrpID = payload.pnrpID.adding(PNRPID(0, 0, 0, 1))
            payload.signature = key.signature(for: payload.signedBytes)
        case .otherSigner:
            payload.signature = otherKey.signature(for: payload.signedBytes)
        case .dropPayload:
            break
        }
        buffer.extendedPayload = mode == .dropPayload ? nil : payload.encoded()
        guard let fragments = try? buffer.fragments(ackedMessageID: fragment.ackedMessageID), fragments.count == 1,
            let out = try? PNRPMessage(messageID: message.messageID, body: .authority(fragments[0])).encoded()
        else { return datagram }
        rewritten += 1
        return out
    }
}

@Suite(.onComputeThread) struct ExtendedPayloadCloudTests {
    @Test("200 nodes: a 4,096-byte extended payload registered on one node arrives intact at every other")
    func fourKilobytesAcrossTwoHundredNodes() throws {
        var runner = ScenarioRunner(scenario: CloudTests.scenario(nodes: 200, seed: 4096, settle: .minutes(2)))
        runner.join()
        runner.settle()
        let publisher = 117
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x51, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "large-payload")
        var g = SplitMix64(seed: 99)
        let data = RandomWire.bytes(4096, &g)
        let id = try runner.cloud.withNode(publisher) { node, now in try node.register(name: name, key: key, extendedPayload: data, now: now) }
        _ = runner.cloud.run(atMost: .minutes(2)) { cloud in cloud.events.contains { $0.node == publisher && $0.event == .registered(id) } }
        runner.cloud.run(for: .seconds(30))
        // Its neighbours validated it into their leaf sets with INQUIREs that do not ask for the payload.
        #expect(runner.cloud.nodes.filter { $0.cache.isVerified(id) && $0.cache.isInLeafSet(id) }.count >= 5)

        var intact = 0
        let resolvers = stride(from: 3, to: 200, by: 7).filter { $0 != publisher }
        for from in resolvers {
            switch runner.cloud.resolve(from: from, name: name) {
            case .success(let r):
                #expect(r.id == id)
                #expect(r.cpa.flags.contains(.extendedPayload))
                #expect(r.extendedPayload == data)
                if r.extendedPayload == data { intact += 1 }
            case .failure(let f):
                Issue.record("node \(from) could not resolve \(name): \(f)")
            }
        }
        #expect(intact == resolvers.count)
        // A local resolution hands back the node's own payload.
        let local = try runner.cloud.resolve(from: publisher, name: name).get()
        #expect(local.hops == 0)
        #expect(local.extendedPayload == data)
        // Names without a payload still resolve without one.
        let plain = runner.names[42]
        #expect(try runner.cloud.resolve(from: 8, name: plain.name).get().extendedPayload == nil)
        #expect(runner.cloud.nodes.reduce(0) { $0 + $1.statistics.malformed } == 0)
    }

    @Test("a publisher serving a tampered, replayed, misaddressed, foreign-signed or missing payload is refused")
    func tamperedPayloadsAreRefused() throws {
        var runner = ScenarioRunner(scenario: CloudTests.scenario(nodes: 60, seed: 606, settle: .minutes(1)))
        runner.join()
        runner.settle()
        let publisher = 30
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x31, count: 32))
        let tamperer = ExtendedPayloadTamperer(key: key)
        runner.cloud.setTamperer(tamperer, misbehaving: [publisher])
        let name = try PeerName("0.tampered")
        let data = Array("an invitation that must arrive exactly as signed".utf8)
        let id = try runner.cloud.withNode(publisher) { node, now in try node.register(name: name, key: key, extendedPayload: data, now: now) }
        runner.cloud.run(for: .minutes(1))

        // Honest answers first: the payload arrives.
        #expect(try runner.cloud.resolve(from: 2, name: name).get().extendedPayload == data)
        let rejectedBefore = runner.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected }
        var resolver = 5
        for mode in ExtendedPayloadTamperer.Mode.allCases where mode != .none {
            tamperer.mode = mode
            for _ in 0..<3 {
                resolver += 3
                if resolver == publisher { resolver += 1 }
                switch runner.cloud.resolve(from: resolver, name: name) {
                case .success(let r): Issue.record("\(mode): node \(resolver) accepted \(r.id) with payload \(r.extendedPayload.map { String(decoding: $0, as: UTF8.self) } ?? "none")")
                case .failure(let f): #expect(f == .noValidCPA || f == .notFound, "\(mode): \(f)")
                }
            }
        }
        #expect(tamperer.rewritten >= 15)
        #expect(runner.cloud.nodes.reduce(0) { $0 + $1.statistics.cpaRejected } >= rejectedBefore + 15)
        // Honest again: resolvers that never refused it still get the payload.
        tamperer.mode = .none
        #expect(try runner.cloud.resolve(from: 1, name: name).get().extendedPayload == data)
        _ = id
    }
}
