import EasyConnect
import EasyConnectTerminal
import NetworkLab
import Testing

/// libvterm's state machine behind `VTermEmulator`: what a program's output does to the `TerminalScreen`
/// (text, pen, cursor, erase, scrolls, insert and delete, the alternate screen, resizing) and the answers
/// the terminal owes the program.
@Suite("VTermEmulator: program output to screen cells", .onComputeThread)
struct VTermEmulatorTests {
    static let red = TerminalColor.indexed(1)

    @Test("Printable text lands at the cursor, which moves past it")
    func printing() {
        let e = VTermEmulator(rows: 3, columns: 10, output: "hello")
        #expect(e.screen.text == ["hello", "", ""])
        #expect(e.screen[0, 0] == TerminalCell(text: "h"))
        #expect(e.screen[0, 5] == .blank)
        #expect(e.screen.cursor == TerminalCursor(row: 0, column: 5, isVisible: true))
    }

    @Test("CR returns to column 0, LF moves down keeping the column, a long line wraps")
    func lineEnds() {
        let e = VTermEmulator(rows: 4, columns: 6, output: "ab\r\ncd\nef\rg")
        #expect(e.screen.text == ["ab", "cd", "g ef", ""])
        #expect(e.screen.cursor.row == 2 && e.screen.cursor.column == 1)
        let w = VTermEmulator(rows: 3, columns: 4, output: "abcdefg")
        #expect(w.screen.text == ["abcd", "efg", ""])
    }

    @Test("SGR colours: palette, 256 colours, RGB, default")
    func colours() {
        let e = VTermEmulator(rows: 2, columns: 10, output: "\u{1B}[31mA\u{1B}[38;5;200mB\u{1B}[38;2;1;2;3mC\u{1B}[48;2;4;5;6mD\u{1B}[39;49mE\u{1B}[95;104mF")
        #expect(e.screen[0, 0].style.foreground == Self.red)
        #expect(e.screen[0, 1].style.foreground == .indexed(200))
        #expect(e.screen[0, 2].style.foreground == .rgb(1, 2, 3))
        #expect(e.screen[0, 2].style.background == .default)
        #expect(e.screen[0, 3].style.background == .rgb(4, 5, 6))
        #expect(e.screen[0, 4].style == .plain)
        #expect(e.screen[0, 5].style.foreground == .indexed(13) && e.screen[0, 5].style.background == .indexed(12))
    }

    @Test("SGR attributes: bold, italic, underline kinds, blink, reverse, strike; 0 and 22…29 clear them")
    func attributes() {
        let e = VTermEmulator(rows: 2, columns: 12, output: "\u{1B}[1;3;4;7mA\u{1B}[0;5;9mB\u{1B}[0;21mC\u{1B}[4:3mD\u{1B}[0mE\u{1B}[1;7m\u{1B}[22;27mF")
        #expect(e.screen[0, 0].style == TerminalStyle(flags: TerminalStyle.bold | TerminalStyle.italic | TerminalStyle.reverse, underline: 1, foreground: .default, background: .default))
        #expect(e.screen[0, 1].style.flags == TerminalStyle.blink | TerminalStyle.strike)
        #expect(e.screen[0, 1].style.underline == 0)
        #expect(e.screen[0, 2].style.underline == 2)
        #expect(e.screen[0, 3].style.underline == 3)
        #expect(e.screen[0, 4].style == .plain)
        #expect(e.screen[0, 5].style == .plain)
    }

    @Test("A double-width character takes its cell and a continuation; at the last column it wraps")
    func wideCharacters() {
        let e = VTermEmulator(rows: 3, columns: 5, output: "漢a")
        #expect(e.screen[0, 0] == TerminalCell(text: "漢", width: 2))
        #expect(e.screen[0, 1] == .continuation(.plain))
        #expect(e.screen[0, 2] == TerminalCell(text: "a"))
        #expect(e.screen.cursor.column == 3)
        e.write("b字")
        #expect(e.screen[0, 4] == .blank, "no half character at the last column")
        #expect(e.screen[1, 0] == TerminalCell(text: "字", width: 2))
        #expect(e.screen.wideCharactersArePaired)
        // Overwriting either half of a wide character blanks the other half.
        e.write("\u{1B}[1;2Hx")
        #expect(e.screen[0, 0].text.isEmpty && e.screen[0, 0].width == 1)
        #expect(e.screen[0, 1] == TerminalCell(text: "x"))
        #expect(e.screen.wideCharactersArePaired)
    }

    @Test("A combining mark joins the character before it, in the same cell")
    func combiningMarks() {
        let e = VTermEmulator(rows: 2, columns: 5, output: "e\u{301}x")
        #expect(e.screen[0, 0].text.unicodeScalars.map(\.value) == [0x65, 0x301])
        #expect(e.screen[0, 0].width == 1)
        #expect(e.screen[0, 1].text == "x")
        #expect(e.screen.cursor.column == 2)
    }

    @Test("CUP moves the cursor (1-based, clamped to the screen)")
    func cursorPosition() {
        let e = VTermEmulator(rows: 4, columns: 8, output: "\u{1B}[3;5HX")
        #expect(e.screen[2, 4].text == "X")
        #expect(e.screen.cursor == TerminalCursor(row: 2, column: 5, isVisible: true))
        e.write("\u{1B}[99;99H")
        #expect(e.screen.cursor.row == 3 && e.screen.cursor.column == 7)
        e.write("\u{1B}[H")
        #expect(e.screen.cursor.row == 0 && e.screen.cursor.column == 0)
    }

    @Test("ED and EL erase with the pen's background colour, and nothing else of the pen")
    func eraseKeepsBackground() {
        let e = VTermEmulator(rows: 3, columns: 6, output: "abcdef\r\nghijkl\r\nmnopqr")
        e.write("\u{1B}[2;3H\u{1B}[1;41m\u{1B}[K")
        #expect(e.screen.text[1] == "gh")
        let erased = TerminalStyle(flags: 0, underline: 0, foreground: .default, background: Self.red)
        for column in 2..<6 { #expect(e.screen[1, column] == TerminalCell(text: "", width: 1, style: erased)) }
        #expect(e.screen[1, 1] == TerminalCell(text: "h"))
        e.write("\u{1B}[1K")
        #expect((0...2).allSatisfy { e.screen[1, $0].style == erased && e.screen[1, $0].text.isEmpty })
        e.write("\u{1B}[44m\u{1B}[2J")
        let blue = TerminalStyle(flags: 0, underline: 0, foreground: .default, background: .indexed(4))
        #expect(e.screen.lines.allSatisfy { $0.cells.allSatisfy { $0 == TerminalCell(text: "", width: 1, style: blue) } })
        e.write("\u{1B}[0m\u{1B}[2;1H\u{1B}[J")
        #expect(e.screen.lines[0].cells.allSatisfy { $0.style == blue })
        #expect(e.screen.lines[1...].allSatisfy { $0 == TerminalLine(columns: 6) })
    }

    @Test("DECSTBM: LF at the bottom of a scroll region scrolls only the region")
    func scrollRegion() {
        let e = VTermEmulator(rows: 5, columns: 4, output: "1\r\n2\r\n3\r\n4\r\n5")
        e.write("\u{1B}[2;4r")  // rows 2…4; the cursor goes home
        #expect(e.screen.cursor.row == 0)
        e.write("\u{1B}[4;1H\nX")
        #expect(e.screen.text == ["1", "3", "4", "X", "5"])
        #expect(e.screen.scrolledLines == 0, "a region scroll is not a scroll of the whole screen")
        e.write("\u{1B}[2;1H\u{1B}M")  // reverse index at the region's top scrolls it down
        #expect(e.screen.text == ["1", "", "3", "4", "5"])
    }

    @Test("IL and DL insert and delete rows within the scroll region, blanks with the pen's background")
    func insertDeleteLines() {
        let e = VTermEmulator(rows: 4, columns: 3, output: "a\r\nb\r\nc\r\nd")
        e.write("\u{1B}[2;1H\u{1B}[41m\u{1B}[L\u{1B}[0m")
        #expect(e.screen.text == ["a", "", "b", "c"])
        #expect(e.screen[1, 0].style.background == Self.red)
        e.write("\u{1B}[1;1H\u{1B}[2M")
        #expect(e.screen.text == ["b", "c", "", ""])
        e.write("\u{1B}[1;2r\u{1B}[1;1H\u{1B}[L")
        #expect(e.screen.text == ["", "b", "", ""], "the row pushed out of the region is lost, the rows below stay")
    }

    @Test("ICH and DCH shift the rest of the row; ECH blanks in place")
    func insertDeleteCharacters() {
        let e = VTermEmulator(rows: 2, columns: 8, output: "abcdef")
        e.write("\u{1B}[1;3H\u{1B}[2@")
        #expect(e.screen.text[0] == "ab  cdef")
        e.write("\u{1B}[3P")
        #expect(e.screen.text[0] == "abdef")
        e.write("\u{1B}[1;1H\u{1B}[2X")
        #expect(e.screen.text[0] == "  def")
        // A wide character cut by the shift leaves no half.
        e.write("\u{1B}[2;1H漢字x\u{1B}[2;2H\u{1B}[P")
        #expect(e.screen.wideCharactersArePaired)
        e.write("\u{1B}[2;1H\u{1B}[@")
        #expect(e.screen.wideCharactersArePaired)
    }

    @Test("The alternate screen starts blank and leaving it restores the primary screen and cursor")
    func alternateScreen() {
        let e = VTermEmulator(rows: 3, columns: 10, output: "primary\r\nrow 2")
        let primary = e.screen
        e.write("\u{1B}[?1049h")
        #expect(e.screen.isAlternateScreen)
        #expect(e.screen.text == ["", "", ""])
        e.write("\u{1B}[Halternate\r\n\r\n\r\n\r\n")
        #expect(e.screen.scrolledLines == primary.scrolledLines, "alternate screen scrolls are not counted")
        e.write("\u{1B}[?1049l")
        #expect(!e.screen.isAlternateScreen)
        #expect(e.screen.lines == primary.lines)
        #expect(e.screen.cursor == primary.cursor)
    }

    @Test("DECTCEM hides and shows the cursor")
    func cursorVisibility() {
        let e = VTermEmulator(rows: 2, columns: 2, output: "\u{1B}[?25l")
        #expect(!e.screen.cursor.isVisible)
        e.write("\u{1B}[?25h")
        #expect(e.screen.cursor.isVisible)
    }

    @Test("Shrinking with the cursor at the bottom keeps the bottom rows; libvterm's cursor follows")
    func resize() {
        let e = VTermEmulator(rows: 5, columns: 6, output: "1\r\n2\r\n3\r\n4\r\n5")
        e.resize(to: TerminalSize(rows: 3, columns: 6))
        #expect(e.screen.size == TerminalSize(rows: 3, columns: 6))
        #expect(e.screen.text == ["3", "4", "5"])
        #expect(e.screen.cursor.row == 2 && e.screen.cursor.column == 1)
        e.write("\r\n6")
        #expect(e.screen.text == ["4", "5", "6"], "the emulator's own cursor moved up with the rows")
        e.resize(to: TerminalSize(rows: 5, columns: 6))
        #expect(e.screen.text == ["4", "5", "6", "", ""])
        // With the cursor at the top, shrinking cuts the bottom rows.
        e.write("\u{1B}[H")
        e.resize(to: TerminalSize(rows: 2, columns: 6))
        #expect(e.screen.text == ["4", "5"])
        // Fewer columns cut the right; a wide character cut in half is blanked.
        e.write("\u{1B}[1;1Hab漢")
        e.resize(to: TerminalSize(rows: 2, columns: 3))
        #expect(e.screen.text == ["ab", "5"])
        #expect(e.screen.wideCharactersArePaired)
        #expect(e.screen.lines.allSatisfy { $0.cells.count == 3 })
        // Invalid sizes change nothing.
        e.resize(to: TerminalSize(rows: 0, columns: 3))
        e.resize(to: TerminalSize(rows: 2, columns: TerminalSize.maximum.columns + 1))
        #expect(e.screen.size == TerminalSize(rows: 2, columns: 3))
    }

    @Test("Shrinking above a scroll region drops the region and keeps the cursor")
    func resizeBelowScrollRegion() {
        // libvterm 0.1 alone keeps the region's top row (6) on a 3-row screen and then scrolls a negative height.
        let e = VTermEmulator(rows: 10, columns: 8, output: "\u{1B}[6;8r\u{1B}[2;3H")
        e.resize(to: TerminalSize(rows: 3, columns: 8))
        #expect(e.screen.cursor.row == 1 && e.screen.cursor.column == 2)
        e.write("\u{1B}[3;1Ha\nb\nc")
        #expect(e.screen.text == ["a", " b", "  c"], "the whole screen scrolls")
        #expect(e.screen.scrolledLines == 2)
        e.write("\u{1B}[1;1H\u{1B}[2L\u{1B}[2M\u{1B}M\u{1B}M\u{1B}[3;1H\n\n\n")
        #expect(e.screen.wideCharactersArePaired && e.screen.lines.count == 3)
        // A resize between the two halves of a character does not break it.
        let split = VTermEmulator(rows: 4, columns: 8, output: "\u{1B}[2;3r\u{1B}[4;1H")
        split.write([0xC3])
        split.resize(to: TerminalSize(rows: 3, columns: 8))
        split.write([0xA9])
        #expect(split.screen.text[2] == "é")
    }

    @Test("A cursor saved before the screen shrank is restored onto the screen (DECRC, leaving the alternate screen)")
    func restoreAfterShrinking() {
        // libvterm alone restores (9, 14) on a 5×10 screen, then indexes its line and tab-stop arrays with it.
        let e = VTermEmulator(rows: 10, columns: 20, output: "\u{1B}[9;15H\u{1B}7\u{1B}[H")
        e.resize(to: TerminalSize(rows: 5, columns: 10))
        e.write("\u{1B}8\u{1B}H\u{1B}#6x")
        #expect(e.screen.cursor.row == 4 && e.screen.cursor.column == 9)
        #expect(e.screen.text[4] == "         x")
        // A full-screen program entered at the bottom of a taller screen, left after the window shrank: the
        // shell's next lines show at the bottom.
        let shell = VTermEmulator(rows: 10, columns: 20, output: "\u{1B}[10;1H$ vim\r\n\u{1B}[?1049h\u{1B}[Hediting")
        shell.resize(to: TerminalSize(rows: 5, columns: 8))
        shell.write("\u{1B}[?1049l$ ls\r\nfile\r\n$ ")
        #expect(shell.screen.text.suffix(3) == ["$ ls", "file", "$"])
        #expect((0..<5).contains(shell.screen.cursor.row) && (0..<8).contains(shell.screen.cursor.column))
        // Only the columns shrank: libvterm clamps the restored column itself after the CSI, silently.
        let narrow = VTermEmulator(rows: 4, columns: 14, output: "\u{1B}[?7l\u{1B}[2;9H0123456789\u{1B}[?1049h")
        narrow.resize(to: TerminalSize(rows: 6, columns: 9))
        narrow.write("\u{1B}[?1049l")
        #expect(narrow.screen.cursor.row == 1 && narrow.screen.cursor.column == 8)
    }

    @Test("DSR 6 is answered with the cursor position; DA with the device attributes; replies are taken once")
    func replies() {
        let e = VTermEmulator(rows: 5, columns: 10, output: "\u{1B}[3;4H\u{1B}[6n")
        #expect(e.takeReplies() == Array("\u{1B}[3;4R".utf8))
        #expect(e.takeReplies().isEmpty)
        e.write("\u{1B}[c")
        #expect(e.takeReplies().starts(with: Array("\u{1B}[?".utf8)))
        e.write("plain text")
        #expect(e.takeReplies().isEmpty)
    }

    @Test("scrolledLines counts rows scrolled off the top of the whole primary screen")
    func scrolledLines() {
        let e = VTermEmulator(rows: 3, columns: 5, output: String(repeating: "x\r\n", count: 7))
        #expect(e.screen.scrolledLines == 5)
        e.write("\u{1B}[2S")
        #expect(e.screen.scrolledLines == 7)
        e.write("\u{1B}[2T")  // scrolling down is not counted
        #expect(e.screen.scrolledLines == 7)
        e.write("\u{1B}[1;2r\u{1B}[2;1H\n\n")
        #expect(e.screen.scrolledLines == 7)
    }

    @Test("The window title (OSC 2) is kept")
    func title() {
        let e = VTermEmulator(rows: 2, columns: 5, output: "\u{1B}]2;build log\u{7}")
        #expect(e.title == "build log")
    }

    @Test("C1 and other control characters written as UTF-8 never end up in a cell")
    func controlCharactersAreNotCells() throws {
        for output in ["a\u{85}b", "\u{85}", "x\u{9B}", "\u{9B}31m", "\u{7F}", "\u{80}\u{9F}y", "e\u{301}\u{85}"] {
            let e = VTermEmulator(rows: 2, columns: 6, output: output)
            let bad = e.screen.lines.flatMap(\.cells).filter(\.hasControlCharacter)
            #expect(bad.isEmpty, "\(output.unicodeScalars.map { String($0.value, radix: 16) }): \(bad)")
            // Whatever the program printed, the frame of its screen is one the Helper accepts.
            _ = try ScreenFrame(decoding: ScreenFrame(fullFrameOf: e.screen).encoded())
        }
    }

    @Test("A C1 control as UTF-8 moves nothing, even split between two reads; other U+0080…U+00FF characters print")
    func c1ControlsAreDropped() {
        // libvterm alone gives U+0080…U+009F a width of -1: the cursor would go left of column 0.
        let e = VTermEmulator(rows: 2, columns: 6, output: "\u{85}\u{85}\u{9B}")
        #expect(e.screen.cursor.column == 0)
        e.write("\u{1B}H\u{85}x")  // a tab stop set at column 0, not below it
        #expect(e.screen.text[0] == "x")
        #expect(e.screen.cursor.column == 1)
        e.write([0xC2])
        e.write([0x85, 0x79])
        #expect(e.screen.text[0] == "xy")
        e.write([0xC2])
        e.write([0xA9])  // ©, split
        e.write([0xC2, 0xC2, 0xA0])  // a broken lead byte then a no-break space
        #expect(e.screen[0, 2].text == "©")
        #expect(e.screen.cursor.column == 5)
        #expect(!e.screen.lines.contains { $0.cells.contains(where: \.hasControlCharacter) })
        // libvterm's decoder keeps a started sequence across controls and escape sequences: 0xC2, a control,
        // then 0x85 would still make U+0085.
        let split = VTermEmulator(rows: 2, columns: 6, output: "")
        split.write([0xC2, 0x0B, 0x85, 0xC2, 0x1B, 0x5B, 0x6D, 0x9B])
        split.write([0xE6, 0xBC])
        split.write([0x0D, 0xA2])
        #expect(split.screen.cursor.column >= 0)
        #expect(!split.screen.lines.contains { $0.cells.contains(where: \.hasControlCharacter) })
        #expect(split.screen.wideCharactersArePaired)
    }

    @Test("Random output keeps the screen well formed: sizes, paired wide characters, the cursor on the screen")
    func randomOutputIsWellFormed() {
        var rng = SplitMix(seed: 0xE4A1)
        for _ in 0..<200 {
            let size = RandomOutput.size(&rng)
            let e = VTermEmulator(size: size)
            e.write(RandomOutput.output(&rng, size: size, pieces: 40))
            let s = e.screen
            #expect(s.size == size && s.lines.count == size.rows && s.lines.allSatisfy { $0.cells.count == size.columns })
            #expect(s.wideCharactersArePaired)
            #expect((0..<size.rows).contains(s.cursor.row) && (0..<size.columns).contains(s.cursor.column))
            #expect(!s.lines.contains { $0.cells.contains(where: \.hasControlCharacter) })
        }
    }
}
