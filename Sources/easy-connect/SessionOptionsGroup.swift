import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import Logging
import PNRPNetwork

/// The options `invite` and `help` share: who this side is, where its files are, how the PNRP cloud is reached.
struct SessionOptionsGroup: ParsableArguments {
    @Flag(
        help: ArgumentHelp(
            "For scripts: one JSON event per line on stdout, JSON commands on stdin (see README.md).",
            discussion: "Example: easy-connect invite --json | jq -r 'select(.event==\"invitation\").password'"))
    var json = false

    @Option(
        help: ArgumentHelp(
            "Your name, as the other side sees it (default: $EASY_CONNECT_NAME, else your full name from the password database, else $USER).",
            discussion: "Example: --name \"Ada Lovelace\"", valueName: "name"))
    var name: String?

    @Option(
        name: .customLong("computer-name"),
        help: ArgumentHelp("This computer's name, as the other side sees it (default: the host name).", discussion: "Example: --computer-name kitchen-pc"))
    var computerName: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of your key (identity.key), the embedded PNRP nodes and the session logs (default: $XDG_DATA_HOME/easy-connect or ~/.local/share/easy-connect).",
            discussion: "Example: --data-dir /tmp/ec-user", valueName: "dir"))
    var dataDirectory: String?

    @Flag(
        name: .customLong("no-session-log"),
        help: ArgumentHelp(
            "Keep no log of this session (by default each session is logged in \"Remote Assistance Logs\" in the data directory; see `easy-connect logs`).",
            discussion: "Example: --no-session-log"))
    var noSessionLog = false

    @Option(
        name: .customLong("download-dir"),
        help: ArgumentHelp(
            "Where received files are stored (default: $XDG_DOWNLOAD_DIR or ~/Downloads; created when missing).",
            discussion: "Example: --download-dir ~/from-helper", valueName: "dir"))
    var downloadDirectory: String?

    @Option(
        name: .customLong("pnrp-state-dir"),
        help: ArgumentHelp(
            "State directory of the `pnrp node` to publish and look up through (default: pnrp's, $XDG_STATE_HOME/pnrp or ~/.local/state/pnrp).",
            discussion: "When no node runs there, a node embedded in this process is used. Example: --pnrp-state-dir /tmp/pnrp-a",
            valueName: "dir"))
    var pnrpStateDirectory: String?

    @Flag(
        name: .customLong("no-daemon"),
        help: ArgumentHelp("Do not use a running `pnrp node`; always embed a node in this process.", discussion: "Example: --no-daemon --seed 192.0.2.1:3540"))
    var noDaemon = false

    @Option(
        name: .customLong("seed"),
        help: ArgumentHelp(
            "A PNRP node of the global cloud for the embedded node to join through, host:port (repeatable).",
            discussion: "Example: --seed 192.0.2.1:3540 --seed [2001:db8::1]:3540"))
    var seeds: [String] = []

    @Option(
        help: ArgumentHelp(
            "IPv4 or IPv6 address of the embedded node's global cloud (default: the first global address).", discussion: "Example: --address 127.0.0.1"))
    var address: String?

    @Option(
        name: .customLong("node-port"),
        help: ArgumentHelp("UDP port of the embedded node (default 3540; a free high port when taken).", discussion: "Example: --node-port 3541"))
    var nodePort: UInt16?

    @Flag(
        name: .customLong("nat-traversal"),
        help: ArgumentHelp(
            "Let the embedded node get through NATs: it finds out whether strangers reach it and, behind a NAT, has a public node relay for it.",
            discussion: """
                A User behind a NAT then invites with its public address and a stream relay: the Helper tries a direct \
                connection, then a TCP hole punch timed through the relay, then the relay itself, which sees only \
                encrypted bytes. The cloud's public nodes must run `pnrp node --nat-traversal --stream-relay-port P`. \
                The embedded node relays for nobody. Example: --no-daemon --nat-traversal --seed 192.0.2.1:3540
                """))
    var natTraversal = false

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "Messages of the embedded PNRP node on stderr: trace, debug, info, notice, warning (default), error or critical.",
            discussion: "Example: --log-level info"))
    var logLevel = "warning"

    @OptionGroup var settingsFiles: SettingsFileOptions

    func validate() throws {
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
        if let computerName, computerName.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--computer-name must not be empty") }
        if let address, EndpointText.parseAddress(address) == nil { throw ValidationError("--address '\(address)' is not a numeric IPv4 or IPv6 address") }
        for seed in seeds {
            do { _ = try EndpointText(seed) } catch { throw ValidationError("--seed: \(error.description)") }
        }
        if nodePort == 0 { throw ValidationError("--node-port must be 1-65535") }
    }

    // MARK: - Resolved values

    /// Sends the log messages of the libraries (the embedded PNRP node) to stderr, from `--log-level` up.
    func bootstrapLogging() {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    /// The data directory's absolute path.
    var dataPath: String { absolutePath(dataDirectory ?? Self.defaultDataPath) }

    /// `$XDG_DATA_HOME/easy-connect`, else `~/.local/share/easy-connect`.
    static var defaultDataPath: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg + "/easy-connect" }
        return homeDirectory + "/.local/share/easy-connect"
    }

    /// Whether this session keeps a log: the settings' `session-logging` (default yes), which
    /// `--no-session-log` turns off — unless the system policy sets it (exit status 13).
    func keepsSessionLog(_ effective: EffectiveSettings) throws(CommandFailure) -> Bool {
        guard noSessionLog else { return effective.settings.sessionLogging }
        let source = effective.source(of: .sessionLogging)
        if source.layer == .policy, effective.settings.sessionLogging {
            throw .notAllowed("--no-session-log: the policy turns session logging on (session-logging = yes, \(source))", key: .sessionLogging)
        }
        return false
    }

    /// The session log directory: `<data dir>/Remote Assistance Logs`.
    var sessionLogPath: String { dataPath + "/" + SessionLogWriter.directoryName }

    /// Where received files go.
    var downloadPath: String {
        if let downloadDirectory { return absolutePath(expandingTilde(downloadDirectory)) }
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_DOWNLOAD_DIR"], xdg.hasPrefix("/") { return absolutePath(xdg) }
        return homeDirectory + "/Downloads"
    }

    /// The name shown to the other side.
    var displayName: String {
        if let name { return name }
        let env = ProcessInfo.processInfo.environment
        if let given = env["EASY_CONNECT_NAME"], !given.trimmingCharacters(in: .whitespaces).isEmpty { return given }
        if let entry = getpwuid(geteuid()) {
            if let gecos = entry.pointee.pw_gecos {
                let full = String(cString: gecos).split(separator: ",", omittingEmptySubsequences: false).first.map(String.init) ?? ""
                if !full.trimmingCharacters(in: .whitespaces).isEmpty { return full }
            }
        }
        if let user = env["USER"], !user.isEmpty { return user }
        if let entry = getpwuid(geteuid()), let login = entry.pointee.pw_name { return String(cString: login) }
        return "someone"
    }

    /// The computer name shown to the other side: `--computer-name`, else the host name up to its first dot.
    var shownComputerName: String {
        if let computerName { return computerName }
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "computer" }
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let short = host.split(separator: ".").first.map(String.init) ?? host
        return short.isEmpty ? "computer" : short
    }

    /// How to reach the cloud; the embedded node keeps its state in `nodeDirectory`.
    func nameServiceSettings(nodeDirectory: StateDirectory) -> NameServiceSettings {
        var settings = NameServiceSettings()
        settings.useDaemon = !noDaemon
        settings.daemonStateDirectory = pnrpStateDirectory.map { absolutePath(expandingTilde($0)) }
        settings.embedded.stateDirectory = nodeDirectory
        settings.embedded.address = address
        settings.embedded.seeds = seeds.compactMap { try? EndpointText($0) }  // checked in validate()
        if let nodePort { settings.embedded.port = nodePort }
        if natTraversal {
            settings.embedded.natTraversal = true
            // A session's node comes and goes with the session: it relays for nobody.
            settings.embedded.relaySlots = 0
        }
        return settings
    }
}

/// The home directory: `$HOME`, else the password database's.
var homeDirectory: String {
    if let home = ProcessInfo.processInfo.environment["HOME"], home.hasPrefix("/") { return home }
    if let entry = getpwuid(geteuid()), let dir = entry.pointee.pw_dir { return String(cString: dir) }
    return "/nonexistent"
}

/// `~/x` with the home directory.
func expandingTilde(_ path: String) -> String {
    if path == "~" { return homeDirectory }
    if path.hasPrefix("~/") { return homeDirectory + path.dropFirst() }
    return path
}

/// `path` made absolute against the working directory, without a trailing slash.
func absolutePath(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    let standard = URL(fileURLWithPath: full).standardizedFileURL.path
    return standard.count > 1 && standard.hasSuffix("/") ? String(standard.dropLast()) : standard
}
