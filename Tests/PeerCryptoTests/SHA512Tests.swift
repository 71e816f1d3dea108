import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct SHA512Tests {
    // FIPS 180-4 examples (NIST CSRC "SHA512.pdf").
    @Test func fips180abc() {
        #expect(Hex.string(SHA512.hash(Array("abc".utf8))) == """
            ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
            2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f
            """)
    }

    @Test func fips180TwoBlock() {
        let m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(Hex.string(SHA512.hash(Array(m.utf8))) == """
            8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018\
            501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909
            """)
    }

    @Test func empty() {
        #expect(Hex.string(SHA512.hash([UInt8]())) == """
            cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
            47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e
            """)
        #expect(SHA512.byteCount == 64)
    }

    @Test func nonContiguousInputHashesTheSame() {
        let bytes = Array("abc".utf8)
        #expect(SHA512.hash(bytes.lazy.map { $0 }) == SHA512.hash(bytes))
        #expect(SHA512.hash(bytes[1...]) == SHA512.hash(Array("bc".utf8)))
    }
}
