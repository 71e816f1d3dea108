import Foundation
import PNRP
import PNRPNetwork
import Testing

/// The stream relay end to end through real hosts on loopback (`docs/deviations.md`, item X6): a node behind
/// a NAT — on loopback every node reaches every other, so the host is told to believe it is, with the
/// testing-only `NodeConfiguration.assumeBehindNATForTesting` — is relayed by a reachable host, asks it for a
/// stream relay allocation over UDP through the PNRP core, and two TCP connections that present the token are
/// spliced by that host's stream relay.
@Suite("Stream relay through PNRPHost", .serialized, .timeLimit(.minutes(3)))
struct StreamRelayHostTests {
    static let relayAddress = "127.0.0.71", relayPort: UInt16 = 43_571

    static func configuration(_ address: String, port: UInt16, seeds: [String], relaySlots: Int, behindNAT: Bool = false) throws -> HostConfiguration {
        var c = try TestHosts.configuration(address: address, port: port, seeds: seeds)
        c.natTraversal = true
        c.relaySlots = relaySlots
        c.node.assumeBehindNATForTesting = behindNAT
        // On a loaded machine a dial-back probe can come later than the check waits for; the node then takes
        // itself for one behind a NAT until its next check. Checking again within seconds rather than 10 minutes
        // lets such a node find itself reachable within the waits below.
        c.node.reachabilityInterval = .seconds(10)
        return c
    }

    /// Starts a host that registers one name (a node's route entry reaches other caches only with one).
    static func start(_ configuration: HostConfiguration) async throws -> PNRPHost {
        let host = try await PNRPHost.start(configuration, logger: TestHosts.logger)
        _ = try await host.register(try host.identity.securedName("node"))
        return host
    }

    static func global(_ host: PNRPHost) async throws -> CloudStatus? {
        try await host.clouds().first { $0.name == CloudScope.global.description }
    }

    @Test("a relayed host gets an allocation from its relay over UDP, and the relay splices two TCP connections that present it; reachable and plain hosts are told why they get none")
    func allocateThroughTheRelay() async throws {
        let seed = "\(Self.relayAddress):\(Self.relayPort)"
        // The relay (stream relay on its UDP port number, the default) and two more reachable nodes, which relay
        // for nobody: it takes three for a reachability check (two to ask, a third to send the probe).
        let relay = try await Self.start(try Self.configuration(Self.relayAddress, port: Self.relayPort, seeds: [], relaySlots: 2))
        var hosts = [relay]
        defer { Task { [hosts] in for h in hosts { await h.shutdown() } } }
        for (i, address) in ["127.0.0.72", "127.0.0.73"].enumerated() {
            hosts.append(try await Self.start(try Self.configuration(address, port: 43_572 + UInt16(i), seeds: [seed], relaySlots: 0)))
        }
        let streamRelay = try #require(relay.streamRelay)
        #expect(streamRelay.endpoint == IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 71), port: Self.relayPort))
        #expect(hosts[1].streamRelay == nil)  // no relay slots, no stream relay
        let reachable = await eventually(60) { (try? await Self.global(relay))?.reachability?.hasPrefix("reachable") ?? false }
        let relayState = try await Self.global(relay)
        try #require(reachable, "the relay never found itself reachable: \(String(describing: relayState))")

        let user = try await Self.start(try Self.configuration("127.0.0.74", port: 43_574, seeds: [seed], relaySlots: 0, behindNAT: true))
        hosts.append(user)
        // Before its first reachability check ends, the node cannot know whether it needs a relay.
        await #expect(throws: HostError.streamRelay(.reachabilityUnknown)) { try await user.allocateStreamRelay() }
        let relayed = await eventually(45) { (try? await Self.global(user))?.publishedEndpoint != nil }
        let userState = try await Self.global(user)
        try #require(relayed, "the node behind a (pretended) NAT was never relayed: \(String(describing: userState))")

        let allocation = try await user.allocateStreamRelay()
        #expect(allocation.relayEndpoint == streamRelay.endpoint && allocation.token.count == 16)
        let lifetime = allocation.expires - HostClock.now()
        #expect(lifetime > .minutes(9) && lifetime <= .minutes(10))
        let second = try await user.allocateStreamRelay()
        #expect(second.token != allocation.token)

        // The User waits with the token, the Helper joins with it.
        let waiter = try BlockingTCP(allocation.relayEndpoint)
        try await waiter.send(try StreamRelayHello(role: .wait, token: allocation.token).encoded())
        #expect(try await waiter.receive(exactly: 1) == [StreamRelayReply.waiting.rawValue])
        let joiner = try BlockingTCP(allocation.relayEndpoint)
        try await joiner.send(try StreamRelayHello(role: .join, token: allocation.token).encoded() + Array("sealed hello".utf8))
        #expect(try await joiner.receive(exactly: 1) == [StreamRelayReply.ok.rawValue])
        #expect(try await waiter.receive(exactly: 1 + 12) == [StreamRelayReply.ok.rawValue] + Array("sealed hello".utf8))
        try await waiter.send(Array("sealed answer".utf8))
        #expect(try await joiner.receive(exactly: 13) == Array("sealed answer".utf8))
        let counters = try #require(try await relay.counters().streamRelay)
        #expect(counters.pairsSpliced == 1 && counters.activePairs == 1 && counters.bytesRelayed == 25 && counters.liveTokens == 1)
        waiter.close()
        joiner.close()

        // The token is used up; a made-up one was never granted.
        let used = try BlockingTCP(allocation.relayEndpoint)
        try await used.send(try StreamRelayHello(role: .wait, token: allocation.token).encoded())
        let usedReply = try await used.receive(maximum: 1)
        #expect(usedReply == [StreamRelayReply.busy.rawValue] || usedReply == [StreamRelayReply.unknownToken.rawValue])

        // Reachable hosts have nobody to ask and no need to; a host without NAT traversal has no relay.
        await #expect(throws: HostError.streamRelay(.notBehindNAT)) { try await relay.allocateStreamRelay() }
        var plainConfiguration = try TestHosts.configuration(address: "127.0.0.75", port: 43_575, seeds: [seed])
        plainConfiguration.natTraversal = false
        let plain = try await PNRPHost.start(plainConfiguration, logger: TestHosts.logger)
        hosts.append(plain)
        #expect(plain.streamRelay == nil)
        await #expect(throws: HostError.streamRelay(.natTraversalOff)) { try await plain.allocateStreamRelay() }
        for h in hosts { await h.shutdown() }
        await #expect(throws: HostError.shutDown) { try await user.allocateStreamRelay() }
    }

    @Test("pnrp node --nat-traversal --stream-relay-port: the relay listens there on the node's address; pnrp status (text and --json) and the metrics show it")
    func daemonRunsTheStreamRelay() async throws {
        let cluster = try DaemonCluster()
        defer { cluster.cleanup() }
        let address = "127.0.0.76"
        let node = try cluster.start(
            index: 0, address: address, port: 43_576, seeds: [],
            extra: ["--nat-traversal", "--relay-slots", "1", "--stream-relay-port", "43577", "--metrics", "\(address):43578"])
        try await cluster.waitReady()
        // Something that is no hello: answered and counted.
        let stranger = try BlockingTCP(IPv6Endpoint(address: IPv6Address(ipv4: 127, 0, 0, 76), port: 43_577))
        try await stranger.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(try await stranger.receiveToEnd() == [StreamRelayReply.badHello.rawValue])
        let status = try await node.client.status()
        let relay = try #require(status.streamRelay)
        #expect(relay.endpoint == "\(address):43577" && relay.refused == 1 && relay.pairsSpliced == 0)
        let json = try await runBounded(cluster.binary, ["status", "--json", "--state-dir", node.directory], scratch: cluster.root)
        #expect(json.status == 0 && json.stdout.contains("\"streamRelay\"") && json.stdout.contains("\"endpoint\" : \"\(address):43577\""), "\(json)")
        let text = try await runBounded(cluster.binary, ["status", "--state-dir", node.directory], scratch: cluster.root)
        #expect(text.stdout.contains("stream relay on TCP \(address):43577: 0 pairs spliced now"), "\(text)")
        let metrics = try await NodeServiceProcessTests.httpGet(address, 43_578, "/metrics")
        #expect(metrics.contains("pnrp_stream_relay_refused_total 1") && metrics.contains("pnrp_stream_relay_pairs_total 0"), "\(metrics)")
        // Without --nat-traversal there is none.
        let plain = try cluster.start(index: 1, address: "127.0.0.77", port: 43_579, seeds: [])
        try await cluster.waitReady()
        #expect(try await plain.client.status().streamRelay == nil)
    }
}
