@_spi(Testing) @testable import EasyConnect
import PNRP
import PeerCrypto
import NetworkLab
import Testing

/// The session rules of a shared terminal, on two connections in memory: screen frames flow from the User
/// to the Helper only, and never while paused; keystrokes flow from the Helper to the User and count only in
/// Control Sharing; window sizes come from the Helper, the end of the program from the User. A modified
/// Helper (or User) that breaks a rule ends the session as a protocol violation.
@Suite("Terminal session rules", .onComputeThread)
struct TerminalSessionRulesTests {
    static let frame = Array("a screen frame".utf8)

    static func isViolation(_ reason: DisconnectReason?) -> Bool {
        if case .protocolViolation? = reason { true } else { false }
    }

    /// A connected pair with control granted to the Helper.
    static func controlledPair() throws -> ConnectionPair {
        var pair = ConnectionPair()
        pair.connect()
        try pair.helper.requestControl(now: pair.now)
        pair.pump()
        try pair.user.grantControl(now: pair.now)
        pair.pump()
        return pair
    }

    @Test("Frames from the User reach the Helper as terminalFrame, with their encoding")
    func framesReachTheHelper() throws {
        var pair = ConnectionPair()
        pair.connect()
        try pair.user.sendTerminalFrame(encoding: .plain, body: Self.frame, now: pair.now)
        try pair.user.sendTerminalFrame(encoding: .deflate, body: [1, 2, 3], now: pair.now)
        #expect(pair.pump().helper == [.terminalFrame(encoding: .plain, body: Self.frame), .terminalFrame(encoding: .deflate, body: [1, 2, 3])])
        #expect(throws: SessionCommandError.self) { try pair.helper.sendTerminalFrame(encoding: .plain, body: Self.frame, now: pair.now) }
        // A frame is one record: a body too large for one is refused before anything is sent.
        #expect(throws: SessionCommandError.self) {
            try pair.user.sendTerminalFrame(encoding: .plain, body: [UInt8](repeating: 0, count: ConnectionConfiguration().maximumRecordBytes), now: pair.now)
        }
        #expect(pair.user.takeOutput().isEmpty)
    }

    @Test("A frame sealed by a modified Helper is a protocol violation for the User")
    func frameFromTheHelper() throws {
        var pair = ConnectionPair()
        pair.connect()
        pair.user.receive(try pair.helper.sealForTesting(.terminalFrame(encoding: .plain, body: Self.frame)), now: pair.now)
        #expect(Self.isViolation(pair.user.closeReason))
        #expect(!pair.user.takeEvents().contains(.terminalFrame(encoding: .plain, body: Self.frame)))
    }

    @Test("Before control, the Helper cannot send keystrokes; forged ones reach the User only as ignored")
    func inputBeforeControl() throws {
        var pair = ConnectionPair()
        pair.connect()
        #expect(throws: SessionCommandError.self) { try pair.helper.sendTerminalInput(Array("rm -rf ~\r".utf8), now: pair.now) }
        #expect(pair.helper.takeOutput().isEmpty)
        #expect(throws: SessionCommandError.wrongRole(action: "type into the shared terminal", allowedFor: .helper)) {
            try pair.user.sendTerminalInput([0x61], now: pair.now)
        }
        pair.user.receive(try pair.helper.sealForTesting(.terminalInput(Array("rm -rf ~\r".utf8))), now: pair.now)
        #expect(pair.user.takeEvents() == [.terminalInputIgnored(bytes: 9)])
        #expect(!pair.user.isClosed, "keystrokes crossing the end of control are not a violation")
    }

    @Test("After the grant keystrokes arrive; after the panic key they are ignored again")
    func inputAroundControl() throws {
        var pair = try Self.controlledPair()
        try pair.helper.sendTerminalInput(Array("ls\r".utf8), now: pair.now)
        #expect(pair.pump().user == [.terminalInput(Array("ls\r".utf8))])
        // Long input is split into records of at most maximumInputBytes, in order.
        let long = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 % 94 + 33) }
        try pair.helper.sendTerminalInput(long, now: pair.now)
        let pieces = pair.pump().user.compactMap { if case .terminalInput(let b) = $0 { b } else { nil } }
        #expect(pieces.count == 3 && pieces.allSatisfy { $0.count <= SessionMessage.maximumInputBytes })
        #expect(pieces.flatMap { $0 } == long)
        // Keystrokes the Helper sent just before the User's panic key cross it: ignored.
        try pair.helper.sendTerminalInput(Array("x".utf8), now: pair.now)
        let crossing = pair.helper.takeOutput()
        try pair.user.panic(now: pair.now)
        for record in crossing { pair.user.receive(record, now: pair.now) }
        #expect(pair.user.takeEvents() == [.controlEnded(.panic), .terminalInputIgnored(bytes: 1)])
        pair.pump()
        #expect(throws: SessionCommandError.self) { try pair.helper.sendTerminalInput(Array("x".utf8), now: pair.now) }
        pair.user.receive(try pair.helper.sealForTesting(.terminalInput(Array("y".utf8))), now: pair.now)
        #expect(pair.user.takeEvents() == [.terminalInputIgnored(bytes: 1)])
    }

    @Test("No frame leaves while paused, and one that arrives while the Helper sees a pause is a violation")
    func pausedFrames() throws {
        var pair = ConnectionPair()
        pair.connect()
        try pair.user.pause(now: pair.now)
        #expect(throws: SessionCommandError.self) { try pair.user.sendTerminalFrame(encoding: .plain, body: Self.frame, now: pair.now) }
        #expect(pair.pump().helper == [.paused])
        try pair.user.resume(now: pair.now)
        pair.pump()
        try pair.user.sendTerminalFrame(encoding: .plain, body: Self.frame, now: pair.now)
        #expect(pair.pump().helper == [.terminalFrame(encoding: .plain, body: Self.frame)])
        // A modified User that keeps sending after its pause.
        try pair.user.pause(now: pair.now)
        pair.pump()
        pair.helper.receive(try pair.user.sealForTesting(.terminalFrame(encoding: .plain, body: Self.frame)), now: pair.now)
        #expect(Self.isViolation(pair.helper.closeReason))
        #expect(!pair.helper.takeEvents().contains(.terminalFrame(encoding: .plain, body: Self.frame)))
    }

    @Test("Window sizes come from the Helper; from the User they are a violation")
    func windowSize() throws {
        var pair = ConnectionPair()
        pair.connect()
        try pair.helper.sendTerminalWindow(TerminalSize(rows: 40, columns: 120), now: pair.now)
        #expect(pair.pump().user == [.terminalWindow(TerminalSize(rows: 40, columns: 120))])
        #expect(throws: SessionCommandError.self) { try pair.user.sendTerminalWindow(TerminalSize(rows: 40, columns: 120), now: pair.now) }
        #expect(throws: SessionCommandError.self) { try pair.helper.sendTerminalWindow(TerminalSize(rows: 0, columns: 120), now: pair.now) }
        #expect(throws: SessionCommandError.self) {
            try pair.helper.sendTerminalWindow(TerminalSize(rows: 24, columns: TerminalSize.maximum.columns + 1), now: pair.now)
        }
        pair.helper.receive(try pair.user.sealForTesting(.terminalWindow(TerminalSize(rows: 1, columns: 1))), now: pair.now)
        #expect(Self.isViolation(pair.helper.closeReason))
    }

    @Test("The end of the shared program comes from the User; from the Helper it is a violation")
    func terminalClosed() throws {
        var pair = ConnectionPair()
        pair.connect()
        try pair.user.sendTerminalClosed("bash exited with status 0", now: pair.now)
        #expect(pair.pump().helper == [.terminalClosed("bash exited with status 0")])
        // An over-long reason is cut to fit rather than refused.
        try pair.user.sendTerminalClosed(String(repeating: "x", count: 2 * SessionMessage.maximumReasonBytes), now: pair.now)
        #expect(pair.pump().helper == [.terminalClosed(String(repeating: "x", count: SessionMessage.maximumReasonBytes))])
        #expect(throws: SessionCommandError.self) { try pair.helper.sendTerminalClosed("no", now: pair.now) }
        pair.user.receive(try pair.helper.sealForTesting(.terminalClosed("forged")), now: pair.now)
        #expect(Self.isViolation(pair.user.closeReason))
    }

    @Test("The codec: keystrokes are 1 to maximumInputBytes, window sizes valid, frame encodings known")
    func codec() throws {
        let max = SessionMessage.maximumInputBytes
        #expect(throws: MessageError.self) { try SessionMessage.terminalInput([]).encoded() }
        #expect(throws: MessageError.self) { try SessionMessage.terminalInput([UInt8](repeating: 0x61, count: max + 1)).encoded() }
        #expect(try SessionMessage(decoding: SessionMessage.terminalInput([UInt8](repeating: 0x61, count: max)).encoded()) == .terminalInput([UInt8](repeating: 0x61, count: max)))
        #expect(throws: MessageError.self) { try SessionMessage(decoding: [0x71]) }
        #expect(throws: MessageError.self) { try SessionMessage(decoding: [0x71] + [UInt8](repeating: 0x61, count: max + 1)) }
        #expect(try SessionMessage(decoding: [0x72, 0, 24, 0, 80]) == .terminalWindow(TerminalSize(rows: 24, columns: 80)))
        for bad: [UInt8] in [[0x72, 0, 0, 0, 80], [0x72, 0, 24, 0, 0], [0x72, 0xFF, 0xFF, 0, 80], [0x72, 0, 24, 0], [0x72, 0, 24, 0, 80, 0]] {
            #expect(throws: MessageError.self, "\(bad)") { try SessionMessage(decoding: bad) }
        }
        #expect(throws: MessageError.self) { try SessionMessage.terminalWindow(TerminalSize(rows: 0, columns: 1)).encoded() }
        #expect(try SessionMessage(decoding: [0x70, 1, 9, 9]) == .terminalFrame(encoding: .deflate, body: [9, 9]))
        #expect(try SessionMessage(decoding: [0x70, 0]) == .terminalFrame(encoding: .plain, body: []))
        #expect(throws: MessageError.self) { try SessionMessage(decoding: [0x70, 2, 9]) }
        #expect(throws: MessageError.self) { try SessionMessage(decoding: [0x70]) }
        for message in [SessionMessage.terminalClosed("done"), .terminalInput([0x1B, 0x5B, 0x41]), .terminalFrame(encoding: .plain, body: Self.frame)] {
            #expect(try SessionMessage(decoding: message.encoded()) == message)
        }
    }

    @Test("Forged terminal messages with bad bodies end the session as a violation")
    func malformedRecords() throws {
        // Records sealed directly with the channel's plaintext, as a modified peer could.
        for plaintext: [UInt8] in [[0x71], [0x72, 0, 0, 0, 0], [0x70, 9]] {
            var pair = ConnectionPair()
            pair.connect()
            pair.helper.sendEncryptedPlaintext(plaintext, now: pair.now)
            for record in pair.helper.takeOutput() { pair.user.receive(record, now: pair.now) }
            #expect(Self.isViolation(pair.user.closeReason), "\(plaintext)")
        }
    }
}
