import Foundation
import PNRP
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A resolution asked of a node that is still joining its cloud waits for the join, within its time limit.
@Suite("Resolve while joining", .serialized, .timeLimit(.minutes(1)))
struct ResolveWhileJoiningTests {
    static let address = "127.0.0.62"
    static func basePort() -> UInt16 { UInt16(47_000 + Int(getpid() % 100) * 10) }

    @Test("Asked at once after start, a resolution waits for the join and finds the seed's name")
    func waitsForTheJoin() async throws {
        let base = Self.basePort()
        var seedConfiguration = try TestHosts.configuration(address: Self.address, port: base, seeds: [])
        seedConfiguration.node.retransmitInterval = .seconds(1)
        let seed = try await PNRPHost.start(seedConfiguration, logger: TestHosts.logger)
        let registration = try await seed.register(try PeerName("0.published-by-seed"), endpoints: [])
        var joinerConfiguration = try TestHosts.configuration(address: Self.address, port: base + 1, seeds: ["\(Self.address):\(base)"])
        joinerConfiguration.node.retransmitInterval = .seconds(1)
        let joiner = try await PNRPHost.start(joinerConfiguration, logger: TestHosts.logger)
        let daemon = NodeDaemon(host: joiner, stateDirectory: nil)
        let response = await daemon.handle(.resolve(ResolveArguments(name: "0.published-by-seed", timeoutSeconds: 10)))
        guard case .success(.resolved(let record)) = response else {
            Issue.record("a resolution asked while joining failed: \(response)")
            await registration.cancel()
            await joiner.shutdown()
            await seed.shutdown()
            return
        }
        #expect(record.path.last == "\(Self.address):\(base)")
        await registration.cancel()
        await joiner.shutdown()
        await seed.shutdown()
    }

    @Test("When the join does not finish within the time limit, the answer is a timeout that says the node is still joining")
    func saysWhenTheJoinDoesNotFinish() async throws {
        let base = Self.basePort() + 3
        // The seed's port has no node: the SOLICIT goes unanswered for its 6 tries, one a second.
        var configuration = try TestHosts.configuration(address: Self.address, port: base, seeds: ["\(Self.address):\(base + 1)"])
        configuration.node.retransmitInterval = .seconds(1)
        configuration.node.retryCount = 6
        let joiner = try await PNRPHost.start(configuration, logger: TestHosts.logger)
        defer { Task { await joiner.shutdown() } }
        let daemon = NodeDaemon(host: joiner, stateDirectory: nil)
        let (response, seconds) = await timed { await daemon.handle(.resolve(ResolveArguments(name: "0.anything", timeoutSeconds: 1.5))) }
        guard case .failure(let error) = response else {
            Issue.record("expected a failure, got \(response)")
            return
        }
        #expect(error.kind == .timeout, "\(error)")
        #expect(error.message.contains("still joining the Global_ cloud") && error.message.contains("1.5 s"), "\(error.message)")
        #expect(seconds >= 1.3 && seconds < 5, "answered after \(seconds) s")
    }
}
