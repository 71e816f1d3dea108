@_spi(Testing) import EasyConnect
import PeerCrypto
import PropertyBased
import NetworkLab
import Testing

/// Random inputs: two honest parties always agree, and any one-bit difference in what they start from, or in the
/// associated data one of them receives, makes them disagree.
@Suite("CPace properties", .onComputeThread)
struct CPacePropertyTests {
    struct Inputs {
        var password: [UInt8]
        var channel: [UInt8]
        var sessionID: [UInt8]
        var initiatorAD: [UInt8]
        var responderAD: [UInt8]
        var seed: UInt64
    }

    static let inputs = zip(
        Gen.uint8().array(of: 0...40), Gen.uint8().array(of: 0...24), Gen.uint8().array(of: 0...32),
        Gen.uint8().array(of: 0...8), Gen.uint8().array(of: 0...8), Gen.uint64()
    ).map { Inputs(password: $0, channel: $1, sessionID: $2, initiatorAD: $3, responderAD: $4, seed: $5) }

    /// Which input the responder gets one bit wrong.
    enum Field: CaseIterable { case password, channel, sessionID, initiatorAD }

    /// ISKs of a run in which the responder starts from `responderView` and the initiator from `inputs`.
    static func keys(_ inputs: Inputs, responderView: Inputs) throws -> (initiator: [UInt8], responder: [UInt8], tagsMatch: Bool) {
        var entropy = DeterministicEntropy(seed: inputs.seed)
        let a = try CPace(role: .initiator, password: inputs.password, channelIdentifier: inputs.channel,
                          sessionID: inputs.sessionID, associatedData: inputs.initiatorAD, entropy: &entropy)
        let b = try CPace(role: .responder, password: responderView.password, channelIdentifier: responderView.channel,
                          sessionID: responderView.sessionID, associatedData: inputs.responderAD, entropy: &entropy)
        let iskA = try a.intermediateSessionKey(peerShare: b.share, peerAssociatedData: inputs.responderAD)
        let iskB = try b.intermediateSessionKey(peerShare: a.share, peerAssociatedData: responderView.initiatorAD)
        let tagB = b.confirmationTags(isk: iskB, peerShare: a.share, peerAssociatedData: responderView.initiatorAD).own
        let tagsMatch = (try? a.verifyPeerConfirmation(tagB, isk: iskA, peerShare: b.share, peerAssociatedData: inputs.responderAD)) != nil
        return (iskA, iskB, tagsMatch)
    }

    @Test func honestPartiesAgree() async throws {
        await propertyCheck(count: 150, input: Self.inputs) { inputs in
            let k = try Self.keys(inputs, responderView: inputs)
            #expect(k.initiator == k.responder)
            #expect(k.tagsMatch)
        }
    }

    @Test func oneFlippedBitDisagrees() async throws {
        await propertyCheck(count: 150, input: Self.inputs, Gen.int(in: 0...3), Gen.int(in: 0...1000)) { inputs, fieldIndex, position in
            let field = Field.allCases[fieldIndex]
            var view = inputs
            func flip(_ bytes: inout [UInt8]) {
                if bytes.isEmpty { bytes = [0x01]; return }  // an empty field "with one bit set" is one byte long
                let bit = position % (bytes.count * 8)
                bytes[bit / 8] ^= 1 << UInt8(bit % 8)
            }
            switch field {
            case .password: flip(&view.password)
            case .channel: flip(&view.channel)
            case .sessionID: flip(&view.sessionID)
            case .initiatorAD: flip(&view.initiatorAD)
            }
            let k = try Self.keys(inputs, responderView: view)
            #expect(k.initiator != k.responder, "flipped \(field)")
            #expect(!k.tagsMatch)
        }
    }
}
