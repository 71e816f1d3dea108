import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

/// `easy-connect settings [show]|check FILE`: the settings in force with their sources, and a validator.
struct SettingsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show the settings in force and where each comes from, or check a settings file.",
        discussion: """
            Two files can fix rules for Easy Connect, as Windows Remote Assistance's policy does:

              policy    the administrator's: /etc/easy-connect/policy.conf
                        (or $EASY_CONNECT_POLICY, or --policy-file)
              settings  your own: $XDG_CONFIG_HOME/easy-connect/settings.conf,
                        else ~/.config/easy-connect/settings.conf
                        (or $EASY_CONNECT_SETTINGS, or --settings-file)

            Each value comes from the policy when it sets the key, else from your settings file, else from the \
            default: the policy wins key by key, and a key it does not set stays yours to choose. A file at its \
            standard place may be absent; a file named by a variable or an option must exist (an empty file, or \
            /dev/null, sets nothing). An invalid file stops `invite` and `help` with exit code 2, naming the \
            file, the line and the key; nothing is ever written to these files.

            Format: UTF-8 text, one `key = value` per line; `#` starts a comment; blank lines are ignored; LF or \
            CRLF line ends. Keys are kebab-case; an unknown key, or a key set twice in one file, is an error. \
            Yes/no values: yes, no, true, false. Durations: a number and a unit s, m, h or d (90s, 30m, 6h, \
            2d, 1h30m). Lists: comma-separated.

            Keys:
            \(SettingsFormat.keyTable)

            Example file:

            \(SettingsFormat.example.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))

            The settings take effect in the commands: `invite` refuses to start when allow-solicited-help is no \
            (exit code 13); maximum-invitation-lifetime and consent-timeout give the defaults and largest values \
            of its --lifetime and --consent-timeout; with control = view-only every request for control is \
            denied automatically and the helper is told why in a chat message.

            Examples:
              easy-connect settings
              easy-connect settings --json | jq '.settings.control'
              easy-connect settings check /etc/easy-connect/policy.conf
              EASY_CONNECT_POLICY=/tmp/policy.conf easy-connect settings

            \(ExitStatus.table)
            """,
        subcommands: [SettingsShowCommand.self, SettingsCheckCommand.self],
        defaultSubcommand: SettingsShowCommand.self
    )

    /// The JSON value of `value`: a boolean, an array of fingerprints, a string, or whole seconds.
    static func json(_ value: SettingValue) -> JSONValue {
        switch value {
        case .flag(let b): .bool(b)
        case .helpers(let list): .array(list.map { .string($0) })
        case .control(let c): .string(c.rawValue)
        case .bandwidth(let b): .string(b.rawValue)
        case .seconds(let s): .unsigned(UInt64(max(0, s)))
        case .panicKey(let k): .string(k.settingText)
        }
    }

    /// `value` for people: as a file writes it, `(nobody)` for an empty list.
    static func shown(_ key: SettingKey, _ value: SettingValue) -> String {
        if case .helpers(let list) = value, list.isEmpty { return "(nobody)" }
        if case .seconds(let s) = value, key == .consentTimeout { return "\(s) seconds" }
        return key.text(of: value)
    }
}

/// `easy-connect settings show` (the default): every setting, its value and its source.
struct SettingsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every setting, its value in force and where it comes from.",
        discussion: """
            Each line gives a key, its value and its source: default, policy FILE:LINE or settings file \
            FILE:LINE. A value of your settings file that the policy overrides is shown too, marked as having no \
            effect. With --json: one object {event: "settings", files, settings, warnings}; settings maps each key \
            to {value, text, source ("default", "policy" or "user"), file, line, overridden}.

            Examples:
              easy-connect settings show
              easy-connect settings --json --settings-file ~/ec.conf

            \(ExitStatus.table)
            """
    )

    @Flag(help: ArgumentHelp("Print one JSON object {event: \"settings\", files, settings, warnings}.", discussion: "Example: --json"))
    var json = false

    @OptionGroup var files: SettingsFileOptions

    func run() async throws {
        let console = Console(command: "easy-connect settings", json: json)
        let loaded: LoadedSettings
        do throws(CommandFailure) {
            loaded = try files.load()
        } catch {
            throw console.fail(error)
        }
        if json {
            console.emit(Self.object(loaded))
        } else {
            for line in Self.lines(loaded) { console.out(line) }
            for warning in loaded.effective.warnings { console.err("\(console.command): warning: \(warning)") }
        }
    }

    /// The `settings` JSON object.
    static func object(_ loaded: LoadedSettings) -> [String: JSONValue] {
        let effective = loaded.effective
        var files: [String: JSONValue] = [:]
        for layer in SettingsLayer.allCases {
            let place = loaded.locations.place(layer)
            let file = layer == .user ? effective.user : effective.policy
            files[layer.rawValue] = .object([
                "path": .string(place.path), "present": .bool(file != nil), "explicit": .bool(place.explicit),
                "settings": .unsigned(UInt64(file?.entries.count ?? 0)),
            ])
        }
        var settings: [String: JSONValue] = [:]
        for key in SettingKey.allCases {
            let value = effective.settings.value(of: key)
            var o: [String: JSONValue] = ["value": SettingsCommand.json(value), "text": .string(key.text(of: value))]
            switch effective.source(of: key) {
            case .defaultValue:
                o["source"] = .string("default")
            case .file(let layer, let path, let line):
                o["source"] = .string(layer.rawValue)
                o["file"] = .string(path)
                o["line"] = .unsigned(UInt64(line))
            }
            if let (source, overridden) = effective.overridden(key), case .file(_, let path, let line) = source {
                o["overridden"] = .object(["value": SettingsCommand.json(overridden), "file": .string(path), "line": .unsigned(UInt64(line))])
            }
            settings[key.name] = .object(o)
        }
        return ["event": .string("settings"), "files": .object(files), "settings": .object(settings), "warnings": .array(effective.warnings.map { .string($0) })]
    }

    /// The table for people.
    static func lines(_ loaded: LoadedSettings) -> [String] {
        let effective = loaded.effective
        var out: [String] = []
        for layer in [SettingsLayer.policy, .user] {
            let place = loaded.locations.place(layer)
            let file = layer == .user ? effective.user : effective.policy
            let state = file.map { "\($0.entries.count) setting\($0.entries.count == 1 ? "" : "s")" } ?? "not present"
            out.append("\(layer == .policy ? "Policy:       " : "Your settings:") \(place.path) (\(state))")
        }
        out.append("")
        let width = SettingKey.allCases.map(\.name.count).max() ?? 0
        let values = SettingKey.allCases.map { SettingsCommand.shown($0, effective.settings.value(of: $0)) }
        let valueWidth = min(24, values.map(\.count).max() ?? 0)
        for (key, value) in zip(SettingKey.allCases, values) {
            var line = key.name + String(repeating: " ", count: width - key.name.count) + "  " + value
            line += String(repeating: " ", count: max(1, valueWidth - value.count + 2)) + effective.source(of: key).description
            if let (source, overridden) = effective.overridden(key), case .file(_, let path, let number) = source {
                line += " (your \(SettingsCommand.shown(key, overridden)) at \(path):\(number) has no effect)"
            }
            out.append(line)
        }
        return out
    }
}

/// `easy-connect settings check FILE`: validates a settings or policy file.
struct SettingsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a settings or policy file: list every error with its line, or what the file sets.",
        discussion: """
            Reads FILE as `easy-connect settings --help` describes the format (the policy and your settings \
            file share it) and lists every error, one per line: FILE:LINE: KEY = VALUE: what is wrong; use \
            the allowed values. Exit code 0 when the file is valid, 2 when it is not (or cannot be read). The \
            file is only read.

            With --json: one object {event: "settings-check", file, valid, settings, errors, warnings}; each error \
            is {line, key, value, message}.

            Examples:
              easy-connect settings check /etc/easy-connect/policy.conf
              easy-connect settings check --json ~/.config/easy-connect/settings.conf

            \(ExitStatus.table)
            """
    )

    @Argument(help: ArgumentHelp("The file to check.", valueName: "file"))
    var file: String

    @Flag(help: ArgumentHelp("Print one JSON object {event: \"settings-check\", file, valid, settings, errors, warnings}.", discussion: "Example: --json"))
    var json = false

    func run() async throws {
        let console = Console(command: "easy-connect settings check", json: json)
        let path = absolutePath(expandingTilde(file))
        var errors: [SettingsError]
        var parsed: SettingsFile?
        do throws(SettingsError) {
            let bytes = try SettingsLoader.readBytes(path, mustExist: true) ?? []
            errors = SettingsFile.problems(in: bytes, name: path)
            if errors.isEmpty { parsed = try? SettingsFile(parsing: bytes, name: path) }
        } catch {
            errors = [error]
        }
        let warnings = parsed.map { EffectiveSettings(user: $0).warnings } ?? []
        if json {
            var settings: [String: JSONValue] = [:]
            for (key, entry) in parsed?.entries ?? [:] {
                settings[key.name] = .object(["value": SettingsCommand.json(entry.value), "text": .string(key.text(of: entry.value)), "line": .unsigned(UInt64(entry.line))])
            }
            let list: [JSONValue] = errors.map { error in
                var o: [String: JSONValue] = ["message": .string(error.description)]
                if let line = error.line { o["line"] = .unsigned(UInt64(line)) }
                if let key = error.key { o["key"] = .string(key) }
                if let value = error.value { o["value"] = .string(value) }
                return .object(o)
            }
            console.emit([
                "event": .string("settings-check"), "file": .string(path), "valid": .bool(errors.isEmpty), "settings": .object(settings),
                "errors": .array(list), "warnings": .array(warnings.map { .string($0) }),
            ])
        } else if errors.isEmpty, let parsed {
            let set = parsed.entries.sorted { $0.key < $1.key }.map { "\($0.key.name) = \($0.key.text(of: $0.value.value)) (line \($0.value.line))" }
            console.out("\(path): valid; \(set.isEmpty ? "it sets nothing" : "it sets " + set.joined(separator: ", "))")
            for warning in warnings { console.err("\(console.command): warning: \(warning)") }
        } else {
            for error in errors { console.err(error.description) }
            console.err("\(console.command): \(path) has \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing was changed")
        }
        if !errors.isEmpty { throw ExitStatus.badInput.exitCode }
    }
}
