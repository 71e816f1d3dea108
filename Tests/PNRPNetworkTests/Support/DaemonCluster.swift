import Foundation
import PNRPNetwork

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure of the multi-process harness, with what the daemons logged.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `pnrp node` processes started from the built binary, each with its own temporary state directory.
/// `cleanup()` kills whatever still runs and removes the directories; call it in a `defer`.
final class DaemonCluster: @unchecked Sendable {
    /// One daemon.
    struct Node {
        var index: Int
        var address: String
        var port: UInt16
        var directory: String
        var process: Process
        var endpoint: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
        var client: ControlClient { ControlClient(socketPath: directory + "/" + ControlProtocol.socketFileName) }
    }

    let binary: URL
    let root: String
    private(set) var nodes: [Node] = []
    private var launches = 0

    /// A cluster whose state directories live under a fresh temporary directory.
    init() throws {
        binary = try Self.locateBinary()
        let template = FileManager.default.temporaryDirectory.path + "/pnrp-mp-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw HarnessError("cannot create a temporary directory") }
        root = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The `pnrp` executable built next to this test bundle (`swift build --build-tests` builds it), or
    /// `$PNRP_BINARY`.
    static func locateBinary(file: String = #filePath) throws -> URL {
        if let given = ProcessInfo.processInfo.environment["PNRP_BINARY"] { return URL(fileURLWithPath: given) }
        // The test executable (Linux: /proc/self/exe; macOS: the .xctest bundle) sits in the build directory.
        var starts = Bundle.allBundles.map(\.bundleURL)
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.insert(URL(fileURLWithPath: exe), at: 0) }
        for start in starts {
            var directory = start.deletingLastPathComponent()
            for _ in 0..<4 {
                if let found = executable(directory.appendingPathComponent("pnrp")) { return found }
                directory = directory.deletingLastPathComponent()
            }
        }
        // Last resort: the default build directory of the package this file belongs to.
        let package = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        if let found = executable(package.appendingPathComponent(".build/debug/pnrp")) { return found }
        throw HarnessError("the pnrp executable is not next to the test bundle (\(starts.first?.path ?? "?")); run `swift build --build-tests` first or set PNRP_BINARY")
    }

    private static func executable(_ candidate: URL) -> URL? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            FileManager.default.isExecutableFile(atPath: candidate.path)
        else { return nil }
        return candidate
    }

    /// Starts `pnrp node` on `address`:`port` with state directory `node<index>` (kept across restarts).
    @discardableResult
    func start(index: Int, address: String, port: UInt16, seeds: [String], extra: [String] = []) throws -> Node {
        let directory = root + "/node\(index)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        launches += 1
        let out = root + "/node\(index).\(launches).out"
        let err = root + "/node\(index).\(launches).err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments =
            ["node", "--address", address, "--port", String(port), "--state-dir", directory, "--no-link-local", "--no-multicast", "--log-level", "warning"]
            + seeds.flatMap { ["--seed", $0] } + extra
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let node = Node(index: index, address: address, port: port, directory: directory, process: process)
        if let i = nodes.firstIndex(where: { $0.index == index }) { nodes[i] = node } else { nodes.append(node) }
        return node
    }

    /// Waits (at most `seconds`) until every node printed its ready line; throws with its log otherwise.
    func waitReady(_ seconds: Double = 20) async throws {
        let end = Date().addingTimeInterval(seconds)
        for node in nodes {
            while !(readyLine(node)?.contains("pnrp node ready:") ?? false) {
                if !node.process.isRunning { throw HarnessError("node \(node.index) exited with \(node.process.terminationStatus): \(log(node))") }
                if Date() > end { throw HarnessError("node \(node.index) not ready after \(seconds) s: \(log(node))") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func readyLine(_ node: Node) -> String? {
        guard let path = outputPath(node, "out"), let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.map(String.init)
    }

    private func outputPath(_ node: Node, _ kind: String) -> String? {
        let prefix = "node\(node.index)."
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let matching = files.filter { $0.hasPrefix(prefix) && $0.hasSuffix("." + kind) }
        let latest = matching.max { Int($0.split(separator: ".")[1]) ?? 0 < Int($1.split(separator: ".")[1]) ?? 0 }
        return latest.map { root + "/" + $0 }
    }

    /// The stderr of the node's latest run (last 2,000 characters).
    func log(_ node: Node) -> String {
        guard let path = outputPath(node, "err"), let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "(no log)" }
        return String(text.suffix(2000))
    }

    /// Sends SIGKILL to the node and waits (bounded) until it is gone.
    func kill9(_ node: Node) async throws {
        kill(node.process.processIdentifier, SIGKILL)
        try await waitExit(node, seconds: 10)
    }

    /// Waits at most `seconds` for the node's process to exit.
    func waitExit(_ node: Node, seconds: Double) async throws {
        let end = Date().addingTimeInterval(seconds)
        while node.process.isRunning {
            if Date() > end { throw HarnessError("node \(node.index) still running after \(seconds) s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Kills every process still running, waits for them (bounded) and removes the temporary directory.
    func cleanup() {
        for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) }
        let end = Date().addingTimeInterval(10)
        for node in nodes {
            while node.process.isRunning && Date() < end { usleep(10_000) }
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}
