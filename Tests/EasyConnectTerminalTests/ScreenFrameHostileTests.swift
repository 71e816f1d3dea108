import EasyConnect
import EasyConnectTerminal
import NetworkLab
import Testing

/// Frames as a hostile User could send them: the decoder refuses every malformed one with an error (never
/// a trap), and whatever it accepts is a well-formed screen with no control character in any cell.
@Suite("Screen frames: hostile bytes", .onComputeThread)
struct ScreenFrameHostileTests {
    /// Frame bytes written field by field.
    struct Bytes {
        var b: [UInt8] = []
        mutating func u8(_ v: Int) { b.append(UInt8(truncatingIfNeeded: v)) }
        mutating func u16(_ v: Int) { b += [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }

        /// A header: flags, size, cursor, cursor flags, rows scrolled, line count.
        static func header(flags: Int = 1, rows: Int = 3, columns: Int = 4, cursor: (Int, Int) = (0, 0), cursorFlags: Int = 1, scrolled: Int = 0, lines: Int) -> Bytes {
            var w = Bytes()
            w.u8(flags); w.u16(rows); w.u16(columns); w.u16(cursor.0); w.u16(cursor.1); w.u8(cursorFlags); w.u16(scrolled); w.u16(lines)
            return w
        }

        /// A plain style: no flags, no underline, default colours.
        mutating func plainStyle() { b += [0, 0, 0, 0] }

        /// A row with one run of plain style holding `cells` (already encoded).
        mutating func line(row: Int, cellCount: Int, cells: [UInt8]) {
            u16(row); u16(1); plainStyle(); u16(cellCount); b += cells
        }
    }

    /// A valid frame with every kind of field: RGB and palette styles, a wide character, combining marks.
    static let valid: [UInt8] = {
        let e = VTermEmulator(rows: 3, columns: 8, output: "\u{1B}[1;4;38;2;9;8;7;45mab\u{1B}[0m漢e\u{301}\r\n\u{1B}[3;5H\u{1B}[38;5;100mx\u{1B}[?25l")
        return ScreenFrame(fullFrameOf: e.screen).encoded()
    }()

    static func decodes(_ bytes: [UInt8]) -> Bool { (try? ScreenFrame(decoding: bytes)) != nil }

    /// What an accepted frame must be: a valid size, rows in order on the screen, full rows, paired wide
    /// characters, no control characters, short cell texts; and it encodes back to bytes that decode to it.
    static func checkWellFormed(_ frame: ScreenFrame, _ context: @autoclosure () -> String) {
        #expect(frame.size.isValid, "\(context())")
        #expect(frame.scrolledUp <= frame.size.rows)
        #expect(frame.cursor.row < frame.size.rows && frame.cursor.column < frame.size.columns)
        #expect(zip(frame.lines, frame.lines.dropFirst()).allSatisfy { $0.row < $1.row })
        for (row, line) in frame.lines {
            #expect((0..<frame.size.rows).contains(row))
            #expect(line.cells.count == frame.size.columns, "\(context())")
            #expect(!line.cells.contains { $0.hasControlCharacter }, "\(context())")
            #expect(line.cells.allSatisfy { $0.text.utf8.count <= ScreenFrame.maximumCellTextBytes && $0.width <= 2 })
            var screen = TerminalScreen(size: TerminalSize(rows: 1, columns: frame.size.columns))
            _ = ScreenFrame(size: screen.size, isFull: true, scrolledUp: 0, lines: [(0, line)], cursor: frame.cursor.clamped(to: screen.size)).apply(to: &screen)
            #expect(screen.wideCharactersArePaired, "\(context())")
        }
        #expect((try? ScreenFrame(decoding: frame.encoded())) == frame, "\(context())")
    }

    @Test("The valid frame decodes")
    func validDecodes() throws {
        let frame = try ScreenFrame(decoding: Self.valid)
        Self.checkWellFormed(frame, "valid")
        #expect(frame.lines.count == 2)
    }

    @Test("Every truncation of a valid frame is refused")
    func truncated() {
        for length in 0..<Self.valid.count {
            #expect(throws: MessageError.self, "\(length) bytes") { try ScreenFrame(decoding: Array(Self.valid.prefix(length))) }
        }
    }

    @Test("Trailing bytes are refused")
    func trailing() {
        #expect(throws: MessageError.self) { try ScreenFrame(decoding: Self.valid + [0]) }
        #expect(throws: MessageError.self) { try ScreenFrame(decoding: Self.valid + Self.valid) }
    }

    @Test("Every single-byte change of a valid frame is refused or decodes to a well-formed frame")
    func everyMutation() {
        var accepted = 0
        for index in Self.valid.indices {
            for value in 0...255 where value != Self.valid[index] {
                var bytes = Self.valid
                bytes[index] = UInt8(value)
                guard let frame = try? ScreenFrame(decoding: bytes) else { continue }
                accepted += 1
                Self.checkWellFormed(frame, "byte \(index) = \(value)")
            }
        }
        #expect(accepted > 0, "some changes (a colour, a letter) are still valid frames")
    }

    @Test("Sizes of 0 and beyond TerminalSize.maximum are refused; the maximum itself is accepted")
    func sizes() {
        let max = TerminalSize.maximum
        for (rows, columns) in [(0, 4), (3, 0), (0, 0), (max.rows + 1, 4), (3, max.columns + 1), (65535, 65535)] {
            #expect(throws: MessageError.self, "\(rows)×\(columns)") { try ScreenFrame(decoding: Bytes.header(rows: rows, columns: columns, lines: 0).b) }
        }
        #expect(Self.decodes(Bytes.header(rows: max.rows, columns: max.columns, cursor: (max.rows - 1, max.columns - 1), lines: 0).b))
    }

    @Test("A cursor off the screen, unknown flags, more rows scrolled or lines than rows are refused")
    func headerFields() {
        #expect(Self.decodes(Bytes.header(cursor: (2, 3), scrolled: 3, lines: 0).b))
        #expect(!Self.decodes(Bytes.header(cursor: (3, 0), lines: 0).b))
        #expect(!Self.decodes(Bytes.header(cursor: (0, 4), lines: 0).b))
        #expect(!Self.decodes(Bytes.header(flags: 2, lines: 0).b))
        #expect(!Self.decodes(Bytes.header(cursorFlags: 2, lines: 0).b))
        #expect(!Self.decodes(Bytes.header(scrolled: 4, lines: 0).b))
        var tooMany = Bytes.header(lines: 4)
        for row in 0..<4 { tooMany.line(row: row, cellCount: 1, cells: [0x41]) }
        #expect(!Self.decodes(tooMany.b))
    }

    @Test("Rows out of order, repeated or past the screen are refused")
    func rowOrder() {
        func frame(_ rows: [Int]) -> [UInt8] {
            var w = Bytes.header(lines: rows.count)
            for row in rows { w.line(row: row, cellCount: 1, cells: [0x41]) }
            return w.b
        }
        #expect(Self.decodes(frame([0, 2])))
        #expect(!Self.decodes(frame([2, 0])))
        #expect(!Self.decodes(frame([1, 1])))
        #expect(!Self.decodes(frame([3])))
    }

    @Test("Cells past the width are refused, including a wide character's continuation")
    func cellsPastTheWidth() {
        func frame(cellCount: Int, cells: [UInt8]) -> [UInt8] {
            var w = Bytes.header(lines: 1)
            w.line(row: 0, cellCount: cellCount, cells: cells)
            return w.b
        }
        let wide: [UInt8] = [1, 2, 3] + Array("漢".utf8)
        #expect(Self.decodes(frame(cellCount: 4, cells: [0x41, 0x42, 0x43, 0x44])))
        #expect(!Self.decodes(frame(cellCount: 5, cells: [0x41, 0x42, 0x43, 0x44, 0x45])))
        #expect(Self.decodes(frame(cellCount: 3, cells: [0x41, 0x42] + wide)))
        #expect(!Self.decodes(frame(cellCount: 4, cells: [0x41, 0x42, 0x43] + wide)), "the continuation would be column 5")
        #expect(!Self.decodes(frame(cellCount: 0, cells: [])), "an empty run")
        #expect(!Self.decodes(frame(cellCount: 65535, cells: [UInt8](repeating: 0x41, count: 5))))
        // More runs than columns.
        var runs = Bytes.header(lines: 1)
        runs.u16(0); runs.u16(5)
        for _ in 0..<5 { runs.plainStyle(); runs.u16(1); runs.u8(0x41) }
        #expect(!Self.decodes(runs.b))
    }

    @Test("Control characters in a cell's text are refused: ESC, BEL, CSI (C1), DEL, NUL")
    func controlCharacters() {
        for text in ["\u{1B}", "\u{7}", "\u{9B}", "\u{7F}", "\u{0}", "a\u{1B}[2J", "e\u{301}\u{85}"] {
            var w = Bytes.header(lines: 1)
            let utf8 = Array(text.utf8)
            w.line(row: 0, cellCount: 1, cells: [1, 1, UInt8(utf8.count)] + utf8)
            #expect(throws: MessageError.self, "\(text.unicodeScalars.map(\.value))") { try ScreenFrame(decoding: w.b) }
        }
        // A one-byte cell is a printable character, 0x00 or 0x01: raw control bytes are not cells.
        for byte: UInt8 in [0x07, 0x1B, 0x7F, 0x9B, 0xFF] {
            var w = Bytes.header(lines: 1)
            w.line(row: 0, cellCount: 1, cells: [byte])
            #expect(!Self.decodes(w.b), "\(byte)")
        }
    }

    @Test("Widths other than 1 and 2, empty or over-long texts, invalid UTF-8, unknown styles are refused")
    func cellFields() {
        func cell(_ cells: [UInt8]) -> [UInt8] {
            var w = Bytes.header(lines: 1)
            w.line(row: 0, cellCount: 1, cells: cells)
            return w.b
        }
        #expect(Self.decodes(cell([1, 1, 2, 0xC3, 0xA9])))
        for width: UInt8 in [0, 3, 255] { #expect(!Self.decodes(cell([1, width, 1, 0x41])), "width \(width)") }
        #expect(!Self.decodes(cell([1, 1, 0])))
        let most = ScreenFrame.maximumCellTextBytes
        #expect(!Self.decodes(cell([1, 1, UInt8(most + 1)] + [UInt8](repeating: 0x41, count: most + 1))))
        // The longest text: a base character, combining acute accents (2 bytes each), one more ASCII byte.
        #expect(Self.decodes(cell([1, 1, UInt8(most)] + [0x41] + Array(String(repeating: "\u{301}", count: (most - 2) / 2).utf8) + [0x42])))
        #expect(!Self.decodes(cell([1, 1, 2, 0xC3, 0x28])))
        #expect(!Self.decodes(cell([1, 1, 3, 0xED, 0xA0, 0x80])), "a UTF-16 surrogate")
        func styled(_ style: [UInt8]) -> [UInt8] {
            var w = Bytes.header(lines: 1)
            w.u16(0); w.u16(1); w.b += style; w.u16(1); w.u8(0x41)
            return w.b
        }
        #expect(Self.decodes(styled([TerminalStyle.allFlags, 3, 1, 200, 2, 1, 2, 3])))
        #expect(!Self.decodes(styled([TerminalStyle.allFlags + 1, 0, 0, 0])))
        #expect(!Self.decodes(styled([0, 4, 0, 0])))
        #expect(!Self.decodes(styled([0, 0, 3, 0])))
        #expect(!Self.decodes(styled([0, 0, 0, 3])))
    }

    @Test("Applying accepted hostile frames leaves a well-formed screen")
    func applyingMutations() {
        var screen = TerminalScreen(size: TerminalSize(rows: 3, columns: 8))
        for index in Self.valid.indices {
            for value: UInt8 in [0, 1, 2, 0x20, 0x7F, 0x80, 0xFF] {
                var bytes = Self.valid
                bytes[index] = value
                guard let frame = try? ScreenFrame(decoding: bytes) else { continue }
                _ = frame.apply(to: &screen)
                #expect(screen.wideCharactersArePaired)
                #expect(screen.lines.count == screen.size.rows && screen.lines.allSatisfy { $0.cells.count == screen.size.columns })
                #expect(!screen.lines.contains { $0.cells.contains(where: \.hasControlCharacter) })
            }
        }
    }
}

extension TerminalCursor {
    /// The cursor moved onto a screen of `size`.
    func clamped(to size: TerminalSize) -> TerminalCursor {
        TerminalCursor(row: min(row, size.rows - 1), column: min(column, size.columns - 1), isVisible: isVisible)
    }
}
