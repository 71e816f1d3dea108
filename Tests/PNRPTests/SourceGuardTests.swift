import Testing

@testable import PNRP

@Suite("Source guard: rate limits and no amplification")
struct SourceGuardTests {
    let peer = IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 9), port: 4000)
    let t0 = NodeInstant(nanoseconds: 1_000_000_000_000)

    func inquire(_ id: UInt32, nonce: Bool) throws -> [UInt8] {
        try PNRPMessage(messageID: id, body: .inquire(Inquire(flags: [.wantCPA], validateID: .zero, nonce: nonce ? [UInt8](repeating: 7, count: 16) : nil))).encoded()
    }

    func authority(answering id: UInt32, size: Int) throws -> [UInt8] {
        let fragment = [UInt8](repeating: 0, count: size)
        return try PNRPMessage(messageID: 99, body: .authority(AuthorityFragment(ackedMessageID: id, bufferSize: UInt16(size), offset: 0, fragment: fragment))).encoded()
    }

    @Test("Replies within the bytes received go out; a larger one is held and a probe sent")
    func budget() throws {
        var g = SourceGuard(random: NodeRandom(seed: 5))
        let request = try inquire(1, nonce: true)
        #expect(g.admit(request, from: peer, now: t0) == .deliver(release: []))
        let small = try authority(answering: 1, size: 8)
        #expect(small.count <= request.count)
        #expect(g.reply(small, to: peer, now: t0) == .send)
        let large = try authority(answering: 1, size: 300)
        // The small reply used most of the budget: the probe must wait for more bytes from the peer.
        #expect(g.reply(large, to: peer, now: t0) == .held(probe: nil))
        #expect(g.admit(try inquire(2, nonce: true), from: peer, now: t0) == .deliver(release: []))
        let due = g.probeIfDue(for: peer, now: t0)
        let probe = try #require(due)
        #expect(probe.count == SourceGuard.probeLength)
        // The probe's answer echoes its Message ID: the held reply is released and the peer validated.
        let probeID = try #require(DatagramPeek.messageID(of: probe))
        let answer = try authority(answering: probeID, size: 8)
        #expect(g.admit(answer, from: peer, now: t0) == .probeAnswered(release: [large]))
        #expect(g.probesSent == 1)
        #expect(g.isValidated(peer, now: t0))
        #expect(g.reply(large, to: peer, now: t0) == .send)
    }

    @Test("A forged answer from another address does not validate the peer")
    func forgedEcho() throws {
        var g = SourceGuard(random: NodeRandom(seed: 5))
        _ = g.admit(try inquire(1, nonce: true), from: peer, now: t0)
        guard case .held(let probe?) = g.reply(try authority(answering: 1, size: 400), to: peer, now: t0) else {
            Issue.record("expected a probe")
            return
        }
        let other = IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 10), port: 4000)
        let answer = try authority(answering: DatagramPeek.messageID(of: probe)!, size: 8)
        #expect(g.admit(answer, from: other, now: t0) == .deliver(release: []))
        #expect(!g.isValidated(peer, now: t0))
    }

    @Test("An answer to one of our own requests validates its sender")
    func echoOfRequest() throws {
        var g = SourceGuard(random: NodeRandom(seed: 5))
        _ = g.outgoing(try inquire(0xABCD, nonce: false), kind: OutgoingKind(messageType: MessageType.inquire.rawValue, role: .request), to: peer, now: t0)
        #expect(!g.isValidated(peer, now: t0))
        _ = g.admit(try authority(answering: 0xABCD, size: 8), from: peer, now: t0)
        #expect(g.isValidated(peer, now: t0))
    }

    @Test("Spoofed small requests never make us send more bytes than they carried")
    func noAmplification() throws {
        var g = SourceGuard(random: NodeRandom(seed: 5))
        var bytesIn = 0, bytesOut = 0
        for i in 0..<1000 {
            let request = try inquire(UInt32(i), nonce: i % 2 == 0)
            let now = t0 + .milliseconds(UInt64(i) * 10)
            guard g.admit(request, from: peer, now: now) == .deliver(release: []) else { continue }
            bytesIn += request.count
            bytesOut += g.probeIfDue(for: peer, now: now)?.count ?? 0
            switch g.reply(try authority(answering: UInt32(i), size: 300), to: peer, now: now) {
            case .send: bytesOut += 328
            case .held(let probe): bytesOut += probe?.count ?? 0
            case .dropped: break
            }
            #expect(bytesOut <= bytesIn)
        }
    }

    @Test("A source over its rate is dropped, then recovers")
    func rateLimit() throws {
        var limits = SourceGuard.Limits()
        limits.ratePerSecond = 10
        limits.burst = 20
        var g = SourceGuard(limits: limits, random: NodeRandom(seed: 5))
        let d = try inquire(1, nonce: false)
        var delivered = 0
        for _ in 0..<100 where g.admit(d, from: peer, now: t0) == .deliver(release: []) { delivered += 1 }
        #expect(delivered == 20)
        #expect(g.rateLimited == 80)
        #expect(g.admit(d, from: peer, now: t0 + .seconds(1)) == .deliver(release: []))
    }

    @Test("A reply no larger than the datagram it answers goes out even while bigger replies are held")
    func smallReplyPassesHeldQueue() {
        var guardian = SourceGuard(random: NodeRandom(seed: 5))
        // A 60-byte request asks for a 400-byte answer: held, and a probe goes out instead.
        #expect(guardian.admit([UInt8](repeating: 0, count: 60), from: peer, now: t0) == .deliver(release: []))
        guard case .held(let probe?) = guardian.reply([UInt8](repeating: 1, count: 400), to: peer, now: t0) else {
            Issue.record("the oversized reply was not held with a probe")
            return
        }
        #expect(probe.count == 56)
        // Another 56-byte question: a 36-byte answer must not wait behind the held reply.
        #expect(guardian.admit([UInt8](repeating: 0, count: 56), from: peer, now: t0) == .deliver(release: []))
        #expect(guardian.reply([UInt8](repeating: 2, count: 36), to: peer, now: t0) == .send)
        // The credit of one datagram is spent once: a second answer to it waits.
        #expect(guardian.reply([UInt8](repeating: 3, count: 36), to: peer, now: t0) != .send)
    }
}
