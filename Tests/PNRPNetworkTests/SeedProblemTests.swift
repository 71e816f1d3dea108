import Foundation
import Logging
import PNRP
import PNRPNetwork
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A log handler that keeps every message of level warning and above.
final class CapturedWarnings: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var captured: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .warning else { return }
        lock.withLock { captured.append("\(event.message)") }
    }

    var messages: [String] { lock.withLock { captured } }
}

/// Seeds that cannot help are reported, at the default log level and in `status`.
@Suite("Seed problems", .serialized, .timeLimit(.minutes(1)))
struct SeedProblemTests {
    static let address = "127.0.0.63"
    static func basePort() -> UInt16 { UInt16(47_000 + Int(getpid() % 100) * 10) }

    @Test("A seed of the other address family is reported at start; a dead seed after the answer timeout; a live one never")
    func unusableAndSilentSeeds() async throws {
        let base = Self.basePort()
        let live = try await PNRPHost.start(try TestHosts.configuration(address: Self.address, port: base + 2, seeds: []), logger: TestHosts.logger)
        let warnings = CapturedWarnings()
        let logger = Logger(label: "seed-test") { _ in warnings }
        var configuration = try TestHosts.configuration(
            address: Self.address, port: base, seeds: ["[::1]:\(base + 5)", "\(Self.address):\(base + 1)", "\(Self.address):\(base + 2)"])
        configuration.seedAnswerTimeout = .seconds(2)
        let host = try await PNRPHost.start(configuration, logger: logger)
        let daemon = NodeDaemon(host: host, stateDirectory: nil)

        let family = warnings.messages.filter { $0.contains("[::1]:\(base + 5)") }
        #expect(family.count == 1 && family.first?.contains("IPv6") == true && family.first?.contains("IPv4") == true, "\(warnings.messages)")
        let dead = "seed \(Self.address):\(base + 1) has not answered"
        let reported = await eventually(20) { warnings.messages.contains { $0.contains(dead) } }
        #expect(reported, "\(warnings.messages)")
        #expect(!warnings.messages.contains { $0.contains("\(Self.address):\(base + 2)") }, "the live seed was reported: \(warnings.messages)")
        // Each problem once, however long the node keeps trying.
        try await Task.sleep(for: .seconds(1.5))
        #expect(warnings.messages.filter { $0.contains(dead) }.count == 1)

        guard case .success(.status(let status)) = await daemon.handle(.status) else {
            Issue.record("no status")
            return
        }
        let problems = status.seedProblems ?? []
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.contains("[::1]:\(base + 5)") } && problems.contains { $0.contains(dead) })
        await host.shutdown()
        await live.shutdown()
    }
}
