import Foundation
import Testing

/// Three hosts in network namespaces on one bridge, created by the test (root only; CI runs as root).
/// No seeds for the link-local clouds: they form through SSDP multicast alone. The global cloud forms
/// from one seed. Namespaces and processes are removed even when the test fails.
@Suite("Multi-host clouds in network namespaces", .serialized, .enabled(if: NetworkNamespaces.available, "needs root and iproute2 (ip netns)"))
struct MultiHostNamespaceTests {
    @Test("Link-local cloud by multicast alone, global cloud from one seed, names resolve across hosts")
    func threeHosts() async throws {
        let binary = try DaemonCluster.locateBinary()
        let lab = try await NetworkNamespaces(hosts: 3)
        defer { lab.tearDown() }
        var processes: [Process] = []
        defer {
            for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
            for p in processes { p.waitUntilExit() }
        }
        for i in 0..<3 {
            var arguments = ["netns", "exec", lab.namespace(i), binary.path, "node", "--address", lab.ipv4(i), "--state-dir", lab.stateDirectory(i), "--interface", "eth0", "--log-level", "warning"]
            if i > 0 { arguments += ["--seed", "\(lab.ipv4(0)):3540"] }
            processes.append(try lab.launch("/usr/sbin/ip", arguments, log: lab.stateDirectory(i) + "/node.log"))
        }
        for i in 0..<3 {
            let ready = await eventually(20) { FileManager.default.fileExists(atPath: lab.stateDirectory(i) + "/control.sock") }
            try #require(ready, "node \(i) did not start: \(lab.log(i))")
        }
        // Each host publishes a secured name in every cloud it is in.
        var names: [String] = []
        for i in 0..<3 {
            let out = try await lab.run(binary.path, ["register", "host\(i)", "--secured", "--state-dir", lab.stateDirectory(i)])
            try #require(out.status == 0, "register on node \(i): \(out.stderr)")
            names.append(String(out.stdout.split(separator: "\n").first ?? ""))
        }
        // Every host finds every other host's name in the link-local cloud (found by SSDP only) and globally.
        for cloud in ["linklocal:eth0", "global"] {
            for i in 0..<3 {
                for j in 0..<3 where j != i {
                    let expectedCloud = cloud == "global" ? "cloud Global_" : "cloud LinkLocal_"
                    let found = await eventually(30) {
                        guard let r = try? await lab.run(binary.path, ["resolve", names[j], "--cloud", cloud, "--timeout", "2", "--state-dir", lab.stateDirectory(i)]) else { return false }
                        return r.status == 0 && r.stdout.contains(expectedCloud)
                    }
                    #expect(found, "node \(i) could not resolve \(names[j]) in \(cloud); logs: \(lab.log(i))")
                }
            }
        }
        for i in 0..<3 { _ = try? await lab.run(binary.path, ["stop", "--state-dir", lab.stateDirectory(i)]) }
    }
}

/// The namespaces, bridge and veth pairs of one test, named with the test process's pid.
struct NetworkNamespaces {
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
    }

    let prefix: String
    let subnet: Int
    let hosts: Int
    let root: String

    init(hosts: Int) async throws {
        prefix = "pnrpt\(getpid())"
        subnet = 100 + Int(getpid() % 100)
        self.hosts = hosts
        root = FileManager.default.temporaryDirectory.path + "/\(prefix)-state"
        tearDown()
        removeLeftovers()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let hub = prefix + "hub"
        var commands: [[String]] = [
            ["netns", "add", hub],
            ["-n", hub, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0"],
            ["-n", hub, "link", "set", "br0", "up"],
        ]
        for i in 0..<hosts {
            let ns = namespace(i)
            commands += [
                ["netns", "add", ns],
                ["netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"],
                ["-n", hub, "link", "add", "v\(i)", "type", "veth", "peer", "name", "eth0", "netns", ns],
                ["-n", hub, "link", "set", "v\(i)", "master", "br0", "up"],
                ["-n", ns, "link", "set", "lo", "up"],
                ["-n", ns, "addr", "add", "\(ipv4(i))/24", "dev", "eth0"],
                ["-n", ns, "link", "set", "eth0", "up"],
            ]
        }
        for c in commands {
            let r = try await run("/usr/sbin/ip", c)
            guard r.status == 0 else {
                tearDown()
                throw HarnessError("ip \(c.joined(separator: " ")) failed: \(r.stderr)")
            }
        }
        for i in 0..<hosts { try FileManager.default.createDirectory(atPath: stateDirectory(i), withIntermediateDirectories: true) }
    }

    func namespace(_ i: Int) -> String { prefix + "h\(i)" }
    func ipv4(_ i: Int) -> String { "10.\(subnet).0.\(i + 1)" }
    func stateDirectory(_ i: Int) -> String { root + "/node\(i)" }
    func log(_ i: Int) -> String { (try? String(contentsOfFile: stateDirectory(i) + "/node.log", encoding: .utf8)) ?? "" }

    /// Deletes the namespaces (their veth ends and bridge go with them) and the state directories.
    func tearDown() {
        for i in 0..<hosts { _ = try? runNow("/usr/sbin/ip", ["netns", "delete", namespace(i)]) }
        _ = try? runNow("/usr/sbin/ip", ["netns", "delete", prefix + "hub"])
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Deletes namespaces of earlier runs whose test process is gone (a crashed run cannot clean up).
    func removeLeftovers() {
        guard let listing = try? runNow("/usr/sbin/ip", ["netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix("pnrpt") else { continue }
            let digits = name.dropFirst(5).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            _ = try? runNow("/usr/sbin/ip", ["netns", "delete", name])
            // Its nodes, if they outlived it, and its state directories.
            _ = try? runNow("/usr/bin/pkill", ["-KILL", "-f", "pnrpt\(pid)-state/"])
            try? FileManager.default.removeItem(atPath: FileManager.default.temporaryDirectory.path + "/pnrpt\(pid)-state")
        }
    }

    func launch(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        return p
    }

    /// Runs a command to completion (bounded: killed after 30 s).
    @discardableResult
    func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runBounded(URL(fileURLWithPath: executable), arguments, scratch: FileManager.default.temporaryDirectory.path, seconds: 30)
    }

    /// `run` for cleanup in a `defer`: blocks its thread, so only for quick commands.
    @discardableResult
    func runNow(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runBoundedBlocking(URL(fileURLWithPath: executable), arguments, scratch: FileManager.default.temporaryDirectory.path, seconds: 30)
    }
}
