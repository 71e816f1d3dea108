import CCrypto
import Glibc
import PeerCrypto
import Testing

/// A process may end while other threads of it still hash (an embedded node's event loop, a session's):
/// the exit must not free libcrypto's state under them. Each run forks a child that hashes through
/// PeerCrypto once, starts two threads calling libcrypto's SHA-256 in a loop, and calls `exit(0)` 2 ms later.
/// Each child first closes every descriptor it inherited, so that other tests' sockets and locks are not kept
/// open by it.
/// With libcrypto's default `atexit` clean-up, several runs of forty end in SIGSEGV or SIGABRT (double free).
@Suite("Exit while other threads hash")
struct ExitWhileHashingTests {
    @Test("Forty processes that exit while two threads hash all end with status 0")
    func exitWhileHashing() async throws {
        _ = SHA256.hash([1, 2, 3])  // initialises libcrypto the way every PeerCrypto entry point does
        var normal = 0, crashed: [String] = [], hung = 0
        for _ in 0..<40 {
            let pid = fork()
            if pid == 0 {
                // First of all, let go of every descriptor inherited from the test process (other tests' sockets
                // and locks), so that nothing of theirs stays open for the child's few milliseconds.
                closefrom(3)
                _ = SHA1.hash([4, 5, 6])
                for _ in 0..<2 {
                    var thread = pthread_t()
                    _ = pthread_create(
                        &thread, nil,
                        { _ in
                            let input = UnsafeMutablePointer<UInt8>.allocate(capacity: 64)
                            input.initialize(repeating: 7, count: 64)
                            let output = UnsafeMutablePointer<UInt8>.allocate(capacity: 32)
                            while true { _ = CCrypto.SHA256(input, 64, output) }
                        }, nil)
                }
                usleep(2_000)
                exit(0)
            }
            try #require(pid > 0, "fork failed: errno \(errno)")
            var status: Int32 = 0
            var waited = 0
            while waitpid(pid, &status, WNOHANG) == 0 {
                if waited >= 500 {  // 5 s: a child that hangs says nothing either way
                    kill(pid, SIGKILL)
                    waitpid(pid, &status, 0)
                    hung += 1
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            if waited >= 500 { continue }
            let signal = status & 0x7f
            if signal == 0, (status >> 8) & 0xff == 0 {
                normal += 1
            } else {
                crashed.append(signal != 0 ? "signal \(signal)" : "status \((status >> 8) & 0xff)")
            }
        }
        #expect(crashed.isEmpty, "\(crashed.count) of 40 ended abnormally: \(crashed)")
        #expect(normal >= 30, "only \(normal) of 40 exited (hung: \(hung))")
    }
}
