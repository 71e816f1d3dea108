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

            Invitation files (msra /openfile): with --file PATH, the invitation comes from a .MsRcIncident file \
            the person sent you, and no cloud is used. You are asked for the file's password (they tell it to \
            you another way; at a terminal you may try three times). A wrong password and a file changed since \
            it was written look the same, and exit with 6; an expired file exits with 10. Scripts give the \
            password on the first line of standard input with --file-password-stdin, or in \
            EASY_CONNECT_FILE_PASSWORD.

            \(HumanView.commandList(role: .helper))

            When the person shares a terminal (invite --share-terminal), it fills your terminal, live, with a \
            status line at the bottom: you watch (view only) until you ask for control with Ctrl-] r and they \
            allow it; your keys then reach their terminal. Ctrl-] g gives control back, Ctrl-] c chats, Ctrl-] q \
            ends the session, Ctrl-] ? lists the keys. They can take control back at any moment (their panic \
            key). Your window's size is sent to them: the shared screen is the smaller of the two windows. With \
            --json, `screen` events carry the screen's text and {"command":"keys","text":"ls\\r"} types.

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
              easy-connect help --file ~/Downloads/help-me.MsRcIncident

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
        name: .customLong("file"),
        help: ArgumentHelp(
            "Open the invitation file PATH sent to you (msra /openfile) and connect to the computer it names; no cloud is used.",
            discussion: "Asks for the file's password. Example: --file ~/Downloads/help-me.MsRcIncident", valueName: "path"))
    var file: String?

    @Flag(
        name: .customLong("file-password-stdin"),
        help: ArgumentHelp("With --file: read the file password from the first line of standard input (for scripts).", discussion: "Example: echo \"$PW\" | easy-connect help --file help-me.MsRcIncident --file-password-stdin --json"))
    var filePasswordStdin = false

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
            // The words name a path in the command tree: `help logs show` is the help of `logs show`.
            var command: any ParsableCommand.Type = EasyConnectTool.self
            for word in topic {
                guard let next = command.configuration.subcommands.first(where: { $0._commandName == word.lowercased() }) else {
                    command = EasyConnectTool.self
                    break
                }
                command = next
            }
            if command != EasyConnectTool.self {
                print(EasyConnectTool.helpMessage(for: command))
                throw ExitCode.success
            }
            throw ValidationError("unexpected argument '\(topic[0])'; give the password with --password or EASY_CONNECT_PASSWORD, or type it when asked")
        }
        if let contact {
            guard password == nil else { throw ValidationError("--contact needs no password: give either --contact or --password") }
            do { _ = try ContactAddress(parsing: contact) } catch { throw ValidationError("--contact: \(error.description)") }
        }
        if file != nil, password != nil {
            throw ValidationError("--password is the Easy Connect password; an invitation file has its own password, which is asked for (or read with --file-password-stdin)")
        }
        if file == nil, filePasswordStdin { throw ValidationError("--file-password-stdin goes with --file PATH") }
        if let file, file.isEmpty { throw ValidationError("--file needs the invitation file's name") }
        if contact != nil, file != nil { throw ValidationError("--contact and --file are two ways to find the person: give one") }
        guard (1...300).contains(resolveTimeout) else { throw ValidationError("--resolve-timeout must be from 1 to 300 seconds") }
        guard (1...300).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be from 1 to 300 seconds") }
    }

    func run() async throws {
        try await options.runCommand("help") { console, inbox in try await help(console: console, inbox: inbox) }
    }

    private func help(console: Console, inbox: Inbox) async throws {
        // An invalid settings file stops the command before anything is asked or touched.
        let loaded = try options.settingsFiles.load()
        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        if let file {
            return try await helpByFile(file, settings: loaded.effective, console: console, inbox: inbox, items: &items)
        }
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
        try await launch.runThroughCloud(inbox: inbox, items: &items, invitationLock: nil, downloadPath: settings.session.downloadDirectory) {
            (names) throws(EasyConnectError) in
            if let contactRecord { return try await EasyConnectSession.helpContact(contactRecord, options: settings, nameService: names) }
            return try await EasyConnectSession.help(password: typed!, options: settings, nameService: names)
        }
    }

    /// msra `/openfile`: reads the file, asks for its password (again after a wrong one, at a terminal, three
    /// times at most), opens it and connects straight to the endpoints inside.
    /// A file whose lifetime is above the settings' maximum-invitation-lifetime is refused (exit 13).
    private func helpByFile(_ path: String, settings effective: EffectiveSettings, console: Console, inbox: Inbox, items: inout AsyncStream<Inbox.Item>.Iterator) async throws {
        let maximumMinutes = UInt32(clamping: effective.settings.maximumInvitationLifetimeSeconds / 60)
        let target = absolutePath(expandingTilde(path))
        let bytes: [UInt8]
        do {
            bytes = try InvitationFileStore.load(target)
        } catch {
            throw CommandFailure(error)
        }
        // What anyone can read is checked before the password is asked: a file that is not an invitation, or
        // that has expired, costs no typing.
        let header: InvitationFileHeader
        do {
            header = try InvitationFile.readHeader(bytes)
            if UInt64(Date().timeIntervalSince1970) >= header.expiresAt { throw InvitationFileError.expired(expiresAt: header.expiresAt) }
        } catch let error as InvitationFileError {
            throw CommandFailure(invitationFile: error)
        }
        // A lifetime above this computer's maximum is refused before any password is typed.
        if header.lifetimeMinutes > maximumMinutes { throw Self.tooLong(minutes: UInt64(header.lifetimeMinutes), maximum: maximumMinutes, effective) }
        if !console.json {
            console.out("Invitation file from \(DisplayText.escaped(header.userName)), valid until \(formatClock(header.expiresAt)) (unverified until it opens).")
        }
        let retry = !console.json && console.stdinIsTerminal && !filePasswordStdin && ProcessInfo.processInfo.environment[FilePasswordInput.environmentVariable] == nil
        var opened: InvitationFile?
        for attempt in 1...3 {
            guard let filePassword = try await FilePasswordInput.read(confirm: false, fromStandardInput: filePasswordStdin, console: console, items: &items) else { return }
            do {
                opened = try InvitationFile.open(
                    bytes, with: filePassword, nowUnixSeconds: UInt64(Date().timeIntervalSince1970),
                    maximumLifetimeMinutes: maximumMinutes)
                break
            } catch .wrongPasswordOrChanged where retry && attempt < 3 {
                console.out("Wrong password, or the file was changed. Try again, or press Ctrl-C to stop.")
            } catch .lifetimeOutOfRange(let minutes, let maximum) where minutes > maximum && minutes >= 1 {
                throw Self.tooLong(minutes: minutes, maximum: maximum, effective)
            } catch {
                throw CommandFailure(invitationFile: error)
            }
        }
        guard let opened else { throw CommandFailure(invitationFile: .wrongPasswordOrChanged) }

        let launch = try SessionLaunch(options: options, console: console, role: .helper)
        var settings = HelpOptions(session: try launch.sessionOptions())
        settings.connectTimeout = .seconds(connectTimeout)
        let session: EasyConnectSession
        do {
            session = try await EasyConnectSession.help(invitation: opened.invitation, password: opened.password, options: settings)
        } catch {
            throw CommandFailure(error)
        }
        try await launch.run(session, names: nil, inbox: inbox, items: &items, invitationLock: nil, downloadPath: settings.session.downloadDirectory)
    }

    /// The refusal (exit 13) of an invitation file valid for longer than the settings' maximum-invitation-lifetime.
    static func tooLong(minutes: UInt64, maximum: UInt32, _ effective: EffectiveSettings) -> CommandFailure {
        .notAllowed(
            "this invitation file is valid for \(LifetimeText.spoken(Int(clamping: minutes) * 60)), longer than this computer allows: maximum-invitation-lifetime = \(LifetimeText.spoken(Int(maximum) * 60)) (\(effective.source(of: .maximumInvitationLifetime))); ask for a file with a shorter --lifetime",
            key: .maximumInvitationLifetime)
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
            case .event, .deadline, .keys, .terminal:
                continue
            }
        }
    }
}
