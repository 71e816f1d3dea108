import ArgumentParser
import PNRP
import PNRPNetwork

/// `pnrp cache`: the node's cached route entries.
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "List the route entries the running node caches, per cloud.",
        discussion: """
            One line per entry: cloud, PNRP ID, cache level (leading digits shared with the node's own \
            ID), whether a verified CPA stands behind it, whether it is in a leaf set, and its endpoints.

            Examples:
              pnrp cache
              pnrp cache --json | jq length
            """
    )

    @Flag(help: ArgumentHelp("Print a JSON array instead of text.", discussion: "Example: pnrp cache --json | jq length"))
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let entries = try await options.run("cache") { client throws(ControlError) in try await client.cache() }
        if json {
            try printJSON(entries)
            return
        }
        if entries.isEmpty { print("the cache is empty: the node knows no other node yet") }
        for e in entries {
            let flags = [e.verified ? "verified" : "unverified", e.leaf ? "leaf" : nil].compactMap { $0 }.joined(separator: ",")
            print(VisibleText.escaped("\(e.cloud) \(e.id) level \(e.level) \(flags) \(e.endpoints.joined(separator: " "))"))
        }
    }
}
