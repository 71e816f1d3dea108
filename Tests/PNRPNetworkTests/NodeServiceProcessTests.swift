import Foundation
import PNRP
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `pnrp node` as a service: one node per state directory, a control socket that comes back, and
/// signals that stop it gracefully. Real processes on loopback.
@Suite("pnrp node as a service", .serialized, .timeLimit(.minutes(3)))
struct NodeServiceProcessTests {
    /// An address and ports no other suite uses.
    static let address = "127.0.0.61"
    static func basePort() -> UInt16 { UInt16(47_000 + Int(getpid() % 100) * 10) }

    func runCLI(_ cluster: DaemonCluster, _ arguments: [String], seconds: Double = 20) throws -> (status: Int32, stdout: String, stderr: String) {
        try runBounded(cluster.binary, arguments, scratch: cluster.root, seconds: seconds)
    }

    @Test("control.sock removed under a running node: a second node on the directory is refused (exit 6, first pid), the socket comes back, stop works")
    func removedSocketAndSecondNode() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let base = Self.basePort()
        let first = try cluster.start(index: 0, address: Self.address, port: base, seeds: [])
        try await cluster.waitReady()
        let pid = first.process.processIdentifier
        _ = try await first.client.register(RegisterArguments(name: "0.locked-dir"))
        #expect(unlink(first.directory + "/control.sock") == 0)

        // While the file is missing, a client says a node holds the directory (it may already be back).
        let probe = try runCLI(cluster, ["status", "--state-dir", first.directory])
        #expect(probe.status == 0 || (probe.status == 5 && probe.stderr.contains("pid \(pid)")), "\(probe.status): \(probe.stderr)")

        // A second node on the same directory is refused at once, naming the first.
        let second = try runCLI(
            cluster,
            ["node", "--address", Self.address, "--port", String(base + 1), "--state-dir", first.directory, "--no-link-local", "--no-multicast"],
            seconds: 15)
        #expect(second.status == 6, "\(second.stderr)")
        #expect(second.stderr.contains("pid \(pid)") && second.stderr.contains("already running"), "\(second.stderr)")
        #expect(first.process.isRunning)

        // The control socket comes back, with the same node behind it.
        let back = await eventually(10) { (try? await first.client.status().pid) == pid }
        #expect(back, "the control socket did not come back: \(cluster.log(first))")
        #expect(try await first.client.status().registrations == ["0.locked-dir"])
        _ = try await first.client.register(RegisterArguments(name: "0.second-name"))
        // The text status lists the names one per line.
        let status = try runCLI(cluster, ["status", "--state-dir", first.directory])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("registered: 2\n  0.locked-dir\n  0.second-name\n"), "\(status.stdout)")

        let stop = try runCLI(cluster, ["stop", "--state-dir", first.directory])
        #expect(stop.status == 0, "\(stop.stderr)")
        try await cluster.waitExit(first, seconds: 15)
        #expect(first.process.terminationReason == .exit && first.process.terminationStatus == 0, "\(cluster.log(first))")
        #expect(!FileManager.default.fileExists(atPath: first.directory + "/control.sock"))
        #expect(StateDirectoryLock.holder(in: first.directory) == nil)

        // Once it stopped, a new node starts on the directory.
        let again = try cluster.start(index: 0, address: Self.address, port: base + 2, seeds: [])
        try await cluster.waitReady()
        #expect(try await again.client.status().pid == again.process.processIdentifier)
        kill(again.process.processIdentifier, SIGTERM)
        try await cluster.waitExit(again, seconds: 15)
    }

    @Test("pnrp --version and pnrp-sim --version print the package version")
    func versions() throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let pnrp = try runCLI(cluster, ["--version"])
        #expect(pnrp.status == 0 && pnrp.stdout == PackageVersion.current + "\n", "\(pnrp)")
        let simulator = cluster.binary.deletingLastPathComponent().appendingPathComponent("pnrp-sim")
        try #require(FileManager.default.isExecutableFile(atPath: simulator.path), "pnrp-sim is not built next to pnrp: run `swift build --build-tests`")
        let sim = try runBounded(simulator, ["--version"], scratch: cluster.root)
        #expect(sim.status == 0 && sim.stdout == PackageVersion.current + "\n", "\(sim)")
    }

    @Test("SIGHUP (the terminal closed) stops the node gracefully: exit 0, cache saved, names revoked, control.sock removed")
    func hangupStopsGracefully() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let base = Self.basePort() + 4
        let node = try cluster.start(index: 0, address: Self.address, port: base, seeds: [], extra: ["--log-level", "info"])
        try await cluster.waitReady()
        _ = try await node.client.register(RegisterArguments(name: "0.hangup"))
        try? FileManager.default.removeItem(atPath: node.directory + "/cache.json")
        kill(node.process.processIdentifier, SIGHUP)
        try await cluster.waitExit(node, seconds: 15)
        #expect(node.process.terminationReason == .exit, "killed by signal \(node.process.terminationStatus)")
        #expect(node.process.terminationStatus == 0, "\(cluster.log(node))")
        #expect(FileManager.default.fileExists(atPath: node.directory + "/cache.json"), "the cache was not saved")
        #expect(!FileManager.default.fileExists(atPath: node.directory + "/control.sock"))
        #expect(cluster.log(node).contains("revoking registered names"), "\(cluster.log(node))")
    }
}
