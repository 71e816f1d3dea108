#if os(Linux)
    import Foundation
    import NetworkLab
    import PNRPNetwork
    import Testing

    /// PNRP names published behind real NATs: `pnrp node --nat-traversal` daemons on the public hosts of a
    /// `NATLab` and on hosts behind nftables routers of every kind (`docs/deviations.md`, X1–X5). Each node finds
    /// out whether strangers reach it; behind a NAT it asks a public node to relay for it and publishes the relay
    /// endpoint. Every name then resolves from behind every kind of NAT and from a public host; a relay that dies
    /// is replaced; relays that are full send their askers elsewhere.
    ///
    /// Each test takes 30-40 s on its own. The time limit is larger: run with every other suite, a test has
    /// waited more than a minute for a thread before its first line ran.
    @Suite(
        "PNRP names behind real NATs (network namespaces)", .serialized,
        .enabled(if: NATLab.available, "needs root, ip (iproute2) and nft (nftables; scripts/setup.sh installs it)"),
        .timeLimit(.minutes(5))
    )
    struct NATTraversalNamespaceTests {
        static let kinds: [NATKind] = [.fullCone, .addressRestricted, .portRestricted, .symmetric]

        /// Polls `pnrp clouds --json` on every node, about once a second, until `done` holds for the statuses of
        /// all of them or `seconds` have passed; returns the last statuses (by label) and whether `done` held.
        static func waitForStatuses(
            _ cloud: NATCloud, nodes: [NATCloud.Node]? = nil, seconds: Double, _ done: ([String: CloudStatus]) -> Bool
        ) async throws -> (statuses: [String: CloudStatus], done: Bool) {
            let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            var statuses: [String: CloudStatus] = [:]
            for _ in 0..<Int(seconds * 2) + 1 {
                let round = ContinuousClock.now
                statuses = [:]
                for node in nodes ?? cloud.nodes {
                    if let s = await cloud.globalCloud(node) { statuses[node.label] = s }
                }
                if done(statuses) { return (statuses, true) }
                if ContinuousClock.now >= end { break }
                try await Task.sleep(until: round + .seconds(1))
            }
            return (statuses, false)
        }

        /// Whether a node has settled: it knows whether strangers reach it and, behind a NAT, publishes a relay
        /// endpoint.
        static func settled(_ s: CloudStatus?) -> Bool {
            guard let s, let reachability = s.reachability, reachability != "reachability unknown" else { return false }
            return reachability.hasPrefix("behind a NAT") ? s.publishedEndpoint != nil : true
        }

        /// Whether the whole cloud has settled: every node has, and each public node relays for as many nodes as
        /// publish one of its relay endpoints (the statuses are read one node after the other).
        static func settled(_ cloud: NATCloud, _ statuses: [String: CloudStatus]) -> Bool {
            guard cloud.nodes.allSatisfy({ settled(statuses[$0.label]) }) else { return false }
            return cloud.publicNodes.allSatisfy { relay in
                let published = cloud.siteNodes.filter { n in statuses[n.label]?.publishedEndpoint.flatMap(cloud.publicNode(at:))?.label == relay.label }
                return statuses[relay.label]?.relayedNodes == published.count
            }
        }

        /// One line per node: its endpoint, what it found out, what it publishes and how many it relays for.
        static func reachabilityTable(_ cloud: NATCloud, _ statuses: [String: CloudStatus], nodes: [NATCloud.Node]? = nil) -> String {
            func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: max(n, s.count + 1), withPad: " ", startingAt: 0) }
            var lines = [pad("node", 20) + pad("endpoint", 20) + pad("reachability", 62) + pad("published at", 22) + "relaying for"]
            for node in nodes ?? cloud.nodes {
                let s = statuses[node.label]
                lines.append(
                    pad(node.label, 20) + pad(node.endpoint, 20) + pad(s?.reachability ?? "(no answer)", 62) + pad(s?.publishedEndpoint ?? "-", 22)
                        + "\(s?.relayedNodes ?? 0)")
            }
            return lines.joined(separator: "\n")
        }

        /// Logs of the nodes, for a failure message.
        static func logs(_ cloud: NATCloud, _ nodes: [NATCloud.Node]) -> String {
            nodes.map { "--- \($0.label)\n\(cloud.log($0, limit: 3000))" }.joined(separator: "\n")
        }

        /// What a resolution found and how: the cell of the kind × kind table.
        struct Outcome {
            var record: ResolvedRecord?
            var mode: String
            var attempts: Int
            var failure: String?
            var cell: String {
                guard let record else { return "FAILED" }
                return "\(mode) \(String(format: "%.0f", record.milliseconds)) ms" + (attempts > 1 ? " (try \(attempts))" : "")
            }
        }

        /// Resolves `target`'s name from `resolver` (at most `attempts` tries of `timeout` seconds, a second apart)
        /// and says whether the endpoint found is the target's own or its mapping ("direct") or a relay endpoint
        /// ("relayed").
        static func resolve(_ cloud: NATCloud, _ target: NATCloud.Node, from resolver: NATCloud.Node, attempts: Int = 4, timeout: Double = 5) async -> Outcome {
            var failure = ""
            for attempt in 1...attempts {
                if attempt > 1 { try? await Task.sleep(for: .seconds(1)) }
                switch await cloud.resolve(target.name, from: resolver, timeout: timeout) {
                case .success(let record):
                    let found = record.nodeEndpoints.first ?? ""
                    let mode =
                        found == target.endpoint || found == target.mappedEndpoint ? "direct" : cloud.isRelayEndpoint(found) ? "relayed" : "at \(found)?"
                    return Outcome(record: record, mode: mode, attempts: attempt, failure: nil)
                case .failure(let error):
                    failure += "try \(attempt): \(error); "
                }
            }
            return Outcome(record: nil, mode: "", attempts: attempts, failure: failure)
        }

        /// Rows × columns: resolver's kind × publisher's kind.
        static func matrix(_ title: String, _ kinds: [NATKind], _ cells: [String: String]) -> String {
            let width = 26
            func pad(_ s: String) -> String { s.padding(toLength: max(width, s.count + 1), withPad: " ", startingAt: 0) }
            func name(_ k: NATKind) -> String { k == .none ? "public" : k.rawValue }
            var lines = [title, pad("resolver \\ publisher") + kinds.map { pad(name($0)) }.joined()]
            for x in kinds { lines.append(pad(name(x)) + kinds.map { y in pad(cells["\(x)-\(y)"] ?? "") }.joined()) }
            return lines.joined(separator: "\n")
        }

        @Test(
            "3 public hosts and 2 sites of each NAT kind: each node finds what it is behind, names behind every kind resolve from behind every kind and from a public host; a relay killed is replaced"
        )
        func namesBehindEveryKind() async throws {
            let phases = Phases()
            let cloud = try await NATCloud(publicHosts: 3, sites: Self.kinds.flatMap { [$0, $0] }, tag: "natpnrp")
            defer { cloud.cleanup() }
            for node in cloud.nodes { try await cloud.register(node) }
            phases.mark("daemons ready, names registered")

            // Every node reports its reachability, and every node behind a NAT publishes a relay endpoint.
            let (statuses, settled) = try await Self.waitForStatuses(cloud, seconds: 90) { Self.settled(cloud, $0) }
            phases.mark("settled")
            print("NAT traversal, nodes after \(phases.report):\n" + Self.reachabilityTable(cloud, statuses))
            try #require(settled, "not every node settled within 90 s:\n\(Self.reachabilityTable(cloud, statuses))\n\(Self.logs(cloud, cloud.nodes))")

            var relayedBy: [String: Int] = [:]
            for node in cloud.nodes {
                let s = try #require(statuses[node.label])
                let reachability = s.reachability ?? ""
                switch node.kind {
                case .none:
                    #expect(reachability == "reachable at \(node.endpoint)" && s.publishedEndpoint == nil, "\(node.label): \(reachability)")
                case .fullCone, .addressRestricted:
                    // X2: behind a NAT (peers see the router's address), only a probe from an address the node never
                    // sent to proves that strangers get in. One from an address it sent to passes an
                    // address-restricted NAT as well as a full cone, so it proves nothing there. In a cloud this small
                    // a node has sent to nearly every address a probe can come from: a full cone is judged reachable
                    // (at its mapping, which it publishes) only when a stranger's probe came, else it is relayed like
                    // an address-restricted NAT, whose filter no stranger's probe passes. And in a node's first two
                    // minutes no probe counts behind a NAT (the filter may be an earlier process's), so a full cone
                    // is relayed at first whatever came.
                    let direct = reachability == "reachable at \(node.mappedEndpoint)" && s.publishedEndpoint == node.mappedEndpoint
                    let relayed = reachability == "behind a NAT (seen at \(node.mappedEndpoint))" && s.publishedEndpoint.map(cloud.isRelayEndpoint) == true
                    if node.kind == .fullCone {
                        #expect(direct || relayed, "\(node.label): \(reachability), published at \(s.publishedEndpoint ?? "its own endpoint")")
                    } else {
                        #expect(relayed, "\(node.label): \(reachability), published at \(s.publishedEndpoint ?? "its own endpoint")")
                    }
                    print("\(node.label): \(direct ? "reachable at its mapping (a probe from an address it never sent to came in)" : "behind a NAT, relayed (no probe from an address it never sent to counted)")")
                case .portRestricted:
                    #expect(reachability == "behind a NAT (seen at \(node.mappedEndpoint))", "\(node.label): \(reachability)")
                case .symmetric:
                    #expect(reachability == "behind a NAT that maps each destination to another port", "\(node.label): \(reachability)")
                }
                if reachability.hasPrefix("behind a NAT") {
                    let published = try #require(s.publishedEndpoint)
                    #expect(cloud.isRelayEndpoint(published), "\(node.label) publishes \(published), not a relay endpoint of a public host")
                    if let relay = cloud.publicNode(at: published) { relayedBy[relay.label, default: 0] += 1 }
                }
            }
            for relay in cloud.publicNodes {
                #expect(statuses[relay.label]?.relayedNodes == relayedBy[relay.label, default: 0], "\(relay.label) relays for \(statuses[relay.label]?.relayedNodes ?? -1), published by \(relayedBy[relay.label, default: 0])")
            }

            // Every ordered pair of kinds: the second site of the publisher's kind resolved from the first site of the
            // resolver's kind (two sites of one kind for equal kinds); public1 resolves, public2 publishes.
            let all: [NATKind] = [.none] + Self.kinds
            func resolver(_ k: NATKind) -> NATCloud.Node { k == .none ? cloud.publicNodes[1] : cloud.siteNodes.filter { $0.kind == k }[0] }
            func publisher(_ k: NATKind) -> NATCloud.Node { k == .none ? cloud.publicNodes[2] : cloud.siteNodes.filter { $0.kind == k }[1] }
            var cells: [String: String] = [:]
            var latencies: [Double] = []
            for x in all {
                for y in all {
                    let (from, target) = (resolver(x), publisher(y))
                    let outcome = await Self.resolve(cloud, target, from: from)
                    cells["\(x)-\(y)"] = outcome.cell
                    if let record = outcome.record {
                        latencies.append(record.milliseconds)
                        #expect(outcome.mode == "direct" || outcome.mode == "relayed", "\(from.label) found \(target.name) \(outcome.mode)")
                        #expect(record.nodeEndpoints.first == (statuses[target.label]?.publishedEndpoint ?? target.endpoint), "\(from.label) found \(target.name) at \(record.nodeEndpoints), published at \(statuses[target.label]?.publishedEndpoint ?? target.endpoint)")
                    } else {
                        let cache = await cloud.cache(from)
                        Issue.record("\(from.label) cannot resolve \(target.name) (published at \(statuses[target.label]?.publishedEndpoint ?? target.endpoint)): \(outcome.failure ?? "")\n\(from.label)'s cache:\n\(cache)\n\(Self.logs(cloud, [from, target]))")
                    }
                }
            }
            phases.mark("resolved kind × kind")
            print(Self.matrix("Resolving a name published behind a NAT (rows: resolver's NAT, columns: publisher's; direct: its own endpoint or mapping, relayed: a relay endpoint; latency inside the resolving daemon; (try n): the tries it took, a second apart):", all, cells))
            if !latencies.isEmpty { print("resolve latency: median \(String(format: "%.1f", latencies.sorted()[latencies.count / 2])) ms, max \(String(format: "%.1f", latencies.max()!)) ms") }

            // A relay that dies: SIGKILL the public node that relays for a NATed node (one that is not the seed when
            // there is a choice); every node it relayed for publishes another relay endpoint within 60 s, and its
            // name resolves again from every other node.
            let relayed = cloud.siteNodes.filter { statuses[$0.label]?.publishedEndpoint.map(cloud.isRelayEndpoint) == true }
            let chosen = try #require(
                relayed.first { cloud.publicNode(at: statuses[$0.label]!.publishedEndpoint!)?.label != cloud.publicNodes[0].label } ?? relayed.first,
                "no node is relayed")
            let relay = try #require(cloud.publicNode(at: statuses[chosen.label]!.publishedEndpoint!))
            let orphans = relayed.filter { cloud.publicNode(at: statuses[$0.label]!.publishedEndpoint!)?.label == relay.label }
            try await cloud.kill9(relay)
            phases.mark("\(relay.label) killed")
            let (after, moved) = try await Self.waitForStatuses(cloud, nodes: orphans, seconds: 60) { s in
                orphans.allSatisfy { o in
                    guard let p = s[o.label]?.publishedEndpoint else { return false }
                    return cloud.isRelayEndpoint(p) && cloud.publicNode(at: p)?.label != relay.label
                }
            }
            phases.mark("\(orphans.map(\.label).joined(separator: ", ")) relayed elsewhere")
            print("after \(relay.label) was killed, the nodes it relayed for:\n" + Self.reachabilityTable(cloud, after, nodes: orphans))
            for orphan in orphans { #expect((after[orphan.label]?.relaysLost ?? 0) >= 1, "\(orphan.label) counts no relay lost") }
            try #require(moved, "within 60 s of \(relay.label)'s death, not all of \(orphans.map(\.label)) publish another relay endpoint\n\(Self.logs(cloud, orphans))")
            var recovery: [String] = []
            for orphan in orphans {
                for other in cloud.nodes where other.label != orphan.label && other.label != relay.label {
                    let outcome = await Self.resolve(cloud, orphan, from: other, attempts: 6, timeout: 5)
                    if let record = outcome.record {
                        #expect(record.nodeEndpoints.first == after[orphan.label]?.publishedEndpoint, "\(other.label) found \(orphan.name) at \(record.nodeEndpoints)")
                        recovery.append("\(other.label): \(outcome.cell)")
                    } else {
                        Issue.record("after \(relay.label)'s death \(other.label) cannot resolve \(orphan.name): \(outcome.failure ?? "")\n\(Self.logs(cloud, [other, orphan]))")
                    }
                }
                print("\(orphan.name), now published at \(after[orphan.label]?.publishedEndpoint ?? "?"), resolved from: " + recovery.joined(separator: ", "))
                recovery = []
                #expect(cloud.stateProblems(orphan).isEmpty, "\(orphan.label)'s state directory: \(cloud.stateProblems(orphan))")
            }
            #expect(cloud.stateProblems(relay).isEmpty, "the killed \(relay.label)'s state directory: \(cloud.stateProblems(relay))")
            phases.mark("resolved again")
            Self.expectSocketsStayedOpen(cloud)
            print("phases (s): \(phases.report)")
        }

        @Test(
            "Relays with one slot each, two of them taken: of three nodes behind NATs one gets the free slot, the others are told the relays are full and find the slots freed later; every node ends up relayed, no relay takes two"
        )
        func fullRelaysSendAskersElsewhere() async throws {
            let phases = Phases()
            let cloud = try await NATCloud(
                publicHosts: 3, sites: [.portRestricted, .symmetric, .portRestricted], tag: "natslots", publicExtra: ["--relay-slots", "1"],
                startingSites: false)
            defer { cloud.cleanup() }
            for node in cloud.nodes { try await cloud.register(node) }
            let (early, reachable) = try await Self.waitForStatuses(cloud, seconds: 30) { s in
                cloud.publicNodes.allSatisfy { s[$0.label]?.reachability == "reachable at \($0.endpoint)" }
            }
            try #require(reachable, "the public nodes did not all find themselves reachable:\n\(Self.reachabilityTable(cloud, early))")
            phases.mark("public nodes reachable")

            // A stand-in for a node behind a NAT takes the only slot of public1 and public2.
            let holder = try NATCloud.SlotHolder(in: cloud.publicNodes[0].namespace)
            defer { holder.close() }
            let held = Array(cloud.publicNodes.dropFirst())
            for relay in held {
                let answer = try await holder.request(LabEndpoint(relay.address, UInt16(NATCloud.port)))
                try #require(answer.status == .accepted, "\(relay.label) answered \(answer.status) to the stand-in")
            }
            try await cloud.startSites()
            for node in cloud.siteNodes { try await cloud.register(node) }
            phases.mark("slots of public1 and public2 taken, sites started")

            // One free slot for three nodes: one of them takes it, the others are told "full" (by public0 once it is
            // taken, or by public1 and public2).
            let (crowded, refused) = try await Self.waitForStatuses(cloud, seconds: 40) { s in
                let refusals = cloud.publicNodes.reduce(0) { $0 + (s[$1.label]?.relayRefusals ?? 0) }
                let relayed = cloud.siteNodes.filter { s[$0.label]?.publishedEndpoint.map(cloud.isRelayEndpoint) == true }
                return refusals >= 2 && relayed.count == 1
            }
            phases.mark("one relayed, others refused")
            print("one free relay slot, nodes after \(phases.report):\n" + Self.reachabilityTable(cloud, crowded))
            print("RELAY_REQUESTs answered \"full\": " + cloud.publicNodes.map { "\($0.label) \(crowded[$0.label]?.relayRefusals ?? 0)" }.joined(separator: ", "))
            try #require(refused, "not one node relayed and two refused within 40 s:\n\(Self.reachabilityTable(cloud, crowded))\n\(Self.logs(cloud, cloud.nodes))")
            let first = try #require(cloud.siteNodes.first { crowded[$0.label]?.publishedEndpoint.map(cloud.isRelayEndpoint) == true })
            #expect(crowded[first.label]?.publishedEndpoint.flatMap(cloud.publicNode(at:))?.label == cloud.publicNodes[0].label)
            let refusedNodes = cloud.siteNodes.filter { $0.label != first.label }

            // The stand-in gives its slots back: the refused nodes find them.
            for relay in held {
                let answer = try await holder.request(LabEndpoint(relay.address, UInt16(NATCloud.port)), release: true)
                #expect(answer.status == .released, "\(relay.label) answered \(answer.status) to the release")
            }
            phases.mark("slots given back")
            let (statuses, settled) = try await Self.waitForStatuses(cloud, seconds: 75) { Self.settled(cloud, $0) }
            phases.mark("settled")
            print("relays with one slot, nodes after \(phases.report):\n" + Self.reachabilityTable(cloud, statuses))
            try #require(settled, "not every node settled within 75 s of the slots' release:\n\(Self.reachabilityTable(cloud, statuses))\n\(Self.logs(cloud, cloud.nodes))")
            var relays: [String] = []
            for node in cloud.siteNodes {
                let published = statuses[node.label]?.publishedEndpoint ?? ""
                #expect(statuses[node.label]?.reachability?.hasPrefix("behind a NAT") == true, "\(node.label): \(statuses[node.label]?.reachability ?? "?")")
                #expect(cloud.isRelayEndpoint(published), "\(node.label) publishes \(published)")
                if let relay = cloud.publicNode(at: published) { relays.append(relay.label) }
            }
            #expect(Set(relays).count == relays.count, "two nodes share a relay with one slot: \(relays)")
            for relay in cloud.publicNodes {
                #expect((statuses[relay.label]?.relayedNodes ?? 0) <= 1, "\(relay.label) relays for \(statuses[relay.label]?.relayedNodes ?? 0)")
            }
            for node in refusedNodes {
                let relay = statuses[node.label]?.publishedEndpoint.flatMap(cloud.publicNode(at:))?.label
                #expect(relay != nil && relay != cloud.publicNodes[0].label, "\(node.label), refused, is relayed by \(relay ?? "nobody")")
            }
            for node in cloud.siteNodes {
                let outcome = await Self.resolve(cloud, node, from: cloud.publicNodes[1])
                #expect(outcome.record != nil, "public1 cannot resolve \(node.name): \(outcome.failure ?? "")")
                print("\(node.name) from public1: \(outcome.cell)")
            }
            phases.mark("resolved")
            print("phases (s): \(phases.report)")
            Self.expectSocketsStayedOpen(cloud)
        }

        @Test(
            "A node behind an address-restricted NAT restarted on its port: the NAT still admits every peer of the process before, strangers to the new one, and their probes do not make the new one take itself for reachable"
        )
        func restartBehindAddressRestrictedNAT() async throws {
            let phases = Phases()
            let cloud = try await NATCloud(publicHosts: Self.restartCloudSize, sites: [.addressRestricted], tag: "natrestart")
            defer { cloud.cleanup() }
            for node in cloud.nodes { try await cloud.register(node) }
            let site = cloud.siteNodes[0]
            let behind = "behind a NAT (seen at \(site.mappedEndpoint))"
            // The site's node has a relay (the public hosts' own verdicts do not matter here).
            let (before, settled) = try await Self.waitForStatuses(cloud, nodes: [site], seconds: 90) { Self.settled($0[site.label]) }
            try #require(settled, "the site's node did not settle within 90 s:\n\(Self.reachabilityTable(cloud, before, nodes: [site]))\n\(Self.logs(cloud, [site]))")
            #expect(before[site.label]?.reachability == behind)
            // The node writes to every public host (a resolution ends with an INQUIRE to the publisher): its NAT
            // now admits all of them, until two minutes after the last datagram out.
            for publisher in cloud.publicNodes {
                let outcome = await Self.resolve(cloud, publisher, from: site)
                #expect(outcome.record != nil, "\(site.label) cannot resolve \(publisher.name): \(outcome.failure ?? "")")
            }
            phases.mark("settled, every public host contacted")

            // Started again without its cache, as an embedded node starts: it knows only its seed, and in its first
            // seconds most public hosts are strangers to it, though not to its NAT.
            let again = try await cloud.restart(site, forgettingCache: true)
            phases.mark("restarted")
            let (after, decided) = try await Self.waitForStatuses(cloud, nodes: [again], seconds: 45) { Self.settled($0[again.label]) }
            phases.mark("first verdict")
            print("restarted behind an address-restricted NAT, after \(phases.report):\n" + Self.reachabilityTable(cloud, after, nodes: [again]))
            try #require(decided, "the restarted node did not settle within 45 s:\n\(Self.logs(cloud, [again]))")
            #expect(after[again.label]?.reachability == behind, "the restarted node: \(after[again.label]?.reachability ?? "?")")
            #expect(after[again.label]?.publishedEndpoint.map(cloud.isRelayEndpoint) == true, "it publishes \(after[again.label]?.publishedEndpoint ?? "its own endpoint")")
            Self.expectSocketsStayedOpen(cloud)
        }

        /// Public hosts of the restart test: enough that a node that has just started has not yet written to most.
        static let restartCloudSize = 16

        /// No daemon's socket closed under it (a send the system refuses, to an address without a route, used to
        /// close it).
        static func expectSocketsStayedOpen(_ cloud: NATCloud) {
            for node in cloud.nodes where cloud.log(node).contains("closed unexpectedly") {
                Issue.record("a socket of \(node.label) closed: \(cloud.log(node, limit: 2000))")
            }
        }
    }
#endif
