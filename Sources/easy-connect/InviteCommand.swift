import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork

/// `easy-connect invite` (msra `/geteasyhelp`): the User publishes an invitation and waits for a Helper.
struct InviteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invite",
        abstract: "Ask for help: publish an invitation and show the password to read to your helper.",
        discussion: """
            Publishes an Easy Connect invitation in the PNRP cloud (through a running `pnrp node`, else a node \
            embedded in this process) and shows a 12-character password in three groups of four, such as \
            BCDF GHJK MNPQ, with the time it expires. Read the password to the person who will help you; they \
            type it into `easy-connect help`. When they connect you are asked:

              Would you like to allow Bob (bob-pc, key 0123456789abcdef…) to connect
              to your computer? [y/N]

            Answer y or n on a line of its own (no answer in --consent-timeout seconds counts as no). The first \
            helper you allow gets the session; the invitation is then withdrawn from the cloud. Three wrong \
            passwords withdraw it as well. Only one invitation waits at a time: a second `invite` with the same \
            --data-dir exits with code 12 while this one runs.

            The settings (`easy-connect settings`) apply: when allow-solicited-help is no, invite refuses to \
            start (exit code 13); maximum-invitation-lifetime and consent-timeout give the defaults and the \
            largest values of --lifetime and --consent-timeout; with control = view-only every request for \
            control is refused and the helper is told why. An invalid settings file stops invite with exit code \
            2, naming the file, line and key.

            \(HumanView.commandList(role: .user))

            With --share-terminal, accepting the helper also shares a terminal: your shell (or --command) runs \
            in a new terminal that you both see, yours to use as usual, with a status line at the bottom. The \
            helper watches (Screen Sharing); when they ask for control, Ctrl-] y gives it to them (Ctrl-] n \
            refuses) and their keys reach the terminal with your rights, while you keep typing too. The panic \
            key (Esc pressed alone, or the panic-key setting) takes control back at once, even while you type a \
            chat line, and is not typed; Ctrl-] e types a real Esc, Ctrl-] twice a Ctrl-]. Ctrl-] p pauses \
            sharing (the helper sees nothing meanwhile and their keys are ignored), Ctrl-] c chats, Ctrl-] q \
            ends the session; Ctrl-] ? lists the keys. The shared screen takes the smaller of the two windows, \
            as tmux does, and the status line says so. --bandwidth picks how often the screen is sent (the \
            bandwidth setting by default). Ending the program ends the session.

            Ctrl-C, SIGTERM or SIGHUP end it gracefully: a waiting invitation is withdrawn (its names revoked), a \
            session is ended with a goodbye, partial downloads are removed. A second signal stops at once.

            With --json, stdout carries one JSON event per line and stdin takes one JSON command per line \
            (README.md, "easy-connect"); for example {"command":"accept"} answers the consent question.

            With --contact ADDRESS (msra /getcontacthelp) no password is shown: the invitation is published under \
            your own contact address and only that contact can open it; they run `easy-connect help --contact \
            YOUR-ADDRESS`. A contact is kept after a first session by password (`easy-connect contacts` lists \
            them); both sides prove the keys they kept, and a key that changed is refused with both fingerprints.

            Invitation files (msra /saveasfile): with --file PATH, no cloud is used. You choose a file password \
            (at least 6 characters, typed twice without echo), and PATH.MsRcIncident is written (mode 0600, \
            never over an existing file unless --overwrite): send it to your helper by mail, chat or USB stick, \
            and tell them the password another way. They open it with `easy-connect help --file`, and their \
            computer must reach one of the addresses this one listens on (see --listen). The file is valid for \
            --lifetime (whole minutes, 6 hours at most and by default). Scripts give the password on the first \
            line of standard input with --file-password-stdin, or in EASY_CONNECT_FILE_PASSWORD.

            Examples:
              easy-connect invite
              easy-connect invite --contact 0123456789abcdef0123456789abcdef01234567.RAContact
              easy-connect invite --share-terminal
              easy-connect invite --share-terminal --command htop --bandwidth none
              easy-connect invite --lifetime 600 --name "Ada"
              easy-connect invite --listen 192.0.2.5 --port 5900
              easy-connect invite --json --no-daemon --seed 192.0.2.1:3540
              easy-connect invite --file ~/help-me --lifetime 2h
              printf '%s\\n' "$PW" | easy-connect invite --file help-me --file-password-stdin --json

            \(ExitStatus.table)
            """
    )

    @Option(
        help: ArgumentHelp(
            "Ask this contact for help, with no password (their address, <40 hex>.RAContact).",
            discussion: "Example: --contact 0123456789abcdef0123456789abcdef01234567.RAContact", valueName: "address"))
    var contact: String?

    @Option(
        help: ArgumentHelp(
            "How long the invitation waits for a helper: seconds, or a number with s, m or h. Easy Connect: 1 second to 30 minutes (the default); --file: whole minutes, 6 hours by default, at most the settings' maximum-invitation-lifetime.",
            discussion: "Examples: --lifetime 600, --lifetime 10m, --file help-me --lifetime 2h", valueName: "duration"))
    var lifetime: String?

    @Option(
        name: .customLong("file"),
        help: ArgumentHelp(
            "Write a password-protected invitation file PATH.MsRcIncident instead of publishing in the cloud (msra /saveasfile).",
            discussion: "Asks for the file's password (at least 6 characters) twice. Example: --file ~/help-me", valueName: "path"))
    var file: String?

    @Flag(
        name: .customLong("file-password-stdin"),
        help: ArgumentHelp("With --file: read the file password from the first line of standard input (for scripts).", discussion: "Example: echo \"$PW\" | easy-connect invite --file help-me --file-password-stdin --json"))
    var filePasswordStdin = false

    @Flag(name: .customLong("overwrite"), help: ArgumentHelp("With --file: replace an existing file of that name (it is refused otherwise)."))
    var overwrite = false

    @Option(
        name: .customLong("listen"),
        help: ArgumentHelp(
            "Address to accept helpers on and publish (repeatable; default: every address of this computer).",
            discussion: "Examples: --listen 192.0.2.5, --listen ::1, --listen fe80::1%eth0", valueName: "address"))
    var listenAddresses: [String] = []

    @Option(help: ArgumentHelp("TCP port to accept helpers on (default: a free port).", discussion: "Example: --port 5900"))
    var port: UInt16?

    @Option(
        name: .customLong("consent-timeout"),
        help: ArgumentHelp(
            "Seconds to answer \"Would you like to allow …?\" before it counts as no (1 to 120; default and maximum: the settings' consent-timeout, 120).",
            discussion: "Example: --consent-timeout 30. Helpers wait 2 minutes for the answer, as in Windows Remote Assistance, so longer is not offered."))
    var consentTimeout: Int?

    @OptionGroup var options: SessionOptionsGroup
    @OptionGroup var terminal: TerminalSharingOptions

    /// `--lifetime` in seconds, when given.
    var givenLifetime: Int? { lifetime.flatMap(LifetimeText.seconds) }

    /// `--lifetime` in seconds, or the default of the kind of invitation (the settings may lower it).
    var lifetimeSeconds: Int { givenLifetime ?? (file == nil ? 1800 : Int(InvitationFile.defaultLifetimeMinutes) * 60) }

    func validate() throws {
        if let lifetime, LifetimeText.seconds(lifetime) == nil {
            throw ValidationError("--lifetime '\(lifetime)' is not a duration: give seconds (600) or a number with s, m or h (10m, 2h)")
        }
        if file != nil {
            guard lifetimeSeconds >= 60, lifetimeSeconds % 60 == 0 else {
                throw ValidationError("--lifetime of an invitation file is a whole number of minutes, at least 1 (90m, 2h)")
            }
            if contact != nil { throw ValidationError("--contact and --file are two kinds of invitation: give one") }
        } else {
            guard (1...1800).contains(lifetimeSeconds) else { throw ValidationError("--lifetime must be from 1 to 1800 seconds (an invitation waits at most 30 minutes)") }
            if filePasswordStdin || overwrite { throw ValidationError("--file-password-stdin and --overwrite go with --file PATH") }
        }
        if let file, file.isEmpty || file.hasSuffix("/") { throw ValidationError("--file needs a file name, such as ~/help-me") }
        if let consentTimeout, !(1...120).contains(consentTimeout) {
            throw ValidationError("--consent-timeout must be from 1 to 120 seconds (helpers wait 2 minutes for the answer)")
        }
        if let contact {
            do { _ = try ContactAddress(parsing: contact) } catch { throw ValidationError("--contact: \(error.description)") }
        }
        for text in listenAddresses {
            do { _ = try EndpointText(text, defaultPort: port ?? 0) } catch { throw ValidationError("--listen: \(error.description)") }
        }
    }

    func run() async throws {
        try await options.runCommand("invite") { console, inbox in try await invite(console: console, inbox: inbox) }
    }

    private func invite(console: Console, inbox: Inbox) async throws {
        // The settings first: a refusal touches no file and no network.
        let loaded = try options.settingsFiles.load()
        let limits = try Self.limits(lifetime: givenLifetime, consentTimeout: consentTimeout, file: file != nil, settings: loaded.effective)
        _ = try options.keepsSessionLog(loaded.effective)  // refused by the policy before any password is typed
        let terminalRequest = try terminal.request(loaded.effective)
        let launch = try SessionLaunch(options: options, console: console, role: .user)
        let lockPath = launch.data.state.file("invitation.lock")
        guard let lock = try FileLock.acquire(lockPath, wait: false) else { throw Self.busy(lockPath) }
        defer { lock.release() }
        lock.write("pid=\(getpid())\nstate=starting\n")
        if let file {
            return try await inviteByFile(
                file, limits: limits, maximum: loaded.settings.maximumInvitationLifetimeSeconds, loaded: loaded, launch: launch, lock: lock, console: console, inbox: inbox,
                terminalRequest: terminalRequest)
        }

        var settings = InviteOptions(session: try launch.sessionOptions())
        settings.lifetime = .seconds(limits.lifetime)
        settings.listenAddresses = listenAddresses
        settings.port = port ?? 0
        settings.invitation.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))
        settings.session.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))

        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        let contactRecord = try contact.map { (text) throws(CommandFailure) in try launch.data.contact(text) }
        try await launch.runThroughCloud(
            inbox: inbox, items: &items, invitationLock: lock, downloadPath: settings.session.downloadDirectory, controlRefusal: ControlRefusal(loaded.effective),
            terminalRequest: terminalRequest
        ) { (names) throws(EasyConnectError) in
            if let contactRecord { return try await EasyConnectSession.inviteContact(contactRecord, options: settings, nameService: names) }
            return try await EasyConnectSession.invite(options: settings, nameService: names)
        }
    }

    /// The lifetime and consent timeout to use, in seconds: the options when given, else the settings'; an
    /// invitation never waits longer than 30 minutes. Refused (exit status 13) when the settings do not allow
    /// inviting, or an option asks for more than they allow.
    static func limits(lifetime: Int?, consentTimeout: Int?, file: Bool = false, settings effective: EffectiveSettings) throws(CommandFailure) -> (lifetime: Int, consentTimeout: Int) {
        let settings = effective.settings
        let solicited = settings.solicitedHelpDecision
        if let reason = effective.explain(solicited) {
            throw .notAllowed("cannot ask for help: \(reason)", key: .allowSolicitedHelp)
        }
        // An Easy Connect invitation waits at most 30 minutes; an invitation file up to the settings' maximum,
        // 6 hours by default.
        let longest =
            file
            ? max(60, settings.maximumInvitationLifetimeSeconds / 60 * 60)  // a file counts whole minutes
            : min(Int(InviteOptions.maximumLifetime.components.seconds), settings.maximumInvitationLifetimeSeconds)
        let chosenLifetime = lifetime ?? (file ? min(Int(InvitationFile.defaultLifetimeMinutes) * 60, longest) : longest)
        if let reason = effective.explain(settings.invitationLifetimeDecision(.seconds(chosenLifetime))) {
            throw .notAllowed("--lifetime \(LifetimeText.spoken(chosenLifetime)) is too long: \(reason); use at most \(longest) s (\(LifetimeText.spoken(longest)))", key: .maximumInvitationLifetime)
        }
        let chosenTimeout = consentTimeout ?? settings.consentTimeoutSeconds
        if chosenTimeout > settings.consentTimeoutSeconds {
            let source = effective.source(of: .consentTimeout)
            throw .notAllowed(
                "--consent-timeout \(chosenTimeout) is above the settings' consent-timeout = \(settings.consentTimeoutSeconds) (\(source)); use at most \(settings.consentTimeoutSeconds)",
                key: .consentTimeout)
        }
        return (chosenLifetime, chosenTimeout)
    }

    /// msra `/saveasfile`: asks for the file password, listens, writes `path.MsRcIncident` and waits for the
    /// Helper who opens it. No cloud is used.
    private func inviteByFile(
        _ path: String, limits: (lifetime: Int, consentTimeout: Int), maximum: Int, loaded: LoadedSettings, launch: SessionLaunch, lock: FileLock, console: Console, inbox: Inbox,
        terminalRequest: TerminalSharingRequest?
    ) async throws {
        let target = InvitationFile.pathWithExtension(absolutePath(expandingTilde(path)))
        // Checked before the password is asked: a name taken or a missing folder costs nothing.
        if !overwrite, FileManager.default.fileExists(atPath: target) {
            throw CommandFailure.badInput("\(target) already exists; choose another name, or pass --overwrite to replace it", code: "file")
        }
        let folder = (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure.badInput("the folder \(folder) does not exist; create it or choose another place for the invitation file", code: "file")
        }
        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        guard let filePassword = try await FilePasswordInput.read(confirm: true, fromStandardInput: filePasswordStdin, console: console, items: &items) else { return }

        var settings = FileInviteOptions(session: try launch.sessionOptions(), path: target)
        settings.lifetime = .seconds(limits.lifetime)
        settings.maximumFileLifetime = .seconds(maximum)
        settings.overwrite = overwrite
        settings.listenAddresses = listenAddresses
        settings.port = port ?? 0
        settings.invitation.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))
        settings.session.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))
        let session: EasyConnectSession
        do {
            session = try await EasyConnectSession.inviteByFile(options: settings, filePassword: filePassword)
        } catch {
            throw CommandFailure(error)
        }
        try await launch.run(
            session, names: nil, inbox: inbox, items: &items, invitationLock: lock, downloadPath: settings.session.downloadDirectory,
            controlRefusal: ControlRefusal(loaded.effective), terminalRequest: terminalRequest)
    }

    /// The refusal when another `invite` holds the lock, saying which process and until when.
    static func busy(_ lockPath: String) -> CommandFailure {
        let text = (try? String(contentsOfFile: lockPath, encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        var details: [String] = []
        if let pid = fields["pid"].flatMap(Int32.init) { details.append("process \(pid)") }
        let message: String
        if fields["state"] == "session" {
            message = "a session from an earlier invitation is still running\(details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"); finish it first"
        } else {
            if let expires = fields["expires"].flatMap(UInt64.init) { details.append("until \(formatClock(expires))") }
            message = "an invitation is already waiting\(details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"); finish it first"
        }
        return CommandFailure(status: .invitationWaiting, reason: "invitation-waiting", code: "invitation-waiting", message: message)
    }
}
