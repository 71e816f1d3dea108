#if os(Linux)
    import EasyConnectNetwork
    import Foundation
    import NetworkLab
    import Testing

    /// Easy Connect sessions between hosts behind real NATs (`docs/deviations.md`, E11): a `NATLab` with three
    /// public `pnrp node --nat-traversal --stream-relay-port` daemons and two sites of every kind (no NAT, full
    /// cone, address-restricted, port-restricted, symmetric). Every User kind meets every Helper kind, in rounds
    /// of five sessions at once: `easy-connect invite` and `easy-connect help` with embedded nodes
    /// (`--no-daemon --nat-traversal`), consent, a file, disconnect. The table of the paths each pair took is
    /// printed: direct to a public User, a TCP hole punch where both NATs let one through, the relay otherwise.
    ///
    /// To look into a failure: `EASY_CONNECT_NAT_TEST_ROUNDS=1` runs the first round only (each kind with its
    /// own kind), `EASY_CONNECT_NAT_TEST_KEEP=1` keeps the processes' output in the lab's scratch directory.
    @Suite(
        "easy-connect across real NATs (network namespaces)", .serialized,
        .enabled(if: NATLab.available, "needs root, ip (iproute2) and nft (nftables; scripts/setup.sh installs it)"),
        .timeLimit(.minutes(10))
    )
    struct EasyConnectNATTests {
        static let kinds: [NATKind] = [.none, .fullCone, .addressRestricted, .portRestricted, .symmetric]
        static let relayPort = 3541

        /// The path a session between a User behind `user` and a Helper behind `helper` must take.
        static func expectedPath(user: NATKind, helper: NATKind) -> String {
            if user == .none { return "direct" }
            return NATKind.holePunchWorks(user, helper) ? "punched" : "relayed"
        }

        struct Outcome: Sendable {
            var path: String?
            var failure: String?
            var seconds: Double
        }

        @Test("Every User NAT kind with every Helper NAT kind: the Helper finds the invitation, connects (direct, punched or relayed), the User accepts, a file crosses intact")
        func everyPairOfKinds() async throws {
            let lab = try EasyConnectLab("nat-matrix")
            let environment = ProcessInfo.processInfo.environment
            defer { if environment["EASY_CONNECT_NAT_TEST_KEEP"] == nil { lab.cleanup() } }
            let rounds = environment["EASY_CONNECT_NAT_TEST_ROUNDS"].flatMap(Int.init).map { min(max($0, 1), Self.kinds.count) } ?? Self.kinds.count
            let net = try await NATLab(publicHosts: 3, sites: Self.kinds + Self.kinds, tag: "ecn")
            defer { net.tearDown() }
            let seed = try await Self.startPublicNodes(lab: lab, net: net)
            let file = lab.scratch.path + "/notes.bin"
            let digest = try TestFiles.random(file, bytes: 300_000)

            var outcomes: [String: Outcome] = [:]
            for round in 0..<rounds {
                let results = try await withThrowingTaskGroup(of: (String, Outcome).self) { group in
                    for u in Self.kinds.indices {
                        let h = (u + round) % Self.kinds.count
                        let userSite = net.sites[u], helperSite = net.sites[Self.kinds.count + h]
                        group.addTask {
                            let key = "\(userSite.kind)>\(helperSite.kind)"
                            return (key, await Self.session(lab: lab, net: net, seed: seed, user: userSite, helper: helperSite, file: file, digest: digest, label: "r\(round)u\(u)"))
                        }
                    }
                    var all: [(String, Outcome)] = []
                    for try await r in group { all.append(r) }
                    return all
                }
                for (key, outcome) in results { outcomes[key] = outcome }
            }

            var table = ["User \\ Helper | " + Self.kinds.map { "\($0)" }.joined(separator: " | ")]
            for u in Self.kinds {
                var cells: [String] = []
                for h in Self.kinds {
                    let o = outcomes["\(u)>\(h)"]
                    cells.append(o.map { $0.failure == nil ? "\($0.path ?? "?") \(String(format: "%.1f", $0.seconds)) s" : "FAILED" } ?? "-")
                }
                table.append("\(u) | " + cells.joined(separator: " | "))
            }
            print("Easy Connect across NATs (path, seconds from `help` to the file received):\n" + table.joined(separator: "\n"))
            for u in Self.kinds {
                for h in Self.kinds {
                    guard let o = outcomes["\(u)>\(h)"] else { continue }
                    #expect(o.failure == nil, "User behind \(u), Helper behind \(h): \(o.failure ?? "")")
                    guard o.failure == nil else { continue }
                    #expect(o.path == Self.expectedPath(user: u, helper: h), "User behind \(u), Helper behind \(h) took the path \(o.path ?? "?")")
                }
            }
        }

        /// Starts a `pnrp node --nat-traversal --stream-relay-port` on every public host of `net`, each publishing a
        /// name (a cache holds registered IDs only: a cloud without any would leave every joiner alone); returns
        /// the seed endpoint. The processes, by public host, are in `lab`'s list (`pnrp-<i>`).
        @discardableResult
        static func startPublicNodes(lab: EasyConnectLab, net: NATLab) async throws -> String {
            let seed = "\(net.publicHosts[0].address):3540"
            for (i, host) in net.publicHosts.enumerated() {
                let directory = try lab.scratch.directory("pnrp-\(i)")
                let arguments =
                    [
                        "node", "--nat-traversal", "--stream-relay-port", String(relayPort), "--no-link-local", "--no-multicast", "--address",
                        host.address, "--state-dir", directory, "--log-level", "warning",
                    ] + (i == 0 ? [] : ["--seed", seed])
                let (executable, wrapped) = net.command(in: host.namespace, lab.pnrp, arguments)
                let process = try lab.launch("pnrp-\(i)", executable, wrapped)
                try await process.waitForText("pnrp node ready:", seconds: 20)
                let registered = try await lab.pnrpRun(["register", "nat-lab-\(i)", "--secured", "--state-dir", directory])
                guard registered.status == 0 else { throw TestFailure("pnrp register on public host \(i): \(registered.stderr)") }
            }
            return seed
        }

        /// `easy-connect arguments` on `site`'s host with an embedded node doing NAT traversal, seeded with `seed`.
        static func startEasyConnect(
            lab: EasyConnectLab, net: NATLab, seed: String, role: String, site: NATLab.Site, _ arguments: [String], environment: [String: String] = [:]
        ) throws -> JSONLineProcess {
            let full =
                arguments + [
                    "--json", "--no-daemon", "--nat-traversal", "--seed", seed, "--address", site.hostAddress, "--data-dir", lab.dataDirectory(role),
                    "--download-dir", lab.downloadDirectory(role), "--log-level", "info",
                ]
            let (executable, wrapped) = net.command(in: site.host, lab.easyConnect, full)
            return try lab.launch(role, executable, wrapped, environment: environment)
        }

        @Test("The relay dies (SIGKILL) in the middle of a relayed session's file: both sides end within seconds, saying the connection was lost, and no partial file is left")
        func relayDiesMidSession() async throws {
            let lab = try EasyConnectLab("nat-relay-dies")
            defer { lab.cleanup() }
            let net = try await NATLab(publicHosts: 3, sites: [.symmetric, .symmetric], tag: "ecr")
            defer { net.tearDown() }
            let seed = try await Self.startPublicNodes(lab: lab, net: net)
            let relays = lab.processes(named: "pnrp-")
            let file = lab.scratch.path + "/big.bin"
            _ = try TestFiles.random(file, bytes: 200_000_000)

            let user = try Self.startEasyConnect(lab: lab, net: net, seed: seed, role: "user", site: net.sites[0], ["invite", "--name", "Ursula"])
            let password = try await user.password(seconds: 90)
            let helper = try Self.startEasyConnect(
                lab: lab, net: net, seed: seed, role: "helper", site: net.sites[1], ["help", "--name", "Hector"], environment: ["EASY_CONNECT_PASSWORD": password])
            try await user.waitFor("consent-request", seconds: 60)
            user.send("accept")
            let (connected, _) = try await helper.waitFor("connected", seconds: 30)
            #expect(connected.string("path") == "relayed", "\(connected.text)")
            // The Helper's remote is the relay's TCP endpoint: find its daemon.
            let relayAddress = try #require(connected.string("remote")?.split(separator: ":").first.map(String.init))
            let relayIndex = try #require(net.publicHosts.firstIndex { $0.address == relayAddress }, "\(relayAddress)")
            let relay = relays[relayIndex]
            helper.signal(relay, SIGKILL, when: "file-progress")
            user.send("send-file", ["path": .string(file)])
            let (offer, _) = try await helper.waitFor("file-offer", seconds: 30)
            helper.send("accept-file", ["id": .unsigned(try #require(offer.number("id")))])
            try await helper.waitFor("file-progress", seconds: 30)
            let killed = ContinuousClock.now
            let (helperEnd, _) = try await helper.waitFor("disconnected", seconds: 10)
            let (userEnd, _) = try await user.waitFor("disconnected", seconds: 10)
            let took = ContinuousClock.now - killed
            #expect(helperEnd.string("reason") == "connection-lost" && userEnd.string("reason") == "connection-lost", "\(helperEnd.text) \(userEnd.text)")
            #expect(try await helper.waitForExit(seconds: 10) == 9)
            #expect(try await user.waitForExit(seconds: 10) == 9)
            #expect(!helper.events.contains("file-received"))
            #expect(TestFiles.listing(lab.downloadDirectory("helper")).isEmpty, "no partial file is left")
            print("relay killed mid-file: both sides ended \(took) after the Helper's first file-progress")
        }

        /// One session: invite on `user`'s host, help from `helper`'s, accept, a file from the User, disconnect.
        static func session(
            lab: EasyConnectLab, net: NATLab, seed: String, user: NATLab.Site, helper: NATLab.Site, file: String, digest: String, label: String
        ) async -> Outcome {
            func start(_ role: String, _ site: NATLab.Site, _ arguments: [String], environment: [String: String] = [:]) throws -> JSONLineProcess {
                try startEasyConnect(lab: lab, net: net, seed: seed, role: role, site: site, arguments, environment: environment)
            }
            var processes: [JSONLineProcess] = []
            let began = ContinuousClock.now
            do {
                let userProcess = try start("\(label)-user", user, ["invite", "--name", "User \(label)", "--computer-name", "\(user.kind)"])
                processes.append(userProcess)
                let password = try await userProcess.password(seconds: 90)
                let helperStart = ContinuousClock.now
                let helperProcess = try start(
                    "\(label)-helper", helper, ["help", "--name", "Helper \(label)", "--computer-name", "\(helper.kind)"],
                    environment: ["EASY_CONNECT_PASSWORD": password])
                processes.append(helperProcess)
                try await userProcess.waitFor("consent-request", seconds: 60)
                userProcess.send("accept")
                let (connected, _) = try await helperProcess.waitFor("connected", seconds: 30)
                try await userProcess.waitFor("connected", seconds: 30)
                userProcess.send("send-file", ["path": .string(file)])
                let (offer, _) = try await helperProcess.waitFor("file-offer", seconds: 30)
                guard let id = offer.number("id") else { throw TestFailure("no file id in \(offer.text)") }
                helperProcess.send("accept-file", ["id": .unsigned(id)])
                let (received, _) = try await helperProcess.waitFor("file-received", seconds: 60)
                guard received.string("sha256") == digest else { throw TestFailure("the file arrived with SHA-256 \(received.string("sha256") ?? "?")") }
                let seconds = Double((ContinuousClock.now - helperStart).components.attoseconds) / 1e18 + Double((ContinuousClock.now - helperStart).components.seconds)
                userProcess.send("disconnect")
                _ = try await userProcess.waitForExit(seconds: 30)
                _ = try await helperProcess.waitForExit(seconds: 30)
                return Outcome(path: connected.string("path"), failure: nil, seconds: seconds)
            } catch {
                let reports = processes.map { $0.report() }.joined(separator: "\n")
                for p in processes { p.kill9() }
                _ = began
                return Outcome(path: nil, failure: "\(error)\n\(reports)", seconds: 0)
            }
        }
    }
#endif
