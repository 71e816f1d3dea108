import EasyConnect
import EasyConnectTerminal
import PropertyBased
import NetworkLab
import Testing

/// The renderer's bytes, read by a second `VTermEmulator` standing for the person's terminal: the window
/// shows the screen cell by cell, the status line below it, the cursor where the screen has it; unchanged
/// screens cost nothing; windows of other sizes clip and clear; cell text never reaches the terminal as
/// control characters.
@Suite("TerminalRenderer: what a terminal shows after reading its bytes", .onComputeThread)
struct TerminalRendererTests {
    /// A blank cell is drawn as a space: compare texts with that in mind.
    static func shown(_ cell: TerminalCell) -> String { cell.text.isEmpty ? " " : cell.text }

    /// Differences between the window's top-left `rows`×`columns` and the same cells of `screen`.
    static func differences(window: TerminalScreen, screen: TerminalScreen, rows: Int, columns: Int) -> [String] {
        var out: [String] = []
        for row in 0..<rows {
            for column in 0..<columns {
                let want = screen[row, column], got = window[row, column]
                if shown(want) != shown(got) || want.width != got.width || want.style != got.style {
                    out.append("(\(row), \(column)): screen \(want), window \(got)")
                }
            }
        }
        return out
    }

    /// Random output into a screen, rendered step by step into a window one row taller; after every step the
    /// window's terminal shows the screen, the status and the cursor, and a second render adds nothing.
    static func checkRendering(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let size = RandomOutput.size(&rng)
        let window = TerminalSize(rows: size.rows + 1, columns: size.columns)
        let program = VTermEmulator(size: size)
        let terminal = VTermEmulator(size: window)
        var renderer = TerminalRenderer()
        for step in 0..<Int.random(in: 1...12, using: &rng) {
            program.write(RandomOutput.output(&rng, size: size, pieces: Int.random(in: 1...10, using: &rng)))
            let status = "status \(step % 3) ✓"
            terminal.write(renderer.render(program.screen, window: window, status: status))
            let wrong = differences(window: terminal.screen, screen: program.screen, rows: size.rows, columns: size.columns)
            #expect(wrong.isEmpty, "seed \(seed), step \(step): \(wrong.prefix(3))")
            #expect(terminal.screen.lines[size.rows].text == String(status.prefix(size.columns)).trimmingTrailingSpaces, "seed \(seed)")
            let cursor = program.screen.cursor
            #expect(terminal.screen.cursor.isVisible == cursor.isVisible, "seed \(seed), step \(step)")
            if cursor.isVisible {
                #expect(terminal.screen.cursor.row == cursor.row && terminal.screen.cursor.column == cursor.column, "seed \(seed), step \(step)")
            }
            #expect(renderer.render(program.screen, window: window, status: status).isEmpty, "seed \(seed): nothing changed, nothing drawn")
            #expect(terminal.screen.scrolledLines == 0, "seed \(seed): drawing never scrolls the window")
            if !wrong.isEmpty { return }
        }
    }

    @Test("Oracle: a terminal reading the rendered bytes shows the screen, cell by cell")
    func oracle() async {
        await propertyCheck(count: 250, input: Gen.uint64()) { seed in
            Self.checkRendering(seed: seed)
        }
    }

    @Test("An unchanged screen costs nothing; one changed cell costs one row; invalidate redraws all")
    func incremental() {
        let program = VTermEmulator(rows: 10, columns: 40, output: (1...10).map { "\u{1B}[3\($0 % 8)mline \($0) of the output" }.joined(separator: "\r\n"))
        let window = TerminalSize(rows: 11, columns: 40)
        var renderer = TerminalRenderer()
        let first = renderer.render(program.screen, window: window, status: "ok")
        #expect(first.count > 200)
        #expect(renderer.render(program.screen, window: window, status: "ok").isEmpty)
        program.write("\u{1B}[5;3HX")
        let one = renderer.render(program.screen, window: window, status: "ok")
        #expect(!one.isEmpty && one.count < 120, "\(one.count) bytes")
        #expect(String(decoding: one, as: UTF8.self).contains("\u{1B}[5;1H"), "row 5 redrawn")
        let status = renderer.render(program.screen, window: window, status: "changed")
        #expect(String(decoding: status, as: UTF8.self).contains("changed") && status.count < 80)
        renderer.invalidate()
        #expect(renderer.render(program.screen, window: window, status: "changed").count >= first.count)
    }

    @Test("A smaller window shows the top-left of the screen; half a wide character at its edge is a space")
    func smallerWindow() {
        let program = VTermEmulator(rows: 6, columns: 12, output: "abcde漢xyz\r\n\u{1B}[41m12345678901\u{1B}[0m\r\n3\r\n4\r\n5\r\n6")
        let window = TerminalSize(rows: 4, columns: 6)
        let terminal = VTermEmulator(size: window)
        var renderer = TerminalRenderer()
        terminal.write(renderer.render(program.screen, window: window, status: "a long status line"))
        #expect(terminal.screen.text == ["abcde", "123456", "3", "a long"])
        #expect(terminal.screen[0, 5] == .blank || terminal.screen[0, 5].text == " ")
        #expect(terminal.screen[1, 5].style.background == .indexed(1))
        #expect(terminal.screen.scrolledLines == 0)
        // The cursor (row 5) is below the window: hidden.
        #expect(!terminal.screen.cursor.isVisible)
    }

    @Test("A larger window is cleared around the screen, also when the screen shrinks inside it")
    func largerWindow() {
        let window = TerminalSize(rows: 8, columns: 30)
        let terminal = VTermEmulator(size: window)
        var renderer = TerminalRenderer()
        let big = VTermEmulator(rows: 7, columns: 30, output: String(repeating: "\u{1B}[44m" + String(repeating: "#", count: 30), count: 7))
        terminal.write(renderer.render(big.screen, window: window, status: "big"))
        #expect(terminal.screen.text.prefix(7).allSatisfy { $0 == String(repeating: "#", count: 30) })
        let small = VTermEmulator(rows: 3, columns: 5, output: "ab\r\ncd\r\nef")
        terminal.write(renderer.render(small.screen, window: window, status: "small"))
        #expect(terminal.screen.text == ["ab", "cd", "ef", "", "", "", "", "small"])
        for row in 0..<7 {
            for column in 0..<30 where row >= 3 || column >= 5 {
                #expect(terminal.screen[row, column] == .blank, "(\(row), \(column)) still shows the old screen")
            }
        }
    }

    @Test("Control characters in cells and in the status are never written raw")
    func controlCharacters() {
        var screen = TerminalScreen(size: TerminalSize(rows: 2, columns: 8))
        let hostile = ["\u{1B}[31m", "\u{7}", "\u{9B}2J", "\u{1B}]0;owned\u{7}", "\u{0}", "\u{7F}"]
        for (i, text) in hostile.enumerated() { screen.put(text, width: 1, row: 0, column: i, style: .plain) }
        screen.put("ok", width: 1, row: 1, column: 0, style: .plain)
        var renderer = TerminalRenderer()
        let window = TerminalSize(rows: 3, columns: 8)
        let bytes = renderer.render(screen, window: window, status: "st\u{1B}[2Jatus\u{9B}")
        let text = String(decoding: bytes, as: UTF8.self)
        for raw in hostile + ["\u{1B}]"] { #expect(!text.contains(raw), "\(raw.unicodeScalars.map(\.value))") }
        #expect(!bytes.contains(0x07) && !bytes.contains(0x00) && !bytes.contains(0x7F) && !text.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        // Every ESC in the output starts one of the renderer's own sequences.
        #expect(text.components(separatedBy: "\u{1B}").dropFirst().allSatisfy { $0.hasPrefix("[") })
        let terminal = VTermEmulator(size: window)
        terminal.write(bytes)
        #expect(terminal.title == nil)
        #expect(terminal.screen.text == ["", "ok", "st?[2Jat"])
        #expect(terminal.screen.lines[0].cells.allSatisfy { $0.style == .plain })
    }

    @Test("A status of double-width characters stays on its row: the window does not scroll")
    func wideStatus() {
        let program = VTermEmulator(rows: 2, columns: 10, output: "top\r\nbottom")
        let window = TerminalSize(rows: 3, columns: 10)
        let terminal = VTermEmulator(size: window)
        var renderer = TerminalRenderer()
        terminal.write(renderer.render(program.screen, window: window, status: "漢字漢字漢字漢字漢字漢字"))
        #expect(terminal.screen.scrolledLines == 0)
        #expect(terminal.screen.text.prefix(2) == ["top", "bottom"])
        #expect(terminal.screen.text[2].hasPrefix("漢字"))
        // And the next render, which draws only what changed, still finds the screen where it left it.
        program.write("!")
        terminal.write(renderer.render(program.screen, window: window, status: "漢字漢字漢字漢字漢字漢字"))
        #expect(terminal.screen.text.prefix(2) == ["top", "bottom!"])
    }
}

extension String {
    /// `self` without trailing spaces (as `TerminalLine.text` gives rows).
    fileprivate var trimmingTrailingSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
