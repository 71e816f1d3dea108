import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct XChaCha20Poly1305Tests {
    // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    static let key = Hex.bytes("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")
    static let nonce = Hex.bytes("404142434445464748494a4b4c4d4e4f5051525354555657")
    static let aad = Hex.bytes("50515253c0c1c2c3c4c5c6c7")
    static let plaintext = Array(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
    static let sealed = Hex.bytes("""
        bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb
        731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452
        2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9
        21f9664c97637da9768812f615c68b13b52e
        c0875924c1c7987947deafd8780acf49
        """)

    @Test func draftVector() throws {
        #expect(try XChaCha20Poly1305.seal(Self.plaintext, key: Self.key, nonce: Self.nonce, additionalData: Self.aad) == Self.sealed)
        #expect(try XChaCha20Poly1305.open(Self.sealed, key: Self.key, nonce: Self.nonce, additionalData: Self.aad) == Self.plaintext)
    }

    @Test func tamperingFailsAuthentication() {
        for index in [0, 50, Self.sealed.count - 17, Self.sealed.count - 1] {
            var altered = Self.sealed
            altered[index] ^= 0x01
            #expect(throws: AEADError.authenticationFailed) {
                try XChaCha20Poly1305.open(altered, key: Self.key, nonce: Self.nonce, additionalData: Self.aad)
            }
        }
        var otherKey = Self.key
        otherKey[0] ^= 1
        var otherNonce = Self.nonce
        otherNonce[23] ^= 1
        #expect(throws: AEADError.authenticationFailed) { try XChaCha20Poly1305.open(Self.sealed, key: otherKey, nonce: Self.nonce, additionalData: Self.aad) }
        #expect(throws: AEADError.authenticationFailed) { try XChaCha20Poly1305.open(Self.sealed, key: Self.key, nonce: otherNonce, additionalData: Self.aad) }
        #expect(throws: AEADError.authenticationFailed) { try XChaCha20Poly1305.open(Self.sealed, key: Self.key, nonce: Self.nonce, additionalData: [UInt8]()) }
        #expect(throws: AEADError.authenticationFailed) { try XChaCha20Poly1305.open(Self.sealed.dropLast(), key: Self.key, nonce: Self.nonce, additionalData: Self.aad) }
    }

    @Test func emptyPlaintextAndAdditionalData() throws {
        let sealed = try XChaCha20Poly1305.seal([UInt8](), key: Self.key, nonce: Self.nonce, additionalData: [UInt8]())
        #expect(sealed.count == XChaCha20Poly1305.tagByteCount)
        #expect(try XChaCha20Poly1305.open(sealed, key: Self.key, nonce: Self.nonce, additionalData: [UInt8]()).isEmpty)
    }

    @Test func badLengthsAreTypedErrors() {
        #expect(throws: AEADError.badKeyLength(31)) { try XChaCha20Poly1305.seal([1], key: Self.key.dropLast(), nonce: Self.nonce, additionalData: [UInt8]()) }
        #expect(throws: AEADError.badNonceLength(12)) { try XChaCha20Poly1305.seal([1], key: Self.key, nonce: Self.nonce.prefix(12), additionalData: [UInt8]()) }
        #expect(throws: AEADError.badKeyLength(0)) { try XChaCha20Poly1305.open(Self.sealed, key: [UInt8](), nonce: Self.nonce, additionalData: [UInt8]()) }
        #expect(throws: AEADError.badNonceLength(25)) { try XChaCha20Poly1305.open(Self.sealed, key: Self.key, nonce: Self.nonce + [0], additionalData: [UInt8]()) }
        #expect(throws: AEADError.ciphertextTooShort(15)) { try XChaCha20Poly1305.open(Self.sealed.prefix(15), key: Self.key, nonce: Self.nonce, additionalData: [UInt8]()) }
        #expect(throws: AEADError.ciphertextTooShort(0)) { try XChaCha20Poly1305.open([UInt8](), key: Self.key, nonce: Self.nonce, additionalData: [UInt8]()) }
    }
}
