import EasyConnect
import Foundation

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

    /// The terminal in raw mode now, and its mode to restore: for `restoreBeforeExit`, which runs on the
    /// way out of a process that cannot unwind (a second signal).
    private static let activeLock = NSLock()
    nonisolated(unsafe) private static var active: (input: Int32, output: Int32, mode: termios)?

    /// Gives the terminal back (mode, main screen, cursor) when one is in raw mode; for a process about to
    /// `_exit`.
    public static func restoreBeforeExit() {
        activeLock.lock()
        defer { activeLock.unlock() }
        guard var a = active else { return }
        FileDescriptor.writeAll(a.output, TerminalRenderer.restore + Array("\u{1B}[?7h\u{1B}[?1049l".utf8))
        tcsetattr(a.input, TCSAFLUSH, &a.mode)
        active = nil
    }

    /// Switches to raw mode, the alternate screen and no automatic wrap at the right margin (a character
    /// wider than expected must not scroll the window). Returns false (changing nothing) when input is not a
    /// terminal.
    @discardableResult
    public func enter() -> Bool {
        guard saved == nil else { return true }
        var mode = termios()
        guard tcgetattr(input, &mode) == 0 else { return false }
        saved = mode
        Self.activeLock.lock()
        Self.active = (input, output, mode)
        Self.activeLock.unlock()
        cfmakeraw(&mode)
        tcsetattr(input, TCSAFLUSH, &mode)
        write(Array("\u{1B}[?1049h\u{1B}[?7l\u{1B}[H\u{1B}[2J".utf8))
        return true
    }

    /// Leaves the alternate screen and restores the terminal's mode.
    public func restore() {
        guard var mode = saved else { return }
        write(TerminalRenderer.restore + Array("\u{1B}[?7h\u{1B}[?1049l".utf8))
        tcsetattr(input, TCSAFLUSH, &mode)
        saved = nil
        Self.activeLock.lock()
        Self.active = nil
        Self.activeLock.unlock()
    }

    /// Writes `bytes` to the terminal, all of them.
    public func write(_ bytes: [UInt8]) {
        FileDescriptor.writeAll(output, bytes)
    }
}
