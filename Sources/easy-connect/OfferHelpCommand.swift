import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation

/// `easy-connect help` (msra `/offereasyhelp`): the Helper types the password and connects.
struct OfferHelpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "help",
        abstract: "Help someone: type the password they read to you and connect to them.",
        discussion: """
            Asks for the 12-character password the person you help reads to you (either case; spaces and dashes \
            are ignored), finds their invitation in the PNRP cloud, connects to every address it lists at once \
            and keeps the first that answers, proves the password without sending it, and waits until the \
            person accepts you. Status lines say where it is: "attempting to connect", then "waiting for \
            acceptance".

            For scripts, give the password in the environment variable EASY_CONNECT_PASSWORD rather than \
            --password, so it does not show in `ps`. The password is never printed or logged.

            \(HumanView.commandList(role: .helper))

            Ctrl-C, SIGTERM or SIGHUP end the session with a goodbye (or stop connecting) and remove partial \
            downloads. A second signal stops at once.

            With --json, stdout carries one JSON event per line and stdin takes one JSON command per line \
            (README.md, "easy-connect"); --password or EASY_CONNECT_PASSWORD is then required.

            Note: `easy-connect help` is this command; for the help text use `easy-connect help --help` or \
            `easy-connect --help`.

            With --contact ADDRESS (msra /offercontacthelp) no password is asked: the person must have run \
            `easy-connect invite --contact YOUR-ADDRESS`; their invitation, sealed for your key, is found under \
            their contact address, and both sides prove the keys they kept after your first session. A key that \
            changed is refused with both fingerprints (exit code 14).

            Examples:
              easy-connect help
              easy-connect help --contact 0123456789abcdef0123456789abcdef01234567.RAContact
              easy-connect help --password "BCDF GHJK MNPQ"
              EASY_CONNECT_PASSWORD=bcdf-ghjk-mnpq easy-connect help --json --no-daemon --seed 192.0.2.1:3540

            \(ExitStatus.table)
            """
    )

    @Option(
        help: ArgumentHelp(
            "The password read to you (default: $EASY_CONNECT_PASSWORD, else asked for).",
            discussion: "Example: --password \"BCDF GHJK MNPQ\"", valueName: "password"))
    var password: String?

    @Option(
        help: ArgumentHelp(
            "Help this contact, with no password (their address, <40 hex>.RAContact).",
            discussion: "Example: --contact 0123456789abcdef0123456789abcdef01234567.RAContact", valueName: "address"))
    var contact: String?

    @Option(
        name: .customLong("resolve-timeout"),
        help: ArgumentHelp("Seconds one lookup of the invitation in the cloud may take (default 10).", discussion: "Example: --resolve-timeout 5"))
    var resolveTimeout = 10

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp("Seconds one TCP connection attempt to the person's computer may take (default 5).", discussion: "Example: --connect-timeout 3"))
    var connectTimeout = 5

    @OptionGroup var options: SessionOptionsGroup

    /// `easy-connect help invite` shows the help of `invite`, as the argument parser's own `help` would.
    @Argument(help: .hidden)
    var topic: [String] = []

    func validate() throws {
        if !topic.isEmpty {
            let commands: [String: any ParsableCommand.Type] = [
                "invite": InviteCommand.self, "help": OfferHelpCommand.self, "identity": IdentityCommand.self,
                "show": IdentityShowCommand.self, "create": IdentityCreateCommand.self, "settings": SettingsCommand.self,
                "check": SettingsCheckCommand.self, "logs": LogsCommand.self, "listen": ListenCommand.self, "offer": OfferCommand.self,
                "contacts": ContactsCommand.self,
            ]
            if let command = commands[topic.last!.lowercased()] {
                print(EasyConnectTool.helpMessage(for: command))
                throw ExitCode.success
            }
            throw ValidationError("unexpected argument '\(topic[0])'; give the password with --password or EASY_CONNECT_PASSWORD, or type it when asked")
        }
        if let contact {
            guard password == nil else { throw ValidationError("--contact needs no password: give either --contact or --password") }
            do { _ = try ContactAddress(parsing: contact) } catch { throw ValidationError("--contact: \(error.description)") }
        }
        guard (1...300).contains(resolveTimeout) else { throw ValidationError("--resolve-timeout must be from 1 to 300 seconds") }
        guard (1...300).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be from 1 to 300 seconds") }
    }

    func run() async throws {
        let console = Console(command: "easy-connect help", json: options.json)
        options.bootstrapLogging()
        let inbox = Inbox()
        do {
            try await help(console: console, inbox: inbox)
        } catch let failure as CommandFailure {
            throw console.fail(failure)
        }
    }

    private func help(console: Console, inbox: Inbox) async throws {
        // An invalid settings file stops the command before anything is asked or touched.
        _ = try options.settingsFiles.load()
        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        // Checked before any file or network is touched: a typo costs nothing.
        var typed: EasyConnectPassword?
        if contact == nil {
            guard let password = try await Self.password(given: password, console: console, items: &items) else { return }
            typed = password
        }

        let launch = try SessionLaunch(options: options, console: console, role: .helper)
        let contactRecord = try contact.map { (text) throws(CommandFailure) in try launch.data.contact(text) }
        var settings = HelpOptions(session: try launch.sessionOptions())
        settings.resolveTimeout = .seconds(resolveTimeout)
        settings.connectTimeout = .seconds(connectTimeout)
        let (nodeDirectory, nodeLock) = try launch.data.nodeDirectory(role: .helper)
        defer { nodeLock.release() }
        let names = try await launch.openNames(nodeDirectory: nodeDirectory)
        let session: EasyConnectSession
        do {
            if let contactRecord {
                session = try await EasyConnectSession.helpContact(contactRecord, options: settings, nameService: names.service)
            } else if let typed {
                session = try await EasyConnectSession.help(password: typed, options: settings, nameService: names.service)
            } else {
                return
            }
        } catch {
            await bounded(.seconds(10)) { await names.close() }
            throw CommandFailure(error)
        }
        var runner = SessionRunner(session: session, names: names, console: console, inbox: inbox, invitationLock: nil, downloadPath: settings.session.downloadDirectory)
        runner.contacts = launch.data.contacts
        let outcome = await runner.run(&items)
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }

    /// The password from `--password`, `$EASY_CONNECT_PASSWORD`, or typed (asked again after a typo when
    /// stdin is a terminal). Nil when the person stopped at the prompt (a signal).
    static func password(given: String?, console: Console, items: inout AsyncStream<Inbox.Item>.Iterator) async throws(CommandFailure) -> EasyConnectPassword? {
        if let text = given ?? ProcessInfo.processInfo.environment["EASY_CONNECT_PASSWORD"] {
            do {
                return try EasyConnectPassword(parsing: text)
            } catch {
                throw .badInput("that is not an Easy Connect password: \(error.description)", code: "bad-password")
            }
        }
        guard !console.json else {
            throw .badInput("with --json, give the password in EASY_CONNECT_PASSWORD (or --password)", code: "bad-password")
        }
        while true {
            Console.writeAll(1, "Password (the 12 characters read to you): ")
            guard let item = await items.next() else { throw .badInput("no password was typed") }
            switch item {
            case .line(let text):
                do {
                    return try EasyConnectPassword(parsing: text)
                } catch {
                    guard console.stdinIsTerminal else { throw .badInput("that is not an Easy Connect password: \(error.description)", code: "bad-password") }
                    console.out("That is not an Easy Connect password: \(error.description). Try again, or press Ctrl-C to stop.")
                }
            case .inputEnded:
                console.out("")
                throw .badInput("no password was typed")
            case .signal:
                console.out("")
                console.err("\(console.command): stopped before connecting")
                return nil
            case .event, .deadline:
                continue
            }
        }
    }
}
