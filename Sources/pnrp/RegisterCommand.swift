import ArgumentParser
import Foundation
import PNRP
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

            --extended-payload-file publishes the file's bytes (1 to 4096) as the name's signed extended \
            payload ([MS-PNRP] 2.2.3.3): resolvers receive them only after checking the signature, and \
            `pnrp resolve --json` shows them in base64. --ephemeral-key has the node sign with a fresh key \
            it forgets with the name, so the name cannot be linked to the node's identity. --lifetime makes \
            the node revoke the name by itself; --hold keeps the command in the foreground and the name \
            published only while it runs (Ctrl-C, SIGTERM, even SIGKILL revoke it).

            Examples:
              pnrp register 0.printer --port 631 --payload "2nd floor"
              pnrp register chat --secured --port 5222
              pnrp register chat --secured --json
              pnrp register 0.room --extended-payload-file invitation.bin
              pnrp register 0.room --ephemeral-key --lifetime 600 --hold
            """
    )

    @Argument(help: ArgumentHelp("The peer name, or with --secured only the classifier.", discussion: "Examples: 0.printer, or chat with --secured."))
    var name: String

    @Flag(
        help: ArgumentHelp(
            "Publish the secured name <node authority>.NAME, signed by the node's identity (with --ephemeral-key: by the fresh key, whose authority it takes).",
            discussion: "Example: pnrp register chat --secured"))
    var secured = false

    @Option(help: ArgumentHelp("An application port to publish with the name, on the node's address.", discussion: "Example: --port 631"))
    var port: UInt16?

    @Option(help: ArgumentHelp("Transport of --port: tcp or udp.", discussion: "Example: --transport udp"))
    var transport = "tcp"

    @Option(
        name: [.customLong("payload"), .customLong("comment")],
        help: ArgumentHelp("Text published with the name (the CPA's friendly name, 1 to 78 bytes of UTF-8).", discussion: "Example: --payload \"2nd floor printer\""))
    var payload: String?

    @Option(
        name: .customLong("extended-payload-file"),
        help: ArgumentHelp(
            "A file of 1 to 4096 bytes to publish as the name's signed extended payload.", discussion: "Example: --extended-payload-file invitation.bin",
            valueName: "path"))
    var extendedPayloadFile: String?

    @Flag(
        name: .customLong("ephemeral-key"),
        help: ArgumentHelp("Sign with a fresh key the node makes and forgets with the name, not with its identity.", discussion: "Example: --ephemeral-key"))
    var ephemeralKey = false

    @Option(help: ArgumentHelp("Seconds after which the node revokes the name by itself (1 to 604800).", discussion: "Example: --lifetime 600"))
    var lifetime: Double?

    @Flag(
        help: ArgumentHelp(
            "Stay in the foreground; the name is revoked when this command ends, however it ends.", discussion: "Example: pnrp register 0.room --hold"))
    var hold = false

    @Flag(help: ArgumentHelp("Print one JSON object instead of text.", discussion: "Example: pnrp register chat --secured --json"))
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if port == 0 { throw ValidationError("--port must be 1-65535") }
        if let lifetime, !(1...604_800).contains(lifetime) { throw ValidationError("--lifetime must be from 1 to 604800 seconds (7 days)") }
        guard ["tcp", "udp"].contains(transport.lowercased()) else { throw ValidationError("--transport must be tcp or udp") }
    }

    /// The bytes of `--extended-payload-file`, or exits with status 2 and a sentence saying what is wrong.
    func readExtendedPayload() throws -> [UInt8]? {
        guard let path = extendedPayloadFile else { return nil }
        let limit = ExtendedPayload.maximumBinaryBytes
        func refuse(_ why: String) -> ExitCode {
            printError("pnrp register: \(why)")
            return ExitStatus.badInput.exitCode
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw refuse("\(path) does not exist") }
        guard !isDirectory.boolValue else { throw refuse("\(path) is a directory; give a file of 1 to \(limit) bytes") }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw refuse("\(path) cannot be read (permissions?)") }
        defer { try? handle.close() }
        // Read one byte more than allowed, so that a larger file (or a device) is refused without reading it all.
        let data = (try? handle.read(upToCount: limit + 1)) ?? nil
        let bytes = data.map(Array.init) ?? []
        guard !bytes.isEmpty else { throw refuse("\(path) is empty; an extended payload has 1 to \(limit) bytes") }
        guard bytes.count <= limit else { throw refuse("\(path) is larger than \(limit) bytes, the most an extended payload can carry") }
        return bytes
    }

    func run() async throws {
        let extended = try readExtendedPayload()
        let arguments = RegisterArguments(
            name: name, secured: secured, port: port, transport: transport, comment: payload,
            extendedPayload: extended.map { Data($0).base64EncodedString() }, ephemeralKey: ephemeralKey, lifetimeSeconds: lifetime,
            untilDisconnect: hold)
        var session: ControlSession?
        let result = try await options.run("register") { client throws(ControlError) in
            guard hold else { return try await client.register(arguments) }
            // The name lasts as long as this session: the node revokes it when the connection closes.
            let opened = try await client.openSession()
            session = opened
            return try await opened.register(arguments)
        }
        guard let session else {
            if json {
                try printJSON(result)
            } else {
                print(result.name)
                print("P2P ID \(result.p2pID)")
                for id in result.ids { print("\(id.cloud) \(id.id)") }
                for e in result.endpoints { print("endpoint \(e)") }
                if let extended { print("extended payload \(extended.count) bytes") }
            }
            return
        }
        // Written at once, unbuffered: a script waits for these lines while the command keeps running.
        var text: String
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            text = String(decoding: try encoder.encode(result), as: UTF8.self) + "\n"
        } else {
            text = "\(result.name)\nP2P ID \(result.p2pID)\n" + result.ids.map { "\($0.cloud) \($0.id)\n" }.joined()
            text += result.endpoints.map { "endpoint \($0)\n" }.joined()
            if let extended { text += "extended payload \(extended.count) bytes\n" }
            text += "published while this command runs; Ctrl-C revokes it\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        // Until a signal ends the process (which closes the connection) or the node goes away.
        while session.isOpen { try? await Task.sleep(for: .milliseconds(500)) }
        printError("pnrp register: the node closed the connection; \(result.name) is no longer published")
        throw ExitStatus.failure.exitCode
    }
}
