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
            supplies the authority, so nobody else can publish the name (NAME such as 0.x or \
            <40 hex digits>.x is refused with --secured: it is already a whole name). Prints the full name, \
            its P2P ID and the PNRP ID registered in each cloud; others resolve the full name.

            --extended-payload-file publishes the file's bytes (1 to 4096) as the name's signed extended \
            payload ([MS-PNRP] 2.2.3.3): resolvers receive them only after checking the signature, and \
            `pnrp resolve --json` shows them in base64. --ephemeral-key has the node sign with a fresh key \
            it forgets with the name, so the name cannot be linked to the node's identity. --lifetime makes \
            the node revoke the name by itself; --hold keeps the command in the foreground and the name \
            published only while it runs (Ctrl-C, SIGTERM, even SIGKILL revoke it).

            Examples:
              pnrp register 0.printer --port 631 --payload "2nd floor"
              pnrp register chat --secured --port 5222
              pnrp resolve "$(pnrp identity show --authority).chat"
              pnrp register chat --secured --json
              pnrp register 0.room --extended-payload-file invitation.bin
              pnrp register 0.room --ephemeral-key --lifetime 600 --hold
            """
    )

    @Argument(
        help: ArgumentHelp(
            "The peer name (0.CLASSIFIER), or with --secured only the classifier (the node adds its authority).",
            discussion: "Examples: 0.printer, or chat with --secured (published as <authority>.chat)."))
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
        help: ArgumentHelp(
            "Text published with the name: the CPA's friendly name, 1 to \(CPA.maximumFriendlyNameBytes) bytes of UTF-8 (\(CPA.maximumFriendlyNameBytes) ASCII characters, fewer accented or other letters).",
            discussion: "Example: --payload \"2nd floor printer\" (leave the option out to publish no text)"))
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
        if let payload { try Self.checkPayload(payload) }
        if secured { try Self.checkClassifier(name) }
        if port == 0 { throw ValidationError("--port must be 1-65535") }
        if let lifetime, !(1...604_800).contains(lifetime) { throw ValidationError("--lifetime must be from 1 to 604800 seconds (7 days)") }
        guard ["tcp", "udp"].contains(transport.lowercased()) else { throw ValidationError("--transport must be tcp or udp") }
    }

    /// Refuses a `--payload` the CPA cannot carry ([MS-PNRP] 2.2.3.1: FriendlyName Len is 1 to 78 bytes;
    /// no text at all is published by leaving the friendly name out, not by an empty one).
    static func checkPayload(_ payload: String) throws {
        let limit = CPA.maximumFriendlyNameBytes
        let bytes = payload.utf8.count
        if bytes == 0 {
            throw ValidationError("--payload is empty; give 1 to \(limit) bytes of UTF-8 text, or leave --payload out to publish no text")
        }
        if bytes > limit {
            throw ValidationError(
                "--payload has \(bytes) bytes of UTF-8 (\(payload.count) characters); a name's friendly text holds at most \(limit) bytes: shorten it, or publish longer data with --extended-payload-file")
        }
        if payload.utf8.contains(0) { throw ValidationError("--payload contains a NUL character, which a friendly name cannot hold") }
    }

    /// With --secured, NAME is only the classifier: refuses one that looks like a whole peer name (`0.x`, or
    /// 40 hex digits and a dot), which would otherwise be published as `<authority>.0.x` without a word.
    static func checkClassifier(_ name: String) throws {
        guard let dot = name.firstIndex(of: ".") else { return }
        let head = name[..<dot]
        let rest = name[name.index(after: dot)...]
        if head == "0" {
            throw ValidationError(
                "'\(VisibleText.escaped(name))' is an unsecured peer name, but --secured takes only the classifier: `pnrp register \(VisibleText.escaped(String(rest))) --secured` publishes <authority>.\(VisibleText.escaped(String(rest))) signed by this node; `pnrp register \(VisibleText.escaped(name))` (without --secured) publishes \(VisibleText.escaped(name))")
        }
        if head.count == 40, Hex.decode(String(head)) != nil {
            throw ValidationError(
                "'\(VisibleText.escaped(name))' is already a secured peer name, but --secured takes only the classifier: `pnrp register \(VisibleText.escaped(String(rest))) --secured` publishes <authority>.\(VisibleText.escaped(String(rest))) with this node's authority (`pnrp identity show --authority`)")
        }
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
                for line in Self.lines(result) { print(line) }
                if let extended { print("extended payload \(extended.count) bytes") }
            }
            return
        }
        // Written at once, unbuffered: a script waits for these lines while the command keeps running.
        var text: String
        if json {
            text = try jsonText(result, pretty: false) + "\n"
        } else {
            text = Self.lines(result).map { $0 + "\n" }.joined()
            if let extended { text += "extended payload \(extended.count) bytes\n" }
            text += "published while this command runs; Ctrl-C revokes it\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        // Until a signal ends the process (which closes the connection) or the node goes away.
        while session.isOpen { try? await Task.sleep(for: .milliseconds(500)) }
        printError("pnrp register: the node closed the connection; \(VisibleText.escaped(result.name)) is no longer published")
        throw ExitStatus.failure.exitCode
    }

    /// The text output: the full name, its P2P ID, the PNRP ID in each cloud and the endpoints, with control
    /// characters made visible (the name and the clouds come back from the node).
    static func lines(_ result: RegisteredName) -> [String] {
        let e: (String) -> String = VisibleText.escaped
        return [e(result.name), "P2P ID \(e(result.p2pID))"] + result.ids.map { "\(e($0.cloud)) \(e($0.id))" } + result.endpoints.map { "endpoint \(e($0))" }
    }
}
