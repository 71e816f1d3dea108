/// Draws a `TerminalScreen` on a real terminal (a window of another size, perhaps) with a status line at
/// the bottom, sending only the rows that changed since the last drawing: the bytes it returns are ANSI
/// escape sequences (cursor position, SGR, erase in line) and the cells' text.
///
/// Cell text is drawn only when it holds no control character, so a screen received from a peer cannot
/// smuggle escape sequences into the local terminal.
public struct TerminalRenderer: Sendable {
    /// What each window row shows (nil: unknown, redrawn next time).
    private var drawn: [TerminalLine?] = []
    private var drawnStatus: String?
    private var window: TerminalSize?
    private var drawnCursor: TerminalCursor?

    /// A renderer that draws everything the first time.
    public init() {}

    /// Forgets what the window shows: the next `render` redraws it all (after a resize, or when something
    /// else wrote to the terminal).
    public mutating func invalidate() {
        drawn = []
        drawnStatus = nil
        window = nil
        drawnCursor = nil
    }

    /// The bytes that bring a window of `window` cells to `screen` (top left) with `status` on its last
    /// row. Rows of the window the screen does not cover are cleared. `cursor`: where the cursor should be
    /// left (nil: the screen's cursor, hidden when the screen hides it).
    public mutating func render(_ screen: TerminalScreen, window: TerminalSize, status: String, cursor: TerminalCursor? = nil) -> [UInt8] {
        var out: [UInt8] = []
        if self.window != window {
            drawn = Array(repeating: nil, count: window.rows)
            drawnStatus = nil
            drawnCursor = nil
            self.window = window
            out += Array("\u{1B}[0m\u{1B}[2J".utf8)
        }
        let screenRows = max(0, window.rows - 1)
        let shownColumns = min(screen.size.columns, window.columns)
        var hidCursor = false
        func hideCursor() {
            if !hidCursor {
                out += Array("\u{1B}[?25l".utf8)
                hidCursor = true
            }
        }
        for row in 0..<screenRows {
            let line: TerminalLine? = row < screen.size.rows ? screen.lines[row] : nil
            let blank = TerminalLine(cells: [])
            let wanted = line ?? blank
            if let shown = drawn[row], shown == wanted { continue }
            hideCursor()
            Self.moveTo(row: row, column: 0, into: &out)
            if let line { Self.draw(line, columns: shownColumns, into: &out) }
            out += Array("\u{1B}[0m".utf8)
            if line == nil || shownColumns < window.columns { out += Array("\u{1B}[K".utf8) }
            drawn[row] = wanted
        }
        if window.rows >= 2, drawnStatus != status {
            hideCursor()
            Self.moveTo(row: window.rows - 1, column: 0, into: &out)
            out += Array("\u{1B}[0;7m".utf8)
            var shown = 0
            for character in status {
                let text = Self.isDrawable(String(character)) ? String(character) : "?"
                // Past the last column the terminal would wrap, and scroll the whole window up.
                let columns = Self.isWide(character) ? 2 : 1
                guard shown + columns <= window.columns else { break }
                out += Array(text.utf8)
                shown += columns
            }
            if shown < window.columns { out += Array(String(repeating: " ", count: window.columns - shown).utf8) }
            out += Array("\u{1B}[0m".utf8)
            drawnStatus = status
        }
        let target = cursor ?? screen.cursor
        let visible = target.isVisible && target.row < screenRows && target.column < window.columns
        if hidCursor || drawnCursor != target {
            if visible {
                Self.moveTo(row: target.row, column: target.column, into: &out)
                out += Array("\u{1B}[?25h".utf8)
            } else if !hidCursor {
                out += Array("\u{1B}[?25l".utf8)
            }
            drawnCursor = target
        }
        return out
    }

    /// The bytes that leave the terminal as the program found it: default style, cursor shown.
    public static let restore: [UInt8] = Array("\u{1B}[0m\u{1B}[?25h".utf8)

    private static func moveTo(row: Int, column: Int, into out: inout [UInt8]) {
        out += Array("\u{1B}[\(row + 1);\(column + 1)H".utf8)
    }

    private static func draw(_ line: TerminalLine, columns: Int, into out: inout [UInt8]) {
        var current: TerminalStyle?
        var column = 0
        // Trailing default blanks are cleared by the erase that follows instead of drawn.
        let end = min(columns, line.usedCount)
        while column < end {
            let cell = line.cells[column]
            if cell.width == 0 {
                column += 1
                continue
            }
            if current != cell.style {
                out += sgr(cell.style)
                current = cell.style
            }
            if cell.width == 2, column + 1 >= columns {
                out.append(0x20)  // half a wide character does not fit
            } else if let b = cell.asciiByte, (0x20...0x7E).contains(b) {
                out.append(b)
            } else if cell.isEmpty || !isDrawable(cell.text) {
                out.append(0x20)
                if cell.width == 2 { out.append(0x20) }
            } else {
                out += cell.textBytes
            }
            column += Int(max(cell.width, 1))
        }
        if end < columns, current != .plain, current != nil { out += Array("\u{1B}[0m".utf8) }
        if end < min(columns, line.cells.count) { out += Array("\u{1B}[K".utf8) }
    }

    /// True for a character terminals draw two columns wide: East Asian wide and fullwidth characters and
    /// emoji (the ranges of Markus Kuhn's `wcwidth`, which libvterm uses).
    static func isWide(_ character: Character) -> Bool {
        guard let v = character.unicodeScalars.first?.value, v >= 0x1100 else { return false }
        return v <= 0x115F || v == 0x2329 || v == 0x232A || (0x2E80...0xA4CF).contains(v) && v != 0x303F || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE10...0xFE19).contains(v) || (0xFE30...0xFE6F).contains(v) || (0xFF00...0xFF60).contains(v)
            || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v) || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x2FFFD).contains(v)
            || (0x30000...0x3FFFD).contains(v)
    }

    /// True when `text` holds no control character (C0, DEL, C1) and no line separator or bidirectional
    /// override (`DisplayText.isControl`), which could move or reorder what the terminal shows.
    static func isDrawable(_ text: String) -> Bool {
        !DisplayText.containsControl(text)
    }

    /// `CSI 0;… m` for `style`.
    static func sgr(_ style: TerminalStyle) -> [UInt8] {
        var s = "\u{1B}[0"
        if style.flags & TerminalStyle.bold != 0 { s += ";1" }
        if style.flags & TerminalStyle.italic != 0 { s += ";3" }
        switch style.underline {
        case 1: s += ";4"
        case 2: s += ";21"
        case 3: s += ";4:3"
        default: break
        }
        if style.flags & TerminalStyle.blink != 0 { s += ";5" }
        if style.flags & TerminalStyle.reverse != 0 { s += ";7" }
        if style.flags & TerminalStyle.strike != 0 { s += ";9" }
        switch style.foreground {
        case .default: break
        case .indexed(let i) where i < 8: s += ";\(30 + Int(i))"
        case .indexed(let i) where i < 16: s += ";\(90 + Int(i) - 8)"
        case .indexed(let i): s += ";38;5;\(i)"
        case .rgb(let r, let g, let b): s += ";38;2;\(r);\(g);\(b)"
        }
        switch style.background {
        case .default: break
        case .indexed(let i) where i < 8: s += ";\(40 + Int(i))"
        case .indexed(let i) where i < 16: s += ";\(100 + Int(i) - 8)"
        case .indexed(let i): s += ";48;5;\(i)"
        case .rgb(let r, let g, let b): s += ";48;2;\(r);\(g);\(b)"
        }
        return Array((s + "m").utf8)
    }
}
