import EasyConnect
import PNRP
import NetworkLab
import Testing

/// A User's invitation and any number of Helper connections to it, in memory and virtual time.
struct InvitationHarness {
    var invitation: UserInvitation
    var helpers: [ConnectionID: EasyConnectConnection] = [:]
    var now = Fixtures.now
    var userEvents: [UserInvitationEvent] = []
    var revoked = false
    var listening = true
    var closed: Set<ConnectionID> = []
    var nextID: UInt64 = 1

    init(configuration: UserInvitationConfiguration = UserInvitationConfiguration(), expiresIn: UInt64 = 1800) {
        invitation = UserInvitation(password: Fixtures.password(), invitation: Fixtures.invitation(expiresIn: expiresIn), identity: Fixtures.userIdentity, configuration: configuration, randomSeed: Fixtures.seed(20))
    }

    /// A Helper connects with `password` and identity number `n`.
    mutating func connect(password: String = "BCDF GHJK MNPQ", identity n: UInt8 = 2) -> ConnectionID {
        let id = ConnectionID(nextID)
        nextID += 1
        let identity = LocalIdentity(key: Fixtures.key(n), displayName: "Helper\(n)", computerName: "pc\(n)")
        helpers[id] = EasyConnectConnection(helperWith: Fixtures.password(password), invitation: Fixtures.invitation(), identity: identity, randomSeed: Fixtures.seed(n &+ 100), now: now)
        invitation.accept(id, now: now)
        return id
    }

    mutating func pump() {
        for _ in 0..<1_000 {
            var moved = false
            for effect in invitation.takeEffects() {
                switch effect {
                case .send(let id, let records):
                    for r in records where helpers[id]?.isClosed == false { helpers[id]!.receive(r, now: now) }
                    moved = true
                case .close(let id):
                    closed.insert(id)
                    helpers[id]?.transportClosed(now: now)
                case .revokeNames: revoked = true
                case .stopListening: listening = false
                case .event(let e): userEvents.append(e)
                }
            }
            for id in helpers.keys.sorted() {
                if helpers[id]!.takeEvents().contains(.greeted) { try? helpers[id]!.beginHandshake(now: now) }
                let out = helpers[id]!.takeOutput()
                if !out.isEmpty { moved = true }
                if !closed.contains(id) { for r in out { invitation.receive(id, r, now: now) } }
                if helpers[id]!.isClosed, !closed.contains(id) {
                    closed.insert(id)
                    invitation.transportClosed(id, now: now)
                    moved = true
                }
            }
            if !moved { break }
        }
    }

    /// Which connections the User has sent its PAKE share (a userHello) to.
    var userHelloSent: Set<ConnectionID> = []

    /// Delivers the greetings to the Helpers and their helperHellos to the User, holding back everything
    /// the User answers after that.
    mutating func pumpUntilHelloes() {
        for effect in invitation.takeEffects() {
            if case .send(let id, let records) = effect { for r in records { helpers[id]?.receive(r, now: now) } }
        }
        for id in helpers.keys.sorted() {
            if helpers[id]!.takeEvents().contains(.greeted) { try? helpers[id]!.beginHandshake(now: now) }
            for r in helpers[id]!.takeOutput() { invitation.receive(id, r, now: now) }
        }
        for effect in invitation.takeEffects() {
            if case .send(let id, let records) = effect,
                records.contains(where: { if case .userHello? = try? HandshakeMessage(decoding: Array($0.dropFirst(4))) { true } else { false } })
            {
                userHelloSent.insert(id)
            }
        }
    }

    mutating func advance(seconds: UInt64) {
        let end = now + .seconds(seconds)
        for _ in 0..<10_000 {
            let deadlines = [invitation.nextDeadline] + helpers.values.map(\.nextDeadline)
            guard let next = deadlines.compactMap({ $0 }).filter({ $0 <= end }).min() else { break }
            now = max(now, next)
            invitation.poll(now: now)
            for id in helpers.keys.sorted() { helpers[id]!.poll(now: now) }
            pump()
        }
        now = end
    }

    func helperReason(_ id: ConnectionID) -> Refusal.Code? {
        switch helpers[id]?.closeReason {
        case .refusedByPeer(let r)?, .refusedByUs(let r)?: r.code
        default: nil
        }
    }
}

@Suite("The User's invitation: attempts, racing helpers, consent queue, expiry", .onComputeThread)
struct UserInvitationTests {
    @Test("Three wrong passwords withdraw the invitation; the third Helper is told a new invitation is needed")
    func threeFailures() {
        var h = InvitationHarness()
        for n in 1...3 {
            let id = h.connect(password: "BCDF GHJK MNP\(n + 1)", identity: UInt8(n + 2))
            h.pump()
            h.advance(seconds: 2)
            #expect(h.userEvents.contains(.attemptFailed(remaining: 3 - n)))
            #expect(h.helperReason(id) == (n < 3 ? .passwordMismatch : .invitationWithdrawn))
        }
        #expect(h.invitation.state == .ended(.tooManyFailedAttempts))
        #expect(h.revoked && !h.listening)
        #expect(h.userEvents.contains(.invitationEnded(.tooManyFailedAttempts)))
    }

    @Test("Eight Helpers trying passwords at once get at most three PAKE answers: failed plus open attempts never exceed the limit")
    func parallelAttemptsBounded() {
        var h = InvitationHarness()
        var ids: [ConnectionID] = []
        for n in 0..<8 { ids.append(h.connect(password: "BCDF GHJK MNP\(["B", "C", "D", "F", "G", "H", "J", "K"][n])", identity: UInt8(10 + n))) }
        // Deliver only the greetings and the helperHellos: every Helper is waiting for a userHello.
        h.pumpUntilHelloes()
        let answered = ids.filter { h.userHelloSent.contains($0) }
        #expect(answered.count == 3, "the User answered \(answered.count) PAKE attempts at once")
        // The answers never arrive: the three open attempts time out as abandoned ones.
        h.advance(seconds: 20)
        #expect(h.invitation.failedAttempts == 3)
        #expect(h.invitation.state == .ended(.tooManyFailedAttempts))
    }

    @Test("A stranger racing the real Helper is refused on its own connection; the real pair connects")
    func racingStranger() throws {
        var h = InvitationHarness()
        let real = h.connect()
        let stranger = h.connect(password: "BCDF GHJK ZZZZ", identity: 9)
        h.pump()
        h.advance(seconds: 2)
        #expect(h.helperReason(stranger) == .passwordMismatch)
        guard case .consentRequested(real, let peer)? = h.userEvents.first(where: { if case .consentRequested = $0 { true } else { false } }) else {
            Issue.record("no consent request: \(h.userEvents)")
            return
        }
        #expect(peer.displayName == "Helper2")
        try h.invitation.answerConsent(real, accept: true, now: h.now)
        h.pump()
        #expect(h.invitation.state == .inSession(real))
        #expect(h.helpers[real]!.isInSession)
        #expect(h.revoked && !h.listening)
        #expect(h.invitation.failedAttempts == 1)
    }

    @Test("A second Helper with the right password waits; it is refused as busy once the first is accepted")
    func secondHelper() throws {
        var h = InvitationHarness()
        let first = h.connect(identity: 2)
        let second = h.connect(identity: 3)
        h.pump()
        let prompts = h.userEvents.compactMap { if case .consentRequested(let id, _) = $0 { id } else { nil } }
        #expect(prompts == [first], "one question at a time")
        try h.invitation.answerConsent(first, accept: true, now: h.now)
        h.pump()
        #expect(h.helperReason(second) == .busy)
        #expect(h.helpers[first]!.isInSession)
        // A third arriving later finds no listener: the effects asked to stop listening, and a late
        // accept is closed at once.
        let late = h.connect(identity: 4)
        h.pump()
        #expect(h.closed.contains(late))
    }

    @Test("The end of the session ends the invitation, after the session's own closing event")
    func sessionEndEndsInvitation() throws {
        var h = InvitationHarness()
        let id = h.connect()
        h.pump()
        try h.invitation.answerConsent(id, accept: true, now: h.now)
        h.pump()
        #expect(h.invitation.state == .inSession(id))
        h.helpers[id]!.disconnect(reason: "done", now: h.now)
        h.pump()
        #expect(h.invitation.state == .ended(.sessionEnded(.peerEnded("done"))))
        #expect(Array(h.userEvents.suffix(2)) == [.session(id, .closed(.peerEnded("done"))), .invitationEnded(.sessionEnded(.peerEnded("done")))])
    }

    @Test("Declining the first Helper asks about the next one")
    func declineThenNext() throws {
        var h = InvitationHarness()
        let first = h.connect(identity: 2)
        let second = h.connect(identity: 3)
        h.pump()
        try h.invitation.answerConsent(first, accept: false, now: h.now)
        h.pump()
        #expect(h.helperReason(first) == .declined)
        #expect(h.userEvents.contains(where: { if case .consentRequested(second, _) = $0 { true } else { false } }))
        #expect(throws: SessionCommandError.self) { try h.invitation.answerConsent(first, accept: true, now: h.now) }
    }

    @Test("An invitation nobody answers expires and refuses Helpers still connecting")
    func expiry() {
        var h = InvitationHarness(expiresIn: 60)
        h.advance(seconds: 61)
        #expect(h.invitation.state == .ended(.expired))
        #expect(h.revoked)
    }

    @Test("Cancelling revokes the names and refuses every waiting Helper")
    func cancel() {
        var h = InvitationHarness()
        let id = h.connect()
        h.pump()
        h.invitation.cancel(now: h.now)
        h.pump()
        #expect(h.invitation.state == .ended(.cancelled))
        #expect(h.helperReason(id) == .noSuchInvitation)
    }
}
