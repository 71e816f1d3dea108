import ArgumentParser
import EasyConnect
import EasyConnectNetwork
import Foundation
import PNRPNetwork

/// `easy-connect offer TARGET` (msra `/offerRA`): the Helper offers help, unsolicited.
struct OfferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offer",
        abstract: "Offer help to someone who waits for offers (easy-connect listen): a contact, or a machine.",
        discussion: """
            TARGET is a contact address (<40 hex>.RAContact, from `easy-connect contacts`) or a machine, \
            HOST[:PORT] (an IP address; port 5940 by default). For a contact, their offer listener is found in \
            the PNRP cloud under their key and they must prove the key you kept; for a machine, you are shown \
            the key that answers. Either way you prove your key: their settings decide whether offers are \
            allowed and from whom (a refusal says why, exit code 8), then the person is asked whether to let \
            you in. No password is involved.

            \(HumanView.commandList(role: .helper))

            Examples:
              easy-connect offer 0123456789abcdef0123456789abcdef01234567.RAContact
              easy-connect offer 192.0.2.5
              easy-connect offer '[2001:db8::5]:5941' --json

            \(ExitStatus.table)
            """
    )

    @Argument(help: ArgumentHelp("A contact address (<40 hex>.RAContact) or HOST[:PORT].", valueName: "target"))
    var target: String

    @Option(
        name: .customLong("resolve-timeout"),
        help: ArgumentHelp("Seconds one lookup of a contact in the cloud may take (default 10).", discussion: "Example: --resolve-timeout 5"))
    var resolveTimeout = 10

    @Option(
        name: .customLong("connect-timeout"),
        help: ArgumentHelp("Seconds one TCP connection attempt may take (default 5).", discussion: "Example: --connect-timeout 3"))
    var connectTimeout = 5

    @OptionGroup var options: SessionOptionsGroup

    /// A contact address, or an endpoint.
    private var parsedTarget: Either {
        get throws {
            if let address = try? ContactAddress(parsing: target), target.lowercased().contains(".racontact") || !target.contains(where: { $0 == ":" || $0 == "." }) {
                return .contact(address)
            }
            do {
                return .host(try EndpointText(target, defaultPort: EasyConnectSession.defaultOfferPort))
            } catch {
                throw ValidationError("\(target) is neither a contact address (<40 hex>.RAContact) nor HOST[:PORT]: \(error.description)")
            }
        }
    }

    private enum Either {
        case contact(ContactAddress)
        case host(EndpointText)
    }

    func validate() throws {
        _ = try parsedTarget
        guard (1...300).contains(resolveTimeout) else { throw ValidationError("--resolve-timeout must be from 1 to 300 seconds") }
        guard (1...300).contains(connectTimeout) else { throw ValidationError("--connect-timeout must be from 1 to 300 seconds") }
    }

    func run() async throws {
        try await options.runCommand("offer") { console, inbox in try await offer(console: console, inbox: inbox) }
    }

    private func offer(console: Console, inbox: Inbox) async throws {
        // A settings file that cannot be read stops here, before anything is created.
        _ = try options.settingsFiles.load()
        var items = inbox.stream.makeAsyncIterator()
        inbox.readStandardInput()
        let launch = try SessionLaunch(options: options, console: console, role: .helper)
        var settings = HelpOptions(session: try launch.sessionOptions())
        settings.resolveTimeout = .seconds(resolveTimeout)
        settings.connectTimeout = .seconds(connectTimeout)
        let destination: OfferTarget
        switch try parsedTarget {
        case .contact(let address): destination = .contact(try launch.data.contact(address.description))
        case .host(let endpoint): destination = .host(endpoint)
        }
        try await launch.runThroughCloud(inbox: inbox, items: &items, invitationLock: nil, downloadPath: settings.session.downloadDirectory) {
            (names) throws(EasyConnectError) in
            try await EasyConnectSession.offer(to: destination, options: settings, nameService: names)
        }
    }
}
