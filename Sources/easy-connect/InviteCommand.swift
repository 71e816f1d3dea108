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

            Ctrl-C, SIGTERM or SIGHUP end it gracefully: a waiting invitation is withdrawn (its names revoked), a \
            session is ended with a goodbye, partial downloads are removed. A second signal stops at once.

            With --json, stdout carries one JSON event per line and stdin takes one JSON command per line \
            (README.md, "easy-connect"); for example {"command":"accept"} answers the consent question.

            With --contact ADDRESS (msra /getcontacthelp) no password is shown: the invitation is published under \
            your own contact address and only that contact can open it; they run `easy-connect help --contact \
            YOUR-ADDRESS`. A contact is kept after a first session by password (`easy-connect contacts` lists \
            them); both sides prove the keys they kept, and a key that changed is refused with both fingerprints.

            Examples:
              easy-connect invite
              easy-connect invite --contact 0123456789abcdef0123456789abcdef01234567.RAContact
              easy-connect invite --lifetime 600 --name "Ada"
              easy-connect invite --listen 192.0.2.5 --port 5900
              easy-connect invite --json --no-daemon --seed 192.0.2.1:3540

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
            "Seconds the invitation waits for a helper: 1 to 1800 (default 30 minutes, or the settings' shorter maximum-invitation-lifetime).",
            discussion: "Example: --lifetime 600"))
    var lifetime: Int?

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

    func validate() throws {
        if let lifetime, !(1...1800).contains(lifetime) { throw ValidationError("--lifetime must be from 1 to 1800 seconds (an invitation waits at most 30 minutes)") }
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
        let console = Console(command: "easy-connect invite", json: options.json)
        options.bootstrapLogging()
        let inbox = Inbox()
        do {
            try await invite(console: console, inbox: inbox)
        } catch let failure as CommandFailure {
            throw console.fail(failure)
        }
    }

    private func invite(console: Console, inbox: Inbox) async throws {
        // The settings first: a refusal touches no file and no network.
        let loaded = try options.settingsFiles.load()
        let limits = try Self.limits(lifetime: lifetime, consentTimeout: consentTimeout, settings: loaded.effective)
        let launch = try SessionLaunch(options: options, console: console, role: .user)
        let lockPath = launch.data.state.file("invitation.lock")
        guard let lock = try FileLock.acquire(lockPath, wait: false) else { throw Self.busy(lockPath) }
        defer { lock.release() }
        lock.write("pid=\(getpid())\nstate=starting\n")

        var settings = InviteOptions(session: try launch.sessionOptions())
        settings.lifetime = .seconds(limits.lifetime)
        settings.listenAddresses = listenAddresses
        settings.port = port ?? 0
        settings.invitation.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))
        settings.session.connection.consentTimeout = .seconds(UInt64(limits.consentTimeout))

        let (nodeDirectory, nodeLock) = try launch.data.nodeDirectory(role: .user)
        defer { nodeLock.release() }
        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        let contactRecord = try contact.map { (text) throws(CommandFailure) in try launch.data.contact(text) }
        let names = try await launch.openNames(nodeDirectory: nodeDirectory)
        let session: EasyConnectSession
        do {
            if let contactRecord {
                session = try await EasyConnectSession.inviteContact(contactRecord, options: settings, nameService: names.service)
            } else {
                session = try await EasyConnectSession.invite(options: settings, nameService: names.service)
            }
        } catch {
            await bounded(.seconds(10)) { await names.close() }
            throw CommandFailure(error)
        }
        var runner = SessionRunner(session: session, names: names, console: console, inbox: inbox, invitationLock: lock, downloadPath: settings.session.downloadDirectory)
        runner.contacts = launch.data.contacts
        runner.controlRefusal = ControlRefusal(loaded.effective)
        let outcome = await runner.run(&items)
        if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
    }

    /// The lifetime and consent timeout to use, in seconds: the options when given, else the settings'; an
    /// invitation never waits longer than 30 minutes. Refused (exit status 13) when the settings do not allow
    /// inviting, or an option asks for more than they allow.
    static func limits(lifetime: Int?, consentTimeout: Int?, settings effective: EffectiveSettings) throws(CommandFailure) -> (lifetime: Int, consentTimeout: Int) {
        let settings = effective.settings
        let solicited = settings.solicitedHelpDecision
        if let reason = effective.explain(solicited) {
            throw .notAllowed("cannot ask for help: \(reason)", key: .allowSolicitedHelp)
        }
        let longest = min(Int(InviteOptions.maximumLifetime.components.seconds), settings.maximumInvitationLifetimeSeconds)
        let chosenLifetime = lifetime ?? longest
        if let reason = effective.explain(settings.invitationLifetimeDecision(.seconds(chosenLifetime))) {
            throw .notAllowed("--lifetime \(chosenLifetime) is too long: \(reason); use at most \(longest)", key: .maximumInvitationLifetime)
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
