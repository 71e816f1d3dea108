#if os(Linux)
    import Foundation
    import Glibc

    /// A small internet with home routers, in network namespaces the test makes (root only; CI runs as root):
    ///
    /// - a hub namespace with the bridge `br0` (or the user-space hub, below): the internet segment
    ///   `10.<subnet>.0.0/24`;
    /// - public hosts `publicHosts[i]` on it (`10.<subnet>.0.<i+1>`, interface `eth0`);
    /// - sites `sites[k]`, each a router namespace (`wan` on the bridge at `10.<subnet>.0.<101+k>`, `lan` at
    ///   `192.168.<k+1>.1/24`, ip_forward on) with one inside host (`eth0` at `192.168.<k+1>.2/24`, default route
    ///   via the router); the router's nftables rules make the site's `NATKind` (`NATKind.routerRules`); UDP
    ///   mappings last 60 s without an answer, 120 s after one (conntrack timeouts of the router). A site
    ///   of kind `none` has no router: its host is on the bridge at `10.<subnet>.0.<101+k>`;
    /// - optionally a one-way delay on the way into every internet node: netem on the hub's ports when the
    ///   kernel has `sch_netem`, else a hub in user space instead of the bridge (`DelayingHub`, a thread of the
    ///   test process that holds each frame for the delay); `delayMechanism` tells which.
    ///
    /// Names start with `natlab<pid>-<tag><n>-` (the test process's pid, a tag of letters, a count of the labs of
    /// this process): labs of parallel suites never clash, and namespaces left by a crashed run are found by
    /// their pid and removed, with the processes still in them, when the next lab starts (`removeLeftovers`).
    /// `tearDown()` kills what runs in the namespaces and deletes them.
    public struct NATLab: Sendable {
        public static let ip = "/usr/sbin/ip"
        public static let family = "natlab"
        static let nft = LabCommand.locate(["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"])
        static let tc = LabCommand.locate(["/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc"])

        /// Why no lab can be made here, or nil when one can.
        public static var unavailableReason: String? {
            if getuid() != 0 { return "needs root (network namespaces, nftables)" }
            if !FileManager.default.isExecutableFile(atPath: ip) { return "needs \(ip) (iproute2)" }
            if nft == nil { return "needs nft (nftables; scripts/setup.sh installs it)" }
            return nil
        }

        /// Whether a lab can be made here: root, `ip` and `nft`.
        public static var available: Bool { unavailableReason == nil }

        /// A public host: a namespace on the internet segment.
        public struct PublicHost: Sendable {
            public var namespace: String
            public var address: String
        }

        /// A site: a router of some NAT kind and one host behind it.
        public struct Site: Sendable {
            public var index: Int
            public var kind: NATKind
            /// The router's namespace (nil for `none`).
            public var router: String?
            /// The inside host's namespace.
            public var host: String
            /// The inside host's own address (its public address for `none`).
            public var hostAddress: String
            /// The site's address on the internet: the router's WAN address (the host's for `none`).
            public var publicAddress: String
        }

        public let prefix: String
        public let subnet: Int
        public let publicHosts: [PublicHost]
        public let sites: [Site]
        /// How a lab delays what crosses its internet segment.
        public enum DelayMechanism: String, Sendable, CustomStringConvertible {
            /// `tc qdisc … netem delay` on every port of the bridge (the kernel's `sch_netem`).
            case netem
            /// No bridge: `DelayingHub`, a thread of the test process, forwards the frames between the hub's
            /// ports and holds each one for the delay.
            case userSpaceHub

            public var description: String { rawValue }
        }

        /// The one-way delay asked for.
        public let delay: Duration?
        /// How the delay is made (nil when none was asked for).
        public private(set) var delayMechanism: DelayMechanism?
        /// Whether the delay asked for is in place.
        public var delayApplied: Bool { delayMechanism != nil }
        /// The user-space hub that makes the delay (`delayMechanism == .userSpaceHub`); `tearDown()` stops it.
        public private(set) var delayingHub: DelayingHub?

        public var hub: String { prefix + "hub" }
        /// Every namespace of the lab.
        public var namespaces: [String] { [hub] + publicHosts.map(\.namespace) + sites.flatMap { [$0.router, $0.host].compactMap { $0 } } }

        private static let counter = Counter()

        /// Builds the lab: `publicHosts` public hosts (at most 99) and one site per entry of `sites` (at most 99).
        /// With `delay`, each frame crossing the internet segment is held that long (one way: a round trip
        /// between two nodes takes twice as long), by `mechanism`, or when that is nil by netem where the kernel
        /// has it and by the user-space hub otherwise. `tag` (letters) makes the names readable; they are unique
        /// without it.
        public init(publicHosts: Int, sites kinds: [NATKind], delay: Duration? = nil, by mechanism: DelayMechanism? = nil, tag: String = "") throws {
            guard tag.allSatisfy({ $0.isLetter && $0.isASCII }) else { throw LabError("a lab's tag is letters only: \(tag)") }
            if let delay, delay < .zero { throw LabError("a negative delay: \(delay)") }
            guard (0...99).contains(publicHosts), kinds.count <= 99 else { throw LabError("at most 99 public hosts and 99 sites") }
            if let reason = Self.unavailableReason { throw LabError(reason) }
            let pid = getpid()
            let prefix = Self.family + "\(pid)-\(tag)\(Self.counter.next())-"
            let subnet = 100 + Int(pid % 100)
            self.prefix = prefix
            self.subnet = subnet
            self.publicHosts = (0..<publicHosts).map { PublicHost(namespace: prefix + "p\($0)", address: "10.\(subnet).0.\($0 + 1)") }
            self.sites = kinds.enumerated().map { k, kind in
                let wan = "10.\(subnet).0.\(101 + k)"
                return kind == .none
                    ? Site(index: k, kind: kind, router: nil, host: prefix + "s\(k)", hostAddress: wan, publicAddress: wan)
                    : Site(index: k, kind: kind, router: prefix + "r\(k)", host: prefix + "s\(k)", hostAddress: "192.168.\(k + 1).2", publicAddress: wan)
            }
            self.delay = delay
            Self.removeLeftovers()
            let chosen: DelayMechanism? = delay == nil ? nil : mechanism ?? (Self.netemAvailable ? .netem : .userSpaceHub)
            do {
                try build(bridge: chosen != .userSpaceHub)
                switch (delay, chosen) {
                case (let delay?, .netem):
                    guard try addDelay(delay) else { throw LabError("netem asked for, but this kernel has no sch_netem (or tc is missing)") }
                    delayMechanism = .netem
                case (let delay?, .userSpaceHub):
                    delayingHub = try DelayingHub(namespace: hub, ports: hubPorts, delay: delay)
                    delayMechanism = .userSpaceHub
                default:
                    break
                }
            } catch {
                tearDown()
                throw error
            }
        }

        /// The hub's ends of the veth pairs: `p<i>` for public host i, `s<k>` for site k.
        public var hubPorts: [String] { publicHosts.indices.map { "p\($0)" } + sites.map { "s\($0.index)" } }

        /// The namespaces, links, addresses and routes, then each router's forwarding and rules. With `bridge`
        /// the hub's ports are on the bridge `br0`; without, they are on nothing (promiscuous, for the user-space
        /// hub to forward between), and the hub's namespace has no IPv6 of its own to send.
        private func build(bridge: Bool) throws {
            try batch(nil, namespaces.map { "netns add \($0)" })
            var hubLines = bridge ? ["link add br0 type bridge mcast_snooping 0", "link set br0 up"] : []
            if !bridge {
                // Not every kernel has IPv6: without it there is nothing to turn off.
                for key in ["all", "default"] { try? writeSysctl(in: hub, "net/ipv6/conf/\(key)/disable_ipv6", "1") }
            }
            let attach = bridge ? "master br0 up" : "promisc on up"
            for (i, h) in publicHosts.enumerated() {
                hubLines += ["link add p\(i) type veth peer name eth0 netns \(h.namespace)", "link set p\(i) \(attach)"]
            }
            for s in sites {
                hubLines += [
                    "link add s\(s.index) type veth peer name \(s.router == nil ? "eth0" : "wan") netns \(s.router ?? s.host)",
                    "link set s\(s.index) \(attach)",
                ]
            }
            try batch(hub, hubLines)
            for h in publicHosts {
                try batch(h.namespace, ["link set lo up", "addr add \(h.address)/24 dev eth0", "link set eth0 up"])
            }
            for s in sites {
                guard let router = s.router else {
                    try batch(s.host, ["link set lo up", "addr add \(s.hostAddress)/24 dev eth0", "link set eth0 up"])
                    continue
                }
                let lan = "192.168.\(s.index + 1)"
                try batch(router, [
                    "link set lo up",
                    "link add lan type veth peer name eth0 netns \(s.host)",
                    "addr add \(s.publicAddress)/24 dev wan", "link set wan up",
                    "addr add \(lan).1/24 dev lan", "link set lan up",
                ])
                try batch(s.host, [
                    "link set lo up", "addr add \(s.hostAddress)/24 dev eth0", "link set eth0 up",
                    "route add default via \(lan).1",
                ])
                try writeSysctl(in: router, "net/ipv4/ip_forward", "1")
                try loadRules(s.kind.routerRules(host: s.hostAddress) ?? "", in: router)
                // Mappings of flows never answered last 60 s (conntrack's default: 30 s), answered ones 120 s.
                try writeSysctl(in: router, "net/netfilter/nf_conntrack_udp_timeout", "60")
                try writeSysctl(in: router, "net/netfilter/nf_conntrack_udp_timeout_stream", "120")
            }
        }

        /// netem on every port of the hub (the way into each internet node); false when netem is missing.
        private func addDelay(_ delay: Duration) throws -> Bool {
            guard let tc = Self.tc else { return false }
            let ms = Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15
            for (n, port) in hubPorts.enumerated() {
                let r = try LabCommand.run(Self.ip, ["netns", "exec", hub, tc, "qdisc", "add", "dev", port, "root", "netem", "delay", "\(ms)ms"])
                if r.status != 0 {
                    if n == 0 { return false }  // no sch_netem in this kernel
                    throw LabError("tc netem on \(port): \(r.stderr)")
                }
            }
            return true
        }

        /// Runs `ip [-n namespace] -batch` over `lines`, one `ip` process for all of them.
        private func batch(_ namespace: String?, _ lines: [String]) throws {
            let file = FileManager.default.temporaryDirectory.path + "/\(prefix)\(UUID().uuidString).ip"
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            try LabCommand.check(Self.ip, (namespace.map { ["-n", $0] } ?? []) + ["-batch", file])
        }

        private func loadRules(_ rules: String, in namespace: String) throws {
            guard let nft = Self.nft else { throw LabError("nft not found") }
            let file = FileManager.default.temporaryDirectory.path + "/\(prefix)\(UUID().uuidString).nft"
            try rules.write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            try LabCommand.check(Self.ip, ["netns", "exec", namespace, nft, "-f", file])
        }

        /// Writes `/proc/sys/<key>` as seen from inside `namespace` (net sysctls are per namespace).
        private func writeSysctl(in namespace: String, _ key: String, _ value: String) throws {
            try NetworkNamespaceEntry.perform(in: namespace) {
                let fd = open("/proc/sys/" + key, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw LabError("open /proc/sys/\(key) in \(namespace): \(errnoText())") }
                defer { close(fd) }
                guard write(fd, value, value.utf8.count) == value.utf8.count else { throw LabError("write /proc/sys/\(key) in \(namespace): \(errnoText())") }
            }
        }

        /// The nftables ruleset now in site `k`'s router, with its sets' elements (for diagnostics).
        public func ruleset(_ k: Int) -> String {
            guard let router = sites[k].router, let nft = Self.nft else { return "" }
            return (try? LabCommand.run(Self.ip, ["netns", "exec", router, nft, "list", "ruleset"]))?.stdout ?? ""
        }

        // MARK: Running things inside

        /// The executable and arguments that run `executable arguments` in `namespace` (`ip netns exec` execs
        /// it: the process keeps the pid it is started with).
        public func command(in namespace: String, _ executable: URL, _ arguments: [String]) -> (URL, [String]) {
            (URL(fileURLWithPath: Self.ip), ["netns", "exec", namespace, executable.path] + arguments)
        }

        /// Runs `executable arguments` in `namespace` to completion (killed after `seconds`).
        @discardableResult
        public func run(in namespace: String, _ executable: String, _ arguments: [String], seconds: Double = 30) throws -> LabCommand.Result {
            try LabCommand.run(Self.ip, ["netns", "exec", namespace, executable] + arguments, seconds: seconds)
        }

        /// Starts `executable arguments` in `namespace`, its output into the file `log`. `tearDown()` kills it
        /// if it still runs.
        public func launch(in namespace: String, _ executable: String, _ arguments: [String], log: String) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.ip)
            p.arguments = ["netns", "exec", namespace, executable] + arguments
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            p.standardOutput = handle
            p.standardError = handle
            p.standardInput = FileHandle.nullDevice
            try p.run()
            try? handle.close()
            return p
        }

        /// A UDP socket of the test process inside `namespace`.
        public func udpSocket(in namespace: String, port: UInt16 = 0) throws -> LabUDPSocket {
            try LabUDPSocket.open(in: namespace, port: port)
        }

        /// A TCP socket of the test process inside `namespace` (SO_REUSEADDR; SO_REUSEPORT too with `reusePort`).
        public func tcpSocket(in namespace: String, port: UInt16 = 0, reusePort: Bool = false) throws -> LabTCPSocket {
            try LabTCPSocket.open(in: namespace, port: port, reusePort: reusePort)
        }

        // MARK: Clean-up

        /// Stops the user-space hub (its thread ends, its sockets close), kills what still runs in the lab's
        /// namespaces, then deletes them (links, rules and conntrack go with them).
        public func tearDown() {
            delayingHub?.stop()
            Self.delete(namespaces)
        }

        /// Kills the processes in each of `names` (by pid, as `ip netns pids` lists them; never this process)
        /// and deletes the namespaces.
        static func delete(_ names: [String]) {
            guard !names.isEmpty else { return }
            for name in names {
                if let pids = try? LabCommand.run(ip, ["netns", "pids", name]), pids.status == 0 {
                    for pid in pids.stdout.split(separator: "\n").compactMap({ Int32($0) }) where pid != getpid() { kill(pid, SIGKILL) }
                }
            }
            let file = FileManager.default.temporaryDirectory.path + "/natlab-delete-\(getpid())-\(UUID().uuidString).ip"
            guard (try? (names.map { "netns delete \($0)" }.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)) != nil else { return }
            defer { try? FileManager.default.removeItem(atPath: file) }
            _ = try? LabCommand.run(ip, ["-force", "-batch", file])
        }

        /// Deletes the namespaces of labs whose test process is gone (a crashed run cannot clean up), killing
        /// what still runs in them.
        public static func removeLeftovers() {
            delete(leftovers())
        }

        /// The namespaces of labs whose test process is gone.
        public static func leftovers() -> [String] {
            guard let listing = try? LabCommand.run(ip, ["netns", "list"]) else { return [] }
            return listing.stdout.split(separator: "\n").compactMap { line -> String? in
                let name = String(line.split(separator: " ").first ?? "")
                guard name.hasPrefix(family) else { return nil }
                let digits = name.dropFirst(family.count).prefix { $0.isNumber }
                guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { return nil }
                return name
            }
        }

        /// Whether this kernel has netem (`tc qdisc … netem delay`): tried once, in a namespace of its own.
        public static let netemAvailable: Bool = {
            guard available, let tc else { return false }
            let name = family + "\(getpid())-netem"
            defer { delete([name]) }
            guard (try? LabCommand.run(ip, ["netns", "add", name]))?.status == 0,
                (try? LabCommand.run(ip, ["-n", name, "link", "add", "va", "type", "veth", "peer", "name", "vb"]))?.status == 0
            else { return false }
            return (try? LabCommand.run(ip, ["netns", "exec", name, tc, "qdisc", "add", "dev", "va", "root", "netem", "delay", "1ms"]))?.status == 0
        }()

        /// The labs of this process, counted (part of their names).
        private final class Counter: @unchecked Sendable {
            private let lock = NSLock()
            private var value = 0
            func next() -> Int {
                lock.withLock {
                    defer { value += 1 }
                    return value
                }
            }
        }
    }
#endif
