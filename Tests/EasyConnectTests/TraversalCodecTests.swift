import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

/// The bytes Easy Connect adds to get through NATs (`docs/deviations.md`, E11): an invitation's punch endpoints
/// and stream relay (version 2), and the Helper's punch offer.
@Suite("NAT traversal codecs: invitation version 2 and the punch offer", .onComputeThread)
struct TraversalCodecTests {
    static func natInvitation() -> Invitation {
        var inv = Fixtures.invitation()
        inv.punchEndpoints = [SessionEndpoint(address: IPv6Address(ipv4: 203, 0, 113, 7), port: 40_001)]
        inv.streamRelay = StreamRelayRendezvous(
            endpoint: SessionEndpoint(address: IPv6Address(ipv4: 198, 51, 100, 2), port: 3541), token: (0..<16).map { UInt8($0 * 7) })
        return inv
    }

    @Test("An invitation without NAT fields stays version 1; with them it is version 2, and both round-trip")
    func versions() throws {
        let plain = Fixtures.invitation()
        let v1 = try plain.encoded()
        #expect(v1[0] == 1)
        #expect(try Invitation(decoding: v1) == plain)
        let nat = Self.natInvitation()
        let v2 = try nat.encoded()
        #expect(v2[0] == 2)
        #expect(v2.count == v1.count + 1 + 22 + 1 + 22 + 16)
        #expect(try Invitation(decoding: v2) == nat)
        var onlyPunch = nat
        onlyPunch.streamRelay = nil
        #expect(try Invitation(decoding: try onlyPunch.encoded()) == onlyPunch)
        var onlyRelay = nat
        onlyRelay.punchEndpoints = []
        #expect(try Invitation(decoding: try onlyRelay.encoded()) == onlyRelay)
    }

    @Test("Malformed version 2 invitations are refused with the field named, never trapping")
    func malformed() throws {
        let nat = Self.natInvitation()
        let bytes = try nat.encoded()
        for cut in 0..<bytes.count {
            #expect(throws: MessageError.self) { try Invitation(decoding: Array(bytes.prefix(cut))) }
        }
        #expect(throws: MessageError.self) { try Invitation(decoding: bytes + [0]) }
        // The relay flag (after the punch endpoint) set to 2.
        var flag = bytes
        flag[bytes.count - 39] = 2
        #expect(throws: MessageError.badValue(field: "stream relay flag", reason: "is 2; it must be 0 or 1")) { try Invitation(decoding: flag) }
        // Version 2 with neither punch endpoints nor relay.
        let v1 = try Fixtures.invitation().encoded()
        #expect(throws: MessageError.self) { try Invitation(decoding: [2] + v1.dropFirst() + [0, 0]) }
        // Too many punch endpoints, a port of 0, a short token.
        var many = nat
        many.punchEndpoints = Array(repeating: many.punchEndpoints[0], count: Invitation.maximumPunchEndpoints + 1)
        #expect(throws: MessageError.self) { try many.encoded() }
        var zero = bytes
        let punchPort = v1.count + 1 + 16
        zero[punchPort] = 0
        zero[punchPort + 1] = 0
        #expect(throws: MessageError.badValue(field: "punch endpoint 1 port", reason: "is 0")) { try Invitation(decoding: zero) }
        var short = nat
        short.streamRelay?.token = [1, 2, 3]
        #expect(throws: MessageError.self) { try short.encoded() }
        var entropy = DeterministicEntropy(seed: 21)
        for _ in 0..<3_000 {
            var m = bytes
            m[entropy.uniform(m.count)] = UInt8(entropy.uniform(256))
            _ = try? Invitation(decoding: m)
        }
    }

    @Test("A punch offer is read from a stream's first bytes, however they are cut, and what follows is left alone")
    func punchOffer() throws {
        let offer = PunchOffer(endpoints: [
            SessionEndpoint(address: IPv6Address(ipv4: 203, 0, 113, 5), port: 50_000), SessionEndpoint(address: IPv6Address(ipv4: 192, 168, 1, 2), port: 50_000),
        ])
        let bytes = try offer.encoded()
        #expect(bytes.count == 6 + 2 * 22)
        let stream = bytes + [0xAA, 0xBB]
        for cut in 0..<bytes.count { #expect(try PunchOffer.decodePrefix(Array(stream.prefix(cut))) == nil) }
        let (read, consumed) = try #require(try PunchOffer.decodePrefix(stream))
        #expect(read == offer && consumed == bytes.count)
        #expect(try PunchOffer.decodePrefix(try PunchOffer(endpoints: []).encoded())?.offer.endpoints == [])
    }

    @Test("Anything but a punch offer is refused at once: another protocol's greeting, a bad version or count, a port of 0")
    func hostileOffers() throws {
        #expect(throws: MessageError.self) { try PunchOffer.decodePrefix(Array("GET ".utf8)) }
        #expect(throws: MessageError.self) { try PunchOffer.decodePrefix([0x46]) }
        // "E", "EC": an offer may still follow.
        #expect(try PunchOffer.decodePrefix([0x45]) == nil && PunchOffer.decodePrefix([0x45, 0x43]) == nil)
        #expect(throws: MessageError.self) { try PunchOffer.decodePrefix(PunchOffer.magic + [2, 0]) }
        #expect(throws: MessageError.self) { try PunchOffer.decodePrefix(PunchOffer.magic + [1, 5]) }
        var zero = try PunchOffer(endpoints: [SessionEndpoint(address: IPv6Address(ipv4: 10, 0, 0, 1), port: 9)]).encoded()
        zero[6 + 16] = 0
        zero[6 + 17] = 0
        #expect(throws: MessageError.self) { try PunchOffer.decodePrefix(zero) }
        #expect(throws: MessageError.self) { try PunchOffer(endpoints: Array(repeating: SessionEndpoint(address: IPv6Address(ipv4: 10, 0, 0, 1), port: 9), count: 5)).encoded() }
        var entropy = DeterministicEntropy(seed: 5)
        for _ in 0..<2_000 { _ = try? PunchOffer.decodePrefix(entropy.bytes(entropy.uniform(120))) }
    }
}
