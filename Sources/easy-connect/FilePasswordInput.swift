import EasyConnect
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The password of an invitation file: from the first line of standard input (`--file-password-stdin`), from
/// `$EASY_CONNECT_FILE_PASSWORD`, or typed at a prompt without echo (twice when a file is written, so that a
/// typo does not lock the Helper out). It is never printed or logged.
enum FilePasswordInput {
    /// The environment variable scripts may give the file password in.
    static let environmentVariable = "EASY_CONNECT_FILE_PASSWORD"

    /// Reads the file password. `confirm` asks for it twice at a terminal. Nil when the person stopped at the
    /// prompt (a signal).
    static func read(
        confirm: Bool, fromStandardInput: Bool, console: Console, items: inout AsyncStream<Inbox.Item>.Iterator
    ) async throws(CommandFailure) -> InvitationFilePassword? {
        if fromStandardInput, !console.stdinIsTerminal {
            guard case .line(let text)? = await nextLine(&items) else { throw .badInput("no file password on standard input (--file-password-stdin reads its first line)", code: "bad-password") }
            return try parse(text)
        }
        if fromStandardInput {
            // A terminal after all: its first line, without echo.
            guard let text = try await prompt("File password: ", console: console, items: &items) else { return nil }
            return try parse(text)
        }
        if let text = ProcessInfo.processInfo.environment[environmentVariable] { return try parse(text) }
        guard !console.json else {
            throw .badInput("with --json, give the file password on the first line of standard input (--file-password-stdin) or in \(environmentVariable)", code: "bad-password")
        }
        guard console.stdinIsTerminal else {
            // A pipe: its first line is the password, as with --file-password-stdin.
            guard case .line(let text)? = await nextLine(&items) else { throw .badInput("no file password was given", code: "bad-password") }
            return try parse(text)
        }
        while true {
            guard let first = try await prompt("File password (at least \(InvitationFilePassword.minimumCharacters) characters): ", console: console, items: &items) else { return nil }
            let password: InvitationFilePassword
            do {
                password = try InvitationFilePassword(first)
            } catch {
                console.out("\(sentence(error.description)) Try again, or press Ctrl-C to stop.")
                continue
            }
            guard confirm else { return password }
            guard let second = try await prompt("Type it again: ", console: console, items: &items) else { return nil }
            if second == first { return password }
            console.out("The two passwords differ. Try again, or press Ctrl-C to stop.")
        }
    }

    /// Asks once with echo off; nil on a signal.
    static func prompt(_ text: String, console: Console, items: inout AsyncStream<Inbox.Item>.Iterator) async throws(CommandFailure) -> String? {
        let echo = TerminalEcho.off()
        Console.writeAll(1, text)
        defer { echo.restore() }
        while let item = await items.next() {
            switch item {
            case .line(let line):
                Console.writeAll(1, "\n")
                return line
            case .inputEnded:
                Console.writeAll(1, "\n")
                throw .badInput("no file password was typed", code: "bad-password")
            case .signal:
                Console.writeAll(1, "\n")
                console.err("\(console.command): stopped before the invitation file was used")
                return nil
            case .event, .deadline, .keys, .terminal:
                continue
            }
        }
        throw .badInput("no file password was typed", code: "bad-password")
    }

    private static func nextLine(_ items: inout AsyncStream<Inbox.Item>.Iterator) async -> Inbox.Item? {
        while let item = await items.next() {
            switch item {
            case .line, .inputEnded, .signal: return item
            case .event, .deadline, .keys, .terminal: continue
            }
        }
        return nil
    }

    private static func parse(_ text: String) throws(CommandFailure) -> InvitationFilePassword {
        do {
            return try InvitationFilePassword(text)
        } catch {
            throw .badInput(error.description, code: "bad-password")
        }
    }

    private static func sentence(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + "."
    }
}

/// Turns the terminal's echo off while a password is typed (standard input only, and only a terminal).
struct TerminalEcho {
    private let saved: termios?

    /// Echo off now; `restore()` puts the terminal back as it was.
    static func off() -> TerminalEcho {
        guard isatty(0) == 1 else { return TerminalEcho(saved: nil) }
        var settings = termios()
        guard tcgetattr(0, &settings) == 0 else { return TerminalEcho(saved: nil) }
        var quiet = settings
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(0, TCSANOW, &quiet)
        return TerminalEcho(saved: settings)
    }

    /// Restores the settings saved by `off()`.
    func restore() {
        guard var settings = saved else { return }
        _ = tcsetattr(0, TCSANOW, &settings)
    }
}
