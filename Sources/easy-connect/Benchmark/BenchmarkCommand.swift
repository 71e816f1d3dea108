import ArgumentParser
import EasyConnect
import Foundation
import PeerCrypto
import PNRP

/// `easy-connect benchmark`: the figures the README quotes — sessions (the default) and shared terminals.
struct BenchmarkGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark",
        abstract: "Measure sessions (connection latency, file throughput, wrong passwords) or a shared terminal.",
        discussion: "Build in release mode first: swift build -c release. `easy-connect benchmark` alone runs `benchmark sessions`.",
        subcommands: [BenchmarkCommand.self, TerminalBenchmarkCommand.self],
        defaultSubcommand: BenchmarkCommand.self)
}

/// `easy-connect benchmark sessions`: the session figures the README quotes, measured with real processes on
/// loopback.
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Measure connection latency, file throughput and wrong-password detection on loopback.",
        discussion: """
            Starts three `pnrp node` processes on 127.0.0.12-14 (UDP port 3540, temporary state directories, \
            no multicast), an `easy-connect invite --json` User on the first, and runs `easy-connect help \
            --json` Helpers from the second, timing:
              - from starting `easy-connect help` with the password to the consent prompt on the User's side
                (Argon2id, resolution, TCP, PAKE and identity proofs included), --runs times (each declined);
              - a wrong password: from starting the Helper to its exit, and to the User's attempt-failed event;
              - a file of --file-megabytes sent from the Helper to the User, --file-runs times after one
                untimed warm-up: from the send-file command to the User's file-received event (offer, accept,
                stream, SHA-256 check, fsync, final name); each received copy is deleted before the next.
            The warm-up matters on virtual machines whose memory the host backs only when first touched: a
            first write into fresh page cache there runs at a fraction of the speed of later ones (measured:
            `dd` of 4 GB into /tmp at 0.4 GB/s the first time, 3.8 GB/s the second).
            Build in release mode first: swift build -c release; then .build/release/easy-connect benchmark.

            Examples:
              easy-connect benchmark
              easy-connect benchmark --runs 50 --file-megabytes 200 --json
            """)

    @Option(help: "Connections to time (each one declined, so the invitation stays).")
    var runs = 20

    @Option(help: "Size of the file sent, in MB (10^6 bytes).")
    var fileMegabytes = 100

    @Option(help: "Timed transfers of the file (after one untimed warm-up).")
    var fileRuns = 5

    @Flag(help: "Print one JSON object with every figure.")
    var json = false

    @Flag(help: "Keep the temporary directory (logs of every process) and print its path.")
    var keep = false

    func run() async throws {
        guard runs >= 1, runs <= 1000, fileMegabytes >= 1, fileMegabytes <= 10_000, fileRuns >= 1, fileRuns <= 100 else {
            throw ValidationError("--runs must be 1...1000, --file-megabytes 1...10000 and --file-runs 1...100")
        }
        let bench = try BenchmarkRun(keep: keep)
        defer { bench.cleanUp() }
        let report = try bench.measure(runs: runs, fileBytes: fileMegabytes * 1_000_000, fileRuns: fileRuns, progress: !json)
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.json, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.text)
        }
        if keep { print("logs kept in \(bench.root)") }
    }
}

/// One benchmark: its processes and directories.
final class BenchmarkRun {
    let root: String
    let keep: Bool
    let easyConnect: String
    let pnrp: String
    var nodes: [ChildProcess] = []
    var children: [ChildProcess] = []

    struct Report {
        var connect: [Double]
        var wrongHelper: Double
        var wrongUser: Double
        var fileBytes: Int
        var fileSeconds: [Double]
        /// The untimed warm-up transfer, reported apart.
        var warmUpSeconds: Double

        static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        static func percentile(_ v: [Double], _ p: Double) -> Double { v.sorted()[min(v.count - 1, Int(Double(v.count) * p))] }

        /// MB/s of the median and of the fastest transfer.
        var throughput: (median: Double, best: Double) {
            (Double(fileBytes) / Self.median(fileSeconds) / 1e6, Double(fileBytes) / fileSeconds.min()! / 1e6)
        }

        var json: [String: Any] {
            [
                "connectMilliseconds": ["runs": connect.count, "median": Self.median(connect) * 1000, "p90": Self.percentile(connect, 0.9) * 1000,
                                        "min": connect.min()! * 1000, "max": connect.max()! * 1000],
                "wrongPasswordMilliseconds": ["helper": wrongHelper * 1000, "user": wrongUser * 1000],
                "file": ["bytes": fileBytes, "runs": fileSeconds.count, "medianSeconds": Self.median(fileSeconds),
                         "megabytesPerSecond": ["median": throughput.median, "best": throughput.best, "warmUp": Double(fileBytes) / warmUpSeconds / 1e6]],
            ]
        }

        var text: String {
            func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
            return """
                easy-connect help → consent prompt (\(connect.count) runs): median \(ms(Self.median(connect))), p90 \(ms(Self.percentile(connect, 0.9))), min \(ms(connect.min()!)), max \(ms(connect.max()!))
                wrong password: the Helper fails after \(ms(wrongHelper)), the User sees the attempt after \(ms(wrongUser))
                file of \(fileBytes / 1_000_000) MB, offer to verified file on disk (\(fileSeconds.count) runs): median \(String(format: "%.2f s, %.0f MB/s", Self.median(fileSeconds), throughput.median)), best \(String(format: "%.0f MB/s", throughput.best)); the warm-up transfer before them \(String(format: "%.0f MB/s", Double(fileBytes) / warmUpSeconds / 1e6))
                """
        }
    }

    init(keep: Bool) throws {
        self.keep = keep
        root = NSTemporaryDirectory() + "easy-connect-bench-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let own = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        easyConnect = own
        pnrp = (own as NSString).deletingLastPathComponent + "/pnrp"
        guard FileManager.default.isExecutableFile(atPath: pnrp) else {
            throw BenchmarkError("\(pnrp) not found: build it too (swift build -c release)")
        }
    }

    func cleanUp() {
        for c in children { c.stop(seconds: 5) }
        for n in nodes { n.stop(seconds: 10) }
        if !keep { try? FileManager.default.removeItem(atPath: root) }
    }

    private func note(_ text: String, _ progress: Bool) {
        if progress { FileHandle.standardError.write(Data("benchmark: \(text)\n".utf8)) }
    }

    private func startNodes() throws {
        let addresses = ["127.0.0.12", "127.0.0.13", "127.0.0.14"]
        for (i, address) in addresses.enumerated() {
            var args = ["node", "--address", address, "--state-dir", "\(root)/node\(i)", "--no-link-local", "--no-multicast"]
            if i > 0 { args += ["--seed", "\(addresses[0]):3540"] }
            let node = try ChildProcess(name: "pnrp node \(address)", executable: pnrp, arguments: args, stderrPath: "\(root)/node\(i).err")
            nodes.append(node)
            _ = try node.waitForText("pnrp node ready:", seconds: 30)
            // The seed publishes a name first, so that the nodes joining it find an entry to cache.
            if i == 0 { _ = try run(pnrp, ["register", "bench-seed", "--secured", "--state-dir", "\(root)/node0"]) }
        }
        for i in 1..<addresses.count { try waitActive(i) }
    }

    private func waitActive(_ i: Int) throws {
        for _ in 0..<600 {
            let status = try run(pnrp, ["clouds", "--json", "--state-dir", "\(root)/node\(i)"])
            if status.contains("\"active\"") { return }
            usleep(100_000)
        }
        throw BenchmarkError("node \(i) did not join the cloud within 60 s")
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private func common(_ role: String) -> [String] {
        ["--json", "--pnrp-state-dir", "\(root)/node\(role == "user" ? 0 : 1)", "--data-dir", "\(root)/\(role)", "--download-dir", "\(root)/\(role)-downloads",
         "--name", role == "user" ? "Benchmark User" : "Benchmark Helper"]
    }

    private func helper(_ password: String, _ n: Int) throws -> ChildProcess {
        let h = try ChildProcess(
            name: "helper \(n)", executable: easyConnect, arguments: ["help"] + common("helper"), stderrPath: "\(root)/helper\(n).err",
            environment: ["EASY_CONNECT_PASSWORD": password])
        children.append(h)
        return h
    }

    func measure(runs: Int, fileBytes: Int, fileRuns: Int, progress: Bool) throws -> Report {
        note("starting 3 pnrp nodes", progress)
        try startNodes()
        note("publishing an invitation", progress)
        let user = try ChildProcess(
            name: "user", executable: easyConnect, arguments: ["invite", "--listen", "127.0.0.1"] + common("user"), stderrPath: "\(root)/user.err")
        children.append(user)
        let (invitation, _) = try user.wait(for: "invitation", seconds: 30)
        guard let password = invitation.json?["password"] as? String else { throw BenchmarkError("no password in \(invitation.text)") }
        var cursor = user.lineCount

        // Warm-up, then the timed connections.
        var connect: [Double] = []
        for n in 0...runs {
            let start = ContinuousClock.now
            let h = try helper(password, n)
            let (prompt, index) = try user.wait(for: "consent-request", from: cursor, seconds: 30)
            if n > 0 { connect.append(seconds(prompt.at - start)) }
            try user.send(["command": "decline"])
            h.waitForExit(seconds: 15)
            cursor = index + 1
            if n > 0, n % 5 == 0 { note("connection \(n) of \(runs): \(Int(seconds(prompt.at - start) * 1000)) ms", progress) }
        }

        note("wrong password", progress)
        var wrongChars = Array(password.filter { $0 != " " })
        wrongChars[11] = wrongChars[11] == "B" ? "C" : "B"
        let wrongStart = ContinuousClock.now
        let wrong = try helper(String(wrongChars), runs + 1)
        let status = wrong.waitForExit(seconds: 15)
        let wrongHelper = seconds(ContinuousClock.now - wrongStart)
        guard status == 6 else { throw BenchmarkError("the wrong password ended with status \(status), not 6; stderr: \(wrong.tail())") }
        let (attempt, attemptIndex) = try user.wait(for: "attempt-failed", from: cursor, seconds: 10)
        cursor = attemptIndex + 1
        let wrongUser = seconds(attempt.at - wrongStart)

        note("sending a \(fileBytes / 1_000_000) MB file", progress)
        let path = "\(root)/payload.bin"
        let digest = try writeRandomFile(path, bytes: fileBytes)
        let h = try helper(password, runs + 2)
        let (_, promptIndex) = try user.wait(for: "consent-request", from: cursor, seconds: 30)
        try user.send(["command": "accept"])
        _ = try user.wait(for: "connected", from: promptIndex, seconds: 15)
        _ = try h.wait(for: "connected", seconds: 15)
        var fileSeconds: [Double] = []
        var warmUp = 0.0
        for n in 0...fileRuns {
            cursor = user.lineCount
            let sendStart = ContinuousClock.now
            try h.send(["command": "send-file", "path": path])
            let (offer, offerIndex) = try user.wait(for: "file-offer", from: cursor, seconds: 15)
            try user.send(["command": "accept-file", "id": offer.json?["id"] ?? 0])
            let (received, _) = try user.wait(for: "file-received", from: offerIndex, seconds: 600)
            if n > 0 { fileSeconds.append(seconds(received.at - sendStart)) } else { warmUp = seconds(received.at - sendStart) }
            guard received.json?["sha256"] as? String == digest else { throw BenchmarkError("the received file's SHA-256 differs: \(received.text)") }
            if let stored = received.json?["path"] as? String { try? FileManager.default.removeItem(atPath: stored) }
            if n > 0 { note("file \(n) of \(fileRuns): \(String(format: "%.0f MB/s", Double(fileBytes) / fileSeconds.last! / 1e6))", progress) }
        }
        try? h.send(["command": "disconnect"])
        h.waitForExit(seconds: 15)
        user.waitForExit(seconds: 15)
        return Report(connect: connect, wrongHelper: wrongHelper, wrongUser: wrongUser, fileBytes: fileBytes, fileSeconds: fileSeconds, warmUpSeconds: warmUp)
    }

    private func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

    /// Writes `bytes` random bytes to `path`; returns their SHA-256 in hex.
    private func writeRandomFile(_ path: String, bytes: Int) throws -> String {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw BenchmarkError("cannot write \(path)") }
        defer { try? handle.close() }
        let hasher = SHA256Stream()
        var entropy = DeterministicEntropy(seed: 2026)
        var left = bytes
        while left > 0 {
            let chunk = entropy.bytes(min(left, 1 << 20))
            hasher.update(chunk)
            try handle.write(contentsOf: chunk)
            left -= chunk.count
        }
        // On disk before any timing starts, so its write-back does not compete with the transfers.
        try handle.synchronize()
        return Hex.encode(hasher.finalize())
    }
}

extension ChildProcess {
    /// Waits at most `seconds` for a stdout line containing `text`.
    func waitForText(_ text: String, seconds: Double) throws -> Line {
        let deadline = Date().addingTimeInterval(seconds)
        var from = 0
        while Date() < deadline {
            let count = lineCount
            if let line = linesSnapshot(from: from).first(where: { $0.text.contains(text) }) { return line }
            from = count
            usleep(20_000)
        }
        throw BenchmarkError("\(name): no line with \(text) within \(seconds) s; stderr: \(tail())")
    }
}
