import PeerCrypto
import NetworkLab
import Testing

private func hex(_ b: [UInt8]) -> String { b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
private func unhex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = s.makeIterator()
    while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
    return out
}

@Suite(.onComputeThread) struct DigestTests {
    @Test func sha1FIPS180abc() {
        #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }
    @Test func sha1Empty() {
        #expect(hex(SHA1.hash([UInt8]())) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }
    @Test func sha1TwoBlock() {
        let m = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(SHA1.hash(m)) == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
    }
    @Test func sha256FIPS180abc() {
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite(.onComputeThread) struct Ed25519Tests {
    // RFC 8032 section 7.1, TEST 1 (empty message).
    let seed = unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    let expectedPublic = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    let expectedSignature =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

    @Test func rfc8032Test1() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        #expect(hex(key.publicKey.bytes) == expectedPublic)
        let sig = key.signature(for: [UInt8]())
        #expect(hex(sig) == expectedSignature)
        #expect(key.publicKey.isValidSignature(sig, for: [UInt8]()))
    }

    @Test func tamperedSignatureFails() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        var sig = key.signature(for: Array("hello".utf8))
        #expect(key.publicKey.isValidSignature(sig, for: Array("hello".utf8)))
        #expect(!key.publicKey.isValidSignature(sig, for: Array("hellp".utf8)))
        sig[10] ^= 1
        #expect(!key.publicKey.isValidSignature(sig, for: Array("hello".utf8)))
        #expect(!key.publicKey.isValidSignature(sig.prefix(63), for: Array("hello".utf8)))
    }

    @Test func badLengthsAreTypedErrors() {
        #expect(throws: Ed25519Error.badSeedLength(31)) { try Ed25519PrivateKey(seed: [UInt8](repeating: 0, count: 31)) }
        #expect(throws: Ed25519Error.badPublicKeyLength(33)) { try Ed25519PublicKey(bytes: [UInt8](repeating: 0, count: 33)) }
    }

    @Test func exportSeedRoundTrips() throws {
        let key = Ed25519PrivateKey()
        var s = key.exportSeed()
        let again = try Ed25519PrivateKey(seed: s)
        ConstantTime.wipe(&s)
        #expect(s.allSatisfy { $0 == 0 })
        #expect(again.publicKey == key.publicKey)
    }
}

@Suite(.onComputeThread) struct RandomAndCompareTests {
    @Test func randomBytesDiffer() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(SecureRandom.bytes(0).isEmpty)
    }
    @Test func constantTimeEqual() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
    }
}
