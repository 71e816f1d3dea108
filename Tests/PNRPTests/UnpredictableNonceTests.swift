import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPSimulation

@Suite(.onComputeThread) struct UnpredictableNonceTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static let nodeEndpoint = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 1), port: 3540)

    /// What an off-path host learns from one INQUIRE: the nonce (two generator outputs, little-endian) and
    /// the Message ID (the low half of the output after them).
    struct Observed: Equatable {
        var messageID: UInt32
        var nonce: [UInt8]
        var words: (UInt64, UInt64) {
            (NoncePrediction.word(nonce, 0), NoncePrediction.word(nonce, 8))
        }
    }

    /// The INQUIREs a node sends when it validates leaf-set candidates with a nonce
    /// (`NodeConfiguration.leafSetValidationNonce`): each FLOOD of a new route entry makes it send one, whose
    /// nonce and Message ID are the next three draws of its generator.
    static func inquiries(seed: UInt64, count: Int) throws -> [Observed] {
        var configuration = NodeConfiguration(localEndpoint: nodeEndpoint, seed: seed)
        configuration.leafSetValidationNonce = true
        configuration.maintenanceInterval = .hours(6)
        var node = PNRPNode(configuration: configuration, now: t0)
        _ = try node.register(name: try PeerName("0.observed"), key: try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)), now: t0)
        _ = node.takeEffects()
        var out: [Observed] = []
        for k in 0..<count {
            let peer = IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: 100 + UInt64(k)), port: 3540)
            let entry = RouteEntry(id: PNRPID(0x1000_0000_0000_0000 &* UInt64(k + 1), 0, 0, UInt64(k)), port: 3540, address: peer.address)
            let flood = try PNRPMessage(messageID: 1000 + UInt32(k), body: .flood(Flood(doNotAck: true, validateID: .zero, routeEntry: entry, alreadyFlooded: []))).encoded()
            node.handle(datagram: flood, from: peer, now: t0)
            for case .send(let bytes, let to, _) in node.takeEffects() where to == peer {
                let message = try PNRPMessage(decoding: bytes)
                if case .inquire(let q) = message.body, let nonce = q.nonce { out.append(Observed(messageID: message.messageID, nonce: nonce)) }
            }
        }
        #expect(out.count == count)
        return out
    }

    @Test("the xoshiro256** predictor works: six outputs of the old generator give its next ones")
    func predictorRecoversXoshiro() throws {
        for seed: UInt64 in [1, 42, 0xDEAD_BEEF] {
            // RandomSource is the generator nodes drew their nonces and Message IDs from.
            var old = RandomSource(seed: seed)
            _ = (0..<5).map { _ in old.next() }  // whatever it drew before
            let outputs = (0..<12).map { _ in old.next() }
            // The pattern of INQUIREs: two full outputs (the nonce), then one seen only in part (the ID).
            let observed = [0, 1, 3, 4, 6, 7].map { (position: $0, value: outputs[$0]) }
            let predicted = try #require(XoshiroPredictor.predict([9, 10, 11], from: observed))
            #expect(predicted == [outputs[9], outputs[10], outputs[11]])
        }
    }

    @Test("a node's nonces and Message IDs seen on the wire do not give the next ones away")
    func nonceAndMessageIDsAreNotPredictable() throws {
        for seed: UInt64 in [1, 42, 0xDEAD_BEEF] {
            let seen = try Self.inquiries(seed: seed, count: 4)
            // The first three INQUIREs are outputs 0-1, 3-4 and 6-7 of the generator, their IDs the low
            // halves of outputs 2, 5 and 8; the fourth's nonce is outputs 9-10, its ID output 11.
            let observed = seen.prefix(3).enumerated().flatMap { k, o in [(position: 3 * k, value: o.words.0), (position: 3 * k + 1, value: o.words.1)] }
            let predicted = XoshiroPredictor.predict([9, 10, 11], from: observed)
            if let predicted {
                #expect(predicted[0] != seen[3].words.0 || predicted[1] != seen[3].words.1, "seed \(seed): the fourth nonce was predicted")
                #expect(UInt32(truncatingIfNeeded: predicted[2]) != seen[3].messageID, "seed \(seed): the fourth Message ID was predicted")
            }
            // No state of xoshiro256** produces what the node sent.
            #expect(predicted == nil, "seed \(seed)")
        }
    }

    @Test("the same seed gives a node the same nonces and Message IDs; another seed others")
    func nodeDrawsAreDeterministicBySeed() throws {
        let a = try Self.inquiries(seed: 7, count: 4), b = try Self.inquiries(seed: 7, count: 4), c = try Self.inquiries(seed: 8, count: 4)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a.map(\.messageID)).count == 4)
    }
}
