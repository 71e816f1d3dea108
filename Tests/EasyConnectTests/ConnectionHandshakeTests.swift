import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

@Suite("Connection handshake, message by message", .onComputeThread)
struct ConnectionHandshakeTests {
    @Test("Right password: greeting, PAKE, identities, consent, then Screen Sharing on both sides")
    func success() throws {
        var pair = ConnectionPair()
        let (h, u) = pair.pump()
        #expect(h == [.greeted, .authenticated, .awaitingConsent(PeerIdentity(key: Fixtures.userIdentity.key.publicKey, displayName: "Ursula", computerName: "ursula-laptop"))])
        guard case .consentRequested(let helper) = u.last else {
            Issue.record("no consent request: \(u)")
            return
        }
        #expect(u.first == .authenticated)
        #expect(helper.displayName == "Hector" && helper.key == Fixtures.helperIdentity.key.publicKey)
        #expect(helper.contactAddress == Hex.encode(SHA1.hash(Fixtures.helperIdentity.key.publicKey.bytes)) + ".RAContact")
        try pair.user.answerConsent(true, now: pair.now)
        let (h2, u2) = pair.pump()
        guard case .connected = h2.last, case .connected = u2.last else {
            Issue.record("not connected: \(h2) \(u2)")
            return
        }
        #expect(pair.helper.sharing == .screenSharing && pair.user.sharing == .screenSharing)
        #expect(pair.helper.isInSession && pair.user.isInSession)
    }

    @Test("Rest of the password wrong: both sides fail at once with the mismatch, the User counts an attempt")
    func wrongPassword() {
        var pair = ConnectionPair(helperPassword: Fixtures.password("BCDF GHJK MNPR"))
        pair.pump()
        pair.advance(seconds: 2)
        #expect(pair.userEvents.contains(.attemptFailed))
        #expect(pair.userEvents.filter { $0 == .attemptFailed }.count == 1)
        guard case .refusedByUs(let r)? = pair.helper.closeReason else {
            Issue.record("helper: \(String(describing: pair.helper.closeReason))")
            return
        }
        #expect(r.code == .passwordMismatch && r.reason == "the password does not match this invitation")
        guard case .refusedByPeer(let r2)? = pair.user.closeReason else {
            Issue.record("user: \(String(describing: pair.user.closeReason))")
            return
        }
        #expect(r2.code == .passwordMismatch)
        #expect(!pair.helperEvents.contains(.authenticated) && !pair.userEvents.contains(.authenticated))
    }

    @Test("The third failure tells the Helper that the invitation was withdrawn")
    func withdrawnVerdict() {
        var pair = ConnectionPair(helperPassword: Fixtures.password("BCDF GHJK MNPR"))
        pair.user.refusalOnFailure = Refusal(code: .invitationWithdrawn, reason: "withdrawn")
        pair.pump()
        guard case .refusedByPeer(let r)? = pair.helper.closeReason else {
            Issue.record("helper: \(String(describing: pair.helper.closeReason))")
            return
        }
        #expect(r.code == .invitationWithdrawn)
    }

    @Test("A connection to a listener holding another invitation ends at the greeting, before any PAKE")
    func otherInvitation() {
        var other = Fixtures.invitation()
        other.id = [UInt8](repeating: 9, count: 16)
        var pair = ConnectionPair()
        pair.helper = EasyConnectConnection(helperWith: Fixtures.password(), invitation: other, identity: Fixtures.helperIdentity, randomSeed: Fixtures.seed(3), now: pair.now)
        pair.pump()
        guard case .refusedByUs(let r)? = pair.helper.closeReason else {
            Issue.record("\(String(describing: pair.helper.closeReason))")
            return
        }
        #expect(r.code == .noSuchInvitation)
        #expect(!pair.userEvents.contains(.attemptFailed))
    }

    @Test("Declined and unanswered consent end both sides with the right reason")
    func consent() throws {
        var declined = ConnectionPair()
        declined.pump()
        try declined.user.answerConsent(false, now: declined.now)
        declined.pump()
        guard case .refusedByPeer(let r)? = declined.helper.closeReason else {
            Issue.record("\(String(describing: declined.helper.closeReason))")
            return
        }
        #expect(r.code == .declined)

        var config = ConnectionConfiguration()
        config.consentTimeout = .seconds(5)
        var silent = ConnectionPair(configuration: config)
        silent.pump()
        silent.advance(seconds: 6)
        #expect(silent.helper.closeReason == .consentTimedOut)
        #expect(silent.user.closeReason == .consentTimedOut)
        #expect(DisconnectReason.consentTimedOut.description == "the person you are trying to help isn't responding")
        #expect(throws: SessionCommandError.self) { try silent.helper.answerConsent(true, now: silent.now) }
    }

    @Test("A truncated handshake times out, and an abandoned attempt counts against the invitation")
    func truncated() {
        var pair = ConnectionPair()
        _ = pair.user.takeOutput()
        pair.helper.receive(RecordBuffer.frame(try! HandshakeMessage.greeting(tag: Fixtures.invitation().greetingTag).encoded()), now: pair.now)
        #expect(pair.helper.takeOutput().isEmpty, "no PAKE before the driver picks this endpoint")
        try! pair.helper.beginHandshake(now: pair.now)
        let hello = pair.helper.takeOutput()
        for r in hello { pair.user.receive(r, now: pair.now) }
        _ = pair.user.takeOutput()  // the userHello never reaches the Helper
        pair.helper.transportClosed(now: pair.now)
        pair.user.transportClosed(now: pair.now)
        #expect(pair.user.takeEvents().contains(.attemptFailed))
        #expect(pair.user.closeReason == .connectionLost)

        var slow = ConnectionPair()
        slow.advance(seconds: 20)
        #expect(slow.helper.closeReason == .handshakeTimedOut)
    }

    @Test("Hostile handshake records: garbage, wrong order, oversized lengths, invalid shares are refused cleanly")
    func hostile() throws {
        let sid = [UInt8](repeating: 1, count: 16)
        let proof = HandshakeMessage.invitationProof(invitationID: Fixtures.invitation().id, sessionID: sid)
        let garbage: [[UInt8]] = [
            [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF, 1], RecordBuffer.frame([0x77]), RecordBuffer.frame([0x02, 1, 2]),
            RecordBuffer.frame(try HandshakeMessage.helperFinish(confirmation: [UInt8](repeating: 0, count: 64), streamHeader: [UInt8](repeating: 0, count: 24)).encoded()),
            RecordBuffer.frame(try HandshakeMessage.helperHello(sessionID: sid, proof: proof, share: [UInt8](repeating: 0, count: 32)).encoded()),
            RecordBuffer.frame(try HandshakeMessage.helperHello(sessionID: sid, proof: proof, share: [UInt8](repeating: 0xFF, count: 32)).encoded()),
        ]
        for g in garbage {
            var user = EasyConnectConnection(userWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.userIdentity, randomSeed: Fixtures.seed(4), now: Fixtures.now)
            user.receive(g, now: Fixtures.now)
            #expect(user.isClosed, "accepted \(g)")
            guard case .protocolViolation? = user.closeReason else {
                Issue.record("\(g): \(String(describing: user.closeReason))")
                continue
            }
        }
        // Random bytes in random pieces never trap.
        var entropy = DeterministicEntropy(seed: 77)
        for _ in 0..<500 {
            var user = EasyConnectConnection(userWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.userIdentity, randomSeed: Fixtures.seed(4), now: Fixtures.now)
            var helper = EasyConnectConnection(helperWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.helperIdentity, randomSeed: Fixtures.seed(5), now: Fixtures.now)
            let noise = entropy.bytes(entropy.uniform(256))
            user.receive(noise, now: Fixtures.now)
            helper.receive(noise, now: Fixtures.now)
        }
    }

    @Test("A helperHello without proof of the invitation is refused before any PAKE and costs no attempt")
    func noProof() throws {
        var user = EasyConnectConnection(userWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.userIdentity, randomSeed: Fixtures.seed(4), now: Fixtures.now)
        _ = user.takeOutput()
        var helper = EasyConnectConnection(helperWith: Fixtures.password(), invitation: Fixtures.invitation(), identity: Fixtures.helperIdentity, randomSeed: Fixtures.seed(5), now: Fixtures.now)
        helper.receive(RecordBuffer.frame(try HandshakeMessage.greeting(tag: Fixtures.invitation().greetingTag).encoded()), now: Fixtures.now)
        try helper.beginHandshake(now: Fixtures.now)
        guard case .helperHello(let sid, _, let share)? = helper.takeOutput().first.flatMap({ try? HandshakeMessage(decoding: Array($0.dropFirst(4))) }) else {
            Issue.record("no helperHello")
            return
        }
        user.receive(RecordBuffer.frame(try HandshakeMessage.helperHello(sessionID: sid, proof: [UInt8](repeating: 0, count: 16), share: share).encoded()), now: Fixtures.now)
        #expect(!user.takeEvents().contains(.attemptFailed))
        guard case .refusedByUs(let r)? = user.closeReason else {
            Issue.record("\(String(describing: user.closeReason))")
            return
        }
        #expect(r.code == .noSuchInvitation)
        guard let reply = user.takeOutput().first, case .refusal? = try? HandshakeMessage(decoding: Array(reply.dropFirst(4))) else {
            Issue.record("the User answered with something else than a refusal (a PAKE share?)")
            return
        }
    }

    @Test("Handshake and session messages round-trip through their codecs")
    func codecs() throws {
        let messages: [HandshakeMessage] = [
            .greeting(tag: [UInt8](repeating: 1, count: 16)), .helperHello(sessionID: [UInt8](repeating: 2, count: 16), proof: [UInt8](repeating: 9, count: 16), share: [UInt8](repeating: 3, count: 32)),
            .userHello(share: [UInt8](repeating: 4, count: 32), confirmation: [UInt8](repeating: 5, count: 64), streamHeader: [UInt8](repeating: 6, count: 24)),
            .helperFinish(confirmation: [UInt8](repeating: 7, count: 64), streamHeader: [UInt8](repeating: 8, count: 24)),
            .refusal(Refusal(code: .busy, reason: "another helper")),
        ]
        for m in messages {
            let b = try m.encoded()
            #expect(try HandshakeMessage(decoding: b) == m)
            for cut in 0..<b.count { #expect(throws: MessageError.self) { try HandshakeMessage(decoding: Array(b.prefix(cut))) } }
        }
        let session: [SessionMessage] = [
            .helperIdentity(key: [UInt8](repeating: 1, count: 32), displayName: "H", computerName: "c", signature: [UInt8](repeating: 2, count: 64)),
            .userIdentity(signature: [UInt8](repeating: 3, count: 64)), .consent(.accepted), .chat("héllo"), .controlRequest, .controlGrant, .controlDeny,
            .controlEnd(.panic), .pause, .resume, .fileOffer(id: 1, size: 1 << 40, name: "a.txt"), .fileAccept(id: 1), .fileDecline(id: 3),
            .fileChunk(id: 1, bytes: [1, 2, 3]), .fileEnd(id: 1, sha256: [UInt8](repeating: 9, count: 32)), .fileCancel(id: 2, reason: "no"),
            .fileResult(id: 2, stored: true, reason: ""), .ping, .pong, .disconnect(Refusal(code: .normal, reason: "bye")),
        ]
        for m in session {
            let b = try m.encoded()
            #expect(try SessionMessage(decoding: b) == m)
        }
        #expect(throws: MessageError.self) { try SessionMessage.chat(String(repeating: "x", count: 4097)).encoded() }
    }
}
