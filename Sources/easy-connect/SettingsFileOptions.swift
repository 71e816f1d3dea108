import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

/// `--settings-file` and `--policy-file`: which settings files a command reads (`easy-connect settings
/// --help` describes the format and the places).
struct SettingsFileOptions: ParsableArguments {
    @Option(
        name: .customLong("settings-file"),
        help: ArgumentHelp(
            "Your settings file (default: $EASY_CONNECT_SETTINGS, else $XDG_CONFIG_HOME/easy-connect/settings.conf or ~/.config/easy-connect/settings.conf).",
            discussion: "Example: --settings-file ~/ec.conf", valueName: "file"))
    var settingsFile: String?

    @Option(
        name: .customLong("policy-file"),
        help: ArgumentHelp(
            "The policy file, whose settings beat yours (default: $EASY_CONNECT_POLICY, else /etc/easy-connect/policy.conf).",
            discussion: "Example: --policy-file /tmp/policy.conf", valueName: "file"))
    var policyFile: String?

    /// The places of the two files.
    var locations: SettingsLocations {
        SettingsLocations.standard(environment: ProcessInfo.processInfo.environment, home: homeDirectory)
            .overriding(user: settingsFile.map { absolutePath(expandingTilde($0)) }, policy: policyFile.map { absolutePath(expandingTilde($0)) })
    }

    /// Reads the settings; an invalid file stops the command with exit status 2, naming file, line and key.
    func load() throws(CommandFailure) -> LoadedSettings {
        do throws(SettingsError) {
            return try SettingsLoader.load(locations)
        } catch {
            throw CommandFailure.settings(error)
        }
    }
}

extension CommandFailure {
    /// An invalid or unreadable settings file (exit status 2); the `error` event names `file`, `line`, `key`.
    static func settings(_ error: SettingsError) -> CommandFailure {
        var failure = CommandFailure.badInput("invalid settings: \(error.description)", code: "bad-settings")
        failure.fields["file"] = .string(error.file)
        if let line = error.line { failure.fields["line"] = .unsigned(UInt64(line)) }
        if let key = error.key { failure.fields["key"] = .string(key) }
        return failure
    }

    /// Something the settings do not allow (exit status 13).
    static func notAllowed(_ message: String, key: SettingKey) -> CommandFailure {
        var failure = CommandFailure(status: .notAllowed, reason: "not-allowed", code: "not-allowed", message: message)
        failure.fields["key"] = .string(key.name)
        return failure
    }
}
