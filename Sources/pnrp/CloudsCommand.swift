import ArgumentParser
import Foundation
import PNRP
import PNRPNetwork

/// `pnrp clouds`: the node's open clouds.
struct CloudsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clouds",
        abstract: "List the clouds the running node has joined and their state.",
        discussion: """
            State is alone (knows nobody), synchronizing (joining) or active (can resolve). A node sees the \
            names (PNRP IDs) registered in the cloud near its own: when its leaf sets hold the whole cloud \
            (about ten names or fewer) it counts them, otherwise it estimates their number from the ten \
            nearest, which is within a factor 1.5 of the truth about three times in four, so the estimate \
            comes with the range where the truth lies nine times in ten. The number of nodes is inferred \
            from the names, as if every node registered as many as this one: ~6 nodes (6 names counted), \
            ~1,003 nodes (likely 640-1,750). A node that registered no name has no size to show.

            Examples:
              pnrp clouds
              pnrp clouds --json
            """
    )

    @Flag(help: ArgumentHelp("Print a JSON array instead of text.", discussion: "Example: pnrp clouds --json | jq -r '.[].state'"))
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let clouds = try await options.run("clouds") { client throws(ControlError) in try await client.clouds() }
        if json {
            try printJSON(clouds)
            return
        }
        for c in clouds { print(Self.line(c)) }
    }

    /// `Global_  127.0.0.2:3540  active  12 cached  1 registered  ~1,003 nodes (likely 640-1,750)`.
    static func line(_ c: CloudStatus) -> String {
        let e: (String) -> String = VisibleText.escaped
        var parts = [e(c.name) + (c.interface.map { " (\(e($0)))" } ?? ""), e(c.endpoint), e(c.state), "\(c.cachedEntries) cached", "\(c.registrations) registered"]
        if let size = c.sizeDescription { parts.append(size) }
        if let reachability = c.reachability { parts.append(e(reachability)) }
        if let published = c.publishedEndpoint { parts.append("published at \(e(published))") }
        if let relayed = c.relayedNodes, relayed > 0 { parts.append("relaying for \(relayed)") }
        return parts.joined(separator: "  ")
    }
}
