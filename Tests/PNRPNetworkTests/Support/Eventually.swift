import Foundation

/// Polls `condition` every 50 ms for at most `seconds`; true as soon as it holds.
func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(Int(seconds * 1000))
    while clock.now < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Seconds `body` took, and its result.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    let d = clock.now - start
    return (value, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
}

/// Elapsed time at named points of a long test, printed to explain where its time goes.
final class Phases {
    private let clock = ContinuousClock()
    private let start = ContinuousClock.now
    private var marks: [(String, Double)] = []

    func mark(_ name: String) {
        let d = clock.now - start
        marks.append((name, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
    }

    var report: String { marks.map { "\($0.0) \(String(format: "%.1f", $0.1))" }.joined(separator: ", ") }
}

/// A flag one task sets and another polls.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }

    var isSet: Bool { lock.withLock { value } }
}
