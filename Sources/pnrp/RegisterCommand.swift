import ArgumentParser
import PNRPNetwork

/// `pnrp register NAME`: publish a name through the running node.
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Publish a peer name through the running node.",
        discussion: """
            The name stays published (and is re-announced) until `pnrp unregister NAME` or until the \
            node stops, which revokes it. Unsecured names (0.CLASSIFIER) can be published by anyone; with \
            --secured, NAME is only the classifier and the node's identity (see `pnrp identity show`) \
            supplies the authority, so nobody else can publish the name. Prints the full name, its P2P ID \
            and the PNRP ID registered in each cloud.

            Examples:
              pnrp register 0.printer --port 631 --payload "2nd floor"
              pnrp register chat --secured --port 5222
              pnrp register chat --secured --json
            """
    )

    @Argument(help: ArgumentHelp("The peer name, or with --secured only the classifier.", discussion: "Examples: 0.printer, or chat with --secured."))
    var name: String

    @Flag(help: ArgumentHelp("Publish the secured name <node authority>.NAME, signed by the node's identity.", discussion: "Example: pnrp register chat --secured"))
    var secured = false

    @Option(help: ArgumentHelp("An application port to publish with the name, on the node's address.", discussion: "Example: --port 631"))
    var port: UInt16?

    @Option(help: ArgumentHelp("Transport of --port: tcp or udp.", discussion: "Example: --transport udp"))
    var transport = "tcp"

    @Option(
        name: [.customLong("payload"), .customLong("comment")],
        help: ArgumentHelp("Text published with the name (the CPA's friendly name, up to 255 characters).", discussion: "Example: --payload \"2nd floor printer\""))
    var payload: String?

    @Flag(help: ArgumentHelp("Print one JSON object instead of text.", discussion: "Example: pnrp register chat --secured --json"))
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if port == 0 { throw ValidationError("--port must be 1-65535") }
        guard ["tcp", "udp"].contains(transport.lowercased()) else { throw ValidationError("--transport must be tcp or udp") }
    }

    func run() async throws {
        let arguments = RegisterArguments(name: name, secured: secured, port: port, transport: transport, comment: payload)
        let result = try await options.run("register") { client throws(ControlError) in try await client.register(arguments) }
        if json {
            try printJSON(result)
            return
        }
        print(result.name)
        print("P2P ID \(result.p2pID)")
        for id in result.ids { print("\(id.cloud) \(id.id)") }
        for e in result.endpoints { print("endpoint \(e)") }
    }
}
