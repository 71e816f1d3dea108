import ArgumentParser
import Foundation
import PNRP
import PNRPNetwork

/// The option every client command shares: which node to talk to.
struct ClientOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "State directory of the node to talk to (default: $XDG_STATE_HOME/pnrp or ~/.local/state/pnrp).",
            discussion: "Example: --state-dir /tmp/pnrp-a (the node was started with `pnrp node --state-dir /tmp/pnrp-a`).",
            valueName: "dir"))
    var stateDirectory: String?

    func validate() throws { try StateDirectoryOption.check(stateDirectory) }

    /// The directory's absolute path, without creating it.
    var path: String { absolutePath(stateDirectory ?? StateDirectory.defaultPath) }

    /// A client of that node's control socket.
    var client: ControlClient { ControlClient(socketPath: path + "/" + ControlProtocol.socketFileName) }

    /// Runs `body` against the node; a failure prints one sentence on stderr and exits with its code.
    func run<T>(_ command: String, _ body: (ControlClient) async throws(ControlError) -> T) async throws -> T {
        do {
            return try await body(client)
        } catch {
            if error.kind == .noDaemon, let holder = StateDirectoryLock.holder(in: path) {
                // The node runs but its socket file is gone: it listens again within seconds.
                let who = holder.pid.map { "a pnrp node (pid \($0))" } ?? "a pnrp node"
                printError("\(who) holds state directory \(VisibleText.escaped(path)) but its control socket is missing; it listens again within 2 seconds: try again")
            } else if error.kind == .noDaemon {
                printError("no pnrp node is running for state directory \(VisibleText.escaped(path)); start one with `pnrp node`")
            } else {
                // The node's message may quote names and texts that came from the network.
                printError("pnrp \(command): \(VisibleText.escaped(error.message))")
            }
            throw ExitStatus(error.kind).exitCode
        }
    }
}

/// `path` made absolute against the working directory, without a trailing slash.
func absolutePath(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    let standard = URL(fileURLWithPath: full).standardizedFileURL.path
    return standard.count > 1 && standard.hasSuffix("/") ? String(standard.dropLast()) : standard
}

/// The rule every `--state-dir` follows.
enum StateDirectoryOption {
    /// Refuses an empty `--state-dir`, which would otherwise mean the working directory.
    static func check(_ value: String?) throws {
        if value?.isEmpty == true {
            throw ValidationError("--state-dir is empty; give a directory (e.g. --state-dir /tmp/pnrp-a) or leave the option out for the default")
        }
    }
}
