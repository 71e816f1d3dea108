@_spi(Testing) import EasyConnect
import PeerCrypto
import NetworkLab
import Testing

/// draft-irtf-cfrg-cpace-21: appendix A (string functions) and appendix B.3 (CPACE-RISTR255-SHA512), byte for byte.
@Suite(.onComputeThread) struct CPaceTestVectorTests {
    static let password = Array("Password".utf8)
    static let channelIdentifier = CPaceHex.bytes("0b415f696e69746961746f720b425f726573706f6e646572")
    static let sessionID = CPaceHex.bytes("7e4b4791d6a8ef019b936c79fb7f2c57")
    static let initiatorAD = Array("ADa".utf8)
    static let responderAD = Array("ADb".utf8)
    static let ya = CPaceHex.bytes("da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08")
    static let yb = CPaceHex.bytes("d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d")
    static let shareA = "d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157"
    static let shareB = "3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258"
    static let sharedPoint = "80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f"
    static let iskIR = """
        b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd\
        2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447
        """

    static func initiator() throws -> CPace {
        try CPace(role: .initiator, password: password, channelIdentifier: channelIdentifier, sessionID: sessionID,
                  associatedData: initiatorAD, scalar: ya)
    }

    static func responder() throws -> CPace {
        try CPace(role: .responder, password: password, channelIdentifier: channelIdentifier, sessionID: sessionID,
                  associatedData: responderAD, scalar: yb)
    }

    // A.1.2, A.1.4, A.3.5
    @Test func stringFunctions() {
        #expect(CPaceHex.string(CPaceEncoding.prependLength([])) == "00")
        #expect(CPaceHex.string(CPaceEncoding.prependLength(Array("1234".utf8))) == "0431323334")
        #expect(CPaceEncoding.prependLength([UInt8](0..<127)) == [0x7F] + [UInt8](0..<127))
        #expect(CPaceEncoding.prependLength([UInt8](0..<128)) == [0x80, 0x01] + [UInt8](0..<128))
        #expect(CPaceEncoding.prependLength([UInt8](repeating: 0, count: 300)).prefix(2) == [0xAC, 0x02])
        #expect(CPaceEncoding.prependLength([UInt8](repeating: 0, count: 16_384)).prefix(3) == [0x80, 0x80, 0x01])
        #expect(CPaceHex.string(CPaceEncoding.lengthValueConcatenation([Array("1234".utf8), Array("5".utf8), [], Array("678".utf8)]))
            == "043132333401350003363738")
        #expect(CPaceHex.string(CPaceEncoding.initiatorResponderTranscript(
            initiatorShare: Array("123".utf8), initiatorAssociatedData: Array("PartyA".utf8),
            responderShare: Array("234".utf8), responderAssociatedData: Array("PartyB".utf8)))
            == "03313233065061727479410332333406506172747942")
        #expect(CPaceHex.string(CPaceEncoding.initiatorResponderTranscript(
            initiatorShare: Array("3456".utf8), initiatorAssociatedData: Array("PartyA".utf8),
            responderShare: Array("2345".utf8), responderAssociatedData: Array("PartyB".utf8)))
            == "043334353606506172747941043233343506506172747942")
    }

    // B.3.1
    @Test func generator() {
        let generatorString = CPaceEncoding.generatorString(
            domainSeparator: CPaceRistretto255.domainSeparator, password: Self.password,
            channelIdentifier: Self.channelIdentifier, sessionID: Self.sessionID, hashBlockByteCount: 128)
        #expect(generatorString.count == 170)
        #expect(CPaceHex.string(generatorString) == "11435061636552697374726574746f3235350850617373776f726464"
            + String(repeating: "00", count: 100)
            + "180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57")
        #expect(CPaceHex.string(SHA512.hash(generatorString)) == """
            da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288b6663af0\
            6bf645c93cd1c51512307199c80e84908916d983b34af77205f90851a657ee27
            """)
        #expect(CPaceHex.string(CPaceRistretto255.calculateGenerator(
            password: Self.password, channelIdentifier: Self.channelIdentifier, sessionID: Self.sessionID))
            == "222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56")
    }

    // B.3.2 to B.3.5, and B.3.7 (sid_output, initiator–responder)
    @Test func sharesSecretPointAndISK() throws {
        let a = try Self.initiator(), b = try Self.responder()
        #expect(CPaceHex.string(a.share) == Self.shareA)
        #expect(CPaceHex.string(b.share) == Self.shareB)
        #expect(CPaceHex.string(try a.sharedPoint(peerShare: b.share)) == Self.sharedPoint)
        #expect(CPaceHex.string(try b.sharedPoint(peerShare: a.share)) == Self.sharedPoint)
        let expected = CPaceHex.bytes(Self.iskIR)
        #expect(try a.intermediateSessionKey(peerShare: b.share, peerAssociatedData: Self.responderAD) == expected)
        #expect(try b.intermediateSessionKey(peerShare: a.share, peerAssociatedData: Self.initiatorAD) == expected)
        let sidOutput = """
            bb1c449b35f0ea79a65c209f329a693d475e0ce2387bed9fe4b78f60b2a27c21\
            9813fb2cfe175ef40d2222d9261e66da7d78f7c55a303b1b8611dcdfab880c47
            """
        #expect(CPaceHex.string(a.sessionIDOutput(peerShare: b.share, peerAssociatedData: Self.responderAD)) == sidOutput)
        #expect(CPaceHex.string(b.sessionIDOutput(peerShare: a.share, peerAssociatedData: Self.initiatorAD)) == sidOutput)
    }

    // B.3.10 and B.3.11
    @Test func scalarMultVfy() throws {
        let s = CPaceHex.bytes("7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05")
        let x = CPaceHex.bytes("2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")
        #expect(CPaceHex.string(try CPaceRistretto255.scalarMultiplyVerified(scalar: s, element: x))
            == "7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e")
        let invalid = CPaceHex.bytes("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c")
        #expect(throws: CPaceError.invalidPeerShare) { try CPaceRistretto255.scalarMultiplyVerified(scalar: s, element: invalid) }
        #expect(throws: CPaceError.identityPeerShare) {
            try CPaceRistretto255.scalarMultiplyVerified(scalar: s, element: [UInt8](repeating: 0, count: 32))
        }
        // The same refusals through a party's ISK step.
        let a = try Self.initiator()
        #expect(throws: CPaceError.invalidPeerShare) { try a.intermediateSessionKey(peerShare: invalid, peerAssociatedData: Self.responderAD) }
        #expect(throws: CPaceError.identityPeerShare) {
            try a.intermediateSessionKey(peerShare: [UInt8](repeating: 0, count: 32), peerAssociatedData: Self.responderAD)
        }
    }

    // Section 10.4 key confirmation; CPaceOracle/cpace_confirmation_oracle.py computes the tags from B.3's ISK_IR.
    @Test func confirmationTags() throws {
        let a = try Self.initiator(), b = try Self.responder()
        let isk = CPaceHex.bytes(Self.iskIR)
        let ta = "30478d28d83ae3b214295e91f4a3eb62999a8ed94575075db4a7d3bc3e4d26f16c51adba12dc7771372637a46b5134e0937cddd7d820bfdd83be335e339eb57a"
        let tb = "e927a7da291676f8878caae9cb70407d2f14117e6f9ff9adcfda797c4bcf2bd2fefd2ca3f2ddcce81b7386996c895b2f359010cc92069d5ff4ad49a977de79a6"
        let tags = CPace.confirmationTags(
            isk: isk, sessionID: Self.sessionID, initiatorShare: a.share, initiatorAssociatedData: Self.initiatorAD,
            responderShare: b.share, responderAssociatedData: Self.responderAD)
        #expect(CPaceHex.string(tags.initiator) == ta)
        #expect(CPaceHex.string(tags.responder) == tb)
        let fromA = a.confirmationTags(isk: isk, peerShare: b.share, peerAssociatedData: Self.responderAD)
        #expect(CPaceHex.string(fromA.own) == ta && CPaceHex.string(fromA.peer) == tb)
        let fromB = b.confirmationTags(isk: isk, peerShare: a.share, peerAssociatedData: Self.initiatorAD)
        #expect(CPaceHex.string(fromB.own) == tb && CPaceHex.string(fromB.peer) == ta)
        try a.verifyPeerConfirmation(CPaceHex.bytes(tb), isk: isk, peerShare: b.share, peerAssociatedData: Self.responderAD)
        try b.verifyPeerConfirmation(CPaceHex.bytes(ta), isk: isk, peerShare: a.share, peerAssociatedData: Self.initiatorAD)
        #expect(throws: CPaceError.confirmationFailed) {
            try a.verifyPeerConfirmation(CPaceHex.bytes(ta), isk: isk, peerShare: b.share, peerAssociatedData: Self.responderAD)
        }
        #expect(throws: CPaceError.confirmationFailed) {
            try a.verifyPeerConfirmation(Array(CPaceHex.bytes(tb).dropLast()), isk: isk, peerShare: b.share, peerAssociatedData: Self.responderAD)
        }
    }
}
