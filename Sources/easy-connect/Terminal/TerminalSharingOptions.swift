import ArgumentParser
import EasyConnect
import Foundation

/// The options of a User who shares a terminal (`invite`, `listen`): the program to run, the bandwidth
/// level and the panic key (over the settings), the screen size when no terminal shows it.
struct TerminalSharingOptions: ParsableArguments {
    @Flag(
        name: .customLong("share-terminal"),
        help: ArgumentHelp(
            "Once you accept the helper, share a terminal: your shell (or --command) runs in a new terminal shown to you and to the helper.",
            discussion:
                "The helper sees it live (Screen Sharing); when they ask for control and you allow it, their keys reach it too, with your rights. Ctrl-] then ? lists the keys; the panic key (Esc) takes control back at once. Example: easy-connect invite --share-terminal"
        ))
    var shareTerminal = false

    @Option(
        name: .customLong("command"),
        help: ArgumentHelp(
            "With --share-terminal: the program to share instead of your shell, run by /bin/sh -c.", discussion: "Example: --share-terminal --command htop",
            valueName: "command"))
    var command: String?

    @Option(
        name: .customLong("bandwidth"),
        help: ArgumentHelp(
            "With --share-terminal: none (every update), no-full-window-drag (≤ 30 frames/s), no-background (≤ 30 frames/s, compressed) or full (≤ 10 frames/s, compressed, 256 colours). Default: the bandwidth setting.",
            discussion: "Example: --bandwidth none", valueName: "level"))
    var bandwidth: String?

    @Option(
        name: .customLong("panic-key"),
        help: ArgumentHelp(
            "With --share-terminal: esc, ctrl-a … ctrl-z or none; it ends shared control at once and is never typed (default: the panic-key setting, Esc).",
            discussion: "Ctrl-] then e types a literal Esc. Example: --panic-key ctrl-g", valueName: "key"))
    var panicKey: String?

    @Option(
        name: .customLong("terminal-size"),
        help: ArgumentHelp(
            "With --share-terminal when standard output is not a terminal: the shared screen's size, COLUMNSxROWS (default 80x24).",
            discussion: "Example: --terminal-size 100x30", valueName: "size"))
    var terminalSize: String?

    func validate() throws {
        if !shareTerminal, command != nil || bandwidth != nil || panicKey != nil || terminalSize != nil {
            throw ValidationError("--command, --bandwidth, --panic-key and --terminal-size go with --share-terminal")
        }
        if let command, command.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--command must not be empty") }
        if let bandwidth, BandwidthLevel(rawValue: bandwidth.lowercased()) == nil {
            throw ValidationError("--bandwidth must be one of \(BandwidthLevel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let panicKey, SharingKeyboard.PanicKey(panicKey) == nil { throw ValidationError("--panic-key must be esc, ctrl-a … ctrl-z (not ctrl-i or ctrl-m) or none") }
        if let terminalSize, Self.parseSize(terminalSize) == nil {
            throw ValidationError("--terminal-size must be COLUMNSxROWS, such as 80x24 (1x1 to \(TerminalSize.maximum.columns)x\(TerminalSize.maximum.rows))")
        }
    }

    /// `COLUMNSxROWS`.
    static func parseSize(_ text: String) -> TerminalSize? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let columns = Int(parts[0]), let rows = Int(parts[1]) else { return nil }
        let size = TerminalSize(rows: rows, columns: columns)
        return size.isValid ? size : nil
    }

    /// What the session shares, with the settings applied; nil without `--share-terminal`. A value the policy
    /// fixes otherwise is refused (exit status 13).
    func request(_ effective: EffectiveSettings) throws(CommandFailure) -> TerminalSharingRequest? {
        guard shareTerminal else { return nil }
        var level = effective.settings.bandwidth
        if let bandwidth, let given = BandwidthLevel(rawValue: bandwidth.lowercased()) {
            let source = effective.source(of: .bandwidth)
            if source.layer == .policy, given != level {
                throw .notAllowed("--bandwidth \(given.rawValue): the policy sets bandwidth = \(level.rawValue) (\(source))", key: .bandwidth)
            }
            level = given
        }
        var panic = effective.settings.panicKey
        if let panicKey, let given = SharingKeyboard.PanicKey(panicKey) {
            let source = effective.source(of: .panicKey)
            if source.layer == .policy, given != panic {
                throw .notAllowed("--panic-key \(given.settingText): the policy sets panic-key = \(panic.settingText) (\(source))", key: .panicKey)
            }
            panic = given
        }
        let shell = ProcessInfo.processInfo.environment["SHELL"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/bin/sh"
        let arguments = command.map { ["/bin/sh", "-c", $0] } ?? [shell]
        return TerminalSharingRequest(
            arguments: arguments, bandwidth: level, panicKey: panic, headlessSize: terminalSize.flatMap(Self.parseSize) ?? TerminalSize(rows: 24, columns: 80))
    }
}

/// A terminal to share, decided from the options and the settings.
struct TerminalSharingRequest: Sendable {
    /// The program and its arguments.
    var arguments: [String]
    /// How hard the screen saves bandwidth.
    var bandwidth: BandwidthLevel
    /// The key that ends Control Sharing at once.
    var panicKey: SharingKeyboard.PanicKey
    /// The screen size when standard output is not a terminal.
    var headlessSize: TerminalSize
}
