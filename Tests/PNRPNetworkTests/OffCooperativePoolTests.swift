import Foundation
import NetworkLab
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blocking work handed to `offCooperativePool` leaves the cooperative pool free for every other task.
@Suite("Blocking work off the cooperative pool", .timeLimit(.minutes(1)))
struct OffCooperativePoolTests {
    @Test("twice as many 1-second blocking bodies as there are cores hold up no async task for 500 ms")
    func blockingBodiesLeaveThePoolFree() async throws {
        let bodies = 2 * ProcessInfo.processInfo.activeProcessorCount
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
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<bodies {
                group.addTask { _ = try await offCooperativePool { usleep(1_000_000) } }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - started
        heartbeat.cancel()
        let worst = await heartbeat.value
        #expect(worst < .milliseconds(500), "the heartbeat stopped for \(worst) while \(bodies) bodies blocked (\(elapsed) in all)")
        #expect(elapsed < .milliseconds(2500), "\(bodies) bodies of 1 s took \(elapsed) side by side")
    }
}
