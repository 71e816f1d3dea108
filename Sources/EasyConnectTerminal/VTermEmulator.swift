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
    private var replies: [UInt8] = []

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
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = vterm_input_write(vt, base.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// Reads `bytes` of the program's output.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    /// Changes the terminal's size (the program learns it from the pseudo-terminal's window size).
    public func resize(to size: TerminalSize) {
        guard size.isValid, size != screen.size else { return }
        vterm_set_size(vt, Int32(size.rows), Int32(size.columns))
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

    /// Single ASCII characters as strings, made once.
    private static let ascii: [String] = (0..<128).map { String(UnicodeScalar(UInt8($0))) }

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
            guard let info else { return 1 }
            let e = VTermEmulator.emulator(user)
            let chars = info.pointee.chars!
            let text: String
            if chars[0] < 128, chars[1] == 0 {
                text = VTermEmulator.ascii[Int(chars[0])]
            } else {
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
