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

/// A log handler that keeps every message with its level and metadata.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(Logger.Level, String)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.withLock { lines.append((event.level, "\(event.message) \(fields)")) }
    }

    /// The messages at `level` or above.
    func messages(atLeast level: Logger.Level) -> [String] { lock.withLock { lines.filter { $0.0 >= level }.map(\.1) } }
    /// The messages at exactly `level`.
    func messages(at level: Logger.Level) -> [String] { lock.withLock { lines.filter { $0.0 == level }.map(\.1) } }
}

/// What the node tells an operator: at info, how it joins and what it registers and revokes; at debug, each
/// resolution.
@Suite("The node's log for an operator", .serialized, .timeLimit(.minutes(1)))
struct OperatorLogTests {
    @Test("info: joining (with the seeds), registered, revoked; debug: each resolution with its outcome")
    func operatorLog() async throws {
        let port = UInt16(47_600 + Int(getpid() % 100) * 3)
        let log = CapturedLog()
        let host = try await PNRPHost.start(
            try TestHosts.configuration(address: "127.0.0.64", port: port, seeds: ["127.0.0.64:\(port + 1)"]), logger: Logger(label: "operator") { _ in log })
        let name = try PeerName("0.operator-log")
        let registration = try await host.register(name)
        _ = try? await host.resolve(try PeerName("0.nobody-publishes-this"), timeout: .milliseconds(300))
        await registration.cancel()
        await host.shutdown()
        let info = log.messages(at: .info)
        #expect(info.contains { $0.contains("joining the global cloud") && $0.contains("127.0.0.64:\(port + 1)") }, "\(info)")
        #expect(info.contains { $0.hasPrefix("registered") && $0.contains("0.operator-log") && $0.contains("Global_") }, "\(info)")
        #expect(info.contains { $0.hasPrefix("revoked") && $0.contains("0.operator-log") }, "\(info)")
        let debug = log.messages(at: .debug)
        #expect(debug.contains { $0.hasPrefix("resolution ended without a record") && $0.contains("0.nobody-publishes-this") }, "\(debug.suffix(5))")
    }
}
