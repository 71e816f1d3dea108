import Dispatch

/// Runs `body` on a thread outside Swift's cooperative pool and returns what it returns (or throws what it throws).
///
/// The cooperative pool has one thread per core, and every test of the test process shares it: a body that
/// blocks its thread (waits for a process, reads a blocking socket, sleeps) holds up all other tasks, and two
/// at once on two cores stop them all, so that their waits run out together. The body runs on a queue of its
/// own, which gets a thread even while others block: on Linux, `DispatchQueue.global()` shares its few
/// threads with the cooperative pool and would hold it up the same way.
public func offCooperativePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "off the cooperative pool").async { continuation.resume(with: Result { try body() }) }
    }
}
