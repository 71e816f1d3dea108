import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hosts in network namespaces of their own on one bridge, made by the test (root only; CI runs as root):
/// each host has `eth0` (a veth whose other end is on the bridge, in a hub namespace) with an IPv4 address
/// and an IPv6 link-local one usable at once (no duplicate address detection), and `lo`; eth0's interface
/// index differs between hosts. Named after the
/// test process's pid (`ecns<pid>h0`, …); namespaces left by a crashed run are removed, and the processes
/// still in them killed, when the next one starts. A copy of PNRPNetworkTests' helper, with a prefix of its
/// own: both suites run in one test process.
struct NetworkNamespaces {
    static let ip = "/usr/sbin/ip"

    /// Whether namespaces can be made here.
    static var available: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: ip)
    }

    static let family = "ecns"

    let prefix: String
    let subnet: Int
    let hosts: Int

    /// `tag` (letters) tells apart the namespaces of suites that run at the same time in one test process.
    init(hosts: Int, tag: String = "") async throws {
        prefix = Self.family + "\(getpid())" + tag
        subnet = 100 + Int(getpid() % 100)
        self.hosts = hosts
        Self.removeLeftovers()
        tearDown()
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
            ]
            // Host i gets i unused veth pairs first, so that eth0's interface index differs from host to host
            // (a link-local address is only usable with the index of the interface it is reached through).
            for pad in 0..<i { commands.append(["-n", ns, "link", "add", "pad\(pad)a", "type", "veth", "peer", "name", "pad\(pad)b"]) }
            commands += [
                ["-n", hub, "link", "add", "v\(i)", "type", "veth", "peer", "name", "eth0", "netns", ns],
                ["-n", hub, "link", "set", "v\(i)", "master", "br0", "up"],
                ["-n", ns, "link", "set", "lo", "up"],
                ["-n", ns, "addr", "add", "\(ipv4(i))/24", "dev", "eth0"],
                ["-n", ns, "link", "set", "eth0", "up"],
            ]
        }
        for c in commands {
            let r = try await Self.run(c)
            guard r.status == 0 else {
                tearDown()
                throw TestFailure("ip \(c.joined(separator: " ")) failed: \(r.stderr)")
            }
        }
    }

    func namespace(_ i: Int) -> String { prefix + "h\(i)" }
    func ipv4(_ i: Int) -> String { "10.\(subnet).0.\(i + 1)" }

    /// The arguments that run `executable arguments` in host `i`'s namespace (`ip netns exec` execs it: same pid).
    func inHost(_ i: Int, _ executable: URL, _ arguments: [String]) -> (URL, [String]) {
        (URL(fileURLWithPath: Self.ip), ["netns", "exec", namespace(i), executable.path] + arguments)
    }

    /// The IPv6 link-local address of host `i`'s eth0.
    func linkLocal(_ i: Int) async throws -> String {
        let r = try await Self.run(["-n", namespace(i), "-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"])
        guard let word = r.stdout.split(separator: " ").first(where: { $0.hasPrefix("fe80:") }) else { throw TestFailure("no link-local address on eth0 of host \(i): \(r.stdout)") }
        return String(word.split(separator: "/").first ?? word)
    }

    /// The interface index of host `i`'s eth0.
    func interfaceIndex(_ i: Int) async throws -> Int {
        let r = try await Self.run(["-n", namespace(i), "-o", "link", "show", "dev", "eth0"])
        guard let index = Int(r.stdout.prefix { $0 != ":" }) else { throw TestFailure("no eth0 on host \(i): \(r.stdout) \(r.stderr)") }
        return index
    }

    /// Kills what still runs in the namespaces, then deletes them (their veth ends and the bridge go with them).
    func tearDown() {
        for i in 0..<hosts { Self.delete(namespace(i)) }
        Self.delete(prefix + "hub")
    }

    /// Kills the processes in namespace `name` (by pid, as `ip netns pids` lists them) and deletes it.
    static func delete(_ name: String) {
        if let pids = try? runNow(["netns", "pids", name]), pids.status == 0 {
            for pid in pids.stdout.split(separator: "\n").compactMap({ Int32($0) }) where pid != getpid() { kill(pid, SIGKILL) }
        }
        _ = try? runNow(["netns", "delete", name])
    }

    /// Deletes namespaces of earlier runs whose test process is gone (a crashed run cannot clean up).
    static func removeLeftovers() {
        guard let listing = try? runNow(["netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(family) else { continue }
            let digits = name.dropFirst(family.count).prefix { $0.isNumber }
            guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            delete(name)
        }
    }

    /// Runs `ip arguments` to completion (killed after 30 s).
    @discardableResult
    static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await EasyConnectProcess.run(executable: URL(fileURLWithPath: ip), arguments, scratch: FileManager.default.temporaryDirectory.path, seconds: 30)
    }

    /// `run` for cleanup (a `defer`, or before the namespaces are made): blocks its thread, so only for quick commands.
    @discardableResult
    static func runNow(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try EasyConnectProcess.runNow(executable: URL(fileURLWithPath: ip), arguments, scratch: FileManager.default.temporaryDirectory.path, seconds: 30)
    }
}
