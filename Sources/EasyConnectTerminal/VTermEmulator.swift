import CVTerm
import EasyConnect

/// A terminal emulator: libvterm's state machine (escape sequences, modes, cursor, pen, scroll regions,
/// character sets, UTF-8) reading a program's output, with the resulting cells kept in a `TerminalScreen`.
///
/// libvterm's own screen layer is not used: it copies every cell of the screen for each line scrolled,
/// while `TerminalScreen` moves rows, so a program printing millions of lines costs little per line.
/// Answers the terminal owes the program (device attributes, cursor position reports) collect in
/// `takeReplies()`: write them back to the pseudo-terminal.
///
/// Not thread-safe: use one emulator from one thread (or actor) at a time.
public final class VTermEmulator {
    /// The screen as the program drew it.
    public private(set) var screen: TerminalScreen
    /// The window title the program set (OSC 0/2), if any.
    public private(set) var title: String?
    private let vt: OpaquePointer
    private let state: OpaquePointer
    private let callbacks: UnsafeMutablePointer<VTermStateCallbacks>
    private var pen = TerminalStyle.plain
    /// Where libvterm's cursor is, as it reported it (it can be off a screen that shrank).
    private var libvtermCursor = (row: 0, column: 0)
    private var replies: [UInt8] = []
    private var pendingUTF8: [UInt8] = []
    private var hasShrunk = false

    /// An emulator for a terminal of `size` (clamped to `TerminalSize.maximum`).
    public init(size: TerminalSize) {
        let size = TerminalSize(rows: min(max(size.rows, 1), TerminalSize.maximum.rows), columns: min(max(size.columns, 1), TerminalSize.maximum.columns))
        screen = TerminalScreen(size: size)
        vt = vterm_new(Int32(size.rows), Int32(size.columns))
        vterm_set_utf8(vt, 1)
        state = vterm_obtain_state(vt)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: Self.makeCallbacks())
        let me = Unmanaged.passUnretained(self).toOpaque()
        vterm_state_set_callbacks(state, callbacks, me)
        vterm_state_set_bold_highbright(state, 0)
        vterm_output_set_callback(vt, { bytes, count, user in
            guard let bytes, let user else { return }
            let emulator = Unmanaged<VTermEmulator>.fromOpaque(user).takeUnretainedValue()
            emulator.replies.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
        }, me)
        vterm_state_reset(state, 1)
    }

    deinit {
        vterm_free(vt)
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }

    /// Reads `bytes` of the program's output.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        guard !pendingUTF8.isEmpty || bytes.contains(where: { $0 >= 0x80 }) else {
            feed(bytes)
            return
        }
        // libvterm's UTF-8 decoder keeps a started sequence across controls and escape sequences, and gives
        // the C1 controls U+0080…U+009F a width of -1: its cursor then goes left of column 0 and it indexes its
        // arrays there. So it gets whole sequences only: a C1 control is dropped, a sequence cut short by
        // another byte becomes U+FFFD, one cut by the end of the output waits for the next write.
        let input = pendingUTF8 + Array(bytes)
        pendingUTF8 = []
        var clean: [UInt8] = []
        clean.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let lead = input[i]
            guard (0xC0...0xFD).contains(lead) else {
                clean.append(lead)  // ASCII, or a byte libvterm reads alone as U+FFFD
                i += 1
                continue
            }
            let length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : lead < 0xFC ? 5 : 6
            var end = i + 1
            while end < input.count, end < i + length, input[end] & 0xC0 == 0x80 { end += 1 }
            if end == i + length {
                if lead != 0xC2 || input[i + 1] >= 0xA0 { clean += input[i..<end] }
            } else if end == input.count {
                pendingUTF8 = Array(input[i...])
            } else {
                clean += [0xEF, 0xBF, 0xBD]
            }
            i = end
        }
        clean.withUnsafeBytes { feed($0) }
    }

    /// Reads `bytes` of the program's output.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Hands `bytes` to libvterm. Once the screen has shrunk, a cursor position saved before (DECSC, the
    /// alternate screen) can be off the screen: libvterm restores it as it is, then indexes its line and
    /// tab-stop arrays with it (or, after a CSI, clamps it without a `movecursor`). So the bytes go in pieces
    /// that each start with an ESC, and a cursor left off the screen is put back on it before the next piece.
    private func feed(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard hasShrunk else {
            _ = vterm_input_write(vt, base.assumingMemoryBound(to: CChar.self), bytes.count)
            return
        }
        var start = 0
        while start < bytes.count {
            var end = start + 1
            while end < bytes.count, bytes[end] != 0x1B { end += 1 }
            _ = vterm_input_write(vt, (base + start).assumingMemoryBound(to: CChar.self), end - start)
            start = end
            // libvterm's own cursor, which the screen's is a clamped copy of.
            let cursor = (row: libvtermCursor.row, column: libvtermCursor.column), size = screen.size
            if cursor.row >= size.rows || cursor.column >= size.columns {
                let move = Array("\u{1B}[\(min(cursor.row, size.rows - 1) + 1);\(min(cursor.column, size.columns - 1) + 1)H".utf8)
                move.withUnsafeBytes { _ = vterm_input_write(vt, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
                // After a CSI, libvterm has already clamped its cursor without telling: take it from there.
                var position = VTermPos()
                vterm_state_get_cursorpos(state, &position)
                (screen.cursor.row, screen.cursor.column) = (Int(position.row), Int(position.col))
                libvtermCursor = (Int(position.row), Int(position.col))
            }
        }
    }

    /// Changes the terminal's size (the program learns it from the pseudo-terminal's window size).
    public func resize(to size: TerminalSize) {
        guard size.isValid, size != screen.size else { return }
        let fewerRows = size.rows < screen.size.rows
        if fewerRows || size.columns < screen.size.columns { hasShrunk = true }
        vterm_set_size(vt, Int32(size.rows), Int32(size.columns))
        // libvterm 0.1 keeps a scroll region's top row when it is no longer on the screen, and its next scroll
        // moves memory by a negative height: drop the region (a program sets it again as it redraws for its
        // new size), keeping the cursor.
        if fewerRows { Array("\u{1B}[r\u{1B}[\(screen.cursor.row + 1);\(screen.cursor.column + 1)H".utf8).withUnsafeBytes { feed($0) } }
    }

    /// What the terminal answered the program since the last call.
    public func takeReplies() -> [UInt8] {
        defer { replies = [] }
        return replies
    }

    // MARK: - libvterm's callbacks

    private static func emulator(_ user: UnsafeMutableRawPointer?) -> VTermEmulator {
        Unmanaged<VTermEmulator>.fromOpaque(user!).takeUnretainedValue()
    }

    private static func rect(_ r: VTermRect) -> TerminalRect {
        TerminalRect(startRow: Int(r.start_row), endRow: Int(r.end_row), startColumn: Int(r.start_col), endColumn: Int(r.end_col))
    }

    private static func color(_ c: VTermColor, foreground: Bool) -> TerminalColor {
        if foreground ? (c.type & UInt8(VTERM_COLOR_DEFAULT_FG.rawValue) != 0) : (c.type & UInt8(VTERM_COLOR_DEFAULT_BG.rawValue) != 0) { return .default }
        if c.type & UInt8(VTERM_COLOR_TYPE_MASK.rawValue) == UInt8(VTERM_COLOR_INDEXED.rawValue) { return .indexed(c.indexed.idx) }
        return .rgb(c.rgb.red, c.rgb.green, c.rgb.blue)
    }

    private static func makeCallbacks() -> VTermStateCallbacks {
        var c = VTermStateCallbacks()
        c.putglyph = { info, pos, user in
            // Width 0: a combining mark with no character to join; libvterm keeps the cursor where it is.
            guard let info, info.pointee.width > 0 else { return 1 }
            let e = VTermEmulator.emulator(user)
            let chars = info.pointee.chars!
            if chars[0] >= 0x20, chars[0] < 0x7F, chars[1] == 0, info.pointee.width == 1 {
                e.screen.put(TerminalCell(ascii: UInt8(chars[0]), style: e.pen), row: Int(pos.row), column: Int(pos.col))
                return 1
            }
            let text: String
            do {
                var s = ""
                var i = 0
                while i < 6, chars[i] != 0 {
                    if let scalar = Unicode.Scalar(chars[i]) { s.unicodeScalars.append(scalar) }
                    i += 1
                }
                text = s
            }
            e.screen.put(text, width: Int(info.pointee.width), row: Int(pos.row), column: Int(pos.col), style: e.pen)
            return 1
        }
        c.movecursor = { pos, _, visible, user in
            let e = VTermEmulator.emulator(user)
            // libvterm restores a saved cursor (DECRC, CSI u, modes 1048 and 1049) as it was saved, even
            // when the screen has shrunk since: keep the screen's cursor on the screen, as xterm does.
            let size = e.screen.size
            e.libvtermCursor = (Int(pos.row), Int(pos.col))
            e.screen.cursor = TerminalCursor(
                row: min(max(0, Int(pos.row)), size.rows - 1), column: min(max(0, Int(pos.col)), size.columns - 1), isVisible: visible != 0)
            return 1
        }
        c.scrollrect = { rect, down, right, user in
            let e = VTermEmulator.emulator(user)
            e.screen.scroll(VTermEmulator.rect(rect), down: Int(down), right: Int(right), eraseStyle: e.pen)
            return 1
        }
        c.moverect = { dest, src, user in
            VTermEmulator.emulator(user).screen.move(VTermEmulator.rect(dest), from: VTermEmulator.rect(src))
            return 1
        }
        c.erase = { rect, _, user in
            let e = VTermEmulator.emulator(user)
            e.screen.erase(VTermEmulator.rect(rect), style: e.pen)
            return 1
        }
        c.initpen = { user in
            VTermEmulator.emulator(user).pen = .plain
            return 1
        }
        c.setpenattr = { attr, value, user in
            guard let value else { return 1 }
            let e = VTermEmulator.emulator(user)
            func flag(_ bit: UInt8) {
                if value.pointee.boolean != 0 { e.pen.flags |= bit } else { e.pen.flags &= ~bit }
            }
            switch attr {
            case VTERM_ATTR_BOLD: flag(TerminalStyle.bold)
            case VTERM_ATTR_ITALIC: flag(TerminalStyle.italic)
            case VTERM_ATTR_BLINK: flag(TerminalStyle.blink)
            case VTERM_ATTR_REVERSE: flag(TerminalStyle.reverse)
            case VTERM_ATTR_STRIKE: flag(TerminalStyle.strike)
            case VTERM_ATTR_UNDERLINE: e.pen.underline = UInt8(clamping: max(0, min(3, Int(value.pointee.number))))
            case VTERM_ATTR_FOREGROUND: e.pen.foreground = VTermEmulator.color(value.pointee.color, foreground: true)
            case VTERM_ATTR_BACKGROUND: e.pen.background = VTermEmulator.color(value.pointee.color, foreground: false)
            default: break
            }
            return 1
        }
        c.settermprop = { prop, value, user in
            guard let value else { return 1 }
            let e = VTermEmulator.emulator(user)
            switch prop {
            case VTERM_PROP_ALTSCREEN: e.screen.setAlternateScreen(value.pointee.boolean != 0)
            case VTERM_PROP_CURSORVISIBLE: e.screen.cursor.isVisible = value.pointee.boolean != 0
            case VTERM_PROP_TITLE:
                if let s = value.pointee.string { e.title = String(cString: s) }
            default: break
            }
            return 1
        }
        c.resize = { rows, columns, delta, user in
            let e = VTermEmulator.emulator(user)
            let moved = e.screen.resize(to: TerminalSize(rows: Int(rows), columns: Int(columns)))
            if let delta { delta.pointee.row -= Int32(moved) }
            return 1
        }
        return c
    }
}
