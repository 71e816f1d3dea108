#if os(Linux)
    import Foundation
    import Glibc
    import NetworkLab
    import PNRP
    import PNRPNetwork

    /// A PNRP cloud of `pnrp node --nat-traversal` daemons in a `NATLab`: one daemon on each public host and on
    /// the host of each site, every one with a state directory of its own under a temporary root, driven through
    /// the `pnrp` command line (`register`, `clouds --json`, `resolve --json`) over their control sockets.
    /// `cleanup()` kills the daemons, tears the lab down and removes the state directories; a new cloud first
    /// removes what a crashed run left (its namespaces and the processes in them go with `NATLab`, its state
    /// directories here).
    ///
    /// To look into a failure: `PNRP_NAT_TEST_LOG_LEVEL=debug` sets the daemons' log level (default info), and
    /// `PNRP_NAT_TEST_KEEP=DIR` copies their state directories and logs to DIR before they are removed.
    final class NATCloud: @unchecked Sendable {
        /// One daemon.
        struct Node: Sendable {
            /// `public0`, `fullCone3`, …: what the tables call it.
            var label: String
            /// The site's NAT kind, `.none` for a public host.
            var kind: NATKind
            /// The index of its site in `lab.sites`, nil for a public host.
            var site: Int?
            var namespace: String
            /// The address the daemon binds (`--address`).
            var address: String
            /// The address the internet sees it at: the router's WAN address behind a NAT.
            var publicAddress: String
            var directory: String
            /// The unsecured name it publishes.
            var name: String
            var process: Process
            /// Its log file (a restarted daemon writes a new one).
            var logPath: String
            var isPublic: Bool { site == nil }
            /// Its own endpoint (`pnrp clouds` shows it as the cloud's endpoint).
            var endpoint: String { "\(address):\(NATCloud.port)" }
            /// Its own port at its public address: the mapping a cone NAT keeps.
            var mappedEndpoint: String { "\(publicAddress):\(NATCloud.port)" }
        }

        static let port = 3540
        static let rootPrefix = "pnrp-natcloud-"

        let lab: NATLab
        let binary: URL
        let root: String
        private(set) var nodes: [Node] = []

        private let logLevel: String

        /// Builds the lab (`publicHosts` public hosts, a site of each of `sites`) and starts a daemon on every host
        /// (the public hosts with `publicExtra` arguments; the sites' later, with `startSites()`, unless
        /// `startingSites`): the first public host without seeds, every other daemon seeded with it. Waits (at most
        /// 20 s) until every daemon is ready.
        init(publicHosts: Int, sites: [NATKind], tag: String, publicExtra: [String] = [], startingSites: Bool = true) async throws {
            logLevel = ProcessInfo.processInfo.environment["PNRP_NAT_TEST_LOG_LEVEL"] ?? "info"
            binary = try DaemonCluster.locateBinary()
            lab = try await NATLab(publicHosts: publicHosts, sites: sites, tag: tag)
            Self.removeLeftoverDirectories()
            let template = FileManager.default.temporaryDirectory.path + "/\(Self.rootPrefix)\(getpid())-XXXXXX"
            var bytes = Array(template.utf8CString)
            guard mkdtemp(&bytes) != nil else {
                lab.tearDown()
                throw HarnessError("cannot create a temporary directory")
            }
            root = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            do {
                for (i, host) in lab.publicHosts.enumerated() {
                    try start(
                        label: "public\(i)", kind: .none, site: nil, namespace: host.namespace, address: host.address, publicAddress: host.address,
                        seeds: i == 0 ? [] : [seed], extra: publicExtra)
                }
                if startingSites { try startSiteDaemons() }
                try await waitReady(seconds: 20)
            } catch {
                cleanup()
                throw error
            }
        }

        /// Starts the daemons of the sites (when the cloud was made without them) and waits until they are ready.
        func startSites() async throws {
            try startSiteDaemons()
            try await waitReady(seconds: 20)
        }

        private func startSiteDaemons() throws {
            for s in lab.sites where node("\(s.kind)\(s.index)") == nil {
                try start(
                    label: "\(s.kind)\(s.index)", kind: s.kind, site: s.index, namespace: s.host, address: s.hostAddress, publicAddress: s.publicAddress,
                    seeds: [seed], extra: [])
            }
        }

        private func start(
            label: String, kind: NATKind, site: Int?, namespace: String, address: String, publicAddress: String, seeds: [String], extra: [String],
            logSuffix: String = ""
        ) throws {
            let directory = root + "/" + label
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let arguments =
                ["node", "--nat-traversal", "--no-link-local", "--no-multicast", "--address", address, "--state-dir", directory, "--log-level", logLevel]
                + seeds.flatMap { ["--seed", $0] } + extra
            let logPath = root + "/\(label)\(logSuffix).log"
            let process = try lab.launch(in: namespace, binary.path, arguments, log: logPath)
            nodes.append(
                Node(
                    label: label, kind: kind, site: site, namespace: namespace, address: address, publicAddress: publicAddress, directory: directory,
                    name: "0.nat-\(label.lowercased())", process: process, logPath: logPath))
        }

        private func waitReady(seconds: Double) async throws {
            let end = Date().addingTimeInterval(seconds)
            for node in nodes {
                while !log(node).contains("pnrp node ready:") {
                    if !node.process.isRunning { throw HarnessError("\(node.label) exited with \(node.process.terminationStatus): \(log(node))") }
                    if Date() > end { throw HarnessError("\(node.label) not ready after \(seconds) s: \(log(node))") }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }

        /// The first public host's endpoint, every other daemon's seed.
        var seed: String { "\(lab.publicHosts[0].address):\(Self.port)" }

        /// The public hosts' daemons, then the sites' in site order.
        var publicNodes: [Node] { nodes.filter(\.isPublic) }
        var siteNodes: [Node] { nodes.filter { !$0.isPublic } }

        func node(_ label: String) -> Node? { nodes.first { $0.label == label } }

        /// The node's log (the last `limit` characters).
        func log(_ node: Node, limit: Int = 100_000) -> String {
            let text = (try? String(contentsOfFile: node.logPath, encoding: .utf8)) ?? "(no log)"
            return String(text.suffix(limit))
        }

        // MARK: The command line

        /// Runs `pnrp arguments --state-dir <node's>` to completion (killed after `seconds`): its output goes
        /// through files, and the wait is a sleep of the task, which leaves the test's threads to others.
        func cli(_ node: Node, _ arguments: [String], seconds: Double = 20) async throws -> (status: Int32, stdout: String, stderr: String) {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments + ["--state-dir", node.directory]
            let id = UUID().uuidString
            let out = root + "/cli-\(id).out", err = root + "/cli-\(id).err"
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            _ = FileManager.default.createFile(atPath: err, contents: nil)
            defer {
                try? FileManager.default.removeItem(atPath: out)
                try? FileManager.default.removeItem(atPath: err)
            }
            let outHandle = FileHandle(forWritingAtPath: out), errHandle = FileHandle(forWritingAtPath: err)
            defer {
                try? outHandle?.close()
                try? errHandle?.close()
            }
            process.standardOutput = outHandle
            process.standardError = errHandle
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while process.isRunning {
                if ContinuousClock.now > end {
                    kill(process.processIdentifier, SIGKILL)
                    process.waitUntilExit()
                    throw HarnessError("pnrp \(arguments.joined(separator: " ")) on \(node.label) did not finish within \(seconds) s")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
            return (process.terminationStatus, stdout, stderr)
        }

        /// `pnrp register <name>` on the node.
        func register(_ node: Node) async throws {
            let r = try await cli(node, ["register", node.name])
            guard r.status == 0 else { throw HarnessError("register \(node.name) on \(node.label): status \(r.status): \(r.stderr)") }
        }

        /// The global cloud as `pnrp clouds --json` shows it, nil when the node does not answer.
        func globalCloud(_ node: Node) async -> CloudStatus? {
            guard let r = try? await cli(node, ["clouds", "--json"], seconds: 10), r.status == 0,
                let clouds = try? JSONDecoder().decode([CloudStatus].self, from: Data(r.stdout.utf8))
            else { return nil }
            return clouds.first { $0.name.hasPrefix("Global") }
        }

        /// What `pnrp resolve <name> --json --timeout <timeout>` on `node` found, or why it did not.
        func resolve(_ name: String, from node: Node, timeout: Double) async -> Result<ResolvedRecord, HarnessError> {
            do {
                let r = try await cli(node, ["resolve", name, "--json", "--timeout", String(timeout)], seconds: timeout + 10)
                guard r.status == 0 else { return .failure(HarnessError("exit \(r.status): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")) }
                return .success(try JSONDecoder().decode(ResolvedRecord.self, from: Data(r.stdout.utf8)))
            } catch let error as HarnessError {
                return .failure(error)
            } catch {
                return .failure(HarnessError("\(error)"))
            }
        }

        /// `pnrp cache` on the node (for failure messages).
        func cache(_ node: Node) async -> String {
            (try? await cli(node, ["cache"], seconds: 10))?.stdout ?? "(no answer)"
        }

        /// The public host whose address `endpoint` (`a.b.c.d:port`) names, if any.
        func publicNode(at endpoint: String) -> Node? {
            let address = endpoint.split(separator: ":").first.map(String.init)
            return publicNodes.first { $0.address == address }
        }

        /// Whether `endpoint` is a relay endpoint: a port of a public host other than its PNRP port.
        func isRelayEndpoint(_ endpoint: String) -> Bool {
            guard let host = publicNode(at: endpoint) else { return false }
            return endpoint != host.endpoint
        }

        // MARK: Relay slots taken by the test

        /// A stand-in for a node behind a NAT: a UDP socket of the test in namespace `namespace` that takes relay
        /// slots with RELAY_REQUESTs (`docs/deviations.md`, X3: a request, the challenge, the request echoing the
        /// cookie) and gives them back.
        final class SlotHolder: @unchecked Sendable {
            let socket: LabUDPSocket
            /// The cookie each relay gave, by relay.
            private var cookies: [LabEndpoint: [UInt8]] = [:]
            private var nextID: UInt32 = 1

            init(in namespace: String) throws {
                socket = try LabUDPSocket.open(in: namespace)
            }

            /// Asks `relay` to relay (or, with `release`, to stop): returns the final answer.
            func request(_ relay: LabEndpoint, release: Bool = false) throws -> TraversalMessage.RelayAnswer {
                var cookie = cookies[relay] ?? [UInt8](repeating: 0, count: TraversalMessage.cookieLength)
                for _ in 0..<3 {
                    nextID += 1
                    try socket.send(try TraversalMessage.relayRequest(cookie: cookie, release: release).encoded(messageID: nextID), to: relay)
                    let deadline = ContinuousClock.now + .seconds(3)
                    var answer: TraversalMessage.RelayAnswer?
                    while answer == nil, let d = try socket.receive(until: deadline) {
                        if case (_, .relayAnswer(let a))? = try? TraversalMessage.decode(d.bytes), a.ackedMessageID == nextID { answer = a }
                    }
                    guard let answer else { throw HarnessError("no RELAY_ANSWER from \(relay)") }
                    cookies[relay] = answer.cookie
                    guard answer.status == .challenge else { return answer }
                    cookie = answer.cookie
                }
                throw HarnessError("\(relay) keeps challenging")
            }

            /// `request`, waited for off the cooperative pool.
            func request(_ relay: LabEndpoint, release: Bool = false) async throws -> TraversalMessage.RelayAnswer {
                try await offCooperativePool { try self.request(relay, release: release) }
            }

            func close() { socket.close() }
        }

        // MARK: Processes and state

        /// SIGKILL, then waits (at most 10 s) until the process is gone.
        func kill9(_ node: Node) async throws {
            kill(node.process.processIdentifier, SIGKILL)
            let end = Date().addingTimeInterval(10)
            while node.process.isRunning {
                if Date() > end { throw HarnessError("\(node.label) still runs 10 s after SIGKILL") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        /// SIGKILL, then the daemon started again at once on the same host, port and state directory: its identity
        /// as it left it, and its cache too unless `forgettingCache`, which makes it start as an embedded node
        /// does, knowing only its seed. Returns the new daemon, which replaces the old in `nodes`, once it is ready.
        @discardableResult
        func restart(_ node: Node, forgettingCache: Bool = false) async throws -> Node {
            try await kill9(node)
            if forgettingCache { try? FileManager.default.removeItem(atPath: node.directory + "/" + CacheSnapshot.fileName) }
            nodes.removeAll { $0.label == node.label }
            let seeds = node.label == "public0" ? [] : [seed]
            try start(
                label: node.label, kind: node.kind, site: node.site, namespace: node.namespace, address: node.address, publicAddress: node.publicAddress,
                seeds: seeds, extra: [], logSuffix: ".restarted")
            try await waitReady(seconds: 20)
            return self.node(node.label)!
        }

        /// What is wrong with a node's state directory: a temporary file left by a write that never finished, a
        /// cache file that does not decode, an identity that does not read. Empty when all is well.
        func stateProblems(_ node: Node) -> [String] {
            var problems: [String] = []
            let files = (try? FileManager.default.contentsOfDirectory(atPath: node.directory)) ?? []
            for file in files where file.contains(".tmp.") || file.contains(".corrupt-") { problems.append("left over: \(file)") }
            if let data = FileManager.default.contents(atPath: node.directory + "/" + CacheSnapshot.fileName),
                (try? JSONDecoder().decode(CacheSnapshot.self, from: data)) == nil
            {
                problems.append("\(CacheSnapshot.fileName) does not decode: \(String(decoding: data.prefix(200), as: UTF8.self))")
            }
            do {
                let directory = try StateDirectory(path: node.directory)
                if try NodeIdentity.read(from: directory) == nil { problems.append("no \(NodeIdentity.fileName)") }
            } catch {
                problems.append("\(NodeIdentity.fileName): \(error)")
            }
            return problems
        }

        /// Kills every daemon still running, tears the lab down and removes the state directories.
        func cleanup() {
            for node in nodes where node.process.isRunning { kill(node.process.processIdentifier, SIGKILL) }
            let end = Date().addingTimeInterval(10)
            for node in nodes {
                while node.process.isRunning && Date() < end { usleep(10_000) }
            }
            lab.tearDown()
            if let keep = ProcessInfo.processInfo.environment["PNRP_NAT_TEST_KEEP"] { _ = try? LabCommand.run("/bin/cp", ["-r", root, keep]) }
            try? FileManager.default.removeItem(atPath: root)
        }

        /// Removes the state directories of runs whose test process is gone (their daemons died with their
        /// namespaces, which `NATLab` removes).
        static func removeLeftoverDirectories() {
            let temporary = FileManager.default.temporaryDirectory.path
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where entry.hasPrefix(rootPrefix) {
                let digits = entry.dropFirst(rootPrefix.count).prefix { $0.isNumber }
                guard let pid = Int32(digits), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(atPath: temporary + "/" + entry)
            }
        }
    }
#endif
