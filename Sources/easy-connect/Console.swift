import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Output of the command. Every line goes out with one unbuffered `write`, so a script reading stdout gets
/// each JSON object as soon as it is printed, whole. In JSON mode stdout carries only JSON; sentences for
/// people go to stderr.
final class Console {
    /// JSON mode.
    let json: Bool
    /// Whether stderr is a terminal (a redrawn progress bar is shown there).
    let stderrIsTerminal = isatty(2) == 1
    /// Whether stdin is a terminal.
    let stdinIsTerminal = isatty(0) == 1
    /// The command's name for messages: `easy-connect invite`.
    let command: String
    /// Whether a progress bar is drawn on stderr's last line now.
    private var progressShown = false

    /// Starts the console of `command` (`easy-connect invite`).
    init(command: String, json: Bool) {
        self.command = command
        self.json = json
    }

    /// Writes `line` and a newline to stdout.
    func out(_ line: String) {
        clearProgress()
        Self.writeAll(1, line + "\n")
    }

    /// Writes the JSON object as one line on stdout (JSON mode).
    func emit(_ object: [String: JSONValue]) { out(EventJSON.line(object)) }

    /// Writes `line` and a newline to stderr.
    func err(_ line: String) {
        clearProgress()
        Self.writeAll(2, line + "\n")
    }

    /// Draws `text` over stderr's last line (a terminal only): the progress bar.
    func drawProgress(_ text: String) {
        guard stderrIsTerminal else { return }
        Self.writeAll(2, "\r" + text + "\u{1B}[K")
        progressShown = true
    }

    /// Erases the progress bar, if one is drawn.
    func clearProgress() {
        guard progressShown else { return }
        progressShown = false
        Self.writeAll(2, "\r\u{1B}[K")
    }

    /// Writes `text` to `fd` completely (retrying short writes and interruptions); gives up silently when
    /// the reader is gone.
    static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            done += n
        }
        bytes.removeAll()
    }

    /// Reports a failure of the command before or instead of a session, and returns the exit code to throw.
    func fail(_ failure: CommandFailure) -> ExitCode {
        if json {
            emit(EventJSON.error(code: failure.code, message: failure.message).merging(failure.fields) { kept, _ in kept })
            emit(EventJSON.disconnected(reason: failure.reason, message: failure.message, exitStatus: failure.status.rawValue))
        } else {
            err("\(command): \(Self.shown(failure.message))")
        }
        return failure.status.exitCode
    }

    /// A message of the library, which escapes what came from the network already: escaped again only if it
    /// still holds a control character.
    static func shown(_ text: String) -> String {
        DisplayText.containsControl(text) ? DisplayText.escaped(text) : text
    }
}

// MARK: - Formatting

/// `1.2 MB`, `512 bytes`: sizes for people (powers of 1000, as file managers show them).
func formatBytes(_ n: UInt64) -> String {
    if n < 1000 { return n == 1 ? "1 byte" : "\(n) bytes" }
    let units = ["kB", "MB", "GB", "TB", "PB"]
    var value = Double(n) / 1000
    var unit = 0
    while value >= 999.95, unit < units.count - 1 {
        value /= 1000
        unit += 1
    }
    return (value < 10 ? String(format: "%.1f", value) : String(format: "%.0f", value)) + " " + units[unit]
}

/// Local wall-clock time of `unixSeconds`, `10:45`.
func formatClock(_ unixSeconds: UInt64) -> String {
    var t = time_t(clamping: unixSeconds)
    var parts = tm()
    localtime_r(&t, &parts)
    return String(format: "%02d:%02d", parts.tm_hour, parts.tm_min)
}
