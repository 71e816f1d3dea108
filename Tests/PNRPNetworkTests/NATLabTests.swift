#if os(Linux)
    import Foundation
    import NetworkLab
    import Testing

    /// The NAT laboratory the NAT traversal tests stand on, characterised the way RFC 4787 and RFC 5780 do, with
    /// real datagrams and connections from sockets the test opens inside the namespaces: each kind of router
    /// maps and filters as its name says, which pairs of sites reach each other by hole punching (UDP, and TCP
    /// with simultaneous open or a listener on the same port), and the lab leaves nothing behind. The tables
    /// they print tell the NAT traversal work which pairs of kinds need a relay. Serialized: a lab being built
    /// removes the namespaces of crashed runs, the stale one the clean-up test makes among them.
    @Suite(
        "NAT laboratory in network namespaces", .enabled(if: NATLab.available, "needs root, ip (iproute2) and nft (nftables; scripts/setup.sh installs it)"),
        .serialized, .timeLimit(.minutes(1))
    )
    struct NATLabTests {
        /// The port public hosts answer on, and a second one of the same hosts.
        static let service: UInt16 = 3478
        static let otherService: UInt16 = 3479

        /// Waits `duration`, then takes what has arrived on each socket.
        static func collect(_ sockets: [LabUDPSocket], after duration: Duration) async throws -> [[LabDatagram]] {
            try await Task.sleep(for: duration)
            var all: [[LabDatagram]] = []
            for socket in sockets { all.append(try await socket.receiveAll(timeout: .zero)) }
            return all
        }

        /// Receives on `socket` until `count` datagrams came or `timeout` passed.
        static func receive(_ count: Int, on socket: LabUDPSocket, timeout: Duration) async throws -> [LabDatagram] {
            let deadline = ContinuousClock.now + timeout
            var all: [LabDatagram] = []
            while all.count < count, let d = try await socket.receive(until: deadline) { all.append(d) }
            return all
        }

        @Test("Mapping: one inside port keeps one external endpoint (its own port) towards two hosts behind every cone kind, another one per host behind symmetric")
        func mapping() async throws {
            let lab = try await NATLab(publicHosts: 2, sites: NATKind.allCases, tag: "map")
            defer { lab.tearDown() }
            let a = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: Self.service)
            let b = try lab.udpSocket(in: lab.publicHosts[1].namespace, port: Self.service)
            let inside = try lab.sites.map { try lab.udpSocket(in: $0.host, port: 40_000 + UInt16($0.index)) }
            for (k, socket) in inside.enumerated() {
                try socket.send("map \(k)", to: LabEndpoint(lab.publicHosts[0].address, Self.service))
                try socket.send("map \(k)", to: LabEndpoint(lab.publicHosts[1].address, Self.service))
            }
            func observed(_ socket: LabUDPSocket) async throws -> [Int: LabEndpoint] {
                let got = try await Self.receive(lab.sites.count, on: socket, timeout: .seconds(3))
                return Dictionary(got.map { (Int($0.text.dropFirst(4)) ?? -1, $0.source) }, uniquingKeysWith: { first, _ in first })
            }
            let atA = try await observed(a), atB = try await observed(b)
            var table = ["kind               local  seen by A              seen by B"]
            for s in lab.sites {
                let local = 40_000 + UInt16(s.index)
                let seenA = try #require(atA[s.index], "A got nothing from \(s.kind)"), seenB = try #require(atB[s.index], "B got nothing from \(s.kind)")
                table.append("\(s.kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(local)  \(seenA.description.padding(toLength: 21, withPad: " ", startingAt: 0))  \(seenB)")
                #expect(seenA.address == s.publicAddress && seenB.address == s.publicAddress, "\(s.kind): \(seenA) \(seenB)")
                if s.kind.endpointIndependentMapping {
                    #expect(seenA == seenB, "\(s.kind) maps per destination: \(seenA) \(seenB)")
                    #expect(seenA.port == local, "\(s.kind) does not keep the inside port \(local): \(seenA)")
                } else {
                    #expect(seenA.port != seenB.port, "\(s.kind) kept one mapping for two destinations: \(seenA)")
                }
            }
            print("NAT mapping (one inside port, two destinations):\n" + table.joined(separator: "\n"))
            a.close()
            b.close()
            inside.forEach { $0.close() }
        }

        @Test("Filtering: after the inside host sent to A:p, A:p gets in everywhere, A from another port only through fullCone and addressRestricted (and to a public host), B only through fullCone (and to a public host)")
        func filtering() async throws {
            let lab = try await NATLab(publicHosts: 2, sites: NATKind.allCases, tag: "filter")
            defer { lab.tearDown() }
            let aAddress = lab.publicHosts[0].address
            let a = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: Self.service)
            let aOther = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: Self.otherService)
            let b = try lab.udpSocket(in: lab.publicHosts[1].namespace, port: Self.service)
            let inside = try lab.sites.map { try lab.udpSocket(in: $0.host, port: 41_000 + UInt16($0.index)) }
            for (k, socket) in inside.enumerated() { try socket.send("hello \(k)", to: LabEndpoint(aAddress, Self.service)) }
            let hellos = try await Self.receive(lab.sites.count, on: a, timeout: .seconds(3))
            let mapping = Dictionary(hellos.map { (Int($0.text.dropFirst(6)) ?? -1, $0.source) }, uniquingKeysWith: { first, _ in first })
            try #require(mapping.count == lab.sites.count, "A heard from \(mapping.keys.sorted()) only")

            // The two that should be filtered out by some kinds first, then the answer everyone lets in.
            let probes: [(name: String, from: LabUDPSocket, expected: (NATKind) -> Bool)] = [
                ("B, never sent to", b, { $0.admitsUncontactedAddresses }),
                ("A from another port", aOther, { $0.admitsOtherPortsOfContactedAddresses }),
                ("A:p itself", a, { _ in true }),
            ]
            var table = ["kind               " + probes.map { $0.name.padding(toLength: 22, withPad: " ", startingAt: 0) }.joined()]
            var rows = lab.sites.map { $0.kind.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0) }
            for probe in probes {
                for s in lab.sites { try probe.from.send("probe \(s.index)", to: try #require(mapping[s.index])) }
                let arrived = try await Self.collect(inside, after: .milliseconds(300))
                for s in lab.sites {
                    let got = arrived[s.index].contains { $0.text == "probe \(s.index)" }
                    rows[s.index] += (got ? "arrives" : "filtered").padding(toLength: 22, withPad: " ", startingAt: 0)
                    #expect(got == probe.expected(s.kind), "\(s.kind): \(probe.name) \(got ? "got through" : "was filtered")\n\(lab.ruleset(s.index))")
                }
            }
            table += rows
            print("NAT filtering (after the inside host sent to A:p):\n" + table.joined(separator: "\n"))
            [a, aOther, b].forEach { $0.close() }
            inside.forEach { $0.close() }
        }

        /// Two sites of each kind (so that every pair of kinds, equal ones too, has two different sites), one
        /// public host that tells each side its external endpoint.
        static func pairLab(_ kinds: [NATKind] = NATKind.allCases, tag: String) async throws -> (NATLab, [(Int, Int)]) {
            let lab = try await NATLab(publicHosts: 1, sites: kinds.flatMap { [$0, $0] }, tag: tag)
            var pairs: [(Int, Int)] = []
            for x in kinds.indices {
                for y in x..<kinds.count { pairs.append((2 * x, 2 * y + 1)) }
            }
            return (lab, pairs)
        }

        /// The kinds × kinds table of which pairs got through.
        static func matrix(_ title: String, _ lab: NATLab, _ kinds: [NATKind], _ pairs: [(Int, Int)], _ cells: [String]) -> String {
            var cell: [String: String] = [:]
            for (n, (i, j)) in pairs.enumerated() {
                cell["\(lab.sites[i].kind)-\(lab.sites[j].kind)"] = cells[n]
                cell["\(lab.sites[j].kind)-\(lab.sites[i].kind)"] = cells[n]
            }
            let width = 19
            var lines = [title, "".padding(toLength: width, withPad: " ", startingAt: 0) + kinds.map { $0.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()]
            for x in kinds {
                lines.append(x.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + kinds.map { y in (cell["\(x)-\(y)"] ?? "").padding(toLength: width, withPad: " ", startingAt: 0) }.joined())
            }
            return lines.joined(separator: "\n")
        }

        @Test("UDP hole punching: both sides send to the endpoint the rendezvous host saw; every pair gets through but symmetric with symmetric or portRestricted")
        func udpHolePunching() async throws {
            let (lab, pairs) = try await Self.pairLab(tag: "punch")
            defer { lab.tearDown() }
            let rendezvous = try lab.udpSocket(in: lab.publicHosts[0].namespace, port: Self.service)
            let server = LabEndpoint(lab.publicHosts[0].address, Self.service)
            // sides[2n] is pair n's first site, sides[2n+1] its second; each pair has ports of its own.
            var sides: [LabUDPSocket] = []
            for (n, (i, j)) in pairs.enumerated() {
                sides.append(try lab.udpSocket(in: lab.sites[i].host, port: 20_000 + UInt16(n)))
                sides.append(try lab.udpSocket(in: lab.sites[j].host, port: 21_000 + UInt16(n)))
            }
            defer {
                rendezvous.close()
                sides.forEach { $0.close() }
            }
            for (s, socket) in sides.enumerated() { try socket.send("register \(s)", to: server) }
            let registrations = try await Self.receive(sides.count, on: rendezvous, timeout: .seconds(3))
            let seen = Dictionary(registrations.map { (Int($0.text.dropFirst(9)) ?? -1, $0.source) }, uniquingKeysWith: { first, _ in first })
            try #require(seen.count == sides.count, "the rendezvous host heard \(seen.count) of \(sides.count) sides")

            // Rounds: each side sends to the other's endpoint as the rendezvous host saw it, and answers every
            // punch where it came from. A side got through when anything from its peer arrived.
            var heard = [Bool](repeating: false, count: sides.count)
            for _ in 0..<6 where heard.contains(false) {
                for s in sides.indices where !heard[s] || !heard[s ^ 1] { try sides[s].send("punch \(s)", to: seen[s ^ 1]!) }
                let arrived = try await Self.collect(sides, after: .milliseconds(100))
                for (s, datagrams) in arrived.enumerated() {
                    for d in datagrams where d.text == "punch \(s ^ 1)" || d.text == "ack \(s ^ 1)" {
                        heard[s] = true
                        if d.text.hasPrefix("punch") { try sides[s].send("ack \(s)", to: d.source) }
                    }
                }
            }
            _ = try await Self.collect(sides, after: .milliseconds(100)).enumerated().map { s, datagrams in
                if datagrams.contains(where: { $0.text == "ack \(s ^ 1)" || $0.text == "punch \(s ^ 1)" }) { heard[s] = true }
            }
            let works = pairs.indices.map { heard[2 * $0] && heard[2 * $0 + 1] }
            print(Self.matrix("UDP hole punching (rows × columns: site kinds; no: a relay is needed):", lab, NATKind.allCases, pairs, works.map { $0 ? "yes" : "no (relay)" }))
            for (n, (i, j)) in pairs.enumerated() {
                let (x, y) = (lab.sites[i].kind, lab.sites[j].kind)
                #expect(works[n] == NATKind.holePunchWorks(x, y), "\(x) with \(y): \(works[n] ? "got through" : "did not") (heard: \(heard[2 * n]), \(heard[2 * n + 1]))")
            }
        }

        @Test("TCP out through every kind: the connection is made, from the router's address, the inside port kept by the cone kinds and another port per destination by symmetric")
        func tcpOutbound() async throws {
            let lab = try await NATLab(publicHosts: 2, sites: NATKind.allCases, tag: "tcp")
            defer { lab.tearDown() }
            let listeners = try lab.publicHosts.map { try lab.tcpSocket(in: $0.namespace, port: 8080) }
            try listeners.forEach { try $0.listen() }
            var table = ["kind               local  seen by A              seen by B"]
            for s in lab.sites {
                let local = 42_000 + UInt16(s.index)
                var seen: [LabEndpoint] = []
                var connections: [LabTCPSocket] = []
                defer { connections.forEach { $0.close() } }
                for (h, host) in lab.publicHosts.enumerated() {
                    let client = try lab.tcpSocket(in: s.host, port: local)
                    let outcome = try await client.connect(to: LabEndpoint(host.address, 8080), timeout: .seconds(5))
                    try #require(outcome == .connected, "\(s.kind): connect to public host \(h): \(outcome)")
                    let accepted = try #require(try await listeners[h].accept(timeout: .seconds(5)), "\(s.kind): public host \(h) accepted nothing")
                    let peer = try #require(accepted.peerEndpoint)
                    try client.send("hello")
                    #expect(try await accepted.receive(timeout: .seconds(5)) == Array("hello".utf8))
                    seen.append(peer)
                    // Both stay open until the site is done: the second connection is made while the first lives.
                    connections += [client, accepted]
                }
                table.append("\(s.kind.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(local)  \(seen[0].description.padding(toLength: 21, withPad: " ", startingAt: 0))  \(seen[1])")
                #expect(seen.allSatisfy { $0.address == s.publicAddress }, "\(s.kind): \(seen)")
                if s.kind.endpointIndependentMapping {
                    #expect(seen.allSatisfy { $0.port == local }, "\(s.kind) did not keep the inside port \(local): \(seen)")
                } else {
                    #expect(seen[0].port != seen[1].port, "\(s.kind) kept one port for two destinations: \(seen)")
                }
            }
            listeners.forEach { $0.close() }
            print("TCP out (one inside port, two destinations):\n" + table.joined(separator: "\n"))
        }

        @Test("TCP hole punching: both sides connect at once from the port the rendezvous host saw, listening on it too; the pairs of UDP hole punching connect, NATs that drop unsolicited SYNs by a true simultaneous open")
        func tcpHolePunching() async throws {
            let (lab, pairs) = try await Self.pairLab(tag: "syn")
            defer { lab.tearDown() }
            let listener = try lab.tcpSocket(in: lab.publicHosts[0].namespace, port: 8080)
            try listener.listen()
            let server = LabEndpoint(lab.publicHosts[0].address, 8080)
            // sides[2n] and sides[2n+1]: pair n's sites and ports. Each connects to the rendezvous host from its
            // port and keeps that connection, which tells it its external endpoint; every socket of the port has
            // SO_REUSEPORT.
            let sides = pairs.enumerated().flatMap { n, pair in [(site: pair.0, port: 22_000 + UInt16(n)), (site: pair.1, port: 23_000 + UInt16(n))] }
            @Sendable func socket(_ s: Int) throws -> LabTCPSocket { try lab.tcpSocket(in: lab.sites[sides[s].site].host, port: sides[s].port, reusePort: true) }
            var kept: [LabTCPSocket] = [listener]
            defer { kept.forEach { $0.close() } }
            var seen: [LabEndpoint] = []
            for s in sides.indices {
                let c = try socket(s)
                kept.append(c)
                let outcome = try await c.connect(to: server, timeout: .seconds(5))
                try #require(outcome == .connected, "\(lab.sites[sides[s].site].kind) to the rendezvous host: \(outcome)")
                let accepted = try #require(try await listener.accept(timeout: .seconds(5)))
                kept.append(accepted)
                seen.append(try #require(accepted.peerEndpoint))
            }

            // Each side listens on its port, then all connect at once (the sockets made first) to the other's
            // endpoint; a connect that is reset is made again (at most 10 times). Until every side has a
            // connection, through its connect or its listener, or 4 s have passed. The rounds run on a thread of
            // their own, 20 ms apart whatever the cooperative pool does.
            let seenEndpoints = seen
            let (listeners, connection, attempts, acceptedByListeners) = try await offCooperativePool {
                () throws -> ([LabTCPSocket], [(socket: LabTCPSocket, accepted: Bool)?], [Int], [LabTCPSocket]) in
                let seen = seenEndpoints
                let listeners = try sides.indices.map { s in
                    let l = try socket(s)
                    try l.listen()
                    return l
                }
                var acceptedByListeners: [LabTCPSocket] = []
                var connectors: [LabTCPSocket?] = try sides.indices.map { try socket($0) }
                defer { connectors.forEach { $0?.close() } }
                var attempts = [Int](repeating: 1, count: sides.count)
                var connection: [(socket: LabTCPSocket, accepted: Bool)?] = Array(repeating: nil, count: sides.count)
                for s in sides.indices where (try? connectors[s]!.startConnect(to: seen[s ^ 1])) == nil {
                    connectors[s]!.close()
                    connectors[s] = nil
                }
                let deadline = ContinuousClock.now + .seconds(4)
                while connection.contains(where: { $0 == nil }) && ContinuousClock.now < deadline {
                    Thread.sleep(forTimeInterval: 0.02)
                    for s in sides.indices where connection[s] == nil {
                        if let c = connectors[s] {
                            switch c.finishConnect(until: .now) {
                            case .connected:
                                connection[s] = (c, false)
                                connectors[s] = nil
                                continue
                            case .timedOut: break
                            case .refused, .failed:
                                c.close()
                                connectors[s] = nil
                                if attempts[s] < 10 {
                                    attempts[s] += 1
                                    let again = try socket(s)
                                    // EADDRNOTAVAIL when the listener has taken the connection meanwhile.
                                    if (try? again.startConnect(to: seen[s ^ 1])) != nil { connectors[s] = again } else { again.close() }
                                }
                            }
                        }
                        if let a = try listeners[s].accept(timeout: .zero) {
                            acceptedByListeners.append(a)
                            connection[s] = (a, true)
                        }
                    }
                }
                return (listeners, connection, attempts, acceptedByListeners)
            }
            kept += listeners + acceptedByListeners
            // A pair connected when a message goes from its first side to its second and an answer back.
            var works: [Bool] = [], cells: [String] = []
            for n in pairs.indices {
                var ok = false
                if let a = connection[2 * n], let b = connection[2 * n + 1] {
                    try a.socket.send("pair \(n)")
                    if try await b.socket.receive(timeout: .seconds(2)) == Array("pair \(n)".utf8) {
                        try b.socket.send("answer \(n)")
                        ok = try await a.socket.receive(timeout: .seconds(2)) == Array("answer \(n)".utf8)
                    }
                }
                let simultaneous = ok && connection[2 * n]?.accepted == false && connection[2 * n + 1]?.accepted == false
                works.append(ok)
                cells.append(!ok ? "no (relay)" : simultaneous ? "yes (simultaneous)" : "yes (listener)")
                let (x, y) = (lab.sites[pairs[n].0].kind, lab.sites[pairs[n].1].kind)
                #expect(ok == NATKind.holePunchWorks(x, y), "\(x) with \(y): \(ok ? "connected" : "did not connect") (attempts \(attempts[2 * n]), \(attempts[2 * n + 1]))")
                // Where unsolicited SYNs are dropped, the first SYN vanishes and the second meets a connecting socket.
                let dropping: Set<NATKind> = [.addressRestricted, .portRestricted]
                if dropping.contains(x) && dropping.contains(y) { #expect(simultaneous, "\(x) with \(y): not a simultaneous open") }
            }
            print(Self.matrix("TCP hole punching (rows × columns: site kinds; simultaneous: both connects met, listener: a SYN met the listener):", lab, NATKind.allCases, pairs, cells))
        }

        /// The names `ip netns list` shows.
        static func namespaceNames() async throws -> Set<String> {
            let r = try await LabCommand.check(NATLab.ip, ["netns", "list"])
            return Set(r.stdout.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") })
        }

        /// Waits at most 5 s for `process` to end; whether it did.
        static func ends(_ process: Process) async -> Bool {
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(10)) }
            return !process.isRunning
        }

        @Test("Clean-up: a new lab removes the namespaces of a crashed run (and what still runs in them); tear-down kills what runs in the lab's namespaces and deletes them all")
        func cleanUp() async throws {
            // A crashed run: a namespace named after a process that is gone, a process still in it.
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            let stale = NATLab.family + "\(gone.processIdentifier)-crashed0-hub"
            try await LabCommand.check(NATLab.ip, ["netns", "add", stale])
            let straggler = Process()
            straggler.executableURL = URL(fileURLWithPath: NATLab.ip)
            straggler.arguments = ["netns", "exec", stale, "/bin/sleep", "30"]
            try straggler.run()
            defer { if straggler.isRunning { kill(straggler.processIdentifier, SIGKILL) } }
            #expect(NATLab.leftovers().contains(stale))

            let lab = try await NATLab(publicHosts: 1, sites: [.portRestricted, .none], tag: "clean")
            var tornDown = false
            defer { if !tornDown { lab.tearDown() } }
            #expect(try await !Self.namespaceNames().contains(stale))
            #expect(await Self.ends(straggler), "the process left in \(stale) still runs")
            #expect(try await Self.namespaceNames().isSuperset(of: lab.namespaces))

            // Commands inside: the site host's address, its route through the router.
            let site = lab.sites[0]
            let addresses = try await lab.run(in: site.host, NATLab.ip, ["-4", "-o", "addr", "show", "dev", "eth0"])
            #expect(addresses.stdout.contains(site.hostAddress + "/24"), "\(addresses.stdout)")
            let route = try await lab.run(in: site.host, NATLab.ip, ["route", "get", lab.publicHosts[0].address])
            #expect(route.stdout.contains("via 192.168.1.1"), "\(route.stdout)")
            // The router forwards, and keeps UDP mappings 60 s unanswered, 120 s answered.
            let router = try #require(site.router)
            for (key, value) in [("net/ipv4/ip_forward", "1"), ("net/netfilter/nf_conntrack_udp_timeout", "60"), ("net/netfilter/nf_conntrack_udp_timeout_stream", "120")] {
                let r = try await lab.run(in: router, "/bin/cat", ["/proc/sys/" + key])
                #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == value, "\(key): \(r.stdout) \(r.stderr)")
            }
            #expect(lab.sites[1].router == nil && lab.sites[1].hostAddress == lab.sites[1].publicAddress)
            let (executable, arguments) = lab.command(in: site.host, URL(fileURLWithPath: "/bin/sleep"), ["30"])
            let direct = Process()
            direct.executableURL = executable
            direct.arguments = arguments
            try direct.run()
            defer { if direct.isRunning { kill(direct.processIdentifier, SIGKILL) } }
            let log = FileManager.default.temporaryDirectory.path + "/natlab-clean-\(getpid()).log"
            defer { try? FileManager.default.removeItem(atPath: log) }
            let launched = try lab.launch(in: lab.publicHosts[0].namespace, "/bin/sleep", ["30"], log: log)
            defer { if launched.isRunning { kill(launched.processIdentifier, SIGKILL) } }
            try await Task.sleep(for: .milliseconds(100))
            #expect(direct.isRunning && launched.isRunning)

            lab.tearDown()
            tornDown = true
            let directEnded = await Self.ends(direct)
            let launchedEnded = await directEnded ? Self.ends(launched) : false
            #expect(directEnded && launchedEnded, "processes in the lab's namespaces outlived it")
            #expect(try await Self.namespaceNames().isDisjoint(with: lab.namespaces))
        }
    }
#endif
