import ArgumentParser
import Foundation
import PNRP
import PNRPNetwork

/// `pnrp resolve NAME`: find a name's publisher through the running node.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a peer name and print its endpoints and the resolution path.",
        discussion: """
            The node searches the cloud ([MS-PNRP] 3.2.4.3) and returns the publisher's signed record \
            only after checking its signature; for a secured name the key fingerprint printed equals the \
            name's authority. A signed extended payload, when the publisher has one, is checked too; the \
            text output gives its size only, --json gives it in base64 (`extendedPayload`). Exit codes: 3 \
            nobody publishes the name, 4 no answer within --timeout.

            A node that is still joining its cloud (synchronizing with its seeds, nothing cached yet) \
            cannot tell whether anybody publishes a name: the resolution then waits for the join within \
            --timeout, and if the join does not finish in time it fails with exit code 4 and says so.

            Examples:
              pnrp resolve 0.printer
              pnrp resolve 9f3c0e0b6f1a5b0d2f9b8a3e0c4d5e6f708192a3.chat --timeout 3 --json
              pnrp resolve 0.printer --cloud linklocal:eth0
            """
    )

    @Argument(help: ArgumentHelp("The full peer name.", discussion: "Example: 0.printer"))
    var name: String

    @Option(help: ArgumentHelp("Seconds the resolution may take (at most 60).", discussion: "Example: --timeout 3"))
    var timeout = 10.0

    @Option(help: ArgumentHelp("Cloud to search: global, or linklocal:IFACE.", discussion: "Example: --cloud linklocal:eth0"))
    var cloud = "global"

    @Flag(help: ArgumentHelp("Print one JSON object instead of text.", discussion: "Example: pnrp resolve 0.printer --json | jq .path"))
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard timeout > 0, timeout <= 60 else { throw ValidationError("--timeout must be more than 0 and at most 60 seconds") }
    }

    func run() async throws {
        let arguments = ResolveArguments(name: name, timeoutSeconds: timeout, cloud: cloud)
        let r = try await options.run("resolve") { client throws(ControlError) in try await client.resolve(arguments) }
        if json {
            try printJSON(r)
            return
        }
        // Everything below came from the network: shown with control characters made visible.
        let e: (String) -> String = VisibleText.escaped
        print("\(e(r.name)) -> \(r.endpoints.isEmpty ? "no application endpoints" : e(r.endpoints.joined(separator: ", ")))")
        print("  node \(e(r.nodeEndpoints.joined(separator: ", "))), cloud \(e(r.cloud)), \(r.hops) hops, \(String(format: "%.1f", r.milliseconds)) ms")
        print("  PNRP ID \(e(r.id))")
        print("  CPA verified, key fingerprint \(e(r.keyFingerprint)), expires \(Date(timeIntervalSince1970: Double(r.expiresAt)))")
        if let comment = r.comment { print("  comment: \(e(comment))") }
        if let extended = r.extendedPayload {
            // The size only: the bytes may be anything, and never go raw to a terminal.
            let count = Data(base64Encoded: extended)?.count ?? 0
            print("  extended payload: \(count) bytes (signature verified; --json shows them in base64)")
        }
        print("  path:")
        for (i, hop) in r.path.enumerated() {
            print("    \(i == r.path.count - 1 ? "publisher" : "hop \(i + 1)    "): \(e(hop))")
        }
    }
}
