import Foundation
import PeerCrypto
import NetworkLab
import Testing

@testable import PNRP
@testable import PNRPInMemory

// Signing cookies (`docs/deviations.md`, item N32): a flood of INQUIREs from forged sources spends a publisher's
// signing budget (N26); a resolver that receives at its address still gets the publisher's CPA.

@Suite(.onComputeThread) struct SigningCookieTests {
    static let t0 = HostileDatagramTests.t0

    /// Floods `p` with 1,000 INQUIREs with a nonce from forged sources, all at once: its signing budget (one
    /// second's worth, 200 signatures) is spent.
    static func flood(_ p: inout ScriptedNode, id: PNRPID, random: inout RandomSource) throws {
        for k in 0..<1_000 {
            let inquire = Inquire(flags: [.wantCPA], validateID: id, nonce: random.bytes(16))
            p.node.handle(datagram: try PNRPMessage(messageID: UInt32(k), body: .inquire(inquire)).encoded(), from: HostileDatagramTests.forged(&random), now: p.now)
            _ = p.node.takeEffects()
        }
    }

    /// The buffer of the last AUTHORITY `p` sent to `to` acking `messageID`, with the datagram's size.
    static func answer(of p: ScriptedNode, acking messageID: UInt32, to: IPv6Endpoint) throws -> (buffer: AuthorityBuffer, bytes: Int)? {
        guard let sent = p.sent.last(where: { if case .authority(let f) = $0.message.body { f.ackedMessageID == messageID && $0.to == to } else { false } }),
            case .authority(let fragment) = sent.message.body
        else { return nil }
        return (try AuthorityBuffer(decoding: fragment.fragment), try sent.message.encoded().count)
    }

    @Test("over budget, an INQUIRE gets a busy answer with a cookie, no larger than itself; sent again with it, a CPA for its nonce")
    func cookieRoundTrip() throws {
        var (p, id) = try HostileDatagramTests.publisher(seed: 32)
        var random = RandomSource(seed: 6)
        try Self.flood(&p, id: id, random: &random)
        let asker = HostileDatagramTests.endpoint(7), nonce = random.bytes(16)
        let inquire = Inquire(flags: [.wantCPA, .wantCertificateChain], validateID: id, nonce: nonce)
        try p.deliver(.inquire(inquire), messageID: 0x1001, from: asker)
        let busy = try #require(try Self.answer(of: p, acking: 0x1001, to: asker))
        #expect(busy.buffer.flags.contains(.busy) && busy.buffer.validateCPA == nil)
        let cookie = try #require(busy.buffer.signingCookie)
        let inquireBytes = try PNRPMessage(messageID: 0x1001, body: .inquire(inquire)).encoded().count
        print("busy answer with a signing cookie: \(busy.bytes) bytes, for an INQUIRE of \(inquireBytes)")
        #expect(busy.bytes <= inquireBytes)
        #expect(p.node.statistics.signingCookiesSent >= 1)

        // Another source cannot use that cookie, nor can the asker for another nonce, or other flags.
        let thief = HostileDatagramTests.endpoint(8)
        var stolen = inquire
        stolen.signingCookie = cookie
        try p.deliver(.inquire(stolen), messageID: 0x1002, from: thief)
        #expect(try Self.answer(of: p, acking: 0x1002, to: thief) == nil)
        try p.deliver(.inquire(Inquire(flags: inquire.flags, validateID: id, nonce: random.bytes(16), signingCookie: cookie)), messageID: 0x1003, from: asker)
        #expect(try Self.answer(of: p, acking: 0x1003, to: asker) == nil)
        try p.deliver(.inquire(Inquire(flags: [.wantCPA, .wantExtendedPayload], validateID: id, nonce: nonce, signingCookie: cookie)), messageID: 0x1006, from: asker)
        #expect(try Self.answer(of: p, acking: 0x1006, to: asker) == nil)
        #expect(p.node.statistics.signingCookiesRefused == 3)

        // The asker, with its cookie and its nonce, gets the CPA signed for that nonce.
        var again = inquire
        again.signingCookie = cookie
        try p.deliver(.inquire(again), messageID: 0x1004, from: asker)
        let signed = try #require(try Self.answer(of: p, acking: 0x1004, to: asker))
        #expect(signed.buffer.validateCPA?.nonce == nonce)

        // A cookie lasts its period and the next (15 s each), not longer.
        p.now = p.now + .seconds(16)
        try p.deliver(.inquire(again), messageID: 0x1007, from: asker)
        #expect(try Self.answer(of: p, acking: 0x1007, to: asker)?.buffer.validateCPA?.nonce == nonce, "a cookie of the previous period")
        p.now = p.now + .seconds(15)
        try p.deliver(.inquire(again), messageID: 0x1005, from: asker)
        #expect(try Self.answer(of: p, acking: 0x1005, to: asker) == nil)
        #expect(p.node.statistics.signingCookiesRefused == 4)
    }

    @Test("the time kept for cookie holders is shared among source addresses: one address with valid cookies gets its share, then busy answers, while another still gets signed for")
    func cookieTimeIsShared() throws {
        var (p, id) = try HostileDatagramTests.publisher(seed: 33)
        var random = RandomSource(seed: 8)
        try Self.flood(&p, id: id, random: &random)
        let greedy = HostileDatagramTests.endpoint(7)
        let bucket = p.node.signingCookieBucket(of: greedy.address)
        let other = try #require((8..<200).lazy.map { HostileDatagramTests.endpoint($0) }.first { p.node.signingCookieBucket(of: $0.address) != bucket })
        /// Sends an INQUIRE from `source`, then again with the cookie of its busy answer: what the second got.
        func askWithCookie(from source: IPv6Endpoint, messageID: UInt32) throws -> AuthorityBuffer? {
            let inquire = Inquire(flags: [.wantCPA], validateID: id, nonce: random.bytes(16))
            try p.deliver(.inquire(inquire), messageID: messageID, from: source)
            guard let cookie = try Self.answer(of: p, acking: messageID, to: source)?.buffer.signingCookie else { return nil }
            var again = inquire
            again.signingCookie = cookie
            try p.deliver(.inquire(again), messageID: messageID + 1, from: source)
            return try Self.answer(of: p, acking: messageID + 1, to: source)?.buffer
        }
        var signed = 0, busy = 0
        for k in 0..<40 {
            guard let answer = try askWithCookie(from: greedy, messageID: 0x2000 + 2 * UInt32(k)) else { continue }
            if answer.validateCPA != nil { signed += 1 } else if answer.flags.contains(.busy) { busy += 1 }
        }
        // One sixteenth of 200 signatures a second, one second's worth at most: 12.
        print("one address with cookies, 40 INQUIREs at once: \(signed) signed for, \(busy) busy")
        #expect(signed == 12 && busy == 28)
        #expect(try askWithCookie(from: other, messageID: 0x3000)?.validateCPA != nil)
    }

    @Test("a publisher flooded with 2,500 forged INQUIREs a second stays resolvable: every resolution gets its CPA")
    func floodedPublisherResolves() throws {
        var cloud = InMemoryCloud(configuration: InMemoryCloudConfiguration(seed: 4343))
        let publisher = cloud.addNode()
        for _ in 1..<6 { cloud.addNode(bootstrap: [publisher]) }
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x44, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "flooded")
        let id = try cloud.withNode(publisher) { node, now in try node.register(name: name, key: key, now: now) }
        cloud.run(for: .seconds(60))
        var random = RandomSource(seed: 17)
        var successes = 0, signedForFlood = 0
        let signaturesBefore = cloud.nodes[publisher].statistics.signaturesMade
        for round in 0..<5 {
            // Eight seconds of flood (forged sources: the other nodes' endpoints, which drop the busy answers);
            // half a second in, a resolution from another node, which the flood outlasts.
            for _ in 0..<20_000 {
                let inquire = Inquire(flags: [.wantCPA], validateID: id, nonce: random.bytes(16))
                let bytes = try PNRPMessage(messageID: UInt32(truncatingIfNeeded: random.next()), body: .inquire(inquire)).encoded()
                cloud.inject(bytes, spoofing: 1 + Int(random.next() % 5), to: publisher, after: NodeDuration(nanoseconds: random.next() % 8_000_000_000))
            }
            cloud.run(for: .milliseconds(500))
            let from = 1 + round % 5
            if case .success(let r) = cloud.resolve(from: from, name: name, limit: .seconds(7)), r.id == id { successes += 1 }
            cloud.run(for: .seconds(8))
        }
        signedForFlood = cloud.nodes[publisher].statistics.signaturesMade - signaturesBefore
        let cookiesSent = cloud.nodes[publisher].statistics.signingCookiesSent
        print("flooded publisher: \(successes) of 5 resolutions, \(signedForFlood) signatures over the flood, \(cookiesSent) cookies sent")
        #expect(cookiesSent > 50_000, "the flood spent the signing budget")
        #expect(successes == 5)
        // Two budgets of 200 a second at most, over the 80 virtual seconds (without cookies, the same flood left
        // 2 of the 5 resolutions their CPA).
        #expect(signedForFlood <= 2 * 200 * 81)
    }

    @Test("SIGNING_COOKIE on the wire: after an INQUIRE's NONCE and as a busy AUTHORITY_BUFFER's last element; nowhere else")
    func wireForm() throws {
        let cookie = (0..<16).map { UInt8($0 * 7) }, nonce = [UInt8](repeating: 3, count: 16)
        let inquire = Inquire(flags: [.wantCPA], validateID: PNRPID(1, 2, 3, 4), nonce: nonce, signingCookie: cookie)
        let bytes = try PNRPMessage(messageID: 9, body: .inquire(inquire)).encoded()
        #expect(try PNRPMessage(decoding: bytes).body == .inquire(inquire))
        // FieldID 0x00B0, Length 20, the cookie: the datagram's last 20 bytes.
        #expect(Array(bytes.suffix(20)) == [0x00, 0xB0, 0x00, 0x14] + cookie)
        let plain = try PNRPMessage(messageID: 9, body: .inquire(Inquire(flags: [.wantCPA], validateID: PNRPID(1, 2, 3, 4), nonce: nonce))).encoded()
        #expect(bytes.count == plain.count + 20)

        let busy = AuthorityBuffer(flags: .busy, signingCookie: cookie)
        #expect(try AuthorityBuffer(decoding: try busy.encoded()) == busy)

        // A cookie without a nonce, or next to a CPA, is not sent; a short one, or one after a CPA, not read.
        #expect(throws: WireError.self) { try PNRPMessage(messageID: 9, body: .inquire(Inquire(flags: [.wantCPA], validateID: .zero, signingCookie: cookie))).encoded() }
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 5, count: 32))
        let cpa = try CPA.signed(
            name: try PeerName("0.wire"), serviceLocation: ServiceLocation(high: 0, low: 1), serviceAddresses: [HostileDatagramTests.endpoint(1)],
            payload: nil, friendlyName: nil, notAfter: (Self.t0 + .hours(1)).fileTime, nonce: nonce, key: key)
        #expect(throws: WireError.self) { try AuthorityBuffer(flags: .busy, validateCPA: cpa, signingCookie: cookie).encoded() }
        #expect(throws: WireError.self) { try AuthorityBuffer(flags: [], signingCookie: cookie).encoded() }
        // Read only in a busy answer: without flag B the element is one too many.
        var notBusy = try busy.encoded()
        notBusy[5] = 0  // FLAGS_FIELD's flags, low byte (B is 0x0008)
        #expect(throws: WireError.self) { try AuthorityBuffer(decoding: notBusy) }
        var short = bytes
        short[short.count - 17] = 0x10  // the SIGNING_COOKIE's Length: 16, twelve bytes of cookie
        short.removeLast(4)
        #expect(throws: WireError.self) { try PNRPMessage(decoding: short) }
        let withCPA = try AuthorityBuffer(flags: [], validateCPA: cpa).encoded()
        #expect(throws: WireError.self) { try AuthorityBuffer(decoding: withCPA + [0x00, 0xB0, 0x00, 0x14] + cookie) }
    }

    @Test("a resolver sends the same INQUIRE once more with a busy answer's cookie; busy again counts as an unanswered round, and the walk asks anew")
    func resolverEchoesTheCookieOnce() throws {
        let resolverEP = HostileDatagramTests.endpoint(1), publisherEP = HostileDatagramTests.endpoint(2)
        let key = try Ed25519PrivateKey(seed: [UInt8](repeating: 0x57, count: 32))
        let name = try PeerName(authority: .of(publicKey: key.publicKey.bytes), classifier: "busy-publisher")
        let id = PNRPID(p2pID: name.p2pID, serviceLocation: ServiceLocation(high: 0xFD00_0000_0000_0000, low: 0x55))
        let atPublisher = RouteEntry(id: id, port: 3540, address: publisherEP.address)
        var r = ScriptedNode(endpoint: resolverEP, seed: 23, now: Self.t0)
        try r.deliver(.flood(Flood(doNotAck: true, validateID: .zero, routeEntry: atPublisher, alreadyFlooded: [])), from: publisherEP)
        try r.answer(try r.inquire(about: id, to: publisherEP), with: AuthorityBuffer(flags: [], routeEntry: atPublisher))
        let before = r.sent.count
        let rid = r.node.resolve(name: name, now: r.now)
        try r.collect()
        if let lookup = try? r.lookup(validating: id, to: publisherEP) {
            try r.answer(lookup, with: AuthorityBuffer(flags: [], routeEntry: atPublisher))
        }
        /// The final INQUIREs sent to the publisher since the resolution started.
        func finalInquiries() -> [(message: PNRPMessage, inquire: Inquire)] {
            r.sent[before...].compactMap { sent in
                guard sent.to == publisherEP, case .inquire(let q) = sent.message.body, q.validateID == id, q.nonce != nil else { return nil }
                return (sent.message, q)
            }
        }
        let first = try #require(finalInquiries().last)
        #expect(first.inquire.signingCookie == nil)
        let cookie = [UInt8](repeating: 0xC0, count: 16)
        try r.answer((first.message, publisherEP), with: AuthorityBuffer(flags: .busy, signingCookie: cookie))
        let echoed = try #require(finalInquiries().last)
        #expect(finalInquiries().count == 2)
        #expect(echoed.inquire.nonce == first.inquire.nonce && echoed.inquire.signingCookie == cookie && echoed.inquire.flags == first.inquire.flags)
        // Busy again, with another cookie: not echoed; an unanswered round, after which the walk asks anew.
        try r.answer((echoed.message, publisherEP), with: AuthorityBuffer(flags: .busy, signingCookie: [UInt8](repeating: 0xC1, count: 16)))
        let anew = try #require(finalInquiries().last)
        #expect(finalInquiries().count == 3)
        #expect(anew.inquire.signingCookie == nil && anew.inquire.nonce != first.inquire.nonce)
        #expect(r.node.cache.entry(id) != nil, "a busy publisher is not a refused CPA")
        // The publisher, with time again, answers with its CPA: resolved.
        let cpa = try CPA.signed(
            name: name, serviceLocation: id.serviceLocation, serviceAddresses: [publisherEP], payload: nil, friendlyName: nil,
            notAfter: (Self.t0 + .hours(24)).fileTime, nonce: try #require(anew.inquire.nonce), key: key)
        try r.answer((anew.message, publisherEP), with: AuthorityBuffer(flags: [], routeEntry: atPublisher, validateCPA: cpa))
        #expect(r.events.contains { if case .resolved(rid, let result) = $0 { result.id == id } else { false } })
    }
}
