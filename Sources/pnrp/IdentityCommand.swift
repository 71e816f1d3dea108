import ArgumentParser
import Foundation
import PNRPNetwork
import PNRP

/// `pnrp identity create|show`: the node's long-term key, handled directly in the state directory.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Create or show the node's identity key (works without a running node).",
        discussion: """
            The identity is the Ed25519 key in identity.key (mode 0600) in the state directory. Its SHA-1 \
            is the authority of the node's secured names. `pnrp node` creates one on first start if none \
            exists. The secret key is never printed.

            Examples:
              pnrp identity show
              pnrp identity create --state-dir /tmp/pnrp-a
              pnrp identity create --force    # replace it; the old file is kept aside
            """,
        subcommands: [IdentityShowCommand.self, IdentityCreateCommand.self]
    )
}

/// Where the identity commands look: the state directory, created when missing.
struct IdentityLocation: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "State directory holding identity.key (default: $XDG_STATE_HOME/pnrp or ~/.local/state/pnrp).",
            discussion: "Example: --state-dir /tmp/pnrp-a", valueName: "dir"))
    var stateDirectory: String?

    func validate() throws { try StateDirectoryOption.check(stateDirectory) }

    func directory() throws -> StateDirectory {
        do {
            return try StateDirectory(path: absolutePath(stateDirectory ?? StateDirectory.defaultPath))
        } catch {
            printError("pnrp identity: \(FailureText.stateDirectory(error))")
            throw ExitStatus.badInput.exitCode
        }
    }
}

/// `pnrp identity show`.
struct IdentityShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print the identity's authority and public key (never the secret).",
        discussion: """
            Exit code 3 when the state directory has no identity yet (`pnrp identity create` makes one), 2 \
            when identity.key is unreadable (it is left untouched).

            Examples:
              pnrp identity show
              pnrp identity show --authority     # only the 40 hex digits, for scripts
              pnrp identity show --json
            """
    )

    @Flag(help: ArgumentHelp("Print only the authority (40 hex digits).", discussion: "Example: echo \"$(pnrp identity show --authority).chat\""))
    var authority = false

    @Flag(help: ArgumentHelp("Print one JSON object {authority, publicKey, file}.", discussion: "Example: pnrp identity show --json"))
    var json = false

    @OptionGroup var location: IdentityLocation

    struct Shown: Encodable {
        var authority: String
        var publicKey: String
        var file: String
    }

    func run() async throws {
        let path = absolutePath(location.stateDirectory ?? StateDirectory.defaultPath)
        guard FileManager.default.fileExists(atPath: path) else {
            printError("pnrp identity show: \(path) does not exist; create an identity with `pnrp identity create` (or start `pnrp node`)")
            throw ExitStatus.notFound.exitCode
        }
        let directory = try location.directory()
        let identity: NodeIdentity?
        do {
            identity = try NodeIdentity.read(from: directory)
        } catch {
            printError("pnrp identity show: \(error.description)")
            throw ExitStatus.badInput.exitCode
        }
        guard let identity else {
            printError("pnrp identity show: \(directory.path) has no identity yet; create one with `pnrp identity create` (or start `pnrp node`)")
            throw ExitStatus.notFound.exitCode
        }
        let shown = Shown(
            authority: identity.authority.description, publicKey: Hex.encode(identity.key.publicKey.bytes),
            file: directory.file(NodeIdentity.fileName))
        if json {
            try printJSON(shown)
        } else if authority {
            print(shown.authority)
        } else {
            print("authority  \(shown.authority)")
            print("public key \(shown.publicKey) (Ed25519)")
            print("file       \(shown.file)")
        }
    }
}

/// `pnrp identity create`.
struct IdentityCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a new identity key in the state directory.",
        discussion: """
            Refuses (exit code 2) when the directory already has an identity, unless --force: then the \
            old identity.key is kept as identity.key.replaced-<time> and a new key is written. Names \
            secured by the old key can no longer be published by this node. Stop the node first.

            Examples:
              pnrp identity create
              pnrp identity create --state-dir /tmp/pnrp-a --force
            """
    )

    @Flag(help: ArgumentHelp("Replace an existing identity (the old file is kept aside, never overwritten).", discussion: "Example: pnrp identity create --force"))
    var force = false

    @OptionGroup var location: IdentityLocation

    func run() async throws {
        let directory = try location.directory()
        let client = ControlClient(stateDirectory: directory)
        if let status = try? await client.status() {
            printError("pnrp identity create: a node (pid \(status.pid)) is running with \(directory.path); stop it first with `pnrp stop`")
            throw ExitStatus.badInput.exitCode
        }
        do {
            let (identity, moved) = try NodeIdentity.create(in: directory, replacing: force)
            if let moved { print("old identity kept as \(moved)") }
            print("authority  \(identity.authority.description)")
            print("file       \(directory.file(NodeIdentity.fileName))")
        } catch {
            printError("pnrp identity create: \(error.description)")
            throw ExitStatus.badInput.exitCode
        }
    }
}
