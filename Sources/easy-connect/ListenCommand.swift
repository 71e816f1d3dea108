import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork

/// `easy-connect listen`: the User's side of offers (msra `/offerRA`): wait for a Helper to offer help.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Wait for a helper to offer help (unsolicited), as the settings allow.",
        discussion: """
            Listens on TCP port 5940 (--port) and publishes your addresses in the PNRP cloud under \
            <fingerprint>.RAOffer, owned by your key. A helper runs `easy-connect offer YOUR-ADDRESS` (your \
            contact address, <fingerprint>.RAContact) or `easy-connect offer HOST[:PORT]`. Each helper proves its \
            key; your settings decide who may offer at all (allow-offers, offers-allowed-from: see \
            `easy-connect settings --help`; by default offers are turned off, so every helper is refused until \
            allow-offers = yes and offers-allowed-from name them): a helper they do not allow is refused with \
            the reason and you are not disturbed. The others are shown with their name, computer and key fingerprint, and you \
            decide:

              Would you like to allow Bob (bob-pc, key 0123456789abcdef…) to connect
              to your computer? [y/N]

            Then the session is the same as with `invite`. The settings are read when `listen` starts.

            \(HumanView.commandList(role: .user))

            Examples:
              easy-connect listen
              easy-connect listen --listen 192.0.2.5 --lifetime 7200
              easy-connect listen --json --no-daemon --seed 192.0.2.1:3540

            \(ExitStatus.table)
            """
    )

    @Option(help: ArgumentHelp("Seconds to wait for offers: 1 to 86400 (default 3600).", discussion: "Example: --lifetime 7200"))
    var lifetime = 3600

    @Option(
        name: .customLong("listen"),
        help: ArgumentHelp(
            "Address to accept helpers on and publish (repeatable; default: every address of this computer).",
            discussion: "Examples: --listen 192.0.2.5, --listen ::1", valueName: "address"))
    var listenAddresses: [String] = []

    @Option(help: ArgumentHelp("TCP port to accept offers on (default 5940; 0 picks a free one).", discussion: "Example: --port 5941"))
    var port: UInt16 = EasyConnectSession.defaultOfferPort

    @Option(
        name: .customLong("consent-timeout"),
        help: ArgumentHelp(
            "Seconds to answer \"Would you like to allow …?\" before it counts as no (1 to 120; default: the settings' consent-timeout, 120).",
            discussion: "Example: --consent-timeout 30"))
    var consentTimeout: Int?

    @OptionGroup var options: SessionOptionsGroup
    @OptionGroup var terminal: TerminalSharingOptions

    func validate() throws {
        guard (1...86_400).contains(lifetime) else { throw ValidationError("--lifetime must be from 1 to 86400 seconds (24 hours)") }
        if let consentTimeout, !(1...120).contains(consentTimeout) { throw ValidationError("--consent-timeout must be from 1 to 120 seconds") }
        for text in listenAddresses {
            do { _ = try EndpointText(text, defaultPort: port) } catch { throw ValidationError("--listen: \(error.description)") }
        }
    }

    func run() async throws {
        try await options.runCommand("listen") { console, inbox in try await listen(console: console, inbox: inbox) }
    }

    private func listen(console: Console, inbox: Inbox) async throws {
        // The settings first: a refusal touches no file and no network.
        let loaded = try options.settingsFiles.load()
        let admission = loaded.settings.offerAdmission
        let timeout = consentTimeout ?? loaded.settings.consentTimeoutSeconds
        if timeout > loaded.settings.consentTimeoutSeconds {
            throw CommandFailure.notAllowed(
                "--consent-timeout \(timeout) is above the settings' consent-timeout = \(loaded.settings.consentTimeoutSeconds) (\(loaded.effective.source(of: .consentTimeout))); use at most \(loaded.settings.consentTimeoutSeconds)",
                key: .consentTimeout)
        }
        if case .nobody = admission {
            console.err("\(console.command): warning: offers of help are turned off (allow-offers, \(loaded.effective.source(of: .allowOffers))): every helper who offers will be refused")
        }
        let terminalRequest = try terminal.request(loaded.effective)
        let launch = try SessionLaunch(options: options, console: console, role: .user)
        let lockPath = launch.data.state.file("invitation.lock")
        guard let lock = try FileLock.acquire(lockPath, wait: false) else { throw InviteCommand.busy(lockPath) }
        defer { lock.release() }
        lock.write("pid=\(getpid())\nstate=starting\n")

        var settings = InviteOptions(session: try launch.sessionOptions())
        settings.lifetime = .seconds(lifetime)
        settings.listenAddresses = listenAddresses
        settings.port = port
        settings.invitation.connection.consentTimeout = .seconds(UInt64(timeout))
        settings.session.connection.consentTimeout = .seconds(UInt64(timeout))

        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        try await launch.runThroughCloud(
            inbox: inbox, items: &items, invitationLock: lock, downloadPath: settings.session.downloadDirectory, controlRefusal: ControlRefusal(loaded.effective),
            terminalRequest: terminalRequest
        ) { (names) throws(EasyConnectError) in
            try await EasyConnectSession.listenForOffers(options: settings, admission: admission, nameService: names)
        }
    }
}
