import ArgumentParser
import Foundation
import PNRPNetwork

/// `pnrp stop`: stop the running node gracefully and wait for it to exit.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "Stop the running node: revoke its names, save its cache, and wait until it has exited.",
        discussion: """
            Same as sending the node SIGTERM. Exit code 4 when it has not exited within --wait seconds, \
            5 when no node runs.

            Examples:
              pnrp stop
              pnrp stop --state-dir /tmp/pnrp-a --wait 30
            """
    )

    @Option(help: ArgumentHelp("Seconds to wait for the node to exit.", discussion: "Example: --wait 30"))
    var wait = 15.0

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard wait >= 0, wait <= 86_400 else { throw ValidationError("--wait must be 0...86400 seconds") }
    }

    func run() async throws {
        let pid = try await options.run("stop") { client throws(ControlError) in try await client.shutdown() }
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int64(wait * 1000))
        while Self.isRunning(pid) {
            guard clock.now < end else {
                printError("pnrp stop: node \(pid) is still running after \(wait) s")
                throw ExitStatus.timeout.exitCode
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        print("stopped pnrp node \(pid)")
    }

    /// Whether process `pid` still runs; an exited child its parent has not reaped yet (a zombie) does not.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return true }
        return !stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }
}
