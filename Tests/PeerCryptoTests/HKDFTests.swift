import PeerCrypto
import NetworkLab
import Testing

@Suite(.onComputeThread) struct HKDFTests {
    // Wycheproof testvectors/hkdf_sha512_test.json (C2SP/wycheproof), "valid" cases tcId 3, 6, 9, 12, 15 and 18.
    @Test(arguments: [
        ("d4dcb92a769f57c8bab8a420ee0aa351", "", "", 64,
         "a8420281c08c5f087c9d54d5660847805b0fff2d6257f02bf849badfa8a29bee84ebe704a6eadc0beba0c33805d5843e167b1966aeba6a15b0f1f7b3db8c407a"),
        ("5b01b2da3166f217cdd68de8af60078f", "", "6884cfa7ffe8f27bf4ebc6e46a7e01488c79243a", 64,
         "01e10d4c477c906d4f67105e4a8054bd2e9479d726166893fcf77b5df431ad007c0ae42847d3706a770a5e468783c9519804be63a404112dcd4ecea952952b73"),
        ("08867e76311126089356623ba5381e73", "0c164c443edcdfaedb1ab150f047951f", "", 64,
         "098d9f9e0e0c609b94e8aa57b0449cdb3929605f821cda305e4d93746553a40a1e4c97565183e116511c3dc5d9d56561c698849a114692c8128b5d3c1cd728f7"),
        ("8677dc79233ef3480777c4c601ef4f0b", "ad88db718244e2cb60e35f874d7ad81f", "a38f634d947819a9bfa792174b42baa20c9fce15", 64,
         "918e9cda37bf7f52506111048a878e64a503f9869d0c2615047b995f1efedc4f713b4dbcc940838e68f6a2bf772ebefae9154e9075da80ea1fd68b9df580ad76"),
        ("e8f2b1c3e6a6c3d5ee0a20dd47aafa78", "3f5e162de91e0782cd189f3b7778cdc2ce6bfe9d3fe841cd3c70475d7b3c", "", 64,
         "34718d60d8eba9f7ad6d111ef14160652381239551aca21bfc1f250f8d04c64cb6cd503c7f5fb3ff6b73ce234cf6bf91056228a8a51599a39c402e32d47618cb"),
        ("6cf725e939e8824d4392233eeac75d30", "1e72f24b05a91a0093f34306ffced79e7003055b0833c6d0f27a4f33a1bd", "495425d9727fee2e2b7e78899868c1c3e7735e1d", 64,
         "379e6d4fc3c9b344754a1094eac60b71e47e281695515987abbc3b22c1e267d95b101592896e08c869557ea82ba075d9c9524d3cb79d7d8cabb33364f5252968"),
        ("5d3db20e8238a90b62a600fa57fdb318", "1d6f3b38a1e607b5e6bcd4af1800a9d3", "2bc5f39032b6fc87da69ba8711ce735b169646fd", 42,
         "8c3cf7122dcb5eb7efaf02718f1faf70bca20dcb75070e9d0871a413a6c05fc195a75aa9ffc349d70aae"),
    ])
    func wycheproof(ikm: String, salt: String, info: String, size: Int, okm: String) throws {
        let out = try HKDF.sha512(inputKeyMaterial: Hex.bytes(ikm), salt: Hex.bytes(salt), info: Hex.bytes(info), outputByteCount: size)
        #expect(Hex.string(out) == okm)
    }

    // Oracle/peercrypto_oracle.py: RFC 5869 with Python's hmac module, checked against the cryptography package.
    @Test func oracleCases() throws {
        #expect(Hex.string(try HKDF.sha512(inputKeyMaterial: [UInt8](), salt: Array("salt".utf8), info: Array("info".utf8), outputByteCount: 42))
            == "618a2ba19b9f039bd9e8e902d3967158b1c1b842f5c8d76a9e8a2ae3163afe9b99c6a9958b540ac24657")
        #expect(Hex.string(try HKDF.sha512(inputKeyMaterial: [UInt8](), salt: [UInt8](), info: [UInt8](), outputByteCount: 64))
            == "9d73c98e791e80ebe5b4cb45693aa32fdd44b5fa3edab3ec82f9d0f4d66905e2215ad0d4ac20fe570da59a5d189fdde60e55f283703cd19bc95ebb16fc1c868e")
        #expect(Hex.string(try HKDF.sha512(inputKeyMaterial: [UInt8](0..<80), salt: [UInt8](0x60..<0xB0), info: [UInt8](0xB0...0xFF), outputByteCount: 300))
            == "ce6c97192805b346e6161e821ed165673b84f400a2b514b2fe23d84cd189ddf1b695b48cbd1c8388441137b3ce28f16aa64ba33ba466b24df6cfcb021ecff235f6a2056ce3af1de44d572097a8505d9e7a9354e5796284151c2dd39c39b3cd3d8e50fcc383ebdec37476e03b721ef5efef873c281f018b8ca42e1245b2271f871ba6585ee6b7c47ddf0e1e64685e87eab3e2b4df55874cc74d058879d2f2233272d5e3ee660dcad82cb9c7018fb089287c0538612abe485010009d505e5062c6e60beef755288e89c9e69bfe999130e4afc929b493427d0463b14b2231a98fbed7ce8a6dbe0a44f93976a18659228a3fdee72a8d41fd9a75d0448e9cbdc60ba0602db136fc65837ddc528f61481b37083ff0471b39e78fb6556a1cb773a73fb5a78a0ed0dae747f5e0e8f070")
    }

    @Test func outputLengthLimits() throws {
        let max = HKDF.maximumSHA512OutputByteCount
        #expect(max == 16_320)
        #expect(try HKDF.sha512(inputKeyMaterial: [1, 2, 3], salt: [UInt8](), info: [UInt8](), outputByteCount: max).count == max)
        #expect(try HKDF.sha512(inputKeyMaterial: [1, 2, 3], salt: [UInt8](), info: [UInt8](), outputByteCount: 1).count == 1)
        for bad in [0, -1, max + 1, Int.max, Int.min] {
            #expect(throws: HKDFError.badOutputLength(bad)) {
                try HKDF.sha512(inputKeyMaterial: [1, 2, 3], salt: [UInt8](), info: [UInt8](), outputByteCount: bad)
            }
        }
    }

    @Test func prefixOfALongerOutputIsTheShorterOutput() throws {
        let long = try HKDF.sha512(inputKeyMaterial: [9, 9], salt: [1], info: [2], outputByteCount: 200)
        let short = try HKDF.sha512(inputKeyMaterial: [9, 9], salt: [1], info: [2], outputByteCount: 65)
        #expect(Array(long.prefix(65)) == short)
    }
}
