import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRP
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

extension SessionLaunch {
    /// Opens the name service (a running `pnrp node`, else a node embedded in this data directory), starts the
    /// session with `start`, runs it to its end with the contact history, and exits with its status.
    func runThroughCloud(
        inbox: Inbox, items: inout AsyncStream<Inbox.Item>.Iterator, invitationLock: FileLock?, downloadPath: String, controlRefusal: ControlRefusal? = nil,
        terminalRequest: TerminalSharingRequest? = nil, start: (any PeerNameService) async throws(EasyConnectError) -> EasyConnectSession
    ) async throws {
        let (nodeDirectory, nodeLock) = try data.nodeDirectory(role: role)
        defer { nodeLock.release() }
        let names = try await openNames(nodeDirectory: nodeDirectory)
        let session: EasyConnectSession
        do {
            session = try await start(names.service)
        } catch {
            await bounded(.seconds(10)) { await names.close() }
            throw CommandFailure(error)
        }
        try await run(
            session, names: names, inbox: inbox, items: &items, invitationLock: invitationLock, downloadPath: downloadPath, controlRefusal: controlRefusal,
            terminalRequest: terminalRequest)
    }

    /// Runs a started session to its end (keeping the other side as a contact) and exits with its status.
    func run(
        _ session: EasyConnectSession, names: NameServiceConnection?, inbox: Inbox, items: inout AsyncStream<Inbox.Item>.Iterator, invitationLock: FileLock?,
        downloadPath: String, controlRefusal: ControlRefusal? = nil, terminalRequest: TerminalSharingRequest? = nil
    ) async throws {
        var runner = SessionRunner(session: session, names: names, console: console, inbox: inbox, invitationLock: invitationLock, downloadPath: downloadPath)
        runner.contacts = data.contacts
        runner.controlRefusal = controlRefusal
        runner.terminalRequest = terminalRequest
        let outcome = await runner.run(&items)
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }
}

extension SessionOptionsGroup {
    /// Runs a session command: its console, logging and inbox, a `CommandFailure` reported and turned into its
    /// exit status.
    func runCommand(_ name: String, _ body: (Console, Inbox) async throws -> Void) async throws {
        let console = Console(command: "easy-connect \(name)", json: json)
        bootstrapLogging()
        let inbox = Inbox()
        do {
            try await body(console, inbox)
        } catch let failure as CommandFailure {
            throw console.fail(failure)
        }
    }
}
