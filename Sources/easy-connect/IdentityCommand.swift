import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork
import PeerCrypto
import PNRP

/// `easy-connect identity show|create`: your Easy Connect key, handled directly in the data directory.
struct IdentityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Show or create your Easy Connect key.",
        discussion: """
            Your key is an Ed25519 key in identity.key (mode 0600) in the data directory; `invite` and `help` \
            create it on first use. The other side sees its fingerprint, the 40 hex digits of the SHA-1 of \
            the public key, and your contact address <fingerprint>.RAContact. The secret key is never printed.

            Examples:
              easy-connect identity show
              easy-connect identity show --json
              easy-connect identity create --force    # a new key; the old file is kept aside

            \(ExitStatus.table)
            """,
        subcommands: [IdentityShowCommand.self, IdentityCreateCommand.self],
        defaultSubcommand: IdentityShowCommand.self
    )
}

/// The options of the identity commands.
struct IdentityOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of identity.key (default: $XDG_DATA_HOME/easy-connect or ~/.local/share/easy-connect).",
            discussion: "Example: --data-dir /tmp/ec-user", valueName: "dir"))
    var dataDirectory: String?

    @Flag(help: ArgumentHelp("Print one JSON object {event: \"identity\", fingerprint, contact, publicKey, file}.", discussion: "Example: --json"))
    var json = false

    /// The data directory's absolute path.
    var dataPath: String { absolutePath(expandingTilde(dataDirectory ?? SessionOptionsGroup.defaultDataPath)) }

    /// Prints `key`, as text or JSON.
    func show(_ key: Ed25519PublicKey, file: String, console: Console) {
        let peer = PeerIdentity(key: key, displayName: "", computerName: "")
        let publicKey = Hex.encode(key.bytes)
        if json {
            console.emit([
                "event": .string("identity"), "fingerprint": .string(peer.fingerprint), "contact": .string(peer.contactAddress),
                "publicKey": .string(publicKey), "file": .string(file),
            ])
        } else {
            console.out("fingerprint \(peer.fingerprint)")
            console.out("contact     \(peer.contactAddress)")
            console.out("public key  \(publicKey) (Ed25519)")
            console.out("file        \(file)")
        }
    }
}

/// `easy-connect identity show`.
struct IdentityShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print your key's fingerprint and contact address (the key is created if there is none).",
        discussion: """
            A key file that cannot be read is moved aside (the warning names where) and a new key is made, \
            as `invite` and `help` do.

            Examples:
              easy-connect identity show
              easy-connect identity show --json --data-dir /tmp/ec-user

            \(ExitStatus.table)
            """
    )

    @OptionGroup var options: IdentityOptions

    func run() async throws {
        let console = Console(command: "easy-connect identity show", json: options.json)
        do throws(CommandFailure) {
            let data = try DataDirectory(path: options.dataPath)
            let (identity, created, warnings) = try data.identity()
            for warning in warnings { console.err("\(console.command): warning: \(warning)") }
            if created { console.err("\(console.command): created a new key in \(data.identityPath)") }
            options.show(identity.key.publicKey, file: data.identityPath, console: console)
        } catch {
            throw console.fail(error)
        }
    }
}

/// `easy-connect identity create`.
struct IdentityCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a new key in the data directory.",
        discussion: """
            Refuses (exit code 2) when a key exists, unless --force: then the old identity.key is kept as \
            identity.key.replaced-<time> and a new key is written (atomically, mode 0600). Helpers and users \
            who know your old fingerprint will see a different one.

            Examples:
              easy-connect identity create
              easy-connect identity create --force --data-dir /tmp/ec-user

            \(ExitStatus.table)
            """
    )

    @Flag(help: ArgumentHelp("Replace an existing key (the old file is kept aside, never overwritten).", discussion: "Example: --force"))
    var force = false

    @OptionGroup var options: IdentityOptions

    func run() async throws {
        let console = Console(command: "easy-connect identity create", json: options.json)
        do throws(CommandFailure) {
            let data = try DataDirectory(path: options.dataPath)
            let lock = try FileLock.acquire(data.state.file("identity.lock"), wait: true)
            defer { lock?.release() }
            let created: (NodeIdentity, movedAside: String?)
            do {
                created = try NodeIdentity.create(in: data.state, replacing: force)
            } catch {
                throw CommandFailure.badInput(error.description)
            }
            if let moved = created.movedAside { console.err("\(console.command): the old key is kept as \(moved)") }
            options.show(created.0.key.publicKey, file: data.identityPath, console: console)
        } catch {
            throw console.fail(error)
        }
    }
}
