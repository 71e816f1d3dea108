import Foundation
import PNRP
import PNRPNetwork
import Testing

/// Text that came from the network or a file never reaches a terminal raw: every `pnrp` command shows it
/// with control characters made visible, `--json` escapes them, and so do the node's log and ready lines.
@Suite("pnrp CLI: text from the network is shown safely", .serialized, .timeLimit(.minutes(2)))
struct CLIVisibleTextTests {
    /// A friendly name that would recolour the terminal, retitle its window, ring its bell, overwrite the line
    /// and reverse what follows, if printed raw.
    static let hostilePayload = "\u{1B}[31mRED\u{1B}]0;pwned\u{07}\r x\u{202E}\u{85}"
    /// A peer name with a window-title escape in its classifier.
    static let hostileName = "0.evil\u{1B}]0;t\u{07}"

    /// The control characters of `text` other than the newlines between lines.
    static func rawControls(_ text: String) -> [String] {
        text.unicodeScalars.filter { VisibleText.isControl($0) && $0 != "\n" }.map { String(format: "U+%04X", $0.value) }
    }

    @Test("A name and a friendly name full of escapes: register, resolve, status, cache, unregister and id print none raw")
    func resolveShowsEscapes() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let node = try cluster.start(index: 0, address: "127.0.0.160", port: 3540, seeds: [])
        try await cluster.waitReady()
        let dir = ["--state-dir", node.directory]
        func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runBounded(cluster.binary, arguments + dir, scratch: cluster.root)
        }

        let registered = try await run(["register", Self.hostileName, "--payload", Self.hostilePayload, "--port", "8080"])
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(Self.rawControls(registered.stdout).isEmpty, "\(Self.rawControls(registered.stdout))")
        #expect(registered.stdout.hasPrefix("0.evil\\u{1b}]0;t\\u{7}\n"), "\(registered.stdout)")

        let resolved = try await run(["resolve", Self.hostileName, "--timeout", "5"])
        #expect(resolved.status == 0, "\(resolved.stderr)")
        #expect(Self.rawControls(resolved.stdout).isEmpty, "\(Self.rawControls(resolved.stdout))")
        #expect(resolved.stdout.contains("comment: \\u{1b}[31mRED\\u{1b}]0;pwned\\u{7}\\u{d} x\\u{202e}\\u{85}"), "\(resolved.stdout)")

        // JSON escapes them too, and still gives the exact text to a program.
        let json = try await run(["resolve", Self.hostileName, "--timeout", "5", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(Self.rawControls(json.stdout).isEmpty, "\(Self.rawControls(json.stdout))")
        let record = try JSONDecoder().decode(ResolvedRecord.self, from: Data(json.stdout.utf8))
        #expect(record.comment == Self.hostilePayload && record.name == Self.hostileName)

        for arguments in [["status"], ["status", "--json"], ["cache"], ["clouds"], ["register", Self.hostileName, "--json", "--payload", "x"]] {
            let r = try await run(arguments)
            #expect(Self.rawControls(r.stdout + r.stderr).isEmpty, "\(arguments): \(Self.rawControls(r.stdout + r.stderr))")
        }
        #expect(try await run(["status"]).stdout.contains("  0.evil\\u{1b}]0;t\\u{7}"))
        let unregistered = try await run(["unregister", Self.hostileName])
        #expect(unregistered.status == 0 && unregistered.stdout == "unregistered 0.evil\\u{1b}]0;t\\u{7}\n", "\(unregistered)")
        // The node's refusal quotes the name: escaped too.
        let again = try await run(["unregister", Self.hostileName])
        #expect(again.status == 3 && Self.rawControls(again.stderr).isEmpty, "\(again.stderr)")

        // `pnrp id` needs no node.
        let id = try await runBounded(cluster.binary, ["id", Self.hostileName + "\u{85}\u{2066}"], scratch: cluster.root)
        #expect(id.status == 0 && Self.rawControls(id.stdout).isEmpty, "\(id)")
        let idJSON = try await runBounded(cluster.binary, ["id", "--json", Self.hostileName + "\u{85}\u{2066}"], scratch: cluster.root)
        #expect(Self.rawControls(idJSON.stdout).isEmpty, "\(idJSON.stdout)")
        struct Shown: Decodable { var name: String }
        #expect(try JSONDecoder().decode(Shown.self, from: Data(idJSON.stdout.utf8)).name == Self.hostileName + "\u{85}\u{2066}")
    }

    @Test("The node's log lines and ready line show a state directory path with escapes in it escaped")
    func logLinesEscaped() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let directory = cluster.root + "/state\u{1B}[2J\u{07}"
        let out = cluster.root + "/node.out", err = cluster.root + "/node.err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = cluster.binary
        process.arguments = [
            "node", "--address", "127.0.0.161", "--port", "3540", "--state-dir", directory, "--no-link-local", "--no-multicast", "--log-level", "debug",
        ]
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let end = Date().addingTimeInterval(20)
        while !((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("pnrp node ready"), process.isRunning, Date() < end {
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, Date() < end { try await Task.sleep(for: .milliseconds(20)) }
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(stdout.contains("pnrp node ready"), "\(stderr)")
        #expect(stdout.contains("state\\u{1b}[2J\\u{7}/control.sock"), "\(stdout)")
        #expect(stderr.contains("state\\u{1b}[2J\\u{7}"), "\(stderr)")
        #expect(Self.rawControls(stdout).isEmpty && Self.rawControls(stderr).isEmpty, "\(Self.rawControls(stdout + stderr))")
    }
}
