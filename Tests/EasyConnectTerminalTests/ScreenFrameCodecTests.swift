import EasyConnect
import EasyConnectTerminal
import PropertyBased
import NetworkLab
import Testing

/// Screen frames in bytes, and the invariant of a shared terminal: after each frame the Helper's screen
/// equals the User's. Screens come from random program output fed to a `VTermEmulator`; frames from
/// `ScreenDiffer` go through the codec (and deflate) before the receiver applies them.
@Suite("Screen frames: codec round trips and the Helper's copy of the screen", .onComputeThread)
struct ScreenFrameCodecTests {
    /// A screen with one of every kind of cell: ASCII, blank with a background, wide, combining, RGB.
    static func sampleScreen() -> TerminalScreen {
        VTermEmulator(
            rows: 4, columns: 12,
            output: "ab\u{1B}[1;31mcd\u{1B}[0m 漢\u{1B}[38;2;1;2;3me\u{301}\u{1B}[0m\r\n\u{1B}[44m\u{1B}[K\u{1B}[0m\r\n\u{1B}[3;12Hz\u{1B}[?25l"
        ).screen
    }

    @Test("A full frame of a sample screen survives encoding, decoding and applying")
    func sampleRoundTrip() throws {
        let screen = Self.sampleScreen()
        let frame = ScreenFrame(fullFrameOf: screen)
        #expect(frame.isFull && frame.scrolledUp == 0)
        #expect(frame.lines.map(\.row) == [0, 1, 2], "the blank last row is not sent")
        let decoded = try ScreenFrame(decoding: frame.encoded())
        #expect(decoded == frame)
        var receiver = TerminalScreen(size: TerminalSize(rows: 1, columns: 1))
        #expect(decoded.apply(to: &receiver))
        #expect(receiver.lines == screen.lines)
        #expect(receiver.cursor == screen.cursor)
        // Printable ASCII costs a byte a cell; a blank screen's frame is its header.
        #expect(ScreenFrame(fullFrameOf: TerminalScreen(size: TerminalSize(rows: 3, columns: 3))).encoded().count == 14)
    }

    @Test("Random screens: full frame → bytes → frame is the identity, plain and deflated")
    func randomFullFrames() async {
        await propertyCheck(count: 200, input: Gen.uint64()) { seed in
            var rng = SplitMix(seed: seed)
            let size = RandomOutput.size(&rng)
            let e = VTermEmulator(size: size)
            e.write(RandomOutput.output(&rng, size: size, pieces: Int.random(in: 1...60, using: &rng)))
            let frame = ScreenFrame(fullFrameOf: e.screen)
            let decoded = try ScreenFrame(decoding: frame.encoded())
            #expect(decoded == frame, "seed \(seed)")
            #expect(try FrameCompression.decode(FrameCompression.encode(frame, as: .deflate), encoding: .deflate) == frame)
            #expect(try FrameCompression.decode(FrameCompression.encode(frame, as: .plain), encoding: .plain) == frame)
        }
    }

    /// Feeds random output chunk by chunk (resizing now and then), sends each differ frame through the
    /// codec and checks the receiver after every one.
    static func checkHelperFollowsUser(seed: UInt64, reducesColours: Bool) throws {
        var rng = SplitMix(seed: seed)
        var size = RandomOutput.size(&rng)
        let user = VTermEmulator(size: size)
        var differ = ScreenDiffer(reducesColours: reducesColours)
        var helper = TerminalScreen(size: TerminalSize(rows: 1, columns: 1))
        var framesSent = 0
        for step in 0..<Int.random(in: 1...25, using: &rng) {
            switch Int.random(in: 0...19, using: &rng) {
            case 0:
                size = RandomOutput.size(&rng)
                user.resize(to: size)
            case 1: differ.reset()
            default: user.write(RandomOutput.output(&rng, size: size, pieces: Int.random(in: 1...8, using: &rng)))
            }
            guard let frame = differ.frame(for: user.screen) else {
                #expect(framesSent > 0, "the first frame is never empty")
                continue
            }
            framesSent += 1
            let encoding: FrameEncoding = Bool.random(using: &rng) ? .deflate : .plain
            let received = try FrameCompression.decode(FrameCompression.encode(frame, as: encoding), encoding: encoding)
            #expect(received == frame)
            #expect(received.apply(to: &helper))
            // What the Helper must hold: the User's screen, with colours reduced if frames reduce them.
            var expected = user.screen.lines
            if reducesColours {
                expected = expected.map { TerminalLine(cells: $0.cells.map { TerminalCell(text: $0.text, width: $0.width, style: $0.style.reducedTo256) }) }
            }
            let same = helper.lines == expected && helper.cursor == user.screen.cursor
            #expect(same, "seed \(seed), step \(step):\n\(helper.differences(from: user.screen))")
            if !same { return }
            if reducesColours {
                #expect(!helper.lines.contains { $0.cells.contains { if case .rgb = $0.style.foreground { true } else if case .rgb = $0.style.background { true } else { false } } })
            }
        }
    }

    @Test("Differ frames through the codec keep the Helper's screen equal to the User's")
    func helperFollowsUser() async {
        await propertyCheck(count: 250, input: Gen.uint64()) { seed in
            try Self.checkHelperFollowsUser(seed: seed, reducesColours: false)
        }
    }

    @Test("With colours reduced, the Helper's screen is the User's with every RGB colour reduced to 256")
    func helperFollowsUserReduced() async {
        await propertyCheck(count: 150, input: Gen.uint64()) { seed in
            try Self.checkHelperFollowsUser(seed: seed, reducesColours: true)
        }
    }

    @Test("Output scrolling through the screen costs a scroll and the new rows, not the whole screen")
    func scrollFrames() throws {
        let user = VTermEmulator(rows: 10, columns: 20, output: (1...10).map { "line \($0)" }.joined(separator: "\r\n"))
        var differ = ScreenDiffer()
        #expect(differ.frame(for: user.screen)?.isFull == true)
        #expect(differ.frame(for: user.screen) == nil, "nothing changed: no frame")
        user.write("\r\nline 11\r\nline 12")
        let next = differ.frame(for: user.screen)
        let frame = try #require(next)
        #expect(!frame.isFull)
        #expect(frame.scrolledUp == 2)
        #expect(frame.lines.map(\.row) == [8, 9])
        // The cursor alone moving is a frame with no rows.
        user.write("\u{1B}[H")
        let moved = differ.frame(for: user.screen)
        let cursorOnly = try #require(moved)
        #expect(cursorOnly.lines.isEmpty && cursorOnly.scrolledUp == 0 && cursorOnly.cursor.row == 0)
        // After reset, and after a resize, the next frame is full.
        differ.reset()
        #expect(differ.frame(for: user.screen)?.isFull == true)
        user.resize(to: TerminalSize(rows: 5, columns: 20))
        #expect(differ.frame(for: user.screen)?.isFull == true)
    }

    @Test("A partial frame for another size is refused and changes nothing")
    func partialFrameOfAnotherSize() {
        var screen = Self.sampleScreen()
        let before = screen
        let frame = ScreenFrame(size: TerminalSize(rows: 3, columns: 3), isFull: false, scrolledUp: 1, lines: [], cursor: TerminalCursor(row: 0, column: 0, isVisible: true))
        #expect(!frame.apply(to: &screen))
        #expect(screen == before)
    }
}
