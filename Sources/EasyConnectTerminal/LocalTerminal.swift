import EasyConnect

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The person's own terminal while a shared screen is shown on it: raw mode (every key reaches the
/// program at once, nothing echoed, no signal keys), the terminal's alternate screen (what was on it comes
/// back afterwards), and its size. `restore()` puts everything back; call it on every way out.
public final class LocalTerminal: @unchecked Sendable {
    private let input: Int32
    private let output: Int32
    private var saved: termios?

    /// The terminal on `input` and `output` (standard input and output by default).
    public init(input: Int32 = 0, output: Int32 = 1) { (self.input, self.output) = (input, output) }

    /// True when both are terminals.
    public var isTerminal: Bool { isatty(input) == 1 && isatty(output) == 1 }

    /// The window's size, if the terminal knows it.
    public var size: TerminalSize? {
        var window = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0, window.ws_col > 0 else { return nil }
        return TerminalSize(rows: Int(window.ws_row), columns: Int(window.ws_col))
    }

    /// Switches to raw mode and the alternate screen. Returns false (changing nothing) when input is not a
    /// terminal.
    @discardableResult
    public func enter() -> Bool {
        guard saved == nil else { return true }
        var mode = termios()
        guard tcgetattr(input, &mode) == 0 else { return false }
        saved = mode
        cfmakeraw(&mode)
        tcsetattr(input, TCSAFLUSH, &mode)
        write(Array("\u{1B}[?1049h\u{1B}[H\u{1B}[2J".utf8))
        return true
    }

    /// Leaves the alternate screen and restores the terminal's mode.
    public func restore() {
        guard var mode = saved else { return }
        write(TerminalRenderer.restore + Array("\u{1B}[?1049l".utf8))
        tcsetattr(input, TCSAFLUSH, &mode)
        saved = nil
    }

    /// Writes `bytes` to the terminal, all of them.
    public func write(_ bytes: [UInt8]) {
        FileDescriptor.writeAll(output, bytes)
    }
}
