@_spi(Testing) import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

@Suite("Session rules, message by message", .onComputeThread)
struct ConnectionSessionTests {
    @Test("Chat both ways; nothing of it appears in clear on the wire")
    func chat() throws {
        var pair = ConnectionPair()
        pair.connect()
        try pair.helper.sendChat("hello from the helper", now: pair.now)
        try pair.user.sendChat("thanks, it is the printer", now: pair.now)
        let (h, u) = pair.pump()
        #expect(h == [.chat("thanks, it is the printer")])
        #expect(u == [.chat("hello from the helper")])
        let everything = pair.wire.flatMap { $0 }
        for secret in ["hello from", "printer", "BCDFGHJKMNPQ", "Hector", "Ursula"] { #expect(!contains(everything, Array(secret.utf8)), "\(secret) in clear") }
        #expect(throws: SessionCommandError.self) { try pair.user.sendChat("", now: pair.now) }
        #expect(throws: SessionCommandError.self) { try pair.user.sendChat(String(repeating: "é", count: 3000), now: pair.now) }
    }

    @Test("Control: request, grant, panic key back to Screen Sharing; give up from each side; deny")
    func control() throws {
        var pair = ConnectionPair()
        pair.connect()
        #expect(throws: SessionCommandError.wrongRole(action: "request control", allowedFor: .helper)) { try pair.user.requestControl(now: pair.now) }
        #expect(throws: SessionCommandError.self) { try pair.user.grantControl(now: pair.now) }
        try pair.helper.requestControl(now: pair.now)
        #expect(throws: SessionCommandError.self) { try pair.helper.requestControl(now: pair.now) }
        #expect(pair.pump().user == [.controlRequested])
        try pair.user.grantControl(now: pair.now)
        #expect(pair.user.sharing == .controlSharing)
        #expect(pair.pump().helper == [.controlGranted])
        #expect(pair.helper.sharing == .controlSharing)
        try pair.user.panic(now: pair.now)
        #expect(pair.user.sharing == .screenSharing)
        #expect(pair.pump().helper == [.controlEnded(.panic)])
        #expect(pair.helper.sharing == .screenSharing)
        #expect(throws: SessionCommandError.self) { try pair.user.panic(now: pair.now) }

        for giver in ["helper", "user"] {
            try pair.helper.requestControl(now: pair.now)
            pair.pump()
            try pair.user.grantControl(now: pair.now)
            pair.pump()
            if giver == "helper" { try pair.helper.giveUpControl(now: pair.now) } else { try pair.user.giveUpControl(now: pair.now) }
            let (h, u) = pair.pump()
            let expected: ConnectionEvent = .controlEnded(giver == "helper" ? .helperGaveUp : .userTookBack)
            #expect((giver == "helper" ? u : h) == [expected])
            #expect(pair.helper.sharing == .screenSharing && pair.user.sharing == .screenSharing)
        }
        try pair.helper.requestControl(now: pair.now)
        pair.pump()
        try pair.user.denyControl(now: pair.now)
        #expect(pair.pump().helper == [.controlDenied])
        #expect(pair.helper.sharing == .screenSharing && !pair.helper.controlRequestPending)
    }

    @Test("Pause and resume belong to the User")
    func pause() throws {
        var pair = ConnectionPair()
        pair.connect()
        #expect(throws: SessionCommandError.self) { try pair.helper.pause(now: pair.now) }
        try pair.user.pause(now: pair.now)
        #expect(pair.pump().helper == [.paused])
        #expect(pair.helper.isPaused)
        try pair.user.resume(now: pair.now)
        #expect(pair.pump().helper == [.resumed])
        #expect(throws: SessionCommandError.self) { try pair.user.resume(now: pair.now) }
    }

    @Test("A Helper that grants itself control or pauses the User is cut off as a protocol violation")
    func forbiddenMessages() throws {
        // A Helper cannot forge the User's messages: its connection refuses to send them, so the test
        // speaks for it through a second, misbehaving session.
        for forged in [SessionMessage.controlGrant, .pause, .controlEnd(.panic), .consent(.accepted), .userIdentity(signature: [UInt8](repeating: 0, count: 64))] {
            var pair = ConnectionPair()
            pair.connect()
            pair.user.receive(try MisbehavingPeer.seal(forged, in: &pair), now: pair.now)
            guard case .protocolViolation? = pair.user.closeReason else {
                Issue.record("\(forged) accepted: \(String(describing: pair.user.closeReason))")
                continue
            }
        }
    }

    @Test("Altered, replayed or reordered encrypted records end the session as a violation")
    func tampering() throws {
        func twoChats() throws -> (ConnectionPair, [[UInt8]]) {
            var pair = ConnectionPair()
            pair.connect()
            try pair.helper.sendChat("one", now: pair.now)
            try pair.helper.sendChat("two", now: pair.now)
            return (pair, pair.helper.takeOutput())
        }
        var (a, ra) = try twoChats()
        ra[0][ra[0].count - 3] ^= 0x40
        a.user.receive(ra[0], now: a.now)
        #expect({ if case .protocolViolation? = a.user.closeReason { true } else { false } }())
        var (b, rb) = try twoChats()
        b.user.receive(rb[1], now: b.now)  // out of order
        #expect(b.user.isClosed)
        var (c, rc) = try twoChats()
        c.user.receive(rc[0], now: c.now)
        c.user.receive(rc[0], now: c.now)  // replay
        #expect(c.user.takeEvents().first == .chat("one"))
        #expect(c.user.isClosed)
    }

    @Test("Disconnect from either side, a dropped connection, or a silent peer end both sides with the reason")
    func ending() throws {
        var pair = ConnectionPair()
        pair.connect()
        pair.helper.disconnect(reason: "done", now: pair.now)
        pair.pump()
        #expect(pair.helper.closeReason == .local("done"))
        #expect(pair.user.closeReason == .peerEnded("done"))

        var dropped = ConnectionPair()
        dropped.connect()
        dropped.user.transportClosed(now: dropped.now)
        #expect(dropped.user.closeReason == .connectionLost)

        var silent = ConnectionPair()
        silent.connect()
        // The Helper's records stop arriving: the User hears nothing for the silence limit.
        for _ in 0..<20 {
            silent.now = silent.now + .seconds(1)
            silent.user.poll(now: silent.now)
            _ = silent.user.takeOutput()
        }
        #expect(silent.user.closeReason == .peerSilent(seconds: 20))

        var alive = ConnectionPair()
        alive.connect()
        alive.advance(seconds: 60)
        #expect(!alive.helper.isClosed && !alive.user.isClosed, "keepalive pings keep an idle session open")
    }
}

/// Seals arbitrary session messages with the Helper's keys, as a modified Helper program could: the
/// Helper's own connection refuses such commands, so the record is sealed directly on its channel.
enum MisbehavingPeer {
    /// One encrypted record carrying `message` from the pair's Helper.
    static func seal(_ message: SessionMessage, in pair: inout ConnectionPair) throws -> [UInt8] {
        try pair.helper.sealForTesting(message)
    }
}
