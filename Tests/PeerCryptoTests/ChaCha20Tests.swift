import NetworkLab
import Testing

@testable import PeerCrypto

@Suite(.onComputeThread) struct ChaCha20Tests {
    /// RFC 8439 A.1 test vectors 1 and 2 (all-zero key and nonce, block counters 0 and 1): with a zero nonce
    /// the original and the IETF variants have the same state.
    static let block0 = hexBytes("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586")
    static let block1 = hexBytes("9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f")

    static func hexBytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            let j = text.index(i, offsetBy: 2)
            out.append(UInt8(text[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test func keystreamMatchesRFC8439() {
        let key = [UInt8](repeating: 0, count: 32), nonce = [UInt8](repeating: 0, count: 8)
        #expect(ChaCha20.keystream(count: 64, key: key, nonce: nonce) == Self.block0)
        #expect(ChaCha20.keystream(count: 64, key: key, nonce: nonce, counter: 1) == Self.block1)
        #expect(ChaCha20.keystream(count: 128, key: key, nonce: nonce) == Self.block0 + Self.block1)
        // A length that ends inside a block, and an empty one.
        #expect(ChaCha20.keystream(count: 70, key: key, nonce: nonce) == Self.block0 + Self.block1.prefix(6))
        #expect(ChaCha20.keystream(count: 0, key: key, nonce: nonce).isEmpty)
    }

    @Test func keyNonceAndCounterEachChangeTheStream() {
        let key = [UInt8](repeating: 7, count: 32), nonce = [UInt8](repeating: 0, count: 8)
        let base = ChaCha20.keystream(count: 64, key: key, nonce: nonce)
        var otherKey = key
        otherKey[31] ^= 1
        var otherNonce = nonce
        otherNonce[0] = 1
        #expect(ChaCha20.keystream(count: 64, key: otherKey, nonce: nonce) != base)
        #expect(ChaCha20.keystream(count: 64, key: key, nonce: otherNonce) != base)
        #expect(ChaCha20.keystream(count: 64, key: key, nonce: nonce, counter: 1) != base)
        #expect(Array(ChaCha20.keystream(count: 128, key: key, nonce: nonce).suffix(64)) == ChaCha20.keystream(count: 64, key: key, nonce: nonce, counter: 1))
    }
}
