import Foundation
import NetworkLab
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// packaging/pnrp-node.service, and what `pnrp node` does for it: sd_notify readiness and $STATE_DIRECTORY.
@Suite("systemd packaging", .serialized, .timeLimit(.minutes(1)))
struct SystemdPackagingTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unit = packageRoot.appendingPathComponent("packaging/pnrp-node.service")
    static let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test("The unit has the hardening and readiness settings it promises")
    func unitSettings() throws {
        let text = try String(contentsOf: Self.unit, encoding: .utf8)
        for line in [
            "Type=notify", "DynamicUser=yes", "StateDirectory=pnrp", "ProtectSystem=strict", "NoNewPrivileges=yes", "ExecStart=/usr/local/bin/pnrp node",
            "KillSignal=SIGTERM", "WantedBy=multi-user.target",
        ] {
            #expect(text.split(separator: "\n").contains { $0 == line || $0.hasPrefix(line + " ") }, "missing \(line)")
        }
    }

    @Test(
        "systemd-analyze verify accepts the unit, with ExecStart pointing at the built binary",
        .enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed on this machine: the unit is not verified"))
    func systemdAnalyzeVerify() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let text = try String(contentsOf: Self.unit, encoding: .utf8).replacingOccurrences(of: "/usr/local/bin/pnrp", with: cluster.binary.path)
        let copy = cluster.root + "/pnrp-node.service"
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try await runBounded(URL(fileURLWithPath: try #require(Self.systemdAnalyze)), ["verify", copy], scratch: cluster.root, seconds: 30)
        #expect(result.status == 0, "\(result.stderr)")
        // Unknown keys and bad values are only warnings: none may concern this unit.
        let about = (result.stdout + result.stderr).split(separator: "\n").filter { $0.contains("pnrp-node.service") }
        #expect(about.isEmpty, "\(about.joined(separator: "\n"))")
    }

    @Test("Started as systemd starts it, the node sends READY=1 to $NOTIFY_SOCKET and keeps its state in $STATE_DIRECTORY (a link resolved)")
    func notifyAndStateDirectory() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let notifyPath = cluster.root + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in notifyPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        try #require(bound == 0, "bind \(notifyPath): errno \(errno)")
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        // As DynamicUser= does it: the state directory is a link to the real one.
        let real = cluster.root + "/private-pnrp"
        try FileManager.default.createDirectory(atPath: real, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try FileManager.default.createSymbolicLink(atPath: cluster.root + "/pnrp", withDestinationPath: real)

        let process = Process()
        process.executableURL = cluster.binary
        process.arguments = ["node", "--address", NodeServiceProcessTests.address, "--port", String(NodeServiceProcessTests.basePort() + 8), "--no-link-local", "--no-multicast"]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notifyPath
        environment["STATE_DIRECTORY"] = cluster.root + "/pnrp"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let first = try await Self.receive(fd)
        try #require(first.count > 0, "no notification within 15 s (errno \(first.errno))")
        let message = String(decoding: first.bytes, as: UTF8.self)
        #expect(message.split(separator: "\n").contains("READY=1"), "\(message)")
        #expect(message.contains("MAINPID=\(process.processIdentifier)"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: real + "/control.sock"))
        #expect(FileManager.default.fileExists(atPath: real + "/node.lock"))

        kill(process.processIdentifier, SIGTERM)
        let stopping = try await Self.receive(fd)
        #expect(stopping.count > 0 && String(decoding: stopping.bytes, as: UTF8.self) == "STOPPING=1")
        let end = Date().addingTimeInterval(15)
        while process.isRunning && Date() < end { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning && process.terminationStatus == 0)
    }

    /// One datagram from `fd`, waited for (up to the socket's receive timeout) off the cooperative pool: what
    /// `recv` returned, the bytes, and `errno`.
    static func receive(_ fd: Int32) async throws -> (count: Int, bytes: [UInt8], errno: Int32) {
        try await offCooperativePool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return (n, Array(buffer[0..<max(n, 0)]), errno)
        }
    }
}
