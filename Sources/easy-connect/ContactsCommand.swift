import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

/// `easy-connect contacts [list|show|remove]`: the trust records kept after sessions (`RAContactHistory.xml`).
struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "List, show or remove the contacts kept after sessions.",
        discussion: """
            After a first session by password, each side keeps the other in RAContactHistory.xml in the data \
            directory: name, computer, public key and contact address <40 hex>.RAContact. With a contact, \
            `easy-connect invite --contact ADDRESS` and `easy-connect help --contact ADDRESS` need no password: \
            both sides prove the keys they kept. A record whose key does not own its address (the file was \
            changed) is listed as "changed" and refused when used.

            Examples:
              easy-connect contacts
              easy-connect contacts show 0123456789abcdef0123456789abcdef01234567.RAContact
              easy-connect contacts remove 0123456789abcdef0123456789abcdef01234567
              easy-connect contacts --json

            \(ExitStatus.table)
            """,
        subcommands: [ContactsListCommand.self, ContactsShowCommand.self, ContactsRemoveCommand.self],
        defaultSubcommand: ContactsListCommand.self
    )
}

/// The options of the contacts commands.
struct ContactsOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Directory of RAContactHistory.xml (default: $XDG_DATA_HOME/easy-connect or ~/.local/share/easy-connect).",
            discussion: "Example: --data-dir /tmp/ec-user", valueName: "dir"))
    var dataDirectory: String?

    @Flag(help: ArgumentHelp("Print JSON: {event: \"contacts\", file, contacts: [...]} or {event: \"contact\", ...}.", discussion: "Example: --json"))
    var json = false

    /// The contact history of the data directory.
    func book() throws(CommandFailure) -> ContactBook {
        try DataDirectory(path: absolutePath(expandingTilde(dataDirectory ?? SessionOptionsGroup.defaultDataPath))).contacts
    }

    /// One record as JSON.
    static func object(_ r: ContactRecord) -> [String: JSONValue] {
        [
            "address": .string(r.address.description), "name": .string(r.name), "computerName": .string(r.computerName),
            "keyFingerprint": .string(r.keyFingerprint), "publicKey": .string(Data(r.publicKey.bytes).base64EncodedString()),
            "type": .integer(Int64(r.type)), "time": .string(r.timeText), "consistent": .bool(r.isConsistent),
        ]
    }

    /// The record `body` finds for the address `text`; an unknown contact or an unusable file is a failure.
    static func found(_ text: String, _ body: (ContactAddress) throws(ContactError) -> ContactRecord?) throws(CommandFailure) -> ContactRecord {
        do throws(ContactError) {
            let address = try ContactAddress(parsing: text)
            guard let record = try body(address) else { throw ContactError.unknownContact(address) }
            return record
        } catch {
            throw CommandFailure(error)
        }
    }

    /// Runs `body` with the console, turning failures into exit codes.
    func run(_ command: String, _ body: (Console) throws(CommandFailure) -> Void) throws {
        let console = Console(command: "easy-connect contacts \(command)", json: json)
        do throws(CommandFailure) {
            try body(console)
        } catch {
            throw console.fail(error)
        }
    }
}

extension CommandFailure {
    /// A contact history that cannot be read or used.
    init(_ error: ContactError) {
        switch error {
        case .keyMismatch: self.init(status: .keyMismatch, reason: "key-mismatch", code: "key-mismatch", message: error.description)
        case .unknownContact: self = .badInput(error.description, code: "unknown-contact")
        case .badAddress: self = .badInput(error.description, code: "bad-input")
        case .malformedHistory: self = .badInput(error.description, code: "bad-contacts")
        }
    }
}

/// `easy-connect contacts list`.
struct ContactsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the contacts, most recent session first.")

    @OptionGroup var options: ContactsOptions

    func run() async throws {
        try options.run("list") { (console) throws(CommandFailure) in
            let book = try options.book()
            let history: ContactHistory
            do throws(ContactError) { history = try book.load() } catch { throw CommandFailure(error) }
            if options.json {
                console.emit(["event": .string("contacts"), "file": .string(book.path), "contacts": .array(history.records.map { .object(ContactsOptions.object($0)) })])
                return
            }
            guard !history.records.isEmpty else {
                console.out("No contacts yet (\(book.path)). A contact is kept after a first session by password.")
                return
            }
            for r in history.records {
                let state = r.isConsistent ? "" : "  CHANGED: its key has fingerprint \(r.keyFingerprint)"
                console.out("\(r.address)  \(Console.shown(r.name)) (\(Console.shown(r.computerName)))  last session \(r.timeText) UTC\(state)")
            }
        }
    }
}

/// `easy-connect contacts show ADDRESS`.
struct ContactsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one contact.")

    @Argument(help: ArgumentHelp("The contact's address (<40 hex>.RAContact, or the 40 hex digits).", valueName: "address"))
    var address: String

    @OptionGroup var options: ContactsOptions

    func run() async throws {
        try options.run("show") { (console) throws(CommandFailure) in
            let book = try options.book()
            let record = try ContactsOptions.found(address) { (a) throws(ContactError) in try book.load().record(for: a) }
            if options.json {
                var o = ContactsOptions.object(record)
                o["event"] = .string("contact")
                console.emit(o)
                return
            }
            console.out("address        \(record.address)")
            console.out("name           \(Console.shown(record.name))")
            console.out("computer       \(Console.shown(record.computerName))")
            console.out("key            \(Data(record.publicKey.bytes).base64EncodedString()) (Ed25519, fingerprint \(record.keyFingerprint))")
            console.out("last session   \(record.timeText) UTC")
            if !record.isConsistent {
                console.out("WARNING        the key does not own the address: the record was changed; it will be refused")
            }
        }
    }
}

/// `easy-connect contacts remove ADDRESS`.
struct ContactsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a contact: the next session with them needs a password again.")

    @Argument(help: ArgumentHelp("The contact's address (<40 hex>.RAContact, or the 40 hex digits).", valueName: "address"))
    var address: String

    @OptionGroup var options: ContactsOptions

    func run() async throws {
        try options.run("remove") { (console) throws(CommandFailure) in
            let book = try options.book()
            let removed = try ContactsOptions.found(address) { (a) throws(ContactError) in try book.remove(a) }
            if options.json {
                var o = ContactsOptions.object(removed)
                o["event"] = .string("contact-removed")
                console.emit(o)
            } else {
                console.out("Removed \(Console.shown(removed.name)) (\(removed.address)).")
            }
        }
    }
}
