import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork

/// What `invite` and `help` share before and after the session proper: the data directory, the key, the
/// session settings, the name service.
struct SessionLaunch {
    /// The shared options.
    let options: SessionOptionsGroup
    /// Output.
    let console: Console
    /// Which side this is.
    let role: ConnectionRole
    /// The data directory.
    let data: DataDirectory

    /// Opens the data directory of `options`.
    init(options: SessionOptionsGroup, console: Console, role: ConnectionRole) throws(CommandFailure) {
        (self.options, self.console, self.role) = (options, console, role)
        data = try DataDirectory(path: options.dataPath)
    }

    /// The session settings: the key (created on first use), the names shown, the download folder, the
    /// session log directory (unless logs are off).
    func sessionOptions() throws(CommandFailure) -> SessionOptions {
        let (identity, created, warnings) = try data.identity()
        for warning in warnings { console.err("\(console.command): warning: \(warning)") }
        let local = LocalIdentity(key: identity.key, displayName: options.displayName, computerName: options.shownComputerName)
        if created {
            let shown = PeerIdentity(key: identity.key.publicKey, displayName: "", computerName: "")
            console.err("\(console.command): created your key \(data.identityPath) (fingerprint \(shown.fingerprint))")
        }
        var settings = SessionOptions(identity: local, downloadDirectory: options.downloadPath)
        settings.sessionLogDirectory = try options.keepsSessionLog(options.settingsFiles.load().effective) ? options.sessionLogPath : nil
        return settings
    }

    /// A running `pnrp node`, or a node embedded in this process (its state in `nodeDirectory`).
    func openNames(nodeDirectory: StateDirectory) async throws(CommandFailure) -> NameServiceConnection {
        if !console.json { console.out("Connecting to the PNRP cloud…") }
        do {
            return try await NameServiceConnection.open(options.nameServiceSettings(nodeDirectory: nodeDirectory))
        } catch {
            throw CommandFailure(error)
        }
    }
}

extension CommandFailure {
    /// The failure of a session that could not start.
    init(_ error: EasyConnectError) {
        switch error {
        case .failed(let outcome):
            self.init(status: ExitStatus(outcome), reason: outcome.kind.rawValue, code: outcome.kind.rawValue, message: outcome.message)
        case .file(let why):
            self = .badInput(why, code: "file")
        case .command(let refused):
            self.init(status: .internalError, reason: "internal", code: "internal", message: refused.description)
        }
    }
}
