#if os(Linux)
    import Foundation
    import Glibc

    /// Doing something inside a named network namespace (`/run/netns/NAME`, as `ip netns add` makes them) from
    /// the test process itself, without a helper process: a dedicated thread enters the namespace with
    /// `setns(2)`, runs the work, and goes back (then ends). A socket made there stays in that namespace for the
    /// whole of its life, whichever thread uses it later: the namespace only decides where it is created.
    public enum NetworkNamespaceEntry {
        /// `CLONE_NEWNET` (linux/sched.h), which the Glibc module does not export.
        static let cloneNewNet: Int32 = 0x4000_0000

        /// glibc's `setns`, looked up at run time: the Glibc module does not export it either.
        private static let setnsFunction: (@convention(c) (Int32, Int32) -> Int32)? = {
            guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "setns") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        }()

        /// Runs `body` on a new thread inside namespace `name` and returns what it returns (or throws what it
        /// throws). Waits at most `seconds` for it.
        public static func perform<T: Sendable>(in name: String, seconds: Double = 30, _ body: @escaping @Sendable () throws -> T) throws -> T {
            let box = Box<T>()
            let done = DispatchSemaphore(value: 0)
            let thread = Thread {
                box.set(Result { try enterAndRun(name, body) })
                done.signal()
            }
            thread.name = "netns \(name)"
            thread.start()
            guard done.wait(timeout: .now() + seconds) == .success, let result = box.get() else {
                throw LabError("work in network namespace \(name) did not finish within \(seconds) s")
            }
            return try result.get()
        }

        /// On the calling (dedicated) thread: enter `name`, run `body`, go back to the thread's own namespace.
        private static func enterAndRun<T>(_ name: String, _ body: () throws -> T) throws -> T {
            guard let setns = setnsFunction else { throw LabError("setns(2) not found in the C library") }
            let original = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            guard original >= 0 else { throw LabError("open /proc/thread-self/ns/net: \(String(cString: strerror(errno)))") }
            defer { close(original) }
            let target = open("/run/netns/" + name, O_RDONLY | O_CLOEXEC)
            guard target >= 0 else { throw LabError("open /run/netns/\(name): \(String(cString: strerror(errno)))") }
            defer { close(target) }
            guard setns(target, cloneNewNet) == 0 else { throw LabError("setns into \(name): \(String(cString: strerror(errno)))") }
            // Back even when the body throws. Should going back fail, nothing is lost: the thread ends right after.
            defer { _ = setns(original, cloneNewNet) }
            return try body()
        }

        /// The result, handed from the dedicated thread to the waiting one.
        private final class Box<T: Sendable>: @unchecked Sendable {
            private let lock = NSLock()
            private var value: Result<T, any Error>?
            func set(_ v: Result<T, any Error>) { lock.withLock { value = v } }
            func get() -> Result<T, any Error>? { lock.withLock { value } }
        }
    }
#endif
