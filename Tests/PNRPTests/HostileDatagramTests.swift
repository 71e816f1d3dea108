import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP

// What a datagram from a forged source can make a node do: sign, verify (`docs/deviations.md`, item N26), and
// send to endpoints other than that source (item N27).

@Suite(.onComputeThread) struct HostileDatagramTests {
    static let t0 = NodeInstant(nanoseconds: 1_700_000_000 * 1_000_000_000)
    static func endpoint(_ n: UInt64) -> IPv6Endpoint { IPv6Endpoint(address: IPv6Address(high: 0xFD00_0000_0000_0000, low: n), port: 3540) }
    static func forged(_ random: inout RandomSource) -> IPv6Endpoint {
        IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_0000_0000, low: random.next()), port: UInt16(1025 + random.next() % 60_000))
    }

    /// A node publishing a secured name with an extended payload.
    static func publisher(seed: UInt64) throws -> (node: ScriptedNode, id: PNRPID) {
        var p = ScriptedNode(endpoint: endpoint(1), seed: seed, now: t0)
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x31, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "busy")
        let id = try p.node.register(name: name, key: key, extendedPayload: [UInt8](repeating: 9, count: 512), now: p.now)
        try p.collect()
        return (p, id)
    }

    @Test("INQUIREs with a nonce from forged sources make the node sign within its signing budget only; quiet, it answers again")
    func signingIsBudgeted() throws {
        var (p, id) = try Self.publisher(seed: 31)
        var random = RandomSource(seed: 5)
        let before = p.node.statistics.signaturesMade
        let count = 2_000
        var answered = 0
        // 2,000 INQUIREs in one virtual second, each asking for a CPA and the extended payload.
        for k in 0..<count {
            let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain, .wantExtendedPayload], validateID: id, nonce: random.bytes(16))
            p.node.handle(datagram: try PNRPMessage(messageID: UInt32(k), body: .inquire(inquire)).encoded(), from: Self.forged(&random), now: p.now)
            // Answers with a CPA; the others get a busy AUTHORITY with a signing cookie (N32), signed nothing.
            answered += try p.node.takeEffects().contains { effect in
                guard case .send(let bytes, _, _) = effect, case .authority(let f) = try PNRPMessage(decoding: bytes).body else { return false }
                return try AuthorityBuffer(decoding: f.fragment).validateCPA != nil
            } ? 1 : 0
            p.now = p.now + NodeDuration(nanoseconds: 500_000)
        }
        let made = p.node.statistics.signaturesMade - before
        // The default budget: 200 signatures a second, one second's worth at once.
        let budget = 200
        print("2,000 INQUIREs with a nonce in 1 s: \(made) signatures, \(answered) answered with a CPA")
        #expect(made <= 2 * budget + 2, "\(made) signatures for \(count) forged INQUIREs")
        #expect(Double(made) / Double(count) <= 0.25)
        #expect(answered <= budget + 1)

        // After a quiet second, an INQUIRE is answered with a CPA signed for its nonce.
        p.now = p.now + .seconds(1)
        let nonce = random.bytes(16)
        let asker = Self.endpoint(7)
        try p.deliver(.inquire(Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: id, nonce: nonce)), messageID: 0xABCD, from: asker)
        let answer = p.sent.last { if case .authority(let f) = $0.message.body { f.ackedMessageID == 0xABCD && $0.to == asker } else { false } }
        guard case .authority(let fragment)? = answer?.message.body else {
            Issue.record("the INQUIRE after a quiet second went unanswered")
            return
        }
        let buffer = try AuthorityBuffer(decoding: fragment.fragment)
        #expect(buffer.validateCPA?.nonce == nonce)
        #expect(buffer.extendedPayload != nil)
    }

    @Test("forged revocations of IDs the node does not cache, or under another key than the cached one, cost no signature check")
    func revocationsAreCheckedCheapFirst() throws {
        var r = ScriptedNode(endpoint: Self.endpoint(1), seed: 32, now: Self.t0)
        _ = try r.node.register(name: try PeerName("0.resolver"), key: try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 32)), now: r.now)
        try r.collect()
        // A neighbour's unsecured ID enters the leaf set with its CPA.
        let owner = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x56, count: 32))
        let attacker = try Ed25519PrivateKey(seed: [UInt8](repeating: 0xA7, count: 32))
        let name = try PeerName("0.neighbour")
        let ownerEP = Self.endpoint(2)
        let id = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 42))
        let entry = RouteEntry(id: id, port: 3540, address: ownerEP.address)
        let notAfter = (Self.t0 + .hours(24)).fileTime
        func cpa(key: Ed25519PrivateKey, id: PNRPID) throws -> CPA {
            try CPA.signed(name: name, serviceLocation: id.serviceLocation, serviceAddresses: [ownerEP], payload: nil, friendlyName: nil, notAfter: notAfter, nonce: CPA.zeroNonce, key: key)
        }
        try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: entry, alreadyFlooded: [])), from: ownerEP)
        try r.answer(try r.inquire(about: id, to: ownerEP), with: AuthorityBuffer(flags: [], routeEntry: entry, validateCPA: try cpa(key: owner, id: id)))
        #expect(r.node.cache.verifiedKey(of: id) == owner.publicKey.bytes)

        let foreign = try cpa(key: attacker, id: id).revocation(notAfter: notAfter, key: attacker)
        let uncachedID = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 43))
        let uncached = try cpa(key: attacker, id: uncachedID).revocation(notAfter: notAfter, key: attacker)
        var random = RandomSource(seed: 6)
        let checksBefore = r.node.statistics.signatureChecks
        for k in 0..<500 {
            let revoke = k % 2 == 0 ? foreign : uncached
            r.node.handle(datagram: try PNRPMessage(messageID: UInt32(k), body: .flood(Flood(doNotAck: false, validateID: .zero, revokeCPA: revoke, alreadyFlooded: []))).encoded(), from: Self.forged(&random), now: r.now)
            _ = r.node.takeEffects()
        }
        let checks = r.node.statistics.signatureChecks - checksBefore
        print("500 forged revocations: \(checks) signature checks")
        #expect(checks == 0, "\(checks) signature checks for 500 forged revocations")
        #expect(r.node.cache.verifiedKey(of: id) == owner.publicKey.bytes)

        // The owner's own revocation still removes the entry, for one signature check.
        let genuine = try cpa(key: owner, id: id).revocation(notAfter: notAfter, key: owner)
        try r.deliver(.flood(Flood(doNotAck: false, validateID: .zero, revokeCPA: genuine, alreadyFlooded: [])), messageID: 9_999, from: ownerEP)
        #expect(!r.node.cache.contains(id))
        #expect(r.node.statistics.signatureChecks - checksBefore == 1)
    }

    /// Every byte the node sent to `endpoint` after `from`, encoded again.
    static func bytes(sentTo endpoint: IPv6Endpoint, in node: ScriptedNode, from: Int = 0) throws -> Int {
        try node.sent[from...].filter { $0.to == endpoint }.reduce(0) { $0 + (try $1.message.encoded().count) }
    }

    @Test("a SOLICIT, LOOKUP or FLOOD whose route entry names a third party makes the node send it at most as many bytes as it carried", arguments: [false, true])
    func routeEntriesNamingAThirdParty(nonce: Bool) throws {
        let attackerEP = Self.endpoint(66)
        var random = RandomSource(seed: 7)
        var worst = 0.0
        for kind in ["solicit", "lookup", "flood"] {
            var p = ScriptedNode(endpoint: Self.endpoint(1), seed: 33, now: Self.t0) { $0.leafSetValidationNonce = nonce }
            let id = try p.node.register(name: try PeerName("0.reflector"), key: try Ed25519PrivateKey(seed: [UInt8](repeating: 2, count: 32)), now: p.now)
            try p.collect()
            // A third party that is no PNRP node, named with an ID next to the node's own (its leaf set would take it).
            let victim = IPv6Endpoint(address: IPv6Address(high: 0x2001_0DB8_FFFF_0000, low: random.next()), port: 3540)
            let named = RouteEntry(id: id.adding(PNRPID(0, 0, 0, 1 + random.next() >> 8)), port: victim.port, address: victim.address)
            let body: PNRPMessage.Body =
                switch kind {
                case "solicit": .solicit(Solicit(routeEntry: named, hashedNonce: random.bytes(20)))
                case "lookup": .lookup(Lookup(criteria: .anyPeerName, target: named.id, validateID: .zero, bestMatch: named, flaggedPath: [attackerEP]))
                default: .flood(Flood(doNotAck: true, validateID: .zero, routeEntry: named, alreadyFlooded: []))
                }
            let datagram = try PNRPMessage(messageID: 0x7E57, body: body).encoded()
            let start = p.sent.count
            p.node.handle(datagram: datagram, from: attackerEP, now: p.now)
            try p.collect()
            try p.wait(seconds: 5)
            let reflected = try Self.bytes(sentTo: victim, in: p, from: start)
            let ratio = Double(reflected) / Double(datagram.count)
            worst = Swift.max(worst, ratio)
            print("\(kind) of \(datagram.count) bytes naming a third party (nonce \(nonce)): \(reflected) bytes sent to it")
            #expect(reflected <= datagram.count, "a \(datagram.count)-byte \(kind) made the node send \(reflected) bytes to the third party it named")
        }
        #expect(worst <= 1)
    }

    @Test("route entries naming their sender, or a node already cached, are validated as before: two transmissions")
    func ownRouteEntriesAreValidatedInFull() throws {
        var p = ScriptedNode(endpoint: Self.endpoint(1), seed: 34, now: Self.t0)
        let id = try p.node.register(name: try PeerName("0.seed"), key: try Ed25519PrivateKey(seed: [UInt8](repeating: 3, count: 32)), now: p.now)
        try p.collect()
        // A joiner's SOLICIT carries its own route entry: the INQUIRE that validates it is sent, then sent again.
        let joinerEP = Self.endpoint(5)
        let joiner = RouteEntry(id: id.adding(PNRPID(0, 0, 0, 12345)), port: 3540, address: joinerEP.address)
        try p.deliver(.solicit(Solicit(routeEntry: joiner, hashedNonce: [UInt8](repeating: 4, count: 20))), from: joinerEP)
        try p.wait(seconds: 3)
        let inquiries = p.sent.filter { if case .inquire(let q) = $0.message.body { q.validateID == joiner.id && $0.to == joinerEP } else { false } }
        #expect(inquiries.count == 2, "sent \(inquiries.count) times")
    }
}
