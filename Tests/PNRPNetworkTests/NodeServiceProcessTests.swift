import Foundation
import NetworkLab
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

    func runCLI(_ cluster: DaemonCluster, _ arguments: [String], seconds: Double = 20) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runBounded(cluster.binary, arguments, scratch: cluster.root, seconds: seconds)
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
        let probe = try await runCLI(cluster, ["status", "--state-dir", first.directory])
        #expect(probe.status == 0 || (probe.status == 5 && probe.stderr.contains("pid \(pid)")), "\(probe.status): \(probe.stderr)")

        // A second node on the same directory is refused at once, naming the first.
        let second = try await runCLI(
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
        let status = try await runCLI(cluster, ["status", "--state-dir", first.directory])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("registered: 2\n  0.locked-dir\n  0.second-name\n"), "\(status.stdout)")

        let stop = try await runCLI(cluster, ["stop", "--state-dir", first.directory])
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

    @Test("--metrics serves Prometheus text over loopback HTTP: messages by type, resolutions by outcome, cache and cloud gauges")
    func metricsScrape() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let base = Self.basePort() + 6
        let node = try cluster.start(index: 0, address: Self.address, port: base, seeds: [], extra: ["--metrics", "\(Self.address):\(base + 1)"])
        try await cluster.waitReady()
        _ = try await node.client.register(RegisterArguments(name: "0.metered"))
        _ = try await node.client.resolve(ResolveArguments(name: "0.metered", timeoutSeconds: 5))
        let reply = try await Self.httpGet(Self.address, base + 1, "/metrics")
        #expect(reply.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(reply)")
        #expect(reply.contains("Content-Type: text/plain; version=0.0.4"))
        for line in [
            "# TYPE pnrp_messages_sent_total counter", "pnrp_messages_received_total{type=\"SOLICIT\"}", "# TYPE pnrp_resolutions_total counter",
            "pnrp_datagrams_dropped_total{reason=\"amplification\"}", "pnrp_cache_entries{cloud=\"Global_\"}", "pnrp_cloud_active{cloud=\"Global_\"} 0",
            "# TYPE pnrp_resolution_duration histogram", "pnrp_registered_names{cloud=\"Global_\"} 1",
        ] {
            #expect(reply.contains(line), "missing \(line) in \(reply)")
        }
        #expect(try await Self.httpGet(Self.address, base + 1, "/").hasPrefix("HTTP/1.1 404"))
        kill(node.process.processIdentifier, SIGTERM)
        try await cluster.waitExit(node, seconds: 15)
        #expect(node.process.terminationStatus == 0, "\(cluster.log(node))")
    }

    /// One HTTP/1.1 GET over a fresh TCP connection (10 s limit); the whole answer, headers included.
    static func httpGet(_ host: String, _ port: UInt16, _ path: String) async throws -> String {
        try await offCooperativePool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw HarnessError("socket: errno \(errno)") }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw HarnessError("connect \(host):\(port): errno \(errno)") }
            try ControlServerTests.writeAll(fd, Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8))
            var answer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            for _ in 0..<1000 {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                answer += chunk[0..<n]
            }
            return String(decoding: answer, as: UTF8.self)
        }
    }

    @Test("pnrp --version and pnrp-sim --version print the package version")
    func versions() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let pnrp = try await runCLI(cluster, ["--version"])
        #expect(pnrp.status == 0 && pnrp.stdout == PackageVersion.current + "\n", "\(pnrp)")
        let simulator = cluster.binary.deletingLastPathComponent().appendingPathComponent("pnrp-sim")
        try #require(FileManager.default.isExecutableFile(atPath: simulator.path), "pnrp-sim is not built next to pnrp: run `swift build --build-tests`")
        let sim = try await runBounded(simulator, ["--version"], scratch: cluster.root)
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
