import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPSimulation

/// The node's generator: ChaCha20's keystream, replayable from a seed or a key, not from its outputs.
@Suite(.onComputeThread) struct NodeRandomTests {
    @Test("the words are the ChaCha20 keystream of SHA-256(label ‖ key material), little-endian")
    func wordsAreTheKeystream() {
        let material = [UInt8](repeating: 0x42, count: 32)
        var random = NodeRandom(keyMaterial: material)
        let key = SHA256.hash(Array("PNRP node generator v1".utf8) + material)
        let stream = ChaCha20.keystream(count: 3 * 64, key: key, nonce: [UInt8](repeating: 0, count: 8))
        let words = (0..<24).map { _ in random.next() }
        let expected = (0..<24).map { i in (0..<8).reduce(UInt64(0)) { $0 | UInt64(stream[i * 8 + $1]) << UInt64(8 * $1) } }
        #expect(words == expected)
        // Bytes are whole words, little-endian; a partial word is not reused.
        var a = NodeRandom(keyMaterial: material)
        #expect(a.bytes(16) == Array(stream[0..<16]))
        #expect(a.bytes(3) == Array(stream[16..<19]))
        #expect(a.next() == expected[3])
    }

    @Test("a seed, a key and a configuration each give one stream; different ones differ")
    func seedsAndKeys() {
        var a = NodeRandom(seed: 9), b = NodeRandom(seed: 9), c = NodeRandom(seed: 10)
        let sa = (0..<20).map { _ in a.next() }
        #expect(sa == (0..<20).map { _ in b.next() })
        #expect(sa != (0..<20).map { _ in c.next() })
        var seeded = NodeConfiguration(seed: 9)
        var fromConfiguration = NodeRandom(configuration: seeded)
        #expect((0..<20).map { _ in fromConfiguration.next() } == sa)
        seeded.randomKey = SecureRandom.bytes(32)
        var keyed = NodeRandom(configuration: seeded), keyedAgain = NodeRandom(configuration: seeded)
        let sk = (0..<20).map { _ in keyed.next() }
        #expect(sk != sa)
        #expect(sk == (0..<20).map { _ in keyedAgain.next() })
    }

    @Test("the xoshiro256** predictor finds no state behind the node generator's outputs")
    func notXoshiro() {
        for seed: UInt64 in [1, 42, 0xDEAD_BEEF] {
            var random = NodeRandom(seed: seed)
            let outputs = (0..<12).map { _ in random.next() }
            let observed = [0, 1, 3, 4, 6, 7].map { (position: $0, value: outputs[$0]) }
            #expect(XoshiroPredictor.predict([9, 10, 11], from: observed) == nil)
        }
    }
}
