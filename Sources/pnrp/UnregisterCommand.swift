import ArgumentParser
import PNRP
import PNRPNetwork

/// `pnrp unregister NAME`: revoke a name the node published.
struct UnregisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister",
        abstract: "Revoke a peer name the running node published with `pnrp register`.",
        discussion: """
            NAME is the full name `pnrp register` printed (for a secured name, with the authority). The \
            node sends the revocation to its neighbours ([MS-PNRP] 3.2.4.2). Exit code 3 when the node \
            has no such registration.

            Examples:
              pnrp unregister 0.printer
              pnrp unregister "$(pnrp identity show --authority).chat"
            """
    )

    @Argument(help: ArgumentHelp("The full peer name.", discussion: "Example: 0.printer"))
    var name: String

    @OptionGroup var options: ClientOptions

    func validate() throws {
        // A name that cannot be valid is bad input, not a name this node happens not to have published.
        do {
            _ = try PeerName(name)
        } catch {
            throw ValidationError("'\(VisibleText.escaped(name))' is not a peer name: \(error.description); give the full name `pnrp register` printed, e.g. 0.printer")
        }
    }

    func run() async throws {
        try await options.run("unregister") { client throws(ControlError) in try await client.unregister(name) }
        print("unregistered \(VisibleText.escaped(name))")
    }
}
