import Dispatch
import Testing

/// One thread outside Swift's cooperative pool for tests that compute for seconds (clouds of a thousand
/// simulated nodes, every mutation of a file): the body of a test with the trait `.onComputeThread` runs there.
///
/// Run on the pool, two such tests hold its two threads (one per core) for a minute, and every other test's
/// task waits behind them until its own time limits run out. On this one shared thread they run one at a time,
/// on one core at most, and leave the pool to the rest.
public final class ComputeThread: TaskExecutor {
    public static let shared = ComputeThread()
    private let queue = DispatchQueue(label: "compute thread")

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs each test of a suite or test (`.onComputeThread`) with `ComputeThread.shared` as its executor.
public struct ComputeThreadTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(ComputeThread.shared) { try await function() }
    }
}

extension Trait where Self == ComputeThreadTrait {
    /// The test's body runs on `ComputeThread.shared`, outside the cooperative pool.
    public static var onComputeThread: Self { Self() }
}
