import Foundation
import NetworkLab
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blocking work handed to `offCooperativePool` runs beside the cooperative pool, not on it.
@Suite("Blocking work off the cooperative pool", .timeLimit(.minutes(1)))
struct OffCooperativePoolTests {
    /// How many bodies block at once, and the most that did.
    final class Overlap: @unchecked Sendable {
        private let lock = NSLock()
        private var now = 0
        private(set) var most = 0
        func enter() { lock.withLock { now += 1; most = max(most, now) } }
        func leave() { lock.withLock { now -= 1 } }
        var peak: Int { lock.withLock { most } }
    }

    @Test("twice as many 1-second blocking bodies as there are cores all block at once, beside the cooperative pool")
    func blockingBodiesLeaveThePoolFree() async throws {
        // The pool has one thread per core (and on Linux DispatchQueue.global() shares them): bodies run on
        // either never all block at once, and hold up every task while they do. The heartbeat's stop is in the
        // message only: while a whole test run starts, the pool's own work stops it for a second too.
        let bodies = 2 * ProcessInfo.processInfo.activeProcessorCount
        let overlap = Overlap()
        let clock = ContinuousClock()
        // A heartbeat of the pool: the longest gap between wake-ups of a task that sleeps 10 ms at a time.
        let heartbeat = Task { () -> Duration in
            var last = clock.now, worst = Duration.zero
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
                let now = clock.now
                worst = max(worst, now - last)
                last = now
            }
            return worst
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<bodies {
                group.addTask {
                    try await offCooperativePool {
                        overlap.enter()
                        usleep(1_000_000)
                        overlap.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        heartbeat.cancel()
        let worst = await heartbeat.value
        #expect(overlap.peak == bodies, "at most \(overlap.peak) of \(bodies) bodies blocked at once (heartbeat stopped for \(worst) at most)")
    }
}
