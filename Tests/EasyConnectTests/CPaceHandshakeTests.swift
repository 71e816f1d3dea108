@_spi(Testing) import EasyConnect
import PeerCrypto
import NetworkLab
import Testing

/// Whole runs between two parties, and the refusals the draft requires (section 9: invalid and identity shares).
@Suite(.onComputeThread) struct CPaceHandshakeTests {
    struct Run {
        let initiator: CPace
        let responder: CPace
        let initiatorISK: [UInt8]
        let responderISK: [UInt8]
    }

    static func run(
        passwords: ([UInt8], [UInt8]) = (Array("correct horse".utf8), Array("correct horse".utf8)),
        channel: [UInt8] = Array("helper|assisted".utf8),
        sessionID: [UInt8] = [UInt8](repeating: 0x5A, count: 16),
        seed: UInt64 = 1
    ) throws -> Run {
        var entropy = DeterministicEntropy(seed: seed)
        let a = try CPace(role: .initiator, password: passwords.0, channelIdentifier: channel, sessionID: sessionID,
                          associatedData: Array("A".utf8), entropy: &entropy)
        let b = try CPace(role: .responder, password: passwords.1, channelIdentifier: channel, sessionID: sessionID,
                          associatedData: Array("B".utf8), entropy: &entropy)
        return Run(initiator: a, responder: b,
                   initiatorISK: try a.intermediateSessionKey(peerShare: b.share, peerAssociatedData: b.associatedData),
                   responderISK: try b.intermediateSessionKey(peerShare: a.share, peerAssociatedData: a.associatedData))
    }

    @Test func samePasswordAgreesAndConfirms() throws {
        let r = try Self.run()
        #expect(r.initiatorISK.count == 64)
        #expect(r.initiatorISK == r.responderISK)
        #expect(r.initiator.share != r.responder.share)
        let a = r.initiator.confirmationTags(isk: r.initiatorISK, peerShare: r.responder.share, peerAssociatedData: r.responder.associatedData)
        let b = r.responder.confirmationTags(isk: r.responderISK, peerShare: r.initiator.share, peerAssociatedData: r.initiator.associatedData)
        try r.initiator.verifyPeerConfirmation(b.own, isk: r.initiatorISK, peerShare: r.responder.share, peerAssociatedData: r.responder.associatedData)
        try r.responder.verifyPeerConfirmation(a.own, isk: r.responderISK, peerShare: r.initiator.share, peerAssociatedData: r.initiator.associatedData)
    }

    @Test func differentPasswordsDisagreeAndConfirmationCatchesIt() throws {
        let r = try Self.run(passwords: (Array("correct horse".utf8), Array("correct horsf".utf8)))
        #expect(r.initiatorISK != r.responderISK)
        let b = r.responder.confirmationTags(isk: r.responderISK, peerShare: r.initiator.share, peerAssociatedData: r.initiator.associatedData)
        #expect(throws: CPaceError.confirmationFailed) {
            try r.initiator.verifyPeerConfirmation(b.own, isk: r.initiatorISK, peerShare: r.responder.share, peerAssociatedData: r.responder.associatedData)
        }
    }

    @Test func systemEntropyRunsAgreeAndNeverRepeatShares() throws {
        var entropy = SystemEntropy()
        let password = Array("482-193".utf8)
        let a = try CPace(role: .initiator, password: password, channelIdentifier: [], sessionID: [], associatedData: [], entropy: &entropy)
        let b = try CPace(role: .responder, password: password, channelIdentifier: [], sessionID: [], associatedData: [], entropy: &entropy)
        let again = try CPace(role: .initiator, password: password, channelIdentifier: [], sessionID: [], associatedData: [], entropy: &entropy)
        #expect(a.share != again.share)
        #expect(try a.intermediateSessionKey(peerShare: b.share, peerAssociatedData: []) == b.intermediateSessionKey(peerShare: a.share, peerAssociatedData: []))
        // With an empty sid, section 10.6's public session identifier agrees on both sides.
        #expect(a.sessionIDOutput(peerShare: b.share, peerAssociatedData: []) == b.sessionIDOutput(peerShare: a.share, peerAssociatedData: []))
    }

    @Test func swappedRolesDisagree() throws {
        var entropy = DeterministicEntropy(seed: 9)
        let password = Array("pw".utf8)
        let a = try CPace(role: .initiator, password: password, channelIdentifier: [], sessionID: [1], associatedData: [], entropy: &entropy)
        let b = try CPace(role: .initiator, password: password, channelIdentifier: [], sessionID: [1], associatedData: [], entropy: &entropy)
        #expect(try a.intermediateSessionKey(peerShare: b.share, peerAssociatedData: []) != b.intermediateSessionKey(peerShare: a.share, peerAssociatedData: []))
    }

    @Test func invalidPeerSharesAreRefused() throws {
        let r = try Self.run()
        let a = r.initiator
        // The identity (all zero), and RFC 9496's non-canonical and invalid encodings.
        #expect(throws: CPaceError.identityPeerShare) { try a.intermediateSessionKey(peerShare: [UInt8](repeating: 0, count: 32), peerAssociatedData: []) }
        for hex in ["edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p, not reduced
                    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // above p
                    "0100000000000000000000000000000000000000000000000000000000000000",  // negative field element
                    "26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371",  // non-square x²
                    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"] {  // s = -1
            #expect(throws: CPaceError.invalidPeerShare) { try a.intermediateSessionKey(peerShare: CPaceHex.bytes(hex), peerAssociatedData: []) }
        }
        // A valid share with the top bit set is not canonical either.
        var flipped = r.responder.share
        flipped[31] |= 0x80
        #expect(throws: CPaceError.invalidPeerShare) { try a.intermediateSessionKey(peerShare: flipped, peerAssociatedData: []) }
        // Random 32-byte strings are mostly not points (about 1 in 8 decode); every one that does not is refused.
        var entropy = DeterministicEntropy(seed: 77)
        var refused = 0
        for _ in 0..<64 {
            let candidate = entropy.bytes(32)
            if Ristretto255.isValidElement(candidate) {
                #expect(throws: Never.self) { try a.intermediateSessionKey(peerShare: candidate, peerAssociatedData: []) }
            } else {
                refused += 1
                #expect(throws: CPaceError.invalidPeerShare) { try a.intermediateSessionKey(peerShare: candidate, peerAssociatedData: []) }
            }
        }
        #expect(refused > 32)
        for n in [0, 31, 33, 64] {
            #expect(throws: CPaceError.badPeerShareLength(n)) { try a.intermediateSessionKey(peerShare: [UInt8](repeating: 1, count: n), peerAssociatedData: []) }
        }
    }

    @Test func badScalarsAndBrokenEntropyAreTypedErrors() {
        #expect(throws: CPaceError.badScalarLength(31)) {
            try CPace(role: .initiator, password: [], channelIdentifier: [], sessionID: [], associatedData: [], scalar: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CPaceError.invalidScalar) {
            try CPace(role: .initiator, password: [], channelIdentifier: [], sessionID: [], associatedData: [], scalar: [UInt8](repeating: 0, count: 32))
        }
        struct Zeros: EntropySource { mutating func bytes(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: max(count, 0)) } }
        struct Nothing: EntropySource { mutating func bytes(_ count: Int) -> [UInt8] { [] } }
        var zeros = Zeros()
        #expect(throws: CPaceError.entropyExhausted) {
            try CPace(role: .initiator, password: [1], channelIdentifier: [], sessionID: [], associatedData: [], entropy: &zeros)
        }
        var nothing = Nothing()
        #expect(throws: CPaceError.entropyExhausted) {
            try CPace(role: .responder, password: [1], channelIdentifier: [], sessionID: [], associatedData: [], entropy: &nothing)
        }
    }

    @Test func sampledScalarsFollowSection83() throws {
        var entropy = DeterministicEntropy(seed: 5)
        for _ in 0..<100 {
            let s = try CPaceRistretto255.sampleScalar(entropy: &entropy)
            #expect(s.count == 32)
            #expect(s[31] & 0xF0 == 0)  // below 2^252, so below the group order
        }
    }

    @Test func longInputsUseMultiByteLengths() throws {
        let longPassword = [UInt8](repeating: 0x61, count: 300)  // longer than a hash block: no zero padding
        let r = try Self.run(passwords: (longPassword, longPassword), channel: [UInt8](repeating: 1, count: 200), sessionID: [UInt8](repeating: 2, count: 130))
        #expect(r.initiatorISK == r.responderISK)
    }
}
