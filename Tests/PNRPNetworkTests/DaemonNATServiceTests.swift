import Foundation
import PNRP
import PNRPNetwork
import Testing

/// An application publishing through a `pnrp node --nat-traversal` learns the NAT in front of both and gets
/// stream relay allocations from the node's relay through the control socket (`reachability`, `stream-relay`):
/// `DaemonNameService` is a `NATAwareNameService` as an embedded host is. On loopback every node reaches every
/// other, so the daemon's host is told to believe it is behind a NAT (`assumeBehindNATForTesting`).
@Suite("NAT traversal through a pnrp node's control socket", .serialized, .timeLimit(.minutes(3)))
struct DaemonNATServiceTests {
    static let relayAddress = "127.0.0.81", relayPort: UInt16 = 43_581

    @Test("reachability and stream-relay through the socket: unknown at first, then behind a NAT with an allocation whose token the relay splices; off and refused without NAT traversal; hostile arguments refused")
    func throughTheDaemon() async throws {
        let seed = "\(Self.relayAddress):\(Self.relayPort)"
        let relay = try await StreamRelayHostTests.start(
            try StreamRelayHostTests.configuration(Self.relayAddress, port: Self.relayPort, seeds: [], relaySlots: 2))
        var hosts = [relay]
        defer { Task { [hosts] in for h in hosts { await h.shutdown() } } }
        for (i, address) in ["127.0.0.82", "127.0.0.83"].enumerated() {
            hosts.append(try await StreamRelayHostTests.start(try StreamRelayHostTests.configuration(address, port: 43_582 + UInt16(i), seeds: [seed], relaySlots: 0)))
        }
        let streamRelay = try #require(relay.streamRelay)
        // The relay offers its slots once it knows strangers reach it; on a loaded machine its first checks take a while.
        let reachable = await eventually(60) { (try? await StreamRelayHostTests.global(relay))?.reachability?.hasPrefix("reachable") ?? false }
        let relayState = try await StreamRelayHostTests.global(relay)
        try #require(reachable, "the relay never found itself reachable: \(String(describing: relayState))")

        let temp = try ControlServerTests.TempDirectory()
        defer { temp.remove() }
        let user = try await StreamRelayHostTests.start(
            try StreamRelayHostTests.configuration("127.0.0.84", port: 43_584, seeds: [seed], relaySlots: 0, behindNAT: true))
        hosts.append(user)
        let (server, _) = try await ControlServerTests.serve(NodeDaemon(host: user, stateDirectory: try temp.directory), at: temp.socket)
        defer { server.stop() }
        let service = DaemonNameService(socketPath: temp.socket)

        // Before the verdict: unknown, and no allocation yet (a User waits and asks again on this failure).
        let first = try await ControlClient(socketPath: temp.socket).reachability()
        #expect(first.verdict == "unknown" || first.verdict == "behind-nat", "\(first)")
        if first.verdict == "unknown" {
            await #expect(throws: HostError.streamRelay(.reachabilityUnknown)) { try await service.allocateStreamRelay(timeout: .seconds(5)) }
        }
        let relayed = await eventually(60) { (try? await user.clouds().first { $0.name == CloudScope.global.description })??.publishedEndpoint != nil }
        let userState = try await StreamRelayHostTests.global(user)
        try #require(relayed, "the daemon's node was never relayed: \(String(describing: userState))")
        let reachability = await service.globalReachability()
        guard case .behindNAT? = reachability else {
            Issue.record("the daemon's node should say it is behind a NAT: \(String(describing: reachability))")
            return
        }
        #expect(await service.globalObservedEndpoint()?.address == IPv6Address(ipv4: 127, 0, 0, 84))

        // The allocation crosses the socket intact: the relay splices the token it granted.
        let allocation = try await service.allocateStreamRelay(timeout: .seconds(5))
        #expect(allocation.relayEndpoint == streamRelay.endpoint && allocation.token.count == 16)
        let lifetime = allocation.expires - HostClock.now()
        #expect(lifetime > .minutes(9) && lifetime <= .minutes(10))
        let waiter = try BlockingTCP(allocation.relayEndpoint)
        try await waiter.send(try StreamRelayHello(role: .wait, token: allocation.token).encoded())
        #expect(try await waiter.receive(exactly: 1) == [StreamRelayReply.waiting.rawValue])
        let joiner = try BlockingTCP(allocation.relayEndpoint)
        try await joiner.send(try StreamRelayHello(role: .join, token: allocation.token).encoded() + Array("offer".utf8))
        #expect(try await joiner.receive(exactly: 1) == [StreamRelayReply.ok.rawValue])
        #expect(try await waiter.receive(exactly: 6) == [StreamRelayReply.ok.rawValue] + Array("offer".utf8))
        waiter.close()
        joiner.close()

        // A spliced token is used up and no longer counts against the node's share (4 live tokens): four more
        // allocations are granted, a fifth is refused as busy.
        for n in 0..<4 {
            let more = try await service.allocateStreamRelay(timeout: .seconds(5))
            #expect(more.token != allocation.token, "allocation \(n)")
        }
        do {
            _ = try await service.allocateStreamRelay(timeout: .seconds(5))
            Issue.record("a fifth live token was granted")
        } catch {
            #expect("\(error)".contains("stream relay tokens out"), "\(error)")
        }

        // Out-of-range waits are refused before the node is asked; the error names the field.
        for bad in [0.0, 0.5, 61, -1, 1e308] {
            do {
                _ = try await ControlClient(socketPath: temp.socket).streamRelay(timeoutSeconds: bad)
                Issue.record("timeoutSeconds \(bad) was accepted")
            } catch {
                #expect(error.kind == .badInput && error.message.contains("timeoutSeconds"), "\(error)")
            }
        }

        // A node without NAT traversal: verdict off, and the refusal carries its code.
        let plainTemp = try ControlServerTests.TempDirectory()
        defer { plainTemp.remove() }
        var plainConfiguration = try TestHosts.configuration(address: "127.0.0.85", port: 43_585, seeds: [seed])
        plainConfiguration.natTraversal = false
        let plain = try await PNRPHost.start(plainConfiguration, logger: TestHosts.logger)
        hosts.append(plain)
        let (plainServer, _) = try await ControlServerTests.serve(NodeDaemon(host: plain, stateDirectory: try plainTemp.directory), at: plainTemp.socket)
        defer { plainServer.stop() }
        let plainService = DaemonNameService(socketPath: plainTemp.socket)
        #expect(try await ControlClient(socketPath: plainTemp.socket).reachability() == ReachabilityView(nil, observed: nil))
        #expect(await plainService.globalReachability() == nil)
        await #expect(throws: HostError.streamRelay(.natTraversalOff)) { try await plainService.allocateStreamRelay(timeout: .seconds(2)) }
        for h in hosts { await h.shutdown() }
    }

    @Test("The new requests, replies and error codes round-trip through JSON; unreadable views read as nothing, never as a wrong endpoint")
    func codec() throws {
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        for request in [ControlRequest.reachability, .streamRelay(StreamRelayArguments(timeoutSeconds: 7))] {
            #expect(try decoder.decode(ControlRequest.self, from: encoder.encode(request)) == request)
        }
        let seen = IPv6Endpoint(address: IPv6Address(ipv4: 203, 0, 113, 9), port: 40_001)
        for r: Reachability? in [nil, .unknown, .reachable(observed: seen), .behindNAT(observed: seen, mappingVaries: false), .behindNAT(observed: nil, mappingVaries: true)] {
            let view = ReachabilityView(r, observed: seen)
            let reply = ControlResponse.success(.reachability(view))
            let back = try decoder.decode(ControlResponse.self, from: encoder.encode(reply))
            #expect(back == reply)
            #expect(view.reachability == r && view.observedEndpoint == seen)
        }
        let now = NodeInstant(nanoseconds: 1_000_000_000_000)
        let allocation = StreamAllocation(relayEndpoint: seen, token: Array(0..<16), expires: now + .minutes(10))
        let view = StreamRelayView(allocation, now: now)
        #expect(view.allocation(now: now) == allocation)
        #expect(try decoder.decode(ControlResponse.self, from: encoder.encode(ControlResponse.success(.streamRelay(view)))) == .success(.streamRelay(view)))
        var broken = view
        broken.endpoint = "not an endpoint"
        #expect(broken.allocation(now: now) == nil)
        broken = view
        broken.token = "%%%"
        #expect(broken.allocation(now: now) == nil)
        broken = view
        broken.expiresInSeconds = -.infinity
        #expect(broken.allocation(now: now) == nil)
        #expect(ReachabilityView(.reachable(observed: seen), observed: nil).observedEndpoint == nil)
        var odd = ReachabilityView(.reachable(observed: seen), observed: nil)
        odd.seen = "garbage"
        #expect(odd.reachability == .unknown)
        odd.verdict = "from-the-future"
        #expect(odd.reachability == .unknown)

        for failure in [StreamRelayFailure.natTraversalOff, .reachabilityUnknown, .notBehindNAT, .noRelay, .tooManyRequests, .timedOut] {
            let error = NodeDaemon.controlError(.streamRelay(failure))
            #expect(StreamRelayView.failure(code: error.code) == failure)
            let back = try decoder.decode(ControlResponse.self, from: encoder.encode(ControlResponse.failure(error)))
            #expect(back == .failure(error))
        }
        // An error without a code (every other operation) is written without the field.
        let plain = String(decoding: try encoder.encode(ControlError(.notFound, "x")), as: UTF8.self)
        #expect(!plain.contains("code"), "\(plain)")
    }
}
