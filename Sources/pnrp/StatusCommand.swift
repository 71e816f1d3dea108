import ArgumentParser
import Foundation
import PNRP
import PNRPNetwork

/// `pnrp status`: is a node running, and how is it doing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running node's process, identity, uptime, clouds, names and counters.",
        discussion: """
            The names registered through the node are listed one per line (`registrations` in --json); \
            seeds that cannot help (other address family, no answer) are listed as warnings \
            (`seedProblems` in --json, absent when there is none). A node that relays for nodes behind \
            NATs (--nat-traversal) also shows its TCP stream relay: pairs spliced, bytes relayed \
            (`streamRelay` in --json).

            Exit code 5 (and one sentence) when no node runs for the state directory, so scripts can use \
            it as a liveness check.

            Examples:
              pnrp status
              pnrp status --json
              pnrp status --state-dir /tmp/pnrp-a >/dev/null && echo running
            """
    )

    @Flag(help: ArgumentHelp("Print one JSON object instead of text.", discussion: "Example: pnrp status --json | jq .pid"))
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let s = try await options.run("status") { client throws(ControlError) in try await client.status() }
        if json {
            try printJSON(s)
            return
        }
        let t = s.traffic
        print("pnrp node running, pid \(s.pid), up \(Self.duration(s.uptimeSeconds))")
        print("state directory \(VisibleText.escaped(s.stateDirectory))")
        print("identity authority \(VisibleText.escaped(s.authority))")
        for c in s.clouds { print("cloud \(CloudsCommand.line(c))") }
        for problem in s.seedProblems ?? [] { print("warning: \(VisibleText.escaped(problem))") }
        if s.registrations.isEmpty {
            print("registered: none")
        } else {
            print("registered: \(s.registrations.count)")
            for name in s.registrations { print("  \(VisibleText.escaped(name))") }
        }
        print("traffic: \(t.datagramsIn) datagrams in (\(t.bytesIn) bytes), \(t.datagramsOut) out (\(t.bytesOut) bytes)")
        print("dropped: \(t.rateLimited) rate-limited, \(t.amplificationDropped) amplification, \(t.malformed) malformed; \(t.cpaRejected) CPAs rejected")
        print("retransmissions \(t.retransmissions), timeouts \(t.timeouts), socket errors \(t.socketErrors)")
        if let r = s.streamRelay {
            print(
                "stream relay on TCP \(VisibleText.escaped(r.endpoint)): \(r.activePairs) pairs spliced now, \(r.waiting) waiting, \(r.liveTokens) tokens live; "
                    + "\(r.pairsSpliced) pairs and \(r.bytesRelayed) bytes since start; \(r.refused) refused, \(r.timedOut) timed out, \(r.idleClosed) closed idle")
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
